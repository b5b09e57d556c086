/*
 * verdict.c: the verdict of a cell of the fault matrix and of a mode, with
 * how sure each is (verdict.h).
 */
#include "verdict.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double ib_verdict_upper_bound(int n, double confidence) {
        return n <= 0 ? 1.0 : 1.0 - pow(1.0 - confidence, 1.0 / n);
}

/* P(X >= k) for X ~ Binomial(n, p), summed in logs so that n in the
 * thousands neither overflows nor underflows. */
static double tail_at_least(int k, int n, double p) {
        if (p <= 0)
                return k <= 0 ? 1.0 : 0.0;
        if (p >= 1)
                return 1.0;
        double sum = 0;
        for (int i = k; i <= n; i++)
                sum += exp(lgamma(n + 1.0) - lgamma(i + 1.0) - lgamma(n - i + 1.0) + i * log(p) + (n - i) * log1p(-p));
        return sum;
}

double ib_verdict_lower_bound(int k, int n, double confidence) {
        if (k <= 0 || n <= 0)
                return 0;
        if (k > n)
                k = n;
        /* the p at which seeing k or more has probability 1 - confidence:
         * tail_at_least grows with p, so bisect (60 steps: far below 1e-12) */
        double lo = 0, hi = 1, alpha = 1.0 - confidence;
        for (int i = 0; i < 60; i++) {
                double mid = (lo + hi) / 2;
                if (tail_at_least(k, n, mid) < alpha)
                        lo = mid;
                else
                        hi = mid;
        }
        return lo;
}

ib_guarantee_t ib_guarantee_join(ib_guarantee_t a, ib_guarantee_t b) {
        if (a == IB_G_UNKNOWN || b == IB_G_UNKNOWN)
                return IB_G_UNKNOWN;
        /* exactly-once 0, at-least-once 1 (duplicates), at-most-once 2 (loss), none 3: the bits add up */
        return (ib_guarantee_t)((int)a | (int)b);
}

/* A share as a percentage with the digits it needs: 14%, 0.81%, 0.0012%. */
static void pct(double share, char *out, size_t size) {
        double p = share * 100;
        snprintf(out, size, p >= 10 || p == 0 ? "%.0f%%" : p >= 1 ? "%.1f%%" : p >= 0.01 ? "%.2f%%" : "%.2g%%", p);
}

