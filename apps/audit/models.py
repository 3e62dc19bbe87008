import uuid

from django.conf import settings
from django.db import models


class AuditKind(models.TextChoices):
    LOGIN = "login", "Login"
    LOGIN_FAILED = "login_failed", "Failed login"
    GENERATION_REQUESTED = "generation_requested", "Generation requested"
    DOWNLOAD = "download", "Download"
    HISTORY_DELETED = "history_deleted", "Download history entry deleted"


class AuditEvent(models.Model):
    """Append-only trail for staff. Rows are never edited or deleted by the application."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=32, choices=AuditKind.choices, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # What the client claimed (e.g. the username of a failed login); kept even when no user matched.
    subject = models.CharField(max_length=255, blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.kind} {self.subject or self.user_id}"


class DownloadLog(models.Model):
    """One download of a generated file. Users may hide entries from their history; staff still see them."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="downloads")
    file = models.ForeignKey("generation.StlFile", on_delete=models.PROTECT, related_name="downloads")
    job = models.ForeignKey("generation.GenerationJob", null=True, on_delete=models.SET_NULL, related_name="+")
    track = models.ForeignKey("catalog.Track", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    track_name = models.CharField(max_length=200, blank=True, default="")
    via = models.CharField(max_length=16, default="jwt", help_text="jwt or signed-link")
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True, default="")
    request_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    hidden_at = models.DateTimeField(null=True, blank=True, help_text="Removed from the user's history")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "hidden_at", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.user_id} {self.track_name}"
