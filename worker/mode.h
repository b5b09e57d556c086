/**
 * @file mode.h
 * @brief The mode interface: how an ingestion mode tracks what it has read.
 *
 * Each mode (direct, receiver, async-commit, checkpoint) provides one
 * `const ib_mode_t` table; the runner (runner.h) drives any of them through
 * the same loop:
 *
 *     configure(conf, cfg)      check the mode's options, fill derived defaults
 *     open(ctx, &st)            connect, claim or join, load stored offsets and
 *                               whatever a crash left behind
 *     loop:
 *        next_batch(st, batch)  read the next ranges; empty when nothing new
 *        pipeline + sinks       parse .. sink, durable
 *        commit(st, batch)      store the offsets the batch reached
 *     stop_input(st), then next_batch + pipeline + commit until empty
 *                           (a mode that holds what it read: the receiver)
 *     close(st)
 *
 * Return rule, written once: every function returning ib_err_t returns IB_OK,
 * or an error with one human line in errstr. Errors that reach the process's
 * exit code: IB_ERR_INVALID_ARG (2), IB_ERR_KAFKA_UNREACHABLE and
 * IB_ERR_ZK_UNREACHABLE (3), anything else (1).
 *
 * Options: a mode declares its flags in its own folder as an option table
 * (base/options.h) over its own configuration struct of conf_size bytes.
 * `run` parses the shared options (config.h), then the chosen mode's; a flag
 * of another mode is a usage error. The runner records every option's
 * effective value in stats.json under the mode's name.
 *
 * Threads: the runner calls every function from its own thread, one at a
 * time; a mode may run threads of its own behind the table. The idle clock
 * and the group-wait flag are set through ib_mode_active() and
 * ib_mode_waiting(), from any thread.
 *
 * Adding a mode (CONTRIBUTING.md has the same steps):
 *   1. a folder NAME/ with the mode's code, its option table and a
 *      CMakeLists.txt calling ib_add_mode(ib_NAME SOURCES...);
 *   2. one line X(NAME) in the IB_MODES list of modes/registry.c, naming
 *      the table `const ib_mode_t ib_mode_NAME`;
 *   3. one line add_subdirectory(NAME) in the top CMakeLists.txt.
 *   Fault points the mode injects are registered in its own .c file
 *   (IB_FAULT_POINTS in base/fault.h).
 */
#ifndef IB_MODE_H
#define IB_MODE_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "argv.h"
#include "config.h"
#include "errors.h"
#include "eventlog.h"
#include "options.h"
#include "kafka.h"
#include "rangereader.h"
#include "record.h"
#include "retry.h"

/** What the runner hands a mode when it opens. */
typedef struct ib_mode_ctx_s {
        const ib_config_t *cfg;         /**< the shared options */
        const void *conf;               /**< the mode's own options (its table's struct) */
        const char *brokers;            /**< resolved bootstrap list */
        const char *worker_id;          /**< this worker's name */
        ib_eventlog_t *events;          /**< event log (JSON Lines) */
        struct ib_sink_s *sink;         /**< the output sink (the runner's; a mode with
                                         *   sink_transactions drives its transactions) */
        volatile sig_atomic_t *stop;    /**< set on SIGTERM/SIGINT: finish the batch, stop */
        /** The runner's view of the mode (idle clock, group wait, partitions
         *  gained, retry counts), opaque: set through ib_mode_active(),
         *  ib_mode_assigned(), ib_mode_waiting() and the retry functions. */
        struct ib_mode_track_s *track;
} ib_mode_ctx_t;

typedef struct ib_mode_s {
        /** Checks the mode's options against each other and the shared ones
         *  and fills derived defaults, before anything is opened.
         *  IB_ERR_INVALID_ARG (a usage error). NULL: nothing to check. */
        ib_err_t (*configure)(void *conf, const ib_config_t *cfg, char *errstr, size_t errstr_size);
        /** Opens the mode into *@p st (IB_ERR_KAFKA_UNREACHABLE /
         *  IB_ERR_ZK_UNREACHABLE when a server does not answer in the
         *  bounded time). What a crash left behind is replayed by the
         *  following next_batch() calls. */
        ib_err_t (*open)(ib_mode_ctx_t *ctx, void **st, char *errstr, size_t errstr_size);
        /** Fills @p batch with the next ranges and their records, waiting at
         *  most @p wait_ms when there is nothing new. The previous batch's
         *  records are invalid from this call on. */
        ib_err_t (*next_batch)(void *st, ib_batch_t *batch, int wait_ms,
                               char *errstr, size_t errstr_size);
        /** Stores the offsets @p batch reached, after its output is durable.
         *  Called for empty batches too (a mode may refresh its ranges). */
        ib_err_t (*commit)(void *st, const ib_batch_t *batch, char *errstr,
                           size_t errstr_size);
        /** Measures how far behind the mode is: sets @p lag[partition] to the
         *  records between its position and the high watermark, for every
         *  partition it owns, and *@p caught_up to 1 when each of them is at
         *  its high watermark, has a leader, and nothing processed waits to
         *  be stored. Asks the brokers with short timeouts; a failure means
         *  "not caught up". The idle rule (--exit-when-idle) counts only
         *  while caught up. Runner's thread. */
        void (*lag)(void *st, json_t *lag, int *caught_up);
        /** Adds mode-specific figures to @p out. */
        void (*stats)(void *st, json_t *out);
        /** Releases what the mode holds (ownership, sessions); @p st may be
         *  a state open() gave up on half-way. */
        void (*close)(void *st);

        const char *name;             /**< as given to --mode */
        const char *summary;          /**< one line for --help */
        const ib_option_t *options;   /**< the mode's flags */
        size_t conf_size;             /**< bytes of the struct the options fill */

        /* What the harness, the benchmarks and the scenario checker know of
         * the mode: nothing outside the mode folders compares its name. */
        /** 1: a committed offset means its records are in the sink, so a
         *  commit past the sink is an anomaly; 0: commits cover a log of the
         *  mode's own that is replayed into the sink (the receiver). */
        int commits_cover_sink;
        /** 1: workers split the partitions among themselves by their place
         *  (worker_args), not through a group: they own their partitions
         *  from the start, their number is fixed for a run and at most the
         *  partitions. */
        int static_split;
        /** 1: the mode cannot run without a ZooKeeper (--zookeeper). */
        int needs_zookeeper;
        /** 1: the mode commits its offsets inside the transactions of a
         *  Kafka sink (kafka/ksink.h): it needs --sink kafka:, which the
         *  runner opens with the transactional.id
         *  "ingestbench-GROUP-WORKER" before open(), in ctx->sink. */
        int sink_transactions;
        /** Fault points a scenario's "inject" may arm in this mode
         *  (registered with IB_FAULT_POINTS), NULL-terminated; NULL: none. */
        const char *const *inject_points;
        /** Appends the flags a worker needs for its place @p index among
         *  @p count workers started together (static_split); NULL: none. */
        void (*worker_args)(ib_argv_t *argv, int index, int count);
        /** Stops reading new input when the run ends cleanly (a stop signal,
         *  the idle rule): what the mode read and cannot give back (the
         *  receiver's logged batches, whose offsets it committed) it hands
         *  out by the following next_batch() calls, which the runner goes on
         *  making (pipeline, commit) until one is empty or IB_DRAIN_BUDGET_MS
         *  pass; an empty batch then means nothing is left, so next_batch
         *  waits for a definite answer. NULL: nothing to drain. */
        void (*stop_input)(void *st);
} ib_mode_t;

