/*
 * report.c: report.md and report.html from results files alone (report.h).
 * Charts are gnuplot scripts over data files, rendered to SVG, linked from
 * the Markdown and inlined in the HTML so that it stands alone.
 */
#define _GNU_SOURCE
#include "report.h"
#include "results.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "verdict.h"
#include "fsutil.h"
#include "supervisor.h"

/* gnuplot's clustered bars, the style of every bar chart here */
#define BARS "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.8 border -1\n"

typedef struct report_s {
        const ib_result_set_t *set;
        const char *dir;
        const char *gnuplot;
        FILE *md;
        ib_buf_t html;
        int charts_ok;
        char err[512];
} report_t;

static const char *str(json_t *o, const char *k) {
        const char *s = json_string_value(json_object_get(o, k));
        return s ? s : "";
}

/* ---- strings from results files ----
 * A results file may come from anywhere (a CI artifact of an untrusted
 * branch), so none of its strings is ever written as code: HTML and
 * Markdown get them escaped, and gnuplot gets them reduced to a set of
 * characters that cannot end a quoted string, start a command substitution,
 * expand a macro or format text. Charts carry labels only; the tables carry
 * every string whole, escaped. */

/* @p s for gnuplot's single-quoted text: letters, digits, space and
 * .,:;/+=()%- kept; anything else (quotes, backquotes, @, backslash, control
 * bytes, non-ASCII) becomes '_'. */
static const char *gp_text(const char *s, char *out, size_t size) {
        size_t n = 0;
        for (; s && *s && n + 1 < size; s++) {
                unsigned char c = (unsigned char)*s;
                out[n++] = (c < 128 && (isalnum(c) || strchr(" .,:;/+=()%-", c))) ? (char)c : '_';
        }
        out[n] = 0;
        return out;
}

/* @p s as one column of a gnuplot data file: gp_text() with space, ';' and
 * ',' also replaced, so that it stays one whitespace-separated field. */
static const char *gp_token(const char *s, char *out, size_t size) {
        gp_text(s, out, size);
        for (char *p = out; *p; p++)
                if (*p == ' ' || *p == ';' || *p == ',')
                        *p = '_';
        if (!out[0] && size > 1)
                out[0] = '-', out[1] = 0;
        return out;
}

/* @p s as part of a file name: letters, digits, '-' and '_' only. */
static const char *file_token(const char *s, char *out, size_t size) {
        size_t n = 0;
        for (; s && *s && n + 1 < size; s++)
                out[n++] = isalnum((unsigned char)*s) && !((unsigned char)*s & 0x80) ? *s : (*s == '-' ? '-' : '_');
        out[n] = 0;
        return out;
}

/* HTML-escaped append. */
static void hput(report_t *r, const char *s) {
        for (; s && *s; s++) {
                const char *e = *s == '<'    ? "&lt;"
                                : *s == '>'  ? "&gt;"
                                : *s == '&'  ? "&amp;"
                                : *s == '"'  ? "&quot;"
                                : *s == '\'' ? "&#39;"
                                              : NULL;
                ib_buf_append(&r->html, e ? e : s, e ? strlen(e) : 1);
        }
}

/* Markdown-escaped text: a table cell stays one cell on one line, and no
 * HTML tag passes (Markdown renderers pass raw HTML through). */
static void mput(report_t *r, const char *s) {
        for (; s && *s; s++) {
                const char *e = *s == '|'                   ? "\\|"
                                : *s == '<'                 ? "&lt;"
                                : *s == '>'                 ? "&gt;"
                                : *s == '&'                 ? "&amp;"
                                : *s == '\n' || *s == '\r' ? " "
                                : *s == '['                 ? "\\["
                                : *s == ']'                 ? "\\]"
                                                            : NULL;
                if (e)
                        fputs(e, r->md);
                else
                        fputc(*s, r->md);
        }
}

static void hraw(report_t *r, const char *fmt, ...) {
        char *s = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (n > 0)
                ib_buf_append(&r->html, s, (size_t)n);
        free(s);
}

/* @p target relative to the report's folder, so that links hold wherever the
 * report and its results are copied together; @p target itself when either
 * cannot be resolved. */
static const char *relative(const report_t *r, const char *target, char *out, size_t size) {
        char from[PATH_MAX], to[PATH_MAX];
        if (!realpath(r->dir, from) || !realpath(target, to)) {
                snprintf(out, size, "%s", target);
                return out;
        }
        size_t common = 0;
        for (size_t i = 0; from[i] && from[i] == to[i]; i++)
                if (from[i + 1] == '\0' ? (to[i + 1] == '/' || to[i + 1] == '\0') : from[i + 1] == '/' && to[i + 1] == '/')
                        common = i + 1;
        out[0] = '\0';
        size_t n = 0;
        for (const char *p = from + common; *p; p++)
                if (*p == '/' && n + 4 < size)
                        n += (size_t)snprintf(out + n, size - n, "../");
        snprintf(out + n, size - n, "%s", to[common] == '/' ? to + common + 1 : to + common);
        return out;
}

/* A link to the run that produced a figure: its results file. */
static void cell_link(report_t *r, const char *text, const char *target) {
        char rel[PATH_MAX];
        if (target && *target)
                target = relative(r, target, rel, sizeof(rel));
        if (target && *target) {
                fprintf(r->md, " [");
                mput(r, text);
                fprintf(r->md, "](<");
                mput(r, target);
                fprintf(r->md, ">) |");
                hraw(r, "<td><a href=\"");
                hput(r, target);
                hraw(r, "\">");
                hput(r, text);
                hraw(r, "</a></td>");
        } else {
                fprintf(r->md, " ");
                mput(r, text);
                fprintf(r->md, " |");
                hraw(r, "<td>");
                hput(r, text);
                hraw(r, "</td>");
        }
}

/* A table: its header (NULL-terminated column names), rows of cells, its end. */
static void table_head(report_t *r, const char *const *cols) {
        int n = 0;
        hraw(r, "<table><tr>");
        fprintf(r->md, "|");
        for (; cols[n]; n++) {
                fprintf(r->md, " %s |", cols[n]);
                hraw(r, "<th>");
                hput(r, cols[n]);
                hraw(r, "</th>");
        }
        fprintf(r->md, "\n|");
        for (int i = 0; i < n; i++)
                fprintf(r->md, "---|");
        fprintf(r->md, "\n");
        hraw(r, "</tr>\n");
}

typedef char cell_t[128];

/* One row; cell @p link_col (or none: -1) links to @p link. */
static void table_row(report_t *r, cell_t *cells, int n, int link_col, const char *link) {
        fprintf(r->md, "|");
        hraw(r, "<tr>");
        for (int c = 0; c < n; c++)
                cell_link(r, cells[c], c == link_col ? link : NULL);
        fprintf(r->md, "\n");
        hraw(r, "</tr>\n");
}

