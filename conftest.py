"""Fixtures shared by every test: the fixed cast and logged-in clients for each of its users."""

import sqlite3

import pytest
from django.db import connection, connections
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


@pytest.fixture
def database_on_file(transactional_db, tmp_path):
    """SQLite: every connection of the test, in every thread, on a file copy of the (empty,
    migrated) in-memory test database. PostgreSQL: the test database as it is."""
    if connection.vendor != "sqlite":
        yield
        return
    memory = connections["default"]
    settings_dict = memory.settings_dict  # the dict every new thread's connection is made from
    name, path = settings_dict["NAME"], tmp_path / "race.sqlite3"
    memory.ensure_connection()
    with sqlite3.connect(path) as target:
        memory.connection.backup(target)
    settings_dict["NAME"] = str(path)
    connections["default"] = connections.create_connection("default")
    try:
        yield
    finally:
        connections["default"].close()
        # The in-memory database was never closed (that would destroy it): put it back.
        connections["default"] = memory
        settings_dict["NAME"] = name
