from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "daibiao.mediation"
    label = "mediation"
    verbose_name = _("Law clinics and mediation")
