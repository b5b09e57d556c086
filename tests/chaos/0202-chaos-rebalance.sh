#!/usr/bin/env bash
# 0202-chaos-rebalance: the async-commit rebalance duplicate, reproduced by its
# shipped scenario (a worker's batch slower than max.poll.interval.ms while a
# third joins): duplicates, each explained by the refused commit or the lost
# assignment, with the workers' generations; nothing lost. The remedy
# (async+sync-on-revoke) under clean joins and leaves: 0 duplicates.
. "$(dirname "$0")/../lib.sh"
S=$IB_REPO/chaos/scenarios

chaos_run "$WORK/dups" "$S/async-rebalance-duplicates.json"
[ "$CHAOS_RC" = 0 ] || chaos_failed "$WORK/dups" "rebalance duplicates"
R=$WORK/dups/results.json
dups=$(json_get "$R" 'd["counts"]["duplicates"]')
[ "$dups" -gt 0 ] || fail "no duplicates"
# every duplicate run names two workers with generations, and a cause
json_get "$R" '"\n".join(a["explanation"] for a in d["anomalies"] if a["kind"] == "duplicate")' >"$WORK/why.txt"
[ -s "$WORK/why.txt" ] || fail "no duplicate explained"
if grep -v -E 'delivered by w[0-9] \(generation [0-9]+\) and w[0-9] \(generation [0-9]+\); ' "$WORK/why.txt"; then
  fail "a duplicate without two workers and their generations"
fi
grep -q -E 'failed with (UNKNOWN_MEMBER_ID|ILLEGAL_GENERATION|REBALANCE_IN_PROGRESS)|lost|revoked' "$WORK/why.txt" ||
  fail "no refused commit or lost assignment named: $(cat "$WORK/why.txt")"
note "rebalance: $dups duplicates; $(head -1 "$WORK/why.txt" | sed 's/.*; //')"

chaos_run "$WORK/remedy" "$S/async-remedy-clean-joins.json"
[ "$CHAOS_RC" = 0 ] || chaos_failed "$WORK/remedy" "remedy"
note "remedy: $(json_get "$WORK/remedy/results.json" 'd["counts"]["duplicates"]') duplicates, $(json_get "$WORK/remedy/results.json" 'd["figures"]["rebalances"]') rebalances"
no_leftovers "$WORK"
