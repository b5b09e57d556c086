/*
 * cmd_evaluate.c: `ingestbench evaluate`, the whole comparison in one
 * command, and `ingestbench gate`, the CI job in one command.
 *
 * evaluate: the same-run bench (a child `ingestbench bench`), then the
 * fault matrix (evaluate/matrix.h): every row (mode) under every fault
 * class that applies to it, each cell run with N seeds through the chaos
 * harness in this process (chaos/run.h), on one cluster per size (1 broker;
 * 3 for broker faults). Writes OUT/evaluation.json (the matrix with every
 * run's figures and replay command, results/SCHEMA.md), the scenarios it
 * generated (OUT/scenarios/, replayable with `chaos`), every run folder
 * (OUT/cells/CELL/seed-S/), report.md and report.html, and prints the
 * matrix. Interrupted, it keeps what finished and reports it.
 *
 * gate: evaluate with the CI profile, then `compare` against a baseline.
 */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "hosts.h"
#include "cluster.h"
#include "compare.h"
#include "external.h"
#include "fsutil.h"
#include "json_arena.h"
#include "matrix.h"
#include "report.h"
#include "results.h"
#include "run.h"
#include "scenario.h"
#include "schedule.h"
#include "signals.h"
#include "verdict.h"

typedef struct {
        const char *profile, *modes, *faults, *brokers, *zookeeper, *cluster_dir, *out, *baseline, *junit, *bench_records,
            *external;
        int64_t seeds, seed;
        double tolerance;
        int no_bench, no_progress, dry_run, no_charts, keep_sinks;
        ib_cluster_flags_t cluster;
        char out_buf[PATH_MAX];
} eval_conf_t;

#define EVAL_OPTIONS(extra_help)                                                                                    \
        IB_OPT_STR(eval_conf_t, modes, "modes", "LIST", NULL,                                                       \
                   "rows of the matrix, comma-separated (default: the profile's; names in --help below)"),          \
            IB_OPT_STR(eval_conf_t, external, "external", "FILE", NULL,                                             \
                       "a row more: an external consumer, from FILE (chaos/EXTERNAL.md: its \"external\" block, "    \
                       "with \"workers\" and \"startup_ms\")"),                                                      \
            IB_OPT_STR(eval_conf_t, faults, "faults", "LIST", NULL,                                                 \
                       "fault classes, comma-separated (default: every one)"),                                      \
            IB_OPT_INT(eval_conf_t, seeds, "seeds", "N", NULL, 1, 10000, "runs per cell, each its own seed "        \
                                                                         "(default: the profile's)"),               \
            IB_OPT_INT(eval_conf_t, seed, "seed", "N", "1", 0, INT64_MAX,                                           \
                       "the first seed; the others derive from it as chaos --repeat derives them"),                 \
            IB_OPT_STR(eval_conf_t, brokers, "brokers", "WHERE", NULL,                                              \
                       "mock, local (the project's cluster: scripts/cluster.sh) or a bootstrap list (default: the " \
                       "profile's)"),                                                                               \
            IB_OPT_STR(eval_conf_t, zookeeper, "zookeeper", "HOST:PORT", NULL,                                      \
                       "ZooKeeper to use (default: started when a row needs it)"),                                  \
            IB_OPT_STR(eval_conf_t, cluster_dir, "cluster-dir", "DIR", NULL,                                        \
                       "the cluster script's folder of the cluster --brokers LIST names (broker and ZooKeeper "     \
                       "faults on it)"),                                                                            \
            IB_OPT_INCLUDE(eval_conf_t, cluster, ib_cluster_options),                                               \
            IB_OPT_STR(eval_conf_t, out, "out", "DIR", NULL, extra_help),                                           \
            IB_OPT_FLAG(eval_conf_t, no_bench, "no-bench", 0, "the fault matrix only"),                            \
            IB_OPT_STR(eval_conf_t, bench_records, "bench-records", "N", NULL,                                      \
                       "the bench's backlog (default: the profile's; k, m suffixes)"),                              \
            IB_OPT_FLAG(eval_conf_t, no_charts, "no-charts", 0, "a report of tables only (no gnuplot)"),           \
            IB_OPT_FLAG(eval_conf_t, keep_sinks, "keep-sinks", 0,                                                   \
                        "keep the sink folders of clean runs too (by default only anomalous runs keep theirs)"),   \
            IB_OPT_FLAG(eval_conf_t, no_progress, "no-progress", 0, "no progress line on a terminal"),             \
            IB_OPT_FLAG(eval_conf_t, dry_run, "dry-run", 0, "print the matrix (cells, seeds, what does not apply) " \
                                                           "and start nothing")

static const ib_option_t evaluate_options[] = {
    IB_OPT_STR(eval_conf_t, profile, "profile", "NAME", "quick", "quick, standard, thorough or ci (below)"),
    EVAL_OPTIONS("the evaluation's folder (default: evaluations/PROFILE-TIME)"),
    IB_OPT_END,
};

static const ib_option_t gate_options[] = {
    IB_OPT_STR_REQUIRED(eval_conf_t, baseline, "baseline", "PATH",
                        "the baseline: an evaluation folder (results/baseline) or results files"),
    IB_OPT_STR(eval_conf_t, profile, "profile", "NAME", "ci", "the evaluation profile (default: ci)"),
    IB_OPT_DOUBLE(eval_conf_t, tolerance, "tolerance", "PCT", "10", 0, 100,
                  "allowed drop of a throughput ratio, in percent (compare)"),
    IB_OPT_STR(eval_conf_t, junit, "junit", "FILE", NULL, "JUnit XML (default: OUT/junit.xml)"),
    EVAL_OPTIONS("the gate's folder (default: gate)"),
    IB_OPT_END,
};

