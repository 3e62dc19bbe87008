from apps.generation.models import GenerationJob, StlFile


async def job_aget_for_user(*, job_id, user) -> GenerationJob | None:
    return await GenerationJob.objects.select_related("file").filter(pk=job_id, owner=user).afirst()


async def file_aget_for_user(*, file_id, user_id: int) -> tuple[StlFile, GenerationJob] | None:
    """A file is the user's when one of the user's completed jobs produced it."""
    job = await (
        GenerationJob.objects.select_related("file")
        .filter(file_id=file_id, owner_id=user_id, file__purged_at__isnull=True)
        .order_by("-created_at")
        .afirst()
    )
    if job is None:
        return None
    return job.file, job


async def jobs_aunfinished_count(*, user) -> int:
    return await GenerationJob.objects.filter(owner=user, status__in=["pending", "in-progress"]).acount()
