/**
 * @file history.h
 * @brief A run's history, as the checker reads it: what every worker said in
 *        its event log (batches, commits and their outcomes, ownership),
 *        normalized across the four modes to one event per partition, and
 *        the faults the harness applied, with their real times.
 *
 * Jepsen keeps the checker apart from the nemesis and the workload: the
 * checker reads histories only. This is that history; history.c fills
 * it from event logs, and tests build it from hand-made logs.
 *
 * Normalization (one ib_hevent_t per partition):
 *   start                     IB_H_START (a new incarnation of the worker)
 *   batch ranges[]            IB_H_BATCH [from, until), records
 *   rebalance assign|revoke|lost, assign/revoke (direct), fenced
 *                             IB_H_ASSIGN / IB_H_REVOKE / IB_H_LOST / IB_H_FENCED
 *   commit without "ok" (async-commit's request)       IB_H_COMMIT_REQ
 *   commit_result, commit with "ok" (direct, receiver),
 *   checkpoint (the batch's ranges' ends)              IB_H_COMMIT, ok, error
 *   commit_landed (direct: an unanswered multi landed) marks that batch's
 *                             commits ok
 * Generation: a group's generation (from the latest assignment) or a
 * ZooKeeper claim's epoch; -1 when the mode has none (checkpoint).
 */
#ifndef IB_HISTORY_H
#define IB_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "scenario.h"

typedef enum ib_hkind_e {
        IB_H_START,
        IB_H_STOP,       /**< a clean stop ("stop" event) */
        IB_H_ERROR,      /**< the worker gave up ("error" event) */
        IB_H_BATCH,
        IB_H_COMMIT_REQ,
        IB_H_COMMIT,
        IB_H_ASSIGN,
        IB_H_REVOKE,
        IB_H_LOST,
        IB_H_FENCED,
        IB_H_RETRY,
} ib_hkind_t;

typedef struct ib_hevent_s {
        ib_hkind_t kind;
        int64_t t_ms;          /**< wall clock, ms */
        int64_t sent_ms;       /**< commit: when it was sent, where the log says (a ZooKeeper multi's or
                                *   a receiver commit's duration before its outcome); -1 unknown */
        uint64_t seq;          /**< order of reading: breaks ties of t_ms */
        int worker;            /**< index into ib_history_t.workers */
        int incarnation;       /**< 1 for the worker's first start */
        int32_t partition;     /**< -1 when the event has none */
        int64_t from, until;   /**< batch: the range; commit: until is the offset */
        int64_t records;       /**< batch: records in the range */
        int64_t batch;         /**< the worker's batch number, -1 if none */
        int32_t generation;    /**< group generation or claim epoch; -1 unknown */
        int ok;                /**< commit */
        char error[40];        /**< commit: the error name; "" when ok */
        char how[24];          /**< commit: async, sync, auto, sync-on-revoke, sync-before-close, zk, kafka, checkpoint */
} ib_hevent_t;

/** A fault the harness applied. */
typedef struct ib_hfault_s {
        ib_fault_kind_t kind;
        int target;            /**< worker index (0-based) for worker faults, broker number, or -1 */
        int64_t t_ms;          /**< when it was applied */
        int64_t end_ms;        /**< when it was healed (resumed, restarted, started); -1: not healed */
} ib_hfault_t;

typedef struct ib_history_s {
        ib_hevent_t *ev;
        size_t n, cap;
        char (*workers)[32];   /**< names, "w1", ... */
        int nworkers;
        ib_hfault_t *faults;
        size_t nfaults, faults_cap;
        uint64_t next_seq;
        uint64_t unreadable;   /**< event lines that did not parse (a torn last line) */
        int epochs;            /**< 1: generations are ZooKeeper claim epochs (direct) */
        int member_epochs;     /**< 1: generations are member epochs (the consumer group protocol) */
} ib_history_t;

/** @brief The index of worker @p name, added when new; -1 on ENOMEM. */
int ib_history_worker(ib_history_t *h, const char *name);

/** @brief Appends @p e (its seq is set). IB_ERR_NOMEM. */
ib_err_t ib_history_add(ib_history_t *h, const ib_hevent_t *e);

/** @brief Records a fault the harness applied. IB_ERR_NOMEM. */
ib_err_t ib_history_fault(ib_history_t *h, const ib_hfault_t *f);

/**
 * @brief Reads one worker's event log text (JSON Lines) as worker @p name.
 *        A line that does not parse is counted in h->unreadable, never fatal.
 */
ib_err_t ib_history_read_log(ib_history_t *h, const char *name, const char *text, size_t len);

/** @brief Reads the event log file @p path as worker @p name (a missing file is empty). */
ib_err_t ib_history_read_file(ib_history_t *h, const char *name, const char *path, char *errstr,
                              size_t errstr_size);

/** @brief Orders the events by (t_ms, seq), once everything is read. */
void ib_history_sort(ib_history_t *h);

void ib_history_free(ib_history_t *h);

#endif
