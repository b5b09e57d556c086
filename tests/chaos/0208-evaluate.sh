#!/usr/bin/env bash
# 0208-evaluate: `ingestbench evaluate` on a tiny matrix (two modes, two fault
# classes, two seeds) on the embedded mock cluster and a local ZooKeeper, and
# `ingestbench gate` against it (#19).
#   - usage errors before anything starts (an unknown profile, row or fault
#     class; no seeds); --dry-run names the cells, and why one does not apply;
#   - every applicable cell ran its two seeds, each seed drew its own fault
#     time (the scenario gives a range), each run's figures are in
#     evaluation.json with a replay command naming the generated scenario and
#     its seed; replaying one gives the same schedule;
#   - the report opens with the matrix (a row per mode, a column per fault
#     class, each cell coloured and linked to its runs);
#   - interrupted (SIGINT) after its first cell, it exits 1 and keeps, writes and
#     reports what finished;
#   - an external consumer is a row (--external chaos/external/kcat.json):
#     the fault classes that need ingestbench's fault points are n/a with the
#     reason, a bad template is refused before anything starts (exit 2, the
#     file's field), and its cell runs, with the checkpoint row beside it, to
#     a results file naming the consumer and a report row;
#   - gate against that evaluation passes; gate against a doctored baseline
#     (its throughput ratios made 5 times higher) fails with exit 1 and
#     names the check in its JUnit.
. "$(dirname "$0")/../lib.sh"

ports=(--zk-port 32481)
expect_rc 2 "$IB" evaluate --profile nope
grep -q 'no profile "nope"' "$WORK/err.txt" || fail "unknown profile: $(cat "$WORK/err.txt")"
expect_rc 2 "$IB" evaluate --modes direct,nope
grep -q 'no row "nope" (known: direct, receiver' "$WORK/err.txt" || fail "unknown row: $(cat "$WORK/err.txt")"
expect_rc 2 "$IB" evaluate --faults kill,meteor
grep -q 'no fault class "meteor"' "$WORK/err.txt" || fail "unknown fault: $(cat "$WORK/err.txt")"
expect_rc 2 "$IB" evaluate --seeds 0
expect_rc 2 "$IB" gate --baseline "$WORK/no-such-baseline" --no-bench
grep -q "no such file or folder" "$WORK/err.txt" || fail "a missing baseline: $(cat "$WORK/err.txt")"

"$IB" evaluate --dry-run --modes direct,checkpoint --faults kill,storage --seeds 2 --out "$WORK/dry" >"$WORK/dry.txt" ||
  fail "--dry-run failed"
grep -q "direct-kill  *2 runs, 1 broker, ZooKeeper" "$WORK/dry.txt" || fail "dry run: $(cat "$WORK/dry.txt")"
grep -q "direct-storage  *n/a: direct has no log or checkpoint of its own" "$WORK/dry.txt" ||
  fail "dry run: no reason for direct-storage"
grep -q ", 6 runs$" "$WORK/dry.txt" || fail "dry run: want 6 runs planned: $(head -1 "$WORK/dry.txt")"
[ ! -e "$WORK/dry" ] || fail "--dry-run wrote $WORK/dry"
# the transactional row cannot be judged on the mock cluster: n/a, with the reason
"$IB" evaluate --dry-run --modes transactional,async-commit-kafka --faults kill --out "$WORK/dry2" >"$WORK/dry2.txt" ||
  fail "--dry-run of the Kafka sink's rows failed"
grep -q "transactional-kill  *n/a: librdkafka's mock cluster takes TxnOffsetCommit and EndTxn" "$WORK/dry2.txt" ||
  fail "dry run: the transactional row on the mock: $(cat "$WORK/dry2.txt")"
grep -q "async-commit-kafka-kill  *1 run, 1 broker" "$WORK/dry2.txt" || fail "dry run: $(cat "$WORK/dry2.txt")"
# an external consumer as a row: its cells, and what does not apply to it
"$IB" evaluate --dry-run --modes checkpoint --faults kill,slow-batch --external "$IB_REPO/chaos/external/kcat.json" \
  --out "$WORK/dry3" >"$WORK/dry3.txt" || fail "--dry-run with --external failed"
