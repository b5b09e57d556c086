#!/usr/bin/env bash
# kcat-pipe.sh BROKERS TOPIC GROUP OUT_TOPIC WORKER STATE [KCAT-ARGS...]: an external
# consumer that writes to Kafka (chaos/EXTERNAL.md, "sink": "kafka"): kcat in
# consumer group GROUP reads TOPIC, each record's value gets "worker": WORKER
# added, and a second kcat produces it to OUT_TOPIC. The consumer commits its
# offsets every second, whether or not the producer has sent what it printed,
# so a kill can lose records as well as repeat them: the naive
# consume-and-produce pipeline. kcat -P reads its input in 4 KB pieces, so the
# last records of a quiet stream wait for the end of its input: drain such a
# consumer on its group ("drain": "group"). SIGTERM stops the consumer cleanly
# (it commits what it printed); the producer then sends what is left and exits.
set -euo pipefail
[ $# -ge 6 ] || { echo "usage: kcat-pipe.sh BROKERS TOPIC GROUP OUT_TOPIC WORKER STATE [KCAT-ARGS...]" >&2; exit 2; }
brokers=$1 topic=$2 group=$3 out=$4 worker=$5 state=$6
shift 6
fifo=$state/records
rm -f "$fifo"
mkfifo "$fifo"
sed -u "s/}\$/,\"worker\":\"$worker\"}/" <"$fifo" | kcat -q -b "$brokers" -P -t "$out" &
writer=$!
kcat -q -u -b "$brokers" -G "$group" -X auto.offset.reset=earliest -X auto.commit.interval.ms=1000 "$@" \
  -f '%s\n' "$topic" >"$fifo" &
reader=$!
trap 'kill -TERM "$reader" 2>/dev/null || true' TERM INT
wait "$reader" || true # returns early when the trap runs
wait "$reader" || true
wait "$writer"
