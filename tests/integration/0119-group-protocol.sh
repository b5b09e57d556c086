#!/usr/bin/env bash
# 0119-group-protocol: the consumer group protocol (KIP-848, --group-protocol
# consumer) on the real broker, in both group modes (#18).
#
#   async-commit: two members share 6 partitions while a producer writes, a
#       third joins: every assignment is the consumer protocol's, names its
#       member epoch, a partition that moves is fenced by a later epoch, and
#       verify finds 0 lost. The member epochs only grow per member.
#   receiver: one member with its write-ahead log: 0 lost, 0 duplicates.
#   Refusals, one line and exit 2 each: a classic assignor with the consumer
#       protocol; a client-side session timeout with it (librdkafka's own
#       refusal: the broker sets the session); the consumer protocol on
#       Debian's librdkafka 2.0.2, which does not have it (the same binary,
#       its library folder first on LD_LIBRARY_PATH).
. "$(dirname "$0")/../lib.sh"

version=$("$IB" --version | sed -n 's/.*(librdkafka \([0-9.]*\)).*/\1/p')
[ -n "$version" ] || fail "ingestbench --version names no librdkafka: $("$IB" --version)"
[ "$(printf '%s\n2.12.0\n' "$version" | sort -V | head -1)" = 2.12.0 ] ||
  fail "the build runs librdkafka $version: the consumer protocol needs 2.12 or later (scripts/librdkafka.sh)"

# ---- async-commit: two members, a third joins ----
T="gp-$$-$RANDOM"; d="$WORK/ac"
flags=(--mode async-commit --group-protocol consumer --commit async+sync-on-revoke --brokers "$BROKERS"
       --topic "$T" --group "g-$T" --sink "dir:$d/out" --batch-ms 20 --exit-when-idle 5000 -q)
"$IB" produce --brokers "$BROKERS" --topic "$T" --records 1 --partitions 6 --run-id seed >/dev/null
bg "$IB" produce --brokers "$BROKERS" --topic "$T" --records 59999 --rate 15000; producer=$BG_PID
mkdir -p "$d"
bg "$IB" run "${flags[@]}" --state-dir "$d/w1"; w1=$BG_PID
bg "$IB" run "${flags[@]}" --state-dir "$d/w2"; w2=$BG_PID
wait_until 60 "two members with partitions" \
  bash -c "grep -q '\"kind\":\"assign\"' '$d/w1/events.jsonl' 2>/dev/null && grep -q '\"kind\":\"assign\"' '$d/w2/events.jsonl' 2>/dev/null"
bg "$IB" run "${flags[@]}" --state-dir "$d/w3"; w3=$BG_PID
wait_exit 60 "$producer" || fail "the producer failed"
n=0
for w in "$w1" "$w2" "$w3"; do
  n=$((n + 1))
  wait_exit 90 "$w" || { tail -5 "$d/w$n/events.jsonl" | cut -c1-300 >&2; fail "async-commit worker $n failed or did not stop"; }
done
grep -q '"kind":"assign"' "$d/w3/events.jsonl" || fail "the third member never got partitions"
cat "$d"/w*/events.jsonl | python3 -c '
import json, sys
events = [json.loads(l) for l in sys.stdin]
reb = [e for e in events if e["event"] == "rebalance"]
assert reb, "no rebalance event"
bad = [e for e in reb if e["protocol"] != "consumer"]
assert not bad, "a rebalance not of the consumer protocol: %s" % bad[0]
assigns = [e for e in reb if e["kind"] == "assign" and e["partitions"]]
assert all(e["generation"] > 0 for e in assigns), "an assignment without its member epoch"
last = {}
for e in assigns:
    w = e["worker"]
    assert e["generation"] >= last.get(w, 0), "%s: member epoch went back: %d after %d" % (w, e["generation"], last[w])
    last[w] = e["generation"]
fenced = [e for e in events if e["event"] == "fenced"]
assert fenced, "partitions moved to the third member, but no fenced event"
starts = [e for e in events if e["event"] == "start"]
assert all(e["librdkafka"] == sys.argv[1] for e in starts), "a worker ran another librdkafka"
print("%d rebalances, %d fenced, member epochs up to %d" % (len(reb), len(fenced), max(last.values())))
' "$version" >"$WORK/ac.txt" 2>&1 || { cat "$WORK/ac.txt" >&2; fail "async-commit's events under the consumer protocol"; }
grep -q '"group_protocol": "consumer"' "$d/w1/stats.json" || fail "stats.json does not name the consumer protocol"
"$IB" verify --brokers "$BROKERS" --topic "$T" --sink "dir:$d/out" --expect "produced=60000,lost=0,unexpected=0" \
  >"$WORK/ac-verify.txt" 2>&1 || { cat "$WORK/ac-verify.txt" >&2; fail "async-commit under the consumer protocol: verify"; }
note "async-commit, consumer protocol, a third member joins: $(cat "$WORK/ac.txt"); duplicates $(table_value duplicates "$WORK/ac-verify.txt"), lost 0"

# ---- receiver: one member ----
T2="gpr-$$-$RANDOM"; r="$WORK/rc"
"$IB" produce --brokers "$BROKERS" --topic "$T2" --records 20000 --partitions 3 >/dev/null
timeout 120 "$IB" run --mode receiver --group-protocol consumer --brokers "$BROKERS" --topic "$T2" --group "g-$T2" \
  --sink "dir:$r/out" --state-dir "$r/state" --exit-when-idle 3000 -q || fail "the receiver under the consumer protocol exited $?"
grep -q '"protocol":"consumer"' "$r/state/events.jsonl" || fail "the receiver's rebalance events are not the consumer protocol's"
expect_rc 0 "$IB" verify --brokers "$BROKERS" --topic "$T2" --sink "dir:$r/out" --expect "produced=20000,lost=0,duplicates=0"

# ---- refusals ----
base=(run --mode async-commit --brokers "$BROKERS" --topic "$T" --group "g2-$T" --sink "dir:$WORK/x" --state-dir "$WORK/xs")
expect_rc 2 "$IB" "${base[@]}" --group-protocol consumer --assignor cooperative-sticky
grep -q "classic protocol's" "$WORK/err.txt" || fail "--assignor with the consumer protocol: $(cat "$WORK/err.txt")"
expect_rc 2 "$IB" "${base[@]}" --group-protocol consumer -X session.timeout.ms=6000
grep -q "session.timeout.ms" "$WORK/err.txt" || fail "a client-side session with the consumer protocol: $(cat "$WORK/err.txt")"
sys=$(dirname "$(ldconfig -p | awk '/librdkafka\.so\.1 /{print $NF; exit}')")
if [ -f "$sys/librdkafka.so.1" ] && [ "$(LD_LIBRARY_PATH=$sys "$IB" --version)" != "$("$IB" --version)" ]; then
  LD_LIBRARY_PATH=$sys expect_rc 2 "$IB" "${base[@]}" --group-protocol consumer
  grep -q "needs librdkafka 2.12 or later; this is 2.0" "$WORK/err.txt" || fail "the consumer protocol on the old client: $(cat "$WORK/err.txt")"
  note "the consumer protocol on $(LD_LIBRARY_PATH=$sys "$IB" --version): refused, exit 2"
fi
