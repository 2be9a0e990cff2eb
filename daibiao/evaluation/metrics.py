"""What an indicator can measure, and how a measure becomes points.

``METRICS[kind][code]`` is a ``Metric``: a label, the rule and target it is scored by unless
a scheme says otherwise, and a ``compute(context)`` that measures **every** target of its
kind at once — a fixed number of bulk queries over the county's records of the year (and
campaign, where the evaluation names one), grouped by target in Python — and answers, per
target id, a ``Measure``: the value, its base for a rate, the records behind it (a label and
a link each, at most ``RECORDS_KEPT``, those that cost points first) and the link of the
scoped list page that shows them all, where one exists.

The measures themselves live in ``evaluation.measures`` (deputies, towns, units); importing
this module registers them. Everything here reads; nothing writes.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise

from .choices import Rule, TargetKind
from .models import RECORDS_KEPT

HUNDREDTH = Decimal("0.01")
ZERO = Decimal(0)


@dataclass
class Measure:
    """One target's measure: ``value`` (a count), ``base`` (what a rate divides by; ``None``
    where the measure is a plain count), the records behind it and the list of all of them."""

    value: Decimal = ZERO
    base: Decimal | None = None
    records: list[dict] = field(default_factory=list)
    list_url: str = ""


@dataclass
class Context:
    """What an evaluation measures over: the county, the year (``start`` to ``end``), the
    campaign where given, the ids of the targets to measure, and ``cutoff``: the moment of
    computing, or the end of the year if that is earlier (what falls due later is not due
    yet)."""

    county: object
    year: int
    campaign: object = None
    targets: list[int] = field(default_factory=list)
    now: dt.datetime | None = None
    memo: dict = field(default_factory=dict)

    def __post_init__(self):
        tz = timezone.get_current_timezone()
        self.start = dt.datetime(self.year, 1, 1, tzinfo=tz)
        self.end = dt.datetime(self.year + 1, 1, 1, tzinfo=tz)
        self.first, self.last = dt.date(self.year, 1, 1), dt.date(self.year, 12, 31)
        now = self.now or timezone.now()
        self.cutoff = min(now, self.end)
        self.today = min(timezone.localdate(now), self.last)

    def once(self, key: str, fetch: Callable[[], object]):
        """``fetch()``'s answer, fetched once per computation (several measures share rows)."""
        if key not in self.memo:
            self.memo[key] = fetch()
        return self.memo[key]

    def campaign_filter(self, path: str) -> dict:
        """``{path: campaign}`` when the evaluation names a campaign, else nothing."""
        return {path: self.campaign} if self.campaign is not None else {}

    def list_params(self, **params) -> dict:
        if self.campaign is not None:
            params.setdefault("campaign", self.campaign.pk)
        return params


@dataclass(frozen=True)
class Metric:
    """A measure an indicator may read, with the rule and target it is scored by unless the
    scheme says otherwise."""

    kind: str
    code: str
    label: Promise
    rule: str
    target: Decimal | None
    # Measures every target of ``context.targets``: a ``Measure`` for each.
    compute: Callable[[Context], dict[int, Measure]]
    description: Promise | str = ""


METRICS: dict[str, dict[str, Metric]] = {kind: {} for kind in TargetKind.values}


def metric(kind: str, code: str, label: Promise, rule: str, target=None, description: Promise | str = ""):
    """Register the decorated ``compute(context)`` as ``METRICS[kind][code]``."""

    def register(compute):
        METRICS[kind][code] = Metric(
            kind=kind,
            code=code,
            label=label,
            rule=rule,
            target=None if target is None else Decimal(target),
            compute=compute,
            description=description,
        )
        return compute

    return register


# --- the rules ------------------------------------------------------------------------------


def points(rule: str, weight, value, base=None, target=None) -> Decimal:
    """The points ``value`` earns under ``rule``, at most ``weight``, rounded to hundredths:

    * rate: weight × value / base; nothing to count (base 0) gives nothing;
    * target: weight × value / target, full points once the target is reached;
    * all or nothing: the weight when the value is at least 1;
    * fewer is better: weight × (1 − value / base); nothing to count gives the full weight.
    """
    weight = Decimal(weight)
    value = Decimal(value or 0)
    if rule == Rule.RATE:
        share = value / Decimal(base) if base else ZERO
    elif rule == Rule.TARGET:
        share = value / Decimal(target) if target else ZERO
    elif rule == Rule.YES_NO:
        share = Decimal(1) if value >= 1 else ZERO
    elif rule == Rule.INVERSE:
        share = 1 - value / Decimal(base) if base else Decimal(1)
    else:
        raise ValueError(f"unknown rule {rule!r}")
    share = min(max(share, ZERO), Decimal(1))
    return (weight * share).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def ranks(totals: Iterable) -> list[int]:
    """Competition ranks of ``totals`` sorted from best to worst: ties share a rank and the
    next rank skips (1, 1, 3)."""
    result: list[int] = []
    previous = None
    for position, total in enumerate(totals, start=1):
        result.append(result[-1] if total == previous else position)
        previous = total
    return result


# --- records and links ----------------------------------------------------------------------

_PLACEHOLDER = 987654321


@functools.cache
def _url_template(name: str) -> tuple[str, str]:
    head, _sep, tail = reverse(name, args=[_PLACEHOLDER]).partition(str(_PLACEHOLDER))
    return head, tail


def url_of(name: str, pk) -> str:
    """``reverse(name, args=[pk])`` for thousands of records: the pattern is reversed once."""
    if pk is None:
        return ""
    head, tail = _url_template(name)
    return f"{head}{pk}{tail}"


def list_url(name: str, *args, **params) -> str:
    """A list page's URL with its filters (empty ones left out)."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    url = reverse(name, args=args) if args else reverse(name)
    return f"{url}?{query}" if query else url


def record(label: str, url: str = "") -> dict:
    return {"label": str(label)[:200], "url": url}


def kept(flagged: Iterable[tuple[bool, dict]]) -> list[dict]:
    """At most ``RECORDS_KEPT`` records, those that cost points (flag true) first, each group
    in its given order."""
    flagged = list(flagged)
    ordered = [r for bad, r in flagged if bad] + [r for bad, r in flagged if not bad]
    return ordered[:RECORDS_KEPT]


def local_day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(moment).date() if moment else None


def measure(value, base=None, records=(), url: str = "") -> Measure:
    return Measure(
        value=Decimal(value),
        base=None if base is None else Decimal(base),
        records=list(records),
        list_url=url,
    )


# Importing the measures registers them (each module decorates its functions with ``metric``).
from .measures import deputies, towns, units  # noqa: E402, F401
