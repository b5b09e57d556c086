#!/usr/bin/env bash
# 0103-direct-takeover: two direct workers share 6 partitions through
# ZooKeeper; one is killed with -9; once its session expires the other takes
# its partitions over. Verify: 0 lost (and, with pinned ranges, 0 duplicates).
. "$(dirname "$0")/../lib.sh"

T=take-$$-$RANDOM
G="g-$T"
worker() { # worker NAME [extra flags...]
  local name=$1; shift
  exec "$IB" run --mode direct --brokers "$BROKERS" --zookeeper "$ZK" --topic "$T" --group "$G" \
    --sink "dir:$WORK/out" --state-dir "$WORK/$name" --worker-id "$name" \
    --max-records-per-partition 500 --batch-ms 20 --zk-session-timeout-ms 2000 -q "$@"
}
owned() { # owned NAME: partitions NAME holds now (assigns minus revokes)
  awk -F'"partition":' '/"event":"assign"/ {split($2,a,","); o[a[1]]=1}
                        /"event":"revoke"/ {split($2,a,","); delete o[a[1]]}
                        END {n=0; for (k in o) n++; print n}' "$WORK/$1/events.jsonl" 2>/dev/null || echo 0
}

"$IB" produce --brokers "$BROKERS" --topic "$T" --records 1 --partitions 6 --run-id seed >/dev/null
bg "$IB" produce --brokers "$BROKERS" --topic "$T" --records 120k --rate 20000
producer=$BG_PID
bg worker A
a=$BG_PID
bg worker B --exit-when-idle 6000
b=$BG_PID

wait_until 30 "A and B to hold 3 partitions each" \
  bash -c "[ \"\$($(declare -f owned); WORK='$WORK' owned A)\" = 3 ] && [ \"\$($(declare -f owned); WORK='$WORK' owned B)\" = 3 ]"
wait_until 30 "A to process a batch" grep -q '"event":"batch"' "$WORK/A/events.jsonl"
kill -KILL "$a"
wait "$a" 2>/dev/null || true
note "killed A while it held 3 partitions"

wait_until 30 "B to take A's partitions over" \
  bash -c "[ \"\$($(declare -f owned); WORK='$WORK' owned B)\" = 6 ]"
wait_exit 60 "$producer" || fail "producer failed"
wait_exit 120 "$b" || fail "worker B exited with an error"

expect_rc 0 "$IB" verify --brokers "$BROKERS" --topic "$T" --sink "dir:$WORK/out" \
  --json "$WORK/verify.json" --expect "produced=120001,lost=0,duplicates=0,unexpected=0"
cat "$WORK/out.txt" >&2
note "B took over A's 3 partitions: 0 lost, 0 duplicates"
