/* 0014-scenario: the scenario parser accepts what the harness can run and
 * refuses everything else before anything starts, naming the file, the JSON
 * path of the field and the reason. Mode options are checked by the modes'
 * own option tables (the real registry). */
#include <dirent.h>

#include <signal.h>

#include "external.h"
#include "harness.h"
#include "fault.h"
#include "registry.h"
#include "scenario.h"
#include "schedule.h"

#define BASE "\"mode\":\"async-commit\",\"workers\":2,\"producer\":{\"rate\":1000,\"records\":5000},\"expect\":[\"lost == 0\"]"

static char errstr[1024];

/* Parses @p text; @returns the scenario or NULL with errstr set. */
static ib_scenario_t *parse(const char *text) {
        ib_scenario_t *s = NULL;
        errstr[0] = 0;
        if (ib_scenario_parse(text, "s.json", ib_modes, &s, errstr, sizeof(errstr)) != IB_OK)
                return NULL;
        return s;
}

/* @p text must be refused with a message holding @p path and @p reason. */
static void refused(const char *text, const char *path, const char *reason, int line) {
        ib_scenario_t *s = parse(text);
        ib_test_checks++;
        if (s || strncmp(errstr, "s.json: ", 8) || !strstr(errstr, path) || !strstr(errstr, reason)) {
                fprintf(stderr, "line %d: want refusal at %s (%s), got: %s\n", line, path, reason,
                        s ? "accepted" : errstr);
                ib_test_failures++;
        }
        ib_scenario_free(s);
}
#define REFUSED(text, path, reason) refused(text, path, reason, __LINE__)

static void accepts_a_full_scenario(void) {
        ib_scenario_t *s = parse("{\"name\":\"n\",\"mode\":\"async-commit\",\"workers\":2,\"brokers\":3,"
                                 "\"options\":{\"commit\":\"async+sync-on-revoke\",\"batch-ms\":20,"
                                 "\"X\":{\"session.timeout.ms\":6000}},"
                                 "\"topic\":{\"partitions\":6},\"producer\":{\"rate\":2000,\"duration_ms\":3000},"
                                 "\"seed\":7,\"timeline\":[{\"at_ms\":1000,\"fault\":\"add-worker\"},"
                                 "{\"at_ms\":1000,\"fault\":\"kill\",\"target\":\"w3\",\"restart_after_ms\":500},"
                                 "{\"at_ms\":2000,\"fault\":\"broker-kill\",\"target\":\"b3\",\"restart_after_ms\":100}],"
                                 "\"expect\":[\"lost == 0\",\"recovery_ms.max < 30000\",\"duplicates>=0\"]}");
        CHECK(s != NULL);
        if (!s) {
                fprintf(stderr, "%s\n", errstr);
                return;
        }
        CHECK_STR(s->mode->name, "async-commit");
        CHECK_INT(s->workers, 2);
        CHECK_INT(s->brokers, 3);
        CHECK_INT(s->replication_factor, 3);
        CHECK_INT(s->partitions, 6);
        CHECK_INT(s->records, 6000); /* rate x duration */
        CHECK_INT(s->seed, 7);
        CHECK_INT(s->ntimeline, 3);
        CHECK_INT(s->timeline[1].kind, IB_FAULT_KILL);
        CHECK_INT(s->timeline[1].target, 3);
        CHECK_INT(s->timeline[1].restart_after_ms, 500);
        CHECK_INT(s->zookeeper, 0);
        CHECK_INT(s->nexpect, 3);
        CHECK_STR(s->expect[1].figure, "recovery_ms.max");
        CHECK_INT(s->expect[1].cmp, IB_CMP_LT);
        CHECK(ib_expect_holds(&s->expect[1], 29999) && !ib_expect_holds(&s->expect[1], 30000));
        CHECK(ib_expect_holds(&s->expect[2], 0) && !ib_expect_holds(&s->expect[2], -1));
        /* the worker flags, as run takes them */
        CHECK_INT(s->nworker_args, 6);
        int seen = 0;
        for (int i = 0; i + 1 < s->nworker_args; i++) {
                seen += !strcmp(s->worker_args[i], "--commit") && !strcmp(s->worker_args[i + 1], "async+sync-on-revoke");
                seen += !strcmp(s->worker_args[i], "--batch-ms") && !strcmp(s->worker_args[i + 1], "20");
                seen += !strcmp(s->worker_args[i], "-X") && !strcmp(s->worker_args[i + 1], "session.timeout.ms=6000");
        }
        CHECK_INT(seen, 3);
        ib_scenario_free(s);
}

