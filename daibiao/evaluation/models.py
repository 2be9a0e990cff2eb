"""Year-end evaluation (年终考评), the "four inclusions": versioned schemes of weighted
indicators for deputies, towns and handling units, the evaluations computed from the
records, their frozen scores with a breakdown per indicator, and the deputies' year-end
satisfaction survey of the units they dealt with.

Who reaches what (``scope``):

* county staff: everything of their county (read and write);
* leaders: read everything of their county;
* everyone else of the county reads **published** evaluations only: a town's staff and
  station heads the scores of their town and of its deputies, and the unit league table; a
  unit's staff the unit league table (it is published county-wide, 通报); a deputy his or
  her own score and the unit league table;
* survey answers: a deputy reads and writes his or her own; county staff and leaders read
  the county's; units never see who rated them (only the published results).

A published evaluation is frozen: its scores and lines are rows written when it was
computed, never recomputed, so later edits to the records do not change it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from daibiao.accounts.choices import Role
from daibiao.core.audit import AuditedModel
from daibiao.core.models import TimeStampedModel
from daibiao.core.scoping import Action, ScopedQuerySet
from daibiao.suggestions.choices import Satisfaction

from .choices import EvaluationState, Rule, TargetKind


def _county(user, path: str) -> Q | None:
    return Q(**{path: user.county_id}) if user.county_id else None


# --- schemes ------------------------------------------------------------------------------


class SchemeQuerySet(ScopedQuerySet):
    """Schemes: county staff write; leaders read. Others see a scheme through the published
    evaluation that uses it (its indicators are copied into every score line)."""

    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        if role == Role.COUNTY_STAFF:
            return _county(user, "county_id")
        if role == Role.LEADER and action == Action.VIEW:
            return _county(user, "county_id")
        return None


class Scheme(AuditedModel, TimeStampedModel):
    """A versioned set of weighted indicators for one kind of target (deputies, towns or
    units) of a county. A version that an evaluation has used is never edited: changing it
    makes the next version."""

    county = models.ForeignKey(
        "registry.County", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    target_kind = models.CharField(_("evaluated"), max_length=10, choices=TargetKind.choices)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=100)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = SchemeQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")
        ordering = ["target_kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["county", "target_kind", "version"], name="unique_scheme_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:scheme-detail", args=[self.pk])


class IndicatorQuerySet(SchemeQuerySet):
    def scope(self, role, user, action):
        q = super().scope(role, user, action)
        if q is None or not q:
            return q
        return Q(scheme__in=Scheme.objects.filter(q).values("pk"))


class Indicator(AuditedModel):
    """One weighted indicator of a scheme: which measure of the records it reads (``metric``,
    a code of ``evaluation.metrics``), its label, weight (the most points it gives) and rule."""

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="indicators"
    )
    metric = models.CharField(_("measure"), max_length=60)
    label = models.CharField(_("indicator"), max_length=100)
    weight = models.DecimalField(_("weight (points)"), max_digits=6, decimal_places=2)
    rule = models.CharField(_("scoring rule"), max_length=10, choices=Rule.choices, default=Rule.RATE)
    target = models.DecimalField(
        _("target"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("For the rule “up to a target count”: the count that earns full points."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = IndicatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["scheme", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["scheme", "metric"], name="unique_indicator_metric")]

    def __str__(self) -> str:
        return self.label


# --- evaluations and their frozen scores ----------------------------------------------------


def _published_in_county(user, path: str = "") -> Q | None:
    if not user.county_id:
        return None
    return Q(**{f"{path}county_id": user.county_id, f"{path}state": EvaluationState.PUBLISHED})


class EvaluationQuerySet(ScopedQuerySet):
    """Evaluations: county staff write; leaders read the county's; every other user of the
    county reads the published ones (which scores inside they see is ``ScoreQuerySet``'s)."""

    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        if role == Role.COUNTY_STAFF:
            return _county(user, "county_id")
        if action != Action.VIEW:
            return None
        if role == Role.LEADER:
            return _county(user, "county_id")
        if role in (Role.TOWN_STAFF, Role.STATION_HEAD, Role.UNIT_STAFF, Role.DEPUTY):
            return _published_in_county(user)
        return None


class Evaluation(AuditedModel, TimeStampedModel):
    """A year's evaluation of one kind of target under one scheme version: computed from the
    records of the year (as often as wanted while a draft), then published and frozen."""

    county = models.ForeignKey(
        "registry.County", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="evaluations"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    campaign = models.ForeignKey(
        "activities.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The campaign whose plans and trainings count; empty for the whole year."),
    )
    title = models.CharField(_("title"), max_length=200)
    state = models.CharField(
        _("state"), max_length=10, choices=EvaluationState.choices, default=EvaluationState.DRAFT
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-year", "scheme__target_kind", "-id"]
        indexes = [models.Index(fields=["county", "year"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("evaluation:evaluation-detail", args=[self.pk])

    @property
    def target_kind(self) -> str:
        return self.scheme.target_kind

    @property
    def is_published(self) -> bool:
        return self.state == EvaluationState.PUBLISHED


class ScoreQuerySet(ScopedQuerySet):
    """Scores: county staff and leaders read their county's; in a published evaluation a
    town's staff and station heads read their town's score and its deputies', a deputy his
    or her own, and everyone of the county the units' (the league table is published)."""

    def scope(self, role, user, action):
        if action != Action.VIEW:
            return None  # scores are written only by computing the evaluation
        if role == Role.ADMIN:
            return Q()
        if role in (Role.COUNTY_STAFF, Role.LEADER):
            return _county(user, "evaluation__county_id")
        published = _published_in_county(user, "evaluation__")
        if published is None:
            return None
        units = Q(evaluation__scheme__target_kind=TargetKind.UNIT)
        if role in (Role.TOWN_STAFF, Role.STATION_HEAD) and user.town_id:
            return published & (units | Q(town_id=user.town_id) | Q(deputy__town_id=user.town_id))
        if role == Role.DEPUTY and user.deputy_id:
            return published & (units | Q(deputy_id=user.deputy_id))
        if role == Role.UNIT_STAFF:
            return published & units
        return None


class Score(models.Model):
    """One target's total and rank in an evaluation (exactly one of deputy, town, unit is
    set, by the scheme's kind). ``name`` keeps the target's name as it was when computed."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name=_("evaluation"), on_delete=models.CASCADE, related_name="scores"
    )
    deputy = models.ForeignKey(
        "registry.Deputy", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    town = models.ForeignKey(
        "registry.Town", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "registry.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    total = models.DecimalField(_("score"), max_digits=7, decimal_places=2)
    rank = models.PositiveIntegerField(_("rank"))

    objects = ScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["evaluation", "rank", "id"]
        indexes = [models.Index(fields=["evaluation", "rank"])]

    def __str__(self) -> str:
        return f"{self.name} {self.total}"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:score-detail", args=[self.pk])

    @property
    def target(self):
        return self.deputy or self.town or self.unit


class ScoreLineQuerySet(ScopedQuerySet):
    def scope(self, role, user, action):
        q = Score.objects.none().scope(role, user, action)
        if q is None or not q:
            return q
        return Q(score__in=Score.objects.filter(q).values("pk"))


class ScoreLine(models.Model):
    """What one indicator gave one target, frozen: the indicator as it was (label, weight,
    rule), the measured value (and its base for a rate), the points, and the records behind
    them (``records``: a list of ``{"label", "url"}``, at most ``RECORDS_KEPT``;
    ``list_url``: the scoped list of all of them)."""

    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="lines")
    metric = models.CharField(_("measure"), max_length=60)
    label = models.CharField(_("indicator"), max_length=100)
    weight = models.DecimalField(_("weight (points)"), max_digits=6, decimal_places=2)
    rule = models.CharField(_("scoring rule"), max_length=10, choices=Rule.choices)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    base = models.DecimalField(_("out of"), max_digits=12, decimal_places=2, null=True, blank=True)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    records = models.JSONField(_("records"), default=list, blank=True)
    list_url = models.CharField(_("list"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    objects = ScoreLineQuerySet.as_manager()

    class Meta:
        verbose_name = _("score line")
        verbose_name_plural = _("score lines")
        ordering = ["score", "position", "id"]

    def __str__(self) -> str:
        return f"{self.label}: {self.points}"


RECORDS_KEPT = 50  # records named in one score line; the list link reaches the rest


# --- the year-end survey of units -----------------------------------------------------------


class SurveyQuerySet(ScopedQuerySet):
    """Survey rounds: county staff write; leaders read; deputies of the county read them
    (to answer)."""

    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        if role == Role.COUNTY_STAFF:
            return _county(user, "county_id")
        if action == Action.VIEW and role in (Role.LEADER, Role.DEPUTY):
            return _county(user, "county_id")
        return None


class SurveyRound(AuditedModel, TimeStampedModel):
    """The year-end survey (满意度测评): deputies rate each unit they dealt with in the year
    (satisfied, basically satisfied, unsatisfied), on their phones, between two dates."""

    county = models.ForeignKey(
        "registry.County", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-year", "-id"]
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="unique_survey_year")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("evaluation:survey-detail", args=[self.pk])


class SurveyAnswerQuerySet(ScopedQuerySet):
    """Answers: a deputy reads and writes his or her own; county staff and leaders read the
    county's (nobody changes a deputy's answer for him or her)."""

    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        if role == Role.DEPUTY and user.deputy_id:
            return Q(deputy_id=user.deputy_id)
        if action == Action.VIEW and role in (Role.COUNTY_STAFF, Role.LEADER):
            return _county(user, "survey__county_id")
        return None


class SurveyAnswer(AuditedModel, TimeStampedModel):
    """One deputy's rating of one unit in a survey round; answering again changes it while
    the round is open."""

    survey = models.ForeignKey(
        SurveyRound, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="answers"
    )
    deputy = models.ForeignKey(
        "registry.Deputy", verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "registry.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(_("rating"), max_length=20, choices=Satisfaction.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    objects = SurveyAnswerQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        ordering = ["survey", "unit", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "deputy", "unit"], name="unique_survey_answer")
        ]

    def __str__(self) -> str:
        return f"{self.deputy} → {self.unit}: {self.get_result_display()}"
