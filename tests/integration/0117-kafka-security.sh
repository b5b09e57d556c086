#!/usr/bin/env bash
# 0117-kafka-security: Kafka security through -X (#16). The fixture's brokers
# also listen with SASL_PLAINTEXT and SCRAM-SHA-256 (200 ports above
# PLAINTEXT) and with TLS (300 above, a certificate for 127.0.0.1 signed by a
# CA that scripts/cluster.sh made with openssl). The fixture's cluster has the
# SCRAM user this test logs in as (cluster.sh --scram-user, written into the
# brokers' storage when it is formatted). The test produces, consumes (checkpoint mode) and
# verifies over each: 0 lost, 0 duplicates, the password never written to the
# worker's files. A wrong password, and a CA that did not sign the broker's
# certificate: one line, exit 3, within 20 s, for each command.
. "$(dirname "$0")/../lib.sh"
SASL=$(echo "$BROKERS" | awk -F, '{for (i = 1; i <= NF; i++) {split($i, a, ":"); printf "%s%s:%d", (i > 1 ? "," : ""), a[1], a[2] + 200}}')
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
  grep -q "authentication with the Kafka brokers failed: .*SASL authentication error" "$WORK/err.txt" ||
    fail "${cmd%% *}: unclear: $(cat "$WORK/err.txt")"
  [ $(( $(date +%s) - start )) -le 20 ] || fail "${cmd%% *}: a wrong password took more than 20 s to report"
done
# ---- TLS ----
CA="${IB_TEST_CLUSTER_DIR:?}/tls/ca.pem"
[ -f "$CA" ] || fail "no CA at $CA (scripts/cluster.sh makes it)"
TLS=$(echo "$BROKERS" | awk -F, '{for (i = 1; i <= NF; i++) {split($i, a, ":"); printf "%s%s:%d", (i > 1 ? "," : ""), a[1], a[2] + 300}}')
tls=(-X security.protocol=SSL -X "ssl.ca.location=$CA")
T2=tls-$$-$RANDOM
"$IB" produce --brokers "$TLS" "${tls[@]}" --topic "$T2" --records 20k --partitions 3 --seed 11 >"$WORK/produce.txt" ||
  fail "produce over TLS failed"
timeout 180 "$IB" run --mode checkpoint --brokers "$TLS" "${tls[@]}" --topic "$T2" --group "g-$T2" \
  --sink "dir:$WORK/tout" --state-dir "$WORK/tstate" --exit-when-idle 3000 -q || fail "run over TLS exited $?"
expect_rc 0 "$IB" verify --brokers "$TLS" "${tls[@]}" --topic "$T2" --sink "dir:$WORK/tout" \
  --expect "produced=20000,lost=0,duplicates=0"
# a CA of someone else's: the broker's certificate is not trusted
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=another CA" -keyout "$WORK/other.key" \
  -out "$WORK/other.pem" >/dev/null 2>&1 || fail "openssl"
start=$(date +%s)
expect_rc 3 timeout 60 "$IB" produce --brokers "$TLS" -X security.protocol=SSL -X "ssl.ca.location=$WORK/other.pem" \
  --topic "$T2" --records 10
[ "$(wc -l <"$WORK/err.txt")" = 1 ] && grep -q "authentication with the Kafka brokers failed: .*\(certificate verify failed\|SSL handshake failed\)" "$WORK/err.txt" ||
  fail "an untrusted broker certificate: unclear: $(cat "$WORK/err.txt")"
[ $(( $(date +%s) - start )) -le 20 ] || fail "an untrusted certificate took more than 20 s to report"
note "20000 records over SASL/SCRAM and 20000 over TLS: 0 lost, 0 duplicates; a wrong password or CA is one line and exit 3"
