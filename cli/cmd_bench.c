/*
 * cmd_bench.c: `ingestbench bench`: flags, the cluster (mock, local or
 * given), the benchmark phases (bench/bench.c), the results file, and
 * stopping everything it started, also when interrupted.
 */
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "argv.h"
#include "bench.h"
#include "clients.h"
#include "cli.h"
#include "cluster.h"
#include "fsutil.h"
#include "parse.h"
#include "pipeline.h"
#include "registry.h"
#include "results.h"
#include "signals.h"


typedef struct {
        ib_bench_conf_t b;
        const char *brokers_flag, *zookeeper, *out, *work, *modes, *pipeline, *clients;
        ib_cluster_flags_t cluster;
        int no_progress, work_given, no_kcat, no_latency, sink, peer;
        ib_optlist_t sweep;
        char out_buf[PATH_MAX], work_buf[PATH_MAX], self[PATH_MAX], peer_cache[PATH_MAX], zk_version[64];
} bench_flags_t;

static const char *const sink_names[] = {"dir", "null", "kafka", NULL};
static const char *const peer_names[] = {"spark", NULL};

static const ib_option_t bench_options[] = {
    IB_OPT_STR(bench_flags_t, modes, "modes", "LIST", NULL, "modes to measure (default: every mode)"),
    IB_OPT_STR(bench_flags_t, brokers_flag, "brokers", "WHERE", "mock",
               "mock (librdkafka's mock cluster), local (the project's Kafka, scripts/cluster.sh), or a bootstrap "
               "list"),
    IB_OPT_STR(bench_flags_t, zookeeper, "zookeeper", "HOST:PORT", NULL,
               "ZooKeeper for the modes that need it (default: started when one is measured)"),
    IB_OPT_BYTES(bench_flags_t, b.records, "records", "N", "200k", 1, INT64_MAX / 4, "backlog records (k, m suffixes)"),
    IB_OPT_BYTES(bench_flags_t, b.size, "size", "BYTES", "100", 0, 10 * 1024 * 1024,
                 "payload bytes per record; a record is about 150 B more"),
    IB_OPT_INT(bench_flags_t, b.partitions, "partitions", "P", "6", 1, 1024, "backlog partitions"),
    IB_OPT_INT(bench_flags_t, b.repeat, "repeat", "K", "3", 1, 1000, "repetitions, interleaved"),
    IB_OPT_STR(bench_flags_t, pipeline, "pipeline", "LIST", "none,full",
               "levels: none (offset tracking alone), parse, full"),
    IB_OPT_CHOICE(bench_flags_t, sink, "sink", sink_names, "dir",
                  "where the modes write: dir (in the work folder), null, or kafka (an output topic per run, the "
                  "transactional mode included; latency is then to read_committed visibility)"),
    IB_OPT_FLAG(bench_flags_t, no_kcat, "no-kcat", 0, "leave kcat out (default: run it when installed)"),
    IB_OPT_FLAG(bench_flags_t, no_latency, "no-latency", 0, "leave the latency phase out"),
    IB_OPT_BYTES(bench_flags_t, b.latency_rate, "latency-rate", "R", "0", 0, 100000000,
                 "records/s (0: half the slowest mode's drain at the last level)"),
    IB_OPT_INT(bench_flags_t, b.latency_seconds, "latency-seconds", "S", "10", 1, 3600,
               "how long the producer writes"),
    IB_OPT_CHOICE(bench_flags_t, peer, "peer", peer_names, NULL,
                  "also run Spark Structured Streaming doing the full pipeline's work (scripts/peers/spark/setup.sh "
                  "installs it first)"),
    IB_OPT_LIST(bench_flags_t, sweep, "sweep", "NAME[=V,...]",
                "partitions (default 1,4,16,32), size (100,1000,10000), workers (1,2,4), txn-records "
                "(500,2000,10000,50000: the modes that take --txn-records) or max-records (2000,5000,10000,50000: "
                "the modes that take --max-records-per-partition); at most 3"),
    IB_OPT_STR(bench_flags_t, out, "out", "FILE", NULL, "results file (default: bench-results/bench-TIME.json)"),
    IB_OPT_STR(bench_flags_t, clients, "clients", "LIST", NULL,
               "one whole bench per librdkafka in LIST, one after the other (comma-separated: linked, system, "
               "current, a version, a folder): each with its own same-run reference, results in "
               "FILE-VERSION.json"),
    IB_OPT_STR(bench_flags_t, work, "work-dir", "DIR", NULL,
               "scratch for sinks, state and a local cluster (default: OUT.work, removed after a good run; a given "
               "one is kept)"),
    IB_OPT_INCLUDE(bench_flags_t, cluster, ib_cluster_options),
    IB_OPT_FLAG(bench_flags_t, no_progress, "no-progress", 0,
                "no progress line (none anyway when stdout or stderr is not a terminal)"),
    IB_OPT_END,
};