#define PROFILES_HELP                                                                                              \
        "Profiles: quick (mock Kafka + local ZooKeeper, 1 seed per cell, a small bench: minutes),\n"              \
        "standard (the local Kafka and ZooKeeper, 5 seeds), thorough (20 seeds, a larger bench),\n"              \
        "ci (the standard matrix and bench, 2 seeds). Rows (--modes): direct, receiver,\n"                        \
        "async-commit, async-commit-revoke (async commits with a sync commit on revoke; not in\n"                 \
        "quick), checkpoint, async-commit-kafka (async-commit writing an output topic with the\n"                 \
        "idempotent producer; not in quick), transactional (output and offsets in one Kafka\n"                   \
        "transaction; n/a on the mock cluster). A row writing an output topic gets a second\n"                   \
        "bench of the Kafka sink (bench-kafka.json). Fault classes (--faults): kill, stop, pause, slow-batch, join,\n" \
        "leave, rolling-restart, broker-kill, zk-restart, zk-expire, storage. A class that\n"                     \
        "does not apply to a mode (a ZooKeeper fault where it keeps no offsets there) is\n"                       \
        "shown as n/a with the reason. --external FILE adds a row for a consumer of your own\n"                  \
        "(chaos/EXTERNAL.md; examples: chaos/external/kcat.json, chaos/external/spark.json).\n"

static const ib_cli_spec_t evaluate_spec = {
    "evaluate", "[--profile quick|standard|thorough|ci] [OPTIONS]",
    "The whole comparison in one command: the same-run bench (the bare librdkafka\n"
    "reference, kcat, every mode at each pipeline level, latency at a fixed rate), then\n"
    "the fault matrix: every mode under every fault class, each cell run with N seeds\n"
    "(each seed draws the fault's time, duration and restart delay). Writes one folder:\n"
    "evaluation.json (every cell, every run's figures and replay command), bench.json,\n"
    "every run folder, report.md and report.html (the matrix first), and prints the\n"
    "matrix and each mode's verdict with its evidence. Interrupt it (Ctrl-C) and what\n"
    "finished is kept and reported.\n\n" PROFILES_HELP,
    "Exit codes: 0 every planned run happened (anomalies are findings, in the report),\n"
    "1 some did not (interrupted, the harness failed), 2 usage error, 3 the cluster\n"
    "could not be reached.\n",
    evaluate_options, 0, 0, NULL, 0,
};

static const ib_cli_spec_t gate_spec = {
    "gate", "--baseline PATH [--profile ci] [OPTIONS]",
    "The CI job in one command: `evaluate` with the CI profile into OUT, then `compare`\n"
    "against the baseline: a matrix cell clean in the baseline with an anomaly now\n"
    "fails, so does a weaker guarantee or a throughput ratio that dropped beyond the\n"
    "tolerance; a cell with less evidence than the baseline's is reported. Writes\n"
    "OUT/junit.xml and the report. docs/CI.md.\n\n" PROFILES_HELP,
    "Exit codes: 0 no regression, 1 a regression (or runs that did not happen), 2 usage\n"
    "error or an unreadable baseline, 3 the cluster could not be reached.\n",
    gate_options, 0, 0, NULL, 0,
};

/* ---- the matrix ------------------------------------------------------------ */

typedef struct {
        const ib_eval_row_t *row;
        const ib_mode_t *mode;
        const ib_eval_fault_t *fault;
        char name[128];
        char why[1100];            /* not applicable: why */
        char path[PATH_MAX + 160]; /* the generated scenario */
        ib_scenario_t *s;
        json_t *record;            /* applicable: {applies, seeds, runs: one per run tried}, the cell as
                                    * evaluation.json has it, from which every verdict is computed */
        json_t *runs;              /* record's runs (borrowed) */
} cell_t;

typedef struct {
        eval_conf_t *c;
        const char *cmd;
        const ib_eval_profile_t *profile;
        const char *brokers;
        const ib_eval_row_t *rows[16];
        const ib_mode_t *modes[16];
        int nrows;
        ib_eval_row_t ext_row;     /* --external: its row */
        char ext_name[64], ext_description[256];
        char *ext_block;           /* its "external" block, JSON text (ib_json_free_str) */
        const ib_eval_fault_t *faults[16];
        int nfaults;
        cell_t *cells;             /* nrows x nfaults, row-major */
        int seeds;
        char self[PATH_MAX];
        json_t *command;
        char zk_version[64], broker_version[64];
        char git[128];             /* the source tree's commit when the evaluation started */
        int runs_done, runs_planned, runs_failed, interrupted, unreachable;
        char bench_error[512];
        int bench_ran;
        int bench_kafka_ran;   /* bench-kafka.json: the Kafka sink's modes (a real cluster only) */
        time_t t0;
        ib_net_t *net;         /* the phase's hosts of their own, or NULL */
} eval_t;

/* Splits a comma-separated @p list and finds each name with @p find;
 * an unknown name is a usage error naming the known ones. */
static int pick(eval_t *e, const char *flag, const char *list, int rows) {
        char buf[512];
        if (strlen(list) >= sizeof(buf))
                return ib_cli_usage_error(e->cmd, "--%s: the list is too long", flag);
        snprintf(buf, sizeof(buf), "%s", list);
        for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                const void *found = rows ? (const void *)ib_eval_row(t) : (const void *)ib_eval_fault(t);
                if (!found) {
                        char known[400] = "";
                        size_t n = 0;
                        for (int i = 0; rows ? ib_eval_rows[i].name != NULL : ib_eval_faults[i].name != NULL; i++)
                                n += (size_t)snprintf(known + n, sizeof(known) - n, "%s%s", n ? ", " : "",
                                                      rows ? ib_eval_rows[i].name : ib_eval_faults[i].name);
                        return ib_cli_usage_error(e->cmd, "--%s: no %s \"%s\" (known: %s)", flag,
                                                  rows ? "row" : "fault class", t, known);
                }
                int *n = rows ? &e->nrows : &e->nfaults;
                for (int i = 0; i < *n; i++)
                        if ((rows ? (const void *)e->rows[i] : (const void *)e->faults[i]) == found)
                                return ib_cli_usage_error(e->cmd, "--%s: \"%s\" twice", flag, t);
                if (*n == 16)
                        return ib_cli_usage_error(e->cmd, "--%s: at most 16", flag);
                if (rows)
                        e->rows[(*n)++] = found;
                else
                        e->faults[(*n)++] = found;
        }
        if (!(rows ? e->nrows : e->nfaults))
                return ib_cli_usage_error(e->cmd, "--%s: an empty list", flag);
        return -1;
}

/* --external FILE: the row of an external consumer. FILE holds the
 * scenario's "external" block (its program found from FILE's folder), with
 * "workers" (default 2) and "startup_ms" (default 0) beside it; checked at
 * once, as a kill scenario would check it. @returns -1 to go on, or an exit code. */
