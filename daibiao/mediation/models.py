"""Law clinics (法治诊所) with their mediator deputies, and the disputes mediated there.

Who reaches what (``scope``), in one place for pages, API, exports and files:

* county staff: the county's clinics and cases (read and write); leaders: read them;
* a town's staff: their town's clinics and cases (read and write);
* a station head: the clinics and cases of the station's town (read);
* a deputy: the clinics he or she mediates in and all their cases (read), and may change the
  cases he or she mediates (record the outcome, attach the agreement, correct the details);
  only staff open, delete or move cases;
* unit staff: nothing.

Seeing a case is not seeing its parties in full: see ``masking``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from daibiao.accounts.choices import Role
from daibiao.core.audit import AuditedModel
from daibiao.core.files import StoredFile
from daibiao.core.models import TimeStampedModel
from daibiao.core.scoping import Action, ScopedQuerySet
from daibiao.registry.models import Deputy, LiaisonStation, Town, Village

from .choices import CLOSED_OUTCOMES, DisputeType, Outcome


def _station_towns(user):
    """The town of the user's liaison station, as a subquery (no join, no duplicate rows)."""
    return LiaisonStation.objects.filter(pk=user.station_id).values("town_id")


def _mediated_clinics(user):
    """The clinics the user's deputy mediates in, as a subquery."""
    return LawClinic.mediators.through.objects.filter(deputy_id=user.deputy_id).values("lawclinic_id")


class LawClinicQuerySet(ScopedQuerySet):
    """The rules in the module docstring, for clinics: staff write their own; leaders, station
    heads and the clinic's mediators read."""

    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        if role == Role.COUNTY_STAFF:
            return Q(town__county_id=user.county_id)
        if role == Role.TOWN_STAFF:
            return Q(town_id=user.town_id) if user.town_id else None
        if action != Action.VIEW:
            return None
        if role == Role.LEADER:
            return Q(town__county_id=user.county_id)
        if role == Role.STATION_HEAD and user.station_id:
            return Q(town_id__in=_station_towns(user))
        if role == Role.DEPUTY and user.deputy_id:
            return Q(pk__in=_mediated_clinics(user))
        return None


