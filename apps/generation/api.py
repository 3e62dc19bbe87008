"""Async Ninja routes: STL submission, status polling, download, and download history."""
import asyncio
import os
from datetime import UTC, datetime, timedelta
from uuid import UUID

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.files.storage import storages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import field_validator

from apps.audit import selectors as audit_selectors
from apps.audit import services as audit_services
from apps.common.errors import envelope
from apps.common.http import attachment_disposition
from apps.common.ninja_auth import user_from_token
from apps.common.signing import LinkError, download_token_check, download_token_make
from apps.generation import inputs, limits, selectors, services
from apps.generation.models import JobStatus, StlFile
from apps.generation.progress import aprogress_read
from apps.generation.schemas import (
    DownloadOut,
    DownloadPage,
    ErrorOut,
    FailedOut,
    GenerateIn,
    GenerateOut,
    StatusOut,
)

router = Router(tags=["stl"])
downloads_router = Router(tags=["downloads"])


def _json(request: HttpRequest, status: int, body: dict, **headers: str) -> HttpResponse:
    from project.api import api

    response = api.create_response(request, body, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


@router.post(
    "/stl/generate/",
    response={
        202: GenerateOut, 401: ErrorOut, 404: ErrorOut, 415: ErrorOut, 422: ErrorOut, 429: ErrorOut, 503: ErrorOut
    },
    summary="Submit a track for STL generation",
)
async def generate(request: HttpRequest, payload: GenerateIn):
    user = request.auth
    limited = await limits.generation_limits_acheck(user=user)
    if limited is not None:
        return limited
    try:
        resolved = await sync_to_async(inputs.generation_input_resolve)(
            user=user, track_id=payload.track_id, track_data=payload.track, output=payload.output.model_dump()
        )
    except inputs.InputNotFound as exc:
        return _json(request, 404, envelope(str(exc)))
    except inputs.InputInvalid as exc:
        return _json(request, 422, envelope("Validation failed.", exc.errors))
    try:
        job = await sync_to_async(limits.job_submit_within_limits)(
            user=user,
            spec=resolved.spec,
            track=resolved.track,
            track_name=resolved.track_name,
            options=payload.output.model_dump(),
            warnings=resolved.warnings,
            request=request,
        )
    except services.BrokerUnavailable as exc:
        return _json(request, 503, envelope(str(exc), code="queue_unavailable"), **{"Retry-After": "30"})
    status_url = request.build_absolute_uri(reverse("ninja:stl_status", kwargs={"task_id": job.pk}))
    body = {"task_id": str(job.pk), "status": "pending", "status_url": status_url, "warnings": job.warnings}
    return _json(request, 202, body, Location=status_url)


def _download_url(request: HttpRequest, *, file_id, user_id: int) -> tuple[str, datetime]:
    ttl = settings.DOWNLOAD_LINK_TTL_SECONDS
    token = download_token_make(file_id=str(file_id), user_id=user_id, ttl_seconds=ttl)
    path = reverse("ninja:stl_download", kwargs={"file_id": file_id})
    return request.build_absolute_uri(f"{path}?token={token}"), timezone.now() + timedelta(seconds=ttl)


@router.get(
    "/stl/status/{task_id}/",
    response={200: StatusOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 500: FailedOut},
    url_name="stl_status",
    summary="Poll a generation task",
)
async def status(request: HttpRequest, task_id: UUID):
    user = request.auth
    hot = await aprogress_read(job_id=task_id)
    if (
        hot is not None
        and hot.get("owner") == user.pk
        and hot.get("status")
        in (
            JobStatus.PENDING,
            JobStatus.IN_PROGRESS,
        )
    ):
        # Hot path: the worker's latest progress from the cache, no database round trip.
        return Status(
            200, {"task_id": task_id, "status": hot["status"], "progress": hot["progress"], "stage": hot["stage"]}
        )
    job = await selectors.job_aget_for_user(job_id=task_id, user=user)
    if job is None:
        return _json(request, 404, envelope("Not found."))
    if job.status == JobStatus.FAILED:
        return Status(500, {"task_id": job.pk, "status": "failed", "detail": job.error_message, "code": job.error_code})
    body = {
        "task_id": job.pk,
        "status": job.status,
        "progress": job.progress,
        "stage": job.stage,
        "track_name": job.track_name,
        "created_at": job.created_at,
        "warnings": job.warnings,
    }
    if job.status == JobStatus.COMPLETED and job.file is not None:
        stl: StlFile = job.file
        url, expires = _download_url(request, file_id=stl.pk, user_id=user.pk)
        body.update(
            file_id=stl.pk,
            file_size=stl.size_bytes,
            triangle_count=stl.triangle_count,
            piece_count=stl.piece_count,
            content_type=stl.content_type,
            bbox=stl.bbox,
            cache_hit=job.cache_hit,
            download_url=url,
            download_expires_at=expires,
        )
    return Status(200, body)


def _bearer_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _filename(track_name: str, extension: str) -> str:
    cleaned = "".join(ch for ch in track_name if ch.isprintable() and ch not in '\\/:*?"<>|').strip()
    return f"{cleaned or 'track'}.{extension}"


def _serve(stl: StlFile, track_name: str) -> HttpResponse:
    storage = storages["stl"]
    extension = stl.storage_key.rsplit(".", 1)[-1]
    filename = _filename(track_name, extension)
    try:
        local_path = storage.path(stl.storage_key)
    except NotImplementedError:
        local_path = None
    disposition = attachment_disposition(filename)
    if local_path is None:
        url = storage.url(
            stl.storage_key,
            parameters={"ResponseContentDisposition": disposition, "ResponseContentType": stl.content_type},
        )
        response = HttpResponseRedirect(url)
        response["Content-Disposition"] = disposition
        return response
    response = StreamingHttpResponse(_read_chunks(local_path), content_type=stl.content_type)
    response["Content-Length"] = str(os.path.getsize(local_path))
    response["Content-Disposition"] = disposition
    return response


async def _read_chunks(path: str, size: int = 256 * 1024):
    """Streams a local file without blocking the event loop (an async iterator, so ASGI needs no
    thread per chunk and Django does not buffer the whole file)."""
    handle = await asyncio.to_thread(open, path, "rb")
    try:
        while chunk := await asyncio.to_thread(handle.read, size):
            yield chunk
    finally:
        await asyncio.to_thread(handle.close)


@router.get(
    "/stl/download/{file_id}/",
    auth=None,
    response={200: None, 302: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    url_name="stl_download",
    summary="Download a generated file (JWT, or the signed link from the status route)",
    openapi_extra={"security": [{"JWTBearer": []}, {}]},
)
async def download(request: HttpRequest, file_id: UUID, token: str | None = None):
    bearer = _bearer_token(request)
    bearer_user = await sync_to_async(user_from_token)(bearer) if bearer else None
    if token:
        try:
            grant = download_token_check(token=token, file_id=str(file_id))
        except LinkError as exc:
            return _json(request, exc.status, envelope(exc.message, code="bad_link"))
        if bearer_user is not None and bearer_user.pk != grant.user_id:
            return _json(request, 403, envelope("The download link was issued to another user.", code="bad_link"))
        user_id, via = grant.user_id, "signed-link"
    elif bearer_user is not None:
        user_id, via = bearer_user.pk, "jwt"
    else:
        response = _json(request, 401, envelope("Authentication credentials were not provided or are invalid."))
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
    found = await selectors.file_aget_for_user(file_id=file_id, user_id=user_id)
    if found is None:
        return _json(request, 404, envelope("Not found."))
    stl, job = found
    owner = await sync_to_async(lambda: job.owner)()
    if not owner.is_active:
        return _json(request, 401, envelope("This account is disabled."))
    limited = await limits.download_limits_acheck(user=owner)
    if limited is not None:
        return limited
    await sync_to_async(audit_services.download_record)(user=owner, file=stl, job=job, via=via, request=request)
    return await sync_to_async(_serve)(stl, job.track_name)


class DownloadFilters(Schema):
    page: int = 1
    page_size: int = 20
    since: datetime | None = None
    until: datetime | None = None
    track_id: UUID | None = None

    @field_validator("since", "until")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        # Python allows UTC offsets up to +-23:59, PostgreSQL up to +-15:59 (a DataError): query in UTC.
        if value is None or value.tzinfo is None:
            return value
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("Date and time out of range.") from None


_MAX_PAGE = 1_000_000_000


def _page_link(request: HttpRequest, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


@downloads_router.get("/downloads/", response={200: DownloadPage, 401: ErrorOut, 422: ErrorOut})
async def downloads_list(request: HttpRequest, filters: Query[DownloadFilters]):
    page_size = max(1, min(filters.page_size, settings.API_MAX_PAGE_SIZE))
    # Bounded above too: a 40-digit page number made an OFFSET beyond bigint (a 500).
    page = max(1, min(filters.page, _MAX_PAGE))
    qs = audit_selectors.downloads_for_user(
        user=request.auth, since=filters.since, until=filters.until, track_id=filters.track_id
    )
    count = await qs.acount()
    start = (page - 1) * page_size
    rows = [row async for row in qs[start : start + page_size]]
    results = [
        {
            "id": row.pk,
            "file_id": row.file_id,
            "task_id": row.job_id,
            "track_id": row.track_id,
            "track_name": row.track_name,
            "via": row.via,
            "created_at": row.created_at,
            "file_size": row.file.size_bytes,
            "content_type": row.file.content_type,
        }
        for row in rows
    ]
    return Status(
        200,
        {
            "count": count,
            "next": _page_link(request, page + 1) if start + page_size < count else None,
            "previous": _page_link(request, page - 1) if page > 1 and count else None,
            "results": [DownloadOut(**r) for r in results],
        },
    )


@downloads_router.delete(
    "/downloads/{download_id}/", response={204: None, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
)
async def downloads_delete(request: HttpRequest, download_id: UUID):
    hidden = await sync_to_async(audit_services.download_hide)(
        user=request.auth, download_id=download_id, request=request
    )
    if not hidden:
        return _json(request, 404, envelope("Not found."))
    return Status(204, None)
