/*
 * cmd_chaos.c: `ingestbench chaos`: load and check a scenario, bring up (or
 * use) the cluster, run the scenario once or --repeat times (each iteration
 * with a seed derived from the first), and stop everything it started, also
 * when interrupted. The runs themselves are chaos/run.c's.
 */
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cluster.h"
#include "fsutil.h"
#include "parse.h"
#include "results.h"
#include "run.h"
#include "schedule.h"
#include "scenario.h"
#include "signals.h"


typedef struct {
        const char *scenario_path, *brokers, *zookeeper, *cluster_dir, *out, *junit;
        int64_t seed, repeat;
        int seed_given, until_fail, no_progress, dry_run;
        ib_cluster_flags_t cluster;
        char out_buf[PATH_MAX];
} chaos_conf_t;

static const ib_option_t chaos_options[] = {
    IB_OPT_STR_REQUIRED(chaos_conf_t, scenario_path, "scenario", "FILE", "the scenario (JSON)"),
    IB_OPT_INT(chaos_conf_t, seed, "seed", "N", NULL, 0, INT64_MAX,
               "seed of the schedule and the producer (default: the scenario's)"),
    IB_OPT_STR(chaos_conf_t, brokers, "brokers", "WHERE", "local",
               "local (start the project's cluster: scripts/cluster.sh), mock (librdkafka's mock cluster), "
               "or a bootstrap list"),
    IB_OPT_STR(chaos_conf_t, zookeeper, "zookeeper", "HOST:PORT", NULL,
               "ZooKeeper to use (default: started when the scenario needs it)"),
    IB_OPT_STR(chaos_conf_t, cluster_dir, "cluster-dir", "DIR", NULL,
               "the cluster script's folder of the cluster --brokers LIST names (for broker and ZooKeeper "
               "faults on it)"),
    IB_OPT_INCLUDE(chaos_conf_t, cluster, ib_cluster_options),
    IB_OPT_STR(chaos_conf_t, out, "out", "DIR", NULL, "run folder (default: chaos-runs/NAME-SEED-TIME)"),
    IB_OPT_STR(chaos_conf_t, junit, "junit", "FILE", NULL, "JUnit XML: one test case per expectation (and iteration)"),
    IB_OPT_INT(chaos_conf_t, repeat, "repeat", "N", NULL, 1, 100000,
               "run N times, each with a seed derived from the first"),
    IB_OPT_FLAG(chaos_conf_t, until_fail, "until-fail", 0,
                "stop at the first failing iteration (at most --repeat, default 100); keep its artifacts and "
                "print the command that replays it"),
    IB_OPT_FLAG(chaos_conf_t, no_progress, "no-progress", 0,
                "no progress line (none anyway when stdout or stderr is not a terminal)"),
    IB_OPT_FLAG(chaos_conf_t, dry_run, "dry-run", 0, "check the scenario, print the schedule of the seed, start nothing"),
    IB_OPT_END,
};

static const ib_cli_spec_t chaos_spec = {
    "chaos", "--scenario FILE [OPTIONS]",
    "Run a chaos scenario end to end: the cluster, the topic, a producer at the\n"
    "scenario's rate, its workers, its faults on a schedule; heal every fault, drain\n"
    "until every partition is processed to its end offset, stop the workers, then\n"
    "account for every record and explain every duplicate and loss. Scenarios:\n"
    "chaos/SCENARIOS.md; results: results/SCHEMA.md.\n",
    "Exit codes: 0 every expectation held, 1 one did not (or the run failed), 2 a bad\n"
    "scenario or flag, 3 the cluster could not be reached.\n",
    chaos_options, 0, 0, NULL, 0,
};

static int parse_flags(int argc, char **argv, chaos_conf_t *cc) {
        int rc = ib_cli_parse(&chaos_spec, cc, argc, argv, NULL);
        if (rc >= 0)
                return rc;
        cc->seed_given = cc->seed != IB_OPT_INT_ABSENT;
        if (cc->repeat == IB_OPT_INT_ABSENT)
                cc->repeat = 0;
        if (cc->cluster_dir && (!strcmp(cc->brokers, "local") || !strcmp(cc->brokers, "mock")))
                return ib_cli_usage_error("chaos", "--cluster-dir goes with --brokers LIST (an external cluster)");
        ib_cluster_script(&cc->cluster, IB_SOURCE_DIR);
        return -1;
}

/* What the schedule of any iteration may ask of the cluster. */
static void fault_needs(const ib_scenario_t *s, int *broker, int *zk) {
        *broker = *zk = 0;
        for (size_t i = 0; i < s->ntimeline; i++) {
                *broker |= s->timeline[i].kind == IB_FAULT_BROKER_KILL;
                *zk |= s->timeline[i].kind == IB_FAULT_ZK_STOP;
        }
        for (int i = 0; s->random.count && i < s->random.nkinds; i++) {
                *broker |= s->random.kinds[i] == IB_FAULT_BROKER_KILL;
                *zk |= s->random.kinds[i] == IB_FAULT_ZK_STOP;
        }
}