void ib_cell_verdict(const ib_cell_run_t *runs, int n, int planned, ib_cell_verdict_t *out) {
        memset(out, 0, sizeof(*out));
        out->planned = planned;
        out->worst_recovery_ms = -1;
        for (int i = 0; i < n; i++) {
                const ib_cell_run_t *r = &runs[i];
                if (!r->ran)
                        continue;
                out->runs++;
                double produced = r->produced > 0 ? r->produced : 1;
                int dup = r->duplicates > 0, loss = r->lost > 0, unexpected = r->unexpected > 0;
                out->with_duplicates += dup;
                out->with_loss += loss;
                out->with_unexpected += unexpected;
                out->with_reordering += r->reordered > 0;
                out->clean += !dup && !loss && !unexpected;
                if (r->duplicates / produced > out->worst_dup_rate)
                        out->worst_dup_rate = r->duplicates / produced;
                if (r->lost / produced > out->worst_loss_rate)
                        out->worst_loss_rate = r->lost / produced;
                if (r->redelivered > out->max_redelivered)
                        out->max_redelivered = r->redelivered;
                if (r->reordered > out->max_reordered)
                        out->max_reordered = r->reordered;
                if (r->recovery_ms > out->worst_recovery_ms)
                        out->worst_recovery_ms = r->recovery_ms;
                if (r->has_log) {
                        out->log_runs++;
                        out->with_log_duplicates += r->log_duplicates > 0;
                        if (r->aborted > out->max_aborted)
                                out->max_aborted = r->aborted;
                        out->unexplained_aborted += r->unexplained_aborted;
                }
        }
        out->not_run = (planned > n ? planned : n) - out->runs;
        char *e = out->evidence;
        size_t size = sizeof(out->evidence), len = 0;
        if (!out->runs) {
                out->guarantee = IB_G_UNKNOWN;
                out->bound = 1;
                snprintf(e, size, "not measured: none of %d planned runs happened", planned > n ? planned : n);
                return;
        }
        /* output that matches no input is as bad as it gets: it counts as both */
        out->guarantee = (ib_guarantee_t)((out->with_duplicates || out->with_unexpected ? 1 : 0) |
                                          (out->with_loss || out->with_unexpected ? 2 : 0));
        int anomalous = out->runs - out->clean;
        char a[32], b[32];
        if (!anomalous) {
                out->bound = ib_verdict_upper_bound(out->runs, IB_VERDICT_CONFIDENCE);
                pct(out->bound, a, sizeof(a));
                len = (size_t)snprintf(e, size,
                                       "0 duplicates and 0 lost in %d of %d runs (an anomaly this often or more "
                                       "would have shown with %.0f%% confidence: at most %s of runs)",
                                       out->clean, out->runs, IB_VERDICT_CONFIDENCE * 100, a);
        } else {
                out->bound = ib_verdict_lower_bound(anomalous, out->runs, IB_VERDICT_CONFIDENCE);
                len = (size_t)snprintf(e, size, "anomalies in %d of %d runs:", anomalous, out->runs);
                if (out->with_duplicates && len < size) {
                        pct(out->worst_dup_rate, a, sizeof(a));
                        len += (size_t)snprintf(e + len, size - len, " duplicates in %d (worst %s of records)",
                                                out->with_duplicates, a);
                }
                if (out->with_loss && len < size) {
                        pct(out->worst_loss_rate, b, sizeof(b));
                        len += (size_t)snprintf(e + len, size - len, "%s loss in %d (worst %s of records)",
                                                out->with_duplicates ? "," : "", out->with_loss, b);
                }
                if (out->with_unexpected && len < size)
                        len += (size_t)snprintf(e + len, size - len, "%s output matching no input in %d",
                                                out->with_duplicates || out->with_loss ? "," : "", out->with_unexpected);
                pct(out->bound, a, sizeof(a));
                if (len < size)
                        len += (size_t)snprintf(e + len, size - len, " (with %.0f%% confidence, at least %s of runs)",
                                                IB_VERDICT_CONFIDENCE * 100, a);
        }
        if (out->log_runs) {
                /* the log holds every copy a visible record has, and loses none of them */
                out->log_guarantee = (ib_guarantee_t)(out->guarantee | (out->with_log_duplicates ? 1 : 0));
                if (len < size)
                        len += (size_t)snprintf(e + len, size - len,
                                                "; in the log (read_uncommitted): duplicates in %d of %d runs, up to %.0f "
                                                "aborted records%s",
                                                out->with_log_duplicates, out->log_runs, out->max_aborted,
                                                out->unexplained_aborted > 0 ? ", some unexplained" : "");
        }
        if (out->not_run && len < size)
                snprintf(e + len, size - len, "; %d planned run%s did not happen", out->not_run,
                         out->not_run == 1 ? "" : "s");
}

