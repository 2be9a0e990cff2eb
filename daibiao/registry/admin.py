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
