/*
 * pipeline.c: the stages, run range by range. The hot loop per record is:
 * json_loadb into the arena, a schema table check, an in-place flatten, one
 * json_dumpb into the range buffer. The only system calls are the sink's, per
 * range and per batch, never per record.
 */
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

#include "json_arena.h"
#include "base64.h"
#include "buf.h"
#include "array.h"
#include "clock.h"
#include "emit.h"
#include "transform.h"

struct ib_pipeline_s {
        ib_pipeline_conf_t conf;
        ib_arena_t *arena;
        ib_buf_t out;        /* the current range's output lines */
        ib_buf_t dead;       /* the current range's dead letters */
        int64_t *event_ms;   /* event times of the batch's delivered records */
        size_t nevents, events_cap;
};

ib_err_t ib_pipeline_new(const ib_pipeline_conf_t *conf, ib_pipeline_t **out, char *errstr,
                         size_t errstr_size) {
        ib_pipeline_t *pl = calloc(1, sizeof(*pl));
        if (!pl || !(pl->arena = ib_arena_new(4u << 20))) {
                free(pl);
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        }
        pl->conf = *conf;
        ib_arena_install();
        *out = pl;
        return IB_OK;
}

void ib_pipeline_destroy(ib_pipeline_t *pl) {
        if (!pl)
                return;
        ib_arena_destroy(pl->arena);
        ib_buf_free(&pl->out);
        ib_buf_free(&pl->dead);
        free(pl->event_ms);
        free(pl);
}

const char *const ib_pipeline_level_names[] = {"none", "parse", "full", NULL};

enum stage { STAGE_PARSE, STAGE_SCHEMA, STAGE_TRANSFORM };
static const char *stage_names[] = {"parse", "schema", "transform"};

static int dead_letter(ib_pipeline_t *pl, const char *topic, const ib_record_t *rec,
                       enum stage stage, const char *reason) {
        json_t *dl = json_pack("{s:s,s:i,s:I,s:s,s:s}", "topic", topic,
                               "partition", (int)rec->partition,
                               "offset", (json_int_t)rec->offset,
                               "stage", stage_names[stage], "reason", reason);
        if (!dl)
                return -1;
        /* raw bytes last, appended by hand to avoid copying them through jansson */
        if (ib_buf_reserve(&pl->dead, 512 + strlen(reason) + ib_base64_len(rec->value_len)) != 0)
                return -1;
        size_t room = pl->dead.cap - pl->dead.len;
        size_t n = json_dumpb(dl, pl->dead.data + pl->dead.len, room, JSON_COMPACT);
        if (n == 0 || n >= room)
                return -1;
        pl->dead.len += n - 1; /* drop the closing brace */
        if (ib_buf_append(&pl->dead, ",\"raw\":\"", 8) != 0 ||
            ib_base64_append(&pl->dead, rec->value ? rec->value : "", rec->value_len) != 0 ||
            ib_buf_append(&pl->dead, "\"}\n", 3) != 0)
                return -1;
        ib_stats_t *st = pl->conf.stats;
        if (stage == STAGE_PARSE)
                st->dead_parse++;
        else if (stage == STAGE_SCHEMA)
                st->dead_schema++;
        else
                st->dead_transform++;
        return 0;
}

static int push_event(ib_pipeline_t *pl, int64_t ms) {
        if (ib_array_grow(&pl->event_ms, &pl->events_cap, pl->nevents + 1, sizeof(*pl->event_ms), 4096))
                return -1;
        pl->event_ms[pl->nevents++] = ms;
        return 0;
}

/* Appends the record's bytes untouched, one line. */
static int emit_raw(ib_pipeline_t *pl, const ib_record_t *rec) {
        if (ib_buf_reserve(&pl->out, rec->value_len + 2) != 0 ||
            (rec->value_len && ib_buf_append(&pl->out, rec->value, rec->value_len) != 0) ||
            ib_buf_append(&pl->out, "\n", 1) != 0)
                return -1;
        pl->conf.stats->records_out++;
        return 0;
}

/* Runs one record through parse, validate, transform, serialize (or as
 * much of it as the level asks). */
