#!/usr/bin/env bash
# 0120-transactional: the Kafka sink and the transactional mode on the real
# broker.
#
#   kill mid-transaction   worker w1's 3rd batch stops for 30 s after its
#       output was produced into the open transaction (batch.slow); it is
#       killed -9 there and started again with the same worker id (so the
#       same transactional.id): its init_transactions aborts the open
#       transaction. A read_committed reader sees every record once (0 lost,
#       0 duplicates); a read_uncommitted reader finds the killed batch's
#       records twice (aborted_records > 0, and no more than that batch's).
#   zombie fenced          workers a and b share the group; a's 3rd batch
#       outlives max.poll.interval.ms (6 s) mid-transaction, so the group
#       moves on without it and b takes its partitions. When a resumes, its
#       offsets are refused (a stale generation: KIP-447's fence): the
#       transaction is aborted and a rewinds. 0 lost, 0 visible duplicates,
#       and a's event log shows the aborted transaction.
#   twins              two workers with the same worker id, so the same
#       transactional.id: the second's init_transactions fences the first,
#       whose commit fails with _FENCED; it replaces its producer. 0 lost,
#       0 visible duplicates once a third worker drained what is left.
#   the Kafka sink under every other mode, no fault: direct, receiver,
#       async-commit and checkpoint each write 60k records to an output
#       topic of their own; 0 lost, 0 duplicates, nothing aborted.
#   an undelivered record: the 30000th delivery report of an async-commit
#       worker's Kafka sink fails (fault point ksink.deliver); the worker
#       stops with exit 1 and one line naming it, and once started again it
#       leaves nothing lost: it had committed nothing past the record.
. "$(dirname "$0")/../lib.sh"

T=tx-$$-$RANDOM
"$IB" produce --brokers "$BROKERS" --topic "$T" --partitions 6 --records 60k --bad-ratio 0.01 --seed 20 \
  >"$WORK/produce.txt" 2>&1 || fail "produce failed"
bad=$(sed -n 's/.*bad=\([0-9]*\).*/\1/p' "$WORK/produce.txt")

txn_flags=(--brokers "$BROKERS" --mode transactional --topic "$T" --txn-records 4000 --batch-ms 20 -q
           -X heartbeat.interval.ms=500 -X session.timeout.ms=6000 -X max.poll.interval.ms=6000)

# ---- kill -9 mid-transaction, restart with the same worker id ---------------------------
st=$WORK/kill
bg env INGESTBENCH_FAULTS=batch.slow:3:30000 "$IB" run "${txn_flags[@]}" --group "k-$T" --sink "kafka:$T-out-k" \
  --state-dir "$st" --worker-id w1
w1=$BG_PID
wait_until 60 "w1's slow batch" grep -q '"event":"slow_batch"' "$st/events.jsonl"
kill -KILL "$w1"
wait "$w1" 2>/dev/null || true
open_batch=$(grep '"event":"txn_begin"' "$st/events.jsonl" | tail -1 | sed 's/.*"batch":\([0-9]*\).*/\1/')
open_records=$(grep '"event":"txn_begin"' "$st/events.jsonl" | tail -1 | sed 's/.*"records":\([0-9]*\).*/\1/')
grep -q "\"event\":\"transaction\",\"batch\":$open_batch," "$st/events.jsonl" \
  && fail "batch $open_batch's transaction ended before the kill: nothing was open"
timeout 180 "$IB" run "${txn_flags[@]}" --group "k-$T" --sink "kafka:$T-out-k" --state-dir "$st" --worker-id w1 \
  --exit-when-idle 3000 2>"$st.err" || { cat "$st.err" >&2; fail "the restarted worker exited $?"; }
expect_rc 0 "$IB" verify --brokers "$BROKERS" --topic "$T" --sink "kafka:$T-out-k" --dead-letter "$st/deadletter" \
  --expect "produced=60000,lost=0,duplicates=0,unexpected=0,dead_lettered=$bad"
