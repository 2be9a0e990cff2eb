"""Every write of the year-end evaluation (STYLE habit 1): schemes and their versions, and
evaluations — created as drafts, computed from the records as often as wanted, then
published and frozen. The survey's writes are in ``survey``.

Each service runs in one transaction, checks the actor's scope (``actor=None`` is the system:
the demo loader, a command) and leaves its change-log rows, through the audit signals or,
for the conditional updates that send none, ``audit.write_entry``. Computing and publishing
are conditional updates of the evaluation's state: of two people publishing at the same
moment one does it and the other is told (``Conflict``, HTTP 409); computing refuses once
published, so a published evaluation's scores are never written again.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from daibiao.core import audit
from daibiao.core.errors import Conflict
from daibiao.core.errors import require as _require
from daibiao.core.models import ChangeAction
from daibiao.core.scoping import Action, can
from daibiao.core.services import save_record
from daibiao.registry.choices import DeputyStatus
from daibiao.registry.models import Deputy, Town, Unit

from . import defaults
from .choices import EvaluationState, Rule, TargetKind
from .metrics import METRICS, Context, points, ranks
from .models import Evaluation, Indicator, Scheme, Score, ScoreLine

FIRST_YEAR = 2000
TOTAL_WEIGHT = Decimal(100)
MAX_WEIGHT = Decimal("9999.99")


def _text(value) -> str:
    return (value or "").strip()


# --- schemes --------------------------------------------------------------------------------


def install_default_schemes(county, *, actor) -> dict[str, Scheme]:
    """The county's default schemes (version 1 of each kind, ``defaults``), made where
    missing: safe to run twice. Keyed by target kind."""
    schemes = {}
    with transaction.atomic(), audit.actor_bound(actor):
        existing = {s.target_kind: s for s in Scheme.objects.filter(county=county, version=1)}
        for kind in TargetKind.values:
            scheme = existing.get(kind)
            if scheme is None:
                scheme = _create_version(
                    county,
                    kind,
                    version=1,
                    actor=actor,
                    name=str(defaults.NAMES[kind]),
                    notes=str(defaults.NOTES[kind]),
                    rows=clean_indicators(kind, defaults.default_indicators(kind)),
                )
            else:
                _require(actor, Action.VIEW, scheme)
            schemes[kind] = scheme
    return schemes


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def clean_indicators(kind: str, indicators) -> list[dict]:
    """Check a scheme's indicators (dicts of ``metric``, ``label``, ``weight``, ``rule`` and,
    for the rule “up to a target count”, ``target``) and return them cleaned, in order.
    Refuses with field-keyed messages naming the row: a measure unknown for the kind or used
    twice, a weight not above 0, weights not adding up to 100, an unknown rule, a target rule
    without a target above 0."""
    known = METRICS[kind]
    errors: dict[str, list[str]] = {}

    def error(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    rows, seen = [], set()
    for n, raw in enumerate(indicators or [], start=1):
        code = _text(raw.get("metric"))
        m = known.get(code)
        if m is None:
            error("metric", _("Row {n}: choose one of the measures for this kind.").format(n=n))
        elif code in seen:
            error("metric", _("Row {n}: “{label}” is measured twice.").format(n=n, label=m.label))
        seen.add(code)
        label = _text(raw.get("label")) or (str(m.label) if m else "")
        if len(label) > Indicator._meta.get_field("label").max_length:
            error("label", _("Row {n}: the name is too long (100 characters at most).").format(n=n))
        weight = _decimal(raw.get("weight"))
        if weight is None or weight <= 0 or weight > MAX_WEIGHT:
            error("weight", _("Row {n}: the weight must be a number of points greater than 0.").format(n=n))
            weight = None
        elif weight != weight.quantize(Decimal("0.01")):
            error("weight", _("Row {n}: give the weight with at most two decimals.").format(n=n))
        rule = _text(raw.get("rule")) or (m.rule if m else "")
        if rule not in Rule.values:
            error("rule", _("Row {n}: choose a scoring rule.").format(n=n))
        target = _decimal(raw.get("target"))
        if rule == Rule.TARGET:
            if target is None or target <= 0 or target >= Decimal("1000000"):
                error(
                    "target",
                    _("Row {n}: the rule “up to a target count” needs a target greater than 0.").format(n=n),
                )
        else:
            target = None  # only that rule reads it
        rows.append(
            {"metric": code, "label": label, "weight": weight, "rule": rule, "target": target, "position": n}
        )
    if not rows:
        error("indicators", _("Add at least one indicator."))
    elif "weight" not in errors:
        total = sum(r["weight"] for r in rows)
        if total != TOTAL_WEIGHT:
            error(
                "indicators",
                _("The weights add up to {total} points; they must add up to 100.").format(
                    total=total.normalize()
                ),
            )
    if errors:
        raise ValidationError(errors)
    return rows


def _create_version(county, kind: str, *, version: int, actor, name: str, notes: str, rows) -> Scheme:
    scheme = Scheme(
        county=county, target_kind=kind, version=version, name=name, notes=notes, created_by=actor
    )
    scheme.full_clean(exclude=["county", "created_by"], validate_unique=False)
    try:
        with transaction.atomic():
            save_record(scheme, actor=actor)
    except IntegrityError as exc:  # someone saved the same version a moment earlier
        raise Conflict(
            _("Another version of this scheme was saved a moment ago. Reload and try again.")
        ) from exc
    for row in rows:
        save_record(Indicator(scheme=scheme, **row), actor=actor)
    return scheme


def new_scheme_version(
    scheme: Scheme, *, actor, indicators: list[dict], name: str | None = None, notes: str | None = None
) -> Scheme:
    """A new version of ``scheme``'s kind with these indicators (version = the kind's latest
    + 1); the versions already made stay as they are, for the evaluations that used them."""
    _require(actor, Action.CHANGE, scheme)
    name = _text(scheme.name if name is None else name)
    if not name:
        raise ValidationError({"name": _("Give the scheme a name.")})
    rows = clean_indicators(scheme.target_kind, indicators)
    with transaction.atomic(), audit.actor_bound(actor):
        latest = Scheme.objects.filter(county_id=scheme.county_id, target_kind=scheme.target_kind).aggregate(
            v=Max("version")
        )["v"]
        return _create_version(
            scheme.county,
            scheme.target_kind,
            version=(latest or 0) + 1,
            actor=actor,
            name=name,
            notes=_text(scheme.notes if notes is None else notes),
            rows=rows,
        )


# --- evaluations ----------------------------------------------------------------------------


def default_title(kind: str, year: int) -> str:
    titles = {
        TargetKind.DEPUTY: _("{year} evaluation of deputies' duties"),
        TargetKind.TOWN: _("{year} year-end evaluation of the town congresses"),
        TargetKind.UNIT: _("{year} evaluation of the units' handling of suggestions"),
    }
    return titles[kind].format(year=year)


def create_evaluation(
    scheme: Scheme, *, actor, year: int, campaign=None, title: str | None = None
) -> Evaluation:
    """A draft evaluation of ``year`` (and ``campaign``, where given) under ``scheme``."""
    _require(actor, Action.VIEW, scheme)
    errors = {}
    this_year = timezone.localdate().year
    if not isinstance(year, int) or not FIRST_YEAR <= year <= this_year + 1:
        errors["year"] = _("Choose a year between {first} and {last}.").format(
            first=FIRST_YEAR, last=this_year + 1
        )
    if campaign is not None and (
        campaign.county_id != scheme.county_id
        or (actor is not None and not can(actor, Action.VIEW, campaign))
    ):
        errors["campaign"] = _("Choose a campaign of the scheme's county.")
    if errors:
        raise ValidationError(errors)
    evaluation = Evaluation(
        county_id=scheme.county_id,
        scheme=scheme,
        year=year,
        campaign=campaign,
        title=_text(title) or default_title(scheme.target_kind, year),
    )
    evaluation.full_clean(exclude=["county", "scheme", "campaign", "published_by"])
    return save_record(evaluation, actor=actor)


def _targets(evaluation: Evaluation, ctx: Context) -> list[tuple[int, str]]:
    """The targets an evaluation scores, in their display order: the county's serving
    deputies, its towns, or its units that handled a suggestion of the year (``measures.units``)."""
    kind = evaluation.scheme.target_kind
    if kind == TargetKind.DEPUTY:
        rows = Deputy.objects.filter(county_id=evaluation.county_id, status=DeputyStatus.SERVING).order_by(
            "town__sort_order", "town_id", "name_pinyin", "id"
        )
    elif kind == TargetKind.TOWN:
        rows = Town.objects.filter(county_id=evaluation.county_id).order_by("sort_order", "name", "id")
    else:
        from .measures.units import units_to_score

        rows = Unit.objects.filter(county_id=evaluation.county_id, pk__in=units_to_score(ctx)).order_by(
            "kind", "name", "id"
        )
    return list(rows.values_list("pk", "name"))


def _clear_scores(evaluation: Evaluation) -> None:
    # Scores and lines are plain rows, never audited; Django's collector would fetch every one
    # of them (the change log listens to every delete), so they go in two statements.
    db = Score.objects.db
    ScoreLine.objects.filter(score__evaluation=evaluation)._raw_delete(db)
    Score.objects.filter(evaluation=evaluation)._raw_delete(db)


def compute_evaluation(evaluation: Evaluation, *, actor) -> Evaluation:
    """Measure every target from the records and replace the draft's scores: a score per
    target with a line per indicator (value, base, points, the records behind them), the
    total and the rank (ties share a rank). A fixed number of queries whatever the number of
    targets (bulk queries per measure, bulk inserts). Refused once published."""
    _require(actor, Action.CHANGE, evaluation)
    scheme = evaluation.scheme
    kind = scheme.target_kind
    indicators = list(scheme.indicators.order_by("position", "id"))
    unknown = [i.label for i in indicators if i.metric not in METRICS[kind]]
    if unknown:
        raise ValidationError(
            {
                "scheme": _("The scheme measures what is no longer known: {labels}.").format(
                    labels="、".join(unknown)
                )
            }
        )
    with transaction.atomic(), audit.actor_bound(actor):
        now = timezone.now()
        before = evaluation.computed_at
        # First, and conditionally: a published evaluation is never computed again, and the
        # row stays locked (PostgreSQL) until the new scores are in, so a publication waits.
        if (
            Evaluation.objects.filter(pk=evaluation.pk, state=EvaluationState.DRAFT).update(
                computed_at=now, updated_at=now
            )
            != 1
        ):
            raise Conflict(_("This evaluation has been published: its scores are frozen."))
        ctx = Context(county=evaluation.county, year=evaluation.year, campaign=evaluation.campaign, now=now)
        targets = _targets(evaluation, ctx)
        ctx.targets = [pk for pk, _name in targets]
        measured = {i.metric: METRICS[kind][i.metric].compute(ctx) for i in indicators}
        rows = []
        for order, (pk, name) in enumerate(targets):
            lines = []
            for i in indicators:
                m = measured[i.metric][pk]
                lines.append(
                    ScoreLine(
                        metric=i.metric,
                        label=i.label,
                        weight=i.weight,
                        rule=i.rule,
                        value=m.value,
                        base=m.base,
                        points=points(i.rule, i.weight, m.value, m.base, i.target),
                        records=m.records,
                        list_url=m.list_url[:500],
                        position=i.position,
                    )
                )
            rows.append((sum((line.points for line in lines), Decimal(0)), order, pk, name, lines))
        rows.sort(key=lambda r: (-r[0], r[1]))
        _clear_scores(evaluation)
        scores = [
            Score(evaluation=evaluation, name=name[:200], total=total, rank=rank, **{f"{kind}_id": pk})
            for (total, _order, pk, name, _lines), rank in zip(rows, ranks(r[0] for r in rows), strict=True)
        ]
        Score.objects.bulk_create(scores)
        all_lines = []
        for score, row in zip(scores, rows, strict=True):
            for line in row[4]:
                line.score = score
                all_lines.append(line)
        ScoreLine.objects.bulk_create(all_lines)
        evaluation.computed_at = now
        audit.write_entry(
            evaluation,
            ChangeAction.UPDATE,
            {"computed_at": [audit._plain(before), audit._plain(now)]},
            note=_("Scores computed for {n} targets.").format(n=len(scores)),
        )
    return evaluation


def publish_evaluation(evaluation: Evaluation, *, actor) -> Evaluation:
    """Publish a computed draft: it becomes visible county-wide and frozen. Of two
    publications at the same moment one succeeds and the other is told (``Conflict``)."""
    _require(actor, Action.CHANGE, evaluation)
    with transaction.atomic(), audit.actor_bound(actor):
        now = timezone.now()
        changed = Evaluation.objects.filter(
            pk=evaluation.pk, state=EvaluationState.DRAFT, computed_at__isnull=False
        ).update(state=EvaluationState.PUBLISHED, published_at=now, published_by=actor, updated_at=now)
        if changed != 1:
            state = Evaluation.objects.filter(pk=evaluation.pk).values_list("state", flat=True).first()
            if state == EvaluationState.DRAFT:
                raise Conflict(_("Compute the scores before publishing the evaluation."))
            raise Conflict(_("This evaluation has already been published."))
        evaluation.state, evaluation.published_at, evaluation.published_by = (
            EvaluationState.PUBLISHED,
            now,
            actor,
        )
        # ``update`` sends no signals: the change log's row is written here.
        audit.write_entry(
            evaluation,
            ChangeAction.STATE,
            {
                "state": [EvaluationState.DRAFT.value, EvaluationState.PUBLISHED.value],
                "published_at": [None, audit._plain(now)],
                "published_by": [None, getattr(actor, "pk", None)],
            },
            note=_("Published"),
        )
    return evaluation


def delete_evaluation(evaluation: Evaluation, *, actor) -> None:
    """Delete a draft and its scores; a published evaluation stays (``Conflict``)."""
    _require(actor, Action.DELETE, evaluation)
    with transaction.atomic(), audit.actor_bound(actor):
        # Conditional, like the state changes: a publication a moment earlier wins.
        if (
            Evaluation.objects.filter(pk=evaluation.pk, state=EvaluationState.DRAFT).update(
                updated_at=timezone.now()
            )
            != 1
        ):
            raise Conflict(_("A published evaluation cannot be deleted."))
        _clear_scores(evaluation)
        evaluation.delete()
