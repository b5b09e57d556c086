/*
 * cmd_report.c: `ingestbench report FILES... --out DIR`: a report from
 * results files alone (results/report.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "compare.h"
#include "report.h"

typedef struct {
        const char *out;
        int no_charts;
} report_flags_t;

static const ib_option_t report_options[] = {
    IB_OPT_STR_REQUIRED(report_flags_t, out, "out", "DIR", "where the report goes"),
    IB_OPT_FLAG(report_flags_t, no_charts, "no-charts", 0, "tables only (no gnuplot)"),
    IB_OPT_END,
};

static const ib_cli_spec_t report_spec = {
    "report", "PATH... --out DIR [--no-charts]",
    "Write DIR/report.md and DIR/report.html (self-contained) from results files\n"
    "alone: a PATH is a results file (bench or chaos) or a folder searched for\n"
    "results.json and bench*.json. The report opens with the verdict table (per mode:\n"
    "guarantee under faults, worst duplicates and loss, throughput ratio, p99 latency,\n"
    "worst recovery, write amplification, each linked to its run), then the drain\n"
    "table, latency, sweeps and chaos runs, with gnuplot charts as SVG (DIR/charts).\n",
    "Exit codes: 0 written, 1 could not write, 2 usage error or an unreadable results file.\n",
    report_options, 1, 1 << 20, "give at least one results file or folder", 0,
};

int ib_cmd_report(int argc, char **argv) {
        report_flags_t f;
        int first, rc = ib_cli_parse(&report_spec, &f, argc, argv, &first);
        if (rc >= 0)
                return rc;
        const char *out = f.out;
        int charts = !f.no_charts;
        char errstr[1024];
        ib_result_set_t set = {0};
        ib_err_t err = ib_result_set_load((const char *const *)argv + first, (size_t)(argc - first), &set, errstr,
                                          sizeof(errstr));
        if (err) {
                ib_result_set_free(&set);
                return ib_cli_fail("report", IB_ERR_INVALID_ARG, errstr); /* an unreadable results file: 2 */
        }
        const char *gnuplot = NULL;
        if (charts) {
                if (access("/usr/bin/gnuplot", X_OK) == 0)
                        gnuplot = "/usr/bin/gnuplot";
                else
                        fprintf(stderr, "ingestbench report: gnuplot is not installed (scripts/deps.sh): tables only\n");
        }
        err = ib_report_write(&set, out, gnuplot, errstr, sizeof(errstr));
        ib_result_set_free(&set);
        if (err)
                return ib_cli_fail("report", IB_ERR_IO, errstr); /* could not write: 1 */
        printf("report: %s/report.md, %s/report.html\n", out, out);
        return IB_EXIT_OK;
}
