#!/usr/bin/env bash
# test.sh: the whole test suite on a fresh machine: install the Debian
# packages, build (warnings are errors), fetch the Kafka jars, run CTest.
#
# Usage: scripts/test.sh [--label unit|integration|chaos|peer] [--asan|--tsan] [--build-dir DIR]
#   Integration tests start and stop their own Kafka and ZooKeeper (ports 29092, 22181).
#   peer tests are opt-in: only --label peer registers them (they download Spark).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
label=""
san=""
build="$repo/build"
while [ $# -gt 0 ]; do
  case "$1" in
    --label) [ $# -ge 2 ] || { echo "test.sh: --label needs a value" >&2; exit 2; }; label=$2; shift 2 ;;
    --asan) san="-DIB_ASAN=ON"; build="$repo/build-asan"; shift ;;
    --tsan) san="-DIB_TSAN=ON"; build="$repo/build-tsan"; shift
            export TSAN_OPTIONS="suppressions=$repo/tests/tsan.supp ${TSAN_OPTIONS:-}" ;;
    --build-dir) [ $# -ge 2 ] || { echo "test.sh: --build-dir needs a value" >&2; exit 2; }; build=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

"$repo/scripts/deps.sh"
peer=-DIB_PEER_TESTS=OFF
[ "$label" = peer ] && peer=-DIB_PEER_TESTS=ON
cmake -S "$repo" -B "$build" -DBUILD_TESTING=ON -DIB_WERROR=ON $san $peer >/dev/null
cmake --build "$build" -j"$(nproc)"
if [ "$label" != unit ]; then
  "$repo/scripts/cluster.sh" fetch
fi
cd "$build"
exec ctest --output-on-failure ${label:+-L "$label"}
