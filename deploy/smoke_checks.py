"""The checks of deploy/smoke.sh against the running deployment; exits 1 if any fails.

Run by smoke.sh with the app's environment (the production settings, DATABASE_URL,
DATABASE_REPLICA_URL, REDIS_URL …); it talks HTTP to nginx and to each app process, and reads
both databases and the replica's statement log directly."""

from __future__ import annotations

import argparse
import http.client
import json
import re
import sys
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg
import redis

PASSWORD = "demo12345"  # noqa: S105 — the demo county's published password (demo mode only)
PIN_COOKIE = "daibiao_primary"
failures: list[str] = []


def check(ok: bool, what: str, detail: str = "") -> bool:
    print(f"{'PASS' if ok else 'FAIL'}  {what}" + (f"  ({detail})" if detail else ""), flush=True)
    if not ok:
        failures.append(what)
    return ok


class Browser:
    """A minimal HTTP client with its own cookie jar: the production cookies are Secure, which
    ordinary clients would not send over the smoke test's plain HTTP."""

    def __init__(self, base: str):
        self.base = urllib.parse.urlsplit(base)
        self.cookies: dict[str, str] = {}

    def request(self, method, path, *, body=None, headers=None, base=None):
        target = urllib.parse.urlsplit(base) if base else self.base
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        send = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            send["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if isinstance(body, dict):
            body = urllib.parse.urlencode(body)
            send.setdefault("Content-Type", "application/x-www-form-urlencoded")
        conn.request(method, path, body=body, headers=send)
        response = conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        conn.close()
        response.body = data
        return response


def api(method, base, path, token, payload=None, headers=None):
    conn = http.client.HTTPConnection(urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port)
    headers = {"Host": "127.0.0.1", "Accept": "application/json", **(headers or {})}
    if token:
        headers["Authorization"] = f"Token {token}"
    body = None
    if payload is not None:
        body = json.dumps(payload)
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response, (
        json.loads(data) if data and response.headers.get_content_type() == "application/json" else {}
    )


def db_of(response) -> set[str]:
    return set((response.headers.get("X-Daibiao-DB") or "").split(","))


def log_since(path: Path, offset: int) -> str:
    with path.open("rb") as handle:
        handle.seek(offset)
        return handle.read().decode("utf-8", "replace")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nginx", required=True)
    parser.add_argument("--app", action="append", required=True)
    parser.add_argument("--static-root", required=True)
    parser.add_argument("--replica-log", required=True, type=Path)
    parser.add_argument("--primary", required=True)
    parser.add_argument("--replica", required=True)
    args = parser.parse_args()
    nginx = args.nginx

    # --- static files, from nginx itself ---
    manifest = json.loads((Path(args.static_root) / "staticfiles.json").read_text())["paths"]
    hashed = manifest["css/app.css"]
    browser = Browser(nginx)
    r = browser.request("GET", f"/static/{hashed}", headers={"Accept-Encoding": "gzip"})
    check(
        r.status == 200
        and r.headers.get("X-Daibiao-Upstream") is None
        and "immutable" in (r.headers.get("Cache-Control") or "")
        and r.headers.get("Content-Encoding") == "gzip",
        "nginx serves the hashed static files itself, pre-compressed, cached for a year",
        f"{r.status}, {r.headers.get('Content-Encoding')}, {r.headers.get('Cache-Control')}",
    )

    # --- login through nginx ---
    r = browser.request("GET", "/accounts/login/")
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', r.body)
    check(r.status == 200 and match is not None, "the login page comes through nginx", str(r.status))
    if match is None:
        return 1
    r = browser.request(
        "POST",
        "/accounts/login/",
        body={"username": "county", "password": PASSWORD, "csrfmiddlewaretoken": match.group(1).decode()},
        headers={"Referer": f"{nginx}/accounts/login/"},
    )
    check(
        r.status == 302 and "sessionid" in browser.cookies,
        "county staff log in through nginx",
        f"{r.status} → {r.headers.get('Location')}",
    )
    check(
        PIN_COOKIE in browser.cookies,
        "the login wrote (session, last login), so the browser is pinned to the primary for a while",
    )

    # --- the session is valid on every app process ---
    served = set()
    names = set()
    for _ in range(8):
        r = browser.request("GET", "/api/v1/me/", headers={"Accept": "application/json"})
        served.add(r.headers.get("X-Daibiao-Upstream"))
        names.add(json.loads(r.body).get("username") if r.status == 200 else f"HTTP {r.status}")
    check(
        names == {"county"} and len(served) == len(args.app),
        "eight requests through nginx are shared by both app processes, one session on both",
        f"served by {sorted(map(str, served))}, as {sorted(names)}",
    )
    for app in args.app:
        r = browser.request("GET", "/api/v1/me/", headers={"Accept": "application/json"}, base=app)
        check(
            r.status == 200 and json.loads(r.body).get("username") == "county",
            f"the session is valid on {app} directly",
            str(r.status),
        )
    cache = redis.Redis.from_url(__import__("os").environ["REDIS_URL"])
    session_keys = [k for k in cache.scan_iter("dep-smoke:*") if b"session" in k]
    with psycopg.connect(args.primary) as primary:
        stored = primary.execute(
            "select count(*) from django_session where session_key = %s", [browser.cookies["sessionid"]]
        ).fetchone()[0]
    check(
        bool(session_keys) and stored == 1,
        "the session is in Redis and written through to PostgreSQL (cached_db)",
        f"{len(session_keys)} session keys in Redis, {stored} row on the primary",
    )

    # --- dashboards read the replica; other pages and pinned browsers the primary ---
    r = browser.request("GET", "/reports/overview/")
    check(
        r.status == 200 and db_of(r) == {"default"},
        "a browser that has just written reads the overview from the primary",
        r.headers.get("X-Daibiao-DB"),
    )
    browser.cookies.pop(PIN_COOKIE, None)  # as if its 15 seconds had passed
    offset = args.replica_log.stat().st_size
    r = browser.request("GET", "/reports/overview/")
    time.sleep(0.5)
    logged = log_since(args.replica_log, offset)
    check(
        r.status == 200 and "replica" in db_of(r),
        "the overview page reads from the replica",
        f"{r.status}, X-Daibiao-DB: {r.headers.get('X-Daibiao-DB')}",
    )
    figures = len(re.findall(r"statement: SELECT .*suggestions_suggestion", logged))
    check(
        figures > 0,
        "the replica's own log shows the overview's queries",
        f"{figures} SELECTs on suggestions_suggestion logged on the replica",
    )
    check(
        not re.search(r"statement: .*(accounts_user|django_session|authtoken_token)", logged),
        "identity (users, sessions, tokens) is not read from the replica",
    )
    offset = args.replica_log.stat().st_size
    r = browser.request("GET", "/loop/suggestions/")
    time.sleep(0.5)
    logged = log_since(args.replica_log, offset)
    check(
        r.status == 200 and db_of(r) == {"default"} and "suggestions_suggestion" not in logged,
        "the suggestions list (not a dashboard) reads only the primary",
        f"{r.status}, X-Daibiao-DB: {r.headers.get('X-Daibiao-DB')}",
    )

    # --- a write through the API reaches the replica-served overview ---
    tokens = {}
    for name in ("county", "leader"):
        response, data = api(
            "POST", nginx, "/api/v1/auth/token/", None, {"username": name, "password": PASSWORD}
        )
        tokens[name] = data.get("token")
        check(
            response.status == 200 and tokens[name],
            f"{name} gets an API token through nginx",
            str(response.status),
        )
    response, before = api("GET", nginx, "/api/v1/stats/overview/?campaign=", tokens["leader"])
    check(
        response.status == 200 and "replica" in db_of(response),
        "the stats API reads from the replica",
        f"clues={before.get('clues')}, X-Daibiao-DB: {response.headers.get('X-Daibiao-DB')}",
    )
    response, towns = api("GET", nginx, "/api/v1/towns/", tokens["county"])
    town = towns["results"][0]["id"]
    response, clue = api(
        "POST",
        nginx,
        "/api/v1/clues/",
        tokens["county"],
        {"title": "冒烟测试线索", "content": "经 nginx 写入主库。", "town": town},
    )
    check(response.status == 201, "county staff record a clue through the API", str(response.status))
    with psycopg.connect(args.primary) as primary:
        on_primary = primary.execute(
            "select count(*) from suggestions_clue where id = %s", [clue.get("id")]
        ).fetchone()[0]
    check(on_primary == 1, "the clue is on the primary", f"id {clue.get('id')}")
    started = time.monotonic()
    seen = None
    while time.monotonic() - started < 15:
        response, after = api("GET", nginx, "/api/v1/stats/overview/?campaign=", tokens["leader"])
        if after.get("clues") == (before.get("clues") or 0) + 1 and "replica" in db_of(response):
            seen = time.monotonic() - started
            break
        time.sleep(0.1)
    check(
        seen is not None,
        "the clue shows in the replica-served overview after replication",
        f"{before.get('clues')} → {after.get('clues')} after {seen:.2f} s"
        if seen is not None
        else "not within 15 s",
    )
    with psycopg.connect(args.replica) as replica:
        on_replica = replica.execute(
            "select count(*) from suggestions_clue where id = %s", [clue.get("id")]
        ).fetchone()[0]
        in_recovery = replica.execute("select pg_is_in_recovery()").fetchone()[0]
    check(on_replica == 1 and in_recovery, "the replica (in recovery, read-only) holds the clue")

    # --- the client's address: nginx overwrites X-Real-IP, gunicorn believes it from nginx ---
    # The first clue was posted through nginx with no X-Real-IP; now one with a forged one
    # through nginx, and one straight to an app process as if from a proxy on 127.0.0.1.
    payload = {"title": "冒烟测试地址", "content": "来源地址。", "town": town}
    _, forged = api("POST", nginx, "/api/v1/clues/", tokens["county"], payload, {"X-Real-IP": "203.0.113.7"})
    _, proxied = api(
        "POST", args.app[0], "/api/v1/clues/", tokens["county"], payload, {"X-Real-IP": "198.51.100.9"}
    )
    with psycopg.connect(args.primary) as primary:
        rows = dict(
            primary.execute(
                "select l.object_id, host(l.remote_addr) from core_changelog l join django_content_type t"
                " on t.id = l.content_type_id where t.app_label = 'suggestions' and t.model = 'clue'"
                " and l.object_id = any(%s)",
                [[str(forged.get("id")), str(proxied.get("id"))]],
            ).fetchall()
        )
    check(
        rows.get(str(forged.get("id"))) == "127.0.0.1" and rows.get(str(proxied.get("id"))) == "198.51.100.9",
        "the change log records nginx's view of the client (a forged X-Real-IP is overwritten), "
        "and gunicorn takes X-Real-IP from a trusted proxy",
        f"forged through nginx → {rows.get(str(forged.get('id')))}, "
        f"from 127.0.0.1 → {rows.get(str(proxied.get('id')))}",
    )

    # --- tasks enqueued are run by the workers ---
    import django

    django.setup()
    from django_tasks_db.models import DBTaskResult

    from daibiao.routing.search.jobs import refresh_search_index

    ids = [refresh_search_index.enqueue().id for _ in range(4)]
    started = time.monotonic()
    while time.monotonic() - started < 60:
        rows = list(DBTaskResult.objects.filter(id__in=ids).values("status", "worker_ids"))
        if all(row["status"] in ("SUCCESSFUL", "FAILED") for row in rows):
            break
        time.sleep(0.5)
    statuses = sorted(row["status"] for row in rows)
    workers = sorted({w for row in rows for w in row["worker_ids"]})
    check(
        statuses == ["SUCCESSFUL"] * 4,
        "four tasks enqueued are run by the workers",
        f"{statuses} in {time.monotonic() - started:.1f} s by {workers}",
    )

    print()
    if failures:
        print(f"{len(failures)} check(s) failed:")
        for what in failures:
            print(f"  - {what}")
        return 1
    print("every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
