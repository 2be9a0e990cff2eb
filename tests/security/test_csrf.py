"""Cross-site request forgery: every route that takes a form's POST, and every unsafe API
method reached with a session, refuses a request without the CSRF token.

The routes come from the resolver (``tests/urlconf.py``), so a form added tomorrow is checked
tomorrow. Each request is made by a logged-in administrator (a role every view lets in), and
the HTML refusals are told apart from refusals by role or scope (also 403) by the failure
view ``tests.security.csrf_view``, which marks its answers. Each route is then asked again
with a valid token, which must get past the check: the test cannot pass by everything being
refused for some other reason.
"""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.crypto import get_random_string
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from daibiao.accounts.choices import Role
from daibiao.accounts.services import create_user
from daibiao.registry.models import County
from tests.security.csrf_view import REFUSED_HEADER
from tests.urlconf import Endpoint, all_endpoints, left_out

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("csrf_failure_marked"),
]

UNSAFE = ("post", "put", "patch", "delete")
# Routes that are not ours to check: Django's admin (its own CSRF handling, tested by
# Django) and the format-suffix twins of API routes (the same views as the plain routes).
NOT_OURS = {"django admin", "static or media files", "format-suffix twin of another route"}


def _takes_form_post(endpoint: Endpoint) -> bool:
    """A page (not the API) whose view answers POST: a form posts to it."""
    if endpoint.is_api or left_out(endpoint) in NOT_OURS:
        return False
    if endpoint.view_class is None:  # a function view (the language switch): it takes POST
        return True
    return "post" in endpoint.methods and hasattr(endpoint.view_class, "post")


def _unsafe_api_methods(endpoint: Endpoint) -> list[str]:
    """The unsafe methods an API route really handles (a viewset's mapped actions, or an
    APIView's own handlers); public routes take no session and so carry no CSRF risk."""
    if not endpoint.is_api or left_out(endpoint) is not None:
        return []
    vc = endpoint.view_class
    if endpoint.actions:
        return sorted(m for m in endpoint.methods & set(UNSAFE))
    return sorted(m for m in UNSAFE if m in endpoint.methods and hasattr(vc, m))


ENDPOINTS = all_endpoints()
FORM_ROUTES = [pytest.param(e, id=e.name or e.route) for e in ENDPOINTS if _takes_form_post(e)]
API_ROUTES = [
    pytest.param(e, method, id=f"{e.name}-{method}") for e in ENDPOINTS for method in _unsafe_api_methods(e)
]


@pytest.fixture
def csrf_failure_marked():
    with override_settings(CSRF_FAILURE_VIEW="tests.security.csrf_view.refused"):
        yield


@pytest.fixture
def admin(db):
    county = County.objects.create(name="安全测试县")
    return create_user("csrf_admin", actor=None, password=None, roles=[Role.ADMIN], county=county)


def url_of(endpoint: Endpoint) -> str:
    return endpoint.url() if endpoint.name else "/" + endpoint.route


def browser(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def with_token(client) -> str:
    """Give ``client`` the CSRF cookie a page would have set; the token for the form."""
    token = get_random_string(32)
    client.cookies["csrftoken"] = token
    return token


def csrf_refused(response) -> bool:
    return response.status_code == 403 and REFUSED_HEADER in response


# --- pages --------------------------------------------------------------------------------


def test_the_walk_finds_the_forms_of_every_kind():
    """The walk reaches the routes we know take forms, so that it cannot pass by finding none."""
    names = {p.values[0].name for p in FORM_ROUTES}
    assert {"login", "logout", "set_language", "portal:track-feedback"} <= names
    kinds = {p.values[0].kind for p in FORM_ROUTES}
    assert {"create", "update", "delete", "page-action"} <= kinds
    assert len(FORM_ROUTES) > 50


@pytest.mark.parametrize("endpoint", FORM_ROUTES)
def test_a_form_post_without_the_token_is_refused(endpoint, admin):
    client = browser(admin)
    url = url_of(endpoint)
    response = client.post(url, {})
    assert csrf_refused(response), f"{url} answered {response.status_code} without a CSRF token"

    # The same request with the token passes the check (whatever the view then says).
    token = with_token(client)
    response = client.post(url, {"csrfmiddlewaretoken": token})
    assert not csrf_refused(response), f"{url} refused a valid CSRF token"


def test_a_wrong_token_is_refused_as_well(admin):
    client = browser(admin)
    with_token(client)
    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": get_random_string(32)})
    assert csrf_refused(response)
    assert "_auth_user_id" in client.session  # still logged in


def test_the_login_form_is_protected_too():
    """Login CSRF: a forged login would put a victim in the attacker's account."""
    response = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x", "password": "y"})
    assert csrf_refused(response)


# --- the API ------------------------------------------------------------------------------


def api_session(user) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def api_csrf_refused(response) -> bool:
    if response.status_code != 403:
        return False
    detail = str(response.json().get("detail", ""))
    return detail.startswith("CSRF Failed")


def test_the_walk_finds_the_unsafe_api_methods():
    found = {(p.values[0].name, p.values[1]) for p in API_ROUTES}
    assert ("api:suggestion-list", "post") in found
    assert ("api:town-detail", "delete") in found
    assert ("api:town-detail", "patch") in found
    assert ("api:suggestion-urge", "post") in found
    assert not any(name.startswith("api:public-") for name, _ in found)


@pytest.mark.parametrize(("endpoint", "method"), API_ROUTES)
def test_an_unsafe_api_request_on_a_session_without_the_token_is_refused(endpoint, method, admin):
    client = api_session(admin)
    url = url_of(endpoint)
    response = getattr(client, method)(url, {}, format="json")
    assert api_csrf_refused(response), f"{method.upper()} {url} answered {response.status_code}"

    # With the token in the header, as the pages' script sends it, the check passes.
    token = with_token(client)
    response = getattr(client, method)(url, {}, format="json", HTTP_X_CSRFTOKEN=token)
    assert not api_csrf_refused(response), f"{method.upper()} {url} refused a valid CSRF token"


def test_a_token_authenticated_client_needs_no_csrf_token(admin):
    """Apps send ``Authorization: Token …``, which a browser never adds by itself."""
    client = APIClient(enforce_csrf_checks=True)
    key = Token.objects.create(user=admin).key
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post(reverse("api:town-list"), {}, format="json")
    assert not api_csrf_refused(response)
    assert response.status_code == 400  # the empty town is refused by validation instead
