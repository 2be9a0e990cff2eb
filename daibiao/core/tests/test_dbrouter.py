"""The replica router: which reads may go to the streaming replica, and which never do.

No replica is needed: the router's answers are checked directly, and through the whole stack
with a router that records its answer but reads the test database (the response header
``X-Daibiao-DB`` says what the router chose). deploy/smoke.sh checks the real replica."""

import importlib.util
import sys

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS
from django.test import Client, override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from rest_framework.authtoken.models import Token

from daibiao.accounts.models import User
from daibiao.core import dbrouter
from daibiao.core.dbrouter import PIN_COOKIE, REPLICA, ReplicaRouter, RequestRouting
from daibiao.registry.models import Town
from daibiao.suggestions.models import Clue, Suggestion

# --- the router's answers --------------------------------------------------------------------


@pytest.fixture
def dashboard_request():
    """The routing state of a dashboard request that may read the replica."""
    state = RequestRouting(replica=True)
    token = dbrouter._current.set(state)
    yield state
    dbrouter._current.reset(token)


def test_outside_a_request_reads_are_left_to_django_and_writes_go_to_the_primary():
    router = ReplicaRouter()
    assert dbrouter.current() is None
    assert router.db_for_read(Suggestion) is None
    assert router.db_for_write(Suggestion) == DEFAULT_DB_ALIAS


def test_an_ordinary_request_reads_the_primary_even_for_an_object_from_the_replica():
    router = ReplicaRouter()
    token = dbrouter._current.set(RequestRouting())
    try:
        town = Town(pk=1)
        town._state.db = REPLICA
        assert router.db_for_read(Suggestion, instance=town) == DEFAULT_DB_ALIAS
    finally:
        dbrouter._current.reset(token)


def test_a_dashboard_reads_its_figures_from_the_replica(dashboard_request):
    router = ReplicaRouter()
    assert router.db_for_read(Suggestion) == REPLICA
    assert router.db_for_read(Clue) == REPLICA
    assert router.db_for_read(Town) == REPLICA
    assert dashboard_request.read_from == {REPLICA}


@pytest.mark.parametrize("model", [User, Token, Session, DBTaskResult])
def test_a_dashboard_reads_identity_and_task_rows_from_the_primary(dashboard_request, model):
    assert ReplicaRouter().db_for_read(model) == DEFAULT_DB_ALIAS


def test_once_a_request_has_written_it_reads_the_primary(dashboard_request):
    router = ReplicaRouter()
    assert router.db_for_read(Suggestion) == REPLICA
    suggestion = Suggestion(pk=1)
    suggestion._state.db = REPLICA
    assert router.db_for_write(Suggestion, instance=suggestion) == DEFAULT_DB_ALIAS
    assert dashboard_request.wrote
    assert router.db_for_read(Suggestion) == DEFAULT_DB_ALIAS


def test_the_replica_is_never_migrated_and_its_objects_relate_to_the_primarys():
    router = ReplicaRouter()
    assert router.allow_migrate(REPLICA, "suggestions") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "suggestions") is None
    town, suggestion = Town(pk=1), Suggestion(pk=2)
    town._state.db, suggestion._state.db = REPLICA, DEFAULT_DB_ALIAS
    assert router.allow_relation(town, suggestion) is True
    suggestion._state.db = "elsewhere"
    assert router.allow_relation(town, suggestion) is None


def test_without_a_replica_configured_it_is_never_usable():
    assert REPLICA not in settings.DATABASES
    dbrouter.replica_health.forget()
    assert dbrouter.replica_health.usable() is False


# --- through the whole stack ------------------------------------------------------------------


class RecordingRouter(ReplicaRouter):
    """Decides like the real router (the header reports the decision) but reads the one test
    database, which stands in for both the primary and the replica."""

    def db_for_read(self, model, **hints):
        chosen = super().db_for_read(model, **hints)
        return None if chosen is None else DEFAULT_DB_ALIAS


@pytest.fixture
def routed(monkeypatch):
    monkeypatch.setattr(dbrouter.replica_health, "usable", lambda: True)
    with override_settings(
        MIDDLEWARE=["daibiao.core.dbrouter.ReplicaReadsMiddleware", *settings.MIDDLEWARE],
        DATABASE_ROUTERS=["daibiao.core.tests.test_dbrouter.RecordingRouter"],
        DATABASE_ROUTING_HEADER=True,
        DATABASE_REPLICA_PIN_S=7,
    ):
        yield


def reads(response) -> set[str]:
    return set(response["X-Daibiao-DB"].split(","))


