/*
 * mode.c: the idle clock and group-wait flag a mode shares with the runner.
 * Modes set them from their own threads (a receive thread, librdkafka's
 * rebalance callback), so every access is atomic.
 */
#include "mode.h"
#include "events.h"

#include "clock.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

struct ib_mode_track_s {
        int64_t last_activity_us;
        int waiting_for_group;
        int assigned;                   /* partitions were gained since the runner last looked */
        uint64_t retry_episodes, retry_attempts, retry_gave_up;
        int64_t retry_waited_ms;
};

struct ib_mode_track_s *ib_mode_track_new(void) { return calloc(1, sizeof(struct ib_mode_track_s)); }

void ib_mode_track_free(struct ib_mode_track_s *t) { free(t); }

void ib_mode_active(ib_mode_ctx_t *ctx) {
        __atomic_store_n(&ctx->track->last_activity_us, ib_mono_us(), __ATOMIC_RELAXED);
}

void ib_mode_assigned(ib_mode_ctx_t *ctx) {
        __atomic_store_n(&ctx->track->assigned, 1, __ATOMIC_RELAXED);
        ib_mode_active(ctx);
}

void ib_mode_waiting(ib_mode_ctx_t *ctx, int waiting) {
        __atomic_store_n(&ctx->track->waiting_for_group, waiting, __ATOMIC_RELAXED);
        ib_mode_active(ctx);
}

int64_t ib_mode_idle_us(ib_mode_ctx_t *ctx, int64_t now_us) {
        struct ib_mode_track_s *t = ctx->track;
        if (__atomic_load_n(&t->waiting_for_group, __ATOMIC_RELAXED)) {
                __atomic_store_n(&t->last_activity_us, now_us, __ATOMIC_RELAXED);
                return 0;
        }
        return now_us - __atomic_load_n(&t->last_activity_us, __ATOMIC_RELAXED);
}

int ib_mode_take_assigned(ib_mode_ctx_t *ctx) {
        return __atomic_exchange_n(&ctx->track->assigned, 0, __ATOMIC_RELAXED);
}

json_t *ib_mode_retries_json(const ib_mode_ctx_t *ctx) {
        const struct ib_mode_track_s *t = ctx->track;
        return json_pack("{s:I,s:I,s:I,s:I}", "episodes",
                         (json_int_t)__atomic_load_n(&t->retry_episodes, __ATOMIC_RELAXED), "attempts",
                         (json_int_t)__atomic_load_n(&t->retry_attempts, __ATOMIC_RELAXED), "gave_up",
                         (json_int_t)__atomic_load_n(&t->retry_gave_up, __ATOMIC_RELAXED), "waited_ms",
                         (json_int_t)__atomic_load_n(&t->retry_waited_ms, __ATOMIC_RELAXED));
}

void ib_mode_retry_begin(ib_mode_ctx_t *ctx, ib_retry_t *rt, const char *op) {
        ib_retry_begin(rt, op, ctx->cfg->retry_budget_ms);
}

int ib_mode_retry(ib_mode_ctx_t *ctx, ib_retry_t *rt, ib_err_t err) {
        return ib_retry_again(rt, err, ctx->stop);
}

ib_err_t ib_mode_retry_end(ib_mode_ctx_t *ctx, ib_retry_t *rt, ib_err_t err, char *errstr, size_t errstr_size) {
        if (rt->retries == 0 && !rt->gave_up)
                return err; /* nothing was retried: no episode */
        struct ib_mode_track_s *t = ctx->track;
        __atomic_add_fetch(&t->retry_episodes, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&t->retry_attempts, (uint64_t)rt->attempts, __ATOMIC_RELAXED);
        __atomic_add_fetch(&t->retry_waited_ms, rt->waited_ms, __ATOMIC_RELAXED);
        __atomic_add_fetch(&t->retry_gave_up, (uint64_t)rt->gave_up, __ATOMIC_RELAXED);
        ib_eventlog_retry(ctx->events, rt, err, errstr);
        if (!rt->gave_up)
                return err;
        char last[512];
        snprintf(last, sizeof(last), "%s", errstr);
        ib_err_t final = ib_retry_final(rt, err);
        ib_seterr(errstr, errstr_size, final, "%s: gave up after %d attempts in %" PRId64 " ms (--retry-budget-ms %" PRId64
                  "): %s", rt->op, rt->attempts, (ib_mono_us() - rt->started_us) / 1000, rt->budget_ms, last);
        return final;
}

ib_err_t ib_mode_list_offsets(ib_mode_ctx_t *ctx, rd_kafka_t *rk, const int32_t *partitions, int n, int64_t which,
                              int64_t *offsets, char *errstr, size_t errstr_size) {
        ib_retry_t rt;
        ib_err_t err;
        ib_mode_retry_begin(ctx, &rt, which == RD_KAFKA_OFFSET_END ? "listing latest offsets" : "listing earliest offsets");
        while ((err = ib_kafka_list_offsets(rk, ctx->cfg->topic, partitions, n, which, offsets,
                                            (int)ctx->cfg->connect_timeout_ms, errstr, errstr_size)) &&
               ib_mode_retry(ctx, &rt, err))
                ;
        return ib_mode_retry_end(ctx, &rt, err, errstr, errstr_size);
}

ib_err_t ib_mode_read_range(ib_mode_ctx_t *ctx, ib_rangereader_t *rr, int32_t p, int64_t from, int64_t until,
                            ib_batch_t *batch, char *errstr, size_t errstr_size) {
        ib_retry_t rt;
        ib_err_t err;
        ib_mode_retry_begin(ctx, &rt, "reading a range");
        while ((err = ib_rangereader_read(rr, p, from, until, batch, errstr, errstr_size)) && ib_mode_retry(ctx, &rt, err))
                ;
        return ib_mode_retry_end(ctx, &rt, err, errstr, errstr_size);
}

void ib_lag_set(json_t *lag, int32_t partition, int64_t records) {
        char key[16];
        snprintf(key, sizeof(key), "%d", (int)partition);
        json_object_set_new(lag, key, json_integer(records > 0 ? records : 0));
}