static void table_end(report_t *r) { hraw(r, "</table>\n"); }

static void heading(report_t *r, const char *title) {
        fprintf(r->md, "\n## ");
        mput(r, title);
        fprintf(r->md, "\n\n");
        hraw(r, "<h2>");
        hput(r, title);
        hraw(r, "</h2>\n");
}

static void para(report_t *r, const char *text) {
        mput(r, text);
        fprintf(r->md, "\n\n");
        hraw(r, "<p>");
        hput(r, text);
        hraw(r, "</p>\n");
}

/* Runs gnuplot on SCRIPT; the SVG it wrote goes into the report. */
static void chart(report_t *r, const char *name, const char *title, const char *script) {
        if (!r->gnuplot || !r->charts_ok)
                return;
        char gp[4200], svg[4200], rel[300], label[300];
        title = gp_text(title, label, sizeof(label)); /* the only results text in a script */
        snprintf(gp, sizeof(gp), "%s/charts/%s.gp", r->dir, name);
        snprintf(svg, sizeof(svg), "%s/charts/%s.svg", r->dir, name);
        snprintf(rel, sizeof(rel), "charts/%s.svg", name);
        FILE *fp = ib_fs_fopen_private(gp);
        if (!fp)
                return;
        fprintf(fp, "set terminal svg size 760,380 dynamic noenhanced font 'sans,11' background rgb 'white'\n"
                    "set output '%s'\n"
                    "set title '%s'\nset grid ytics\nset key outside right\n%s\n",
                rel + 7, title, script);
        fclose(fp);
        char log[4300], dir[4300];
        snprintf(log, sizeof(log), "%s/gnuplot.log", r->dir);
        snprintf(dir, sizeof(dir), "%s/charts", r->dir);
        const char *argv[] = {r->gnuplot, gp + strlen(dir) + 1, NULL};
        ib_run_io_t io = {dir, log, NULL, 0, NULL, 0, NULL};
        int rc = ib_run_command(argv, &io);
        if (rc != 0) {
                fprintf(stderr, "ingestbench report: gnuplot failed on %s (see %s/gnuplot.log)%s\n", gp, r->dir,
                        rc == 127 ? ": is it installed?" : "");
                if (rc == 127)
                        r->charts_ok = 0;
                return;
        }
        fprintf(r->md, "![%s](%s)\n\n", title, rel); /* title: gp_text() above */
        char *data = NULL;
        size_t len = 0;
        if (ib_fs_read_file(svg, &data, &len, NULL, 0) == IB_OK) {
                const char *start = strstr(data, "<svg");
                hraw(r, "<figure>");
                if (start)
                        ib_buf_append(&r->html, start, len - (size_t)(start - data));
                hraw(r, "<figcaption>");
                hput(r, title);
                hraw(r, "</figcaption></figure>\n");
        }
        free(data);
}

/* Opens charts/NAME.dat; @p path gets the name the scripts use (gnuplot runs
 * in charts/, so that the scripts and data hold no absolute path). */
/* A clustered bar chart of data file @p data: one bar per column after the
 * first (its header names them), one cluster per row. */
static void bar_chart(report_t *r, const char *name, const char *title, const char *settings, const char *data,
                      int columns) {
        char script[9000];
        snprintf(script, sizeof(script),
                 BARS "%s\nplot for [i=2:%d] '%s' using i:xtic(1) title columnheader(i)", settings, columns + 1, data);
        chart(r, name, title, script);
}

static FILE *data_file(report_t *r, const char *name, char *path, size_t size) {
        char full[4200];
        snprintf(full, sizeof(full), "%s/charts/%s.dat", r->dir, name);
        snprintf(path, size, "%s.dat", name);
        return ib_fs_fopen_private(full);
}

/* A section's heading, its paragraph and its table's header, then the data
 * file of its chart with the gnuplot columns' @p header (NULL when charts
 * are off or the file cannot be made). */
static FILE *section_start(report_t *r, const char *title, const char *text, const char *const *cols,
                           const char *data, const char *header, char *path, size_t size) {
        heading(r, title);
        para(r, text);
        table_head(r, cols);
        FILE *fp = data_file(r, data, path, size);
        if (fp)
                fprintf(fp, "%s\n", header);
        return fp;
}

/* A section's table closed, then its bar chart of @p columns series drawn
 * from the data file @p fp that section_start() opened (NULL: no chart). */
static void section_end(report_t *r, FILE *fp, const char *name, const char *title, const char *settings,
                        const char *data, int columns) {
        table_end(r);
        if (!fp)
                return;
        fclose(fp);
        bar_chart(r, name, title, settings, data, columns);
}

/* ---- the verdict table ---- */

/* The bench whose modes wrote to @p sink ("kafka": an output topic; NULL:
 * any other, the first given); NULL when there is none. */
static json_t *bench_of(const report_t *r, const char *sink) {
        json_t *b;
        size_t i;
        json_array_foreach(r->set->bench, i, b) {
                int kafka = !strcmp(str(json_object_get(b, "config"), "sink"), "kafka");
                if (sink ? kafka && !strcmp(sink, "kafka") : !kafka)
                        return b;
        }
        return sink ? NULL : json_array_get(r->set->bench, 0);
}

static json_t *bench0(const report_t *r) { return bench_of(r, NULL); }

/* The median ratio and write amplification of @p mode at the fullest level measured. */
static json_t *mode_row(json_t *bench, const char *mode) {
        json_t *best = NULL, *row;
        size_t i;
        json_array_foreach(json_object_get(json_object_get(bench, "drain"), "summary"), i, row)
                if (!strcmp(str(row, "subject"), mode))
                        best = row; /* levels are in order: the last is the fullest */
        return best;
}