static void knows_which_modes_need_zookeeper(void) {
        ib_scenario_t *s = parse("{\"mode\":\"direct\",\"producer\":{\"records\":10},\"expect\":[\"lost == 0\"],"
                                 "\"timeline\":[{\"at_ms\":5,\"fault\":\"zk-expire\",\"target\":\"w1\"}]}");
        CHECK(s && s->zookeeper == 1);
        ib_scenario_free(s);
        s = parse("{\"mode\":\"receiver\",\"producer\":{\"records\":10},\"expect\":[\"lost == 0\"]}");
        CHECK(s && s->zookeeper == 0);
        ib_scenario_free(s);
        s = parse("{\"mode\":\"receiver\",\"options\":{\"offsets\":\"zk\",\"wal-dedup\":true},"
                  "\"producer\":{\"records\":10},\"expect\":[\"lost == 0\"]}");
        CHECK(s && s->zookeeper == 1 && s->nworker_args == 3);
        ib_scenario_free(s);
        /* a flag given as false is left out */
        s = parse("{\"mode\":\"receiver\",\"options\":{\"wal-dedup\":false},\"producer\":{\"records\":10},"
                  "\"expect\":[\"lost == 0\"]}");
        CHECK(s && s->nworker_args == 0);
        ib_scenario_free(s);
}

static void refuses_malformed_documents(void) {
        REFUSED("{\"mode\":", "line 1", "");
        REFUSED("[1]", "$", "a JSON object");
        REFUSED("{" BASE ",\"colour\":1}", "$", "unknown field \"colour\"");
        REFUSED("{" BASE ",\"seed\":1,\"seed\":2}", "line 1", "duplicate");
        REFUSED("{\"workers\":1,\"producer\":{\"records\":1},\"expect\":[\"lost == 0\"]}", "$", "\"mode\" is required");
        REFUSED("{\"mode\":\"spark\",\"producer\":{\"records\":1},\"expect\":[\"lost == 0\"]}", "$.mode", "unknown mode \"spark\"");
        REFUSED("{\"mode\":\"direct\",\"expect\":[\"lost == 0\"]}", "$.producer", "is required");
        REFUSED("{\"mode\":\"direct\",\"producer\":{\"duration_ms\":10},\"expect\":[\"lost == 0\"]}", "$.producer.duration_ms",
                "needs a \"rate\"");
        REFUSED("{\"mode\":\"direct\",\"producer\":{\"records\":1,\"duration_ms\":10,\"rate\":5},\"expect\":[\"lost == 0\"]}",
                "$.producer", "one of them");
        REFUSED("{\"mode\":\"direct\",\"workers\":0,\"producer\":{\"records\":1},\"expect\":[\"lost == 0\"]}",
                "$.workers", "out of range");
        REFUSED("{" BASE ",\"brokers\":2}", "$.brokers", "1 or 3");
        REFUSED("{" BASE ",\"topic\":{\"partitions\":4,\"replication_factor\":3}}", "$.topic.replication_factor",
                "need as many brokers");
        REFUSED("{" BASE ",\"topic\":{\"partitions\":\"4\"}}", "$.topic.partitions", "whole number");
        REFUSED("{\"mode\":\"checkpoint\",\"workers\":5,\"topic\":{\"partitions\":4},\"producer\":{\"records\":1},"
                "\"expect\":[\"lost == 0\"]}", "$.workers", "some would read nothing");
        REFUSED("{" BASE ",\"sink\":\"s3\"}", "$.sink", "\"dir\" or \"kafka\"");
        REFUSED("{\"mode\":\"transactional\",\"sink\":\"dir\",\"producer\":{\"records\":1},"
                "\"expect\":[\"lost == 0\"]}", "$.sink", "the sink is \"kafka\"");
}

static void refuses_options_the_mode_does_not_take(void) {
        REFUSED("{" BASE ",\"options\":{\"zookeeper\":\"x:1\"}}", "$.options[\"zookeeper\"]", "set by the harness");
        REFUSED("{" BASE ",\"options\":{\"fsync\":\"batch\"}}", "$.options[\"fsync\"]",
                "mode async-commit has no option --fsync");
        REFUSED("{" BASE ",\"options\":{\"commit\":\"later\"}}", "$.options[\"commit\"]", "later");
        REFUSED("{" BASE ",\"options\":{\"batch-ms\":-5}}", "$.options[\"batch-ms\"]", "--batch-ms");
        REFUSED("{" BASE ",\"options\":{\"quiet\":\"yes\"}}", "$.options[\"quiet\"]", "is a flag");
        REFUSED("{" BASE ",\"options\":{\"commit\":true}}", "$.options[\"commit\"]", "takes a value");
        REFUSED("{" BASE ",\"options\":{\"X\":{\"no.such.property\":\"1\"}}}", "$.options.X[\"no.such.property\"]",
                "No such configuration property");
        REFUSED("{" BASE ",\"options\":[1]}", "$.options", "must be an object");
}

