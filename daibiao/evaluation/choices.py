from django.db import models
from django.utils.translation import gettext_lazy as _


class TargetKind(models.TextChoices):
    """Who an evaluation scheme scores (the "four inclusions": deputies, towns, units)."""

    DEPUTY = "deputy", _("Deputies")  # 代表履职考评
    TOWN = "town", _("Towns")  # 镇人大年终考评
    UNIT = "unit", _("Handling units")  # 县直部门办理工作测评


class Rule(models.TextChoices):
    """How an indicator turns its measured value into points (at most its weight)."""

    # weight × value / base (a rate such as attended / invited); nothing to count gives 0 points.
    RATE = "rate", _("Rate of the weight")
    # weight × min(value / target, 1): full points once the target count is reached.
    TARGET = "target", _("Up to a target count")
    # the full weight when the value is at least 1, otherwise nothing (e.g. plan on time).
    YES_NO = "yes_no", _("All or nothing")
    # weight × (1 − value / base): the fewer, the better (e.g. items returned as misrouted);
    # nothing to count gives the full weight.
    INVERSE = "inverse", _("Fewer is better")


class EvaluationState(models.TextChoices):
    DRAFT = "draft", _("Draft")  # 草稿: scores may be computed again
    PUBLISHED = "published", _("Published")  # 已发布: frozen, visible county-wide
