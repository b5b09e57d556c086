/*
 * bench.c: the phases of `ingestbench bench` (bench.h) and the results
 * document they fill. Every figure a mode gets is also given as a ratio to
 * the bare reference measured in the same repetition, and repetitions are
 * interleaved (reference, kcat, every mode at every level; then again), so
 * that a machine that slows down part-way slows every subject alike.
 */
#include "bench.h"

#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "fsutil.h"
#include "options.h"
#include "pipeline.h"
#include "results.h"

/* One row of the drain table: a reference, or a mode at a pipeline level. */
typedef struct subject_s {
        char name[64];
        const char *kind;            /* "reference", "client", "mode" */
        const ib_mode_t *mode;       /* kind "mode" */
        int level;
        json_t *runs;                /* ib_drain_json() per repetition */
        json_t *config;              /* a mode's every option, from its worker's stats.json */
} subject_t;

typedef struct bench_s {
        const ib_bench_conf_t *c;
        int64_t t0_us;
        int steps, steps_done;
        char last[160];
} bench_t;

/* The progress line: phase, step, the last figure, elapsed, estimated remaining. */
static void progress(bench_t *b, const char *fmt, ...) {
        if (!b->c->progress)
                return;
        char what[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        double el = (double)(ib_mono_us() - b->t0_us) / 1e6;
        double left = b->steps_done ? el / b->steps_done * (b->steps - b->steps_done) : 0;
        fprintf(stderr, "\r\033[Kbench: %s [step %d/%d, %s, %.0f s elapsed, ~%.0f s left]", what, b->steps_done + 1,
                b->steps, b->last[0] ? b->last : "-", el, left);
        fflush(stderr);
}


static char *scratch(const bench_t *b, const char *name, char *out, size_t size) {
        snprintf(out, size, "%s/%s", b->c->work_dir, name);
        return out;
}

/* Runs subject @p s once over backlog @p bl; appends the run. */
static ib_err_t run_subject(bench_t *b, subject_t *s, const ib_backlog_t *bl, int workers, double ref_bytes_per_rec,
                            const char *const *extra, json_t **run_out, char *errstr, size_t errstr_size) {
        const ib_bench_conf_t *c = b->c;
        ib_drain_t d;
        ib_err_t err;
        char dir[PATH_MAX];
        if (!strcmp(s->kind, "peer")) {
                err = ib_bench_peer(c, bl, scratch(b, "peer", dir, sizeof(dir)), &d, errstr, errstr_size);
                d.bytes = (uint64_t)(ref_bytes_per_rec * (double)d.records);
        } else if (!strcmp(s->kind, "reference"))
                err = ib_bench_reference_proc(c, bl, 120000 + bl->records / 10, &d, errstr, errstr_size);
        else if (!strcmp(s->kind, "client")) {
                err = ib_bench_kcat(c, bl, &d, errstr, errstr_size);
                d.bytes = (uint64_t)(ref_bytes_per_rec * (double)d.records);
        } else
                err = ib_bench_mode(c, s->mode, s->level, workers, bl, scratch(b, "mode", dir, sizeof(dir)), extra, &d,
                                    errstr, errstr_size);
        if (err) {
                ib_drain_free(&d);
                return err;
        }
        json_t *r = ib_drain_json(&d);
        if (workers > 1)
                json_object_set_new(r, "workers", json_integer(workers));
        if (s->config == NULL && d.stats)
                s->config = json_incref(json_object_get(d.stats, "config"));
        snprintf(b->last, sizeof(b->last), "%.100s %.0fk records/s", s->name, ib_results_num(r, "records_per_s") / 1000);
        ib_drain_free(&d);
        *run_out = r;
        if (s->mode || !strcmp(s->kind, "peer")) /* the scratch: sinks and state, gone before the next run */
                ib_fs_remove_tree(dir, NULL, 0);
        return IB_OK;
}

static json_t *figure_summary(json_t *runs, const char *key) {
        size_t n = json_array_size(runs), i;
        double *v = calloc(n + 1, sizeof(*v));
        json_t *r;
        json_array_foreach(runs, i, r) v[i] = ib_results_num(r, key);
        json_t *s = ib_bench_summary(v, n);
        free(v);
        return s;
}

/* The summary row of a subject: every figure's median, min, max, and the
 * ratio to the reference, run by run (repetition k against repetition k). */
static json_t *summarize(const subject_t *s, const subject_t *ref) {
        json_t *row = json_pack("{s:s,s:s,s:s?}", "subject", s->name, "kind", s->kind, "pipeline",
                                s->mode ? ib_pipeline_level_names[s->level] : NULL);
        static const char *const keys[] = {"records_per_s", "mb_per_s", "cpu_s_per_million", "store_ops_per_s",
                                           "write_amplification", "total_records_per_s", "max_rss_kb", NULL};
        for (int k = 0; keys[k]; k++)
                if (json_is_number(json_object_get(json_array_get(s->runs, 0), keys[k])))
                        json_object_set_new(row, keys[k], figure_summary(s->runs, keys[k]));
        size_t n = json_array_size(s->runs);
        if (ref && n && json_array_size(ref->runs) == n) {
                double *v = calloc(n, sizeof(*v));
                for (size_t i = 0; i < n; i++) {
                        double rr = ib_results_num(json_array_get(ref->runs, i), "records_per_s");
                        v[i] = rr > 0 ? ib_results_num(json_array_get(s->runs, i), "records_per_s") / rr : 0;
                }
                json_object_set_new(row, "ratio_to_reference", ib_bench_summary(v, n));
                for (size_t i = 0; i < n; i++) { /* peak RSS against the reference's (0: not measured) */
                        double rr = ib_results_num(json_array_get(ref->runs, i), "max_rss_kb");
                        v[i] = rr > 0 ? ib_results_num(json_array_get(s->runs, i), "max_rss_kb") / rr : 0;
                }
                json_object_set_new(row, "rss_to_reference", ib_bench_summary(v, n));
                free(v);
        }
        json_t *lat = json_object_get(json_array_get(s->runs, n ? n - 1 : 0), "latency_ms");
        if (lat)
                json_object_set(row, "drain_latency_ms", lat);
        return row;
}

static ib_err_t make_backlog(bench_t *b, const char *what, int partitions, int64_t records, int64_t size,
                             ib_backlog_t *bl, char *errstr, size_t errstr_size) {
        char topic[200];
        snprintf(topic, sizeof(topic), "bench-%s-%d-%lld-p%d-s%lld", what, (int)getpid(), (long long)time(NULL),
                 partitions, (long long)size);
        progress(b, "producing %" PRId64 " records of %" PRId64 " B into %d partitions", records, size, partitions);
        return ib_bench_backlog(b->c, topic, partitions, records, size, 0, NULL, bl, errstr, errstr_size);
}

/* ---- drain ---- */

static ib_err_t drain_phase(bench_t *b, json_t *doc, char *errstr, size_t errstr_size) {
        const ib_bench_conf_t *c = b->c;
        subject_t subj[3 + 3 * IB_BENCH_MAX_SUBJECTS];
        int n = 0;
        memset(subj, 0, sizeof(subj));
        snprintf(subj[n].name, sizeof(subj[n].name), "reference"), subj[n++].kind = "reference";
        if (c->kcat)
                snprintf(subj[n].name, sizeof(subj[n].name), "kcat"), subj[n++].kind = "client";
        for (int l = 0; l < c->nlevels; l++)
                for (int m = 0; m < c->nmodes; m++) {
                        subject_t *s = &subj[n++];
                        snprintf(s->name, sizeof(s->name), "%s", c->modes[m]->name);
                        s->kind = "mode", s->mode = c->modes[m], s->level = c->levels[l];
                }
        if (c->peer) /* same work as the full pipeline */
                snprintf(subj[n].name, sizeof(subj[n].name), "%s", c->peer), subj[n++].kind = "peer";
        for (int i = 0; i < n; i++)
                subj[i].runs = json_array();
        ib_backlog_t bl;
        ib_err_t err = make_backlog(b, "drain", (int)c->partitions, c->records, c->size, &bl, errstr, errstr_size);
        json_t *drain = json_object();
        json_object_set_new(doc, "drain", drain);
        if (!err) {
                /* One untimed read of the backlog first: the broker's cache, the
                 * connections and this process's code are then as warm for
                 * repetition 1 as for the others (repetition 1's reference used
                 * to be several times slower than the next on a small backlog). */
                ib_drain_t warm;
                progress(b, "drain: warming up (the reference reads the backlog once, untimed)");
                if (!(err = ib_bench_reference(c->brokers, &bl, 120000 + bl.records / 10, c->stop, &warm, errstr, errstr_size)))
                        json_object_set_new(drain, "warmup", ib_drain_json(&warm));
                ib_drain_free(&warm);
        }
        for (int64_t rep = 0; !err && rep < c->repeat; rep++)
                for (int i = 0; !err && i < n; i++) {
                        progress(b, "drain, repetition %" PRId64 "/%" PRId64 ": %s%s%s, %" PRId64 " records", rep + 1,
                                 c->repeat, subj[i].name, subj[i].mode ? " at pipeline " : "",
                                 subj[i].mode ? ib_pipeline_level_names[subj[i].level] : "", bl.end_total);
                        json_t *ref0 = json_array_get(subj[0].runs, (size_t)rep), *r = NULL;
                        double bpr = ref0 && ib_results_num(ref0, "records") > 0 ? ib_results_num(ref0, "bytes") / ib_results_num(ref0, "records") : 0;
                        if (!(err = run_subject(b, &subj[i], &bl, 1, bpr, NULL, &r, errstr, errstr_size))) {
                                json_object_set_new(r, "repetition", json_integer(rep));
                                json_array_append_new(subj[i].runs, r);
                        }
                        b->steps_done++;
                }
        json_object_set_new(drain, "backlog",
                            json_pack("{s:s,s:i,s:I,s:I,s:I}", "topic", bl.topic, "partitions", bl.partitions,
                                      "records", (json_int_t)bl.records, "payload_bytes", (json_int_t)bl.size,
                                      "end_offsets_total", (json_int_t)bl.end_total));
        json_t *subjects = json_array(), *summary = json_array();
        for (int i = 0; i < n; i++) {
                json_t *o = json_pack("{s:s,s:s,s:s?,s:O}", "subject", subj[i].name, "kind", subj[i].kind,
                                      "pipeline", subj[i].mode ? ib_pipeline_level_names[subj[i].level] : NULL,
                                      "runs", subj[i].runs);
                if (subj[i].config)
                        json_object_set_new(o, "config", subj[i].config);
                json_array_append_new(subjects, o);
                json_array_append_new(summary, summarize(&subj[i], i ? &subj[0] : NULL));
                json_decref(subj[i].runs);
        }
        json_object_set_new(drain, "subjects", subjects);
        json_object_set_new(drain, "summary", summary);
        return err;
}

/* ---- latency ---- */

/* Whether @p events shows the worker ready: it owns partitions. */
static int worker_ready(const char *events, const ib_mode_t *mode) {
        char *data = NULL;
        size_t len = 0;
        if (ib_fs_read_file(events, &data, &len, NULL, 0) != IB_OK)
                return 0;
        /* a claim logs "assign", a group member "rebalance" of kind "assign";
         * a worker of a static split owns its partitions from its "start" */
        int ready = strstr(data, "\"event\":\"assign\"") != NULL ||
                    strstr(data, "\"event\":\"rebalance\",\"kind\":\"assign\"") != NULL ||
                    (mode->static_split && strstr(data, "\"event\":\"start\"") != NULL);
        free(data);
        return ready;
}

/* Whether the batches in @p events reached every partition's end offset. */
static int caught_up(const char *events, const int64_t *ends, int n) {
        FILE *fp = fopen(events, "r");
        if (!fp)
                return 0;
        int64_t pos[1024] = {0};
        char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, fp) > 0) {
                if (!strstr(line, "\"event\":\"batch\""))
                        continue;
                json_t *ev = json_loads(line, 0, NULL), *r;
                size_t i;
                json_array_foreach(json_object_get(ev, "ranges"), i, r) {
                        int p = (int)json_integer_value(json_object_get(r, "partition"));
                        int64_t u = json_integer_value(json_object_get(r, "until"));
                        if (p >= 0 && p < n && u > pos[p])
                                pos[p] = u;
                }
                json_decref(ev);
        }
        free(line);
        fclose(fp);
        for (int p = 0; p < n; p++)
                if (pos[p] < ends[p])
                        return 0;
        return 1;
}