static void refuses_faults_that_cannot_be_applied(void) {
        REFUSED("{" BASE ",\"timeline\":[{\"at_ms\":1,\"fault\":\"meteor\"}]}", "$.timeline[0].fault",
                "unknown fault \"meteor\"");
        REFUSED("{" BASE ",\"timeline\":[{\"fault\":\"kill\",\"target\":\"w1\"}]}", "$.timeline[0]", "\"at_ms\" is required");
        REFUSED("{" BASE ",\"timeline\":[{\"at_ms\":1,\"fault\":\"kill\"}]}", "$.timeline[0]", "needs a \"target\"");
        REFUSED("{" BASE ",\"timeline\":[{\"at_ms\":1,\"fault\":\"kill\",\"target\":\"w3\"}]}", "$.timeline[0].target",
                "no worker w3 (2 workers at 1 ms)");
        /* w3 exists once added, not before */
        REFUSED("{" BASE ",\"timeline\":[{\"at_ms\":9,\"fault\":\"add-worker\"},{\"at_ms\":5,\"fault\":\"pause\","
                "\"target\":\"w3\",\"duration_ms\":5}]}", "$.timeline[1].target", "no worker w3");
        REFUSED("{" BASE ",\"timeline\":[{\"at_ms\":1,\"fault\":\"kill\",\"target\":\"b1\"}]}", "$.timeline[0].target",
                "is not a worker");
        REFUSED("{" BASE ",\"timeline\":[{\"at_ms\":1,\"fault\":\"broker-kill\",\"target\":\"b2\"}]}",
                "$.timeline[0].target", "no broker b2 (the scenario has 1)");
        REFUSED("{" BASE ",\"timeline\":[{\"at_ms\":1,\"fault\":\"pause\",\"target\":\"w1\"}]}", "$.timeline[0]",
                "\"duration_ms\" is required");
        REFUSED("{" BASE ",\"timeline\":[{\"at_ms\":1,\"fault\":\"kill\",\"target\":\"w1\",\"duration_ms\":5}]}",
                "$.timeline[0]", "kill takes no \"duration_ms\"");
        REFUSED("{" BASE ",\"timeline\":[{\"at_ms\":1,\"fault\":\"add-worker\",\"target\":\"w1\"}]}",
                "$.timeline[0].target", "takes no target");
        REFUSED("{" BASE ",\"timeline\":[{\"at_ms\":1,\"fault\":\"zk-stop\",\"duration_ms\":5}]}", "$.timeline[0].fault",
                "does not use ZooKeeper");
        REFUSED("{" BASE ",\"timeline\":[{\"at_ms\":1,\"fault\":\"inject\",\"target\":\"w1\",\"point\":\"wal.fsync\"}]}",
                "$.timeline[0].point", "wal.fsync is a fault point of mode receiver, not async-commit");
        REFUSED("{\"mode\":\"receiver\",\"producer\":{\"records\":1},\"expect\":[\"lost == 0\"],\"timeline\":"
                "[{\"at_ms\":1,\"fault\":\"inject\",\"target\":\"w1\",\"point\":\"wal.sink\"}]}",
                "$.timeline[0].point", "unknown fault point \"wal.sink\"");
        REFUSED("{\"mode\":\"checkpoint\",\"producer\":{\"records\":1},\"expect\":[\"lost == 0\"],\"timeline\":"
                "[{\"at_ms\":1,\"fault\":\"add-worker\"}]}", "$.timeline[0].fault", "statically");
        REFUSED("{" BASE ",\"random\":{\"faults\":[\"add-worker\"],\"count\":2}}", "$.random.faults[0]",
                "cannot be drawn at random");
        REFUSED("{" BASE ",\"random\":{\"faults\":[\"kill\"],\"count\":2,\"interval_ms\":[5,1]}}", "$.random.interval_ms",
                "min <= max");
        REFUSED("{" BASE ",\"random\":{\"faults\":[\"kill\"]}}", "$.random", "\"count\" is required");
}

