"""Recommending a category and a lead unit, and training the county's model.

``recommend(county, title, body)`` is what the triage board, the clue form and the API call.
A county with a trained ``RoutingModel`` gets its own model (its triaged history plus the
shipped lexicon at a lower weight); a county without one gets a model of the lexicon alone,
built in memory on first use. Fitted models are cached per process and reloaded when the
stored one is newer."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from daibiao.registry.models import County, Unit
from daibiao.suggestions.choices import Category, State
from daibiao.suggestions.models import Clue, Suggestion

from . import lexicon
from .classifier import Classifier, Row
from .models import RoutingModel

# What counts as decided: the presidium assigned or transferred it (or it went on from there).
DECIDED_STATES = tuple(s for s in State.values if s not in (State.DRAFT, State.SUBMITTED, State.WITHDRAWN))

_cache: dict = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class Recommendation:
    """Ranked categories ``(value, label, score)``, ranked units ``(unit, score)``, and the
    words that weighed most for the top category. Scores are in 0–1 and sum to at most 1
    over all candidates; they rank, they are not calibrated probabilities."""

    categories: list[tuple[str, str, float]] = field(default_factory=list)
    units: list[tuple[Unit, float]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    trained: bool = False  # False: the shipped lexicon alone (no model trained for the county)


def item_text(title: str, body: str) -> str:
    # The title says what it is about in a few words; it counts twice.
    return f"{title}\n{title}\n{body}"


# --- training ---------------------------------------------------------------------------------


def history(county: County) -> tuple[list[Row], list[Row]]:
    """Training rows from the county's decided suggestions and the clues merged into them:
    (category rows, lead-unit rows, the latter keyed by unit pk)."""
    suggestions = (
        Suggestion.objects.filter(county=county, state__in=DECIDED_STATES)
        .exclude(category="")
        .only("pk", "title", "content", "category", "lead_unit_id")
        .order_by("pk")
    )
    cats, units = [], []
    decided = {}
    for s in suggestions:
        decided[s.pk] = s
        cats.append(Row(item_text(s.title, s.content), s.category))
        if s.lead_unit_id:
            units.append(Row(item_text(s.title, s.content), str(s.lead_unit_id)))
    clues = Clue.objects.filter(suggestion_id__in=list(decided)).only("title", "content", "suggestion_id")
    for c in clues.order_by("pk"):
        s = decided[c.suggestion_id]
        cats.append(Row(item_text(c.title, c.content), s.category))
        if s.lead_unit_id:
            units.append(Row(item_text(c.title, c.content), str(s.lead_unit_id)))
    return cats, units


def _county_units(county) -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in Unit.objects.filter(county=county).values_list("pk", "name")]


def _fit(cat_history: list[Row], unit_history: list[Row], units: list[tuple[str, str]]):
    weight = lexicon.LEXICON_WEIGHT_WITH_HISTORY if cat_history else lexicon.LEXICON_WEIGHT
    cat_rows = cat_history + [Row(t, label, weight) for t, label in lexicon.category_rows()]
    categories = Classifier().fit(cat_rows)
    weight = lexicon.LEXICON_WEIGHT_WITH_HISTORY if unit_history else lexicon.LEXICON_WEIGHT
    unit_rows = unit_history + [Row(t, key, weight) for t, key in lexicon.unit_rows(units)]
    unit_model = Classifier().fit(unit_rows) if len({r.label for r in unit_rows}) >= 2 else None
    return categories, unit_model


def _fingerprint(cat_rows, unit_rows, units) -> str:
    digest = hashlib.sha256()
    for row in [*cat_rows, *unit_rows]:
        digest.update(f"{row.label}\x1f{row.text}\x1e".encode())
    digest.update(repr(units).encode())
    digest.update(lexicon.LEXICON_PATH.read_bytes())
    return digest.hexdigest()


def train_county(county: County, *, force: bool = False) -> RoutingModel | None:
    """Fit the county's model on its history and store it. Returns the stored model, or None
    when nothing changed since the last training (same rows, same units, same lexicon) and
    ``force`` is false: a scheduled run repeated does no work and changes nothing."""
    cat_rows, unit_rows = history(county)
    units = _county_units(county)
    fingerprint = _fingerprint(cat_rows, unit_rows, units)
    current = RoutingModel.objects.filter(county=county).only("metrics").first()
    if current is not None and not force and current.metrics.get("fingerprint") == fingerprint:
        return None
    started = time.perf_counter()
    categories, unit_model = _fit(cat_rows, unit_rows, units)
    data = Classifier.dumps_pair(categories, unit_model)
    metrics = {
        "fingerprint": fingerprint,
        "seconds": round(time.perf_counter() - started, 2),
        "bytes": len(data),
        "category_rows": len(cat_rows),
        "unit_rows": len(unit_rows),
    }
    labels = {"categories": categories.labels, "units": unit_model.labels if unit_model else []}
    with transaction.atomic():
        model, _created = RoutingModel.objects.update_or_create(
            county=county,
            defaults={
                "data": data,
                "trained_at": timezone.now(),
                "rows": len(cat_rows),
                "labels": labels,
                "metrics": metrics,
            },
        )
    return model


# --- recommending -----------------------------------------------------------------------------


def _models(county: County):
    """The (categories, units, trained) models for the county, cached per process."""
    stored = RoutingModel.objects.filter(county=county).values_list("pk", "trained_at").first()
    if stored is not None:
        key = ("trained", county.pk, stored[1])
        with _cache_lock:
            hit = _cache.get(key)
        if hit is None:
            data = RoutingModel.objects.values_list("data", flat=True).get(pk=stored[0])
            hit = (*Classifier.loads_pair(data), True)
            with _cache_lock:
                _drop(county.pk)
                _cache[key] = hit
        return hit
    units = _county_units(county)
    key = ("lexicon", county.pk, hash(tuple(units)))
    with _cache_lock:
        hit = _cache.get(key)
    if hit is None:
        hit = (*_fit([], [], units), False)
        with _cache_lock:
            _drop(county.pk)
            _cache[key] = hit
    return hit


def _drop(county_pk) -> None:
    for key in [k for k in _cache if k[1] == county_pk]:
        del _cache[key]


def recommend(county: County, title: str, body: str, k: int = 3, *, units=None) -> Recommendation:
    """The top ``k`` categories and lead units for an item with this title and body, with
    scores, and the words that weighed most for the top category.

    ``units``: a queryset of the units that may be named (e.g. ``Unit.objects.restrict(user,
    "view")``); by default the county's active units."""
    (recommendation,) = recommend_many(county, [(title, body)], k, units=units)
    return recommendation


def recommend_many(county: County, items, k: int = 3, *, units=None) -> list[Recommendation]:
    """``recommend`` for each ``(title, body)`` of ``items``, the models and the units that
    may be named read once for all (the triage board asks for a page of groups)."""
    categories_model, units_model, trained = _models(county)
    names = dict(Category.choices)
    by_key = {}
    if units_model is not None:
        pool = units if units is not None else Unit.objects.all()
        pool = pool.filter(county=county, is_active=True)
        by_key = {str(u.pk): u for u in pool.filter(pk__in=[int(x) for x in units_model.labels])}
    found = []
    for title, body in items:
        text = item_text(title, body)
        ranked, reasons = categories_model.rank(text, k=k, allowed=set(Category.values))
        categories = [(value, str(names[value]), round(score, 4)) for value, score in ranked]
        unit_list: list[tuple[Unit, float]] = []
        if units_model is not None:
            ranked_units, _unit_reasons = units_model.rank(text, k=k, allowed=set(by_key))
            unit_list = [(by_key[key], round(score, 4)) for key, score in ranked_units]
        found.append(Recommendation(categories=categories, units=unit_list, reasons=reasons, trained=trained))
    return found
