/* 0017-compare: the results reader (a schema round trip; a file that is not
 * JSON, another schema or another schema version refused with file and
 * field) and `compare` on hand-made baseline and current files: equal
 * passes; a ratio drop beyond tolerance fails unless the repetitions'
 * spread covers it; loss, duplicates and a weaker guarantee fail; two
 * evaluations compare cell by cell. */
#include "harness.h"

#include "compare.h"
#include "fsutil.h"
#include "results.h"

static char dir[64];

static void put(const char *name, const char *text) {
        char path[256], err[256];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        CHECK_INT(ib_fs_write_atomic(path, text, strlen(text), NULL, err, sizeof(err)), IB_OK);
}

static const char *path_of(const char *name) {
        static char path[256];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        return path;
}

static void test_round_trip_and_refusals(void) {
        char err[512];
        json_t *doc = ib_results_new("bench", "Apache Kafka 3.9.1", NULL), *back = NULL;
        json_object_set_new(doc, "config", json_pack("{s:i}", "records", 1000));
        CHECK_INT(ib_results_write(path_of("bench-a.json"), doc, err, sizeof(err)), IB_OK);
        CHECK_INT(ib_results_read(path_of("bench-a.json"), "bench", &back, err, sizeof(err)), IB_OK);
        CHECK(json_equal(doc, back));
        json_decref(back);
        /* asked for another kind */
        CHECK_INT(ib_results_read(path_of("bench-a.json"), "chaos", &back, err, sizeof(err)), IB_ERR_PARSE);
        CHECK(strstr(err, "bench-a.json: $.kind") != NULL);
        json_decref(doc);

        put("broken.json", "{\"schema\": \"ingestbench.results\", ");
        CHECK_INT(ib_results_read(path_of("broken.json"), NULL, &back, err, sizeof(err)), IB_ERR_PARSE);
        CHECK(strstr(err, "broken.json: not JSON") != NULL && strstr(err, "line 1") != NULL);
        CHECK(back == NULL);

        put("v2.json", "{\"schema\":\"ingestbench.results\",\"schema_version\":2,\"kind\":\"bench\"}");
        CHECK_INT(ib_results_read(path_of("v2.json"), NULL, &back, err, sizeof(err)), IB_ERR_PARSE);
        CHECK(strstr(err, "v2.json: $.schema_version: 2") != NULL);

        put("other.json", "{\"schema\":\"something.else\",\"schema_version\":1,\"kind\":\"bench\"}");
        CHECK_INT(ib_results_read(path_of("other.json"), NULL, &back, err, sizeof(err)), IB_ERR_PARSE);
        CHECK(strstr(err, "other.json: $.schema") != NULL);
}

/* A bench document with one mode row: ratio median (min-max). */
static void bench_file(const char *name, double med, double min, double max) {
        char text[1024];
        snprintf(text, sizeof(text),
                 "{\"schema\":\"ingestbench.results\",\"schema_version\":1,\"kind\":\"bench\",\"drain\":{\"summary\":["
                 "{\"subject\":\"reference\",\"kind\":\"reference\",\"pipeline\":null,"
                 "\"records_per_s\":{\"median\":1000000,\"min\":900000,\"max\":1100000}},"
                 "{\"subject\":\"direct\",\"kind\":\"mode\",\"pipeline\":\"none\","
                 "\"records_per_s\":{\"median\":%g,\"min\":%g,\"max\":%g},"
                 "\"ratio_to_reference\":{\"median\":%g,\"min\":%g,\"max\":%g}}]}}",
                 med * 1e6, min * 1e6, max * 1e6, med, min, max);
        put(name, text);
}

static void chaos_file(const char *name, const char *scenario, const char *mode, int dups, int lost) {
        char text[1024];
        snprintf(text, sizeof(text),
                 "{\"schema\":\"ingestbench.results\",\"schema_version\":1,\"kind\":\"chaos\",\"scenario_name\":\"%s\","
                 "\"scenario\":{\"mode\":\"%s\"},\"counts\":{\"produced\":1000,\"duplicates\":%d,\"lost\":%d},"
                 "\"recovery_ms\":{\"max\":1200}}",
                 scenario, mode, dups, lost);
        put(name, text);
}

