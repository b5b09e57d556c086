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

#include "bench.h"
#include "cli.h"
#include "cluster.h"
#include "fsutil.h"
#include "parse.h"
#include "pipeline.h"
#include "registry.h"
#include "results.h"
#include "signals.h"


static void usage(FILE *fp) {
        fprintf(fp,
"Usage: ingestbench bench [OPTIONS]\n"
"\n"
"Measure the modes against references run in the same session: a backlog is\n"
"produced once, then a bare librdkafka consumer (in this process), kcat, and every\n"
"mode at every pipeline level drain it, repetitions interleaved; then each mode\n"
"consumes at a fixed rate for end-to-end latency; then the sweeps. Figures are\n"
"medians with min and max, and ratios to the reference of the same repetition.\n"
"Results: one JSON file (results/SCHEMA.md, kind \"bench\"); `ingestbench report`\n"
"draws it, `ingestbench compare` gates on it.\n"
"\n"
"Options:\n"
"  --modes LIST          modes to measure (default: direct,receiver,async-commit,checkpoint)\n"
"  --brokers WHERE       mock (default: librdkafka's mock cluster), local (the project's\n"
"                        Kafka 3.9.1, scripts/cluster.sh), or a bootstrap list\n"
"  --zookeeper HOST:PORT ZooKeeper for direct (default: started when direct is measured)\n"
"  --records N           backlog records (k, m suffixes) (default: 200k)\n"
"  --size BYTES          payload bytes per record; a record is about 150 B more (default: 100)\n"
"  --partitions P        backlog partitions (default: 6)\n"
"  --repeat K            repetitions, interleaved (default: 3)\n"
"  --pipeline LIST       levels: none (offset tracking alone), parse, full (default: none,full)\n"
"  --sink dir|null       where the modes write (default: dir, in the work folder)\n"
"  --no-kcat             leave kcat out (default: run it when installed)\n"
"  --no-latency          leave the latency phase out\n"
"  --latency-rate R      records/s (default: half the slowest mode's drain at the last level)\n"
"  --latency-seconds S   how long the producer writes (default: 10)\n"
"  --peer spark          also run Spark Structured Streaming doing the full pipeline's work\n"
"                        (scripts/peers/spark/setup.sh installs it first)\n"
"  --sweep NAME[=V,...]  partitions (default 1,4,16,32), size (100,1000,10000) or\n"
"                        workers (1,2,4); repeatable\n"
"  --out FILE            results file (default: bench-results/bench-TIME.json)\n"
"  --work-dir DIR        scratch for sinks, state and a local cluster (default: OUT.work,\n"
"                        removed after a good run; a given one is kept)\n"
"  --cluster-script PATH scripts/cluster.sh (default: the source tree's)\n"
"  --kafka-port N        local: first broker's port (default: 39092)\n"
"  --zk-port N           local: ZooKeeper's port (default: 32181)\n"
"  --no-progress         no progress line (none anyway when stdout or stderr is not a terminal)\n"
"  -h, --help            this help\n"
"\n"
"Exit codes: 0 measured, 1 a run failed (what was measured is still written, with\n"
"\"error\"), 2 usage error, 3 the cluster could not be reached.\n");
}

enum { O_MODES = 256, O_BROKERS, O_ZK, O_RECORDS, O_SIZE, O_PARTS, O_REPEAT, O_PIPE, O_SINK, O_NOKCAT, O_NOLAT,
       O_LRATE, O_LSECS, O_SWEEP, O_PEER, O_OUT, O_WORK, O_SCRIPT, O_KPORT, O_ZPORT, O_NOPROG };

typedef struct {
        ib_bench_conf_t b;
        const char *brokers_flag, *zookeeper, *out, *work, *script;
        int64_t kafka_port, zk_port;
        int no_progress, work_given;
        char out_buf[PATH_MAX], work_buf[PATH_MAX], script_buf[PATH_MAX], self[PATH_MAX], peer_cache[PATH_MAX];
} bench_flags_t;

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
            {"partitions", {1, 4, 16, 32}, 4}, {"size", {100, 1000, 10000}, 3}, {"workers", {1, 2, 4}, 3}};
        char *eq = strchr(arg, '=');
        if (eq)
                *eq = '\0';
        int d;
        for (d = 0; d < 3 && strcmp(defaults[d].name, arg); d++)
                ;
        if (d == 3) {
                snprintf(errstr, size, "--sweep: '%s' is not partitions, size or workers", arg);
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
        int64_t max = d == 0 ? 1024 : d == 1 ? 10 * 1024 * 1024 : 16;
        for (int i = 0; i < n; i++)
                if (ib_parse_i64(items[i], 1, max, d == 1, "--sweep", &sw->values[i], errstr, size))
                        return -1;
        sw->n = n;
        return 0;
}