grep -q "external-kcat-kill  *1 run, 1 broker" "$WORK/dry3.txt" || fail "dry run: $(cat "$WORK/dry3.txt")"
grep -q "external-kcat-slow-batch  *n/a: an external consumer has none of ingestbench's fault points" "$WORK/dry3.txt" ||
  fail "dry run: no reason for external-kcat-slow-batch: $(cat "$WORK/dry3.txt")"
# network faults need hosts of their own: n/a on the mock cluster, with the reason; on the
# local cluster a cell of their own (they are run by 0211's scenarios, and by hand)
"$IB" evaluate --dry-run --modes direct,checkpoint --faults partition,zk-partition,slow-link --out "$WORK/dry4" \
  >"$WORK/dry4.txt" || fail "--dry-run of the network faults failed"
grep -q "direct-partition  *n/a: network faults need hosts of their own: the local cluster" "$WORK/dry4.txt" ||
  fail "dry run: network faults on the mock: $(cat "$WORK/dry4.txt")"
"$IB" evaluate --dry-run --brokers local --modes direct,checkpoint --faults partition,zk-partition,slow-link \
  --out "$WORK/dry5" >"$WORK/dry5.txt" || fail "--dry-run of the network faults (local) failed"
grep -q "direct-zk-partition  *1 run, 1 broker, ZooKeeper, hosts of their own" "$WORK/dry5.txt" &&
  grep -q "checkpoint-zk-partition  *n/a: checkpoint keeps no offsets in ZooKeeper" "$WORK/dry5.txt" ||
  fail "dry run: network faults on the local cluster: $(cat "$WORK/dry5.txt")"
echo '{"command": ["sh", "{topik}"]}' >"$WORK/bad-ext.json"
expect_rc 2 "$IB" evaluate --external "$WORK/bad-ext.json" --dry-run
grep -q 'bad-ext.json: $.command\[1\]: unknown placeholder {topik}' "$WORK/err.txt" ||
  fail "a bad external template: $(cat "$WORK/err.txt")"

ev=$WORK/ev
rc=0
timeout 600 "$IB" evaluate --modes direct,checkpoint --faults kill,storage --seeds 2 --no-bench "${ports[@]}" \
  --out "$ev" >"$WORK/ev.txt" 2>"$WORK/ev.err" || rc=$?
[ "$rc" = 0 ] || { tail -30 "$WORK/ev.err" >&2; fail "evaluate exited $rc"; }
grep -q "evaluate: profile quick, brokers mock, 2 seeds per cell, 6 of 6 runs done" "$WORK/ev.txt" ||
  fail "summary: $(head -3 "$WORK/ev.txt")"
grep -q "^direct  .*effectively exactly-once\|^direct  .*: " "$WORK/ev.txt" || fail "no verdict line for direct"
grep -q "report: $ev/report.html" "$WORK/ev.txt" || fail "the summary does not say where the report is"

python3 - "$ev" <<'PY' || fail "evaluation.json does not hold the matrix it ran"
import json, os, re, sys
ev = sys.argv[1]
doc = json.load(open(ev + "/evaluation.json"))
assert doc["kind"] == "evaluation" and doc["profile"] == "quick", doc["kind"]
cells = {c["name"]: c for c in doc["cells"]}
assert sorted(cells) == ["checkpoint-kill", "checkpoint-storage", "direct-kill", "direct-storage"], sorted(cells)
assert not cells["direct-storage"]["applies"] and "no log or checkpoint" in cells["direct-storage"]["why_not"]
for name in ("checkpoint-kill", "checkpoint-storage", "direct-kill"):
    c = cells[name]
    assert c["applies"] and len(c["runs"]) == 2, (name, c.get("runs"))
    scenario = json.load(open(os.path.join(ev, c["scenario"])))
    at = scenario["timeline"][0]["at_ms"]
    assert isinstance(at, list) and at[0] < at[1], ("the fault time is not drawn from a range", at)
    seeds, planned = set(), set()
    for run in c["runs"]:
        assert run["ran"] is True, run
        f = run["figures"]
        for k in ("produced", "lost", "duplicates", "redelivered", "out_of_order"):
            assert isinstance(f[k], (int, float)), (name, k)
        assert f["produced"] > 0 and "recovery_ms_max" in f
        res = json.load(open(os.path.join(ev, run["results"])))
        assert res["counts"]["duplicates"] == f["duplicates"] and res["counts"]["lost"] == f["lost"], name
        assert res["seed"] == run["seed"]
        m = re.match(r"ingestbench chaos --scenario (\S+) --seed (\d+) --brokers mock --out \S+$", run["replay"])
        assert m and os.path.samefile(m.group(1), os.path.join(ev, c["scenario"])), run["replay"]
        assert int(m.group(2)) == run["seed"]
        seeds.add(run["seed"])
        planned.add(res["schedule"][0]["planned_ms"])
        assert at[0] <= res["schedule"][0]["planned_ms"] <= at[1]
    assert len(seeds) == 2, (name, "the two runs share a seed")
    assert len(planned) == 2, (name, "both seeds drew the same fault time", planned)
    v = c["verdict"]
    assert v["runs"] == 2 and v["planned"] == 2 and "of 2 runs" in v["evidence"], v
