"""Status, download and history routes through the real URL stack (Django client, JWT)."""
import time
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.files.storage import storages

from apps.audit.models import AuditEvent, AuditKind, DownloadLog
from apps.common.signing import download_token_make
from apps.generation import services
from apps.generation.models import ErrorCode, JobStatus
from apps.generation.progress import progress_write
from apps.generation.tests.conftest import small_spec
from conftest import bearer_for

pytestmark = pytest.mark.django_db


def _status(client, user, task_id):
    return client.get(f"/api/stl/status/{task_id}/", HTTP_AUTHORIZATION=bearer_for(user))


@pytest.fixture
def completed(user, submit):
    job = submit(user, name="Ashburton Goods — quai n°2")
    services.job_run(job_id=job.pk, worker_id="w1")
    job.refresh_from_db()
    return job


class TestStatus:
    def test_pending_then_in_progress_from_the_hot_path(self, client, user, submit):
        job = submit(user)
        body = _status(client, user, job.pk).json()
        assert body["status"] == "pending" and body["progress"] == 0
        progress_write(job_id=job.pk, owner_id=user.pk, status=JobStatus.IN_PROGRESS, progress=42, stage="building")
        response = _status(client, user, job.pk)
        assert response.status_code == 200
        assert response.json() == {
            **response.json(), "task_id": str(job.pk), "status": "in-progress", "progress": 42, "stage": "building"
        }

    def test_completed_has_file_facts_and_a_signed_link(self, client, user, completed):
        response = _status(client, user, completed.pk)
        assert response.status_code == 200
        body = response.json()
        stl = completed.file
        assert body["status"] == "completed" and body["progress"] == 100
        assert body["file_id"] == str(stl.pk)
        assert body["file_size"] == stl.size_bytes == 84 + 50 * body["triangle_count"]
        assert body["bbox"] == stl.bbox
        link = urlparse(body["download_url"])
        assert link.path == f"/api/stl/download/{stl.pk}/"
        assert "token" in parse_qs(link.query)

    def test_failed_is_500_with_message_and_code(self, client, user, submit):
        job = submit(user)
        services.job_fail(job_id=job.pk, worker_id=None, code=ErrorCode.BUILD_ERROR, message="The mesh builder failed.")
        response = _status(client, user, job.pk)
        assert response.status_code == 500
        assert response.json() == {
            "task_id": str(job.pk), "status": "failed", "detail": "The mesh builder failed.", "code": "build_error"
        }

    def test_other_users_task_is_404_even_when_hot(self, client, other_user, user, submit):
        job = submit(user)
        assert _status(client, other_user, job.pk).status_code == 404
        progress_write(job_id=job.pk, owner_id=user.pk, status=JobStatus.IN_PROGRESS, progress=5, stage="building")
        assert _status(client, other_user, job.pk).status_code == 404

    def test_anonymous_is_401_and_unknown_is_404(self, client, user, submit):
        job = submit(user)
        response = client.get(f"/api/stl/status/{job.pk}/")
        assert response.status_code == 401 and response.json()["detail"]
        assert _status(client, user, "00000000-0000-0000-0000-000000000000").status_code == 404
        assert _status(client, user, "not-a-uuid").status_code == 422


def _link(client, user, job) -> str:
    return _status(client, user, job.pk).json()["download_url"]


