/*
 * compare.c: result sets, per-mode safety from chaos runs, and the checks
 * of `ingestbench compare` (compare.h).
 */
#define _XOPEN_SOURCE 700
#include "compare.h"

#include <dirent.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "array.h"
#include "json_arena.h"
#include "results.h"
#include "verdict.h"

static ib_err_t add_file(const char *path, ib_result_set_t *set, char *errstr, size_t errstr_size) {
        json_t *doc;
        ib_err_t err = ib_results_read(path, NULL, &doc, errstr, errstr_size);
        if (err)
                return err;
        /* always the file it was read from: a "source" inside a file is not
         * trusted (it becomes a link in the report) */
        json_object_set_new(doc, "source", json_string(path));
        const char *kind = json_string_value(json_object_get(doc, "kind"));
        json_array_append_new(!strcmp(kind, "bench") ? set->bench : !strcmp(kind, "chaos") ? set->chaos : set->evaluation,
                              doc);
        return IB_OK;
}

/* The files and folders a search has met, by device and inode: a folder
 * reached twice (a symbolic link loop) is searched once, and a results file
 * reached by two paths counts as one run. */
typedef struct {
        struct {
                dev_t dev;
                ino_t ino;
        } *v;
        size_t n, cap;
} seen_t;

/* @returns 1 when @p st was met before; 0 after noting it; -1 out of memory. */
static int seen_before(seen_t *seen, const struct stat *st) {
        for (size_t i = 0; i < seen->n; i++)
                if (seen->v[i].dev == st->st_dev && seen->v[i].ino == st->st_ino)
                        return 1;
        if (ib_array_grow(&seen->v, &seen->cap, seen->n + 1, sizeof(*seen->v), 64))
                return -1;
        seen->v[seen->n].dev = st->st_dev, seen->v[seen->n].ino = st->st_ino;
        seen->n++;
        return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static ib_err_t add_dir(const char *dir, int depth, seen_t *seen, ib_result_set_t *set, char *errstr,
                        size_t errstr_size) {
        struct dirent **names;
        int n = scandir(dir, &names, NULL, by_name);
        if (n < 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_IO, "%s: cannot read the folder", dir);
        ib_err_t err = IB_OK;
        for (int i = 0; i < n; i++) {
                const char *name = names[i]->d_name;
                char path[4096];
                struct stat st;
                int met;
                if (!err && name[0] != '.' && snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path) &&
                    stat(path, &st) == 0 &&
                    (S_ISDIR(st.st_mode) ||
                     (S_ISREG(st.st_mode) && (!strcmp(name, "results.json") || !strcmp(name, "evaluation.json") ||
                                              !fnmatch("bench*.json", name, 0))))) {
                        if ((met = seen_before(seen, &st)) < 0)
                                err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                        else if (!met && S_ISDIR(st.st_mode) && depth < 8)
                                err = add_dir(path, depth + 1, seen, set, errstr, errstr_size);
                        else if (!met && S_ISREG(st.st_mode))
                                err = add_file(path, set, errstr, errstr_size);
                }
                free(names[i]);
        }
        free(names);
        return err;
}

ib_err_t ib_result_set_load(const char *const *paths, size_t n, ib_result_set_t *set, char *errstr,
                            size_t errstr_size) {
        set->bench = json_array();
        set->chaos = json_array();
        set->evaluation = json_array();
        seen_t seen = {0};
        ib_err_t err = IB_OK;
        for (size_t i = 0; i < n && !err; i++) {
                struct stat st;
                int met;
                if (stat(paths[i], &st) < 0)
                        err = ib_seterr(errstr, errstr_size, IB_ERR_NOT_FOUND, "%s: no such file or folder", paths[i]);
                else if ((met = seen_before(&seen, &st)) < 0)
                        err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                else if (!met)
                        err = S_ISDIR(st.st_mode) ? add_dir(paths[i], 0, &seen, set, errstr, errstr_size)
                                                  : add_file(paths[i], set, errstr, errstr_size);
        }
        free(seen.v);
        if (err)
                return err;
        if (!json_array_size(set->bench) && !json_array_size(set->chaos) && !json_array_size(set->evaluation))
                return ib_seterr(errstr, errstr_size, IB_ERR_NOT_FOUND, "%s%s: no results file", paths[0],
                                 n > 1 ? " ..." : "");
        return IB_OK;
}

