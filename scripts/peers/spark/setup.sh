#!/usr/bin/env bash
# setup.sh: installs the Spark peer, pinned, into a git-ignored cache:
#   .cache/peers/spark/venv   pyspark $SPARK_VERSION from PyPI (it brings Spark's jars)
#   .cache/peers/spark/jars   the Kafka source for Structured Streaming and what it
#                             needs at run time, from Maven Central with mvn
# Idempotent: a second run checks and exits. `ingestbench bench --peer spark` uses it.
# Exit codes: 0 ready, 1 a download or install failed, 2 usage.
set -euo pipefail
SPARK_VERSION=3.5.3
SCALA_VERSION=2.12
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
CACHE=${INGESTBENCH_PEER_CACHE:-$ROOT/.cache/peers/spark}

case "${1:-}" in
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "setup.sh: unexpected argument '$1' (try --help)" >&2; exit 2 ;;
esac

command -v java >/dev/null || { echo "setup.sh: a Java runtime is needed (scripts/deps.sh installs one)" >&2; exit 1; }
command -v mvn >/dev/null || { echo "setup.sh: mvn is needed (scripts/deps.sh installs it)" >&2; exit 1; }

if [ -f "$CACHE/ready" ] && [ "$(cat "$CACHE/ready")" = "$SPARK_VERSION" ]; then
  echo "spark peer: ready in $CACHE (pyspark $SPARK_VERSION)"
  exit 0
fi
mkdir -p "$CACHE"
echo "spark peer: pyspark $SPARK_VERSION into $CACHE/venv (about 320 MB)" >&2
python3 -m venv "$CACHE/venv"
"$CACHE/venv/bin/pip" install --quiet --disable-pip-version-check "pyspark==$SPARK_VERSION"

echo "spark peer: spark-sql-kafka-0-10_$SCALA_VERSION $SPARK_VERSION and its run-time dependencies" >&2
cat > "$CACHE/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>ingestbench</groupId><artifactId>spark-peer</artifactId><version>1</version>
  <dependencies>
    <dependency>
      <groupId>org.apache.spark</groupId>
      <artifactId>spark-sql-kafka-0-10_$SCALA_VERSION</artifactId>
      <version>$SPARK_VERSION</version>
    </dependency>
  </dependencies>
</project>
POM
rm -rf "$CACHE/jars"
# runtime scope: Spark itself (provided) comes with pyspark
mvn -q -f "$CACHE/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$CACHE/jars" -Dmdep.useRepositoryLayout=false
ls "$CACHE"/jars/spark-sql-kafka-0-10_*.jar >/dev/null
echo "$SPARK_VERSION" > "$CACHE/ready"
echo "spark peer: ready in $CACHE (pyspark $SPARK_VERSION, $(ls "$CACHE/jars" | wc -l) jars)"
