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

static void usage(FILE *fp) {
        fprintf(fp,
"Usage: ingestbench compare --baseline PATH --current PATH [--tolerance PCT] [--junit FILE]\n"
"\n"
"Compare results (bench and chaos) against a baseline. A PATH is a results file or\n"
"a folder searched for results.json and bench*.json files; repeat --baseline or\n"
"--current to give several. Fails on a guarantee regression (loss in a scenario\n"
"whose baseline had none, visible duplicates in a mode whose baseline had none, a\n"
"weaker guarantee) and on a throughput ratio to the reference that dropped by more\n"
"than the tolerance plus the repetitions' spread (counted up to 50%%). CPU, latency\n"
"and throughput are shown beside them, not gated. See docs/CI.md.\n"
"\n"
"Options:\n"
"  --baseline PATH    baseline results (repeatable)\n"
"  --current PATH     results to check (repeatable)\n"
"  --tolerance PCT    allowed drop of a throughput ratio, in percent (default: 10)\n"
"  --junit FILE       JUnit XML: one test case per check\n"
"  -h, --help         this help\n"
"\n"
"Exit codes: 0 no regression, 1 a regression, 2 usage error or an unreadable results file.\n");
}

enum { O_BASE = 256, O_CUR, O_TOL, O_JUNIT };

int ib_cmd_compare(int argc, char **argv) {
        static const struct option longopts[] = {
            {"baseline", required_argument, 0, O_BASE}, {"current", required_argument, 0, O_CUR},
            {"tolerance", required_argument, 0, O_TOL}, {"junit", required_argument, 0, O_JUNIT},
            {"help", no_argument, 0, 'h'},              {0, 0, 0, 0},
        };
        const char *base[16], *cur[16], *junit = NULL;
        size_t nb = 0, nc = 0;
        double tol = 10;
        char errstr[1024];
        ib_err_t err = IB_OK;
        int c, idx = 0;
        optind = 1;
        opterr = 0;
        while (!err && (c = getopt_long(argc, argv, IB_OPT_PREFIX "h", longopts, &idx)) != -1) {
                switch (c) {
                case O_BASE:
                        if (nb == 16)
                                return ib_cli_usage_error("compare", "at most 16 --baseline");
                        base[nb++] = optarg;
                        break;
                case O_CUR:
                        if (nc == 16)
                                return ib_cli_usage_error("compare", "at most 16 --current");
                        cur[nc++] = optarg;
                        break;
                case O_TOL: err = ib_parse_double(optarg, 0, 100, "--tolerance", &tol, errstr, sizeof(errstr)); break;
                case O_JUNIT: junit = optarg; break;
                case 'h': usage(stdout); return IB_EXIT_OK;
                default: return ib_cli_getopt_error("compare", c, argv);
                }
        }
        if (err)
                return ib_cli_usage_error("compare", "%s", errstr);
        if (optind < argc)
                return ib_cli_usage_error("compare", "unexpected argument '%s'", argv[optind]);
        if (!nb || !nc)
                return ib_cli_usage_error("compare", "--baseline and --current are required");
        ib_result_set_t b = {0}, k = {0};
        if ((err = ib_result_set_load(base, nb, &b, errstr, sizeof(errstr))) ||
            (err = ib_result_set_load(cur, nc, &k, errstr, sizeof(errstr)))) {
                fprintf(stderr, "ingestbench compare: %s\n", errstr);
                ib_result_set_free(&b);
                ib_result_set_free(&k);
                return IB_EXIT_USAGE;
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
        printf("compare: %zu checks, %zu failed (%zu figures shown only); tolerance %.0f%%\n", gated, failed,
               n - gated, tol);
        int rc = failed ? IB_EXIT_FAIL : IB_EXIT_OK;
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
                if (!cases || !msgs ||
                    ib_results_junit(junit, "ingestbench compare", cases, m, difftime(time(NULL), t0), errstr,
                                     sizeof(errstr))) {
                        fprintf(stderr, "ingestbench compare: %s\n", cases && msgs ? errstr : "out of memory");
                        rc = IB_EXIT_FAIL;
                }
                free(cases);
                free(msgs);
        }
        free(checks);
        ib_result_set_free(&b);
        ib_result_set_free(&k);
        return rc;
}
