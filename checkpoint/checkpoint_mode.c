/*
 * checkpoint_mode.c: the checkpoint mode. Partitions are assigned
 * explicitly (--partitions, --worker I/N); progress lives in a local
 * checkpoint file (checkpoint.h) that pins each partition's next range, the
 * way a stream job's checkpoint records the offset ranges of the batch it
 * generated:
 *
 *   open        load the checkpoint (or its fallback, per policy), pin a
 *               first range for every partition, store the checkpoint
 *   next_batch  read exactly the pinned ranges (core/rangereader.c)
 *   commit      after the sink is durable: one ListOffsets round, pin the
 *               next ranges, store the checkpoint atomically
 *
 * A crash anywhere leaves a checkpoint whose pinned ranges are the ones that
 * may have been written: the restart reads them again, the dir sink rewrites
 * the same files, and no duplicate is visible.
 */
#include "checkpoint_mode.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "checkpoint.h"
#include "hist.h"
#include "kafka.h"
#include "rangereader.h"
#include "stats.h"

typedef struct ck_s {
        ib_mode_ctx_t *ctx;
        const ib_config_t *cfg;
        ib_rangereader_t *rr;
        rd_kafka_t *rk;
        int nparts;
        int n;                  /* partitions this worker reads */
        int32_t *ids;           /* their numbers */
        int64_t *from, *until;  /* pinned ranges */
        int64_t *latest;        /* scratch */
        ib_checkpoint_t *ck;    /* what is stored */
        char dir[1024];
        uint64_t batch_seq;
        /* figures */
        uint32_t loaded_version;
        const char *loaded_from; /* "checkpoint", "checkpoint.prev", "earliest", "latest", "none" */
        uint64_t stores, skipped;
        ib_hist_t store_us;
} ck_t;

/* Parses "0,1,2" into ids (all < nparts). returns the count, or -1. */
static int parse_list(const char *s, int nparts, int32_t *ids) {
        int n = 0;
        while (*s) {
                char *end;
                long v = strtol(s, &end, 10);
                if (end == s || v < 0 || v >= nparts || n == nparts)
                        return -1;
                for (int i = 0; i < n; i++)
                        if (ids[i] == v)
                                return -1;
                ids[n++] = (int32_t)v;
                if (*end == ',')
                        end++;
                else if (*end)
                        return -1;
                s = end;
        }
        return n;
}

static ib_err_t choose_partitions(ck_t *k, char *errstr, size_t errstr_size) {
        const ib_config_t *cfg = k->cfg;
        if (cfg->partitions) {
                k->n = parse_list(cfg->partitions, k->nparts, k->ids);
                if (k->n <= 0)
                        return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                         "--partitions takes distinct numbers from 0 to %d, comma-separated, not '%s'",
                                         k->nparts - 1, cfg->partitions);
                return IB_OK;
        }
        int w = 0, of = 1;
        if (cfg->worker && (sscanf(cfg->worker, "%d/%d", &w, &of) != 2 || of < 1 || w < 0 || w >= of))
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--worker takes I/N with 0 <= I < N, not '%s'", cfg->worker);
        k->n = 0;
        for (int32_t p = w; p < k->nparts; p += of)
                k->ids[k->n++] = p;
        if (k->n == 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--worker %s gets no partition of %s (%d partitions)", cfg->worker, cfg->topic,
                                 k->nparts);
        return IB_OK;
}

static ib_err_t store(ck_t *k, char *errstr, size_t errstr_size) {
        /* keep entries of partitions this worker does not read (another run's) */
        for (int i = 0; i < k->n; i++) {
                ib_ckpt_part_t *e = (ib_ckpt_part_t *)ib_checkpoint_find(k->ck, k->ids[i]);
                if (!e && k->ck->count < IB_CKPT_MAX_PARTITIONS)
                        e = &k->ck->parts[k->ck->count++];
                if (e)
                        *e = (ib_ckpt_part_t){k->ids[i], k->from[i], k->until[i]};
        }
        snprintf(k->ck->topic, sizeof(k->ck->topic), "%s", k->cfg->topic);
        snprintf(k->ck->group, sizeof(k->ck->group), "%s", k->cfg->group);
        k->ck->batch = k->batch_seq;
        k->ck->written_ms = ib_now_ms();
        int64_t t0 = ib_mono_us();
        ib_err_t err = ib_checkpoint_store(k->dir, k->ck, errstr, errstr_size);
        ib_hist_record(&k->store_us, (uint64_t)(ib_mono_us() - t0));
        if (!err)
                k->stores++;
        return err;
}