static int parse_flags(int argc, char **argv, bench_flags_t *f) {
        static const struct option longopts[] = {
            {"modes", required_argument, 0, O_MODES},         {"brokers", required_argument, 0, O_BROKERS},
            {"zookeeper", required_argument, 0, O_ZK},        {"records", required_argument, 0, O_RECORDS},
            {"size", required_argument, 0, O_SIZE},           {"partitions", required_argument, 0, O_PARTS},
            {"repeat", required_argument, 0, O_REPEAT},       {"pipeline", required_argument, 0, O_PIPE},
            {"sink", required_argument, 0, O_SINK},           {"no-kcat", no_argument, 0, O_NOKCAT},
            {"no-latency", no_argument, 0, O_NOLAT},          {"latency-rate", required_argument, 0, O_LRATE},
            {"latency-seconds", required_argument, 0, O_LSECS}, {"sweep", required_argument, 0, O_SWEEP},
            {"peer", required_argument, 0, O_PEER},
            {"out", required_argument, 0, O_OUT},             {"work-dir", required_argument, 0, O_WORK},
            {"cluster-script", required_argument, 0, O_SCRIPT}, {"kafka-port", required_argument, 0, O_KPORT},
            {"zk-port", required_argument, 0, O_ZPORT},       {"no-progress", no_argument, 0, O_NOPROG},
            {"help", no_argument, 0, 'h'},                    {0, 0, 0, 0},
        };
        ib_bench_conf_t *b = &f->b;
        char errstr[512] = "", *items[16];
        ib_err_t err = IB_OK;
        int c, idx = 0, n, bad = 0;
        optind = 1;
        opterr = 0;
        while (!err && !bad && (c = getopt_long(argc, argv, IB_OPT_PREFIX "h", longopts, &idx)) != -1) {
                switch (c) {
                case O_MODES:
                        b->nmodes = 0;
                        n = split(optarg, items, IB_BENCH_MAX_SUBJECTS);
                        for (int i = 0; i < n && !bad; i++) {
                                const ib_mode_t *m = ib_mode_find(items[i]);
                                if (!m)
                                        bad = snprintf(errstr, sizeof(errstr), "--modes: no mode '%s'", items[i]);
                                else
                                        b->modes[b->nmodes++] = m;
                        }
                        if (n <= 0 && !bad)
                                bad = snprintf(errstr, sizeof(errstr), "--modes: a comma-separated list of modes");
                        break;
                case O_PIPE:
                        b->nlevels = 0;
                        n = split(optarg, items, 3);
                        for (int i = 0; i < n && !bad; i++) {
                                int l;
                                for (l = 0; ib_pipeline_level_names[l] && strcmp(ib_pipeline_level_names[l], items[i]); l++)
                                        ;
                                if (!ib_pipeline_level_names[l])
                                        bad = snprintf(errstr, sizeof(errstr), "--pipeline: '%s' is not none, parse or full",
                                                       items[i]);
                                else
                                        b->levels[b->nlevels++] = l;
                        }
                        if (n <= 0 && !bad)
                                bad = snprintf(errstr, sizeof(errstr), "--pipeline: none, parse and/or full, comma-separated");
                        break;
                case O_BROKERS: f->brokers_flag = optarg; break;
                case O_ZK: f->zookeeper = optarg; break;
                case O_RECORDS: err = ib_parse_i64(optarg, 1, INT64_MAX / 4, 1, "--records", &b->records, errstr, sizeof(errstr)); break;
                case O_SIZE: err = ib_parse_i64(optarg, 0, 10 * 1024 * 1024, 1, "--size", &b->size, errstr, sizeof(errstr)); break;
                case O_PARTS: err = ib_parse_i64(optarg, 1, 1024, 0, "--partitions", &b->partitions, errstr, sizeof(errstr)); break;
                case O_REPEAT: err = ib_parse_i64(optarg, 1, 1000, 0, "--repeat", &b->repeat, errstr, sizeof(errstr)); break;
                case O_SINK:
                        if (strcmp(optarg, "dir") && strcmp(optarg, "null"))
                                bad = snprintf(errstr, sizeof(errstr), "--sink takes dir or null, not '%s'", optarg);
                        b->sink = optarg;
                        break;
                case O_NOKCAT: b->kcat = 0; break;
                case O_NOLAT: b->latency = 0; break;
                case O_LRATE: err = ib_parse_i64(optarg, 1, 100000000, 1, "--latency-rate", &b->latency_rate, errstr, sizeof(errstr)); break;
                case O_LSECS: err = ib_parse_i64(optarg, 1, 3600, 0, "--latency-seconds", &b->latency_seconds, errstr, sizeof(errstr)); break;
                case O_SWEEP:
                        if (b->nsweeps == 3)
                                bad = snprintf(errstr, sizeof(errstr), "--sweep: at most 3");
                        else if (parse_sweep(optarg, &b->sweeps[b->nsweeps++], errstr, sizeof(errstr)))
                                bad = 1;
                        break;
                case O_PEER:
                        if (strcmp(optarg, "spark"))
                                bad = snprintf(errstr, sizeof(errstr), "--peer: only spark, not '%s'", optarg);
                        b->peer = "spark";
                        break;
                case O_OUT: f->out = optarg; break;
                case O_WORK: f->work = optarg, f->work_given = 1; break;
                case O_SCRIPT: f->script = optarg; break;
                case O_KPORT: err = ib_parse_i64(optarg, 1024, 65000, 0, "--kafka-port", &f->kafka_port, errstr, sizeof(errstr)); break;
                case O_ZPORT: err = ib_parse_i64(optarg, 1024, 65535, 0, "--zk-port", &f->zk_port, errstr, sizeof(errstr)); break;
                case O_NOPROG: f->no_progress = 1; break;
                case 'h': usage(stdout); return IB_EXIT_OK;
                default: return ib_cli_getopt_error("bench", c, argv);
                }
        }
        if (err || bad)
                return ib_cli_usage_error("bench", "%s", errstr);
        if (optind < argc)
                return ib_cli_usage_error("bench", "unexpected argument '%s'", argv[optind]);
        return -1;
}

