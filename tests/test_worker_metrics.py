"""A real worker's job metrics reach Prometheus through the worker's exporter port."""
import re
import time

import httpx
import pytest

from apps.generation import services
from apps.generation.models import GenerationJob, JobStatus
from apps.generation.tests.conftest import small_spec
from tests.processes import free_port

pytestmark = [pytest.mark.slow, pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sample(text: str, name: str) -> float:
    match = re.search(rf"^{name}(?:\{{[^}}]*\}})? ([0-9.e+]+)$", text, re.MULTILINE)
    assert match, f"{name} not exported"
    return float(match.group(1))


def test_worker_exports_job_metrics_from_its_pool(worker_factory, user, tmp_path):
    port = free_port()
    multiproc = tmp_path / "prom"
    multiproc.mkdir()
    worker_factory(WORKER_METRICS_PORT=str(port), WORKER_METRICS_ADDRESS="127.0.0.1",
                   PROMETHEUS_MULTIPROC_DIR=str(multiproc))
    job = services.job_submit(user=user, spec=small_spec(60), track_name="Metered")
    deadline = time.monotonic() + 60
    while GenerationJob.objects.get(pk=job.pk).status != JobStatus.COMPLETED:
        assert time.monotonic() < deadline, "job did not complete"
        time.sleep(0.2)
    stl = GenerationJob.objects.get(pk=job.pk).file
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert _sample(text, "trackforge_jobs_completed_total") == 1
    assert _sample(text, "trackforge_triangles_generated_total") == stl.triangle_count
    assert _sample(text, "trackforge_stl_bytes_generated_total") == stl.size_bytes
    assert _sample(text, "trackforge_job_build_duration_seconds_count") == 1