/* Loads the checkpoint, or its fallback, as --checkpoint-recovery says. */
static ib_err_t load(ck_t *k, int *start_at, char *errstr, size_t errstr_size) {
        char cur[1100], prev[1100], why[1024] = "";
        snprintf(cur, sizeof(cur), "%s/checkpoint", k->dir);
        snprintf(prev, sizeof(prev), "%s/checkpoint.prev", k->dir);
        const char *rec = k->cfg->checkpoint_recovery;
        *start_at = RD_KAFKA_OFFSET_BEGINNING; /* for partitions the checkpoint lacks */
        ib_err_t err = ib_checkpoint_read(cur, k->ck, why, sizeof(why));
        if (err == IB_OK) {
                k->loaded_from = "checkpoint";
        } else if (err == IB_ERR_NOT_FOUND) {
                /* never written, or a crash between the two renames: the fallback is the latest */
                err = ib_checkpoint_read(prev, k->ck, why, sizeof(why));
                if (err == IB_ERR_NOT_FOUND) {
                        memset(k->ck, 0, sizeof(*k->ck));
                        k->loaded_from = "none";
                        return IB_OK;
                }
                if (err)
                        return ib_seterr(errstr, errstr_size, err, "%s", why);
                k->loaded_from = "checkpoint.prev";
        } else if (!rec) {
                return ib_seterr(errstr, errstr_size, err,
                                 "%s (start anyway with --checkpoint-recovery previous|earliest|latest)", why);
        } else {
                ib_eventlog_emit(k->ctx->events, "checkpoint_damaged",
                                 json_pack("{s:s,s:s}", "error", why, "recovery", rec));
                fprintf(stderr, "ingestbench run: %s; recovering with %s\n", why, rec);
                if (!strcmp(rec, "previous")) {
                        char why2[1024];
                        if ((err = ib_checkpoint_read(prev, k->ck, why2, sizeof(why2))))
                                return ib_seterr(errstr, errstr_size, err, "%s, and the fallback: %s", why, why2);
                        k->loaded_from = "checkpoint.prev";
                } else {
                        memset(k->ck, 0, sizeof(*k->ck));
                        k->loaded_from = rec;
                        if (!strcmp(rec, "latest"))
                                *start_at = RD_KAFKA_OFFSET_END;
                        return IB_OK;
                }
        }
        if (strcmp(k->ck->topic, k->cfg->topic))
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "%s holds offsets of topic '%s', not '%s'", cur, k->ck->topic, k->cfg->topic);
        k->loaded_version = k->ck->version;
        k->batch_seq = k->ck->batch;
        return IB_OK;
}

static void *ck_open(ib_mode_ctx_t *ctx, ib_err_t *err, char *errstr, size_t errstr_size) {
        const ib_config_t *cfg = ctx->cfg;
        ck_t *k = calloc(1, sizeof(*k));
        if (!k || !(k->ck = calloc(1, sizeof(*k->ck)))) {
                free(k);
                *err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                return NULL;
        }
        k->ctx = ctx;
        k->cfg = cfg;
        ib_hist_init(&k->store_us);
        snprintf(k->dir, sizeof(k->dir), "%s", cfg->state_dir);
        if (!(k->rr = ib_rangereader_open(ctx->brokers, cfg, ctx->events, err, errstr, errstr_size)))
                goto fail;
        k->rk = ib_rangereader_kafka(k->rr);
        k->nparts = ib_rangereader_partitions(k->rr);
        size_t np = (size_t)k->nparts;
        k->ids = calloc(np, sizeof(*k->ids));
        k->from = calloc(np, sizeof(*k->from));
        k->until = calloc(np, sizeof(*k->until));
        k->latest = calloc(np, sizeof(*k->latest));
        if (!k->ids || !k->from || !k->until || !k->latest) {
                *err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                goto fail;
        }
        int start_at;
        if ((*err = choose_partitions(k, errstr, errstr_size)) || (*err = load(k, &start_at, errstr, errstr_size)))
                goto fail;
        int64_t *start = calloc(np, sizeof(*start));
        if (!start) {
                *err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                goto fail;
        }
        if ((*err = ib_kafka_list_offsets(k->rk, cfg->topic, k->ids, k->n, RD_KAFKA_OFFSET_END, k->latest,
                                          cfg->connect_timeout_ms, errstr, errstr_size)) ||
            (*err = ib_kafka_list_offsets(k->rk, cfg->topic, k->ids, k->n, start_at, start,
                                          cfg->connect_timeout_ms, errstr, errstr_size))) {
                free(start);
                goto fail;
        }
        json_t *parts = json_array();
        for (int i = 0; i < k->n; i++) {
                const ib_ckpt_part_t *e = ib_checkpoint_find(k->ck, k->ids[i]);
                k->from[i] = e ? e->offset : start[i];
                /* keep a pinned range: its output may have been written */
                k->until[i] = e && e->next_until > e->offset
                                  ? e->next_until
                                  : ib_range_next_until(k->from[i], k->latest[i], k->cfg->max_records_per_partition);
                json_array_append_new(parts, json_pack("{s:i,s:I,s:I,s:b}", "partition", (int)k->ids[i],
                                                       "from", (json_int_t)k->from[i], "until", (json_int_t)k->until[i],
                                                       "inherited_range", e && e->next_until > e->offset));
        }
        free(start);
        ib_eventlog_emit(ctx->events, "checkpoint_loaded",
                         json_pack("{s:s,s:i,s:o}", "from", k->loaded_from, "version", (int)k->loaded_version,
                                   "partitions", parts));
        if ((*err = store(k, errstr, errstr_size))) /* the first ranges are pinned before reading */
                goto fail;
        *err = IB_OK;
        return k;
fail:
        ib_mode_checkpoint.close(k);
        return NULL;
}