void ib_result_set_free(ib_result_set_t *set) {
        json_decref(set->bench);
        json_decref(set->chaos);
        json_decref(set->evaluation);
        set->bench = set->chaos = set->evaluation = NULL;
}

const char *ib_guarantee_name(ib_guarantee_t g) {
        static const char *const names[] = {"effectively exactly-once", "at-least-once", "at-most-once",
                                            "none (duplicates and loss)", "not measured"};
        return names[g];
}


/* The workers' librdkafka of a chaos run ("" for a file from before clients were recorded). */
static const char *chaos_client(json_t *doc) {
        const char *v = json_string_value(json_object_get(json_object_get(doc, "client"), "librdkafka"));
        return v ? v : "";
}

size_t ib_mode_safety(const ib_result_set_t *set, ib_mode_safety_t *out, size_t max) {
        size_t n = 0, i;
        json_t *doc;
        int clients = 0; /* more than one client version in the set: the label names it (an
                          * external consumer's, its own, is not known: "") */
        const char *first = NULL;
        json_array_foreach(set->chaos, i, doc) {
                const char *v = chaos_client(doc);
                if (v[0] && !first)
                        first = v;
                clients |= v[0] && first && strcmp(v, first) != 0;
        }
        json_array_foreach(set->chaos, i, doc) {
                char subject[64];
                const char *mode = ib_results_chaos_subject(doc, subject, sizeof(subject));
                const char *variant = json_string_value(json_object_get(doc, "variant"));
                char label[96];
                int named = clients && chaos_client(doc)[0];
                snprintf(label, sizeof(label), "%.31s%s%.40s%s%.16s", mode, variant ? " " : "", variant ? variant : "",
                         named ? ", librdkafka " : "", named ? chaos_client(doc) : "");
                size_t k;
                for (k = 0; k < n && strcmp(out[k].label, label); k++)
                        ;
                if (k == n) {
                        if (n == max)
                                continue;
                        memset(&out[n], 0, sizeof(out[n]));
                        snprintf(out[n].mode, sizeof(out[n].mode), "%s", mode);
                        snprintf(out[n].label, sizeof(out[n].label), "%s", label);
                        out[n].worst_recovery_ms = -1;
                        n++;
                }
                ib_mode_safety_t *m = &out[k];
                json_t *counts = json_object_get(doc, "counts");
                const char *run = json_string_value(json_object_get(doc, "source")); /* its results file */
                if (!run)
                        run = json_string_value(json_object_get(doc, "run_dir"));
                double produced = ib_results_num(counts, "produced"), dups = ib_results_num(counts, "duplicates"), lost = ib_results_num(counts, "lost");
                double dr = produced > 0 ? dups / produced : 0, lr = produced > 0 ? lost / produced : 0;
                m->runs++;
                m->duplicates += (long long)dups, m->lost += (long long)lost;
                if (dr > m->worst_dup_rate || !m->worst_dup_run)
                        m->worst_dup_rate = dr > m->worst_dup_rate ? dr : m->worst_dup_rate, m->worst_dup_run = run;
                if (lr > m->worst_loss_rate || !m->worst_loss_run)
                        m->worst_loss_rate = lr > m->worst_loss_rate ? lr : m->worst_loss_rate, m->worst_loss_run = run;
                json_t *rmax = json_object_get(json_object_get(doc, "recovery_ms"), "max");
                double r = json_is_number(rmax) ? json_number_value(rmax) : json_is_string(rmax) ? INFINITY : -1;
                if (r > m->worst_recovery_ms)
                        m->worst_recovery_ms = r, m->worst_recovery_run = run;
        }
        for (size_t k = 0; k < n; k++)
                out[k].guarantee = out[k].duplicates ? (out[k].lost ? IB_G_NONE : IB_G_AT_LEAST_ONCE)
                                                     : (out[k].lost ? IB_G_AT_MOST_ONCE : IB_G_EXACTLY_ONCE);
        return n;
}

/* ---- checks ---- */

typedef struct {
        ib_check_t *v;
        size_t n, cap;
} checks_t;

static ib_check_t *add(checks_t *c) {
        if (c->n == c->cap) {
                size_t cap = c->cap ? c->cap * 2 : 32;
                ib_check_t *v = realloc(c->v, cap * sizeof(*v));
                if (!v)
                        return NULL;
                c->v = v, c->cap = cap;
        }
        ib_check_t *k = &c->v[c->n++];
        memset(k, 0, sizeof(*k));
        return k;
}