modes = {m["row"]: m for m in doc["modes"]}
assert set(modes) == {"direct", "checkpoint"} and all(m["runs"] == 2 * (2 if r == "checkpoint" else 1)
                                                         for r, m in modes.items()), modes
PY

# the report's first section is the matrix: a row per mode, a column per fault class, cells linked to their runs
first=$(grep -m1 '^## ' "$ev/report.md")
[ "$first" = "## Fault matrix" ] || fail "the report opens with '$first', not the matrix"
grep -q '^| mode | kill | storage |$' "$ev/report.md" || fail "report.md: no matrix header"
grep -q '^| direct | \[clean 2/2\](<cells/direct-kill>) | n/a |$\|^| direct | \[.* [0-9]/2\](<cells/direct-kill>) | n/a |$' \
  "$ev/report.md" || fail "report.md: the direct row: $(grep '^| direct |' "$ev/report.md")"
grep -q '^| checkpoint | \[.*/2\](<cells/checkpoint-kill>) | \[.*/2\](<cells/checkpoint-storage>) |$' "$ev/report.md" ||
  fail "report.md: the checkpoint row: $(grep '^| checkpoint |' "$ev/report.md")"
grep -q '<td style="background:#[0-9a-f]*;text-align:center" title="[^"]*"><a href="#cell-direct-kill">' "$ev/report.html" ||
  fail "report.html: the direct-kill cell is not coloured and linked"
grep -q '<tr id="cell-checkpoint-storage">' "$ev/report.html" || fail "report.html: no section the cells link to"

# the external row runs beside a built-in one, and the report names it
rc=0
timeout 300 "$IB" evaluate --modes checkpoint --faults kill --seeds 1 --no-bench --no-charts \
  --external "$IB_REPO/chaos/external/kcat.json" "${ports[@]}" --out "$WORK/evx" >"$WORK/evx.txt" 2>"$WORK/evx.err" || rc=$?
[ "$rc" = 0 ] || { tail -30 "$WORK/evx.err" >&2; fail "evaluate --external exited $rc"; }
python3 - "$WORK/evx" <<'PY' || fail "the external row's cell: $(grep -i external "$WORK/evx.txt")"
import json, os, sys
ev = sys.argv[1]
doc = json.load(open(ev + "/evaluation.json"))
rows = {r["name"]: r for r in doc["rows"]}
assert rows["external-kcat"]["mode"] == "external", rows
cell = [c for c in doc["cells"] if c["name"] == "external-kcat-kill"][0]
assert cell["applies"] and len(cell["runs"]) == 1 and cell["runs"][0]["ran"], cell
res = json.load(open(os.path.join(ev, cell["runs"][0]["results"])))
assert res["external"]["name"] == "kcat" and res["counts"]["produced"] > 0, res.get("external")
PY
grep -q '^| external-kcat |' "$WORK/evx/report.md" || fail "the report has no row for the external consumer"

# a replay gives the same schedule
replay=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cells"][0]["runs"][1]["replay"])' "$ev/evaluation.json")
read -r -a words <<<"$replay"
rc=0
timeout 300 "$IB" "${words[@]:1}" "${ports[@]}" >"$WORK/replay.txt" 2>&1 || rc=$?
[ "$rc" -le 1 ] || { tail -20 "$WORK/replay.txt" >&2; fail "the replay exited $rc"; }
python3 - "$ev" "${words[-1]}" <<'PY' || fail "the replay did not run the same schedule"
import json, sys
ev, out = sys.argv[1], sys.argv[2]
run = json.load(open(ev + "/evaluation.json"))["cells"][0]["runs"][1]
a = json.load(open(ev + "/" + run["results"]))["schedule"]
b = json.load(open(out + "/results.json"))["schedule"]
key = lambda s: [(f["fault"], f["planned_ms"], f.get("restart_after_ms"), f.get("duration_ms")) for f in s]
assert key(a) == key(b), (key(a), key(b))
PY

