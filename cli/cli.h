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

#include "errors.h"
#include "mode.h"
#include "registry.h"

int ib_cmd_produce(int argc, char **argv);
int ib_cmd_run(int argc, char **argv);
int ib_cmd_verify(int argc, char **argv);
int ib_cmd_mock_cluster(int argc, char **argv);
int ib_cmd_wal(int argc, char **argv);
int ib_cmd_checkpoint(int argc, char **argv);
int ib_cmd_chaos(int argc, char **argv);
int ib_cmd_bench(int argc, char **argv);
int ib_cmd_compare(int argc, char **argv);
int ib_cmd_report(int argc, char **argv);


/** @brief Prints "ingestbench CMD: message (try 'ingestbench CMD --help')". @returns 2. */
int ib_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** @brief Reports a getopt_long() failure ('?' or ':') for @p cmd. @returns 2. */
int ib_cli_getopt_error(const char *cmd, int c, char **argv);

/** @brief "--NAME" of long option @p index (what getopt_long returned in
 *         its longindex), for error messages; argv[optind - 1] is the
 *         option's value, not its name, when the two are separate words. */
const char *ib_cli_flag_name(const struct option *longopts, int index);

/** @brief Prints "ingestbench CMD: errstr" and @returns the exit code for @p err. */
int ib_cli_fail(const char *cmd, ib_err_t err, const char *errstr);

/** Leading characters of every getopt_long optstring: ':' reports a missing value. */
#define IB_OPT_PREFIX ":"

#endif
