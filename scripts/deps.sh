#!/usr/bin/env bash
# deps.sh: install every Debian package ingestbench needs to build, test and chart,
# then a current librdkafka (scripts/librdkafka.sh: built from Debian's newest
# source package into .cache/librdkafka, once; Debian's 2.0.2 stays installed).
#
# Idempotent: packages already installed are left alone, and apt-get update runs
# only when something is missing. Needs root (or sudo) on Debian bookworm.
#
#   scripts/deps.sh          install what is missing
#   scripts/deps.sh --check  list what is missing, exit 1 if anything is
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config
  librdkafka-dev libzookeeper-mt-dev libjansson-dev
  zookeeper default-jre-headless maven
  kcat gnuplot-nox
  netcat-openbsd procps iproute2 iptables
  clang-14 libclang-rt-14-dev openssl
  libssl-dev zlib1g-dev libzstd-dev
)

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
repo=$(cd "$(dirname "$0")/.." && pwd)

check_only=0
case "${1:-}" in
  "") ;;
  --check) check_only=1 ;;
  -h|--help) usage; exit 0 ;;
  *) echo "deps.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ $check_only -eq 1 ]; then
  rc=0
  [ ${#missing[@]} -eq 0 ] || { echo "deps.sh: missing: ${missing[*]}" >&2; rc=1; }
  "$repo/scripts/librdkafka.sh" --check >/dev/null || rc=1
  [ $rc = 1 ] || echo "deps.sh: all ${#PKGS[@]} packages present, and a current librdkafka" >&2
  exit $rc
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps.sh: all ${#PKGS[@]} packages present" >&2
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "deps.sh: installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "deps.sh: done" >&2
fi
# the client the build links by default (cmake -DIB_RDKAFKA=system for Debian's)
if ! "$repo/scripts/librdkafka.sh" --check >/dev/null 2>&1; then
  "$repo/scripts/librdkafka.sh" >/dev/null
fi
