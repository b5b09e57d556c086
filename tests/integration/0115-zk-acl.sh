#!/usr/bin/env bash
# 0115-zk-acl: --zk-auth (#16). The direct mode with a digest credential
# (given as @FILE) creates its owner, lock, worker and offset nodes with an
# ACL of all rights to its identity and read to anyone. While it runs, a
# client without the credential (ZooKeeper's own zkCli.sh) can neither change
# an offset nor delete an owner node, and the run still delivers every record
# once. A wrong password and a group node someone left open are refused with
# one line and exit 3.
. "$(dirname "$0")/../lib.sh"
ZKCLI=/usr/share/zookeeper/bin/zkCli.sh
[ -x "$ZKCLI" ] || fail "no $ZKCLI (Debian package zookeeper)"
# zkcli CMD...: one command of ZooKeeper's CLI, without any credential; output in $WORK/zk.txt
zkcli() { timeout 60 "$ZKCLI" -server "$ZK" "$@" >"$WORK/zk.txt" 2>&1 || true; }

T=acl-$$-$RANDOM
G=g-$T
printf 'digest:ingest:s3cret\n' >"$WORK/cred"; chmod 600 "$WORK/cred"
printf 'digest:ingest:wrong\n' >"$WORK/wrong"; chmod 600 "$WORK/wrong"
"$IB" produce --brokers "$BROKERS" --topic "$T" --records 20k --partitions 3 --seed 3 >/dev/null || fail "produce failed"

bg "$IB" run --mode direct --brokers "$BROKERS" --zookeeper "$ZK" --zk-auth "@$WORK/cred" --topic "$T" \
  --group "$G" --sink "dir:$WORK/out" --state-dir "$WORK/state" -q
worker=$BG_PID
wait_until 60 "the first commit" grep -q '"event":"commit".*"ok":true' "$WORK/state/events.jsonl"
OFF=/ingestbench/$G/offsets/$T/0
OWNER=/ingestbench/$G/owners/$T/0

zkcli getAcl "$OFF"
grep -q "'digest,'ingest:" "$WORK/zk.txt" || fail "the offset node has no digest ACL: $(tail -5 "$WORK/zk.txt")"
grep -q "'world,'anyone" "$WORK/zk.txt" && ! grep -A1 "'world,'anyone" "$WORK/zk.txt" | grep -q ": r$" &&
  fail "anyone has more than read on the offset node"
offset_of() { sed -n 's/^{"offset":\([0-9]*\),.*/\1/p' "$WORK/zk.txt" | tail -1; }
zkcli get "$OFF"; before=$(offset_of)
[ -n "$before" ] || fail "no offset in $OFF: $(tail -3 "$WORK/zk.txt")"
zkcli set "$OFF" 0
grep -qi "insufficient permission\|NoAuth" "$WORK/zk.txt" || fail "a client without the credential set $OFF: $(tail -3 "$WORK/zk.txt")"
zkcli delete "$OWNER"
grep -qi "insufficient permission\|NoAuth" "$WORK/zk.txt" || fail "a client without the credential deleted $OWNER: $(tail -3 "$WORK/zk.txt")"
zkcli stat "$OWNER"
grep -q "ctime" "$WORK/zk.txt" || fail "$OWNER is gone"
zkcli get "$OFF"; after=$(offset_of)
[ -n "$after" ] && [ "$after" -ge "$before" ] && [ "$after" != 0 ] || fail "the offset was changed: $before -> $after"

# the worker goes on: more records, all delivered once
"$IB" produce --brokers "$BROKERS" --topic "$T" --records 10k --seed 4 >/dev/null || fail "second produce failed"
# caught up: every record is in the sink (lines of the range files); then a clean stop
sink_lines() { [ "$(cat "$WORK"/out/*.jsonl 2>/dev/null | wc -l)" -ge 30000 ]; }
wait_until 180 "30000 records in the sink" sink_lines
kill -TERM "$worker"
rc=0; wait_exit 60 "$worker" || rc=$?
[ "$rc" = 0 ] || fail "the worker exited $rc: $(tail -3 "$WORK/state/events.jsonl")"
expect_rc 0 "$IB" verify --brokers "$BROKERS" --topic "$T" --sink "dir:$WORK/out" --expect "produced=30000,lost=0,duplicates=0"
grep -q '"zk-auth": "(set, not recorded)"' "$WORK/state/stats.json" || fail "stats.json records the credential"
grep -q 's3cret' "$WORK/state/stats.json" "$WORK/state/events.jsonl" && fail "the password is in the worker's files"

# a wrong password: one line, exit 3, nothing changed
expect_rc 3 timeout 60 "$IB" run --mode direct --brokers "$BROKERS" --zookeeper "$ZK" --zk-auth "@$WORK/wrong" \
  --topic "$T" --group "$G" --sink "dir:$WORK/out2" --state-dir "$WORK/state2" --exit-when-idle 3000 -q
grep -qi "ZooKeeper.*\(not authenticated\|auth\)" "$WORK/err.txt" || fail "wrong password: unclear error: $(cat "$WORK/err.txt")"
[ "$(wc -l <"$WORK/err.txt")" = 1 ] || fail "wrong password: not one line: $(cat "$WORK/err.txt")"

# a group node someone left open is refused, not trusted
zkcli create "/ingestbench/g-open-$T"
expect_rc 3 timeout 60 "$IB" run --mode direct --brokers "$BROKERS" --zookeeper "$ZK" --zk-auth "@$WORK/cred" \
  --topic "$T" --group "g-open-$T" --sink "dir:$WORK/out3" --state-dir "$WORK/state3" --exit-when-idle 3000 -q
grep -q "anyone may change or delete" "$WORK/err.txt" || fail "an open group node was trusted: $(cat "$WORK/err.txt")"
zkcli deleteall "/ingestbench/g-open-$T"
# the receiver's offsets in ZooKeeper (--offsets zk) get the same ACL
"$IB" produce --brokers "$BROKERS" --topic "r$T" --records 3000 --partitions 2 --seed 6 >/dev/null || fail "produce r$T"
timeout 120 "$IB" run --mode receiver --offsets zk --brokers "$BROKERS" --zookeeper "$ZK" --zk-auth "@$WORK/cred" \
  --topic "r$T" --group "gr-$T" --sink "dir:$WORK/rout" --state-dir "$WORK/rstate" --exit-when-idle 3000 -q ||
  fail "the receiver with --zk-auth exited $?"
expect_rc 0 "$IB" verify --brokers "$BROKERS" --topic "r$T" --sink "dir:$WORK/rout" --expect "produced=3000,lost=0"
ROFF=/consumers/gr-$T/offsets/r$T/0
zkcli getAcl "$ROFF"
grep -q "'digest,'ingest:" "$WORK/zk.txt" || fail "the receiver's offset node has no digest ACL: $(tail -5 "$WORK/zk.txt")"
zkcli set "$ROFF" 0
grep -qi "insufficient permission\|NoAuth" "$WORK/zk.txt" || fail "a client without the credential set $ROFF"
note "30000 records through an ACL-protected group (direct), 3000 (receiver --offsets zk); unauthenticated set and delete refused"
