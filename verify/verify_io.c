/*
 * verify_io.c: the verifier's inputs: the ground truth read back from the
 * input topic (earliest offset to the high watermark at start), and the
 * delivered lines and dead letters read from the sink's range files in
 * (partition, from) order. verify.c does the accounting.
 */
#include "verify_io.h"

#include <dirent.h>
#include <sys/stat.h>
#include <jansson.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "clock.h"
#include "fsutil.h"
#include "ksink.h"
#include "lines.h"
#include "sink.h"

/* A growing array of records whose ids live in one string pool. */
static int vlist_add(ib_vlist_t *l, int32_t p, int64_t o, const char *id, size_t idlen) {
        if (ib_array_grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v), 65536))
                return -1;
        ib_vrec_t *r = &l->v[l->n++];
        r->partition = p;
        r->offset = o;
        r->id = NULL;
        r->file = 0;
        r->ts = -1;
        r->out_pos = -1;
        if (id) { /* pool offset + 1 for now; made a pointer by vlist_fix() */
                r->id = (const char *)(uintptr_t)(l->pool.len + 1);
                if (ib_buf_append(&l->pool, id, idlen) || ib_buf_append(&l->pool, "", 1))
                        return -1;
        }
        return 0;
}

int ib_vlist_add(ib_vlist_t *l, int32_t partition, int64_t offset, const char *id, size_t idlen) {
        return vlist_add(l, partition, offset, id, idlen);
}

void ib_vlist_fix(ib_vlist_t *l) {
        for (size_t i = 0; i < l->n; i++)
                if (l->v[i].id)
                        l->v[i].id = l->pool.data + ((uintptr_t)l->v[i].id - 1);
}

void ib_vlist_free(ib_vlist_t *l) {
        free(l->v);
        free(l->files);
        ib_buf_free(&l->pool);
}

/* Adds one input record, taking its id from the JSON when it has one. */
static int add_input(ib_vlist_t *l, const rd_kafka_message_t *m) {
        json_t *j = m->payload ? json_loadb(m->payload, m->len, 0, NULL) : NULL;
        const char *id = json_string_value(json_object_get(j, "id"));
        int rc = vlist_add(l, m->partition, m->offset, id, id ? strlen(id) : 0);
        json_decref(j);
        return rc;
}

/* One partition's read-back state. */
typedef struct {
        int64_t lo, hi; /* earliest offset, end at start */
        int done;
} rpart_t;

typedef ib_verify_take_fn take_fn;

static int take_input(void *arg, const rd_kafka_message_t *m) { return add_input(arg, m); }

/* Takes one message of the read-back; @returns 1 when its partition is done. */
static int take_message(const char *topic, rpart_t *pt, const rd_kafka_message_t *m, take_fn *take, void *arg,
                        ib_err_t *err, char *errstr, size_t errstr_size) {
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
                return m->offset >= pt->hi;
        if (m->err) {
                fprintf(stderr, "ingestbench verify: %s [%d]: %s\n", topic, (int)m->partition, rd_kafka_message_errstr(m));
                return 0;
        }
        if (m->offset >= pt->hi)
                return 0;
        if (take(arg, m)) {
                *err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                return 0;
        }
        return m->offset + 1 >= pt->hi;
}

/* Reads partitions [lo, hi) through one queue until all are done, bounded. */
static ib_err_t drain(rd_kafka_t *rk, const char *topic, rpart_t *parts, int n, int timeout_ms, take_fn *take,
                      void *arg, char *errstr, size_t errstr_size) {
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        ib_err_t err = IB_OK;
        int remaining = 0, started = 0;
        for (int p = 0; p < n && !err; p++, started = p) {
                parts[p].done = parts[p].hi <= parts[p].lo;
                if (parts[p].done)
                        continue;
                if (rd_kafka_consume_start_queue(rkt, p, parts[p].lo, q) == -1)
                        err = ib_seterr(errstr, errstr_size, IB_ERR_KAFKA, "reading %s [%d]: %s", topic, p,
                                        rd_kafka_err2str(rd_kafka_last_error()));
                else
                        remaining++;
        }
        int64_t deadline = ib_mono_us() + (int64_t)timeout_ms * 1000;
        rd_kafka_message_t *msgs[1024];
        while (!err && remaining > 0) {
                if (ib_mono_us() > deadline) {
                        err = ib_seterr(errstr, errstr_size, IB_ERR_TIMED_OUT,
                                        "reading %s back: %d partitions unfinished after %d ms%s", topic, remaining,
                                        timeout_ms,
                                        take == take_input ? ""
                                                           : " (read_committed stops at a transaction still open)");
                        break;
                }
                ssize_t got = rd_kafka_consume_batch_queue(q, 500, msgs, 1024);
                for (ssize_t i = 0; i < got; i++) {
                        int32_t p = msgs[i]->partition;
                        if (!err && p >= 0 && p < n && !parts[p].done &&
                            take_message(topic, &parts[p], msgs[i], take, arg, &err, errstr, errstr_size))
                                parts[p].done = 1, remaining--;
                        rd_kafka_message_destroy(msgs[i]);
                }
        }
        for (int p = 0; p < started; p++)
                if (parts[p].hi > parts[p].lo)
                        rd_kafka_consume_stop(rkt, p);
        rd_kafka_queue_destroy(q);
        rd_kafka_topic_destroy(rkt);
        return err;
}