static ib_err_t latency_one(bench_t *b, const ib_mode_t *mode, int64_t rate, json_t **out, char *errstr,
                            size_t errstr_size) {
        const ib_bench_conf_t *c = b->c;
        char dir[PATH_MAX], topic[200], state[PATH_MAX + 8], events[PATH_MAX + 32], log[PATH_MAX + 16],
            pstats[PATH_MAX + 32], group[256];
        snprintf(dir, sizeof(dir), "%s/latency-%s", c->work_dir, mode->name);
        snprintf(topic, sizeof(topic), "bench-latency-%s-%d-%lld", mode->name, (int)getpid(), (long long)time(NULL));
        snprintf(group, sizeof(group), "%s-g", topic);
        snprintf(state, sizeof(state), "%.4000s/w1", dir);
        snprintf(events, sizeof(events), "%.4000s/events.jsonl", state);
        snprintf(log, sizeof(log), "%s/w1.err", dir);
        snprintf(pstats, sizeof(pstats), "%s/producer.json", dir);
        ib_err_t err;
        ib_backlog_t bl;
        if ((err = ib_fs_remove_tree(dir, errstr, errstr_size)) || (err = ib_fs_mkdirs(dir, errstr, errstr_size)) ||
            (err = ib_bench_backlog(c, topic, (int)c->partitions, 0, c->size, 0, NULL, &bl, errstr, errstr_size)))
                return err;
        size_t w;
        if ((err = ib_bench_spawn_worker(c, mode, IB_PIPELINE_FULL, topic, NULL, group, dir, 0, 1, 0, &w, errstr,
                                         errstr_size)))
                return err;
        int kafka = !strcmp(c->sink, "kafka");
        ib_visibility_t *vis = NULL;
        char out_topic[256];
        ib_bench_output_topic(group, out_topic, sizeof(out_topic));
        int64_t end = ib_mono_us() + 60000000;
        while (!worker_ready(events, mode) && ib_mono_us() < end && !*c->stop && !c->sup->procs[w].exited) {
                ib_sup_reap(c->sup);
                usleep(50000);
        }
        if (!worker_ready(events, mode)) { /* this worker only: the cluster stays for the next mode */
                ib_sup_signal(c->sup, w, SIGKILL);
                ib_sup_wait(c->sup, w, 5000);
                return ib_seterr(errstr, errstr_size, IB_ERR_FAILED, "%s did not own its partitions within 60 s (see %s)",
                                 mode->name, log);
        }
        /* a Kafka sink: latency to a read_committed reader of the output, which the worker has made by now */
        if (kafka && (err = ib_visibility_start(c->brokers, out_topic, "ts", &vis, errstr, errstr_size))) {
                ib_sup_signal(c->sup, w, SIGKILL);
                ib_sup_wait(c->sup, w, 5000);
                return err;
        }
        int64_t records = rate * c->latency_seconds;
        progress(b, "latency: %s at %" PRId64 " records/s for %" PRId64 " s", mode->name, rate, c->latency_seconds);
        err = ib_bench_backlog(c, topic, (int)c->partitions, records, c->size, rate, pstats, &bl, errstr, errstr_size);
        int64_t ends[1024] = {0};
        /* the end offsets again, per partition, for the caught-up check */
        if (!err)
                err = ib_bench_end_offsets(c->brokers, topic, bl.partitions, ends, errstr, errstr_size);
        end = ib_mono_us() + 120000000;
        while (!err && !caught_up(events, ends, bl.partitions)) {
                ib_sup_reap(c->sup);
                if (c->sup->procs[w].exited || *c->stop || ib_mono_us() > end) {
                        err = ib_seterr(errstr, errstr_size, IB_ERR_FAILED, "%s did not catch up within 120 s (see %s)",
                                        mode->name, log);
                        break;
                }
                usleep(100000);
        }
        ib_sup_signal(c->sup, w, SIGTERM);
        if (!ib_sup_wait(c->sup, w, 30000)) {
                ib_sup_signal(c->sup, w, SIGKILL);
                ib_sup_wait(c->sup, w, 5000);
        }
        char spath[PATH_MAX + 32];
        snprintf(spath, sizeof(spath), "%s/stats.json", state);
        json_t *st = err ? NULL : json_load_file(spath, 0, NULL), *ps = err ? NULL : json_load_file(pstats, 0, NULL);
        json_t *pl = json_object_get(st, "pipeline");
        /* every record the worker delivered, seen by the reader (bounded: 60 s) */
        uint64_t want = (uint64_t)json_integer_value(json_object_get(pl, "records_out"));
        for (int64_t until = ib_mono_us() + 60000000; vis && st && ib_visibility_seen(vis) < want && ib_mono_us() < until;)
                usleep(50000);
        uint64_t seen = vis ? ib_visibility_seen(vis) : 0;
        json_t *visible = ib_visibility_stop(vis);
        if (!err && (!st || !ps))
                err = ib_seterr(errstr, errstr_size, IB_ERR_IO, "cannot read %s or %s", spath, pstats);
        if (!err && kafka && seen < want)
                err = ib_seterr(errstr, errstr_size, IB_ERR_FAILED,
                                "%s: a read_committed reader of %s saw %llu of the %llu records delivered within 60 s",
                                mode->name, out_topic, (unsigned long long)seen, (unsigned long long)want);
        if (err) {
                json_decref(st), json_decref(ps), json_decref(visible);
                return err;
        }
        /* with a Kafka sink, what counts is when a downstream reader sees the record */
        *out = json_pack("{s:s,s:I,s:I,s:O,s:O,s:f,s:s}", "subject", mode->name, "rate_rps", (json_int_t)rate, "records",
                         (json_int_t)json_integer_value(json_object_get(pl, "records_in")), "latency_ms",
                         visible ? visible : json_object_get(pl, "latency_ms"), "send_delay_ms",
                         json_object_get(ps, "send_delay_ms"), "producer_actual_rps", ib_results_num(ps, "actual_rps"),
                         "latency_to", visible ? "read_committed visibility of the output" : "durable output");
        if (visible)
                json_object_set(*out, "pipeline_latency_ms", json_object_get(pl, "latency_ms"));
        json_decref(visible);
        json_decref(st), json_decref(ps);
        ib_fs_remove_tree(dir, NULL, 0);
        return IB_OK;
}