/* Loads one baseline and one current file and counts failed and gated checks. */
static size_t run(const char *base, const char *cur, double tol, size_t *gated, const char **first_failed) {
        char err[512];
        ib_result_set_t b = {0}, c = {0};
        const char *bp = path_of(base);
        char bpath[256];
        snprintf(bpath, sizeof(bpath), "%s", bp);
        const char *bl[] = {bpath}, *cl[] = {path_of(cur)};
        CHECK_INT(ib_result_set_load(bl, 1, &b, err, sizeof(err)), IB_OK);
        CHECK_INT(ib_result_set_load(cl, 1, &c, err, sizeof(err)), IB_OK);
        ib_check_t *checks = NULL;
        size_t n = ib_compare(&b, &c, tol, &checks), failed = 0;
        static char name[200];
        *gated = 0;
        *first_failed = NULL;
        for (size_t i = 0; i < n; i++) {
                *gated += checks[i].gate;
                if (!checks[i].pass && !failed++) {
                        snprintf(name, sizeof(name), "%s", checks[i].name);
                        *first_failed = name;
                }
        }
        free(checks);
        ib_result_set_free(&b);
        ib_result_set_free(&c);
        return failed;
}

static void test_throughput_gate(void) {
        size_t gated;
        const char *f;
        bench_file("bench-base.json", 0.50, 0.49, 0.51);
        bench_file("bench-same.json", 0.50, 0.49, 0.51);
        CHECK_INT(run("bench-base.json", "bench-same.json", 10, &gated, &f), 0);
        CHECK_INT(gated, 1); /* the reference has no ratio of its own */
        /* 20% slower, tight spread: beyond 10% + 2% */
        bench_file("bench-slow.json", 0.40, 0.395, 0.405);
        CHECK_INT(run("bench-base.json", "bench-slow.json", 10, &gated, &f), 1);
        CHECK(f && strstr(f, "direct at pipeline none: throughput ratio") != NULL);
        /* the same drop within a wide tolerance passes */
        CHECK_INT(run("bench-base.json", "bench-slow.json", 25, &gated, &f), 0);
        /* the same median with a spread of +-25%: noise, not a regression */
        bench_file("bench-noisy.json", 0.40, 0.30, 0.50);
        CHECK_INT(run("bench-base.json", "bench-noisy.json", 10, &gated, &f), 0);
        /* a spread of +-90% counts as 50%: a ratio four times smaller still fails */
        bench_file("bench-wild.json", 0.125, 0.0125, 0.2375);
        CHECK_INT(run("bench-base.json", "bench-wild.json", 10, &gated, &f), 1);
        CHECK(f && strstr(f, "direct at pipeline none: throughput ratio") != NULL);
        /* ... and a drop within the tolerance plus 50% passes */
        bench_file("bench-wild2.json", 0.25, 0.025, 0.475);
        CHECK_INT(run("bench-base.json", "bench-wild2.json", 10, &gated, &f), 0);
        /* faster is never a failure */
        bench_file("bench-fast.json", 0.70, 0.69, 0.71);
        CHECK_INT(run("bench-base.json", "bench-fast.json", 0, &gated, &f), 0);
}

static void test_guarantee_gate(void) {
        size_t gated;
        const char *f;
        char sub[128];
        snprintf(sub, sizeof(sub), "%s/base", dir);
        CHECK_INT(ib_fs_mkdirs(sub, NULL, 0), IB_OK);
        snprintf(sub, sizeof(sub), "%s/cur", dir);
        CHECK_INT(ib_fs_mkdirs(sub, NULL, 0), IB_OK);
        chaos_file("base/results.json", "crash-direct", "direct", 0, 0);
        chaos_file("cur/results.json", "crash-direct", "direct", 0, 0);
        CHECK_INT(run("base", "cur", 10, &gated, &f), 0);
        CHECK_INT(gated, 3); /* loss of the scenario, duplicates and guarantee of the mode */
        /* loss where the baseline had none */
        chaos_file("cur/results.json", "crash-direct", "direct", 0, 4);
        CHECK_INT(run("base", "cur", 10, &gated, &f), 2); /* the loss, and at-most-once is weaker */
        CHECK(f && strstr(f, "scenario crash-direct: records lost") != NULL);
        /* duplicates in a mode whose baseline had none */
        chaos_file("cur/results.json", "crash-direct", "direct", 3, 0);
        CHECK_INT(run("base", "cur", 10, &gated, &f), 2); /* duplicates, and at-least-once is weaker */
        CHECK(f && strstr(f, "direct: visible duplicates") != NULL);
        /* a mode known to duplicate may go on duplicating, but not start losing */
        chaos_file("base/results.json", "rebalance", "async-commit", 10, 0);
        chaos_file("cur/results.json", "rebalance", "async-commit", 25, 0);
        CHECK_INT(run("base", "cur", 10, &gated, &f), 0);
        chaos_file("cur/results.json", "rebalance", "async-commit", 25, 1);
        CHECK_INT(run("base", "cur", 10, &gated, &f), 2);
        /* a folder with a results.json that is not one is refused, not skipped */
        char err[512];
        ib_result_set_t s = {0};
        put("cur/results.json", "not json");
        const char *paths[] = {sub};
        CHECK_INT(ib_result_set_load(paths, 1, &s, err, sizeof(err)), IB_ERR_PARSE);
        CHECK(strstr(err, "cur/results.json: not JSON") != NULL);
        ib_result_set_free(&s);
}