/* partition, delay, loss: hosts, their fields, and what they need */
static void network_faults(void) {
#define DIRECT "\"mode\":\"direct\",\"workers\":2,\"brokers\":3,\"topic\":{\"partitions\":4}," \
               "\"producer\":{\"records\":10},\"expect\":[\"lost == 0\"]"
        ib_scenario_t *s = parse("{" DIRECT ",\"hosts\":true,\"timeline\":["
                                 "{\"at_ms\":1,\"fault\":\"partition\",\"target\":\"w1\",\"from\":[\"brokers\"],"
                                 "\"duration_ms\":5},"
                                 "{\"at_ms\":2,\"fault\":\"partition\",\"target\":\"b2\",\"from\":[\"zk\",\"b1\",\"w2\"],"
                                 "\"direction\":\"out\",\"duration_ms\":5},"
                                 "{\"at_ms\":3,\"fault\":\"delay\",\"target\":\"zk\",\"delay_ms\":150,\"duration_ms\":5},"
                                 "{\"at_ms\":4,\"fault\":\"loss\",\"target\":\"b3\",\"percent\":2.5,\"duration_ms\":5},"
                                 "{\"at_ms\":5,\"fault\":\"partition\",\"target\":\"w2\",\"from\":[\"workers\"],"
                                 "\"direction\":\"in\",\"duration_ms\":5}]}");
        CHECK(s != NULL);
        if (!s) {
                fprintf(stderr, "%s\n", errstr);
                return;
        }
        CHECK_INT(s->hosts, 1);
        CHECK_INT(s->ntimeline, 5);
        const ib_fault_t *f = s->timeline;
        CHECK_INT(f[0].kind, IB_FAULT_PARTITION);
        CHECK_INT(f[0].host_kind, 'w');
        CHECK_INT(f[0].target, 1);
        CHECK_INT(f[0].from_brokers, 7); /* b1, b2, b3 */
        CHECK_INT(f[0].direction, 0);
        CHECK_INT(f[1].host_kind, 'b');
        CHECK_INT(f[1].target, 2);
        CHECK_INT(f[1].from_zk, 1);
        CHECK_INT(f[1].from_brokers, 1);
        CHECK_INT(f[1].from_workers, 2); /* w2 */
        CHECK_INT(f[1].direction, 1);
        CHECK_INT(f[2].kind, IB_FAULT_DELAY);
        CHECK_INT(f[2].host_kind, 'z');
        CHECK_INT(f[2].delay_ms, 150);
        CHECK_INT(f[3].kind, IB_FAULT_LOSS);
        CHECK(f[3].loss_percent == 2.5);
        CHECK_INT(f[4].from_all_workers, 1);
        CHECK_INT(f[4].direction, 2);
        char line[256];
        ib_schedule_describe(&f[1], line, sizeof(line));
        CHECK(strstr(line, "partition b2 from zk,b1,w2 (its packets to them lost) for 5 ms") != NULL);
        ib_schedule_describe(&f[2], line, sizeof(line));
        CHECK(strstr(line, "delay zk: +150 ms on every packet it sends") != NULL);
        ib_scenario_free(s);

        REFUSED("{" DIRECT ",\"timeline\":[{\"at_ms\":1,\"fault\":\"loss\",\"target\":\"w1\",\"percent\":5,"
                "\"duration_ms\":5}]}", "$.timeline[0].fault", "loss needs \"hosts\": true");
        REFUSED("{" DIRECT ",\"hosts\":1}", "$.hosts", "true");
        REFUSED("{" DIRECT ",\"hosts\":true,\"timeline\":[{\"at_ms\":1,\"fault\":\"partition\",\"target\":\"w1\","
                "\"duration_ms\":5}]}", "$.timeline[0]", "partition needs \"from\"");
        REFUSED("{" DIRECT ",\"hosts\":true,\"timeline\":[{\"at_ms\":1,\"fault\":\"partition\",\"target\":\"w1\","
                "\"from\":[\"b4\"],\"duration_ms\":5}]}", "$.timeline[0].from[0]", "\"b4\" is not a host");
        REFUSED("{" DIRECT ",\"hosts\":true,\"timeline\":[{\"at_ms\":1,\"fault\":\"partition\",\"target\":\"w1\","
                "\"from\":[\"w1\"],\"duration_ms\":5}]}", "$.timeline[0].from[0]", "cut from itself");
        REFUSED("{" DIRECT ",\"hosts\":true,\"timeline\":[{\"at_ms\":1,\"fault\":\"partition\",\"target\":\"w1\","
                "\"from\":[\"w3\"],\"duration_ms\":5}]}", "$.timeline[0].from", "no worker w3");
        REFUSED("{" DIRECT ",\"hosts\":true,\"timeline\":[{\"at_ms\":1,\"fault\":\"partition\",\"target\":\"w3\","
                "\"from\":[\"zk\"],\"duration_ms\":5}]}", "$.timeline[0].target", "no worker w3");
        REFUSED("{" DIRECT ",\"hosts\":true,\"timeline\":[{\"at_ms\":1,\"fault\":\"partition\",\"target\":\"w1\","
                "\"from\":[\"zk\"],\"direction\":\"sideways\",\"duration_ms\":5}]}", "$.timeline[0].direction",
                "\"both\" (default)");
        REFUSED("{" DIRECT ",\"hosts\":true,\"timeline\":[{\"at_ms\":1,\"fault\":\"partition\",\"target\":\"w1\","
                "\"from\":[\"zk\"]}]}", "$.timeline[0]", "\"duration_ms\" is required");
        REFUSED("{" DIRECT ",\"hosts\":true,\"timeline\":[{\"at_ms\":1,\"fault\":\"delay\",\"target\":\"b1\","
                "\"duration_ms\":5}]}", "$.timeline[0]", "\"delay_ms\" is required");
        REFUSED("{" DIRECT ",\"hosts\":true,\"timeline\":[{\"at_ms\":1,\"fault\":\"delay\",\"target\":\"b1\","
                "\"delay_ms\":5,\"percent\":3,\"duration_ms\":5}]}", "$.timeline[0]", "delay takes no \"percent\"");
        REFUSED("{" DIRECT ",\"hosts\":true,\"timeline\":[{\"at_ms\":1,\"fault\":\"loss\",\"target\":\"b1\","
                "\"percent\":101,\"duration_ms\":5}]}", "$.timeline[0].percent", "(0, 100]");
        REFUSED("{" DIRECT ",\"hosts\":true,\"timeline\":[{\"at_ms\":1,\"fault\":\"kill\",\"target\":\"w1\","
                "\"from\":[\"zk\"]}]}", "$.timeline[0]", "kill takes no \"from\"");
        REFUSED("{" BASE ",\"hosts\":true,\"timeline\":[{\"at_ms\":1,\"fault\":\"partition\",\"target\":\"w1\","
                "\"from\":[\"zk\"],\"duration_ms\":5}]}", "$.timeline[0].from[0]", "\"zk\" is not a host");
        REFUSED("{" BASE ",\"hosts\":true,\"random\":{\"faults\":[\"loss\"],\"count\":2}}", "$.random.faults[0]",
                "cannot be drawn at random");
#undef DIRECT
}

