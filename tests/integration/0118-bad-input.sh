#!/usr/bin/env bash
# 0118-bad-input: the bad-input matrix of #16 on the embedded mock cluster,
# through a real worker (checkpoint mode) and verify. Records written raw with
# kcat: not JSON, an array, a scalar, invalid UTF-8, nested 3,000 deep, a bad
# token inside an object, an empty value, a tombstone (null value): each
# dead-lettered with its reason (jansson's words for the parse stage's) and
# its bytes; a valid record of 900 KB is delivered. Nothing is lost. Also an
# empty topic, and a sink folder holding garbage: verify names the file and
# byte offset of every line it cannot read and fails, never crashes.
. "$(dirname "$0")/../lib.sh"
export INGESTBENCH_MOCK_FILE="$WORK/mock.addr"
bg "$IB" mock-cluster --topic in:2 --topic empty:1
wait_until 30 "the mock cluster's address" test -s "$WORK/mock.addr"
A=$(cat "$WORK/mock.addr")

python3 - "$WORK/p0.txt" <<'PY'
import sys
good = '{"id":"bad-1","run":"bad","seq":1,"key":"k","ts":1700000000000,"payload":"ok"}'
big = '{"id":"bad-2","run":"bad","seq":2,"key":"k","ts":1700000000000,"payload":"' + 'p' * 900000 + '"}'
recs = [good.encode(), b'not json at all', b'[1,2,3]', b'42',
        b'{"id":"bad-3","run":"bad","seq":3,"key":"k","ts":1,"payload":"\xff\xfe"}',
        b'{"a":' * 3000 + b'1' + b'}' * 3000, big.encode(), b'{"id":"bad-4","seq":nope}']
open(sys.argv[1], 'wb').write(b'\n'.join(recs) + b'\n')
PY
kcat -P -b "$A" -t in -p 0 -X message.max.bytes=2000000 -l "$WORK/p0.txt" || fail "kcat: partition 0"
printf 'k1:\n' | kcat -P -b "$A" -t in -p 1 -K: -Z || fail "kcat: tombstone"   # value NULL
printf 'k2:\n' | kcat -P -b "$A" -t in -p 1 -K: || fail "kcat: empty value"   # value of 0 bytes

timeout 120 "$IB" run --mode checkpoint --topic in --group g-in --sink "dir:$WORK/out" --state-dir "$WORK/state" \
  --exit-when-idle 3000 -q -X fetch.message.max.bytes=2000000 || fail "the worker exited $?"
expect_rc 0 "$IB" verify --topic in --sink "dir:$WORK/out" --expect "produced=10,lost=0,duplicates=0,dead_lettered=8"
dl=$(cat "$WORK"/out/deadletter/*.jsonl)
for reason in "invalid token" "record is array, want object" "'[' or '{' expected" "invalid UTF-8 in a string" \
              "maximum parsing depth reached" "empty record (null value)" "empty record (a value of 0 bytes)"; do
  grep -qF "$reason" <<<"$dl" || fail "no dead letter says '$reason'"
done
# every dead letter keeps the record's bytes (base64), so nothing is lost
python3 - "$WORK/out/deadletter" <<'PY' || fail "a dead letter lost its record's bytes"
import base64, glob, json, sys
for f in glob.glob(sys.argv[1] + '/*.jsonl'):
    for line in open(f):
        d = json.loads(line)
        assert 'raw' in d and d['reason'], d
        if d['offset'] == 1 and d['partition'] == 0:
            assert base64.b64decode(d['raw']) == b'not json at all', d
            assert "'[' or '{' expected" in d['reason'], d  # jansson's words: a top level that is not one
PY

# an empty topic: the worker catches up at once, verify agrees
timeout 60 "$IB" run --mode checkpoint --topic empty --group g-e --sink "dir:$WORK/eout" --state-dir "$WORK/estate" \
  --exit-when-idle 2000 -q || fail "the worker on an empty topic exited $?"
expect_rc 0 "$IB" verify --topic empty --sink "dir:$WORK/eout" --expect "produced=0,lost=0"

# a sink folder holding garbage: each unreadable line named by file and offset; the run fails, nothing crashes
cp -r "$WORK/out" "$WORK/junk"
printf 'garbage\n{"_partition":1}\n\x00\x01\n' >"$WORK/junk/in-p1-00000000000000000100-00000000000000000103.jsonl"
printf 'not a range file\n' >"$WORK/junk/README"
rc=0; "$IB" verify --topic in --sink "dir:$WORK/junk" >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
[ "$rc" = 1 ] || { cat "$WORK/err.txt" >&2; fail "verify on garbage exited $rc, want 1"; }
grep -q "in-p1-00000000000000000100-00000000000000000103.jsonl.*byte 0" "$WORK/err.txt" ||
  fail "verify does not name the garbage file and offset: $(head -5 "$WORK/err.txt")"
# a folder named like a range file: refused by name
mkdir "$WORK/junk/in-p0-00000000000000000200-00000000000000000201.jsonl"
rc=0; "$IB" verify --topic in --sink "dir:$WORK/junk" >"$WORK/out.txt" 2>"$WORK/err.txt" || rc=$?
[ "$rc" != 0 ] && grep -q "in-p0-00000000000000000200-00000000000000000201.jsonl: is a folder" "$WORK/err.txt" ||
  fail "a folder in the sink: rc $rc, $(cat "$WORK/err.txt")"
note "8 bad records dead-lettered with their reasons and bytes, 2 delivered (one of 900 KB), 0 lost"
