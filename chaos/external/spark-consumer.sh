#!/usr/bin/env bash
# spark-consumer.sh BROKERS TOPIC OUT STATE [JOB-ARGS...]: Spark Structured
# Streaming as an external consumer (chaos/EXTERNAL.md). Runs the Spark peer's
# job (scripts/peers/spark/job.py) with a micro-batch trigger: the Kafka
# source reads TOPIC, the file sink writes JSON Lines into OUT with its log in
# OUT/_spark_metadata, and the checkpoint lives in STATE/checkpoint, kept
# across restarts, so a restarted driver resumes from its last committed
# batch. Its events (start, each committed batch's offset ranges, stop) go
# to STATE/events.jsonl, the contract's optional event log. SIGTERM lets the
# batch in flight finish, then stops the query.
# Needs the pinned Spark set-up: scripts/peers/spark/setup.sh (or
# INGESTBENCH_PEER_CACHE pointing at one).
# Exit codes: 0 stopped, 1 the query failed, 2 usage or Spark not set up.
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: spark-consumer.sh BROKERS TOPIC OUT STATE [JOB-ARGS...]" >&2; exit 2; }
brokers=$1 topic=$2 out=$3 state=$4
shift 4
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${INGESTBENCH_PEER_CACHE:-$root/.cache/peers/spark}
if [ ! -x "$cache/venv/bin/python" ] || [ ! -d "$cache/jars" ]; then
  echo "spark-consumer.sh: the Spark peer is not set up in $cache (run scripts/peers/spark/setup.sh)" >&2
  exit 2
fi
exec "$cache/venv/bin/python" "$root/scripts/peers/spark/job.py" --brokers "$brokers" --topic "$topic" \
  --out "$out" --checkpoint "$state/checkpoint" --jars "$cache/jars" --trigger 1000 \
  --events "$state/events.jsonl" "$@"
