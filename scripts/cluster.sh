#!/usr/bin/env bash
# cluster.sh: a real local Kafka (KRaft) and ZooKeeper on 127.0.0.1 (or on hosts of their
# own: --host), for tests and demos.
#
# Usage:
#   scripts/cluster.sh up     [options]   fetch jars if needed, configure, start, wait until ready
#   scripts/cluster.sh down   [options]   stop exactly the processes 'up' started (by pid)
#   scripts/cluster.sh status [options]   print what runs, exit 0 if all is up, 1 if not
#   scripts/cluster.sh fetch              only fill the Kafka jar cache (mvn)
#   scripts/cluster.sh kill-broker N  [--dir DIR]   kill -9 broker N (faults for tests and chaos)
#   scripts/cluster.sh start-broker N [--dir DIR]   start broker N again on its data and port, wait until it answers
#   scripts/cluster.sh stop-zk        [--dir DIR]   kill -9 ZooKeeper
#   scripts/cluster.sh start-zk       [--dir DIR]   start ZooKeeper again on its data and port, wait for ruok
#   scripts/cluster.sh serve-broker N [options] --cluster-id ID   run broker N in the foreground (a
#                                     container's command: docker/), configured as 'up' configures it
#   scripts/cluster.sh serve-zk       [options]   run ZooKeeper in the foreground
#   Each is idempotent (killing what is dead, or starting what runs, says so and succeeds)
#   and bounded by --timeout.
#
# Options:
#   --dir DIR          run folder: configs, data, logs, pid files   (default: $INGESTBENCH_CLUSTER_DIR or .cluster)
#   --brokers N        1 or 3 Kafka brokers (3: replication factor 3)  (default: 1)
#   --kafka-port P     first broker's port; broker i listens on P+i-1  (default: 19092)
#   --zk-port P        ZooKeeper client port                           (default: 12181)
#   --no-kafka         start ZooKeeper only
#   --no-zk            start Kafka only
#   --timeout S        how long 'up' waits for readiness, seconds      (default: 90)
#   --kafka-version V  Apache Kafka version, jars from Maven Central  (default: $INGESTBENCH_KAFKA_VERSION or 4.4.0;
#                      3.9.1 is the last 3.x, also tested)
#   --scram-user U:P   a SCRAM-SHA-256 user, written when the brokers' storage is formatted
#   --cluster-id ID    the KRaft cluster's id (serve-broker: the same for every broker; default: made once)
#   --host NAME=NS@ADDR  run NAME (zookeeper, broker-1, broker-2, ...) in network namespace NS,
#                      listening on ADDR instead of 127.0.0.1 (hosts of their own: the chaos
#                      harness makes the namespaces); remembered in DIR/hosts for later commands
#
# The consumer group protocol (KIP-848) takes its session and heartbeat from the
# brokers, not the client: this cluster gives it 6 s and 0.5 s (Kafka's defaults
# are 45 s and 5 s), the values the shipped classic-protocol scenarios set in
# their clients, so that both protocols face the same timeouts.
#
# 'up' prints the broker list and ZooKeeper address as shell assignments on stdout:
#   KAFKA_BROKERS=127.0.0.1:19092
#   KAFKA_SASL_BROKERS=127.0.0.1:19292   (SASL_PLAINTEXT with SCRAM-SHA-256: broker i on P+200+i-1;
#                                         users: --scram-user at the first 'up')
#   KAFKA_TLS_BROKERS=127.0.0.1:19392    (SSL: broker i on P+300+i-1, a certificate for 127.0.0.1
#   KAFKA_TLS_CA=DIR/tls/ca.pem           made with openssl at the first 'up', signed by this CA)
#   ZOOKEEPER=127.0.0.1:12181
# Logs stay in DIR/logs for diagnosis. Exit codes: 0 ok, 1 failed to start, 2 usage.
set -euo pipefail

KAFKA_VERSION=${INGESTBENCH_KAFKA_VERSION:-4.4.0}
scram_user=""
hosts_given=()
cluster_id_given=""
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

dir="${INGESTBENCH_CLUSTER_DIR:-$repo/.cluster}"
nbrokers=1
kport=19092
zport=12181
want_kafka=1
want_zk=1
timeout_s=90

