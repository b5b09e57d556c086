/*
 * history.c: builds a run's history (history.h) from the workers' event
 * logs. Each mode names its commits a little differently; this file is the
 * one place that knows, so the checker sees one shape.
 */
#include "history.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "array.h"
#include "fsutil.h"
#include "lines.h"

#define MAX_TRACKED_PARTITIONS 4096

int ib_history_worker(ib_history_t *h, const char *name) {
        for (int i = 0; i < h->nworkers; i++)
                if (!strcmp(h->workers[i], name))
                        return i;
        void *w = realloc(h->workers, (size_t)(h->nworkers + 1) * sizeof(*h->workers));
        if (!w)
                return -1;
        h->workers = w;
        snprintf(h->workers[h->nworkers], sizeof(h->workers[0]), "%s", name);
        return h->nworkers++;
}

ib_err_t ib_history_add(ib_history_t *h, const ib_hevent_t *e) {
        if (ib_array_grow(&h->ev, &h->cap, h->n + 1, sizeof(*h->ev), 1024))
                return IB_ERR_NOMEM;
        h->ev[h->n] = *e;
        h->ev[h->n++].seq = h->next_seq++;
        return IB_OK;
}

ib_err_t ib_history_fault(ib_history_t *h, const ib_hfault_t *f) {
        if (ib_array_grow(&h->faults, &h->faults_cap, h->nfaults + 1, sizeof(*h->faults), 16))
                return IB_ERR_NOMEM;
        h->faults[h->nfaults++] = *f;
        return IB_OK;
}

/* What one worker's log has said so far. */
typedef struct {
        int worker, incarnation;
        int32_t generation;                      /* group: from the latest assignment */
        int32_t epoch[MAX_TRACKED_PARTITIONS];   /* direct: each claim's epoch */
} reader_t;

static int32_t gen_of(const reader_t *r, int32_t p) {
        if (r->generation >= 0)
                return r->generation;
        return p >= 0 && p < MAX_TRACKED_PARTITIONS ? r->epoch[p] : -1;
}

