/**
 * @file txn.h
 * @brief The transactional mode's decisions, apart from the I/O that makes
 *        them (transactional.c), so unit tests can script every error.
 *
 * A batch is one transaction: begin, produce the output (the runner's
 * pipeline into the Kafka sink), send the batch's offsets with the group
 * metadata taken just before, commit. Each step's error, as librdkafka
 * classifies it (fatal, retriable, requires abort), decides what follows:
 *
 *   no error                        DONE
 *   the producer fenced (_FENCED, PRODUCER_FENCED, INVALID_PRODUCER_EPOCH:
 *   another producer of the same transactional.id took over), or any other
 *   fatal error                     RECREATE: a new producer, then rewind
 *   a permanent refusal (authorization, an unsupported broker, a bad
 *   argument or state)              STOP
 *   requires abort (a stale group generation at send_offsets, a delivery
 *   failure in the commit)          ABORT_REWIND
 *   retriable, budget left          RETRY the same step
 *   retriable, budget spent         begin/send_offsets: ABORT_REWIND;
 *                                   commit, abort, init: STOP (the outcome is
 *                                   unknown; the next producer of this
 *                                   transactional.id resolves it)
 *   anything else                   STOP
 *
 * Aborting itself: retriable with budget: RETRY; fenced or fatal:
 * RECREATE; anything else: STOP.
 *
 * When the group takes partitions away while a transaction is open: a
 * revoke commits it (the member still owns the generation), a lost
 * assignment aborts it (the generation is gone; a commit would be refused).
 */
#ifndef IB_TXN_H
#define IB_TXN_H

typedef enum ib_txn_step_e {
        IB_TXN_INIT,         /**< init_transactions (a new producer) */
        IB_TXN_BEGIN,        /**< begin_transaction */
        IB_TXN_SEND_OFFSETS, /**< send_offsets_to_transaction */
        IB_TXN_COMMIT,       /**< commit_transaction */
        IB_TXN_ABORT,        /**< abort_transaction */
} ib_txn_step_t;

/** A step's error as librdkafka classifies it (rd_kafka_error_t). */
typedef struct ib_txn_error_s {
        int code;      /**< rd_kafka_resp_err_t; 0: the step succeeded */
        int fatal;     /**< rd_kafka_error_is_fatal */
        int retriable; /**< rd_kafka_error_is_retriable */
        int abortable; /**< rd_kafka_error_txn_requires_abort */
} ib_txn_error_t;

typedef enum ib_txn_action_e {
        IB_TXN_DONE,         /**< go on */
        IB_TXN_RETRY,        /**< the same step again */
        IB_TXN_ABORT_REWIND, /**< abort, seek back to the last committed offsets */
        IB_TXN_RECREATE,     /**< a new producer (init_transactions), then rewind */
        IB_TXN_STOP,         /**< the worker stops with the error */
} ib_txn_action_t;

typedef enum ib_txn_rebalance_e {
        IB_TXN_KEEP,   /**< no transaction open: nothing to do */
        IB_TXN_COMMIT_OPEN, /**< commit the open transaction before giving the partitions up */
        IB_TXN_ABORT_OPEN,  /**< abort it: the assignment is already lost */
} ib_txn_rebalance_t;

/** @brief What follows @p step's error @p e; @p budget_left: the retry
 *         budget is not spent. */
ib_txn_action_t ib_txn_decide(ib_txn_step_t step, const ib_txn_error_t *e, int budget_left);

/** @brief What a rebalance does to a transaction: @p open one is open, the
 *         partitions are @p lost (else revoked). */
ib_txn_rebalance_t ib_txn_on_rebalance(int open, int lost);

/** @returns 1 when @p code means the producer was fenced by another of its transactional.id. */
int ib_txn_producer_fenced(int code);

/**
 * @brief The cause an abort is counted under: "generation" (the group moved
 *        on: ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID,
 *        REBALANCE_IN_PROGRESS, STALE_MEMBER_EPOCH), "fenced" (the producer),
 *        "timeout", "delivery" (a record not delivered), or "other".
 */
const char *ib_txn_abort_cause(int code);

/** @returns "done", "retry", "abort", "recreate", "stop". */
const char *ib_txn_action_name(ib_txn_action_t a);

/** @returns "init", "begin", "send_offsets", "commit", "abort". */
const char *ib_txn_step_name(ib_txn_step_t s);

#endif
