/*
 * checkpoint.c: the checkpoint mode. Partitions are assigned
 * explicitly (--partitions, --worker I/N); progress lives in a local
 * checkpoint file (checkpoint_file.h) that pins each partition's next range, the
 * way a stream job's checkpoint records the offset ranges of the batch it
 * generated:
 *
 *   open        load the checkpoint (or its fallback, per policy), pin a
 *               first range for every partition, store the checkpoint
 *   next_batch  read exactly the pinned ranges (kafka/rangereader.c)
 *   commit      after the sink is durable: pin the next ranges (a
 *               ListOffsets round only when a known end could cut one),
 *               store the checkpoint atomically, on a thread of its own
 *               while the next batch reads the ranges it pins; that batch
 *               goes to the pipeline only once the checkpoint is stored
 *
 * A crash anywhere leaves a checkpoint whose pinned ranges are the ones that
 * may have been written: the restart reads them again, the dir sink rewrites
 * the same files, and no duplicate is visible.
 */
#include "mode.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "checkpoint_file.h"
#include "clock.h"
#include "hist.h"
#include "kafka.h"
#include "rangereader.h"
#include "stats.h"

/* The checkpoint mode's options. */
typedef struct checkpoint_conf_s {
        const char *partitions;   /* "0,1,2": partitions to read; NULL: see worker */
        const char *worker;       /* "I/N": every Nth partition from I; NULL: all */
        int recovery;             /* index in recovery_names; -1: refuse a damaged checkpoint */
        ib_range_conf_t range;    /* --max-records-per-partition */
} checkpoint_conf_t;

enum { REC_PREVIOUS, REC_EARLIEST, REC_LATEST };
static const char *const recovery_names[] = {"previous", "earliest", "latest", NULL};

static ib_err_t check_worker(const char *flag, const char *value, char *errstr, size_t errstr_size) {
        int w, of;
        char end;
        if (sscanf(value, "%d/%d%c", &w, &of, &end) != 2 || of < 1 || w < 0 || w >= of)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "%s takes I/N with 0 <= I < N, not '%s'", flag, value);
        return IB_OK;
}

static const ib_option_t checkpoint_options[] = {
    IB_OPT_STR(checkpoint_conf_t, partitions, "partitions", "LIST", NULL, "partitions to read, e.g. 0,1,2 (default: all)"),
    IB_OPT_STR_CHECKED(checkpoint_conf_t, worker, "worker", "I/N", NULL, check_worker,
                       "every Nth partition starting at I (an even split)"),
    IB_OPT_CHOICE(checkpoint_conf_t, recovery, "checkpoint-recovery", recovery_names, NULL,
                  "what to do when the checkpoint is damaged (default: refuse)"),
    IB_OPT_INCLUDE(checkpoint_conf_t, range, ib_range_options),
    IB_OPT_END,
};

typedef struct checkpoint_s {
        ib_mode_ctx_t *ctx;
        const ib_config_t *cfg;
        const checkpoint_conf_t *conf;
        ib_rangereader_t *rr;
        rd_kafka_t *rk;
        int nparts;
        int n;                  /* partitions this worker reads */
        int32_t *ids;           /* their numbers */
        ib_pin_t *pins;         /* their pinned ranges */
        int64_t *latest;        /* the ends the last ListOffsets gave (ib_pin_needs_end) */
        ib_checkpoint_t *ck;    /* what is stored */
        char dir[1024];
        uint64_t batch_seq;
        /* figures */
        uint32_t loaded_version;
        const char *loaded_from; /* "checkpoint", "checkpoint.prev", "earliest", "latest", "none" */
        uint64_t stores, skipped, store_bytes;
        ib_hist_t store_us;
        /* the store in flight, on store_thread */
        pthread_t store_thread;
        int storing, store_event;
        uint64_t store_seq;
        ib_err_t store_err;
        char store_errstr[512];
        ib_err_t deferred_err;  /* a store that failed, joined but not yet told (by next_batch) */
} checkpoint_t;

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

