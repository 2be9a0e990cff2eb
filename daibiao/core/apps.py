from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "daibiao.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from . import audit, files

        audit.connect_signals()
        post_delete.connect(files.delete_receiver, dispatch_uid="daibiao.core.files.delete")