static const ib_cli_spec_t bench_spec = {
    "bench", "[OPTIONS]",
    "Measure the modes against references run in the same session: a backlog is\n"
    "produced once, then a bare librdkafka consumer (a process of its own), kcat, and\n"
    "every mode at every pipeline level drain it, repetitions interleaved; then each\n"
    "mode consumes at a fixed rate for end-to-end latency; then the sweeps. Figures\n"
    "are medians with min and max, and ratios to the reference of the same\n"
    "repetition; every subject's peak RSS is its own process's.\n"
    "Results: one JSON file (results/SCHEMA.md, kind \"bench\"); `ingestbench report`\n"
    "draws it, `ingestbench compare` gates on it.\n",
    "Exit codes: 0 measured, 1 a run failed (what was measured is still written, with\n"
    "\"error\"), 2 usage error, 3 the cluster could not be reached.\n",
    bench_options, 0, 0, NULL, 0,
};

/* Splits @p list at commas into @p items (at most @p max). @returns the count, -1 when too many. */
static int split(char *list, char **items, int max) {
        int n = 0;
        for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                if (n == max)
                        return -1;
                items[n++] = t;
        }
        return n;
}

static int parse_sweep(char *arg, ib_bench_sweep_t *sw, char *errstr, size_t size) {
        static const struct { const char *name; int64_t v[6]; int n; } defaults[] = {
            {"partitions", {1, 4, 16, 32}, 4}, {"size", {100, 1000, 10000}, 3}, {"workers", {1, 2, 4}, 3},
            {"txn-records", {500, 2000, 10000, 50000}, 4}, {"max-records", {2000, 5000, 10000, 50000}, 4}};
        char *eq = strchr(arg, '=');
        if (eq)
                *eq = '\0';
        int d;
        for (d = 0; d < 5 && strcmp(defaults[d].name, arg); d++)
                ;
        if (d == 5) {
                snprintf(errstr, size, "--sweep: '%s' is not partitions, size, workers, txn-records or max-records",
                         arg);
                return -1;
        }
        sw->name = defaults[d].name;
        if (!eq) {
                memcpy(sw->values, defaults[d].v, sizeof(defaults[d].v));
                sw->n = defaults[d].n;
                return 0;
        }
        char *items[IB_BENCH_MAX_SWEEP + 1];
        int n = split(eq + 1, items, IB_BENCH_MAX_SWEEP);
        if (n <= 0) {
                snprintf(errstr, size, "--sweep %s: 1 to %d values, comma-separated", sw->name, IB_BENCH_MAX_SWEEP);
                return -1;
        }
        int64_t max = d == 0 ? 1024 : d == 1 ? 10 * 1024 * 1024 : d == 2 ? 16 : 1000000;
        for (int i = 0; i < n; i++)
                if (ib_parse_i64(items[i], 1, max, d == 1, "--sweep", &sw->values[i], errstr, size))
                        return -1;
        sw->n = n;
        return 0;
}

/* --modes: names from the registry. @returns 0, or -1 with @p errstr. */
static int parse_modes(const char *list, ib_bench_conf_t *b, char *errstr, size_t size) {
        char buf[1024], *items[IB_BENCH_MAX_SUBJECTS];
        snprintf(buf, sizeof(buf), "%s", list);
        int n = split(buf, items, IB_BENCH_MAX_SUBJECTS);
        b->nmodes = 0;
        for (int i = 0; i < n; i++) {
                const ib_mode_t *m = ib_mode_find(items[i]);
                if (!m)
                        return snprintf(errstr, size, "--modes: no mode '%s'", items[i]), -1;
                if (m->sink_transactions && strcmp(b->sink, "kafka"))
                        return snprintf(errstr, size,
                                        "--modes: %s commits inside the output's Kafka transactions: it needs --sink "
                                        "kafka", m->name), -1;
                b->modes[b->nmodes++] = m;
        }
        if (n <= 0)
                return snprintf(errstr, size, "--modes: a comma-separated list of modes"), -1;
        return 0;
}

