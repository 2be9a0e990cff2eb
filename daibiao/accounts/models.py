"""Users, their roles, and what each user is bound to (county, town, unit, station, deputy)."""

from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from daibiao.core.audit import AuditedModel
from daibiao.core.scoping import Action, ScopedQuerySet

from .choices import Role


class UserQuerySet(ScopedQuerySet):
    def scope(self, role, user, action):
        if role == Role.ADMIN:
            return Q()
        if role == Role.COUNTY_STAFF and action == Action.VIEW:
            return Q(county_id=user.county_id)
        # Everyone else sees only their own account.
        return Q(pk=user.pk) if action == Action.VIEW else None


class ScopedUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AuditedModel, AbstractUser):
    """A person who logs in. Roles say what they do; the bindings say where."""

    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    county = models.ForeignKey(
        "registry.County", verbose_name=_("county"), null=True, blank=True, on_delete=models.PROTECT
    )
    town = models.ForeignKey(
        "registry.Town", verbose_name=_("town"), null=True, blank=True, on_delete=models.PROTECT
    )
    unit = models.ForeignKey(
        "registry.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT
    )
    station = models.ForeignKey(
        "registry.LiaisonStation",
        verbose_name=_("liaison station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    deputy = models.OneToOneField(
        "registry.Deputy",
        verbose_name=_("deputy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )

    objects = ScopedUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        """The user's roles, read once per request."""
        if not self.pk:
            return frozenset()
        return frozenset(self.role_grants.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or bool(self.roles & set(roles))

    @property
    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in sorted(self.roles)]

    def save(self, *args, **kwargs):
        # Every bound user belongs to the county of what they are bound to; scoping keys on it.
        if self.county_id is None:
            for bound in (self.town, self.unit, self.station, self.deputy):
                county_id = getattr(bound, "county_id", None) or getattr(
                    getattr(bound, "town", None), "county_id", None
                )
                if county_id:
                    self.county_id = county_id
                    break
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.display_name or super().get_full_name() or self.username


class UserRole(AuditedModel, models.Model):
    """One role held by one user."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"
