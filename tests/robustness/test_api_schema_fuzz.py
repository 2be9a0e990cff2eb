"""Property-based testing of the JSON API against its own OpenAPI schema (schemathesis).

Schemathesis reads the schema that drf-spectacular serves at ``/api/v1/schema/`` and, for
every operation in it, generates requests: valid ones (``positive``: every value fits the
schema) and invalid ones (``negative``: a wrong type, a missing required field, a value out
of range). Each is sent in-process through Django's WSGI handler, as a logged-in cast
member, into the scoping matrix's world (``tests/test_scoping_matrix.populate``), so that
ids in paths and bodies find records and the requests reach the services, not only the
serializers. Every response must be:

* no server error (no 5xx: a crash, or the 503 our exception handler makes of a database
  error);
* a status code the schema documents for that operation;
* of a content type the schema documents, with a body and headers that fit the schema;
* for invalid input, a refusal (4xx) — never a 2xx that swallowed it.

Each request runs inside a savepoint that is rolled back after it, so that requests do not
see one another's writes: a failure replays exactly, whatever ran before.

``FUZZ_REQUESTS`` sets how many requests the county-staff run sends (default 350, the CI
form; ``make fuzz`` sends 2,000); the deputy run sends a quarter of it. ``FUZZ_SEED`` sets
Hypothesis' seed (printed by every run): fixed in the suite, ``random`` for ``make fuzz``.
The test counts the requests it actually sent and fails if that is fewer than asked, so
that it cannot pass by sending nothing.
"""

from __future__ import annotations

import os
import random
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core import signals
from django.db import transaction
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import negative_data_rejection

from daibiao.core.testing.cast import build_cast
from tests.test_scoping_matrix import populate

from .schema import CONFORMANCE, load_schema, token_header, wsgi_app

pytestmark = pytest.mark.django_db

REQUESTS = int(os.environ.get("FUZZ_REQUESTS", "350"))
# The suite replays one fixed draw, so that a run of CI cannot fail on a draw that the run
# before it never made; ``make fuzz`` (``FUZZ_SEED=random``) draws anew each time and prints
# the seed, which ``FUZZ_SEED=<seed>`` replays.
SUITE_SEED = 20261128
_seed = os.environ.get("FUZZ_SEED", "")
SEED = random.SystemRandom().randrange(2**32) if _seed == "random" else int(_seed or SUITE_SEED)
MAX_ROUNDS = 12  # passes over the operations, each with the budget still unspent

POSITIVE_CHECKS = CONFORMANCE
NEGATIVE_CHECKS = [*POSITIVE_CHECKS, negative_data_rejection]
MODES = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")

# How often a generated id is swapped for one that exists, so that most requests reach a
# record (Hypothesis alone draws ids like -92837 or 0, which only ever find a 404).
REAL_ID_SHARE = 0.8


@dataclass
class Tally:
    """What the run sent and what came back."""

    sent: int = 0
    statuses: Counter = field(default_factory=Counter)
    per_operation: Counter = field(default_factory=Counter)
    failures: dict = field(default_factory=dict)  # (operation, check, status) → first report
    failure_counts: Counter = field(default_factory=Counter)
    not_generated: list = field(default_factory=list)  # (operation, mode, why): not failures
    checks_run: Counter = field(default_factory=Counter)
    checks_failed: Counter = field(default_factory=Counter)
    excused: Counter = field(default_factory=Counter)  # why → how many (see ``excused``)


@pytest.fixture
def fuzz_world(db):
    """The scoping matrix's world, and Django's WSGI handler to call."""
    started = time.monotonic()
    cast = build_cast()
    populate(cast)
    print(f"world built in {time.monotonic() - started:.1f}s")
    with wsgi_app() as app:
        yield cast, app


def model_of(path: str):
    """The model behind an operation's path parameters, from the view the URL resolves to."""
    sample = path.replace("{id}", "1").replace("{code}", "x")
    try:
        match = resolve(sample)
    except Resolver404:
        return None
    view = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None)
    queryset = getattr(view, "queryset", None)
    return getattr(queryset, "model", None)


def existing_keys(path: str) -> dict[str, list]:
    """For each path parameter, the keys of the rows that exist (in anyone's scope)."""
    keys: dict[str, list] = {}
    if "{id}" in path:
        model = model_of(path)
        if model is not None:
            keys["id"] = list(model._default_manager.order_by("pk").values_list("pk", flat=True)[:40])
    if "{code}" in path:
        from daibiao.suggestions.models import Clue

        keys["code"] = list(Clue.objects.exclude(tracking_code="").values_list("tracking_code", flat=True))
    return {name: values for name, values in keys.items() if values}


