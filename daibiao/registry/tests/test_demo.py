"""The demo county loader: what it builds, that it runs once, and that production refuses it."""

import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, F
from django.test import RequestFactory

from daibiao.accounts.choices import Role
from daibiao.accounts.models import User
from daibiao.core.models import ChangeLog
from daibiao.registry.choices import DeputyStatus, Level, TownKind
from daibiao.registry.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, TOWNS, load_demo
from daibiao.registry.models import (
    County,
    Courtyard,
    Deputy,
    DeputyGroup,
    LiaisonStation,
    Mandate,
    Town,
    Unit,
    Village,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo county, loaded once for this module: the load takes seconds. It lives in a
    transaction rolled back when the module ends, so no other test module ever sees it; each
    test runs in a savepoint inside it, as pytest-django nests them."""
    with django_db_blocker.unblock(), transaction.atomic():
        summary = load_demo()
        yield summary
        transaction.set_rollback(True)


def test_load_gives_1046_deputies_each_with_a_mandate_at_four_levels(demo):
    county = County.objects.get(name="南漳县")
    assert county.code == "420624"
    deputies = Deputy.objects.filter(county=county)
    assert deputies.count() == 1046
    assert not deputies.annotate(n=Count("mandates")).filter(n=0).exists()
    levels = dict(Mandate.objects.order_by().values_list("level").annotate(n=Count("id")))
    assert set(levels) == set(Level.values)
    assert levels[Level.PROVINCE] < levels[Level.CITY] < levels[Level.COUNTY] < levels[Level.TOWN]
    assert demo.mandates == levels
    # Overlaps: county deputies who also sit in the town congress (县镇人大代表).
    both = deputies.filter(mandates__level=Level.COUNTY).filter(mandates__level=Level.TOWN)
    assert both.count() > 100
    assert deputies.exclude(status=DeputyStatus.SERVING).count() == 5
    phones = list(deputies.values_list("phone", flat=True))
    assert all(re.fullmatch(r"1[3-9]\d{9}", phone) for phone in phones)
    # Every deputy belongs to a group and a station of his or her own town.
    assert not deputies.filter(group__isnull=True).exists()
    assert not deputies.exclude(group__town=F("town")).exists()
    assert not deputies.exclude(station__town=F("town")).exists()


def test_load_builds_the_named_towns_villages_units_and_stations(demo):
    towns = list(Town.objects.filter(county__name="南漳县").values_list("name", "kind"))
    assert towns == [(spec.name, spec.kind) for spec in TOWNS]
    assert towns[-2:] == [("清河管理区", TownKind.DISTRICT), ("南漳经济开发区", TownKind.ZONE)]
    for town, village in (
        ("城关镇", "卞和社区"),
        ("城关镇", "王家坡社区"),
        ("城关镇", "白鹤湖社区"),
        ("肖堰镇", "青龙湾村"),
        ("九集镇", "八泉村"),
        ("九集镇", "良种场村"),
        ("九集镇", "彭家营村"),
        ("九集镇", "方家庙村"),
        ("板桥镇", "九龙观村"),
        ("板桥镇", "白云庵村"),
        ("板桥镇", "板桥社区"),
    ):
        assert Village.objects.filter(town__name=town, name=village).exists(), village
    per_town = Village.objects.values("town").annotate(n=Count("id")).values_list("n", flat=True)
    assert all(12 <= n <= 30 for n in per_town)
    assert Courtyard.objects.filter(village__town__name="板桥镇", head_deputy__isnull=False).count() == 34
    assert Unit.objects.filter(name="县交通运输局").exists()
    assert Unit.objects.filter(kind="town_government").count() == len(TOWNS)
    assert not LiaisonStation.objects.filter(head__isnull=True).exists()
    assert not DeputyGroup.objects.filter(leader__isnull=True).exists()
    assert LiaisonStation.objects.filter(is_legislative_contact_point=True).exists()
    assert LiaisonStation.objects.filter(is_budget_contact_point=True).exists()


def test_every_record_has_its_change_log_history(demo):
    deputy = Deputy.objects.exclude(status=DeputyStatus.SERVING).first()
    actions = list(ChangeLog.objects.for_object(deputy).values_list("action", "actor_name"))
    # Created, then the change of status, both by the system.
    assert sorted(actions) == [("create", "system"), ("update", "system")]
    assert ChangeLog.objects.filter(content_type__model="deputy", action="create").count() == 1046
    assert ChangeLog.objects.filter(content_type__model="mandate").count() == sum(demo.mandates.values())
    assert demo.change_log > 3000


def test_every_demo_account_logs_in_with_its_role(demo):
    expected = {
        "county": Role.COUNTY_STAFF,
        "leader": Role.LEADER,
        "town-wuan": Role.TOWN_STAFF,
        "town-jiuji": Role.TOWN_STAFF,
        "unit-jiaotong": Role.UNIT_STAFF,
        "station-wuan": Role.STATION_HEAD,
        "deputy-demo": Role.DEPUTY,
        "admin": Role.ADMIN,
    }
    assert set(DEMO_ACCOUNTS) == set(expected)
    request = RequestFactory().post("/accounts/login/")
    for username, role in expected.items():
        user = authenticate(request, username=username, password=DEMO_PASSWORD)
        assert user is not None, username
        assert user.roles == {role}, username
        assert user.display_name
        assert user.county.name == "南漳县"
    users = {u.username: u for u in User.objects.filter(username__in=expected)}
    assert users["town-wuan"].town.name == "武安镇"
    assert users["town-jiuji"].town.name == "九集镇"
    assert users["unit-jiaotong"].unit.name == "县交通运输局"
    assert users["station-wuan"].station.town.name == "武安镇"
    deputy = users["deputy-demo"].deputy
    assert deputy.town.name == "武安镇"
    assert users["deputy-demo"].town == deputy.town
    assert {Level.COUNTY, Level.TOWN} <= set(deputy.levels)
    assert users["admin"].is_staff
    assert users["admin"].is_superuser


def test_second_load_if_absent_changes_nothing_and_plain_load_refuses(demo, capsys):
    before = (Deputy.objects.count(), ChangeLog.objects.count(), User.objects.count())
    call_command("demo", "load", "--if-absent")
    assert "未作任何更改" in capsys.readouterr().out
    with pytest.raises(CommandError, match="已加载"):
        call_command("demo", "load")
    assert (Deputy.objects.count(), ChangeLog.objects.count(), User.objects.count()) == before


def test_accounts_command_lists_every_login(demo, capsys):
    call_command("demo", "accounts")
    out = capsys.readouterr().out
    for username in DEMO_ACCOUNTS:
        assert username in out
    assert out.count(DEMO_PASSWORD) == len(DEMO_ACCOUNTS)


def test_load_is_refused_unless_demo_mode(settings):
    settings.DEMO_MODE = False
    before = ChangeLog.objects.count()
    with pytest.raises(CommandError, match="DAIBIAO_DEMO=1"):
        call_command("demo", "load", "--if-absent")
    with pytest.raises(CommandError, match="DAIBIAO_DEMO=1"):
        call_command("demo", "accounts")
    assert ChangeLog.objects.count() == before
