#!/usr/bin/env bash
# 0107-receiver-wal-faults: an injected write failure and an injected fsync
# failure of the write-ahead log stop the receiver with one clear error line
# and exit 1; nothing it acknowledged (committed) is lost: a restart without
# the fault delivers everything. Also: offsets kept in ZooKeeper
# (--offsets zk) under /consumers/<group>/offsets/<topic>/<partition>, and a
# restart resumes from them.
. "$(dirname "$0")/../lib.sh"

for fault in wal.write:5 wal.fsync:5; do
  T="walf-${fault%%:*}-$$-$RANDOM"
  T=${T//./-}
  G="g-$T"
  flags=(--mode receiver --brokers "$BROKERS" --topic "$T" --group "$G" --sink "dir:$WORK/$T/out"
         --state-dir "$WORK/$T/state" -q)
  "$IB" produce --brokers "$BROKERS" --topic "$T" --records 40000 --partitions 6 >/dev/null
  rc=0
  INGESTBENCH_FAULTS=$fault timeout 60 "$IB" run "${flags[@]}" -X message.max.bytes=20000 -X fetch.max.bytes=200000 \
    -X max.partition.fetch.bytes=20000 2>"$WORK/err.txt" || rc=$?
  [ "$rc" = 1 ] || { cat "$WORK/err.txt" >&2; fail "$fault: exit $rc, want 1"; }
  what=${fault#wal.}; what=${what%%:*}
  tail -1 "$WORK/err.txt" | grep -q "ingestbench run: write-ahead log .*: $what failed" \
    || { cat "$WORK/err.txt" >&2; fail "$fault: no clear error line"; }
  line=$(tail -1 "$WORK/err.txt")
  grep -q '"status": "failed"' "$WORK/$T/state/stats.json" || fail "$fault: stats.json does not say failed"
  timeout 120 "$IB" run "${flags[@]}" --exit-when-idle 4000 || fail "$fault: restart failed"
  expect_rc 0 "$IB" verify --brokers "$BROKERS" --topic "$T" --sink "dir:$WORK/$T/out" \
    --expect "produced=40000,lost=0,unexpected=0"
  note "$fault: stopped with '$line'; after restart: lost 0, duplicates $(table_value duplicates "$WORK/out.txt")"
done

# --offsets zk
T="walzk-$$-$RANDOM"
G="g-$T"
flags=(--mode receiver --brokers "$BROKERS" --topic "$T" --group "$G" --sink "dir:$WORK/zk/out"
       --state-dir "$WORK/zk/state" --offsets zk --zookeeper "$ZK" -q)
"$IB" produce --brokers "$BROKERS" --topic "$T" --records 30000 --partitions 3 >/dev/null
timeout 120 "$IB" run "${flags[@]}" --exit-when-idle 3000 || fail "zk: run failed"
grep -q '"event":"commit".*"to":"zk","ok":true' "$WORK/zk/state/events.jsonl" || fail "zk: no successful ZooKeeper commit"
# a restart resumes from the offsets in ZooKeeper: nothing is read again
timeout 60 "$IB" run "${flags[@]}" --exit-when-idle 3000 || fail "zk: restart failed"
grep -q '"records_received": 0' "$WORK/zk/state/stats.json" || fail "zk: the restart read records again"
last=$(grep '"event":"rebalance","kind":"assign"' "$WORK/zk/state/events.jsonl" | tail -1 || true)
[ -n "$last" ] || fail "zk: the restart logged no assignment"
echo "$last" | grep -q '"offset":-1001' && fail "zk: restart did not take offsets from ZooKeeper: $last"
expect_rc 0 "$IB" verify --brokers "$BROKERS" --topic "$T" --sink "dir:$WORK/zk/out" \
  --expect "produced=30000,lost=0,duplicates=0"
note "--offsets zk: restart resumed from ZooKeeper ($last)"

# ingestbench wal verify / dump on that log: intact, then with one byte flipped
wal="$WORK/zk/state/wal"
expect_rc 0 "$IB" wal verify "$wal"
grep -q " 0 corruptions" "$WORK/out.txt" || fail "wal verify: $(cat "$WORK/out.txt")"
"$IB" wal dump "$wal" >"$WORK/dump.jsonl" || fail "wal dump failed"
grep -q '"type":"data".*"kafka_offset"' "$WORK/dump.jsonl" || fail "wal dump printed no records"
seg=$(ls -S "$wal"/wal-*.log | head -1)
[ "$(stat -c %s "$seg")" -gt 5000 ] || fail "no segment with data to damage"
printf '\377' | dd of="$seg" bs=1 seek=3000 conv=notrunc status=none
expect_rc 1 "$IB" wal verify "$wal"
grep -q "CORRUPT: $seg: checksum mismatch at byte" "$WORK/err.txt" || { cat "$WORK/err.txt" >&2; fail "wal verify did not name the file and offset"; }
note "wal verify: $(head -1 "$WORK/err.txt")"
