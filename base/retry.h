/**
 * @file retry.h
 * @brief Bounded exponential backoff for operations that fail transiently
 *        (a broker bouncing, a leader election, a ZooKeeper reconnect), the
 *        way librdkafka retries with retry.backoff.ms and Spark's direct
 *        stream with spark.streaming.kafka.maxRetries: a worker rides out
 *        routine faults and gives up only after a stated budget.
 *
 *     ib_retry_t rt;
 *     ib_retry_begin(&rt, "listing offsets", budget_ms);
 *     while ((err = op(...)) && ib_retry_again(&rt, err, stop))
 *             ;
 *
 * One episode is one operation's attempts from its first failure to its
 * success or its giving up; the caller reports it (worker/mode.h does, as an
 * event). Not thread-safe: one episode per thread.
 */
#ifndef IB_RETRY_H
#define IB_RETRY_H

#include <signal.h>
#include <stdint.h>

#include "errors.h"

#define IB_RETRY_FIRST_BACKOFF_MS 100
#define IB_RETRY_MAX_BACKOFF_MS 5000

typedef struct ib_retry_s {
        const char *op;        /**< what is retried, for events and the final error */
        int64_t budget_ms;     /**< how long one episode may retry */
        int64_t started_us;    /**< monotonic time of the first failure; 0 before it */
        int attempts;          /**< failed attempts so far */
        int retries;           /**< attempts made again after a wait */
        int64_t backoff_ms;    /**< the next wait */
        int64_t waited_ms;     /**< time slept between attempts */
        ib_err_t last;         /**< the last error */
        int gave_up;           /**< 1 once ib_retry_again() said no to a transient error */
} ib_retry_t;

/** @brief 1 when @p err is one that clears by itself: a broker or ZooKeeper
 *         that does not answer, a Kafka error librdkafka calls retriable
 *         (no leader, not the coordinator), a bounded wait that ran out. */
int ib_err_transient(ib_err_t err);

/** @brief Starts an episode of @p op with @p budget_ms (0: no retries). */
void ib_retry_begin(ib_retry_t *r, const char *op, int64_t budget_ms);

/**
 * @brief After an attempt that failed with @p err: waits the next backoff
 *        (doubling from 100 ms to 5 s, never past the budget) and @returns 1
 *        to try again; @returns 0 when @p err is not transient, the budget is
 *        spent, or *@p stop (may be NULL) was set.
 */
int ib_retry_again(ib_retry_t *r, ib_err_t err, volatile sig_atomic_t *stop);

/** @brief The error to return when the episode gave up on a transient
 *         error: the matching *_UNREACHABLE (exit code 3), else @p err. */
ib_err_t ib_retry_final(const ib_retry_t *r, ib_err_t err);

#endif
