#!/usr/bin/env bash
# 0210-chaos-external: the external-consumer contract (chaos/EXTERNAL.md) with
# the smallest consumer the project ships, kcat in a group writing JSON Lines
# (chaos/external/kcat-consumer.sh), under the shipped scenario
# external-kcat-kill on the real cluster: w1 killed with -9 and restarted, w2
# stopped with SIGTERM and restarted.
#   - the harness fills the template per worker: each worker's output folder
#     holds its files, and no process is left behind;
#   - the drain ends on the output (every produced id in it); 0 lost, 0
#     unexpected; and again with "drain": "group" (its committed offsets);
#   - kcat commits every second after printing, so the kill re-reads what it
#     printed since: the checker must find duplicates, and attribute every
#     duplicate anomaly to a worker and to the kill before it (no event log:
#     attributed, not explained);
#   - a consumer that writes to Kafka ("sink": "kafka", external-kcat-pipe-kafka:
#     kcat reads, a second kcat produces each record with its worker's name to
#     the output topic): its output is read from the topic, 0 lost, the
#     kill's duplicates found and each attributed by the records' "worker"
#     field, out_of_order not measured;
#   - a bad template is refused before anything starts (exit 2, no run
#     folder): an unknown placeholder, a program that is not there.
. "$(dirname "$0")/../lib.sh"
S=$IB_REPO/chaos/scenarios
command -v kcat >/dev/null || fail "kcat is not installed (scripts/deps.sh)"

out=$WORK/ext
chaos_run "$out" "$S/external-kcat-kill.json"
[ "$CHAOS_RC" = 0 ] || chaos_failed "$out" external-kcat-kill
no_leftovers "$out"
R=$out/results.json
[ "$(json_get "$R" 'd["counts"]["lost"], d["counts"]["unexpected"], d["counts"]["produced"]')" = "(0, 0, 48000)" ] ||
  fail "counts $(json_get "$R" 'd["counts"]')"
[ "$(json_get "$R" 'd["drained"]')" = True ] || fail "the drain did not end on the output"
for w in w1 w2; do
  ls "$out/sink/$w"/part-*.jsonl >/dev/null 2>&1 || fail "no output file of $w in $out/sink/$w"
done
[ "$(json_get "$R" '[w["starts"] for w in d["workers"]]')" = "[2, 2]" ] || fail "worker starts $(json_get "$R" 'd["workers"]')"
[ "$(json_get "$R" 'sum(w["failures"] for w in d["workers"])')" = 0 ] || fail "a worker failed: $(json_get "$R" 'd["workers"]')"
dups=$(json_get "$R" 'd["counts"]["duplicates"]')
[ "$dups" -gt 0 ] || fail "no duplicates after a kill -9 of a consumer that commits every second"
python3 - "$R" <<'PY' || fail "duplicates not attributed: $(json_get "$R" '[a["explanation"] for a in d["anomalies"]][:3]')"
import json, sys
d = json.load(open(sys.argv[1]))
dups = [a for a in d["anomalies"] if a["kind"] == "duplicate"]
assert dups, "no duplicate anomaly"
assert sum(a["count"] for a in dups) == d["counts"]["duplicates"], "anomalies do not add up to the count"
for a in dups:
    assert a["worker"] in ("w1", "w2"), a
    assert "kill w1 at +" in a["explanation"] and "attributed by output folder" in a["explanation"], a
    assert not a["explained"], a
assert d["figures"]["unexplained_duplicates"] == d["counts"]["duplicates"]
PY

# the same run drained on the group's committed offsets instead of the output
sed -e "s|../external/kcat-consumer.sh|$IB_REPO/chaos/external/kcat-consumer.sh|" -e 's/"drain": "output"/"drain": "group"/' \
  "$S/external-kcat-kill.json" >"$WORK/group.json"
chaos_run "$WORK/group" "$WORK/group.json"
[ "$CHAOS_RC" = 0 ] || chaos_failed "$WORK/group" "drain group"
[ "$(json_get "$WORK/group/results.json" 'd["drained"], d["counts"]["lost"], d["counts"]["unexpected"]')" = "(True, 0, 0)" ] ||
  fail "drain group: $(json_get "$WORK/group/results.json" 'd["drained"], d["counts"]')"
no_leftovers "$WORK/group"

# a consumer writing to Kafka: {out} is the output topic
out=$WORK/kafka
chaos_run "$out" "$S/external-kcat-pipe-kafka.json"
[ "$CHAOS_RC" = 0 ] || chaos_failed "$out" external-kcat-pipe-kafka
no_leftovers "$out"
python3 - "$out/results.json" <<'PY' || fail "the Kafka sink: $(json_get "$out/results.json" 'd["counts"], d["external"]')"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["counts"]
assert d["sink"]["type"] == "kafka" and d["drained"], (d["sink"], d["drained"])
assert c["lost"] == 0 and c["unexpected"] == 0 and c["unique"] == c["produced"] > 0, c
assert c["out_of_order"] == 0 and d["external"]["order_measured"] is False, d["external"]
assert c["duplicates"] > 0, "no duplicates after a kill -9 of a consumer that commits every second"
dups = [a for a in d["anomalies"] if a["kind"] == "duplicate"]
assert sum(a["count"] for a in dups) == c["duplicates"], "anomalies do not add up to the count"
for a in dups:
    assert a["worker"] in ("w1", "w2") and "the records' \"worker\" field" in a["explanation"], a
PY
kdups=$(json_get "$out/results.json" 'd["counts"]["duplicates"]')

# refused before anything starts
sed -e "s|../external/kcat-consumer.sh|$IB_REPO/chaos/external/kcat-consumer.sh|" -e 's/{topic}/{topik}/' \
  "$S/external-kcat-kill.json" >"$WORK/placeholder.json"
expect_rc 2 "$IB" chaos --scenario "$WORK/placeholder.json" --brokers mock --out "$WORK/bad"
grep -q 'external.command\[2\]: unknown placeholder {topik}' "$WORK/err.txt" || fail "bad placeholder: $(cat "$WORK/err.txt")"
[ ! -e "$WORK/bad" ] || fail "a refused scenario made its run folder"
sed 's|../external/kcat-consumer.sh|../external/no-such-consumer|' "$S/external-kcat-kill.json" >"$WORK/missing.json"
expect_rc 2 "$IB" chaos --scenario "$WORK/missing.json" --brokers mock --out "$WORK/bad"
grep -q 'external.command\[0\]: program .*no-such-consumer is not an executable file' "$WORK/err.txt" ||
  fail "missing program: $(cat "$WORK/err.txt")"
[ ! -e "$WORK/bad" ] || fail "a refused scenario made its run folder"
note "RESULT kcat consumer, kill -9 then SIGTERM: $dups duplicates (all attributed), 0 lost; writing to Kafka: $kdups duplicates (all attributed), 0 lost"