int ib_cell_verdict_json(const json_t *cell, ib_cell_verdict_t *out) {
        if (!json_is_true(json_object_get(cell, "applies")))
                return -1;
        json_t *runs = json_object_get(cell, "runs"), *run;
        size_t n = json_array_size(runs), i;
        ib_cell_run_t stack[64], *cr = n <= 64 ? stack : calloc(n, sizeof(*cr));
        if (!cr)
                return -1;
        json_array_foreach(runs, i, run) {
                json_t *f = json_object_get(run, "figures"), *rec = json_object_get(f, "recovery_ms_max");
                cr[i] = (ib_cell_run_t){.ran = json_is_true(json_object_get(run, "ran")) && json_is_object(f),
                                        .produced = json_number_value(json_object_get(f, "produced")),
                                        .lost = json_number_value(json_object_get(f, "lost")),
                                        .duplicates = json_number_value(json_object_get(f, "duplicates")),
                                        .unexpected = json_number_value(json_object_get(f, "unexpected")),
                                        .redelivered = json_number_value(json_object_get(f, "redelivered")),
                                        .reordered = json_number_value(json_object_get(f, "out_of_order")),
                                        .recovery_ms = json_is_string(rec) ? INFINITY
                                                       : json_is_number(rec) ? json_number_value(rec)
                                                                             : -1,
                                        .has_log = json_is_number(json_object_get(f, "log_duplicates")),
                                        .log_duplicates = json_number_value(json_object_get(f, "log_duplicates")),
                                        .aborted = json_number_value(json_object_get(f, "aborted_records")),
                                        .unexplained_aborted =
                                            json_number_value(json_object_get(f, "unexplained_aborted"))};
        }
        json_int_t seeds = json_integer_value(json_object_get(cell, "seeds"));
        ib_cell_verdict(cr, (int)n, seeds > 0 && seeds < 100000 ? (int)seeds : (int)n, out);
        if (cr != stack)
                free(cr);
        return 0;
}

/* How bad a cell is, for choosing the one that decides a mode's verdict:
 * kinds of anomaly first, then the share of anomalous runs, then the rate. */
static int worse(const ib_cell_verdict_t *a, const ib_cell_verdict_t *b) {
        int ka = __builtin_popcount((unsigned)a->guarantee), kb = __builtin_popcount((unsigned)b->guarantee);
        if (ka != kb)
                return ka > kb;
        double sa = (double)(a->runs - a->clean) / a->runs, sb = (double)(b->runs - b->clean) / b->runs;
        if (sa != sb)
                return sa > sb;
        double ra = a->worst_dup_rate + a->worst_loss_rate, rb = b->worst_dup_rate + b->worst_loss_rate;
        if (ra != rb)
                return ra > rb;
        return a->bound > b->bound; /* clean cells: the weaker evidence decides */
}

void ib_mode_verdict(const ib_cell_verdict_t *cells, const char *const *names, int n, ib_mode_verdict_t *out) {
        memset(out, 0, sizeof(*out));
        out->guarantee = IB_G_EXACTLY_ONCE;
        out->deciding = -1;
        char missing[200] = "";
        size_t mlen = 0;
        for (int i = 0; i < n; i++) {
                const ib_cell_verdict_t *c = &cells[i];
                if (!c->runs) {
                        out->cells_not_run++;
                        if (mlen < sizeof(missing))
                                mlen += (size_t)snprintf(missing + mlen, sizeof(missing) - mlen, "%s%s",
                                                         mlen ? ", " : "", names[i]);
                        continue;
                }
                out->cells_run++;
                out->runs += c->runs;
                out->guarantee = ib_guarantee_join(out->guarantee, c->guarantee);
                if (out->deciding < 0 || worse(c, &cells[out->deciding]))
                        out->deciding = i;
        }
        char *e = out->evidence;
        size_t size = sizeof(out->evidence), len;
        if (out->deciding < 0) {
                out->guarantee = IB_G_UNKNOWN;
                snprintf(e, size, "no cell ran%s%s", n ? " (" : "", n ? missing : "");
                if (n && strlen(e) + 2 < size)
                        strcat(e, ")");
                return;
        }
        const ib_cell_verdict_t *d = &cells[out->deciding];
        if (out->guarantee == IB_G_EXACTLY_ONCE)
                len = (size_t)snprintf(e, size, "no anomaly in %d runs over %d fault class%s; the least evidence: %s, %s",
                                       out->runs, out->cells_run, out->cells_run == 1 ? "" : "es", names[out->deciding],
                                       d->evidence);
        else
                len = (size_t)snprintf(e, size, "decided by %s: %s", names[out->deciding], d->evidence);
        if (out->cells_not_run && len < size)
                snprintf(e + len, size - len, "; not measured: %s", missing);
}