static ib_err_t choose_partitions(checkpoint_t *k, char *errstr, size_t errstr_size) {
        const checkpoint_conf_t *conf = k->conf;
        if (conf->partitions) {
                k->n = parse_list(conf->partitions, k->nparts, k->ids);
                if (k->n <= 0)
                        return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                         "--partitions takes distinct numbers from 0 to %d, comma-separated, not '%s'",
                                         k->nparts - 1, conf->partitions);
                return IB_OK;
        }
        int w = 0, of = 1;
        if (conf->worker)
                sscanf(conf->worker, "%d/%d", &w, &of); /* checked by check_worker */
        k->n = 0;
        for (int32_t p = w; p < k->nparts; p += of)
                k->ids[k->n++] = p;
        if (k->n == 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--worker %s gets no partition of %s (%d partitions)", conf->worker, k->cfg->topic,
                                 k->nparts);
        return IB_OK;
}

/* What the checkpoint will hold: every pin of this worker's partitions
 * (entries of partitions it does not read, another run's, are kept). */
static void fill(checkpoint_t *k) {
        for (int i = 0; i < k->n; i++) {
                ib_ckpt_part_t *e = (ib_ckpt_part_t *)ib_checkpoint_find(k->ck, k->ids[i]);
                if (!e && k->ck->count < IB_CKPT_MAX_PARTITIONS)
                        e = &k->ck->parts[k->ck->count++];
                if (e)
                        *e = (ib_ckpt_part_t){k->ids[i], k->pins[i].from, k->pins[i].until};
        }
        snprintf(k->ck->topic, sizeof(k->ck->topic), "%s", k->cfg->topic);
        snprintf(k->ck->group, sizeof(k->ck->group), "%s", k->cfg->group);
        k->ck->batch = k->batch_seq;
        k->ck->written_ms = ib_now_ms();
}

/* Writes what fill() put in k->ck, and counts it. */
static ib_err_t write_ck(checkpoint_t *k, char *errstr, size_t errstr_size) {
        int64_t t0 = ib_mono_us();
        size_t written = 0;
        ib_err_t err = ib_checkpoint_store(k->dir, k->ck, &written, errstr, errstr_size);
        ib_hist_record(&k->store_us, (uint64_t)(ib_mono_us() - t0));
        if (!err)
                k->stores++, k->store_bytes += written;
        return err;
}

static ib_err_t store(checkpoint_t *k, char *errstr, size_t errstr_size) {
        fill(k);
        return write_ck(k, errstr, errstr_size);
}

/* The store thread: the checkpoint write of batch store_seq, nothing else of
 * the mode's state (its figures and event are the write's own). */
static void *store_main(void *arg) {
        checkpoint_t *k = arg;
        k->store_err = write_ck(k, k->store_errstr, sizeof(k->store_errstr));
        if (!k->store_err && k->store_event)
                ib_event_checkpoint(k->ctx, (int64_t)k->store_seq);
        return NULL;
}

/* Waits for the store in flight; a failure is kept for finish_store(). */
static void join_store(checkpoint_t *k) {
        if (!k->storing)
                return;
        pthread_join(k->store_thread, NULL);
        k->storing = 0;
        if (k->store_err)
                k->deferred_err = k->store_err;
}

/* Waits for the store in flight: its error (or one joined earlier), if it failed. */
static ib_err_t finish_store(checkpoint_t *k, char *errstr, size_t errstr_size) {
        join_store(k);
        ib_err_t err = k->deferred_err;
        k->deferred_err = IB_OK;
        return err ? ib_seterr(errstr, errstr_size, err, "%s", k->store_errstr) : IB_OK;
}