static ib_err_t latency_phase(bench_t *b, json_t *doc, char *errstr, size_t errstr_size) {
        const ib_bench_conf_t *c = b->c;
        int64_t rate = c->latency_rate;
        const char *how = "given";
        if (!rate) { /* half the slowest mode's median drain at the fullest level measured */
                double slowest = 0;
                json_t *row;
                size_t i;
                json_array_foreach(json_object_get(json_object_get(doc, "drain"), "summary"), i, row) {
                        if (strcmp(json_string_value(json_object_get(row, "kind")), "mode") ||
                            strcmp(json_string_value(json_object_get(row, "pipeline")),
                                   ib_pipeline_level_names[c->levels[c->nlevels - 1]]))
                                continue;
                        double m = ib_results_num(json_object_get(row, "records_per_s"), "median");
                        if (m > 0 && (slowest == 0 || m < slowest))
                                slowest = m;
                }
                rate = slowest > 0 ? (int64_t)(slowest / 2) : 1000;
                how = "half the slowest mode's drain throughput";
        }
        json_t *lat = json_pack("{s:I,s:s,s:I,s:[]}", "rate_rps", (json_int_t)rate, "rate_from", how, "seconds",
                                (json_int_t)c->latency_seconds, "subjects");
        json_object_set_new(doc, "latency", lat);
        ib_err_t err = IB_OK;
        for (int m = 0; !err && m < c->nmodes; m++) {
                json_t *row = NULL;
                if (!(err = latency_one(b, c->modes[m], rate, &row, errstr, errstr_size)))
                        json_array_append_new(json_object_get(lat, "subjects"), row);
                snprintf(b->last, sizeof(b->last), "%s p99 %.1f ms", c->modes[m]->name,
                         row ? ib_results_num(json_object_get(row, "latency_ms"), "p99") : 0.0);
                b->steps_done++;
        }
        return err;
}