static int external_row(eval_t *e, const char *path) {
        char *text = NULL, errstr[1024];
        size_t len;
        ib_err_t err = ib_fs_read_input(path, 1 << 20, &text, &len, errstr, sizeof(errstr));
        if (err)
                return ib_cli_usage_error(e->cmd, "--external %s", errstr);
        json_error_t jerr;
        json_t *doc = json_loadb(text, len, 0, &jerr);
        free(text);
        if (!json_is_object(doc)) {
                int parsed = doc != NULL;
                json_decref(doc);
                return parsed ? ib_cli_usage_error(e->cmd, "--external %s: must be a JSON object", path)
                              : ib_cli_usage_error(e->cmd, "--external %s: line %d: %s", path, jerr.line, jerr.text);
        }
        json_t *w = json_object_get(doc, "workers"), *st = json_object_get(doc, "startup_ms");
        json_t *cmd = json_object_get(doc, "command"), *prog = json_array_get(cmd, 0);
        int bad = (w && (!json_is_integer(w) || json_integer_value(w) < 1 || json_integer_value(w) > 16)) ||
                  (st && (!json_is_integer(st) || json_integer_value(st) < 0 || json_integer_value(st) > 600000));
        if (bad) {
                json_decref(doc);
                return ib_cli_usage_error(e->cmd, "--external %s: $.workers: 1 to 16; $.startup_ms: 0 to 600000", path);
        }
        e->ext_row.workers = w ? (int)json_integer_value(w) : 2;
        e->ext_row.startup_ms = st ? (int64_t)json_integer_value(st) : 0;
        json_object_del(doc, "workers");
        json_object_del(doc, "startup_ms");
        if (json_is_string(prog) && !strchr(json_string_value(prog), '{')) { /* from FILE's folder, as a scenario's */
                char dir[PATH_MAX], found[PATH_MAX + 64], why[400];
                const char *slash = strrchr(path, '/');
                snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
                if (ib_external_program(json_string_value(prog), dir, found, sizeof(found), why, sizeof(why))) {
                        json_decref(doc);
                        return ib_cli_usage_error(e->cmd, "--external %s: $.command[0]: %s", path, why);
                }
                char abs[PATH_MAX];
                json_array_set_new(cmd, 0, json_string(realpath(found, abs) ? abs : found));
        }
        e->ext_block = json_dumps(doc, JSON_COMPACT);
        json_t *probe = json_pack("{s:s, s:O, s:i, s:{s:i, s:i}, s:[{s:i, s:s, s:s}], s:[s]}", "mode", "external",
                                  "external", doc, "workers", e->ext_row.workers, "producer", "rate", 10, "records", 10,
                                  "timeline", "at_ms", 1, "fault", "kill", "target", "w1", "expect", "lost == 0");
        char *probe_text = probe ? json_dumps(probe, 0) : NULL;
        json_decref(probe);
        ib_scenario_t *s = NULL;
        err = !e->ext_block || !probe_text ? IB_ERR_NOMEM
                                           : ib_scenario_parse(probe_text, path, ib_modes, &s, errstr, sizeof(errstr));
        ib_json_free_str(probe_text);
        if (!err) {
                snprintf(e->ext_name, sizeof(e->ext_name), "external-%s", s->external->name);
                snprintf(e->ext_description, sizeof(e->ext_description), "an external consumer: %.200s",
                         s->external->command[0]);
        }
        ib_scenario_free(s);
        json_decref(doc);
        if (err == IB_ERR_NOMEM)
                return ib_cli_fail(e->cmd, err, "out of memory");
        char *at = strstr(errstr, ": $.external"); /* the block is FILE's top level: "$.command[1]" */
        if (err && at)
                memmove(at + 3, at + 12, strlen(at + 12) + 1);
        if (err)
                return ib_cli_usage_error(e->cmd, "--external %s", errstr);
        for (int r = 0; r < e->nrows; r++)
                if (!strcmp(e->rows[r]->name, e->ext_name))
                        return ib_cli_usage_error(e->cmd, "--external %s: a row is already named %s", path, e->ext_name);
        if (e->nrows == 16)
                return ib_cli_usage_error(e->cmd, "--external: at most 16 rows");
        e->ext_row.name = e->ext_name;
        e->ext_row.mode = ib_mode_external.name;
        e->ext_row.description = e->ext_description;
        e->ext_row.external = e->ext_block;
        e->ext_row.in_quick = 1;
        e->modes[e->nrows] = &ib_mode_external;
        e->rows[e->nrows++] = &e->ext_row;
        return -1;
}

static const ib_mode_t *registry_mode(const char *name) {
        for (int i = 0; ib_modes[i]; i++)
                if (!strcmp(ib_modes[i]->name, name))
                        return ib_modes[i];
        return NULL;
}

/* Every cell's scenario, generated and checked (written under OUT/scenarios
 * unless @p write is 0). @returns -1 to go on, or an exit code. */
/* Why network faults cannot run here (hosts of their own need root and the
 * local cluster), or NULL when they can. */
static const char *no_hosts(const eval_t *e) {
        if (strcmp(e->brokers, "local"))
                return "network faults need hosts of their own: the local cluster (--brokers local), started in "
                       "network namespaces";
        if (e->c->zookeeper)
                return "network faults need ZooKeeper on a host of its own: leave out --zookeeper";
        if (geteuid() != 0)
                return "hosts of their own (network namespaces) need root";
        return NULL;
}

