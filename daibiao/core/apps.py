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
        _strict_text_fields()


def _strict_text_fields() -> None:
    """The API takes text only as text. DRF's ``CharField`` (and the fields built on it:
    e-mail, slug, URL …) turns a JSON number into a string, so ``{"title": 1186833122}``
    made a record titled "1186833122" where the client had sent the wrong field; now it is
    a field error, as the schema (``type: string``) promises. Forms are unaffected: what
    they send is always text."""
    from rest_framework import fields

    lenient = fields.CharField.to_internal_value
    if getattr(lenient, "strict", False):
        return

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return lenient(self, data)

    to_internal_value.strict = True
    fields.CharField.to_internal_value = to_internal_value
