#!/usr/bin/env bash
# 0109-checkpoint-kill9: the checkpoint mode, killed with -9 twice mid-run
# while a producer writes, restarted each time: 0 lost and 0 visible
# duplicates with the dir sink (the checkpoint pins the range in flight, so
# the restart rewrites the same files). Each kill lands while a batch's output
# is written and its checkpoint is not (the batch.slow fault point holds the
# 3rd batch 5 s before its commit): a kill at a random moment found the pin
# empty more often than not once the worker kept up with the producer. Then a damaged checkpoint: refused
# with the file and the reason (exit 1) unless --checkpoint-recovery says
# what to do; and `checkpoint show` prints it.
. "$(dirname "$0")/../lib.sh"

T="ckpt-$$-$RANDOM"
flags=(--mode checkpoint --brokers "$BROKERS" --topic "$T" --group "g-$T" --sink "dir:$WORK/out"
       --state-dir "$WORK/state" --max-records-per-partition 500 --batch-ms 20 -q)
"$IB" produce --brokers "$BROKERS" --topic "$T" --records 1 --partitions 4 --run-id seed >/dev/null
bg "$IB" produce --brokers "$BROKERS" --topic "$T" --records 79999 --rate 20000
producer=$BG_PID
for round in 1 2; do
  bg env INGESTBENCH_FAULTS=batch.slow:3:5000 "$IB" run "${flags[@]}"
  w=$BG_PID
  wait_until 60 "round $round: the slowed batch" \
    bash -c "[ \$(grep -c '\"event\":\"slow_batch\"' '$WORK/state/events.jsonl') -ge $round ]"
  kill -KILL "$w"
  wait "$w" 2>/dev/null || true
done
wait_exit 60 "$producer" || fail "producer failed"
timeout 120 "$IB" run "${flags[@]}" --exit-when-idle 3000 || fail "final run failed"
expect_rc 0 "$IB" verify --brokers "$BROKERS" --topic "$T" --sink "dir:$WORK/out" \
  --expect "produced=80000,lost=0,duplicates=0,unexpected=0"
cat "$WORK/out.txt" >&2
grep -q '"inherited_range":true' "$WORK/state/events.jsonl" || fail "no restart inherited a pinned range"

expect_rc 0 "$IB" checkpoint show "$WORK/state/checkpoint"
grep -q '"version": 2' "$WORK/out.txt" || fail "checkpoint show: no version"
grep -q "\"topic\": \"$T\"" "$WORK/out.txt" || fail "checkpoint show: wrong topic"

# damage the checkpoint: refused, naming file and reason ...
printf 'xx' | dd of="$WORK/state/checkpoint" bs=1 seek=30 conv=notrunc status=none
expect_rc 1 "$IB" run "${flags[@]}" --exit-when-idle 1000
grep -q "ingestbench run: $WORK/state/checkpoint: checksum mismatch (start anyway with --checkpoint-recovery" \
  "$WORK/err.txt" || { cat "$WORK/err.txt" >&2; fail "damaged checkpoint not refused clearly"; }
expect_rc 1 "$IB" checkpoint show "$WORK/state/checkpoint"
# ... unless told to fall back to the previous one: still 0 lost, 0 duplicates
expect_rc 0 "$IB" run "${flags[@]}" --exit-when-idle 1000 --checkpoint-recovery previous
grep -q '"event":"checkpoint_loaded","from":"checkpoint.prev"' "$WORK/state/events.jsonl" || fail "fallback not used"
expect_rc 0 "$IB" verify --brokers "$BROKERS" --topic "$T" --sink "dir:$WORK/out" \
  --expect "produced=80000,lost=0,duplicates=0,unexpected=0"
note "2 kills: 0 lost, 0 duplicates; damaged checkpoint refused, then recovered from checkpoint.prev"