/* --pipeline: levels by name. @returns 0, or -1 with @p errstr. */
static int parse_levels(const char *list, ib_bench_conf_t *b, char *errstr, size_t size) {
        char buf[256], *items[3];
        snprintf(buf, sizeof(buf), "%s", list);
        int n = split(buf, items, 3);
        b->nlevels = 0;
        for (int i = 0; i < n; i++) {
                int l;
                for (l = 0; ib_pipeline_level_names[l] && strcmp(ib_pipeline_level_names[l], items[i]); l++)
                        ;
                if (!ib_pipeline_level_names[l])
                        return snprintf(errstr, size, "--pipeline: '%s' is not none, parse or full", items[i]), -1;
                b->levels[b->nlevels++] = l;
        }
        if (n <= 0)
                return snprintf(errstr, size, "--pipeline: none, parse and/or full, comma-separated"), -1;
        return 0;
}

static int parse_flags(int argc, char **argv, bench_flags_t *f) {
        ib_bench_conf_t *b = &f->b;
        char errstr[512] = "";
        int rc = ib_cli_parse(&bench_spec, f, argc, argv, NULL);
        if (rc >= 0)
                return rc;
        b->sink = sink_names[f->sink];
        int mock = !strcmp(f->brokers_flag, "mock");
        if (f->modes ? parse_modes(f->modes, b, errstr, sizeof(errstr)) : 0)
                return ib_cli_usage_error("bench", "%s", errstr);
        for (int m = 0; mock && m < b->nmodes; m++)
                if (b->modes[m]->sink_transactions)
                        return ib_cli_usage_error("bench", "--modes: %s cannot be measured on librdkafka's mock cluster, "
                                                           "which takes transactions without their work: --brokers local",
                                                  b->modes[m]->name);
        if (!f->modes) /* a mode that commits in the sink's transactions: with a Kafka sink on a real cluster */
                for (int i = 0; ib_modes[i] && b->nmodes < IB_BENCH_MAX_SUBJECTS; i++)
                        if (!ib_modes[i]->sink_transactions || (!strcmp(b->sink, "kafka") && !mock))
                                b->modes[b->nmodes++] = ib_modes[i];
        if (parse_levels(f->pipeline, b, errstr, sizeof(errstr)))
                return ib_cli_usage_error("bench", "%s", errstr);
        if (f->sweep.n > 3)
                return ib_cli_usage_error("bench", "--sweep: at most 3");
        for (int i = 0; i < f->sweep.n; i++) {
                char arg[256];
                snprintf(arg, sizeof(arg), "%.255s", f->sweep.v[i]);
                if (parse_sweep(arg, &b->sweeps[b->nsweeps++], errstr, sizeof(errstr)))
                        return ib_cli_usage_error("bench", "%s", errstr);
        }
        b->peer = f->peer >= 0 ? peer_names[f->peer] : NULL;
        b->kcat = !f->no_kcat;
        b->latency = !f->no_latency;
        f->work_given = f->work != NULL;
        return -1;
}

static int uses_zk(const ib_bench_conf_t *b) {
        for (int m = 0; m < b->nmodes; m++)
                if (b->modes[m]->needs_zookeeper)
                        return 1;
        return 0;
}

/* The Spark peer's installation; @returns -1, or the usage exit when it is missing. */
static int find_peer(bench_flags_t *f) {
        const char *env = getenv("INGESTBENCH_PEER_CACHE");
        char ready[PATH_MAX + 16], why[PATH_MAX + 100];
        snprintf(f->peer_cache, sizeof(f->peer_cache), "%s", env ? env : IB_SOURCE_DIR "/.cache/peers/spark");
        snprintf(ready, sizeof(ready), "%s/ready", f->peer_cache);
        f->b.peer_cache = f->peer_cache;
        f->b.peer_dir = IB_SOURCE_DIR "/scripts/peers/spark";
        if (access(ready, R_OK) == 0)
                return -1;
        snprintf(why, sizeof(why), "the Spark peer is not installed in %s: run scripts/peers/spark/setup.sh first",
                 f->peer_cache);
        return ib_cli_fail("bench", IB_ERR_INVALID_ARG, why);
}

/* What the flags leave to the machine: kcat, the peer, this program, the
 * results file, the scratch, the cluster script; the folders made.
 * @returns -1 to go on, or the exit code. */