def unbounded_integer_fields(operation) -> tuple[set[str], set[str]]:
    """The body's integer fields without bounds (how drf-spectacular writes a foreign key)
    and its integer arrays (many-to-many), by name."""
    raw = operation.schema.raw_schema["paths"][operation.path][operation.method.lower()]
    singles, arrays = set(), set()
    for content in raw.get("requestBody", {}).get("content", {}).values():
        schema = resolve_ref(operation, content.get("schema", {}))
        for name, prop in (schema.get("properties") or {}).items():
            prop = resolve_ref(operation, prop)
            items = resolve_ref(operation, prop.get("items", {}))
            if prop.get("type") == "integer" and "maximum" not in prop and "minimum" not in prop:
                singles.add(name)
            elif prop.get("type") == "array" and items.get("type") == "integer":
                arrays.add(name)
    return singles, arrays


def resolve_ref(operation, schema: dict) -> dict:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if not ref:
        return schema if isinstance(schema, dict) else {}
    node = operation.schema.raw_schema
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def report(case, response, error) -> str:
    body = response.content[:600].decode("utf-8", "replace") if response is not None else ""
    return (
        f"{case.operation.label}\n  {case.as_curl_command()}\n"
        f"  → {getattr(response, 'status_code', '-')} {body}\n  {error}"
    )