/* Lost records per scenario name, summed over its runs; -1 when absent. */
static double scenario_lost(const ib_result_set_t *s, const char *name) {
        double lost = -1;
        size_t i;
        json_t *doc;
        json_array_foreach(s->chaos, i, doc) {
                const char *n = json_string_value(json_object_get(doc, "scenario_name"));
                if (n && !strcmp(n, name))
                        lost = (lost < 0 ? 0 : lost) + ib_results_num(json_object_get(doc, "counts"), "lost");
        }
        return lost;
}

static void guarantee_checks(const ib_result_set_t *base, const ib_result_set_t *cur, checks_t *c) {
        /* loss per scenario */
        size_t i;
        json_t *doc;
        json_t *seen = json_object();
        json_array_foreach(cur->chaos, i, doc) {
                const char *name = json_string_value(json_object_get(doc, "scenario_name"));
                if (!name || json_object_get(seen, name))
                        continue;
                json_object_set_new(seen, name, json_true());
                double bl = scenario_lost(base, name), cl = scenario_lost(cur, name);
                ib_check_t *k = add(c);
                if (!k)
                        break;
                snprintf(k->name, sizeof(k->name), "scenario %s: records lost", name);
                snprintf(k->baseline, sizeof(k->baseline), bl < 0 ? "not run" : "%.0f", bl);
                snprintf(k->current, sizeof(k->current), "%.0f", cl);
                k->gate = bl >= 0;
                snprintf(k->limit, sizeof(k->limit), "%s", k->gate ? (bl == 0 ? "fails on any loss" : "loss is known") : "");
                k->pass = !k->gate || bl > 0 || cl == 0;
        }
        json_decref(seen);
        ib_mode_safety_t bm[16], cm[16];
        size_t nb = ib_mode_safety(base, bm, 16), nc = ib_mode_safety(cur, cm, 16);
        for (size_t m = 0; m < nc; m++) {
                size_t j;
                for (j = 0; j < nb && strcmp(bm[j].label, cm[m].label); j++)
                        ;
                const ib_mode_safety_t *b = j < nb ? &bm[j] : NULL;
                ib_check_t *k = add(c);
                if (!k)
                        return;
                snprintf(k->name, sizeof(k->name), "%.60s: visible duplicates under faults", cm[m].label);
                snprintf(k->baseline, sizeof(k->baseline), b ? "%lld" : "not run", b ? b->duplicates : 0);
                snprintf(k->current, sizeof(k->current), "%lld", cm[m].duplicates);
                k->gate = b != NULL;
                snprintf(k->limit, sizeof(k->limit), "%s", !b ? "" : b->duplicates ? "duplicates are known" : "fails on any");
                k->pass = !b || b->duplicates > 0 || cm[m].duplicates == 0;
                if (!(k = add(c)))
                        return;
                snprintf(k->name, sizeof(k->name), "%.60s: guarantee under faults", cm[m].label);
                snprintf(k->baseline, sizeof(k->baseline), "%s", b ? ib_guarantee_name(b->guarantee) : "not run");
                snprintf(k->current, sizeof(k->current), "%s", ib_guarantee_name(cm[m].guarantee));
                k->gate = b != NULL;
                snprintf(k->limit, sizeof(k->limit), "%s", b ? "fails when weaker" : "");
                /* exactly-once is strongest; at-least-once and at-most-once are not comparable:
                 * a change between them is a change of guarantee, hence a regression */
                k->pass = !b || cm[m].guarantee == b->guarantee || cm[m].guarantee == IB_G_EXACTLY_ONCE;
        }
}

/* ---- the fault matrix (evaluations) ---- */

static const char *jstr(json_t *o, const char *k) {
        const char *v = json_string_value(json_object_get(o, k));
        return v ? v : "";
}

/* An evaluation has at most 16 x 16 cells; a reader looks at no more than
 * this many, so that a crafted file cannot make its checks quadratic in its size. */
#define MAX_CELLS 1024

static json_t *find_cell(json_t *ev, const char *row, const char *fault) {
        size_t i;
        json_t *cell;
        json_array_foreach(json_object_get(ev, "cells"), i, cell) {
                if (i >= MAX_CELLS)
                        break;
                if (!strcmp(jstr(cell, "row"), row) && !strcmp(jstr(cell, "fault"), fault))
                        return cell;
        }
        return NULL;
}

