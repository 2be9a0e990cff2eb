"""Calling the API in-process through Django's WSGI handler and checking each answer against
the OpenAPI schema the API serves, with schemathesis: for the fuzz test in this folder and
for the apps' regression tests of what it found."""

from __future__ import annotations

from contextlib import contextmanager

import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

SCHEMA_URL = "/api/v1/schema/"
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@contextmanager
def wsgi_app():
    """Django's WSGI handler, with the per-request connection clean-up unhooked as Django's
    own test client does: closing the connection between requests would end the test's
    transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def token_header(user) -> dict:
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}"}


def load_schema(app):
    return schemathesis.openapi.from_wsgi(SCHEMA_URL, app)


def call_checked(user, method: str, path: str, **case_data):
    """Send one request (``path`` as the schema writes it, ``path_parameters=…``, ``query=…``,
    ``body=…``) as ``user`` and fail unless the answer conforms to the schema: no 5xx, a
    documented status and content type, a body and headers that fit. Returns the response."""
    with wsgi_app() as app:
        operation = load_schema(app)[path][method.upper()]
        if "body" in case_data:
            case_data.setdefault("media_type", "application/json")
        case = operation.Case(**case_data)
        response = case.call(headers=token_header(user))
        case.validate_response(response, checks=CONFORMANCE)
    return response