static void verdict(report_t *r) {
        ib_mode_safety_t ms[16];
        size_t n = ib_mode_safety(r->set, ms, 16);
        json_t *b = bench0(r);
        const char *bsrc = b ? str(b, "source") : NULL;
        /* modes from the bench too, when chaos did not run them */
        json_t *row;
        size_t i;
        json_array_foreach(json_object_get(json_object_get(b, "config"), "modes"), i, row) {
                size_t k;
                for (k = 0; k < n && strcmp(ms[k].mode, json_string_value(row)); k++)
                        ;
                if (k == n && n < 16) {
                        memset(&ms[n], 0, sizeof(ms[n]));
                        snprintf(ms[n].mode, sizeof(ms[n].mode), "%s", json_string_value(row));
                        snprintf(ms[n].label, sizeof(ms[n].label), "%s", json_string_value(row));
                        ms[n].guarantee = IB_G_UNKNOWN, ms[n].worst_recovery_ms = -1;
                        n++;
                }
        }
        /* in the bench's order of modes (direct, receiver, async-commit, checkpoint), then the others */
        json_t *order = json_object_get(json_object_get(b, "config"), "modes");
        for (size_t k = 0, at = 0; k < json_array_size(order); k++)
                for (size_t j = at; j < n; j++)
                        if (!strcmp(ms[j].mode, json_string_value(json_array_get(order, k)))) {
                                ib_mode_safety_t t = ms[at];
                                ms[at++] = ms[j], ms[j] = t;
                                break;
                        }
        heading(r, "Verdict");
        para(r, "Per mode: the guarantee observed under faults over every chaos run given (effectively exactly-once: no "
                "visible duplicate and nothing lost in any run), the worst duplicate and loss rates (of records "
                "produced), the throughput ratio to the bare librdkafka consumer measured in the same run (median, "
                "fullest pipeline level), p99 end-to-end latency at a fixed rate, the worst recovery time after a "
                "fault, and the bytes written per input byte. Each cell links to the results file it comes from.");
        static const char *const cols[] = {"mode", "guarantee under faults", "worst duplicates", "worst loss",
                                           "throughput ratio", "p99 latency", "worst recovery", "write amplification",
                                           NULL};
        table_head(r, cols);
        for (size_t k = 0; k < n; k++) {
                const ib_mode_safety_t *m = &ms[k];
                char t[96];
                fprintf(r->md, "|");
                hraw(r, "<tr>");
                cell_link(r, m->label, NULL);
                snprintf(t, sizeof(t), "%s (%d run%s)", ib_guarantee_name(m->guarantee), m->runs, m->runs == 1 ? "" : "s");
                cell_link(r, m->runs ? t : "not measured", NULL);
                snprintf(t, sizeof(t), "%.4f%%", m->worst_dup_rate * 100);
                cell_link(r, m->runs ? t : "-", m->worst_dup_run);
                snprintf(t, sizeof(t), "%.4f%%", m->worst_loss_rate * 100);
                cell_link(r, m->runs ? t : "-", m->worst_loss_run);
                json_t *mr = mode_row(b, m->mode), *ratio = json_object_get(mr, "ratio_to_reference");
                snprintf(t, sizeof(t), "%.3f (%s)", ib_results_num(ratio, "median"), str(mr, "pipeline"));
                cell_link(r, ratio ? t : "-", bsrc);
                json_t *lat, *found = NULL;
                json_array_foreach(json_object_get(json_object_get(b, "latency"), "subjects"), i, lat)
                        if (!strcmp(str(lat, "subject"), m->mode))
                                found = lat;
                snprintf(t, sizeof(t), "%.1f ms", ib_results_num(json_object_get(found, "latency_ms"), "p99"));
                cell_link(r, found ? t : "-", bsrc);
                if (isinf(m->worst_recovery_ms))
                        snprintf(t, sizeof(t), "never");
                else
                        snprintf(t, sizeof(t), "%.1f s", m->worst_recovery_ms / 1000);
                cell_link(r, m->worst_recovery_ms >= 0 ? t : "-", m->worst_recovery_run);
                snprintf(t, sizeof(t), "%.2f", ib_results_num(json_object_get(mr, "write_amplification"), "median"));
                cell_link(r, mr ? t : "-", bsrc);
                fprintf(r->md, "\n");
                hraw(r, "</tr>\n");
        }
        table_end(r);
}

/* ---- the fault matrix of an evaluation ---- */

/* An evaluation has at most 16 rows, 16 fault classes and their cells; the
 * report reads no more than these, so that a crafted file cannot make it
 * quadratic in its size. */
#define MAX_AXIS 64
#define MAX_CELLS 1024

static json_t *evaluation0(const report_t *r) { return json_array_get(r->set->evaluation, 0); }

/* @p path, relative to the evaluation's folder, as a link target from the
 * report; NULL for a path that is absolute or climbs out of the folder (an
 * evaluation file is data: it does not choose where links point). */
static const char *eval_link(report_t *r, json_t *ev, const char *path, char *out, size_t size) {
        if (!path || !*path || path[0] == '/' || strstr(path, ".."))
                return NULL;
        char full[PATH_MAX];
        const char *src = str(ev, "source"), *slash = strrchr(src, '/');
        if (slash)
                snprintf(full, sizeof(full), "%.*s/%s", (int)(slash - src), src, path);
        else
                snprintf(full, sizeof(full), "%s", path);
        return relative(r, full, out, size);
}

/* @p text as one Markdown table cell (" text |") and one HTML cell of @p tag
 * (td, th); @p left: left-aligned in the HTML (prose, such as an evidence sentence). */
static void text_cell(report_t *r, const char *tag, int left, const char *text) {
        fprintf(r->md, " ");
        mput(r, text);
        fprintf(r->md, " |");
        hraw(r, left ? "<%s style=\"text-align:left\">" : "<%s>", tag);
        hput(r, text);
        hraw(r, "</%s>", tag);
}

/* A cell's colour by what its runs showed. */
static const char *outcome_colour(int applies, const ib_cell_verdict_t *v) {
        if (!applies)
                return "#ffffff";
        static const char *const by[] = {"#c6efc6", "#ffd79a", "#ffb3b3", "#f08080", "#e0e0e0"};
        return by[v->guarantee];
}

static void outcome_text(int applies, const ib_cell_verdict_t *v, char *out, size_t size) {
        if (!applies)
                snprintf(out, size, "n/a");
        else if (!v->runs)
                snprintf(out, size, "not run");
        else if (v->clean == v->runs)
                snprintf(out, size, "clean %d/%d", v->clean, v->runs);
        else
                snprintf(out, size, "%s%s%s %d/%d", v->with_duplicates ? "dup" : "",
                         v->with_duplicates && v->with_loss ? "+" : "", v->with_loss ? "loss" : v->with_duplicates ? "" : "odd",
                         v->runs - v->clean, v->runs);
}

/* The matrix: modes as rows, fault classes as columns, each cell coloured
 * by outcome and linked to its runs. */
