# The servers: Apache Kafka (KRaft) from the same Maven Central jars
# scripts/cluster.sh uses, and Debian's ZooKeeper. docker/build.sh stages the
# context: scripts/cluster.sh and .cache/kafka-VERSION/libs.
# One container runs one server in the foreground:
#   cluster.sh serve-broker N --brokers 3 --kafka-port P --cluster-id ID --dir /data
#   cluster.sh serve-zk --zk-port P --dir /data
FROM debian:bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends default-jre-headless zookeeper openssl procps >/dev/null \
 && rm -rf /var/lib/apt/lists/*
ARG KAFKA_VERSION=4.4.0
ENV INGESTBENCH_KAFKA_VERSION=$KAFKA_VERSION
COPY scripts/cluster.sh /opt/ingestbench/scripts/cluster.sh
COPY .cache/kafka-$KAFKA_VERSION/libs /opt/ingestbench/.cache/kafka-$KAFKA_VERSION/libs
RUN touch /opt/ingestbench/.cache/kafka-$KAFKA_VERSION/.complete
VOLUME /data
ENTRYPOINT ["/opt/ingestbench/scripts/cluster.sh"]
