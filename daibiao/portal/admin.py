from django.contrib import admin

from .models import Attempt


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    """The log of public requests, for administrators to look at a flood: read-only (the
    limiter writes it, the prune job removes it)."""

    list_display = ["window", "address", "kind", "outcome", "count", "photo_bytes"]
    list_filter = ["kind", "outcome"]
    search_fields = ["address"]
    date_hierarchy = "window"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
