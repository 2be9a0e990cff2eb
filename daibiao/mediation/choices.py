"""Fixed values of the law clinics and their dispute cases."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DisputeType(models.TextChoices):
    """What a dispute is about (矛盾纠纷类型), as the clinics' registers group them."""

    NEIGHBOUR = "neighbour", _("Neighbours")  # 邻里纠纷: boundaries, drains, noise, livestock
    LAND = "land", _("Land and forest")  # 土地(山林)纠纷: contracted land, homesteads, forest rights
    FAMILY = "family", _("Marriage and family")  # 婚姻家庭纠纷: divorce, support of parents, inheritance
    LABOUR = "labour", _("Labour and wages")  # 劳动(劳务)纠纷, 欠薪: unpaid wages, work injuries
    CONTRACT = "contract", _("Contracts and debts")  # 合同、债务纠纷: loans, sales, building work
    OTHER = "other", _("Other")  # 其他纠纷


class Outcome(models.TextChoices):
    """Where a case stands: open while it is being mediated, then how it ended."""

    OPEN = "open", _("Being mediated")  # 调解中: received, not closed yet
    RESOLVED = "resolved", _("Resolved")  # 调解成功: the parties agreed (协议, written or oral)
    NOT_RESOLVED = "not_resolved", _("Not resolved")  # 调解不成: the parties were told their other remedies
    REFERRED = "referred", _("Referred")  # 移交: passed to the town, a court, the police or a department


CLOSED_OUTCOMES = (Outcome.RESOLVED, Outcome.NOT_RESOLVED, Outcome.REFERRED)
