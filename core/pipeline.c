/*
 * pipeline.c: the stages, run range by range on a pool of lanes (threads).
 * The hot loop per record is: the parse into the lane's arena (doc.h), a
 * schema table check, the output line written straight from the tree
 * (emit.h) into the range's buffer. No allocation per record; the only
 * system calls are the sink's, per range and per batch, never per record.
 */
#include "pipeline.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "base64.h"
#include "buf.h"
#include "array.h"
#include "clock.h"
#include "emit.h"
#include "transform.h"

/* One thread's share of a batch: its own arena, buffers and counters. The
 * ranges it processed sit one after the other in its buffers (spans say
 * where); the caller's thread writes them to the sinks, in the batch's order. */
typedef struct lane_s {
        struct ib_pipeline_s *pl;
        ib_arena_t *arena;   /* one record's parse tree (reset per record) */
        ib_doc_parser_t *parser;
        int64_t date_day;    /* the day of the last event date formatted (-1: none) */
        char date[11];
        ib_buf_t out;        /* its ranges' output lines */
        ib_buf_t dead;       /* its ranges' dead letters */
        int64_t *event_ms;   /* event times of its delivered records */
        size_t nevents, events_cap;
        ib_sink_line_t *src; /* each output line's end and input record (a sink that wants them) */
        size_t nsrc, src_cap;
        size_t range_off;    /* where the range being processed begins in out */
        uint64_t records_in, bytes_in, records_out, dead_parse, dead_schema, dead_transform;
        size_t index;        /* ranges r with r % nlanes == index are this lane's */
        const ib_batch_t *batch;
        const ib_record_t *failed; /* the record it ran out of memory on, or NULL */
        int64_t busy_us;     /* this batch */
        uint64_t total_records;
        int64_t total_busy_us;
} lane_t;

typedef struct span_s {
        size_t out_off, out_len, dead_off, dead_len, src_off;
} span_t;

/* The threads of lanes 1..nthreads, started once with the pipeline: each
 * batch wakes them (a new generation), the caller's thread runs lane 0, and
 * waits until every lane of the batch is done. */
typedef struct pool_s {
        pthread_mutex_t mu;
        pthread_cond_t go, done;
        uint64_t gen;        /* one per batch */
        size_t active;       /* lanes this batch uses */
        size_t pending;      /* pool threads of this batch still running */
        int quit;
        pthread_t th[64];
        size_t nthreads;     /* started: lane i (1 <= i <= nthreads) has one */
        int ready;           /* mutex and conditions made */
} pool_t;

typedef struct pool_arg_s {
        struct ib_pipeline_s *pl;
        size_t lane;
} pool_arg_t;

struct ib_pipeline_s {
        ib_pipeline_conf_t conf;
        lane_t *lanes;
        size_t nlanes;
        pool_t pool;
        pool_arg_t args[64];
        span_t *spans;       /* per range of the batch */
        size_t event_time_len;
        size_t spans_cap;
};

static void *run_lane(void *arg);
static void *pool_main(void *arg);

ib_err_t ib_pipeline_new(const ib_pipeline_conf_t *conf, ib_pipeline_t **out, char *errstr,
                         size_t errstr_size) {
        ib_pipeline_t *pl = calloc(1, sizeof(*pl));
        size_t n = conf->threads > 0 ? (size_t)conf->threads : 1;
        if (pl)
                pl->lanes = calloc(n, sizeof(*pl->lanes));
        for (size_t i = 0; pl && pl->lanes && i < n; i++) {
                pl->lanes[i] = (lane_t){.pl = pl, .index = i, .arena = ib_arena_new(256u << 10),
                                        .parser = ib_doc_parser_new(), .date_day = -1};
                if (!pl->lanes[i].arena || !pl->lanes[i].parser) {
                        ib_arena_destroy(pl->lanes[i].arena);
                        ib_doc_parser_destroy(pl->lanes[i].parser);
                        break;
                }
                pl->nlanes++;
        }
        if (!pl || pl->nlanes != n) {
                ib_pipeline_destroy(pl);
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        }
        pl->conf = *conf;
        pl->event_time_len = strlen(conf->event_time_field);
        pthread_mutex_init(&pl->pool.mu, NULL);
        pthread_cond_init(&pl->pool.go, NULL);
        pthread_cond_init(&pl->pool.done, NULL);
        pl->pool.ready = 1;
        /* threads refused: the caller's thread runs their lanes */
        for (size_t i = 1; i < pl->nlanes && i < 64; i++) {
                pl->args[i] = (pool_arg_t){pl, i};
                if (pthread_create(&pl->pool.th[i], NULL, pool_main, &pl->args[i]) != 0)
                        break;
                pl->pool.nthreads = i;
        }
        *out = pl;
        return IB_OK;
}