static ib_err_t ck_next_batch(void *st, ib_batch_t *batch, int wait_ms, char *errstr, size_t errstr_size) {
        ck_t *k = st;
        ib_rangereader_release(k->rr);
        batch->topic = k->cfg->topic;
        int pending = 0;
        for (int i = 0; i < k->n; i++)
                pending |= k->until[i] > k->from[i];
        if (!pending) {
                ib_sleep_ms(wait_ms);
                return IB_OK;
        }
        batch->seq = ++k->batch_seq;
        for (int i = 0; i < k->n; i++) {
                if (k->until[i] <= k->from[i])
                        continue;
                ib_err_t err = ib_rangereader_read(k->rr, k->ids[i], k->from[i], k->until[i], batch, errstr,
                                                   errstr_size);
                if (err)
                        return err;
        }
        return IB_OK;
}

static ib_err_t ck_commit(void *st, const ib_batch_t *batch, char *errstr, size_t errstr_size) {
        ck_t *k = st;
        ib_err_t err = ib_kafka_list_offsets(k->rk, k->cfg->topic, k->ids, k->n, RD_KAFKA_OFFSET_END, k->latest,
                                             k->cfg->connect_timeout_ms, errstr, errstr_size);
        if (err)
                return err;
        int changed = 0;
        for (int i = 0; i < k->n; i++) {
                int64_t offset = k->from[i];
                for (size_t r = 0; r < batch->nranges; r++)
                        if (batch->ranges[r].partition == k->ids[i])
                                offset = batch->ranges[r].until;
                int64_t until = ib_range_next_until(offset, k->latest[i], k->cfg->max_records_per_partition);
                changed |= offset != k->from[i] || until != k->until[i];
                k->from[i] = offset;
                k->until[i] = until;
        }
        if (!changed) {
                k->skipped++;
                return IB_OK;
        }
        if ((err = store(k, errstr, errstr_size)))
                return err;
        if (batch->nranges)
                ib_eventlog_emit(k->ctx->events, "checkpoint",
                                 json_pack("{s:I,s:b}", "batch", (json_int_t)batch->seq, "ok", 1));
        return IB_OK;
}

static void ck_close(void *st) {
        ck_t *k = st;
        if (!k)
                return;
        ib_rangereader_close(k->rr);
        free(k->ids);
        free(k->from);
        free(k->until);
        free(k->latest);
        free(k->ck);
        free(k);
}

static void ck_stats(void *st, json_t *out) {
        ck_t *k = st;
        json_t *pos = json_object();
        for (int i = 0; i < k->n; i++) {
                char key[16];
                snprintf(key, sizeof(key), "%d", (int)k->ids[i]);
                json_object_set_new(pos, key, json_pack("{s:I,s:I}", "offset", (json_int_t)k->from[i],
                                                        "pinned_until", (json_int_t)k->until[i]));
        }
        json_object_set_new(out, "partitions", pos);
        json_object_set_new(out, "loaded_from", json_string(k->loaded_from ? k->loaded_from : "none"));
        json_object_set_new(out, "loaded_version", json_integer(k->loaded_version));
        json_object_set_new(out, "checkpoints_written", json_integer((json_int_t)k->stores));
        json_object_set_new(out, "checkpoints_skipped_unchanged", json_integer((json_int_t)k->skipped));
        json_object_set_new(out, "checkpoint_write_ms", ib_hist_to_json_ms(&k->store_us));
}

const ib_mode_t ib_mode_checkpoint = {
    ck_open,        /* open */
    NULL,           /* recover: the pinned ranges in the checkpoint are the recovery */
    ck_next_batch,  /* next_batch */
    ck_commit,      /* commit */
    ck_stats,       /* stats */
    ck_close,       /* close */
    "checkpoint",   /* name */
    "explicit partitions, offsets and pinned ranges in a local checkpoint file written atomically",
};
