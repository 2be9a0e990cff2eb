"""The deputy-action campaign (代表行动): its theme and plans, the activities where deputies
meet people, attendance and training coverage.

Every write goes through ``services``; each queryset's ``scope`` says who reaches which rows.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, OuterRef, Q, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from daibiao.accounts.choices import Role
from daibiao.core.audit import AuditedModel
from daibiao.core.files import ParentFilesQuerySet, StoredFile
from daibiao.core.models import TimeStampedModel
from daibiao.core.scoping import Action, ScopedQuerySet, scope_through

from .choices import (
    ActivityKind,
    AttendanceStatus,
    MediaLevel,
    Organiser,
    PlanStatus,
    ReceiptMethod,
    ReceiptStatus,
    SignInMethod,
)

# Roles that read the whole county's campaign records (plans, activities, coverage).
COUNTY_READERS = frozenset({Role.COUNTY_STAFF, Role.LEADER, Role.ADMIN})
# A QR code is refused this long before the activity starts and after it ends: early enough
# for people arriving, late enough for a meeting that overruns.
QR_OPENS_BEFORE = dt.timedelta(hours=2)
QR_GRACE_AFTER = dt.timedelta(hours=2)


def new_token() -> str:
    """A secret for an activity's sign-in link: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


class CampaignQuerySet(ScopedQuerySet):
    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        if not user.county_id:
            return None
        # Everyone who takes part in the campaign reads it; handling units have no part in it.
        if action == Action.VIEW and role != Role.UNIT_STAFF:
            return Q(county_id=user.county_id)
        if role == Role.COUNTY_STAFF:
            return Q(county_id=user.county_id)
        return None


