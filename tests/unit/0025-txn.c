/* 0025-txn: the transactional mode's decisions (transactional/txn.h) on
 * scripted errors, as librdkafka classifies them: what follows each step's
 * error (retry, abort and rewind, a new producer, stop), with and without
 * retry budget left; what a rebalance does to an open transaction; and the
 * cause an abort is counted under. */
#include <librdkafka/rdkafka.h>

#include "harness.h"
#include "txn.h"

/* An error with librdkafka's flags: F fatal, R retriable, A requires abort. */
#define E(code, f, r, a) ((ib_txn_error_t){(code), (f), (r), (a)})

static void no_error_goes_on(void) {
        ib_txn_error_t ok = E(0, 0, 0, 0);
        for (int s = IB_TXN_INIT; s <= IB_TXN_ABORT; s++) {
                CHECK_INT(ib_txn_decide((ib_txn_step_t)s, &ok, 1), IB_TXN_DONE);
                CHECK_INT(ib_txn_decide((ib_txn_step_t)s, &ok, 0), IB_TXN_DONE);
        }
        CHECK_INT(ib_txn_decide(IB_TXN_COMMIT, NULL, 0), IB_TXN_DONE);
}

static void a_fenced_producer_is_replaced(void) {
        /* another producer of the transactional.id took over: at any step */
        ib_txn_error_t fenced = E(RD_KAFKA_RESP_ERR__FENCED, 1, 0, 0);
        ib_txn_error_t epoch = E(RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH, 0, 0, 1);
        ib_txn_error_t pf = E(RD_KAFKA_RESP_ERR_PRODUCER_FENCED, 1, 0, 0);
        for (int s = IB_TXN_INIT; s <= IB_TXN_ABORT; s++) {
                CHECK_INT(ib_txn_decide((ib_txn_step_t)s, &fenced, 1), IB_TXN_RECREATE);
                CHECK_INT(ib_txn_decide((ib_txn_step_t)s, &epoch, 0), IB_TXN_RECREATE);
                CHECK_INT(ib_txn_decide((ib_txn_step_t)s, &pf, 1), IB_TXN_RECREATE);
        }
        /* any other fatal error too: the producer is unusable */
        ib_txn_error_t gap = E(RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, 1, 0, 0);
        CHECK_INT(ib_txn_decide(IB_TXN_COMMIT, &gap, 1), IB_TXN_RECREATE);
        CHECK(ib_txn_producer_fenced(RD_KAFKA_RESP_ERR__FENCED));
        CHECK(!ib_txn_producer_fenced(RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION));
}

static void a_stale_generation_aborts_and_rewinds(void) {
        /* KIP-447: the group moved on; the offsets are refused, the output must not show */
        ib_txn_error_t gen = E(RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION, 0, 0, 1);
        ib_txn_error_t member = E(RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID, 0, 0, 1);
        CHECK_INT(ib_txn_decide(IB_TXN_SEND_OFFSETS, &gen, 1), IB_TXN_ABORT_REWIND);
        CHECK_INT(ib_txn_decide(IB_TXN_SEND_OFFSETS, &member, 0), IB_TXN_ABORT_REWIND);
        /* a record not delivered surfaces in the commit, as requiring an abort */
        ib_txn_error_t msg = E(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, 0, 0, 1);
        CHECK_INT(ib_txn_decide(IB_TXN_COMMIT, &msg, 1), IB_TXN_ABORT_REWIND);
        /* init has no transaction to abort */
        CHECK_INT(ib_txn_decide(IB_TXN_INIT, &msg, 1), IB_TXN_STOP);
}

