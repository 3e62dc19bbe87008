#!/bin/sh
# Prometheus reads secrets from files, not from the environment: write the /metrics bearer token
# to a private file, then start Prometheus with the mounted configuration.
set -eu
mkdir -p /tmp/secrets
umask 077
printf '%s' "${METRICS_TOKEN:?METRICS_TOKEN must be set}" > /tmp/secrets/metrics_token
exec /bin/prometheus \
  --config.file=/etc/prometheus/prometheus.yml \
  --storage.tsdb.path=/prometheus \
  --storage.tsdb.retention.time="${PROMETHEUS_RETENTION:-15d}" \
  --web.enable-lifecycle
