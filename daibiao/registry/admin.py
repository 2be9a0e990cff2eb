from django.contrib import admin

from . import models


class MandateInline(admin.TabularInline):
    model = models.Mandate
    extra = 0


@admin.register(models.Deputy)
class DeputyAdmin(admin.ModelAdmin):
    list_display = ["name", "town", "phone", "status"]
    list_filter = ["status", "town"]
    search_fields = ["name", "name_initials", "phone"]
    inlines = [MandateInline]


for model in (
    models.County,
    models.Town,
    models.Village,
    models.Courtyard,
    models.Unit,
    models.LiaisonStation,
    models.DeputyGroup,
    models.ElectoralDistrict,
):
    admin.site.register(model, search_fields=["name"])


class MembershipInline(admin.TabularInline):
    model = models.OrgMembership
    extra = 0
    autocomplete_fields = ["deputy"]


@admin.register(models.Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "town", "village"]
    list_filter = ["kind", "town"]
    search_fields = ["name"]
    inlines = [MembershipInline]