/* The source tree's revision, as every results file records it: git run
 * through launch/ (a 40-digit commit, "-dirty" when tracked files changed),
 * "unknown" outside a checkout. */
static void test_git_revision(void) {
        char rev[64], git[4200];
        struct stat st;
        ib_results_git_revision(IB_SOURCE_DIR, rev, sizeof(rev));
        snprintf(git, sizeof(git), "%s/.git", IB_SOURCE_DIR);
        if (stat(git, &st) != 0) {
                CHECK_STR(rev, "unknown");
                return;
        }
        CHECK(strspn(rev, "0123456789abcdef") == 40);
        CHECK(rev[40] == '\0' || !strcmp(rev + 40, "-dirty"));
        ib_results_git_revision(dir, rev, sizeof(rev)); /* not a checkout */
        CHECK_STR(rev, "unknown");
}

/* A chaos file of a sweep's cell: a variant and the workers' client. */
static void cell_file(const char *name, const char *variant, const char *client, int dups) {
        char text[1024];
        snprintf(text, sizeof(text),
                 "{\"schema\":\"ingestbench.results\",\"schema_version\":1,\"kind\":\"chaos\",\"scenario_name\":\"s\","
                 "\"scenario\":{\"mode\":\"async-commit\"},\"variant\":\"%s\",\"client\":{\"name\":\"x\",\"librdkafka\":\"%s\"},"
                 "\"counts\":{\"produced\":1000,\"duplicates\":%d,\"lost\":0},\"recovery_ms\":{\"max\":100}}",
                 variant, client, dups);
        put(name, text);
}

/* Runs of a sweep are grouped by mode, variant and (when the set holds more
 * than one) the workers' librdkafka: never one verdict for two clients. */
static void test_groups_by_variant_and_client(void) {
        cell_file("c1.json", "eager", "2.0.2", 0);
        cell_file("c2.json", "cooperative", "2.0.2", 900);
        cell_file("c3.json", "cooperative", "2.14.2", 0);
        cell_file("c4.json", "cooperative", "2.14.2", 0);
        char p[4][256], err[512];
        const char *paths[4];
        for (int i = 0; i < 4; i++) {
                char n[16];
                snprintf(n, sizeof(n), "c%d.json", i + 1);
                snprintf(p[i], sizeof(p[i]), "%s", path_of(n));
                paths[i] = p[i];
        }
        ib_result_set_t set = {0};
        CHECK_INT(ib_result_set_load(paths, 4, &set, err, sizeof(err)), IB_OK);
        ib_mode_safety_t ms[8];
        size_t n = ib_mode_safety(&set, ms, 8);
        CHECK_INT(n, 3);
        if (n == 3) {
                CHECK_STR(ms[0].label, "async-commit eager, librdkafka 2.0.2");
                CHECK_STR(ms[1].label, "async-commit cooperative, librdkafka 2.0.2");
                CHECK_INT(ms[1].duplicates, 900);
                CHECK_STR(ms[2].label, "async-commit cooperative, librdkafka 2.14.2");
                CHECK_INT(ms[2].runs, 2);
                CHECK_INT(ms[2].guarantee, IB_G_EXACTLY_ONCE);
                CHECK_STR(ms[2].mode, "async-commit");
        }
        ib_result_set_free(&set);
        /* one client in the set: the label does not name it */
        const char *one[] = {p[2], p[3]};
        CHECK_INT(ib_result_set_load(one, 2, &set, err, sizeof(err)), IB_OK);
        n = ib_mode_safety(&set, ms, 8);
        CHECK_INT(n, 1);
        CHECK_STR(ms[0].label, "async-commit cooperative");
        ib_result_set_free(&set);
}

/* An evaluation of one cell (direct under kill) whose runs had these
 * duplicates and losses (n runs; dups[i], lost[i]). */
