"""The closed loop: clues, suggestions, their units, replies, ratings, extensions and events."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from daibiao.accounts.choices import Role
from daibiao.core.audit import AuditedModel
from daibiao.core.files import StoredFile
from daibiao.core.models import TimeStampedModel
from daibiao.core.scoping import Action, ScopedQuerySet, scope_through

from .choices import (
    OPEN_STATES,
    AssignmentState,
    Category,
    ClueState,
    ExtensionState,
    RaisedIn,
    ReplyCategory,
    Satisfaction,
    State,
    Step,
    Tier,
    UnitRole,
)


def new_tracking_code() -> str:
    """A short code a citizen can read out on the phone: 10 characters, no 0/O/1/I."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def current_year() -> int:
    """Today's year in China, read when the row is made (not when the server started)."""
    return timezone.localdate().year


class Record(AuditedModel, TimeStampedModel):
    class Meta:
        abstract = True


# --- clues --------------------------------------------------------------------------------


class ClueQuerySet(ScopedQuerySet):
    """County staff and leaders: the county; a town's staff: the town; a station head: clues
    taken at the station or by its deputies; a deputy: the clues he or she recorded; a unit:
    the clues behind suggestions given to it."""

    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        if role == Role.COUNTY_STAFF:
            return Q(county_id=user.county_id) if user.county_id else None
        if role == Role.TOWN_STAFF:
            return Q(town_id=user.town_id) if user.town_id else None
        if role == Role.DEPUTY and user.deputy_id:
            return Q(recorded_by_id=user.deputy_id)
        if action != Action.VIEW:
            return None
        if role == Role.LEADER:
            return Q(county_id=user.county_id) if user.county_id else None
        if role == Role.STATION_HEAD and user.station_id:
            return Q(station_id=user.station_id) | Q(recorded_by__station_id=user.station_id)
        if role == Role.UNIT_STAFF and user.unit_id:
            return Q(suggestion__in=Suggestion.objects.for_unit(user.unit_id))
        return None


