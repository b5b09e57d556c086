#!/usr/bin/env bash
# fuzz.sh: builds the fuzz targets (fuzz/) with clang's libFuzzer, ASan and
# UBSan, and runs each for SECONDS, two at a time, from the committed seeds
# (fuzz/corpus/T) and regression cases (fuzz/regressions/T).
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]     (default 60 s, every target)
#   Exit 0 when no target found anything, 1 when one did (its input is kept
#   in build-fuzz/crashes/T/ and named on stderr: fix the bug, then commit the
#   input to fuzz/regressions/T/, which a unit test replays), 2 usage.
#   New inputs that reached new code stay in build-fuzz/corpus/T.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
case "${1:-}" in -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
secs=${1:-60}
[[ "$secs" =~ ^[0-9]+$ ]] && [ "$secs" -ge 1 ] || { echo "fuzz.sh: SECONDS must be a whole number of seconds, not '$secs'" >&2; exit 2; }
shift || true
all=(record wal checkpoint processed scenario results sink)
targets=("${@:-${all[@]}}")
for t in "${targets[@]}"; do
  [ -d "$repo/fuzz/corpus/$t" ] || { echo "fuzz.sh: no target '$t' (targets: ${all[*]})" >&2; exit 2; }
done
cc=$(command -v clang-14 || command -v clang || true)
if [ -z "$cc" ]; then
  echo "fuzz.sh: installing clang-14 and its sanitizer runtime (Debian packages)" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends clang-14 libclang-rt-14-dev >/dev/null
  cc=$(command -v clang-14)
fi
build="$repo/build-fuzz"
CC=$cc cmake -S "$repo" -B "$build" -DIB_FUZZ=ON -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target fuzz-all >/dev/null

# run_one T: one target for $secs; its log in build-fuzz/logs/T.log
run_one() {
  local t=$1 work="$build/corpus/$1" crashes="$build/crashes/$1"
  mkdir -p "$work" "$crashes" "$build/logs"
  local rc=0
  ( cd "$crashes" && UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "$build/fuzz/fuzz-$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=3072 -print_final_stats=1 \
      -artifact_prefix="$crashes/" "$work" "$repo/fuzz/corpus/$t" "$repo/fuzz/regressions/$t" \
      >"$build/logs/$t.log" 2>&1 ) || rc=$?
  local runs
  runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$build/logs/$t.log" | tail -1)
  if [ "$rc" -ne 0 ]; then
    echo "fuzz.sh: $t FAILED after ${runs:-?} inputs (see $build/logs/$t.log); inputs kept: $(ls "$crashes" | tr '\n' ' ')" >&2
    return 1
  fi
  echo "fuzz.sh: $t: ${runs:-?} inputs in ${secs} s, nothing found" >&2
}

failed=0
pids=()
names=()
for t in "${targets[@]}"; do
  run_one "$t" & pids+=($!); names+=("$t")
  if [ ${#pids[@]} -ge 2 ]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}"); names=("${names[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
exit $failed
