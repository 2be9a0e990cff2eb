"""The scope rules of the registry, role by role (``Model.objects.restrict(user, action)``).

These pin what the rules are; ``tests/test_scoping_matrix.py`` proves every endpoint obeys
them. A user missing the binding a role needs (a station head with no station) reaches
nothing through that role: scoping fails closed.
"""

from __future__ import annotations

import pytest
from django.db.models import Q

from daibiao.accounts.choices import Role
from daibiao.accounts.models import User
from daibiao.accounts.services import create_user
from daibiao.core.scoping import Action, can, may_add
from daibiao.registry.choices import Level
from daibiao.registry.models import (
    Deputy,
    DeputyGroup,
    ElectoralDistrict,
    LiaisonStation,
    Mandate,
    Town,
    Unit,
    Village,
)

pytestmark = pytest.mark.django_db

ALL_DEPUTIES = {"王小明", "李春兰", "张建国", "赵秀英"}
TOWN_A_DEPUTIES = {"王小明", "李春兰"}


def reach(user, model, action=Action.VIEW) -> set[str]:
    return {str(obj) for obj in model.objects.restrict(user, action)}


@pytest.mark.parametrize(
    ("name", "view", "change"),
    [
        ("county", ALL_DEPUTIES, ALL_DEPUTIES),
        ("leader", ALL_DEPUTIES, set()),
        ("town_a", TOWN_A_DEPUTIES, TOWN_A_DEPUTIES),
        ("town_b", {"张建国", "赵秀英"}, {"张建国", "赵秀英"}),
        ("station_a", TOWN_A_DEPUTIES, set()),
        ("deputy_a", {"王小明"}, set()),
        ("deputy_b", {"张建国"}, set()),
        ("unit_a", set(), set()),
        ("admin", ALL_DEPUTIES, ALL_DEPUTIES),
    ],
)
def test_deputies_each_role_reaches(cast, name, view, change):
    user = cast.users[name]
    assert reach(user, Deputy) == view
    assert reach(user, Deputy, Action.CHANGE) == change
    assert reach(user, Deputy, Action.DELETE) == change
    # A deputy's mandates follow the deputy.
    assert {m.deputy.name for m in Mandate.objects.restrict(user)} == view


@pytest.mark.parametrize(
    ("name", "town_change", "village_change", "unit_change"),
    [
        ("county", {"武安镇", "九集镇"}, {"武安村", "九集村"}, {"县交通运输局", "县水利局"}),
        ("town_a", {"武安镇"}, {"武安村"}, set()),
        ("unit_a", set(), set(), {"县交通运输局"}),
        ("leader", set(), set(), set()),
        ("station_a", set(), set(), set()),
        ("deputy_a", set(), set(), set()),
    ],
)
def test_reference_data_is_read_county_wide_and_written_where_one_works(
    cast, name, town_change, village_change, unit_change
):
    user = cast.users[name]
    assert reach(user, Town) == {"武安镇", "九集镇"}
    assert reach(user, Unit) == {"县交通运输局", "县水利局"}
    assert reach(user, Town, Action.CHANGE) == town_change
    assert reach(user, Village, Action.CHANGE) == village_change
    assert reach(user, Unit, Action.CHANGE) == unit_change


def test_only_county_staff_and_administrators_add_towns_and_units(cast):
    adders = {name for name, user in cast.users.items() if may_add(user, Town)}
    assert adders == {"county", "admin"}
    assert {name for name, user in cast.users.items() if may_add(user, Unit)} == {"county", "admin"}
    assert {name for name, user in cast.users.items() if may_add(user, Deputy)} == {
        "county",
        "town_a",
        "town_b",
        "admin",
    }


def test_users_see_their_own_account_and_county_staff_see_the_county(cast):
    assert {u.username for u in User.objects.restrict(cast.users["town_a"])} == {"town_a"}
    assert {u.username for u in User.objects.restrict(cast.users["county"])} == set(cast.users)
    assert not User.objects.restrict(cast.users["county"], Action.CHANGE).exists()


def test_several_roles_reach_the_union(cast):
    user = cast.users["town_b"]
    user.role_grants.create(role=Role.STATION_HEAD)
    user.station = cast.stations["a"]
    user.save()
    user = User.objects.get(pk=user.pk)  # roles are read once per instance
    assert reach(user, Deputy) == ALL_DEPUTIES
    assert reach(user, Deputy, Action.CHANGE) == {"张建国", "赵秀英"}