class LawClinic(AuditedModel, TimeStampedModel):
    """A law clinic (法治诊所) in a village or town, where deputies mediate disputes."""

    town = models.ForeignKey(
        Town, verbose_name=_("town"), on_delete=models.PROTECT, related_name="law_clinics"
    )
    village = models.ForeignKey(
        Village,
        verbose_name=_("village"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="law_clinics",
    )
    name = models.CharField(_("name"), max_length=80)
    mediators = models.ManyToManyField(
        Deputy,
        verbose_name=_("mediators"),
        blank=True,
        related_name="law_clinics",
        help_text=_("The deputies who mediate disputes here."),
    )
    contact_person = models.CharField(_("staff contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)

    objects = LawClinicQuerySet.as_manager()

    class Meta:
        verbose_name = _("law clinic")
        verbose_name_plural = _("law clinics")
        ordering = ["town__sort_order", "town_id", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["town", "name"], name="unique_law_clinic_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("mediation:clinic-detail", args=[self.pk])

    def clean(self) -> None:
        if self.village_id and self.town_id and self.village.town_id != self.town_id:
            raise ValidationError({"village": _("This village is not in the chosen town.")})


class MediationCaseQuerySet(ScopedQuerySet):
    """The rules above, for cases; ``prefix`` reaches a case from a related model (its files)."""

    prefix = ""

    def scope(self, role, user, action):
        p = self.prefix
        if role == Role.ADMIN:
            return Q()
        if role == Role.COUNTY_STAFF:
            return Q(**{f"{p}clinic__town__county_id": user.county_id})
        if role == Role.TOWN_STAFF:
            return Q(**{f"{p}clinic__town_id": user.town_id}) if user.town_id else None
        if role == Role.DEPUTY and user.deputy_id:
            # Subqueries rather than joins through the mediators: no duplicate rows.
            mediated = MediationCase.mediators.through.objects.filter(deputy_id=user.deputy_id)
            own_cases = Q(**{f"{p}pk__in": mediated.values("mediationcase_id")})
            if action == Action.VIEW:
                return Q(**{f"{p}clinic_id__in": _mediated_clinics(user)}) | own_cases
            return own_cases if action == Action.CHANGE else None
        if action != Action.VIEW:
            return None
        if role == Role.LEADER:
            return Q(**{f"{p}clinic__town__county_id": user.county_id})
        if role == Role.STATION_HEAD and user.station_id:
            return Q(**{f"{p}clinic__town_id__in": _station_towns(user)})
        return None

    def counts_by_outcome(self) -> dict:
        """``{clinic_id: {outcome: n}}`` over this queryset, in one query."""
        counts: dict = {}
        rows = self.order_by().values_list("clinic_id", "outcome").annotate(n=models.Count("pk"))
        for clinic_id, outcome, n in rows:
            counts.setdefault(clinic_id, dict.fromkeys(Outcome.values, 0))[outcome] = n
        return counts


class MediationCase(AuditedModel, TimeStampedModel):
    """One dispute (矛盾纠纷) brought to a law clinic: who the parties are, what it is about,
    who mediated, and how it ended. The parties' names and phone numbers are personal data:
    shown in full only to the clinic's staff (``masking``)."""

    clinic = models.ForeignKey(
        LawClinic, verbose_name=_("law clinic"), on_delete=models.PROTECT, related_name="cases"
    )
    # The case number: per clinic and year, given by ``open_case`` (2026-001, 2026-002 …).
    year = models.PositiveSmallIntegerField(_("year"), editable=False)
    number = models.PositiveIntegerField(_("number"), editable=False)
    dispute_type = models.CharField(_("type of dispute"), max_length=20, choices=DisputeType.choices)
    party_a_name = models.CharField(
        _("party (applicant)"), max_length=100, help_text=_("Several people: separate them with 、")
    )
    party_a_phone = models.CharField(_("applicant's phone"), max_length=60, blank=True)
    party_b_name = models.CharField(_("other party"), max_length=100, blank=True)
    party_b_phone = models.CharField(_("other party's phone"), max_length=60, blank=True)
    summary = models.TextField(_("summary of the dispute"))
    mediators = models.ManyToManyField(
        Deputy, verbose_name=_("mediators"), blank=True, related_name="mediation_cases"
    )
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.OPEN, db_index=True
    )
    outcome_note = models.TextField(
        _("how it ended"), blank=True, help_text=_("What was agreed, or to whom the case was referred.")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = MediationCaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("mediation case")
        verbose_name_plural = _("mediation cases")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "year", "number"], name="unique_case_number"),
            # Closed exactly when it has an outcome.
            models.CheckConstraint(
                condition=(Q(outcome=Outcome.OPEN) & Q(closed_on__isnull=True))
                | (Q(outcome__in=CLOSED_OUTCOMES) & Q(closed_on__isnull=False)),
                name="case_closed_with_outcome",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "year"])]

    def __str__(self) -> str:
        return self.case_number

    @property
    def case_number(self) -> str:
        return f"{self.year}-{self.number:03d}" if self.year and self.number else ""

    def get_absolute_url(self) -> str:
        return reverse("mediation:case-detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.outcome == Outcome.OPEN


class AgreementQuerySet(MediationCaseQuerySet):
    prefix = "case__"

    def scope(self, role, user, action):
        # Files come with the case's services; nobody edits them afterwards.
        if action != Action.VIEW:
            return Q() if role == Role.ADMIN else None
        # The agreement names the parties in full: it goes to the clinic's staff only (those
        # who see the case's parties unmasked), not to the leaders and station heads who see
        # the case with its parties masked.
        if role in (Role.LEADER, Role.STATION_HEAD):
            return None
        return super().scope(role, user, action)


class MediationAgreement(AuditedModel, StoredFile):
    """The written mediation agreement (调解协议书) of a case, or another record of how it
    ended: a PDF, a Word file or a photo of the signed paper."""

    case = models.ForeignKey(
        MediationCase, verbose_name=_("mediation case"), on_delete=models.CASCADE, related_name="agreements"
    )

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("mediation agreement")
        verbose_name_plural = _("mediation agreements")
        ordering = ["created_at", "id"]

    def get_absolute_url(self) -> str:
        return reverse("mediation:agreement", args=[self.pk])
