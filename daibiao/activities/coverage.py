"""Training coverage (培训全覆盖): for presidium chairs, station heads and all deputies, per
town and for the county, how many attended a training of the campaign.

Read-only figures computed by the database: three grouped queries and the towns, whatever the
number of deputies. Who counts:

- a *deputy*: every serving deputy of the county, in the town that looks after him or her;
- a *station head*: a serving deputy named head of a liaison station (``LiaisonStation.head``);
- a *presidium chair*: the registry has no field for the chair, so a chair is a serving deputy
  whose login holds the town-staff role (the chair works the town's desk on the platform).
  A ``Town.presidium_chair`` field in the registry would make this exact (a follow-up).

*Trained*: present at an activity of kind training of this campaign (a training held at a
meeting, 以会代训, counts too).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from daibiao.accounts.choices import Role
from daibiao.registry.choices import DeputyStatus
from daibiao.registry.models import Deputy, Town

from .choices import ActivityKind, AttendanceStatus, CoverageGroup
from .models import Attendance, Campaign


@dataclass
class Figure:
    """Trained out of total for one group of people."""

    trained: int = 0
    total: int = 0

    @property
    def percent(self) -> float:
        return round(100 * self.trained / self.total, 1) if self.total else 0.0

    @property
    def full(self) -> bool:
        """全覆盖: everyone trained (and there is someone to train)."""
        return self.total > 0 and self.trained >= self.total

    def add(self, other: Figure) -> None:
        self.trained += other.trained
        self.total += other.total

    def as_dict(self) -> dict:
        return {"trained": self.trained, "total": self.total, "percent": self.percent, "full": self.full}


@dataclass
class Row:
    """The figures of one town, or of the county (``town`` is ``None``)."""

    town: Town | None
    figures: dict[str, Figure] = field(default_factory=lambda: {g: Figure() for g in CoverageGroup.values})

    @property
    def full(self) -> bool:
        # 全覆盖 of a town: its deputies, and its chairs and heads where it has any.
        deputies = self.figures[CoverageGroup.DEPUTIES]
        return deputies.total > 0 and all(f.full for f in self.figures.values() if f.total)

    def as_dict(self) -> dict:
        return {
            "town": self.town.pk if self.town else None,
            "town_name": self.town.name if self.town else "",
            **{group: figure.as_dict() for group, figure in self.figures.items()},
            "full": self.full,
        }


def trained_deputies(campaign: Campaign):
    """The ids of deputies present at a training of the campaign (a subquery)."""
    return Attendance.objects.filter(
        activity__campaign=campaign,
        activity__kind=ActivityKind.TRAINING,
        status=AttendanceStatus.PRESENT,
    ).values("deputy_id")


def _counts(deputies, trained) -> dict[int, Figure]:
    rows = (
        deputies.order_by()
        .values("town_id")
        .annotate(
            total=Count("pk", distinct=True),
            trained=Count("pk", distinct=True, filter=Q(pk__in=trained)),
        )
    )
    return {row["town_id"]: Figure(trained=row["trained"], total=row["total"]) for row in rows}


def training_coverage(campaign: Campaign, towns=None) -> tuple[list[Row], Row]:
    """Per town (``towns``, default every town of the campaign's county) and the county."""
    towns = list(towns if towns is not None else Town.objects.filter(county_id=campaign.county_id))
    trained = trained_deputies(campaign)
    serving = Deputy.objects.filter(
        county_id=campaign.county_id,
        status=DeputyStatus.SERVING,
        town_id__in=[t.pk for t in towns],
    )
    by_group = {
        CoverageGroup.CHAIRS: _counts(serving.filter(user__role_grants__role=Role.TOWN_STAFF), trained),
        CoverageGroup.STATION_HEADS: _counts(serving.filter(stations_headed__isnull=False), trained),
        CoverageGroup.DEPUTIES: _counts(serving, trained),
    }
    rows, county = [], Row(town=None)
    for town in towns:
        row = Row(town=town)
        for group, counts in by_group.items():
            figure = counts.get(town.pk, Figure())
            row.figures[group] = figure
            county.figures[group].add(figure)
        rows.append(row)
    return rows, county