static int plan(eval_t *e, int write) {
        char errstr[1024], dir[PATH_MAX + 16];
        snprintf(dir, sizeof(dir), "%s/scenarios", e->c->out);
        if (write && ib_fs_mkdirs(dir, errstr, sizeof(errstr)))
                return ib_cli_fail(e->cmd, IB_ERR_IO, errstr);
        if (!(e->cells = calloc((size_t)(e->nrows * e->nfaults), sizeof(*e->cells))))
                return ib_cli_fail(e->cmd, IB_ERR_NOMEM, "out of memory");
        for (int r = 0; r < e->nrows; r++)
                for (int f = 0; f < e->nfaults; f++) {
                        cell_t *cell = &e->cells[r * e->nfaults + f];
                        cell->row = e->rows[r], cell->mode = e->modes[r], cell->fault = e->faults[f];
                        snprintf(cell->name, sizeof(cell->name), "%s-%s", cell->row->name, cell->fault->name);
                        snprintf(cell->path, sizeof(cell->path), "%s/%s.json", dir, cell->name);
                        json_t *doc = ib_eval_scenario(cell->row, cell->mode, cell->fault, e->profile,
                                                       !strcmp(e->brokers, "mock"), no_hosts(e), cell->why,
                                                       sizeof(cell->why));
                        if (!doc) {
                                if (!cell->why[0])
                                        return ib_cli_fail(e->cmd, IB_ERR_NOMEM, "out of memory");
                                continue;
                        }
                        char *text = json_dumps(doc, JSON_INDENT(2) | JSON_ENSURE_ASCII);
                        json_decref(doc);
                        if (!text)
                                return ib_cli_fail(e->cmd, IB_ERR_NOMEM, "out of memory");
                        ib_err_t err = ib_scenario_parse(text, cell->path, ib_modes, &cell->s, errstr, sizeof(errstr));
                        if (err == IB_ERR_INVALID_ARG) /* the checker's reason: the class does not apply */
                                snprintf(cell->why, sizeof(cell->why), "%s", errstr);
                        else if (!err && write) {
                                size_t len = strlen(text);
                                text[len] = '\n'; /* the NUL goes: the length is given */
                                err = ib_fs_write_atomic(cell->path, text, len + 1, NULL, errstr, sizeof(errstr));
                        }
                        ib_json_free_str(text);
                        if (err && err != IB_ERR_INVALID_ARG)
                                return ib_cli_fail(e->cmd, err, errstr);
                        if (cell->s) {
                                e->runs_planned += e->seeds;
                                cell->record = json_pack("{s:b, s:i, s:[]}", "applies", 1, "seeds", e->seeds, "runs");
                                cell->runs = json_object_get(cell->record, "runs");
                        }
                }
        return -1;
}

/* ---- running ---------------------------------------------------------------- */

static void replay_cmd(const eval_t *e, const cell_t *cell, uint64_t seed, const char *dir, char *out, size_t size) {
        int n = snprintf(out, size, "ingestbench chaos --scenario %s --seed %llu --brokers %s", cell->path,
                         (unsigned long long)seed, e->brokers);
        if (e->c->zookeeper && n > 0 && (size_t)n < size)
                n += snprintf(out + n, size - (size_t)n, " --zookeeper %s", e->c->zookeeper);
        if (e->c->cluster_dir && n > 0 && (size_t)n < size)
                n += snprintf(out + n, size - (size_t)n, " --cluster-dir %s", e->c->cluster_dir);
        if (n > 0 && (size_t)n < size)
                snprintf(out + n, size - (size_t)n, " --out %s-replay", dir);
}

/* @p path relative to the evaluation folder (the files move together). */
static const char *rel(const eval_t *e, const char *path) {
        size_t n = strlen(e->c->out);
        return !strncmp(path, e->c->out, n) && path[n] == '/' ? path + n + 1 : path;
}

static void progress(const eval_t *e, const cell_t *cell, int seed_index) {
        if (e->c->no_progress || !isatty(2))
                return;
        long el = (long)difftime(time(NULL), e->t0);
        fprintf(stderr, "\r\033[Kevaluate: run %d of %d: %s seed %d of %d; %ld:%02ld elapsed", e->runs_done + 1,
                e->runs_planned, cell->name, seed_index + 1, e->seeds, el / 60, el % 60);
        fflush(stderr);
}

/* One run of @p cell. @returns 0, or 1 when the evaluation must stop (interrupted). */
static int run_one(eval_t *e, cell_t *cell, int i, ib_chaos_cluster_t *cluster, ib_sup_t *sup) {
        uint64_t seed = ib_schedule_iteration_seed((uint64_t)e->c->seed, (unsigned)i);
        char dir[PATH_MAX + 160], replay[PATH_MAX * 3], errstr[1024];
        snprintf(dir, sizeof(dir), "%s/cells/%s/seed-%llu", e->c->out, cell->name, (unsigned long long)seed);
        replay_cmd(e, cell, seed, dir, replay, sizeof(replay));
        progress(e, cell, i);
        ib_chaos_opts_t o = {cell->s, seed, (unsigned)i, cluster, sup, e->self, dir, replay, e->command,
                             e->zk_version[0] ? e->zk_version : NULL, 0, &ib_stop_requested, NULL, NULL, 1, 0, e->net, NULL};
        ib_chaos_outcome_t out = {0};
        ib_err_t err = ib_chaos_run(&o, &out, errstr, sizeof(errstr));
        json_t *run = json_pack("{s:I, s:s, s:s}", "seed", (json_int_t)seed, "dir", rel(e, dir), "replay", replay);
        if (err || !out.results) {
                if (ib_stop_requested) { /* interrupted: not a run, not a failure of one */
                        json_decref(run);
                        json_decref(out.results);
                        return 1;
                }
                e->runs_failed++;
                json_object_set_new(run, "ran", json_false());
                json_object_set_new(run, "error", json_string(errstr));
                fprintf(stderr, "%sevaluate: %s seed %llu did not run: %s\n", isatty(2) ? "\r\033[K" : "", cell->name,
                        (unsigned long long)seed, errstr);
                if (ib_err2exit(err) == IB_EXIT_UNREACHABLE)
                        e->unreachable = 1;
        } else {
                json_t *res = out.results, *fig = json_object_get(res, "figures");
                double lost = ib_results_figure(res, "lost"), dups = ib_results_figure(res, "duplicates"),
                       unexpected = ib_results_figure(res, "unexpected");
                char results[PATH_MAX + 200];
                snprintf(results, sizeof(results), "%s/results.json", dir);
                int clean = lost <= 0 && dups <= 0 && unexpected <= 0;
                json_object_set_new(run, "ran", json_true());
                json_object_set_new(run, "results", json_string(rel(e, results)));
                json_object_set_new(run, "clean", json_boolean(clean));
                json_object_set_new(
                    run, "figures",
                    json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:O?, s:b}", "produced",
                              ib_results_figure(res, "produced"), "lost", lost, "duplicates", dups, "unexpected",
                              unexpected, "redelivered", ib_results_figure(res, "redelivered"), "out_of_order",
                              ib_results_figure(res, "out_of_order"), "unexplained",
                              ib_results_figure(res, "unexplained_duplicates") + ib_results_figure(res, "unexplained_lost"),
                              "recovery_ms_max", json_object_get(fig, "recovery_ms.max"), "drained",
                              json_is_true(json_object_get(res, "drained"))));
                if (json_object_get(fig, "log_records")) /* a Kafka sink: what its log held beyond the output */
                        json_object_update_new(json_object_get(run, "figures"),
                                               json_pack("{s:f, s:f, s:f}", "log_duplicates",
                                                         ib_results_figure(res, "log_duplicates"), "aborted_records",
                                                         ib_results_figure(res, "aborted_records"),
                                                         "unexplained_aborted",
                                                         ib_results_figure(res, "unexplained_aborted")));
                if (clean && !e->c->keep_sinks) { /* the counts are in results.json; the replay makes it again */
                        char sink[PATH_MAX + 200];
                        snprintf(sink, sizeof(sink), "%s/sink", dir);
                        ib_fs_remove_tree(sink, NULL, 0);
                }
                json_decref(res);
        }
        json_array_append_new(cell->runs, run);
        e->runs_done++;
        return ib_stop_requested != 0;
}

