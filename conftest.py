"""Fixtures shared by every test: the fixed cast and logged-in clients for each of its users."""

import pytest
from rest_framework.test import APIClient

from daibiao.core.testing.cast import build_cast


@pytest.fixture
def cast(db):
    return build_cast()


@pytest.fixture
def client_for(cast):
    """``client_for("town_a")`` → a Django test client logged in as that cast member."""
    from django.test import Client

    def make(name):
        client = Client()
        if name != "anonymous":
            client.force_login(cast.users[name])
        return client

    return make


@pytest.fixture
def api_for(cast):
    """``api_for("town_a")`` → a DRF client authenticated with that user's token."""
    from rest_framework.authtoken.models import Token

    def make(name):
        client = APIClient()
        if name != "anonymous":
            token, _ = Token.objects.get_or_create(user=cast.users[name])
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make
