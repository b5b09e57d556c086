#!/usr/bin/env bash
# 0205-chaos-harness: the harness itself. A bad scenario is refused with its
# file and JSON path (exit 2) before anything starts. On the embedded mock
# cluster, brokers are set down and up through mock-cluster's control pipe.
# SIGINT stops and reaps everything the harness started (exit 1, nothing
# left). --repeat with --until-fail stops at the first failing iteration,
# keeps it, and prints the command that replays it; --junit has a case per
# expectation and iteration. Workers started through a launch template run the
# same; a bad template is refused. A worker stopped the moment it starts (SIGTERM
# before it has its handler) exits 0: the stop is held, not lost in the fork
# and not fatal.
. "$(dirname "$0")/../lib.sh"
S=$IB_REPO/chaos/scenarios

# refused before anything starts
printf '{"mode":"direct","producer":{"records":5},"expect":["lost == 0"],"timeline":[{"at_ms":1,"fault":"kill","target":"w4"}]}' \
  >"$WORK/bad.json"
expect_rc 2 "$IB" chaos --scenario "$WORK/bad.json" --brokers mock --out "$WORK/bad"
grep -q "bad.json: \$.timeline\[0\].target: no worker w4 (1 workers at 1 ms)" "$WORK/err.txt" || fail "refusal: $(cat "$WORK/err.txt")"
[ ! -e "$WORK/bad" ] || fail "a refused scenario made its run folder"

# the mock cluster: a broker down and up again under checkpoint workers
cat >"$WORK/mock.json" <<'JSON'
{"name": "mock-broker", "mode": "checkpoint", "options": {"batch-ms": 20}, "topic": {"partitions": 4},
 "brokers": 3, "workers": 2, "producer": {"rate": 5000, "records": 20000},
 "timeline": [{"at_ms": 1000, "fault": "broker-kill", "target": "b2", "restart_after_ms": 1500}],
 "expect": ["lost == 0", "duplicates == 0", "worker_failures == 0"]}
JSON
# its workers start through a launcher (--worker-launch, here env, which execs them), as
# they would start in a container or over ssh; a bad template is refused first
expect_rc 2 "$IB" chaos --scenario "$WORK/mock.json" --brokers mock --worker-launch '["env","{ergs}"]'
grep -q 'unknown placeholder' "$WORK/err.txt" || fail "a bad launch template: $(cat "$WORK/err.txt")"
expect_rc 2 "$IB" chaos --scenario "$IB_REPO/chaos/scenarios/net-slow-broker-checkpoint.json" \
  --worker-launch '["env","{args}"]'
grep -q 'hosts of their own' "$WORK/err.txt" || fail "--worker-launch with hosts: $(cat "$WORK/err.txt")"
launch='["env","INGESTBENCH_LAUNCHED={worker}","'"$IB"'","{args}"]'
rc=0
"$IB" chaos --scenario "$WORK/mock.json" --brokers mock --out "$WORK/mock" --no-progress --worker-launch "$launch" \
  >"$WORK/mock.txt" 2>&1 || rc=$?
[ "$rc" = 0 ] || { cat "$WORK/mock.txt" >&2; fail "mock run: exit $rc"; }
grep -q -- "--worker-launch '" "$WORK/mock.txt" || fail "the replay command lacks --worker-launch"
[ "$(json_get "$WORK/mock/results.json" 'd["workers"][0]["stats"]["status"]')" = finished ] ||
  fail "a launched worker did not finish: $(json_get "$WORK/mock/results.json" 'd["workers"][0]')"
grep -q 'broker 2 down' "$WORK/mock/mock-cluster.log" && grep -q 'broker 2 up' "$WORK/mock/mock-cluster.log" ||
  fail "the mock cluster was not told to set broker 2 down and up"
[ "$(json_get "$WORK/mock/results.json" '(d["versions"]["broker"], d["schedule"][0]["healed_ms"] is not None)')" = \
  "('librdkafka mock cluster', True)" ] || fail "mock results: $(json_get "$WORK/mock/results.json" 'd["schedule"]')"
