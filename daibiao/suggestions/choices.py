from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ClueState(models.TextChoices):
    OPEN = "open", pgettext_lazy("clue state", "Open")  # recorded, waiting for triage
    MERGED = "merged", _("Merged into a suggestion")  # part of a suggestion now
    SOLVED = "solved", _("Solved on the spot")  # answered at once, with what was done
    DISMISSED = "dismissed", _("Dismissed")  # not taken further, with a reason


class Category(models.TextChoices):
    """The field a clue or suggestion belongs to (分层分类)."""

    TRANSPORT = "transport", _("Roads and transport")  # 道路交通
    WATER = "water", _("Water and irrigation")  # 水利饮水
    HOUSING = "housing", _("Housing and town planning")  # 住建规划
    AGRICULTURE = "agriculture", _("Farming and rural affairs")  # 农业农村
    EDUCATION = "education", _("Education")  # 教育
    HEALTH = "health", _("Health care")  # 医疗卫生
    SOCIAL = "social", _("Elderly care and social aid")  # 养老民政
    EMPLOYMENT = "employment", _("Jobs and social security")  # 就业社保
    ENVIRONMENT = "environment", _("Environment")  # 生态环境
    SAFETY = "safety", _("Public safety")  # 公共安全
    UTILITIES = "utilities", _("Power, post and telecoms")  # 电力邮政通信
    GOVERNANCE = "governance", _("Community governance")  # 基层治理
    OTHER = "other", pgettext_lazy("category", "Other")  # 其他


class Tier(models.TextChoices):
    """Which level is responsible (分级负责)."""

    VILLAGE = "village", _("Village")  # 村(社区)能解决的
    TOWN = "town", pgettext_lazy("tier", "Town")  # 镇级
    COUNTY = "county", pgettext_lazy("tier", "County")  # 县级
    ABOVE = "above", _("Above the county")  # 县以上, usually transferred


class RaisedIn(models.TextChoices):
    SESSION = "session", _("During a congress session")  # 大会期间
    INTERIM = "interim", _("Between sessions")  # 闭会期间


class State(models.TextChoices):
    """Where a suggestion stands in the closed loop."""

    DRAFT = "draft", _("Draft")  # being written
    SUBMITTED = "submitted", _("Submitted")  # with the presidium for triage and assignment
    ASSIGNED = "assigned", _("Assigned")  # given to units, waiting for the lead unit to acknowledge
    TRANSFERRED = "transferred", _("Transferred")  # sent to another jurisdiction; outcome tracked
    HANDLING = "handling", _("In handling")  # the lead unit acknowledged and is working on it
    REPLIED = "replied", _("Replied")  # the lead unit replied; the deputy is asked to rate it
    RATED = "rated", _("Rated")  # the deputy accepted the reply; ready to conclude
    CONCLUDED = "concluded", _("Concluded")  # 办结
    IMPLEMENTED = "implemented", _("Implemented")  # 办成落地, verified on the ground
    WITHDRAWN = "withdrawn", _("Withdrawn")  # taken back by its deputy or the presidium
    MERGED = "merged", _("Merged")  # folded into another suggestion, which carries it on


OPEN_STATES = (State.ASSIGNED, State.HANDLING)  # a unit owes work; the deadline runs
CONCLUDED_STATES = (State.CONCLUDED, State.IMPLEMENTED)


class UnitRole(models.TextChoices):
    LEAD = "lead", _("Lead unit")  # 主办
    CO = "co", _("Co-handling unit")  # 协办/会办


class AssignmentState(models.TextChoices):
    PENDING = "pending", _("Waiting for acknowledgement")  # 待签收
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")  # 已签收
    RETURNED = "returned", _("Returned")  # 已退回: not this unit's remit


class ReplyCategory(models.TextChoices):
    """答复类别."""

    A = "A", _("A · solved or adopted")  # 已解决或采纳
    B = "B", _("B · being solved or planned")  # 正在解决或列入计划
    C = "C", _("C · cannot be solved for now, explained")  # 因条件限制暂不能解决
    D = "D", _("D · kept for reference")  # 留作参考


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")  # 满意
    BASIC = "basically_satisfied", _("Basically satisfied")  # 基本满意
    UNSATISFIED = "unsatisfied", _("Unsatisfied")  # 不满意


class ExtensionState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class Step(models.TextChoices):
    """Every step of the closed loop; the API path is the value with ``_`` as ``-``."""

    SUBMIT = "submit", _("Submit")
    ASSIGN = "assign", _("Assign")
    TRANSFER = "transfer", _("Transfer")
    ACKNOWLEDGE = "acknowledge", _("Acknowledge")
    RETURN = "return", _("Return")
    PROGRESS = "progress", _("Report progress")
    REQUEST_EXTENSION = "request_extension", _("Request an extension")
    DECIDE_EXTENSION = "decide_extension", _("Decide on the extension")
    CO_OPINION = "co_opinion", _("Send the co-unit's opinion")
    REPLY = "reply", _("Reply")
    RECLASSIFY = "reclassify", _("Correct the reply class")
    RATE = "rate", _("Rate the reply")
    CONCLUDE = "conclude", _("Conclude")
    VERIFY_IMPLEMENTED = "verify_implemented", _("Verify as implemented")
    LOOK_BACK = "look_back", _("Look back")
    URGE = "urge", _("Urge")
    WITHDRAW = "withdraw", _("Withdraw")
    MERGE = "merge", _("Merge into another suggestion")
    CREATE = "create", _("Create")
