"""The Celery application: configuration comes from Django settings (CELERY_ namespace)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

app = Celery("project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Operations (issue 6): request-id propagation into task logs, Django's LOGGING in workers,
# worker metrics exporter. Imports no models, so it is safe before django.setup().
import apps.common.celery_signals  # noqa: E402,F401
