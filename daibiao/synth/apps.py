from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SynthConfig(AppConfig):
    """``daibiao synth``: a province-sized synthetic data set, written in bulk (no models)."""

    name = "daibiao.synth"
    label = "synth"
    verbose_name = _("Synthetic data")
