"""Real processes for end-to-end and fault tests: an S3-compatible server (moto) and Celery workers."""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {port}")


class S3Server:
    """moto in server mode: a real HTTP S3 endpoint on loopback, in its own process."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def client(self):
        return boto3.client(
            "s3", endpoint_url=self.endpoint, aws_access_key_id="test", aws_secret_access_key="test",
            region_name="us-east-1",
        )

    def env(self, bucket: str) -> dict[str, str]:
        return {
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_ACCESS_KEY_ID": "test",
            "S3_SECRET_ACCESS_KEY": "test",
            "S3_REGION": "us-east-1",
        }


def s3_storage_setting(server: S3Server, bucket: str) -> dict:
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": server.endpoint,
            "region_name": "us-east-1",
            "access_key": "test",
            "secret_key": "test",
            "addressing_style": "path",
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 120,
            "file_overwrite": True,
        },
    }


def database_url(settings_dict: dict) -> str:
    user = settings_dict.get("USER") or "postgres"
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"


class Worker:
    """A real `celery worker` process consuming a private queue."""

    def __init__(self, *, queue: str, env: dict[str, str], concurrency: int = 1, log_path: Path | None = None):
        self.queue = queue
        self.env = {**os.environ, **env, "CELERY_QUEUE": queue, "DJANGO_SETTINGS_MODULE": "project.settings.test"}
        self.concurrency = concurrency
        self.log_path = log_path or Path(f"/tmp/trackforge-worker-{queue}.log")  # noqa: S108
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Worker":
        self._log = open(self.log_path, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "project", "worker", "-Q", self.queue,
                f"--concurrency={self.concurrency}", "--pool=prefork", "-n", f"{self.queue}-{uuid.uuid4().hex[:6]}@%h",
                "--without-mingle", "--without-gossip", "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def children(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.kill(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill(signal.SIGKILL)
                self.proc.wait(5)
        self.proc = None
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def new_queue() -> str:
    return f"tf-test-{uuid.uuid4().hex[:10]}"


class RedisServer:
    """A private, throwaway redis-server (never the shared one on 6379), for broker-loss tests."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


@contextlib.contextmanager
def celery_broker(url: str):
    """Points this process's Celery producer at another broker for the duration."""
    from project.celery import app

    def _reset() -> None:
        # Drop only this app's references: kombu keeps one pool per broker URL in a global
        # registry, and closing the original one would break every later publish.
        app._pool = None
        app.amqp._producer_pool = None

    original = app.conf.broker_url
    app.conf.broker_url = url
    _reset()
    try:
        yield
    finally:
        app.conf.broker_url = original
        _reset()
