from django.contrib import admin

from apps.audit.models import AuditEvent, DownloadLog


class ReadOnlyAdmin(admin.ModelAdmin):
    """The trail is evidence: staff can read and filter it, never change it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "user", "subject", "ip", "request_id")
    list_filter = ("kind", "created_at")
    search_fields = ("subject", "user__username", "request_id", "ip")
    date_hierarchy = "created_at"


@admin.register(DownloadLog)
class DownloadLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "track_name", "file", "via", "ip", "hidden_at")
    list_filter = ("via", "created_at", ("hidden_at", admin.EmptyFieldListFilter))
    search_fields = ("user__username", "track_name", "request_id", "ip")
    date_hierarchy = "created_at"
