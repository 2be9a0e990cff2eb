"""Choices of the campaign side: activity kinds, organisers, attendance and plan status."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ActivityKind(models.TextChoices):
    """What deputies do at an activity; trainings count towards coverage."""

    TRAINING = "training", _("Training")  # 培训 (以会代训 is a training held at a meeting)
    VISIT = "visit", _("Village visit")  # 走访、进村入户
    RECEPTION = "reception", _("Constituent reception")  # 接待选民
    COURTYARD = "courtyard", _("Courtyard consultation")  # 屋场会、议事恳谈会
    STATION_DAY = "station_day", _("Station day")  # 进站履职
    INSPECTION = "inspection", _("Inspection")  # 视察
    SEMINAR = "seminar", _("Seminar")  # 座谈
    LOOK_BACK = "look_back", _("Look-back meeting")  # 回头看
    MEDIATION = "mediation", _("Mediation session")  # 矛盾纠纷调解
    # 向原选区选民述职: a deputy reports on the year to his or her constituents; being present
    # at one is what the year-end evaluation counts as "annual report delivered".
    REPORT_BACK = "report_back", _("Report to constituents")
    OTHER = "other", pgettext_lazy("activity kind", "Other")  # 其他


class Organiser(models.TextChoices):
    """Who organises an activity; derived from the most specific body the activity names."""

    COUNTY = "county", _("County standing committee")  # 县人大常委会
    TOWN = "town", _("Town presidium")  # 镇人大主席团
    STATION = "station", _("Liaison station")  # 代表联络站
    GROUP = "group", _("Deputy group")  # 代表小组


class AttendanceStatus(models.TextChoices):
    """A deputy's attendance at one activity."""

    INVITED = "invited", _("Invited")  # 已邀请, nothing recorded yet
    PRESENT = "present", _("Present")  # 出席
    ABSENT = "absent", _("Absent")  # 缺席
    LEAVE = "leave", _("On leave")  # 请假, with a reason


class SignInMethod(models.TextChoices):
    """How a deputy's presence was recorded."""

    STAFF = "staff", _("Ticked by staff")  # 工作人员勾选
    QR = "qr", _("Signed in with the QR code")  # 扫码签到


class PlanStatus(models.TextChoices):
    """A town's plan against the campaign's due date (computed, never stored)."""

    ON_TIME = "on_time", _("On time")  # 按时
    LATE = "late", _("Late")  # 逾期
    MISSING = "missing", _("Not submitted")  # 未交


class CoverageGroup(models.TextChoices):
    """The people whose training the coverage figures follow (全覆盖)."""

    CHAIRS = "chairs", _("Presidium chairs")  # 镇人大主席 (deputies with a town-staff login)
    STATION_HEADS = "station_heads", _("Station heads")  # 联络站站长
    DEPUTIES = "deputies", _("All deputies")  # 全体代表


class ReceiptStatus(models.TextChoices):
    """Whether a deputy has received a material sent to him or her."""

    PENDING = "pending", _("Not yet received")  # 未签收
    RECEIVED = "received", _("Received")  # 已签收


class ReceiptMethod(models.TextChoices):
    """How a receipt was recorded."""

    CONFIRMED = "confirmed", _("Confirmed by the deputy")  # 代表在系统中确认
    RECORDED = "recorded", _("Recorded by staff")  # 工作人员登记


class MediaLevel(models.TextChoices):
    """The level of the outlet that carried an article."""

    CENTRAL = "central", _("Central")  # 中央级
    PROVINCE = "province", pgettext_lazy("level", "Province")  # 省级
    CITY = "city", pgettext_lazy("level", "City")  # 市级
    COUNTY = "county", pgettext_lazy("level", "County")  # 县级
