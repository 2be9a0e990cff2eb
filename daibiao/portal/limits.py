"""Rate limits of the public portal, per client address and overall, on a database table
(``Attempt``) so that they hold across worker processes on SQLite and PostgreSQL alike,
without Redis. The HTML views and the API's throttles call the same ``admit``.

Per address (an IPv4 address, or an IPv6 /64 network): a few requests of each kind per ten
minutes and per day. Overall, for the kinds that write (reports and answers): a cap per hour,
of which the last fifth is kept for addresses that have sent nothing in that hour, so that a
flood from a few addresses cannot use up what others need. Photos are stored only within a
total per day.

A request is counted first and checked after (``F() + 1``, then the sums): two requests from
one address at the same moment can both be refused at the edge, never both admitted past it.
The overall cap is read before counting and may be overshot by the requests in flight at
that moment, which is harmless for a cap that exists to protect the disk.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Attempt, Kind, Outcome

TEN_MINUTES = dt.timedelta(minutes=10)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
KEEP_FOR = dt.timedelta(days=30)  # the log is kept a month, then pruned
RESERVED_SHARE = 0.2  # of the overall hourly cap, kept for addresses new in that hour
GLOBAL = "*"  # the address under which refusals by the overall cap are counted


@dataclass(frozen=True)
class Rule:
    per_ten_minutes: int
    per_day: int
    per_hour_overall: int | None = None  # every address together


RULES = {
    Kind.CLUE: Rule(per_ten_minutes=5, per_day=20, per_hour_overall=300),
    Kind.FEEDBACK: Rule(per_ten_minutes=10, per_day=30, per_hour_overall=600),
    Kind.LOOKUP: Rule(per_ten_minutes=30, per_day=300),
    Kind.CHALLENGE: Rule(per_ten_minutes=60, per_day=600),
}
DAILY_PHOTO_BYTES = 500 * 1024 * 1024  # photos stored through the portal, all addresses, per day


def rule(kind: str) -> Rule:
    """The rule of ``kind``; a deployment may override any of them in ``PORTAL_LIMITS``."""
    return getattr(settings, "PORTAL_LIMITS", {}).get(kind, RULES[kind])


def daily_photo_bytes() -> int:
    return getattr(settings, "PORTAL_DAILY_PHOTO_BYTES", DAILY_PHOTO_BYTES)


class RateLimited(Exception):
    """Over a limit: answer 429 with ``message`` and ``Retry-After: retry_after``."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = max(1, int(retry_after))


def network_of(address: str | None) -> str:
    """The key a client is counted under: its IPv4 address, or its IPv6 /64 network (one
    device or household holds a whole /64, and could otherwise rotate through it)."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return "unknown"
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _minute(moment: dt.datetime) -> dt.datetime:
    return moment.replace(second=0, microsecond=0)


def _bump(address: str, kind: str, outcome: str, now: dt.datetime, by: int = 1, photo_bytes: int = 0) -> None:
    """Add ``by`` (and ``photo_bytes``) to the counter of this minute, creating it if needed."""
    key = {"address": address, "kind": kind, "outcome": outcome, "window": _minute(now)}
    changes = {"count": F("count") + by, "photo_bytes": F("photo_bytes") + photo_bytes, "updated_at": now}
    if Attempt.objects.filter(**key).update(**changes):
        return
    try:
        with transaction.atomic():
            Attempt.objects.create(**key, count=by, photo_bytes=photo_bytes, updated_at=now)
    except IntegrityError:  # another request made it a moment ago
        Attempt.objects.filter(**key).update(**changes)


def _windows(since: dt.datetime, now: dt.datetime):
    """The minute counters that fall within (since, now]."""
    return {"window__gt": _minute(since), "window__lte": _minute(now)}


def _used(kind: str, now: dt.datetime, period: dt.timedelta, address: str | None = None) -> int:
    rows = Attempt.objects.filter(kind=kind, outcome=Outcome.ADMITTED, **_windows(now - period, now))
    if address is not None:
        rows = rows.filter(address=address)
    return rows.aggregate(n=Sum("count"))["n"] or 0


def _wait(kind: str, now: dt.datetime, period: dt.timedelta, limit: int, address: str | None) -> int:
    """Seconds until enough of the counted requests have left the window to admit one more."""
    rows = Attempt.objects.filter(kind=kind, outcome=Outcome.ADMITTED, **_windows(now - period, now))
    if address is not None:
        rows = rows.filter(address=address)
    excess = (rows.aggregate(n=Sum("count"))["n"] or 0) - limit + 1
    for window, count in rows.order_by("window").values_list("window", "count"):
        excess -= count
        if excess <= 0:
            return int((window + period - now).total_seconds()) + 60
    return int(period.total_seconds())


def _minutes(seconds: int) -> int:
    return max(1, -(-seconds // 60))


def admit(address: str | None, kind: str, *, now: dt.datetime | None = None) -> str:
    """Count one request of ``kind`` from ``address`` and admit it, or raise ``RateLimited``
    (the refusal is counted too). Returns the key the client is counted under."""
    now = now or timezone.now()
    key = network_of(address)
    limits = rule(kind)
    if limits.per_hour_overall:
        overall = _used(kind, now, HOUR)
        reserved = int(limits.per_hour_overall * (1 - RESERVED_SHARE))
        if overall >= limits.per_hour_overall or (overall >= reserved and _used(kind, now, HOUR, key)):
            full = overall >= limits.per_hour_overall
            _bump(GLOBAL if full else key, kind, Outcome.REFUSED, now)
            seconds = _wait(kind, now, HOUR, limits.per_hour_overall if full else reserved, None)
            raise RateLimited(
                _(
                    "Too many reports are arriving right now. Please try again in {minutes} minutes, "
                    "or call the liaison station."
                ).format(minutes=_minutes(seconds)),
                seconds,
            )
    _bump(key, kind, Outcome.ADMITTED, now)
    for period, limit in ((TEN_MINUTES, limits.per_ten_minutes), (DAY, limits.per_day)):
        if _used(kind, now, period, key) > limit:
            _bump(key, kind, Outcome.ADMITTED, now, by=-1)
            _bump(key, kind, Outcome.REFUSED, now)
            seconds = _wait(kind, now, period, limit, key)
            raise RateLimited(
                _("Too many requests from your network. Please try again in {minutes} minutes.").format(
                    minutes=_minutes(seconds)
                ),
                seconds,
            )
    return key


def photo_bytes_left(*, now: dt.datetime | None = None) -> int:
    """What may still be stored today (local day) of photos sent through the portal."""
    now = now or timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    used = Attempt.objects.filter(kind=Kind.CLUE, window__gte=start).aggregate(n=Sum("photo_bytes"))["n"] or 0
    return max(0, daily_photo_bytes() - used)


def count_photos(address: str | None, n_bytes: int, *, now: dt.datetime | None = None) -> None:
    """Book the bytes of the photos a report stored against today's total."""
    if n_bytes:
        _bump(
            network_of(address), Kind.CLUE, Outcome.ADMITTED, now or timezone.now(), by=0, photo_bytes=n_bytes
        )


def prune(*, now: dt.datetime | None = None) -> int:
    """Remove counters older than ``KEEP_FOR`` and challenges that have expired anyway."""
    from .challenge import MAX_AGE
    from .models import UsedChallenge

    now = now or timezone.now()
    removed, _detail = Attempt.objects.filter(window__lt=now - KEEP_FOR).delete()
    gone, _detail = UsedChallenge.objects.filter(created_at__lt=now - MAX_AGE - HOUR).delete()
    return removed + gone