/* Reads @p topic from its earliest offsets to its ends at start, each record to @p take. */
static ib_err_t read_back(const char *brokers, const ib_props_t *props, const char *topic, const char *isolation,
                          int timeout_ms, take_fn *take, void *arg, char *errstr, size_t errstr_size) {
        const char *const settings[] = {"enable.partition.eof", "true", "isolation.level", isolation, NULL};
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        ib_err_t err;
        if ((err = ib_kafka_conf_new(brokers, settings, props, &conf, errstr, errstr_size)) ||
            (err = ib_kafka_new(RD_KAFKA_CONSUMER, conf, &rk, errstr, errstr_size)))
                return err;
        int n = 0;
        int32_t *ids = NULL;
        int64_t *lo = NULL, *hi = NULL;
        rpart_t *parts = NULL;
        if ((err = ib_kafka_partition_count(rk, topic, timeout_ms < 10000 ? timeout_ms : 10000, &n, errstr,
                                            errstr_size)))
                goto done;
        ids = calloc((size_t)n, sizeof(*ids));
        lo = calloc((size_t)n, sizeof(*lo));
        hi = calloc((size_t)n, sizeof(*hi));
        parts = calloc((size_t)n, sizeof(*parts));
        if (!ids || !lo || !hi || !parts) {
                err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                goto done;
        }
        for (int i = 0; i < n; i++)
                ids[i] = i;
        if ((err = ib_kafka_list_offsets(rk, topic, ids, n, RD_KAFKA_OFFSET_BEGINNING, lo, 10000, errstr,
                                         errstr_size)) ||
            (err = ib_kafka_list_offsets(rk, topic, ids, n, RD_KAFKA_OFFSET_END, hi, 10000, errstr, errstr_size)))
                goto done;
        for (int i = 0; i < n; i++)
                parts[i] = (rpart_t){lo[i], hi[i], 0};
        err = drain(rk, topic, parts, n, timeout_ms, take, arg, errstr, errstr_size);
done:
        rd_kafka_destroy(rk);
        free(ids);
        free(lo);
        free(hi);
        free(parts);
        return err;
}

ib_err_t ib_verify_read_records(const char *brokers, const ib_props_t *props, const char *topic, int committed,
                               int timeout_ms, ib_verify_take_fn *take, void *arg, char *errstr, size_t errstr_size) {
        return read_back(brokers, props, topic, committed ? "read_committed" : "read_uncommitted", timeout_ms, take,
                         arg, errstr, errstr_size);
}

ib_err_t ib_verify_read_topic(const char *brokers, const ib_props_t *props, const char *topic,
                              int timeout_ms, ib_vlist_t *out, char *errstr, size_t errstr_size) {
        return read_back(brokers, props, topic, "read_committed", timeout_ms, take_input, out, errstr, errstr_size);
}

/* The output topic's read-back: records grouped, per output partition, into
 * the ranges their writers produced ("files"). */
typedef struct {
        ib_vlist_t *out;
        const char *topic, *ts_field;
        uint64_t *bad;
        int32_t *cur;      /* per output partition: its current file, -1 */
        int64_t *last;     /* ... and the last input offset in it */
        size_t nparts;
} oread_t;

