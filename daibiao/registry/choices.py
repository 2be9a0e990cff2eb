from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TownKind(models.TextChoices):
    TOWN = "town", pgettext_lazy("town kind", "Town")  # 镇
    DISTRICT = "district", _("Management district")  # 管理区
    ZONE = "zone", _("Development zone")  # 开发区


class VillageKind(models.TextChoices):
    VILLAGE = "village", _("Village")  # 村
    COMMUNITY = "community", _("Community")  # 社区


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("County department")  # 县直部门
    TOWN_GOVERNMENT = "town_government", _("Town government")  # 镇(区)人民政府
    ENTERPRISE = "enterprise", _("Public enterprise")  # 供电、邮政等企事业单位
    OTHER = "other", _("Other")


class Level(models.TextChoices):
    """The level of a people's congress a mandate is held in (四级人大代表)."""

    PROVINCE = "province", pgettext_lazy("level", "Province")  # 省人大代表
    CITY = "city", pgettext_lazy("level", "City")  # 市人大代表
    COUNTY = "county", pgettext_lazy("level", "County")  # 县人大代表
    TOWN = "town", pgettext_lazy("level", "Town")  # 镇人大代表


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Party(models.TextChoices):
    CPC = "cpc", _("CPC member")  # 中共党员
    CPC_PROBATIONARY = "cpc_probationary", _("CPC probationary member")  # 中共预备党员
    DEMOCRATIC = "democratic", _("Democratic party member")  # 民主党派
    NONE = "none", _("No party affiliation")  # 群众/无党派


class DeputyStatus(models.TextChoices):
    SERVING = "serving", _("Serving")  # 在任
    RESIGNED = "resigned", _("Resigned")  # 辞职/罢免
    TERM_ENDED = "term_ended", _("Term ended")  # 届满


class OrganizationKind(models.TextChoices):
    """The four kinds of organisation of the "代表+" model, in which deputies are embedded."""

    MASS = "mass", _("Mass organisation")  # 群团组织: trade union, women's federation, youth league …
    SOCIAL = "social", _("Social organisation")  # 社会组织: associations, volunteer groups, foundations
    # 自治组织: village and residents' committees
    SELF_GOVERNING = "self_governing", _("Self-governing organisation")
    ECONOMIC = "economic", _("Economic organisation")  # 经济组织: cooperatives, collective economies, firms
