"""The year-end survey (满意度测评): county staff open one round per county and year; each
deputy rates, on the phone, every unit he or she dealt with in the year — the lead and
co-handling units of the suggestions he or she led or co-signed — as satisfied, basically
satisfied or unsatisfied, while the round is open. Answering again changes the answer.

Every write is here, in one transaction, within the actor's scope (``actor=None``: the
system, such as the demo loader typing in a paper form)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from daibiao.accounts.choices import Role
from daibiao.core import audit
from daibiao.core.errors import Conflict, refusal
from daibiao.core.errors import require as _require
from daibiao.core.scoping import Action, can
from daibiao.core.services import save_record
from daibiao.registry.models import Deputy, Unit
from daibiao.suggestions.choices import AssignmentState, Satisfaction
from daibiao.suggestions.models import Assignment, Suggestion

from .models import SurveyAnswer, SurveyRound

FIRST_YEAR = 2000
COMMENT_LENGTH = SurveyAnswer._meta.get_field("comment").max_length


def default_title(year: int) -> str:
    return _("{year} survey of deputies' satisfaction with the handling units").format(year=year)


def open_survey(
    county, *, actor, year: int, title: str | None = None, opens_on: dt.date, closes_on: dt.date
) -> SurveyRound:
    """Open the county's survey of ``year`` between two days (both included); one per county
    and year."""
    errors = {}
    this_year = timezone.localdate().year
    if not isinstance(year, int) or not FIRST_YEAR <= year <= this_year + 1:
        errors["year"] = _("Choose a year between {first} and {last}.").format(
            first=FIRST_YEAR, last=this_year + 1
        )
    if opens_on is None:
        errors["opens_on"] = _("Give the day the survey opens.")
    if closes_on is None:
        errors["closes_on"] = _("Give the day the survey closes.")
    elif opens_on is not None and closes_on < opens_on:
        errors["closes_on"] = _("The survey cannot close before it opens.")
    if not errors and SurveyRound.objects.filter(county=county, year=year).exists():
        errors["year"] = _("The county already has a survey for {year}.").format(year=year)
    if errors:
        raise ValidationError(errors)
    survey = SurveyRound(
        county=county,
        year=year,
        title=(title or "").strip() or default_title(year),
        opens_on=opens_on,
        closes_on=closes_on,
        created_by=actor,
    )
    survey.full_clean(exclude=["county", "created_by"], validate_unique=False)
    try:
        with transaction.atomic():
            return save_record(survey, actor=actor)
    except IntegrityError as exc:  # a twin request opened it first
        raise ValidationError(
            {"year": _("The county already has a survey for {year}.").format(year=year)}
        ) from exc


def _dealt_with(survey: SurveyRound):
    """The survey year's suggestions of its county that units handle (a live assignment)."""
    live = Assignment.objects.exclude(state=AssignmentState.RETURNED)
    return Suggestion.objects.filter(
        county_id=survey.county_id, year=survey.year, pk__in=live.values("suggestion_id")
    )


def _of_deputy(deputy_id: int) -> Q:
    return Q(lead_deputy_id=deputy_id) | Q(
        pk__in=Suggestion.co_signers.through.objects.filter(deputy_id=deputy_id).values("suggestion_id")
    )


def units_to_rate(survey: SurveyRound, deputy) -> list[Unit]:
    """The units ``deputy`` dealt with in the survey's year: the lead and co-handling units
    (not those that returned the item as misrouted) of the suggestions he or she led or
    co-signed."""
    items = _dealt_with(survey).filter(_of_deputy(deputy.pk))
    assignments = Assignment.objects.filter(suggestion__in=items).exclude(state=AssignmentState.RETURNED)
    return list(Unit.objects.filter(pk__in=assignments.values("unit_id")).order_by("kind", "name", "id"))


def deputies_to_answer(survey: SurveyRound):
    """The deputies who dealt with a unit in the survey's year (a queryset)."""
    items = _dealt_with(survey)
    return Deputy.objects.filter(
        Q(pk__in=items.filter(lead_deputy__isnull=False).values("lead_deputy_id"))
        | Q(pk__in=Suggestion.co_signers.through.objects.filter(suggestion__in=items).values("deputy_id"))
    )