static void refuses_bad_expectations(void) {
        REFUSED("{\"mode\":\"direct\",\"producer\":{\"records\":1}}", "$.expect", "non-empty array");
        REFUSED("{\"mode\":\"direct\",\"producer\":{\"records\":1},\"expect\":[\"happiness > 0\"]}", "$.expect[0]",
                "unknown figure \"happiness\"");
        REFUSED("{\"mode\":\"direct\",\"producer\":{\"records\":1},\"expect\":[\"lost = 0\"]}", "$.expect[0]",
                "unknown comparison \"=\"");
        REFUSED("{\"mode\":\"direct\",\"producer\":{\"records\":1},\"expect\":[\"lost == zero\"]}", "$.expect[0]",
                "not FIGURE OP NUMBER");
        REFUSED("{\"mode\":\"direct\",\"producer\":{\"records\":1},\"expect\":[\"lost == 0 and more\"]}", "$.expect[0]",
                "not FIGURE OP NUMBER");
}

static void loads_files_and_reports_unreadable_ones(void) {
        ib_scenario_t *s = NULL;
        CHECK_INT(ib_scenario_load("/nonexistent/x.json", ib_modes, &s, errstr, sizeof(errstr)), IB_ERR_NOT_FOUND);
        CHECK(strstr(errstr, "/nonexistent/x.json") != NULL);
        char path[] = "/tmp/ib-0014-XXXXXX";
        int fd = mkstemp(path);
        CHECK(fd >= 0);
        const char *text = "{\n  \"mode\": \"direct\",\n  \"producer\": {\"records\": 1},\n  \"expect\": [\"lost == 0\"],\n"
                           "  \"timeline\": [{\"at_ms\": 1, \"fault\": \"kill\", \"target\": \"w2\"}]\n}\n";
        CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
        close(fd);
        CHECK_INT(ib_scenario_load(path, ib_modes, &s, errstr, sizeof(errstr)), IB_ERR_INVALID_ARG);
        CHECK(!strncmp(errstr, path, strlen(path)));
        CHECK(strstr(errstr, "$.timeline[0].target: no worker w2") != NULL);
        unlink(path);
}

/* #16: what a hostile or careless file could ask for */
static void refuses_unbounded_or_ambiguous_values(void) {
        char *big = malloc(1000000);
        int n = sprintf(big, "{" BASE ",\"timeline\":[");
        for (int i = 0; i < 100; i++)
                n += sprintf(big + n, "%s{\"at_ms\":%d,\"fault\":\"add-worker\"}", i ? "," : "", 1000 + i);
        sprintf(big + n, "]}");
        REFUSED(big, "$.timeline[62]", "at most 64 workers");
        n = sprintf(big, "{" BASE ",\"timeline\":[");
        for (int i = 0; i < 1001; i++)
                n += sprintf(big + n, "%s{\"at_ms\":%d,\"fault\":\"kill\",\"target\":\"w1\"}", i ? "," : "", 1000 + i);
        sprintf(big + n, "]}");
        REFUSED(big, "$.timeline", "1001 faults: at most 1000");
        n = sprintf(big, "{" BASE ",\"options\":{\"X\":{\"client.id\":\"");
        memset(big + n, 'a', 1500);
        sprintf(big + n + 1500, "\"}}}");
        REFUSED(big, "$.options.X[\"client.id\"]", "at most 1022");
        free(big);
        REFUSED("{" BASE ",\"timeline\":[{\"at_ms\":1,\"fault\":\"kill\",\"target\":\"w99999999999\"}]}",
                "$.timeline[0].target", "\"w99999999999\" is not a worker");
        REFUSED("{" BASE ",\"timeline\":[{\"at_ms\":1,\"fault\":\"kill\",\"target\":\"w9999\"}]}",
                "$.timeline[0].target", "no worker w9999");
        REFUSED("{\"mode\":\"async-commit\",\"producer\":{\"records\":5},\"expect\":[\"lost == 0x10\"]}", "$.expect[0]",
                "is not FIGURE OP NUMBER");
        REFUSED("{\"mode\":\"async-commit\",\"producer\":{\"records\":5},\"expect\":[\"lost < inf\"]}", "$.expect[0]",
                "is not FIGURE OP NUMBER");
        ib_scenario_t *s = parse("{\"mode\":\"async-commit\",\"producer\":{\"records\":5},\"expect\":[\"lost <= 1.5e1\",\"duplicates > -1\"]}");
        CHECK(s != NULL);
        if (s)
                CHECK(s->expect[0].value == 15 && s->expect[1].value == -1);
        ib_scenario_free(s);
}

