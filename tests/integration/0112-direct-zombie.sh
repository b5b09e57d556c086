#!/usr/bin/env bash
# 0112-direct-zombie: a direct worker paused (SIGSTOP) past its ZooKeeper
# session timeout while a second worker takes its partitions over, then
# resumed: it finds its session expired, records a 'fenced' event per
# partition it held (with the epoch that replaced it), reconnects, claims
# its fair share again, and never fails on a file (its temporary names are
# its own). SIGTERM stops it with exit 0. Then: lost 0, duplicates 0.
. "$(dirname "$0")/../lib.sh"

T="zombie-$$-$RANDOM"
G="g-$T"
flags=(--mode direct --brokers "$BROKERS" --zookeeper "$ZK" --topic "$T" --group "$G" --sink "dir:$WORK/out"
       --zk-session-timeout-ms 3000 --max-records-per-partition 500 --batch-ms 20 -q)
"$IB" produce --brokers "$BROKERS" --topic "$T" --records 1 --partitions 6 --run-id seed >/dev/null
bg "$IB" produce --brokers "$BROKERS" --topic "$T" --records 59999 --rate 6000
producer=$BG_PID
bg "$IB" run "${flags[@]}" --state-dir "$WORK/w1" 2>"$WORK/w1.err"
w1=$BG_PID
wait_until 30 "worker 1 to commit" grep -q '"event":"commit"' "$WORK/w1/events.jsonl"
kill -STOP "$w1"
bg "$IB" run "${flags[@]}" --state-dir "$WORK/w2" --exit-when-idle 5000 2>"$WORK/w2.err"
w2=$BG_PID
wait_until 30 "worker 2 to take partitions over" grep -q '"event":"assign"' "$WORK/w2/events.jsonl"
sleep 4 # well past the 3 s session: worker 1 is a zombie now
kill -CONT "$w1"
fenced_seen() { grep -q '"event":"fenced"' "$WORK/w1/events.jsonl"; }
for i in $(seq 1 150); do fenced_seen && break; sleep 0.2; done
fenced_seen || { grep -v '^%' "$WORK/w1.err" | tail -5 >&2; tail -5 "$WORK/w1/events.jsonl" >&2
                 fail "worker 1 did not notice it was fenced within 30 s"; }
wait_exit 60 "$producer" || fail "producer failed"
wait_until 90 "every record delivered" "$IB" verify --brokers "$BROKERS" --topic "$T" --sink "dir:$WORK/out" \
  --expect "produced=60000,lost=0"
kill -TERM "$w1"
wait_exit 30 "$w1" || { cat "$WORK/w1.err" >&2; fail "the fenced worker did not exit 0 on SIGTERM"; }
wait_exit 90 "$w2" || { cat "$WORK/w2.err" >&2; fail "worker 2 failed"; }
grep -qi "rename\|No such file" "$WORK/w1.err" && { cat "$WORK/w1.err" >&2; fail "the zombie hit a file error"; }
expect_rc 0 "$IB" verify --brokers "$BROKERS" --topic "$T" --sink "dir:$WORK/out" \
  --expect "produced=60000,lost=0,duplicates=0,unexpected=0"
fenced=$(grep '"event":"fenced"' "$WORK/w1/events.jsonl" | head -1)
echo "$fenced" | grep -q '"by_epoch":-1' && fail "fenced event without the replacing epoch: $fenced"
note "RESULT zombie: $(count '"event":"fenced"' "$WORK/w1/events.jsonl") fenced events ($fenced), session renewed $(count '"event":"session_expired"' "$WORK/w1/events.jsonl") time(s); lost 0, duplicates 0"
