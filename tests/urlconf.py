"""Every endpoint of the URLconf, read from the resolver, for the tests that walk them all.

A new URL is covered by the scoping matrix and the scoped-views check the moment it is added:
nobody keeps a hand list. What is left out (the admin, language switching, static files, log
in and out, the API's schema, docs and root) is named once, here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views import generic

# Dummy values for path converters, where a URL must be built without a real record.
_DUMMY = {"int": "999999", "string": "x", "slug": "x", "path": "x", "uuid": str(uuid.UUID(int=0))}


@dataclass(frozen=True)
class Endpoint:
    """One routed view: where it lives, what answers it, and what it takes."""

    route: str  # the pattern as written, prefixes included
    name: str  # "namespace:name", for reverse()
    view_class: type | None
    view_func: object
    actions: dict = field(default_factory=dict)  # a DRF viewset's {method: action}
    kwargs: tuple[str, ...] = ()
    converters: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    @property
    def has_pk(self) -> bool:
        return "pk" in self.kwargs

    @property
    def model(self):
        """The model the view reads: ``view_class.model`` or the viewset's queryset's model."""
        model = getattr(self.view_class, "model", None)
        if model is None:
            model = getattr(getattr(self.view_class, "queryset", None), "model", None)
        return model

    @property
    def methods(self) -> set[str]:
        """The HTTP methods the route answers (lower case); those of a DRF viewset are the
        ones its router (or ``as_view``) mapped, less any its ``http_method_names`` drops."""
        vc = self.view_class
        allowed = set(getattr(vc, "http_method_names", None) or ())
        if self.actions:
            return set(self.actions) & allowed if allowed else set(self.actions)
        return allowed - {"head", "options", "trace"}

    @property
    def kind(self) -> str:
        """What sort of endpoint this is, which decides how the matrix tests it.

        ``api-action`` and ``page-action``: a route that only takes writes (a DRF ``@action``
        with ``methods=["post"]``, a POST-only page such as a workflow step), which a GET would
        only ever answer with 405. ``api-detail-action``: a read-only ``@action`` on one
        record (a timeline), tested like a detail."""
        vc = self.view_class
        if self.is_api:
            values = set(self.actions.values())
            if "retrieve" in values:
                return "api-detail"
            if "list" in values:
                return "api-list"
            if self.actions and "get" not in self.methods:
                return "api-action"
            if self.actions and self.has_pk:
                return "api-detail-action"
            return "api-other"
        if vc is None:
            return "page"
        if "get" not in self.methods:
            return "page-action"
        if issubclass(vc, generic.edit.BaseDeleteView):
            return "delete"
        if issubclass(vc, generic.edit.BaseUpdateView):
            return "update"
        if issubclass(vc, generic.edit.BaseCreateView):
            return "create"
        if issubclass(vc, generic.detail.BaseDetailView):
            return "detail"
        if issubclass(vc, generic.list.MultipleObjectMixin) and _restrictable(self.model):
            return "list"
        return "page"

    def url(self, **kwargs) -> str:
        """The URL, with ``kwargs`` filled in and a dummy value for any other argument."""
        values = {
            name: str(kwargs[name]) if name in kwargs else _DUMMY.get(self.converters.get(name), "1")
            for name in self.kwargs
        }
        return reverse(self.name, kwargs=values)


def _restrictable(model) -> bool:
    return model is not None and hasattr(model._default_manager.all(), "restrict")


def _converters(pattern) -> dict:
    converters = getattr(pattern.pattern, "converters", {}) or {}
    return {name: type(conv).__name__.removesuffix("Converter").lower() for name, conv in converters.items()}


def _walk(resolver, prefix: str, namespace: str, kwargs: tuple, converters: dict):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        own = tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            ns = ":".join(filter(None, [namespace, entry.namespace]))
            yield from _walk(entry, route, ns, kwargs + own, {**converters, **_converters(entry)})
        elif isinstance(entry, URLPattern):
            callback = entry.callback
            view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
            yield Endpoint(
                route=route,
                name=":".join(filter(None, [namespace, entry.name])) if entry.name else "",
                view_class=view_class,
                view_func=callback,
                actions=dict(getattr(callback, "actions", None) or {}),
                kwargs=kwargs + own,
                converters={**converters, **_converters(entry)},
            )


def all_endpoints(urlconf=None) -> list[Endpoint]:
    """Every routed view of the project (or of ``urlconf``), left out ones included."""
    return list(_walk(get_resolver(urlconf), "", "", (), {}))


def _is_auth_view(view_class) -> bool:
    from rest_framework.authtoken.views import ObtainAuthToken

    if view_class is None:
        return False
    return issubclass(view_class, ObtainAuthToken) or any(
        base.__module__ == "django.contrib.auth.views" for base in view_class.__mro__
    )


def left_out(endpoint: Endpoint) -> str | None:
    """Why ``endpoint`` is not a data view of ours (``None``: it is one)."""
    from rest_framework.routers import APIRootView

    route, vc = endpoint.route, endpoint.view_class
    if route.startswith("admin/"):
        return "django admin"
    if route.startswith("i18n/"):
        return "language switch"
    for url in (settings.STATIC_URL, settings.MEDIA_URL):
        if url and route.lstrip("^").startswith(url.strip("/") + "/"):
            return "static or media files"
    if "format" in endpoint.kwargs:
        return "format-suffix twin of another route"
    if _is_auth_view(vc):
        return "log in, log out or token"
    if vc is not None and vc.__module__.startswith("drf_spectacular"):
        return "API schema or docs"
    if vc is not None and issubclass(vc, APIRootView):
        return "API root"
    if vc is not None and getattr(vc, "public", False) is True:
        return "public portal (no login; scanned for personal data by daibiao/portal/tests)"
    return None


def data_endpoints() -> list[Endpoint]:
    """The endpoints that read or write our data: every one must be scoped."""
    return [e for e in all_endpoints() if left_out(e) is None]
