#!/usr/bin/env bash
# 0302-spark-chaos (label peer, opt-in: scripts/test.sh --label peer): Spark
# Structured Streaming itself under chaos, through the external-consumer
# contract (chaos/EXTERNAL.md) and its shipped adapter
# (chaos/external/spark-consumer.sh), on the real cluster. For each scenario
# named (default: spark-kill and spark-stop; 0303 gives spark-broker-bounce on
# 3 brokers):
#   - the Spark run passes its expectations (nothing lost, nothing written
#     twice, no worker failure), its output is read as its file sink's log says
#     (uncommitted files counted apart), the events its adapter logs (each
#     committed batch's offset ranges) are read as its history, so its
#     progress is measured (a recovery time for each fault) and any duplicate
#     would be explained, and no Python or JVM process of it is left behind;
#   - the same scenario with the built-in checkpoint and direct modes in its
#     place (the same producer, topic and faults; one worker), for the
#     comparison;
#   - one report over all of them has a row for Spark beside the modes.
# Prints one line per run: subject, duplicates, lost, recovery.
. "$(dirname "$0")/../lib.sh"
S=$IB_REPO/chaos/scenarios
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(spark-kill spark-stop)
"$IB_REPO/scripts/peers/spark/setup.sh" >"$WORK/setup.log" 2>&1 || { tail -5 "$WORK/setup.log" >&2; fail "setup.sh failed"; }
venv=${INGESTBENCH_PEER_CACHE:-$IB_REPO/.cache/peers/spark}/venv

summary() { # RESULTS: "subject duplicates lost recovery"
  json_get "$1" '"%s %s: %d duplicates, %d lost, recovery %s ms, %s" % (d["scenario_name"],
    ("external:" + d["external"]["name"]) if "external" in d else d["scenario"]["mode"], d["counts"]["duplicates"],
    d["counts"]["lost"], d["recovery_ms"]["max"], "PASS" if d["verdict"]["pass"] else "FAIL")'
}

results=()
for name in "${scenarios[@]}"; do
  out=$WORK/$name
  chaos_run "$out" "$S/$name.json"
  [ "$CHAOS_RC" = 0 ] || chaos_failed "$out" "$name"
  no_leftovers "$venv"
  R=$out/results.json
  python3 - "$R" <<'PY' || fail "$name: $(json_get "$R" 'd["counts"], d.get("external"), d["recovery_ms"]')"
import json, os, sys
d = json.load(open(sys.argv[1]))
c = d["counts"]
# the fault must find Spark at work: its first batch (from its start, as its event log
# says; the harness started it with the run) before the fault was applied
ev = [json.loads(l) for l in open(os.path.join(os.path.dirname(sys.argv[1]), "workers/w1/events.jsonl"))]
batches = [e["t_ms"] - ev[0]["t_ms"] for e in ev if e["event"] == "batch"]
fault = d["schedule"][0]["applied_ms"]
assert batches and batches[0] < fault, ("Spark's first batch came at +%.1f s, after the fault at +%.1f s: this run "
                                        "measured its start-up, not the fault" % (batches[0] / 1e3 if batches else -1,
                                                                                  fault / 1e3))
assert d["drained"], "not drained"
assert c["lost"] == 0 and c["unexpected"] == 0 and c["produced"] > 0, c
x = d["external"]
assert x["name"] == "spark" and x["event_log"] and x["progress"] == "event log", x
assert d["figures"]["uncommitted_files"] == d["external"]["uncommitted_files"] >= 0
rec = d["recovery_ms"]["max"]
assert isinstance(rec, int) and rec > 0, "no recovery time from the batch files: %r" % rec
assert d["throughput"]["overall"] > 0, d["throughput"]
assert sum(w["failures"] for w in d["workers"]) == 0, d["workers"]
PY
  ls "$out"/sink/w1/_spark_metadata/0 >/dev/null || fail "$name: no file sink log in $out/sink/w1"
  resumed=$(grep -c 'stopped inside batch' "$out/workers/w1.err" || true)
  note "$(summary "$R"); $(json_get "$R" 'd["external"]["uncommitted_files"]') uncommitted files skipped; resumed inside a batch $resumed times"
  results+=("$R")
  for mode in checkpoint direct; do
    jq --arg m "$mode" '.name = .name + "-as-" + $m | .mode = $m | del(.external)
        | .options = (if $m == "direct" then {"batch-ms": 20, "zk-session-timeout-ms": 10000} else {"batch-ms": 20} end)
        | .expect = ["lost == 0", "unexpected == 0", "worker_failures == 0"]' "$S/$name.json" >"$WORK/$name-$mode.json"
    chaos_run "$WORK/$name-$mode" "$WORK/$name-$mode.json"
    [ "$CHAOS_RC" = 0 ] || chaos_failed "$WORK/$name-$mode" "$name as $mode"
    note "$(summary "$WORK/$name-$mode/results.json")"
    results+=("$WORK/$name-$mode/results.json")
  done
done

expect_rc 0 "$IB" report "${results[@]}" --out "$WORK/report" --no-charts
grep -q '| external:spark |' "$WORK/report/report.md" || fail "the report has no row for Spark"
for mode in checkpoint direct; do
  grep -q "| $mode |" "$WORK/report/report.md" || fail "the report has no row for $mode"
done