static int take_output(void *arg, const rd_kafka_message_t *m) {
        oread_t *o = arg;
        ib_vlist_t *out = o->out;
        if (m->partition < 0)
                return 0;
        if ((size_t)m->partition >= o->nparts) {
                size_t n = (size_t)m->partition + 1;
                int32_t *cur = realloc(o->cur, n * sizeof(*cur));
                if (cur)
                        o->cur = cur;
                int64_t *last = cur ? realloc(o->last, n * sizeof(*last)) : NULL;
                if (!cur || !last)
                        return -1;
                o->last = last;
                for (size_t i = o->nparts; i < n; i++)
                        o->cur[i] = -1, o->last[i] = -1;
                o->nparts = n;
        }
        json_t *j = m->payload ? json_loadb(m->payload, m->len, 0, NULL) : NULL;
        json_t *jp = json_object_get(j, "_partition"), *jo = json_object_get(j, "_offset");
        if (!json_is_integer(jp) || !json_is_integer(jo)) {
                (*o->bad)++;
                fprintf(stderr, "ingestbench verify: %s [%d] offset %" PRId64 ": unreadable record (no _partition "
                        "and _offset: written at --pipeline full?)\n", o->topic, (int)m->partition, m->offset);
                json_decref(j);
                return 0;
        }
        int32_t p = (int32_t)json_integer_value(jp);
        int64_t off = (int64_t)json_integer_value(jo);
        int64_t from = off, until = off + 1;
        const void *hv;
        size_t hlen;
        rd_kafka_headers_t *hdrs = NULL;
        if (!rd_kafka_message_headers(m, &hdrs) &&
            !rd_kafka_header_get_last(hdrs, IB_KSINK_RANGE_HEADER, &hv, &hlen) && hv && hlen < 48) {
                char r[48];
                long long f, u;
                memcpy(r, hv, hlen);
                r[hlen] = '\0';
                if (sscanf(r, "%lld-%lld", &f, &u) == 2 && f <= off && off < u)
                        from = f, until = u;
        }
        rd_kafka_timestamp_type_t tt;
        int64_t ts_ms = rd_kafka_message_timestamp(m, &tt);
        int32_t f = o->cur[m->partition];
        if (f < 0 || out->files[f].partition != p || out->files[f].from != from || out->files[f].until != until ||
            off <= o->last[m->partition]) { /* a new range write begins */
                if (ib_array_grow(&out->files, &out->files_cap, out->nfiles + 1, sizeof(*out->files), 256)) {
                        json_decref(j);
                        return -1;
                }
                f = (int32_t)out->nfiles;
                out->files[out->nfiles++] = (ib_vfile_t){p, from, until, ts_ms};
                o->cur[m->partition] = f;
        }
        if (ts_ms > out->files[f].mtime_ms)
                out->files[f].mtime_ms = ts_ms;
        o->last[m->partition] = off;
        const char *id = json_string_value(json_object_get(j, "id"));
        json_t *ts = o->ts_field ? json_object_get(j, o->ts_field) : NULL;
        int rc = vlist_add(out, p, off, id, id ? strlen(id) : 0);
        if (!rc) {
                out->v[out->n - 1].file = f;
                out->v[out->n - 1].ts = json_is_integer(ts) ? (int64_t)json_integer_value(ts) : -1;
                out->v[out->n - 1].out_pos = IB_VREC_POS(m->partition, m->offset);
        }
        json_decref(j);
        return rc;
}

static const ib_vfile_t *sort_files;

static int file_index_cmp(const void *a, const void *b) {
        const ib_vfile_t *x = &sort_files[*(const int32_t *)a], *y = &sort_files[*(const int32_t *)b];
        if (x->partition != y->partition)
                return x->partition < y->partition ? -1 : 1;
        if (x->from != y->from)
                return x->from < y->from ? -1 : 1;
        if (x->until != y->until)
                return x->until < y->until ? -1 : 1;
        if (x->mtime_ms != y->mtime_ms)
                return x->mtime_ms < y->mtime_ms ? -1 : 1;
        return (*(const int32_t *)a > *(const int32_t *)b) - (*(const int32_t *)a < *(const int32_t *)b);
}

static int vrec_file_cmp(const void *a, const void *b) {
        const ib_vrec_t *x = a, *y = b;
        if (x->file != y->file)
                return x->file < y->file ? -1 : 1;
        return (x->offset > y->offset) - (x->offset < y->offset);
}

/* Puts the files in (partition, from, until, time) order, as the directory
 * reader gives them, and the records in their files' order. */
static int order_files(ib_vlist_t *out) {
        if (out->nfiles == 0)
                return 0;
        int32_t *order = malloc(out->nfiles * sizeof(*order)), *rank = malloc(out->nfiles * sizeof(*rank));
        ib_vfile_t *sorted = malloc(out->nfiles * sizeof(*sorted));
        if (!order || !rank || !sorted) {
                free(order), free(rank), free(sorted);
                return -1;
        }
        for (size_t i = 0; i < out->nfiles; i++)
                order[i] = (int32_t)i;
        sort_files = out->files;
        qsort(order, out->nfiles, sizeof(*order), file_index_cmp);
        for (size_t i = 0; i < out->nfiles; i++) {
                rank[order[i]] = (int32_t)i;
                sorted[i] = out->files[order[i]];
        }
        memcpy(out->files, sorted, out->nfiles * sizeof(*sorted));
        for (size_t i = 0; i < out->n; i++)
                if (out->v[i].file >= 0 && (size_t)out->v[i].file < out->nfiles)
                        out->v[i].file = rank[out->v[i].file];
        qsort(out->v, out->n, sizeof(*out->v), vrec_file_cmp);
        free(order), free(rank), free(sorted);
        return 0;
}

