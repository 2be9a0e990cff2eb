"""Helpers of the evaluation engine's tests: a fixed clock, the closed loop driven to its end
through the services, and one measure read for every target."""

from __future__ import annotations

import datetime as dt

from daibiao.core import workdays
from daibiao.evaluation.metrics import METRICS, Context
from daibiao.suggestions import services as loop
from daibiao.suggestions.choices import ReplyCategory, Satisfaction
from daibiao.suggestions.demo import at

CHINA = workdays.CHINA_TZ
YEAR = 2026
# The cast is built, and every test starts, at this moment: a Monday morning in June.
START = dt.datetime(2026, 6, 1, 10, 0, tzinfo=CHINA)


def bj(text: str) -> dt.datetime:
    """``"2026-06-05 19:40"`` in Beijing time."""
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=CHINA)


def measured(kind: str, code: str, county, targets, *, year: int = YEAR, campaign=None) -> dict:
    """``METRICS[kind][code]`` measured now for ``targets`` (records or ids): ``{id: Measure}``."""
    ids = [getattr(t, "pk", t) for t in targets]
    return METRICS[kind][code].compute(Context(county=county, year=year, campaign=campaign, targets=ids))


def labels(m) -> list[str]:
    return [r["label"] for r in m.records]


def handle(
    suggestion,
    cast,
    *,
    unit: str = "a",
    when: str = "2026-06-02 09:00",
    category: str = ReplyCategory.A,
    result: str = Satisfaction.SATISFIED,
    reply_at: str | None = None,
    conclude: bool = True,
    implement: bool = False,
) -> None:
    """Drive an assigned ``suggestion`` on: its lead unit (cast unit ``unit``) acknowledges at
    ``when`` and replies a day later (or at ``reply_at``), its leading deputy rates the reply,
    the town concludes it and, with ``implement``, verifies it implemented."""
    staff = cast.users[f"unit_{unit}"]
    start = bj(when)
    with at(start):
        loop.acknowledge_suggestion(suggestion, actor=staff)
    replied = bj(reply_at) if reply_at else start + dt.timedelta(days=1)
    with at(replied):
        loop.reply_to_suggestion(suggestion, actor=staff, category=category, text="已按建议办理。")
    deputy_user = next(u for u in cast.users.values() if u.deputy_id == suggestion.lead_deputy_id)
    town_user = next(
        u for u in cast.users.values() if u.username.startswith("town_") and u.town_id == suggestion.town_id
    )
    with at(replied + dt.timedelta(hours=2)):
        loop.rate_reply(suggestion, actor=deputy_user, attitude=result, result=result)
    if conclude:
        with at(replied + dt.timedelta(hours=4)):
            loop.conclude_suggestion(suggestion, actor=town_user)
    if implement:
        with at(replied + dt.timedelta(days=2)):
            loop.verify_implemented(suggestion, actor=town_user, evidence="现场查看，已修复。")


def new_suggestion(cast, key: str, title: str, *, co_signers=(), assign_to: str | None = "a", co_units=()):
    """A suggestion led by cast deputy ``key``'s login, submitted and (optionally) assigned
    by the town to cast unit ``assign_to`` with ``co_units`` (cast unit keys)."""
    deputy_user = cast.users[f"deputy_{key[0]}"] if key in ("a", "b") else None
    town_key = "a" if key.startswith("a") else "b"
    suggestion = loop.create_suggestion(
        actor=deputy_user,
        title=title,
        content="建议尽快解决。",
        lead_deputy=cast.deputies[key],
        town=cast.towns[town_key],
        co_signers=[cast.deputies[k] for k in co_signers],
        tier="county",
        category="transport",
        submit=True,
    )
    if assign_to is not None:
        loop.assign_suggestion(
            suggestion,
            actor=cast.users[f"town_{town_key}"],
            lead_unit=cast.units[assign_to],
            co_units=[cast.units[k] for k in co_units],
        )
    return suggestion
