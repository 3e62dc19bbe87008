import uuid

from django.conf import settings
from django.db import models


class JobStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_PROGRESS = "in-progress", "In progress"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


TERMINAL_STATUSES = (JobStatus.COMPLETED, JobStatus.FAILED)


class ErrorCode(models.TextChoices):
    INVALID_SPEC = "invalid_spec", "The track cannot be built"
    BUILD_ERROR = "build_error", "The mesh builder failed"
    STORAGE_UNAVAILABLE = "storage_unavailable", "File storage unreachable"
    TIMEOUT = "timeout", "Build exceeded its time limit"
    WORKER_LOST = "worker_lost", "The build crashed its worker repeatedly"
    STALE = "stale", "The job was lost and could not be recovered"


class StlFile(models.Model):
    """A stored build output, content-addressed by the hash of its normalised spec and generator version.

    One object serves every job (of any user) with the same spec; ownership is through jobs.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    spec_hash = models.CharField(max_length=64, unique=True)
    storage_key = models.CharField(max_length=255)
    content_type = models.CharField(max_length=64, default="model/stl")
    size_bytes = models.BigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    triangle_count = models.BigIntegerField(default=0)
    piece_count = models.PositiveIntegerField(default=1)
    bbox = models.JSONField(default=dict, blank=True)
    manifest = models.JSONField(default=dict, blank=True)
    generator_version = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.storage_key


class GenerationJob(models.Model):
    """The durable record of one STL request; its id is the public task_id."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generation_jobs")
    track = models.ForeignKey("catalog.Track", null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs")
    track_name = models.CharField(max_length=200)
    spec = models.JSONField(help_text="Normalised geometry spec, all dimensions in mm")
    spec_hash = models.CharField(max_length=64, db_index=True)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=32, default="queued")
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=128, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=32, choices=ErrorCode.choices, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    warnings = models.JSONField(default=list, blank=True)
    file = models.ForeignKey(StlFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs")
    cache_hit = models.BooleanField(default=False)
    request_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "status"]), models.Index(fields=["status", "enqueued_at"])]

    def __str__(self) -> str:
        return f"{self.track_name} ({self.status})"

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES
