/*
 * explain.c: says why a duplicate or a lost range happened, from the
 * history around it (checker.h). The sentence names the workers with their
 * generation or epoch, and the first cause found after the first delivery:
 * a commit refused (with the error and its distance from the revoke), a
 * commit that landed after the second reader started, a kill or pause the
 * harness applied, the partition revoked, lost or fenced, or the worker's
 * run ending. A duplicate with none of these is unexplained, and counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"

#define WINDOW_MS 60000 /* how far after the first delivery a cause is looked for */

static double rel(const ib_check_input_t *in, int64_t t) {
        return (double)(t - in->t0_ms) / 1000.0;
}

/* "w1 (generation 4)", "w2 (run 2, epoch 3)", "w1 (member epoch 7)", "w1". */
static void label(const ib_check_input_t *in, const ib_hevent_t *e, char *out, size_t size) {
        const ib_history_t *h = in->history;
        char run[24] = "", gen[32] = "";
        if (e->incarnation > 1)
                snprintf(run, sizeof(run), "run %d", e->incarnation);
        if (e->generation >= 0)
                snprintf(gen, sizeof(gen), "%s %d",
                         h->epochs ? "epoch" : h->member_epochs ? "member epoch" : "generation", (int)e->generation);
        snprintf(out, size, "%s%s%s%s%s%s", h->workers[e->worker], run[0] || gen[0] ? " (" : "", run,
                 run[0] && gen[0] ? ", " : "", gen, run[0] || gen[0] ? ")" : "");
}

/* An external consumer's file @p f (no range of its own): the batch its
 * worker logged on @p a's offsets, in the run (incarnation) that was going
 * when the file was last written, the nearest in time to that write. */
static const ib_hevent_t *external_writer(const ib_check_input_t *in, const ib_anomaly_t *a, int f) {
        const ib_history_t *h = in->history;
        int w = in->file_worker[f];
        int64_t mt = in->files[f].mtime_ms;
        int run = 0;
        for (size_t i = 0; i < h->n; i++)
                if (h->ev[i].kind == IB_H_START && h->ev[i].worker == w && (mt < 0 || h->ev[i].t_ms <= mt))
                        run = h->ev[i].incarnation;
        const ib_hevent_t *best = NULL;
        for (size_t i = 0; i < h->n; i++) {
                const ib_hevent_t *e = &h->ev[i];
                if (e->kind != IB_H_BATCH || e->worker != w || (run && e->incarnation != run) ||
                    e->partition != a->partition || e->from >= a->until || e->until <= a->from)
                        continue;
                if (!best || llabs(e->t_ms - mt) < llabs(best->t_ms - mt))
                        best = e;
        }
        return best;
}

/* The first batch event that wrote file @p f (with the copy of @p a it holds). */
static const ib_hevent_t *writer(const ib_check_input_t *in, const ib_anomaly_t *a, int f) {
        if (f < 0 || (size_t)f >= in->nfiles || !in->history)
                return NULL;
        const ib_vfile_t *vf = &in->files[f];
        if (vf->partition < 0)
                return in->file_worker ? external_writer(in, a, f) : NULL;
        for (size_t i = 0; i < in->history->n; i++) {
                const ib_hevent_t *e = &in->history->ev[i];
                if (e->kind == IB_H_BATCH && e->partition == vf->partition && e->from == vf->from &&
                    e->until == vf->until)
                        return e;
        }
        return NULL;
}

static const char *fault_verb(ib_fault_kind_t k) {
        switch (k) {
        case IB_FAULT_KILL: return "killed (SIGKILL)";
        case IB_FAULT_PAUSE: return "paused (SIGSTOP)";
        case IB_FAULT_STOP: return "stopped (SIGTERM)";
        case IB_FAULT_REMOVE_WORKER: return "removed (SIGTERM)";
        case IB_FAULT_ROLLING_RESTART: return "restarted (rolling restart)";
        case IB_FAULT_SLOW_BATCH: return "slowed past max.poll.interval.ms";
        case IB_FAULT_PARTITION: return "cut off by a network partition";
        case IB_FAULT_DELAY: return "slowed by a link delay";
        case IB_FAULT_LOSS: return "put on a lossy link";
        default: return NULL;
        }
}

/* A fault that holds a worker for a while (it goes on running, or resumes, afterwards). */
static int spans(ib_fault_kind_t k) {
        return k == IB_FAULT_PAUSE || k == IB_FAULT_SLOW_BATCH || k == IB_FAULT_PARTITION || k == IB_FAULT_DELAY ||
               k == IB_FAULT_LOSS;
}

