/**
 * @file scenario.h
 * @brief A chaos scenario: what to run (a mode and its options, workers, a
 *        producer), which faults to apply when (a timeline, and faults drawn
 *        from a seed), and what must hold afterwards (expectations over the
 *        result figures). Parsed from JSON (chaos/SCENARIOS.md documents the
 *        format) and checked completely before anything starts: a refusal
 *        names the file, the JSON path of the field and the reason, e.g.
 *
 *            s.json: $.timeline[2].target: no worker w5 (3 workers at 4000 ms)
 *
 * The mode's options are checked with the mode's own option table, the one
 * `run` parses, so a scenario can give exactly the options `run` takes.
 */
#ifndef IB_SCENARIO_H
#define IB_SCENARIO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "mode.h"

/** The faults a timeline can hold. Names are those of the JSON "fault" field. */
typedef enum ib_fault_kind_e {
        IB_FAULT_KILL,            /**< "kill": SIGKILL a worker; restarted after restart_after_ms if given */
        IB_FAULT_STOP,            /**< "stop": SIGTERM (the batch finishes, commits, leaves); restart as kill */
        IB_FAULT_PAUSE,           /**< "pause": SIGSTOP for duration_ms, then SIGCONT (a zombie when
                                   *   longer than the session timeout) */
        IB_FAULT_ADD_WORKER,      /**< "add-worker": one more worker, named w(N+1) */
        IB_FAULT_REMOVE_WORKER,   /**< "remove-worker": SIGTERM, never restarted */
        IB_FAULT_ROLLING_RESTART, /**< "rolling-restart": every live worker stopped and started again,
                                   *   one at a time, interval_ms apart */
        IB_FAULT_SLOW_BATCH,      /**< "slow-batch": the worker's next batch with records takes
                                   *   duration_ms longer (fault point batch.slow) */
        IB_FAULT_BROKER_KILL,     /**< "broker-kill": kill -9 a broker; started again after
                                   *   restart_after_ms if given */
        IB_FAULT_ZK_STOP,         /**< "zk-stop": ZooKeeper down for duration_ms */
        IB_FAULT_ZK_EXPIRE,       /**< "zk-expire": the server expires the worker's ZooKeeper session */
        IB_FAULT_INJECT,          /**< "inject": fault point `point` fails at its call-th call from now
                                   *   (wal.write, wal.fsync, checkpoint.write, checkpoint.fsync) */
        IB_FAULT_PARTITION,       /**< "partition": the target host cut from the hosts in "from" (both
                                   *   ways, or one: "direction") for duration_ms; needs "hosts" */
        IB_FAULT_DELAY,           /**< "delay": every packet the target host sends waits delay_ms, for
                                   *   duration_ms; needs "hosts" */
        IB_FAULT_LOSS,            /**< "loss": percent of the packets into and out of the target host
                                   *   are dropped, for duration_ms; needs "hosts" */
        IB_FAULT_KIND_COUNT
} ib_fault_kind_t;

/** @returns the JSON name of @p kind ("kill"). */
const char *ib_fault_kind_name(ib_fault_kind_t kind);

/** One fault of a timeline. Targets are 1-based: worker w1, broker b1. */
typedef struct ib_fault_s {
        ib_fault_kind_t kind;
        int64_t at_ms;            /**< from the start of the producer and the workers */
        int64_t at_max_ms;        /**< "at_ms": [lo, hi] draws from the seed in [at_ms, at_max_ms]; = at_ms when fixed */
        int target;               /**< worker or broker number; 0 when the fault has none */
        int64_t duration_ms;      /**< pause, slow-batch, zk-stop; -1 when not given */
        int64_t restart_after_ms; /**< kill, stop, broker-kill; inject: if the worker fails after it; -1: not restarted */
        int64_t interval_ms;      /**< rolling-restart: between two workers */
        int64_t duration_max_ms;  /**< upper ends of [lo, hi] draws (as at_max_ms); = the value when fixed */
        int64_t restart_max_ms;
        int64_t interval_max_ms;
        char point[32];           /**< inject: the fault point */
        int64_t call;             /**< inject: which call from now fails (1: the next) */
        int random;               /**< 1: drawn from the seed (the "random" block) */
        /* network faults (partition, delay, loss): hosts are wN, bN and "zk" */
        char host_kind;           /**< the target's: 'w', 'b' or 'z' (target is then 0) */
        uint64_t from_workers;    /**< partition: bit k-1 for worker wk */
        unsigned from_brokers;    /**< partition: bit k-1 for broker bk */
        int from_zk;              /**< partition: ZooKeeper's host */
        int from_all_workers;     /**< partition: "workers", every worker but the target, at the time */
        int direction;            /**< partition: 0 both ways, 1 "out" (the target's packets lost),
                                   *   2 "in" (the packets to it lost) */
        int64_t delay_ms;         /**< delay */
        double loss_percent;      /**< loss, (0, 100] */
} ib_fault_t;

/** Bounds a scenario is held to, so that a file cannot ask for unbounded work. */
#define IB_SCENARIO_MAX_WORKERS 64  /**< workers at start plus those added */
#define IB_SCENARIO_MAX_FAULTS 1000 /**< entries of "timeline" */
#define IB_SCENARIO_MAX_VARIANTS 16 /**< entries of "variants" */
#define IB_SCENARIO_MAX_CLIENTS 8   /**< entries of "clients" */

/** A variant: the scenario run with some options changed (a group protocol,
 *  an assignor), one cell of its sweep. */
