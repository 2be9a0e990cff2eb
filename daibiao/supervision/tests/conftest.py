"""A campaign of the cast's county with its leading group, visits, report rounds and
reports, made through the services.

The cast's ``leader`` heads the group and answers for 武安镇; 副组长乙 (another leader) answers
for 九集镇. Each town had one visit 20 days ago with one follow-up item due yesterday (so
overdue). Round 1 was due 10 days ago: 武安镇 reported before it (on time), 九集镇 not at all
(missing). Round 2 is due in 20 days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from unittest import mock

import pytest
from django.utils import timezone

from daibiao.accounts.choices import Role
from daibiao.accounts.services import create_user
from daibiao.activities.models import Campaign
from daibiao.core.services import save_record
from daibiao.supervision import services
from daibiao.supervision.choices import GroupRole
from daibiao.supervision.models import LeadingGroupMember, ProgressReport, ReportRound, SupervisionVisit


@dataclass
class World:
    campaign: Campaign
    head: LeadingGroupMember  # the cast's leader, answers for town a
    second: LeadingGroupMember  # answers for town b
    visit_a: SupervisionVisit
    visit_b: SupervisionVisit
    round1: ReportRound
    round2: ReportRound
    report_a: ProgressReport


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def at_local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def follow_up(town, due_in=-1):
    return {"text": "补齐屋场会记录", "owner": f"{town.name}人大", "due_on": days(due_in)}


@pytest.fixture
def world(cast) -> World:
    campaign = save_record(Campaign(county=cast.county, theme="代表行动", starts_on=days(-90)), actor=None)
    other = create_user("副组长乙", actor=None, password=None, roles=[Role.LEADER], county=cast.county)
    county = cast.users["county"]
    head = services.add_member(
        campaign,
        cast.users["leader"],
        actor=county,
        role=GroupRole.HEAD,
        title="县人大常委会主任",
        towns=[cast.towns["a"]],
    )
    second = services.add_member(
        campaign,
        other,
        actor=county,
        role=GroupRole.DEPUTY_HEAD,
        title="县人大常委会副主任",
        towns=[cast.towns["b"]],
    )
    visit_a = services.record_visit(
        head,
        cast.towns["a"],
        actor=county,
        visited_on=days(-20),
        findings="屋场会开展不均衡。",
        follow_ups=[follow_up(cast.towns["a"])],
    )
    visit_b = services.record_visit(
        second,
        cast.towns["b"],
        actor=county,
        visited_on=days(-20),
        findings="台账不全。",
        follow_ups=[follow_up(cast.towns["b"])],
    )
    round1 = services.create_round(campaign, actor=county, title="上月进展", due_on=days(-10))
    round2 = services.create_round(campaign, actor=county, title="本月进展", due_on=days(20))
    with mock.patch("django.utils.timezone.now", return_value=at_local(days(-12), 10)):
        report_a = services.submit_report(
            round1, cast.towns["a"], actor=cast.users["town_a"], text="武安镇进展。"
        )
    return World(campaign, head, second, visit_a, visit_b, round1, round2, report_a)
