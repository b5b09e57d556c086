/*
 * checker.c: finds a run's anomalies (checker.h). The accounting itself is
 * the verifier's (verify.c), fed the sink lines in durable-time order; this
 * file adds what needs the history: runs of offsets per anomaly, which
 * files and workers they came from, the commits, and what was processed
 * more than once without becoming visible.
 */
#include "checker.h"

#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

static const char *const kind_names[IB_AN_KIND_COUNT] = {
    "duplicate", "lost", "out_of_order", "offset_backwards", "committed_too_far", "unexpected",
};

const char *ib_anomaly_kind_name(ib_anomaly_kind_t kind) {
        return kind >= 0 && kind < IB_AN_KIND_COUNT ? kind_names[kind] : "?";
}

/* What the checker knows of one input record. */
typedef struct {
        uint32_t visible;   /* sink lines holding it */
        uint32_t processed; /* batches whose range covered it */
        int32_t file_a, file_b; /* the first two files holding it, by durable time */
        char dead;
} rstate_t;

typedef struct {
        const ib_check_input_t *in;
        size_t *order;      /* produced, by (partition, offset) */
        rstate_t *st;       /* by position in order */
        int64_t *ftime;     /* each file's durable time */
        ib_check_result_t *out;
} chk_t;

static const ib_check_input_t *sort_in;

static int po_cmp(const void *a, const void *b) {
        const ib_vrec_t *x = &sort_in->produced[*(const size_t *)a], *y = &sort_in->produced[*(const size_t *)b];
        if (x->partition != y->partition)
                return x->partition < y->partition ? -1 : 1;
        return (x->offset > y->offset) - (x->offset < y->offset);
}

