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

static void usage(FILE *fp) {
        fprintf(fp,
"Usage: ingestbench report PATH... --out DIR [--no-charts]\n"
"\n"
"Write DIR/report.md and DIR/report.html (self-contained) from results files\n"
"alone: a PATH is a results file (bench or chaos) or a folder searched for\n"
"results.json and bench*.json. The report opens with the verdict table (per mode:\n"
"guarantee under faults, worst duplicates and loss, throughput ratio, p99 latency,\n"
"worst recovery, write amplification, each linked to its run), then the drain\n"
"table, latency, sweeps and chaos runs, with gnuplot charts as SVG (DIR/charts).\n"
"\n"
"Options:\n"
"  --out DIR       where the report goes (required)\n"
"  --no-charts     tables only (no gnuplot)\n"
"  -h, --help      this help\n"
"\n"
"Exit codes: 0 written, 1 could not write, 2 usage error or an unreadable results file.\n");
}

enum { O_OUT = 256, O_NOCHARTS };

int ib_cmd_report(int argc, char **argv) {
        static const struct option longopts[] = {
            {"out", required_argument, 0, O_OUT}, {"no-charts", no_argument, 0, O_NOCHARTS},
            {"help", no_argument, 0, 'h'},        {0, 0, 0, 0},
        };
        const char *out = NULL;
        int charts = 1, c, idx = 0;
        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, IB_OPT_PREFIX "h", longopts, &idx)) != -1) {
                switch (c) {
                case O_OUT: out = optarg; break;
                case O_NOCHARTS: charts = 0; break;
                case 'h': usage(stdout); return IB_EXIT_OK;
                default: return ib_cli_getopt_error("report", c, argv);
                }
        }
        if (!out)
                return ib_cli_usage_error("report", "--out DIR is required");
        if (optind >= argc)
                return ib_cli_usage_error("report", "give at least one results file or folder");
        char errstr[1024];
        ib_result_set_t set = {0};
        ib_err_t err = ib_result_set_load((const char *const *)argv + optind, (size_t)(argc - optind), &set, errstr,
                                          sizeof(errstr));
        if (err) {
                fprintf(stderr, "ingestbench report: %s\n", errstr);
                ib_result_set_free(&set);
                return IB_EXIT_USAGE;
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
        if (err) {
                fprintf(stderr, "ingestbench report: %s\n", errstr);
                return IB_EXIT_FAIL;
        }
        printf("report: %s/report.md, %s/report.html\n", out, out);
        return IB_EXIT_OK;
}
