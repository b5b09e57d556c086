#!/usr/bin/env bash
# 0301-spark-peer (label peer, opt-in: scripts/test.sh --label peer): installs the
# Spark peer (pyspark from PyPI, the Kafka source's jars from Maven Central), then a
# bench with --peer spark on the real cluster: the peer reads the whole backlog, its
# row has query and whole-life throughput apart, a ratio to the same run's reference,
# and its output holds every record once, flattened with its event date.
. "$(dirname "$0")/../lib.sh"
"$IB_REPO/scripts/peers/spark/setup.sh" >"$WORK/setup.log" 2>&1 || { tail -5 "$WORK/setup.log" >&2; fail "setup.sh failed"; }
"$IB_REPO/scripts/peers/spark/setup.sh" | grep -q 'ready' || fail "setup.sh is not idempotent"

expect_rc 0 "$IB" bench --brokers "$IB_TEST_BROKERS" --zookeeper "$IB_TEST_ZK" --modes checkpoint --pipeline full \
  --records 50k --repeat 1 --no-kcat --no-latency --peer spark --out "$WORK/bench-peer.json" --work-dir "$WORK/w" \
  --no-progress
B=$WORK/bench-peer.json
json_get "$B" "[r for r in d['drain']['subjects'] if r['subject']=='spark'][0]['runs'][0]['records'] >= 50000" \
  | grep -q True || fail "the peer did not read the whole backlog"
json_get "$B" "[r for r in d['drain']['summary'] if r['subject']=='spark'][0]['total_records_per_s']['median'] < \
  [r for r in d['drain']['summary'] if r['subject']=='spark'][0]['records_per_s']['median']" | grep -q True \
  || fail "the peer's whole life (JVM start-up included) is not apart from its query time"
json_get "$B" "'median' in [r for r in d['drain']['summary'] if r['subject']=='spark'][0]['ratio_to_reference']" \
  | grep -q True || fail "no ratio for the peer"
expect_rc 0 "$IB" report "$B" --out "$WORK/report" --no-charts
grep -q '^| spark |' "$WORK/report/report.md" || fail "the report has no row for the peer"
note "$(json_get "$B" "['%s %.0f records/s' % (r['subject'], r['records_per_s']['median']) for r in d['drain']['summary']]")"
