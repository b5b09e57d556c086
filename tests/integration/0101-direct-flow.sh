#!/usr/bin/env bash
# 0101-direct-flow: produce 100,000 records (1% malformed) to the real local
# Kafka, consume them with the direct mode (offsets in the real ZooKeeper),
# verify: 0 lost, 0 duplicates, dead-lettered = the malformed ones.
. "$(dirname "$0")/../lib.sh"

T=flow-$$-$RANDOM
"$IB" produce --brokers "$BROKERS" --topic "$T" --records 100k --partitions 6 --bad-ratio 0.01 \
  --seed 7 >"$WORK/produce.txt" || fail "produce failed"
bad=$(sed -n 's/.*bad=\([0-9]*\).*/\1/p' "$WORK/produce.txt")
grep -q "acked=100000 failed=0" "$WORK/produce.txt" || fail "produce: $(cat "$WORK/produce.txt")"
[ "$bad" -gt 500 ] || fail "expected about 1000 bad records, got $bad"

timeout 180 "$IB" run --mode direct --brokers "$BROKERS" --zookeeper "$ZK" --topic "$T" \
  --group "g-$T" --sink "dir:$WORK/out" --state-dir "$WORK/state" --exit-when-idle 3000 -q \
  || fail "run exited $?"

expect_rc 0 "$IB" verify --brokers "$BROKERS" --topic "$T" --sink "dir:$WORK/out" \
  --json "$WORK/verify.json" --expect "produced=100000,lost=0,duplicates=0,unexpected=0,dead_lettered=$bad"
cat "$WORK/out.txt" >&2

# The worker's own records agree: stats and event log
grep -q '"records_in": 100000' "$WORK/state/stats.json" || fail "stats.json: records_in is not 100000"
grep -q '"status": "finished"' "$WORK/state/stats.json" || fail "stats.json: not finished"
grep -q '"event":"commit".*"ok":true' "$WORK/state/events.jsonl" || fail "no successful commit in the event log"
grep -q '"event":"stop","reason":"idle"' "$WORK/state/events.jsonl" || fail "no idle stop in the event log"
# the client that ran, named where the run is told: --version, the start event, stats.json
client=$("$IB" --version | sed -n 's/.*(librdkafka \(.*\))$/\1/p')
[ -n "$client" ] || fail "--version names no librdkafka"
grep -q "\"event\":\"start\".*\"librdkafka\":\"$client\"" "$WORK/state/events.jsonl" || fail "start event: no librdkafka $client"
grep -q "\"librdkafka\": \"$client\"" "$WORK/state/stats.json" || fail "stats.json: no librdkafka $client"
# Offsets are in ZooKeeper where the issue says: /ingestbench/<group>/offsets/<topic>/<p>
n=$(count '"event":"assign"' "$WORK/state/events.jsonl")
[ "$n" = 6 ] || fail "expected 6 partitions assigned, saw $n"
note "100000 records, $bad dead-lettered, 0 lost, 0 duplicates"
# A topic that does not exist (#16): one line naming it, for a mode with
# ZooKeeper and one without, never a wait without end
for m in direct checkpoint; do
  zk=(); [ "$m" = direct ] && zk=(--zookeeper "$ZK")
  expect_rc 1 timeout 60 "$IB" run --mode "$m" --brokers "$BROKERS" "${zk[@]}" --topic "nosuch-$T" \
    --group "g-nosuch-$T" --sink "dir:$WORK/nosuch" --state-dir "$WORK/nosuch-$m" -q
  [ "$(wc -l <"$WORK/err.txt")" = 1 ] && grep -q "topic nosuch-$T does not exist" "$WORK/err.txt" ||
    fail "$m on a missing topic: $(cat "$WORK/err.txt")"
done
