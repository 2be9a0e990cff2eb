from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    """Smart routing: category and unit recommendations, and duplicate finding."""

    name = "daibiao.routing"
    label = "routing"
    verbose_name = _("Routing")
