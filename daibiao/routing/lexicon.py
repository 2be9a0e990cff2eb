"""The routing knowledge shipped with the product (``data/lexicon.json``) and the pseudo-rows
made from it, so that a county with no triaged history still gets recommendations."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from daibiao.suggestions.choices import Category

LEXICON_PATH = Path(__file__).resolve().parent / "data" / "lexicon.json"

# Other names a CSV's free-string labels may give the product's categories: the Chinese names
# the UI shows (see the comments in suggestions/choices.py) and a few common variants.
ALIASES = {
    Category.TRANSPORT: ("道路交通", "交通", "交通运输", "城乡建设/交通"),
    Category.WATER: ("水利饮水", "水利", "饮水", "供水"),
    Category.HOUSING: ("住建规划", "住房城乡建设", "城乡建设", "住建"),
    Category.AGRICULTURE: ("农业农村", "三农", "农业"),
    Category.EDUCATION: ("教育", "教育文体"),
    Category.HEALTH: ("医疗卫生", "卫生健康", "医疗"),
    Category.SOCIAL: ("养老民政", "民政", "社会保障"),
    Category.EMPLOYMENT: ("就业社保", "劳动保障", "人社"),
    Category.ENVIRONMENT: ("生态环境", "环境保护", "环保"),
    Category.SAFETY: ("公共安全", "安全生产", "治安"),
    Category.UTILITIES: ("电力邮政通信", "电力", "通信"),
    Category.GOVERNANCE: ("基层治理", "社会治理"),
    Category.OTHER: ("其他",),
}

LEXICON_WEIGHT = 1.0  # a pseudo-row weighs as much as a real one when there is no history
LEXICON_WEIGHT_WITH_HISTORY = 0.3  # and less once the county's own decisions are there


@cache
def lexicon() -> dict:
    return json.loads(LEXICON_PATH.read_text(encoding="utf-8"))


def category_for_label(label: str) -> str | None:
    """The product category a free-string label means, or None if it means none of them."""
    key = label.strip().lower()
    for value, _label in Category.choices:
        if key == value or key in ALIASES.get(value, ()):
            return value
    return None


def category_rows(labels=None) -> list[tuple[str, str]]:
    """(text, label) pseudo-rows for the categories: each keyword alone, and all of them
    together. ``labels``: the labels of the data at hand (free strings); the rows then carry
    those labels, for the categories they mean, and none for the others. None: the product's
    own category values."""
    cats = lexicon()["categories"]
    if labels is None:
        mapping = {value: value for value in cats}
    else:
        mapping = {}
        for label in labels:
            value = category_for_label(label)
            if value in cats and value not in mapping:
                mapping[value] = label
    rows = []
    for value, label in mapping.items():
        keywords = cats[value]
        rows.extend((word, label) for word in keywords)
        rows.append(("，".join(keywords), label))
    return rows


def unit_entry(unit_name: str) -> dict | None:
    """The lexicon's department whose name the unit's name contains (县交通运输局 → 交通运输局)."""
    for entry in lexicon()["units"]:
        if any(name in unit_name for name in entry["names"]):
            return entry
    return None


def unit_rows(units) -> list[tuple[str, str]]:
    """(text, unit key) pseudo-rows for the county's units that the lexicon knows: the unit's
    own words, and the words of the categories it usually handles. ``units``: (key, name)."""
    cats = lexicon()["categories"]
    rows: list[tuple[str, str]] = []
    for key, name in units:
        entry = unit_entry(name)
        if entry is None:
            continue
        words = list(entry["words"])
        rows.extend((word, key) for word in words)
        rows.append(("，".join([name, *words]), key))
        rows.extend(("，".join(cats[value]), key) for value in entry["categories"])
    return rows
