#!/usr/bin/env bash
# build.sh: the two images of docker/, from this source tree.
#   ingestbench:TAG        the project built as the README builds it (scripts/deps.sh, CMake)
#   ingestbench-kafka:VER  Apache Kafka VER (the jars scripts/cluster.sh fetches from Maven
#                          Central) and Debian's ZooKeeper, started by scripts/cluster.sh
#                          (ingestbench-kafka:TAG when --tag is given)
#
# Usage: docker/build.sh [--tag TAG] [--kafka-version V] [--only ingestbench|kafka]
# Each build runs with --network host (apt inside the build reaches Debian's packages).
# The contexts are staged in a temporary folder: the tracked files of this tree as
# they are now (git ls-files), and for the servers only the script and the jars.
# Exit codes: 0 built, 1 a build failed, 2 usage.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tag=latest
kafka_tag=""
kafka_version=${INGESTBENCH_KAFKA_VERSION:-4.4.0}
only=""
usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) [ $# -ge 2 ] || { echo "build.sh: --tag needs a value" >&2; exit 2; }; tag=$2; kafka_tag=$2; shift 2 ;;
    --kafka-version) [ $# -ge 2 ] || { echo "build.sh: --kafka-version needs a value" >&2; exit 2; }
                     kafka_version=$2; shift 2 ;;
    --only) [ $# -ge 2 ] && { [ "$2" = ingestbench ] || [ "$2" = kafka ]; } ||
              { echo "build.sh: --only takes ingestbench or kafka" >&2; exit 2; }; only=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
command -v docker >/dev/null || { echo "build.sh: no docker client" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "build.sh: no Docker daemon answers (start dockerd)" >&2; exit 1; }
docker image inspect debian:bookworm-slim >/dev/null 2>&1 ||
  { echo "build.sh: no debian:bookworm-slim image: pull it, or make one (docker/README.md: debootstrap)" >&2; exit 1; }
stage=$(mktemp -d /tmp/ingestbench-docker-XXXXXX)
trap 'rm -rf "$stage"' EXIT

if [ "$only" != kafka ]; then
  mkdir -p "$stage/src"
  (cd "$repo" && git ls-files -z | tar --null -T - -cf -) | tar -C "$stage/src" -xf -
  echo "build.sh: ingestbench:$tag from $(cd "$repo" && git rev-parse --short HEAD)$(cd "$repo" && git diff --quiet HEAD || echo ' with changes')" >&2
  docker build --network host --force-rm -f "$repo/docker/ingestbench.Dockerfile" -t "ingestbench:$tag" "$stage/src"
fi
if [ "$only" != ingestbench ]; then
  INGESTBENCH_KAFKA_VERSION=$kafka_version "$repo/scripts/cluster.sh" fetch
  cache="${INGESTBENCH_CACHE:-$repo/.cache}/kafka-$kafka_version"
  mkdir -p "$stage/kafka/scripts" "$stage/kafka/.cache/kafka-$kafka_version"
  cp "$repo/scripts/cluster.sh" "$stage/kafka/scripts/"
  cp -r "$cache/libs" "$stage/kafka/.cache/kafka-$kafka_version/"
  echo "build.sh: ingestbench-kafka:${kafka_tag:-$kafka_version} (Kafka $kafka_version)" >&2
  docker build --network host --force-rm --build-arg KAFKA_VERSION="$kafka_version" -f "$repo/docker/kafka.Dockerfile" \
    -t "ingestbench-kafka:${kafka_tag:-$kafka_version}" "$stage/kafka"
fi
