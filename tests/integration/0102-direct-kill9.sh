#!/usr/bin/env bash
# 0102-direct-kill9: kill -9 the direct worker twice mid-run while a producer
# is still writing, restart it each time: verify 0 lost and 0 visible
# duplicates (a replayed range rewrites the same sink file), and show the
# restarted worker inherited the range its predecessor had pinned.
. "$(dirname "$0")/../lib.sh"

T=kill-$$-$RANDOM
G="g-$T"
run_worker() { # run_worker STATE-DIR [extra flags...]
  local st=$1; shift
  exec "$IB" run --mode direct --brokers "$BROKERS" --zookeeper "$ZK" --topic "$T" --group "$G" \
    --sink "dir:$WORK/out" --state-dir "$st" --max-records-per-partition 500 --batch-ms 20 \
    --zk-session-timeout-ms 2000 -q "$@"
}

# create the topic, then write 120,000 more records at 20,000/s in the background
"$IB" produce --brokers "$BROKERS" --topic "$T" --records 1 --partitions 6 --run-id seed >/dev/null
bg "$IB" produce --brokers "$BROKERS" --topic "$T" --records 120k --rate 20000 --bad-ratio 0.005
producer=$BG_PID

for round in 1 2; do
  bg run_worker "$WORK/state-$round"
  w=$BG_PID
  before=$(count_files "$WORK/out")
  wait_until 60 "worker $round to write 8 more ranges" \
    bash -c "[ \$(find '$WORK/out' -maxdepth 1 -name '*.jsonl' | wc -l) -ge $((before + 8)) ]"
  kill -KILL "$w"
  wait "$w" 2>/dev/null || true
  note "killed worker $round after $(count_files "$WORK/out") range files"
done

wait_exit 60 "$producer" || fail "producer failed"
timeout 120 bash -c "$(declare -f run_worker); IB='$IB' BROKERS='$BROKERS' ZK='$ZK' T='$T' G='$G' WORK='$WORK' \
  run_worker '$WORK/state-3' --exit-when-idle 5000" || fail "final worker exited with an error"

expect_rc 0 "$IB" verify --brokers "$BROKERS" --topic "$T" --sink "dir:$WORK/out" \
  --json "$WORK/verify.json" --expect "produced=120001,lost=0,duplicates=0,unexpected=0"
cat "$WORK/out.txt" >&2
# The restarted workers picked up ranges pinned by the killed ones.
grep -h '"event":"assign"' "$WORK"/state-2/events.jsonl "$WORK"/state-3/events.jsonl \
  | grep -q '"inherited_range":true' || fail "no restarted worker inherited a pinned range"
note "2 kills, restart each time: 0 lost, 0 duplicates"