/* " (it had been paused)": what a spanning fault did to the worker, for a clause. */
static const char *held(const ib_hfault_t *f) {
        switch (f ? f->kind : IB_FAULT_KIND_COUNT) {
        case IB_FAULT_PAUSE: return " (it had been paused)";
        case IB_FAULT_SLOW_BATCH: return " (its batch was slowed)";
        case IB_FAULT_PARTITION: return " (it was cut off by a network partition)";
        case IB_FAULT_DELAY: return " (its link was slowed)";
        case IB_FAULT_LOSS: return " (its link lost packets)";
        default: return "";
        }
}

/* The harness's first fault on worker @p w in [t, until]; NULL when none. */
static const ib_hfault_t *fault_on(const ib_history_t *h, int w, int64_t t, int64_t until) {
        for (size_t i = 0; i < h->nfaults; i++) {
                const ib_hfault_t *f = &h->faults[i];
                if (f->target == w && fault_verb(f->kind) && f->t_ms >= t && f->t_ms <= until)
                        return f;
                /* a pause or slow batch that began earlier and still held the worker */
                if (f->target == w && spans(f->kind) && f->t_ms < t && (f->end_ms < 0 || f->end_ms >= t))
                        return f;
        }
        return NULL;
}

/* The latest revoke or loss of @p p by the worker run of @p e, at or before @p t. */
static const ib_hevent_t *revoke_before(const ib_history_t *h, const ib_hevent_t *e, int64_t t) {
        const ib_hevent_t *found = NULL;
        for (size_t i = 0; i < h->n && h->ev[i].t_ms <= t; i++) {
                const ib_hevent_t *x = &h->ev[i];
                if ((x->kind == IB_H_REVOKE || x->kind == IB_H_LOST) && x->worker == e->worker &&
                    x->incarnation == e->incarnation && x->partition == e->partition && x->t_ms >= e->t_ms - WINDOW_MS)
                        found = x;
        }
        return found;
}

/* The assignment of @p eb's partition to @p eb's worker run that its read
 * came from: the latest at or before it; NULL when none was logged. */
static const ib_hevent_t *assignment_of(const ib_history_t *h, const ib_hevent_t *eb) {
        const ib_hevent_t *found = NULL;
        for (size_t i = 0; i < h->n && h->ev[i].t_ms <= eb->t_ms; i++) {
                const ib_hevent_t *x = &h->ev[i];
                if (x->kind == IB_H_ASSIGN && x->worker == eb->worker && x->incarnation == eb->incarnation &&
                    x->partition == eb->partition)
                        found = x;
        }
        return found;
}

/* Why commit @p x, the first of @p ea's worker run to cover the range, did
 * not keep @p eb from reading it again; @p f: a fault on that worker. */
static int commit_cause(const ib_check_input_t *in, const ib_hevent_t *ea, const ib_hevent_t *eb,
                        const ib_hevent_t *x, const ib_hfault_t *f, char *out, size_t size) {
        const ib_history_t *h = in->history;
        const char *w = h->workers[ea->worker];
        if (!x->ok) {
                const ib_hevent_t *rv = revoke_before(h, ea, x->t_ms);
                char when[96];
                if (rv)
                        snprintf(when, sizeof(when), "%lld ms after the %s", (long long)(x->t_ms - rv->t_ms),
                                 rv->kind == IB_H_LOST ? "assignment was lost" : "revoke");
                else
                        snprintf(when, sizeof(when), "%lld ms after its batch", (long long)(x->t_ms - ea->t_ms));
                snprintf(out, size, "%s's %s commit of %lld failed with %s %s%s", w, x->how,
                         (long long)x->until, x->error[0] ? x->error : "an error", when, held(f));
                return 1;
        }
        if (eb && x->t_ms >= eb->t_ms) {
                snprintf(out, size, "%s's %s commit of %lld landed at +%.3f s, %lld ms after %s had read the range again",
                         w, x->how, (long long)x->until, rel(in, x->t_ms), (long long)(x->t_ms - eb->t_ms),
                         h->workers[eb->worker]);
                return 1;
        }
        /* The group's new owner takes its start offset when it is
         * assigned: a commit that lands after that (an async commit
         * held while the coordinator moved, sent with the new
         * generation) is too late for it, though it succeeds. */
        const ib_hevent_t *as = eb ? assignment_of(h, eb) : NULL;
        if (as && x->t_ms >= as->t_ms) {
                snprintf(out, size, "%s's %s commit of %lld landed at +%.3f s, %lld ms after %s's "
                         "assignment (+%.3f s) had taken its start offset",
                         w, x->how, (long long)x->until, rel(in, x->t_ms), (long long)(x->t_ms - as->t_ms),
                         h->workers[eb->worker], rel(in, as->t_ms));
                return 1;
        }
        snprintf(out, size, "%s committed %lld at +%.3f s (%s), before %s read the range again", w,
                 (long long)x->until, rel(in, x->t_ms), x->how, eb ? h->workers[eb->worker] : "a worker");
        return 0;
}

