#!/usr/bin/env bash
# 0209-chaos-transactional: the transactional mode under the shipped faults
# that leave a transaction open or a zombie behind, on the real broker: a
# worker killed with -9 mid-run (txn-kill), a worker paused past its session
# inside an open transaction (txn-zombie), a slow batch during a join
# (txn-slow-join). Each scenario's expectations hold: 0 lost and 0
# duplicates for a read_committed reader, every aborted write in the log
# explained by a batch that did not commit; the zombie's and the slow batch's
# transactions leave aborted records. Then async-commit with the same Kafka
# sink under the slow join: idempotence alone does not stop the duplicates
# (reported, every one explained).
. "$(dirname "$0")/../lib.sh"
S=$IB_REPO/chaos/scenarios

for name in txn-kill txn-zombie txn-slow-join; do
  chaos_run "$WORK/$name" "$S/$name.json"
  [ "$CHAOS_RC" = 0 ] || chaos_failed "$WORK/$name" "$name"
  note "$name: 0 lost, 0 visible duplicates; $(json_get "$WORK/$name/results.json" 'd["counts"]["aborted_records"]')" \
    "aborted records in the log, $(json_get "$WORK/$name/results.json" 'len(d["output_log"]["aborted_writes"])') writes, all explained"
done
aborted=$(json_get "$WORK/txn-zombie/results.json" 'd["output_log"]["aborted_writes"][0]["explanation"]')
case "$aborted" in
  *"did not commit"*) ;;
  *) fail "txn-zombie: the zombie's write is not explained by its refused commit: $aborted" ;;
esac

chaos_run "$WORK/async" "$S/kafka-async-slow-join.json"
[ "$CHAOS_RC" = 0 ] || chaos_failed "$WORK/async" "kafka-async-slow-join"
note "kafka-async-slow-join: $(json_get "$WORK/async/results.json" 'd["counts"]["duplicates"]') visible duplicates, all explained"
no_leftovers "$WORK"
