/*
 * mode.c: the idle clock and group-wait flag a mode shares with the runner.
 * Modes set them from their own threads (a receive thread, librdkafka's
 * rebalance callback), so every access is atomic.
 */
#include "mode.h"

#include "clock.h"

void ib_mode_active(ib_mode_ctx_t *ctx) {
        __atomic_store_n(&ctx->last_activity_us, ib_mono_us(), __ATOMIC_RELAXED);
}

void ib_mode_waiting(ib_mode_ctx_t *ctx, int waiting) {
        __atomic_store_n(&ctx->waiting_for_group, waiting, __ATOMIC_RELAXED);
        ib_mode_active(ctx);
}

int64_t ib_mode_idle_us(ib_mode_ctx_t *ctx, int64_t now_us) {
        if (__atomic_load_n(&ctx->waiting_for_group, __ATOMIC_RELAXED)) {
                __atomic_store_n(&ctx->last_activity_us, now_us, __ATOMIC_RELAXED);
                return 0;
        }
        return now_us - __atomic_load_n(&ctx->last_activity_us, __ATOMIC_RELAXED);
}
