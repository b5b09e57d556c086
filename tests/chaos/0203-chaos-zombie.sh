#!/usr/bin/env bash
# 0203-chaos-zombie: a worker paused past its session timeout resumes as a
# zombie. direct fences it by the epoch check (0 visible duplicates, a fenced
# event); async-commit cannot, and every duplicate it leaves is explained.
. "$(dirname "$0")/../lib.sh"
S=$IB_REPO/chaos/scenarios

chaos_run "$WORK/direct" "$S/zombie-direct.json"
[ "$CHAOS_RC" = 0 ] || chaos_failed "$WORK/direct" "zombie-direct"
fenced=$(json_get "$WORK/direct/results.json" 'd["figures"]["fenced"]')
[ "$fenced" -gt 0 ] || fail "zombie-direct: the paused worker was never fenced"
note "direct: 0 duplicates, $fenced partitions fenced"

chaos_run "$WORK/async" "$S/zombie-async-commit.json"
[ "$CHAOS_RC" = 0 ] || chaos_failed "$WORK/async" "zombie-async-commit"
note "async-commit: $(json_get "$WORK/async/results.json" 'd["counts"]["duplicates"]') duplicates, all explained"
no_leftovers "$WORK"