/* The command that replays iteration @p seed into @p dir. */
static void replay_cmd(const chaos_conf_t *cc, uint64_t seed, const char *dir, char *out, size_t size) {
        int n = snprintf(out, size, "ingestbench chaos --scenario %s --seed %llu --brokers %s", cc->scenario_path,
                         (unsigned long long)seed, cc->brokers);
        if (cc->zookeeper && n > 0 && (size_t)n < size)
                n += snprintf(out + n, size - (size_t)n, " --zookeeper %s", cc->zookeeper);
        if (cc->cluster_dir && n > 0 && (size_t)n < size)
                n += snprintf(out + n, size - (size_t)n, " --cluster-dir %s", cc->cluster_dir);
        if (n > 0 && (size_t)n < size)
                snprintf(out + n, size - (size_t)n, " --out %s-replay", dir);
}

/* One test case per expectation of the run's verdict. */
static void junit_add(ib_junit_case_t **cases, size_t *n, json_t *results, unsigned iteration, int repeat) {
        json_t *list = json_object_get(json_object_get(results, "verdict"), "expectations"), *e;
        size_t i;
        json_array_foreach(list, i, e) {
                ib_junit_case_t *c = realloc(*cases, (*n + 1) * sizeof(**cases));
                if (!c)
                        return;
                *cases = c;
                char name[256], msg[256];
                json_t *obs = json_object_get(e, "observed");
                snprintf(name, sizeof(name), repeat ? "iteration %u: %s" : "%.0u%s", iteration + 1,
                         json_string_value(json_object_get(e, "expect")));
                if (json_is_number(obs))
                        snprintf(msg, sizeof(msg), "observed %g", json_number_value(obs));
                else
                        snprintf(msg, sizeof(msg), "not measured");
                c[*n] = (ib_junit_case_t){strdup(name), json_is_true(json_object_get(e, "pass")), strdup(msg)};
                (*n)++;
        }
}

typedef struct {
        chaos_conf_t *cc;
        ib_scenario_t *s;
        ib_chaos_cluster_t *cluster;
        ib_sup_t *sup;
        json_t *command;
        const char *self;
        const char *zk_version;
} session_t;

/* Runs the iterations. @returns the exit code. */
static int iterate(session_t *ss) {
        chaos_conf_t *cc = ss->cc;
        uint64_t first = cc->seed_given ? (uint64_t)cc->seed : ss->s->seed;
        int64_t n = cc->repeat ? cc->repeat : cc->until_fail ? 100 : 1;
        int passed = 0, ran = 0, rc = IB_EXIT_OK;
        ib_junit_case_t *cases = NULL;
        size_t ncases = 0;
        time_t t0 = time(NULL);
        for (int64_t i = 0; i < n && !ib_stop_requested; i++) {
                uint64_t seed = ib_schedule_iteration_seed(first, (unsigned)i);
                char dir[PATH_MAX + 64], replay[PATH_MAX * 2], errstr[1024];
                if (n > 1)
                        snprintf(dir, sizeof(dir), "%s/iteration-%lld-seed-%llu", cc->out, (long long)i + 1,
                                 (unsigned long long)seed);
                else
                        snprintf(dir, sizeof(dir), "%s", cc->out);
                replay_cmd(cc, seed, dir, replay, sizeof(replay));
                ib_chaos_opts_t o = {ss->s, seed, (unsigned)i, ss->cluster, ss->sup, ss->self, dir, replay, ss->command,
                                     ss->zk_version, isatty(1) && isatty(2) && !cc->no_progress, &ib_stop_requested};
                ib_chaos_outcome_t out;
                ib_err_t err = ib_chaos_run(&o, &out, errstr, sizeof(errstr));
                if (err) {
                        char why[PATH_MAX + 1200];
                        snprintf(why, sizeof(why), "%s: %s", dir, errstr);
                        /* an unreachable cluster is 3, any other failure of the run 1 */
                        rc = ib_cli_fail("chaos", ib_err2exit(err) == IB_EXIT_UNREACHABLE ? err : IB_ERR_FAILED, why);
                        json_decref(out.results);
                        break;
                }
                ran++;
                passed += out.pass;
                if (cc->junit)
                        junit_add(&cases, &ncases, out.results, (unsigned)i, n > 1);
                json_decref(out.results);
                if (!out.pass) {
                        rc = IB_EXIT_FAIL;
                        if (cc->until_fail) {
                                printf("chaos: iteration %lld failed (seed %llu); artifacts kept in %s\nreplay: %s\n",
                                       (long long)i + 1, (unsigned long long)seed, dir, replay);
                                break;
                        }
                }
        }
        if (n > 1)
                printf("chaos: %d of %d iterations passed\n", passed, ran);
        if (cc->junit) {
                char errstr[512];
                if (ib_results_junit(cc->junit, ss->s->name, cases, ncases, difftime(time(NULL), t0), errstr,
                                     sizeof(errstr)))
                        ib_cli_fail("chaos", IB_ERR_IO, errstr); /* the verdict stands: reported, not the exit */
                for (size_t i = 0; i < ncases; i++) {
                        free((char *)cases[i].name);
                        free((char *)cases[i].message);
                }
                free(cases);
        }
        return rc;
}

