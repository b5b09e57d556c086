#!/usr/bin/env bash
# 0020-hostile-files: files crafted to break the judge are refused or made
# harmless, with one line naming the file and the field (no server needed).
# Each case reproduces a finding of #16 and failed on the code before it.
. "$(dirname "$0")/../lib.sh"
REPO=${IB_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
BASE=$REPO/results/baseline
CHAOS=$BASE/cells/direct-kill/seed-1/results.json
BENCH=$BASE/bench.json
SWEEPS=$REPO/results/measurements/bench-sweeps.json

# edit SRC DST PYTHON: DST is SRC's JSON after the Python statement on d
edit() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $3; json.dump(d, open(sys.argv[2], 'w'))" "$1" "$2"; }

# ---- report: results strings never become gnuplot or HTML code ----
mkdir -p "$WORK/evil"
edit "$CHAOS" "$WORK/evil/results.json" "
d['scenario_name'] = \"x'; system('touch $WORK/PWNED1'); print '\"
d['scenario']['mode'] = '<img src=x onerror=alert(1)>'
d['schedule'][0]['fault'] = \"k'; system('touch $WORK/PWNED2'); print '\"
d['source'] = 'javascript:alert(2)'"
expect_rc 0 "$IB" report "$WORK/evil" --out "$WORK/rep"
[ ! -e "$WORK/PWNED1" ] && [ ! -e "$WORK/PWNED2" ] || fail "report ran a command from a results file"
grep -q '<img' "$WORK/rep/report.html" && fail "report.html holds the mode's tag unescaped"
grep -q '&lt;img src=x onerror=alert(1)&gt;' "$WORK/rep/report.html" || fail "report.html lost the mode's name"
grep -q '<img' "$WORK/rep/report.md" && fail "report.md holds the mode's tag unescaped"
grep -q 'javascript:' "$WORK/rep/report.html" && fail "a source inside the file became a link"
if command -v gnuplot >/dev/null; then
  ls "$WORK"/rep/charts/*.svg >/dev/null 2>&1 || fail "no chart was drawn"
  # each title and label is one quoted string with no quote, backquote or @ inside
  grep -h "^set title" "$WORK"/rep/charts/*.gp | grep -vq "^set title '[^'\`\"@]*'\$" &&
    fail "a chart title holds a quote, backquote or @ from a results file"
  grep -h "^set label" "$WORK"/rep/charts/*.gp | grep -vq "^set label '[^'\`\"@]*' at [0-9., graph]* tc rgb 'red' font ',9'\$" &&
    fail "a fault label holds a quote, backquote or @ from a results file"
fi
[ -e "$WORK/rep/report.md.tmp" ] && fail "report left a fixed temporary name"
# a sweep name is not a path
edit "$SWEEPS" "$WORK/sweep.json" "d['sweeps'][0]['name'] = '../../escaped'"
expect_rc 0 "$IB" report "$WORK/sweep.json" --out "$WORK/rep2"
[ -z "$(find "$WORK" -maxdepth 2 -name 'escaped*')" ] || fail "a sweep name wrote outside charts/"

# ---- malformed results are refused by file and field, never a crash ----
bad() { # bad NAME FIELD-IN-MESSAGE SRC PYTHON
  edit "$3" "$WORK/$1.json" "$4"
  for cmd in "compare --baseline $BENCH --current" "report --out $WORK/r-$1"; do
    # shellcheck disable=SC2086
    expect_rc 2 "$IB" $cmd "$WORK/$1.json"
    grep -qF "$WORK/$1.json: $2" "$WORK/err.txt" || fail "$1 ($cmd): field not named: $(cat "$WORK/err.txt")"
    [ "$(wc -l <"$WORK/err.txt")" = 1 ] || fail "$1: error is not one line"
  done
}
bad nosubject '$.drain.summary[1].subject: missing' "$BENCH" "d['drain']['summary'][1].pop('subject')"
bad modes-int '$.config.modes[0]: want a string' "$BENCH" "d['config']['modes'] = [1]"
bad pipeline-null '$.config.pipelines[0]: want a string' "$BENCH" "d['config']['pipelines'] = [None]"
bad huge-dups '$.counts.duplicates: want an integer' "$CHAOS" "d['counts']['duplicates'] = 1e300"
bad neg-lost '$.counts.lost: want an integer' "$CHAOS" "d['counts']['lost'] = -1"
bad no-lost '$.counts.lost: missing' "$CHAOS" "del d['counts']['lost']"
bad pass-str '$.verdict.pass: want true or false' "$CHAOS" "d['verdict']['pass'] = 'yes'"
bad fault-int '$.schedule[0].fault: want a string' "$CHAOS" "d['schedule'][0]['fault'] = 7"
bad series '$.sweeps[0].series[0].records_per_s[0]: want a number' "$SWEEPS" \
  "d['sweeps'][0]['series'][0]['records_per_s'][0] = 'x'"
printf '{"schema": "ingestbench.results", "schema_version": 1, "kind": "chaos"' >"$WORK/cut.json"
expect_rc 2 "$IB" report "$WORK/cut.json" --out "$WORK/r-cut"
grep -q "cut.json: not JSON" "$WORK/err.txt" || fail "a truncated results file is not named"

# ---- an evaluation's strings and paths: escaped, and no link leaves its folder ----
mkdir -p "$WORK/ev"
python3 - "$WORK/ev/evaluation.json" <<'PY'
import json, sys
evil = "<img src=x onerror=alert(3)>"
run = {"seed": 1, "ran": True, "dir": "../../../etc", "results": "/etc/passwd", "clean": False,
       "replay": "x` ; touch PWNED3 ; `" + evil,
       "figures": {"produced": 10, "lost": 1, "duplicates": 0, "unexpected": 0, "redelivered": 0,
                   "out_of_order": 0, "recovery_ms_max": "never"}}
d = {"schema": "ingestbench.results", "schema_version": 1, "kind": "evaluation", "profile": evil,
     "config": {"seeds": 1, "brokers": evil}, "rows": [{"name": evil, "mode": evil}],
     "faults": [{"name": evil}],
     "cells": [{"row": evil, "fault": evil, "name": "../../" + evil, "applies": True, "seeds": 1, "runs": [run]}]}
json.dump(d, open(sys.argv[1], "w"))
PY
expect_rc 0 "$IB" report "$WORK/ev" --out "$WORK/r-ev"
for f in "$WORK/r-ev/report.html" "$WORK/r-ev/report.md"; do
  grep -q '<img' "$f" && fail "$f holds an evaluation's tag unescaped"
  grep -q 'etc/passwd\|\.\./\.\./\.\./etc' "$f" && fail "$f links out of the evaluation's folder"
done
grep -q '&lt;img src=x onerror=alert(3)&gt;' "$WORK/r-ev/report.html" || fail "report.html lost the row's name"
grep -q 'id="cell-_*img_src_x_onerror_alert_3__"' "$WORK/r-ev/report.html" || fail "a cell's anchor is not reduced to a token"
[ -z "$(find "$WORK" -name 'PWNED3')" ] || fail "a replay command from an evaluation ran"
bad ev-lost '$.cells[0].runs[0].figures.lost: want an integer' "$WORK/ev/evaluation.json" \
  "d['cells'][0]['runs'][0]['figures']['lost'] = -1"
bad ev-ran '$.cells[0].runs[0].ran: want true or false' "$WORK/ev/evaluation.json" "d['cells'][0]['runs'][0]['ran'] = 1"
bad ev-cells '$.cells: want an array' "$WORK/ev/evaluation.json" "d['cells'] = {}"

# ---- a results folder with symbolic link loops: each file once, no hang ----
mkdir -p "$WORK/loop/a"
cp "$CHAOS" "$WORK/loop/a/results.json"
ln -s .. "$WORK/loop/a/up"; ln -s . "$WORK/loop/a/self"; ln -s a "$WORK/loop/b"; ln -s ../a "$WORK/loop/a/again"
timeout 30 "$IB" report "$WORK/loop" --out "$WORK/r-loop" >/dev/null 2>"$WORK/err.txt" ||
  fail "report on a folder with link loops: rc $? $(cat "$WORK/err.txt")"
grep -q "(1 run)" "$WORK/r-loop/report.md" || fail "a file reached by several links counted more than once"

# ---- input files that are not regular files, or endless: refused at once, by name ----
mkfifo "$WORK/fifo"; mkdir -p "$WORK/afolder"
for f in "$WORK/fifo" "$WORK/afolder" /dev/zero; do
  why="is a FIFO"; [ "$f" = "$WORK/afolder" ] && why="is a folder"; [ "$f" = /dev/zero ] && why="is a character device"
  expect_rc 2 timeout 20 "$IB" chaos --scenario "$f" --dry-run
  grep -qF "$f: $why" "$WORK/err.txt" || fail "chaos --scenario $f: $(cat "$WORK/err.txt")"
  expect_rc 2 timeout 20 "$IB" checkpoint show "$f"
  grep -qF "$f: $why" "$WORK/err.txt" || fail "checkpoint show $f: $(cat "$WORK/err.txt")"
  expect_rc 2 timeout 20 "$IB" run --mode checkpoint --topic t --group g --state-dir "$WORK/st" \
    --brokers 127.0.0.1:1 --schema "$f"
  grep -qF "$f: $why" "$WORK/err.txt" || fail "run --schema $f: $(cat "$WORK/err.txt")"
done
expect_rc 2 timeout 20 "$IB" report "$WORK/fifo" --out "$WORK/r-fifo"
grep -qF "fifo: is a FIFO" "$WORK/err.txt" || fail "report on a FIFO: $(cat "$WORK/err.txt")"

# ---- topic names as Kafka has them ----
expect_rc 2 "$IB" produce --topic 'a b' --records 1
grep -q -- "--topic: a topic name holds only" "$WORK/err.txt" || fail "a topic with a space not refused"
expect_rc 2 "$IB" run --mode checkpoint --topic "$(printf 'x%.0s' $(seq 250))" --group g --state-dir "$WORK/st"
grep -q -- "--topic: a topic name has 1 to 249 characters, not 250" "$WORK/err.txt" || fail "a 250-byte topic not refused"
expect_rc 2 "$IB" verify --topic "$(printf 't\377')" --sink "dir:$WORK/s"
grep -q -- "--topic" "$WORK/err.txt" || fail "a non-UTF-8 topic not refused"

# ---- stray names in a write-ahead log folder: not segments, and nothing waits on them ----
mkdir -p "$WORK/wal"
cp "$REPO/fuzz/corpus/wal/six-batches.log" "$WORK/wal/wal-00000000000000000001.log" # a real segment, 6 batches
: >"$WORK/wal/wal-99999999999999999999.log"; : >"$WORK/wal/wal--0000000000000000001.log"
expect_rc 0 timeout 20 "$IB" wal verify "$WORK/wal"
grep -q "6 batches, 24 records, 0 corruptions" "$WORK/out.txt" || fail "wal verify on stray names: $(cat "$WORK/out.txt")"
expect_rc 0 timeout 20 "$IB" wal dump "$WORK/wal"

# ---- a scenario's random block alone (the shipped random-direct.json) ----
expect_rc 0 "$IB" chaos --scenario "$REPO/chaos/scenarios/random-direct.json" --dry-run

# ---- files this program creates are private to the user ----
umask 022
"$IB" report "$CHAOS" --out "$WORK/priv" >/dev/null 2>&1 || fail "report on the baseline failed"
[ "$(stat -c %a "$WORK/priv")" = 700 ] || fail "report's folder is $(stat -c %a "$WORK/priv"), want 700"
[ "$(stat -c %a "$WORK/priv/report.md")" = 600 ] || fail "report.md is $(stat -c %a "$WORK/priv/report.md"), want 600"

note "all hostile-file checks passed"