static void verdict_text(const ib_cell_verdict_t *v, char *out, size_t size) {
        if (!v->runs)
                snprintf(out, size, "not measured");
        else if (v->clean == v->runs)
                snprintf(out, size, "clean in %d of %d", v->clean, v->runs);
        else
                snprintf(out, size, "%s in %d of %d", v->with_duplicates && v->with_loss ? "dup+loss"
                                                      : v->with_loss                     ? "loss"
                                                                                         : "duplicates",
                         v->runs - v->clean, v->runs);
}

/* Cell by cell, against the baseline's matrix: a cell clean in the baseline
 * with an anomaly now fails; so does a cell whose runs now show a kind of
 * anomaly the baseline's did not (a weaker guarantee). A cell with fewer
 * runs than the baseline's, or not measured, is reported: its evidence shrank. */
static void matrix_checks(json_t *bev, json_t *cev, checks_t *c) {
        size_t i;
        json_t *cell;
        json_array_foreach(json_object_get(cev, "cells"), i, cell) {
                ib_cell_verdict_t cv, bv;
                if (i >= MAX_CELLS)
                        break;
                if (ib_cell_verdict_json(cell, &cv) != 0)
                        continue;
                json_t *bcell = find_cell(bev, jstr(cell, "row"), jstr(cell, "fault"));
                int known = bcell && ib_cell_verdict_json(bcell, &bv) == 0 && bv.runs > 0;
                ib_check_t *k = add(c);
                if (!k)
                        return;
                snprintf(k->name, sizeof(k->name), "%.60s under %.40s: duplicates and loss", jstr(cell, "row"),
                         jstr(cell, "fault"));
                if (known)
                        verdict_text(&bv, k->baseline, sizeof(k->baseline));
                else
                        snprintf(k->baseline, sizeof(k->baseline), "not measured");
                verdict_text(&cv, k->current, sizeof(k->current));
                k->gate = known && cv.runs > 0;
                if (k->gate && bv.clean == bv.runs) {
                        snprintf(k->limit, sizeof(k->limit), "fails on any anomaly");
                        k->pass = cv.clean == cv.runs;
                } else if (k->gate) {
                        snprintf(k->limit, sizeof(k->limit), "fails on a kind of anomaly the baseline's runs did not show");
                        k->pass = ib_guarantee_join(bv.guarantee, cv.guarantee) == bv.guarantee;
                } else
                        k->pass = 1;
                if (known && cv.runs < bv.runs) {
                        if (!(k = add(c)))
                                return;
                        snprintf(k->name, sizeof(k->name), "%.60s under %.40s: evidence", jstr(cell, "row"),
                                 jstr(cell, "fault"));
                        snprintf(k->baseline, sizeof(k->baseline), "%d runs", bv.runs);
                        snprintf(k->current, sizeof(k->current), "%d runs", cv.runs);
                        snprintf(k->limit, sizeof(k->limit), "reported: fewer runs than the baseline's vouch for less");
                        k->pass = 1;
                }
        }
        /* a baseline cell the current matrix lacks */
        json_array_foreach(json_object_get(bev, "cells"), i, cell) {
                ib_cell_verdict_t bv;
                if (i >= MAX_CELLS)
                        break;
                if (ib_cell_verdict_json(cell, &bv) != 0 || find_cell(cev, jstr(cell, "row"), jstr(cell, "fault")))
                        continue;
                ib_check_t *k = add(c);
                if (!k)
                        return;
                snprintf(k->name, sizeof(k->name), "%.60s under %.40s: evidence", jstr(cell, "row"), jstr(cell, "fault"));
                verdict_text(&bv, k->baseline, sizeof(k->baseline));
                snprintf(k->current, sizeof(k->current), "not in this matrix");
                snprintf(k->limit, sizeof(k->limit), "reported: not measured now");
                k->pass = 1;
        }
}

static json_t *find_row(json_t *bench, const char *subject, const char *pipeline) {
        size_t i;
        json_t *row;
        json_array_foreach(json_object_get(json_object_get(bench, "drain"), "summary"), i, row) {
                const char *s = json_string_value(json_object_get(row, "subject"));
                const char *p = json_string_value(json_object_get(row, "pipeline"));
                if (s && !strcmp(s, subject) && ((!p && !pipeline) || (p && pipeline && !strcmp(p, pipeline))))
                        return row;
        }
        return NULL;
}