/** Bound on the drain of a mode with stop_input, ms: within the chaos
 *  harness's grace between SIGTERM and SIGKILL (30 s). */
#define IB_DRAIN_BUDGET_MS 25000

/** @brief Restarts the idle clock: the mode saw records or an ownership change. */
void ib_mode_active(ib_mode_ctx_t *ctx);

/** @brief The mode gained partitions (a claim, an assignment): before their
 *         output is written, the runner removes temporary files dead
 *         writers left in the sink. Any thread. */
void ib_mode_assigned(ib_mode_ctx_t *ctx);

/** @brief A group mode waits (1) for its assignment, from subscribe or a
 *         revoke until the next assignment, or stops waiting (0). While it
 *         waits, the idle clock does not run. */
void ib_mode_waiting(ib_mode_ctx_t *ctx, int waiting);

/**
 * @brief Starts a retry episode of @p op under --retry-budget-ms:
 *
 *     ib_retry_t rt;
 *     ib_mode_retry_begin(ctx, &rt, "listing offsets");
 *     while ((err = op(...)) && ib_mode_retry(ctx, &rt, err))
 *             ;
 *     err = ib_mode_retry_end(ctx, &rt, err, errstr, errstr_size);
 */
void ib_mode_retry_begin(ib_mode_ctx_t *ctx, ib_retry_t *rt, const char *op);

/** @brief After a failed attempt: waits and @returns 1 to try again (a
 *         transient error within the budget, no stop requested), else 0. */
int ib_mode_retry(ib_mode_ctx_t *ctx, ib_retry_t *rt, ib_err_t err);

/**
 * @brief Ends the episode: when anything was retried (or the budget was
 *        spent at once), logs a "retry" event
 *        (operation, error, attempts, waited_ms, outcome "recovered" or
 *        "gave_up") and counts it. On giving up, errstr becomes one line
 *        naming the operation and the last error, and the error becomes
 *        *_UNREACHABLE (exit code 3). @returns the error to return.
 */
ib_err_t ib_mode_retry_end(ib_mode_ctx_t *ctx, ib_retry_t *rt, ib_err_t err, char *errstr, size_t errstr_size);

/** @brief ib_kafka_list_offsets() with retries (one episode). */
ib_err_t ib_mode_list_offsets(ib_mode_ctx_t *ctx, rd_kafka_t *rk, const int32_t *partitions, int n, int64_t which,
                              int64_t *offsets, char *errstr, size_t errstr_size);

/** @brief ib_rangereader_read() with retries (one episode). */
ib_err_t ib_mode_read_range(ib_mode_ctx_t *ctx, ib_rangereader_t *rr, int32_t p, int64_t from, int64_t until,
                            ib_batch_t *batch, char *errstr, size_t errstr_size);

/** Bound on each broker question a lag measurement asks, ms. */
#define IB_LAG_TIMEOUT_MS 2000

/** @brief Sets @p lag[@p partition] to @p records (0 when negative). */
void ib_lag_set(json_t *lag, int32_t partition, int64_t records);

/* ---- the runner's side (runner.c) ---- */

/** @brief The tracking state of a context; NULL when out of memory. */
struct ib_mode_track_s *ib_mode_track_new(void);
void ib_mode_track_free(struct ib_mode_track_s *t);

/** @brief Microseconds the mode has been idle at @p now_us (0 while it waits
 *         for its group). Runner only. */
int64_t ib_mode_idle_us(ib_mode_ctx_t *ctx, int64_t now_us);

/** @returns 1 once after the mode gained partitions (ib_mode_assigned). Runner only. */
int ib_mode_take_assigned(ib_mode_ctx_t *ctx);

/** @returns the retry episodes so far as {episodes, attempts, gave_up, waited_ms}. Runner only. */
json_t *ib_mode_retries_json(const ib_mode_ctx_t *ctx);

#endif
