from django.contrib import admin

from . import models


class AttendanceInline(admin.TabularInline):
    model = models.Attendance
    extra = 0
    raw_id_fields = ["deputy"]
    readonly_fields = ["signed_in_at", "method", "recorded_by"]


@admin.register(models.Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "starts_at", "town", "campaign"]
    list_filter = ["kind", "campaign"]
    search_fields = ["name", "place"]
    raw_id_fields = ["town", "station", "group", "created_by"]
    inlines = [AttendanceInline]


@admin.register(models.Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["theme", "county", "starts_on", "ends_on", "town_plans_due_on"]
    search_fields = ["theme"]


@admin.register(models.CampaignPlan)
class CampaignPlanAdmin(admin.ModelAdmin):
    list_display = ["town", "campaign", "submitted_at"]
    list_filter = ["campaign"]
