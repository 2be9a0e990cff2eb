from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    """Smart routing: category and unit recommendations, and duplicate finding."""

    name = "daibiao.routing"
    label = "routing"
    verbose_name = _("Routing")

    def ready(self):
        # The search index follows every save and delete of the records it covers.
        from .search import index

        index.connect()