class TestDownload:
    def test_signed_link_streams_the_file_with_an_rfc5987_name_and_logs_it(self, client, user, completed):
        response = client.get(_link(client, user, completed))
        assert response.status_code == 200
        assert response["Content-Type"] == "model/stl"
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=UTF-8''Ashburton%20Goods%20%E2%80%94%20quai%20n%C2%B02.stl" in disposition
        body = b"".join(response)  # served async under ASGI; the test client consumes it synchronously
        assert body == storages["stl"].open(completed.file.storage_key).read()
        log = DownloadLog.objects.get()
        assert log.user == user and log.file_id == completed.file_id and log.via == "signed-link"
        assert AuditEvent.objects.filter(kind=AuditKind.DOWNLOAD, user=user).count() == 1

    def test_jwt_download_without_link(self, client, user, completed):
        response = client.get(f"/api/stl/download/{completed.file_id}/", HTTP_AUTHORIZATION=bearer_for(user))
        assert response.status_code == 200
        assert DownloadLog.objects.get().via == "jwt"

    def test_expired_link_is_401(self, client, user, completed):
        token = download_token_make(
            file_id=str(completed.file_id), user_id=user.pk, ttl_seconds=60, now=time.time() - 120
        )
        response = client.get(f"/api/stl/download/{completed.file_id}/?token={token}")
        assert response.status_code == 401 and "expired" in response.json()["detail"]
        assert not DownloadLog.objects.exists()

    def test_tampered_link_is_401(self, client, user, completed):
        url = _link(client, user, completed)
        token = parse_qs(urlparse(url).query)["token"][0]
        forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
        response = client.get(f"/api/stl/download/{completed.file_id}/?token={forged}")
        assert response.status_code == 401 and "altered" in response.json()["detail"]

    def test_link_for_another_file_is_403(self, client, user, submit, completed):
        other = submit(user, spec=small_spec(50))
        services.job_run(job_id=other.pk, worker_id="w1")
        other.refresh_from_db()
        token = parse_qs(urlparse(_link(client, user, completed)).query)["token"][0]
        response = client.get(f"/api/stl/download/{other.file_id}/?token={token}")
        assert response.status_code == 403 and "another file" in response.json()["detail"]

    def test_link_presented_with_another_users_jwt_is_403(self, client, user, other_user, completed):
        response = client.get(_link(client, user, completed), HTTP_AUTHORIZATION=bearer_for(other_user))
        assert response.status_code == 403

    def test_other_users_file_is_404_by_jwt_and_by_a_link_minted_for_them(self, client, user, other_user, completed):
        response = client.get(f"/api/stl/download/{completed.file_id}/", HTTP_AUTHORIZATION=bearer_for(other_user))
        assert response.status_code == 404
        token = download_token_make(file_id=str(completed.file_id), user_id=other_user.pk, ttl_seconds=60)
        assert client.get(f"/api/stl/download/{completed.file_id}/?token={token}").status_code == 404

    def test_anonymous_without_link_is_401(self, client, completed):
        assert client.get(f"/api/stl/download/{completed.file_id}/").status_code == 401

    def test_link_of_a_deactivated_user_is_refused(self, client, user, completed):
        url = _link(client, user, completed)
        user.is_active = False
        user.save()
        assert client.get(url).status_code == 401


class TestHistory:
    def test_list_newest_first_paginated_and_delete_keeps_audit(self, client, user, other_user, completed):
        auth = {"HTTP_AUTHORIZATION": bearer_for(user)}
        for _ in range(3):
            client.get(f"/api/stl/download/{completed.file_id}/", **auth)
        page = client.get("/api/downloads/?page_size=2", **auth).json()
        assert page["count"] == 3 and len(page["results"]) == 2 and page["next"] and page["previous"] is None
        ids = [r["id"] for r in page["results"]]
        newest = DownloadLog.objects.order_by("-created_at").values_list("id", flat=True)
        assert ids == [str(i) for i in newest[:2]]
        assert page["results"][0]["track_name"] == completed.track_name
        assert client.get("/api/downloads/", HTTP_AUTHORIZATION=bearer_for(other_user)).json()["count"] == 0
        assert client.delete(f"/api/downloads/{ids[0]}/", HTTP_AUTHORIZATION=bearer_for(other_user)).status_code == 404
        assert client.delete(f"/api/downloads/{ids[0]}/", **auth).status_code == 204
        assert client.delete(f"/api/downloads/{ids[0]}/", **auth).status_code == 404
        assert client.get("/api/downloads/", **auth).json()["count"] == 2
        assert DownloadLog.objects.count() == 3
        assert AuditEvent.objects.filter(kind=AuditKind.HISTORY_DELETED, user=user).count() == 1

    def test_filter_by_date(self, client, user, completed):
        auth = {"HTTP_AUTHORIZATION": bearer_for(user)}
        client.get(f"/api/stl/download/{completed.file_id}/", **auth)
        assert client.get("/api/downloads/?since=2999-01-01T00:00:00Z", **auth).json()["count"] == 0
        assert client.get("/api/downloads/?since=2000-01-01T00:00:00Z", **auth).json()["count"] == 1
        assert client.get("/api/downloads/").status_code == 401

