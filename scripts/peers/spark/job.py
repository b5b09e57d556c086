"""The Spark peer: Structured Streaming doing the pipeline's work on a topic.

Reads the topic from its earliest offsets with the Kafka source, parses each
value against the producer's schema (from_json), drops what does not parse or
lacks a required field, flattens `meta`, adds the event date, and writes JSON
files with a checkpoint: the same work as ingestbench's `full` pipeline into
a `dir:` sink.

Two triggers:
  --trigger available-now (the bench peer): what the topic holds, once; prints
      one JSON line on stdout: records, query_seconds (from the query's start
      to its end, JVM start-up excluded).
  --trigger MS (the chaos adapter, chaos/external/spark-consumer.sh): a
      micro-batch every MS ms (0: each as soon as the last one ends) until
      SIGTERM or SIGINT; then it lets the batch in flight finish (up to
      --stop-grace-ms), stops the query and exits 0.
      A restart with the same --checkpoint resumes where the last committed
      batch ended; the file sink's log (`_spark_metadata`) lists the files of
      committed batches only. With --events FILE it appends ingestbench's
      event vocabulary to FILE (chaos/EXTERNAL.md): "start" when it starts,
      for each batch that read records a "batch" with its offset ranges and a
      "checkpoint" (Spark reports a batch's progress once it is committed),
      and "stop" after a clean stop.

Usage: job.py --brokers LIST --topic T --out DIR --checkpoint DIR --jars DIR
              [--trigger available-now|MS] [--stop-grace-ms MS] [--events FILE]
              [--master M]
Exit codes: 0 done (or stopped), 1 the query failed, 2 usage.
"""
import argparse
import glob
import json
import os
import signal
import sys
import threading
import time

STOP = []


class EventLog:
    """Appends ingestbench events (JSON Lines, one flushed write each)."""

    def __init__(self, path):
        self.f = open(path, "a", buffering=1) if path else None
        self.lock = threading.Lock()

    def write(self, event, **fields):
        if not self.f:
            return
        line = json.dumps(dict({"t_ms": int(time.time() * 1000), "event": event}, **fields))
        with self.lock:
            self.f.write(line + "\n")
            self.f.flush()


def offsets_of(text, topic):
    """{partition: offset} from a Kafka source's offset JSON ({"topic": {"0": 12}});
    {} when there is none (a first batch's start)."""
    try:
        parsed = json.loads(text) if text else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        return {}
    return {int(p): int(o) for p, o in parsed.get(topic, {}).items()}


def unfinished_batch(checkpoint):
    """The batch a previous run started (its offsets logged) and never
    committed, or None: what a restart runs again."""
    def batches(sub):
        try:
            return {int(n) for n in os.listdir(os.path.join(checkpoint, sub)) if n.isdigit()}
        except OSError:
            return set()
    started, done = batches("offsets"), batches("commits")
    pending = sorted(started - done)
    return pending[-1] if pending else None


def batch_listener(base, log, topic):
    """A StreamingQueryListener that logs each committed batch's ranges."""

    class Listener(base):
        last_batch = -1  # the last batch whose progress came

        def onQueryStarted(self, event):
            pass

        def onQueryProgress(self, event):
            p = event.progress
            self.last_batch = p.batchId
            if not p.numInputRows or not p.sources:
                return
            src = p.sources[0]
            until = offsets_of(src.endOffset, topic)
            start = offsets_of(src.startOffset, topic)  # none for a first batch: the log's start
            ranges = [{"partition": q, "from": start.get(q, 0), "until": u, "records": u - start.get(q, 0)}
                      for q, u in sorted(until.items()) if u > start.get(q, 0)]
            log.write("batch", seq=p.batchId, ranges=ranges)
            log.write("checkpoint", batch=p.batchId, ok=True)

        def onQueryIdle(self, event):
            pass

        def onQueryTerminated(self, event):
            pass

    return Listener()


def on_signal(signum, _frame):
    STOP.append(signum)


def stop_between_batches(q, grace_s):
    """Waits (bounded) for the batch in flight to end, then stops the query."""
    end = time.monotonic() + grace_s
    while q.isActive and q.status.get("isTriggerActive") and time.monotonic() < end:
        time.sleep(0.01)
    q.stop()


def main():
    p = argparse.ArgumentParser(description="The Spark peer (see the module's doc).")
    p.add_argument("--brokers", required=True)
    p.add_argument("--topic", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--jars", required=True, help="the Kafka source's jars (setup.sh)")
    p.add_argument("--master", default="local[2]")
    p.add_argument("--trigger", default="available-now",
                   help="available-now (once), or a micro-batch every MS milliseconds until SIGTERM")
    p.add_argument("--stop-grace-ms", type=int, default=20000,
                   help="on SIGTERM, how long the batch in flight may take to finish")
    p.add_argument("--events", help="append ingestbench events (start, batch, checkpoint, stop) to this file")
    a = p.parse_args()
    streaming = a.trigger != "available-now"
    if streaming and not a.trigger.isdigit():
        p.error("--trigger: 'available-now' or a number of milliseconds, not '%s'" % a.trigger)
    if streaming:  # set before the JVM starts: a stop asked during start-up is kept
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
    log = EventLog(a.events)
    log.write("start")
    if streaming:
        b = unfinished_batch(a.checkpoint)
        if b is not None:
            print("job.py: resuming from %s: the last run stopped inside batch %d (its offsets logged, not "
                  "committed): it runs again" % (a.checkpoint, b), file=sys.stderr)

    # the driver's servers (RPC, block manager) on loopback, never the host's address
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from pyspark.sql import SparkSession, functions as F, types as T
    from pyspark.sql.streaming import StreamingQueryListener

    jars = ",".join(sorted(glob.glob(a.jars + "/*.jar")))
    spark = (SparkSession.builder.master(a.master).appName("ingestbench-peer")
             .config("spark.jars", jars)
             .config("spark.sql.shuffle.partitions", "2")
             .config("spark.ui.enabled", "false")
             .config("spark.driver.host", "127.0.0.1")
             .config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.ui.showConsoleProgress", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    listener = batch_listener(StreamingQueryListener, log, a.topic) if a.events else None
    if listener:
        spark.streams.addListener(listener)
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
    w = flat.writeStream.format("json").option("path", a.out).option("checkpointLocation", a.checkpoint)
    if not streaming:
        q = w.trigger(availableNow=True).start()
        q.awaitTermination()
    else:
        q = w.trigger(processingTime="%d milliseconds" % int(a.trigger)).start()
        while q.isActive and not STOP:
            q.awaitTermination(0.2)
        if q.exception():
            raise Exception(str(q.exception()))
        stop_between_batches(q, a.stop_grace_ms / 1000.0)
        last = (q.lastProgress or {}).get("batchId", -1)
        end = time.monotonic() + 5  # the listener bus delivers progress after the fact
        while listener and listener.last_batch < last and time.monotonic() < end:
            time.sleep(0.05)
        log.write("stop")
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