/* ---- sweeps ---- */

static ib_err_t sweep_phase(bench_t *b, const ib_bench_sweep_t *sw, json_t *doc, char *errstr, size_t errstr_size) {
        const ib_bench_conf_t *c = b->c;
        int level = c->levels[c->nlevels - 1];
        json_t *o = json_pack("{s:s,s:[],s:[],s:s,s:[]}", "name", sw->name, "values", "records", "pipeline",
                              ib_pipeline_level_names[level], "series");
        json_array_append_new(json_object_get(doc, "sweeps"), o);
        subject_t subj[1 + IB_BENCH_MAX_SUBJECTS];
        int n = 0;
        memset(subj, 0, sizeof(subj));
        snprintf(subj[n].name, sizeof(subj[n].name), "reference"), subj[n++].kind = "reference";
        const char *flag = ib_bench_sweep_option(sw->name); /* only the modes that take it */
        for (int m = 0; m < c->nmodes; m++) {
                if (flag && !ib_options_find(c->modes[m]->options, flag, NULL))
                        continue;
                snprintf(subj[n].name, sizeof(subj[n].name), "%s", c->modes[m]->name);
                subj[n].kind = "mode", subj[n].mode = c->modes[m], subj[n++].level = level;
        }
        json_t *series = json_object_get(o, "series");
        for (int i = 0; i < n; i++)
                json_array_append_new(series, json_pack("{s:s,s:[],s:[],s:[],s:[],s:[]}", "subject", subj[i].name,
                                                        "records_per_s", "min", "max", "ratio_to_reference",
                                                        "max_rss_kb"));
        ib_err_t err = IB_OK;
        for (int v = 0; !err && v < sw->n; v++) {
                int64_t val = sw->values[v];
                json_array_append_new(json_object_get(o, "values"), json_integer(val));
                int parts = !strcmp(sw->name, "partitions") ? (int)val : (int)c->partitions;
                int64_t size = !strcmp(sw->name, "size") ? val : c->size;
                int workers = !strcmp(sw->name, "workers") ? (int)val : 1;
                char vtext[32];
                snprintf(vtext, sizeof(vtext), "%" PRId64, val);
                char flagtext[64];
                snprintf(flagtext, sizeof(flagtext), "--%s", flag ? flag : "");
                const char *const option_args[] = {flagtext, vtext, NULL};
                ib_backlog_t bl;
                char what[64];
                snprintf(what, sizeof(what), "sweep-%s", sw->name);
                /* the size sweep keeps the backlog's bytes, not its count: 1M records of 10 KB would be 10 GB */
                int64_t records = c->records;
                if (!strcmp(sw->name, "size")) {
                        records = (int64_t)((double)c->records * (double)(c->size + 150) / (double)(size + 150));
                        records = records < 1000 ? 1000 : records;
                }
                if ((err = make_backlog(b, what, parts, records, size, &bl, errstr, errstr_size)))
                        break;
                json_array_append_new(json_object_get(o, "records"), json_integer(records));
                for (int i = 0; i < n; i++) {
                        json_decref(subj[i].runs);
                        subj[i].runs = json_array();
                }
                for (int64_t rep = 0; !err && rep < c->repeat; rep++)
                        for (int i = 0; !err && i < n; i++) {
                                progress(b, "sweep %s=%" PRId64 ", repetition %" PRId64 ": %s", sw->name, val, rep + 1,
                                         subj[i].name);
                                json_t *r = NULL;
                                /* the reference is one consumer whatever the sweep */
                                if (!(err = run_subject(b, &subj[i], &bl, subj[i].mode ? workers : 1, 0,
                                                        flag && subj[i].mode ? option_args : NULL, &r, errstr,
                                                        errstr_size)))
                                        json_array_append_new(subj[i].runs, r);
                                b->steps_done++;
                        }
                for (int i = 0; !err && i < n; i++) {
                        json_t *row = summarize(&subj[i], i ? &subj[0] : NULL), *s = json_array_get(series, (size_t)i);
                        json_t *rps = json_object_get(row, "records_per_s");
                        json_array_append_new(json_object_get(s, "records_per_s"), json_real(ib_results_num(rps, "median")));
                        json_array_append_new(json_object_get(s, "min"), json_real(ib_results_num(rps, "min")));
                        json_array_append_new(json_object_get(s, "max"), json_real(ib_results_num(rps, "max")));
                        json_t *ratio = json_object_get(row, "ratio_to_reference");
                        json_array_append_new(json_object_get(s, "ratio_to_reference"),
                                              ratio ? json_real(ib_results_num(ratio, "median")) : json_null());
                        json_array_append_new(json_object_get(s, "max_rss_kb"),
                                              json_real(ib_results_num(json_object_get(row, "max_rss_kb"), "median")));
                        json_decref(row);
                }
        }
        for (int i = 0; i < n; i++) {
                json_decref(subj[i].runs);
                json_decref(subj[i].config);
        }
        return err;
}

