from django.contrib import admin

from . import models


class AgreementInline(admin.TabularInline):
    model = models.MediationAgreement
    extra = 0
    fields = ["name", "content_type", "size", "created_at"]
    readonly_fields = fields


@admin.register(models.LawClinic)
class LawClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "town", "village", "contact_person"]
    list_filter = ["town"]
    search_fields = ["name"]
    filter_horizontal = ["mediators"]


@admin.register(models.MediationCase)
class MediationCaseAdmin(admin.ModelAdmin):
    list_display = ["case_number", "clinic", "dispute_type", "received_on", "outcome"]
    list_filter = ["outcome", "dispute_type", "clinic__town"]
    readonly_fields = ["year", "number", "outcome", "closed_on"]  # outcomes change through the services
    inlines = [AgreementInline]
