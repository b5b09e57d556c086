/*
 * cmd_chaos.c: `ingestbench chaos`: load and check a scenario, bring up (or
 * use) the cluster, run the scenario once or --repeat times (each iteration
 * with a seed derived from the first), and stop everything it started, also
 * when interrupted. The runs themselves are chaos/run.c's.
 */
#include <inttypes.h>
#include <math.h>
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
#include "commands.h"
#include "external.h"
#include "fsutil.h"
#include "parse.h"
#include "results.h"
#include "run.h"
#include "schedule.h"
#include "scenario.h"
#include "signals.h"


typedef struct {
        const char *scenario_path, *brokers, *zookeeper, *cluster_dir, *out, *junit, *clients, *variants;
        const char *worker_launch;   /* --worker-launch JSON */
        char **launch;               /* its words, NULL-terminated, the program resolved; or NULL */
        int64_t seed, repeat;
        int seed_given, until_fail, no_progress, dry_run;
        int sink;                  /* 0: the scenario's, 1: dir, 2: kafka */
        ib_cluster_flags_t cluster;
        char out_buf[PATH_MAX];
} chaos_conf_t;

static const char *const chaos_sink_names[] = {"scenario", "dir", "kafka", NULL};

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
    IB_OPT_STR(chaos_conf_t, clients, "clients", "LIST", NULL,
               "run the workers under each librdkafka in LIST (comma-separated: linked, system, current, a "
               "version, a folder; default: the scenario's \"clients\", else linked)"),
    IB_OPT_STR(chaos_conf_t, variants, "variants", "LIST", NULL,
               "run only these of the scenario's variants (comma-separated names; default: all)"),
    IB_OPT_CHOICE(chaos_conf_t, sink, "sink", chaos_sink_names, "scenario",
                  "where the workers write: the scenario's \"sink\", dir (range files) or kafka (an output "
                  "topic, read back as read_committed and read_uncommitted)"),
    IB_OPT_STR(chaos_conf_t, worker_launch, "worker-launch", "JSON", NULL,
               "start each worker through this command, a JSON array of words (no shell): \"{args}\" is the "
               "worker's arguments, {worker} its name, {run} the run folder, {cwd} this folder; e.g. "
               "'[\"docker\",\"run\",\"--rm\",\"--network\",\"host\",\"-v\",\"{cwd}:{cwd}\",\"-w\",\"{cwd}\","
               "\"ingestbench\",\"{args}\"]' (docker/README.md: what reaches a worker started elsewhere)"),
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

/* --worker-launch: a JSON array of words, checked, its program found. @returns -1 to go on, or 2. */
static int parse_launch(chaos_conf_t *cc) {
        json_error_t jerr;
        json_t *doc = json_loads(cc->worker_launch, 0, &jerr), *w;
        char why[512], path[PATH_MAX];
        size_t i, n = json_array_size(doc);
        if (!json_is_array(doc) || !(cc->launch = calloc(n + 1, sizeof(char *)))) {
                json_decref(doc);
                return ib_cli_usage_error("chaos", "--worker-launch takes a JSON array of words (%s)",
                                          doc ? "not an array" : jerr.text);
        }
        json_array_foreach(doc, i, w) {
                if (!json_is_string(w)) {
                        json_decref(doc);
                        return ib_cli_usage_error("chaos", "--worker-launch: word %zu is not a string", i + 1);
                }
                if (!(cc->launch[i] = strdup(json_string_value(w)))) {
                        json_decref(doc);
                        return ib_cli_fail("chaos", IB_ERR_NOMEM, "out of memory");
                }
        }
        json_decref(doc);
        if (ib_launch_template_check((const char *const *)cc->launch, why, sizeof(why)))
                return ib_cli_usage_error("chaos", "--worker-launch: %s", why);
        if (ib_external_program(cc->launch[0], ".", path, sizeof(path), why, sizeof(why)))
                return ib_cli_usage_error("chaos", "--worker-launch: %s", why);
        free(cc->launch[0]);
        if (!(cc->launch[0] = strdup(path)))
                return ib_cli_fail("chaos", IB_ERR_NOMEM, "out of memory");
        return -1;
}

static void free_launch(chaos_conf_t *cc) {
        for (int i = 0; cc->launch && cc->launch[i]; i++)
                free(cc->launch[i]);
        free(cc->launch);
        cc->launch = NULL;
}

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
        return cc->worker_launch ? parse_launch(cc) : -1;
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

