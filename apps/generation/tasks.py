import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from apps.generation import services
from apps.generation.models import ErrorCode

log = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="generation.build_stl",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=20,
)
def build_stl(self, job_id: str) -> str:
    worker_id = services.worker_identity()
    try:
        outcome = services.job_run(job_id=job_id, worker_id=worker_id)
    except services.JobBusy as busy:
        # Another live worker has it (a duplicate delivery): look again once its lease could expire.
        raise self.retry(countdown=busy.retry_in) from None
    except SoftTimeLimitExceeded:
        services.job_fail(
            job_id=job_id, worker_id=worker_id, code=ErrorCode.TIMEOUT,
            message="The build took longer than the worker's time limit; split the track into shorter pieces.",
        )
        return "failed"
    except Exception as exc:
        log.exception("build %s crashed", job_id)
        services.job_fail(
            job_id=job_id, worker_id=worker_id, code=ErrorCode.BUILD_ERROR,
            message=f"The mesh builder failed unexpectedly ({type(exc).__name__}). The team has been notified.",
        )
        return "failed"
    log.info("build %s: %s", job_id, outcome)
    return outcome


@shared_task(name="generation.reap_stuck_jobs", ignore_result=True)
def reap_stuck_jobs() -> dict[str, int]:
    counts = services.jobs_reap()
    if any(counts.values()):
        log.warning("reaper: %s", counts)
    return counts