/* Why the first delivery @p ea was not committed before @p eb read it again. */
static int cause(const ib_check_input_t *in, const ib_anomaly_t *a, const ib_hevent_t *ea, const ib_hevent_t *eb,
                 char *out, size_t size) {
        const ib_history_t *h = in->history;
        const char *w = h->workers[ea->worker];
        int64_t horizon = (eb ? eb->t_ms : ea->t_ms) + WINDOW_MS;
        const ib_hfault_t *f = fault_on(h, ea->worker, ea->t_ms, eb ? eb->t_ms : horizon);
        const ib_hevent_t *moved = NULL;
        for (size_t i = (size_t)(ea - h->ev) + 1; i < h->n && h->ev[i].t_ms <= horizon; i++) {
                const ib_hevent_t *x = &h->ev[i];
                if (x->worker != ea->worker || x->incarnation != ea->incarnation)
                        continue;
                if (f && f->t_ms <= x->t_ms && !spans(f->kind))
                        break; /* the fault came first */
                if (x->kind == IB_H_COMMIT && x->partition == a->partition && x->until >= a->until)
                        return commit_cause(in, ea, eb, x, f, out, size);
                /* an ownership change: the commit that follows it (refused,
                 * most often) says more; remember it in case none does */
                if ((x->kind == IB_H_REVOKE || x->kind == IB_H_LOST || x->kind == IB_H_FENCED) &&
                    x->partition == a->partition && !moved)
                        moved = x;
                if (x->kind == IB_H_STOP && !moved) /* a clean stop commits: its outcome says more */
                        moved = x;
                else if (x->kind == IB_H_ERROR && !moved) {
                        snprintf(out, size, "%s's run ended (%s) %lld ms after its batch, before a commit covered it", w,
                                 x->kind == IB_H_ERROR ? "gave up" : "stopped", (long long)(x->t_ms - ea->t_ms));
                        return x->kind == IB_H_ERROR;
                }
        }
        if (moved && moved->kind == IB_H_STOP) {
                snprintf(out, size, "%s stopped %lld ms after its batch, and no commit covering it was logged", w,
                         (long long)(moved->t_ms - ea->t_ms));
                return 0;
        }
        if (moved) {
                snprintf(out, size, "%s %s %s/%d %lld ms after its batch, before a commit covered it%s", w,
                         moved->kind == IB_H_FENCED ? "was fenced from" : moved->kind == IB_H_LOST ? "lost" : "was revoked",
                         in->topic, (int)a->partition, (long long)(moved->t_ms - ea->t_ms), held(f));
                return 1;
        }
        if (f) {
                snprintf(out, size, "%s was %s %lld ms after its batch, before a commit covered it", w,
                         fault_verb(f->kind), (long long)(f->t_ms - ea->t_ms));
                return f->kind != IB_FAULT_STOP && f->kind != IB_FAULT_REMOVE_WORKER;
        }
        snprintf(out, size, "no refused commit, fault or ownership change of %s explains it", w);
        return 0;
}

/* A zombie: the second writer was paused (or slowed) from before the first
 * delivery until after it, and wrote what it had read before. The pause,
 * NULL when there was none. */
static const ib_hfault_t *zombie(const ib_history_t *h, const ib_hevent_t *ea, const ib_hevent_t *eb) {
        for (size_t i = 0; eb && i < h->nfaults; i++) {
                const ib_hfault_t *f = &h->faults[i];
                if (f->target == eb->worker && spans(f->kind) && f->t_ms <= ea->t_ms && f->end_ms >= 0 &&
                    f->end_ms <= eb->t_ms)
                        return f;
        }
        return NULL;
}