/* The command that replays iteration @p seed of a cell into @p dir. */
static void replay_cmd(const chaos_conf_t *cc, uint64_t seed, const char *client, const char *variant,
                       const char *dir, char *out, size_t size) {
        int n = snprintf(out, size, "ingestbench chaos --scenario %s --seed %llu --brokers %s", cc->scenario_path,
                         (unsigned long long)seed, cc->brokers);
        if (client && n > 0 && (size_t)n < size)
                n += snprintf(out + n, size - (size_t)n, " --clients %s", client);
        if (variant && n > 0 && (size_t)n < size)
                n += snprintf(out + n, size - (size_t)n, " --variants %s", variant);
        if (cc->zookeeper && n > 0 && (size_t)n < size)
                n += snprintf(out + n, size - (size_t)n, " --zookeeper %s", cc->zookeeper);
        if (cc->cluster_dir && n > 0 && (size_t)n < size)
                n += snprintf(out + n, size - (size_t)n, " --cluster-dir %s", cc->cluster_dir);
        if (cc->sink && n > 0 && (size_t)n < size)
                n += snprintf(out + n, size - (size_t)n, " --sink %s", chaos_sink_names[cc->sink]);
        if (cc->worker_launch && n > 0 && (size_t)n < size)
                n += snprintf(out + n, size - (size_t)n, " --worker-launch '%s'", cc->worker_launch);
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
        ib_client_t *clients;        /* the cells' clients; NULL: linked, one cell */
        int nclients;
        const ib_variant_t **variants; /* the cells' variants; NULL: the scenario's options */
        int nvariants;
        ib_net_t *net;               /* hosts of their own ("hosts": true), or NULL */
        ib_net_servers_t servers;    /* the cluster script's --host values: ZooKeeper and the brokers */
} session_t;

/* One cell of the sweep (a client and a variant), over its iterations. */
typedef struct {
        int runs, passed, skipped;
        double duplicates, unexplained, lost, failures, dup_min, dup_max;
        double recovery_max;         /* -1: none; INFINITY: never */
        char why_skipped[160];
} cell_t;

static void cell_add(cell_t *c, json_t *results, int pass) {
        double d = ib_results_figure(results, "duplicates"), rec = ib_results_figure(results, "recovery_ms.max");
        c->dup_min = c->runs == 0 || d < c->dup_min ? d : c->dup_min;
        c->dup_max = c->runs == 0 || d > c->dup_max ? d : c->dup_max;
        c->runs++;
        c->passed += pass;
        c->duplicates += d;
        c->unexplained += ib_results_figure(results, "unexplained_duplicates");
        c->lost += ib_results_figure(results, "lost");
        c->failures += ib_results_figure(results, "worker_failures");
        if (rec > c->recovery_max)
                c->recovery_max = rec;
}

/* The sweep's table on stdout: one line per cell. */
static void cells_table(const session_t *ss, const cell_t *cells) {
        printf("\n%-28s %-10s %5s %7s %20s %12s %8s %9s %16s\n", "variant", "librdkafka", "runs", "passed",
               "duplicates", "unexplained", "lost", "failures", "recovery_ms.max");
        for (int ci = 0; ci < (ss->nclients ? ss->nclients : 1); ci++)
                for (int vi = 0; vi < (ss->nvariants ? ss->nvariants : 1); vi++) {
                        const cell_t *c = &cells[ci * (ss->nvariants ? ss->nvariants : 1) + vi];
                        const char *vname = ss->nvariants ? ss->variants[vi]->name : "-";
                        const char *cname = ss->nclients ? ss->clients[ci].version : "linked";
                        if (c->skipped) {
                                printf("%-28s %-10s skipped: %s\n", vname, cname, c->why_skipped);
                                continue;
                        }
                        char dup[48], rec[24];
                        if (c->runs > 1)
                                snprintf(dup, sizeof(dup), "%.0f (%.0f-%.0f)", c->duplicates, c->dup_min, c->dup_max);
                        else
                                snprintf(dup, sizeof(dup), "%.0f", c->duplicates);
                        if (isinf(c->recovery_max))
                                snprintf(rec, sizeof(rec), "never");
                        else if (c->recovery_max < 0)
                                snprintf(rec, sizeof(rec), "n/a");
                        else
                                snprintf(rec, sizeof(rec), "%.0f", c->recovery_max);
                        printf("%-28s %-10s %5d %7d %20s %12.0f %8.0f %9.0f %16s\n", vname, cname, c->runs, c->passed,
                               dup, c->unexplained, c->lost, c->failures, rec);
                }
        printf("(duplicates, unexplained, lost and worker failures summed over the runs; the range is per run)\n");
}

