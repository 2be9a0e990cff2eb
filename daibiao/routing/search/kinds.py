"""The records the search box reaches: for each kind, its model, what of it is indexed, who
may see it, and how a result shows.

Indexed: a clue's title and content (never who raised it or their phone: ``core.privacy``);
a suggestion's title and content; a reply's text; a deputy's name, occupation and employer
(not the phone); a unit's name, short name and address (not its contact person or phone).
Who may see a record is its model's ``restrict(user, "view")``; a reply is seen by whoever
sees its suggestion, on whose page it is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.urls import reverse

from daibiao.accounts.choices import Role
from daibiao.core.scoping import Action
from daibiao.registry.models import Deputy, Unit
from daibiao.suggestions.models import Clue, Reply, Suggestion

from ..choices import SearchKind


@dataclass(frozen=True)
class Kind:
    """One kind of searchable record."""

    key: str
    model: type[models.Model]
    title: Callable  # record → the title text
    body: Callable  # record → the body text
    town_id: Callable  # record → its town's id, for the town filter
    county_id: Callable  # record → its county's id: where every reader but the province's looks
    year: Callable  # record → its year, for the year filter (None: no year)
    fields: frozenset[str]  # the fields the document is made from: a save of other fields skips it
    related: tuple[str, ...] = ()  # select_related when indexing and showing many

    @property
    def label(self):
        return SearchKind(self.key).label

    def visible(self, user) -> models.QuerySet:
        """The records of this kind ``user`` may see."""
        if self.model is Reply:
            suggestions = Suggestion.objects.restrict(user, Action.VIEW)
            if suggestions.query.is_empty():
                return Reply.objects.none()
            if not suggestions.query.where:
                return Reply.objects.all()
            return Reply.objects.filter(suggestion__in=suggestions.values("pk"))
        return self.model._default_manager.all().restrict(user, Action.VIEW)

    def area(self, user) -> dict:
        """A filter on this kind's documents that every record ``user`` may see passes: the
        way in to a reader's part of a large index (``engine``). Each bound user belongs to
        one county and every role but the administrator's stays inside it (accounts); a
        town's staff and nothing else see, of the kinds filed under a town, only their town's
        (each model's ``scope``). ``{}``: no narrowing (an administrator, the province).
        What it leaves out must be what ``visible`` leaves out: the scoping tests of search
        compare the two for every role."""
        if user is None or not user.is_authenticated or user.is_superuser:
            return {}  # nobody's area: ``visible`` shows such a reader nothing or everything
        roles = set(user.roles)
        if Role.ADMIN in roles or not user.county_id:
            return {}
        if roles == {Role.TOWN_STAFF} and user.town_id and self.model is not Unit:
            return {"town_id": user.town_id}
        return {"county_id": user.county_id}

    def url(self, obj) -> str:
        if self.model is Reply:  # shown on its suggestion's page
            return reverse("suggestions:suggestion-detail", args=[obj.suggestion_id])
        return obj.get_absolute_url()


def _join(*parts) -> str:
    return "\n".join(p for p in parts if p)


KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind(
            SearchKind.CLUE,
            Clue,
            title=lambda c: c.title,
            body=lambda c: c.content,
            town_id=lambda c: c.town_id,
            county_id=lambda c: c.county_id,
            year=lambda c: c.occurred_on.year if c.occurred_on else None,
            fields=frozenset({"title", "content", "county", "town", "occurred_on"}),
            related=("town",),
        ),
        Kind(
            SearchKind.SUGGESTION,
            Suggestion,
            title=lambda s: s.title,
            body=lambda s: s.content,
            town_id=lambda s: s.town_id,
            county_id=lambda s: s.county_id,
            year=lambda s: s.year,
            fields=frozenset({"title", "content", "county", "town", "year"}),
            related=("town",),
        ),
        Kind(
            SearchKind.REPLY,
            Reply,
            title=lambda r: "",
            body=lambda r: r.text,
            # A reply is filed where its suggestion is (its town, its year).
            town_id=lambda r: r.suggestion.town_id,
            county_id=lambda r: r.suggestion.county_id,
            year=lambda r: r.suggestion.year,
            fields=frozenset({"text", "suggestion"}),
            related=("suggestion", "suggestion__town", "unit"),
        ),
        Kind(
            SearchKind.DEPUTY,
            Deputy,
            title=lambda d: d.name,
            body=lambda d: _join(d.occupation, d.employer),
            town_id=lambda d: d.town_id,
            county_id=lambda d: d.county_id,
            year=lambda d: None,
            fields=frozenset({"name", "occupation", "employer", "county", "town"}),
            related=("town",),
        ),
        Kind(
            SearchKind.UNIT,
            Unit,
            title=lambda u: u.name,
            body=lambda u: _join(u.short_name, u.address),
            town_id=lambda u: u.town_id,
            county_id=lambda u: u.county_id,
            year=lambda u: None,
            fields=frozenset({"name", "short_name", "address", "county", "town"}),
            related=("town",),
        ),
    )
}

BY_MODEL: dict[type[models.Model], Kind] = {k.model: k for k in KINDS.values()}


def kind_of(obj) -> Kind | None:
    return BY_MODEL.get(type(obj))
