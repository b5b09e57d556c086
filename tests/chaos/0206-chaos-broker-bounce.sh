#!/usr/bin/env bash
# 0206-chaos-broker-bounce: the shipped broker-bounce scenarios on 3 real
# brokers (replication factor 3), for the mode that stores offsets in
# ZooKeeper and the one that commits to Kafka: broker 1 killed with -9 and
# started again 12 s later; the workers ride it out (no worker fails), nothing
# is lost, every duplicate is explained, and recovery stays under a minute.
# The transactional mode too (txn-broker-kill): 0 visible duplicates.
. "$(dirname "$0")/../lib.sh"
S=$IB_REPO/chaos/scenarios

for name in broker-bounce-direct broker-bounce-async-commit txn-broker-kill; do
  chaos_run "$WORK/$name" "$S/$name.json"
  [ "$CHAOS_RC" = 0 ] || chaos_failed "$WORK/$name" "$name"
  note "$name: $(grep 'broker-kill b1' "$WORK/$name.txt" | sed 's/^ *//'); duplicates $(json_get "$WORK/$name/results.json" 'd["counts"]["duplicates"]')"
done
no_leftovers "$WORK"
