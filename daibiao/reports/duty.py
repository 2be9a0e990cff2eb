"""A deputy's duty record (履职档案) for a year, assembled from the records themselves.

Nothing here is typed twice or stored: the record is read, in a fixed number of queries, from
the attendance lists, the clues the deputy recorded, the suggestions he or she led or
co-signed and what became of them, the mediation cases he or she mediated, the organisations
and roles he or she holds, and the materials received. The year-end evaluation and the annual
report to constituents (``annual_report``) are built on it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from daibiao.activities.choices import ActivityKind, AttendanceStatus, ReceiptStatus
from daibiao.activities.models import Attendance, MaterialReceipt
from daibiao.mediation.choices import Outcome
from daibiao.mediation.models import MediationCase
from daibiao.registry.models import Courtyard, Deputy, LiaisonStation, Mandate, OrgMembership
from daibiao.suggestions.choices import CONCLUDED_STATES, State
from daibiao.suggestions.models import Clue, Rating, Suggestion


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of ``year`` and of the next, in the county's time zone."""
    tz = timezone.get_current_timezone()
    return (
        dt.datetime(year, 1, 1, tzinfo=tz),
        dt.datetime(year + 1, 1, 1, tzinfo=tz),
    )


@dataclass
class DutyRecord:
    """What one deputy did in one year; every list holds the records themselves."""

    deputy: Deputy
    year: int
    mandates: list = field(default_factory=list)
    attendance: list = field(default_factory=list)  # Attendance rows, activity selected
    clues: list = field(default_factory=list)
    suggestions_led: list = field(default_factory=list)
    suggestions_cosigned: list = field(default_factory=list)
    ratings: list = field(default_factory=list)
    mediation_cases: list = field(default_factory=list)
    memberships: list = field(default_factory=list)
    courtyards_headed: list = field(default_factory=list)
    stations_headed: list = field(default_factory=list)
    receipts: list = field(default_factory=list)

    # --- figures ------------------------------------------------------------------------

    @property
    def attended(self) -> list:
        return [a for a in self.attendance if a.status == AttendanceStatus.PRESENT]

    @property
    def missed(self) -> list:
        return [a for a in self.attendance if a.status == AttendanceStatus.ABSENT]

    @property
    def on_leave(self) -> list:
        return [a for a in self.attendance if a.status == AttendanceStatus.LEAVE]

    @property
    def trainings(self) -> list:
        return [a for a in self.attended if a.activity.kind == ActivityKind.TRAINING]

    @property
    def attended_by_kind(self) -> list[tuple[str, int]]:
        counts = Counter(a.activity.kind for a in self.attended)
        return [(label, counts[value]) for value, label in ActivityKind.choices if counts[value]]

    @property
    def suggestions(self) -> list:
        return self.suggestions_led + self.suggestions_cosigned

    @property
    def suggestions_concluded(self) -> list:
        return [s for s in self.suggestions if s.state in CONCLUDED_STATES]

    @property
    def suggestions_implemented(self) -> list:
        return [s for s in self.suggestions if s.state == State.IMPLEMENTED]

    @property
    def cases_resolved(self) -> list:
        return [c for c in self.mediation_cases if c.outcome == Outcome.RESOLVED]

    @property
    def materials_received(self) -> list:
        return [r for r in self.receipts if r.status == ReceiptStatus.RECEIVED]

    def summary(self) -> dict:
        """The record's figures, for the API, the page and the report."""
        return {
            "activities_attended": len(self.attended),
            "activities_missed": len(self.missed),
            "activities_on_leave": len(self.on_leave),
            "trainings_attended": len(self.trainings),
            "clues_recorded": len(self.clues),
            "suggestions_led": len(self.suggestions_led),
            "suggestions_cosigned": len(self.suggestions_cosigned),
            "suggestions_concluded": len(self.suggestions_concluded),
            "suggestions_implemented": len(self.suggestions_implemented),
            "mediation_cases": len(self.mediation_cases),
            "mediation_cases_resolved": len(self.cases_resolved),
            "memberships": len(self.memberships),
            "materials_received": len(self.materials_received),
        }


def build_duty_record(deputy: Deputy, year: int) -> DutyRecord:
    """The record of ``deputy`` for ``year`` (the caller has checked the deputy is in scope).

    A fixed number of queries, whatever the deputy did."""
    start, end = year_bounds(year)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    suggestions = Suggestion.objects.select_related("lead_unit", "town").order_by("created_at", "id")
    return DutyRecord(
        deputy=deputy,
        year=year,
        mandates=list(Mandate.objects.filter(deputy=deputy).order_by("level")),
        attendance=list(
            Attendance.objects.filter(
                deputy=deputy, activity__starts_at__gte=start, activity__starts_at__lt=end
            )
            .select_related("activity")
            .order_by("activity__starts_at", "activity_id")
        ),
        clues=list(
            Clue.objects.filter(recorded_by=deputy, occurred_on__range=(first, last))
            .select_related("village", "suggestion")
            .order_by("occurred_on", "id")
        ),
        suggestions_led=list(
            suggestions.filter(lead_deputy=deputy, created_at__gte=start, created_at__lt=end)
        ),
        suggestions_cosigned=list(
            suggestions.filter(co_signers=deputy, created_at__gte=start, created_at__lt=end).exclude(
                lead_deputy=deputy
            )
        ),
        ratings=list(
            Rating.objects.filter(deputy=deputy, created_at__gte=start, created_at__lt=end)
            .select_related("suggestion")
            .order_by("created_at", "id")
        ),
        mediation_cases=list(
            MediationCase.objects.filter(mediators=deputy, received_on__range=(first, last))
            .select_related("clinic")
            .order_by("received_on", "id")
        ),
        memberships=list(
            OrgMembership.objects.filter(deputy=deputy, since__lte=last)
            .filter(Q(until__isnull=True) | Q(until__gte=first))
            .select_related("organization")
            .order_by("since", "id")
        ),
        courtyards_headed=list(Courtyard.objects.filter(head_deputy=deputy).select_related("village")),
        stations_headed=list(LiaisonStation.objects.filter(head=deputy)),
        receipts=list(
            MaterialReceipt.objects.filter(
                deputy=deputy, material__created_at__gte=start, material__created_at__lt=end
            )
            .select_related("material")
            .order_by("material__created_at", "id")
        ),
    )


def years_of(deputy: Deputy) -> list[int]:
    """The years to offer in the record's year picker: this year back to the first year with a
    clue or an activity of the deputy (at most ten)."""
    this_year = timezone.localdate().year
    first = [this_year]
    clue = (
        Clue.objects.filter(recorded_by=deputy)
        .order_by("occurred_on")
        .values_list("occurred_on", flat=True)[:1]
    )
    first += [day.year for day in clue]
    earliest = max(min(first), this_year - 9)
    return list(range(this_year, earliest - 1, -1))