void ib_pipeline_destroy(ib_pipeline_t *pl) {
        if (!pl)
                return;
        if (pl->pool.ready) {
                pthread_mutex_lock(&pl->pool.mu);
                pl->pool.quit = 1;
                pthread_cond_broadcast(&pl->pool.go);
                pthread_mutex_unlock(&pl->pool.mu);
                for (size_t i = 1; i <= pl->pool.nthreads; i++)
                        pthread_join(pl->pool.th[i], NULL);
                pthread_mutex_destroy(&pl->pool.mu);
                pthread_cond_destroy(&pl->pool.go);
                pthread_cond_destroy(&pl->pool.done);
        }
        for (size_t i = 0; pl->lanes && i < pl->nlanes; i++) {
                ib_arena_destroy(pl->lanes[i].arena);
                ib_doc_parser_destroy(pl->lanes[i].parser);
                ib_buf_free(&pl->lanes[i].out);
                ib_buf_free(&pl->lanes[i].dead);
                free(pl->lanes[i].event_ms);
                free(pl->lanes[i].src);
        }
        free(pl->lanes);
        free(pl->spans);
        free(pl);
}

const char *const ib_pipeline_level_names[] = {"none", "parse", "full", NULL};

enum stage { STAGE_PARSE, STAGE_SCHEMA, STAGE_TRANSFORM };
static const char *stage_names[] = {"parse", "schema", "transform"};

static int dead_letter(lane_t *pl, const char *topic, const ib_record_t *rec,
                       enum stage stage, const char *reason) {
        json_t *dl = json_pack("{s:s,s:i,s:I,s:s,s:s}", "topic", topic,
                               "partition", (int)rec->partition,
                               "offset", (json_int_t)rec->offset,
                               "stage", stage_names[stage], "reason", reason);
        if (!dl)
                return -1;
        /* raw bytes last, appended by hand to avoid copying them through jansson */
        if (ib_buf_reserve(&pl->dead, 512 + strlen(reason) + ib_base64_len(rec->value_len)) != 0) {
                json_decref(dl);
                return -1;
        }
        size_t room = pl->dead.cap - pl->dead.len;
        size_t n = json_dumpb(dl, pl->dead.data + pl->dead.len, room, JSON_COMPACT);
        json_decref(dl); /* no arena under the lanes since #11: freed here */
        if (n == 0 || n >= room)
                return -1;
        pl->dead.len += n - 1; /* drop the closing brace */
        if (ib_buf_append(&pl->dead, ",\"raw\":\"", 8) != 0 ||
            ib_base64_append(&pl->dead, rec->value ? rec->value : "", rec->value_len) != 0 ||
            ib_buf_append(&pl->dead, "\"}\n", 3) != 0)
                return -1;
        if (stage == STAGE_PARSE)
                pl->dead_parse++;
        else if (stage == STAGE_SCHEMA)
                pl->dead_schema++;
        else
                pl->dead_transform++;
        return 0;
}

static int push_event(lane_t *pl, int64_t ms) {
        if (ib_array_grow(&pl->event_ms, &pl->events_cap, pl->nevents + 1, sizeof(*pl->event_ms), 4096))
                return -1;
        pl->event_ms[pl->nevents++] = ms;
        return 0;
}