typedef struct ib_variant_s {
        char *name;                /**< "name": in the results and the run folder */
        char *description;         /**< "description", may be "" */
        char **worker_args;        /**< the scenario's options with the variant's on top, as flags */
        int nworker_args;
        char min_librdkafka[16];   /**< "min_librdkafka": an older client skips it (recorded); "" any */
} ib_variant_t;

/** Comparisons an expectation can make. */
typedef enum { IB_CMP_EQ, IB_CMP_NE, IB_CMP_LT, IB_CMP_LE, IB_CMP_GT, IB_CMP_GE } ib_cmp_t;

/** "lost == 0": a result figure, a comparison and a value. */
typedef struct ib_expect_s {
        char text[96];   /**< as written */
        char figure[64]; /**< a name of ib_figure_names */
        ib_cmp_t cmp;
        double value;
} ib_expect_t;

/** @brief The figures an expectation can name, NULL-terminated (results/SCHEMA.md). */
extern const char *const ib_figure_names[];

/** @returns 1 when @p observed satisfies @p e. */
int ib_expect_holds(const ib_expect_t *e, double observed);

/** The random block: faults drawn from the seed. */
typedef struct ib_random_spec_s {
        int count;                       /**< how many faults; 0: no random block */
        ib_fault_kind_t kinds[IB_FAULT_KIND_COUNT];
        int nkinds;
        int64_t start_ms;                /**< the first fault no earlier than this */
        int64_t interval_min_ms, interval_max_ms;   /**< between two faults */
        int64_t duration_min_ms, duration_max_ms;   /**< pause, slow-batch, zk-stop */
        int64_t restart_min_ms, restart_max_ms;     /**< kill, stop, broker-kill: restarted after */
} ib_random_spec_t;

/** "external": the command an external consumer's workers run (external.h). */
typedef struct ib_external_s {
        char **command;            /**< "command": the argv template; [0] resolved to a path */
        int ncommand;
        int stop_signal;           /**< "stop.signal": "TERM" (default) or "INT" */
        int64_t grace_ms;          /**< "stop.grace_ms": then SIGKILL (default 30000) */
        int drain_group;           /**< "drain": "group" (its group's committed offsets reach the
                                    *   end) or "output" (default: every record's id in its output) */
        char *name;                /**< "name": what it is called in results and reports
                                    *   ("spark"); default: the program's file name */
        int batch_files;           /**< "batch_files": each output file is written at once, by one
                                    *   batch, so its time and offsets are the consumer's progress
                                    *   (throughput, recovery time); default false */
} ib_external_t;

typedef struct ib_scenario_s {
        char *path;                /**< the file it came from */
        char *name;                /**< "name", or the file's base name */
        char *description;         /**< "description", may be "" */
        const ib_mode_t *mode;     /**< "mode" */
        json_t *options;           /**< "options": the flags given to every worker, checked */
        int partitions;            /**< "topic.partitions" */
        int replication_factor;    /**< "topic.replication_factor" (default: brokers, at most 3) */
        int brokers;               /**< "brokers": 1 or 3 (local cluster), mock: any */
        int zookeeper;             /**< ZooKeeper needed: the mode's options name it or a fault does */
        int hosts;                 /**< "hosts": every broker, ZooKeeper and worker in a network
                                    *   namespace of its own (net/hosts.h); network faults need it */
        int workers;               /**< "workers" at start */
        int kafka_sink;            /**< "sink": "kafka" (an output topic, read back as read_committed and
                                    *   read_uncommitted) or "dir" (range files); the default is dir, or
                                    *   kafka for a mode that commits inside the sink's transactions */
        int64_t rate;              /**< "producer.rate", records/s; 0: as fast as it goes */
        int64_t records;           /**< "producer.records" (or rate x duration_ms) */
        double bad_ratio;          /**< "producer.bad_ratio" */
        uint64_t seed;             /**< "seed" (--seed overrides) */
        int64_t drain_timeout_ms;  /**< "drain_timeout_ms": bound on catching up after the faults */
        ib_fault_t *timeline;      /**< "timeline", in the order given */
        size_t ntimeline;
        ib_random_spec_t random;   /**< "random" */
        ib_expect_t *expect;       /**< "expect" */
        size_t nexpect;
        char **worker_args;        /**< the options as `run` flags ("--commit", "async", "-X", "k=v") */
        int nworker_args;
        ib_variant_t *variants;    /**< "variants", swept; NULL: the options above, once */
        int nvariants;
        char **clients;            /**< "clients": the librdkafka builds swept (launch/clients.h); NULL: linked */
        int nclients;
        ib_external_t *external;   /**< "external": mode external only, else NULL */
        json_t *doc;               /**< the whole document, for the results */
} ib_scenario_t;

/**
 * @brief Parses and checks the scenario in @p path.
 * @param modes the modes "mode" can name (the registry), NULL-terminated.
 * @returns IB_OK, IB_ERR_NOT_FOUND / IB_ERR_IO (unreadable), or
 *          IB_ERR_INVALID_ARG with "FILE: $.path: reason" in errstr.
 */
ib_err_t ib_scenario_load(const char *path, const ib_mode_t *const *modes, ib_scenario_t **out, char *errstr,
                          size_t errstr_size);

/** @brief Like ib_scenario_load() from text; @p name stands for the file in errors. */
ib_err_t ib_scenario_parse(const char *text, const char *name, const ib_mode_t *const *modes,
                           ib_scenario_t **out, char *errstr, size_t errstr_size);

void ib_scenario_free(ib_scenario_t *s);

#endif
