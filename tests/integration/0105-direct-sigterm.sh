#!/usr/bin/env bash
# 0105-direct-sigterm: SIGTERM makes a direct worker finish its batch, commit,
# release its partitions and exit 0; a worker started right after takes the
# partitions over at once (no session expiry to wait for) and resumes where
# the first one stopped: 0 lost, 0 duplicates.
. "$(dirname "$0")/../lib.sh"

T=term-$$-$RANDOM
G="g-$T"
worker() {
  local name=$1; shift
  exec "$IB" run --mode direct --brokers "$BROKERS" --zookeeper "$ZK" --topic "$T" --group "$G" \
    --sink "dir:$WORK/out" --state-dir "$WORK/$name" --worker-id "$name" \
    --max-records-per-partition 1000 --zk-session-timeout-ms 30000 -q "$@"
}
"$IB" produce --brokers "$BROKERS" --topic "$T" --records 60k --partitions 6 >/dev/null

bg worker first
w=$BG_PID
wait_until 30 "a committed batch" grep -q '"event":"commit".*"ok":true' "$WORK/first/events.jsonl"
kill -TERM "$w"
rc=0
wait_exit 30 "$w" || rc=$?
[ "$rc" = 0 ] || fail "worker exited $rc after SIGTERM, want 0"
grep -q '"event":"stop","reason":"stopped by signal"' "$WORK/first/events.jsonl" || fail "no clean stop event"
grep -q '"status": "finished"' "$WORK/first/stats.json" || fail "stats.json not final"

# The session timeout is 30 s: a takeover within 10 s proves the locks were released.
start=$(date +%s)
bg worker second --exit-when-idle 3000
s=$BG_PID
wait_until 10 "the second worker to claim all 6 partitions" \
  bash -c "[ \$(grep -c '\"event\":\"assign\"' '$WORK/second/events.jsonl') = 6 ]"
note "second worker held all partitions $(( $(date +%s) - start ))s after the first stopped"
wait_exit 120 "$s" || fail "second worker failed"
expect_rc 0 "$IB" verify --brokers "$BROKERS" --topic "$T" --sink "dir:$WORK/out" \
  --expect "produced=60000,lost=0,duplicates=0,unexpected=0"
cat "$WORK/out.txt" >&2
