#!/usr/bin/env bash
# 0303-spark-broker-bounce (label peer): 0302's checks on 3 brokers, for the
# scenario spark-broker-bounce (broker 1 killed with -9 and restarted 12 s
# later while Spark reads), beside checkpoint and direct under the same fault.
exec bash "$(dirname "$0")/0302-spark-chaos.sh" spark-broker-bounce