/* The most the spread may widen the band by. Past it, the repetitions
 * disagree too much to vouch for anything, and a drop the band would swallow
 * whole (a ratio ten times smaller under a spread of 90%) must still fail. */
#define SPREAD_CAP 0.5

/* Half the relative min-max range of a summary: the repetitions' spread. */
static double spread(json_t *s) {
        double med = ib_results_num(s, "median");
        if (!json_is_number(json_object_get(s, "min")) || !json_is_number(json_object_get(s, "max")))
                return 0; /* one repetition, or not said: no spread to widen the band with */
        return med > 0 ? fmax(0, ib_results_num(s, "max") - ib_results_num(s, "min")) / 2 / med : 0;
}

/* A bench's sink: "kafka" (an output topic), or "dir" for any other. */
static const char *bench_sink(json_t *bench) {
        return !strcmp(jstr(json_object_get(bench, "config"), "sink"), "kafka") ? "kafka" : "dir";
}

/* One row naming the configuration fields that differ: ratios of different
 * backlogs or brokers are not comparable, and the table should say so. */
static void config_row(json_t *base, json_t *cur, checks_t *c) {
        static const char *const keys[] = {"records", "payload_bytes", "partitions", "repeat", "sink", NULL};
        char diff[64] = "", basev[64] = "", curv[64] = "";
        json_t *bc = json_object_get(base, "config"), *cc = json_object_get(cur, "config");
        for (int i = 0; keys[i]; i++) {
                json_t *a = json_object_get(bc, keys[i]), *b = json_object_get(cc, keys[i]);
                if (json_equal(a, b))
                        continue;
                char *as = a ? json_dumps(a, JSON_ENCODE_ANY) : NULL, *bs = b ? json_dumps(b, JSON_ENCODE_ANY) : NULL;
                size_t n = strlen(diff);
                snprintf(diff + n, sizeof(diff) - n, "%s%s", n ? ", " : "", keys[i]);
                n = strlen(basev);
                snprintf(basev + n, sizeof(basev) - n, "%s%s", n ? ", " : "", as ? as : "-");
                n = strlen(curv);
                snprintf(curv + n, sizeof(curv) - n, "%s%s", n ? ", " : "", bs ? bs : "-");
                if (as)
                        ib_json_free_str(as);
                if (bs)
                        ib_json_free_str(bs);
        }
        ib_check_t *k;
        if (!diff[0] || !(k = add(c)))
                return;
        snprintf(k->name, sizeof(k->name), "configuration differs (%s): ratios may not compare", diff);
        snprintf(k->baseline, sizeof(k->baseline), "%s", basev);
        snprintf(k->current, sizeof(k->current), "%s", curv);
        k->pass = 1;
}

