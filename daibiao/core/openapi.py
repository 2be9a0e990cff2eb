"""The API schema's error responses (drf-spectacular's ``AutoSchema``, extended).

drf-spectacular documents only the success of each operation. Clients, and the schema tests
in ``tests/robustness``, need the refusals too: which codes an operation can answer and
what the body then looks like. They follow from what the operation takes and how its view
is guarded, the same for every endpoint, so they are added here rather than with
``extend_schema`` on each view:

* 400, field errors (``{"field": ["message"], "non_field_errors": [...]}``): anything that
  reads input (a body, query parameters), and deletes, refused while other records refer to
  the row;
* 401 and 403, ``{"detail"}``: an operation behind authentication (a wrong token is refused
  even where anonymous users are welcome; 403 is also a refused CSRF check for sessions);
* 404, ``{"detail"}``: a row named in the path that does not exist or is out of scope, and a
  page number past the end of a list;
* 409, ``{"detail", …}``: a write on an existing record whose state does not allow it now,
  or that someone else changed first (the race-safe conditional updates);
* 429, ``{"detail"}``: a throttled operation.

Kept apart from ``core.drf``, which DRF imports while it is itself being imported.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from rest_framework.permissions import AllowAny

ERROR = ResolvedComponent(
    name="Error",
    type=ResolvedComponent.SCHEMA,
    object="Error",
    schema={
        "type": "object",
        "description": "A refusal: the reason in ``detail``; a conflict may add the record's state.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
)
FIELD_ERRORS = ResolvedComponent(
    name="FieldErrors",
    type=ResolvedComponent.SCHEMA,
    object="FieldErrors",
    schema={
        "type": "object",
        "description": (
            "Input refused: for each field (``non_field_errors`` for the whole), a list of "
            "messages, or the errors of a nested object; ``detail`` for a body that cannot be read."
        ),
        "additionalProperties": {
            "oneOf": [{"type": "array"}, {"type": "object"}, {"type": "string"}],
        },
    },
)

WRITES = ("POST", "PUT", "PATCH", "DELETE")


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, with the error responses each operation can give."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for component in (ERROR, FIELD_ERRORS):
            self.registry.register_on_missing(component)
        self._admit_empty_choices(operation)
        responses = operation["responses"]
        for code, (component, description) in self._error_responses(operation).items():
            responses.setdefault(
                code,
                {"content": {"application/json": {"schema": component.ref}}, "description": description},
            )
        return operation

    def _error_responses(self, operation) -> dict[str, tuple[ResolvedComponent, str]]:
        where = {parameter["in"] for parameter in operation.get("parameters", [])}
        errors: dict[str, tuple[ResolvedComponent, str]] = {}
        if "requestBody" in operation or "query" in where or self.method == "DELETE":
            errors["400"] = (FIELD_ERRORS, "Invalid input")
        if self._authenticates():
            errors["401"] = (ERROR, "Not logged in, or a wrong token")
        if self._guarded() or (self.method in WRITES and self._authenticates()):
            errors["403"] = (ERROR, "Not allowed")
        if "path" in where or "page" in self._query_names(operation):
            errors["404"] = (ERROR, "Not found, or out of scope")
        if self.method in WRITES and "path" in where:
            errors["409"] = (ERROR, "The record's state does not allow this now")
        if self.view.get_throttles():
            errors["429"] = (ERROR, "Too many requests; try again later")
        return errors

    def _admit_empty_choices(self, operation) -> None:
        """django-filter reads an empty value as no filter at all (the HTML forms' "All",
        which share the filtersets): the choices of a filter parameter include ""."""
        filterset = getattr(self.view, "filterset_class", None)
        names = set(filterset.base_filters) if filterset is not None else set()
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query" or parameter["name"] not in names:
                continue
            schema = parameter.get("schema", {})
            choices = schema.get("items", {}) if schema.get("type") == "array" else schema
            if "enum" in choices and "" not in choices["enum"]:
                choices["enum"] = [*choices["enum"], ""]

    def _authenticates(self) -> bool:
        return bool(self.view.get_authenticators())

    def _guarded(self) -> bool:
        return any(not isinstance(p, AllowAny) for p in self.view.get_permissions())

    @staticmethod
    def _query_names(operation) -> set[str]:
        return {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}


def stored_file_responses() -> dict:
    """``extend_schema(responses=…)`` of a download of a stored upload (``core.files.serve``):
    the file goes out with the type ``check_upload`` found it to be, one of these."""
    from .files import EXCEL_TYPE, OLD_OFFICE_TYPES, WORD_TYPE

    types = ["image/jpeg", "image/png", "image/gif", "application/pdf", WORD_TYPE, EXCEL_TYPE]
    types += sorted(set(OLD_OFFICE_TYPES.values()))
    return {(200, content_type): OpenApiTypes.BINARY for content_type in types}