static int prepare(bench_flags_t *f) {
        ib_bench_conf_t *b = &f->b;
        char errstr[1024], outdir[PATH_MAX];
        if (b->kcat && access("/usr/bin/kcat", X_OK) != 0) {
                fprintf(stderr, "ingestbench bench: kcat is not installed (scripts/deps.sh): measured without it\n");
                b->kcat = 0;
        }
        b->kcat_path = "/usr/bin/kcat";
        int rc = b->peer ? find_peer(f) : -1;
        if (rc >= 0)
                return rc;
        ssize_t len = readlink("/proc/self/exe", f->self, sizeof(f->self) - 1);
        f->self[len > 0 ? len : 0] = 0;
        b->self = f->self;
        if (!f->out) {
                snprintf(f->out_buf, sizeof(f->out_buf), "bench-results/bench-%lld.json", (long long)time(NULL));
                f->out = f->out_buf;
        }
        if (!f->work) {
                int n = snprintf(f->work_buf, sizeof(f->work_buf), "%s.work", f->out);
                if (n < 0 || (size_t)n >= sizeof(f->work_buf))
                        return ib_cli_usage_error("bench", "--out %s: path too long", f->out);
                f->work = f->work_buf;
        }
        ib_cluster_script(&f->cluster, IB_SOURCE_DIR);
        b->work_dir = f->work;
        b->stop = &ib_stop_requested;
        b->progress = isatty(1) && isatty(2) && !f->no_progress; /* none in a pipe or a log */
        snprintf(outdir, sizeof(outdir), "%s", f->out);
        char *slash = strrchr(outdir, '/');
        if (slash && slash != outdir) {
                *slash = '\0';
                if (ib_fs_mkdirs(outdir, errstr, sizeof(errstr)))
                        return ib_cli_fail("bench", IB_ERR_IO, errstr);
        }
        if (ib_fs_mkdirs(f->work, errstr, sizeof(errstr)))
                return ib_cli_fail("bench", IB_ERR_IO, errstr);
        return -1;
}

/* Brings the cluster up and measures into *@p doc. @returns the exit code. */
static int measure(bench_flags_t *f, ib_chaos_cluster_t *cluster, ib_sup_t *sup, json_t **doc) {
        ib_bench_conf_t *b = &f->b;
        char errstr[1024];
        b->sup = sup, b->cluster = cluster;
        ib_cluster_spec_t spec = {f->brokers_flag, f->zookeeper, NULL, f->cluster.script, f->self, f->work, 1, uses_zk(b), 0, 0,
                                  (int)f->cluster.kafka_port, (int)f->cluster.zk_port, NULL, 0, 300000, &ib_stop_requested, NULL};
        ib_err_t err = ib_cluster_up(cluster, sup, &spec, errstr, sizeof(errstr));
        if (err) /* a cluster it cannot use is a usage error, one that does not come up is unreachable */
                return ib_cli_fail("bench", err == IB_ERR_INVALID_ARG ? err : IB_ERR_KAFKA_UNREACHABLE, errstr);
        b->brokers = cluster->brokers;
        b->zookeeper = cluster->zookeeper[0] ? cluster->zookeeper : NULL;
        b->broker_version = cluster->broker_version;
        if (b->zookeeper) {
                ib_results_zk_version(b->zookeeper, f->zk_version, sizeof(f->zk_version));
                b->zk_version = f->zk_version;
        }
        if (uses_zk(b) && !b->zookeeper)
                return ib_cli_usage_error("bench", "a mode measured needs ZooKeeper: give --zookeeper HOST:PORT");
        if ((err = ib_bench_run(b, doc, errstr, sizeof(errstr))))
                return ib_cli_fail("bench", IB_ERR_FAILED, errstr); /* what was measured is still written */
        return IB_EXIT_OK;
}

/* --clients: the same bench once per client, each a child `ingestbench bench`
 * with the same flags but --clients and --out, the client's library folder on
 * its LD_LIBRARY_PATH (its reference, kcat aside, and its workers all run
 * that client), its results in OUT-VERSION.json. @returns the exit code. */
