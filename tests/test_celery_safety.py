"""Settings that keep jobs from being lost. Changing any of these unsafely must fail here."""
from django.conf import settings

from apps.generation.tasks import build_stl
from project.celery import app


def test_late_ack_and_requeue_on_worker_loss():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert build_stl.acks_late is True and build_stl.reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_time_limits_are_ordered_under_the_visibility_timeout():
    soft, hard = app.conf.task_soft_time_limit, app.conf.task_time_limit
    assert 0 < soft < hard
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        visibility = app.conf.broker_transport_options["visibility_timeout"]
        assert hard < visibility
        options = app.conf.broker_transport_options
        # kombu restores unacked messages every interval x throttle; keep redelivery within seconds.
        assert options["unacked_restore_interval"] * options["unacked_restore_throttle"] <= 5


def test_jobs_are_bounded():
    assert 1 <= settings.JOB_MAX_ATTEMPTS <= 5
    assert settings.JOB_LEASE_SECONDS < settings.CELERY_VISIBILITY_TIMEOUT
    assert app.conf.task_ignore_result is True
    assert settings.FAULT_INJECTION_BUILD_DELAY_SECONDS == 0