static void matrix_section(report_t *r, json_t *ev) {
        json_t *cfg = json_object_get(ev, "config"), *faults = json_object_get(ev, "faults"), *row, *f, *cell;
        size_t i, j, k;
        char line[900];
        heading(r, "Fault matrix");
        snprintf(line, sizeof(line),
                 "Profile %s: every mode under every fault class, %.0f seed%s per cell (each seed draws the fault's "
                 "time, duration and restart delay), brokers %s (%s); %.0f of %.0f planned runs done%s. A cell shows "
                 "its clean runs (no visible duplicate, nothing lost, nothing unexpected), or its anomalous runs and "
                 "their kind; green clean, orange duplicates, red loss, grey not run. Each cell links to its runs; "
                 "verdicts are recomputed from the runs' figures.",
                 str(ev, "profile"), ib_results_num(cfg, "seeds"), ib_results_num(cfg, "seeds") == 1 ? "" : "s",
                 str(cfg, "brokers"), str(json_object_get(ev, "versions"), "broker"), ib_results_num(ev, "runs_done"),
                 ib_results_num(ev, "runs_planned"),
                 json_is_true(json_object_get(ev, "interrupted")) ? " (interrupted: what finished is reported)" : "");
        para(r, line);
        fprintf(r->md, "|");
        hraw(r, "<table><tr>");
        text_cell(r, "th", 0, "mode");
        json_array_foreach(faults, j, f) if (j < MAX_AXIS) text_cell(r, "th", 0, str(f, "name"));
        fprintf(r->md, "\n|---|");
        json_array_foreach(faults, j, f) if (j < MAX_AXIS) fprintf(r->md, "---|");
        fprintf(r->md, "\n");
        hraw(r, "</tr>\n");
        json_array_foreach(json_object_get(ev, "rows"), i, row) {
                if (i >= MAX_AXIS)
                        break;
                fprintf(r->md, "|");
                hraw(r, "<tr>");
                text_cell(r, "td", 0, str(row, "name"));
                json_array_foreach(faults, j, f) {
                        if (j >= MAX_AXIS)
                                break;
                        json_t *found = NULL;
                        json_array_foreach(json_object_get(ev, "cells"), k, cell)
                                if (k < MAX_CELLS && !strcmp(str(cell, "row"), str(row, "name")) &&
                                    !strcmp(str(cell, "fault"), str(f, "name")))
                                        found = cell;
                        ib_cell_verdict_t v;
                        int applies = found && ib_cell_verdict_json(found, &v) == 0;
                        char text[64], target[PATH_MAX], tok[160], dir[300];
                        outcome_text(applies, &v, text, sizeof(text));
                        if (!found)
                                snprintf(text, sizeof(text), "-");
                        snprintf(dir, sizeof(dir), "cells/%s", str(found, "name"));
                        const char *link = applies && v.runs ? eval_link(r, ev, dir, target, sizeof(target)) : NULL;
                        fprintf(r->md, " ");
                        if (link) {
                                fprintf(r->md, "[");
                                mput(r, text);
                                fprintf(r->md, "](<");
                                mput(r, link);
                                fprintf(r->md, ">)");
                        } else
                                mput(r, text);
                        fprintf(r->md, " |");
                        hraw(r, "<td style=\"background:%s;text-align:center\" title=\"", outcome_colour(applies, &v));
                        hput(r, applies ? v.evidence : found ? str(found, "why_not") : "not in this evaluation");
                        hraw(r, "\">");
                        if (applies && v.runs) {
                                hraw(r, "<a href=\"#cell-%s\">", file_token(str(found, "name"), tok, sizeof(tok)));
                                hput(r, text);
                                hraw(r, "</a>");
                        } else
                                hput(r, text);
                        hraw(r, "</td>");
                }
                fprintf(r->md, "\n");
                hraw(r, "</tr>\n");
        }
        table_end(r);
}

/* Per mode: the weakest cell's guarantee, the cell that decides it, the
 * evidence, and the bench's figures beside them. */
static void mode_verdicts(report_t *r, json_t *ev) {
        json_t *row, *cell;
        size_t i, k;
        heading(r, "Verdict by mode");
        para(r, "A mode's guarantee is the weakest over its cells, and the cell that decides it is named: an anomaly "
                "found by any run is never averaged away. When every cell is clean, the evidence with the fewest runs "
                "bounds the claim. Beside it: the throughput ratio to the bare librdkafka consumer of the same bench "
                "(median, fullest pipeline level), p99 end-to-end latency at a fixed rate, and the worst recovery "
                "time of any run. A row writing an output topic (a Kafka sink) takes its figures from the bench of "
                "the Kafka sink, where latency runs to read_committed visibility; its evidence also judges the "
                "output's log, as a read_uncommitted reader sees it (aborted and zombie writes included).");
        static const char *const cols[] = {"mode", "guarantee under faults", "decided by", "evidence",
                                           "throughput ratio", "p99 latency", "worst recovery", NULL};
        table_head(r, cols);
        json_array_foreach(json_object_get(ev, "rows"), i, row) {
                if (i >= MAX_AXIS)
                        break;
                ib_cell_verdict_t vs[32];
                const char *names[32];
                int n = 0;
                json_array_foreach(json_object_get(ev, "cells"), k, cell) {
                        if (k < MAX_CELLS && n < 32 && !strcmp(str(cell, "row"), str(row, "name")) && ib_cell_verdict_json(cell, &vs[n]) == 0)
                                names[n++] = str(cell, "fault");
                }
                ib_mode_verdict_t mv;
                ib_mode_verdict(vs, names, n, &mv);
                double worst = -1;
                for (int c = 0; c < n; c++)
                        if (vs[c].worst_recovery_ms > worst)
                                worst = vs[c].worst_recovery_ms;
                cell_t cells[7];
                snprintf(cells[0], sizeof(cells[0]), "%.120s", str(row, "name"));
                snprintf(cells[1], sizeof(cells[0]), "%s", ib_guarantee_name(mv.guarantee));
                snprintf(cells[2], sizeof(cells[0]), "%.120s", mv.deciding >= 0 ? names[mv.deciding] : "-");
                fprintf(r->md, "|");
                hraw(r, "<tr>");
                for (int c = 0; c < 3; c++)
                        cell_link(r, cells[c], NULL);
                text_cell(r, "td", 1, mv.evidence);
                const char *sink = str(row, "sink");
                json_t *b = bench_of(r, !strcmp(sink, "kafka") ? "kafka" : NULL);
                const char *bsrc = b ? str(b, "source") : NULL;
                json_t *mr = mode_row(b, str(row, "mode")), *ratio = json_object_get(mr, "ratio_to_reference"), *lat,
                       *found = NULL;
                snprintf(cells[3], sizeof(cells[0]), "%.3f (%.40s)", ib_results_num(ratio, "median"), str(mr, "pipeline"));
                cell_link(r, ratio ? cells[3] : "-", bsrc);
                json_array_foreach(json_object_get(json_object_get(b, "latency"), "subjects"), k, lat)
                        if (!strcmp(str(lat, "subject"), str(row, "mode")))
                                found = lat;
                snprintf(cells[4], sizeof(cells[0]), "%.1f ms", ib_results_num(json_object_get(found, "latency_ms"), "p99"));
                cell_link(r, found ? cells[4] : "-", bsrc);
                if (isinf(worst))
                        snprintf(cells[5], sizeof(cells[0]), "never");
                else
                        snprintf(cells[5], sizeof(cells[0]), "%.1f s", worst / 1000);
                cell_link(r, worst >= 0 ? cells[5] : "-", NULL);
                fprintf(r->md, "\n");
                hraw(r, "</tr>\n");
        }
        table_end(r);
}