static void cell_done(const eval_t *e, const cell_t *cell) {
        ib_cell_verdict_t v;
        ib_cell_verdict_json(cell->record, &v);
        long el = (long)difftime(time(NULL), e->t0);
        fprintf(stderr, "%sevaluate: %-34s %s (%ld:%02ld)\n", isatty(2) && !e->c->no_progress ? "\r\033[K" : "",
                cell->name, v.runs ? v.evidence : "did not run", el / 60, el % 60);
}

/* One child `ingestbench bench` into OUT/NAME.json (log OUT/NAME.log); the
 * Kafka sink's (@p kafka) measures the rows that write an output topic.
 * @returns its exit code. */
static int bench_child(eval_t *e, const char *name, int kafka, const char *brokers, const char *zk) {
        char out[PATH_MAX + 32], log[PATH_MAX + 32], modes[256] = "";
        snprintf(out, sizeof(out), "%s/%s.json", e->c->out, name);
        snprintf(log, sizeof(log), "%s/%s.log", e->c->out, name);
        const char *records = e->c->bench_records ? e->c->bench_records : e->profile->bench_records;
        const char *argv[40] = {e->self, "bench", "--brokers", brokers, "--records", records,
                                "--repeat", e->profile->bench_repeat, "--pipeline", e->profile->bench_pipeline,
                                "--latency-seconds", e->profile->bench_latency_seconds, "--no-progress", "--out", out};
        int n = 15;
        if (zk)
                argv[n++] = "--zookeeper", argv[n++] = zk;
        if (kafka) { /* the modes of the rows with a Kafka sink, once each */
                for (int r = 0; r < e->nrows; r++)
                        if (e->rows[r]->sink && !strstr(modes, e->rows[r]->mode))
                                snprintf(modes + strlen(modes), sizeof(modes) - strlen(modes), "%s%s", modes[0] ? "," : "",
                                         e->rows[r]->mode);
                argv[n++] = "--sink", argv[n++] = "kafka", argv[n++] = "--modes", argv[n++] = modes;
                argv[n++] = "--no-kcat";
        }
        fprintf(stderr, "evaluate: the bench%s (%s records, %s repetitions, pipeline %s; log %s)\n",
                kafka ? " of the Kafka sink" : "", records, e->profile->bench_repeat, e->profile->bench_pipeline, log);
        ib_run_io_t io = {NULL, log, NULL, 0, NULL, 0, &ib_stop_requested}; /* a stop reaches the bench too */
        int rc = ib_run_command(argv, &io);
        if (rc != 0) {
                snprintf(e->bench_error, sizeof(e->bench_error), "the bench exited with %d: see %.400s", rc, rel(e, log));
                fprintf(stderr, "evaluate: %s\n", e->bench_error);
        }
        return rc;
}

/* The bench into OUT/bench.json; on a real cluster, when a row writes an
 * output topic, the Kafka sink's into OUT/bench-kafka.json. */
static void bench(eval_t *e, const char *brokers, const char *zk) {
        if (e->c->no_bench)
                return;
        e->bench_ran = bench_child(e, "bench", 0, brokers, zk) == 0;
        int kafka_rows = 0;
        for (int r = 0; r < e->nrows; r++)
                kafka_rows |= e->rows[r]->sink != NULL;
        if (kafka_rows && strcmp(brokers, "mock") && !ib_stop_requested)
                e->bench_kafka_ran = bench_child(e, "bench-kafka", 1, brokers, zk) == 0;
}

/* A cell of the phase of @p brokers brokers, with or without hosts of their own. */
static int in_phase(const cell_t *cell, int brokers, int hosts) {
        return cell->s && cell->fault->brokers == brokers && cell->fault->hosts == hosts;
}

