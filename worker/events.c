/*
 * events.c: the events a mode writes for the checker (events.h).
 */
#include "events.h"

void ib_event_assign(ib_mode_ctx_t *ctx, int32_t p, int epoch, int64_t from, int64_t until, int inherited,
                     int adopted) {
        json_t *f = json_pack("{s:i,s:i,s:I,s:I,s:b}", "partition", (int)p, "epoch", epoch, "from", (json_int_t)from,
                              "until", (json_int_t)until, "inherited_range", inherited);
        if (f && adopted)
                json_object_set_new(f, "adopted", json_true());
        ib_eventlog_emit(ctx->events, IB_EV_ASSIGN, f);
}

void ib_event_revoke(ib_mode_ctx_t *ctx, int32_t p, int epoch, const char *reason) {
        ib_eventlog_emit(ctx->events, IB_EV_REVOKE,
                         json_pack("{s:i,s:i,s:s}", "partition", (int)p, "epoch", epoch, "reason", reason));
}

void ib_event_fenced(ib_mode_ctx_t *ctx, int32_t p, int epoch, int by_epoch, const char *reason) {
        ib_eventlog_emit(ctx->events, IB_EV_FENCED,
                         json_pack("{s:i,s:i,s:i,s:s}", "partition", (int)p, "epoch", epoch, "by_epoch", by_epoch,
                                   "reason", reason));
}

void ib_event_commit_request(ib_mode_ctx_t *ctx, int64_t batch, const char *how, int generation, json_t *offsets) {
        ib_eventlog_emit(ctx->events, IB_EV_COMMIT,
                         json_pack("{s:I,s:s,s:i,s:o}", "batch", (json_int_t)batch, "how", how, "generation",
                                   generation, "offsets", offsets));
}

void ib_event_commit_result(ib_mode_ctx_t *ctx, const char *how, const char *error, int generation, json_t *offsets) {
        ib_eventlog_emit(ctx->events, IB_EV_COMMIT_RESULT,
                         json_pack("{s:s,s:b,s:s?,s:i,s:o}", "how", how, "ok", error == NULL, "error", error,
                                   "generation", generation, "offsets", offsets));
}

void ib_event_commit_multi(ib_mode_ctx_t *ctx, int64_t batch, ib_err_t err, json_t *partitions, double multi_ms) {
        ib_eventlog_emit(ctx->events, IB_EV_COMMIT,
                         json_pack("{s:I,s:b,s:s,s:o,s:f}", "batch", (json_int_t)batch, "ok", err == IB_OK, "error",
                                   ib_err2name(err), "partitions", partitions, "multi_ms", multi_ms));
}

void ib_event_commit_offsets(ib_mode_ctx_t *ctx, int64_t batch, int64_t records, const char *to, int ok,
                             const char *error, json_t *offsets, double commit_ms, int attempts) {
        ib_eventlog_emit(ctx->events, IB_EV_COMMIT,
                         json_pack("{s:I,s:I,s:s,s:b,s:s?,s:o,s:f,s:i}", "batch", (json_int_t)batch, "records",
                                   (json_int_t)records, "to", to, "ok", ok, "error", error, "offsets", offsets,
                                   "commit_ms", commit_ms, "attempts", attempts));
}

void ib_event_commit_landed(ib_mode_ctx_t *ctx, int64_t batch, int partitions) {
        ib_eventlog_emit(ctx->events, IB_EV_COMMIT_LANDED,
                         json_pack("{s:I,s:i}", "batch", (json_int_t)batch, "partitions", partitions));
}

void ib_event_checkpoint(ib_mode_ctx_t *ctx, int64_t batch) {
        ib_eventlog_emit(ctx->events, IB_EV_CHECKPOINT, json_pack("{s:I,s:b}", "batch", (json_int_t)batch, "ok", 1));
}
