"""Fixed values of the leading group, its supervision and the congress's oversight items."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class GroupRole(models.TextChoices):
    """A member's place in the campaign's leading group (领导小组)."""

    HEAD = "head", _("Head")  # 组长: usually the chair of the standing committee
    DEPUTY_HEAD = "deputy_head", _("Deputy head")  # 副组长: vice-chairs who run the campaign day to day
    MEMBER = "member", _("Member")  # 成员: committee heads and the deputies' affairs office


# The order in which the group is listed: head, deputy heads, members.
GROUP_ROLE_ORDER = [GroupRole.HEAD, GroupRole.DEPUTY_HEAD, GroupRole.MEMBER]


class FollowUpStanding(models.TextChoices):
    """Where a follow-up item of a supervision visit stands; computed from its dates, never stored."""

    OPEN = "open", _("Open")  # not done, and its due date has not passed
    OVERDUE = "overdue", _("Overdue")  # not done, and its due date has passed
    DONE = "done", _("Done")  # closed with the day it was done


class ReportStatus(models.TextChoices):
    """Where a town's progress report for a round stands; computed by a query, never stored."""

    ON_TIME = "on_time", _("On time")  # first handed in by the end of the due day
    LATE = "late", _("Late")  # first handed in after the due day
    MISSING = "missing", _("Missing")  # the due day has passed and nothing was handed in
    NOT_DUE = "not_due", _("Not yet due")  # nothing handed in, and the due day is still to come


class Committee(models.TextChoices):
    """The standing committee's working body that runs an oversight item (监督项目)."""

    LEGAL = "legal", _("Legal affairs")  # 法制委员会(法工委)
    FINANCE = "finance", _("Finance and economy")  # 财政经济委员会(财经工委)
    AGRICULTURE = "agriculture", _("Agriculture and rural affairs")  # 农业农村委员会
    EDUCATION = "education", _("Education, science, culture and health")  # 教科文卫委员会
    SOCIAL = "social", _("Social development")  # 社会建设委员会
    URBAN = "urban", _("Urban development, environment and resources")  # 城建环资委员会
    DEPUTIES = "deputies", _("Deputies' affairs")  # 代表工作委员会(代表工委)
