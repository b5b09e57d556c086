# lib.sh: helpers for ingestbench's shell tests (sourced, never run).
# Every wait is bounded; every background process a test starts is killed on exit.
set -euo pipefail

IB=${IB:?IB must name the ingestbench binary}
TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "/tmp/ib-${TEST_NAME}-XXXXXX")
BG_PIDS=()

# A failed test's folder (run folders, event logs, worker stderr) is moved under
# $IB_KEEP_FAILED when that is set (CTest sets BUILD/failed-tests), for diagnosis.
cleanup() {
  local rc=$? pid
  for pid in "${BG_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${IB_KEEP:-0}" = 1 ]; then
    echo "kept $WORK" >&2
  elif [ "$rc" != 0 ] && [ -n "${IB_KEEP_FAILED:-}" ] && mkdir -p "$IB_KEEP_FAILED" &&
       mv "$WORK" "$IB_KEEP_FAILED/" 2>/dev/null; then
    echo "kept the failed test's folder: $IB_KEEP_FAILED/$(basename "$WORK")" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

fail() { echo "FAIL: $TEST_NAME: $*" >&2; exit 1; }
note() { echo "# $TEST_NAME: $*" >&2; }

# bg CMD...: run in the background, remember the pid in $BG_PID
bg() { "$@" & BG_PID=$!; BG_PIDS+=("$BG_PID"); }

# wait_until SECONDS WHAT CMD...: poll CMD every 0.2 s until it succeeds
wait_until() {
  local secs=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "timed out after ${secs}s waiting for $what"
    sleep 0.2
  done
}

# wait_exit SECONDS PID: wait for a background process and return its exit code; 124
# (with a note) when it outlives the bound, so the caller can say which one and why
wait_exit() {
  local secs=$1 pid=$2 i
  for i in $(seq 1 $((secs * 10))); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid"; return $?; }
    sleep 0.1
  done
  note "process $pid still running after ${secs}s"
  return 124
}

# expect_rc WANT CMD...: run CMD, check its exit code
expect_rc() {
  local want=$1 rc=0; shift
  "$@" >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
  [ "$rc" = "$want" ] || { cat "$WORK/err.txt" >&2; fail "'$*' exited $rc, want $want"; }
}

# table_value NAME FILE: a count from verify's table
table_value() { awk -v k="$1" '$1==k {print $2}' "$2"; }

# count PATTERN FILE...: lines holding PATTERN (a fixed string) in the files;
# 0 when none match or a file is missing (never trips set -e or pipefail)
count() { local pat=$1; shift; cat "$@" 2>/dev/null | awk -v p="$pat" 'index($0, p) {n++} END {print n + 0}'; }

# count_files DIR: range files in a sink directory
count_files() { { find "$1" -maxdepth 1 -name '*.jsonl' 2>/dev/null || true; } | wc -l; }

# make_topic TOPIC PARTITIONS RF: create TOPIC with one seed record, retried for up to
# 30 s (right after a broker bounce a new topic's leaders may not take writes yet)
make_topic() {
  local i
  for i in $(seq 1 30); do
    "$IB" produce --brokers "$BROKERS" --topic "$1" --records 1 --partitions "$2" --replication-factor "$3" \
      --run-id seed >/dev/null 2>"$WORK/make_topic.err" && return 0
    sleep 1
  done
  cat "$WORK/make_topic.err" >&2
  fail "could not create topic $1 and write its first record in 30 s"
}

# The cluster the integration fixture started (tests/integration/cluster.sh).
BROKERS=${IB_TEST_BROKERS:-127.0.0.1:29092}
ZK=${IB_TEST_ZK:-127.0.0.1:22181}

# chaos_run OUT SCENARIO [FLAGS...]: `ingestbench chaos` on the fixture's cluster (its
# folder for broker and ZooKeeper faults), the run folder OUT; its exit code in $CHAOS_RC,
# its report in OUT.txt
chaos_run() {
  local out=$1 scenario=$2; shift 2
  CHAOS_RC=0
  "$IB" chaos --scenario "$scenario" --brokers "$BROKERS" --zookeeper "$ZK" \
    --cluster-dir "${IB_TEST_CLUSTER_DIR:?}" --out "$out" --no-progress "$@" >"$out.txt" 2>"$out.err" || CHAOS_RC=$?
}

# chaos_failed OUT WHAT: prints a failed run's report, the harness's stderr and the last
# lines of each worker's stderr, then fails
chaos_failed() {
  local out=$1 f
  { cat "$out.txt" "$out.err"
    for f in "$out"/workers/*.err; do [ -f "$f" ] && { echo "== $f"; grep -v '^%' "$f" | tail -5; }; done; } >&2 || true
  fail "$2: exit $CHAOS_RC"
}

# no_leftovers DIR: no process whose command line names DIR (a run folder) is left
no_leftovers() {
  local left
  left=$(pgrep -af -- "$1" | grep -v pgrep || true)
  [ -z "$left" ] || fail "processes left behind: $left"
}

# json_get FILE EXPR: a value of a JSON file (python3's json; EXPR indexes `d`)
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(($2))" "$1"; }