aborted=$(table_value aborted_records "$WORK/out.txt")
log_dups=$(table_value log_duplicates "$WORK/out.txt")
[ "$aborted" -gt 0 ] || fail "the killed transaction left nothing aborted in the log (want > 0)"
[ "$aborted" -le "$open_records" ] || fail "$aborted aborted records, more than the open batch's $open_records"
[ "$log_dups" -le "$aborted" ] || fail "$log_dups duplicates in the log, more than the $aborted aborted records"
note "kill -9 mid-transaction: 0 lost, 0 visible duplicates; $aborted records of the open batch ($open_records read) aborted in the log"

# ---- a zombie fenced by the group's next generation -----------------------------------
z=$WORK/zombie
bg env INGESTBENCH_FAULTS=batch.slow:3:12000 "$IB" run "${txn_flags[@]}" --group "z-$T" --sink "kafka:$T-out-z" \
  --state-dir "$z-a" --worker-id a --exit-when-idle 4000
wa=$BG_PID
# b joins once a's 3rd batch has begun (a alone holds all 6 partitions, so it has one):
# started together, b could take every partition while a was still joining, and a
# would never reach the slow batch (seen once in CI).
wait_until 60 "a's slow batch" grep -q '"event":"slow_batch"' "$z-a/events.jsonl"
bg "$IB" run "${txn_flags[@]}" --group "z-$T" --sink "kafka:$T-out-z" --state-dir "$z-b" --worker-id b \
  --exit-when-idle 8000