/* Every cell's figures, and the replay command of every anomalous run. */
static void cell_details(report_t *r, json_t *ev) {
        json_t *cell, *run;
        size_t i, k;
        heading(r, "Cells");
        para(r, "Per cell: runs, clean runs, runs with visible duplicates and with loss (worst share of records), "
                "the most records redelivered in a run (processed again but absorbed by the idempotent sink, not "
                "visible) and out of order, the worst recovery time, and the evidence with its confidence.");
        static const char *const cols[] = {"cell", "runs", "clean", "duplicates", "lost", "redelivered",
                                           "out of order", "worst recovery", "evidence", NULL};
        table_head(r, cols);
        json_array_foreach(json_object_get(ev, "cells"), i, cell) {
                ib_cell_verdict_t v;
                if (i >= MAX_CELLS)
                        break;
                if (ib_cell_verdict_json(cell, &v) != 0)
                        continue;
                cell_t c[8];
                char tok[160];
                snprintf(c[0], sizeof(c[0]), "%.120s", str(cell, "name"));
                snprintf(c[1], sizeof(c[0]), "%d of %d", v.runs, v.planned);
                snprintf(c[2], sizeof(c[0]), "%d", v.clean);
                snprintf(c[3], sizeof(c[0]), "%d (%.4f%%)", v.with_duplicates, v.worst_dup_rate * 100);
                snprintf(c[4], sizeof(c[0]), "%d (%.4f%%)", v.with_loss, v.worst_loss_rate * 100);
                snprintf(c[5], sizeof(c[0]), "%.0f", v.max_redelivered);
                snprintf(c[6], sizeof(c[0]), "%.0f", v.max_reordered);
                if (isinf(v.worst_recovery_ms))
                        snprintf(c[7], sizeof(c[0]), "never");
                else if (v.worst_recovery_ms < 0)
                        snprintf(c[7], sizeof(c[0]), "-");
                else
                        snprintf(c[7], sizeof(c[0]), "%.1f s", v.worst_recovery_ms / 1000);
                fprintf(r->md, "|");
                hraw(r, "<tr id=\"cell-%s\">", file_token(str(cell, "name"), tok, sizeof(tok)));
                for (int x = 0; x < 8; x++)
                        cell_link(r, c[x], NULL);
                text_cell(r, "td", 1, v.evidence);
                fprintf(r->md, "\n");
                hraw(r, "</tr>\n");
        }
        table_end(r);
        int header = 0;
        json_array_foreach(json_object_get(ev, "cells"), i, cell) {
                if (i >= MAX_CELLS)
                        break;
                json_array_foreach(json_object_get(cell, "runs"), k, run) {
                        json_t *fig = json_object_get(run, "figures");
                        int ran = json_is_true(json_object_get(run, "ran"));
                        int clean = ran && ib_results_num(fig, "duplicates") <= 0 && ib_results_num(fig, "lost") <= 0 &&
                                    ib_results_num(fig, "unexpected") <= 0;
                        if (clean)
                                continue;
                        if (!header++) {
                                heading(r, "Runs to replay");
                                para(r, "Every run with an anomaly, and every run that did not happen, with the "
                                        "command that runs it again (same scenario, same seed) and its report.");
                                static const char *const rc[] = {"cell", "seed", "duplicates", "lost", "replay", NULL};
                                table_head(r, rc);
                        }
                        cell_t c[4];
                        char target[PATH_MAX], rep[300];
                        snprintf(c[0], sizeof(c[0]), "%.120s", str(cell, "name"));
                        snprintf(c[1], sizeof(c[0]), "%.0f", ib_results_num(run, "seed"));
                        snprintf(c[2], sizeof(c[0]), "%.0f", ib_results_num(fig, "duplicates"));
                        snprintf(c[3], sizeof(c[0]), ran ? "%.0f" : "did not run", ib_results_num(fig, "lost"));
                        snprintf(rep, sizeof(rep), "%.200s/report.txt", str(run, "dir"));
                        fprintf(r->md, "|");
                        hraw(r, "<tr>");
                        cell_link(r, c[0], ran ? eval_link(r, ev, rep, target, sizeof(target)) : NULL);
                        for (int x = 1; x < 4; x++)
                                cell_link(r, c[x], NULL);
                        const char *replay = ran ? str(run, "replay") : str(run, "error");
                        fprintf(r->md, " ");
                        mput(r, replay); /* escaped text, not a code span: a code span passes "<" through */
                        fprintf(r->md, " |\n");
                        hraw(r, "<td style=\"text-align:left\"><code>");
                        hput(r, replay);
                        hraw(r, "</code></td></tr>\n");
                }
        }
        if (header)
                table_end(r);
}

/* ---- benchmarks ---- */

static void drain_tables(report_t *r, json_t *b, const char *source) {
        json_t *cfg = json_object_get(b, "config"), *bl = json_object_get(json_object_get(b, "drain"), "backlog");
        char line[600];
        if (source) {
                char rel[PATH_MAX];
                snprintf(line, sizeof(line), "Drain throughput: %s", relative(r, source, rel, sizeof(rel)));
                heading(r, line);
        } else
                heading(r, "Drain throughput");
        snprintf(line, sizeof(line),
                 "A backlog of %.0f records (payload %.0f B; %.0f partitions) drained by each subject, %.0f repetitions "
                 "interleaved; brokers: %s (%s). Time runs from the first fetch to the last durable commit. The ratio "
                 "is to the bare librdkafka consumer of the same repetition (median, min-max).",
                 ib_results_num(bl, "records"), ib_results_num(bl, "payload_bytes"), ib_results_num(bl, "partitions"), ib_results_num(cfg, "repeat"),
                 str(json_object_get(b, "versions"), "broker"), str(cfg, "brokers"));
        para(r, line);
        static const char *const cols[] = {"subject", "pipeline", "records/s", "MB/s", "ratio to reference",
                                           "CPU s per 1M records", "offset-store ops/s", "write amplification",
                                           "peak RSS MB (x reference)", NULL};
        table_head(r, cols);
        json_t *row;
        size_t i;
        json_array_foreach(json_object_get(json_object_get(b, "drain"), "summary"), i, row) {
                json_t *rps = json_object_get(row, "records_per_s"), *ratio = json_object_get(row, "ratio_to_reference");
                cell_t cells[9];
                snprintf(cells[0], sizeof(cells[0]), "%s", str(row, "subject"));
                snprintf(cells[1], sizeof(cells[0]), "%s", json_is_string(json_object_get(row, "pipeline")) ? str(row, "pipeline") : "-");
                json_t *total = json_object_get(row, "total_records_per_s"); /* a peer: JVM start-up apart */
                snprintf(cells[2], sizeof(cells[0]), "%.0fk (%.0fk-%.0fk)%s", ib_results_num(rps, "median") / 1000,
                         ib_results_num(rps, "min") / 1000, ib_results_num(rps, "max") / 1000, total ? " query" : "");
                if (total)
                        snprintf(cells[2] + strlen(cells[2]), sizeof(cells[0]) - strlen(cells[2]),
                                 "; %.0fk with start-up", ib_results_num(total, "median") / 1000);
                snprintf(cells[3], sizeof(cells[0]), "%.1f", ib_results_num(json_object_get(row, "mb_per_s"), "median"));
                if (ratio)
                        snprintf(cells[4], sizeof(cells[0]), "%.3f (%.3f-%.3f)", ib_results_num(ratio, "median"), ib_results_num(ratio, "min"),
                                 ib_results_num(ratio, "max"));
                else
                        snprintf(cells[4], sizeof(cells[0]), "1 (reference)");
                json_t *cpu = json_object_get(row, "cpu_s_per_million");
                if (cpu)
                        snprintf(cells[5], sizeof(cells[0]), "%.2f", ib_results_num(cpu, "median"));
                else
                        snprintf(cells[5], sizeof(cells[0]), "not measured");
                snprintf(cells[6], sizeof(cells[0]), "%.1f", ib_results_num(json_object_get(row, "store_ops_per_s"), "median"));
                snprintf(cells[7], sizeof(cells[0]), "%.2f", ib_results_num(json_object_get(row, "write_amplification"), "median"));
                json_t *rss = json_object_get(row, "max_rss_kb"), *rss_ratio = json_object_get(row, "rss_to_reference");
                if (!rss || ib_results_num(rss, "median") <= 0) /* not in files of before; not measured */
                        snprintf(cells[8], sizeof(cells[0]), "-");
                else if (rss_ratio && ib_results_num(rss_ratio, "median") > 0)
                        snprintf(cells[8], sizeof(cells[0]), "%.0f (x%.1f)", ib_results_num(rss, "median") / 1024,
                                 ib_results_num(rss_ratio, "median"));
                else
                        snprintf(cells[8], sizeof(cells[0]), "%.0f", ib_results_num(rss, "median") / 1024);
                table_row(r, cells, 9, -1, NULL);
        }
        table_end(r);
}

