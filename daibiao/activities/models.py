"""The deputy-action campaign (代表行动). Issue 4 adds plans, activities and duty records; the
closed loop needs the campaign now for its deadline rules."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from daibiao.core.audit import AuditedModel
from daibiao.core.models import TimeStampedModel
from daibiao.core.scoping import Action, ScopedQuerySet


class CampaignQuerySet(ScopedQuerySet):
    def scope(self, role, user, action):
        from daibiao.accounts.choices import Role

        if role == Role.ADMIN:
            return Q()
        if action == Action.VIEW:
            return Q(county_id=user.county_id) if user.county_id else None
        if role == Role.COUNTY_STAFF:
            return Q(county_id=user.county_id) if user.county_id else None
        return None


class Campaign(AuditedModel, TimeStampedModel):
    """One campaign season with one theme, set by the county, and its handling deadlines."""

    county = models.ForeignKey("registry.County", verbose_name=_("county"), on_delete=models.PROTECT)
    theme = models.CharField(_("theme"), max_length=200)
    requirement = models.TextField(_("requirement it answers"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    # Deadline rules of the closed loop (办理时限), per campaign.
    acknowledge_working_days = models.PositiveSmallIntegerField(
        _("working days to acknowledge"), default=3, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    county_reply_months = models.PositiveSmallIntegerField(
        _("months for a county unit to reply"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
    )
    town_reply_working_days = models.PositiveSmallIntegerField(
        _("working days for a town-level reply"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.theme
