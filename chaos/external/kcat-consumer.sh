#!/usr/bin/env bash
# kcat-consumer.sh BROKERS TOPIC GROUP OUT [KCAT-ARGS...]: the smallest external consumer
# (chaos/EXTERNAL.md): kcat in consumer group GROUP reads TOPIC and appends
# each record's value, a JSON line carrying its "id", to a file of its own in
# OUT. Offsets are committed automatically every second, after the records
# were printed, so a kill re-reads up to a second of records: duplicates the
# checker must find and attribute. SIGTERM ends it cleanly (kcat closes the
# consumer, committing what it printed).
set -euo pipefail
[ $# -ge 4 ] || { echo "usage: kcat-consumer.sh BROKERS TOPIC GROUP OUT [KCAT-ARGS...]" >&2; exit 2; }
brokers=$1 topic=$2 group=$3 out=$4
shift 4
exec kcat -q -u -b "$brokers" -G "$group" -X auto.offset.reset=earliest -X auto.commit.interval.ms=1000 \
  "$@" -f '%s\n' "$topic" >>"$out/part-$$.jsonl"
