#!/usr/bin/env bash
# 0207-chaos-clients: one scenario under two librdkafka builds in one command
# (#18), on the embedded mock cluster. The build's client is checked first:
# scripts/librdkafka.sh --check names a cached build of at least 2.12, the
# binary runs that version, and the check refuses a build older than asked.
# Then `chaos --clients system,current` runs a tiny scenario with two
# variants (classic eager, the consumer protocol) under Debian's librdkafka
# and the current one: each run's results name the version its workers ran
# (and their start events agree), the consumer protocol is skipped under a
# client older than its min_librdkafka (said, not run), and the table lists
# every cell. A client that is not there is refused (exit 2) before
# anything starts.
. "$(dirname "$0")/../lib.sh"
REPO=${IB_REPO:?}

read -r prefix current < <("$REPO/scripts/librdkafka.sh" --check --min 2.12.0) ||
  fail "no current librdkafka in the cache (scripts/librdkafka.sh)"
[ -f "$prefix/lib/librdkafka.so.1" ] || fail "librdkafka.sh --check named $prefix, which has no library"
"$IB" --version | grep -q "(librdkafka $current)" || fail "the build runs $("$IB" --version), the cache holds $current"
if "$REPO/scripts/librdkafka.sh" --check --min 99.0.0 >/dev/null 2>"$WORK/old.err"; then
  fail "librdkafka.sh --check accepted $current as at least 99.0.0"
fi
grep -q "older than 99.0.0" "$WORK/old.err" || fail "librdkafka.sh --check: $(cat "$WORK/old.err")"

system=$(LD_LIBRARY_PATH=$(dirname "$(ldconfig -p | awk '/librdkafka\.so\.1 /{print $NF; exit}')") "$IB" --version |
         sed -n 's/.*(librdkafka \([0-9.]*\)).*/\1/p')
[ -n "$system" ] && [ "$system" != "$current" ] || fail "Debian's librdkafka not found beside $current ('$system')"

cat >"$WORK/two.json" <<'JSON'
{"name": "two-clients", "mode": "async-commit", "options": {"commit": "async+sync-on-revoke", "batch-ms": 20},
 "topic": {"partitions": 4}, "workers": 2, "producer": {"rate": 4000, "records": 6000},
 "timeline": [{"at_ms": 500, "fault": "add-worker"}],
 "variants": [{"name": "eager", "options": {"assignor": "range"}},
              {"name": "consumer", "options": {"group-protocol": "consumer"}, "min_librdkafka": "2.12.0"}],
 "expect": ["lost == 0", "unexplained_duplicates == 0", "unexpected == 0"]}
JSON
expect_rc 2 "$IB" chaos --scenario "$WORK/two.json" --brokers mock --clients system,/no/such/client --out "$WORK/none"
grep -q "client /no/such/client: no librdkafka.so.1 found" "$WORK/err.txt" || fail "a missing client: $(cat "$WORK/err.txt")"
[ ! -e "$WORK/none" ] || fail "a refused client made the run folder"
expect_rc 2 "$IB" chaos --scenario "$WORK/two.json" --brokers mock --variants eager,nope --out "$WORK/none"
grep -q 'no variant "nope"' "$WORK/err.txt" || fail "an unknown variant: $(cat "$WORK/err.txt")"

rc=0
timeout 300 "$IB" chaos --scenario "$WORK/two.json" --brokers mock --clients system,current --out "$WORK/two" \
  --no-progress >"$WORK/two.txt" 2>&1 || rc=$?
[ "$rc" = 0 ] || { tail -30 "$WORK/two.txt" >&2; fail "the two-client run exited $rc"; }
grep -q "chaos: 3 of 3 runs passed" "$WORK/two.txt" || fail "want 3 runs: $(grep 'runs passed' "$WORK/two.txt")"
grep -q "skipped: variant consumer needs librdkafka 2.12.0, client system is $system" "$WORK/two.txt" ||
  fail "the consumer protocol under $system was not reported as skipped"
for cell in "eager-$system:$system" "eager-$current:$current" "consumer-$current:$current"; do
  dir="$WORK/two/${cell%%:*}" want=${cell#*:}
  [ -f "$dir/results.json" ] || fail "no results in $dir"
  python3 - "$dir" "$want" <<'PY' || fail "cell ${cell%%:*}: its results or events disagree on the client"
import glob, json, sys
d, want = sys.argv[1], sys.argv[2]
r = json.load(open(d + "/results.json"))
assert r["client"]["librdkafka"] == want, r["client"]
assert r["variant"] == d.rsplit("/", 1)[1].split("-")[0], r["variant"]
for log in glob.glob(d + "/workers/w*/events.jsonl"):
    for line in open(log):
        e = json.loads(line)
        if e["event"] == "start":
            assert e["librdkafka"] == want, (log, e["librdkafka"])
        if e["event"] == "rebalance":
            want_protocol = "consumer" if r["variant"] == "consumer" else "eager"
            assert e["protocol"] == want_protocol, (log, e["protocol"])
PY
done
grep -Eq "^eager +$system +1 +1 " "$WORK/two.txt" && grep -Eq "^consumer +$current +1 +1 " "$WORK/two.txt" ||
  fail "the table lacks a cell: $(sed -n '/^variant /,$p' "$WORK/two.txt")"
note "the same scenario under librdkafka $system and $current: 3 runs passed, the consumer protocol skipped under $system"
