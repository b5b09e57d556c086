#!/usr/bin/env bash
# 0201-chaos-crash: the shipped crash scenarios of the modes that track offsets
# outside Kafka (direct in ZooKeeper, checkpoint in a local file) on the real
# cluster: a worker killed with -9 and restarted, 0 lost, 0 duplicates, and
# the harness leaves no process behind. The results file carries its schema,
# versions, the scenario, the applied schedule with a recovery time, and a
# verdict per expectation; --junit writes one case per expectation.
. "$(dirname "$0")/../lib.sh"
S=$IB_REPO/chaos/scenarios

for name in crash-direct crash-checkpoint; do
  chaos_run "$WORK/$name" "$S/$name.json" --junit "$WORK/$name.xml"
  [ "$CHAOS_RC" = 0 ] || chaos_failed "$WORK/$name" "$name"
  no_leftovers "$WORK/$name"
  R=$WORK/$name/results.json
  [ "$(json_get "$R" 'd["schema"], d["schema_version"], d["kind"]')" = "('ingestbench.results', 1, 'chaos')" ] ||
    fail "$name: results header"
  [ "$(json_get "$R" 'd["counts"]["lost"], d["counts"]["duplicates"], d["counts"]["produced"]')" = "(0, 0, 40000)" ] ||
    fail "$name: counts $(json_get "$R" 'd["counts"]')"
  [ "$(json_get "$R" 'd["versions"]["librdkafka"] != "" and d["machine"]["cores"] > 0')" = True ] || fail "$name: versions"
  [ "$(json_get "$R" 'd["scenario"]["name"]')" = "$name" ] || fail "$name: the scenario is not in the results"
  # the kill was applied, healed, and the partitions it affected recovered
  [ "$(json_get "$R" '[(f["fault"], f["applied_ms"] is not None, f["healed_ms"] is not None, type(f["recovery_ms"]).__name__) for f in d["schedule"]]')" = \
    "[('kill', True, True, 'int')]" ] || fail "$name: schedule $(json_get "$R" 'd["schedule"]')"
  [ "$(json_get "$R" 'all(e["pass"] for e in d["verdict"]["expectations"]) and len(d["verdict"]["expectations"])')" = 7 ] ||
    fail "$name: verdict"
  [ "$(grep -c '<testcase' "$WORK/$name.xml")" = 7 ] && ! grep -q '<failure' "$WORK/$name.xml" || fail "$name: junit"
  # w1 ran twice (the kill, the restart) and its partitions recovered within the bound
  [ "$(json_get "$R" '[w["starts"] for w in d["workers"]]')" = "[2, 1]" ] || fail "$name: worker starts"
  note "$name: $(grep 'kill w1' "$WORK/$name.txt" | sed 's/^ *//')"
done