ib_err_t ib_verify_read_output(const char *brokers, const ib_props_t *props, const char *topic, int committed,
                               const char *ts_field, int timeout_ms, ib_vlist_t *out, uint64_t *bad_records,
                               char *errstr, size_t errstr_size) {
        oread_t o = {.out = out, .topic = topic, .ts_field = ts_field, .bad = bad_records};
        ib_err_t err = read_back(brokers, props, topic, committed ? "read_committed" : "read_uncommitted", timeout_ms,
                                 take_output, &o, errstr, errstr_size);
        free(o.cur);
        free(o.last);
        if (!err && order_files(out))
                err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        return err;
}

typedef struct {
        int32_t partition;
        int64_t from, until;
        char name[256];
} rfile_t;

static int rfile_cmp(const void *a, const void *b) {
        const rfile_t *x = a, *y = b;
        if (x->partition != y->partition)
                return x->partition < y->partition ? -1 : 1;
        if (x->from != y->from)
                return x->from < y->from ? -1 : 1;
        return (x->until > y->until) - (x->until < y->until);
}

/* Reads every range file of @topic in @dir, in (partition, from) order.
 * Sink lines carry "_partition"/"_offset"/"id"; dead letters "partition"/"offset". */
ib_err_t ib_verify_read_dir(const char *dir, const char *topic, int dead, const char *ts_field, ib_vlist_t *out,
                         uint64_t *bad_lines, char *errstr, size_t errstr_size) {
        DIR *dp = opendir(dir);
        if (!dp) {
                if (dead)
                        return IB_OK; /* no dead letters were ever written */
                return ib_seterr(errstr, errstr_size, IB_ERR_NOT_FOUND, "sink %s: cannot open", dir);
        }
        rfile_t *files = NULL;
        size_t nf = 0, cap = 0;
        struct dirent *de;
        while ((de = readdir(dp))) {
                rfile_t f;
                char t[256];
                if (ib_sink_parse_range_name(de->d_name, t, sizeof(t), &f.partition, &f.from, &f.until) ||
                    strcmp(t, topic) || strlen(de->d_name) >= sizeof(f.name))
                        continue;
                strcpy(f.name, de->d_name);
                if (ib_array_grow(&files, &cap, nf + 1, sizeof(*files), 256)) {
                        free(files);
                        closedir(dp);
                        return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                }
                files[nf++] = f;
        }
        closedir(dp);
        if (nf)
                qsort(files, nf, sizeof(*files), rfile_cmp);
        ib_err_t err = IB_OK;
        for (size_t i = 0; i < nf && !err; i++) {
                char path[1024];
                snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
                char *data;
                size_t len;
                if ((err = ib_fs_read_file(path, &data, &len, errstr, errstr_size)))
                        break;
                struct stat st;
                if (ib_array_grow(&out->files, &out->files_cap, out->nfiles + 1, sizeof(*out->files), 256)) {
                        free(data);
                        err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                        break;
                }
                int32_t fidx = (int32_t)out->nfiles;
                out->files[out->nfiles++] = (ib_vfile_t){
                    files[i].partition, files[i].from, files[i].until,
                    stat(path, &st) ? -1 : (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000};
                ib_lines_t it = ib_lines(data, len);
                const char *line;
                size_t n;
                while (ib_lines_next(&it, &line, &n)) {
                        json_t *j = json_loadb(line, n, 0, NULL);
                        json_t *jp = json_object_get(j, dead ? "partition" : "_partition");
                        json_t *jo = json_object_get(j, dead ? "offset" : "_offset");
                        const char *id = dead ? NULL : json_string_value(json_object_get(j, "id"));
                        if (!json_is_integer(jp) || !json_is_integer(jo)) {
                                (*bad_lines)++;
                                fprintf(stderr, "ingestbench verify: %s: unreadable line at byte %zu\n",
                                        path, (size_t)(line - data));
                        } else if (vlist_add(out, (int32_t)json_integer_value(jp),
                                             (int64_t)json_integer_value(jo), id, id ? strlen(id) : 0)) {
                                err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                        } else {
                                json_t *ts = ts_field ? json_object_get(j, ts_field) : NULL;
                                out->v[out->n - 1].file = fidx;
                                out->v[out->n - 1].ts = json_is_integer(ts) ? (int64_t)json_integer_value(ts) : -1;
                        }
                        json_decref(j);
                        if (err)
                                break;
                }
                free(data);
        }
        free(files);
        return err;
}