/* The cells of one cluster size (and hosts of their own, or not), on a cluster brought up for them. */
static void phase(eval_t *e, int brokers, int hosts) {
        int need_zk = 0, zk_faults = 0, any = 0;
        for (int i = 0; i < e->nrows * e->nfaults; i++) {
                cell_t *cell = &e->cells[i];
                if (!in_phase(cell, brokers, hosts))
                        continue;
                any = 1;
                need_zk |= cell->s->zookeeper;
                zk_faults |= !strcmp(cell->fault->name, "zk-restart");
        }
        int bench_here = brokers == 1 && !hosts && !e->c->no_bench && strcmp(e->brokers, "mock") != 0;
        if (!any && !bench_here)
                return;
        need_zk |= bench_here; /* direct's bench needs one */
        char dir[PATH_MAX + 32], errstr[1024], log[PATH_MAX + 48];
        ib_net_servers_t servers = {0};
        snprintf(dir, sizeof(dir), "%s/cluster-%d%s", e->c->out, brokers, hosts ? "-hosts" : "");
        ib_chaos_cluster_t cluster = {0};
        ib_sup_t sup = {0};
        ib_net_t net = {0};
        snprintf(log, sizeof(log), "%s/net.log", dir);
        if (ib_fs_mkdirs(dir, errstr, sizeof(errstr)) == IB_OK &&
            (!hosts || ib_net_servers(&net, log, brokers, need_zk, &servers, errstr, sizeof(errstr)) == IB_OK)) {
                ib_cluster_spec_t spec = {e->brokers, e->c->zookeeper, e->c->cluster_dir, e->c->cluster.script,
                                          e->self, dir, brokers, need_zk, brokers > 1, zk_faults,
                                          (int)e->c->cluster.kafka_port, (int)e->c->cluster.zk_port, NULL, 0, 300000,
                                          &ib_stop_requested, hosts ? servers.list : NULL};
                fprintf(stderr, "evaluate: the cluster (%s, %d broker%s%s%s)\n", e->brokers, brokers,
                        brokers == 1 ? "" : "s", need_zk ? ", ZooKeeper" : "", hosts ? ", hosts of their own" : "");
                e->net = hosts ? &net : NULL;
                ib_err_t err = ib_cluster_up(&cluster, &sup, &spec, errstr, sizeof(errstr));
                if (err) {
                        if (err != IB_ERR_INVALID_ARG && !ib_stop_requested)
                                e->unreachable = 1;
                } else {
                        snprintf(e->broker_version, sizeof(e->broker_version), "%s", cluster.broker_version);
                        if (cluster.zookeeper[0] && !e->zk_version[0])
                                ib_results_zk_version(cluster.zookeeper, e->zk_version, sizeof(e->zk_version));
                        if (bench_here)
                                bench(e, cluster.brokers, cluster.zookeeper[0] ? cluster.zookeeper : NULL);
                        for (int i = 0; i < e->nrows * e->nfaults && !e->interrupted; i++) {
                                cell_t *cell = &e->cells[i];
                                if (!in_phase(cell, brokers, hosts))
                                        continue;
                                for (int k = 0; k < e->seeds && !e->interrupted; k++)
                                        e->interrupted = run_one(e, cell, k, &cluster, &sup);
                                cell_done(e, cell);
                        }
                        errstr[0] = '\0';
                }
        }
        if (errstr[0]) { /* the cluster did not come up: its cells did not run, and say why */
                fprintf(stderr, "evaluate: %s\n", errstr);
                for (int i = 0; i < e->nrows * e->nfaults; i++) {
                        cell_t *cell = &e->cells[i];
                        if (in_phase(cell, brokers, hosts))
                                json_array_append_new(cell->runs, json_pack("{s:b, s:s}", "ran", 0, "error", errstr));
                }
        }
        int started = cluster.started;
        ib_cluster_teardown(&cluster, &sup, dir);
        char left[1024];
        ib_net_finish(&net, left, sizeof(left));
        if (left[0])
                fprintf(stderr, "evaluate: could not remove %s (see %s)\n", left, log);
        e->net = NULL;
        if (started) { /* the servers' data (hundreds of MB) goes; their logs stay */
                const char *const data[] = {"cluster/kafka", "cluster/zookeeper/data"};
                for (size_t i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
                        char path[PATH_MAX + 64];
                        snprintf(path, sizeof(path), "%s/%s", dir, data[i]);
                        ib_fs_remove_tree(path, NULL, 0);
                }
        }
        e->interrupted |= ib_stop_requested != 0;
}

/* ---- the evaluation file and the summary -------------------------------------- */

static json_t *verdict_json(const ib_cell_verdict_t *v) {
        json_t *rec = isinf(v->worst_recovery_ms) ? json_string("never")
                      : v->worst_recovery_ms < 0  ? json_null()
                                                  : json_real(v->worst_recovery_ms);
        return json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:o, s:f, s:f, s:s}", "guarantee",
                         ib_guarantee_name(v->guarantee), "planned", v->planned, "runs", v->runs, "not_run", v->not_run,
                         "clean", v->clean, "with_duplicates", v->with_duplicates, "with_loss", v->with_loss,
                         "worst_duplicate_rate", v->worst_dup_rate, "worst_loss_rate", v->worst_loss_rate,
                         "max_redelivered", v->max_redelivered, "max_out_of_order", v->max_reordered,
                         "worst_recovery_ms", rec, "confidence", IB_VERDICT_CONFIDENCE, "bound", v->bound, "evidence",
                         v->evidence);
}

static json_t *evaluation_doc(eval_t *e) {
        json_t *doc = ib_results_new("evaluation", e->broker_version[0] ? e->broker_version : "unknown",
                                     e->zk_version[0] ? e->zk_version : NULL);
        json_t *rows = json_array(), *faults = json_array(), *cells = json_array(), *modes = json_array();
        for (int r = 0; r < e->nrows; r++)
                json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s?, s:s}", "name", e->rows[r]->name, "mode",
                                                      e->rows[r]->mode, "description", e->rows[r]->description,
                                                      "options", e->rows[r]->options, "sink",
                                                      e->rows[r]->sink ? e->rows[r]->sink : "dir"));
        for (int f = 0; f < e->nfaults; f++)
                json_array_append_new(faults, json_pack("{s:s, s:s, s:i}", "name", e->faults[f]->name, "description",
                                                        e->faults[f]->description, "brokers", e->faults[f]->brokers));
        for (int r = 0; r < e->nrows; r++) {
                ib_cell_verdict_t vs[16];
                const char *names[16];
                int nv = 0;
                for (int f = 0; f < e->nfaults; f++) {
                        cell_t *cell = &e->cells[r * e->nfaults + f];
                        json_t *c = json_pack("{s:s, s:s, s:s, s:b}", "row", cell->row->name, "fault", cell->fault->name,
                                              "name", cell->name, "applies", cell->s != NULL);
                        if (!cell->s) {
                                json_object_set_new(c, "why_not", json_string(cell->why));
                        } else {
                                ib_cell_verdict_json(cell->record, &vs[nv]);
                                names[nv++] = cell->fault->name;
                                json_object_set_new(c, "scenario", json_string(rel(e, cell->path)));
                                json_object_update(c, cell->record); /* seeds, runs */
                                json_object_set_new(c, "verdict", verdict_json(&vs[nv - 1]));
                        }
                        json_array_append_new(cells, c);
                }
                ib_mode_verdict_t mv;
                ib_mode_verdict(vs, names, nv, &mv);
                json_array_append_new(modes, json_pack("{s:s, s:s, s:s?, s:i, s:i, s:s}", "row", e->rows[r]->name,
                                                       "guarantee", ib_guarantee_name(mv.guarantee), "deciding_fault",
                                                       mv.deciding >= 0 ? names[mv.deciding] : NULL, "runs", mv.runs,
                                                       "cells_not_run", mv.cells_not_run, "evidence", mv.evidence));
        }
        json_object_set_new(doc, "command", json_incref(e->command));
        json_object_set_new(doc, "git_revision", json_string(e->git));
        json_object_set_new(doc, "profile", json_string(e->profile->name));
        json_object_set_new(
            doc, "config",
            json_pack("{s:s, s:i, s:I, s:I, s:I, s:i, s:I, s:b}", "brokers", e->brokers, "seeds", e->seeds, "first_seed",
                      (json_int_t)e->c->seed, "records", (json_int_t)e->profile->records, "rate",
                      (json_int_t)e->profile->rate, "session_ms", e->profile->session_ms, "drain_timeout_ms",
                      (json_int_t)e->profile->drain_timeout_ms, "bench", !e->c->no_bench));
        json_object_set_new(doc, "rows", rows);
        json_object_set_new(doc, "faults", faults);
        json_object_set_new(doc, "cells", cells);
        json_object_set_new(doc, "modes", modes);
        json_object_set_new(doc, "bench", e->bench_ran ? json_string("bench.json") : json_null());
        json_object_set_new(doc, "bench_kafka", e->bench_kafka_ran ? json_string("bench-kafka.json") : json_null());
        if (e->bench_error[0])
                json_object_set_new(doc, "bench_error", json_string(e->bench_error));
        json_object_set_new(doc, "runs_planned", json_integer(e->runs_planned));
        json_object_set_new(doc, "runs_done", json_integer(e->runs_done));
        json_object_set_new(doc, "interrupted", json_boolean(e->interrupted));
        json_object_set_new(doc, "elapsed_s", json_real(difftime(time(NULL), e->t0)));
        return doc;
}

