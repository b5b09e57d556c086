"""The Spark peer: Structured Streaming doing the pipeline's work on a topic.

Reads the topic from its earliest offsets with the Kafka source, parses each
value against the producer's schema (from_json), drops what does not parse or
lacks a required field, flattens `meta`, adds the event date, and writes JSON
files with a checkpoint, once (`availableNow`): the same work as ingestbench's
`full` pipeline into a `dir:` sink. Prints one JSON line on stdout: records,
query_seconds (from the query's start to its end, JVM start-up excluded).

Usage: job.py --brokers LIST --topic T --out DIR --checkpoint DIR --jars DIR
Exit codes: 0 done, 1 the query failed, 2 usage.
"""
import argparse
import glob
import json
import sys
import time


def main():
    p = argparse.ArgumentParser(description="The Spark peer (see the module's doc).")
    p.add_argument("--brokers", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--jars", required=True, help="the Kafka source's jars (setup.sh)")
    p.add_argument("--master", default="local[2]")
    a = p.parse_args()

    from pyspark.sql import SparkSession, functions as F, types as T

    jars = ",".join(sorted(glob.glob(a.jars + "/*.jar")))
    spark = (SparkSession.builder.master(a.master).appName("ingestbench-peer")
             .config("spark.jars", jars)
             .config("spark.sql.shuffle.partitions", "2")
             .config("spark.ui.enabled", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    schema = T.StructType([
        T.StructField("id", T.StringType()), T.StructField("run", T.StringType()),
        T.StructField("seq", T.LongType()), T.StructField("key", T.StringType()),
        T.StructField("ts", T.LongType()),
        T.StructField("meta", T.StructType([T.StructField("producer", T.StringType()),
                                            T.StructField("size", T.LongType())])),
        T.StructField("payload", T.StringType()),
    ])
    src = (spark.readStream.format("kafka")
           .option("kafka.bootstrap.servers", a.brokers)
           .option("subscribe", a.topic)
           .option("startingOffsets", "earliest")
           .option("maxOffsetsPerTrigger", 2000000)
           .load())
    r = src.select(F.from_json(F.col("value").cast("string"), schema).alias("r"), "partition", "offset")
    valid = r.where(F.col("r.id").isNotNull() & F.col("r.seq").isNotNull() & F.col("r.ts").isNotNull())
    flat = valid.select(
        "r.id", "r.run", "r.seq", "r.key", "r.ts",
        F.col("r.meta.producer").alias("meta.producer"), F.col("r.meta.size").alias("meta.size"),
        "r.payload",
        F.date_format((F.col("r.ts") / 1000).cast("timestamp"), "yyyy-MM-dd").alias("event_date"),
        F.col("partition").alias("_partition"), F.col("offset").alias("_offset"))
    t0 = time.monotonic()
    q = (flat.writeStream.format("json").option("path", a.out)
         .option("checkpointLocation", a.checkpoint)
         .trigger(availableNow=True).start())
    q.awaitTermination()
    seconds = time.monotonic() - t0
    records = sum(pr.get("numInputRows", 0) for pr in q.recentProgress)
    print(json.dumps({"records": records, "query_seconds": seconds, "spark": spark.version}))
    spark.stop()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # one line, not a JVM stack trace
        print("job.py: %s" % str(e).splitlines()[0] if str(e) else repr(e), file=sys.stderr)
        sys.exit(1)
