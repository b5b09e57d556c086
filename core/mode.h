/**
 * @file mode.h
 * @brief The mode interface: how an ingestion mode tracks what it has read.
 *
 * Each mode (direct, receiver, async-commit, checkpoint) provides one
 * `const ib_mode_t` table; the runner (runner.h) drives any of them through
 * the same loop:
 *
 *     st = open(ctx)            connect, claim or join, load stored offsets
 *     recover(st)               replay what a crash left behind (may be NULL)
 *     loop:
 *        next_batch(st, batch)  read the next ranges; empty when nothing new
 *        pipeline + sinks       parse .. sink, durable
 *        commit(st, batch)      store the offsets the batch reached
 *     close(st)
 *
 * Return rule, written once: every function returning ib_err_t returns IB_OK,
 * or an error with one human line in errstr. A mode that cannot do an
 * operation still provides it and fails with IB_ERR_UNSUPPORTED.
 *
 * Threads: the runner calls every function from its own thread, one at a
 * time; a mode may run threads of its own behind the table.
 */
#ifndef IB_MODE_H
#define IB_MODE_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "errors.h"
#include "eventlog.h"
#include "record.h"

/** What the runner hands a mode when it opens. */
typedef struct ib_mode_ctx_s {
        const ib_config_t *cfg;         /**< the run's configuration */
        const char *brokers;            /**< resolved bootstrap list */
        const char *worker_id;          /**< this worker's name */
        ib_eventlog_t *events;          /**< event log (JSON Lines) */
        volatile sig_atomic_t *stop;    /**< set on SIGTERM/SIGINT: finish the batch, stop */
        int64_t last_activity_us;       /**< a mode bumps this (ib_mono_us) on ownership
                                         *   changes, so an idle timeout waits for them;
                                         *   from other threads with __atomic_store_n */
        int waiting_for_group;          /**< a group mode sets this (__atomic_store_n) from
                                         *   subscribe or a revoke until its next
                                         *   assignment: the idle clock does not run */
} ib_mode_ctx_t;

typedef struct ib_mode_s {
        /** Opens the mode. Returns its state, or NULL with *err and errstr set
         *  (IB_ERR_KAFKA_UNREACHABLE / IB_ERR_ZK_UNREACHABLE when a server
         *  does not answer in the bounded time). */
        void *(*open)(ib_mode_ctx_t *ctx, ib_err_t *err, char *errstr,
                      size_t errstr_size);
        /** Replays what a crash left behind. May be NULL: nothing to replay. */
        ib_err_t (*recover)(void *st, char *errstr, size_t errstr_size);
        /** Fills @p batch with the next ranges and their records, waiting at
         *  most @p wait_ms when there is nothing new. The previous batch's
         *  records are invalid from this call on. */
        ib_err_t (*next_batch)(void *st, ib_batch_t *batch, int wait_ms,
                               char *errstr, size_t errstr_size);
        /** Stores the offsets @p batch reached, after its output is durable.
         *  Called for empty batches too (a mode may refresh its ranges). */
        ib_err_t (*commit)(void *st, const ib_batch_t *batch, char *errstr,
                           size_t errstr_size);
        /** Adds mode-specific figures to @p out. May be NULL. */
        void (*stats)(void *st, json_t *out);
        /** Releases what the mode holds (ownership, sessions). */
        void (*close)(void *st);

        const char *name;    /**< as given to --mode */
        const char *summary; /**< one line for --help */
} ib_mode_t;

#endif