/* The short form of a cell in the printed matrix: "5/5" clean runs of runs,
 * "D 2/5" runs with duplicates, "L", "DL", "n/a", "-" (did not run). */
static void cell_text(const cell_t *cell, char *out, size_t size) {
        ib_cell_verdict_t v;
        if (!cell->s || ib_cell_verdict_json(cell->record, &v) != 0) {
                snprintf(out, size, "n/a");
                return;
        }
        if (!v.runs)
                snprintf(out, size, "-");
        else if (v.clean == v.runs)
                snprintf(out, size, "%d/%d", v.clean, v.runs);
        else
                snprintf(out, size, "%s%s %d/%d", v.with_duplicates || v.with_unexpected ? "D" : "",
                         v.with_loss || v.with_unexpected ? "L" : "", v.runs - v.clean, v.runs);
}

static void summary(const eval_t *e, json_t *doc) {
        printf("evaluate: profile %s, brokers %s, %d seed%s per cell, %d of %d runs done%s\n\n", e->profile->name,
               e->brokers, e->seeds, e->seeds == 1 ? "" : "s", e->runs_done, e->runs_planned,
               e->interrupted ? " (interrupted)" : "");
        printf("%-20s", "");
        for (int f = 0; f < e->nfaults; f++)
                printf(" %-9.9s", e->faults[f]->name);
        printf("\n");
        for (int r = 0; r < e->nrows; r++) {
                printf("%-20s", e->rows[r]->name);
                for (int f = 0; f < e->nfaults; f++) {
                        char t[32];
                        cell_text(&e->cells[r * e->nfaults + f], t, sizeof(t));
                        printf(" %-9s", t);
                }
                printf("\n");
        }
        printf("(clean runs/runs; D duplicates, L loss: anomalous runs/runs; n/a: does not apply; -: did not run)\n\n");
        json_t *m;
        size_t i;
        json_array_foreach(json_object_get(doc, "modes"), i, m)
                printf("%-20s %s: %s\n", json_string_value(json_object_get(m, "row")),
                       json_string_value(json_object_get(m, "guarantee")),
                       json_string_value(json_object_get(m, "evidence")));
        json_t *c;
        int header = 0;
        json_array_foreach(json_object_get(doc, "cells"), i, c) {
                json_t *run;
                size_t k;
                json_array_foreach(json_object_get(c, "runs"), k, run) {
                        if (!json_is_false(json_object_get(run, "clean")))
                                continue;
                        if (!header++)
                                printf("\nreplay the anomalous runs:\n");
                        printf("  %s\n", json_string_value(json_object_get(run, "replay")));
                }
        }
}

/* ---- the commands -------------------------------------------------------------- */

static void eval_free(eval_t *e) {
        for (int i = 0; e->cells && i < e->nrows * e->nfaults; i++) {
                ib_scenario_free(e->cells[i].s);
                json_decref(e->cells[i].record);
        }
        free(e->cells);
        json_decref(e->command);
        ib_json_free_str(e->ext_block);
}

static int dry_run(const eval_t *e) {
        printf("evaluate --dry-run: profile %s (%s), brokers %s, %d seed%s per cell from seed %lld, %d runs\n",
               e->profile->name, e->profile->description, e->brokers, e->seeds, e->seeds == 1 ? "" : "s",
               (long long)e->c->seed, e->runs_planned);
        for (int i = 0; i < e->nrows * e->nfaults; i++) {
                const cell_t *cell = &e->cells[i];
                if (cell->s)
                        printf("  %-34s %d run%s, %d broker%s%s%s\n", cell->name, e->seeds, e->seeds == 1 ? "" : "s",
                               cell->s->brokers, cell->s->brokers == 1 ? "" : "s", cell->s->zookeeper ? ", ZooKeeper" : "",
                               cell->s->hosts ? ", hosts of their own" : "");
                else
                        printf("  %-34s n/a: %s\n", cell->name, cell->why);
        }
        return IB_EXIT_OK;
}

