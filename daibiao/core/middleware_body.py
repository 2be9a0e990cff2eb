"""Refuse a request whose body broke off, instead of acting on the part that arrived.

When a phone on a weak signal loses its connection halfway through an upload, the server sees
the body end before the ``Content-Length`` it announced. Django's parsers take what came: the
multipart parser drops the unfinished file and keeps the fields before it, so a clue would be
recorded without the photo its deputy sent, and a form cut short would save a truncated text.
A body that ends early is never a request anyone meant, so nothing of it may be acted on: the
parser is made to fail (400, as for any malformed body) and the files it had started are
removed at once rather than left in the temporary folder.
"""

from __future__ import annotations

import logging

from django.http.multipartparser import MultiPartParserError

logger = logging.getLogger(__name__)


class IncompleteBody(MultiPartParserError):
    """The body ended before the length its request announced (the client went away).

    A ``MultiPartParserError`` so that Django and DRF answer it as a malformed body (400),
    whichever parser was reading."""


class _CompleteBodyStream:
    """Reads the request's stream and raises ``IncompleteBody`` at an early end of it."""

    def __init__(self, stream, expected: int, request):
        self._stream = stream
        self._expected = expected
        self._request = request
        self._received = 0

    def _ended_early(self) -> IncompleteBody:
        self._request.body_incomplete = True
        return IncompleteBody(f"the request body ended after {self._received} of {self._expected} bytes")

    def read(self, size=-1, /):
        data = self._stream.read(size)
        self._received += len(data)
        # A short read may be followed by more (a socket hands over what it has); the end is
        # an empty read, or a read of "all the rest" that came up short.
        read_all = size is None or size < 0
        if (read_all or (size > 0 and not data)) and self._received < self._expected:
            raise self._ended_early()
        return data

    def readline(self, size=-1, /):
        data = self._stream.readline(size)
        self._received += len(data)
        if not data and size != 0 and self._received < self._expected:
            raise self._ended_early()
        return data

    def __getattr__(self, name):
        return getattr(self._stream, name)


class CompleteBodyMiddleware:
    """Make the request's body stream refuse to end early (see the module's docstring).

    Place it above every middleware that may read the body (``CsrfViewMiddleware`` reads a
    form's ``POST``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            expected = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            expected = 0
        stream = getattr(request, "_stream", None)
        if expected > 0 and stream is not None:
            # ``_stream`` is what HttpRequest.read() and every parser read from.
            request._stream = _CompleteBodyStream(stream, expected, request)
        response = self.get_response(request)
        if getattr(request, "body_incomplete", False):
            logger.info("%s %s: request body broke off; nothing kept", request.method, request.path)
            # The file being received when the body ended is not among the request's files,
            # which Django closes (and so removes) itself: remove it now.
            for handler in getattr(request, "_upload_handlers", None) or []:
                handler.upload_interrupted()
        return response