wb=$BG_PID
rc=0; wait_exit 240 "$wa" || rc=$?
[ "$rc" = 0 ] || fail "worker a exited $rc"
rc=0; wait_exit 240 "$wb" || rc=$?
[ "$rc" = 0 ] || fail "worker b exited $rc"
grep -q '"event":"slow_batch"' "$z-a/events.jsonl" || fail "worker a never had its slow batch"
aborted_tx=$(count '"outcome":"aborted"' "$z-a/events.jsonl")
recreated_tx=$(count '"outcome":"recreated"' "$z-a/events.jsonl")
[ $((aborted_tx + recreated_tx)) -ge 1 ] || fail "the zombie's transaction was not aborted (events: $z-a/events.jsonl)"
mkdir -p "$z-dead"
cp "$z-a"/deadletter/*.jsonl "$z-b"/deadletter/*.jsonl "$z-dead"/ 2>/dev/null || true
expect_rc 0 "$IB" verify --brokers "$BROKERS" --topic "$T" --sink "kafka:$T-out-z" --dead-letter "$z-dead" \
  --expect "produced=60000,lost=0,duplicates=0,unexpected=0"
cause=$(grep -o '"outcome":"[a-z]*","step":"[a-z_]*","error":"[A-Z_]*' "$z-a/events.jsonl" | grep -v committed | head -1)
note "zombie: its transaction ended ${cause:-?}; 0 lost, 0 visible duplicates," \
  "$(table_value aborted_records "$WORK/out.txt") records aborted in the log"

# ---- a twin: its successor has the same transactional.id ------------------------------
# a's 3rd batch stops for 8 s with its transaction open; b starts meanwhile with the same
# worker id (so the same transactional.id): b's init_transactions fences a's producer and
# aborts a's transaction. a's commit fails with _FENCED: it replaces its producer and
# rewinds. Twins keep fencing each other while both work (one may stop after --max-fenced
# replacements in a row, with a line naming the likely cause): either exit is accepted,
# a third worker drains what is left, and nothing is lost or visible twice.
tw=$WORK/twin
bg env INGESTBENCH_FAULTS=batch.slow:3:8000 "$IB" run "${txn_flags[@]}" --group "t-$T" --sink "kafka:$T-out-t" \
  --state-dir "$tw-a" --worker-id twin --exit-when-idle 4000
ta=$BG_PID
wait_until 60 "the twin's slow batch" grep -q '"event":"slow_batch"' "$tw-a/events.jsonl"
bg "$IB" run "${txn_flags[@]}" --group "t-$T" --sink "kafka:$T-out-t" --state-dir "$tw-b" --worker-id twin \
  --exit-when-idle 4000
tb=$BG_PID
rc=0; wait_exit 240 "$ta" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "twin a exited $rc"
rc=0; wait_exit 240 "$tb" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "twin b exited $rc"
grep -q '"event":"producer_recreated","reason":"_FENCED' "$tw-a/events.jsonl" ||
  fail "twin a was not fenced by its successor (events: $tw-a/events.jsonl)"
timeout 180 "$IB" run "${txn_flags[@]}" --group "t-$T" --sink "kafka:$T-out-t" --state-dir "$tw-c" --worker-id last \
  --exit-when-idle 3000 2>"$tw-c.err" || { cat "$tw-c.err" >&2; fail "the last worker exited $?"; }
mkdir -p "$tw-dead"
cp "$tw-a"/deadletter/*.jsonl "$tw-b"/deadletter/*.jsonl "$tw-c"/deadletter/*.jsonl "$tw-dead"/ 2>/dev/null || true
expect_rc 0 "$IB" verify --brokers "$BROKERS" --topic "$T" --sink "kafka:$T-out-t" --dead-letter "$tw-dead" \
  --expect "produced=60000,lost=0,duplicates=0,unexpected=0"
note "twins: a fenced by its successor's init_transactions ($(count producer_recreated "$tw-a/events.jsonl" "$tw-b/events.jsonl")" \
  "producers replaced); 0 lost, 0 visible duplicates, $(table_value aborted_records "$WORK/out.txt") aborted in the log"

# ---- the Kafka sink under every other mode ---------------------------------------------
for mode in direct receiver async-commit checkpoint; do
  m=$WORK/$mode
  extra=()
  [ "$mode" = direct ] && extra=(--zookeeper "$ZK")
  timeout 180 "$IB" run --brokers "$BROKERS" --mode "$mode" "${extra[@]}" --topic "$T" --group "$mode-$T" \
    --sink "kafka:$T-out-$mode" --state-dir "$m" --exit-when-idle 3000 -q 2>"$m.err" \
    || { cat "$m.err" >&2; fail "$mode with a Kafka sink exited $?"; }
  expect_rc 0 "$IB" verify --brokers "$BROKERS" --topic "$T" --sink "kafka:$T-out-$mode" --dead-letter "$m/deadletter" \
    --expect "produced=60000,lost=0,duplicates=0,unexpected=0,dead_lettered=$bad,aborted_records=0"
  grep -q '"event":"sink_open","type":"kafka"' "$m/events.jsonl" || fail "$mode did not record its Kafka sink"
done
note "the Kafka sink under direct, receiver, async-commit, checkpoint: 0 lost, 0 duplicates each"

# ---- a record the Kafka sink cannot deliver stops the worker; nothing past it is committed --
f=$WORK/undelivered
rc=0
INGESTBENCH_FAULTS=ksink.deliver:30000 timeout 180 "$IB" run --brokers "$BROKERS" --mode async-commit --topic "$T" \
  --group "u-$T" --sink "kafka:$T-out-u" --state-dir "$f" --exit-when-idle 3000 -q 2>"$f.err" || rc=$?
[ "$rc" = 1 ] || { cat "$f.err" >&2; fail "an undelivered record: the worker exited $rc, want 1"; }
[ "$(grep -v '^%' "$f.err" | grep -c 'not delivered within')" = 1 ] ||
  { cat "$f.err" >&2; fail "an undelivered record: want one line naming it"; }
timeout 180 "$IB" run --brokers "$BROKERS" --mode async-commit --topic "$T" --group "u-$T" --sink "kafka:$T-out-u" \
  --state-dir "$f" --exit-when-idle 3000 -q 2>>"$f.err" || { cat "$f.err" >&2; fail "the restarted worker exited $?"; }
expect_rc 0 "$IB" verify --brokers "$BROKERS" --topic "$T" --sink "kafka:$T-out-u" --dead-letter "$f/deadletter" \
  --expect "produced=60000,lost=0,unexpected=0"
note "an undelivered record (the 30000th delivery report failed): the worker stopped with one line, 0 lost after" \
  "its restart, $(table_value duplicates "$WORK/out.txt") duplicates (the failed batch delivered again)"
