/*
 * cmd_compare.c: `ingestbench compare`: the CI regression gate. Loads a
 * baseline and a current set of results files, runs every check
 * (results/compare.h), prints the table, writes JUnit when asked, and
 * exits 1 on any failed check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "compare.h"
#include "parse.h"
#include "results.h"

typedef struct {
        ib_optlist_t baseline, current;
        double tolerance;
        const char *junit;
} compare_flags_t;

static const ib_option_t compare_options[] = {
    IB_OPT_LIST(compare_flags_t, baseline, "baseline", "PATH", "baseline results"),
    IB_OPT_LIST(compare_flags_t, current, "current", "PATH", "results to check"),
    IB_OPT_DOUBLE(compare_flags_t, tolerance, "tolerance", "PCT", "10", 0, 100,
                  "allowed drop of a throughput ratio, in percent"),
    IB_OPT_STR(compare_flags_t, junit, "junit", "FILE", NULL, "JUnit XML: one test case per check"),
    IB_OPT_END,
};

static const ib_cli_spec_t compare_spec = {
    "compare", "--baseline PATH --current PATH [--tolerance PCT] [--junit FILE]",
    "Compare results (bench and chaos) against a baseline. A PATH is a results file or\n"
    "a folder searched for results.json and bench*.json files; repeat --baseline or\n"
    "--current to give several. Fails on a guarantee regression (loss in a scenario\n"
    "whose baseline had none, visible duplicates in a mode whose baseline had none, a\n"
    "weaker guarantee) and on a throughput ratio to the reference that dropped by more\n"
    "than the tolerance plus the repetitions' spread (counted up to 50%). CPU, latency\n"
    "and throughput are shown beside them, not gated. See docs/CI.md.\n",
    "Exit codes: 0 no regression, 1 a regression, 2 usage error or an unreadable results file.\n",
    compare_options, 0, 0, NULL, 0,
};

int ib_cmd_compare(int argc, char **argv) {
        compare_flags_t f;
        int rc = ib_cli_parse(&compare_spec, &f, argc, argv, NULL);
        if (rc >= 0)
                return rc;
        if (!f.baseline.n || !f.current.n)
                return ib_cli_usage_error("compare", "--baseline and --current are required");
        return ib_cli_compare("compare", f.baseline.v, (size_t)f.baseline.n, f.current.v, (size_t)f.current.n,
                              f.tolerance, f.junit);
}

int ib_cli_compare(const char *cmd, const char *const *base, size_t nb, const char *const *cur, size_t nc, double tol,
                   const char *junit) {
        int rc;
        char errstr[1024];
        ib_err_t err;
        ib_result_set_t b = {0}, k = {0};
        if ((err = ib_result_set_load(base, nb, &b, errstr, sizeof(errstr))) ||
            (err = ib_result_set_load(cur, nc, &k, errstr, sizeof(errstr)))) {
                ib_result_set_free(&b);
                ib_result_set_free(&k);
                return ib_cli_fail(cmd, IB_ERR_INVALID_ARG, errstr); /* an unreadable results file: 2 */
        }
        time_t t0 = time(NULL);
        ib_check_t *checks = NULL;
        size_t n = ib_compare(&b, &k, tol, &checks), failed = 0, gated = 0;
        printf("%-6s %-64s %-24s %-24s %s\n", "", "figure", "baseline", "current", "fails when");
        for (size_t i = 0; i < n; i++) {
                const ib_check_t *x = &checks[i];
                failed += !x->pass;
                gated += x->gate;
                printf("%-6s %-64s %-24s %-24s %s\n", !x->gate ? "" : x->pass ? "PASS" : "FAIL", x->name, x->baseline,
                       x->current, x->limit);
        }
        printf("%s: %zu checks, %zu failed (%zu figures shown only); tolerance %.0f%%\n", cmd, gated, failed,
               n - gated, tol);
        rc = failed ? IB_EXIT_FAIL : IB_EXIT_OK;
        if (junit) {
                ib_junit_case_t *cases = calloc(n + 1, sizeof(*cases));
                char (*msgs)[320] = calloc(n + 1, sizeof(*msgs));
                size_t m = 0;
                for (size_t i = 0; cases && msgs && i < n; i++) {
                        if (!checks[i].gate)
                                continue;
                        snprintf(msgs[m], sizeof(msgs[m]), "baseline %s, current %s: %s", checks[i].baseline,
                                 checks[i].current, checks[i].limit);
                        cases[m] = (ib_junit_case_t){checks[i].name, checks[i].pass, msgs[m]};
                        m++;
                }
                if (!cases || !msgs)
                        rc = ib_cli_fail(cmd, IB_ERR_NOMEM, "out of memory");
                else if ((err = ib_results_junit(junit, strcmp(cmd, "gate") ? "ingestbench compare" : "ingestbench gate", cases, m, difftime(time(NULL), t0),
                                                 errstr, sizeof(errstr))))
                        rc = ib_cli_fail(cmd, err == IB_ERR_INVALID_ARG ? IB_ERR_IO : err, errstr);
                free(cases);
                free(msgs);
        }
        free(checks);
        ib_result_set_free(&b);
        ib_result_set_free(&k);
        return rc;
}
