#!/bin/sh
# Container entry point for every role. prometheus_client's multiprocess mode keeps one file per
# process in PROMETHEUS_MULTIPROC_DIR; files left by a previous run would be summed in, so the
# directory starts empty each time the container starts.
set -eu
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
  rm -rf "${PROMETHEUS_MULTIPROC_DIR:?}"/*
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
exec "$@"