/* Every shipped scenario loads without a server (#17: 9 of 19 were used by no test) */
static void loads_every_shipped_scenario(void) {
        char dir[1024];
        snprintf(dir, sizeof(dir), "%s/chaos/scenarios", IB_SOURCE_DIR);
        DIR *d = opendir(dir);
        CHECK(d != NULL);
        int n = 0;
        struct dirent *e;
        while (d && (e = readdir(d))) {
                size_t len = strlen(e->d_name);
                if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
                        continue;
                char path[1400];
                snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
                ib_scenario_t *s = NULL;
                errstr[0] = 0;
                ib_err_t err = ib_scenario_load(path, ib_modes, &s, errstr, sizeof(errstr));
                if (err)
                        fprintf(stderr, "%s\n", errstr);
                CHECK_INT(err, IB_OK);
                ib_scenario_free(s);
                n++;
        }
        if (d)
                closedir(d);
        CHECK(n >= 29);
}

/* What the harness and the bench read of a mode is in its table, and holds
 * together: its inject points are fault points the program registers, a
 * static split says how to place a worker, a mode that needs ZooKeeper
 * takes --zookeeper. */
static void every_mode_s_traits_hold_together(void) {
        char err[256];
        CHECK_INT(ib_mode_count(), 5);
        setenv("INGESTBENCH_FAULTS", "no.such.point:1", 1); /* the check below can fail */
        ib_fault_reset();
        CHECK_INT(ib_fault_check(err, sizeof(err)), IB_ERR_INVALID_ARG);
        for (int m = 0; ib_modes[m]; m++) {
                const ib_mode_t *mode = ib_modes[m];
                CHECK(ib_mode_find(mode->name) == mode);
                for (int i = 0; mode->inject_points && mode->inject_points[i]; i++) {
                        char spec[96];
                        snprintf(spec, sizeof(spec), "%s:1", mode->inject_points[i]);
                        setenv("INGESTBENCH_FAULTS", spec, 1);
                        ib_fault_reset();
                        if (ib_fault_check(err, sizeof(err)) != IB_OK)
                                fprintf(stderr, "%s: %s\n", mode->name, err);
                        CHECK_INT(ib_fault_check(err, sizeof(err)), IB_OK);
                }
                if (mode->static_split) {
                        CHECK(mode->worker_args != NULL);
                        ib_argv_t a = IB_ARGV_INIT;
                        mode->worker_args(&a, 1, 3);
                        CHECK(a.n >= 1 && !ib_argv_failed(&a));
                        ib_argv_free(&a);
                }
                if (mode->needs_zookeeper)
                        CHECK(ib_options_find(mode->options, "zookeeper", NULL) != NULL);
                if (mode->sink_transactions) /* its output and offsets commit together */
                        CHECK(mode->commits_cover_sink && !mode->static_split);
        }
        unsetenv("INGESTBENCH_FAULTS");
        ib_fault_reset();
}

/* The flags of variant @p v, joined by spaces. */
static void joined(const ib_variant_t *v, char *out, size_t size) {
        out[0] = 0;
        for (int i = 0; i < v->nworker_args; i++)
                snprintf(out + strlen(out), size - strlen(out), "%s%s", i ? " " : "", v->worker_args[i]);
}

