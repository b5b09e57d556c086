/*
 * main.c: `ingestbench` dispatches on its first word to a subcommand; all
 * subcommands live in cmd_*.c. Every jansson value in the process is created
 * after ib_arena_install(), which must therefore come first.
 */
#include <stdio.h>
#include <string.h>

#include "json_arena.h"
#include "cli.h"
#include "kafka.h"
#include "runner.h"
#include "version.h"

static const struct {
        const char *name;
        int (*fn)(int argc, char **argv);
        const char *summary;
} commands[] = {
    {"produce", ib_cmd_produce, "write sequence-numbered JSON records to a topic"},
    {"run", ib_cmd_run, "consume a topic with an ingestion mode into a sink"},
    {"verify", ib_cmd_verify, "account for every input record: lost, duplicated, reordered"},
    {"mock-cluster", ib_cmd_mock_cluster, "host librdkafka's embedded mock Kafka cluster"},
    {"wal", ib_cmd_wal, "dump or verify a receiver's write-ahead log"},
    {"checkpoint", ib_cmd_checkpoint, "show a checkpoint-mode checkpoint as JSON"},
    {"evaluate", ib_cmd_evaluate, "the whole comparison: the bench and every mode under every fault, N seeds"},
    {"gate", ib_cmd_gate, "the CI job: evaluate with the CI profile, then compare with a baseline"},
    {"chaos", ib_cmd_chaos, "run a chaos scenario: faults on a schedule, every anomaly explained"},
    {"bench", ib_cmd_bench, "benchmark the modes against references measured in the same run"},
    {"compare", ib_cmd_compare, "the CI gate: results against a baseline (guarantees, throughput ratios)"},
    {"report", ib_cmd_report, "report.md and report.html from results files, with the verdict table"},
    {"bench-reference", ib_cmd_bench_reference, NULL}, /* started by bench; not listed */
    {"net-delay", ib_cmd_net_delay, NULL},             /* started by chaos in a host's namespace */
};

static void usage(FILE *fp) {
        fprintf(fp,
                "ingestbench %s: measure how Kafka consumers track what they have read\n"
                "\n"
                "Usage: ingestbench COMMAND [OPTIONS]   (ingestbench COMMAND --help for each)\n"
                "\n"
                "Commands:\n",
                IB_VERSION);
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (commands[i].summary)
                        fprintf(fp, "  %-14s %s\n", commands[i].name, commands[i].summary);
        fprintf(fp,
                "\n"
                "Without --brokers, commands use the embedded mock cluster started by\n"
                "'ingestbench mock-cluster' (or $INGESTBENCH_BROKERS).\n"
                "\n"
                "Exit codes: 0 ok, 1 failed (verify: expectations not met), 2 usage error,\n"
                "3 broker or ZooKeeper unreachable.\n");
}

int main(int argc, char **argv) {
        ib_arena_install();
        if (argc < 2) {
                usage(stderr);
                return IB_EXIT_USAGE;
        }
        const char *cmd = argv[1];
        if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
                usage(stdout);
                return IB_EXIT_OK;
        }
        if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
                printf("ingestbench %s (librdkafka %s)\n", IB_VERSION, ib_kafka_version());
                return IB_EXIT_OK;
        }
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (!strcmp(cmd, commands[i].name))
                        return commands[i].fn(argc - 1, argv + 1);
        fprintf(stderr, "ingestbench: unknown command '%s' (try 'ingestbench --help')\n", cmd);
        return IB_EXIT_USAGE;
}
