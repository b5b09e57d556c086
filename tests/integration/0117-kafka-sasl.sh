#!/usr/bin/env bash
# 0117-kafka-sasl: Kafka security through -X (#16). The fixture's brokers
# also listen with SASL_PLAINTEXT and SCRAM-SHA-256 (scripts/cluster.sh, 200
# ports above PLAINTEXT); this test creates a SCRAM user with Kafka's own
# ConfigCommand, then produces, consumes (checkpoint mode) and verifies over
# that listener: 0 lost, 0 duplicates, the password never written to the
# worker's files. A wrong password: one line, exit 3, at once for each command.
. "$(dirname "$0")/../lib.sh"
REPO=${IB_REPO:?}
SASL=$(echo "$BROKERS" | awk -F, '{for (i = 1; i <= NF; i++) {split($i, a, ":"); printf "%s%s:%d", (i > 1 ? "," : ""), a[1], a[2] + 200}}')
libs="$REPO/.cache/kafka-3.9.1/libs"
[ -d "$libs" ] || fail "no Kafka jars in $libs (scripts/cluster.sh fetch)"
timeout 120 java -cp "$libs/*" kafka.admin.ConfigCommand --bootstrap-server "$BROKERS" --alter \
  --add-config 'SCRAM-SHA-256=[iterations=4096,password=ingest-s3cret]' --entity-type users --entity-name ingest \
  >"$WORK/scram.txt" 2>&1 || { cat "$WORK/scram.txt" >&2; fail "creating the SCRAM user failed"; }
sec=(-X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=SCRAM-SHA-256 -X sasl.username=ingest)
good=("${sec[@]}" -X sasl.password=ingest-s3cret)
bad=("${sec[@]}" -X sasl.password=wrong)

T=sasl-$$-$RANDOM
# SCRAM credentials reach every broker through the metadata log: retry briefly
ok=0
for i in $(seq 1 20); do
  if "$IB" produce --brokers "$SASL" "${good[@]}" --topic "$T" --records 20k --partitions 3 --seed 9 \
       >"$WORK/produce.txt" 2>"$WORK/produce.err"; then ok=1; break; fi
  sleep 0.5
done
[ $ok = 1 ] || { cat "$WORK/produce.err" >&2; fail "produce over SASL failed"; }
grep -q "acked=20000 failed=0" "$WORK/produce.txt" || fail "produce over SASL: $(cat "$WORK/produce.txt")"
timeout 180 "$IB" run --mode checkpoint --brokers "$SASL" "${good[@]}" --topic "$T" --group "g-$T" \
  --sink "dir:$WORK/out" --state-dir "$WORK/state" --exit-when-idle 3000 -q || fail "run over SASL exited $?"
expect_rc 0 "$IB" verify --brokers "$SASL" "${good[@]}" --topic "$T" --sink "dir:$WORK/out" \
  --expect "produced=20000,lost=0,duplicates=0"
grep -q "ingest-s3cret" "$WORK/state/stats.json" "$WORK/state/events.jsonl" && fail "the SASL password is in the worker's files"
grep -q '"sasl.password": "(set, not recorded)"' "$WORK/state/stats.json" || fail "stats.json does not say the password was set"

for cmd in "produce --topic $T --records 10" \
           "run --mode checkpoint --topic $T --group g2-$T --sink dir:$WORK/o2 --state-dir $WORK/s2 -q" \
           "verify --topic $T --sink dir:$WORK/out"; do
  start=$(date +%s)
  # shellcheck disable=SC2086
  expect_rc 3 timeout 60 "$IB" $cmd --brokers "$SASL" "${bad[@]}"
  [ "$(wc -l <"$WORK/err.txt")" = 1 ] || fail "${cmd%% *}: a wrong password is not one line: $(cat "$WORK/err.txt")"
  grep -q "refused the credentials: .*SASL authentication error" "$WORK/err.txt" ||
    fail "${cmd%% *}: unclear: $(cat "$WORK/err.txt")"
  [ $(( $(date +%s) - start )) -le 20 ] || fail "${cmd%% *}: a wrong password took more than 20 s to report"
done
note "20000 records over SASL/SCRAM: 0 lost, 0 duplicates; a wrong password is one line and exit 3"