static void evaluation_file(const char *name, int n, const int *dups, const int *lost) {
        char runs[4096] = "";
        size_t len = 0;
        for (int i = 0; i < n; i++)
                len += (size_t)snprintf(runs + len, sizeof(runs) - len,
                                        "%s{\"seed\":%d,\"ran\":true,\"figures\":{\"produced\":1000,\"lost\":%d,"
                                        "\"duplicates\":%d,\"unexpected\":0,\"redelivered\":0,\"out_of_order\":0}}",
                                        i ? "," : "", i + 1, lost[i], dups[i]);
        char text[8192];
        snprintf(text, sizeof(text),
                 "{\"schema\":\"ingestbench.results\",\"schema_version\":1,\"kind\":\"evaluation\",\"profile\":\"ci\","
                 "\"config\":{\"seeds\":%d},\"rows\":[{\"name\":\"direct\",\"mode\":\"direct\"}],"
                 "\"faults\":[{\"name\":\"kill\"},{\"name\":\"storage\"}],\"cells\":["
                 "{\"row\":\"direct\",\"fault\":\"kill\",\"name\":\"direct-kill\",\"applies\":true,\"seeds\":%d,"
                 "\"runs\":[%s]},"
                 "{\"row\":\"direct\",\"fault\":\"storage\",\"name\":\"direct-storage\",\"applies\":false,"
                 "\"why_not\":\"no log\"}]}",
                 n, n, runs);
        put(name, text);
}

/* compare on two matrices, cell by cell: clean in the baseline and an
 * anomaly now fails (in one run of five: never averaged away); a kind of
 * anomaly the baseline's runs did not show fails; the same kinds pass;
 * fewer runs are reported, not failed; the runs' chaos files are not
 * checked again scenario by scenario. */
static void test_matrix_gate(void) {
        size_t gated;
        const char *f;
        int zero[5] = {0}, one_dup[5] = {0, 0, 0, 7, 0}, one_loss[5] = {0, 3, 0, 0, 0}, both[5] = {0, 2, 0, 0, 0};
        evaluation_file("ev-clean.json", 5, zero, zero);
        evaluation_file("ev-clean2.json", 2, zero, zero);
        evaluation_file("ev-dup.json", 5, one_dup, zero);
        evaluation_file("ev-loss.json", 5, zero, one_loss);
        evaluation_file("ev-dup-again.json", 5, both, zero);
        CHECK_INT(run("ev-clean.json", "ev-clean.json", 10, &gated, &f), 0);
        CHECK_INT(gated, 1);
        CHECK_INT(run("ev-clean.json", "ev-dup.json", 10, &gated, &f), 1);
        CHECK(f && strstr(f, "direct under kill: duplicates and loss"));
        CHECK_INT(run("ev-dup.json", "ev-dup-again.json", 10, &gated, &f), 0); /* duplicates were known */
        CHECK_INT(run("ev-dup.json", "ev-loss.json", 10, &gated, &f), 1);      /* loss was not */
        CHECK_INT(run("ev-dup.json", "ev-clean.json", 10, &gated, &f), 0);     /* better is no regression */
        /* fewer runs: reported beside the check, not failed */
        char err[512];
        ib_result_set_t b = {0}, c = {0};
        const char *bl[] = {path_of("ev-clean.json")};
        CHECK_INT(ib_result_set_load(bl, 1, &b, err, sizeof(err)), IB_OK);
        const char *cl[] = {path_of("ev-clean2.json")};
        CHECK_INT(ib_result_set_load(cl, 1, &c, err, sizeof(err)), IB_OK);
        ib_check_t *checks = NULL;
        size_t n = ib_compare(&b, &c, 10, &checks);
        int shrank = 0;
        for (size_t i = 0; i < n; i++)
                if (strstr(checks[i].name, "direct under kill: evidence")) {
                        shrank = 1;
                        CHECK(!checks[i].gate && checks[i].pass);
                        CHECK_STR(checks[i].baseline, "5 runs");
                        CHECK_STR(checks[i].current, "2 runs");
                }
        CHECK(shrank);
        free(checks);
        ib_result_set_free(&b);
        ib_result_set_free(&c);
}

int main(void) {
        ib_tmpdir(dir, sizeof(dir));
        IB_RUN(test_git_revision);
        IB_RUN(test_round_trip_and_refusals);
        IB_RUN(test_throughput_gate);
        IB_RUN(test_guarantee_gate);
        IB_RUN(test_groups_by_variant_and_client);
        IB_RUN(test_matrix_gate);
        ib_tmpdir_rm(dir);
        return IB_DONE();
}
