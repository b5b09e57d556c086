#!/usr/bin/env bash
# 0116-full-disk: a full disk (ENOSPC, injected) under the write-ahead log
# (receiver), the checkpoint file (checkpoint) and the sink (direct) stops the
# worker with one line naming the file and the reason, exit 1, status
# "failed"; a restart without the fault delivers every record: nothing it had
# committed is lost (#16).
. "$(dirname "$0")/../lib.sh"

cases=("receiver wal.write:4:ENOSPC write-ahead log"
       "checkpoint checkpoint.write:3:ENOSPC checkpoint"
       "direct sink.write:3:ENOSPC out/")
for c in "${cases[@]}"; do
  read -r mode fault what <<<"$c"
  T="full-$mode-$$-$RANDOM"
  flags=(--mode "$mode" --brokers "$BROKERS" --topic "$T" --group "g-$T" --sink "dir:$WORK/$T/out"
         --state-dir "$WORK/$T/state" -q)
  [ "$mode" = direct ] && flags+=(--zookeeper "$ZK")
  # small batches, so that the fault lands after some have been committed
  if [ "$mode" = receiver ]; then small=(-X message.max.bytes=20000 -X fetch.max.bytes=200000 -X max.partition.fetch.bytes=20000)
  else small=(--max-records-per-partition 2000); fi
  "$IB" produce --brokers "$BROKERS" --topic "$T" --records 30000 --partitions 3 --seed 5 >/dev/null || fail "produce"
  rc=0
  INGESTBENCH_FAULTS=$fault timeout 120 "$IB" run "${flags[@]}" "${small[@]}" \
    2>"$WORK/err.txt" || rc=$?
  [ "$rc" = 1 ] || { cat "$WORK/err.txt" >&2; fail "$mode $fault: exit $rc, want 1"; }
  line=$(tail -1 "$WORK/err.txt")
  echo "$line" | grep -q "ingestbench run: .*$what.*No space left on device" ||
    { cat "$WORK/err.txt" >&2; fail "$mode $fault: the last line does not name the file and the full disk: $line"; }
  grep -q '"status": "failed"' "$WORK/$T/state/stats.json" || fail "$mode $fault: stats.json does not say failed"
  timeout 180 "$IB" run "${flags[@]}" --exit-when-idle 4000 || fail "$mode: restart failed"
  expect_rc 0 "$IB" verify --brokers "$BROKERS" --topic "$T" --sink "dir:$WORK/$T/out" \
    --expect "produced=30000,lost=0,unexpected=0"
  note "$mode, $fault: '$line'; after a restart lost 0, duplicates $(table_value duplicates "$WORK/out.txt")"
done