static int uses_zk(const ib_bench_conf_t *b) {
        for (int m = 0; m < b->nmodes; m++)
                if (b->modes[m]->needs_zookeeper)
                        return 1;
        return 0;
}

int ib_cmd_bench(int argc, char **argv) {
        bench_flags_t f;
        memset(&f, 0, sizeof(f));
        ib_bench_conf_t *b = &f.b;
        for (int i = 0; ib_modes[i] && b->nmodes < IB_BENCH_MAX_SUBJECTS; i++)
                b->modes[b->nmodes++] = ib_modes[i];
        b->levels[0] = IB_PIPELINE_NONE, b->levels[1] = IB_PIPELINE_FULL, b->nlevels = 2;
        b->records = 200000, b->size = 100, b->partitions = 6, b->repeat = 3, b->kcat = 1, b->sink = "dir";
        b->latency = 1, b->latency_seconds = 10;
        f.brokers_flag = "mock", f.kafka_port = 39092, f.zk_port = 32181;
        int rc = parse_flags(argc, argv, &f);
        if (rc >= 0)
                return rc;
        if (b->kcat && access("/usr/bin/kcat", X_OK) != 0) {
                fprintf(stderr, "ingestbench bench: kcat is not installed (scripts/deps.sh): measured without it\n");
                b->kcat = 0;
        }
        b->kcat_path = "/usr/bin/kcat";
        if (b->peer) {
                const char *env = getenv("INGESTBENCH_PEER_CACHE");
                char ready[PATH_MAX + 16];
                snprintf(f.peer_cache, sizeof(f.peer_cache), "%s", env ? env : IB_SOURCE_DIR "/.cache/peers/spark");
                snprintf(ready, sizeof(ready), "%s/ready", f.peer_cache);
                b->peer_cache = f.peer_cache;
                b->peer_dir = IB_SOURCE_DIR "/scripts/peers/spark";
                if (access(ready, R_OK) != 0) {
                        fprintf(stderr, "ingestbench bench: the Spark peer is not installed in %s: run "
                                        "scripts/peers/spark/setup.sh first\n", f.peer_cache);
                        return IB_EXIT_USAGE;
                }
        }
        ssize_t len = readlink("/proc/self/exe", f.self, sizeof(f.self) - 1);
        f.self[len > 0 ? len : 0] = 0;
        b->self = f.self;
        if (!f.out) {
                snprintf(f.out_buf, sizeof(f.out_buf), "bench-results/bench-%lld.json", (long long)time(NULL));
                f.out = f.out_buf;
        }
        if (!f.work) {
                snprintf(f.work_buf, sizeof(f.work_buf), "%s.work", f.out);
                f.work = f.work_buf;
        }
        if (!f.script) {
                const char *env = getenv("INGESTBENCH_CLUSTER_SCRIPT");
                snprintf(f.script_buf, sizeof(f.script_buf), "%s", env ? env : IB_SOURCE_DIR "/scripts/cluster.sh");
                f.script = f.script_buf;
        }
        b->work_dir = f.work;
        b->stop = &ib_stop_requested;
        b->progress = isatty(1) && isatty(2) && !f.no_progress; /* none in a pipe or a log */
        char errstr[1024], zkv[64], outdir[PATH_MAX];
        snprintf(outdir, sizeof(outdir), "%s", f.out);
        char *slash = strrchr(outdir, '/');
        if (slash && slash != outdir) {
                *slash = '\0';
                if (ib_fs_mkdirs(outdir, errstr, sizeof(errstr))) {
                        fprintf(stderr, "ingestbench bench: %s\n", errstr);
                        return IB_EXIT_FAIL;
                }
        }
        if (ib_fs_mkdirs(f.work, errstr, sizeof(errstr))) {
                fprintf(stderr, "ingestbench bench: %s\n", errstr);
                return IB_EXIT_FAIL;
        }
        json_t *command = json_array();
        json_array_append_new(command, json_string("ingestbench"));
        for (int i = 0; i < argc; i++)
                json_array_append_new(command, json_string(argv[i]));
        b->command = command;
        ib_chaos_cluster_t cluster = {0};
        ib_sup_t sup = {0};
        b->sup = &sup, b->cluster = &cluster;
        ib_stop_signals();
        ib_cluster_spec_t spec = {f.brokers_flag, f.zookeeper, NULL, f.script, f.self, f.work, 1, uses_zk(b), 0, 0,
                                  (int)f.kafka_port, (int)f.zk_port, NULL, 0, 300000, &ib_stop_requested};
        ib_err_t err = ib_cluster_up(&cluster, &sup, &spec, errstr, sizeof(errstr));
        json_t *doc = NULL;
        if (err) {
                fprintf(stderr, "ingestbench bench: %s\n", errstr);
                rc = err == IB_ERR_INVALID_ARG ? IB_EXIT_USAGE : IB_EXIT_UNREACHABLE;
        } else {
                b->brokers = cluster.brokers;
                b->zookeeper = cluster.zookeeper[0] ? cluster.zookeeper : NULL;
                b->broker_version = cluster.broker_version;
                if (b->zookeeper) {
                        ib_results_zk_version(b->zookeeper, zkv, sizeof(zkv));
                        b->zk_version = zkv;
                }
                if (uses_zk(b) && !b->zookeeper) {
                        fprintf(stderr, "ingestbench bench: direct needs ZooKeeper: give --zookeeper HOST:PORT\n");
                        rc = IB_EXIT_USAGE;
                } else {
                        err = ib_bench_run(b, &doc, errstr, sizeof(errstr));
                        rc = err ? IB_EXIT_FAIL : IB_EXIT_OK;
                        if (err)
                                fprintf(stderr, "ingestbench bench: %s\n", errstr);
                }
        }
        if (doc) {
                char werr[512];
                if (ib_results_write(f.out, doc, werr, sizeof(werr))) {
                        fprintf(stderr, "ingestbench bench: %s\n", werr);
                        rc = IB_EXIT_FAIL;
                } else
                        printf("bench: results in %s\n", f.out);
        }
        if (ib_stop_requested) {
                fprintf(stderr, "ingestbench bench: interrupted: stopping everything it started\n");
                rc = IB_EXIT_FAIL;
        }
        char log[PATH_MAX + 32];
        snprintf(log, sizeof(log), "%s/cluster.log", f.work);
        ib_cluster_down(&cluster, &sup, log);
        ib_sup_stop_all(&sup, 10000);
        ib_sup_free(&sup);
        /* the scratch (a local cluster's data, logs) goes after a good run, stays after a bad one */
        if (rc == IB_EXIT_OK && !f.work_given)
                ib_fs_remove_tree(f.work, NULL, 0);
        else if (rc != IB_EXIT_OK && rc != IB_EXIT_USAGE)
                fprintf(stderr, "ingestbench bench: logs and scratch kept in %s\n", f.work);
        json_decref(doc);
        json_decref(command);
        return rc;
}