/* A line was written for @p rec: counts it, and notes its record when the
 * sink wants each line's input record (a Kafka sink keys by it). */
static int line_out(lane_t *pl, const ib_record_t *rec) {
        pl->records_out++;
        if (!pl->pl->conf.sink->wants_sources)
                return 0;
        if (ib_array_grow(&pl->src, &pl->src_cap, pl->nsrc + 1, sizeof(*pl->src), 4096))
                return -1;
        pl->src[pl->nsrc++] = (ib_sink_line_t){rec, pl->out.len - pl->range_off};
        return 0;
}

/* Appends the record's bytes untouched, one line. */
static int emit_raw(lane_t *pl, const ib_record_t *rec) {
        if (ib_buf_reserve(&pl->out, rec->value_len + 2) != 0 ||
            (rec->value_len && ib_buf_append(&pl->out, rec->value, rec->value_len) != 0) ||
            ib_buf_append(&pl->out, "\n", 1) != 0)
                return -1;
        return line_out(pl, rec);
}

/* Runs one record through parse, validate, transform, serialize (or as
 * much of it as the level asks). */
static int process_record(lane_t *pl, const char *topic, const ib_record_t *rec) {
        const ib_pipeline_conf_t *conf = &pl->pl->conf;
        if (conf->level == IB_PIPELINE_NONE)
                return emit_raw(pl, rec);
        char reason[256];
        ib_arena_reset(pl->arena);
        const ib_doc_t *obj = rec->value && rec->value_len
                                  ? ib_doc_parse(pl->parser, pl->arena, rec->value, rec->value_len, reason, sizeof(reason))
                                  : NULL;
        if (!obj) {
                if (!rec->value)
                        snprintf(reason, sizeof(reason), "empty record (null value)");
                else if (!rec->value_len)
                        snprintf(reason, sizeof(reason), "empty record (a value of 0 bytes)");
                else if (!strcmp(reason, "out of memory"))
                        return -1;
                return dead_letter(pl, topic, rec, STAGE_PARSE, reason);
        }
        if (ib_schema_check_doc(conf->schema, obj, reason, sizeof(reason)) != IB_OK)
                return dead_letter(pl, topic, rec, STAGE_SCHEMA, reason);
        const ib_doc_t *t = ib_doc_get(obj, conf->event_time_field, pl->pl->event_time_len);
        int64_t ev = t && t->type == JSON_INTEGER ? (int64_t)t->u.i : -1;
        if (conf->level == IB_PIPELINE_PARSE)
                return emit_raw(pl, rec) || (t && t->type == JSON_INTEGER && push_event(pl, ev));
        /* transform and serialize in one pass, straight from the parsed tree (emit.h) */
        int dated = 0;
        if (ev >= 0) { /* one gmtime per day seen, not per record */
                if (ev / 86400000 != pl->date_day)
                        pl->date_day = ib_transform_date(ev, pl->date) == 0 ? ev / 86400000 : -1;
                dated = pl->date_day >= 0;
        }
        ib_err_t err = ib_emit_flat(&pl->out, obj, dated ? pl->date : NULL, rec->partition, rec->offset, reason,
                                    sizeof(reason));
        if (err == IB_ERR_INVALID_ARG)
                return dead_letter(pl, topic, rec, STAGE_TRANSFORM, reason);
        if (err || ib_buf_append(&pl->out, "\n", 1) != 0 || line_out(pl, rec) != 0)
                return -1;
        if (ev >= 0 && push_event(pl, ev) != 0)
                return -1;
        return 0;
}

