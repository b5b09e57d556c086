#!/usr/bin/env bash
# evaluate.sh: the main job on a fresh machine. Installs what is missing
# (scripts/deps.sh), builds, and runs `ingestbench evaluate --profile quick`:
# on the embedded default (librdkafka's mock Kafka cluster and a local
# ZooKeeper from Debian's package), the same-run bench, then every mode under
# every fault class the mock cluster can take, and writes report.md and
# report.html; it prints the matrix and where the report is.
#
# Usage: scripts/evaluate.sh [EVALUATE OPTIONS]   e.g. --profile standard (the local
#        Kafka, 5 seeds per cell), --modes direct,receiver, --faults kill,pause, --seeds 3
# Folder: evaluations/PROFILE-TIME (git-ignored) unless --out DIR. Exit codes: evaluate's.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-}" in
  -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac
"$repo/scripts/deps.sh"
cmake -S "$repo" -B "$repo/build" >/dev/null
cmake --build "$repo/build" -j"$(nproc)" >/dev/null
cd "$repo"
exec "$repo/build/ingestbench" evaluate --profile quick "$@"