die()   { echo "cluster.sh: $*" >&2; exit 1; }
usage() { sed -n '2,/^# Logs stay/p' "$0" | sed 's/^# \{0,1\}//'; }
uerr()  { echo "cluster.sh: $* (try --help)" >&2; exit 2; }

[ $# -ge 1 ] || { usage >&2; exit 2; }
cmd=$1; shift
case "$cmd" in
  up|down|status|fetch|stop-zk|start-zk|serve-zk) ;;
  kill-broker|start-broker|serve-broker)
    [ $# -ge 1 ] && [[ "$1" =~ ^[1-9][0-9]*$ ]] || uerr "$cmd takes a broker number (1, 2, 3)"
    broker=$1; shift ;;
  -h|--help|help) usage; exit 0 ;;
  *) uerr "unknown command '$cmd'" ;;
esac

need_val() { [ $# -ge 2 ] && [ -n "$2" ] || uerr "option $1 needs a value"; }
is_uint()  { [[ "$1" =~ ^[0-9]+$ ]]; }
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) need_val "$@"; dir=$2; shift 2 ;;
    --brokers) need_val "$@"; nbrokers=$2; shift 2
               [ "$nbrokers" = 1 ] || [ "$nbrokers" = 3 ] || uerr "--brokers takes 1 or 3" ;;
    --kafka-port) need_val "$@"; is_uint "$2" || uerr "--kafka-port takes a number"; kport=$2; shift 2 ;;
    --zk-port) need_val "$@"; is_uint "$2" || uerr "--zk-port takes a number"; zport=$2; shift 2 ;;
    --timeout) need_val "$@"; is_uint "$2" || uerr "--timeout takes seconds"; timeout_s=$2; shift 2 ;;
    --kafka-version) need_val "$@"; [[ "$2" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || uerr "--kafka-version takes X.Y.Z"
                     KAFKA_VERSION=$2; shift 2 ;;
    --scram-user) need_val "$@"; [[ "$2" =~ ^[A-Za-z0-9._-]+:[^],=[]+$ ]] || uerr "--scram-user takes NAME:PASSWORD"
                  scram_user=$2; shift 2 ;;
    --cluster-id) need_val "$@"; [[ "$2" =~ ^[A-Za-z0-9_][A-Za-z0-9_-]{21}$ ]] ||
                    uerr "--cluster-id takes 22 base64url characters (kafka-storage random-uuid)"
                  cluster_id_given=$2; shift 2 ;;
    --host) need_val "$@"; [[ "$2" =~ ^(zookeeper|broker-[1-9])=[A-Za-z0-9_.-]+@[0-9.]+$ ]] ||
              uerr "--host takes NAME=NAMESPACE@ADDRESS (NAME: zookeeper, broker-N)"
            hosts_given+=("$2"); shift 2 ;;
    --no-kafka) want_kafka=0; shift ;;
    --no-zk) want_zk=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) uerr "unknown option '$1'" ;;
  esac
done
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
cache="${INGESTBENCH_CACHE:-$repo/.cache}/kafka-$KAFKA_VERSION"