/* Runs the iterations of every cell. @returns the exit code. */
static int iterate(session_t *ss) {
        chaos_conf_t *cc = ss->cc;
        uint64_t first = cc->seed_given ? (uint64_t)cc->seed : ss->s->seed;
        int64_t n = cc->repeat ? cc->repeat : cc->until_fail ? 100 : 1;
        int nc = ss->nclients ? ss->nclients : 1, nv = ss->nvariants ? ss->nvariants : 1, ncells = nc * nv;
        int passed = 0, ran = 0, rc = IB_EXIT_OK, stop = 0;
        ib_junit_case_t *cases = NULL;
        size_t ncases = 0;
        time_t t0 = time(NULL);
        cell_t *cells = calloc((size_t)ncells, sizeof(*cells));
        if (!cells)
                return ib_cli_fail("chaos", IB_ERR_NOMEM, "out of memory");
        for (int ci = 0; ci < nc && !stop; ci++)
                for (int vi = 0; vi < nv && !stop; vi++) {
                        const ib_client_t *client = ss->nclients ? &ss->clients[ci] : NULL;
                        const ib_variant_t *variant = ss->nvariants ? ss->variants[vi] : NULL;
                        cell_t *cell = &cells[ci * nv + vi];
                        cell->recovery_max = -1;
                        char base[PATH_MAX];
                        if (ncells > 1)
                                snprintf(base, sizeof(base), "%s/%s%s%.64s", cc->out, variant ? variant->name : "",
                                         variant && client ? "-" : "", client ? client->version : "");
                        else
                                snprintf(base, sizeof(base), "%s", cc->out);
                        if (variant && client && variant->min_librdkafka[0] &&
                            !ib_version_at_least(client->version, variant->min_librdkafka)) {
                                cell->skipped = 1;
                                snprintf(cell->why_skipped, sizeof(cell->why_skipped),
                                         "variant %s needs librdkafka %s, client %s is %s", variant->name,
                                         variant->min_librdkafka, client->name, client->version);
                                printf("chaos: %s\n", cell->why_skipped);
                                continue;
                        }
                        for (int64_t i = 0; i < n && !ib_stop_requested; i++) {
                                uint64_t seed = ib_schedule_iteration_seed(first, (unsigned)i);
                                char dir[PATH_MAX + 64], replay[PATH_MAX * 2], errstr[1024];
                                if (n > 1)
                                        snprintf(dir, sizeof(dir), "%s/iteration-%lld-seed-%llu", base, (long long)i + 1,
                                                 (unsigned long long)seed);
                                else
                                        snprintf(dir, sizeof(dir), "%s", base);
                                replay_cmd(cc, seed, client ? client->name : NULL, variant ? variant->name : NULL, dir,
                                           replay, sizeof(replay));
                                ib_chaos_opts_t o = {ss->s, seed, (unsigned)i, ss->cluster, ss->sup, ss->self, dir,
                                                     replay, ss->command, ss->zk_version,
                                                     isatty(1) && isatty(2) && !cc->no_progress, &ib_stop_requested,
                                                     variant, client, 0, cc->sink, ss->net,
                                                     (const char *const *)cc->launch};
                                ib_chaos_outcome_t out;
                                ib_err_t err = ib_chaos_run(&o, &out, errstr, sizeof(errstr));
                                if (err) {
                                        char why[PATH_MAX + 1200];
                                        snprintf(why, sizeof(why), "%s: %s", dir, errstr);
                                        /* an unreachable cluster is 3, any other failure of the run 1 */
                                        rc = ib_cli_fail("chaos", ib_err2exit(err) == IB_EXIT_UNREACHABLE ? err : IB_ERR_FAILED,
                                                         why);
                                        json_decref(out.results);
                                        stop = 1;
                                        break;
                                }
                                ran++;
                                passed += out.pass;
                                cell_add(cell, out.results, out.pass);
                                if (cc->junit)
                                        junit_add(&cases, &ncases, out.results, (unsigned)i, n > 1);
                                json_decref(out.results);
                                if (!out.pass) {
                                        rc = IB_EXIT_FAIL;
                                        if (cc->until_fail) {
                                                printf("chaos: iteration %lld failed (seed %llu); artifacts kept in %s\nreplay: %s\n",
                                                       (long long)i + 1, (unsigned long long)seed, dir, replay);
                                                stop = 1;
                                                break;
                                        }
                                }
                        }
                        stop |= ib_stop_requested != 0;
                }
        if (n > 1 || ncells > 1)
                printf("chaos: %d of %d runs passed\n", passed, ran);
        if (ncells > 1)
                cells_table(ss, cells);
        free(cells);
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

/* The sweep's clients (--clients, else the scenario's) and variants
 * (--variants, else all), resolved before anything starts: a client that
 * is not there or loads another version is a usage error. */
static int cells(session_t *ss) {
        chaos_conf_t *cc = ss->cc;
        ib_scenario_t *s = ss->s;
        char errstr[PATH_MAX + 256];
        const char *names[IB_SCENARIO_MAX_CLIENTS];
        int nnames = 0;
        char list[1024]; /* the names point into it until they are resolved below */
        if (cc->clients && s->external)
                return ib_cli_usage_error("chaos", "--clients: an external consumer brings its own client");
        if (cc->clients) {
                if (strlen(cc->clients) >= sizeof(list))
                        return ib_cli_usage_error("chaos", "--clients: the list is too long");
                snprintf(list, sizeof(list), "%s", cc->clients);
                for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                        if (nnames == IB_SCENARIO_MAX_CLIENTS)
                                return ib_cli_usage_error("chaos", "--clients: at most 8 clients");
                        names[nnames++] = t;
                }
                if (!nnames)
                        return ib_cli_usage_error("chaos", "--clients: an empty list");
        } else {
                for (int i = 0; i < s->nclients; i++)
                        names[nnames++] = s->clients[i];
        }
        if (nnames) {
                if (!(ss->clients = calloc((size_t)nnames, sizeof(*ss->clients))))
                        return ib_cli_fail("chaos", IB_ERR_NOMEM, "out of memory");
                ib_client_places_t places = {ss->self, IB_SOURCE_DIR, IB_RDKAFKA_SYSTEM_LIBDIR};
                for (int i = 0; i < nnames; i++) {
                        ib_err_t err = ib_client_resolve(names[i], &places, &ss->clients[i], errstr, sizeof(errstr));
                        if (err)
                                return ib_cli_fail("chaos", err, errstr);
                        for (int j = 0; j < i; j++)
                                if (!strcmp(ss->clients[j].version, ss->clients[i].version))
                                        return ib_cli_usage_error("chaos", "--clients: %s and %s are both librdkafka %s",
                                                                  ss->clients[j].name, names[i], ss->clients[i].version);
                        ss->nclients++;
                }
        }
        if (cc->variants && !s->nvariants)
                return ib_cli_usage_error("chaos", "--variants: scenario %s has no variants", s->name);
        if (s->nvariants) {
                if (!(ss->variants = calloc((size_t)s->nvariants, sizeof(*ss->variants))))
                        return ib_cli_fail("chaos", IB_ERR_NOMEM, "out of memory");
                char chosen[IB_SCENARIO_MAX_VARIANTS] = {0};
                if (cc->variants) { /* every name given must be one */
                        if (strlen(cc->variants) >= sizeof(list))
                                return ib_cli_usage_error("chaos", "--variants: the list is too long");
                        snprintf(list, sizeof(list), "%s", cc->variants);
                        for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                                int i;
                                for (i = 0; i < s->nvariants && strcmp(s->variants[i].name, t); i++)
                                        ;
                                if (i == s->nvariants)
                                        return ib_cli_usage_error("chaos", "--variants: scenario %s has no variant \"%s\"",
                                                                  s->name, t);
                                chosen[i] = 1;
                        }
                }
                for (int i = 0; i < s->nvariants; i++)
                        if (!cc->variants || chosen[i])
                                ss->variants[ss->nvariants++] = &s->variants[i];
        }
        return -1;
}