/* A lane's ranges of the batch, one after the other into its buffers. */
static void *run_lane(void *arg) {
        lane_t *ln = arg;
        const ib_batch_t *batch = ln->batch;
        ib_pipeline_t *pl = ln->pl;
        int64_t t0 = ib_mono_us();
        for (size_t r = ln->index; r < batch->nranges && !ln->failed; r += pl->nlanes) {
                const ib_range_t *range = &batch->ranges[r];
                span_t *sp = &pl->spans[r];
                sp->out_off = ln->out.len, sp->dead_off = ln->dead.len, sp->src_off = ln->nsrc;
                ln->range_off = ln->out.len;
                for (size_t i = 0; i < range->count; i++) {
                        const ib_record_t *rec = &batch->records[range->first + i];
                        ln->records_in++;
                        ln->bytes_in += rec->value_len;
                        if (process_record(ln, batch->topic, rec) != 0) {
                                ln->failed = rec;
                                break;
                        }
                }
                sp->out_len = ln->out.len - sp->out_off, sp->dead_len = ln->dead.len - sp->dead_off;
        }
        ln->busy_us = ib_mono_us() - t0;
        ln->total_busy_us += ln->busy_us;
        ln->total_records += ln->records_in;
        return NULL;
}

/* A pool thread: lane args->lane of every batch that uses it. */
static void *pool_main(void *arg) {
        const pool_arg_t *a = arg;
        pool_t *pool = &a->pl->pool;
        uint64_t seen = 0;
        pthread_mutex_lock(&pool->mu);
        for (;;) {
                while (!pool->quit && pool->gen == seen)
                        pthread_cond_wait(&pool->go, &pool->mu);
                if (pool->quit)
                        break;
                seen = pool->gen;
                if (a->lane >= pool->active)
                        continue;
                pthread_mutex_unlock(&pool->mu);
                run_lane(&a->pl->lanes[a->lane]);
                pthread_mutex_lock(&pool->mu);
                if (--pool->pending == 0)
                        pthread_cond_signal(&pool->done);
        }
        pthread_mutex_unlock(&pool->mu);
        return NULL;
}

/* Runs the batch's ranges on the lanes: the pool's threads and this one.
 * @returns how many lanes ran. */
static size_t run_lanes(ib_pipeline_t *pl, const ib_batch_t *batch) {
        /* no more threads than ranges: a partition's records stay on one thread, in order */
        size_t used = batch->nranges < pl->nlanes ? batch->nranges : pl->nlanes;
        for (size_t i = used; i < pl->nlanes; i++)
                pl->lanes[i].busy_us = 0; /* idle this batch */
        size_t saved = pl->nlanes;
        pl->nlanes = used ? used : 1;
        for (size_t i = 0; i < pl->nlanes; i++) {
                lane_t *ln = &pl->lanes[i];
                ib_buf_reset(&ln->out);
                ib_buf_reset(&ln->dead);
                ln->nevents = 0;
                ln->nsrc = 0;
                ln->records_in = ln->bytes_in = ln->records_out = 0;
                ln->dead_parse = ln->dead_schema = ln->dead_transform = 0;
                ln->failed = NULL, ln->batch = batch, ln->busy_us = 0;
        }
        size_t pooled = pl->nlanes - 1 < pl->pool.nthreads ? pl->nlanes - 1 : pl->pool.nthreads;
        if (pooled) {
                pthread_mutex_lock(&pl->pool.mu);
                pl->pool.active = pl->nlanes;
                pl->pool.pending = pooled;
                pl->pool.gen++;
                pthread_cond_broadcast(&pl->pool.go);
                pthread_mutex_unlock(&pl->pool.mu);
        }
        for (size_t i = 1 + pooled; i < pl->nlanes; i++) /* lanes without a thread: this one does their share */
                run_lane(&pl->lanes[i]);
        run_lane(&pl->lanes[0]);
        if (pooled) {
                pthread_mutex_lock(&pl->pool.mu);
                while (pl->pool.pending)
                        pthread_cond_wait(&pl->pool.done, &pl->pool.mu);
                pthread_mutex_unlock(&pl->pool.mu);
        }
        size_t nl = pl->nlanes;
        pl->nlanes = saved;
        return nl;
}

/* Adds the @p nl lanes' counts to the stats; a lane that ran out of memory
 * fails the batch. */
