"""``scripts/walk_loop.py`` against a live server holding the demo county: a new clue goes to a
look-back through the API alone, with the demo logins, and every illegal or unauthorised step
the script tries is refused (409 with the state and the allowed steps, 403, 404, 400 with the
field's error). The script exits 1 as soon as one refusal stops coming."""

import importlib.util
import re
from pathlib import Path

import pytest
from django.core.cache import cache

from daibiao.registry.demo import load_demo
from daibiao.suggestions import workflow
from daibiao.suggestions.choices import State, Step
from daibiao.suggestions.models import Clue, Suggestion

# The live server answers from another thread: it sees only committed rows.
pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "walk_loop.py"


def load_script():
    """``scripts/`` is no package: import the script by its path."""
    spec = importlib.util.spec_from_file_location("walk_loop", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def demo_county(transactional_db):
    """The demo county's registry and its demo logins; not the campaign's replay, which the
    walk does not need (a clue and a suggestion need no campaign)."""
    load_demo()


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # The script logs in six times; the login throttle counts in the cache, which outlives
    # each test's database.
    cache.clear()
    yield
    cache.clear()


def output(capsys) -> tuple[str, str]:
    """What the script printed, and a message for a failed assertion that adds the end of the
    server's log (a traceback, when the server failed)."""
    captured = capsys.readouterr()
    return captured.out, f"{captured.out}\n--- server log (end) ---\n{captured.err[-6000:]}"


def refusals(out: str) -> dict[str, int]:
    """Label → HTTP status of every refusal line the script printed as it expected."""
    return {
        label: int(status)
        for label, status in re.findall(r"^\[ok\] refused: (.+?) +\S+ +(?:GET|POST) +(\d{3}) ", out, re.M)
    }


def test_the_script_walks_a_new_clue_to_a_look_back_and_every_refusal_holds(demo_county, live_server, capsys):
    walk = load_script()

    code = walk.main(["--base-url", live_server.url])

    out, why = output(capsys)
    assert code == 0, why
    assert "[!!]" not in out
    assert "FAILED" not in out
    assert re.search(
        r"^OK: suggestion \d+ walked to a look-back in \d+ requests; all \d+ refusals", out, re.M
    )

    # Every kind of refusal was tried, and came as expected.
    seen = refusals(out)
    assert {409, 403, 404, 400} <= set(seen.values()), out
    for label, status in {
        "deputy assigns": 403,
        "leader assigns": 403,
        "unit replies before acknowledging": 409,
        "unit rates": 403,
        "conclude before the rating": 409,
        "reply of class E": 400,
        "outsider reads the item": 404,
        "outsider rates": 404,
        "unit looks back": 403,
    }.items():
        assert seen.get(label) == status, (label, out)
    assert len(seen) >= 30

    # The database agrees: one suggestion, grown from the deputy's clue, walked the main line
    # and nothing else (refused steps leave no event).
    suggestion = Suggestion.objects.get()
    assert suggestion.state == State.IMPLEMENTED
    assert suggestion.reply_category == "A"
    assert list(suggestion.events.order_by("created_at", "id").values_list("step", flat=True)) == [
        Step.CREATE,
        Step.SUBMIT,
        Step.ASSIGN,
        Step.ACKNOWLEDGE,
        Step.PROGRESS,
        Step.REPLY,
        Step.RATE,
        Step.CONCLUDE,
        Step.VERIFY_IMPLEMENTED,
        Step.LOOK_BACK,
    ]
    assert suggestion.lead_unit.name == "县交通运输局"
    assert suggestion.lead_deputy.user.username == "deputy-demo"
    clue = Clue.objects.get()
    assert (clue.state, clue.suggestion_id) == ("merged", suggestion.pk)


def test_the_script_fails_when_a_refusal_stops_coming(demo_county, live_server, capsys, monkeypatch):
    # A broken workflow table that lets deputies assign: the server now says 200 where the
    # script expects 403 (the live server runs in this process, so it sees the patch).
    assign = workflow.TABLE[Step.ASSIGN]
    monkeypatch.setitem(
        workflow.TABLE,
        Step.ASSIGN,
        workflow.Transition(assign.step, assign.sources, assign.target, assign.roles | workflow.DEPUTY),
    )
    walk = load_script()

    code = walk.main(["--base-url", live_server.url])

    out, why = output(capsys)
    assert code == 1, why
    assert "FAILED" in out
    assert "OK:" not in out
    assert re.search(r"^\[!!\] refused: deputy assigns\s.*\b200 \(want 403\)", out, re.M), why
    assert "deputy assigns (deputy-demo POST" in out
    assert "HTTP 200, expected 403" in out


def test_the_script_fails_plainly_when_no_server_answers(capsys):
    walk = load_script()

    code = walk.main(["--base-url", "http://127.0.0.1:9", "--timeout", "5"])

    out = capsys.readouterr().out
    assert code == 1
    assert "cannot reach http://127.0.0.1:9" in out