void ib_explain_duplicate(const ib_check_input_t *in, ib_anomaly_t *a) {
        const ib_hevent_t *ea = writer(in, a, a->file_a), *eb = writer(in, a, a->file_b);
        char la[96] = "an unlogged batch", lb[96] = "an unlogged batch", why[600];
        if (ea)
                label(in, ea, la, sizeof(la));
        if (eb)
                label(in, eb, lb, sizeof(lb));
        a->t_ms = eb ? eb->t_ms : -1;
        a->worker = ea ? ea->worker : -1;
        if (ea && eb && eb->t_ms < ea->t_ms) { /* the files' durable order said otherwise: trust the events */
                const ib_hevent_t *t = ea;
                ea = eb, eb = t;
                char tl[96];
                memcpy(tl, la, sizeof(tl)), memcpy(la, lb, sizeof(la)), memcpy(lb, tl, sizeof(lb));
        }
        const ib_hfault_t *z = ea && in->history ? zombie(in->history, ea, eb) : NULL;
        if (z) {
                snprintf(why, sizeof(why), "%s was %s from +%.3f s to +%.3f s with the batch in hand, and wrote it "
                         "after it resumed, when %s owned the partition",
                         in->history->workers[eb->worker], fault_verb(z->kind), rel(in, z->t_ms), rel(in, z->end_ms),
                         in->history->workers[ea->worker]);
                a->explained = 1;
        } else if (ea) {
                a->explained = cause(in, a, ea, eb, why, sizeof(why));
        } else {
                /* The first writer died between its output and its log line. */
                const ib_hfault_t *f = NULL;
                for (size_t i = 0; in->history && i < in->history->nfaults && !f; i++)
                        if (in->history->faults[i].kind == IB_FAULT_KILL)
                                f = &in->history->faults[i];
                snprintf(why, sizeof(why), "%s", f ? "the first writer was killed before it logged its batch"
                                                  : "the first writer never logged its batch");
                a->explained = f != NULL;
        }
        snprintf(a->explanation, sizeof(a->explanation), "%s/%d offsets %lld-%lld delivered by %s and %s; %s",
                 in->topic, (int)a->partition, (long long)a->from, (long long)a->until - 1, la, lb, why);
}

void ib_explain_lost(const ib_check_input_t *in, const ib_check_result_t *r, ib_anomaly_t *a) {
        const ib_history_t *h = in->history;
        const ib_hevent_t *owner = NULL, *stored = NULL;
        for (size_t i = 0; h && i < h->n; i++) {
                const ib_hevent_t *e = &h->ev[i];
                if (e->partition != a->partition)
                        continue;
                if (e->kind == IB_H_ASSIGN || (e->kind == IB_H_BATCH && !owner))
                        owner = e;
                if (e->kind == IB_H_COMMIT && e->ok)
                        stored = e;
        }
        char lo[96] = "none", st[160] = "none", why[600];
        if (owner)
                label(in, owner, lo, sizeof(lo));
        if (stored)
                snprintf(st, sizeof(st), "%lld by %s at +%.3f s", (long long)stored->until, h->workers[stored->worker],
                         rel(in, stored->t_ms));
        const ib_anomaly_t *far = NULL;
        for (size_t i = 0; i < r->nanomalies && !far; i++) {
                const ib_anomaly_t *x = &r->anomalies[i];
                if (x->kind == IB_AN_COMMITTED_TOO_FAR && x->partition == a->partition && x->from < a->until &&
                    x->until > a->from)
                        far = x;
        }
        /* the receiver commits what its log holds: a worker that never ran
         * again keeps those records in its log, never replayed */
        const ib_hevent_t *cover = NULL;
        int rerun = 0;
        for (size_t i = 0; h && !in->commits_cover_sink && i < h->n; i++) {
                const ib_hevent_t *e = &h->ev[i];
                if (!cover && e->kind == IB_H_COMMIT && e->ok && e->partition == a->partition && e->until >= a->until)
                        cover = e;
                else if (cover && e->kind == IB_H_START && e->worker == cover->worker)
                        rerun = 1;
        }
        a->explained = 1;
        if (cover && !rerun)
                snprintf(why, sizeof(why), "%s committed %lld at +%.3f s once its write-ahead log held them, and never "
                         "ran again to replay its log", h->workers[cover->worker], (long long)cover->until,
                         rel(in, cover->t_ms));
        else if (far)
                snprintf(why, sizeof(why), "a commit ran ahead of the sink: %.480s", far->explanation);
        else if (!in->drained)
                snprintf(why, sizeof(why), "the workers had not caught up when the run stopped (the drain timed out)");
        else if (stored && stored->until >= a->until)
                snprintf(why, sizeof(why), "the stored offset passed them, yet no commit was seen running ahead of the sink"),
                    a->explained = 0;
        else
                snprintf(why, sizeof(why), "no worker delivered them"), a->explained = 0;
        a->worker = owner ? owner->worker : -1;
        snprintf(a->explanation, sizeof(a->explanation),
                 "%s/%d offsets %lld-%lld (%llu records) lost; still in the topic (consumer-side loss); last owner %s; "
                 "last stored offset %s; %s",
                 in->topic, (int)a->partition, (long long)a->from, (long long)a->until - 1, (unsigned long long)a->count,
                 lo, st, why);
}
