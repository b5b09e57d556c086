#!/usr/bin/env bash
# 0204-chaos-faults: faults armed inside a running worker and on ZooKeeper:
# the receiver's log write fails (it stops with exit 1, counted; the other
# worker takes over: nothing lost); the server expires a direct worker's
# ZooKeeper session (it renews and goes on: no duplicate, nothing lost).
. "$(dirname "$0")/../lib.sh"
S=$IB_REPO/chaos/scenarios

chaos_run "$WORK/wal" "$S/receiver-wal-write-failure.json"
[ "$CHAOS_RC" = 0 ] || chaos_failed "$WORK/wal" "receiver-wal-write-failure"
grep -q 'wal_error' "$WORK/wal/workers/w1/events.jsonl" || fail "w1 logged no wal_error"
grep -q 'exited on its own (exit 1)' "$WORK/wal.err" || fail "the harness did not report w1's exit"

chaos_run "$WORK/expire" "$S/zk-expire-direct.json"
[ "$CHAOS_RC" = 0 ] || chaos_failed "$WORK/expire" "zk-expire-direct"
grep -q '"event":"session_expired"' "$WORK/expire/workers/w1/events.jsonl" || fail "w1's session was not expired"
note "zk-expire: w1 renewed its session; $(json_get "$WORK/expire/results.json" 'd["counts"]')"
no_leftovers "$WORK"