def is_open(survey: SurveyRound, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return survey.opens_on <= today <= survey.closes_on


def answer_survey(
    survey: SurveyRound, deputy, *, actor, answers: dict[int, tuple[str, str]]
) -> list[SurveyAnswer]:
    """Record ``deputy``'s ratings: ``{unit id: (result, comment)}``. Only while the survey
    is open, only of the units he or she dealt with, and only by the deputy (or the system);
    an answer given before is changed. Returns the deputy's answers of the round."""
    _require(actor, Action.VIEW, survey)
    speaks_for_self = getattr(actor, "deputy_id", None) == deputy.pk
    if actor is not None and not (speaks_for_self or actor.is_superuser or Role.ADMIN in actor.roles):
        raise refusal()  # nobody answers for a deputy (the system aside: a paper form typed in)
    if not is_open(survey):
        raise Conflict(
            _("The survey is not open: deputies answer from {opens} to {closes}.").format(
                opens=survey.opens_on.isoformat(), closes=survey.closes_on.isoformat()
            )
        )
    allowed = {u.pk: u for u in units_to_rate(survey, deputy)}
    errors = []
    cleaned = {}
    for key, value in (answers or {}).items():
        try:
            unit_id = int(key)
            result, comment = value
        except (TypeError, ValueError):
            errors.append(_("Each answer names a unit and a rating."))
            continue
        unit = allowed.get(unit_id)
        if unit is None:
            errors.append(_("You did not deal with this unit this year; choose among the units listed."))
            continue
        if result not in Satisfaction.values:
            errors.append(
                _("{unit}: choose satisfied, basically satisfied or unsatisfied.").format(unit=unit.name)
            )
        comment = (comment or "").strip()
        if len(comment) > COMMENT_LENGTH:
            errors.append(
                _("{unit}: the comment is too long (500 characters at most).").format(unit=unit.name)
            )
        cleaned[unit_id] = (result, comment)
    if not cleaned and not errors:
        errors.append(_("Rate at least one unit."))
    if errors:
        raise ValidationError({"answers": errors})
    with transaction.atomic(), audit.actor_bound(actor):
        existing = {a.unit_id: a for a in SurveyAnswer.objects.filter(survey=survey, deputy=deputy)}
        for unit_id, (result, comment) in cleaned.items():
            answer = existing.get(unit_id)
            if answer is None:
                try:
                    with transaction.atomic():
                        answer = SurveyAnswer.objects.create(
                            survey=survey, deputy=deputy, unit_id=unit_id, result=result, comment=comment
                        )
                except IntegrityError:  # the same answer, sent twice at once: change it instead
                    answer = SurveyAnswer.objects.get(survey=survey, deputy=deputy, unit_id=unit_id)
                else:
                    existing[unit_id] = answer
                    continue
            if (answer.result, answer.comment) != (result, comment):
                answer.result, answer.comment = result, comment
                answer.save(update_fields=["result", "comment", "updated_at"])
            existing[unit_id] = answer
        # Where the answers now stand they must be the actor's own to change.
        if actor is not None and not all(can(actor, Action.CHANGE, a) for a in existing.values()):
            raise refusal()
    return sorted(existing.values(), key=lambda a: a.unit_id)


def survey_progress(survey: SurveyRound) -> dict:
    """How far the survey has got, in three queries: the deputies asked, those who have
    answered, the answers by rating, and the satisfied rate (satisfied and basically
    satisfied count as satisfied, as in the statistics), ``None`` before any answer."""
    answers = SurveyAnswer.objects.filter(survey=survey)
    by_result = dict.fromkeys(Satisfaction.values, 0)
    for result, n in answers.order_by().values_list("result").annotate(n=Count("pk")):
        by_result[result] = n
    total = sum(by_result.values())
    satisfied = total - by_result[Satisfaction.UNSATISFIED]
    return {
        "deputies": deputies_to_answer(survey).count(),
        "answered": answers.values("deputy_id").distinct().count(),
        "answers": total,
        "by_result": by_result,
        "satisfied_rate": round(100 * satisfied / total, 1) if total else None,
    }
