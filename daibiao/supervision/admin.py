from django.contrib import admin

from . import models


@admin.register(models.LeadingGroupMember)
class LeadingGroupMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "title", "campaign"]
    list_filter = ["role", "campaign"]
    filter_horizontal = ["towns"]


class FollowUpInline(admin.TabularInline):
    model = models.FollowUpItem
    extra = 0
    readonly_fields = ["done_on", "done_note", "closed_by"]  # closed through the service


@admin.register(models.SupervisionVisit)
class SupervisionVisitAdmin(admin.ModelAdmin):
    list_display = ["visited_on", "town", "member"]
    list_filter = ["town"]
    inlines = [FollowUpInline]


@admin.register(models.ReportRound)
class ReportRoundAdmin(admin.ModelAdmin):
    list_display = ["title", "due_on", "campaign"]


@admin.register(models.ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = ["round", "town", "submitted_at"]
    list_filter = ["town"]
    readonly_fields = ["submitted_at", "submitted_by"]  # the first hand-in decides on time or late


@admin.register(models.OversightItem)
class OversightItemAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "committee"]
    list_filter = ["year", "committee"]
    filter_horizontal = ["units"]
    raw_id_fields = ["suggestions", "clues"]
