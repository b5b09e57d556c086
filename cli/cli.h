/**
 * @file cli.h
 * @brief Subcommands of the `ingestbench` command and the helpers they share
 *        for flags and errors. Data goes to stdout, diagnostics to stderr;
 *        exit codes are those of errors.h (0 ok, 1 failed, 2 usage,
 *        3 unreachable).
 */
#ifndef IB_CLI_H
#define IB_CLI_H

#include <getopt.h>
#include <stdio.h>

#include "errors.h"
#include "mode.h"
#include "config.h"
#include "options.h"
#include "registry.h"

int ib_cmd_produce(int argc, char **argv);
int ib_cmd_run(int argc, char **argv);
int ib_cmd_verify(int argc, char **argv);
int ib_cmd_mock_cluster(int argc, char **argv);
int ib_cmd_net_delay(int argc, char **argv);
int ib_cmd_wal(int argc, char **argv);
int ib_cmd_checkpoint(int argc, char **argv);
int ib_cmd_chaos(int argc, char **argv);
int ib_cmd_bench(int argc, char **argv);
int ib_cmd_bench_reference(int argc, char **argv);
int ib_cmd_compare(int argc, char **argv);
int ib_cmd_report(int argc, char **argv);
int ib_cmd_evaluate(int argc, char **argv);
int ib_cmd_gate(int argc, char **argv);

/**
 * @brief compare's work for @p cmd (compare, gate): loads the baseline and
 *        current paths, prints every check, writes JUnit to @p junit (NULL:
 *        none). @returns 0 no regression, 1 a regression, 2 an unreadable
 *        results file.
 */
int ib_cli_compare(const char *cmd, const char *const *base, size_t nb, const char *const *cur, size_t nc, double tol,
                   const char *junit);


/** @brief Prints "ingestbench CMD: message (try 'ingestbench CMD --help')". @returns 2. */
int ib_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** @brief Reports a getopt_long() failure ('?' or ':') for @p cmd. @returns 2. */
int ib_cli_getopt_error(const char *cmd, int c, char **argv);


/** @brief Prints "ingestbench CMD: errstr" and @returns the exit code for @p err. */
int ib_cli_fail(const char *cmd, ib_err_t err, const char *errstr);

/** @brief Prints that @p cmd was interrupted and stops what it started. @returns 1. */
int ib_cli_interrupted(const char *cmd);

/** A subcommand's command line: its option table, its arguments, its help. */
typedef struct ib_cli_spec_s {
        const char *name;          /**< "report" */
        const char *synopsis;      /**< after "Usage: ingestbench NAME " */
        const char *about;         /**< paragraphs between the synopsis and the options (ends with "\n") */
        const char *after;         /**< text after the options (exit codes), or NULL */
        const ib_option_t *options;
        int min_args, max_args;    /**< positional arguments after the flags */
        const char *args_missing;  /**< the usage error when fewer than min_args */
        size_t props_offset;       /**< > 0: -X KEY=VALUE into the ib_props_t at this offset of the struct */
} ib_cli_spec_t;

/**
 * @brief Reads @p argv into @p conf (defaults first) by @p spec's table:
 *        --help prints the usage from the table, a bad flag, value, missing
 *        required flag or wrong count of arguments is one usage line.
 * @returns -1 to go on (*@p first_arg: the first positional argument), or
 *          the exit code to return (0 after --help, 2 on a usage error).
 */
int ib_cli_parse(const ib_cli_spec_t *spec, void *conf, int argc, char **argv, int *first_arg);

/** @brief Prints @p spec's help: synopsis, about, one line per option, after. */
void ib_cli_usage(FILE *fp, const ib_cli_spec_t *spec);

/** Leading characters of every getopt_long optstring: ':' reports a missing value. */
#define IB_OPT_PREFIX ":"

#endif
