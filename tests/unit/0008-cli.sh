#!/usr/bin/env bash
# 0008-cli: flags and exit codes of every command, with no server running:
# --help is 0, bad flags are usage errors (2), unreachable servers are 3 within a bound.
. "$(dirname "$0")/../lib.sh"

for cmd in produce run verify mock-cluster wal checkpoint chaos bench compare report; do
  expect_rc 0 "$IB" "$cmd" --help
  grep -q '^Usage: ingestbench' "$WORK/out.txt" || fail "$cmd --help prints no usage"
  expect_rc 2 "$IB" "$cmd" --no-such-flag
  grep -q "unknown option '--no-such-flag'" "$WORK/err.txt" || fail "$cmd: unclear unknown-flag error"
  [ "$(wc -l <"$WORK/err.txt")" = 1 ] || fail "$cmd: error is not one line"
done
# a missing value is a usage error, one line naming the option, for every command that takes one
for a in "chaos --scenario" "bench --records" "compare --baseline" "report --out" "mock-cluster --topic" \
         "verify --sink" "produce --records" "run --group" "checkpoint show --no-such" "wal dump $WORK --policy"; do
  # shellcheck disable=SC2086
  expect_rc 2 "$IB" $a
  [ "$(wc -l <"$WORK/err.txt")" = 1 ] || fail "'$a': not one line: $(cat "$WORK/err.txt")"
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
# each mode owns its options: a flag of another mode is refused, naming the flag and its modes
expect_rc 2 "$IB" run --mode direct --fsync none --topic t --group g --state-dir "$WORK/s"
grep -q -- "--fsync belongs to mode receiver, not direct" "$WORK/err.txt" || fail "cross-mode flag not refused: $(cat "$WORK/err.txt")"
expect_rc 2 "$IB" run --mode async-commit --zookeeper z:1 --topic t --group g --state-dir "$WORK/s"
grep -q -- "--zookeeper belongs to modes direct and receiver, not async-commit" "$WORK/err.txt" || fail "shared mode flag: $(cat "$WORK/err.txt")"
expect_rc 2 "$IB" run --mode receiver --commit sync --topic t --group g --state-dir "$WORK/s"
grep -q -- "--commit belongs to mode async-commit, not receiver" "$WORK/err.txt" || fail "--commit on receiver: $(cat "$WORK/err.txt")"
expect_rc 2 "$IB" run --wal-dedup --topic t --group g --state-dir "$WORK/s"
grep -q -- "--mode is required (--wal-dedup belongs to mode receiver)" "$WORK/err.txt" || fail "no mode: $(cat "$WORK/err.txt")"
[ "$(wc -l <"$WORK/err.txt")" = 1 ] || fail "cross-mode error is not one line"
# help: every mode's section from its table; with --mode, that mode's alone
expect_rc 0 "$IB" run --help
for section in "direct mode:" "receiver mode:" "async-commit mode:" "checkpoint mode:" "--wal-dedup" "--commit async|sync|auto|async+sync-on-revoke" "--max-records-per-partition N"; do
  grep -q -- "$section" "$WORK/out.txt" || fail "run --help lacks '$section'"
done
expect_rc 0 "$IB" run --mode checkpoint --help
grep -q -- "--checkpoint-recovery previous|earliest|latest" "$WORK/out.txt" || fail "checkpoint help lacks its option"
grep -q -- "--wal-dedup\|receiver mode:" "$WORK/out.txt" && fail "run --mode checkpoint --help shows another mode's options"
# every option's effective value, defaults included, is recorded under the mode's name
expect_rc 3 "$IB" run --mode direct --brokers 127.0.0.1:1 --zookeeper 127.0.0.1:1 --topic t --group g \
  --state-dir "$WORK/cfg" --connect-timeout-ms 500 -q
python3 - "$WORK/cfg/events.jsonl" <<'PY' || fail "start event lacks the mode's options"
import json, sys
start = [json.loads(l) for l in open(sys.argv[1]) if '"start"' in l][-1]
c = start["config"]
assert c["mode"] == "direct" and c["batch-ms"] == 100 and c["connect-timeout-ms"] == 500, c
d = c["direct"]
assert d == {"zookeeper": "127.0.0.1:1", "zk-session-timeout-ms": 6000, "zk-auth": None,
             "max-records-per-partition": 5000}, d
PY
# a credential is never recorded (#16), and a malformed one is a usage error
expect_rc 3 "$IB" run --mode direct --brokers 127.0.0.1:1 --zookeeper 127.0.0.1:1 --topic t --group g \
  --state-dir "$WORK/cfg2" --connect-timeout-ms 500 --zk-auth digest:u:s3cret -X sasl.password=s3cret -q
grep -q '"zk-auth":"(set, not recorded)"' "$WORK/cfg2/events.jsonl" || fail "the credential's presence is not recorded"
grep -q '"sasl.password":"(set, not recorded)"' "$WORK/cfg2/events.jsonl" || fail "-X sasl.password is not redacted"
grep -q s3cret "$WORK/cfg2/events.jsonl" "$WORK/cfg2/stats.json" && fail "the password is in the worker's files"
expect_rc 2 "$IB" run --mode direct --zookeeper 127.0.0.1:1 --topic t --group g --state-dir "$WORK/cfg3" --zk-auth u:s
grep -q -- "--zk-auth: want digest:USER:PASS, or @FILE holding it" "$WORK/err.txt" || fail "bad --zk-auth not refused"
note "mode option checks passed"