static void retriable_errors_retry_within_the_budget(void) {
        ib_txn_error_t tmo = E(RD_KAFKA_RESP_ERR__TIMED_OUT, 0, 1, 0);
        CHECK_INT(ib_txn_decide(IB_TXN_BEGIN, &tmo, 1), IB_TXN_RETRY);
        CHECK_INT(ib_txn_decide(IB_TXN_SEND_OFFSETS, &tmo, 1), IB_TXN_RETRY);
        CHECK_INT(ib_txn_decide(IB_TXN_COMMIT, &tmo, 1), IB_TXN_RETRY);
        CHECK_INT(ib_txn_decide(IB_TXN_ABORT, &tmo, 1), IB_TXN_RETRY);
        CHECK_INT(ib_txn_decide(IB_TXN_INIT, &tmo, 1), IB_TXN_RETRY);
        /* budget spent: before the commit the batch can be given up; a commit
         * of unknown outcome cannot be aborted safely, so the worker stops */
        CHECK_INT(ib_txn_decide(IB_TXN_BEGIN, &tmo, 0), IB_TXN_ABORT_REWIND);
        CHECK_INT(ib_txn_decide(IB_TXN_SEND_OFFSETS, &tmo, 0), IB_TXN_ABORT_REWIND);
        CHECK_INT(ib_txn_decide(IB_TXN_COMMIT, &tmo, 0), IB_TXN_STOP);
        CHECK_INT(ib_txn_decide(IB_TXN_ABORT, &tmo, 0), IB_TXN_STOP);
        CHECK_INT(ib_txn_decide(IB_TXN_INIT, &tmo, 0), IB_TXN_STOP);
        /* retriable and requiring abort: the abort wins */
        ib_txn_error_t both = E(RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, 0, 1, 1);
        CHECK_INT(ib_txn_decide(IB_TXN_COMMIT, &both, 1), IB_TXN_ABORT_REWIND);
}

static void permanent_refusals_stop(void) {
        ib_txn_error_t auth = E(RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 1, 0, 0);
        ib_txn_error_t state = E(RD_KAFKA_RESP_ERR__STATE, 0, 0, 0);
        ib_txn_error_t topic = E(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, 0, 0, 1);
        ib_txn_error_t unknown = E(RD_KAFKA_RESP_ERR_UNKNOWN, 0, 0, 0);
        CHECK_INT(ib_txn_decide(IB_TXN_INIT, &auth, 1), IB_TXN_STOP);
        CHECK_INT(ib_txn_decide(IB_TXN_BEGIN, &state, 1), IB_TXN_STOP);
        CHECK_INT(ib_txn_decide(IB_TXN_COMMIT, &topic, 1), IB_TXN_STOP);
        CHECK_INT(ib_txn_decide(IB_TXN_COMMIT, &unknown, 1), IB_TXN_STOP);
        /* an abort that fails without being retriable or fatal: nothing safe is left */
        ib_txn_error_t odd = E(RD_KAFKA_RESP_ERR_INVALID_TXN_STATE, 0, 0, 1);
        CHECK_INT(ib_txn_decide(IB_TXN_ABORT, &odd, 1), IB_TXN_STOP);
}

static void rebalances(void) {
        CHECK_INT(ib_txn_on_rebalance(0, 0), IB_TXN_KEEP);
        CHECK_INT(ib_txn_on_rebalance(0, 1), IB_TXN_KEEP);
        CHECK_INT(ib_txn_on_rebalance(1, 0), IB_TXN_COMMIT_OPEN); /* revoke: still our generation */
        CHECK_INT(ib_txn_on_rebalance(1, 1), IB_TXN_ABORT_OPEN);  /* lost: a commit would be refused */
}

static void abort_causes(void) {
        CHECK_STR(ib_txn_abort_cause(RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION), "generation");
        CHECK_STR(ib_txn_abort_cause(RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS), "generation");
        CHECK_STR(ib_txn_abort_cause(113), "generation"); /* STALE_MEMBER_EPOCH, the consumer protocol */
        CHECK_STR(ib_txn_abort_cause(RD_KAFKA_RESP_ERR__FENCED), "fenced");
        CHECK_STR(ib_txn_abort_cause(RD_KAFKA_RESP_ERR__TIMED_OUT), "timeout");
        CHECK_STR(ib_txn_abort_cause(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT), "delivery");
        CHECK_STR(ib_txn_abort_cause(RD_KAFKA_RESP_ERR_UNKNOWN), "other");
        CHECK_STR(ib_txn_action_name(IB_TXN_ABORT_REWIND), "abort");
        CHECK_STR(ib_txn_step_name(IB_TXN_SEND_OFFSETS), "send_offsets");
}

int main(void) {
        IB_RUN(no_error_goes_on);
        IB_RUN(a_fenced_producer_is_replaced);
        IB_RUN(a_stale_generation_aborts_and_rewinds);
        IB_RUN(retriable_errors_retry_within_the_budget);
        IB_RUN(permanent_refusals_stop);
        IB_RUN(rebalances);
        IB_RUN(abort_causes);
        return IB_DONE();
}
