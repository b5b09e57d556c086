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
        if (id) { /* pool offset + 1 for now; made a pointer by vlist_fix() */
                r->id = (const char *)(uintptr_t)(l->pool.len + 1);
                if (ib_buf_append(&l->pool, id, idlen) || ib_buf_append(&l->pool, "", 1))
                        return -1;
        }
        return 0;
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

/* Takes one message of the read-back; @returns 1 when its partition is done. */
static int take_message(const char *topic, rpart_t *pt, const rd_kafka_message_t *m, ib_vlist_t *out,
                        ib_err_t *err, char *errstr, size_t errstr_size) {
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
                return m->offset >= pt->hi;
        if (m->err) {
                fprintf(stderr, "ingestbench verify: %s [%d]: %s\n", topic, (int)m->partition, rd_kafka_message_errstr(m));
                return 0;
        }
        if (m->offset >= pt->hi)
                return 0;
        if (add_input(out, m)) {
                *err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                return 0;
        }
        return m->offset + 1 >= pt->hi;
}

/* Reads partitions [lo, hi) through one queue until all are done, bounded. */
static ib_err_t drain(rd_kafka_t *rk, const char *topic, rpart_t *parts, int n, int timeout_ms, ib_vlist_t *out,
                      char *errstr, size_t errstr_size) {
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
                                        "reading %s back: %d partitions unfinished after %d ms", topic, remaining,
                                        timeout_ms);
                        break;
                }
                ssize_t got = rd_kafka_consume_batch_queue(q, 500, msgs, 1024);
                for (ssize_t i = 0; i < got; i++) {
                        int32_t p = msgs[i]->partition;
                        if (!err && p >= 0 && p < n && !parts[p].done &&
                            take_message(topic, &parts[p], msgs[i], out, &err, errstr, errstr_size))
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

ib_err_t ib_verify_read_topic(const char *brokers, const ib_props_t *props, const char *topic,
                              int timeout_ms, ib_vlist_t *out, char *errstr, size_t errstr_size) {
        static const char *const settings[] = {"enable.partition.eof", "true", NULL};
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
        err = drain(rk, topic, parts, n, timeout_ms, out, errstr, errstr_size);
done:
        rd_kafka_destroy(rk);
        free(ids);
        free(lo);
        free(hi);
        free(parts);
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
                char *line = data, *nl;
                for (; line < data + len; line = nl + 1) {
                        nl = memchr(line, '\n', (size_t)(data + len - line));
                        if (!nl)
                                nl = data + len;
                        if (nl == line)
                                continue;
                        json_t *j = json_loadb(line, (size_t)(nl - line), 0, NULL);
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
