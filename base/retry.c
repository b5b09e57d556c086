/*
 * retry.c: bounded exponential backoff; see retry.h. Waits are slept in
 * slices of at most 100 ms so a stop request is seen promptly.
 */
#include "retry.h"

#include "clock.h"

int ib_err_transient(ib_err_t err) {
        switch (err) {
        case IB_ERR_KAFKA_UNREACHABLE:
        case IB_ERR_KAFKA_RETRIABLE:
        case IB_ERR_ZK_UNREACHABLE:
        case IB_ERR_TIMED_OUT:
                return 1;
        default:
                return 0;
        }
}

void ib_retry_begin(ib_retry_t *r, const char *op, int64_t budget_ms) {
        *r = (ib_retry_t){op, budget_ms, 0, 0, 0, IB_RETRY_FIRST_BACKOFF_MS, 0, IB_OK, 0};
}

int ib_retry_again(ib_retry_t *r, ib_err_t err, volatile sig_atomic_t *stop) {
        int64_t now = ib_mono_us();
        if (r->attempts++ == 0)
                r->started_us = now;
        r->last = err;
        if (!ib_err_transient(err))
                return 0;
        int64_t left_ms = r->budget_ms - (now - r->started_us) / 1000;
        if (left_ms <= 0 || (stop && *stop)) {
                r->gave_up = 1;
                return 0;
        }
        int64_t wait = r->backoff_ms < left_ms ? r->backoff_ms : left_ms;
        for (int64_t slept = 0; slept < wait && !(stop && *stop); slept += 100)
                ib_sleep_ms(wait - slept < 100 ? wait - slept : 100);
        r->waited_ms += wait;
        r->retries++;
        r->backoff_ms = r->backoff_ms * 2 < IB_RETRY_MAX_BACKOFF_MS ? r->backoff_ms * 2 : IB_RETRY_MAX_BACKOFF_MS;
        return 1;
}

ib_err_t ib_retry_final(const ib_retry_t *r, ib_err_t err) {
        if (!r->gave_up)
                return err;
        switch (err) {
        case IB_ERR_ZK_UNREACHABLE:
                return IB_ERR_ZK_UNREACHABLE;
        case IB_ERR_KAFKA_UNREACHABLE:
        case IB_ERR_KAFKA_RETRIABLE:
        case IB_ERR_TIMED_OUT:
                return IB_ERR_KAFKA_UNREACHABLE;
        default:
                return err;
        }
}