static int process_record(ib_pipeline_t *pl, const char *topic, const ib_record_t *rec) {
        if (pl->conf.level == IB_PIPELINE_NONE)
                return emit_raw(pl, rec);
        char reason[256];
        json_error_t jerr;
        json_t *obj = rec->value ? json_loadb(rec->value, rec->value_len, 0, &jerr) : NULL;
        if (!obj) {
                if (!rec->value)
                        snprintf(reason, sizeof(reason), "empty record (null value)");
                else
                        snprintf(reason, sizeof(reason), "invalid JSON at byte %d: %s",
                                 jerr.position, jerr.text);
                return dead_letter(pl, topic, rec, STAGE_PARSE, reason);
        }
        if (ib_schema_check(pl->conf.schema, obj, reason, sizeof(reason)) != IB_OK)
                return dead_letter(pl, topic, rec, STAGE_SCHEMA, reason);
        if (pl->conf.level == IB_PIPELINE_PARSE) {
                json_t *t = json_object_get(obj, pl->conf.event_time_field);
                return emit_raw(pl, rec) || (json_is_integer(t) && push_event(pl, json_integer_value(t)));
        }
        /* transform and serialize in one pass, straight from the parsed tree (emit.h) */
        json_t *t = json_object_get(obj, pl->conf.event_time_field);
        int64_t ev = json_is_integer(t) ? (int64_t)json_integer_value(t) : -1;
        char date[11];
        if (ev >= 0)
                ib_transform_date(ev, date);
        ib_err_t err = ib_emit_flat(&pl->out, obj, ev >= 0 ? date : NULL, rec->partition, rec->offset, reason,
                                    sizeof(reason));
        if (err == IB_ERR_INVALID_ARG)
                return dead_letter(pl, topic, rec, STAGE_TRANSFORM, reason);
        if (err || ib_buf_append(&pl->out, "\n", 1) != 0)
                return -1;
        pl->conf.stats->records_out++;
        if (ev >= 0 && push_event(pl, ev) != 0)
                return -1;
        return 0;
}

ib_err_t ib_pipeline_run(ib_pipeline_t *pl, const ib_batch_t *batch,
                         char *errstr, size_t errstr_size) {
        ib_stats_t *st = pl->conf.stats;
        int64_t t0 = ib_mono_us();
        ib_err_t err = IB_OK;
        pl->nevents = 0;
        ib_arena_activate(pl->arena);
        for (size_t r = 0; r < batch->nranges && err == IB_OK; r++) {
                const ib_range_t *range = &batch->ranges[r];
                ib_buf_reset(&pl->out);
                ib_buf_reset(&pl->dead);
                for (size_t i = 0; i < range->count; i++) {
                        const ib_record_t *rec = &batch->records[range->first + i];
                        st->records_in++;
                        st->bytes_in += rec->value_len;
                        if (process_record(pl, batch->topic, rec) != 0) {
                                err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM,
                                                "out of memory in pipeline (partition %d offset %lld)",
                                                (int)rec->partition, (long long)rec->offset);
                                break;
                        }
                }
                ib_arena_reset(pl->arena);
                if (err)
                        break;
                err = pl->conf.sink->write_range(pl->conf.sink, batch->topic, range->partition,
                                                 range->from, range->until, pl->out.data,
                                                 pl->out.len, errstr, errstr_size);
                if (err == IB_OK)
                        err = pl->conf.dead->write_range(pl->conf.dead, batch->topic,
                                                         range->partition, range->from,
                                                         range->until, pl->dead.data,
                                                         pl->dead.len, errstr, errstr_size);
                st->bytes_out += pl->out.len;
        }
        ib_arena_activate(NULL);
        if (err == IB_OK && pl->conf.sink->flush)
                err = pl->conf.sink->flush(pl->conf.sink, errstr, errstr_size);
        if (err == IB_OK && pl->conf.dead->flush)
                err = pl->conf.dead->flush(pl->conf.dead, errstr, errstr_size);
        if (err)
                return err;
        /* The output is durable: its end-to-end latency is now known. */
        int64_t now = ib_now_ms();
        for (size_t i = 0; i < pl->nevents; i++) {
                int64_t d = now - pl->event_ms[i];
                ib_hist_record(&st->latency_us, d > 0 ? (uint64_t)d * 1000 : 0);
        }
        st->batches++;
        st->sink_files = pl->conf.sink->files;
        ib_hist_record(&st->batch_us, (uint64_t)(ib_mono_us() - t0));
        return IB_OK;
}
