/**
 * @file handoff.h
 * @brief The receiver's logged batches on their way between its three
 *        threads, held in memory: a ring of slots and five counters.
 *
 *     receive thread   slot = ib_handoff_slot()   fill it (poll, log write)
 *                      ib_handoff_logged()        ------------------+
 *     flusher          ib_handoff_wait_logged()   [durable, logged) |
 *                      fsync, ib_handoff_durable()
 *     committer        ib_handoff_wait_durable()  [committed, durable): the
 *                      commit, ib_handoff_committed()   offsets they reached
 *     processor        ib_handoff_take()          [taken, durable), coalesced
 *                      pipeline, ib_handoff_release()
 *
 * The committer stores one group's offsets while the flusher makes the next
 * group durable; one committer, so commits go out in log order.
 *
 * released <= taken <= durable <= logged and committed <= durable: a batch
 * reaches the pipeline and its offsets are committed only once the log
 * holding it is durable ("log durable, then commit"). A slot is filled again
 * once it is both released (its records processed) and committed (its
 * offsets stored), so the ring bounds the memory held, as does the byte
 * bound of ib_handoff_slot().
 *
 * What a slot holds is the receiver's: handoff only orders who may touch it.
 * Slot contents written before ib_handoff_logged() are visible to the thread
 * that gets the slot's index from a later call (the lock orders them).
 */
#ifndef IB_HANDOFF_H
#define IB_HANDOFF_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "record.h"
#include "wal.h"

#define IB_HANDOFF_SLOTS 16

/** One batch as the receive thread logged it. */
typedef struct ib_logged_s {
        uint64_t seq;              /**< its batch number in the log */
        ib_wal_pos_t start, end;   /**< where it is in the log */
        uint64_t bytes;            /**< log bytes it took (end - start) */
        size_t n;                  /**< records (0 once the processor released them) */
        size_t logged_n;           /**< records as logged (for the committer's figures) */
        void **items;              /**< its records: the client's messages */
        size_t items_cap;
        void *offsets;             /**< the offsets it reached, for the committer */
} ib_logged_t;

typedef struct ib_handoff_s {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        ib_logged_t slots[IB_HANDOFF_SLOTS];
        uint64_t logged, durable, committed, taken, released; /* batches, since open */
        uint64_t logged_bytes, released_bytes;
        uint64_t backlog_hwm;      /**< most bytes logged and not yet released */
        int64_t commit_since_us;   /**< when the committer's commit in progress began (0: none) */
        int input_ended;           /**< the receive thread logs nothing more */
        int flusher_gone;          /**< the committer commits nothing more (it and the flusher are done) */
        ib_err_t err;              /**< the first failure of a thread, sticky */
        char errstr[512];
} ib_handoff_t;

void ib_handoff_init(ib_handoff_t *h);

/** @brief Frees the slots' arrays (not what items point to). */
void ib_handoff_destroy(ib_handoff_t *h);

/** How long a commit may take before the receive thread stops polling until
 *  it ends: a commit that waits for a coordinator (a broker killed) is not
 *  overtaken by batches polled meanwhile, whose own commits would come after
 *  the member lost its partitions (each then read again by their next owner). */
#define IB_HANDOFF_COMMIT_STALL_US 50000

/** @brief Receive thread: waits (at most @p timeout_ms) for a free slot while
 *         fewer than @p max_bytes are logged and not released (at least one
 *         batch may always wait), and while no commit has been in progress
 *         for IB_HANDOFF_COMMIT_STALL_US. @returns the slot to fill, or NULL
 *         on time out or after a failure. */
ib_logged_t *ib_handoff_slot(ib_handoff_t *h, uint64_t max_bytes, int timeout_ms);

/** @brief Receive thread: the slot ib_handoff_slot() gave is filled and its
 *         batch written to the log. */
void ib_handoff_logged(ib_handoff_t *h);

/** @brief Receive thread: nothing more will be logged. */
void ib_handoff_end_input(ib_handoff_t *h);

/** @brief Flusher: waits (at most @p timeout_ms) for batches logged and not
 *         durable, also after a failure (what was logged before a failed
 *         write is still made durable and committed, as before it).
 *         @returns 1 with [*from, *upto) set, else 0. */
int ib_handoff_wait_logged(ib_handoff_t *h, int timeout_ms, uint64_t *from, uint64_t *upto);

/** @brief Flusher: batches below @p upto are durable in the log. */
void ib_handoff_durable(ib_handoff_t *h, uint64_t upto);

/** @brief Committer: waits (at most @p timeout_ms) for durable batches whose
 *         offsets are not committed, also after a failure.
 *         @returns 1 with [*from, *upto) set, else 0. */
int ib_handoff_wait_durable(ib_handoff_t *h, int timeout_ms, uint64_t *from, uint64_t *upto);

/** @brief Committer: a commit begins (ended by ib_handoff_committed()). */
void ib_handoff_commit_begin(ib_handoff_t *h);

/** @brief Committer: the offsets of batches below @p upto are stored (or
 *         given up on). */
void ib_handoff_committed(ib_handoff_t *h, uint64_t upto);

/** @brief Committer: it stops, after the flusher (a failure, or told to):
 *         waiters for commits stop waiting. */
void ib_handoff_flusher_gone(ib_handoff_t *h);

/** @brief Waits (at most @p timeout_ms) until every batch logged by now is
 *         committed. @returns 1 when so, 0 on time out or once the flusher
 *         is gone. */
int ib_handoff_wait_committed(ib_handoff_t *h, int timeout_ms);

/**
 * @brief Processor: waits (at most @p timeout_ms) for durable batches not
 *        taken, and takes the run of them holding at most @p max_records
 *        records (at least one batch).
 * @returns 1 with [*from, *upto) set; 0 when there is none: on time out, or
 *          at once when the input ended and everything logged was taken
 *          (*drained set to 1 then); -1 after a failure (errstr filled).
 */
int ib_handoff_take(ib_handoff_t *h, int timeout_ms, size_t max_records, uint64_t *from, uint64_t *upto,
                    int *drained, char *errstr, size_t errstr_size);

/** @brief Processor: batches below @p upto are processed; their slots may be
 *         filled again once committed. */
void ib_handoff_release(ib_handoff_t *h, uint64_t upto);

/** @brief The slot of batch number @p i (a counter value). */
static inline ib_logged_t *ib_handoff_at(ib_handoff_t *h, uint64_t i) { return &h->slots[i % IB_HANDOFF_SLOTS]; }

/** @brief Records a thread's failure (the first one stays) and wakes every waiter. */
void ib_handoff_fail(ib_handoff_t *h, ib_err_t err, const char *msg);

/** @brief The first failure recorded (IB_OK: none). */
ib_err_t ib_handoff_error(ib_handoff_t *h);

/** @brief 1 when every logged batch is processed and committed. */
int ib_handoff_settled(ib_handoff_t *h);

#endif
