#!/usr/bin/env bash
# librdkafka.sh: a current librdkafka beside Debian's 2.0.2, built from Debian's
# newest source package into the project's cache; the system's package is left
# untouched (a private apt state, deb-src only, in .cache/librdkafka/apt).
#
#   scripts/librdkafka.sh                 build it unless the cache has it; print its prefix
#   scripts/librdkafka.sh --check         print the cached build's prefix and version, exit 1 if
#                                         none, or if it is older than --min
#   scripts/librdkafka.sh --suite S       take the source from suite S (default: sid)
#   scripts/librdkafka.sh --min V         refuse a version older than V (default: 2.12.0)
#
# The version is read from the source package, checked against --min, and
# checked again in the built library's pkg-config file: that suite moves, so
# nothing assumes which version it serves. The build goes to
# .cache/librdkafka/VERSION (about 70 s on 2 cores); .cache/librdkafka/current
# points at the newest complete one. Offline, a cached build is used as it is.
# The build links it by default (cmake -DIB_RDKAFKA=current; =system for Debian's).
# Exit codes: 0 ready, 1 the download or the build failed, 2 usage.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cache="$repo/.cache/librdkafka"
suite=sid
min=2.12.0
check=0
while [ $# -gt 0 ]; do
  case "$1" in
    --suite) [ $# -ge 2 ] || { echo "librdkafka.sh: --suite needs a value" >&2; exit 2; }; suite=$2; shift 2 ;;
    --min) [ $# -ge 2 ] || { echo "librdkafka.sh: --min needs a value" >&2; exit 2; }; min=$2; shift 2 ;;
    --check) check=1; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "librdkafka.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
say() { echo "librdkafka.sh: $*" >&2; }
die() { say "$*"; exit 1; }

# version_ge A B: A >= B, both dotted numbers
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

# The prefix of the newest complete build, or nothing.
cached() {
  local d
  d=$(readlink -f "$cache/current" 2>/dev/null) || return 1
  [ -f "$d/.complete" ] && [ -f "$d/lib/pkgconfig/rdkafka.pc" ] && echo "$d"
}

if [ $check = 1 ]; then
  prefix=$(cached) || { say "no build in $cache (run scripts/librdkafka.sh)"; exit 1; }
  have=$(sed -n 's/^Version: //p' "$prefix/lib/pkgconfig/rdkafka.pc")
  version_ge "$have" "$min" || { say "the cached build is librdkafka $have, older than $min (run scripts/librdkafka.sh)"; exit 1; }
  echo "$prefix $have"
  exit 0
fi

# Check-Valid-Until off: the mirror here serves a dated snapshot whose sid Release file
# has "expired" (apt refused it 28 days past its Valid-Until, 2026-12-04); its signature
# is still checked, and only sources are fetched, each checked against its .dsc.
apt_opts=(-q -o "Dir::Etc::SourceList=$cache/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o "Dir::State::Lists=$cache/apt/lists" -o "Dir::Cache=$cache/apt/cache"
          -o APT::Sandbox::User=root -o Acquire::Check-Valid-Until=false)
mkdir -p "$cache/apt/lists/partial" "$cache/apt/cache/archives/partial" "$cache/src"
echo "deb-src http://deb.debian.org/debian $suite main" > "$cache/apt/sources.list"
if ! apt-get "${apt_opts[@]}" update >"$cache/apt/update.log" 2>&1; then
  if prefix=$(cached); then
    say "cannot reach Debian's $suite sources (see $cache/apt/update.log): using the cached build $prefix"
    echo "$prefix"; exit 0
  fi
  die "cannot reach Debian's $suite sources (see $cache/apt/update.log)"
fi
rm -rf "$cache/src" && mkdir -p "$cache/src"
(cd "$cache/src" && apt-get "${apt_opts[@]}" source --download-only librdkafka >"$cache/apt/source.log" 2>&1) ||
  die "apt-get source librdkafka failed (see $cache/apt/source.log)"
dsc=$(ls "$cache"/src/librdkafka_*.dsc 2>/dev/null | head -1)
[ -n "$dsc" ] || die "no source package in $cache/src"
version=$(sed -n 's/^Version: \([0-9][0-9.]*\).*/\1/p' "$dsc" | head -1)
[ -n "$version" ] || die "$dsc: no Version line"
version_ge "$version" "$min" || die "Debian's $suite serves librdkafka $version, older than $min"
prefix="$cache/$version"
if [ -f "$prefix/.complete" ]; then
  ln -sfn "$version" "$cache/current"
  say "librdkafka $version already built in $prefix"
  echo "$prefix"; exit 0
fi

say "building librdkafka $version from Debian's $suite source package into $prefix"
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
tar xzf "$cache"/src/librdkafka_"$version".orig.tar.gz -C "$work"
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -1)
rm -rf "$prefix"
log="$cache/build-$version.log"
( cd "$src" && ./configure --prefix="$prefix" --disable-gssapi && make -j"$(nproc)" -C src && make -C src install ) \
  >"$log" 2>&1 || die "the build failed (see $log)"
built=$(sed -n 's/^Version: //p' "$prefix/lib/pkgconfig/rdkafka.pc")
[ "$built" = "$version" ] || die "built $built, expected $version (see $log)"
grep -q "BUILT_WITH.*SSL" "$src/Makefile.config" 2>/dev/null || say "warning: built without SSL (see $log)"
touch "$prefix/.complete"
ln -sfn "$version" "$cache/current"
say "librdkafka $version ready in $prefix ($(grep -o 'BUILT_WITH.*' "$src/Makefile.config" | head -1))"
echo "$prefix"
