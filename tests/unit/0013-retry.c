/* 0013-retry: bounded exponential backoff: which errors are retried, the
 * doubling waits, the budget, a stop request, the error a give-up returns. */
#include "clock.h"
#include "harness.h"
#include "kafka.h"
#include "retry.h"

static void test_transient_errors(void) {
        CHECK(ib_err_transient(IB_ERR_KAFKA_UNREACHABLE));
        CHECK(ib_err_transient(IB_ERR_KAFKA_RETRIABLE));
        CHECK(ib_err_transient(IB_ERR_ZK_UNREACHABLE));
        CHECK(ib_err_transient(IB_ERR_TIMED_OUT));
        CHECK(!ib_err_transient(IB_ERR_KAFKA));
        CHECK(!ib_err_transient(IB_ERR_ZK_FENCED));
        CHECK(!ib_err_transient(IB_ERR_IO));
}

/* librdkafka's codes to ours: what a retry may wait out, and what it may not */
static void test_kafka_codes(void) {
        CHECK_INT(ib_kafka_err(RD_KAFKA_RESP_ERR_NO_ERROR), IB_OK);
        CHECK_INT(ib_kafka_err(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION), IB_ERR_KAFKA_RETRIABLE);
        CHECK_INT(ib_kafka_err(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION), IB_ERR_KAFKA_RETRIABLE);
        /* a broker handle torn down by a newer client (librdkafka >= 2.10) while a
         * request was on it: sent again to the next leader */
        CHECK_INT(ib_kafka_err((rd_kafka_resp_err_t)-137), IB_ERR_KAFKA_RETRIABLE);
        CHECK(ib_err_transient(ib_kafka_err(RD_KAFKA_RESP_ERR__TRANSPORT)));
        CHECK_INT(ib_kafka_err(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED), IB_ERR_KAFKA);
        CHECK_INT(ib_kafka_err(RD_KAFKA_RESP_ERR__FATAL), IB_ERR_KAFKA);
}

static void test_not_transient_is_not_retried(void) {
        ib_retry_t r;
        ib_retry_begin(&r, "op", 10000);
        CHECK_INT(ib_retry_again(&r, IB_ERR_IO, NULL), 0);
        CHECK_INT(r.attempts, 1);
        CHECK_INT(r.retries, 0);
        CHECK_INT(r.gave_up, 0);
        CHECK_INT(ib_retry_final(&r, IB_ERR_IO), IB_ERR_IO);
}

static void test_backoff_doubles_within_the_budget(void) {
        ib_retry_t r;
        ib_retry_begin(&r, "listing offsets", 1000);
        int64_t t0 = ib_mono_us();
        int n = 0;
        while (ib_retry_again(&r, IB_ERR_KAFKA_RETRIABLE, NULL) && n < 100)
                n++;
        int64_t ms = (ib_mono_us() - t0) / 1000;
        /* 100 + 200 + 400 = 700 ms, then what is left of 1000 (300), then the budget is spent */
        CHECK_INT(n, 4);
        CHECK_INT(r.retries, 4);
        CHECK(r.waited_ms >= 950 && r.waited_ms <= 1000); /* the budget runs from the first failure */
        CHECK(ms >= 990 && ms < 3000);
        CHECK_INT(r.gave_up, 1);
        CHECK_INT(ib_retry_final(&r, IB_ERR_KAFKA_RETRIABLE), IB_ERR_KAFKA_UNREACHABLE);
        CHECK_INT(ib_retry_final(&r, IB_ERR_ZK_UNREACHABLE), IB_ERR_ZK_UNREACHABLE);
}

static void test_stop_request_ends_it(void) {
        volatile sig_atomic_t stop = 1;
        ib_retry_t r;
        ib_retry_begin(&r, "op", 60000);
        CHECK_INT(ib_retry_again(&r, IB_ERR_ZK_UNREACHABLE, &stop), 0);
        CHECK_INT(r.gave_up, 1);
        ib_retry_begin(&r, "op", 0); /* no budget: no retries */
        CHECK_INT(ib_retry_again(&r, IB_ERR_ZK_UNREACHABLE, NULL), 0);
}

int main(void) {
        IB_RUN(test_transient_errors);
        IB_RUN(test_kafka_codes);
        IB_RUN(test_not_transient_is_not_retried);
        IB_RUN(test_backoff_doubles_within_the_budget);
        IB_RUN(test_stop_request_ends_it);
        return IB_DONE();
}
