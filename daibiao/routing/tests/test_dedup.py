"""Duplicate finding: exact and near-exact repeats, not unrelated texts; clue groups."""

from __future__ import annotations

import random

import pytest

from daibiao.routing.duplicates import find_duplicates, likely_duplicates, propose_groups
from daibiao.suggestions import services as loop
from daibiao.suggestions.models import Clue

BASE = [
    "东湾村三组至五组的通组路破损严重，雨天泥泞难行，校车也不愿意进组接送学生。",
    "西岗村集中供水点雨后水质浑浊，村民只能买桶装水，希望尽快改造净水设施。",
    "南河村变压器老化，夏天用电高峰经常跳闸停电，空调冰箱都用不了。",
    "北坡村卫生室没有村医坐诊，老人看病要跑十几公里去镇卫生院。",
    "青峰村快递无法送到村里，取一次包裹要花大半天，农产品也发不出去。",
]


def test_exact_and_near_exact_repeats_are_found_and_unrelated_texts_are_not():
    rng = random.Random(3)  # noqa: S311 - a test's fixed choice
    texts = list(BASE)
    texts.append(BASE[0])  # 5: exact
    texts.append("  " + BASE[1].replace("，", ",") + " ")  # 6: punctuation and spaces
    edited = list(BASE[2])
    edited[rng.randrange(len(edited))] = "很"  # 7: one character changed
    texts.append("".join(edited))
    pairs = {(a, b) for a, b, _score in find_duplicates(texts)}
    assert pairs == {(0, 5), (1, 6), (2, 7)}


def test_every_pair_of_many_copies_is_reported_with_score_one():
    pairs = find_duplicates([BASE[0]] * 4 + [BASE[1]])
    assert [(a, b) for a, b, _ in pairs] == [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    assert {s for _a, _b, s in pairs} == {1.0}


def test_empty_and_tiny_inputs_find_nothing():
    assert find_duplicates([]) == []
    assert find_duplicates(["", "  ", "路"]) == []


@pytest.mark.django_db
def test_likely_duplicates_rank_the_same_problem_first_with_a_reason(cast):
    town = cast.towns["a"]
    actor = cast.users["town_a"]
    made = [
        loop.create_clue(actor=actor, title=f"问题{i}", content=text, town=town)
        for i, text in enumerate(BASE)
    ]
    typed = "东湾村三组到五组通组路坏得厉害，下雨天泥泞，校车不进组。"
    found = likely_duplicates(typed, Clue.objects.all(), k=3, town=town)
    assert found
    assert found[0].clue == made[0]
    assert "通组路" in found[0].shared_words
    assert found[0].reason
    assert all(d.clue != made[3] for d in found)


@pytest.mark.django_db
def test_propose_groups_joins_the_same_problem_in_one_town_only(cast):
    actor = cast.users["town_a"]
    town = cast.towns["a"]
    a = loop.create_clue(actor=actor, title="通组路破损", content=BASE[0], town=town)
    b = loop.create_clue(
        actor=actor, title="通组路破损严重", content=BASE[0].replace("东湾村", "西湾村"), town=town
    )
    loop.create_clue(actor=actor, title="停电", content=BASE[2], town=town)
    other = loop.create_clue(
        actor=cast.users["town_b"], title="通组路破损", content=BASE[0], town=cast.towns["b"]
    )
    groups = propose_groups(Clue.objects.all())
    assert [set(g.clues) for g in groups] == [{a, b}]
    assert other not in groups[0].clues
    assert "通组路" in groups[0].shared_words
    assert groups[0].reason
