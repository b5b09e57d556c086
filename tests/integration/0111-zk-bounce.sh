#!/usr/bin/env bash
# 0111-zk-bounce: ZooKeeper killed with -9 for a few seconds and restarted on
# the same data and port, under direct (ownership and offsets in ZooKeeper)
# and receiver --offsets zk, while producers write. Neither worker exits on
# its own; both ride out the connection loss (retry events) and catch up:
# lost 0, duplicates 0, and no committed offset ever moves backwards (#16).
. "$(dirname "$0")/../lib.sh"

CLUSTER=${IB_TEST_CLUSTER_DIR:?the 3-broker fixture}
RECORDS=30000 RATE=3000 DOWN_S=5
declare -A extra=([direct]="" [receiver]="--offsets zk --wal-dedup")
declare -A worker producer topic
for m in direct receiver; do
  topic[$m]="zkb-$m-$$-$RANDOM"
  make_topic "${topic[$m]}" 6 3
  mkdir -p "$WORK/$m"
  # shellcheck disable=SC2086
  bg "$IB" run --mode "$m" --brokers "$BROKERS" --topic "${topic[$m]}" --group "g-${topic[$m]}" \
     --zookeeper "$ZK" --zk-session-timeout-ms 15000 --sink "dir:$WORK/$m/out" --state-dir "$WORK/$m/state" \
     --batch-ms 50 --exit-when-idle 5000 -q ${extra[$m]}
  worker[$m]=$BG_PID
  bg "$IB" produce --brokers "$BROKERS" --topic "${topic[$m]}" --records $((RECORDS - 1)) --rate $RATE
  producer[$m]=$BG_PID
done
sleep 3
"$IB_REPO/scripts/cluster.sh" stop-zk --dir "$CLUSTER" 2>/dev/null || fail "stop-zk failed"
sleep "$DOWN_S"
for m in direct receiver; do
  kill -0 "${worker[$m]}" 2>/dev/null || fail "$m: the worker exited while ZooKeeper was down"
done
"$IB_REPO/scripts/cluster.sh" start-zk --dir "$CLUSTER" --timeout 60 2>/dev/null || fail "start-zk failed"
for m in direct receiver; do
  wait_exit 120 "${producer[$m]}" || fail "$m: its producer failed"
done
for m in direct receiver; do
  wait_exit 180 "${worker[$m]}" || fail "$m: the worker failed: $(tail -3 "$WORK/$m/state/events.jsonl")"
  "$IB" verify --brokers "$BROKERS" --topic "${topic[$m]}" --sink "dir:$WORK/$m/out" \
    --expect "lost=0,duplicates=0,unexpected=0" >"$WORK/$m/verify.txt" 2>&1 ||
    { cat "$WORK/$m/verify.txt" >&2; fail "$m: verify"; }
  python3 - "$WORK/$m/state/events.jsonl" <<'PY' || fail "$m: a committed offset moved backwards"
import json, sys
last = {}
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("event") != "commit" or not e.get("ok"):
        continue
    for p in e.get("partitions") or e.get("offsets") or []:
        part, off = p["partition"], p["offset"]
        assert off >= last.get(part, -1), f"partition {part}: {last[part]} -> {off} at {e['t_ms']}"
        last[part] = off
assert last, "no successful commit"
PY
  note "RESULT $m: ZooKeeper down ${DOWN_S}s: lost 0, duplicates 0, retry episodes $(count '"event":"retry"' "$WORK/$m/state/events.jsonl"), failed commits $(count '"ok":false' "$WORK/$m/state/events.jsonl")"
done
