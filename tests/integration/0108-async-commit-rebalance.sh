#!/usr/bin/env bash
# 0108-async-commit-rebalance: two async-commit workers consume 6 partitions
# while a producer writes; a third worker joins mid-run (a rebalance), and
# all leave cleanly when idle (more rebalances). Heartbeats every 500 ms let
# members learn of a rebalance quickly. Five runs per variant:
#   --commit async                 0 lost every run; duplicates counted and
#                                  reported (the known weakness; expected in
#                                  at least one of the five runs)
#   --commit async+sync-on-revoke  0 lost and 0 duplicates every run
# Each duplicate is explained by the event logs: commit results refused with
# a rebalance error, and the next owner's assignment.
. "$(dirname "$0")/../lib.sh"

RUNS=${RUNS:-5}
run_logged() { # run_logged STATE-DIR FLAGS...: a worker whose stderr is kept
  local st=$1; shift
  exec "$IB" run "$@" --state-dir "$st" 2>"$st.err"
}
one_run() { # one_run VARIANT I [stall] -> writes the duplicate count to $d/dups
  local variant=$1 i=$2 stall=${3:-}
  local T="ac-${variant//+/-}-$i-$$-$RANDOM" d="$WORK/${variant//+/-}-$i"
  local flags=(--mode async-commit --commit "$variant" --brokers "$BROKERS" --topic "$T" --group "g-$T"
               --sink "dir:$d/out" --batch-ms 20 --exit-when-idle 5000 -q
               -X heartbeat.interval.ms=500 -X session.timeout.ms=6000)
  "$IB" produce --brokers "$BROKERS" --topic "$T" --records 1 --partitions 6 --run-id seed >/dev/null
  bg "$IB" produce --brokers "$BROKERS" --topic "$T" --records 99999 --rate 20000
  local producer=$BG_PID
  mkdir -p "$d"
  bg run_logged "$d/w1" "${flags[@]}"; local w1=$BG_PID
  bg run_logged "$d/w2" "${flags[@]}"; local w2=$BG_PID
  wait_until 30 "two members to share the partitions" \
    bash -c "grep -q '\"kind\":\"assign\"' '$d/w1/events.jsonl' 2>/dev/null && grep -q '\"kind\":\"assign\"' '$d/w2/events.jsonl' 2>/dev/null \
             && grep -q '\"event\":\"batch\"' '$d/w1/events.jsonl' '$d/w2/events.jsonl' 2>/dev/null"
  bg run_logged "$d/w3" "${flags[@]}"; local w3=$BG_PID
  if [ -n "$stall" ]; then
    # worker 1 stalls (a GC pause, a slow batch) past its 6 s session timeout
    sleep 0.5
    kill -STOP "$w1"; sleep 8; kill -CONT "$w1"
  fi
  wait_exit 60 "$producer" || fail "$variant run $i: producer failed"
  local n=0
  for w in "$w1" "$w2" "$w3"; do
    n=$((n + 1))
    wait_exit 90 "$w" || { cat "$d/w$n.err" >&2; fail "$variant run $i: worker $n failed"; }
  done
  grep -q '"kind":"assign"' "$d/w3/events.jsonl" || fail "$variant run $i: the third worker never got partitions"
  "$IB" verify --brokers "$BROKERS" --topic "$T" --sink "dir:$d/out" --expect "produced=100000,lost=0,unexpected=0" \
    >"$d/verify.txt" 2>&1 || { cat "$d/verify.txt" >&2; fail "$variant run $i: verify"; }
  local dups refused
  dups=$(table_value duplicates "$d/verify.txt")
  refused=$(cat "$d"/w*/events.jsonl | grep '"event":"commit_result"' | grep -c '"ok":false' || true)
  note "$variant run $i: duplicates=$dups, commits refused=$refused, rebalances=$(cat "$d"/w*/events.jsonl | grep -c '"event":"rebalance"')"
  echo "$dups" >"$d/dups"
}

plain_total=0; plain_runs_with=0; remedy_total=0
for i in $(seq 1 "$RUNS"); do
  one_run async "$i"
  n=$(cat "$WORK/async-$i/dups"); plain_total=$((plain_total + n)); [ "$n" -gt 0 ] && plain_runs_with=$((plain_runs_with + 1))
done
for i in $(seq 1 "$RUNS"); do
  one_run async+sync-on-revoke "$i"
  n=$(cat "$WORK/async-sync-on-revoke-$i/dups"); remedy_total=$((remedy_total + n))
  [ "$n" = 0 ] || fail "async+sync-on-revoke run $i: $n duplicates, want 0"
done
note "RESULT clean joins and leaves: async: duplicates in $plain_runs_with of $RUNS runs ($plain_total in all); async+sync-on-revoke: $remedy_total"

# A stalled member, the cause load tests meet: expelled while stopped, it
# resumes, processes the batch it already polled for partitions now owned by
# another member, and its commit is refused. What happens depends on where
# the stall lands (mid-batch, mid-rebalance, idle), so it is reported, not
# asserted: lost assignments, refused commits by error, duplicates.
one_run async stall stall
d="$WORK/async-stall"
lost_events=$(grep -c '"kind":"lost"' "$d/w1/events.jsonl" || true)
refusals=$(grep -h '"event":"commit_result"' "$d"/w*/events.jsonl | grep '"ok":false' | grep -o '"error":"[A-Z_]*"' | sort | uniq -c | tr -s ' ' | tr '\n' ';')
note "RESULT stalled member: async duplicates=$(cat "$d/dups"), assignments lost=$lost_events, refused commits: ${refusals:-none}"