/* The first position in c->order at or after (p, o). */
static size_t lower_bound(const chk_t *c, int32_t p, int64_t o) {
        size_t lo = 0, hi = c->in->nproduced;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const ib_vrec_t *r = &c->in->produced[c->order[mid]];
                if (r->partition < p || (r->partition == p && r->offset < o))
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

/* The position of (p, o), or SIZE_MAX. */
static size_t find(const chk_t *c, int32_t p, int64_t o) {
        size_t i = lower_bound(c, p, o);
        if (i < c->in->nproduced && c->in->produced[c->order[i]].partition == p &&
            c->in->produced[c->order[i]].offset == o)
                return i;
        return SIZE_MAX;
}

static ib_anomaly_t *add_anomaly(ib_check_result_t *r, ib_anomaly_kind_t kind, int32_t p, int64_t from) {
        if (ib_array_grow(&r->anomalies, &r->cap, r->nanomalies + 1, sizeof(*r->anomalies), 16))
                return NULL;
        ib_anomaly_t *a = &r->anomalies[r->nanomalies++];
        *a = (ib_anomaly_t){.kind = kind, .partition = p, .from = from, .until = from + 1, .t_ms = -1,
                            .worker = -1, .file_a = -1, .file_b = -1};
        return a;
}

/* A file's durable time: its first writer's batch event, else its mtime. */
static void file_times(chk_t *c) {
        const ib_check_input_t *in = c->in;
        for (size_t f = 0; f < in->nfiles; f++)
                c->ftime[f] = in->files[f].mtime_ms >= 0 ? in->files[f].mtime_ms : INT64_MAX;
        const ib_history_t *h = in->history;
        for (size_t i = 0; h && i < h->n; i++) {
                const ib_hevent_t *e = &h->ev[i];
                if (e->kind != IB_H_BATCH)
                        continue;
                /* files are sorted by (partition, from, until): binary search */
                size_t lo = 0, hi = in->nfiles;
                while (lo < hi) {
                        size_t mid = lo + (hi - lo) / 2;
                        const ib_vfile_t *f = &in->files[mid];
                        int less = f->partition < e->partition ||
                                   (f->partition == e->partition &&
                                    (f->from < e->from || (f->from == e->from && f->until < e->until)));
                        if (less)
                                lo = mid + 1;
                        else
                                hi = mid;
                }
                if (lo < in->nfiles && in->files[lo].partition == e->partition && in->files[lo].from == e->from &&
                    in->files[lo].until == e->until && e->t_ms < c->ftime[lo])
                        c->ftime[lo] = e->t_ms;
        }
}

static const chk_t *sort_chk;

static int del_cmp(const void *a, const void *b) {
        size_t i = *(const size_t *)a, j = *(const size_t *)b;
        const ib_vrec_t *x = &sort_chk->in->delivered[i], *y = &sort_chk->in->delivered[j];
        int64_t tx = x->file >= 0 && (size_t)x->file < sort_chk->in->nfiles ? sort_chk->ftime[x->file] : INT64_MAX;
        int64_t ty = y->file >= 0 && (size_t)y->file < sort_chk->in->nfiles ? sort_chk->ftime[y->file] : INT64_MAX;
        if (tx != ty)
                return tx < ty ? -1 : 1;
        if (x->file != y->file)
                return x->file < y->file ? -1 : 1;
        return (i > j) - (i < j);
}

/* Visible deliveries, files, out-of-order runs. @p dorder: deliveries by durable time. */
static ib_err_t scan_deliveries(chk_t *c, const size_t *dorder) {
        const ib_check_input_t *in = c->in;
        ib_anomaly_t *run = NULL;
        int32_t *pmax_p = NULL;
        int64_t *pmax = NULL;
        size_t npmax = 0, cap1 = 0, cap2 = 0;
        for (size_t k = 0; k < in->ndelivered; k++) {
                const ib_vrec_t *d = &in->delivered[dorder[k]];
                size_t i = find(c, d->partition, d->offset);
                const ib_vrec_t *pr = i == SIZE_MAX ? NULL : &in->produced[c->order[i]];
                if (!pr || !pr->id || !d->id || strcmp(pr->id, d->id))
                        continue; /* unexpected: the verifier counts it */
                rstate_t *s = &c->st[i];
                s->visible++;
                if (s->file_a < 0)
                        s->file_a = d->file;
                else if (s->file_b < 0 && d->file != s->file_a)
                        s->file_b = d->file;
                if (s->visible > 1 || in->no_order)
                        continue;
                size_t m;
                for (m = 0; m < npmax && pmax_p[m] != d->partition; m++)
                        ;
                if (m == npmax) {
                        if (ib_array_grow(&pmax_p, &cap1, npmax + 1, sizeof(*pmax_p), 16) ||
                            ib_array_grow(&pmax, &cap2, npmax + 1, sizeof(*pmax), 16))
                                goto nomem;
                        pmax_p[npmax] = d->partition;
                        pmax[npmax++] = -1;
                }
                if (d->offset >= pmax[m]) {
                        pmax[m] = d->offset;
                        continue;
                }
                if (run && run->partition == d->partition && run->until == d->offset && run->file_a == d->file) {
                        run->until++;
                        run->count++;
                } else {
                        if (!(run = add_anomaly(c->out, IB_AN_OUT_OF_ORDER, d->partition, d->offset)))
                                goto nomem;
                        run->count = 1;
                        run->file_a = d->file;
                        run->t_ms = d->file >= 0 && (size_t)d->file < in->nfiles ? c->ftime[d->file] : -1;
                        snprintf(run->explanation, sizeof(run->explanation),
                                 "%s/%d offsets from %lld first delivered after offset %lld", in->topic,
                                 (int)d->partition, (long long)d->offset, (long long)pmax[m]);
                }
        }
        free(pmax_p);
        free(pmax);
        return IB_OK;
nomem:
        free(pmax_p);
        free(pmax);
        return IB_ERR_NOMEM;
}

static void scan_batches(chk_t *c) {
        const ib_history_t *h = c->in->history;
        for (size_t i = 0; h && i < h->n; i++) {
                const ib_hevent_t *e = &h->ev[i];
                if (e->kind != IB_H_BATCH)
                        continue;
                for (size_t k = lower_bound(c, e->partition, e->from);
                     k < c->in->nproduced && c->in->produced[c->order[k]].partition == e->partition &&
                     c->in->produced[c->order[k]].offset < e->until;
                     k++)
                        c->st[k].processed++;
        }
}

/* Runs of duplicates (same two files) and of lost offsets; redelivered. */
static ib_err_t scan_records(chk_t *c) {
        const ib_check_input_t *in = c->in;
        ib_anomaly_t *dup = NULL, *lost = NULL;
        for (size_t k = 0; k < in->nproduced; k++) {
                const ib_vrec_t *r = &in->produced[c->order[k]];
                rstate_t *s = &c->st[k];
                uint32_t seen = s->processed > s->visible ? s->processed : s->visible;
                if (seen > 0)
                        c->out->redelivered += seen - (s->visible > 1 ? s->visible : 1);
                if (s->visible > 1) {
                        if (dup && dup->partition == r->partition && dup->until == r->offset &&
                            dup->file_a == s->file_a && dup->file_b == s->file_b) {
                                dup->until++;
                        } else {
                                if (!(dup = add_anomaly(c->out, IB_AN_DUPLICATE, r->partition, r->offset)))
                                        return IB_ERR_NOMEM;
                                dup->file_a = s->file_a;
                                dup->file_b = s->file_b;
                        }
                        dup->count += s->visible - 1;
                } else if (s->visible == 0 && !s->dead) {
                        if (lost && lost->partition == r->partition && lost->until == r->offset) {
                                lost->until++;
                        } else if (!(lost = add_anomaly(c->out, IB_AN_LOST, r->partition, r->offset))) {
                                return IB_ERR_NOMEM;
                        }
                        lost->count++;
                }
        }
        return IB_OK;
}

/* ---- commits ---------------------------------------------------------------------- */

/* One partition's durable frontier: every offset below it has durable output. */
typedef struct {
        int64_t frontier;
        int64_t (*pending)[2];      /* ranges beyond the frontier */
        size_t npending, cap;
} pstate_t;

static void absorb(pstate_t *ps, int64_t from, int64_t until) {
        if (from > ps->frontier) {
                if (!ib_array_grow(&ps->pending, &ps->cap, ps->npending + 1, sizeof(*ps->pending), 8)) {
                        ps->pending[ps->npending][0] = from;
                        ps->pending[ps->npending++][1] = until;
                }
                return;
        }
        if (until > ps->frontier)
                ps->frontier = until;
        for (int moved = 1; moved;) {
                moved = 0;
                for (size_t i = 0; i < ps->npending; i++)
                        if (ps->pending[i][0] <= ps->frontier) {
                                if (ps->pending[i][1] > ps->frontier)
                                        ps->frontier = ps->pending[i][1];
                                ps->pending[i][0] = ps->pending[--ps->npending][0];
                                ps->pending[i][1] = ps->pending[ps->npending][1];
                                moved = 1;
                                break;
                        }
        }
}

/* A successful commit, placed at the earliest time it can have landed: when
 * it was requested (an async commit's outcome is only reported at a later
 * poll) or sent (a ZooKeeper multi whose answer waited out a pause). Only a
 * commit that is behind even then is reported as moving backwards. */
typedef struct {
        int64_t t_ms;
        size_t ev;
} okc_t;

static int okc_cmp(const void *a, const void *b) {
        const okc_t *x = a, *y = b;
        if (x->t_ms != y->t_ms)
                return x->t_ms < y->t_ms ? -1 : 1;
        return (x->ev > y->ev) - (x->ev < y->ev);
}

/* The latest request of commit @p i by the same worker run, or SIZE_MAX. */
static size_t request_of(const ib_hevent_t *ev, size_t i) {
        const ib_hevent_t *e = &ev[i];
        for (size_t j = i; j-- > 0;) {
                const ib_hevent_t *q = &ev[j];
                if (q->kind == IB_H_COMMIT_REQ && q->worker == e->worker && q->incarnation == e->incarnation &&
                    q->partition == e->partition && q->until == e->until)
                        return j;
                if (e->t_ms - q->t_ms > 600000)
                        break;
        }
        return SIZE_MAX;
}

static ib_err_t too_far(chk_t *c, const ib_hevent_t *e, int64_t frontier) {
        const ib_check_input_t *in = c->in;
        ib_anomaly_t *a = add_anomaly(c->out, IB_AN_COMMITTED_TOO_FAR, e->partition, frontier);
        if (!a)
                return IB_ERR_NOMEM;
        a->until = e->until;
        a->count = 1;
        a->t_ms = e->t_ms;
        a->worker = e->worker;
        snprintf(a->explanation, sizeof(a->explanation),
                 "%s/%d: %s's %s commit of %lld at +%.3f s covered offsets %lld-%lld whose output was not durable yet",
                 in->topic, (int)e->partition, in->history->workers[e->worker], e->how, (long long)e->until,
                 (double)(e->t_ms - in->t0_ms) / 1000.0, (long long)frontier, (long long)e->until - 1);
        c->out->committed_too_far++;
        return IB_OK;
}

/* The partitions a check meets, sorted and unique: state is kept per entry,
 * so memory follows how many partitions there are, never the largest number
 * an event log names (one line with partition 99999999 asked for 3.2 GB). */
typedef struct {
        int32_t *v;
        size_t n;
} parts_t;

static int i32_cmp(const void *a, const void *b) {
        int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
        return (x > y) - (x < y);
}

/* @returns the index of partition @p p, or -1 when it is not listed. */
static ptrdiff_t part_index(const parts_t *parts, int32_t p) {
        const int32_t *hit = bsearch(&p, parts->v, parts->n, sizeof(*parts->v), i32_cmp);
        return hit ? hit - parts->v : -1;
}

/* Every partition (>= 0) of the history and of the produced records. */
static ib_err_t parts_collect(const ib_check_input_t *in, parts_t *parts) {
        const ib_history_t *h = in->history;
        parts->n = 0;
        parts->v = malloc((h->n + in->nproduced + 1) * sizeof(*parts->v));
        if (!parts->v)
                return IB_ERR_NOMEM;
        for (size_t i = 0; i < h->n; i++)
                if (h->ev[i].partition >= 0)
                        parts->v[parts->n++] = h->ev[i].partition;
        for (size_t i = 0; i < in->nproduced; i++)
                if (in->produced[i].partition >= 0)
                        parts->v[parts->n++] = in->produced[i].partition;
        qsort(parts->v, parts->n, sizeof(*parts->v), i32_cmp);
        size_t u = 0;
        for (size_t i = 0; i < parts->n; i++)
                if (!u || parts->v[u - 1] != parts->v[i])
                        parts->v[u++] = parts->v[i];
        parts->n = u;
        return IB_OK;
}

/* Successful commits in landing order: one below its partition's previous is an anomaly. */
static ib_err_t backwards(chk_t *c, okc_t *ok, size_t nok, const parts_t *parts) {
        const ib_check_input_t *in = c->in;
        const ib_history_t *h = in->history;
        int64_t *last = malloc((parts->n + 1) * sizeof(*last));
        int *who = malloc((parts->n + 1) * sizeof(*who));
        if (!last || !who) {
                free(last);
                free(who);
                return IB_ERR_NOMEM;
        }
        for (size_t i = 0; i < parts->n; i++)
                last[i] = -1, who[i] = -1;
        qsort(ok, nok, sizeof(*ok), okc_cmp);
        ib_err_t err = IB_OK;
        for (size_t k = 0; k < nok && !err; k++) {
                const ib_hevent_t *e = &h->ev[ok[k].ev];
                int32_t partition = e->partition;
                ptrdiff_t p = part_index(parts, partition); /* listed: scan_commits kept only those */
                if (last[p] >= 0 && e->until < last[p]) {
                        ib_anomaly_t *a = add_anomaly(c->out, IB_AN_OFFSET_BACKWARDS, partition, e->until);
                        if (!a) {
                                err = IB_ERR_NOMEM;
                                break;
                        }
                        a->until = last[p];
                        a->count = 1;
                        a->t_ms = ok[k].t_ms;
                        a->worker = e->worker;
                        snprintf(a->explanation, sizeof(a->explanation),
                                 "%s/%d: %s's %s commit of %lld at +%.3f s moved the committed offset back from %lld "
                                 "(committed by %s)",
                                 in->topic, (int)partition, h->workers[e->worker], e->how, (long long)e->until,
                                 (double)(ok[k].t_ms - in->t0_ms) / 1000.0, (long long)last[p],
                                 who[p] >= 0 ? h->workers[who[p]] : "?");
                        c->out->offsets_backwards++;
                }
                last[p] = e->until;
                who[p] = e->worker;
        }
        free(last);
        free(who);
        return err;
}

static ib_err_t scan_commits(chk_t *c) {
        const ib_check_input_t *in = c->in;
        const ib_history_t *h = in->history;
        if (!h || h->n == 0)
                return IB_OK;
        parts_t parts = {0};
        ib_err_t err = parts_collect(in, &parts);
        pstate_t *ps = calloc(parts.n + 1, sizeof(*ps));
        int64_t *req_frontier = malloc(h->n * sizeof(*req_frontier));
        okc_t *ok = malloc(h->n * sizeof(*ok));
        size_t nok = 0;
        if (err || !ps || !req_frontier || !ok) {
                err = IB_ERR_NOMEM;
                goto done;
        }
        for (size_t i = 0; i < parts.n; i++) {
                size_t k = lower_bound(c, parts.v[i], INT64_MIN);
                ps[i].frontier = k < in->nproduced && in->produced[c->order[k]].partition == parts.v[i]
                                     ? in->produced[c->order[k]].offset
                                     : 0;
        }
        for (size_t i = 0; i < h->n && !err; i++) {
                const ib_hevent_t *e = &h->ev[i];
                ptrdiff_t pi = e->partition < 0 ? -1 : part_index(&parts, e->partition);
                if (pi < 0)
                        continue;
                pstate_t *p = &ps[pi];
                if (e->kind == IB_H_BATCH)
                        absorb(p, e->from, e->until);
                else if (e->kind == IB_H_COMMIT_REQ)
                        req_frontier[i] = p->frontier;
                if (e->kind != IB_H_COMMIT || !e->ok)
                        continue;
                size_t rq = request_of(h->ev, i);
                int64_t frontier = rq == SIZE_MAX ? p->frontier : req_frontier[rq];
                int64_t landed = rq != SIZE_MAX ? h->ev[rq].t_ms : e->sent_ms >= 0 ? e->sent_ms : e->t_ms;
                ok[nok++] = (okc_t){landed, i};
                if (in->commits_cover_sink && e->until > frontier)
                        err = too_far(c, e, frontier);
        }
        if (!err)
                err = backwards(c, ok, nok, &parts);
done:
        for (size_t i = 0; ps && i < parts.n; i++)
                free(ps[i].pending);
        free(ps);
        free(parts.v);
        free(req_frontier);
        free(ok);
        return err;
}

static ib_err_t add_unexpected(chk_t *c) {
        const ib_verify_kind_t *u = &c->out->counts.unexpected;
        for (size_t i = 0; i < u->nsamples; i++) {
                ib_anomaly_t *a = add_anomaly(c->out, IB_AN_UNEXPECTED, u->samples[i].partition, u->samples[i].offset);
                if (!a)
                        return IB_ERR_NOMEM;
                a->count = 1;
                snprintf(a->explanation, sizeof(a->explanation),
                         "%s/%d offset %lld: a sink line with id \"%s\" that matches no input record", c->in->topic,
                         (int)u->samples[i].partition, (long long)u->samples[i].offset,
                         u->samples[i].id[0] ? u->samples[i].id : "-");
        }
        return IB_OK;
}

static void broker_side(chk_t *c) {
        const ib_check_input_t *in = c->in;
        c->out->broker_lost = -1;
        if (!in->run_id || in->acked < 0)
                return;
        size_t len = strlen(in->run_id);
        int64_t held = 0;
        for (size_t i = 0; i < in->nproduced; i++) {
                const char *id = in->produced[i].id;
                held += id && !strncmp(id, in->run_id, len) && id[len] == '-';
        }
        held -= (int64_t)c->out->counts.input_duplicates.count;
        c->out->broker_lost = in->acked > held ? in->acked - held : 0;
}

/* ---- a Kafka sink's log ------------------------------------------------------- */

static int i64_cmp(const void *a, const void *b) {
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
        return (x > y) - (x < y);
}

/* Why the range write @p w of the log did not become visible: a batch with
 * the same range whose worker did not commit it afterwards. */
static void explain_aborted(const ib_check_input_t *in, ib_aborted_write_t *w) {
        const ib_history_t *h = in->history;
        int writers = 0;
        for (size_t i = 0; h && i < h->n; i++) {
                const ib_hevent_t *b = &h->ev[i];
                if (b->kind != IB_H_BATCH || b->partition != w->partition || b->from != w->from || b->until != w->until)
                        continue;
                writers++;
                /* the writer's next word on this partition: a commit, a failed one, or nothing */
                const ib_hevent_t *commit = NULL, *failed = NULL, *next_start = NULL;
                for (size_t j = i + 1; j < h->n; j++) {
                        const ib_hevent_t *e = &h->ev[j];
                        if (e->worker != b->worker)
                                continue;
                        if (e->kind == IB_H_START) {
                                next_start = e;
                                break;
                        }
                        if (e->kind == IB_H_BATCH && e->partition == b->partition)
                                break;
                        if (e->kind == IB_H_COMMIT && e->partition == b->partition && e->until >= b->until) {
                                if (e->ok) {
                                        commit = e;
                                        break;
                                }
                                if (!failed)
                                        failed = e;
                        }
                }
                if (commit)
                        continue;
                const char *name = h->workers[b->worker];
                if (failed)
                        snprintf(w->explanation, sizeof(w->explanation),
                                 "%s's batch %lld wrote it; its transaction did not commit (%s, at %+.1f s)", name,
                                 (long long)b->batch, failed->error[0] ? failed->error : "refused",
                                 (double)(failed->t_ms - in->t0_ms) / 1000.0);
                else if (next_start)
                        snprintf(w->explanation, sizeof(w->explanation),
                                 "%s's batch %lld wrote it; the worker died before committing (run %d began at %+.1f s)",
                                 name, (long long)b->batch, next_start->incarnation,
                                 (double)(next_start->t_ms - in->t0_ms) / 1000.0);
                else
                        snprintf(w->explanation, sizeof(w->explanation),
                                 "%s's batch %lld wrote it; no commit of it followed (killed, stopped or fenced "
                                 "before its transaction committed)",
                                 name, (long long)b->batch);
                w->explained = 1;
                return;
        }
        if (writers)
                snprintf(w->explanation, sizeof(w->explanation),
                         "every batch that wrote this range committed it, yet this copy is not visible");
        else
                snprintf(w->explanation, sizeof(w->explanation),
                         "no batch event names this range (a batch cut off before it was logged?)");
        /* a batch cut off mid-pipeline by a kill logs nothing: accounted for
         * when a worker's run ended without its stop event */
        for (size_t i = 0; !writers && h && i < h->n; i++) {
                const ib_hevent_t *e = &h->ev[i];
                if (e->kind == IB_H_START && e->incarnation > 1) {
                        snprintf(w->explanation, sizeof(w->explanation),
                                 "no batch event names this range: written by a batch of %s cut off before it was "
                                 "logged (its run %d began at %+.1f s)",
                                 h->workers[e->worker], e->incarnation, (double)(e->t_ms - in->t0_ms) / 1000.0);
                        w->explained = 1;
                        return;
                }
        }
}

static ib_err_t scan_log(chk_t *c) {
        const ib_check_input_t *in = c->in;
        ib_check_result_t *out = c->out;
        out->has_log = 1;
        out->log_records = in->nlog;
        uint32_t *copies = calloc(in->nproduced + 1, sizeof(*copies));
        int64_t *seen = malloc((in->ndelivered + 1) * sizeof(*seen));
        if (!copies || !seen) {
                free(copies);
                free(seen);
                return IB_ERR_NOMEM;
        }
        size_t nseen = 0;
        for (size_t i = 0; i < in->ndelivered; i++)
                if (in->delivered[i].out_pos >= 0)
                        seen[nseen++] = in->delivered[i].out_pos;
        qsort(seen, nseen, sizeof(*seen), i64_cmp);
        ib_err_t err = IB_OK;
        ib_aborted_write_t *cur = NULL;
        int32_t cur_file = -1;
        for (size_t i = 0; i < in->nlog && !err; i++) {
                const ib_vrec_t *r = &in->log[i];
                size_t k = find(c, r->partition, r->offset);
                if (k != SIZE_MAX && copies[k]++ > 0)
                        out->log_duplicates++;
                if (r->out_pos < 0 || bsearch(&r->out_pos, seen, nseen, sizeof(*seen), i64_cmp))
                        continue; /* visible */
                out->aborted_records++;
                if (!cur || r->file != cur_file) {
                        if (ib_array_grow(&out->aborted, &out->aborted_cap, out->naborted + 1, sizeof(*out->aborted), 16)) {
                                err = IB_ERR_NOMEM;
                                break;
                        }
                        cur = &out->aborted[out->naborted++];
                        cur_file = r->file;
                        const ib_vfile_t *f = r->file >= 0 && (size_t)r->file < in->nlog_files ? &in->log_files[r->file] : NULL;
                        *cur = (ib_aborted_write_t){.partition = r->partition, .from = f ? f->from : r->offset,
                                                    .until = f ? f->until : r->offset + 1};
                }
                cur->records++;
        }
        for (size_t i = 0; !err && i < out->naborted; i++) {
                explain_aborted(in, &out->aborted[i]);
                if (!out->aborted[i].explained)
                        out->unexplained_aborted += out->aborted[i].records;
        }
        free(copies);
        free(seen);
        return err;
}

ib_err_t ib_check_run(const ib_check_input_t *in, ib_check_result_t *out) {
        memset(out, 0, sizeof(*out));
        chk_t c = {.in = in, .out = out};
        size_t *dorder = NULL;
        ib_vrec_t *dsorted = NULL;
        ib_err_t err = IB_ERR_NOMEM;
        c.order = malloc((in->nproduced + 1) * sizeof(*c.order));
        c.st = calloc(in->nproduced + 1, sizeof(*c.st));
        c.ftime = malloc((in->nfiles + 1) * sizeof(*c.ftime));
        dorder = malloc((in->ndelivered + 1) * sizeof(*dorder));
        dsorted = malloc((in->ndelivered + 1) * sizeof(*dsorted));
        if (!c.order || !c.st || !c.ftime || !dorder || !dsorted)
                goto done;
        for (size_t i = 0; i < in->nproduced; i++) {
                c.order[i] = i;
                c.st[i].file_a = c.st[i].file_b = -1;
        }
        sort_in = in;
        qsort(c.order, in->nproduced, sizeof(*c.order), po_cmp);
        file_times(&c);
        for (size_t i = 0; i < in->ndelivered; i++)
                dorder[i] = i;
        sort_chk = &c;
        qsort(dorder, in->ndelivered, sizeof(*dorder), del_cmp);
        for (size_t i = 0; i < in->ndelivered; i++)
                dsorted[i] = in->delivered[dorder[i]];
        if ((err = ib_verify_run(in->produced, in->nproduced, dsorted, in->ndelivered, in->dead, in->ndead,
                                 &out->counts)))
                goto done;
        if (in->no_order) /* no delivery order to judge: none is counted */
                memset(&out->counts.out_of_order, 0, sizeof(out->counts.out_of_order));
        for (size_t i = 0; i < in->ndead; i++) {
                size_t k = find(&c, in->dead[i].partition, in->dead[i].offset);
                if (k != SIZE_MAX)
                        c.st[k].dead = 1;
        }
        scan_batches(&c);
        if ((err = scan_deliveries(&c, dorder)) || (err = scan_records(&c)) || (err = scan_commits(&c)) ||
            (err = add_unexpected(&c)))
                goto done;
        broker_side(&c);
        if (in->log && (err = scan_log(&c)))
                goto done;
        for (size_t i = 0; i < out->nanomalies; i++) {
                ib_anomaly_t *a = &out->anomalies[i];
                if (a->kind == IB_AN_DUPLICATE) {
                        if (!in->no_batch_log)
                                ib_explain_duplicate(in, a);
                        if (!a->explained)
                                out->unexplained_duplicates += a->count;
                } else if (a->kind == IB_AN_LOST) {
                        ib_explain_lost(in, out, a);
                        if (!a->explained)
                                out->unexplained_lost += a->count;
                }
        }
        out->file_ms = c.ftime;
        c.ftime = NULL;
        err = IB_OK;
done:
        free(c.order);
        free(c.st);
        free(c.ftime);
        free(dorder);
        free(dsorted);
        if (err)
                ib_check_result_free(out);
        return err;
}

void ib_check_result_free(ib_check_result_t *r) {
        free(r->file_ms);
        r->file_ms = NULL;
        free(r->aborted);
        r->aborted = NULL;
        r->naborted = r->aborted_cap = 0;
        free(r->anomalies);
        r->anomalies = NULL;
        r->nanomalies = r->cap = 0;
}