# interrupted after its first cell: it stops the run in progress, keeps and reports what finished, exits 1
bg "$IB" evaluate --modes direct --faults kill,stop --seeds 3 --no-bench "${ports[@]}" --out "$WORK/int" \
  >"$WORK/int.txt" 2>"$WORK/int.err"
wait_until 300 "the first cell of the interrupted evaluation" grep -q "^evaluate: direct-kill " "$WORK/int.err"
kill -INT "$BG_PID"
rc=0
wait_exit 120 "$BG_PID" || rc=$?
[ "$rc" = 1 ] || { tail -20 "$WORK/int.err" >&2; fail "the interrupted evaluation exited $rc, want 1"; }
grep -q "interrupted: stopping everything it started" "$WORK/int.err" || fail "the interruption is not said"
grep -q "3 of 6 runs done (interrupted)\|[34] of 6 runs done (interrupted)" "$WORK/int.txt" ||
  fail "the interrupted summary: $(head -1 "$WORK/int.txt")"
python3 - "$WORK/int/evaluation.json" <<'PY' || fail "the interrupted evaluation's file does not keep what finished"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["interrupted"] is True and d["runs_planned"] == 6 and 3 <= d["runs_done"] < 6, d["runs_done"]
kill = [c for c in d["cells"] if c["name"] == "direct-kill"][0]
assert len(kill["runs"]) == 3 and all(r["ran"] for r in kill["runs"]), kill["runs"]
PY
grep -q "^## Fault matrix" "$WORK/int/report.md" || fail "no report of the interrupted evaluation"
[ -z "$(pgrep -f -- "$WORK/int" || true)" ] || fail "the interrupted evaluation left processes behind: $(pgrep -af -- "$WORK/int")"

# gate: against that evaluation it passes; against a doctored baseline it fails
rc=0
timeout 600 "$IB" gate --baseline "$ev" --profile quick --modes direct --faults kill --seeds 1 --bench-records 20k \
  "${ports[@]}" --out "$WORK/gate" >"$WORK/gate.txt" 2>"$WORK/gate.err" || rc=$?
[ "$rc" = 0 ] || { tail -30 "$WORK/gate.txt" "$WORK/gate.err" >&2; fail "gate against the evaluation exited $rc"; }
grep -q "^PASS   direct under kill: duplicates and loss" "$WORK/gate.txt" || fail "gate: no matrix check"
grep -q "direct under kill: evidence  *2 runs  *1 runs" "$WORK/gate.txt" || fail "gate: the shrunk evidence is not reported"
grep -q "<testsuite" "$WORK/gate/junit.xml" || fail "gate: no JUnit"
[ -f "$WORK/gate/bench.json" ] && [ -f "$WORK/gate/report.html" ] || fail "gate: no bench or report"

cp -r "$WORK/gate" "$WORK/doctored"
python3 - "$WORK/doctored/bench.json" <<'PY'
import json, sys
p = sys.argv[1]
b = json.load(open(p))
for row in b["drain"]["summary"]:
    r = row.get("ratio_to_reference")
    if r:
        for k in ("median", "min", "max"):
            if k in r:
                r[k] *= 5
json.dump(b, open(p, "w"))
PY
rc=0
timeout 600 "$IB" gate --baseline "$WORK/doctored" --profile quick --modes direct --faults kill --seeds 1 \
  --bench-records 20k "${ports[@]}" --out "$WORK/gate2" >"$WORK/gate2.txt" 2>"$WORK/gate2.err" || rc=$?
[ "$rc" = 1 ] || { tail -30 "$WORK/gate2.txt" >&2; fail "gate against a doctored baseline exited $rc, want 1"; }
grep -q "^FAIL .*direct .*throughput ratio" "$WORK/gate2.txt" || fail "gate: the failed check is not named"
grep -q "<failure" "$WORK/gate2/junit.xml" || fail "gate: the JUnit has no failure"
note "evaluate: the matrix, its verdicts, report and replays; gate passes against itself and fails against a doctored baseline"
