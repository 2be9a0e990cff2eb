from django.contrib import admin

from .models import Delivery, Notification


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read-only: notifications and deliveries are written by the services and the worker,
    and are the record of what was sent; administrators look, they do not edit."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    fields = ["channel", "address", "status", "attempts", "sent_at", "last_error"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "kind", "subject", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "recipient__username", "recipient__display_name", "dedupe_key"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["notification", "channel", "address", "status", "attempts", "sent_at"]
    list_filter = ["channel", "status"]
    search_fields = ["address", "notification__subject"]
    list_select_related = ["notification"]
