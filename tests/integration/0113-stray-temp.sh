#!/usr/bin/env bash
# 0113-stray-temp: temporary files a dead writer left in the sink (a crash
# between write and rename; the old naming without a pid, and one with a dead
# pid) are removed by the next owner before it writes, and never delivered;
# a live writer's temporary file is left alone.
. "$(dirname "$0")/../lib.sh"

T="stray-$$-$RANDOM"
mkdir -p "$WORK/out"
"$IB" produce --brokers "$BROKERS" --topic "$T" --records 5000 --partitions 2 >/dev/null
name() { printf '%s-p%d-%020d-%020d.jsonl' "$T" "$1" "$2" "$3"; }
printf '{"_partition":0,"_offset":0,"id":"stray-1"}\n' >"$WORK/out/.$(name 0 0 500).tmp"
printf '{"_partition":1,"_offset":0,"id":"stray-2"}\n' >"$WORK/out/.$(name 1 0 500).999999999.tmp"
sleep 60 & live=$!; BG_PIDS+=("$live")
printf 'x\n' >"$WORK/out/.$(name 1 0 9).$live.tmp"
timeout 120 "$IB" run --mode checkpoint --brokers "$BROKERS" --topic "$T" --group "g-$T" --sink "dir:$WORK/out" \
  --state-dir "$WORK/state" --exit-when-idle 2000 -q || fail "run failed"
grep -q '"event":"stale_temp_removed","sink_files":2' "$WORK/state/events.jsonl" || fail "no sweep of the strays"
[ -e "$WORK/out/.$(name 0 0 500).tmp" ] && fail "the pid-less stray is still there"
[ -e "$WORK/out/.$(name 1 0 500).999999999.tmp" ] && fail "the dead writer's stray is still there"
[ -e "$WORK/out/.$(name 1 0 9).$live.tmp" ] || fail "a live writer's temporary file was removed"
expect_rc 0 "$IB" verify --brokers "$BROKERS" --topic "$T" --sink "dir:$WORK/out" \
  --expect "produced=5000,lost=0,duplicates=0,unexpected=0"
note "2 strays of dead writers removed before the owner wrote; the live writer's kept; 0 lost, 0 unexpected"
