#!/usr/bin/env bash
# 0211-chaos-network: the shipped network-fault scenarios, each on a real
# local cluster whose brokers, ZooKeeper and workers are hosts of their own
# (a network namespace each, "hosts": true), started and stopped by the run:
#   - a direct worker cut from the broker but not from ZooKeeper: 0 duplicates
#     (it keeps its partitions, nobody may claim them);
#   - an async-commit worker cut from the broker past its session: nothing
#     lost, every duplicate explained;
#   - a direct worker cut from ZooKeeper only: its session expires, it is
#     fenced (logged), 0 duplicates;
#   - a broker cut from the other two: nothing lost, every duplicate explained;
#   - a slow link (200 ms on each packet the broker sends): latency shows it,
#     nothing lost or read twice.
# Each fault is recorded with the times its rules took effect and came out. After
# each run, and after a run stopped with SIGINT while a partition is on, nothing
# of it is left: no namespace, no link, no server of its cluster.
# Needs root and iptables (scripts/deps.sh): skipped (77) without, and says why.
. "$(dirname "$0")/../lib.sh"
S=$IB_REPO/chaos/scenarios
[ "$(id -u)" = 0 ] || { echo "skipped: network namespaces need root" >&2; exit 77; }
command -v iptables >/dev/null || { echo "skipped: no iptables (scripts/deps.sh installs it)" >&2; exit 77; }

# gone PID: nothing of harness PID's hosts is in the kernel any more
gone() {
  local left
  left=$( (ls /run/netns 2>/dev/null | grep "^ib-$1-"; ls /sys/class/net | grep "^ib$1\$") || true)
  [ -z "$left" ] || fail "left behind by harness $1: $left"
}

# net_run NAME: the scenario on its own cluster; checks the verdict and the cleanup
net_run() {
  local name=$1 pid
  CHAOS_RC=0
  "$IB" chaos --scenario "$S/$name.json" --brokers local --kafka-port 46092 --zk-port 46181 \
    --out "$WORK/$name" --no-progress >"$WORK/$name.txt" 2>"$WORK/$name.err" &
  pid=$!
  wait_exit 600 "$pid" || CHAOS_RC=$?
  [ "$CHAOS_RC" = 0 ] || chaos_failed "$WORK/$name" "$name"
  gone "$pid"
  no_leftovers "$WORK/$name"
  R=$WORK/$name/results.json
  # the fault took effect and was healed, its times recorded
  json_get "$R" 'd["schedule"][0]["applied_ms"] is not None and d["schedule"][0]["healed_ms"] - d["schedule"][0]["applied_ms"] >= d["schedule"][0]["duration_ms"]' |
    grep -qx True || fail "$name: the fault's times: $(json_get "$R" 'd["schedule"][0]')"
  # and it hit something: partitions that were being read (a worker with none measures nothing)
  [ "$(json_get "$R" 'd["schedule"][0]["affected_partitions"]')" -ge 1 ] ||
    fail "$name: the fault affected no partition: $(json_get "$R" 'd["schedule"][0]')"
  note "$name: $(grep -E '^ +[0-9]+ ms' "$WORK/$name.txt" | sed 's/^ *//'); duplicates $(json_get "$R" 'd["counts"]["duplicates"]'), lost $(json_get "$R" 'd["counts"]["lost"]')"
}

net_run net-partition-worker-brokers-direct
net_run net-partition-worker-brokers-async-commit
net_run net-partition-worker-zk-direct
# cut from ZooKeeper past its session: the worker saw it expire, and was fenced
grep -q '"event":"session_expired"' "$WORK/net-partition-worker-zk-direct/workers/w1/events.jsonl" ||
  fail "net-partition-worker-zk-direct: w1's session did not expire: the partition did not reach ZooKeeper"
[ "$(json_get "$WORK/net-partition-worker-zk-direct/results.json" 'd["figures"]["fenced"]')" -ge 1 ] ||
  fail "net-partition-worker-zk-direct: w1 was never fenced"
net_run net-partition-broker-checkpoint
net_run net-slow-broker-checkpoint
# 200 ms on every packet from the broker: some record waited at least that long
max=$(json_get "$WORK/net-slow-broker-checkpoint/results.json" 'd["latency_ms"]["max"]')
python3 -c "import sys; sys.exit(0 if float('$max') >= 200 else 1)" ||
  fail "net-slow-broker-checkpoint: max latency $max ms, under the 200 ms delay"

# SIGINT while a partition is on: the run stops, and takes everything with it
name=net-partition-worker-brokers-direct
"$IB" chaos --scenario "$S/$name.json" --brokers local --kafka-port 46092 --zk-port 46181 \
  --out "$WORK/sigint" --no-progress >"$WORK/sigint.txt" 2>"$WORK/sigint.err" &
pid=$!
wait_until 180 "the partition's rules" grep -q -- '-I OUTPUT -o eth0 -j IBF1' "$WORK/sigint/net.log"
ls /run/netns | grep -q "^ib-$pid-w1\$" || fail "no host for w1 while the run is on"
kill -INT "$pid"
rc=0
wait_exit 180 "$pid" || rc=$?
[ "$rc" = 1 ] || { cat "$WORK/sigint.err" >&2; fail "an interrupted run exited $rc, want 1"; }
grep -q "interrupted" "$WORK/sigint.err" || fail "the interrupted run did not say so"
gone "$pid"
no_leftovers "$WORK/sigint"
for pf in "$WORK"/sigint/cluster/*.pid; do
  [ -e "$pf" ] || continue
  ! kill -0 "$(cat "$pf")" 2>/dev/null || fail "a server of the interrupted run still runs: $pf"
done
note "SIGINT during the partition: exit 1, no namespace, link or server left"
