#!/usr/bin/env bash
# 0008-cli: flags and exit codes of every command, with no server running:
# --help is 0, bad flags are usage errors (2), unreachable servers are 3 within a bound.
. "$(dirname "$0")/../lib.sh"

for cmd in produce run verify mock-cluster wal checkpoint; do
  expect_rc 0 "$IB" "$cmd" --help
  grep -q '^Usage: ingestbench' "$WORK/out.txt" || fail "$cmd --help prints no usage"
  expect_rc 2 "$IB" "$cmd" --no-such-flag
  grep -q "unknown option '--no-such-flag'" "$WORK/err.txt" || fail "$cmd: unclear unknown-flag error"
  [ "$(wc -l <"$WORK/err.txt")" = 1 ] || fail "$cmd: error is not one line"
done
expect_rc 0 "$IB" --help
expect_rc 0 "$IB" --version
expect_rc 2 "$IB"
expect_rc 2 "$IB" frobnicate
expect_rc 2 "$IB" run --topic
grep -q "option --topic needs a value" "$WORK/err.txt" || fail "missing value not reported"
expect_rc 2 "$IB" run --mode direct --topic t --group g
grep -q -- "--state-dir is required" "$WORK/err.txt" || fail "missing --state-dir not reported"
# a misspelt fault point is a usage error, not a run that injects nothing
INGESTBENCH_FAULTS=batch.slwo:3:8000 expect_rc 2 "$IB" run --mode direct --topic t --group g --state-dir "$WORK/f"
grep -q "unknown point 'batch.slwo'" "$WORK/err.txt" || fail "the fault typo is not named: $(cat "$WORK/err.txt")"
expect_rc 2 "$IB" run --mode nosuch --topic t --group g --state-dir "$WORK/s"
grep -q "unknown mode 'nosuch' (available: direct" "$WORK/err.txt" || fail "unknown mode not reported"
expect_rc 2 "$IB" run --mode direct --topic t --group g --state-dir "$WORK/s" --batch-ms -5
grep -q -- "--batch-ms must be between 0 and 3600000, not -5" "$WORK/err.txt" || fail "bad number: flag not named"
expect_rc 2 "$IB" run --mode direct --topic t --group g --state-dir "$WORK/s" --sink ftp:x
expect_rc 2 "$IB" run --mode direct --topic t --group g --state-dir "$WORK/s" -X novalue
expect_rc 2 "$IB" produce --topic t
expect_rc 2 "$IB" produce --topic t --records 10 --bad-ratio 2
expect_rc 2 "$IB" produce --topic t --records ten
grep -q -- "--records takes a whole number, not 'ten'" "$WORK/err.txt" || fail "bad number: flag not named"
expect_rc 2 "$IB" verify --topic t --sink null
expect_rc 2 "$IB" verify --topic t --sink dir:x --expect lots=0
expect_rc 2 "$IB" mock-cluster --topic nopartitions
expect_rc 2 "$IB" run extra-arg

# No broker and no mock cluster: a clear line, exit 3, at once.
INGESTBENCH_MOCK_FILE="$WORK/none.addr" expect_rc 3 "$IB" produce --topic t --records 1
grep -q "no --brokers given and no embedded mock cluster running" "$WORK/err.txt" || fail "no-broker error unclear"

# Unreachable ZooKeeper and broker: exit 3 within the connect bound.
start=$(date +%s)
expect_rc 3 "$IB" run --mode direct --brokers 127.0.0.1:1 --zookeeper 127.0.0.1:1 --topic t \
  --group g --state-dir "$WORK/s" --connect-timeout-ms 1500 -q
[ $(( $(date +%s) - start )) -le 15 ] || fail "unreachable broker took too long to report"
tail -1 "$WORK/err.txt" | grep -q "no Kafka broker answered within 1500 ms" || fail "unreachable broker error unclear"
note "all flag and exit-code checks passed"
# wal: usage errors and a missing directory
expect_rc 2 "$IB" wal
expect_rc 2 "$IB" wal frob "$WORK"
expect_rc 2 "$IB" wal dump "$WORK" --policy sometimes
expect_rc 1 "$IB" wal verify "$WORK/no-such-dir"
grep -q "not a directory" "$WORK/err.txt" || fail "wal verify: unclear missing-directory error"
expect_rc 0 "$IB" wal verify "$WORK"   # an empty log is intact
expect_rc 2 "$IB" run --mode receiver --topic t --group g --state-dir "$WORK/s" --offsets zk
grep -q -- "--offsets zk needs --zookeeper" "$WORK/err.txt" || fail "--offsets zk without --zookeeper not refused"
INGESTBENCH_MOCK_FILE="$WORK/none.addr" expect_rc 2 "$IB" run --mode receiver --brokers 127.0.0.1:1 \
  --topic t --group g --state-dir "$WORK/s" --fsync sometimes
grep -q -- "--fsync takes batch, interval:MS or none" "$WORK/err.txt" || fail "bad --fsync not refused"
# checkpoint and async-commit flags
expect_rc 2 "$IB" checkpoint
expect_rc 1 "$IB" checkpoint show "$WORK/no-such-file"
printf 'IBCKPT\r\n' >"$WORK/short.ckpt"
expect_rc 1 "$IB" checkpoint show "$WORK/short.ckpt"
grep -q "short.ckpt: truncated" "$WORK/err.txt" || fail "truncated checkpoint not named"
expect_rc 0 "$IB" checkpoint show "$(dirname "$0")/../fixtures/checkpoint-v1.bin"
grep -q '"version": 1' "$WORK/out.txt" || fail "version-1 checkpoint not shown"
expect_rc 2 "$IB" run --mode checkpoint --topic t --group g --state-dir "$WORK/s" --partitions 0 --worker 0/2
grep -q "contradict" "$WORK/err.txt" || fail "--partitions with --worker not refused"
expect_rc 2 "$IB" run --mode checkpoint --topic t --group g --state-dir "$WORK/s" --checkpoint-recovery maybe
INGESTBENCH_MOCK_FILE="$WORK/none.addr" expect_rc 2 "$IB" run --mode async-commit --brokers 127.0.0.1:1 \
  --topic t --group g --state-dir "$WORK/s" --commit sometimes
grep -q -- "--commit takes async, sync, auto or async+sync-on-revoke" "$WORK/err.txt" || fail "bad --commit not refused"