no_leftovers "$WORK/mock"

# SIGINT in the middle of a run: everything it started is stopped and reaped
sed 's/"records": 20000/"records": 400000/' "$WORK/mock.json" >"$WORK/long.json"
"$IB" chaos --scenario "$WORK/long.json" --brokers mock --out "$WORK/int" --no-progress >"$WORK/int.txt" 2>&1 &
pid=$!
BG_PIDS+=("$pid")
wait_until 60 "the workers' first batches" grep -q '"event":"batch"' "$WORK/int/workers/w1/events.jsonl"
kill -INT "$pid"
rc=0
wait_exit 60 "$pid" || rc=$?
[ "$rc" = 1 ] || { cat "$WORK/int.txt" >&2; fail "interrupted chaos exited $rc, want 1"; }
grep -q 'interrupted' "$WORK/int.txt" || fail "no word of the interruption"
no_leftovers "$WORK/int"

# --until-fail: an expectation that cannot hold fails iteration 1, which is kept and replayable
sed 's/"duplicates == 0"/"duplicates > 0"/' "$WORK/mock.json" >"$WORK/fails.json"
rc=0
"$IB" chaos --scenario "$WORK/fails.json" --brokers mock --out "$WORK/hunt" --repeat 3 --until-fail --seed 77 \
  --junit "$WORK/hunt.xml" --no-progress >"$WORK/hunt.txt" 2>&1 || rc=$?
[ "$rc" = 1 ] || { cat "$WORK/hunt.txt" >&2; fail "--until-fail exited $rc, want 1"; }
grep -q '^chaos: iteration 1 failed (seed 77); artifacts kept in .*/hunt/iteration-1-seed-77$' "$WORK/hunt.txt" ||
  fail "no failing iteration named: $(tail -5 "$WORK/hunt.txt")"
grep -q '^replay: ingestbench chaos --scenario .*fails.json --seed 77 --brokers mock' "$WORK/hunt.txt" || fail "no replay command"
grep -q '^chaos: 0 of 1 runs passed$' "$WORK/hunt.txt" || fail "it went on after the failure"
[ -f "$WORK/hunt/iteration-1-seed-77/results.json" ] || fail "the failing iteration's results are gone"
[ "$(grep -c '<testcase' "$WORK/hunt.xml")" = 3 ] && [ "$(grep -c '<failure' "$WORK/hunt.xml")" = 1 ] ||
  fail "junit: $(cat "$WORK/hunt.xml")"
grep -q 'name="iteration 1: duplicates &gt; 0"' "$WORK/hunt.xml" || fail "junit case name"
# stopped at start: held until the worker's handler exists, then a clean exit
printf '%s' '{"name": "stop-at-start", "mode": "checkpoint", "options": {"batch-ms": 20}, "topic": {"partitions": 2}, "workers": 1, "producer": {"rate": 2000, "records": 4000}, "seed": 1, "timeline": [{"at_ms": 0, "fault": "stop", "target": "w1", "restart_after_ms": 300}], "expect": ["lost == 0", "worker_failures == 0"]}' >"$WORK/stop0.json"
"$IB" chaos --scenario "$WORK/stop0.json" --brokers mock --out "$WORK/stop0" --repeat 2 --no-progress \
  >"$WORK/stop0.txt" 2>&1 || { cat "$WORK/stop0.txt" >&2; fail "a worker stopped at start did not exit cleanly"; }
for f in "$WORK"/stop0/*/results.json; do
  [ "$(json_get "$f" "d['workers'][0]['exits'][0]['how']")" = "exit 0" ] || fail "$f: the stop at start was not a clean exit"
  json_get "$f" "d['workers'][0]['exits'][0]['at_s'] < 2" | grep -q True || fail "$f: the stop at start was not handled at start"
done
no_leftovers "$WORK"