static ib_err_t gather(ib_pipeline_t *pl, size_t nl, char *errstr, size_t errstr_size) {
        ib_stats_t *st = pl->conf.stats;
        ib_err_t err = IB_OK;
        for (size_t i = 0; i < nl && err == IB_OK; i++) {
                const lane_t *ln = &pl->lanes[i];
                st->records_in += ln->records_in, st->bytes_in += ln->bytes_in, st->records_out += ln->records_out;
                st->dead_parse += ln->dead_parse, st->dead_schema += ln->dead_schema;
                st->dead_transform += ln->dead_transform;
                if (ln->failed)
                        err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM,
                                        "out of memory in pipeline (partition %d offset %lld)",
                                        (int)ln->failed->partition, (long long)ln->failed->offset);
        }
        return err;
}

/* The sinks, range by range in the batch's order, from the lanes' buffers; then flushed. */
static ib_err_t write_sinks(ib_pipeline_t *pl, const ib_batch_t *batch, size_t nl, char *errstr,
                            size_t errstr_size) {
        ib_err_t err = IB_OK;
        for (size_t r = 0; r < batch->nranges && err == IB_OK; r++) {
                const ib_range_t *range = &batch->ranges[r];
                const lane_t *ln = &pl->lanes[r % nl];
                const span_t *sp = &pl->spans[r];
                err = pl->conf.sink->write_range(pl->conf.sink, batch->topic, range->partition, range->from,
                                                 range->until, ln->out.data ? ln->out.data + sp->out_off : NULL,
                                                 sp->out_len, ln->src ? ln->src + sp->src_off : NULL,
                                                 errstr, errstr_size);
                if (err == IB_OK)
                        err = pl->conf.dead->write_range(pl->conf.dead, batch->topic, range->partition, range->from,
                                                         range->until, ln->dead.data ? ln->dead.data + sp->dead_off : NULL,
                                                         sp->dead_len, NULL, errstr, errstr_size);
                pl->conf.stats->bytes_out += sp->out_len;
        }
        if (err == IB_OK && pl->conf.sink->flush)
                err = pl->conf.sink->flush(pl->conf.sink, errstr, errstr_size);
        if (err == IB_OK && pl->conf.dead->flush)
                err = pl->conf.dead->flush(pl->conf.dead, errstr, errstr_size);
        return err;
}

ib_err_t ib_pipeline_run(ib_pipeline_t *pl, const ib_batch_t *batch,
                         char *errstr, size_t errstr_size) {
        ib_stats_t *st = pl->conf.stats;
        int64_t t0 = ib_mono_us();
        if (ib_array_grow(&pl->spans, &pl->spans_cap, batch->nranges + 1, sizeof(*pl->spans), 64))
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory in pipeline");
        size_t nl = run_lanes(pl, batch);
        ib_err_t err = gather(pl, nl, errstr, errstr_size);
        if (err == IB_OK)
                err = write_sinks(pl, batch, nl, errstr, errstr_size);
        if (err)
                return err;
        /* The output is durable: its end-to-end latency is now known. */
        int64_t now = ib_now_ms();
        for (size_t l = 0; l < nl; l++)
                for (size_t i = 0; i < pl->lanes[l].nevents; i++) {
                        int64_t d = now - pl->lanes[l].event_ms[i];
                        ib_hist_record(&st->latency_us, d > 0 ? (uint64_t)d * 1000 : 0);
                }
        st->batches++;
        st->sink_files = pl->conf.sink->files;
        ib_hist_record(&st->batch_us, (uint64_t)(ib_mono_us() - t0));
        return IB_OK;
}

json_t *ib_pipeline_threads_json(const ib_pipeline_t *pl) {
        json_t *a = json_array();
        for (size_t i = 0; i < pl->nlanes; i++)
                json_array_append_new(a, json_pack("{s:I,s:f}", "records", (json_int_t)pl->lanes[i].total_records,
                                                   "busy_ms", (double)pl->lanes[i].total_busy_us / 1000.0));
        return a;
}

json_t *ib_pipeline_batch_busy_json(const ib_pipeline_t *pl) {
        json_t *a = json_array();
        for (size_t i = 0; i < pl->nlanes; i++)
                json_array_append_new(a, json_real((double)pl->lanes[i].busy_us / 1000.0));
        return a;
}