# Hosts of their own: "NAME NS ADDR" lines in DIR/hosts, written by 'up --host'
if [ ${#hosts_given[@]} -gt 0 ]; then
  for h in "${hosts_given[@]}"; do echo "${h%%=*} $(echo "${h#*=}" | tr '@' ' ')"; done >"$dir/hosts"
fi
host_ns()   { [ -f "$dir/hosts" ] && awk -v n="$1" '$1 == n { print $2 }' "$dir/hosts" || true; }
host_addr() { # the address NAME listens on: its own, or 127.0.0.1
  local a=""; [ -f "$dir/hosts" ] && a=$(awk -v n="$1" '$1 == n { print $3 }' "$dir/hosts")
  echo "${a:-127.0.0.1}"
}
in_host() { # in_host NAME: the words that put a command in NAME's namespace, into the array 'pre'
  local ns; ns=$(host_ns "$1"); pre=()
  if [ -n "$ns" ]; then pre=(ip netns exec "$ns"); fi
}
zaddr=$(host_addr zookeeper)

# ---- helpers -------------------------------------------------------------

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Stop the processes whose pids are in files "$@": TERM to all at once (KRaft
# controllers shut down together; one by one, the last loses its quorum and
# hangs), wait up to 30 s, then KILL what is left.
stop_pids() {
  local pf pid i alive
  for pf in "$@"; do
    [ -f "$pf" ] && kill -TERM "$(cat "$pf")" 2>/dev/null || true
  done
  for i in $(seq 1 300); do
    alive=0
    for pf in "$@"; do [ -f "$pf" ] && kill -0 "$(cat "$pf")" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for pf in "$@"; do
    [ -f "$pf" ] || continue
    pid=$(cat "$pf")
    if kill -0 "$pid" 2>/dev/null; then
      echo "cluster.sh: $(basename "$pf" .pid) (pid $pid) ignored TERM for 30 s, killing" >&2
      kill -KILL "$pid" 2>/dev/null || true
      for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pf"
  done
}

fetch_jars() {
  if [ -f "$cache/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found: run scripts/deps.sh"
  echo "cluster.sh: fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $cache" >&2
  mkdir -p "$cache"
  mvn -q -B -f "$here/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$cache/libs" \
      >"$cache/mvn.log" 2>&1 || { tail -20 "$cache/mvn.log" >&2; die "mvn could not fetch Kafka jars (log: $cache/mvn.log)"; }
  ls "$cache/libs"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 || die "kafka_2.13-$KAFKA_VERSION.jar missing after mvn"
  touch "$cache/.complete"
}

wait_until() { # wait_until SECONDS DESCRIPTION COMMAND...
  local secs=$1 what=$2; shift 2
  local deadline=$(( $(date +%s) + secs ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.3
  done
  return 1
}

zk_ruok() { [ "$(printf ruok | timeout 2 nc -q 1 "$zaddr" "$zport" 2>/dev/null)" = imok ]; }

kafka_ready() { # every broker answers a metadata request and lists all brokers
  local i n
  for i in $(seq 1 "$nbrokers"); do
    n=$(timeout 5 kcat -b "$(host_addr "broker-$i"):$((kport + i - 1))" -L -m 3 2>/dev/null | grep -c '^  broker .* at ' || true)
    [ "$n" -ge "$nbrokers" ] || return 1
  done
}

broker_list() { # broker_list [OFFSET]: the PLAINTEXT listeners, or those OFFSET ports above them
  local i out=""
  for i in $(seq 1 "$nbrokers"); do out="$out${out:+,}$(host_addr "broker-$i"):$((kport + ${1:-0} + i - 1))"; done
  echo "$out"
}

# ---- ZooKeeper -------------------------------------------------------------

zk_up() {
  if pid_alive "$dir/zookeeper.pid"; then echo "cluster.sh: ZooKeeper already running" >&2; return 0; fi
  [ "${1:-}" = again ] && [ -f "$dir/zookeeper/zoo.cfg" ] || zk_config
  zk_launch
}

zk_config() { # ZooKeeper's configuration, in DIR/zookeeper/zoo.cfg
  local zdir="$dir/zookeeper"
  [ -f /usr/share/java/zookeeper.jar ] || die "ZooKeeper not installed: run scripts/deps.sh (Debian package 'zookeeper')"
  mkdir -p "$zdir/data" "$dir/logs"
  cat >"$zdir/zoo.cfg" <<EOF
tickTime=500
minSessionTimeout=1000
maxSessionTimeout=60000
initLimit=10
syncLimit=5
dataDir=$zdir/data
clientPort=$zport
clientPortAddress=$zaddr
admin.enableServer=false
4lw.commands.whitelist=ruok,stat,mntr,srvr
maxClientCnxns=200
EOF
}

# ZooKeeper's command line (Debian's classpath: the config folder first, for the
# logging config, then the server jar, whose manifest names its dependencies)
zk_cmd=(java -Xmx256m -Dzookeeper.log.dir="$dir/logs" -Dzookeeper.root.logger=INFO,CONSOLE
        -cp "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar"
        org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zookeeper/zoo.cfg")

zk_launch() { # start ZooKeeper from its configuration (log appended)
  local pre; in_host zookeeper
  nohup "${pre[@]}" "${zk_cmd[@]}" >>"$dir/logs/zookeeper.log" 2>&1 </dev/null &
  echo $! >"$dir/zookeeper.pid"
}

zk_port() { sed -n 's/^clientPort=//p' "$dir/zookeeper/zoo.cfg"; }

# ---- Kafka -----------------------------------------------------------------

kafka_up() {
  local i
  make_tls
  fetch_jars
  cluster_id >/dev/null
  for i in $(seq 1 "$nbrokers"); do
    if pid_alive "$dir/kafka-$i.pid"; then echo "cluster.sh: broker $i already running" >&2; continue; fi
    broker_config "$i"
    launch_broker "$i"
  done
}

cluster_id() { # the cluster's id: --cluster-id, or DIR/kafka/cluster.id (made once)
  local cid
  mkdir -p "$dir/kafka"
  if [ -n "$cluster_id_given" ]; then echo "$cluster_id_given" >"$dir/kafka/cluster.id"
  elif [ ! -f "$dir/kafka/cluster.id" ]; then
    cid=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    # a leading '-' (1 id in 64) reads as an option to kafka-storage format
    # ("--cluster-id: expected one argument"); Kafka's own Uuid avoids it too
    [ "${cid:0:1}" != "-" ] || cid="A${cid:1}"
    echo "$cid" >"$dir/kafka/cluster.id"
  fi
  cat "$dir/kafka/cluster.id"
}

broker_config() { # broker_config I: broker I's configuration, and its storage formatted
  local i=$1 port cport sport tport voters="" j cid
  cid=$(cluster_id)
  mkdir -p "$dir/logs"
  for j in $(seq 1 "$nbrokers"); do
    voters="$voters${voters:+,}$j@$(host_addr "broker-$j"):$((kport + 100 + j - 1))"
  done
  local rf=$nbrokers minisr=$(( nbrokers > 1 ? 2 : 1 ))
  port=$((kport + i - 1)); cport=$((kport + 100 + i - 1)); sport=$((kport + 200 + i - 1)); tport=$((kport + 300 + i - 1))
  local bdir="$dir/kafka/broker-$i" a; a=$(host_addr "broker-$i")
  mkdir -p "$bdir/data"
  cat >"$bdir/server.properties" <<EOF
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
listeners=PLAINTEXT://$a:$port,CONTROLLER://$a:$cport,SASL_PLAINTEXT://$a:$sport,SSL://$a:$tport
advertised.listeners=PLAINTEXT://$a:$port,SASL_PLAINTEXT://$a:$sport,SSL://$a:$tport
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL
listener.name.ssl.ssl.keystore.type=PEM
listener.name.ssl.ssl.keystore.location=$dir/tls/broker.pem
sasl.enabled.mechanisms=SCRAM-SHA-256
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
log.dirs=$bdir/data
num.partitions=1
default.replication.factor=$rf
min.insync.replicas=$minisr
offsets.topic.replication.factor=$rf
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$minisr
group.initial.rebalance.delay.ms=0
group.min.session.timeout.ms=1000
group.consumer.min.session.timeout.ms=1000
group.consumer.session.timeout.ms=6000
group.consumer.min.heartbeat.interval.ms=100
group.consumer.heartbeat.interval.ms=500
auto.create.topics.enable=false
log.flush.interval.messages=9223372036854775807
EOF
  cat >"$bdir/log4j.properties" <<EOF
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
EOF
  # Kafka 4.x logs through log4j2: the same levels
  cat >"$bdir/log4j2.properties" <<EOF
appender.stdout.type=Console
appender.stdout.name=STDOUT
appender.stdout.layout.type=PatternLayout
appender.stdout.layout.pattern=[%d] %p %m (%c)%n
rootLogger.level=WARN
rootLogger.appenderRef.stdout.ref=STDOUT
logger.kafkaserver.name=kafka.server.KafkaServer
logger.kafkaserver.level=INFO
logger.brokerserver.name=kafka.server.BrokerServer
logger.brokerserver.level=INFO
EOF
  if [ ! -f "$bdir/data/meta.properties" ]; then
    local scram=()
    [ -z "$scram_user" ] || scram=(--add-scram "SCRAM-SHA-256=[name=${scram_user%%:*},password=${scram_user#*:}]")
    java -Dlog4j.configuration="file:$bdir/log4j.properties" -Dlog4j2.configurationFile="$bdir/log4j2.properties" \
         -cp "$cache/libs/*" kafka.tools.StorageTool \
         format -t "$cid" -c "$bdir/server.properties" --ignore-formatted "${scram[@]}" \
         >"$dir/logs/kafka-$i-format.log" 2>&1 || { cat "$dir/logs/kafka-$i-format.log" >&2; die "formatting broker $i storage failed"; }
  fi
}

make_tls() { # a CA and a certificate for 127.0.0.1 it signed, once per run folder (openssl, Debian's)
  local t="$dir/tls"
  [ -f "$t/broker.pem" ] && return 0
  command -v openssl >/dev/null || die "openssl not found (Debian package openssl)"
  mkdir -p "$t" && chmod 700 "$t"
  { openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ingestbench test CA" \
        -keyout "$t/ca.key" -out "$t/ca.pem" &&
    openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$t/broker.key" -out "$t/broker.csr" &&
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$t/ext.cnf" &&
    openssl x509 -req -in "$t/broker.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial -days 3650 \
        -extfile "$t/ext.cnf" -out "$t/broker.crt" &&
    cat "$t/broker.key" "$t/broker.crt" >"$t/broker.pem"; } >"$t/openssl.log" 2>&1 ||
    { cat "$t/openssl.log" >&2; die "making the TLS certificate failed"; }
  chmod 600 "$t"/*.key "$t/broker.pem"
}

broker_cmd() { # broker_cmd I: broker I's command line, into the array 'cmd'
  local bdir="$dir/kafka/broker-$1"
  cmd=(java -Xms256m -Xmx768m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
       -Dlog4j.configuration="file:$bdir/log4j.properties" -Dlog4j2.configurationFile="$bdir/log4j2.properties"
       -cp "$cache/libs/*" kafka.Kafka "$bdir/server.properties")
}

launch_broker() { # launch_broker I: start broker I from its configuration (log appended)
  local pre cmd; in_host "broker-$1"; broker_cmd "$1"
  nohup "${pre[@]}" "${cmd[@]}" >>"$dir/logs/kafka-$1.log" 2>&1 </dev/null &
  echo $! >"$dir/kafka-$1.pid"
}

broker_port() { # the PLAINTEXT port in broker I's configuration
  sed -n 's/^listeners=PLAINTEXT:\/\/[0-9.]*:\([0-9]*\),.*/\1/p' "$dir/kafka/broker-$1/server.properties"
}

# broker_answers ADDR PORT N: the broker on ADDR:PORT answers a metadata request that lists all N brokers
broker_answers() { [ "$(timeout 5 kcat -b "$1:$2" -L -m 3 2>/dev/null | grep -c '^  broker .* at ' || true)" -ge "$3" ]; }

kill9() { # kill9 PIDFILE NAME: kill -9 and wait (bounded) until gone
  if ! pid_alive "$1"; then echo "cluster.sh: $2 is not running" >&2; rm -f "$1"; return 0; fi
  local pid; pid=$(cat "$1")
  kill -KILL "$pid" 2>/dev/null || true
  wait_until 10 "$2 to die" bash -c "! kill -0 $pid" || die "$2 (pid $pid) survived kill -9 for 10 s"
  rm -f "$1"
  echo "cluster.sh: $2 (pid $pid) killed with -9" >&2
}

# ---- commands ------------------------------------------------------------

case "$cmd" in
  fetch) fetch_jars; echo "cluster.sh: jars in $cache/libs" >&2 ;;
  serve-broker) # in the foreground, for a container: the configuration 'up' writes
    command -v java >/dev/null || die "java not found"
    [ "$broker" -le "$nbrokers" ] || uerr "serve-broker $broker: --brokers is $nbrokers"
    [ -n "$cluster_id_given" ] || [ -f "$dir/kafka/cluster.id" ] ||
      uerr "serve-broker: give every broker the same --cluster-id"
    make_tls
    fetch_jars
    [ -f "$dir/kafka/broker-$broker/data/meta.properties" ] || broker_config "$broker"
    broker_cmd "$broker"
    echo "cluster.sh: broker $broker of $nbrokers on $(host_addr "broker-$broker"):$((kport + broker - 1))" >&2
    exec "${cmd[@]}"
    ;;
  serve-zk)
    command -v java >/dev/null || die "java not found"
    [ -f "$dir/zookeeper/zoo.cfg" ] || zk_config
    echo "cluster.sh: ZooKeeper on $zaddr:$zport" >&2
    exec "${zk_cmd[@]}"
    ;;
  up)
    command -v java >/dev/null || die "java not found: run scripts/deps.sh"
    [ $want_zk = 1 ] && zk_up
    [ $want_kafka = 1 ] && kafka_up
    if [ $want_zk = 1 ]; then
      wait_until "$timeout_s" "ZooKeeper" zk_ruok || { tail -20 "$dir/logs/zookeeper.log" >&2; die "ZooKeeper did not answer ruok on $zaddr:$zport within ${timeout_s}s (log: $dir/logs/zookeeper.log)"; }
      echo "cluster.sh: ZooKeeper ready on $zaddr:$zport" >&2
    fi
    if [ $want_kafka = 1 ]; then
      command -v kcat >/dev/null || die "kcat not found: run scripts/deps.sh"
      wait_until "$timeout_s" "Kafka" kafka_ready || { tail -20 "$dir/logs/kafka-1.log" >&2; die "Kafka did not answer a metadata request within ${timeout_s}s (logs: $dir/logs/kafka-*.log)"; }
      echo "cluster.sh: Kafka $KAFKA_VERSION ready ($nbrokers broker(s)) on $(broker_list)" >&2
      echo "KAFKA_BROKERS=$(broker_list)"
      echo "KAFKA_SASL_BROKERS=$(broker_list 200)"
      echo "KAFKA_TLS_BROKERS=$(broker_list 300)"
      echo "KAFKA_TLS_CA=$dir/tls/ca.pem"
    fi
    [ $want_zk = 1 ] && echo "ZOOKEEPER=$zaddr:$zport"
    exit 0
    ;;
  down)
    pfs=()
    for pf in "$dir"/kafka-*.pid; do [ -e "$pf" ] && pfs+=("$pf"); done
    [ ${#pfs[@]} -gt 0 ] && stop_pids "${pfs[@]}"
    stop_pids "$dir/zookeeper.pid"
    echo "cluster.sh: stopped (logs kept in $dir/logs)" >&2
    ;;
  kill-broker)
    [ -f "$dir/kafka/broker-$broker/server.properties" ] || die "no broker $broker in $dir (run 'up' first)"
    kill9 "$dir/kafka-$broker.pid" "broker $broker"
    ;;
  start-broker)
    [ -f "$dir/kafka/broker-$broker/server.properties" ] || die "no broker $broker in $dir (run 'up' first)"
    port=$(broker_port "$broker")
    if pid_alive "$dir/kafka-$broker.pid"; then echo "cluster.sh: broker $broker already running" >&2
    else launch_broker "$broker"; fi
    all=$(find "$dir/kafka" -maxdepth 1 -name 'broker-*' -type d | wc -l)
    addr=$(host_addr "broker-$broker")
    wait_until "$timeout_s" "broker $broker" broker_answers "$addr" "$port" "$all" ||
      { tail -20 "$dir/logs/kafka-$broker.log" >&2; die "broker $broker did not answer on $addr:$port within ${timeout_s}s"; }
    echo "cluster.sh: broker $broker ready on $addr:$port" >&2
    ;;
  stop-zk)
    [ -f "$dir/zookeeper/zoo.cfg" ] || die "no ZooKeeper in $dir (run 'up' first)"
    kill9 "$dir/zookeeper.pid" "ZooKeeper"
    ;;
  start-zk)
    [ -f "$dir/zookeeper/zoo.cfg" ] || die "no ZooKeeper in $dir (run 'up' first)"
    zport=$(zk_port)
    zk_up again
    wait_until "$timeout_s" "ZooKeeper" zk_ruok ||
      { tail -20 "$dir/logs/zookeeper.log" >&2; die "ZooKeeper did not answer ruok on $zaddr:$zport within ${timeout_s}s"; }
    echo "cluster.sh: ZooKeeper ready on $zaddr:$zport" >&2
    ;;
  status)
    ok=0; found=0
    for pf in "$dir"/kafka-*.pid "$dir/zookeeper.pid"; do
      [ -e "$pf" ] || continue; found=1
      if pid_alive "$pf"; then echo "$(basename "$pf" .pid): running (pid $(cat "$pf"))"
      else echo "$(basename "$pf" .pid): dead (stale pid $(cat "$pf"))"; ok=1; fi
    done
    [ $found = 1 ] || { echo "nothing started in $dir"; exit 1; }
    exit $ok
    ;;
esac
