from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User, UserRole


class UserRoleInline(admin.TabularInline):
    model = UserRole
    extra = 1


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [UserRoleInline]
    list_display = ["username", "display_name", "county", "town", "unit", "deputy", "is_active"]
    list_filter = ["is_active", "role_grants__role", "town"]
    search_fields = ["username", "display_name", "phone"]
    autocomplete_fields = ["deputy"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Bindings"), {"fields": ("display_name", "phone", "county", "town", "unit", "station", "deputy")}),
    )
