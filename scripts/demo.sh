#!/usr/bin/env bash
# demo.sh: the main job on the embedded default. Installs what is missing,
# builds, starts ZooKeeper (Debian's package, loopback) and librdkafka's mock
# Kafka cluster, writes 200,000 records (1% malformed), consumes them with the
# direct mode, kills the worker with -9 mid-run, restarts it, and prints the
# verify table: every record accounted for as delivered, dead-lettered or lost.
#
# Usage: scripts/demo.sh [--records N] [--keep]   (--keep: leave the run folder)
# Everything it starts is stopped on exit. Run folder: .demo/ (git-ignored).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
records=200000
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --records) [ $# -ge 2 ] || { echo "demo.sh: --records needs a value" >&2; exit 2; }; records=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

say() { echo "demo: $*" >&2; }
"$repo/scripts/deps.sh"
cmake -S "$repo" -B "$repo/build" >/dev/null
cmake --build "$repo/build" -j"$(nproc)" >/dev/null
IB="$repo/build/ingestbench"

run="$repo/.demo"
rm -rf "$run"
mkdir -p "$run"
export INGESTBENCH_MOCK_FILE="$run/mock.addr"
zkport=22182
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  "$repo/scripts/cluster.sh" down --dir "$run/cluster" 2>/dev/null || true
  [ $keep = 1 ] && say "run folder kept: $run" || rm -rf "$run"
}
trap cleanup EXIT

say "starting ZooKeeper on 127.0.0.1:$zkport"
"$repo/scripts/cluster.sh" up --no-kafka --dir "$run/cluster" --zk-port $zkport >/dev/null
ZK=127.0.0.1:$zkport

"$IB" mock-cluster --topic demo:6 >/dev/null 2>"$run/mock.log" &
pids+=($!)
for _ in $(seq 100); do [ -s "$INGESTBENCH_MOCK_FILE" ] && break; sleep 0.1; done
[ -s "$INGESTBENCH_MOCK_FILE" ] || { say "the mock cluster did not start"; cat "$run/mock.log" >&2; exit 1; }
say "embedded mock Kafka cluster at $(cat "$INGESTBENCH_MOCK_FILE")"

say "producing $records records, 1% malformed"
"$IB" produce --topic demo --records "$records" --bad-ratio 0.01 >"$run/produce.txt"
say "$(cat "$run/produce.txt")"

worker() {
  exec "$IB" run --mode direct --topic demo --group demo --zookeeper "$ZK" --sink "dir:$run/out" \
    --state-dir "$run/state" --max-records-per-partition 2000 --zk-session-timeout-ms 2000 -q "$@"
}
say "consuming with --mode direct; killing the worker with -9 mid-run"
worker & w=$!
pids+=($w)
for _ in $(seq 300); do
  [ "$(find "$run/out" -maxdepth 1 -name '*.jsonl' 2>/dev/null | wc -l)" -ge 20 ] && break
  sleep 0.1
done
kill -KILL "$w" 2>/dev/null || true
wait "$w" 2>/dev/null || true
say "killed after $(find "$run/out" -maxdepth 1 -name '*.jsonl' | wc -l) output ranges; restarting (it waits for the dead session to expire)"
( worker --exit-when-idle 4000 )
say "worker finished; verifying against the topic itself"
"$IB" verify --topic demo --sink "dir:$run/out" --expect lost=0,duplicates=0
