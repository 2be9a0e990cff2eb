"""The supervision side's rows for the scoping matrix (``tests/test_scoping_matrix.py``):
a campaign's leading group in each county, a visit with a follow-up item and a progress
report in every cast town and in the neighbouring county, and an oversight item for each cast
unit and one of the neighbouring county, all made through the services.

The cast's ``leader`` answers for 武安镇 only; a second member (副组长) answers for 九集镇.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from daibiao.accounts.choices import Role
from daibiao.accounts.services import create_user
from daibiao.activities.models import Campaign
from daibiao.core.services import save_record
from daibiao.core.testing.files import photo
from daibiao.registry.models import County, Town, Unit
from daibiao.suggestions.models import Suggestion
from daibiao.supervision import services
from daibiao.supervision.choices import Committee, GroupRole


def populate(cast) -> None:
    today = timezone.localdate()
    neighbour = County.objects.get(name="邻县")
    far_town = Town.objects.get(county=neighbour, name="城关镇")
    second = create_user("副组长甲", actor=None, password=None, roles=[Role.LEADER], county=cast.county)
    far_leader = create_user("邻县组长", actor=None, password=None, roles=[Role.LEADER], county=neighbour)
    for county, assignments in (
        (
            cast.county,
            [
                (cast.users["leader"], GroupRole.HEAD, cast.towns["a"]),
                (second, GroupRole.DEPUTY_HEAD, cast.towns["b"]),
            ],
        ),
        (neighbour, [(far_leader, GroupRole.HEAD, far_town)]),
    ):
        campaign = save_record(
            Campaign(county=county, theme=f"{county.name}督导测试", starts_on=today - dt.timedelta(days=90)),
            actor=None,
        )
        report_round = services.create_round(
            campaign, actor=None, title="上月进展", due_on=today - dt.timedelta(days=10)
        )
        for user, role, town in assignments:
            member = services.add_member(
                campaign, user, actor=None, role=role, title="县人大常委会副主任", towns=[town]
            )
            services.record_visit(
                member,
                town,
                actor=None,
                visited_on=today - dt.timedelta(days=20),
                findings=f"{town.name}屋场会开展不均衡。",
                follow_ups=[
                    {
                        "text": "补齐屋场会记录",
                        "owner": f"{town.name}人大",
                        "due_on": today - dt.timedelta(days=1),
                    }
                ],
            )
            services.submit_report(
                report_round, town, actor=None, text=f"{town.name}本月开展活动情况。", files=[photo()]
            )
    for key in ("a", "b"):
        services.propose_oversight_item(
            [cast.suggestions[key]],
            f"{cast.units[key].name}办理代表建议情况专项监督",
            actor=None,
            county=cast.county,
            year=today.year,
            committee=Committee.URBAN,
            units=[cast.units[key]],
        )
    services.propose_oversight_item(
        Suggestion.objects.filter(county=neighbour),
        "邻县水利专项监督",
        actor=None,
        county=neighbour,
        year=today.year,
        committee=Committee.AGRICULTURE,
        units=Unit.objects.filter(county=neighbour),
    )