class Clue(Record):
    """A problem clue (问题线索) a deputy collected, or a citizen raised at a station."""

    county = models.ForeignKey(
        "registry.County", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    town = models.ForeignKey(
        "registry.Town", verbose_name=_("town"), on_delete=models.PROTECT, related_name="clues"
    )
    village = models.ForeignKey(
        "registry.Village",
        verbose_name=_("village"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clues",
    )
    courtyard = models.ForeignKey(
        "registry.Courtyard",
        verbose_name=_("courtyard"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clues",
    )
    campaign = models.ForeignKey(
        "activities.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clues",
    )
    activity = models.ForeignKey(
        "activities.Activity",
        verbose_name=_("activity"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clues",
        help_text=_("The visit, reception or meeting where it was raised."),
    )
    title = models.CharField(_("title"), max_length=120)
    content = models.TextField(_("content"), max_length=5000)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    raised_by = models.CharField(_("raised by"), max_length=100, blank=True, help_text=_("The constituents."))
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    recorded_by = models.ForeignKey(
        "registry.Deputy",
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clues",
    )
    station = models.ForeignKey(
        "registry.LiaisonStation",
        verbose_name=_("liaison station"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clues",
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    occurred_on = models.DateField(_("date"), default=timezone.localdate)
    state = models.CharField(
        _("state"), max_length=12, choices=ClueState.choices, default=ClueState.OPEN, db_index=True
    )
    outcome = models.TextField(
        _("outcome"), blank=True, help_text=_("What was done, or why it was dismissed.")
    )
    suggestion = models.ForeignKey(
        "Suggestion",
        verbose_name=_("suggestion"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clues",
    )
    tracking_code = models.CharField(
        _("tracking code"), max_length=12, unique=True, default=new_tracking_code, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A citizen's clue from the public portal has no recording deputy until one of the
    # station's deputies takes it up (``services.take_up_clue``).
    from_public = models.BooleanField(_("raised through the public portal"), default=False, editable=False)
    taken_up_at = models.DateTimeField(_("taken up at"), null=True, blank=True, editable=False)

    objects = ClueQuerySet.as_manager()

    class Meta:
        verbose_name = _("clue")
        verbose_name_plural = _("clues")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["town", "state", "-occurred_on"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("suggestions:clue-detail", args=[self.pk])


# --- suggestions --------------------------------------------------------------------------


class SuggestionQuerySet(ScopedQuerySet):
    """County staff and leaders: the county; a town's staff: the town's suggestions; a unit:
    those given to it (and not returned); a deputy: those he or she leads, co-signed or gave a
    clue to, and those they were merged into; a station head: those led by the station's
    deputies. Only staff and deputies write (add, change, delete)."""

    def for_unit(self, unit_id):
        return self.filter(
            pk__in=Assignment.objects.filter(unit_id=unit_id)
            .exclude(state=AssignmentState.RETURNED)
            .values("suggestion_id")
        )

    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        if role == Role.COUNTY_STAFF:
            return Q(county_id=user.county_id) if user.county_id else None
        if role == Role.TOWN_STAFF:
            return Q(town_id=user.town_id) if user.town_id else None
        if role == Role.DEPUTY and user.deputy_id:
            own = (
                Q(lead_deputy_id=user.deputy_id)
                | Q(
                    pk__in=Suggestion.co_signers.through.objects.filter(deputy_id=user.deputy_id).values(
                        "suggestion_id"
                    )
                )
                | Q(pk__in=Clue.objects.filter(recorded_by_id=user.deputy_id).values("suggestion_id"))
            )
            if action != Action.VIEW:
                return own
            # A suggestion theirs was merged into carries theirs on: its reply is theirs to read
            # and rate (``services.raters``).
            return own | Q(
                pk__in=Suggestion.objects.filter(own, merged_into__isnull=False).values("merged_into")
            )
        if action != Action.VIEW:
            # Leaders supervise, units handle, station heads follow: none of them raises,
            # edits or deletes a suggestion. Their steps check the view scope and the table.
            return None
        if role == Role.LEADER:
            return Q(county_id=user.county_id) if user.county_id else None
        if role == Role.UNIT_STAFF and user.unit_id:
            return Q(
                pk__in=Assignment.objects.filter(unit_id=user.unit_id)
                .exclude(state=AssignmentState.RETURNED)
                .values("suggestion_id")
            )
        if role == Role.STATION_HEAD and user.station_id:
            return Q(lead_deputy__station_id=user.station_id)
        return None

    @staticmethod
    def overdue_q(now=None) -> Q:
        """Open past its deadline, as a condition (for counts over a wider queryset)."""
        return Q(state__in=OPEN_STATES, deadline__lt=now or timezone.now())

    def overdue(self, now=None):
        return self.filter(self.overdue_q(now))

    def with_related(self):
        return self.select_related("town", "lead_deputy", "lead_unit", "campaign")


class Suggestion(Record):
    """A suggestion (意见建议) formed from clues, handled by units in the closed loop.

    ``state`` changes only through ``suggestions.services`` (a conditional update plus an event
    row); ``state_entered_at`` is when it entered the current state."""

    county = models.ForeignKey(
        "registry.County", verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    town = models.ForeignKey(
        "registry.Town",
        verbose_name=_("town"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions",
    )
    campaign = models.ForeignKey(
        "activities.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suggestions",
    )
    title = models.CharField(_("title"), max_length=120)
    content = models.TextField(_("content"), max_length=10000)
    category = models.CharField(
        _("category"), max_length=20, choices=Category.choices, default=Category.OTHER
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.TOWN)
    raised_in = models.CharField(
        _("raised"), max_length=10, choices=RaisedIn.choices, default=RaisedIn.INTERIM
    )
    year = models.PositiveSmallIntegerField(_("year"), default=current_year)
    lead_deputy = models.ForeignKey(
        "registry.Deputy",
        verbose_name=_("leading deputy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions_led",
    )
    co_signers = models.ManyToManyField(
        "registry.Deputy",
        verbose_name=_("co-signing deputies"),
        blank=True,
        related_name="suggestions_cosigned",
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.DRAFT, db_index=True
    )
    state_entered_at = models.DateTimeField(_("in this state since"), default=timezone.now, db_index=True)
    round = models.PositiveSmallIntegerField(_("handling round"), default=1)
    lead_unit = models.ForeignKey(
        "registry.Unit",
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="suggestions_led",
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True, db_index=True)
    original_deadline = models.DateTimeField(_("original deadline"), null=True, blank=True)
    reply_category = models.CharField(
        _("reply class"), max_length=1, choices=ReplyCategory.choices, blank=True
    )
    key_supervision = models.BooleanField(_("key supervision"), default=False, db_index=True)
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    transferred_to = models.CharField(_("transferred to"), max_length=120, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged",
    )
    confidential = models.BooleanField(_("confidential"), default=False)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    implemented_at = models.DateTimeField(_("implemented at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["county", "state", "deadline"]),
            models.Index(fields=["town", "state"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("suggestions:suggestion-detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        return self.state in OPEN_STATES and self.deadline is not None and self.deadline < timezone.now()


class ThroughSuggestionQuerySet(ScopedQuerySet):
    """Rows that belong to one suggestion reach whoever the suggestion reaches."""

    def scope(self, role, user, action):
        return scope_through(Suggestion, "suggestion", role, user, action)


class Assignment(Record):
    """One unit's part in a suggestion: lead (主办) or co-handling (协办)."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(
        "registry.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("role"), max_length=4, choices=UnitRole.choices)
    state = models.CharField(
        _("state"), max_length=12, choices=AssignmentState.choices, default=AssignmentState.PENDING
    )
    acknowledge_by = models.DateTimeField(_("acknowledge by"), db_index=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    opinion = models.TextField(_("co-unit's opinion"), blank=True)
    opinion_by = models.DateTimeField(_("opinion due"), null=True, blank=True)
    opinion_at = models.DateTimeField(_("opinion sent at"), null=True, blank=True)

    class QS(ThroughSuggestionQuerySet):
        pass

    objects = QS.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["suggestion", "-role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion", "unit"],
                condition=~Q(state="returned"),
                name="one_live_assignment_per_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.suggestion} · {self.unit} · {self.get_role_display()}"


class Reply(Record):
    """A unit's reply (答复); a suggestion handled twice has a reply per round."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="replies")
    unit = models.ForeignKey(
        "registry.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    round = models.PositiveSmallIntegerField(_("handling round"), default=1)
    category = models.CharField(_("reply class"), max_length=1, choices=ReplyCategory.choices)
    text = models.TextField(_("reply"), max_length=20000)
    confidential = models.BooleanField(
        _("confidential"), default=False, help_text=_("Not published on the public pages.")
    )
    public_text = models.TextField(
        _("public text"), blank=True, help_text=_("The reply as published: personal data removed.")
    )
    follow_up = models.BooleanField(_("follow-up after conclusion"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["suggestion", "id"]

    def __str__(self) -> str:
        return f"{self.suggestion} · {self.category}"

    @property
    def is_public(self) -> bool:
        """Replies are public unless the reply or its suggestion is marked confidential."""
        return not self.confidential and not self.suggestion.confidential


class Rating(Record):
    """A deputy's rating (评价) of one round's reply: the attitude and the result."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="ratings")
    deputy = models.ForeignKey(
        "registry.Deputy", verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="ratings"
    )
    round = models.PositiveSmallIntegerField(_("handling round"), default=1)
    attitude = models.CharField(_("handling attitude"), max_length=20, choices=Satisfaction.choices)
    result = models.CharField(_("result"), max_length=20, choices=Satisfaction.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["suggestion", "id"]
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "deputy", "round"], name="one_rating_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.suggestion} · {self.deputy} · {self.result}"


class Extension(Record):
    """A lead unit's request for more time (延期), approved or refused by the presidium."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="extensions")
    unit = models.ForeignKey(
        "registry.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    until = models.DateField(_("until"))
    reason = models.TextField(_("reason"), max_length=2000)
    state = models.CharField(
        _("state"), max_length=10, choices=ExtensionState.choices, default=ExtensionState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["suggestion", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["suggestion"], condition=Q(state="pending"), name="one_pending_extension"
            )
        ]

    def __str__(self) -> str:
        return f"{self.suggestion} · {self.until}"


class Event(models.Model):
    """One step in a suggestion's life: who, when, from which state to which, and what.

    Written in the same transaction as the step, by ``services.base._move``; never changed.
    ``from_entered_at`` is when the suggestion entered ``from_state``, so the time spent in
    each state is ``created_at - from_entered_at`` — a query, not a computation."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(_("step"), max_length=20, choices=Step.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=150, blank=True)
    from_state = models.CharField(
        pgettext_lazy("state", "from"), max_length=12, choices=State.choices, blank=True
    )
    to_state = models.CharField(
        pgettext_lazy("state", "to"), max_length=12, choices=State.choices, blank=True
    )
    from_entered_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class QS(ThroughSuggestionQuerySet):
        def scope(self, role, user, action):
            # The timeline is written by the services alone; every role only reads it.
            return super().scope(role, user, action) if action == Action.VIEW else None

    objects = QS.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["suggestion", "created_at"])]

    def __str__(self) -> str:
        return f"{self.suggestion_id} {self.step} {self.from_state}→{self.to_state}"


class ClueFeedback(models.Model):
    """One text message telling the people behind a clue how their problem stands (反馈群众).

    One row per clue and step, claimed before sending, so a job run twice texts once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")  # waiting for the worker
        SENDING = "sending", _("Sending")  # claimed by one worker
        SENT = "sent", _("Sent")  # accepted by the SMS gateway
        FAILED = "failed", _("Failed")  # refused; see error

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="feedback")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    phone_masked = models.CharField(_("phone"), max_length=20)
    text = models.CharField(_("text"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class QS(ThroughSuggestionQuerySet):
        def scope(self, role, user, action):
            return scope_through(Clue, "clue", role, user, action) if action == Action.VIEW else None

    objects = QS.as_manager()

    class Meta:
        verbose_name = _("feedback to constituents")
        verbose_name_plural = _("feedback to constituents")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["clue", "event"], name="one_feedback_per_clue_and_step")
        ]

    def __str__(self) -> str:
        return f"{self.clue} · {self.phone_masked} · {self.status}"


class Attachment(StoredFile):
    """A file kept with the closed loop: a clue's photos, or what a step brought with it (a
    reply's documents, progress photos, the evidence of implementation, a look-back's
    findings). Whoever sees the clue or the suggestion sees its files; nobody else."""

    clue = models.ForeignKey(
        Clue,
        verbose_name=_("clue"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    suggestion = models.ForeignKey(
        Suggestion,
        verbose_name=_("suggestion"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    reply = models.ForeignKey(
        Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    step = models.CharField(_("step"), max_length=20, choices=Step.choices, blank=True)

    class QS(ScopedQuerySet):
        def scope(self, role, user, action):
            # Files come with steps (services); nobody edits or deletes them afterwards.
            if action != Action.VIEW:
                return Q() if role == Role.ADMIN else None
            clues = scope_through(Clue, "clue", role, user, action)
            items = scope_through(Suggestion, "suggestion", role, user, action)
            if clues is None and items is None:
                return None
            # Q() (everything) on one side must only reach the rows owned on that side.
            clues = None if clues is None else (clues or Q(clue__isnull=False))
            items = None if items is None else (items or Q(suggestion__isnull=False))
            return clues | items if clues is not None and items is not None else clues or items

    objects = QS.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(clue__isnull=True) ^ Q(suggestion__isnull=True),
                name="attachment_has_one_owner",
            )
        ]

    def get_absolute_url(self) -> str:
        return reverse("suggestions:attachment", args=[self.pk])


class CitizenFeedback(Record):
    """What the person who raised a clue says of the reply (群众评价), through the public
    portal with the clue's tracking code: solved, partly solved or not solved, and a comment.
    One answer per clue and reply; "not solved" is flagged to the town's presidium.

    Written by ``services.record_citizen_feedback`` alone; read by whoever reads the clue."""

    class Answer(models.TextChoices):
        SOLVED = "solved", _("Solved")  # 已解决
        PARTLY = "partly", _("Partly solved")  # 部分解决
        NOT_SOLVED = "not_solved", _("Not solved")  # 未解决: flagged to the presidium

    clue = models.ForeignKey(
        Clue, verbose_name=_("clue"), on_delete=models.CASCADE, related_name="citizen_feedback"
    )
    reply = models.ForeignKey(
        Reply, verbose_name=_("reply"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.CharField(_("answer"), max_length=12, choices=Answer.choices)
    comment = models.TextField(_("comment"), max_length=500, blank=True)
    flagged = models.BooleanField(_("flagged to the presidium"), default=False, db_index=True)

    class QS(ScopedQuerySet):
        def scope(self, role, user, action):
            # The services write it; every role only reads what it reads of the clue.
            return scope_through(Clue, "clue", role, user, action) if action == Action.VIEW else None

    objects = QS.as_manager()

    class Meta:
        verbose_name = _("citizen's feedback")
        verbose_name_plural = _("citizens' feedback")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["clue", "reply"], name="one_citizen_answer_per_reply")]

    def __str__(self) -> str:
        return f"{self.clue.tracking_code} · {self.get_answer_display()}"

    def get_absolute_url(self) -> str:
        return self.clue.get_absolute_url()
