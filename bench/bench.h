/**
 * @file bench.h
 * @brief `ingestbench bench`: the four modes measured against references in
 *        the same run (a bare librdkafka consumer in-process, and kcat),
 *        repetitions interleaved (A B A B), so that every figure is read as
 *        a ratio on a noisy shared machine (the OpenMessaging Benchmark's
 *        driver idea, with Jepsen's one results document per run).
 *
 * Phases, each optional but drain:
 *   drain    a backlog of N records is produced once, then every subject
 *            drains it, at each pipeline level, K times interleaved:
 *            records/s and MB/s from the first fetch to the last durable
 *            commit, CPU s per million records, offset-store work per
 *            second, bytes written per input byte;
 *   latency  each mode consumes while the producer writes at a fixed rate:
 *            event time to durable output (p50..max), and the producer's
 *            send delay (actual minus intended send time);
 *            (with a Kafka sink: to read_committed visibility of the output,
 *            read back by a consumer in this process, visibility.c);
 *   sweeps   partitions, record size, workers, records per transaction
 *            (txn-records, the modes that take --txn-records) or records
 *            per partition per batch (max-records, the modes that take
 *            --max-records-per-partition) against throughput and peak RSS.
 * Results: one JSON document (results/SCHEMA.md, kind "bench").
 */
#ifndef IB_BENCH_H
#define IB_BENCH_H

#include <jansson.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>

#include "errors.h"
#include "mode.h"
#include "supervisor.h"

#define IB_BENCH_MAX_SUBJECTS 8
#define IB_BENCH_MAX_SWEEP 8

typedef struct ib_bench_sweep_s {
        const char *name;               /**< "partitions", "size" or "workers" */
        int64_t values[IB_BENCH_MAX_SWEEP];
        int n;
} ib_bench_sweep_t;

typedef struct ib_bench_conf_s {
        const ib_mode_t *modes[IB_BENCH_MAX_SUBJECTS]; /**< the modes measured */
        int nmodes;
        int levels[3];                  /**< pipeline levels (ib_pipeline_level_t), in order */
        int nlevels;
        const char *brokers;            /**< resolved bootstrap list */
        const char *zookeeper;          /**< for direct (and receiver --offsets zk); may be NULL */
        const char *broker_version;
        const char *zk_version;
        int64_t records, size, partitions, repeat;
        int kcat;                       /**< 1: kcat is run as a second reference */
        const char *kcat_path;
        const char *sink;               /**< "dir", "null" or "kafka" (an output topic per run, named after
                                         *   its group: GROUP-out) */
        int latency;                    /**< 1: run the latency phase */
        int64_t latency_rate;           /**< records/s; 0: half the slowest mode's drain (full pipeline) */
        int64_t latency_seconds;
        ib_bench_sweep_t sweeps[3];
        int nsweeps;
        const char *self;               /**< this program, for produce and run */
        const char *work_dir;           /**< scratch: backlogs' workers, sinks (removed per run) */
        const char *peer;               /**< "spark" or NULL */
        const char *peer_dir;           /**< scripts/peers/spark (its job.py) */
        const char *peer_cache;         /**< what its setup.sh installed (venv/, jars/) */
        int progress;                   /**< a progress line on stderr (a terminal) */
        volatile sig_atomic_t *stop;
        json_t *command;                /**< argv, for the results */
        ib_sup_t *sup;
        struct ib_chaos_cluster_s *cluster; /**< where topics are created on a mock cluster */
} ib_bench_conf_t;

/** @brief The mode option a sweep sets ("txn-records",
 *         "max-records-per-partition"), NULL for a sweep of the backlog
 *         or the workers. Only the modes that take it are swept. */
const char *ib_bench_sweep_option(const char *sweep);

/**
 * @brief Runs every phase and returns the results document in @p out (also
 *        on a failure part-way: what was measured, with "error").
 */
ib_err_t ib_bench_run(const ib_bench_conf_t *conf, json_t **out, char *errstr, size_t errstr_size);

/* ---- one drain of one subject (subjects.c) ---- */

/** What one drain measured. */
typedef struct ib_drain_s {
        uint64_t records, bytes;        /**< input records and value bytes processed */
        double seconds;                 /**< first fetch to last durable commit */
        double cpu_s;                   /**< user + system of the consumer */
        uint64_t store_ops;             /**< offset-store operations (0 for references) */
        uint64_t bytes_written;         /**< sink + dead letters + local offset store */
        int64_t max_rss_kb;
        double total_seconds;           /**< the peer's whole life (JVM start-up included); 0 otherwise */
        json_t *stats;                  /**< a worker's stats.json (NULL for references) */
        json_t *latency_ms;             /**< a worker's latency percentiles, or NULL */
} ib_drain_t;

