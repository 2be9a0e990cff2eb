"""The default schemes, modelled on the report's "four inclusions" (四纳入): what the county
evaluates deputies, towns and handling units on out of the box, each scheme's weights
summing to 100 points. A county changes them by making a new version
(``services.new_scheme_version``); these are only version 1.

Each row: the measure (a code of ``metrics.METRICS``), its weight, and the rule and target
where they differ from the measure's own."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .choices import TargetKind

NAMES = {
    TargetKind.DEPUTY: _("Evaluation of deputies' duties"),  # 代表履职考评
    TargetKind.TOWN: _("Year-end evaluation of the town congresses"),  # 镇人大年终考评
    TargetKind.UNIT: _("Evaluation of the units' handling of suggestions"),  # 县直部门办理工作测评
}

NOTES = {
    TargetKind.DEPUTY: _(
        "Taking part in activities, training, clues and suggestions and their outcome, the report to "
        "constituents, mediation and posts held (the first and second of the four inclusions)."
    ),
    TargetKind.TOWN: _(
        "The town's campaign work, as the county checks it at year end from the records (the third of "
        "the four inclusions)."
    ),
    TargetKind.UNIT: _(
        "How each unit handled the deputies' suggestions, with the deputies' satisfaction; the results "
        "are published county-wide (the fourth of the four inclusions)."
    ),
}

# (metric, weight); the measure's own rule and target apply.
INDICATORS: dict[str, list[tuple[str, int]]] = {
    TargetKind.DEPUTY: [
        ("attendance", 25),
        ("training", 10),
        ("clues", 15),
        ("suggestions", 15),
        ("suggestion_outcome", 10),
        ("annual_report", 10),
        ("mediation", 5),
        ("roles", 10),
    ],
    TargetKind.TOWN: [
        ("plan_on_time", 10),
        ("activities_held", 15),
        ("training_coverage", 15),
        ("duty_records", 10),
        ("clues_handled", 10),
        ("suggestions_concluded", 15),
        ("reports_on_time", 15),
        ("media", 10),
    ],
    TargetKind.UNIT: [
        ("acknowledged_on_time", 20),
        ("replied_on_time", 20),
        ("satisfaction_ratings", 15),
        ("satisfaction_survey", 15),
        ("implemented", 20),
        ("returned", 10),
    ],
}


def default_indicators(kind: str) -> list[dict]:
    """The default indicators of ``kind`` as ``new_scheme_version`` takes them."""
    from .metrics import METRICS

    rows = []
    for code, weight in INDICATORS[kind]:
        m = METRICS[kind][code]
        rows.append(
            {"metric": code, "label": str(m.label), "weight": weight, "rule": m.rule, "target": m.target}
        )
    return rows
