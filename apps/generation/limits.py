"""Rate limits of the generation and download routes (atomic counters in apps.common.ratelimit)."""
from apps.common.ratelimit import (
    RateLimited,
    adownload_limits_response,
    ageneration_limits_response,
    generation_concurrency_slot,
)
from apps.generation import services
from apps.generation.models import GenerationJob, JobStatus

generation_limits_acheck = ageneration_limits_response
download_limits_acheck = adownload_limits_response


def _unfinished(user) -> int:
    return GenerationJob.objects.filter(owner=user, status__in=[JobStatus.PENDING, JobStatus.IN_PROGRESS]).count()


def job_submit_within_limits(*, user, **kwargs) -> GenerationJob:
    """job_submit under the per-user lock, so 'unfinished jobs < limit' cannot be raced. Raises RateLimited."""
    with generation_concurrency_slot(user_id=user.pk, count_unfinished=lambda: _unfinished(user)) as decision:
        if not decision.allowed:
            raise RateLimited(decision)
        return services.job_submit(user=user, **kwargs)

