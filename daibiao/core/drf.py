"""DRF settings hooks (pagination, error format). Kept apart from ``api`` so that DRF can
import them while it is itself being imported."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from rest_framework import exceptions, pagination, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from .middleware_db import (
    RETRY_AFTER_SECONDS,
    discard_broken_connections,
    is_database_unavailable,
    unavailable_message,
)


def query_param(request, name: str, default=None):
    """The one value of a query parameter that takes one value: 400 when it is given more
    than once (``?year=2025&year=2026``), where Django would quietly keep the last."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise exceptions.ValidationError({name: [_("Give this parameter once.")]})
    return values[0] if values else default


def whole_number_param(request, name: str) -> int | None:
    """An optional id or number in the query: ``None`` when absent or empty, 400 when it is
    not a whole number (``?town=abc`` is refused, not ignored)."""
    value = query_param(request, name, "")
    if value == "":
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise exceptions.ValidationError({name: [_("Give a whole number.")]})
    return int(value)


def _require_whole_number(request, name: str) -> None:
    """A paging parameter, when given, is a whole number of at least 1: 400 otherwise, where
    DRF would quietly fall back to the default (``page_size=abc``) or to page 1 (``page=``)."""
    value = query_param(request, name)
    if value is not None and not (value.isascii() and value.isdigit() and int(value) >= 1):
        raise exceptions.ValidationError({name: [_("Give a whole number, 1 or more.")]})


class Pagination(pagination.PageNumberPagination):
    """``{"count", "next", "previous", "results"}`` with ``?page=`` and ``?page_size=`` (≤ 500)."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        _require_whole_number(request, self.page_size_query_param)
        return super().get_page_size(request)

    def get_page_number(self, request, paginator):
        self.check_parameters(request)
        return super().get_page_number(request, paginator)

    def check_parameters(self, request) -> None:
        """400 for a malformed ``page`` or ``page_size``, also where no page is read (a view
        that answers an empty page without paging)."""
        _require_whole_number(request, self.page_size_query_param)
        if query_param(request, self.page_query_param) not in self.last_page_strings:
            _require_whole_number(request, self.page_query_param)


class _Cursor(pagination.CursorPagination):
    # Newest first by the primary key: unique and indexed, so a page is one index range
    # read, ``id < position LIMIT n + 1``, however deep it is.
    ordering = ("-id",)
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        _require_whole_number(request, self.page_size_query_param)
        return super().get_page_size(request)

    def get_ordering(self, request, queryset, view):
        # The view's ``?ordering=`` is refused before we get here: the position is an id.
        return self.ordering


class KeysetPagination(Pagination):
    """Page numbers as ``Pagination`` does — or, when the query has ``?cursor=`` (empty for
    the first page), keyset pages: ``{"next", "previous", "results"}``, newest first, where
    ``next`` and ``previous`` carry an opaque cursor. A keyset page costs the same at any
    depth and counts nothing: ``?page=2000`` makes the database read and skip 100,000 rows
    and count them all, ``?cursor=`` reads only the page. ``ordering`` cannot be combined
    with a cursor."""

    cursor_query_param = "cursor"
    cursor_query_description = _(
        "Keyset paging: give it (empty for the first page) to get pages newest first without "
        "a count, then follow next and previous. The cost of a page does not grow with its depth."
    )

    def keyset(self, request) -> bool:
        query_param(request, self.cursor_query_param)
        return self.cursor_query_param in request.query_params

    def paginate_queryset(self, queryset, request, view=None):
        if not self.keyset(request):
            self._cursor = None
            return super().paginate_queryset(queryset, request, view)
        if request.query_params.get(api_settings.ORDERING_PARAM):
            refused = _("Keyset pages are always newest first: leave out ordering.")
            raise exceptions.ValidationError({api_settings.ORDERING_PARAM: [refused]})
        self._cursor = _Cursor()
        self._cursor.page_size = self.page_size
        return self._cursor.paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self._cursor is not None:
            return self._cursor.get_paginated_response(data)
        return super().get_paginated_response(data)

    def to_html(self):
        return self._cursor.to_html() if self._cursor is not None else super().to_html()

    def get_paginated_response_schema(self, schema):
        # One schema for both modes: ``count`` only with page numbers.
        paged = super().get_paginated_response_schema(schema)
        paged["required"] = ["next", "previous", "results"]
        paged["properties"]["count"]["description"] = "Only with page numbers, not with a cursor."
        return paged

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": str(self.cursor_query_description),
                "schema": {"type": "string"},
            },
        ]


def exception_handler(exc, context):
    """DRF's handler, plus Django's validation and permission errors as JSON field errors."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None and is_database_unavailable(exc):
        # Only a lost connection: a constraint violation or a bad query is not "try again".
        discard_broken_connections()
        return Response(
            {"detail": unavailable_message()},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return response


def page_not_found(request, exception):
    """The 404 page (``handler404``); under ``/api/`` the API's JSON ``{"detail"}`` instead,
    so that a path no route matches (``/api/v1/towns/1.5/``) answers like a row that does
    not exist, in the content type the schema promises."""
    if request.path_info.startswith("/api/"):
        detail = str(exceptions.NotFound.default_detail)
        return JsonResponse({"detail": detail}, status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)
