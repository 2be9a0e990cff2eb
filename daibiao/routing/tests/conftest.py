"""A world for the search tests: the cast's records, a reply, a clue with markup in it, an
ASCII road number, and a neighbouring county with the same words, which nobody of the cast
but the administrator may see."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from daibiao.core import audit
from daibiao.core.services import save_record
from daibiao.registry.choices import Gender, Level
from daibiao.registry.models import County, Deputy, Town, Unit
from daibiao.registry.services import save_deputy
from daibiao.suggestions import services as loop


def build_search_world(cast) -> SimpleNamespace:
    with audit.acting_as(None):
        script = loop.create_clue(
            actor=cast.users["deputy_b"],
            title="蓄水池<script>alert('x')</script>漏水",
            content="九集村的蓄水池裂缝渗漏，<b>村民</b>担心夏天断水。",
            town=cast.towns["b"],
        )
        road = loop.create_clue(
            actor=cast.users["deputy_a"],
            title="G207国道武安段路灯不亮",
            content="G207国道经过武安村的一段，十二盏路灯坏了。",
            town=cast.towns["a"],
        )
        suggestion = cast.suggestions["a"]
        loop.acknowledge_suggestion(suggestion, actor=cast.users["unit_a"])
        reply = loop.reply_to_suggestion(
            suggestion,
            actor=cast.users["unit_a"],
            category="A",
            text="已组织养护队伍修复村道两公里，边沟同步疏通。",
        )
        other = save_record(County(name="邻县"), actor=None)
        town = save_record(Town(county=other, name="城关镇"), actor=None)
        save_record(Unit(county=other, name="邻县交通运输局"), actor=None)
        neighbour = save_deputy(
            Deputy(
                name="钱多多", gender=Gender.FEMALE, phone="13911112222", town=town, occupation="村党支部书记"
            ),
            actor=None,
            mandates=[{"level": Level.COUNTY, "term": ""}],
        )
        foreign = loop.create_clue(
            actor=None,
            title="城关村路灯不亮，村道破损",
            content="城关村蓄水池漏水，G207国道旁路灯坏了。",
            town=town,
            recorded_by=neighbour,
        )
    return SimpleNamespace(script=script, road=road, reply=reply, foreign=foreign, other_county=other)


@pytest.fixture
def world(cast):
    return build_search_world(cast)