def fuzz(operation, mode, budget: int, *, auth: dict, tally: Tally, round_seed: int, crashes: list) -> int:
    """Send up to ``budget`` generated requests to ``operation``; returns how many were sent
    (fewer when Hypothesis runs out of distinct inputs)."""
    keys = existing_keys(operation.path)
    fk_singles, fk_arrays = unbounded_integer_fields(operation)
    pool = list(range(1, 41))
    checks = NEGATIVE_CHECKS if mode.is_negative else POSITIVE_CHECKS
    sent_here = 0

    @seed(round_seed)
    @settings(
        max_examples=budget,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def run(case, data):
        nonlocal sent_here
        if mode.is_positive:
            steer_towards_records(case, data, keys, fk_singles, fk_arrays, pool)
        crashes.clear()
        with transaction.atomic():
            try:
                response = case.call(headers=auth)
            finally:
                transaction.set_rollback(True)
        sent_here += 1
        tally.sent += 1
        tally.per_operation[operation.label] += 1
        tally.statuses[response.status_code] += 1
        for check in checks:
            tally.checks_run[check.__name__] += 1
            try:
                case.validate_response(response, checks=[check])
            except (AssertionError, FailureGroup) as error:
                reason = excused(case, check)
                if reason:
                    tally.excused[reason] += 1
                    continue
                tally.checks_failed[check.__name__] += 1
                key = (operation.label, check.__name__, response.status_code)
                tally.failure_counts[key] += 1
                if key not in tally.failures:
                    text = report(case, response, error)
                    if crashes:
                        text += "\n  server traceback:\n" + crashes[-1]
                    tally.failures[key] = text

    try:
        run()
    except HypothesisException as exc:  # Unsatisfiable: nothing left to generate in this mode
        tally.not_generated.append((operation.label, mode.value, repr(exc)[:200]))
    except Exception as exc:
        # Schemathesis refuses to build negative data for an operation that has nothing to
        # negate (no parameters, no body): the positive run covers it.
        if not type(exc).__module__.startswith("schemathesis"):
            raise
        tally.not_generated.append((operation.label, mode.value, repr(exc)[:200]))
    return sent_here


def excused(case, check) -> str | None:
    """Two behaviours of the frameworks, documented and shared with the HTML forms, that
    ``negative_data_rejection`` reads as accepting bad input; each is counted and printed:

    * a form-encoded body (multipart, urlencoded) carries only text, and DRF reads a blank
      form field as one left out (its default applies): a type violation cannot be sent;
    * django-filter reads an empty filter value (``?year=``) and a boolean it does not
      recognise (``?flag=7``) as no filter, as the HTML lists' "All" choice does (for choice
      filters the schema says so: ``core.openapi`` adds "" to their choices)."""
    if check is not negative_data_rejection or case.meta is None:
        return None
    if case.media_type in FORM_TYPES:
        return "negative data in a form-encoded body"
    data = case.meta.phase.data
    names = {m.parameter for m in data.mutations if m.parameter} | ({data.parameter} - {None})
    if data.parameter_location == ParameterLocation.QUERY and names:
        raw = case.operation.schema.raw_schema["paths"][case.operation.path][case.method.lower()]
        types = {p["name"]: p.get("schema", {}).get("type") for p in raw.get("parameters", [])}
        if all(types.get(name) == "boolean" for name in names):
            return "an unrecognised boolean filter read as no filter"
        if all(case.query.get(name) in ("", [""]) for name in names):
            return "an empty filter read as no filter"
    return None


def steer_towards_records(case, data, keys, fk_singles, fk_arrays, pool) -> None:
    """Swap most generated ids for existing ones (path) or small ids (bodies' foreign keys)."""
    for name, values in keys.items():
        if name in (case.path_parameters or {}) and data.draw(st.floats(0, 1)) < REAL_ID_SHARE:
            case.path_parameters[name] = data.draw(st.sampled_from(values))
    if isinstance(case.body, dict):
        for name in fk_singles & case.body.keys():
            if data.draw(st.floats(0, 1)) < REAL_ID_SHARE:
                case.body[name] = data.draw(st.sampled_from(pool))
        for name in fk_arrays & case.body.keys():
            if data.draw(st.floats(0, 1)) < REAL_ID_SHARE:
                case.body[name] = data.draw(st.lists(st.sampled_from(pool), max_size=3, unique=True))


def run_fuzz(cast, app, user_name: str, asked: int) -> Tally:
    auth = token_header(cast.users[user_name])
    schema = load_schema(app)
    operations = [result.ok() for result in schema.get_all_operations()]
    tally = Tally()
    crashes: list[str] = []

    def on_exception(sender, request=None, **kwargs):
        crashes.append(traceback.format_exc())

    signals.got_request_exception.connect(on_exception, weak=False)
    active = {(op.label, mode): op for op in operations for mode in MODES}
    rng = random.Random(SEED)  # noqa: S311 — reproducible seeds, not secrets
    try:
        for round_no in range(MAX_ROUNDS):
            if tally.sent >= asked or not active:
                break
            # An equal share each, at least one; shuffled so that a budget smaller than the
            # operations (the deputy's) reaches a different part of the API every seed.
            quota = max(1, (asked - tally.sent) // len(active))
            for key in rng.sample(sorted(active, key=str), len(active)):
                if tally.sent >= asked:
                    break
                sent = fuzz(
                    active[key],
                    key[1],
                    quota,
                    auth=auth,
                    tally=tally,
                    round_seed=rng.randrange(2**32),
                    crashes=crashes,
                )
                if sent < quota:  # exhausted: its budget goes to the others next round
                    del active[key]
            print(f"round {round_no + 1}: {tally.sent} requests sent")
    finally:
        signals.got_request_exception.disconnect(on_exception)
    return tally


def summary(user_name: str, asked: int, tally: Tally, seconds: float, n_operations: int) -> str:
    lines = [
        f"== {user_name}: {tally.sent} requests sent (asked {asked}) to "
        f"{len(tally.per_operation)}/{n_operations} operations in {seconds:.1f}s, seed {SEED}",
        "   statuses: " + ", ".join(f"{code}×{n}" for code, n in sorted(tally.statuses.items())),
    ]
    for name, n in tally.checks_run.items():
        lines.append(f"   {name}: {n - tally.checks_failed[name]}/{n} passed")
    for reason, n in tally.excused.items():
        lines.append(f"   excused ({reason}): {n}")
    if tally.not_generated:
        lines.append(f"   (operation, mode) pairs with nothing more to generate: {len(tally.not_generated)}")
    return "\n".join(lines)


@pytest.mark.parametrize(("user_name", "share"), [("county", 1.0), ("deputy_a", 0.25)])
def test_generated_requests_get_no_server_error_and_fit_the_schema(fuzz_world, user_name, share):
    cast, app = fuzz_world
    asked = max(1, int(REQUESTS * share))
    started = time.monotonic()
    tally = run_fuzz(cast, app, user_name, asked)
    n_operations = len(list(load_schema(app).get_all_operations()))
    print(summary(user_name, asked, tally, time.monotonic() - started, n_operations))
    failures = [
        f"[{tally.failure_counts[key]}×] {text}" for key, text in sorted(tally.failures.items(), key=str)
    ]
    for text in failures:
        print(f"\n{text}")
    assert not failures, f"{len(failures)} kinds of failure (printed above): " + "; ".join(
        f"{op} {check} {code}" for op, check, code in sorted(tally.failures, key=str)
    )
    assert tally.sent >= asked, f"only {tally.sent} requests sent, {asked} asked"