static void drain_charts(report_t *r, json_t *b) {
        json_t *cfg = json_object_get(b, "config"), *levels = json_object_get(cfg, "pipelines"),
               *modes = json_object_get(cfg, "modes");
        char path[4200];
        FILE *fp = data_file(r, "ratio", path, sizeof(path));
        FILE *cp = NULL;
        char cpath[4200];
        if (!fp)
                return;
        cp = data_file(r, "cpu", cpath, sizeof(cpath));
        size_t i, l;
        json_t *mode, *lv;
        fprintf(fp, "mode");
        if (cp)
                fprintf(cp, "mode");
        char tok[64];
        json_array_foreach(levels, l, lv) {
                gp_token(json_string_value(lv), tok, sizeof(tok));
                fprintf(fp, " %s", tok);
                if (cp)
                        fprintf(cp, " %s", tok);
        }
        fprintf(fp, "\n");
        if (cp)
                fprintf(cp, "\n");
        json_array_foreach(modes, i, mode) {
                gp_token(json_string_value(mode), tok, sizeof(tok));
                fprintf(fp, "%s", tok);
                if (cp)
                        fprintf(cp, "%s", tok);
                json_array_foreach(levels, l, lv) {
                        json_t *row, *hit = NULL;
                        size_t k;
                        json_array_foreach(json_object_get(json_object_get(b, "drain"), "summary"), k, row)
                                if (!strcmp(str(row, "subject"), json_string_value(mode)) &&
                                    !strcmp(str(row, "pipeline"), json_string_value(lv)))
                                        hit = row;
                        fprintf(fp, " %g", ib_results_num(json_object_get(hit, "ratio_to_reference"), "median"));
                        if (cp)
                                fprintf(cp, " %g", ib_results_num(json_object_get(hit, "cpu_s_per_million"), "median"));
                }
                fprintf(fp, "\n");
                if (cp)
                        fprintf(cp, "\n");
        }
        fclose(fp);
        if (cp)
                fclose(cp);
        int nl = (int)json_array_size(levels);
        bar_chart(r, "ratio", "Throughput by mode as a ratio to the bare reference, per pipeline level",
                  "set ylabel 'throughput / reference (same run)'\nset yrange [0:*]", path, nl);
        if (cp)
                bar_chart(r, "cpu", "CPU per record by mode (user + system of the worker)",
                          "set ylabel 'CPU seconds per million records'\nset yrange [0:*]", cpath, nl);
}

static void latency_section(report_t *r, json_t *b) {
        json_t *lat = json_object_get(b, "latency");
        if (!lat)
                return;
        char line[400];
        snprintf(line, sizeof(line),
                 "Each mode consumes while the producer writes %.0f records/s (%s) for %.0f s. Latency: a record's "
                 "intended send time to its output being durable. Send delay: actual minus intended send time; a "
                 "producer that falls behind shows here, not as a lower rate.",
                 ib_results_num(lat, "rate_rps"), str(lat, "rate_from"), ib_results_num(lat, "seconds"));
        static const char *const cols[] = {"mode", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms",
                                           "send delay p99 ms", "send delay max ms", NULL};
        char path[4200];
        FILE *fp = section_start(r, "End-to-end latency", line, cols, "latency", "mode p50 p90 p99 p99.9 max", path,
                                 sizeof(path));
        json_t *s;
        size_t i;
        json_array_foreach(json_object_get(lat, "subjects"), i, s) {
                json_t *l = json_object_get(s, "latency_ms"), *d = json_object_get(s, "send_delay_ms");
                cell_t cells[8];
                snprintf(cells[0], sizeof(cells[0]), "%s", str(s, "subject"));
                snprintf(cells[1], sizeof(cells[0]), "%.1f", ib_results_num(l, "p50"));
                snprintf(cells[2], sizeof(cells[0]), "%.1f", ib_results_num(l, "p90"));
                snprintf(cells[3], sizeof(cells[0]), "%.1f", ib_results_num(l, "p99"));
                snprintf(cells[4], sizeof(cells[0]), "%.1f", ib_results_num(l, "p99_9"));
                snprintf(cells[5], sizeof(cells[0]), "%.1f", ib_results_num(l, "max"));
                snprintf(cells[6], sizeof(cells[0]), "%.2f", ib_results_num(d, "p99"));
                snprintf(cells[7], sizeof(cells[0]), "%.2f", ib_results_num(d, "max"));
                table_row(r, cells, 8, -1, NULL);
                char tok[64];
                if (fp)
                        fprintf(fp, "%s %g %g %g %g %g\n", gp_token(str(s, "subject"), tok, sizeof(tok)), ib_results_num(l, "p50"), ib_results_num(l, "p90"), ib_results_num(l, "p99"),
                                ib_results_num(l, "p99_9"), ib_results_num(l, "max"));
        }
        section_end(r, fp, "latency", "End-to-end latency percentiles by mode",
                    "set logscale y\nset ylabel 'ms (log scale)'", path, 5);
}

