/*
 * cmd_bench_reference.c: `ingestbench bench-reference`, the bench's bare
 * reference consumer as a process of its own, so that its peak RSS and CPU
 * are its own (measured by the bench that starts it, as for every other
 * subject). Not listed in `ingestbench --help`: the bench runs it.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "cli.h"
#include "signals.h"

typedef struct {
        const char *brokers, *topic;
        int partitions;
        int64_t records, timeout_ms;
} ref_flags_t;

static const ib_option_t ref_options[] = {
    IB_OPT_STR(ref_flags_t, brokers, "brokers", "LIST", NULL, "bootstrap list (required)"),
    IB_OPT_STR(ref_flags_t, topic, "topic", "NAME", NULL, "the backlog (required)"),
    IB_OPT_INT(ref_flags_t, partitions, "partitions", "P", "6", 1, 1024, "its partitions"),
    IB_OPT_BYTES(ref_flags_t, records, "records", "N", "0", 0, INT64_MAX / 4, "records it was written with (messages)"),
    IB_OPT_BYTES(ref_flags_t, timeout_ms, "timeout-ms", "MS", "120000", 1, INT64_MAX / 4,
                 "give up past this, exit 1"),
    IB_OPT_END,
};

static const ib_cli_spec_t ref_spec = {
    "bench-reference", "--brokers LIST --topic NAME [OPTIONS]",
    "The bench's reference: a bare librdkafka consumer (batch API, no pipeline, no\n"
    "offset tracking) drains every partition of the topic from its first offset to\n"
    "its end offset, then prints one JSON object: records, bytes, seconds (first\n"
    "fetch to last record), cpu_s. `ingestbench bench` starts it as a process of\n"
    "its own so that its peak RSS is measured like every subject's.\n",
    "Exit codes: 0 drained, 1 failed, 2 usage error, 3 the brokers could not be reached.\n",
    ref_options, 0, 0, NULL, 0,
};

int ib_cmd_bench_reference(int argc, char **argv) {
        ref_flags_t f;
        int rc = ib_cli_parse(&ref_spec, &f, argc, argv, NULL);
        if (rc >= 0)
                return rc;
        if (!f.brokers || !f.topic)
                return ib_cli_usage_error("bench-reference", "--brokers and --topic are required");
        ib_stop_signals();
        ib_backlog_t b = {.partitions = f.partitions, .records = f.records, .end_total = f.records};
        snprintf(b.topic, sizeof(b.topic), "%s", f.topic);
        ib_drain_t d;
        char errstr[512];
        ib_err_t err = ib_bench_reference(f.brokers, &b, f.timeout_ms, &ib_stop_requested, &d, errstr, sizeof(errstr));
        if (err)
                return ib_cli_fail("bench-reference", err, errstr);
        printf("{\"records\":%llu,\"bytes\":%llu,\"seconds\":%.6f,\"cpu_s\":%.6f}\n", (unsigned long long)d.records,
               (unsigned long long)d.bytes, d.seconds, d.cpu_s);
        return fflush(stdout) == 0 ? IB_EXIT_OK : IB_EXIT_FAIL;
}