/* evaluate, for both commands. @returns the exit code; *@p ran: 1 once the evaluation folder was written. */
static int evaluate(eval_conf_t *c, const char *cmd, int argc, char **argv, int *ran) {
        eval_t e = {.c = c, .cmd = cmd, .t0 = time(NULL)};
        *ran = 0;
        if (!(e.profile = ib_eval_profile(c->profile)))
                return ib_cli_usage_error(cmd, "--profile: no profile \"%s\" (quick, standard, thorough, ci)", c->profile);
        e.brokers = c->brokers ? c->brokers : e.profile->brokers;
        e.seeds = c->seeds != IB_OPT_INT_ABSENT ? (int)c->seeds : e.profile->seeds;
        if (c->cluster_dir && (!strcmp(e.brokers, "local") || !strcmp(e.brokers, "mock")))
                return ib_cli_usage_error(cmd, "--cluster-dir goes with --brokers LIST (an external cluster)");
        ib_cluster_script(&c->cluster, IB_SOURCE_DIR);
        int rc = -1;
        if (c->modes)
                rc = pick(&e, "modes", c->modes, 1);
        else
                for (int i = 0; ib_eval_rows[i].name && e.nrows < 16; i++)
                        if (ib_eval_rows[i].in_quick || strcmp(e.profile->name, "quick"))
                                e.rows[e.nrows++] = &ib_eval_rows[i];
        if (rc < 0 && c->faults)
                rc = pick(&e, "faults", c->faults, 0);
        else if (rc < 0)
                for (int i = 0; ib_eval_faults[i].name && e.nfaults < 16; i++)
                        e.faults[e.nfaults++] = &ib_eval_faults[i];
        for (int r = 0; rc < 0 && r < e.nrows; r++)
                if (!(e.modes[r] = registry_mode(e.rows[r]->mode)))
                        rc = ib_cli_fail(cmd, IB_ERR_INVALID_ARG, "a row names a mode this build lacks");
        if (rc < 0 && c->external)
                rc = external_row(&e, c->external);
        if (rc >= 0) {
                ib_json_free_str(e.ext_block);
                return rc;
        }
        if (!c->out) {
                char stamp[32];
                time_t now = time(NULL);
                strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", gmtime(&now));
                snprintf(c->out_buf, sizeof(c->out_buf), "evaluations/%s-%s", e.profile->name, stamp);
                c->out = c->out_buf;
        }
        rc = plan(&e, !c->dry_run);
        if (rc < 0 && c->dry_run)
                rc = dry_run(&e);
        if (rc >= 0) {
                eval_free(&e);
                return rc;
        }
        ssize_t len = readlink("/proc/self/exe", e.self, sizeof(e.self) - 1);
        e.self[len > 0 ? len : 0] = 0;
        e.command = json_array();
        json_array_append_new(e.command, json_string("ingestbench"));
        for (int i = 0; i < argc; i++)
                json_array_append_new(e.command, json_string(argv[i]));
        ib_results_git_revision(IB_SOURCE_DIR, e.git, sizeof(e.git));
        ib_stop_signals();
        fprintf(stderr, "evaluate: profile %s: %d runs (%d rows x %d fault classes, %d seed%s per cell) into %s\n",
                e.profile->name, e.runs_planned, e.nrows, e.nfaults, e.seeds, e.seeds == 1 ? "" : "s", c->out);
        if (!strcmp(e.brokers, "mock") && !ib_stop_requested) /* the bench hosts its own mock cluster */
                bench(&e, "mock", NULL);
        phase(&e, 1, 0);
        if (!e.interrupted)
                phase(&e, 3, 0);
        if (!e.interrupted)
                phase(&e, 1, 1);
        if (!e.interrupted)
                phase(&e, 3, 1);
        if (isatty(2) && !c->no_progress)
                fprintf(stderr, "\r\033[K");
        /* what finished is written and reported, interrupted or not */
        json_t *doc = evaluation_doc(&e);
        char path[PATH_MAX + 32], errstr[1024];
        snprintf(path, sizeof(path), "%s/evaluation.json", c->out);
        ib_err_t err = ib_results_write(path, doc, errstr, sizeof(errstr));
        if (err) {
                json_decref(doc);
                eval_free(&e);
                return ib_cli_fail(cmd, err, errstr);
        }
        *ran = 1;
        ib_result_set_t set = {0};
        const char *paths[] = {c->out};
        const char *gnuplot = !c->no_charts && access("/usr/bin/gnuplot", X_OK) == 0 ? "/usr/bin/gnuplot" : NULL;
        int report_failed = 0;
        if ((err = ib_result_set_load(paths, 1, &set, errstr, sizeof(errstr))) ||
            (err = ib_report_write(&set, c->out, gnuplot, errstr, sizeof(errstr)))) {
                fprintf(stderr, "ingestbench %s: the report: %s\n", cmd, errstr);
                report_failed = 1;
        }
        ib_result_set_free(&set);
        summary(&e, doc);
        printf("\nreport: %s/report.html (and report.md); evaluation: %s\n", c->out, path);
        json_decref(doc);
        rc = e.interrupted                       ? ib_cli_interrupted(cmd)
             : e.unreachable && !e.runs_done     ? IB_EXIT_UNREACHABLE
             : e.runs_failed || e.runs_done < e.runs_planned || report_failed ? IB_EXIT_FAIL
                                                 : IB_EXIT_OK;
        eval_free(&e);
        return rc;
}

int ib_cmd_evaluate(int argc, char **argv) {
        eval_conf_t c = {0};
        int rc = ib_cli_parse(&evaluate_spec, &c, argc, argv, NULL);
        if (rc >= 0)
                return rc;
        int ran;
        return evaluate(&c, "evaluate", argc, argv, &ran);
}

int ib_cmd_gate(int argc, char **argv) {
        eval_conf_t c = {0};
        int rc = ib_cli_parse(&gate_spec, &c, argc, argv, NULL);
        if (rc >= 0)
                return rc;
        if (!c.out)
                c.out = "gate";
        struct stat st;
        if (stat(c.baseline, &st) != 0) /* before an hour of runs, not after */
                return ib_cli_usage_error("gate", "--baseline %s: no such file or folder", c.baseline);
        int ran;
        rc = evaluate(&c, "gate", argc, argv, &ran);
        if (!ran || c.dry_run)
                return rc;
        char junit[PATH_MAX + 16];
        if (!c.junit) {
                snprintf(junit, sizeof(junit), "%s/junit.xml", c.out);
                c.junit = junit;
        }
        printf("\n");
        const char *base[] = {c.baseline}, *cur[] = {c.out};
        int crc = ib_cli_compare("gate", base, 1, cur, 1, c.tolerance, c.junit);
        /* a regression or an unreadable baseline decides; else runs that did not happen fail the gate */
        return crc != IB_EXIT_OK ? crc : rc;
}
