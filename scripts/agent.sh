#!/usr/bin/env bash
# Set everything up, then run the agent in the foreground: /metrics, /status, /healthz on :9102,
# OTLP push when OTEL_EXPORTER_OTLP_ENDPOINT is set. Arguments go to `kubeskoop-otel run`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
# V8 flags and environment: receiver/cli/node-flags.ts (why, and what they save)
export MALLOC_ARENA_MAX=1
export MALLOC_MMAP_THRESHOLD_=131072
exec node --max-semi-space-size=1 --no-memory-reducer --no-concurrent-recompilation "$root/dist/kubeskoop-otel.js" run "$@"