static int64_t int_of(json_t *o, const char *key, int64_t dflt) {
        json_t *v = json_object_get(o, key);
        return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

static void str_into(char *out, size_t size, json_t *o, const char *key) {
        const char *s = json_string_value(json_object_get(o, key));
        snprintf(out, size, "%s", s ? s : "");
}

static ib_err_t add(ib_history_t *h, reader_t *r, ib_hkind_t kind, int64_t t, int32_t p, ib_hevent_t *tmpl) {
        ib_hevent_t e = tmpl ? *tmpl : (ib_hevent_t){.from = -1, .until = -1, .batch = -1, .sent_ms = -1};
        e.kind = kind;
        e.t_ms = t;
        e.worker = r->worker;
        e.incarnation = r->incarnation;
        e.partition = p;
        if (!tmpl)
                e.generation = gen_of(r, p);
        return ib_history_add(h, &e);
}

static ib_err_t on_batch(ib_history_t *h, reader_t *r, int64_t t, json_t *ev) {
        json_t *ranges = json_object_get(ev, "ranges"), *x;
        size_t i;
        int64_t seq = int_of(ev, "seq", -1);
        json_array_foreach(ranges, i, x) {
                int32_t p = (int32_t)int_of(x, "partition", -1);
                ib_hevent_t e = {.sent_ms = -1, .from = int_of(x, "from", -1), .until = int_of(x, "until", -1),
                                 .records = int_of(x, "records", 0), .batch = seq, .generation = gen_of(r, p)};
                ib_err_t err = add(h, r, IB_H_BATCH, t, p, &e);
                if (err)
                        return err;
        }
        return IB_OK;
}

/* rebalance (group modes): partitions are numbers, or objects with "partition". */
static ib_err_t on_rebalance(ib_history_t *h, reader_t *r, int64_t t, json_t *ev) {
        const char *kind = json_string_value(json_object_get(ev, "kind"));
        int32_t gen = (int32_t)int_of(ev, "generation", -1);
        ib_hkind_t hk = !kind ? IB_H_REVOKE : !strcmp(kind, "assign") ? IB_H_ASSIGN
                                          : !strcmp(kind, "lost")     ? IB_H_LOST
                                                                      : IB_H_REVOKE;
        if (hk == IB_H_ASSIGN && gen >= 0)
                r->generation = gen;
        const char *protocol = json_string_value(json_object_get(ev, "protocol"));
        if (protocol && !strcmp(protocol, "consumer"))
                h->member_epochs = 1;
        json_t *parts = json_object_get(ev, "partitions"), *x;
        size_t i;
        json_array_foreach(parts, i, x) {
                int32_t p = json_is_integer(x) ? (int32_t)json_integer_value(x) : (int32_t)int_of(x, "partition", -1);
                ib_hevent_t e = {.from = -1, .until = -1, .batch = -1, .generation = gen, .sent_ms = -1};
                ib_err_t err = add(h, r, hk, t, p, &e);
                if (err)
                        return err;
        }
        return IB_OK;
}

/* assign / revoke / fenced with one "partition" (direct; fenced also in group modes). */
static ib_err_t on_ownership(ib_history_t *h, reader_t *r, int64_t t, json_t *ev, ib_hkind_t hk) {
        int32_t p = (int32_t)int_of(ev, "partition", -1);
        int32_t gen = (int32_t)int_of(ev, "epoch", int_of(ev, "generation", -1));
        if (json_object_get(ev, "epoch"))
                h->epochs = 1;
        if (hk == IB_H_ASSIGN && p >= 0 && p < MAX_TRACKED_PARTITIONS && json_object_get(ev, "epoch"))
                r->epoch[p] = gen;
        ib_hevent_t e = {.from = -1, .until = -1, .batch = -1, .generation = gen, .sent_ms = -1};
        return add(h, r, hk, t, p, &e);
}

/* A list of {partition, offset[, error|result|epoch]} as commits of one kind. */
static ib_err_t on_commit_list(ib_history_t *h, reader_t *r, int64_t t, json_t *ev, json_t *list, ib_hkind_t hk,
                               int ok, const char *how) {
        json_t *x;
        size_t i;
        int64_t batch = int_of(ev, "batch", -1);
        /* how long the commit took before its outcome was logged: it was sent that much earlier */
        json_t *took = json_object_get(ev, "multi_ms") ? json_object_get(ev, "multi_ms") : json_object_get(ev, "commit_ms");
        int64_t sent = json_is_number(took) ? t - (int64_t)json_number_value(took) : -1;
        json_array_foreach(list, i, x) {
                int32_t p = (int32_t)int_of(x, "partition", -1);
                ib_hevent_t e = {.from = -1, .until = int_of(x, "offset", -1), .batch = batch, .ok = ok, .sent_ms = sent};
                e.generation = (int32_t)int_of(x, "epoch", int_of(ev, "generation", gen_of(r, p)));
                snprintf(e.how, sizeof(e.how), "%s", how);
                if (hk == IB_H_COMMIT && !ok) {
                        const char *pe = json_string_value(json_object_get(x, "error"));
                        str_into(e.error, sizeof(e.error), ev, "error");
                        if (pe && strcmp(pe, "NO_ERROR") && !e.error[0])
                                snprintf(e.error, sizeof(e.error), "%s", pe);
                } else if (hk == IB_H_COMMIT) {
                        /* async: one partition of a commit can fail alone */
                        const char *pe = json_string_value(json_object_get(x, "error"));
                        if (pe && strcmp(pe, "NO_ERROR")) {
                                e.ok = 0;
                                snprintf(e.error, sizeof(e.error), "%s", pe);
                        }
                }
                ib_err_t err = add(h, r, hk, t, p, &e);
                if (err)
                        return err;
        }
        return IB_OK;
}

static ib_err_t on_commit(ib_history_t *h, reader_t *r, int64_t t, json_t *ev) {
        json_t *ok = json_object_get(ev, "ok");
        char how[24];
        str_into(how, sizeof(how), ev, json_object_get(ev, "to") ? "to" : "how");
        if (!ok) /* async-commit: the request; its outcome is commit_result */
                return on_commit_list(h, r, t, ev, json_object_get(ev, "offsets"), IB_H_COMMIT_REQ, 0, how);
        json_t *list = json_object_get(ev, "partitions"); /* direct */
        if (list)
                return on_commit_list(h, r, t, ev, list, IB_H_COMMIT, json_is_true(ok), "zk");
        return on_commit_list(h, r, t, ev, json_object_get(ev, "offsets"), IB_H_COMMIT, json_is_true(ok), how);
}

/* checkpoint: the batch's ranges' ends are stored. */
static ib_err_t on_checkpoint(ib_history_t *h, reader_t *r, int64_t t, json_t *ev) {
        int64_t batch = int_of(ev, "batch", -1);
        size_t n = h->n;
        for (size_t i = n; i-- > 0;) {
                const ib_hevent_t *b = &h->ev[i];
                if (b->worker != r->worker || b->incarnation != r->incarnation)
                        continue;
                if (b->kind == IB_H_BATCH && b->batch < batch)
                        break;
                if (b->kind != IB_H_BATCH || b->batch != batch)
                        continue;
                ib_hevent_t e = {.from = -1, .until = b->until, .batch = batch, .ok = json_is_true(json_object_get(ev, "ok")),
                                 .generation = -1, .sent_ms = -1};
                snprintf(e.how, sizeof(e.how), "%s", IB_EV_CHECKPOINT);
                ib_err_t err = add(h, r, IB_H_COMMIT, t, b->partition, &e);
                if (err)
                        return err;
        }
        return IB_OK;
}

/* direct: the multi whose answer was lost did land. */
static void on_commit_landed(ib_history_t *h, reader_t *r, json_t *ev) {
        int64_t batch = int_of(ev, "batch", -1);
        for (size_t i = h->n; i-- > 0;) {
                ib_hevent_t *c = &h->ev[i];
                if (c->worker != r->worker || c->incarnation != r->incarnation || c->kind != IB_H_COMMIT)
                        continue;
                if (c->batch != batch)
                        break;
                c->ok = 1;
                c->error[0] = 0;
        }
}

static ib_err_t on_event(ib_history_t *h, reader_t *r, json_t *ev) {
        const char *name = json_string_value(json_object_get(ev, "event"));
        int64_t t = int_of(ev, "t_ms", -1);
        if (!name || t < 0)
                return IB_OK;
        if (!strcmp(name, IB_EV_START)) {
                r->incarnation++;
                r->generation = -1;
                for (int i = 0; i < MAX_TRACKED_PARTITIONS; i++)
                        r->epoch[i] = -1;
                return add(h, r, IB_H_START, t, -1, NULL);
        }
        if (!strcmp(name, IB_EV_STOP))
                return add(h, r, IB_H_STOP, t, -1, NULL);
        if (!strcmp(name, IB_EV_ERROR))
                return add(h, r, IB_H_ERROR, t, -1, NULL);
        if (!strcmp(name, IB_EV_RETRY))
                return add(h, r, IB_H_RETRY, t, -1, NULL);
        if (!strcmp(name, IB_EV_BATCH))
                return on_batch(h, r, t, ev);
        if (!strcmp(name, IB_EV_REBALANCE))
                return on_rebalance(h, r, t, ev);
        if (!strcmp(name, IB_EV_ASSIGN))
                return on_ownership(h, r, t, ev, IB_H_ASSIGN);
        if (!strcmp(name, IB_EV_REVOKE))
                return on_ownership(h, r, t, ev, IB_H_REVOKE);
        if (!strcmp(name, IB_EV_FENCED))
                return on_ownership(h, r, t, ev, IB_H_FENCED);
        if (!strcmp(name, IB_EV_COMMIT))
                return on_commit(h, r, t, ev);
        if (!strcmp(name, IB_EV_COMMIT_RESULT)) {
                char how[24];
                str_into(how, sizeof(how), ev, "how");
                return on_commit_list(h, r, t, ev, json_object_get(ev, "offsets"), IB_H_COMMIT,
                                      json_is_true(json_object_get(ev, "ok")), how);
        }
        if (!strcmp(name, IB_EV_CHECKPOINT))
                return on_checkpoint(h, r, t, ev);
        if (!strcmp(name, IB_EV_COMMIT_LANDED))
                on_commit_landed(h, r, ev);
        return IB_OK;
}

ib_err_t ib_history_read_log(ib_history_t *h, const char *name, const char *text, size_t len) {
        reader_t *r = malloc(sizeof(*r));
        if (!r)
                return IB_ERR_NOMEM;
        r->worker = ib_history_worker(h, name);
        r->incarnation = 0;
        r->generation = -1;
        for (int i = 0; i < MAX_TRACKED_PARTITIONS; i++)
                r->epoch[i] = -1;
        ib_err_t err = r->worker < 0 ? IB_ERR_NOMEM : IB_OK;
        ib_lines_t it = ib_lines(text, len);
        const char *line;
        size_t n;
        while (!err && ib_lines_next(&it, &line, &n)) {
                json_t *ev = json_loadb(line, n, 0, NULL);
                if (!ev)
                        h->unreadable++;
                else
                        err = on_event(h, r, ev);
                json_decref(ev);
        }
        free(r);
        return err;
}

ib_err_t ib_history_read_file(ib_history_t *h, const char *name, const char *path, char *errstr,
                              size_t errstr_size) {
        char *data = NULL;
        size_t len = 0;
        ib_err_t err = ib_fs_read_file(path, &data, &len, errstr, errstr_size);
        if (err == IB_ERR_NOT_FOUND)
                return ib_history_worker(h, name) < 0 ? IB_ERR_NOMEM : IB_OK;
        if (err)
                return err;
        err = ib_history_read_log(h, name, data, len);
        free(data);
        if (err)
                ib_seterr(errstr, errstr_size, err, "out of memory reading %s", path);
        return err;
}

static int by_time(const void *a, const void *b) {
        const ib_hevent_t *x = a, *y = b;
        if (x->t_ms != y->t_ms)
                return x->t_ms < y->t_ms ? -1 : 1;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void ib_history_sort(ib_history_t *h) {
        if (h->n)
                qsort(h->ev, h->n, sizeof(*h->ev), by_time);
}

void ib_history_free(ib_history_t *h) {
        free(h->ev);
        free(h->workers);
        free(h->faults);
        memset(h, 0, sizeof(*h));
}