static void bench_checks(json_t *base, json_t *cur, double tol, checks_t *c) {
        size_t i;
        json_t *row;
        config_row(base, cur, c);
        json_array_foreach(json_object_get(json_object_get(cur, "drain"), "summary"), i, row) {
                const char *subject = json_string_value(json_object_get(row, "subject"));
                const char *pipeline = json_string_value(json_object_get(row, "pipeline"));
                json_t *b = find_row(base, subject, pipeline);
                char label[96];
                snprintf(label, sizeof(label), "%s%s%s%s", subject, pipeline ? " at pipeline " : "", pipeline ? pipeline : "",
                         strcmp(bench_sink(cur), "kafka") ? "" : " (Kafka sink)");
                json_t *cr = json_object_get(row, "ratio_to_reference"), *br = json_object_get(b, "ratio_to_reference");
                ib_check_t *k;
                if (cr && (k = add(c))) {
                        snprintf(k->name, sizeof(k->name), "%s: throughput ratio to the reference", label);
                        snprintf(k->current, sizeof(k->current), "%.3f (%.3f-%.3f)", ib_results_num(cr, "median"), ib_results_num(cr, "min"),
                                 ib_results_num(cr, "max"));
                        if (!br) {
                                snprintf(k->baseline, sizeof(k->baseline), "not measured");
                                k->pass = 1;
                        } else {
                                double sp = fmax(spread(br), spread(cr));
                                double bm = ib_results_num(br, "median"), allowed = tol / 100 + fmin(sp, SPREAD_CAP);
                                double floor = bm * (1 - allowed);
                                snprintf(k->baseline, sizeof(k->baseline), "%.3f (%.3f-%.3f)", bm, ib_results_num(br, "min"),
                                         ib_results_num(br, "max"));
                                char capped[64] = "";
                                if (sp > SPREAD_CAP)
                                        snprintf(capped, sizeof(capped), ", capped at %.0f%%: the repetitions disagree",
                                                 SPREAD_CAP * 100);
                                snprintf(k->limit, sizeof(k->limit), "below %.3f (-%.1f%%: tolerance %.0f%% + spread%s)",
                                         floor, allowed * 100, tol, capped);
                                /* the modes are gated; kcat and a peer (Spark) are shown: this project
                                 * does not own their speed */
                                k->gate = !strcmp(json_string_value(json_object_get(row, "kind")) ?: "", "mode");
                                k->pass = !k->gate || ib_results_num(cr, "median") >= floor;
                        }
                }
                static const char *const shown[] = {"records_per_s", "cpu_s_per_million", "write_amplification", NULL};
                for (int f = 0; shown[f]; f++) {
                        json_t *cv = json_object_get(row, shown[f]), *bv = json_object_get(b, shown[f]);
                        if (!cv || !(k = add(c)))
                                continue;
                        snprintf(k->name, sizeof(k->name), "%s: %s", label, shown[f]);
                        snprintf(k->current, sizeof(k->current), "%.4g", ib_results_num(cv, "median"));
                        snprintf(k->baseline, sizeof(k->baseline), bv ? "%.4g" : "not measured", ib_results_num(bv, "median"));
                        k->pass = 1;
                }
        }
        json_t *lat;
        json_array_foreach(json_object_get(json_object_get(cur, "latency"), "subjects"), i, lat) {
                const char *subject = json_string_value(json_object_get(lat, "subject"));
                double bp = -1;
                size_t j;
                json_t *bl;
                json_array_foreach(json_object_get(json_object_get(base, "latency"), "subjects"), j, bl) {
                        const char *s = json_string_value(json_object_get(bl, "subject"));
                        if (s && subject && !strcmp(s, subject))
                                bp = ib_results_num(json_object_get(bl, "latency_ms"), "p99");
                }
                ib_check_t *k = add(c);
                if (!k)
                        return;
                snprintf(k->name, sizeof(k->name), "%s: latency p99 (ms)", subject ? subject : "?");
                snprintf(k->current, sizeof(k->current), "%.1f", ib_results_num(json_object_get(lat, "latency_ms"), "p99"));
                snprintf(k->baseline, sizeof(k->baseline), bp < 0 ? "not measured" : "%.1f", bp);
                k->pass = 1;
        }
}

size_t ib_compare(const ib_result_set_t *baseline, const ib_result_set_t *current, double tolerance_pct,
                  ib_check_t **checks) {
        checks_t c = {0};
        json_t *bev = json_array_get(baseline->evaluation, 0), *cev = json_array_get(current->evaluation, 0);
        if (bev && cev) /* the matrix's cells replace the per-scenario and per-mode checks of its runs */
                matrix_checks(bev, cev, &c);
        else
                guarantee_checks(baseline, current, &c);
        /* each current bench against the baseline's bench of the same sink (an
         * evaluation writes bench.json, and bench-kafka.json for its Kafka sink's rows) */
        json_t *cur;
        size_t i;
        json_array_foreach(current->bench, i, cur) {
                if (i >= 8)
                        break;
                const char *sink = bench_sink(cur);
                json_t *b = NULL, *x;
                size_t j;
                json_array_foreach(baseline->bench, j, x) if (!b && j < 8 && !strcmp(bench_sink(x), sink)) b = x;
                if (b) {
                        bench_checks(b, cur, tolerance_pct, &c);
                        continue;
                }
                ib_check_t *k = add(&c);
                if (k) {
                        snprintf(k->name, sizeof(k->name), "benchmarks (sink %.40s)", sink);
                        snprintf(k->baseline, sizeof(k->baseline), "not measured");
                        snprintf(k->current, sizeof(k->current), "measured");
                        k->pass = 1;
                }
        }
        *checks = c.v;
        return c.n;
}
