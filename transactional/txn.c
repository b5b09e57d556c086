/*
 * txn.c: the transactional mode's decisions (txn.h): pure functions of a
 * step and librdkafka's classification of its error, tested on scripted
 * errors (tests/unit/0025-txn.c).
 */
#include "txn.h"

#include <librdkafka/rdkafka.h>

/* Errors of the consumer group protocol (KIP-848) that librdkafka 2.0.2's
 * header does not name. */
#define ERR_FENCED_MEMBER_EPOCH 110
#define ERR_STALE_MEMBER_EPOCH 113

int ib_txn_producer_fenced(int code) {
        return code == RD_KAFKA_RESP_ERR__FENCED || code == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
               code == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
}

/* Refusals no retry or new producer changes: a configuration or a cluster to fix. */
static int permanent(int code) {
        switch (code) {
        case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
        case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
        case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
        case RD_KAFKA_RESP_ERR__INVALID_ARG:
        case RD_KAFKA_RESP_ERR__NOT_CONFIGURED:
        case RD_KAFKA_RESP_ERR__STATE:
                return 1;
        default:
                return 0;
        }
}

ib_txn_action_t ib_txn_decide(ib_txn_step_t step, const ib_txn_error_t *e, int budget_left) {
        if (!e || e->code == 0)
                return IB_TXN_DONE;
        if (ib_txn_producer_fenced(e->code))
                return IB_TXN_RECREATE;
        if (permanent(e->code))
                return IB_TXN_STOP;
        if (e->fatal)
                return IB_TXN_RECREATE;
        if (step == IB_TXN_ABORT)
                return e->retriable && budget_left ? IB_TXN_RETRY : IB_TXN_STOP;
        if (e->abortable)
                return step == IB_TXN_INIT ? IB_TXN_STOP : IB_TXN_ABORT_REWIND;
        if (e->retriable) {
                if (budget_left)
                        return IB_TXN_RETRY;
                return step == IB_TXN_BEGIN || step == IB_TXN_SEND_OFFSETS ? IB_TXN_ABORT_REWIND : IB_TXN_STOP;
        }
        return IB_TXN_STOP;
}

ib_txn_rebalance_t ib_txn_on_rebalance(int open, int lost) {
        if (!open)
                return IB_TXN_KEEP;
        return lost ? IB_TXN_ABORT_OPEN : IB_TXN_COMMIT_OPEN;
}

const char *ib_txn_abort_cause(int code) {
        switch (code) {
        case RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION:
        case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID:
        case RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID:
        case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
        case ERR_FENCED_MEMBER_EPOCH:
        case ERR_STALE_MEMBER_EPOCH:
                return "generation";
        case RD_KAFKA_RESP_ERR__TIMED_OUT:
        case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
        case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
                return "timeout";
        case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
        case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
        case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
        case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
        case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
                return "delivery";
        default:
                return ib_txn_producer_fenced(code) ? "fenced" : "other";
        }
}

const char *ib_txn_action_name(ib_txn_action_t a) {
        static const char *const names[] = {"done", "retry", "abort", "recreate", "stop"};
        return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

const char *ib_txn_step_name(ib_txn_step_t s) {
        static const char *const names[] = {"init", "begin", "send_offsets", "commit", "abort"};
        return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}