const char *ib_bench_sweep_option(const char *sweep) {
        if (!strcmp(sweep, "txn-records"))
                return "txn-records";
        if (!strcmp(sweep, "max-records"))
                return "max-records-per-partition";
        return NULL;
}

/* ---- the document ---- */

static json_t *config_json(const ib_bench_conf_t *c) {
        json_t *modes = json_array(), *levels = json_array(), *sweeps = json_array();
        for (int m = 0; m < c->nmodes; m++)
                json_array_append_new(modes, json_string(c->modes[m]->name));
        for (int l = 0; l < c->nlevels; l++)
                json_array_append_new(levels, json_string(ib_pipeline_level_names[c->levels[l]]));
        for (int s = 0; s < c->nsweeps; s++) {
                json_t *v = json_array();
                for (int i = 0; i < c->sweeps[s].n; i++)
                        json_array_append_new(v, json_integer(c->sweeps[s].values[i]));
                json_array_append_new(sweeps, json_pack("{s:s,s:o}", "name", c->sweeps[s].name, "values", v));
        }
        return json_pack("{s:o,s:o,s:s,s:s?,s:I,s:I,s:I,s:I,s:b,s:s,s:b,s:I,s:I,s:o,s:s?}", "modes", modes, "pipelines",
                         levels, "brokers", c->brokers, "zookeeper", c->zookeeper, "records", (json_int_t)c->records,
                         "payload_bytes", (json_int_t)c->size, "partitions", (json_int_t)c->partitions, "repeat",
                         (json_int_t)c->repeat, "kcat", c->kcat, "sink", c->sink, "latency", c->latency,
                         "latency_rate_rps", (json_int_t)c->latency_rate, "latency_seconds",
                         (json_int_t)c->latency_seconds, "sweeps", sweeps, "peer", c->peer);
}

