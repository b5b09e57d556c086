/**
 * @file checker.h
 * @brief The chaos checker: from what the topic holds, what the sink and the
 *        dead-letter directory hold, and the run's history (history.h), it
 *        finds per partition every anomaly and explains each duplicate and
 *        each lost range from the events around it (explain.c).
 *
 * Pure logic, tested on hand-made histories (tests/unit/0016-checker.c), as
 * Jepsen tests its checkers. Anomalies:
 *   duplicate        offsets in more than one sink range file (visible);
 *                    a run per partition and pair of files
 *   lost             offsets in the topic neither delivered nor dead-lettered
 *   out_of_order     first deliveries (in durable-time order) below an offset
 *                    already delivered on the partition
 *   offset_backwards a successful commit below the partition's previous
 *                    successful commit
 *   committed_too_far a successful commit past the offsets whose output was
 *                    durable when it was requested (the at-most-once hazard)
 *   unexpected       a delivery that matches no input record
 * With a Kafka sink, the log (every copy a read_uncommitted reader finds)
 * is checked too: each copy a read_committed reader does not see must come
 * from a batch whose transaction did not commit (an aborted write), which
 * the history shows: the writer's commit failed, or it never came (the
 * worker was killed, paused, fenced). Copies no such batch accounts for
 * are counted as unexplained_aborted.
 * Counted apart: redelivered, the offsets the pipeline processed more than
 * once whose repeats never became visible (a range file rewritten with the
 * same bytes); broker_lost, records the producer had acknowledged that the
 * topic no longer holds.
 */
#ifndef IB_CHECKER_H
#define IB_CHECKER_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "history.h"
#include "verify.h"
#include "verify_io.h"

typedef struct ib_check_input_s {
        const char *topic;
        const ib_vrec_t *produced;   /**< the topic's records */
        size_t nproduced;
        const ib_vrec_t *delivered;  /**< sink lines, each with its file and event time */
        size_t ndelivered;
        const ib_vfile_t *files;     /**< the sink's range files */
        size_t nfiles;
        const ib_vrec_t *dead;       /**< dead letters */
        size_t ndead;
        const ib_history_t *history; /**< sorted (ib_history_sort) */
        int64_t t0_ms;               /**< the run's start, for times in explanations */
        int64_t acked;               /**< records the producer had acknowledged; -1: unknown */
        const char *run_id;          /**< the producer's run id (ids "RUN-SEQ"); NULL: no broker-side check */
        int commits_cover_sink;      /**< 1: a commit must not run ahead of the sink; 0 for the
                                      *   receiver, whose commits cover its write-ahead log */
        int drained;                 /**< 1: the workers caught up before they were stopped */
        int no_batch_log;            /**< 1: the delivering workers log no batches (an external
                                      *   consumer without an event log): duplicates are left
                                      *   unexplained, for the caller to attribute, instead of
                                      *   guessed from the faults alone */
        int no_order;                /**< 1: the deliveries' order is not known (an external
                                      *   consumer's Kafka output, spread over output partitions by
                                      *   its producer): out_of_order is not measured */
        const int *file_worker;      /**< an external consumer's output (files with partition -1):
                                      *   each file's worker (history index), or NULL. A file's
                                      *   writer is then that worker's logged batch on the
                                      *   duplicate's offsets, in the run of it that was going when
                                      *   the file was last written */
        /* A Kafka sink: delivered is what a read_committed reader saw; the
         * log is what a read_uncommitted one found (every copy, aborted
         * transactions and zombie writes included), with the range writes
         * it holds. NULL: a directory sink. Every sink record carries its
         * place in the output topic (out_pos). */
        const ib_vrec_t *log;
        size_t nlog;
        const ib_vfile_t *log_files;
        size_t nlog_files;
} ib_check_input_t;

typedef enum ib_anomaly_kind_e {
        IB_AN_DUPLICATE,
        IB_AN_LOST,
        IB_AN_OUT_OF_ORDER,
        IB_AN_OFFSET_BACKWARDS,
        IB_AN_COMMITTED_TOO_FAR,
        IB_AN_UNEXPECTED,
        IB_AN_KIND_COUNT
} ib_anomaly_kind_t;

/** @returns "duplicate", "lost", ... */
const char *ib_anomaly_kind_name(ib_anomaly_kind_t kind);

typedef struct ib_anomaly_s {
        ib_anomaly_kind_t kind;
        int32_t partition;
        int64_t from, until;     /**< offsets [from, until); backwards: the new and the previous offset */
        uint64_t count;          /**< records (commits for offset_backwards / committed_too_far) */
        int64_t t_ms;            /**< when: the commit, or the first delivery; -1 */
        int worker;              /**< the worker it concerns; -1 */
        int file_a, file_b;      /**< duplicate: the two range files; -1 */
        int explained;           /**< duplicate, lost: the explanation names a cause */
        char explanation[1024];
} ib_anomaly_t;

/** A range write the log holds but a read_committed reader does not see:
 *  its transaction aborted, or never committed. */
typedef struct ib_aborted_write_s {
        int32_t partition;
        int64_t from, until;     /**< the input range written */
        uint64_t records;        /**< copies of it in the log that are not visible */
        int explained;
        char explanation[320];
} ib_aborted_write_t;

typedef struct ib_check_result_s {
        ib_verify_result_t counts;        /**< the verifier's accounting, in durable-time order */
        uint64_t redelivered;
        uint64_t offsets_backwards;
        uint64_t committed_too_far;
        uint64_t unexplained_duplicates;  /**< records */
        uint64_t unexplained_lost;        /**< records */
        int64_t broker_lost;              /**< -1: unknown */
        ib_anomaly_t *anomalies;
        size_t nanomalies, cap;
        int64_t *file_ms;                 /**< each sink file's durable time: its first writer's
                                           *   batch event, else its mtime (ms) */
        /* a Kafka sink's log (in->log), else 0 */
        int has_log;
        uint64_t log_records;             /**< copies in the log */
        uint64_t log_duplicates;          /**< copies beyond the first of an input record, in the log */
        uint64_t aborted_records;         /**< copies in the log a read_committed reader does not see */
        uint64_t unexplained_aborted;     /**< of those, copies no uncommitted batch accounts for */
        ib_aborted_write_t *aborted;      /**< the aborted range writes, in log order */
        size_t naborted, aborted_cap;
} ib_check_result_t;

/** @brief Runs the checker and the explainer. IB_ERR_NOMEM is the only failure. */
ib_err_t ib_check_run(const ib_check_input_t *in, ib_check_result_t *out);

void ib_check_result_free(ib_check_result_t *r);

/* ---- explain.c: the explainer the checker calls ---------------------------------- */

/** @brief Fills a duplicate's explanation: who delivered it, in which
 *         generation or epoch, and what kept the first delivery from being
 *         committed (a refused commit, a kill, a revoke, a pause). */
void ib_explain_duplicate(const ib_check_input_t *in, ib_anomaly_t *a);

/** @brief Fills a lost range's explanation: the last owner, the last stored
 *         offset, and whether the records are still in the topic. */
void ib_explain_lost(const ib_check_input_t *in, const ib_check_result_t *r, ib_anomaly_t *a);

#endif
