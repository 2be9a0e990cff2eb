#!/usr/bin/env python3
"""Walk one new clue round the closed loop through the API alone, with the demo accounts.

The deputy records a clue; the town and county staff make it a suggestion and take it
through every step of the main line (submit → assign → acknowledge → progress → reply →
rate → conclude → verify-implemented → look-back), each step by the role the workflow gives
it. On the way the script tries steps that must be refused and checks how:

- a step the suggestion's state does not allow: 409, with ``state`` and ``allowed_steps``;
- a step the user's role may not take: 403;
- an item outside the user's scope: 404;
- bad input: 400, with the field's error.

It also checks that every step taken is offered in ``allowed_steps`` just before it is taken,
and that the timeline lists exactly the steps taken. One line is printed per request; the exit
status is 0 only if every response was the one expected.

Standard library only, so it runs against any daibiao server::

    python scripts/walk_loop.py --base-url http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# Who plays which part, by default the demo county's logins.
PARTS = {
    "deputy": "deputy-demo",  # a deputy of 武安镇: records the clue, rates, looks back
    "town": "town-wuan",  # 武安镇's presidium: makes the suggestion, submits, concludes
    "county": "county",  # the county's staff: assigns, verifies on the ground
    "unit": "unit-jiaotong",  # 县交通运输局: acknowledges, reports progress, replies
    "leader": "leader",  # the leading group: sees the county, supervises, writes no steps here
    "outsider": "town-jiuji",  # 九集镇's presidium: the item is not theirs to see
}
EXPECTED_ROLES = {
    "deputy": "deputy",
    "town": "town_staff",
    "county": "county_staff",
    "unit": "unit_staff",
    "leader": "leader",
    "outsider": "town_staff",
}
# The events the timeline must list, in order, once the walk is done.
TIMELINE = [
    "create",
    "submit",
    "assign",
    "acknowledge",
    "progress",
    "reply",
    "rate",
    "conclude",
    "verify_implemented",
    "look_back",
]


class Abort(Exception):
    """The main line could not go on: a step that must succeed did not."""


class Walk:
    def __init__(self, base_url: str, users: dict[str, str], password: str, language: str, timeout: float):
        self.base = base_url.rstrip("/")
        self.users = users
        self.password = password
        self.language = language
        self.timeout = timeout
        self.tokens: dict[str, str] = {}
        self.me: dict[str, dict] = {}
        self.requests = 0
        self.refusals = 0
        self.differences: list[str] = []
        self.state = "-"  # the suggestion's state as the walk knows it
        self.sid: int | None = None

    # --- HTTP -----------------------------------------------------------------------------

    def http(self, method: str, path: str, part: str | None = None, data=None) -> tuple[int, object]:
        """One request; returns the status and the decoded JSON body (or the raw text)."""
        headers = {"Accept": "application/json"}
        if self.language:
            headers["Accept-Language"] = self.language
        body = None
        if data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        if part is not None and part in self.tokens:
            headers["Authorization"] = f"Token {self.tokens[part]}"
        # The scheme is checked in ``parse_args``: only http and https reach here.
        request = urllib.request.Request(  # noqa: S310
            self.base + path, data=body, method=method, headers=headers
        )
        self.requests += 1
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        text = raw.decode("utf-8", "replace")
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text

    # --- reporting ------------------------------------------------------------------------

    def line(self, ok: bool, label: str, part: str, method: str, status: int, want, state: str, extra=""):
        mark = "ok" if ok else "!!"
        shown = f"{status}" if status == want or want is None else f"{status} (want {want})"
        user = self.users.get(part, part)
        text = f"[{mark}] {label:<46} {user:<14} {method:<4} {shown:<14} {state}"
        print(f"{text}  {extra}".rstrip(), flush=True)

    def differ(self, message: str) -> None:
        self.differences.append(message)

    # --- the building blocks --------------------------------------------------------------

    def login(self, part: str) -> None:
        username = self.users[part]
        status, body = self.http(
            "POST", "/api/v1/auth/token/", data={"username": username, "password": self.password}
        )
        ok = status == 200 and isinstance(body, dict) and "token" in body
        self.line(ok, "log in (token)", part, "POST", status, 200, "-")
        if not ok:
            self.differ(f"log in as {username}: HTTP {status} {body!r}")
            raise Abort(f"cannot log in as {username}")
        self.tokens[part] = body["token"]
        status, me = self.http("GET", "/api/v1/me/", part)
        roles = me.get("roles", []) if isinstance(me, dict) else []
        ok = status == 200 and EXPECTED_ROLES[part] in roles
        self.line(ok, "who am I (/me/)", part, "GET", status, 200, "-", f"roles: {', '.join(roles)}")
        if not ok:
            self.differ(f"{username} should hold the role {EXPECTED_ROLES[part]}, has {roles}")
            raise Abort(f"{username} is not a {EXPECTED_ROLES[part]}")
        self.me[part] = me

    def url(self, step: str | None = None) -> str:
        base = f"/api/v1/suggestions/{self.sid}/"
        return base if step is None else f"{base}{step}/"

    def look(self, part: str, *, offered: str | None = None, not_offered: str | None = None) -> dict:
        """Read the suggestion as ``part``; check its state and what it offers them."""
        status, body = self.http("GET", self.url(), part)
        body = body if isinstance(body, dict) else {}
        state = body.get("state", "-")
        allowed = body.get("allowed_steps", [])
        problems = []
        if status != 200:
            problems.append(f"HTTP {status}")
        if state != self.state:
            problems.append(f"state {state!r}, expected {self.state!r}")
        if offered is not None and offered not in allowed:
            problems.append(f"{offered!r} not in allowed_steps {allowed}")
        if not_offered is not None and not_offered in allowed:
            problems.append(f"{not_offered!r} offered in allowed_steps {allowed}")
        label = "read: offers " + offered if offered else "read"
        if not_offered:
            label += f" (not {not_offered})"
        self.line(not problems, label, part, "GET", status, 200, state, f"allowed: {', '.join(allowed)}")
        for problem in problems:
            self.differ(f"{self.users[part]} reading suggestion {self.sid}: {problem}")
        return body

    def step(self, part: str, step: str, data=None, *, to: str, offers=(), drops=()) -> dict:
        """A step of the main line: offered to ``part`` now, then taken, ending in ``to``; the
        answer's ``allowed_steps`` (for ``part``, in the new state) must hold ``offers`` and
        none of ``drops``."""
        self.look(part, offered=step)
        status, body = self.http("POST", self.url(step), part, data or {})
        body = body if isinstance(body, dict) else {}
        state = body.get("state", "-")
        allowed = body.get("allowed_steps", [])
        ok = status == 200 and state == to
        problems = [f"{s!r} not in allowed_steps {allowed} after {step}" for s in offers if s not in allowed]
        problems += [f"{s!r} still in allowed_steps {allowed} after {step}" for s in drops if s in allowed]
        self.line(
            ok and not problems, step, part, "POST", status, 200, state, f"allowed: {', '.join(allowed)}"
        )
        for problem in problems:
            self.differ(f"{step} by {self.users[part]}: {problem}")
        if not ok:
            self.differ(
                f"{step} by {self.users[part]}: HTTP {status}, state {state!r} (expected 200, {to!r}): {body}"
            )
            raise Abort(f"the main line stopped at {step}")
        self.state = to
        return body

    def refuse(
        self,
        label: str,
        part: str,
        step: str,
        data=None,
        *,
        status: int,
        field: str | None = None,
        method: str = "POST",
    ) -> None:
        """A request that must be refused with ``status`` and change nothing."""
        self.refusals += 1
        path = self.url(step) if step != "read" else self.url()
        got, body = self.http(method, path, part, (data or {}) if method == "POST" else None)
        problems = []
        if got != status:
            problems.append(f"HTTP {got}, expected {status}")
        elif status == 409:
            if not isinstance(body, dict) or "state" not in body or "allowed_steps" not in body:
                problems.append(f"409 without state and allowed_steps: {body}")
            else:
                if body["state"] != self.state:
                    problems.append(f"409 says state {body['state']!r}, expected {self.state!r}")
                if step in body["allowed_steps"]:
                    problems.append(f"409, yet {step!r} is in allowed_steps {body['allowed_steps']}")
        elif status == 400:
            if not isinstance(body, dict) or field not in body:
                problems.append(f"400 without a {field!r} field error: {body}")
        elif status in (403, 404) and not (isinstance(body, dict) and "detail" in body):
            problems.append(f"{status} without a detail: {body}")
        extra = ""
        if isinstance(body, dict):
            if got == 409 and "allowed_steps" in body:
                extra = f"allowed: {', '.join(body['allowed_steps'])}"
            elif got == 400 and field in body:
                extra = f"{field}: {body[field]}"
        shown_state = body.get("state", self.state) if isinstance(body, dict) else self.state
        self.line(not problems, f"refused: {label}", part, method, got, status, shown_state, extra)
        for problem in problems:
            self.differ(f"{label} ({self.users[part]} {method} {path}): {problem}")
        if got == 200 and method == "POST" and isinstance(body, dict) and "state" in body:
            # It went through: the walk follows the server from here, so that later checks
            # report what they find rather than a cascade of stale expectations.
            self.state = body["state"]

    # --- the walk -------------------------------------------------------------------------

    def run(self) -> None:
        tag = time.strftime("%Y%m%d-%H%M%S")
        for part in PARTS:
            self.login(part)
        deputy_id = self.me["deputy"].get("deputy")
        unit_id = self.me["unit"].get("unit")
        if not deputy_id or not unit_id:
            self.differ(f"/me/ gives no deputy ({deputy_id}) or no unit ({unit_id})")
            raise Abort("the demo accounts are not bound as expected")

        # The deputy records a clue; bad input is refused field by field.
        status, body = self.http("POST", "/api/v1/clues/", "deputy", {"title": "", "content": ""})
        ok = status == 400 and isinstance(body, dict) and {"title", "content"} <= set(body)
        self.refusals += 1
        self.line(ok, "refused: clue without title or content", "deputy", "POST", status, 400, "-")
        if not ok:
            self.differ(f"a clue without title or content: HTTP {status} {body}")
        status, clue = self.http(
            "POST",
            "/api/v1/clues/",
            "deputy",
            {
                "title": f"堰塘边人行道缺少护栏 {tag}",
                "content": "王家坡堰塘边约700米人行道没有护栏，群众反映夜间通行不安全。",
            },
        )
        clue = clue if isinstance(clue, dict) else {}
        ok = status == 201 and clue.get("state") == "open" and clue.get("recorded_by") == deputy_id
        self.line(ok, "record a clue", "deputy", "POST", status, 201, clue.get("state", "-"))
        if not ok:
            self.differ(f"recording a clue: HTTP {status} {clue}")
            raise Abort("no clue")
        clue_id = clue["id"]
        status, _ = self.http("GET", f"/api/v1/clues/{clue_id}/", "outsider")
        self.refusals += 1
        self.line(status == 404, "refused: outsider reads the clue", "outsider", "GET", status, 404, "open")
        if status != 404:
            self.differ(f"{self.users['outsider']} reading clue {clue_id}: HTTP {status}, expected 404")

        # The town's staff make it a suggestion led by the deputy, naming the clue.
        status, body = self.http(
            "POST",
            "/api/v1/suggestions/",
            "town",
            {
                "title": f"在王家坡堰塘边安装安全护栏 {tag}",
                "content": "建议县交通运输局在堰塘边人行道加装护栏并设置警示标志。",
                "clues": [clue_id],
                "lead_deputy": deputy_id,
                "tier": "county",
                "category": "transport",
            },
        )
        body = body if isinstance(body, dict) else {}
        ok = (
            status == 201
            and body.get("state") == "draft"
            and body.get("clues") == [clue_id]
            and body.get("lead_deputy") == deputy_id
        )
        self.line(ok, "make it a suggestion", "town", "POST", status, 201, body.get("state", "-"))
        if not ok:
            self.differ(f"making the suggestion: HTTP {status} {body}")
            raise Abort("no suggestion")
        self.sid, self.state = body["id"], "draft"
        print(f"     suggestion {self.sid} from clue {clue_id}", flush=True)
        status, clue = self.http("GET", f"/api/v1/clues/{clue_id}/", "deputy")
        clue = clue if isinstance(clue, dict) else {}
        ok = status == 200 and clue.get("state") == "merged" and clue.get("suggestion") == self.sid
        self.line(ok, "read the clue: merged", "deputy", "GET", status, 200, clue.get("state", "-"))
        if not ok:
            self.differ(f"the clue should be merged into {self.sid}: HTTP {status} {clue}")

        # Draft.
        self.refuse("conclude a draft", "town", "conclude", status=409)
        self.refuse("unit reads an item not given to it", "unit", "read", method="GET", status=404)
        self.refuse("outsider reads the item", "outsider", "read", method="GET", status=404)
        self.refuse("outsider submits the item", "outsider", "submit", status=404)
        self.step("town", "submit", to="submitted", offers=["assign"], drops=["submit"])

        # Submitted: only the staff assign.
        assign = {"lead_unit": unit_id, "note": "请按期办理。"}
        self.refuse("deputy assigns", "deputy", "assign", assign, status=403)
        self.refuse("leader assigns", "leader", "assign", assign, status=403)
        self.refuse("unit acknowledges before assignment", "unit", "acknowledge", status=404)
        self.refuse(
            "assign to a unit that does not exist",
            "county",
            "assign",
            {"lead_unit": 999999999},
            status=400,
            field="lead_unit",
        )
        self.refuse("submit twice", "town", "submit", status=409)
        self.step("county", "assign", assign, to="assigned", drops=["assign"])
        body = self.look("unit", offered="acknowledge", not_offered="reply")
        if body.get("lead_unit") != unit_id:
            self.differ(f"lead_unit is {body.get('lead_unit')}, expected {unit_id}")

        # Assigned: the unit must acknowledge before anything else.
        self.refuse("assign twice", "county", "assign", assign, status=409)
        self.refuse(
            "unit replies before acknowledging",
            "unit",
            "reply",
            {"category": "A", "text": "已办理。"},
            status=409,
        )
        self.refuse(
            "unit rates", "unit", "rate", {"attitude": "satisfied", "result": "satisfied"}, status=403
        )
        self.refuse("deputy acknowledges for the unit", "deputy", "acknowledge", status=403)
        self.refuse("outsider acknowledges", "outsider", "acknowledge", status=404)
        self.step("unit", "acknowledge", to="handling", offers=["progress", "reply"], drops=["acknowledge"])

        # Handling.
        self.refuse("acknowledge twice", "unit", "acknowledge", status=409)
        self.step(
            "unit", "progress", {"text": "已完成现场勘查，护栏材料已采购。"}, to="handling", offers=["reply"]
        )
        self.refuse(
            "deputy rates before the reply",
            "deputy",
            "rate",
            {"attitude": "satisfied", "result": "satisfied"},
            status=409,
        )
        self.refuse("leader concludes", "leader", "conclude", status=403)
        self.refuse("conclude before the reply", "town", "conclude", status=409)
        self.refuse(
            "reply of class E",
            "unit",
            "reply",
            {"category": "E", "text": "已办理。"},
            status=400,
            field="category",
        )
        self.refuse(
            "reply without text", "unit", "reply", {"category": "A", "text": ""}, status=400, field="text"
        )
        self.step(
            "unit",
            "reply",
            {"category": "A", "text": "已在堰塘边安装护栏700米并设置警示标志。"},
            to="replied",
            drops=["reply"],
        )

        # Replied: the leading deputy rates before the staff may conclude.
        self.look("town", not_offered="conclude")
        self.refuse("conclude before the rating", "town", "conclude", status=409)
        self.refuse(
            "unit rates its own reply",
            "unit",
            "rate",
            {"attitude": "satisfied", "result": "satisfied"},
            status=403,
        )
        self.refuse(
            "outsider rates", "outsider", "rate", {"attitude": "satisfied", "result": "satisfied"}, status=404
        )
        self.refuse(
            "rate with an unknown value",
            "deputy",
            "rate",
            {"attitude": "satisfied", "result": "great"},
            status=400,
            field="result",
        )
        self.refuse(
            "unit replies twice", "unit", "reply", {"category": "A", "text": "再次答复。"}, status=409
        )
        self.step(
            "deputy",
            "rate",
            {"attitude": "satisfied", "result": "satisfied", "comment": "护栏装得很好。"},
            to="rated",
            drops=["rate"],
        )

        # Rated.
        self.refuse(
            "rate twice", "deputy", "rate", {"attitude": "satisfied", "result": "satisfied"}, status=409
        )
        self.refuse(
            "verify before concluding", "county", "verify-implemented", {"evidence": "现场查看。"}, status=409
        )
        self.step(
            "town",
            "conclude",
            {"note": "答复为A类，代表满意。"},
            to="concluded",
            offers=["verify-implemented"],
            drops=["conclude"],
        )

        # Concluded: verification on the ground is offered to the staff.
        self.refuse("unit verifies", "unit", "verify-implemented", {"evidence": "现场查看。"}, status=403)
        self.refuse("deputy verifies", "deputy", "verify-implemented", {"evidence": "现场查看。"}, status=403)
        self.refuse(
            "verify without evidence",
            "county",
            "verify-implemented",
            {"evidence": ""},
            status=400,
            field="evidence",
        )
        self.refuse("conclude twice", "town", "conclude", status=409)
        self.step(
            "county",
            "verify-implemented",
            {"evidence": "现场查看，护栏牢固，警示标志清晰。"},
            to="implemented",
            offers=["look-back"],
            drops=["verify-implemented"],
        )

        # Implemented: a look back, by the deputy behind it.
        self.refuse("verify twice", "county", "verify-implemented", {"evidence": "再次查看。"}, status=409)
        self.refuse("unit looks back", "unit", "look-back", {"finding": "完好。"}, status=403)
        self.refuse("outsider looks back", "outsider", "look-back", {"finding": "完好。"}, status=404)
        self.refuse(
            "look back without a finding", "deputy", "look-back", {"finding": ""}, status=400, field="finding"
        )
        self.step(
            "deputy",
            "look-back",
            {"finding": "三个月后回访，护栏完好，群众满意。"},
            to="implemented",
            offers=["look-back"],
        )

        # What the others see at the end.
        self.look("leader")
        self.look("unit", not_offered="reply")
        self.refuse("outsider reads the item", "outsider", "read", method="GET", status=404)
        self.timeline()

    def timeline(self) -> None:
        status, events = self.http("GET", self.url("timeline"), "deputy")
        events = events if isinstance(events, list) else []
        steps = [e.get("step") for e in events]
        problems = []
        if status != 200:
            problems.append(f"HTTP {status}")
        if steps != TIMELINE:
            problems.append(f"steps {steps}, expected {TIMELINE}")
        for before, after in itertools.pairwise(events):
            if after.get("from_state") != before.get("to_state"):
                problems.append(
                    f"{after.get('step')} starts from {after.get('from_state')!r}, "
                    f"but {before.get('step')} ended in {before.get('to_state')!r}"
                )
        last = events[-1].get("to_state", "-") if events else "-"
        self.line(not problems, "timeline", "deputy", "GET", status, 200, last, f"{len(events)} events")
        for event in events:
            print(
                f"       {event.get('step', '?'):<20} {event.get('from_state') or '-':>11} → "
                f"{event.get('to_state', '?'):<12} {event.get('actor_name', '')}"
            )
        for problem in problems:
            self.differ(f"timeline of {self.sid}: {problem}")


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Walk a new clue round the closed loop through the daibiao API and check every refusal."
    )
    parser.add_argument(
        "--base-url", default="http://127.0.0.1:8000", help="the server (default: %(default)s)"
    )
    parser.add_argument(
        "--password", default="demo12345", help="every account's password (default: the demo's)"
    )
    for part, username in PARTS.items():
        parser.add_argument(
            f"--{part}",
            default=username,
            metavar="USERNAME",
            help=f"the {part} account (default: %(default)s)",
        )
    parser.add_argument(
        "--language", default="en", help="Accept-Language of the requests (default: %(default)s)"
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, help="seconds per request (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    if urllib.parse.urlsplit(args.base_url).scheme not in ("http", "https"):
        parser.error("--base-url must be an http:// or https:// address")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    users = {part: getattr(args, part) for part in PARTS}
    walk = Walk(args.base_url, users, args.password, args.language, args.timeout)
    print(f"Walking the loop at {walk.base}", flush=True)
    try:
        walk.run()
    except Abort as exc:
        walk.differ(f"stopped: {exc}")
    except (urllib.error.URLError, OSError) as exc:
        walk.differ(f"cannot reach {walk.base}: {exc}")
    if walk.differences:
        print(f"\nFAILED: {len(walk.differences)} difference(s) in {walk.requests} requests:")
        for difference in walk.differences:
            print(f"  - {difference}")
        return 1
    print(
        f"\nOK: suggestion {walk.sid} walked to a look-back in {walk.requests} requests; "
        f"all {walk.refusals} refusals came as expected."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
