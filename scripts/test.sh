#!/usr/bin/env bash
# test.sh: the whole test suite on a fresh machine: install the Debian
# packages, build (warnings are errors), fetch the Kafka jars, run CTest.
# With no option it then runs the safety net (#16) as well: the unit tests and
# one integration flow (0101) on an ASan+UBSan build, the multi-threaded
# receiver flows (0106, 0121) and the direct and checkpoint kill flows (0102, 0109:
# a store thread) on a TSan build, and every fuzz target for
# IB_FUZZ_SECONDS (default 6) each; about 6 minutes more on 2 cores.
#
# Usage: scripts/test.sh [--label unit|integration|chaos|peer|docker] [--asan|--tsan] [--build-dir DIR]
#                        [--no-sanitizers]
#   Integration tests start and stop their own Kafka and ZooKeeper (ports 29092, 22181).
#   peer tests are opt-in: only --label peer registers them (they download Spark);
#   so is docker (--label docker: builds docker/'s images, needs a Docker daemon).
#   --label, --asan, --tsan or --no-sanitizers run that suite alone.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
label=""
san=""
extra=1
build="$repo/build"
tsan_env() { export TSAN_OPTIONS="suppressions=$repo/tests/tsan.supp ${TSAN_OPTIONS:-}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --label) [ $# -ge 2 ] || { echo "test.sh: --label needs a value" >&2; exit 2; }; label=$2; extra=0; shift 2 ;;
    --asan) san="-DIB_ASAN=ON"; build="$repo/build-asan"; extra=0; shift ;;
    --tsan) san="-DIB_TSAN=ON"; build="$repo/build-tsan"; extra=0; tsan_env; shift ;;
    --no-sanitizers) extra=0; shift ;;
    --build-dir) [ $# -ge 2 ] || { echo "test.sh: --build-dir needs a value" >&2; exit 2; }; build=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

"$repo/scripts/deps.sh"
peer="-DIB_PEER_TESTS=OFF -DIB_DOCKER_TESTS=OFF"
[ "$label" = peer ] && peer="-DIB_PEER_TESTS=ON -DIB_DOCKER_TESTS=OFF"
[ "$label" = docker ] && peer="-DIB_PEER_TESTS=OFF -DIB_DOCKER_TESTS=ON"
cmake -S "$repo" -B "$build" -DBUILD_TESTING=ON -DIB_WERROR=ON $san $peer >/dev/null
cmake --build "$build" -j"$(nproc)"
if [ "$label" != unit ]; then
  "$repo/scripts/cluster.sh" fetch
fi
rc=0
rm -rf "$build/failed-tests"
(cd "$build" && ctest --output-on-failure ${label:+-L "$label"}) || rc=$?
[ ! -d "$build/failed-tests" ] || echo "test.sh: the failed tests' folders are kept in $build/failed-tests" >&2
[ "$extra" = 1 ] || exit $rc

# ---- the safety net: sanitizers and fuzzing ----
step() { echo "test.sh: $*" >&2; }
step "ASan+UBSan: unit tests and 0101-direct-flow"
cmake -S "$repo" -B "$repo/build-asan" -DBUILD_TESTING=ON -DIB_WERROR=ON -DIB_ASAN=ON >/dev/null
cmake --build "$repo/build-asan" -j"$(nproc)" >/dev/null
(cd "$repo/build-asan" && ctest --output-on-failure -L unit && ctest --output-on-failure -R '^0101-direct-flow$') || rc=1
step "TSan: 0026-receiver-handoff, 0106-receiver-kill9 and 0121-receiver-slow-processor (receive, log flusher, processor and pipeline threads; a pause and resume beside the rebalance callbacks), 0102-direct-kill9 and 0109-checkpoint-kill9 (the store thread beside the next batch's read)"
cmake -S "$repo" -B "$repo/build-tsan" -DBUILD_TESTING=ON -DIB_WERROR=ON -DIB_TSAN=ON >/dev/null
cmake --build "$repo/build-tsan" -j"$(nproc)" >/dev/null
(tsan_env; cd "$repo/build-tsan" && ctest --output-on-failure -R '^(0026-receiver-handoff|0106-receiver-kill9|0121-receiver-slow-processor|0102-direct-kill9|0109-checkpoint-kill9)$') || rc=1
step "fuzzing: every target for ${IB_FUZZ_SECONDS:-6} s"
"$repo/scripts/fuzz.sh" "${IB_FUZZ_SECONDS:-6}" || rc=1
exit $rc
