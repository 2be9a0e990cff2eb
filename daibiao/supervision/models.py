"""The campaign's leading group and its supervision of the towns, and the standing
committee's oversight items (监督项目).

Who reaches what (``scope``), in one place for pages, API, exports and files:

* county staff: everything of their county (read and write);
* leaders (领导小组成员): read everything of their county; record supervision visits as the
  member they are, in the towns they answer for (分片包干), and change their own visits;
* a town's staff: read the members who answer for their town, the visits to their town and
  its follow-up items (and close those items once done), the county's report rounds, and
  read, hand in and revise their own town's progress reports;
* unit staff: read the oversight items that name their unit (what the committee will look
  at in their remit), nothing else here;
* deputies and station heads: nothing here.

Two records are never "added" in the abstract, so their ``add`` scope is empty and their
services check the ``change`` scope of the saved row inside the same transaction instead:
a leading-group member is put into a campaign's group (unique per campaign and person), and
a progress report is handed in for one (round, town) slot (unique too).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from daibiao.accounts.choices import Role
from daibiao.core.audit import AuditedModel
from daibiao.core.files import ParentFilesQuerySet, StoredFile
from daibiao.core.models import TimeStampedModel
from daibiao.core.scoping import Action, ScopedQuerySet
from daibiao.registry.models import Town, Unit

from .choices import GROUP_ROLE_ORDER, Committee, FollowUpStanding, GroupRole, ReportStatus


def _county(user, path: str) -> Q | None:
    # Without a county bound, ``county_id=None`` would match nothing useful: no rows.
    return Q(**{path: user.county_id}) if user.county_id else None


# --- the leading group ----------------------------------------------------------------------


class LeadingGroupMemberQuerySet(ScopedQuerySet):
    """Members: county staff write; leaders read the county; a town's staff read the members
    who answer for their town."""

    def scope(self, role, user, action):
        if action == Action.ADD:
            return None  # members join through ``add_member`` (see the module docstring)
        if role == Role.ADMIN:
            return Q()
        if role == Role.COUNTY_STAFF:
            return _county(user, "campaign__county_id")
        if action != Action.VIEW:
            return None
        if role == Role.LEADER:
            return _county(user, "campaign__county_id")
        if role == Role.TOWN_STAFF and user.town_id:
            assigned = LeadingGroupMember.towns.through.objects.filter(town_id=user.town_id)
            return Q(pk__in=assigned.values("leadinggroupmember_id"))
        return None


class LeadingGroupMember(AuditedModel, TimeStampedModel):
    """One person in a campaign's leading group (领导小组): his or her place in it (组长,
    副组长, 成员), title, and the towns he or she answers for (分片包干)."""

    campaign = models.ForeignKey(
        "activities.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="leading_group",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="leading_group_memberships",
        help_text=_("The member's login, usually a leading-group member's."),
    )
    role = models.CharField(_("role in the group"), max_length=20, choices=GroupRole.choices)
    title = models.CharField(
        _("title"),
        max_length=100,
        blank=True,
        help_text=_("For example: vice-chair of the standing committee"),
    )
    towns = models.ManyToManyField(
        Town,
        verbose_name=_("towns answered for"),
        blank=True,
        related_name="leading_group_members",
    )

    objects = LeadingGroupMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("leading-group member")
        verbose_name_plural = _("leading group")
        ordering = [
            Case(*[When(role=r, then=Value(i)) for i, r in enumerate(GROUP_ROLE_ORDER)]),
            "id",
        ]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="unique_leading_group_member")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    def get_absolute_url(self) -> str:
        return reverse("supervision:member-detail", args=[self.pk])


# --- supervision visits ---------------------------------------------------------------------


class VisitQuerySet(ScopedQuerySet):
    """Visits (``prefix`` reaches them from their follow-up items): county staff write;
    leaders read the county, record visits in the towns they answer for and change their own;
    a town's staff read the visits to their town."""

    prefix = ""

    def scope(self, role, user, action):
        p = self.prefix
        if role == Role.ADMIN:
            return Q()
        if role == Role.COUNTY_STAFF:
            return _county(user, f"{p}campaign__county_id")
        if role == Role.LEADER:
            if action == Action.VIEW:
                return _county(user, f"{p}campaign__county_id")
            own = Q(**{f"{p}member__user_id": user.pk})
            if action == Action.ADD:
                # Only as the member one is, and only in a town one answers for.
                assigned = LeadingGroupMember.towns.through.objects.filter(
                    leadinggroupmember_id=OuterRef(f"{p}member_id"), town_id=OuterRef(f"{p}town_id")
                )
                return own & Q(Exists(assigned))
            return own if action == Action.CHANGE else None
        if role == Role.TOWN_STAFF and user.town_id and action == Action.VIEW:
            return Q(**{f"{p}town_id": user.town_id})
        return None

    def with_overdue(self):
        """Each visit with ``n_overdue``: its follow-up items past their due date, not done."""
        return self.annotate(
            n_overdue=models.Count(
                "follow_ups",
                filter=Q(follow_ups__done_on__isnull=True, follow_ups__due_on__lt=timezone.localdate()),
                distinct=True,
            ),
            n_follow_ups=models.Count("follow_ups", distinct=True),
        )