class Campaign(AuditedModel, TimeStampedModel):
    """One campaign season with one theme, set by the county: its period, the requirement it
    answers, the county's implementation plan (``documents``), the date by which each town
    hands in its own plan, and the closed loop's handling deadlines."""

    county = models.ForeignKey("registry.County", verbose_name=_("county"), on_delete=models.PROTECT)
    theme = models.CharField(_("theme"), max_length=200)
    requirement = models.TextField(_("requirement it answers"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    town_plans_due_on = models.DateField(
        _("town plans due on"),
        null=True,
        blank=True,
        help_text=_("Each town hands in its own plan by this date."),
    )
    # Deadline rules of the closed loop (办理时限), per campaign.
    acknowledge_working_days = models.PositiveSmallIntegerField(
        _("working days to acknowledge"), default=3, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    county_reply_months = models.PositiveSmallIntegerField(
        _("months for a county unit to reply"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
    )
    town_reply_working_days = models.PositiveSmallIntegerField(
        _("working days for a town-level reply"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.theme

    def get_absolute_url(self) -> str:
        return reverse("activities:campaign-detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The campaign cannot end before it starts.")})

    def plans_due_before(self) -> dt.datetime | None:
        """The moment a town's plan becomes late: the end of the due day, local time."""
        if self.town_plans_due_on is None:
            return None
        day_after = self.town_plans_due_on + dt.timedelta(days=1)
        return timezone.make_aware(dt.datetime.combine(day_after, dt.time.min))

    def town_plan_table(self, towns):
        """``towns`` annotated with this campaign's plan: ``plan_id``, ``plan_submitted_at``
        and ``plan_status`` (on time / late / missing), all in one query."""
        plans = CampaignPlan.objects.filter(campaign=self, town=OuterRef("pk"))
        due = self.plans_due_before()
        on_time = When(plan_submitted_at__lt=due, then=Value(PlanStatus.ON_TIME)) if due else None
        whens = [When(plan_submitted_at__isnull=True, then=Value(PlanStatus.MISSING))]
        if on_time is not None:
            whens.append(on_time)
        return towns.annotate(
            plan_id=Subquery(plans.values("pk")[:1]),
            plan_submitted_at=Subquery(plans.values("submitted_at")[:1]),
        ).annotate(
            plan_status=Case(
                *whens,
                default=Value(PlanStatus.LATE if due else PlanStatus.ON_TIME),
                output_field=models.CharField(),
            )
        )


class CampaignFile(StoredFile):
    """A document of the county's implementation plan (实施方案), kept with the campaign.
    Whoever reads the campaign may fetch it; files come and go only through the services."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="documents"
    )

    objects = ParentFilesQuerySet.of(Campaign, "campaign").as_manager()

    class Meta:
        verbose_name = _("campaign document")
        verbose_name_plural = _("campaign documents")
        ordering = ["created_at", "id"]

    def get_absolute_url(self) -> str:
        return reverse("activities:campaign-file", args=[self.pk])


class CampaignPlanQuerySet(ScopedQuerySet):
    """County staff and leaders read every town's plan; a town's staff read and write their
    own town's. Nobody else reaches the plans."""

    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        if role in (Role.COUNTY_STAFF, Role.LEADER) and action == Action.VIEW and user.county_id:
            return Q(campaign__county_id=user.county_id)
        if role == Role.TOWN_STAFF and user.town_id and action in (Action.VIEW, Action.ADD, Action.CHANGE):
            return Q(town_id=user.town_id)
        return None


class CampaignPlan(AuditedModel, TimeStampedModel):
    """A town's own plan for the campaign (活动方案): a summary and its documents. The row
    exists once the town has handed the plan in; its status against the due date is computed
    (``Campaign.town_plan_table``)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="plans"
    )
    town = models.ForeignKey(
        "registry.Town", verbose_name=_("town"), on_delete=models.PROTECT, related_name="campaign_plans"
    )
    summary = models.TextField(_("summary"))
    # The first hand-in decides on time or late; later revisions only move ``updated_at``.
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = CampaignPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("town plan")
        verbose_name_plural = _("town plans")
        ordering = ["campaign", "town__sort_order", "town_id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "town"], name="unique_town_plan")]

    def __str__(self) -> str:
        return f"{self.town} · {self.campaign}"

    @property
    def status(self) -> str:
        due = self.campaign.plans_due_before()
        return PlanStatus.ON_TIME if due is None or self.submitted_at < due else PlanStatus.LATE


class CampaignPlanFile(StoredFile):
    """A document of a town's plan; whoever reads the plan may fetch it."""

    plan = models.ForeignKey(
        CampaignPlan, verbose_name=_("town plan"), on_delete=models.CASCADE, related_name="documents"
    )

    objects = ParentFilesQuerySet.of(CampaignPlan, "plan").as_manager()

    class Meta:
        verbose_name = _("town plan document")
        verbose_name_plural = _("town plan documents")
        ordering = ["created_at", "id"]

    def get_absolute_url(self) -> str:
        return reverse("activities:plan-file", args=[self.pk])


class ActivityQuerySet(ScopedQuerySet):
    """County staff reach the county's activities and leaders read them; a town's staff
    reach their town's (those of its stations and groups included); a station head reaches
    the station's and its groups'. A deputy reads the activities he or she was invited to or
    attended. Handling units have no part in them."""

    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        if role == Role.COUNTY_STAFF and user.county_id:
            return Q(county_id=user.county_id)
        if role == Role.LEADER and action == Action.VIEW and user.county_id:
            return Q(county_id=user.county_id)
        if role == Role.TOWN_STAFF and user.town_id:
            return Q(town_id=user.town_id)
        if role == Role.STATION_HEAD and user.station_id:
            return Q(station_id=user.station_id)
        if role == Role.DEPUTY and action == Action.VIEW and user.deputy_id:
            # A subquery, not a join: a join would repeat the activity once per row.
            return Q(pk__in=Attendance.objects.filter(deputy_id=user.deputy_id).values("activity_id"))
        return None

    def trainings(self, campaign):
        return self.filter(campaign=campaign, kind=ActivityKind.TRAINING)


class Activity(AuditedModel, TimeStampedModel):
    """An activity where deputies meet people or are trained: organised by the county, a
    town's presidium, a liaison station or a deputy group, at a time and place, with the
    deputies invited and their attendance, minutes and photos."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices, db_index=True)
    at_meeting = models.BooleanField(
        _("training at a meeting"),
        default=False,
        help_text=_("以会代训: a meeting that also serves as a training."),
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    county = models.ForeignKey("registry.County", verbose_name=_("county"), on_delete=models.PROTECT)
    # The organiser is the most specific of these: a group implies its station and town, a
    # station its town; none of them means the county itself.
    town = models.ForeignKey(
        "registry.Town",
        verbose_name=_("town"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    station = models.ForeignKey(
        "registry.LiaisonStation",
        verbose_name=_("liaison station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    group = models.ForeignKey(
        "registry.DeputyGroup",
        verbose_name=_("deputy group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    qr_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["campaign", "kind"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("activities:activity-detail", args=[self.pk])

    def fill_derived(self) -> None:
        """Station and town from the group, town from the station, county from the town."""
        if self.group_id:
            self.station_id = self.group.station_id or self.station_id
            self.town_id = self.group.town_id
        if self.station_id:
            self.town_id = self.station.town_id
        if self.town_id:
            self.county_id = self.town.county_id

    def clean(self):
        super().clean()
        self.fill_derived()
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            errors["ends_at"] = _("The activity cannot end before it starts.")
        if self.at_meeting and self.kind != ActivityKind.TRAINING:
            errors["at_meeting"] = _("Only a training can be held at a meeting.")
        if self.campaign_id and self.county_id and self.campaign.county_id != self.county_id:
            errors["campaign"] = _("The campaign belongs to another county.")
        if errors:
            raise ValidationError(errors)

    @property
    def organiser(self) -> str:
        if self.group_id:
            return Organiser.GROUP
        if self.station_id:
            return Organiser.STATION
        if self.town_id:
            return Organiser.TOWN
        return Organiser.COUNTY

    def get_organiser_display(self) -> str:
        return str(Organiser(self.organiser).label)

    @property
    def organiser_name(self) -> str:
        body = self.group or self.station or self.town or self.county
        return str(body)

    def qr_window(self) -> tuple[dt.datetime, dt.datetime]:
        """When the QR code signs deputies in: from shortly before the start to a grace
        period after the end."""
        return self.starts_at - QR_OPENS_BEFORE, self.ends_at + QR_GRACE_AFTER

    def sign_in_path(self) -> str:
        return reverse("activities:sign-in", args=[self.qr_token])


class AttendanceQuerySet(ScopedQuerySet):
    """Whoever reaches an activity reaches its attendance; a deputy reads his or her own."""

    def scope(self, role, user, action):
        if role == Role.DEPUTY:
            if action == Action.VIEW and user.deputy_id:
                return Q(deputy_id=user.deputy_id)
            return None
        return scope_through(Activity, "activity", role, user, action)


class Attendance(AuditedModel, TimeStampedModel):
    """One deputy at one activity: invited, then present, absent or on leave (with reason).
    Presence comes from staff ticking a list or from the deputy's QR sign-in."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="attendances"
    )
    deputy = models.ForeignKey(
        "registry.Deputy", verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="attendances"
    )
    invited = models.BooleanField(_("invited"), default=True)
    status = models.CharField(
        _("attendance"),
        max_length=10,
        choices=AttendanceStatus.choices,
        default=AttendanceStatus.INVITED,
        db_index=True,
    )
    leave_reason = models.CharField(_("reason for leave"), max_length=200, blank=True)
    signed_in_at = models.DateTimeField(_("signed in at"), null=True, blank=True)
    method = models.CharField(_("recorded by"), max_length=10, choices=SignInMethod.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by (user)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = AttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["activity", "deputy__town__sort_order", "deputy__name_pinyin", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "deputy"], name="unique_attendance"),
        ]
        indexes = [models.Index(fields=["deputy", "status"])]

    def __str__(self) -> str:
        return f"{self.deputy} · {self.activity}"


class ActivityFile(StoredFile):
    """A photo or document of an activity (minutes, sign-in sheet); whoever reads the
    activity may fetch it."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.CASCADE, related_name="files"
    )

    objects = ParentFilesQuerySet.of(Activity, "activity").as_manager()

    class Meta:
        verbose_name = _("activity file")
        verbose_name_plural = _("activity files")
        ordering = ["created_at", "id"]

    def get_absolute_url(self) -> str:
        return reverse("activities:activity-file", args=[self.pk])


def plan_towns(user, county_ids):
    """The towns whose plan status the user follows: every town of the county for its
    readers, a town's staff their own town, nobody else any."""
    from daibiao.registry.models import Town

    towns = Town.objects.filter(county_id__in=county_ids)
    if user.is_superuser or user.roles & COUNTY_READERS:
        return towns
    if Role.TOWN_STAFF in user.roles and user.town_id:
        return towns.filter(pk=user.town_id)
    return towns.none()


# --- materials (资料汇编, 发放) ------------------------------------------------------------


class MaterialQuerySet(ScopedQuerySet):
    """County staff keep the county's materials; leaders, towns' staff and station heads read
    them; a deputy reads those sent to him or her. Handling units have no part in them."""

    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        if role == Role.COUNTY_STAFF and user.county_id:
            return Q(county_id=user.county_id)
        if action != Action.VIEW:
            return None
        if role in (Role.LEADER, Role.TOWN_STAFF, Role.STATION_HEAD) and user.county_id:
            return Q(county_id=user.county_id)
        if role == Role.DEPUTY and user.deputy_id:
            return Q(pk__in=MaterialReceipt.objects.filter(deputy_id=user.deputy_id).values("material_id"))
        return None


class Material(AuditedModel, TimeStampedModel):
    """A material sent to deputies, such as the campaign's handbook (资料汇编), with its files
    and one receipt per deputy it was sent to."""

    county = models.ForeignKey("registry.County", verbose_name=_("county"), on_delete=models.PROTECT)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="materials",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = MaterialQuerySet.as_manager()

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activities:material-detail", args=[self.pk])

    def clean(self):
        super().clean()
        if self.campaign_id and self.county_id and self.campaign.county_id != self.county_id:
            raise ValidationError({"campaign": _("The campaign belongs to another county.")})


class MaterialFile(StoredFile):
    """A file of a material (the handbook's PDF); whoever reads the material may fetch it."""

    material = models.ForeignKey(
        Material, verbose_name=_("material"), on_delete=models.CASCADE, related_name="files"
    )

    objects = ParentFilesQuerySet.of(Material, "material").as_manager()

    class Meta:
        verbose_name = _("material file")
        verbose_name_plural = _("material files")
        ordering = ["created_at", "id"]

    def get_absolute_url(self) -> str:
        return reverse("activities:material-file", args=[self.pk])


class MaterialReceiptQuerySet(ScopedQuerySet):
    """County staff and leaders reach every receipt of the county (staff record them); a
    town's staff their town's deputies' receipts, and record them (they hand the handbook
    out); a station head reads the station's; a deputy reads his or her own."""

    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        if role == Role.COUNTY_STAFF and user.county_id:
            return Q(material__county_id=user.county_id)
        if role == Role.TOWN_STAFF and user.town_id and action in (Action.VIEW, Action.CHANGE):
            return Q(deputy__town_id=user.town_id)
        if action != Action.VIEW:
            return None
        if role == Role.LEADER and user.county_id:
            return Q(material__county_id=user.county_id)
        if role == Role.STATION_HEAD and user.station_id:
            return Q(deputy__station_id=user.station_id)
        if role == Role.DEPUTY and user.deputy_id:
            return Q(deputy_id=user.deputy_id)
        return None


class MaterialReceipt(AuditedModel, TimeStampedModel):
    """One deputy's copy of a material: pending once sent, received when the deputy confirms
    it in the app or staff record it."""

    material = models.ForeignKey(
        Material, verbose_name=_("material"), on_delete=models.CASCADE, related_name="receipts"
    )
    deputy = models.ForeignKey(
        "registry.Deputy", verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="receipts"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReceiptStatus.choices,
        default=ReceiptStatus.PENDING,
        db_index=True,
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    method = models.CharField(_("recorded how"), max_length=10, choices=ReceiptMethod.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by (user)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = MaterialReceiptQuerySet.as_manager()

    class Meta:
        verbose_name = _("material receipt")
        verbose_name_plural = _("material receipts")
        ordering = ["material", "deputy__town__sort_order", "deputy__name_pinyin", "id"]
        constraints = [models.UniqueConstraint(fields=["material", "deputy"], name="unique_material_receipt")]
        indexes = [models.Index(fields=["material", "status"])]

    def __str__(self) -> str:
        return f"{self.deputy} · {self.material}"


# --- media articles (新闻媒体采用稿件) ----------------------------------------------------


class MediaArticleQuerySet(ScopedQuerySet):
    """Everyone taking part in the campaign reads the county's articles; county staff keep
    them. Handling units have no part in them."""

    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        if not user.county_id:
            return None
        if role == Role.COUNTY_STAFF:
            return Q(county_id=user.county_id)
        if action == Action.VIEW and role != Role.UNIT_STAFF:
            return Q(county_id=user.county_id)
        return None


class MediaArticle(AuditedModel, TimeStampedModel):
    """An article about the campaign carried by a news outlet: the publicity the report
    counts (50+ articles), with the deputies and activities it covers."""

    county = models.ForeignKey("registry.County", verbose_name=_("county"), on_delete=models.PROTECT)
    title = models.CharField(_("title"), max_length=200)
    outlet = models.CharField(_("outlet"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=MediaLevel.choices, db_index=True)
    published_on = models.DateField(_("published on"), db_index=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    deputies = models.ManyToManyField(
        "registry.Deputy", verbose_name=_("deputies"), blank=True, related_name="media_articles"
    )
    activities = models.ManyToManyField(
        Activity, verbose_name=_("activities"), blank=True, related_name="media_articles"
    )

    objects = MediaArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("media article")
        verbose_name_plural = _("media articles")
        ordering = ["-published_on", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activities:media-detail", args=[self.pk])
