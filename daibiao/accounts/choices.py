from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a user does on the platform; a user may hold several roles at once."""

    # 县人大常委会代表工委: runs the platform for the whole county; reads and writes it all.
    COUNTY_STAFF = "county_staff", _("County staff")
    # 领导小组成员: reads the whole county to supervise; writes nothing in the registry.
    LEADER = "leader", _("Leading-group member")
    # 镇人大主席团 chair or staff: reads and writes their own town.
    TOWN_STAFF = "town_staff", _("Town presidium staff")
    # 代表联络站站长: reads their station and its deputies.
    STATION_HEAD = "station_head", _("Liaison station head")
    # 人大代表: reads their own records and what is public.
    DEPUTY = "deputy", _("Deputy")
    # 承办单位 staff: reads their unit and the items given to it.
    UNIT_STAFF = "unit_staff", _("Handling unit staff")
    # 系统管理员: manages accounts and settings; reads and writes everything.
    ADMIN = "admin", _("System administrator")