ib_err_t ib_bench_run(const ib_bench_conf_t *c, json_t **out, char *errstr, size_t errstr_size) {
        bench_t b = {c, ib_mono_us(), 0, 0, ""};
        int subjects = 1 + c->kcat + c->nmodes * c->nlevels + (c->peer != NULL);
        b.steps = (int)(subjects * c->repeat) + (c->latency ? c->nmodes : 0);
        for (int s = 0; s < c->nsweeps; s++) {
                int nm = 0;
                for (int m = 0; m < c->nmodes; m++)
                        nm += !ib_bench_sweep_option(c->sweeps[s].name) ||
                              ib_options_find(c->modes[m]->options, ib_bench_sweep_option(c->sweeps[s].name), NULL);
                b.steps += c->sweeps[s].n * (1 + nm) * (int)c->repeat;
        }
        json_t *doc = ib_results_new("bench", c->broker_version, c->zk_version);
        char rev[64];
        ib_results_git_revision(IB_SOURCE_DIR, rev, sizeof(rev));
        json_object_set_new(doc, "git_revision", json_string(rev));
        json_object_set(doc, "command", c->command);
        json_object_set_new(doc, "config", config_json(c));
        json_object_set_new(doc, "sweeps", json_array());
        *out = doc;
        ib_err_t err;
        if ((err = ib_fs_mkdirs(c->work_dir, errstr, errstr_size)))
                return err;
        err = drain_phase(&b, doc, errstr, errstr_size);
        if (!err && c->latency)
                err = latency_phase(&b, doc, errstr, errstr_size);
        for (int s = 0; !err && s < c->nsweeps; s++)
                err = sweep_phase(&b, &c->sweeps[s], doc, errstr, errstr_size);
        if (c->progress)
                fprintf(stderr, "\r\033[K");
        json_object_set_new(doc, "elapsed_s", json_real((double)(ib_mono_us() - b.t0_us) / 1e6));
        if (err)
                json_object_set_new(doc, "error", json_string(errstr));
        return err;
}
