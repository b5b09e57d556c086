#!/usr/bin/env bash
# deps.sh: install every Debian package ingestbench needs to build, test and chart.
#
# Idempotent: packages already installed are left alone, and apt-get update runs
# only when something is missing. Needs root (or sudo) on Debian bookworm.
#
#   scripts/deps.sh          install what is missing
#   scripts/deps.sh --check  list what is missing, exit 1 if anything is
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config
  librdkafka-dev libzookeeper-mt-dev libjansson-dev libyajl-dev
  zookeeper default-jre-headless maven
  kcat gnuplot-nox
  netcat-openbsd procps
  clang-14 libclang-rt-14-dev openssl
  libssl-dev zlib1g-dev libzstd-dev
)

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; }

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

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps.sh: all ${#PKGS[@]} packages present" >&2
  exit 0
fi
if [ $check_only -eq 1 ]; then
  echo "deps.sh: missing: ${missing[*]}" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "deps.sh: installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps.sh: done" >&2
