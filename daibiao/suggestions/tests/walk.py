"""Suggestions in any state of the closed loop, reached by driving the services from the cast
(never by writing the state column), and a way to try a step and undo it.

The suggestion is 武安镇's, led by deputy_a (王小明), county tier, transport; once assigned,
unit a (县交通运输局) leads and unit b (县水利局) co-handles. So, in the cast: county, leader,
town_a, deputy_a, station_a and admin always see it; town_b and deputy_b never do; unit_a and
unit_b see it while they hold a live assignment.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from daibiao.suggestions import services
from daibiao.suggestions.choices import ReplyCategory, Satisfaction, State, Step, Tier
from daibiao.suggestions.errors import StepRefused
from daibiao.suggestions.models import Event, Suggestion

# The main line of the loop, in order; the other states branch off ``submitted``.
MAIN_LINE = [
    State.DRAFT,
    State.SUBMITTED,
    State.ASSIGNED,
    State.HANDLING,
    State.REPLIED,
    State.RATED,
    State.CONCLUDED,
    State.IMPLEMENTED,
]
BRANCHES = {State.TRANSFERRED, State.WITHDRAWN, State.MERGED}


def suggestion_in(
    cast,
    state: str,
    *,
    category: str = ReplyCategory.A,
    extension: bool = False,
    tier: str = Tier.COUNTY,
    co_signers=(),
) -> Suggestion:
    """A new suggestion of 武安镇 in ``state``; ``category`` is the class of its reply,
    ``extension`` leaves a pending extension request of the lead unit (from ``handling`` on),
    ``tier`` and ``co_signers`` go to its creation."""
    users, units = cast.users, cast.units
    s = services.create_suggestion(
        actor=users["deputy_a"],
        title="在堰塘边安装护栏",
        content="王家坡堰塘边人行道没有护栏。",
        tier=tier,
        category="transport",
        co_signers=co_signers,
    )
    if state == State.DRAFT:
        return s
    services.submit_suggestion(s, actor=users["deputy_a"])
    if state == State.TRANSFERRED:
        return services.transfer_suggestion(
            s, actor=users["town_a"], to="市交通运输局", reason="属市级事权。"
        )
    if state == State.WITHDRAWN:
        return services.withdraw_suggestion(s, actor=users["deputy_a"], reason="已自行解决。")
    if state == State.MERGED:
        return services.merge_suggestion(s, actor=users["town_a"], into=cast.suggestions["a"])
    walk = MAIN_LINE[MAIN_LINE.index(State.SUBMITTED) + 1 : MAIN_LINE.index(State(state)) + 1]
    for next_state in walk:
        if next_state == State.ASSIGNED:
            services.assign_suggestion(s, actor=users["town_a"], lead_unit=units["a"], co_units=[units["b"]])
        elif next_state == State.HANDLING:
            services.acknowledge_suggestion(s, actor=users["unit_a"])
            if extension:
                services.request_extension(
                    s, actor=users["unit_a"], until=extension_date(s), reason="需协调资金。"
                )
        elif next_state == State.REPLIED:
            services.reply_to_suggestion(s, actor=users["unit_a"], category=category, text="已办理。")
        elif next_state == State.RATED:
            services.rate_reply(
                s, actor=users["deputy_a"], attitude=Satisfaction.SATISFIED, result=Satisfaction.SATISFIED
            )
        elif next_state == State.CONCLUDED:
            services.conclude_suggestion(s, actor=users["town_a"])
        elif next_state == State.IMPLEMENTED:
            services.verify_implemented(s, actor=users["town_a"], evidence="现场查看，护栏牢固。")
    s.refresh_from_db()
    assert s.state == state, (s.state, state)
    return s


def extension_date(s: Suggestion) -> dt.date:
    """A month past the current deadline: later than it, and within six months of the first."""
    current = timezone.localtime(s.deadline).date() if s.deadline else timezone.localdate()
    return current + dt.timedelta(days=30)


def take(step: Step, s: Suggestion, actor, cast):
    """Take ``step`` on ``s`` as ``actor`` with plausible, valid input."""
    units = cast.units
    calls = {
        Step.SUBMIT: lambda: services.submit_suggestion(s, actor=actor),
        Step.ASSIGN: lambda: services.assign_suggestion(
            s, actor=actor, lead_unit=units["a"], co_units=[units["b"]]
        ),
        Step.TRANSFER: lambda: services.transfer_suggestion(
            s, actor=actor, to="市交通运输局", reason="属市级事权。"
        ),
        Step.ACKNOWLEDGE: lambda: services.acknowledge_suggestion(s, actor=actor),
        Step.RETURN: lambda: services.return_suggestion(s, actor=actor, reason="不属于本单位职责。"),
        Step.CO_OPINION: lambda: services.send_co_opinion(s, actor=actor, text="同意，配合选址。"),
        Step.PROGRESS: lambda: services.report_progress(s, actor=actor, text="已完成现场勘查。"),
        Step.REQUEST_EXTENSION: lambda: services.request_extension(
            s, actor=actor, until=extension_date(s), reason="需协调资金。"
        ),
        Step.DECIDE_EXTENSION: lambda: services.decide_extension(s, actor=actor, approve=True),
        Step.REPLY: lambda: services.reply_to_suggestion(s, actor=actor, category="A", text="已安装护栏。"),
        Step.RECLASSIFY: lambda: services.reclassify_reply(s, actor=actor, category="B"),
        Step.RATE: lambda: services.rate_reply(
            s, actor=actor, attitude=Satisfaction.SATISFIED, result=Satisfaction.SATISFIED
        ),
        Step.CONCLUDE: lambda: services.conclude_suggestion(s, actor=actor),
        Step.VERIFY_IMPLEMENTED: lambda: services.verify_implemented(s, actor=actor, evidence="现场查看。"),
        Step.LOOK_BACK: lambda: services.look_back(s, actor=actor, finding="回访完好。"),
        Step.URGE: lambda: services.urge_suggestion(s, actor=actor, text="请加快办理。"),
        Step.WITHDRAW: lambda: services.withdraw_suggestion(s, actor=actor, reason="撤回。"),
        Step.MERGE: lambda: services.merge_suggestion(s, actor=actor, into=cast.suggestions["a"]),
    }
    return calls[step]()


class _Undo(Exception):
    """Raised to roll back an attempt's savepoint."""


def attempt(step: Step, pk: int, actor, cast):
    """Try ``step`` on a fresh copy of suggestion ``pk`` inside a savepoint that is rolled back
    whatever happens. Returns ``(refusal class or None, [(step, from, to)] of the events
    written, state after)``."""
    result = None
    try:
        with transaction.atomic():
            s = Suggestion.objects.get(pk=pk)
            last = Event.objects.aggregate(last=Max("id"))["last"] or 0
            try:
                take(step, s, actor, cast)
            except StepRefused as exc:
                refusal = type(exc)
            else:
                refusal = None
            events = list(
                Event.objects.filter(id__gt=last).order_by("id").values_list("step", "from_state", "to_state")
            )
            result = (refusal, events, Suggestion.objects.get(pk=pk).state)
            raise _Undo
    except _Undo:
        pass
    return result