def test_anonymous_inactive_and_superusers(cast):
    from django.contrib.auth.models import AnonymousUser

    assert not Deputy.objects.restrict(AnonymousUser()).exists()
    assert not Deputy.objects.restrict(None).exists()
    user = cast.users["county"]
    user.is_active = False
    assert not Deputy.objects.restrict(user).exists()
    root = User.objects.create_superuser("root", password="root-pass-123")
    assert reach(root, Deputy, Action.DELETE) == ALL_DEPUTIES


def test_can_answers_for_one_record(cast):
    deputy = cast.deputies["a"]
    assert can(cast.users["town_a"], Action.CHANGE, deputy)
    assert not can(cast.users["town_b"], Action.VIEW, deputy)
    assert can(cast.users["leader"], Action.VIEW, deputy)
    assert not can(cast.users["leader"], Action.CHANGE, deputy)


def test_a_deputy_belongs_to_the_county_of_its_town_whoever_adds_it(cast, client_for):
    """The administrator's form starts from the administrator's county; a deputy placed in a
    town of another county must still land in that county's scope, not the author's."""
    from django.urls import reverse

    from daibiao.registry.models import County
    from tests.pages import submission

    other = County.objects.create(name="邻县")
    town = Town.objects.create(county=other, name="城关镇")
    client = client_for("admin")
    page = client.get(reverse("registry:deputy-create"))
    data = {
        **submission(page),
        **{"name": "钱多多", "gender": "female", "phone": "13700000001", "town": town.pk},
        **{"mandates-0-level": "county", "group": "", "station": ""},
    }
    assert client.post(reverse("registry:deputy-create"), data).status_code == 302
    deputy = Deputy.objects.get(name="钱多多")
    assert deputy.county_id == other.pk
    assert not Deputy.objects.restrict(cast.users["county"]).filter(pk=deputy.pk).exists()


# --- unbound users fail closed ------------------------------------------------------------


def unbound(cast, role) -> User:
    """A user holding ``role`` in the county but bound to nothing that role needs."""
    return create_user(f"unbound_{role}", actor=None, password=None, roles=[role], county=cast.county)


def test_a_station_head_without_a_station_sees_no_deputies(cast):
    # Deputies outside any station must not become "the station" of a head who has none.
    with_no_station = cast.deputies["b2"]
    with_no_station.station = None
    with_no_station.save()
    user = unbound(cast, Role.STATION_HEAD)
    assert reach(user, Deputy) == set()
    assert not Mandate.objects.restrict(user).exists()


def test_town_staff_without_a_town_write_nothing(cast):
    user = unbound(cast, Role.TOWN_STAFF)
    ElectoralDistrict.objects.create(county=cast.county, level=Level.COUNTY, name="第一选区")
    for model in (Town, Village, LiaisonStation, DeputyGroup, ElectoralDistrict, Deputy):
        for action in (Action.ADD, Action.CHANGE, Action.DELETE):
            assert not model.objects.restrict(user, action).exists(), (model.__name__, action)
    assert reach(user, Deputy) == set()


@pytest.mark.parametrize("role", [Role.UNIT_STAFF, Role.DEPUTY])
def test_unit_staff_and_deputies_without_a_binding_change_nothing(cast, role):
    user = unbound(cast, role)
    assert not Unit.objects.restrict(user, Action.CHANGE).exists()
    assert reach(user, Deputy) == set()


def test_the_rules_compare_no_nullable_binding_with_none():
    """No rule may compare a binding that is unset: ``Q(station_id=None)`` matches every row
    without a station. Ask each rule about a user bound to nothing (but the county, which
    every user has) and look for a ``None`` in its answer."""

    class Nobody:
        pk = None
        town_id = unit_id = station_id = deputy_id = None

    def nulls(q) -> list:
        found = []
        for child in q.children:
            if isinstance(child, Q):
                found += nulls(child)
            elif child[1] is None and child[0] not in ("pk", "id"):  # a primary key is never null
                found.append(child[0])
        return found

    nobody = Nobody()
    nobody.county_id = 1
    for model in (Town, Village, Unit, LiaisonStation, DeputyGroup, ElectoralDistrict, Deputy, Mandate):
        qs = model.objects.all()
        for role in Role:
            for action in Action:
                q = qs.scope(role, nobody, action)
                if q is not None:
                    assert nulls(q) == [], (model.__name__, role, action, q)
