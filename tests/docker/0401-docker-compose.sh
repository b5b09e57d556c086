#!/usr/bin/env bash
# 0401-docker-compose: docker/ end to end (label docker, opt-in: scripts/test.sh --label docker).
# From a base image made with debootstrap (when debian:bookworm-slim is not there), it
# builds both images (docker/build.sh), brings the compose cluster up on the host's
# network (3 brokers, KRaft, and ZooKeeper), runs a short scenario against it with the
# workers in containers (--worker-launch: docker run), checks its verdict, and removes
# every container, volume and image it made; then checks that they are gone.
# Skipped (77), with the reason, without a Docker daemon, docker-compose or debootstrap.
# About 4 minutes on 2 cores (3:52 from a debootstrapped base), most of it building the images.
. "$(dirname "$0")/../lib.sh"
skip() { echo "skipped: $*" >&2; exit 77; }
command -v docker >/dev/null || skip "no docker client (apt-get install docker.io)"
docker info >/dev/null 2>&1 || skip "no Docker daemon answers (start dockerd: docker/README.md)"
command -v docker-compose >/dev/null || skip "no docker-compose (apt-get install docker-compose)"

tag="test-$$"
project="ibtest$$"
kport=47192 zport=47281
made_base=0
export IB_TAG=$tag IB_KAFKA_TAG=$tag IB_KAFKA_PORT=$kport IB_ZK_PORT=$zport
compose() { docker-compose -p "$project" -f "$IB_REPO/docker/compose.yaml" "$@"; }

# everything this test made goes, also when it fails
docker_cleanup() {
  compose down -v --remove-orphans >/dev/null 2>&1 || true
  docker ps -aq --filter "label=ingestbench-test=$$" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker rmi -f "ingestbench:$tag" "ingestbench-kafka:$tag" >/dev/null 2>&1 || true
  [ "$made_base" = 0 ] || docker rmi -f debian:bookworm-slim >/dev/null 2>&1 || true
  docker image prune -f >/dev/null 2>&1 || true
}
trap 'rc=$?; docker_cleanup; (exit $rc); cleanup' EXIT

if ! docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || skip "no debian:bookworm-slim image and no debootstrap to make one"
  note "debian:bookworm-slim from debootstrap --variant=minbase bookworm"
  debootstrap --variant=minbase bookworm "$WORK/rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 ||
    { tail -5 "$WORK/debootstrap.log" >&2; fail "debootstrap failed"; }
  tar -C "$WORK/rootfs" -c . | docker import - debian:bookworm-slim >/dev/null || fail "docker import failed"
  made_base=1
  rm -rf "$WORK/rootfs"
fi

t0=$(date +%s)
"$IB_REPO/docker/build.sh" --tag "$tag" >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log" >&2; fail "docker/build.sh failed"; }
note "images built in $(( $(date +%s) - t0 )) s: ingestbench:$tag, ingestbench-kafka:$tag"

compose up -d zookeeper kafka-1 kafka-2 kafka-3 >"$WORK/compose-up.log" 2>&1 ||
  { cat "$WORK/compose-up.log" >&2; fail "compose up failed"; }
brokers="127.0.0.1:$kport,127.0.0.1:$((kport + 1)),127.0.0.1:$((kport + 2))"
three() { [ "$(timeout 5 kcat -b "$brokers" -L -m 3 2>/dev/null | grep -c '^  broker .* at ')" -ge 3 ]; }
wait_until 180 "the compose cluster's 3 brokers" three
note "compose cluster up: $brokers"

launch="[\"docker\",\"run\",\"--rm\",\"--network\",\"host\",\"--label\",\"ingestbench-test=$$\",\"-v\",\"{run}:{run}\",\"-v\",\"{cwd}:{cwd}\",\"-w\",\"{cwd}\",\"ingestbench:$tag\",\"{args}\"]"
CHAOS_RC=0
(cd "$WORK" && "$IB" chaos --scenario "$IB_REPO/chaos/scenarios/compose-stop-async-commit.json" \
   --brokers "$brokers" --out "$WORK/run" --no-progress --worker-launch "$launch" \
   >"$WORK/run.txt" 2>"$WORK/run.err") || CHAOS_RC=$?
[ "$CHAOS_RC" = 0 ] || chaos_failed "$WORK/run" compose-stop-async-commit
json_get "$WORK/run/results.json" 'd["cluster"]["kind"]' | grep -qx external || fail "the run did not use the compose cluster"
note "compose-stop-async-commit: $(grep -E '^ +[0-9]+ ms' "$WORK/run.txt" | sed 's/^ *//'); duplicates $(json_get "$WORK/run/results.json" 'd["counts"]["duplicates"]'), lost $(json_get "$WORK/run/results.json" 'd["counts"]["lost"]')"
# the workers ran in containers: the harness's children were docker clients
grep -q -- '--worker-launch' "$WORK/run/results.json" || fail "results.json does not record the launcher"

trap cleanup EXIT
docker_cleanup
[ -z "$(docker ps -aq --filter "label=ingestbench-test=$$")" ] || fail "worker containers left"
[ -z "$(docker ps -aq --filter "label=com.docker.compose.project=$project")" ] || fail "compose containers left"
[ -z "$(docker volume ls -q --filter "label=com.docker.compose.project=$project")" ] || fail "compose volumes left"
[ -z "$(docker images -q "ingestbench:$tag")$(docker images -q "ingestbench-kafka:$tag")" ] || fail "images left"
note "containers, volumes and images removed"
