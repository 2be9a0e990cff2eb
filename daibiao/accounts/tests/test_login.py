"""Logging in: the page, the lock-out after repeated failures (per account and address),
the API token endpoint counting towards the same lock-out, and Argon2 password hashing."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from daibiao.core.testing.cast import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
LIMIT = settings.AXES_FAILURE_LIMIT
OTHER_ADDRESS = "10.20.30.40"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    # Axes keeps its attempts in the database (rolled back after each test); DRF's login
    # throttle keeps its counts in the cache, which is not.
    cache.clear()
    yield
    cache.clear()


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def log_in(client, username="town_a", password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def fail(client, times, username="town_a"):
    return [log_in(client, username, "wrong-password").status_code for _ in range(times)]


def locked_out(response) -> bool:
    return response.status_code == 429 and "registration/locked_out.html" in [
        t.name for t in response.templates
    ]


def test_the_login_page_renders(cast):
    response = Client().get(LOGIN)
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


def test_the_right_password_logs_in_and_goes_home(cast):
    client = Client()
    response = log_in(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert logged_in(client)
    assert client.get(reverse("home")).status_code == 200


def test_login_follows_a_safe_next_but_not_an_outside_one(cast):
    client = Client()
    response = client.post(LOGIN, {"username": "town_a", "password": PASSWORD, "next": "/registry/deputies/"})
    assert response["Location"] == "/registry/deputies/"
    client = Client()
    response = client.post(
        LOGIN, {"username": "town_a", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_a_wrong_password_shows_the_form_again(cast):
    client = Client()
    response = log_in(client, password="wrong-password")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not logged_in(client)


def test_the_failure_limit_is_five():
    assert LIMIT == 5


def test_after_the_limit_even_the_right_password_is_refused_from_that_address(cast):
    client = Client()
    statuses = fail(client, LIMIT)
    # Each failure before the limit shows the form again; the one that reaches it locks.
    assert statuses == [200] * (LIMIT - 1) + [429]
    response = log_in(client)
    assert locked_out(response)
    assert not logged_in(client)


def test_a_locked_account_still_logs_in_from_another_address(cast):
    fail(Client(), LIMIT)
    assert locked_out(log_in(Client()))
    elsewhere = Client(REMOTE_ADDR=OTHER_ADDRESS)
    response = log_in(elsewhere)
    assert response.status_code == 302
    assert logged_in(elsewhere)


def test_another_account_still_logs_in_from_the_locked_address(cast):
    client = Client()
    fail(client, LIMIT)
    response = log_in(client, username="town_b")
    assert response.status_code == 302
    assert logged_in(client)


def test_a_success_before_the_limit_resets_the_count(cast):
    client = Client()
    fail(client, LIMIT - 1)
    assert log_in(client).status_code == 302
    client = Client()
    assert fail(client, LIMIT - 1) == [200] * (LIMIT - 1)
    assert log_in(client).status_code == 302


# --- the token endpoint -------------------------------------------------------------------


def token(client, username="town_a", password=PASSWORD):
    return client.post(TOKEN, {"username": username, "password": password}, format="json")


def test_token_failures_lock_the_token_endpoint(cast):
    client = APIClient()
    statuses = [token(client, password="wrong-password").status_code for _ in range(LIMIT)]
    assert statuses == [400] * (LIMIT - 1) + [429]  # the failure that locks says so
    response = token(client)
    assert response.status_code == 429
    assert "locked" in response.json()["detail"] or "锁定" in response.json()["detail"]
    assert "token" not in response.json()
    # From another address the account is not locked.
    assert "token" in token(APIClient(REMOTE_ADDR=OTHER_ADDRESS)).json()


def test_token_and_page_failures_count_towards_one_lock_out(cast):
    api = APIClient()
    for _ in range(LIMIT - 2):
        token(api, password="wrong-password")
    client = Client()
    assert fail(client, 1) == [200]
    assert fail(client, 1) == [429]  # the limit is reached across both doors
    assert locked_out(log_in(client))
    assert "token" not in token(api).json()


def test_the_token_endpoint_is_throttled(cast):
    client = APIClient()
    statuses = [token(client, username=f"nobody{i}", password="x").status_code for i in range(21)]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429


# --- what the locked-out person is told, and when the lock ends -------------------------

COOL_OFF = dt.timedelta(hours=settings.AXES_COOLOFF_TIME)
TOKEN_LOCKED = "Too many failed logins: this account is locked for this address for 15 minutes."


def test_the_lock_out_page_says_why_and_for_how_long(cast):
    client = Client()
    fail(client, LIMIT)
    page = log_in(client).content.decode()
    with translation.override("zh-hans"):
        assert gettext("Too many failed logins") in page
        assert gettext("Back to log in") in page
    assert 'name="password"' not in page
    # In English, the stated time is the configured cool-off.
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = log_in(english).content.decode()
    assert f"for {int(COOL_OFF.total_seconds() // 60)} minutes" in page


def test_the_token_endpoint_says_the_account_is_locked_in_the_users_language(cast):
    client = APIClient()
    for _ in range(LIMIT):
        token(client, password="wrong-password")
    detail = token(client).json()["detail"]
    with translation.override("zh-hans"):
        assert detail == gettext(TOKEN_LOCKED)
    # The message states the configured cool-off (it must change with the setting).
    assert f"for {int(COOL_OFF.total_seconds() // 60)} minutes." in TOKEN_LOCKED


def age_attempts(by: dt.timedelta) -> None:
    """Move every recorded failure ``by`` into the past, as if that time had gone by."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - by)


def test_the_lock_holds_until_the_cool_off_is_over_then_lifts(cast):
    client = Client()
    fail(client, LIMIT)
    age_attempts(COOL_OFF - dt.timedelta(minutes=1))
    assert locked_out(log_in(client))
    # That try, refused, counted as one more failure and started the cool-off again.
    age_attempts(COOL_OFF - dt.timedelta(minutes=1))
    assert locked_out(log_in(client))
    age_attempts(COOL_OFF + dt.timedelta(minutes=1))
    response = log_in(client)
    assert response.status_code == 302
    assert logged_in(client)


def test_after_the_cool_off_the_count_starts_again(cast):
    client = Client()
    fail(client, LIMIT)
    age_attempts(COOL_OFF + dt.timedelta(minutes=1))
    # One new failure does not lock again: the old ones no longer count.
    assert fail(client, 1) == [200]
    assert fail(client, LIMIT - 2) == [200] * (LIMIT - 2)
    assert fail(client, 1) == [429]


def test_after_the_cool_off_the_token_endpoint_issues_a_token_again(cast):
    client = APIClient()
    for _ in range(LIMIT):
        token(client, password="wrong-password")
    assert "token" not in token(client).json()
    age_attempts(COOL_OFF + dt.timedelta(minutes=1))
    assert "token" in token(client).json()


# --- password hashing ---------------------------------------------------------------------


def test_production_settings_hash_passwords_with_argon2(monkeypatch):
    base = importlib.import_module("daibiao.settings.base")
    assert "Argon2" in base.PASSWORD_HASHERS[0]
    monkeypatch.setenv("SECRET_KEY", "only-for-this-test")
    prod = importlib.import_module("daibiao.settings.prod")
    assert "Argon2" in prod.PASSWORD_HASHERS[0]


def test_a_password_set_under_the_production_hashers_is_argon2(cast):
    base = importlib.import_module("daibiao.settings.base")
    user = cast.users["town_a"]
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        user.set_password("a-new-pass-456")
        assert user.password.startswith("argon2$")
        assert user.check_password("a-new-pass-456")