/* The sweeps of every bench file given (a sweep is often a run of its own). */
static void sweeps_section(report_t *r) {
        json_t *sw, *b, *seen = json_object(); /* sweep name -> how many so far: sweep-size, sweep-size-2 */
        size_t i, d;
        json_array_foreach(r->set->bench, d, b) json_array_foreach(json_object_get(b, "sweeps"), i, sw) {
                char title[200], path[4200], name[96], tok[64], label[64];
                json_int_t nth = json_integer_value(json_object_get(seen, str(sw, "name"))) + 1;
                json_object_set_new(seen, str(sw, "name"), json_integer(nth));
                file_token(str(sw, "name"), tok, 32);
                if (nth > 1)
                        snprintf(name, sizeof(name), "sweep-%s-%lld", tok, (long long)nth);
                else
                        snprintf(name, sizeof(name), "sweep-%s", tok);
                snprintf(title, sizeof(title), "Throughput against %s (pipeline %s; median of the repetitions)",
                         str(sw, "name"), str(sw, "pipeline"));
                heading(r, title);
                FILE *fp = data_file(r, name, path, sizeof(path));
                if (!fp)
                        continue;
                json_t *series = json_object_get(sw, "series"), *s, *v;
                size_t k, j;
                fprintf(fp, "%s", gp_token(str(sw, "name"), tok, sizeof(tok)));
                json_array_foreach(series, k, s) fprintf(fp, " %s", gp_token(str(s, "subject"), tok, sizeof(tok)));
                fprintf(fp, "\n");
                json_array_foreach(json_object_get(sw, "values"), j, v) {
                        fprintf(fp, "%lld", (long long)json_integer_value(v));
                        json_array_foreach(series, k, s)
                                fprintf(fp, " %g", json_number_value(json_array_get(json_object_get(s, "records_per_s"), j)));
                        fprintf(fp, "\n");
                }
                fclose(fp);
                fprintf(r->md, "```\n");
                hraw(r, "<pre>");
                char *text = NULL;
                size_t len = 0;
                char full[4400];
                snprintf(full, sizeof(full), "%s/charts/%s", r->dir, path);
                if (ib_fs_read_file(full, &text, &len, NULL, 0) == IB_OK) {
                        fprintf(r->md, "%s", text);
                        hput(r, text);
                }
                free(text);
                fprintf(r->md, "```\n\n");
                hraw(r, "</pre>\n");
                char script[4800];
                snprintf(script, sizeof(script),
                         "set logscale x 2\nset logscale y\nset xlabel '%s'\nset ylabel 'records/s (log scale)'\nset key autotitle columnhead\n"
                         "plot for [i=2:%d] '%s' using 1:i with linespoints lw 2",
                         gp_text(str(sw, "name"), label, sizeof(label)), (int)json_array_size(series) + 1, path);
                chart(r, name, title, script);
        }
        json_decref(seen);
}

/* ---- chaos ---- */

/* A per-second timeline of chaos run @p i with its faults in red. */
static void timeline_chart(report_t *r, size_t i, json_t *doc) {
        char path[4200];
        json_t *ps = json_object_get(json_object_get(doc, "throughput"), "per_second"), *v, *f;
        if (!json_array_size(ps))
                return;
        char name[64], title[300];
        snprintf(name, sizeof(name), "timeline-%zu", i);
        FILE *tp = data_file(r, name, path, sizeof(path));
        if (!tp)
                return;
        size_t k;
        json_array_foreach(ps, k, v) fprintf(tp, "%zu %lld\n", k, (long long)json_integer_value(v));
        fclose(tp);
        char script[8000];
        int n = snprintf(script, sizeof(script), "set xlabel 's from the first batch'\nset ylabel 'records/s'\n"
                                                 "set yrange [0:*]\nunset key\n");
        json_array_foreach(json_object_get(doc, "schedule"), k, f) {
                json_t *at = json_object_get(f, "applied_ms");
                char label[64]; /* capped, so that a line fits the 200 bytes left */
                if (json_is_number(at) && n > 0 && (size_t)n < sizeof(script) - 200)
                        n += snprintf(script + n, sizeof(script) - (size_t)n,
                                      "set arrow from %g, graph 0 to %g, graph 1 nohead lc rgb 'red' dt 2\n"
                                      "set label '%s' at %g, graph %g tc rgb 'red' font ',9'\n",
                                      json_number_value(at) / 1000, json_number_value(at) / 1000,
                                      gp_text(str(f, "fault"), label, sizeof(label)),
                                      json_number_value(at) / 1000 + 0.1, 0.95 - 0.07 * (double)(k % 4));
        }
        if (n > 0 && (size_t)n < sizeof(script) - 100)
                snprintf(script + n, sizeof(script) - (size_t)n, "plot '%s' using 1:2 with steps lw 2", path);
        char subject[64];
        snprintf(title, sizeof(title), "%s (%s, seed %lld): records/s",
                 str(doc, "scenario_name"), ib_results_chaos_subject(doc, subject, sizeof(subject)),
                 (long long)json_integer_value(json_object_get(doc, "seed")));
        chart(r, name, title, script);
}

static void chaos_section(report_t *r) {
        if (!json_array_size(r->set->chaos))
                return;
        static const char *const cols[] = {"scenario", "mode", "produced", "duplicates", "lost", "unexplained",
                                           "recovery max", "verdict", NULL};
        char path[4200];
        FILE *fp = section_start(r, "Duplicates and loss under faults",
                                 "Every chaos run given: its scenario, mode, records produced, visible duplicates, "
                                 "lost, unexplained, worst recovery, verdict.",
                                 cols, "chaos", "run duplicates lost", path, sizeof(path));
        json_t *doc;
        size_t i;
        json_array_foreach(r->set->chaos, i, doc) {
                json_t *c = json_object_get(doc, "counts"), *rec = json_object_get(json_object_get(doc, "recovery_ms"), "max");
                const char *src = str(doc, "source");
                cell_t cells[8];
                const char *variant = json_string_value(json_object_get(doc, "variant"));
                const char *client = json_string_value(json_object_get(json_object_get(doc, "client"), "librdkafka"));
                snprintf(cells[0], sizeof(cells[0]), "%.60s%s%.30s%s%.16s", str(doc, "scenario_name"),
                         variant ? " / " : "", variant ? variant : "", client ? ", librdkafka " : "", client ? client : "");
                ib_results_chaos_subject(doc, cells[1], sizeof(cells[1]));
                snprintf(cells[2], sizeof(cells[0]), "%.0f", ib_results_num(c, "produced"));
                snprintf(cells[3], sizeof(cells[0]), "%.0f", ib_results_num(c, "duplicates"));
                snprintf(cells[4], sizeof(cells[0]), "%.0f", ib_results_num(c, "lost"));
                snprintf(cells[5], sizeof(cells[0]), "%.0f", ib_results_num(c, "unexplained_duplicates") + ib_results_num(c, "unexplained_lost"));
                if (json_is_number(rec))
                        snprintf(cells[6], sizeof(cells[0]), "%.1f s", json_number_value(rec) / 1000);
                else
                        snprintf(cells[6], sizeof(cells[0]), "%s", json_is_string(rec) ? json_string_value(rec) : "-");
                snprintf(cells[7], sizeof(cells[0]), "%s",
                         json_is_true(json_object_get(json_object_get(doc, "verdict"), "pass")) ? "PASS" : "FAIL");
                table_row(r, cells, 8, 0, src);
                if (fp) {
                        char a[64], b[64];
                        fprintf(fp, "%s/%s %g %g\n", gp_token(cells[0], a, sizeof(a)), gp_token(cells[1], b, sizeof(b)),
                                ib_results_num(c, "duplicates"), ib_results_num(c, "lost"));
                }
        }
        section_end(r, fp, "chaos", "Duplicates and loss by scenario and mode",
                    "set xtics rotate by -35\nset ylabel 'records'\nset yrange [0:*]\nset bmargin 9", path, 2);
        para(r, "Timelines of the first runs: records delivered per second from the first batch; each fault in "
                "red, at its time from the start of the run (the first batch comes a little later).");
        json_array_foreach(r->set->chaos, i, doc) {
                if (i >= 8)
                        break;
                timeline_chart(r, i, doc);
        }
}