/** A topic every subject of a phase drains. */
typedef struct ib_backlog_s {
        char topic[256];
        int partitions;
        int64_t records, size;
        int64_t end_total;              /**< the sum of the end offsets */
} ib_backlog_t;

/** @brief Produces @p records of @p size bytes into a new topic (the project's producer). */
ib_err_t ib_bench_backlog(const ib_bench_conf_t *conf, const char *topic, int partitions, int64_t records,
                          int64_t size, int64_t rate, const char *stats_path, ib_backlog_t *out, char *errstr,
                          size_t errstr_size);

/** @brief The end offset of each of @p n partitions of @p topic (a new topic's leaders waited for, bounded). */
ib_err_t ib_bench_end_offsets(const char *brokers, const char *topic, int n, int64_t *ends, char *errstr,
                              size_t errstr_size);

/** @brief The bare reference: a librdkafka consumer in this process, no pipeline, no tracking. */
ib_err_t ib_bench_reference(const char *brokers, const ib_backlog_t *b, int64_t timeout_ms, volatile sig_atomic_t *stop,
                            ib_drain_t *out, char *errstr, size_t errstr_size);

/** @brief The same reference as a process of its own (`ingestbench
 *         bench-reference`), so that its peak RSS is measured as every other
 *         subject's; its drain time and CPU are those it reports. */
ib_err_t ib_bench_reference_proc(const ib_bench_conf_t *conf, const ib_backlog_t *b, int64_t timeout_ms,
                                 ib_drain_t *out, char *errstr, size_t errstr_size);

/** @brief kcat -C -e over the backlog, output to /dev/null: wall time and its CPU. */
ib_err_t ib_bench_kcat(const ib_bench_conf_t *conf, const ib_backlog_t *b, ib_drain_t *out, char *errstr,
                       size_t errstr_size);

/**
 * @brief Runs @p workers workers of @p mode at @p level over backlog @p b
 *        until they have caught up to its end offsets; times them from
 *        their event logs. @p dir is removed first and kept afterwards.
 */
ib_err_t ib_bench_mode(const ib_bench_conf_t *conf, const ib_mode_t *mode, int level, int workers,
                       const ib_backlog_t *b, const char *dir, const char *const *extra, ib_drain_t *out, char *errstr,
                       size_t errstr_size);

/**
 * @brief The Spark peer (scripts/peers/spark): Structured Streaming doing the
 *        same work on backlog @p b into @p dir. seconds: its query's time;
 *        total_seconds: its whole life, JVM start-up included.
 */
ib_err_t ib_bench_peer(const ib_bench_conf_t *conf, const ib_backlog_t *b, const char *dir, ib_drain_t *out,
                       char *errstr, size_t errstr_size);

/**
 * @brief Starts worker @p w (of @p workers) of @p mode at @p level on
 *        @p topic: state in DIR/wN, stderr in DIR/wN.err, the sink in DIR/sink
 *        (null, or the output topic GROUP-out), dead letters in
 *        DIR/deadletter; @p extra: more flags (NULL-terminated; may be NULL).
 *        @p exit_at_end: it stops once caught up to the end offsets.
 */
ib_err_t ib_bench_spawn_worker(const ib_bench_conf_t *conf, const ib_mode_t *mode, int level, const char *topic,
                               const char *const *extra, const char *group, const char *dir, int w, int workers,
                               int exit_at_end, size_t *proc, char *errstr, size_t errstr_size);

/** @brief The output topic of a Kafka sink for workers of @p group. */
void ib_bench_output_topic(const char *group, char *out, size_t size);

/* ---- visibility.c: latency to a read_committed reader of the output ---- */

typedef struct ib_visibility_s ib_visibility_t;

/** @brief Starts reading @p topic from its beginning as a read_committed
 *         consumer, recording each record's time from its @p ts_field. */
ib_err_t ib_visibility_start(const char *brokers, const char *topic, const char *ts_field, ib_visibility_t **out,
                             char *errstr, size_t errstr_size);

/** @returns records seen so far. */
uint64_t ib_visibility_seen(ib_visibility_t *v);

/** @brief Stops, @returns the latency percentiles in ms (NULL if it never started); frees @p v. */
json_t *ib_visibility_stop(ib_visibility_t *v);

/** @brief The drain as JSON: records, seconds, records_per_s, mb_per_s, cpu_s_per_million, ... */
json_t *ib_drain_json(const ib_drain_t *d);

void ib_drain_free(ib_drain_t *d);

/* ---- summaries (summary.c) ---- */

/** @brief {"median","min","max","n"} of @p v (sorted in place). */
json_t *ib_bench_summary(double *v, size_t n);

/** @brief The median of @p v (sorted in place); 0 when empty. */
double ib_bench_median(double *v, size_t n);

#endif
