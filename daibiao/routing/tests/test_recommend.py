"""Recommendations: from the shipped lexicon with no history, from the county's history once
trained; the training job is harmless when run twice."""

from __future__ import annotations

import pytest

from daibiao.registry.models import Unit
from daibiao.routing import services
from daibiao.routing.jobs import retrain_all, retrain_routing
from daibiao.routing.models import RoutingModel
from daibiao.suggestions import services as loop

pytestmark = pytest.mark.django_db

ODD = "萤火虫夜校"  # a made-up programme: no lexicon knows it, only the county's history


def decide(cast, n=6):
    """``n`` suggestions about the odd programme, which the presidium files under education
    and gives to the water bureau (a local arrangement no lexicon could guess)."""
    for i in range(n):
        s = loop.create_suggestion(
            actor=cast.users["town_a"],
            lead_deputy=cast.deputies["a"],
            title=f"关于{ODD}第{i}期的建议",
            content=f"{ODD}第{i}期报名人数多，场地不够，希望统筹安排{ODD}的场地和老师。",
            town=cast.towns["a"],
            tier="county",
            category="education",
            submit=True,
        )
        loop.assign_suggestion(s, actor=cast.users["town_a"], lead_unit=cast.units["b"])


def test_with_no_history_the_lexicon_recommends_category_unit_and_reasons(cast):
    rec = services.recommend(cast.county, "村里通组路坑洼不平", "雨天泥泞，客运班车进不来。")
    assert rec.trained is False
    assert rec.categories[0][0] == "transport"
    assert rec.categories[0][1]  # the label shown
    assert 0 < rec.categories[0][2] <= 1
    assert [s for *_x, s in rec.categories] == sorted((s for *_x, s in rec.categories), reverse=True)
    assert rec.units[0][0] == cast.units["a"]  # 县交通运输局
    assert "通组路" in rec.reasons or "坑洼" in rec.reasons

    water = services.recommend(cast.county, "自来水停水", "管网老化，水压不足，经常停水。")
    assert water.categories[0][0] == "water"
    assert water.units[0][0] == cast.units["b"]  # 县水利局


def test_units_are_only_those_of_the_given_queryset(cast):
    only_b = Unit.objects.filter(pk=cast.units["b"].pk)
    rec = services.recommend(cast.county, "村道破损", "通组路坑洼，班车进不来。", units=only_b)
    assert [u for u, _s in rec.units] == [cast.units["b"]]


def test_learning_from_history_changes_the_recommendation(cast):
    title, body = f"{ODD}场地问题", f"{ODD}报名的人多，场地不够用。"
    before = services.recommend(cast.county, title, body)
    decide(cast)
    model = services.train_county(cast.county)
    assert model is not None
    assert model.rows >= 6
    after = services.recommend(cast.county, title, body)
    assert after.trained is True
    assert after.categories[0][0] == "education"
    assert after.units[0][0] == cast.units["b"]
    assert (before.categories[0][0], before.units[0][0]) != (after.categories[0][0], after.units[0][0])
    assert any(ODD[:2] in word or word in ODD for word in after.reasons)


def test_the_training_job_run_twice_is_harmless(cast):
    decide(cast, n=3)
    assert retrain_all() == {"trained": 1, "unchanged": 0}
    stored = RoutingModel.objects.get(county=cast.county)
    assert retrain_routing.call() == {"trained": 0, "unchanged": 1}
    again = RoutingModel.objects.get(county=cast.county)
    assert again.trained_at == stored.trained_at
    assert bytes(again.data) == bytes(stored.data)
    assert RoutingModel.objects.count() == 1
