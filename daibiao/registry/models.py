"""The county registry: areas, units, liaison stations, deputy groups, deputies and mandates."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from pypinyin import Style, lazy_pinyin

from daibiao.accounts.choices import Role
from daibiao.core.audit import AuditedModel
from daibiao.core.models import TimeStampedModel
from daibiao.core.scoping import Action, ScopedQuerySet

from .choices import (
    DeputyStatus,
    Gender,
    Level,
    OrganizationKind,
    Party,
    TownKind,
    UnitKind,
    VillageKind,
)

EVERYONE = frozenset(Role)


class Record(AuditedModel, TimeStampedModel):
    """Base of every registry record: timestamps, change log, scoped queryset."""

    class Meta:
        abstract = True


class ReferenceQuerySet(ScopedQuerySet):
    """Reference data (areas, units, stations, groups): every role of the county reads it;
    county staff write it; a town's staff write what lies in their town.

    ``county_path`` and ``town_path`` name the lookups from the model to its county and town.
    """

    county_path = "county"
    town_path: str | None = None

    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        if action == Action.VIEW:
            return Q(**{f"{self.county_path}_id": user.county_id})
        if role == Role.COUNTY_STAFF:
            return Q(**{f"{self.county_path}_id": user.county_id})
        # Without a town bound, ``town_id=None`` would match every row outside any town.
        if role == Role.TOWN_STAFF and self.town_path is not None and user.town_id:
            return Q(**{f"{self.town_path}_id": user.town_id})
        return None


class County(Record):
    """A county (县): the root of the area tree and the scope of one deployment."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    code = models.CharField(_("division code"), max_length=12, blank=True)

    class QS(ReferenceQuerySet):
        county_path = "pk"

        def scope(self, role, user, action):
            if role == Role.ADMIN:
                return Q()
            if action == Action.VIEW:
                return Q(pk=user.county_id)
            return None

    objects = QS.as_manager()

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Town(Record):
    """A town, management district or development zone (镇/区): the presidium's domain."""

    county = models.ForeignKey(
        County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="towns"
    )
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=20, choices=TownKind.choices, default=TownKind.TOWN)
    code = models.CharField(_("division code"), max_length=12, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class QS(ReferenceQuerySet):
        def scope(self, role, user, action):
            # A town's staff keep their own town's details up to date; only the county adds
            # or removes towns.
            if role == Role.TOWN_STAFF and action == Action.CHANGE:
                return Q(pk=user.town_id)
            return super().scope(role, user, action)

    objects = QS.as_manager()

    class Meta:
        verbose_name = _("town")
        verbose_name_plural = _("towns")
        ordering = ["sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["county", "name"], name="unique_town_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:town-detail", args=[self.pk])


class Village(Record):
    """A village or community (村/社区)."""

    town = models.ForeignKey(Town, verbose_name=_("town"), on_delete=models.PROTECT, related_name="villages")
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(
        _("kind"), max_length=20, choices=VillageKind.choices, default=VillageKind.VILLAGE
    )

    class QS(ReferenceQuerySet):
        county_path = "town__county"
        town_path = "town"

    objects = QS.as_manager()

    class Meta:
        verbose_name = _("village or community")
        verbose_name_plural = _("villages and communities")
        ordering = ["town__sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["town", "name"], name="unique_village_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:village-detail", args=[self.pk])


class Courtyard(Record):
    """A courtyard (屋场, 红色屋场): a hamlet-sized unit led by a courtyard head."""

    village = models.ForeignKey(
        Village, verbose_name=_("village"), on_delete=models.PROTECT, related_name="courtyards"
    )
    name = models.CharField(_("name"), max_length=50)
    head_deputy = models.ForeignKey(
        "Deputy",
        verbose_name=_("courtyard head (deputy)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="courtyards_led",
    )
    head_name = models.CharField(_("courtyard head (resident)"), max_length=50, blank=True)

    class QS(ReferenceQuerySet):
        county_path = "village__town__county"
        town_path = "village__town"

    objects = QS.as_manager()

    class Meta:
        verbose_name = _("courtyard")
        verbose_name_plural = _("courtyards")
        ordering = ["village", "name"]

    def __str__(self) -> str:
        return self.name


class Unit(Record):
    """A handling unit (责任单位/承办单位): a county department, a town government, or another body."""

    county = models.ForeignKey(
        County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="units"
    )
    name = models.CharField(_("name"), max_length=80)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices, default=UnitKind.DEPARTMENT)
    town = models.ForeignKey(
        Town,
        verbose_name=_("town"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
        help_text=_("For a town government: its town."),
    )
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class QS(ReferenceQuerySet):
        def scope(self, role, user, action):
            # A unit's staff keep their own unit's contacts up to date.
            if role == Role.UNIT_STAFF and action == Action.CHANGE:
                return Q(pk=user.unit_id)
            return super().scope(role, user, action)

    objects = QS.as_manager()

    class Meta:
        verbose_name = _("handling unit")
        verbose_name_plural = _("handling units")
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["county", "name"], name="unique_unit_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:unit-detail", args=[self.pk])


class LiaisonStation(Record):
    """A deputies' liaison station (代表联络站): where deputies meet constituents."""

    town = models.ForeignKey(Town, verbose_name=_("town"), on_delete=models.PROTECT, related_name="stations")
    village = models.ForeignKey(
        Village, verbose_name=_("village"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("name"), max_length=80)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    head = models.ForeignKey(
        "Deputy",
        verbose_name=_("station head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stations_headed",
    )
    is_legislative_contact_point = models.BooleanField(_("legislative contact point"), default=False)
    is_budget_contact_point = models.BooleanField(_("budget contact point"), default=False)

    class QS(ReferenceQuerySet):
        county_path = "town__county"
        town_path = "town"

    objects = QS.as_manager()

    class Meta:
        verbose_name = _("liaison station")
        verbose_name_plural = _("liaison stations")
        # Creation order within a town: 第一、第二、第三 read in that order, which no
        # character sort gives.
        ordering = ["town__sort_order", "town_id", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:station-detail", args=[self.pk])


class DeputyGroup(Record):
    """A deputy group (代表小组): the basic unit that organises deputies' activities."""

    town = models.ForeignKey(Town, verbose_name=_("town"), on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(_("name"), max_length=80)
    station = models.ForeignKey(
        LiaisonStation,
        verbose_name=_("liaison station"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="groups",
    )
    leader = models.ForeignKey(
        "Deputy",
        verbose_name=_("group leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class QS(ReferenceQuerySet):
        county_path = "town__county"
        town_path = "town"

    objects = QS.as_manager()

    class Meta:
        verbose_name = _("deputy group")
        verbose_name_plural = _("deputy groups")
        ordering = ["town__sort_order", "town_id", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:group-detail", args=[self.pk])


class ElectoralDistrict(Record):
    """An electoral district (选区): the constituents a deputy reports to each year."""

    county = models.ForeignKey(County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(
        Town,
        verbose_name=_("town"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="districts",
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    name = models.CharField(_("name"), max_length=80)

    class QS(ReferenceQuerySet):
        town_path = "town"

    objects = QS.as_manager()

    class Meta:
        verbose_name = _("electoral district")
        verbose_name_plural = _("electoral districts")
        ordering = ["level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["county", "level", "name"], name="unique_district_name")
        ]

    def __str__(self) -> str:
        return self.name


class DeputyQuerySet(ScopedQuerySet):
    """County staff and leaders read every deputy of the county; a town's staff its town's;
    a station head the station's; a deputy only him- or herself. Unit staff read none here."""

    prefix = ""

    def scope(self, role, user, action):
        p = self.prefix
        if role == Role.ADMIN:
            return Q()
        if role == Role.COUNTY_STAFF:
            return Q(**{f"{p}county_id": user.county_id})
        # A role whose binding is unset reaches nothing: ``station_id=None`` would match every
        # deputy outside a station.
        if role == Role.TOWN_STAFF:
            return Q(**{f"{p}town_id": user.town_id}) if user.town_id else None
        if action != Action.VIEW:
            return None
        if role == Role.LEADER:
            return Q(**{f"{p}county_id": user.county_id})
        if role == Role.STATION_HEAD:
            return Q(**{f"{p}station_id": user.station_id}) if user.station_id else None
        if role == Role.DEPUTY:
            return Q(**{f"{p}id": user.deputy_id}) if user.deputy_id else None
        return None

    def with_related(self):
        return self.select_related("town", "group", "station").prefetch_related("mandates")

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        q = Q(name__icontains=text) | Q(phone__contains=text)
        if text.isascii() and text.isalpha():
            q |= Q(name_initials__istartswith=text.lower()) | Q(name_pinyin__istartswith=text.lower())
        return self.filter(q)


class Deputy(Record):
    """One deputy (人大代表): a person who may hold mandates at several levels at once."""

    county = models.ForeignKey(County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(
        Town,
        verbose_name=_("town"),
        on_delete=models.PROTECT,
        related_name="deputies",
        help_text=_("The town whose presidium looks after this deputy."),
    )
    name = models.CharField(_("name"), max_length=30)
    # Derived from the name on save, for search by pinyin or initials ("zs" finds 张三).
    name_pinyin = models.CharField(max_length=120, editable=False, db_index=True)
    name_initials = models.CharField(max_length=30, editable=False, db_index=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, default="汉族")
    party = models.CharField(
        _("political affiliation"), max_length=20, choices=Party.choices, default=Party.NONE
    )
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, unique=True)
    occupation = models.CharField(_("occupation"), max_length=60, blank=True)
    employer = models.CharField(_("employer and post"), max_length=120, blank=True)
    group = models.ForeignKey(
        DeputyGroup,
        verbose_name=_("deputy group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deputies",
    )
    station = models.ForeignKey(
        LiaisonStation,
        verbose_name=_("liaison station"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deputies",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=DeputyStatus.choices, default=DeputyStatus.SERVING, db_index=True
    )

    objects = DeputyQuerySet.as_manager()

    class Meta:
        verbose_name = _("deputy")
        verbose_name_plural = _("deputies")
        ordering = ["town__sort_order", "name_pinyin", "id"]
        indexes = [models.Index(fields=["town", "name_pinyin"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:deputy-detail", args=[self.pk])

    def save(self, *args, **kwargs):
        self.fill_derived()
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_pinyin", "name_initials"}
        super().save(*args, **kwargs)

    def fill_derived(self) -> None:
        """Set the pinyin fields and the county from the name and the town."""
        self.name_pinyin = "".join(lazy_pinyin(self.name)).lower()
        self.name_initials = "".join(lazy_pinyin(self.name, style=Style.FIRST_LETTER)).lower()
        # The county follows the town: a form may have preset its author's county, and
        # scoping keys on it.
        if self.town_id and Deputy.town.is_cached(self):
            self.county_id = self.town.county_id
        elif self.town_id and not self.county_id:
            self.county_id = Town.objects.values_list("county_id", flat=True).get(pk=self.town_id)

    @property
    def levels(self) -> list[str]:
        order = list(Level.values)
        return sorted({m.level for m in self.mandates.all()}, key=order.index)

    @property
    def levels_display(self) -> str:
        return "、".join(str(Level(v).label) for v in self.levels)


class MandateQuerySet(DeputyQuerySet):
    prefix = "deputy__"


class Mandate(Record):
    """A deputy's seat in one congress: its level, term and electoral district."""

    deputy = models.ForeignKey(
        Deputy, verbose_name=_("deputy"), on_delete=models.CASCADE, related_name="mandates"
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, db_index=True)
    term = models.CharField(_("term"), max_length=20, blank=True, help_text=_("For example 第十九届."))
    electoral_district = models.ForeignKey(
        ElectoralDistrict,
        verbose_name=_("electoral district"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mandates",
    )

    objects = MandateQuerySet.as_manager()

    class Meta:
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")
        ordering = ["deputy", "level"]
        constraints = [models.UniqueConstraint(fields=["deputy", "level"], name="unique_mandate_level")]

    def __str__(self) -> str:
        return f"{self.deputy} · {self.get_level_display()}"


# --- "代表+": organisations and the deputies embedded in them ------------------------------


class OrganizationQuerySet(ReferenceQuerySet):
    """Organisations are reference data: every role of the county reads them; county staff
    write them all, a town's staff those of their town (not the county-level ones)."""

    town_path = "town"

    def figures_by_town(self) -> dict:
        """Per town (``None``: county-level organisations): the organisations of each kind and
        the deputies embedded in them (each deputy counted once per town, however many
        organisations he or she belongs to). Two queries, whatever the number of rows; reads
        the organisations of this queryset, so restrict it first."""
        figures: dict = {}

        def row(town_id):
            return figures.setdefault(
                town_id, {"organizations": dict.fromkeys(OrganizationKind.values, 0), "deputies": 0}
            )

        for town_id, kind, n in self.order_by().values_list("town_id", "kind").annotate(n=Count("pk")):
            row(town_id)["organizations"][kind] = n
        deputies = (
            OrgMembership.objects.live()
            .filter(organization__in=self.order_by().values("pk"))
            .order_by()
            .values_list("organization__town_id")
            .annotate(n=Count("deputy_id", distinct=True))
        )
        for town_id, n in deputies:
            row(town_id)["deputies"] = n
        return figures


class Organization(Record):
    """An organisation of the "代表+" model (群团、社会、自治、经济组织) in which deputies serve,
    at county level or in a town, optionally in one village."""

    county = models.ForeignKey(County, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    town = models.ForeignKey(
        Town,
        verbose_name=_("town"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
        help_text=_("Leave empty for a county-level organisation."),
    )
    village = models.ForeignKey(
        Village,
        verbose_name=_("village"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["county", "town", "name"], name="unique_organization_name")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:organization-detail", args=[self.pk])

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.village_id and self.town_id and self.village.town_id != self.town_id:
            raise ValidationError({"village": _("This village is not in the chosen town.")})

    def save(self, *args, **kwargs):
        # The county and town follow the village and the town: scoping keys on them.
        if self.village_id and not self.town_id:
            self.town_id = self.village.town_id
        if self.town_id:
            self.county_id = self.town.county_id
        super().save(*args, **kwargs)


class OrgMembershipQuerySet(ScopedQuerySet):
    """Whoever may see the deputy sees his or her memberships (and a town's staff those of
    their town's organisations); whoever may change the organisation manages its members."""

    def live(self):
        """Memberships not ended (``until`` empty)."""
        return self.filter(until__isnull=True)

    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        if action == Action.VIEW:
            q = Mandate.objects.none().scope(role, user, action)
            if role == Role.TOWN_STAFF and user.town_id:
                q = (q or Q(pk__in=[])) | Q(organization__town_id=user.town_id)
            return q
        # Adding, changing and ending a membership is managing the organisation's members.
        organizations = Organization.objects.none().scope(role, user, Action.CHANGE)
        if organizations is None:
            return None
        return Q(organization__in=Organization.objects.filter(organizations).values("pk"))


class OrgMembership(Record):
    """A deputy embedded in an organisation ("代表+"), with the post held there and since when.
    Ended memberships are kept (``until`` set): they belong to the deputy's duty record."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="memberships"
    )
    deputy = models.ForeignKey(
        Deputy, verbose_name=_("deputy"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("post"), max_length=50, blank=True, help_text=_("For example 理事, 会长 or 监事.")
    )
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    objects = OrgMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation membership")
        verbose_name_plural = _("organisation memberships")
        ordering = ["organization", "until", "deputy__name_pinyin", "id"]
        constraints = [
            # One live membership per deputy and organisation; ended ones may be many.
            models.UniqueConstraint(
                fields=["organization", "deputy"],
                condition=Q(until__isnull=True),
                name="unique_live_membership",
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="membership_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deputy} · {self.organization}"

    def get_absolute_url(self) -> str:
        return self.organization.get_absolute_url()

    @property
    def is_live(self) -> bool:
        return self.until is None


class DutyPeriod(models.TextChoices):
    MORNING = "morning", _("Morning")  # 上午
    AFTERNOON = "afternoon", _("Afternoon")  # 下午
    DAY = "day", _("All day")  # 全天


class StationDuty(Record):
    """A deputy on duty at a liaison station on a day (进站接待排班): the roster constituents
    read to know whom they will meet. What happened there is an activity (station day)."""

    station = models.ForeignKey(
        LiaisonStation, verbose_name=_("liaison station"), on_delete=models.CASCADE, related_name="duties"
    )
    deputy = models.ForeignKey(
        "Deputy", verbose_name=_("deputy"), on_delete=models.CASCADE, related_name="station_duties"
    )
    on_date = models.DateField(_("date"), db_index=True)
    period = models.CharField(_("time"), max_length=10, choices=DutyPeriod.choices, default=DutyPeriod.DAY)
    note = models.CharField(_("note"), max_length=100, blank=True)

    class QS(ReferenceQuerySet):
        """Everyone of the county reads the roster; county staff, the town's staff and the
        station's head keep it."""

        county_path = "station__town__county"
        town_path = "station__town"

        def scope(self, role, user, action):
            if role == Role.STATION_HEAD and action != Action.VIEW and user.station_id:
                return Q(station_id=user.station_id)
            return super().scope(role, user, action)

    objects = QS.as_manager()

    class Meta:
        verbose_name = _("station duty")
        verbose_name_plural = _("station duties")
        ordering = ["on_date", "station_id", "period", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "deputy", "on_date", "period"], name="one_duty_per_slot"
            )
        ]

    def __str__(self) -> str:
        return f"{self.station} {self.on_date} {self.get_period_display()} {self.deputy}"

    def clean(self) -> None:
        super().clean()
        if self.station_id and self.deputy_id and self.deputy.county_id != self.station.town.county_id:
            raise ValidationError({"deputy": _("Choose a deputy of this county.")})

    def get_absolute_url(self) -> str:
        return self.station.get_absolute_url()
