import pytest
from django.core.files.storage import storages

from apps.audit.models import AuditEvent
from apps.generation import services
from apps.generation.models import ErrorCode, GenerationJob, JobStatus, StlFile
from apps.generation.tests.conftest import small_spec
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client


def test_job_list_filters_by_status_and_shows_the_job(staff_client, user, submit):
    done = submit(user, name="Done road")
    services.job_run(job_id=done.pk, worker_id="w")
    failed = submit(user, spec=small_spec(50), name="Broken road")
    services.job_fail(job_id=failed.pk, worker_id=None, code=ErrorCode.BUILD_ERROR, message="boom")
    page = staff_client.get("/admin/generation/generationjob/?status__exact=failed").content.decode()
    assert "Broken road" in page and "Done road" not in page
    detail = staff_client.get(f"/admin/generation/generationjob/{done.pk}/change/").content.decode()
    assert done.spec_hash in detail and "stl/" in detail


def test_retry_action_requeues_failed_jobs_only(staff_client, user, submit, django_capture_on_commit_callbacks):
    failed = submit(user, name="Broken road")
    services.job_fail(job_id=failed.pk, worker_id=None, code=ErrorCode.BUILD_ERROR, message="boom")
    submit.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/generation/generationjob/",
            {"action": "retry_failed", "_selected_action": [str(failed.pk)]},
            follow=True,
        )
    assert response.status_code == 200
    failed.refresh_from_db()
    assert failed.status == JobStatus.PENDING and failed.error_code == "" and failed.attempts == 0
    assert submit.sent == [str(failed.pk)]


def test_purge_action_deletes_the_object_and_next_request_rebuilds(staff_client, user, submit):
    job = submit(user)
    services.job_run(job_id=job.pk, worker_id="w")
    key = GenerationJob.objects.get(pk=job.pk).file.storage_key
    assert storages["stl"].exists(key)
    staff_client.post(
        "/admin/generation/generationjob/", {"action": "purge_files", "_selected_action": [str(job.pk)]}
    )
    assert not storages["stl"].exists(key)
    assert StlFile.objects.get().purged_at is not None
    again = submit(user)
    assert services.job_run(job_id=again.pk, worker_id="w") == "built"
    assert storages["stl"].exists(key)


def test_audit_trail_is_read_only_for_staff(staff_client, user, password):
    staff_client.post("/api/login/", {"username": user.username, "password": "wrong"}, content_type="application/json")
    event = AuditEvent.objects.get()
    assert staff_client.get("/admin/audit/auditevent/").status_code == 200
    assert staff_client.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    page = staff_client.get(f"/admin/audit/auditevent/{event.pk}/change/").content.decode()
    assert 'name="_save"' not in page
