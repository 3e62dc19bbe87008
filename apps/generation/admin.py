from django.contrib import admin, messages
from django.utils.html import format_html

from apps.generation import services
from apps.generation.models import GenerationJob, JobStatus, StlFile


@admin.register(GenerationJob)
class GenerationJobAdmin(admin.ModelAdmin):
    list_display = (
        "id", "track_name", "owner", "status", "progress", "attempts", "error_code", "created_at", "duration"
    )
    list_filter = ("status", "error_code", "cache_hit", "created_at", ("owner", admin.RelatedOnlyFieldListFilter))
    search_fields = ("id", "track_name", "owner__username", "request_id", "spec_hash")
    date_hierarchy = "created_at"
    list_select_related = ("owner", "file")
    readonly_fields = [f.name for f in GenerationJob._meta.fields] + ["file_link"]
    actions = ["retry_failed", "purge_files"]

    @admin.display(description="Build time (s)")
    def duration(self, job: GenerationJob):
        if job.started_at and job.finished_at:
            return round((job.finished_at - job.started_at).total_seconds(), 2)
        return None

    @admin.display(description="Stored file")
    def file_link(self, job: GenerationJob):
        if job.file_id is None:
            return "-"
        return format_html('<a href="../../stlfile/{}/change/">{}</a>', job.file_id, job.file.storage_key)

    def has_add_permission(self, request):
        return False

    @admin.action(description="Retry selected failed jobs")
    def retry_failed(self, request, queryset):
        count = 0
        for job in queryset.filter(status=JobStatus.FAILED):
            services.job_retry(job=job)
            count += 1
        self.message_user(request, f"{count} job(s) re-queued.", messages.SUCCESS)

    @admin.action(description="Purge the stored files of selected jobs")
    def purge_files(self, request, queryset):
        files = StlFile.objects.filter(jobs__in=queryset, purged_at__isnull=True).distinct()
        for stl in files:
            services.file_purge(stl=stl)
        self.message_user(request, f"{len(files)} file(s) purged.", messages.SUCCESS)


@admin.register(StlFile)
class StlFileAdmin(admin.ModelAdmin):
    list_display = (
        "storage_key", "size_bytes", "triangle_count", "piece_count", "generator_version", "created_at", "purged_at"
    )
    list_filter = ("generator_version", "content_type", ("purged_at", admin.EmptyFieldListFilter))
    search_fields = ("storage_key", "spec_hash", "sha256")
    readonly_fields = [f.name for f in StlFile._meta.fields]
    actions = ["purge"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Purge selected stored files")
    def purge(self, request, queryset):
        for stl in queryset.filter(purged_at__isnull=True):
            services.file_purge(stl=stl)
        self.message_user(request, "Purged.", messages.SUCCESS)
