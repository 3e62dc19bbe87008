"""Deployment files (Docker does not run here): compose structure, env coverage, entry points that
exist, Prometheus/Grafana config naming only exported metrics, and `check --deploy` in production."""
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
APP_SERVICES = {"migrate", "web", "worker", "beat", "flower"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def env_example_names() -> set[str]:
    names = set()
    for line in (DEPLOY / "env.example").read_text().splitlines():
        match = re.match(r"^\s*#?\s*([A-Z][A-Z0-9_]*)=", line)
        if match and not line.lstrip().startswith("# ---"):
            names.add(match.group(1))
    return names


def settings_env_names() -> set[str]:
    names = set()
    for path in (ROOT / "project" / "settings").glob("*.py"):
        names |= set(re.findall(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""", path.read_text()))
    return names


def test_services_present(compose):
    services = set(compose["services"])
    assert {"postgres", "redis", "redis-cache", "minio", "minio-init", "prometheus", "grafana"} <= services
    assert services >= APP_SERVICES


def test_every_settings_variable_is_documented_in_env_example():
    missing = settings_env_names() - env_example_names()
    assert not missing, f"add to deploy/env.example (with a comment): {sorted(missing)}"


def test_every_variable_compose_references_is_in_env_example():
    text = (DEPLOY / "docker-compose.yml").read_text()
    referenced = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text)) | set(re.findall(r"\$\$\{?([A-Z][A-Z0-9_]*)", text))
    environment_keys = set()
    for service in yaml.safe_load(text)["services"].values():
        env = service.get("environment") or {}
        environment_keys |= set(env if isinstance(env, dict) else [e.split("=")[0] for e in env])
    missing = (referenced | environment_keys) - env_example_names()
    # Variables only the third-party images read are documented at their service instead.
    missing -= {"MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "GF_SECURITY_ADMIN_USER", "GF_SECURITY_ADMIN_PASSWORD",
                "GF_USERS_ALLOW_SIGN_UP"}
    assert not missing, sorted(missing)


def test_env_example_lines_are_commented():
    lines = (DEPLOY / "env.example").read_text().splitlines()
    for index, line in enumerate(lines):
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            previous = lines[index - 1]
            assert previous.startswith("#") or re.match(r"^[A-Z][A-Z0-9_]*=", previous), line


def test_redis_broker_is_durable_and_cache_is_lru(compose):
    broker = " ".join(compose["services"]["redis"]["command"])
    assert "--appendonly yes" in broker and "--maxmemory-policy noeviction" in broker
    cache = " ".join(compose["services"]["redis-cache"]["command"])
    assert "allkeys-lru" in cache
    app_env = compose["services"]["web"]["environment"]
    assert "redis:6379" in app_env["REDIS_URL"] and "redis-cache:6379" in app_env["CACHE_URL"]


def test_minio_bucket_is_created(compose):
    init = compose["services"]["minio-init"]
    assert init["image"].startswith("minio/mc")
    script = " ".join(init["command"]) if isinstance(init["command"], list) else init["command"]
    assert "mc mb" in script and "S3_BUCKET" in script
    assert init["depends_on"]["minio"]["condition"] == "service_healthy"


def test_app_services_use_the_one_image_and_worker_scales(compose):
    for name in APP_SERVICES:
        service = compose["services"][name]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile", name
        assert service["image"] == "trackforge:latest", name
    worker = compose["services"]["worker"]
    # `--scale worker=N` needs no fixed container name or host port.
    assert "container_name" not in worker and "ports" not in worker
    assert worker["environment"]["WORKER_METRICS_PORT"] == "9808"


def _module_exists(dotted: str) -> bool:
    return importlib.util.find_spec(dotted) is not None


def _venv_bin(name: str) -> bool:
    return (Path(sys.executable).parent / name).exists() or shutil.which(name) is not None


def test_every_app_command_names_an_existing_entry_point(compose):
    from django.core.management import get_commands

    for name in APP_SERVICES:
        command = compose["services"][name]["command"]
        assert isinstance(command, list), name
        program = command[0]
        if program == "gunicorn":
            assert _venv_bin("gunicorn")
            module, _, attr = command[1].partition(":")
            assert (ROOT / (module.replace(".", "/") + ".py")).exists() and attr == "application"
            worker_class = command[command.index("-k") + 1]
            mod, _, cls = worker_class.rpartition(".")
            assert _module_exists(mod), f"{worker_class}: pip install uvicorn-worker (requirements/prod.txt)"
            assert hasattr(importlib.import_module(mod), cls)
            assert (ROOT / command[command.index("-c") + 1]).exists()
        elif program == "celery":
            assert _venv_bin("celery")
            app = command[command.index("-A") + 1]
            assert (ROOT / app / "celery.py").exists()
            sub = command[command.index("-A") + 2]
            assert sub in {"worker", "beat", "flower"}, sub
            if sub == "flower":
                assert _module_exists("flower")
        elif program == "python":
            assert command[1] == "manage.py" and (ROOT / "manage.py").exists()
            assert command[2] in get_commands(), command
        else:
            pytest.fail(f"{name}: unknown entry point {program}")


def test_gunicorn_config_uses_the_non_deprecated_uvicorn_worker():
    text = (DEPLOY / "gunicorn.conf.py").read_text()
    assert 'worker_class = "uvicorn_worker.UvicornWorker"' in text
    assert "uvicorn-worker==" in (ROOT / "requirements" / "prod.txt").read_text()
    compiled = compile(text, "gunicorn.conf.py", "exec")
    namespace: dict = {}
    exec(compiled, namespace)  # noqa: S102 - our own config file
    assert callable(namespace["child_exit"])


def test_dockerfile_builds_one_image_from_prod_requirements():
    text = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    assert "pip install -r requirements/prod.txt" in text
    assert "ENTRYPOINT" in text and (DEPLOY / "entrypoint.sh").exists()
    assert os.access(DEPLOY / "entrypoint.sh", os.X_OK)


def test_mounted_files_exist(compose):
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), volume
    prometheus = compose["services"]["prometheus"]
    assert "/etc/prometheus/entrypoint.sh" in prometheus["entrypoint"]
    assert (DEPLOY / "prometheus" / "entrypoint.sh").exists()


# --- Prometheus and Grafana name only metrics that exist ------------------------------------------


_PROMQL_WORDS = {"by", "without", "and", "or", "unless", "on", "ignoring", "group_left", "group_right", "bool",
                 "offset", "inf", "nan"}


def promql_metric_names(expr: str) -> set[str]:
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)        # strings
    expr = re.sub(r"\{[^}]*\}", "", expr)                   # label matchers
    expr = re.sub(r"(?<![A-Za-z0-9_:])\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", "0", expr)  # numbers
    expr = re.sub(r"\[[^\]]*\]", "", expr)                  # range selectors
    expr = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", expr)  # grouping labels
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", expr):
        word = match.group(0)
        following = expr[match.end():].lstrip()[:1]
        if following == "(" or word.lower() in _PROMQL_WORDS:
            continue
        names.add(word)
    return names


def flower_metric_names() -> set[str]:
    spec = importlib.util.find_spec("flower.events")
    source = Path(spec.origin).read_text()
    names = set()
    for name in re.findall(r"['\"](flower_[a-z_]+)['\"]", source):
        if name.endswith("_total") or "runtime" not in name:
            names.add(name)
        if name.endswith("_seconds") and "runtime" in name:
            names |= {name + "_bucket", name + "_sum", name + "_count"}
    return names


@pytest.fixture(scope="module")
def exported_names(django_db_blocker) -> set[str]:
    """Series names in our actual /metrics output, from its # TYPE lines."""
    from django.test import Client, override_settings

    with django_db_blocker.unblock(), override_settings(METRICS_TOKEN="dash-token-1234567890"):
        response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer dash-token-1234567890")
    assert response.status_code == 200
    names = set()
    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "summary": ["_sum", "_count", ""]}
    for family, kind in re.findall(r"^# TYPE (\S+) (\S+)$", response.content.decode(), re.M):
        if kind == "counter":  # the text format names counters with their _total already
            names.add(family if family.endswith("_total") else family + "_total")
            continue
        for suffix in suffixes.get(kind, [""]):
            names.add(family + suffix)
    from apps.common import metrics

    assert metrics.exported_sample_names() <= names
    return names


def _allowed(exported_names) -> set[str]:
    return exported_names | flower_metric_names() | {"up"}


def test_dashboard_panels_query_only_exported_metrics(exported_names):
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "trackforge.json").read_text())
    panels = dashboard["panels"]
    assert len(panels) >= 10
    titles = " ".join(p["title"].lower() for p in panels)
    for topic in ("error", "latency", "jobs", "queue wait", "build duration", "triangles", "bytes", "cache",
                  "downloads", "rate-limit", "workers"):
        assert topic in titles, topic
    allowed = _allowed(exported_names)
    for panel in panels:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            names = promql_metric_names(target["expr"])
            assert names, (panel["title"], target["expr"])
            assert names <= allowed, (panel["title"], names - allowed)
    assert {"trackforge_jobs_failed_total", "trackforge_job_queue_wait_seconds_bucket"} <= {
        n for p in panels for t in p["targets"] for n in promql_metric_names(t["expr"])}