static void sweeps_variants_and_clients(void) {
        ib_scenario_t *s = parse("{" BASE ",\"options\":{\"commit\":\"async\",\"assignor\":\"range\","
                                 "\"X\":{\"session.timeout.ms\":6000,\"max.poll.interval.ms\":7000}},"
                                 "\"variants\":[{\"name\":\"eager\"},"
                                 "{\"name\":\"consumer\",\"options\":{\"assignor\":null,\"group-protocol\":\"consumer\","
                                 "\"X\":{\"session.timeout.ms\":null}},\"min_librdkafka\":\"2.12.0\"}],"
                                 "\"clients\":[\"system\",\"current\"]}");
        CHECK(s != NULL);
        if (!s) {
                fprintf(stderr, "%s\n", errstr);
                return;
        }
        char flags[512];
        CHECK_INT(s->nvariants, 2);
        CHECK_STR(s->variants[0].name, "eager");
        joined(&s->variants[0], flags, sizeof(flags));
        CHECK_STR(flags, "--commit async --assignor range -X session.timeout.ms=6000 -X max.poll.interval.ms=7000");
        CHECK_STR(s->variants[0].min_librdkafka, "");
        /* the variant's keys on top: one removed, one added, X merged property by property */
        joined(&s->variants[1], flags, sizeof(flags));
        CHECK_STR(flags, "--commit async -X max.poll.interval.ms=7000 --group-protocol consumer");
        CHECK_STR(s->variants[1].min_librdkafka, "2.12.0");
        CHECK_INT(s->nclients, 2);
        CHECK_STR(s->clients[1], "current");
        /* the scenario's own flags are unchanged by its variants */
        CHECK_INT(s->nworker_args, 8);
        ib_scenario_free(s);

        REFUSED("{" BASE ",\"variants\":[]}", "$.variants", "a list of 1 to 16");
        REFUSED("{" BASE ",\"variants\":[{\"options\":{}}]}", "$.variants[0]", "\"name\" is required");
        REFUSED("{" BASE ",\"variants\":[{\"name\":\"Bad Name\"}]}", "$.variants[0]", "\"name\" is required");
        REFUSED("{" BASE ",\"variants\":[{\"name\":\"a\"},{\"name\":\"a\"}]}", "$.variants[1]", "a second variant named");
        REFUSED("{" BASE ",\"variants\":[{\"name\":\"a\",\"colour\":1}]}", "$.variants[0]", "unknown field \"colour\"");
        REFUSED("{" BASE ",\"variants\":[{\"name\":\"a\",\"min_librdkafka\":\"new\"}]}", "$.variants[0]",
                "is a version");
        /* a variant's options are checked like the scenario's, at their own path */
        REFUSED("{" BASE ",\"variants\":[{\"name\":\"a\"},{\"name\":\"b\",\"options\":{\"fsync\":\"batch\"}}]}",
                "$.variants[1].options[\"fsync\"]", "mode async-commit has no option --fsync");
        REFUSED("{" BASE ",\"variants\":[{\"name\":\"a\",\"options\":{\"X\":{\"no.such\":1}}}]}",
                "$.variants[0].options.X[\"no.such\"]", "No such configuration property");
        /* and by the mode's own checks: a classic assignor under the consumer protocol */
        REFUSED("{" BASE ",\"variants\":[{\"name\":\"a\",\"options\":{\"group-protocol\":\"consumer\","
                "\"assignor\":\"cooperative-sticky\"}}]}",
                "$.variants[0].options", "the classic protocol's");
        REFUSED("{" BASE ",\"clients\":[]}", "$.clients", "a list of 1 to 8");
        REFUSED("{" BASE ",\"clients\":[7]}", "$.clients[0]", "a client name");
}

#define EXT "\"mode\":\"external\",\"workers\":2,\"producer\":{\"rate\":1000,\"records\":5000},\"expect\":[\"lost == 0\"]"

/* An external consumer: a command template whose placeholders and program
 * are checked before anything starts; what it cannot have is refused. */