class SupervisionVisit(AuditedModel, TimeStampedModel):
    """A leading-group member's supervision visit (督导) to a town: when, what was found, and
    the follow-up items the town must see to."""

    campaign = models.ForeignKey(
        "activities.Campaign", verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        LeadingGroupMember, verbose_name=_("member"), on_delete=models.PROTECT, related_name="visits"
    )
    town = models.ForeignKey(
        Town, verbose_name=_("town"), on_delete=models.PROTECT, related_name="supervision_visits"
    )
    visited_on = models.DateField(_("visited on"))
    findings = models.TextField(_("findings"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervision visit")
        verbose_name_plural = _("supervision visits")
        ordering = ["-visited_on", "-id"]
        indexes = [models.Index(fields=["campaign", "town", "visited_on"])]

    def __str__(self) -> str:
        return f"{self.town} {self.visited_on:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:visit-detail", args=[self.pk])

    def clean(self) -> None:
        if self.member_id and self.campaign_id and self.member.campaign_id != self.campaign_id:
            raise ValidationError({"member": _("This member is not in the campaign's leading group.")})
        if self.town_id and self.campaign_id and self.town.county_id != self.campaign.county_id:
            raise ValidationError({"town": _("The town is not in the campaign's county.")})


class FollowUpQuerySet(VisitQuerySet):
    """Follow-up items reach whom their visit reaches; a town's staff may also close them."""

    prefix = "visit__"

    def scope(self, role, user, action):
        if role == Role.TOWN_STAFF and action == Action.CHANGE and user.town_id:
            return Q(visit__town_id=user.town_id)
        return super().scope(role, user, action)

    def overdue(self, today: dt.date | None = None):
        return self.filter(done_on__isnull=True, due_on__lt=today or timezone.localdate())


class FollowUpItem(AuditedModel, TimeStampedModel):
    """Something a supervision visit asks to be done (整改事项): by whom (free text: a town
    office, a unit), by when, and when it was done."""

    visit = models.ForeignKey(
        SupervisionVisit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    text = models.TextField(_("what is to be done"))
    owner = models.CharField(
        _("owner"), max_length=100, help_text=_("Who sees to it: an office, a unit, a person.")
    )
    due_on = models.DateField(_("due on"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_note = models.TextField(_("how it was done"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up item")
        verbose_name_plural = _("follow-up items")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["done_on", "due_on"])]

    def __str__(self) -> str:
        return self.text[:40]

    def get_absolute_url(self) -> str:
        return self.visit.get_absolute_url()

    @property
    def standing(self) -> str:
        """Open, overdue or done, from the dates (as of today)."""
        if self.done_on is not None:
            return FollowUpStanding.DONE
        if self.due_on < timezone.localdate():
            return FollowUpStanding.OVERDUE
        return FollowUpStanding.OPEN

    def get_standing_display(self) -> str:
        return FollowUpStanding(self.standing).label


# --- progress reports -----------------------------------------------------------------------


class RoundQuerySet(ScopedQuerySet):
    """Report rounds: county staff write; leaders and every town's staff of the county read."""

    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        if role == Role.COUNTY_STAFF:
            return _county(user, "campaign__county_id")
        if action == Action.VIEW and role in (Role.LEADER, Role.TOWN_STAFF):
            return _county(user, "campaign__county_id")
        return None


class ReportRound(AuditedModel, TimeStampedModel):
    """One round of the towns' progress reports (定期汇报) set by the county: a title
    (“5月进展”) and the day by which every town of the campaign's county reports."""

    campaign = models.ForeignKey(
        "activities.Campaign", verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=100)
    due_on = models.DateField(_("due on"))

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("report round")
        verbose_name_plural = _("report rounds")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "due_on"], name="unique_report_round_due_on")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("supervision:round-detail", args=[self.pk])

    def town_table(self, towns, today: dt.date | None = None):
        """``towns`` annotated with this round's report: ``report_id``, ``report_submitted_at``
        and ``report_status`` (on time / late / missing / not yet due), in one query."""
        reports = ProgressReport.objects.filter(round=self, town=OuterRef("pk"))
        today = today or timezone.localdate()
        return towns.annotate(
            report_id=models.Subquery(reports.values("pk")[:1]),
            report_submitted_at=models.Subquery(reports.values("submitted_at")[:1]),
            report_submitted_on=models.Subquery(
                reports.annotate(on=_local_day("submitted_at")).values("on")[:1]
            ),
        ).annotate(
            report_status=Case(
                When(
                    report_submitted_at__isnull=True,
                    then=Value(ReportStatus.MISSING if self.due_on < today else ReportStatus.NOT_DUE),
                ),
                When(report_submitted_on__lte=self.due_on, then=Value(ReportStatus.ON_TIME)),
                default=Value(ReportStatus.LATE),
                output_field=models.CharField(),
            )
        )


def _local_day(field: str):
    """The local calendar day of a timestamp, in the database (SQLite and PostgreSQL)."""
    return TruncDate(field, tzinfo=timezone.get_current_timezone())


class ReportQuerySet(ScopedQuerySet):
    """Reports: county staff read, revise and delete; leaders read the county; a town's staff
    read and revise their own town's. Handing one in checks ``change`` (module docstring)."""

    def scope(self, role, user, action):
        if action == Action.ADD:
            return None  # reports are handed in through ``submit_report`` (module docstring)
        if role == Role.ADMIN:
            return Q()
        if role == Role.COUNTY_STAFF:
            return _county(user, "round__campaign__county_id")
        if role == Role.TOWN_STAFF and user.town_id and action in (Action.VIEW, Action.CHANGE):
            return Q(town_id=user.town_id)
        if role == Role.LEADER and action == Action.VIEW:
            return _county(user, "round__campaign__county_id")
        return None

    def towns_to_hand_in(self, user, report_round):
        """The towns whose report for ``report_round`` the user may hand in: the rows a report
        of theirs would reach in the ``change`` scope above (county staff: the county's towns;
        a town's staff: their town)."""
        towns = Town.objects.filter(county_id=report_round.campaign.county_id)
        if user.is_superuser or Role.ADMIN in user.roles:
            return towns
        if Role.COUNTY_STAFF in user.roles and user.county_id == report_round.campaign.county_id:
            return towns
        if Role.TOWN_STAFF in user.roles and user.town_id:
            return towns.filter(pk=user.town_id)
        return towns.none()

    def with_timeliness(self):
        """Each report with ``timeliness``: on time when first handed in by the end of its
        round's due day (local time), else late. Revisions do not move ``submitted_at``."""
        return self.annotate(submitted_on=_local_day("submitted_at")).annotate(
            timeliness=Case(
                When(submitted_on__lte=F("round__due_on"), then=Value(ReportStatus.ON_TIME)),
                default=Value(ReportStatus.LATE),
                output_field=models.CharField(),
            )
        )


class ProgressReport(AuditedModel, TimeStampedModel):
    """A town's progress report for one round: its text, files, and who handed it in when.
    The first hand-in's time decides on time or late; revisions keep it."""

    round = models.ForeignKey(
        ReportRound, verbose_name=_("report round"), on_delete=models.PROTECT, related_name="reports"
    )
    town = models.ForeignKey(
        Town, verbose_name=_("town"), on_delete=models.PROTECT, related_name="progress_reports"
    )
    text = models.TextField(_("report"))
    submitted_at = models.DateTimeField(_("handed in at"), db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed in by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revised_at = models.DateTimeField(_("last revised at"), null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["round__due_on", "town__sort_order", "town_id"]
        constraints = [models.UniqueConstraint(fields=["round", "town"], name="unique_progress_report")]

    def __str__(self) -> str:
        return f"{self.town} · {self.round}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:report-detail", args=[self.pk])

    @property
    def is_on_time(self) -> bool:
        return timezone.localtime(self.submitted_at).date() <= self.round.due_on


class ProgressReportFile(AuditedModel, StoredFile):
    """A file handed in with a progress report (photos, the town's written report)."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("progress report"), on_delete=models.CASCADE, related_name="files"
    )

    objects = ParentFilesQuerySet.of(ProgressReport, "report").as_manager()

    class Meta:
        verbose_name = _("progress report file")
        verbose_name_plural = _("progress report files")
        ordering = ["created_at", "id"]

    def get_absolute_url(self) -> str:
        return reverse("supervision:report-file", args=[self.pk])


# --- oversight items ------------------------------------------------------------------------


class OversightQuerySet(ScopedQuerySet):
    """Oversight items: county staff write; leaders read the county; unit staff read the items
    that name their unit."""

    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        if role == Role.COUNTY_STAFF:
            return _county(user, "county_id")
        if action != Action.VIEW:
            return None
        if role == Role.LEADER:
            return _county(user, "county_id")
        if role == Role.UNIT_STAFF and user.unit_id:
            naming = OversightItem.units.through.objects.filter(unit_id=user.unit_id)
            return Q(pk__in=naming.values("oversightitem_id"))
        return None


class OversightItem(AuditedModel, TimeStampedModel):
    """A standing-committee oversight item (监督项目) of a year: what the committee looks
    into, which units it oversees, and the deputies' suggestions and clues it draws on."""

    county = models.ForeignKey(
        "registry.County", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    committee = models.CharField(_("committee"), max_length=20, choices=Committee.choices)
    subject = models.TextField(
        _("subject"), blank=True, help_text=_("What the committee will look into, and how.")
    )
    units = models.ManyToManyField(
        Unit, verbose_name=_("units overseen"), blank=True, related_name="oversight_items"
    )
    suggestions = models.ManyToManyField(
        "suggestions.Suggestion", verbose_name=_("suggestions"), blank=True, related_name="oversight_items"
    )
    clues = models.ManyToManyField(
        "suggestions.Clue", verbose_name=_("clues"), blank=True, related_name="oversight_items"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = OversightQuerySet.as_manager()

    class Meta:
        verbose_name = _("oversight item")
        verbose_name_plural = _("oversight items")
        ordering = ["-year", "-id"]
        indexes = [models.Index(fields=["county", "year"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("supervision:oversight-detail", args=[self.pk])


def oversight_items_citing(suggestion, user):
    """The oversight items that cite ``suggestion``, as far as ``user`` may see them: for the
    suggestion's page (read-only, one query)."""
    return OversightItem.objects.restrict(user).filter(suggestions=suggestion).order_by("-year", "-id")