static void provenance(report_t *r) {
        heading(r, "Provenance");
        json_t *docs[3] = {r->set->evaluation, r->set->bench, r->set->chaos}, *doc;
        for (int k = 0; k < 3; k++) {
                size_t i;
                json_array_foreach(docs[k], i, doc) {
                        if (k == 2 && i == 3 && json_array_size(r->set->evaluation)) { /* an evaluation's runs: a few */
                                char more[160];
                                snprintf(more, sizeof(more), "and %zu more chaos runs (the files under cells/)",
                                         json_array_size(docs[k]) - i);
                                fprintf(r->md, "- %s\n", more);
                                hraw(r, "<li>");
                                hput(r, more);
                                hraw(r, "</li>\n");
                                break;
                        }
                        json_t *v = json_object_get(doc, "versions"), *m = json_object_get(doc, "machine");
                        char line[1400], workers[160] = "";
                        json_t *cl = json_object_get(doc, "client");
                        if (cl) /* the workers' client (chaos), or the client the whole bench ran */
                                snprintf(workers, sizeof(workers), " (workers: librdkafka %.32s, client %.64s)",
                                         str(cl, "librdkafka"), str(cl, "name"));
                        snprintf(line, sizeof(line), "%s: %s, created %s; ingestbench %s (git %s), librdkafka %s%s, broker %s%s%s; "
                                                     "%.0f cores, kernel %s",
                                 str(doc, "source"), str(doc, "kind"), str(doc, "created"), str(v, "ingestbench"),
                                 json_object_get(doc, "git_revision") ? str(doc, "git_revision") : "-", str(v, "librdkafka"),
                                 workers,
                                 str(v, "broker"), json_object_get(v, "zookeeper") ? ", ZooKeeper " : "",
                                 str(v, "zookeeper"), ib_results_num(m, "cores"), str(m, "kernel"));
                        fprintf(r->md, "- %s\n", line);
                        hraw(r, "<li>");
                        hput(r, line);
                        hraw(r, "</li>\n");
                }
        }
        fprintf(r->md, "\n");
}

ib_err_t ib_report_write(const ib_result_set_t *set, const char *out_dir, const char *gnuplot, char *errstr,
                         size_t errstr_size) {
        char charts[4200], md[4200], html[4200];
        snprintf(charts, sizeof(charts), "%s/charts", out_dir);
        ib_err_t err = ib_fs_mkdirs(charts, errstr, errstr_size);
        if (err)
                return err;
        /* report.md is built in memory, then replaced atomically like every file
         * here: no fixed temporary name for another user to plant a link at */
        char *text = NULL;
        size_t len = 0;
        snprintf(md, sizeof(md), "%s/report.md", out_dir);
        report_t r = {set, out_dir, gnuplot, open_memstream(&text, &len), {0}, 1, ""};
        if (!r.md)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "%s: out of memory", md);
        fprintf(r.md, "# ingestbench report\n\nGenerated by `ingestbench report` from %zu evaluation, %zu bench and %zu "
                      "chaos results files alone.\n",
                json_array_size(set->evaluation), json_array_size(set->bench), json_array_size(set->chaos));
        hraw(&r, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>ingestbench report</title><style>"
                 "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
                 "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:.3em .6em;"
                 "text-align:right}td:first-child,th:first-child{text-align:left}figure{margin:1em 0}"
                 "figcaption{font-size:.9em;color:#444}</style></head><body>\n<h1>ingestbench report</h1>\n");
        hraw(&r, "<p>Generated by <code>ingestbench report</code> from %zu evaluation, %zu bench and %zu chaos results "
                 "files alone.</p>\n",
             json_array_size(set->evaluation), json_array_size(set->bench), json_array_size(set->chaos));
        json_t *ev = evaluation0(&r);
        if (ev) { /* the first screen is the matrix */
                matrix_section(&r, ev);
                mode_verdicts(&r, ev);
        } else
                verdict(&r);
        json_t *b = bench0(&r);
        if (b) {
                drain_tables(&r, b, NULL);
                drain_charts(&r, b);
                latency_section(&r, b);
        }
        /* the drains of the other bench files (another configuration, a peer), as tables */
        size_t i;
        json_t *other;
        json_array_foreach(set->bench, i, other) if (other != b && json_object_get(other, "drain"))
                drain_tables(&r, other, str(other, "source"));
        sweeps_section(&r);
        if (ev)
                cell_details(&r, ev);
        else
                chaos_section(&r);
        provenance(&r);
        hraw(&r, "</body></html>\n");
        int bad = ferror(r.md);
        if (fclose(r.md) != 0 || bad) {
                free(text);
                ib_buf_free(&r.html);
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "%s: out of memory", md);
        }
        err = ib_fs_write_atomic(md, text, len, NULL, errstr, errstr_size);
        free(text);
        if (err) {
                ib_buf_free(&r.html);
                return err;
        }
        snprintf(html, sizeof(html), "%s/gnuplot.log", out_dir);
        struct stat st;
        if (stat(html, &st) == 0 && st.st_size == 0) /* kept only when gnuplot had something to say */
                unlink(html);
        snprintf(html, sizeof(html), "%s/report.html", out_dir);
        err = ib_fs_write_atomic(html, r.html.data, r.html.len, NULL, errstr, errstr_size);
        ib_buf_free(&r.html);
        return err;
}
