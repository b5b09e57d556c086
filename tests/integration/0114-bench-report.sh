#!/usr/bin/env bash
# 0114-bench-report: a tiny bench on the real cluster (every mode, two
# pipeline levels, two interleaved repetitions, the latency phase), a tiny
# sweep on the mock cluster, then report and compare: every file exists and
# parses, every mode has its rows, ratios are to the same run's reference, the
# report holds the verdict table and its charts, compare of a run against
# itself passes and against a made-up faster baseline fails.
. "$(dirname "$0")/../lib.sh"
MODES="direct receiver async-commit checkpoint"

expect_rc 0 "$IB" bench --brokers "$IB_TEST_BROKERS" --zookeeper "$IB_TEST_ZK" --records 20k --repeat 2 \
  --pipeline none,full --latency-seconds 2 --out "$WORK/bench-a.json" --no-progress
B=$WORK/bench-a.json
[ "$(json_get "$B" 'd["schema_version"], d["kind"]')" = "(1, 'bench')" ] || fail "not a bench results file"
for m in $MODES; do
  for level in none full; do
    row=$(json_get "$B" "[r for r in d['drain']['summary'] if r['subject']=='$m' and r['pipeline']=='$level']")
    [ "$row" != "[]" ] || fail "no drain row for $m at $level"
    n=$(json_get "$B" "[r for r in d['drain']['summary'] if r['subject']=='$m' and r['pipeline']=='$level'][0]['ratio_to_reference']['n']")
    [ "$n" = 2 ] || fail "$m $level: $n ratios, want 2 (one per repetition)"
  done
  json_get "$B" "[s for s in d['latency']['subjects'] if s['subject']=='$m'][0]['latency_ms']['p99'] > 0" | grep -q True \
    || fail "no latency for $m"
  # every record of the backlog was drained, by every repetition
  json_get "$B" "all(r['records'] >= 20000 for s in d['drain']['subjects'] if s['subject']=='$m' for r in s['runs'])" \
    | grep -q True || fail "$m did not drain the whole backlog"
done
json_get "$B" "[s for s in d['drain']['subjects'] if s['subject']=='kcat'][0]['runs'][0]['records']" | grep -q 20000 \
  || fail "kcat did not read the backlog"
json_get "$B" "d['git_revision'] != '' and 'librdkafka' in d['versions'] and 'direct' in [s['subject'] for s in d['drain']['subjects'] if 'config' in s]" \
  | grep -q True || fail "provenance missing (git revision, versions, mode options)"
# the receiver writes its log: more bytes per input byte than the others at pipeline none
json_get "$B" "[r['write_amplification']['median'] for r in d['drain']['summary'] if r['subject']=='receiver' and r['pipeline']=='none'][0] > 1.5" \
  | grep -q True || fail "receiver's write amplification does not show its log"

# a sweep on the mock cluster: one curve point per value
expect_rc 0 "$IB" bench --brokers mock --modes checkpoint --no-kcat --no-latency --pipeline none --repeat 1 \
  --records 5k --sweep partitions=1,2 --out "$WORK/bench-sweep.json" --no-progress
json_get "$WORK/bench-sweep.json" "[len(s['records_per_s']) for s in d['sweeps'][0]['series']]" | grep -q '\[2, 2\]' \
  || fail "the sweep has not one point per value"

expect_rc 0 "$IB" report "$B" "$WORK/bench-sweep.json" --out "$WORK/report"
for f in report.md report.html charts/ratio.svg charts/cpu.svg charts/latency.svg charts/sweep-partitions.svg; do
  [ -s "$WORK/report/$f" ] || fail "report: $f missing or empty"
done
grep -q '^| mode | guarantee under faults' "$WORK/report/report.md" || fail "no verdict table"
for m in $MODES; do grep -q "^| $m |" "$WORK/report/report.md" || fail "verdict table has no $m"; done
[ "$(grep -c '<svg' "$WORK/report/report.html")" -ge 4 ] || fail "report.html does not inline its charts"
python3 -c "import html.parser,sys; html.parser.HTMLParser().feed(open(sys.argv[1]).read())" "$WORK/report/report.html" \
  || fail "report.html does not parse"

expect_rc 0 "$IB" compare --baseline "$B" --current "$B" --junit "$WORK/junit.xml"
grep -q 'failures="0"' "$WORK/junit.xml" || fail "compare of a run against itself failed"
# a baseline where direct was ten times as fast against the reference, with no spread:
# a regression however noisy this tiny run was (the spread widens the band by 50% at most)
python3 - "$B" "$WORK/bench-fast.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d['drain']['summary']:
    if r['subject'] == 'direct':
        m = r['ratio_to_reference']['median'] * 10  # min = median = max: no spread
        for k in ('median', 'min', 'max'):
            r['ratio_to_reference'][k] = m
json.dump(d, open(sys.argv[2], 'w'))
PY
expect_rc 1 "$IB" compare --baseline "$WORK/bench-fast.json" --current "$B"
grep -q '^FAIL   direct at pipeline none: throughput ratio' "$WORK/out.txt" || fail "compare did not name the regression"
echo '{"schema": "ingestbench.results", "schema_version": 7}' > "$WORK/v7.json"
expect_rc 2 "$IB" compare --baseline "$WORK/v7.json" --current "$B"
grep -q 'v7.json: \$.schema_version' "$WORK/err.txt" || fail "a wrong schema version was not refused by file and field"
note "drain direct/full ratio to the reference $(json_get "$B" "[r['ratio_to_reference']['median'] for r in d['drain']['summary'] if r['subject']=='direct' and r['pipeline']=='full'][0]")"
no_leftovers "$WORK"
