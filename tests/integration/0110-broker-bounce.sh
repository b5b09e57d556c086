#!/usr/bin/env bash
# 0110-broker-bounce: every mode rides out a broker killed with -9 for longer
# than the broker session timeout (9 s), then restarted, on 3 brokers with
# replication factor 3, while producers write. Each mode has its own topic
# and worker; one bounce hits them all. No worker exits on its own before it
# has caught up; then verify: lost 0 everywhere, duplicates 0 for direct,
# checkpoint and receiver --wal-dedup (async-commit's are reported).
. "$(dirname "$0")/../lib.sh"

CLUSTER=${IB_TEST_CLUSTER_DIR:?the 3-broker fixture}
RECORDS=45000 RATE=3000 DOWN_S=12
modes=(direct checkpoint receiver async-commit)
declare -A extra=([direct]="--zookeeper $ZK --zk-session-timeout-ms 10000" [checkpoint]=""
                  [receiver]="--wal-dedup" [async-commit]="")
declare -A worker producer topic
for m in "${modes[@]}"; do
  topic[$m]="bounce-$m-$$-$RANDOM"
  make_topic "${topic[$m]}" 6 3
done
for m in "${modes[@]}"; do
  mkdir -p "$WORK/$m"
  # shellcheck disable=SC2086
  bg "$IB" run --mode "$m" --brokers "$BROKERS" --topic "${topic[$m]}" --group "g-${topic[$m]}" \
     --sink "dir:$WORK/$m/out" --state-dir "$WORK/$m/state" --batch-ms 50 --exit-when-idle 5000 -q ${extra[$m]}
  worker[$m]=$BG_PID
  bg "$IB" produce --brokers "$BROKERS" --topic "${topic[$m]}" --records $((RECORDS - 1)) --rate $RATE
  producer[$m]=$BG_PID
done
sleep 3
t_kill=$(date +%s%3N)
"$IB_REPO/scripts/cluster.sh" kill-broker 2 --dir "$CLUSTER" 2>/dev/null || fail "kill-broker failed"
sleep "$DOWN_S"
for m in "${modes[@]}"; do
  kill -0 "${worker[$m]}" 2>/dev/null || fail "$m: the worker exited while broker 2 was down"
done
"$IB_REPO/scripts/cluster.sh" start-broker 2 --dir "$CLUSTER" --timeout 120 2>/dev/null || fail "start-broker failed"
for m in "${modes[@]}"; do
  wait_exit 120 "${producer[$m]}" || fail "$m: its producer failed"
done
for m in "${modes[@]}"; do
  if ! wait_exit 180 "${worker[$m]}"; then
    # a known client bug, still open upstream: an OffsetFetch answered NOT_COORDINATOR for the
    # whole request leaves the assigned partitions unfetched for good (librdkafka #5586)
    ! grep -q 'Failed to fetch committed offsets for 0 partition' "$WORK/$m/state/events.jsonl" ||
      note "$m: the symptom of librdkafka #5586 (request-level NOT_COORDINATOR on OffsetFetch: partitions never fetched)"
    fail "$m: the worker failed: $(tail -3 "$WORK/$m/state/events.jsonl")"
  fi
  grep -q '"event":"stop","reason":"idle"' "$WORK/$m/state/events.jsonl" || fail "$m: did not stop idle"
  want="lost=0,unexpected=0"
  [ "$m" = async-commit ] || want="$want,duplicates=0"
  "$IB" verify --brokers "$BROKERS" --topic "${topic[$m]}" --sink "dir:$WORK/$m/out" --expect "$want" \
    >"$WORK/$m/verify.txt" 2>&1 || { cat "$WORK/$m/verify.txt" >&2; fail "$m: verify"; }
  # the longest stall: the largest gap between batches with records, from the kill to 30 s after
  stall=$(python3 - "$WORK/$m/state/events.jsonl" "$t_kill" <<'PY'
import json, sys
t0 = int(sys.argv[2]); ts = []
for line in open(sys.argv[1]):
    try: e = json.loads(line)
    except ValueError: continue
    if e.get("event") == "batch" and e.get("records", 0) > 0 and t0 - 2000 <= e["t_ms"] <= t0 + 45000:
        ts.append(e["t_ms"])
print(max((b - a for a, b in zip(ts, ts[1:])), default=0))
PY
)
  retries=$(count '"event":"retry"' "$WORK/$m/state/events.jsonl")
  attempts=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pipeline"]["retries"]["attempts"])' \
             "$WORK/$m/state/stats.json")
  note "RESULT $m: broker 2 down ${DOWN_S}s: lost 0, duplicates $(table_value duplicates "$WORK/$m/verify.txt"), retry episodes $retries (attempts $attempts), longest stall ${stall} ms"
done