/* "hosts": true: the switch, and a host each for ZooKeeper and the brokers,
 * whose addresses the cluster script is given. @returns -1 to go on, or the
 * exit code. */
static int hosts_up(session_t *ss) {
        chaos_conf_t *cc = ss->cc;
        char errstr[1024], log[PATH_MAX + 16];
        if (strcmp(cc->brokers, "local"))
                return ib_cli_usage_error("chaos", "scenario %s has \"hosts\": true, which needs --brokers local (the "
                                          "harness starts each broker and ZooKeeper in a namespace of its own)",
                                          ss->s->name);
        if (cc->zookeeper)
                return ib_cli_usage_error("chaos", "scenario %s has \"hosts\": true: leave out --zookeeper (the "
                                          "harness starts ZooKeeper on a host of its own)", ss->s->name);
        snprintf(log, sizeof(log), "%s/net.log", cc->out);
        if (ib_net_servers(ss->net, log, ss->s->brokers, ss->s->zookeeper, &ss->servers, errstr, sizeof(errstr)))
                return ib_cli_fail("chaos", IB_ERR_FAILED, errstr);
        fprintf(stderr, "ingestbench chaos: hosts of their own on %s.0/24 (the commands: %s)\n", ss->net->prefix, log);
        return -1;
}

/* Removes the hosts, and says what could not be removed. */
static void hosts_down(session_t *ss) {
        char left[1024];
        if (!ss->net)
                return;
        ib_net_finish(ss->net, left, sizeof(left));
        if (left[0])
                fprintf(stderr, "ingestbench chaos: could not remove %s (see %s/net.log)\n", left, ss->cc->out);
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
                                  (int)cc->cluster.zk_port, NULL, 0, 300000, &ib_stop_requested, NULL};
        if (ss->s->hosts) {
                int rc = hosts_up(ss);
                if (rc >= 0)
                        return rc;
                spec.hosts = ss->servers.list;
        }
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
        for (int v = 0; v < s->nvariants; v++) {
                printf("\nvariant %s%s%s:", s->variants[v].name, s->variants[v].min_librdkafka[0] ? ", librdkafka >= " : "",
                       s->variants[v].min_librdkafka);
                for (int i = 0; i < s->variants[v].nworker_args; i++)
                        printf(" %s", s->variants[v].worker_args[i]);
        }
        if (s->nclients) {
                printf("\nclients:");
                for (int i = 0; i < s->nclients; i++)
                        printf(" %s", s->clients[i]);
        }
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

