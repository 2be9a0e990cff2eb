"""Every URL of the pages and the API, walked as every member of the cast (STYLE habits 3, 12).

The endpoints come from the resolver (``tests/urlconf.py``), so a URL added tomorrow is in
the matrix tomorrow. For each one the expectations are computed from the rules themselves
(``Model.objects.restrict(user, action)``): a row out of view scope is a 404, a visible row
out of change or delete scope is a 403, a list shows exactly the rows in scope, a refused
write changes nothing and leaves no change-log row, a created record lands inside the
author's scope, and anonymous users are sent to log in (pages) or refused with 401 (API).
The tests at the end pin concrete expectations, so that the matrix cannot pass by every
rule being empty.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import itertools
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient, APIRequestFactory

from daibiao.core import audit
from daibiao.core.files import store_files
from daibiao.core.models import ChangeAction, ChangeLog
from daibiao.core.scoping import Action, may_add
from daibiao.core.services import save_record
from daibiao.core.testing.cast import Cast, build_cast
from daibiao.core.testing.files import photo
from daibiao.core.views import SectionRoot
from daibiao.notifications.choices import Channel, NotificationKind
from daibiao.notifications.services import notify
from daibiao.registry.choices import Gender, Level
from daibiao.registry.models import (
    County,
    Courtyard,
    Deputy,
    DeputyGroup,
    LiaisonStation,
    Town,
    Unit,
    Village,
)
from daibiao.registry.services import save_deputy
from daibiao.suggestions import services as loop
from daibiao.suggestions import workflow
from daibiao.suggestions.choices import Step
from daibiao.suggestions.models import Attachment, Event, Suggestion
from tests.pages import submission
from tests.urlconf import data_endpoints

pytestmark = pytest.mark.django_db

ENDPOINTS = data_endpoints()
ROLES = Cast.ROLE_USERS
PHONES = itertools.count(13900000001)


def of_kind(*kinds):
    return [pytest.param(e, id=e.name) for e in ENDPOINTS if e.kind in kinds]


# --- the world: the cast, plus rows that some roles must not reach ------------------------


@pytest.fixture(scope="class")
def world(django_db_setup, django_db_blocker):
    """The cast's county with a courtyard in each village and a deputy of 武安镇 outside its
    station, and a neighbouring county with one of everything: out of everyone's scope
    except the administrator's.

    Built once for the whole matrix inside a transaction that is rolled back at its end;
    each test runs in a savepoint within it (pytest-django's ``db``), so no test sees
    another's writes."""
    with django_db_blocker.unblock(), transaction.atomic():
        cast = build_cast()
        populate(cast)
        yield cast
        transaction.set_rollback(True)


def populate(cast) -> None:
    with audit.acting_as(None):
        populate_loop(cast)
        # Each app's rows for the matrix live in ``tests/world_<app>.py`` (a ``populate(cast)``),
        # so that an app's models join the walk without editing this file.
        for path in sorted(Path(__file__).parent.glob("world_*.py")):
            importlib.import_module(f"tests.{path.stem}").populate(cast)


def populate_loop(cast) -> None:
    """The cast's courtyards, a deputy outside the station, notifications, attachments and a
    neighbouring county with one of everything."""
    for village in cast.villages.values():
        save_record(Courtyard(village=village, name=f"{village.name}一组"), actor=None)
    save_deputy(
        Deputy(name="孙立", gender=Gender.MALE, phone=next_phone(), town=cast.towns["a"]),
        actor=None,
        mandates=[{"level": Level.TOWN, "term": ""}],
    )
    # A notification in each cast member's inbox: each one out of everyone else's reach.
    for name, user in cast.users.items():
        notify(
            [user],
            kind=NotificationKind.GENERAL,
            subject=f"致{name}的通知",
            body="",
            channels=[Channel.INBOX],
        )
    # A photo on each clue and a file on each suggestion: each reaches whom its owner does.
    for key in ("a", "b"):
        loop.add_clue_photos(cast.clues[key], actor=None, photos=[photo()])
        store_files(Attachment, [photo()], actor=None, suggestion=cast.suggestions[key])
    other = save_record(County(name="邻县"), actor=None)
    town = save_record(Town(county=other, name="城关镇"), actor=None)
    village = save_record(Village(town=town, name="城关村"), actor=None)
    save_record(Courtyard(village=village, name="城关一组"), actor=None)
    save_record(Unit(county=other, name="邻县交通运输局"), actor=None)
    station = save_record(LiaisonStation(town=town, name="城关代表联络站"), actor=None)
    group = save_record(DeputyGroup(town=town, name="城关代表小组", station=station), actor=None)
    neighbour = save_deputy(
        Deputy(
            name="钱多多",
            gender=Gender.FEMALE,
            phone=next_phone(),
            town=town,
            group=group,
            station=station,
        ),
        actor=None,
        mandates=[{"level": Level.COUNTY, "term": ""}],
    )
    # A clue and a suggestion of the neighbouring county, driven through the services: out
    # of reach of everyone in the cast but the administrator (the step endpoints' 404s).
    clue = loop.create_clue(
        actor=None, title="城关村水渠堵塞", content="水渠堵了。", town=town, recorded_by=neighbour
    )
    loop.add_clue_photos(clue, actor=None, photos=[photo()])
    loop.create_suggestion(
        actor=None,
        title="疏通城关村水渠",
        content="建议疏通。",
        town=town,
        lead_deputy=neighbour,
        clues=[clue],
        tier="county",
        submit=True,
    )


def next_phone() -> str:
    return str(next(PHONES))


# --- helpers ------------------------------------------------------------------------------


def rows(model) -> list:
    return list(model._default_manager.order_by("pk"))


def reach(user, model, action=Action.VIEW) -> set:
    return set(model._default_manager.all().restrict(user, action).values_list("pk", flat=True))


def state(obj) -> dict | None:
    """The row as stored now (``None`` once deleted), field by field."""
    stored = type(obj)._base_manager.filter(pk=obj.pk).first()
    return None if stored is None else audit.snapshot(stored)


MARKERS = ("name", "title", "note")  # the text field a write changes, where a model has one


def marker(model) -> str:
    """The field whose new value shows that a write went through."""
    names = {f.name for f in model._meta.get_fields()}
    return next((m for m in MARKERS if m in names), "name")


def altered(data: dict) -> dict:
    """``data`` with a new marker text, a new phone number and a later date, so that a write
    is visible and unique."""
    data = dict(data)
    key = next((m for m in MARKERS if m in data), None)
    if key is not None:
        data[key] = f"{data[key]}新"
    if "phone" in data:
        data["phone"] = next_phone()
    if data.get("on_date"):
        data["on_date"] = (dt.date.fromisoformat(str(data["on_date"])) + dt.timedelta(days=1)).isoformat()
    return data


def form_data(endpoint, obj, admin) -> dict:
    """What the page's form would post to write ``obj``'s values (altered): the edit page of
    ``obj`` as the administrator sees it, or the model's fields where there is none."""
    update = next((e for e in ENDPOINTS if e.kind == "update" and e.model is endpoint.model), None)
    if update is not None:
        response = admin.get(update.url(pk=obj.pk))
        assert response.status_code == 200
        return altered(submission(response, as_new=endpoint.kind == "create"))
    fields = endpoint.view_class.form_class._meta.fields
    data = {}
    for name, value in model_to_dict(obj, fields=fields).items():
        if value is None:
            data[name] = ""
        elif value is True:
            data[name] = "on"
        elif value is not False:
            data[name] = value
    return altered(data)


def api_payload(endpoint, obj) -> dict:
    """What an API client would send to write ``obj``'s values (altered)."""
    # Serializers may read the request (a suggestion's ``allowed_steps``): the administrator's.
    request = APIRequestFactory().get("/")
    request.user = get_user_model().objects.get(username="admin")
    data = dict(endpoint.view_class.serializer_class(obj, context={"request": request}).data)
    data.pop("id", None)
    # A clue grows into one suggestion only: another suggestion's clues are refused whoever
    # posts them, which would leave nothing for the scope to decide.
    data.pop("clues", None)
    return altered(data)


def footprint() -> tuple[int, int]:
    """What any write leaves behind: change-log rows and suggestion events."""
    return ChangeLog.objects.count(), Event.objects.count()


def step_input(world, user, obj) -> dict:
    """One body that every step endpoint accepts as valid input (each serializer reads its own
    fields and ignores the rest), so that the scope, the table and the guards decide."""
    into = (
        Suggestion.objects.restrict(user, Action.VIEW)
        .exclude(pk=obj.pk)
        .exclude(state__in=["withdrawn", "merged"])
        .first()
    )
    return {
        "text": "已现场勘查。",
        "reason": "不属于本单位职责。",
        "outcome": "当场修好了。",
        "evidence": "现场查看，已完工。",
        "finding": "回访完好。",
        "category": "A",
        "attitude": "satisfied",
        "result": "satisfied",
        "approve": True,
        "to": "市交通运输局",
        "until": (timezone.localdate() + dt.timedelta(days=120)).isoformat(),
        "lead_unit": world.units["a"].pk,
        "into": into.pk if into else None,
    }


def step_of(endpoint) -> Step | None:
    """The workflow step a suggestion's step endpoint takes (``None`` for other actions)."""
    if endpoint.model is not Suggestion:
        return None
    return Step(endpoint.actions["post"].rstrip("_"))


# Read-only actions on one record that may find nothing to serve for a record in scope.
# Detail actions that refuse, with 409, a row in scope that is not in the state they need.
DETAIL_ACTION_MAY_REFUSE = {
    "api:evaluation-bulletin": "only a published evaluation of the units has a bulletin",
}
DETAIL_ACTION_MAY_FIND_NOTHING = {
    "api:suggestion-letter": "no assignment letter before the suggestion is assigned",
}


def action_reach(endpoint, user, model) -> set:
    """The rows an action on one record may find: its model's view scope, or wider where the
    action says so (taking up a citizen's clue reaches the citizens' clues of a deputy's
    station, which he or she reads only once one of them has taken it up)."""
    from daibiao.suggestions.views import take_up_reach

    if endpoint.name in ("suggestions:clue-take-up", "api:clue-take-up"):
        return set(take_up_reach(user).values_list("pk", flat=True))
    return reach(user, model)


def described(response) -> str:
    return f"{response.status_code}: {response.content[:300]!r}"


def ensure_out_of_scope_rows(role, model, view_ids):
    # Without rows out of reach the 404 checks would prove nothing.
    if role != "admin":
        assert set(reach_all(model)) - view_ids, f"the world has no {model.__name__} out of {role}'s scope"


def reach_all(model) -> set:
    return set(model._default_manager.values_list("pk", flat=True))


# --- the walk itself ----------------------------------------------------------------------


def test_the_walk_finds_every_kind_of_endpoint():
    names = {e.name for e in ENDPOINTS}
    assert {"registry:deputy-list", "registry:deputy-detail", "registry:deputy-update"} <= names
    assert {"api:deputy-list", "api:deputy-detail", "api:me", "home"} <= names
    assert not {"login", "logout", "api:schema", "api:docs", "api:api-root"} & names
    assert not [e for e in ENDPOINTS if e.route.startswith(("admin/", "i18n/"))]


@pytest.mark.parametrize("endpoint", [pytest.param(e, id=e.name) for e in ENDPOINTS if e.has_pk])
def test_every_record_endpoint_reads_a_scoped_model(endpoint):
    model = endpoint.model
    assert model is not None, f"{endpoint.route}: no model on {endpoint.view_class}"
    assert hasattr(model._default_manager.all(), "restrict"), f"{model.__name__} has no restrict()"


# Who gets each known page; a page added later must at least answer 200 or 403, never an error.
PAGE_AUDIENCE = {
    "home": set(ROLES),
    "api:me": set(ROLES),
    "audit:changelog": {"county", "admin"},
    # The congress's view of the county or of one town: not for units and deputies.
    "reports:overview": {"county", "leader", "town_a", "town_b", "station_a", "admin"},
    "reports:overview-screen": {"county", "leader", "town_a", "town_b", "station_a", "admin"},
}


class TestEveryEndpoint:
    """The matrix: every endpoint × every member of the cast, in one world built once."""

    @pytest.fixture
    def client_for(self, world):
        """A page client logged in as a member of the world's cast (``anonymous``: nobody)."""

        def make(name):
            client = Client()
            if name != "anonymous":
                client.force_login(world.users[name])
            return client

        return make

    @pytest.fixture
    def api_for(self, world):
        """An API client with the token of a member of the world's cast."""

        def make(name):
            client = APIClient()
            if name != "anonymous":
                token, _ = Token.objects.get_or_create(user=world.users[name])
                client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
            return client

        return make

    # --- anonymous ------------------------------------------------------------------------

    @pytest.mark.parametrize("endpoint", [pytest.param(e, id=e.name) for e in ENDPOINTS])
    def test_anonymous_is_sent_to_log_in_or_refused_and_writes_nothing(
        self, endpoint, world, client_for, api_for
    ):
        model = endpoint.model
        obj = rows(model)[0] if endpoint.has_pk else None
        url = endpoint.url(pk=obj.pk) if obj else endpoint.url()
        before, logs = (state(obj) if obj else None), footprint()
        if endpoint.is_api:
            client = api_for("anonymous")
            for method in ("get", "post", "put", "patch", "delete"):
                response = getattr(client, method)(url, {}, format="json")
                assert response.status_code == 401, (method, described(response))
        else:
            client = client_for("anonymous")
            login = reverse("login")
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code == 302, (method, described(response))
                assert response["Location"].startswith(f"{login}?next="), response["Location"]
        if obj is not None:
            assert state(obj) == before
        assert footprint() == logs

    # --- pages ----------------------------------------------------------------------------

    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("endpoint", of_kind("list"))
    def test_page_list_shows_exactly_the_rows_in_view_scope(self, endpoint, role, world, client_for):
        user, model = world.users[role], endpoint.model
        expected = reach(user, model)
        client = client_for(role)
        response = client.get(endpoint.url())
        assert response.status_code == 200, described(response)
        assert {obj.pk for obj in response.context["object_list"]} == expected
        html = response.content.decode()
        for obj in rows(model):
            link = f'href="{obj.get_absolute_url()}"'
            assert (link in html) == (obj.pk in expected), (obj, obj.pk in expected)
        if endpoint.view_class.export_columns:
            export = client.get(endpoint.url(), {"export": "xlsx"})
            assert export.status_code == 200
            sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
            assert sheet.max_row - 1 == len(expected)  # a heading, then one line a row

    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("endpoint", of_kind("detail"))
    def test_page_detail_is_404_outside_view_scope(self, endpoint, role, world, client_for):
        user, model = world.users[role], endpoint.model
        view_ids = reach(user, model)
        ensure_out_of_scope_rows(role, model, view_ids)
        client = client_for(role)
        for obj in rows(model):
            response = client.get(endpoint.url(pk=obj.pk))
            if obj.pk in view_ids:
                assert response.status_code == 200, (obj, described(response))
                assert response.context["object"].pk == obj.pk
            else:
                assert response.status_code == 404, (obj, described(response))
                assert str(obj) not in response.content.decode()

    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("endpoint", of_kind("update"))
    def test_page_edit_refuses_outside_change_scope_and_leaves_the_row_unchanged(
        self, endpoint, role, world, client_for
    ):
        user, model = world.users[role], endpoint.model
        view_ids, change_ids = reach(user, model), reach(user, model, Action.CHANGE)
        ensure_out_of_scope_rows(role, model, view_ids)
        client, admin = client_for(role), client_for("admin")
        for obj in rows(model):
            url = endpoint.url(pk=obj.pk)
            expected = 200 if obj.pk in change_ids else 403 if obj.pk in view_ids else 404
            assert client.get(url).status_code == expected, obj
            before, logs = state(obj), ChangeLog.objects.count()
            data = form_data(endpoint, obj, admin)
            response = client.post(url, data)
            if obj.pk in change_ids:
                assert response.status_code == 302, (
                    obj,
                    response.context and response.context["form"].errors,
                )
                assert state(obj)[marker(model)] == data[marker(model)]
            else:
                assert response.status_code == expected, (obj, described(response))
                assert state(obj) == before
                assert ChangeLog.objects.count() == logs

    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("endpoint", of_kind("delete"))
    def test_page_delete_refuses_outside_delete_scope_and_keeps_the_row(
        self, endpoint, role, world, client_for
    ):
        user, model = world.users[role], endpoint.model
        view_ids, delete_ids = reach(user, model), reach(user, model, Action.DELETE)
        ensure_out_of_scope_rows(role, model, view_ids)
        client = client_for(role)
        for obj in rows(model):
            url = endpoint.url(pk=obj.pk)
            expected = 200 if obj.pk in delete_ids else 403 if obj.pk in view_ids else 404
            assert client.get(url).status_code == expected, obj
            before, logs = state(obj), ChangeLog.objects.count()
            response = client.post(url)
            if obj.pk in delete_ids:
                # Deleted, or refused because other records still refer to it: either way a redirect.
                assert response.status_code == 302, (obj, described(response))
                if state(obj) is None:
                    assert ChangeLog.objects.for_object(obj).filter(action=ChangeAction.DELETE).exists()
            else:
                assert response.status_code == expected, (obj, described(response))
                assert state(obj) == before
                assert ChangeLog.objects.count() == logs

    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("endpoint", of_kind("create"))
    def test_page_create_puts_records_only_within_add_scope(self, endpoint, role, world, client_for):
        user, model = world.users[role], endpoint.model
        allowed = may_add(user, model)
        client, admin = client_for(role), client_for("admin")
        assert client.get(endpoint.url()).status_code == (200 if allowed else 403)
        created = 0
        # Post the values of every row there is: some would land in the author's scope, some not.
        for obj in rows(model):
            known, logs = reach_all(model), ChangeLog.objects.count()
            response = client.post(endpoint.url(), form_data(endpoint, obj, admin))
            new = reach_all(model) - known
            if response.status_code == 302:
                assert allowed
                assert len(new) == 1
                assert new <= reach(user, model, Action.ADD), (obj, "created outside the author's scope")
                created += 1
            else:
                assert response.status_code == (200 if allowed else 403), (obj, described(response))
                assert not new
                assert ChangeLog.objects.count() == logs
        assert bool(created) == allowed

    # --- the API --------------------------------------------------------------------------

    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("endpoint", of_kind("api-list"))
    def test_api_list_returns_exactly_the_rows_in_view_scope(self, endpoint, role, world, api_for):
        user, model = world.users[role], endpoint.model
        expected = reach(user, model)
        response = api_for(role).get(endpoint.url(), {"page_size": 500})
        assert response.status_code == 200, described(response)
        body = response.json()
        assert set(body) == {"count", "next", "previous", "results"}
        assert body["count"] == len(expected)
        assert {row["id"] for row in body["results"]} == expected

    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("endpoint", of_kind("api-detail"))
    def test_api_detail_is_404_outside_view_scope_and_refuses_writes_outside_change_scope(
        self, endpoint, role, world, api_for
    ):
        user, model = world.users[role], endpoint.model
        view_ids = reach(user, model)
        change_ids = reach(user, model, Action.CHANGE)
        delete_ids = reach(user, model, Action.DELETE)
        ensure_out_of_scope_rows(role, model, view_ids)
        client = api_for(role)
        for obj in rows(model):
            url = endpoint.url(pk=obj.pk)
            response = client.get(url)
            if obj.pk in view_ids:
                assert response.status_code == 200, (obj, described(response))
                assert response.json()["id"] == obj.pk
            else:
                assert response.status_code == 404, (obj, described(response))
                assert str(obj) not in response.content.decode()
            refusal = 403 if obj.pk in view_ids else 404
            for method, payload in (
                ("put", api_payload(endpoint, obj)),
                ("patch", altered({marker(model): getattr(obj, marker(model), None) or str(obj)})),
            ):
                before, logs = state(obj), ChangeLog.objects.count()
                response = getattr(client, method)(url, payload, format="json")
                if method not in endpoint.methods:
                    # No such write on this resource at all (its writes are step endpoints).
                    assert response.status_code == 405, (obj, method, described(response))
                    assert state(obj) == before
                    assert ChangeLog.objects.count() == logs
                elif obj.pk in change_ids:
                    assert response.status_code == 200, (obj, method, described(response))
                    assert state(obj)[marker(model)] == payload[marker(model)]
                else:
                    assert response.status_code == refusal, (obj, method, described(response))
                    assert state(obj) == before
                    assert ChangeLog.objects.count() == logs
            before, logs = state(obj), ChangeLog.objects.count()
            response = client.delete(url)
            if "delete" not in endpoint.methods:
                assert response.status_code == 405, (obj, described(response))
                assert state(obj) == before
                assert ChangeLog.objects.count() == logs
            elif obj.pk in delete_ids:
                # Deleted, or refused (400) while other records still refer to it.
                assert response.status_code in (204, 400), (obj, described(response))
                assert (state(obj) is None) == (response.status_code == 204)
            else:
                assert response.status_code == refusal, (obj, described(response))
                assert state(obj) == before
                assert ChangeLog.objects.count() == logs

    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("endpoint", of_kind("api-list"))
    def test_api_create_puts_records_only_within_add_scope(self, endpoint, role, world, api_for):
        user, model = world.users[role], endpoint.model
        client = api_for(role)
        created = 0
        for obj in rows(model):
            known, logs = reach_all(model), ChangeLog.objects.count()
            response = client.post(endpoint.url(), api_payload(endpoint, obj), format="json")
            new = reach_all(model) - known
            if response.status_code == 201:
                assert len(new) == 1
                assert new <= reach(user, model, Action.ADD), (obj, "created outside the author's scope")
                created += 1
            else:
                # 405: the resource takes no creates at all (the inbox: services write it).
                refusals = (400, 403) if "post" in endpoint.methods else (405,)
                assert response.status_code in refusals, (obj, described(response))
                assert not new
                assert ChangeLog.objects.count() == logs
        assert bool(created) == may_add(user, model)

    # --- actions: a step (or another write) on one record, or a read of one record --------

    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("endpoint", [p for p in of_kind("api-action") if p.values[0].has_pk])
    def test_api_action_is_404_outside_view_scope_and_never_an_error_inside(
        self, endpoint, role, world, api_for
    ):
        user, model = world.users[role], endpoint.model
        view_ids = action_reach(endpoint, user, model)
        ensure_out_of_scope_rows(role, model, view_ids)
        client = api_for(role)
        step = step_of(endpoint)
        # A role the table never lets take the step must never succeed, in any state.
        never = step is not None and not workflow.role_may(step, loop.roles_of(user))
        for obj in rows(model):
            before, marks = state(obj), footprint()
            events = Event.objects.filter(suggestion_id=obj.pk, step=step).count() if step else 0
            response = client.post(endpoint.url(pk=obj.pk), step_input(world, user, obj), format="json")
            if obj.pk not in view_ids:
                assert response.status_code == 404, (obj, described(response))
                assert str(obj) not in response.content.decode()
            else:
                assert response.status_code in (200, 400, 403, 409), (obj, described(response))
                if never:
                    assert response.status_code in (400, 403), (obj, described(response))
            if response.status_code == 200:
                if step is not None:
                    # A step taken leaves its event row and a change-log row (habit 5).
                    assert Event.objects.filter(suggestion_id=obj.pk, step=step).count() == events + 1
                    assert footprint()[0] > marks[0]
            else:
                assert state(obj) == before, (obj, described(response))
                assert footprint() == marks, (obj, described(response))

    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("endpoint", [p for p in of_kind("api-action") if not p.values[0].has_pk])
    def test_api_collection_action_answers_without_an_error(self, endpoint, role, world, api_for):
        response = api_for(role).post(endpoint.url(), {}, format="json")
        assert response.status_code in (200, 204, 400, 403), described(response)

    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("endpoint", of_kind("api-detail-action"))
    def test_api_detail_action_is_404_outside_view_scope(self, endpoint, role, world, api_for):
        user, model = world.users[role], endpoint.model
        view_ids = reach(user, model)
        ensure_out_of_scope_rows(role, model, view_ids)
        client = api_for(role)
        may_find_nothing = endpoint.name in DETAIL_ACTION_MAY_FIND_NOTHING
        for obj in rows(model):
            response = client.get(endpoint.url(pk=obj.pk))
            if obj.pk in view_ids:
                expected = (200, 404) if may_find_nothing else (200,)
                if endpoint.name in DETAIL_ACTION_MAY_REFUSE:
                    expected = (200, 409)
                assert response.status_code in expected, (
                    obj,
                    described(response),
                )
            else:
                assert response.status_code == 404, (obj, described(response))
                assert str(obj) not in response.content.decode()

    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("endpoint", of_kind("page-action"))
    def test_page_action_is_404_outside_view_scope_and_never_an_error_inside(
        self, endpoint, role, world, client_for
    ):
        client = client_for(role)
        if not endpoint.has_pk:
            response = client.post(endpoint.url())
            assert response.status_code in (200, 302, 403), described(response)
            return
        user, model = world.users[role], endpoint.model
        view_ids = action_reach(endpoint, user, model)
        ensure_out_of_scope_rows(role, model, view_ids)
        for obj in rows(model):
            before, marks = state(obj), footprint()
            response = client.post(endpoint.url(pk=obj.pk))  # no input: only steps that need none pass
            if obj.pk in view_ids:
                assert response.status_code in (200, 302, 403), (obj, described(response))
            else:
                assert response.status_code == 404, (obj, described(response))
            if response.status_code != 302:  # refused, or the form shown again with its errors
                assert state(obj) == before, (obj, described(response))
                assert footprint() == marks, (obj, described(response))

    # --- other pages: no records in the URL -----------------------------------------------

    @pytest.mark.parametrize("role", ROLES)
    @pytest.mark.parametrize("endpoint", of_kind("page", "api-other"))
    def test_other_pages_answer_their_audience_and_refuse_the_rest(
        self, endpoint, role, world, client_for, api_for
    ):
        client = (api_for if endpoint.is_api else client_for)(role)
        response = client.get(endpoint.url())
        if endpoint.view_class is not None and issubclass(endpoint.view_class, SectionRoot):
            # A section's root sends whoever is logged in on to the section's first page.
            target = reverse(endpoint.view_func.view_initkwargs["pattern_name"])
            assert (response.status_code, response["Location"]) == (302, target)
            return
        if endpoint.name in PAGE_AUDIENCE:
            assert response.status_code == (200 if role in PAGE_AUDIENCE[endpoint.name] else 403)
        else:
            # A dummy value in the URL (a token, a name) may well be "not found".
            expected = (200, 403, 404) if endpoint.kwargs else (200, 403)
            assert response.status_code in expected, described(response)

    def test_changelog_page_lists_changes_only_for_its_audience(self, world, client_for):
        response = client_for("county").get(reverse("audit:changelog"))
        assert response.status_code == 200
        assert "钱多多" in response.content.decode()
        assert client_for("town_a").get(reverse("audit:changelog")).status_code == 403

    def test_no_test_left_its_writes_in_the_world(self, world):
        # Runs last in the class: every write above was rolled back with its test.
        assert set(Deputy.objects.values_list("name", flat=True)) == {
            "王小明",
            "李春兰",
            "张建国",
            "赵秀英",
            "孙立",
            "钱多多",
        }
        for model in (Town, Village, Courtyard, Unit, LiaisonStation, DeputyGroup):
            assert not model.objects.filter(name__endswith="新").exists(), model.__name__


# --- concrete expectations: the rules are not empty ---------------------------------------


def names(queryset_or_rows) -> set[str]:
    return {getattr(row, "name", None) or row["name"] for row in queryset_or_rows}


def ui_deputies(client) -> set[str]:
    response = client.get(reverse("registry:deputy-list"))
    assert response.status_code == 200
    return names(response.context["object_list"])


def api_deputies(client) -> set[str]:
    response = client.get(reverse("api:deputy-list"))
    assert response.status_code == 200
    return names(response.json()["results"])


def test_town_staff_see_exactly_their_towns_two_deputies(cast, client_for, api_for):
    assert ui_deputies(client_for("town_a")) == {"王小明", "李春兰"}
    assert api_deputies(api_for("town_a")) == {"王小明", "李春兰"}
    assert ui_deputies(client_for("town_b")) == {"张建国", "赵秀英"}


def test_town_staff_get_404_for_the_other_towns_deputy(cast, client_for, api_for):
    other = cast.deputies["b"]
    assert client_for("town_a").get(reverse("registry:deputy-detail", args=[other.pk])).status_code == 404
    assert client_for("town_a").get(reverse("registry:deputy-update", args=[other.pk])).status_code == 404
    assert api_for("town_a").get(reverse("api:deputy-detail", args=[other.pk])).status_code == 404
    assert (
        api_for("town_a")
        .patch(reverse("api:deputy-detail", args=[other.pk]), {"occupation": "x"}, format="json")
        .status_code
        == 404
    )
    assert Deputy.objects.get(pk=other.pk).occupation == "村党支部书记"


def test_a_deputy_sees_only_themself(cast, client_for, api_for):
    assert ui_deputies(client_for("deputy_a")) == {"王小明"}
    assert api_deputies(api_for("deputy_a")) == {"王小明"}
    colleague = cast.deputies["a2"]
    assert client_for("deputy_a").get(colleague.get_absolute_url()).status_code == 404
    assert api_for("deputy_a").get(reverse("api:deputy-detail", args=[colleague.pk])).status_code == 404


def test_a_deputy_may_read_but_not_edit_their_own_record(cast, client_for, api_for):
    own = cast.deputies["a"]
    assert client_for("deputy_a").get(reverse("registry:deputy-update", args=[own.pk])).status_code == 403
    response = api_for("deputy_a").patch(
        reverse("api:deputy-detail", args=[own.pk]), {"occupation": "x"}, format="json"
    )
    assert response.status_code == 403


def test_unit_staff_see_no_deputies(cast, client_for, api_for):
    assert ui_deputies(client_for("unit_a")) == set()
    assert api_deputies(api_for("unit_a")) == set()
    deputy = cast.deputies["a"]
    assert client_for("unit_a").get(deputy.get_absolute_url()).status_code == 404
    assert api_for("unit_a").get(reverse("api:deputy-detail", args=[deputy.pk])).status_code == 404


def test_unit_staff_may_edit_their_own_unit_only(cast, api_for):
    own, other = cast.units["a"], cast.units["b"]
    client = api_for("unit_a")
    response = client.patch(
        reverse("api:unit-detail", args=[own.pk]), {"contact_person": "刘"}, format="json"
    )
    assert response.status_code == 200
    response = client.patch(
        reverse("api:unit-detail", args=[other.pk]), {"contact_person": "刘"}, format="json"
    )
    assert response.status_code == 403
    assert Unit.objects.get(pk=other.pk).contact_person == ""


def test_leader_sees_every_deputy_but_may_not_edit(cast, client_for, api_for):
    everyone = {"王小明", "李春兰", "张建国", "赵秀英"}
    assert ui_deputies(client_for("leader")) == everyone
    assert api_deputies(api_for("leader")) == everyone
    deputy = cast.deputies["a"]
    edit = reverse("registry:deputy-update", args=[deputy.pk])
    assert client_for("leader").get(edit).status_code == 403
    assert client_for("leader").post(edit, {"name": "改名"}).status_code == 403
    assert client_for("leader").post(reverse("registry:deputy-delete", args=[deputy.pk])).status_code == 403
    api = api_for("leader")
    detail = reverse("api:deputy-detail", args=[deputy.pk])
    assert api.patch(detail, {"name": "改名"}, format="json").status_code == 403
    assert api.delete(detail).status_code == 403
    assert Deputy.objects.filter(pk=deputy.pk, name="王小明").exists()


def test_county_staff_may_edit_a_deputy_in_the_ui_and_the_api(cast, client_for, api_for):
    deputy = cast.deputies["b"]
    edit = reverse("registry:deputy-update", args=[deputy.pk])
    client = client_for("county")
    response = client.post(edit, {**submission(client.get(edit)), "occupation": "种植大户"})
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert Deputy.objects.get(pk=deputy.pk).occupation == "种植大户"
    response = api_for("county").patch(
        reverse("api:deputy-detail", args=[deputy.pk]), {"occupation": "合作社理事长"}, format="json"
    )
    assert response.status_code == 200
    assert Deputy.objects.get(pk=deputy.pk).occupation == "合作社理事长"


def test_station_head_sees_their_stations_deputies_only(cast, client_for, api_for):
    county = cast.users["county"]
    # A deputy of the same town who belongs to no station: the town's staff see him, the
    # station head does not.
    save_deputy(
        Deputy(name="孙立", gender=Gender.MALE, phone=next_phone(), town=cast.towns["a"]), actor=county
    )
    assert ui_deputies(client_for("station_a")) == {"王小明", "李春兰"}
    assert api_deputies(api_for("station_a")) == {"王小明", "李春兰"}
    assert ui_deputies(client_for("town_a")) == {"王小明", "李春兰", "孙立"}


def test_town_staff_cannot_move_a_deputy_to_another_town_in_the_ui(cast, client_for):
    deputy = cast.deputies["a"]
    edit = reverse("registry:deputy-update", args=[deputy.pk])
    client = client_for("town_a")
    logs = ChangeLog.objects.count()
    response = client.post(edit, {**submission(client.get(edit)), "town": cast.towns["b"].pk})
    assert response.status_code == 200
    assert "town" in response.context["form"].errors
    assert Deputy.objects.get(pk=deputy.pk).town_id == cast.towns["a"].pk
    assert ChangeLog.objects.count() == logs


@pytest.mark.parametrize(
    ("resource", "field"),
    [
        ("villages", "town"),
        ("stations", "town"),
        ("groups", "town"),
        ("deputies", "town"),
        ("courtyards", "village"),
    ],
)
def test_town_staff_cannot_move_a_record_out_of_their_town_through_the_api(cast, api_for, resource, field):
    save_record(Courtyard(village=cast.villages["a"], name="一组"), actor=None)
    model = reverse_model(resource)
    obj = model.objects.filter(**{"village__town" if field == "village" else "town": cast.towns["a"]}).first()
    target = (cast.villages if field == "village" else cast.towns)["b"]
    before, logs = state(obj), ChangeLog.objects.count()
    response = api_for("town_a").patch(f"/api/v1/{resource}/{obj.pk}/", {field: target.pk}, format="json")
    assert response.status_code == 403, described(response)
    assert state(obj) == before
    assert ChangeLog.objects.count() == logs
    # The county may.
    response = api_for("county").patch(f"/api/v1/{resource}/{obj.pk}/", {field: target.pk}, format="json")
    assert response.status_code == 200, described(response)
    assert state(obj)[f"{field}_id"] == target.pk


def reverse_model(resource):
    return next(e.model for e in ENDPOINTS if e.kind == "api-list" and e.url() == f"/api/v1/{resource}/")
