"""Concurrency through the public surfaces: many people pressing the same button at once.

Every request runs in a thread of its own, with its own client and its own database
connection, and all of them are released together by a barrier, so that they really meet in
the database. Twenty units' sessions acknowledging one suggestion through the API get one 200
and nineteen 409s, and leave one event row; two offices uploading the same roster at once
leave one copy of each deputy.

These need a server that lets connections run side by side: PostgreSQL
(``DATABASE_URL=postgres://…``). On SQLite they are skipped (see ``needs_postgres``).
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from daibiao.core.models import ChangeAction, ChangeLog
from daibiao.core.testing.cast import build_cast
from daibiao.core.testing.threads import at_once
from daibiao.registry.models import Deputy, Mandate
from daibiao.registry.tests.test_roster import row, xlsx_bytes
from daibiao.suggestions.choices import AssignmentState, State, Step
from daibiao.suggestions.models import Assignment, Event, Suggestion

needs_postgres = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason=(
        "needs real concurrency: SQLite runs one writer at a time, so requests released together "
        "queue up instead of meeting; run with DATABASE_URL=postgres://…"
    ),
)
pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


def together(requests) -> list:
    """Each of ``requests`` in a thread of its own, all released at the same moment."""
    return at_once(requests, timeout=300)


def test_twenty_sessions_acknowledging_one_suggestion_at_once_through_the_api_acknowledge_once():
    cast = build_cast()
    pk = cast.suggestions["a"].pk  # 武安镇's, assigned to unit a and pending its acknowledgement
    token = Token.objects.create(user=cast.users["unit_a"]).key
    url = f"/api/v1/suggestions/{pk}/acknowledge/"

    def acknowledge():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client.post(url, {}, format="json")

    responses = together([acknowledge] * THREADS)

    codes = Counter(getattr(r, "status_code", r) for r in responses)
    assert codes == {200: 1, 409: THREADS - 1}, responses
    for response in responses:
        if response.status_code == 409:
            # The loser is told where the item stands now, so it can refresh its buttons.
            assert response.json()["state"] == State.HANDLING
            assert "acknowledge" not in response.json()["allowed_steps"]
    assert Suggestion.objects.get(pk=pk).state == State.HANDLING
    assert Event.objects.filter(suggestion_id=pk, step=Step.ACKNOWLEDGE).count() == 1
    lead = Assignment.objects.get(suggestion_id=pk, unit=cast.units["a"])
    assert lead.state == AssignmentState.ACKNOWLEDGED


def roster_rows(count: int) -> list[list]:
    return [
        row(name=f"测试代表{i}", gender="男", phone=13700000000 + i, town="武安镇", levels="镇")
        for i in range(count)
    ]


def test_two_offices_importing_the_same_roster_at_once_leave_one_copy_and_both_succeed():
    cast = build_cast()
    content = xlsx_bytes(roster_rows(300))
    before = Deputy.objects.count()

    def upload(name):
        def post():
            client = Client()
            client.force_login(cast.users[name])
            return client.post(
                "/registry/deputies/import/", {"file": SimpleUploadedFile("名册.xlsx", content)}
            )

        return post

    responses = together([upload("county"), upload("town_a")])

    # Both offices are told the roster is in: one added the deputies, the other found them
    # already there (not "the deputies changed, upload again").
    assert [getattr(r, "status_code", r) for r in responses] == [302, 302], [
        getattr(r, "context", None) and r.context.get("form").errors for r in responses
    ]
    assert Deputy.objects.count() == before + 300
    phones = [str(13700000000 + i) for i in range(300)]
    assert Deputy.objects.filter(phone__in=phones).count() == 300
    assert Mandate.objects.filter(deputy__phone__in=phones).count() == 300
    ids = [str(pk) for pk in Deputy.objects.filter(phone__in=phones).values_list("pk", flat=True)]
    created = ChangeLog.objects.filter(
        action=ChangeAction.CREATE, content_type__model="deputy", object_id__in=ids
    )
    assert created.count() == 300  # each deputy created once, by one of the two imports


def test_two_different_rosters_overlapping_in_reverse_order_import_without_deadlock():
    # Rows sharing phone numbers but in opposite orders: two inserts taking the same unique
    # keys in opposite orders would deadlock; the import lock makes them wait their turn.
    cast = build_cast()
    rows = roster_rows(200)
    first, second = xlsx_bytes(rows), xlsx_bytes(list(reversed(rows)))

    def upload(content):
        def post():
            client = Client()
            client.force_login(cast.users["county"])
            return client.post(
                "/registry/deputies/import/", {"file": SimpleUploadedFile("名册.xlsx", content)}
            )

        return post

    responses = together([upload(first), upload(second)])

    assert [getattr(r, "status_code", r) for r in responses] == [302, 302]
    assert Deputy.objects.filter(phone__in=[str(13700000000 + i) for i in range(200)]).count() == 200