def test_alert_rules_cover_error_rate_queue_wait_worker_down(exported_names):
    rules = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())["groups"][0]["rules"]
    names = {r["alert"] for r in rules}
    assert {"HighHttpErrorRate", "JobQueueWaitHigh", "CeleryWorkerDown", "NoCeleryWorkers"} <= names
    allowed = _allowed(exported_names)
    for rule in rules:
        assert promql_metric_names(rule["expr"]) <= allowed, rule["alert"]
        assert rule["annotations"]["summary"]


def test_prometheus_scrapes_web_workers_and_flower():
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert jobs["trackforge-web"]["authorization"]["credentials_file"]
    assert jobs["celery-workers"]["dns_sd_configs"][0]["port"] == 9808
    assert jobs["flower"]["static_configs"][0]["targets"] == ["flower:5555"]
    assert "/etc/prometheus/alerts.yml" in config["rule_files"]
    # Alert rule names used by worker-down match the job name scraped here.
    assert 'job="celery-workers"' in (DEPLOY / "prometheus" / "alerts.yml").read_text()


def test_promql_name_extraction():
    assert promql_metric_names(
        'histogram_quantile(0.95, sum by (le, route) (rate(foo_bucket{a="b"}[5m]))) / clamp_min(bar, 1e-9)'
    ) == {"foo_bucket", "bar"}