static int chaos_main(chaos_conf_t *pcc, int argc, char **argv) {
        chaos_conf_t cc = *pcc;
        char errstr[1024], self[PATH_MAX], zkv[64];
        ib_scenario_t *s = NULL;
        int rc;
        ib_err_t err = ib_scenario_load(cc.scenario_path, ib_modes, &s, errstr, sizeof(errstr));
        if (err) /* a bad scenario is a usage error */
                return ib_cli_fail("chaos", err == IB_ERR_NOMEM ? err : IB_ERR_INVALID_ARG, errstr);
        if (cc.launch && (s->external || s->hosts)) {
                rc = ib_cli_usage_error("chaos", "--worker-launch: scenario %s %s", s->name,
                                        s->external ? "starts an external consumer, whose command is its own template"
                                                    : "has hosts of their own, which are for workers started here");
                ib_scenario_free(s);
                return rc;
        }
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
        ib_net_t net = {0};
        session_t ss = {.cc = &cc, .s = s, .cluster = &cluster, .sup = &sup, .command = command, .self = self,
                        .net = s->hosts ? &net : NULL};
        ib_stop_signals();
        rc = cells(&ss);
        if (rc < 0)
                rc = start_cluster(&ss, zkv, sizeof(zkv));
        if (rc < 0)
                rc = iterate(&ss);
        if (ib_stop_requested)
                rc = ib_cli_interrupted("chaos");
        ib_cluster_teardown(&cluster, &sup, cc.out);
        hosts_down(&ss);
        free(ss.clients);
        free(ss.variants);
        json_decref(command);
        ib_scenario_free(s);
        return rc;
}

int ib_cmd_chaos(int argc, char **argv) {
        chaos_conf_t *cc = calloc(1, sizeof(*cc));
        if (!cc)
                return ib_cli_fail("chaos", IB_ERR_NOMEM, "out of memory");
        int rc = parse_flags(argc, argv, cc);
        if (rc < 0)
                rc = chaos_main(cc, argc, argv);
        free_launch(cc);
        free(cc);
        return rc;
}
