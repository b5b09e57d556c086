/*
 * errors.c (cli): the one place that formats command-line errors, so every
 * subcommand reports a bad flag the same way, on one line, with exit code 2.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

int ib_cli_usage_error(const char *cmd, const char *fmt, ...) {
        va_list ap;
        fprintf(stderr, "ingestbench %s: ", cmd);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, " (try 'ingestbench %s --help')\n", cmd);
        return IB_EXIT_USAGE;
}

int ib_cli_getopt_error(const char *cmd, int c, char **argv) {
        const char *opt = argv[optind - 1];
        if (c == ':')
                return ib_cli_usage_error(cmd, "option %s needs a value", opt);
        if (optopt && optopt != '?')
                return ib_cli_usage_error(cmd, "unknown option '-%c'", optopt);
        return ib_cli_usage_error(cmd, "unknown option '%s'", opt);
}

int ib_cli_fail(const char *cmd, ib_err_t err, const char *errstr) {
        fprintf(stderr, "ingestbench %s: %s\n", cmd, errstr && *errstr ? errstr : ib_err2str(err));
        return ib_err2exit(err);
}

int ib_cli_interrupted(const char *cmd) {
        fprintf(stderr, "ingestbench %s: interrupted: stopping everything it started\n", cmd);
        return IB_EXIT_FAIL;
}