# --- Production settings ----------------------------------------------------------------------------

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "project.settings.production",
    "DJANGO_SECRET_KEY": "k" * 20 + "Zx8-Pq3_Lm7!Rt5#Yu2$Wv9" * 2,
    "JWT_SIGNING_KEY": "j" * 20 + "Hb4-Nc6_Qd1!Se3#Tf5$Ug7" * 2,
    "DJANGO_ALLOWED_HOSTS": "trackforge.example.com",
    "DATABASE_URL": "postgres://trackforge:secret@db.internal:5432/trackforge",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "S3_BUCKET": "trackforge-stl",
    "FLOWER_BASIC_AUTH": "ops:a-long-flower-password",
}


def _run_manage(env_overrides: dict, *args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"CI", "DJANGO_DEBUG"}}
    env.update(PRODUCTION_ENV)
    env.update({"TRACKFORGE_VAR_DIR": str(tmp_path / "var"), "STATIC_ROOT": str(tmp_path / "static")})
    env.update(env_overrides)
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = _run_manage({}, "check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "JWT_SIGNING_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL",
                                     "REDIS_URL", "S3_BUCKET", "FLOWER_BASIC_AUTH"])
def test_production_refuses_to_start_without_required_setting(tmp_path, missing):
    result = _run_manage({missing: None}, "check", tmp_path=tmp_path)
    assert result.returncode != 0
    assert missing in result.stderr or "ImproperlyConfigured" in result.stderr


def test_production_settings_values(tmp_path):
    code = (
        "from django.conf import settings as s; import json; print(json.dumps({'debug': s.DEBUG, "
        "'hsts': s.SECURE_HSTS_SECONDS, 'cookies': s.SESSION_COOKIE_SECURE and s.CSRF_COOKIE_SECURE, "
        "'log': s.LOGGING['handlers']['console']['formatter'], 'exempt': s.SECURE_REDIRECT_EXEMPT}))"
    )
    result = _run_manage({}, "shell", "-c", code, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["debug"] is False and values["hsts"] >= 31536000 and values["cookies"] is True
    assert values["log"] == "json"
    assert r"^healthz$" in values["exempt"]