static int bench_per_client(bench_flags_t *f, int argc, char **argv) {
        char self[PATH_MAX], errstr[PATH_MAX + 256], list[1024], *names[8];
        ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
        self[len > 0 ? len : 0] = 0;
        if (strlen(f->clients) >= sizeof(list))
                return ib_cli_usage_error("bench", "--clients: the list is too long");
        snprintf(list, sizeof(list), "%s", f->clients);
        int n = split(list, names, 8);
        if (n <= 0)
                return ib_cli_usage_error("bench", "--clients: 1 to 8 client names, comma-separated");
        ib_client_t clients[8];
        ib_client_places_t places = {self, IB_SOURCE_DIR, IB_RDKAFKA_SYSTEM_LIBDIR};
        for (int i = 0; i < n; i++) {
                ib_err_t err = ib_client_resolve(names[i], &places, &clients[i], errstr, sizeof(errstr));
                if (err)
                        return ib_cli_fail("bench", err, errstr);
        }
        char base[PATH_MAX];
        if (f->out)
                snprintf(base, sizeof(base), "%.*s", (int)(strlen(f->out) > 5 && !strcmp(f->out + strlen(f->out) - 5, ".json")
                                                           ? strlen(f->out) - 5 : strlen(f->out)), f->out);
        else
                snprintf(base, sizeof(base), "bench-results/bench-%lld", (long long)time(NULL));
        int rc = IB_EXIT_OK;
        char outs[8][PATH_MAX + 40];
        for (int i = 0; i < n && !ib_stop_requested; i++) {
                ib_argv_t av = IB_ARGV_INIT;
                ib_argv_add(&av, self);
                ib_argv_add(&av, "bench");
                for (int a = 1; a < argc; a++) { /* argv[0] is "bench" */
                        const char *w = argv[a];
                        if (!strcmp(w, "--clients") || !strcmp(w, "--out")) {
                                a++;
                                continue;
                        }
                        if (!strncmp(w, "--clients=", 10) || !strncmp(w, "--out=", 6))
                                continue;
                        ib_argv_add(&av, w);
                }
                snprintf(outs[i], sizeof(outs[i]), "%s-%s.json", base, clients[i].version);
                ib_argv_add2(&av, "--out", outs[i]);
                char name[96];
                snprintf(name, sizeof(name), "INGESTBENCH_CLIENT=%s", clients[i].name);
                const char *more[] = {name, NULL}, *env[4];
                ib_client_env(&clients[i], more, env, 4);
                fprintf(stderr, "ingestbench bench: client %s (librdkafka %s), %d of %d\n", clients[i].name,
                        clients[i].version, i + 1, n);
                ib_run_io_t io = {NULL, NULL, NULL, 0, env, 1, &ib_stop_requested}; /* a stop reaches the child bench */
                int crc = ib_argv_failed(&av) ? -1 : ib_run_command((const char *const *)av.v, &io);
                ib_argv_free(&av);
                if (crc != 0)
                        rc = crc > 0 && crc < 4 && rc != IB_EXIT_USAGE ? crc : IB_EXIT_FAIL;
                if (crc == IB_EXIT_USAGE)
                        break;
        }
        if (ib_stop_requested)
                return ib_cli_interrupted("bench");
        printf("bench: one results file per client:");
        for (int i = 0; i < n; i++)
                printf(" %s", outs[i]);
        printf("\nbench: side by side: ingestbench report --out DIR");
        for (int i = 0; i < n; i++)
                printf(" %s", outs[i]);
        printf("\n");
        return rc;
}

int ib_cmd_bench(int argc, char **argv) {
        bench_flags_t f;
        memset(&f, 0, sizeof(f));
        int rc = parse_flags(argc, argv, &f);
        if (rc < 0 && f.clients) {
                ib_stop_signals();
                return bench_per_client(&f, argc, argv);
        }
        if (rc < 0)
                rc = prepare(&f);
        if (rc >= 0)
                return rc;
        json_t *command = json_array(), *doc = NULL;
        json_array_append_new(command, json_string("ingestbench"));
        for (int i = 0; i < argc; i++)
                json_array_append_new(command, json_string(argv[i]));
        f.b.command = command;
        ib_chaos_cluster_t cluster = {0};
        ib_sup_t sup = {0};
        ib_stop_signals();
        rc = measure(&f, &cluster, &sup, &doc);
        char werr[512];
        if (doc && ib_results_write(f.out, doc, werr, sizeof(werr)))
                rc = ib_cli_fail("bench", IB_ERR_IO, werr);
        else if (doc)
                printf("bench: results in %s\n", f.out);
        if (ib_stop_requested)
                rc = ib_cli_interrupted("bench");
        ib_cluster_teardown(&cluster, &sup, f.work);
        /* the scratch (a local cluster's data, logs) goes after a good run, stays after a bad one */
        if (rc == IB_EXIT_OK && !f.work_given)
                ib_fs_remove_tree(f.work, NULL, 0);
        else if (rc != IB_EXIT_OK && rc != IB_EXIT_USAGE)
                fprintf(stderr, "ingestbench bench: logs and scratch kept in %s\n", f.work);
        json_decref(doc);
        json_decref(command);
        return rc;
}
