from datetime import datetime

from django.db.models import QuerySet

from apps.audit.models import DownloadLog


def downloads_for_user(
    *, user, since: datetime | None = None, until: datetime | None = None, track_id=None
) -> QuerySet[DownloadLog]:
    qs = DownloadLog.objects.filter(user=user, hidden_at__isnull=True).select_related("file")
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    if track_id is not None:
        qs = qs.filter(track_id=track_id)
    return qs.order_by("-created_at", "-id")