static void external_consumers(void) {
        ib_scenario_t *s = parse("{" EXT ",\"external\":{\"command\":[\"sh\",\"-c\",\"x {{not}} {topic}\","
                                 "\"{brokers}\",\"{group}\",\"{out}/f-{worker}\",\"{state}\"],"
                                 "\"stop\":{\"signal\":\"INT\",\"grace_ms\":5000},\"drain\":\"group\"},"
                                 "\"timeline\":[{\"at_ms\":100,\"fault\":\"kill\",\"target\":\"w1\","
                                 "\"restart_after_ms\":100},{\"at_ms\":200,\"fault\":\"add-worker\"}]}");
        CHECK(s != NULL);
        if (!s) {
                fprintf(stderr, "%s\n", errstr);
                return;
        }
        CHECK_STR(s->mode->name, "external");
        CHECK(s->external != NULL);
        CHECK_INT(s->external->ncommand, 7);
        CHECK(s->external->command[0][0] == '/' && strstr(s->external->command[0], "/sh") != NULL); /* found on PATH */
        CHECK_INT(s->external->stop_signal, SIGINT);
        CHECK_INT(s->external->grace_ms, 5000);
        CHECK_INT(s->external->drain_group, 1);
        CHECK_INT(s->kafka_sink, 0);
        ib_external_vars_t v = {"b:1", "t", "g", "/o/w1", "w1", "/s/w1"};
        char *a = ib_external_expand(s->external->command[2], &v), *b = ib_external_expand(s->external->command[5], &v);
        CHECK_STR(a ? a : "", "x {not} t"); /* "{{" is a brace */
        CHECK_STR(b ? b : "", "/o/w1/f-w1");
        free(a);
        free(b);
        ib_scenario_free(s);
        s = parse("{" EXT ",\"external\":{\"command\":[\"sh\"]}}"); /* the defaults */
        CHECK(s && s->external->stop_signal == SIGTERM && s->external->grace_ms == 30000 && !s->external->drain_group);
        CHECK(s && !strcmp(s->external->name, "sh") && !s->external->batch_files); /* named by its program */
        ib_scenario_free(s);
        s = parse("{" EXT ",\"external\":{\"command\":[\"sh\"],\"name\":\"spark\",\"batch_files\":true}}");
        CHECK(s && !strcmp(s->external->name, "spark") && s->external->batch_files);
        ib_scenario_free(s);
        REFUSED("{" EXT ",\"external\":{\"command\":[\"sh\"],\"name\":\"my spark\"}}", "$.external.name",
                "1 to 40 of a-z 0-9");
        REFUSED("{" EXT ",\"external\":{\"command\":[\"sh\"],\"batch_files\":1}}", "$.external.batch_files",
                "true or false");

        REFUSED("{" EXT "}", "$", "mode external needs \"external\"");
        REFUSED("{" EXT ",\"external\":{\"command\":[\"sh\",\"{topik}\"]}}", "$.external.command[1]",
                "unknown placeholder {topik} (known: {brokers}, {topic}");
        REFUSED("{" EXT ",\"external\":{\"command\":[\"sh\",\"{topic\"]}}", "$.external.command[1]", "with no \"}\"");
        REFUSED("{" EXT ",\"external\":{\"command\":[\"sh\",\"a}b\"]}}", "$.external.command[1]", "a lone \"}\"");
        REFUSED("{" EXT ",\"external\":{\"command\":[\"no-such-program-ib\"]}}", "$.external.command[0]",
                "program no-such-program-ib is not on PATH");
        REFUSED("{" EXT ",\"external\":{\"command\":[\"./no/such/consumer\"]}}", "$.external.command[0]",
                "is not an executable file");
        REFUSED("{" EXT ",\"external\":{\"command\":[\"{out}/run\"]}}", "$.external.command[0]", "named outright");
        REFUSED("{" EXT ",\"external\":{\"command\":[]}}", "$.external.command", "an array of 1 to 256 strings");
        REFUSED("{" EXT ",\"external\":{\"command\":[\"sh\",7]}}", "$.external.command[1]", "must be a string");
        REFUSED("{" EXT ",\"external\":{\"command\":[\"sh\"],\"stop\":{\"signal\":\"HUP\"}}}",
                "$.external.stop.signal", "\"TERM\" or \"INT\"");
        REFUSED("{" EXT ",\"external\":{\"command\":[\"sh\"],\"drain\":\"idle\"}}", "$.external.drain",
                "\"output\" or \"group\"");
        REFUSED("{" EXT ",\"external\":{\"command\":[\"sh\"],\"shell\":true}}", "$.external", "unknown field \"shell\"");
        REFUSED("{" EXT ",\"external\":{\"command\":[\"sh\"]},\"options\":{\"batch-ms\":5}}", "$.options",
                "mode external takes no options");
        s = parse("{" EXT ",\"external\":{\"command\":[\"sh\"]},\"sink\":\"kafka\"}"); /* {out}: the output topic */
        CHECK(s && s->kafka_sink);
        ib_scenario_free(s);
        REFUSED("{" EXT ",\"external\":{\"command\":[\"sh\"],\"batch_files\":true},\"sink\":\"kafka\"}",
                "$.external.batch_files", "a \"dir\" sink's");
        REFUSED("{" EXT ",\"external\":{\"command\":[\"sh\"]},\"clients\":[\"system\"]}", "$.clients",
                "brings its own client");
        REFUSED("{" EXT ",\"external\":{\"command\":[\"sh\"]},\"timeline\":[{\"at_ms\":1,\"fault\":\"slow-batch\","
                "\"target\":\"w1\",\"duration_ms\":5}]}", "$.timeline[0]", "an external consumer has none of");
        REFUSED("{\"mode\":\"external\",\"workers\":1,\"expect\":[\"lost == 0\"],\"producer\":{\"rate\":10,\"records\":10,\"bad_ratio\":0.1},"
                "\"external\":{\"command\":[\"sh\"]}}", "$.producer.bad_ratio", "dead letters are not read");
        REFUSED("{" BASE ",\"external\":{\"command\":[\"sh\"]}}", "$.external", "only for \"mode\": \"external\"");
}

int main(void) {
        IB_RUN(every_mode_s_traits_hold_together);
        IB_RUN(loads_every_shipped_scenario);
        IB_RUN(refuses_unbounded_or_ambiguous_values);
        IB_RUN(accepts_a_full_scenario);
        IB_RUN(knows_which_modes_need_zookeeper);
        IB_RUN(refuses_malformed_documents);
        IB_RUN(refuses_options_the_mode_does_not_take);
        IB_RUN(refuses_faults_that_cannot_be_applied);
        IB_RUN(refuses_bad_expectations);
        IB_RUN(loads_files_and_reports_unreadable_ones);
        IB_RUN(sweeps_variants_and_clients);
        IB_RUN(external_consumers);
        IB_RUN(network_faults);
        return IB_DONE();
}
