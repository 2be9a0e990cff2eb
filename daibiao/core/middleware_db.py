"""The database going away: a clear 503 instead of a 500, and a fresh connection afterwards.

When PostgreSQL restarts, is failed over, refuses connections or has our backend terminated
(or SQLite's file is locked or unreadable), the request cannot be served, but nothing is wrong
with the request or the code: the answer is 503 Service Unavailable with ``Retry-After``, a
page in the user's language for the HTML pages and ``{"detail": …}`` for ``/api/``. Nothing
committed is lost (a transaction that did not commit is rolled back by the server), and the
broken connection is closed so that the next request in this thread connects afresh.

Only errors of the connection itself count. A constraint violation (``IntegrityError``), a
deadlock, a cancelled statement or a missing table are faults of the request or of the code
and stay what they are (409, 500 …): a 503 would tell the client to retry what cannot succeed.

The error can surface in a view (``process_exception``; ``daibiao.core.drf`` does the same for
the API views) or earlier, in a middleware that loads the session or the user; Django turns
the latter into a 500 inside the middleware chain, so ``got_request_exception`` marks the
request and the outer ``__call__`` swaps the 500 for the 503.
"""

from __future__ import annotations

import logging
import sqlite3
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# SQLSTATE classes and codes that mean "no usable connection", not "this statement is wrong":
# 08 connection exception, 53 insufficient resources (too many connections, out of memory or
# disk), 57P01–57P05 the server is shutting down, restarting, or terminated our backend.
_OUTAGE_CLASSES = ("08", "53")
_OUTAGE_CODES = ("57P01", "57P02", "57P03", "57P04", "57P05")
# SQLite has no SQLSTATE: these messages mean the file cannot be reached or is busy.
_SQLITE_OUTAGE = ("database is locked", "unable to open database", "disk i/o error")

_FLAG = "_daibiao_database_unavailable"


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` says the database cannot be reached, rather than that a query is wrong."""
    if isinstance(exc, InterfaceError):
        return True  # the connection is closed already
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if isinstance(cause, sqlite3.OperationalError):
        message = str(cause).lower()
        return any(text in message for text in _SQLITE_OUTAGE)
    sqlstate = getattr(cause, "sqlstate", None)  # psycopg's error, wrapped by Django
    if sqlstate is None:
        # psycopg raises these without a code: "connection refused", "server closed the
        # connection unexpectedly", "consuming input failed" …
        return cause is not None and type(cause).__module__.startswith("psycopg")
    return sqlstate[:2] in _OUTAGE_CLASSES or sqlstate in _OUTAGE_CODES


def discard_broken_connections() -> None:
    """Close every connection that an error left unusable, so the next query reconnects.

    Django does this when a request finishes; doing it at once also serves a thread that
    serves the next request without that signal (the test client, some ASGI set-ups). A
    connection inside an ``atomic`` block is left alone: its owner rolls it back.
    """
    for connection in connections.all(initialized_only=True):
        if connection.connection is None or connection.in_atomic_block:
            continue
        try:
            if not connection.is_usable():
                connection.close()
        except Exception:  # closing a dead connection may itself fail; it is gone either way
            logger.debug("closing a broken connection failed", exc_info=True)


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def unavailable_message() -> str:
    # What was saved before stays saved; this request was not carried out, and may be repeated.
    return _("The database cannot be reached at the moment, so this was not done. Try again shortly.")


def unavailable_response(request) -> HttpResponse:
    """503 with ``Retry-After``: JSON for the API, otherwise a page that needs no database."""
    language = getattr(request, "LANGUAGE_CODE", None) or settings.LANGUAGE_CODE
    with translation.override(language):
        if is_api(request):
            response = JsonResponse({"detail": unavailable_message()}, status=503)
        else:
            # Rendered without the request: the context processors (navigation, unread count)
            # would query the database that is gone.
            html = loader.get_template("503.html").render(
                {"message": unavailable_message(), "LANGUAGE_CODE": language}
            )
            response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _note_unavailable(sender, request=None, **kwargs) -> None:
    # Sent while Django handles the exception, so sys.exc_info() still holds it.
    if request is not None and is_database_unavailable(sys.exc_info()[1]):
        setattr(request, _FLAG, True)


class DatabaseUnavailableMiddleware:
    """Answer 503 when the database cannot be reached (see the module's docstring).

    Place it near the top of ``MIDDLEWARE``: above the session and authentication middleware,
    whose lazy loading of the session and user is often the first query of a request.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(_note_unavailable, dispatch_uid="daibiao.database_unavailable")

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _FLAG, False):
            discard_broken_connections()
            return unavailable_response(request)
        return response

    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        logger.warning("database unavailable during %s %s: %s", request.method, request.path, exception)
        discard_broken_connections()
        return unavailable_response(request)