static int start_cluster(session_t *ss, char *zkv, size_t zkv_size) {
        chaos_conf_t *cc = ss->cc;
        char errstr[1024];
        int broker_faults, zk_faults;
        fault_needs(ss->s, &broker_faults, &zk_faults);
        if (ib_fs_mkdirs(cc->out, errstr, sizeof(errstr)))
                return ib_cli_fail("chaos", IB_ERR_IO, errstr);
        ib_cluster_spec_t spec = {cc->brokers, cc->zookeeper, cc->cluster_dir, cc->cluster.script, ss->self, cc->out,
                                  ss->s->brokers, ss->s->zookeeper, broker_faults, zk_faults, (int)cc->cluster.kafka_port,
                                  (int)cc->cluster.zk_port, NULL, 0, 300000, &ib_stop_requested};
        ib_err_t err = ib_cluster_up(ss->cluster, ss->sup, &spec, errstr, sizeof(errstr));
        if (err) /* a cluster it cannot use is a usage error, one that does not come up is unreachable */
                return ib_cli_fail("chaos", err == IB_ERR_INVALID_ARG ? err : IB_ERR_KAFKA_UNREACHABLE, errstr);
        if (ss->cluster->zookeeper[0] && ss->s->zookeeper) {
                ib_results_zk_version(ss->cluster->zookeeper, zkv, zkv_size);
                ss->zk_version = zkv;
        }
        return -1;
}

/* --dry-run: the scenario checked, the schedule of the seed, the worker flags. */
static int dry_run(const chaos_conf_t *cc, const ib_scenario_t *s) {
        uint64_t seed = cc->seed_given ? (uint64_t)cc->seed : s->seed;
        ib_schedule_t sch;
        if (ib_schedule_build(s, seed, &sch))
                return IB_EXIT_FAIL;
        printf("scenario %s: mode %s, %d workers, %d partitions, %d broker(s)%s, %lld records at %lld/s, seed %llu\n",
               s->name, s->mode->name, s->workers, s->partitions, s->brokers, s->zookeeper ? ", ZooKeeper" : "",
               (long long)s->records, (long long)s->rate, (unsigned long long)seed);
        printf("worker flags:");
        for (int i = 0; i < s->nworker_args; i++)
                printf(" %s", s->worker_args[i]);
        printf("\nschedule:\n");
        for (size_t i = 0; i < sch.n; i++) {
                char line[256];
                ib_schedule_describe(&sch.faults[i], line, sizeof(line));
                printf("  %s\n", line);
        }
        printf("expect:");
        for (size_t i = 0; i < s->nexpect; i++)
                printf("%s %s", i ? "," : "", s->expect[i].text);
        printf("\n");
        ib_schedule_free(&sch);
        return IB_EXIT_OK;
}

int ib_cmd_chaos(int argc, char **argv) {
        chaos_conf_t cc = {0};
        int rc = parse_flags(argc, argv, &cc);
        if (rc >= 0)
                return rc;
        char errstr[1024], self[PATH_MAX], zkv[64];
        ib_scenario_t *s = NULL;
        ib_err_t err = ib_scenario_load(cc.scenario_path, ib_modes, &s, errstr, sizeof(errstr));
        if (err) /* a bad scenario is a usage error */
                return ib_cli_fail("chaos", err == IB_ERR_NOMEM ? err : IB_ERR_INVALID_ARG, errstr);
        if (cc.dry_run) {
                rc = dry_run(&cc, s);
                ib_scenario_free(s);
                return rc;
        }
        ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
        self[len > 0 ? len : 0] = 0;
        if (!cc.out) {
                snprintf(cc.out_buf, sizeof(cc.out_buf), "chaos-runs/%s-%llu-%lld", s->name,
                         (unsigned long long)(cc.seed_given ? (uint64_t)cc.seed : s->seed), (long long)time(NULL));
                cc.out = cc.out_buf;
        }
        json_t *command = json_array();
        json_array_append_new(command, json_string("ingestbench"));
        for (int i = 0; i < argc; i++)
                json_array_append_new(command, json_string(argv[i]));
        ib_chaos_cluster_t cluster = {0};
        ib_sup_t sup = {0};
        session_t ss = {&cc, s, &cluster, &sup, command, self, NULL};
        ib_stop_signals();
        rc = start_cluster(&ss, zkv, sizeof(zkv));
        if (rc < 0)
                rc = iterate(&ss);
        if (ib_stop_requested)
                rc = ib_cli_interrupted("chaos");
        ib_cluster_teardown(&cluster, &sup, cc.out);
        json_decref(command);
        ib_scenario_free(s);
        return rc;
}
