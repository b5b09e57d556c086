#!/usr/bin/env bash
# 0104-mock-flow: flow 0101 on the embedded default: librdkafka's mock
# cluster hosted by `ingestbench mock-cluster`, commands given no --brokers.
. "$(dirname "$0")/../lib.sh"

export INGESTBENCH_MOCK_FILE="$WORK/mock.addr"
T=mock-$$-$RANDOM
bg "$IB" mock-cluster --topic "$T:6"
mock=$BG_PID
wait_until 20 "the mock cluster's address" test -s "$INGESTBENCH_MOCK_FILE"

"$IB" produce --topic "$T" --records 100k --bad-ratio 0.01 --seed 11 >"$WORK/produce.txt" \
  || fail "produce failed"
bad=$(sed -n 's/.*bad=\([0-9]*\).*/\1/p' "$WORK/produce.txt")
timeout 180 "$IB" run --mode direct --zookeeper "$ZK" --topic "$T" --group "g-$T" \
  --sink "dir:$WORK/out" --state-dir "$WORK/state" --exit-when-idle 3000 -q || fail "run exited $?"
expect_rc 0 "$IB" verify --topic "$T" --sink "dir:$WORK/out" \
  --expect "produced=100000,lost=0,duplicates=0,unexpected=0,dead_lettered=$bad"
cat "$WORK/out.txt" >&2

kill -TERM "$mock"
wait_exit 20 "$mock" || fail "mock cluster did not stop cleanly"
[ ! -e "$INGESTBENCH_MOCK_FILE" ] || fail "mock cluster left its address file behind"
note "mock cluster: 100000 records, $bad dead-lettered, 0 lost, 0 duplicates"