@pytest.mark.parametrize("name", ["reports:overview", "reports:overview-screen"])
def test_the_overview_pages_read_the_replica(routed, client_for, name):
    response = client_for("county").get(reverse(name))
    assert response.status_code == 200
    assert REPLICA in reads(response)


def test_the_stats_api_reads_the_replica_and_its_token_from_the_primary(routed, api_for, cast):
    response = api_for("county").get(reverse("api:stats-overview"))
    assert response.status_code == 200
    assert reads(response) == {DEFAULT_DB_ALIAS, REPLICA}  # the token and user: primary


def test_other_pages_read_only_the_primary(routed, client_for):
    response = client_for("county").get(reverse("suggestions:suggestion-list"))
    assert response.status_code == 200
    assert reads(response) == {DEFAULT_DB_ALIAS}


def test_a_write_pins_the_browser_to_the_primary_and_its_next_dashboard_reads_it(routed, cast):
    client = Client()
    client.force_login(cast.users["county"])
    assert PIN_COOKIE not in client.cookies
    before = Clue.objects.count()
    wrote = client.post(
        reverse("api:clue-list"), {"title": "路灯不亮", "content": "村口三盏。", "town": cast.towns["a"].pk}
    )
    assert wrote.status_code == 201, wrote.content
    assert Clue.objects.count() == before + 1
    pin = wrote.cookies[PIN_COOKIE]
    assert pin.value == "1"
    assert int(pin["max-age"]) == 7
    assert pin["httponly"]
    after = client.get(reverse("reports:overview"))
    assert after.status_code == 200
    assert reads(after) == {DEFAULT_DB_ALIAS}
    # Once the pin has expired the browser's dashboards read the replica again.
    del client.cookies[PIN_COOKIE]
    assert REPLICA in reads(client.get(reverse("reports:overview")))


def test_a_post_to_a_dashboard_url_reads_the_primary(routed, client_for):
    response = client_for("county").post(reverse("reports:overview"))
    assert REPLICA not in reads(response)


def test_a_read_only_request_sets_no_pin(routed, client_for):
    response = client_for("county").get(reverse("reports:overview"))
    assert PIN_COOKIE not in response.cookies


def test_without_the_routing_middleware_no_header_is_added(client_for, cast):
    response = client_for("county").get(reverse("reports:overview"))
    assert response.status_code == 200
    assert "X-Daibiao-DB" not in response


# --- the production settings --------------------------------------------------------------------


def _fresh(name):
    """A new copy of the module ``name``, evaluated now; sys.modules keeps the old one."""
    spec = importlib.util.find_spec(name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def prod_settings(monkeypatch):
    """``daibiao.settings.prod`` (and the base it imports) evaluated afresh under the
    environment the test sets; the settings in use are left alone."""
    for name in ("DATABASE_URL", "DATABASE_REPLICA_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "only-for-this-test")

    def load():
        monkeypatch.setitem(sys.modules, "daibiao.settings.base", _fresh("daibiao.settings.base"))
        return _fresh("daibiao.settings.prod")

    return load


def test_without_the_variables_production_keeps_one_database_and_the_local_cache(prod_settings):
    prod = prod_settings()
    assert set(prod.DATABASES) == {"default"}
    assert not hasattr(prod, "DATABASE_ROUTERS")
    assert "daibiao.core.dbrouter.ReplicaReadsMiddleware" not in prod.MIDDLEWARE
    assert not hasattr(prod, "CACHES")
    assert not hasattr(prod, "SESSION_ENGINE")


def test_the_replica_and_redis_urls_configure_the_router_the_cache_and_sessions(prod_settings, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db1:5432/daibiao")
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://app@db2:5432/daibiao")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    prod = prod_settings()
    replica = prod.DATABASES["replica"]
    assert (replica["HOST"], replica["NAME"]) == ("db2", "daibiao")
    assert replica["TEST"] == {"MIRROR": "default"}
    assert replica["OPTIONS"]["connect_timeout"] == 3
    assert prod.DATABASE_ROUTERS == ["daibiao.core.dbrouter.ReplicaRouter"]
    assert prod.MIDDLEWARE[0] == "daibiao.core.dbrouter.ReplicaReadsMiddleware"
    assert prod.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert prod.CACHES["default"]["LOCATION"] == "redis://cache:6379/0"
    assert prod.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"


def test_a_replica_without_a_postgresql_primary_stops_start_up(prod_settings, monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://app@db2:5432/daibiao")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        prod_settings()
