import pytest

from apps.generation import services
from apps.generation.models import GenerationJob


def small_spec(length_mm: float = 40.0, **over) -> dict:
    """A short OO-BF bullhead straight: builds in milliseconds."""
    spec = {
        "alignment": [{"type": "straight", "length_mm": length_mm}],
        "scale_mm_per_ft": 4.0,
        "gauge_mm": 16.5,
        "prototype": "uk_bullhead",
        "warn_radius_mm": 600.0,
        "timber": {"length_mm": 32.0},
        "sleepering": {"mode": "uniform", "spacing_mm": 10.0},
    }
    spec.update(over)
    return spec


@pytest.fixture
def submit(django_capture_on_commit_callbacks, monkeypatch):
    """Creates a job through the service without a broker (enqueue is recorded, not sent)."""
    sent: list[str] = []
    monkeypatch.setattr(services, "job_enqueue", lambda *, job_id, request_id="": sent.append(str(job_id)))

    def _submit(user, spec=None, name="Test track") -> GenerationJob:
        with django_capture_on_commit_callbacks(execute=True):
            job = services.job_submit(user=user, spec=spec or small_spec(), track_name=name)
        job.refresh_from_db()
        return job

    _submit.sent = sent
    return _submit