/* Loads the checkpoint, or its fallback, as --checkpoint-recovery says. */
static ib_err_t load(checkpoint_t *k, int *start_at, char *errstr, size_t errstr_size) {
        char cur[1100], prev[1100], why[1024] = "";
        snprintf(cur, sizeof(cur), "%s/checkpoint", k->dir);
        snprintf(prev, sizeof(prev), "%s/checkpoint.prev", k->dir);
        const char *rec = k->conf->recovery >= 0 ? recovery_names[k->conf->recovery] : NULL;
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
                if (k->conf->recovery == REC_PREVIOUS) {
                        char why2[1024];
                        if ((err = ib_checkpoint_read(prev, k->ck, why2, sizeof(why2))))
                                return ib_seterr(errstr, errstr_size, err, "%s, and the fallback: %s", why, why2);
                        k->loaded_from = "checkpoint.prev";
                } else {
                        memset(k->ck, 0, sizeof(*k->ck));
                        k->loaded_from = rec;
                        if (k->conf->recovery == REC_LATEST)
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

static ib_err_t checkpoint_configure(void *conf, const ib_config_t *cfg, char *errstr, size_t errstr_size) {
        (void)cfg;
        const checkpoint_conf_t *k = conf;
        if (k->partitions && k->worker)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--partitions and --worker contradict each other: give one");
        return IB_OK;
}

/* Pins a first range for every partition this worker reads: the one the
 * checkpoint pinned (its output may have been written), else from the
 * checkpoint's offset, else from @p start_at; then stores the checkpoint, so
 * the ranges are pinned before anything is read. */
static ib_err_t pin_first_ranges(checkpoint_t *k, int start_at, char *errstr, size_t errstr_size) {
        int64_t *start = calloc((size_t)k->nparts, sizeof(*start));
        if (!start)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        ib_err_t err;
        if ((err = ib_mode_list_offsets(k->ctx, k->rk, k->ids, k->n, RD_KAFKA_OFFSET_END, k->latest, errstr, errstr_size)) ||
            (err = ib_mode_list_offsets(k->ctx, k->rk, k->ids, k->n, start_at, start, errstr, errstr_size))) {
                free(start);
                return err;
        }
        json_t *parts = json_array();
        for (int i = 0; i < k->n; i++) {
                const ib_ckpt_part_t *e = ib_checkpoint_find(k->ck, k->ids[i]);
                int inherited = e && e->next_until > e->offset;
                int64_t from = e ? e->offset : start[i];
                k->pins[i] = (ib_pin_t){from, inherited ? e->next_until
                                                        : ib_range_next_until(from, k->latest[i],
                                                                              k->conf->range.max_records_per_partition)};
                json_array_append_new(parts, json_pack("{s:i,s:I,s:I,s:b}", "partition", (int)k->ids[i],
                                                       "from", (json_int_t)k->pins[i].from, "until",
                                                       (json_int_t)k->pins[i].until, "inherited_range", inherited));
        }
        free(start);
        ib_eventlog_emit(k->ctx->events, "checkpoint_loaded",
                         json_pack("{s:s,s:i,s:o}", "from", k->loaded_from, "version", (int)k->loaded_version,
                                   "partitions", parts));
        return store(k, errstr, errstr_size);
}

static ib_err_t checkpoint_open(ib_mode_ctx_t *ctx, void **st, char *errstr, size_t errstr_size) {
        const ib_config_t *cfg = ctx->cfg;
        checkpoint_t *k = calloc(1, sizeof(*k));
        if (!k || !(k->ck = calloc(1, sizeof(*k->ck)))) {
                free(k);
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        }
        *st = k;
        k->ctx = ctx;
        k->cfg = cfg;
        k->conf = ctx->conf;
        ib_hist_init(&k->store_us);
        snprintf(k->dir, sizeof(k->dir), "%s", cfg->state_dir);
        ib_err_t err;
        if ((err = ib_rangereader_open(ctx->brokers, cfg->topic, &cfg->props, (int)cfg->connect_timeout_ms,
                                       ctx->events, &k->rr, errstr, errstr_size)))
                return err;
        k->rk = ib_rangereader_kafka(k->rr);
        k->nparts = ib_rangereader_partitions(k->rr);
        size_t np = (size_t)k->nparts;
        k->ids = calloc(np, sizeof(*k->ids));
        k->pins = calloc(np, sizeof(*k->pins));
        k->latest = calloc(np, sizeof(*k->latest));
        if (!k->ids || !k->pins || !k->latest)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        int start_at;
        if ((err = choose_partitions(k, errstr, errstr_size)) || (err = load(k, &start_at, errstr, errstr_size)))
                return err;
        return pin_first_ranges(k, start_at, errstr, errstr_size);
}

static ib_err_t checkpoint_next_batch(void *st, ib_batch_t *batch, int wait_ms, char *errstr, size_t errstr_size) {
        checkpoint_t *k = st;
        ib_rangereader_release(k->rr);
        batch->topic = k->cfg->topic;
        int pending = 0;
        for (int i = 0; i < k->n; i++)
                pending |= k->pins[i].until > k->pins[i].from;
        if (!pending) {
                char serr[512];
                ib_err_t err = finish_store(k, serr, sizeof(serr));
                if (err)
                        return ib_seterr(errstr, errstr_size, err, "%s", serr);
                ib_sleep_ms(wait_ms);
                return IB_OK;
        }
        batch->seq = ++k->batch_seq;
        char ignored[256]; /* a partition that does not start now is started (and its error told) by its read */
        for (int i = 0; i < k->n; i++)
                if (k->pins[i].until > k->pins[i].from)
                        (void)ib_rangereader_start(k->rr, k->ids[i], k->pins[i].from, ignored, sizeof(ignored));
        ib_err_t err = IB_OK;
        for (int i = 0; i < k->n && !err; i++)
                if (k->pins[i].until > k->pins[i].from)
                        err = ib_mode_read_range(k->ctx, k->rr, k->ids[i], k->pins[i].from, k->pins[i].until, batch,
                                                 errstr, errstr_size);
        /* read while the last checkpoint was stored: the batch goes on only once it is */
        char serr[512];
        ib_err_t store_err = finish_store(k, serr, sizeof(serr));
        if (store_err) {
                ib_rangereader_release(k->rr);
                ib_batch_clear(batch);
                return ib_seterr(errstr, errstr_size, store_err, "%s", serr);
        }
        return err;
}

static ib_err_t checkpoint_commit(void *st, const ib_batch_t *batch, char *errstr, size_t errstr_size) {
        checkpoint_t *k = st;
        ib_err_t err = finish_store(k, errstr, errstr_size); /* next_batch() waited for it already */
        if (err)
                return err;
        int64_t max = k->conf->range.max_records_per_partition;
        int ask = 0; /* k->latest holds the ends the last ListOffsets gave */
        for (int i = 0; i < k->n; i++)
                ask |= ib_pin_needs_end(k->pins[i], batch, k->ids[i], k->latest[i], max);
        if (ask && (err = ib_mode_list_offsets(k->ctx, k->rk, k->ids, k->n, RD_KAFKA_OFFSET_END, k->latest, errstr,
                                               errstr_size)))
                return err;
        int changed = 0;
        for (int i = 0; i < k->n; i++) {
                ib_pin_t next = ib_pin_next(k->pins[i], batch, k->ids[i], k->latest[i], max);
                changed |= next.from != k->pins[i].from || next.until != k->pins[i].until;
                k->pins[i] = next;
        }
        if (!changed) {
                k->skipped++;
                return IB_OK;
        }
        fill(k);
        k->store_seq = batch->seq;
        k->store_event = batch->nranges > 0;
        k->store_err = IB_OK;
        k->store_errstr[0] = '\0';
        if (pthread_create(&k->store_thread, NULL, store_main, k) == 0) {
                k->storing = 1;
                return IB_OK;
        }
        if ((err = write_ck(k, errstr, errstr_size))) /* no thread: here, then */
                return err;
        if (batch->nranges)
                ib_event_checkpoint(k->ctx, (int64_t)batch->seq);
        return IB_OK;
}

static void checkpoint_close(void *st) {
        checkpoint_t *k = st;
        if (!k)
                return;
        finish_store(k, NULL, 0); /* the last checkpoint is written before the worker goes */
        ib_rangereader_close(k->rr);
        free(k->ids);
        free(k->pins);
        free(k->latest);
        free(k->ck);
        free(k);
}

static void checkpoint_lag(void *st, json_t *lag, int *caught_up) {
        checkpoint_t *k = st;
        *caught_up = 0;
        join_store(k); /* caught up counts once the checkpoint in flight is stored */
        if (ib_kafka_list_offsets(k->rk, k->cfg->topic, k->ids, k->n, RD_KAFKA_OFFSET_END, k->latest,
                                  IB_LAG_TIMEOUT_MS, NULL, 0))
                return;
        int ok = 1;
        for (int i = 0; i < k->n; i++) {
                ib_lag_set(lag, k->ids[i], k->latest[i] - k->pins[i].from);
                ok &= k->latest[i] <= k->pins[i].from && k->pins[i].until <= k->pins[i].from;
        }
        *caught_up = ok;
}

static void checkpoint_stats(void *st, json_t *out) {
        checkpoint_t *k = st;
        join_store(k); /* its figures are the store thread's until it is done */
        json_t *pos = json_object();
        for (int i = 0; i < k->n; i++) {
                char key[16];
                snprintf(key, sizeof(key), "%d", (int)k->ids[i]);
                json_object_set_new(pos, key, json_pack("{s:I,s:I}", "offset", (json_int_t)k->pins[i].from,
                                                        "pinned_until", (json_int_t)k->pins[i].until));
        }
        json_object_set_new(out, "partitions", pos);
        json_object_set_new(out, "loaded_from", json_string(k->loaded_from ? k->loaded_from : "none"));
        json_object_set_new(out, "loaded_version", json_integer(k->loaded_version));
        json_object_set_new(out, "checkpoints_written", json_integer((json_int_t)k->stores));
        json_object_set_new(out, "checkpoints_skipped_unchanged", json_integer((json_int_t)k->skipped));
        json_object_set_new(out, "checkpoint_write_ms", ib_hist_to_json_ms(&k->store_us));
        json_object_set_new(out, "offset_store",
                            json_pack("{s:s,s:I,s:I}", "op", "checkpoint write (temp file, fsync, rename)", "count",
                                      (json_int_t)k->stores, "bytes_written", (json_int_t)k->store_bytes));
}

/* The checkpoint file's fault points a scenario may arm (checkpoint_file.c). */
static const char *const checkpoint_inject_points[] = {"checkpoint.write", "checkpoint.fsync", NULL};

/* Workers started together split the partitions evenly: --worker I/N. */
static void checkpoint_worker_args(ib_argv_t *argv, int index, int count) {
        if (count > 1) {
                ib_argv_add(argv, "--worker");
                ib_argv_addf(argv, "%d/%d", index, count);
        }
}

const ib_mode_t ib_mode_checkpoint = {
    checkpoint_configure,   /* configure: --partitions or --worker, not both */
    checkpoint_open,        /* open: the pinned ranges in the checkpoint are the recovery */
    checkpoint_next_batch,  /* next_batch */
    checkpoint_commit,      /* commit */
    checkpoint_lag,         /* lag: the pins against ListOffsets */
    checkpoint_stats,       /* stats */
    checkpoint_close,       /* close */
    "checkpoint",   /* name */
    "explicit partitions, offsets and pinned ranges in a local checkpoint file written atomically",
    checkpoint_options,        /* options */
    sizeof(checkpoint_conf_t), /* conf_size */
    1,    /* commits_cover_sink: the checkpoint is written after the output */
    1,    /* static_split: --worker I/N */
    0,    /* needs_zookeeper */
    0,    /* sink_transactions */
    checkpoint_inject_points, /* inject_points */
    checkpoint_worker_args,   /* worker_args: --worker I/N */
    NULL, /* stop_input */
};
