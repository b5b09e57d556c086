/*
 * cmd_net.c: `ingestbench net-delay`, the delay of a network fault
 * (net/hosts.h): started by chaos inside the delayed host's namespace, it
 * holds each packet the host sends for the delay, then lets it go. Not
 * listed: nothing but the harness starts it.
 */
#include <stdio.h>

#include "cli.h"
#include "hosts.h"
#include "signals.h"

typedef struct {
        int64_t queue, delay_ms, limit;
} net_delay_conf_t;

static const ib_option_t net_delay_options[] = {
    IB_OPT_INT(net_delay_conf_t, queue, "queue", "N", NULL, 0, 65535, "the NFQUEUE number to read (required)"),
    IB_OPT_INT(net_delay_conf_t, delay_ms, "delay-ms", "MS", NULL, 0, 600000, "how long each packet waits (required)"),
    IB_OPT_INT(net_delay_conf_t, limit, "limit", "N", "10000", 1, 1000000,
               "packets that may wait at once; more are dropped, as by a full link queue"),
    IB_OPT_END,
};

static const ib_cli_spec_t net_delay_spec = {
    "net-delay", "--queue N --delay-ms MS [--limit N]",
    "Delay the packets an iptables NFQUEUE rule sends to queue N, each by MS\n"
    "milliseconds, in order, until SIGTERM or SIGINT; then let every held packet\n"
    "go. The chaos harness starts it in a host's network namespace for a \"delay\"\n"
    "fault (this kernel may lack netem). Needs CAP_NET_ADMIN.\n",
    NULL, net_delay_options, 0, 0, NULL, 0,
};

int ib_cmd_net_delay(int argc, char **argv) {
        net_delay_conf_t c = {0};
        int rc = ib_cli_parse(&net_delay_spec, &c, argc, argv, NULL);
        if (rc >= 0)
                return rc;
        if (c.queue == IB_OPT_INT_ABSENT || c.delay_ms == IB_OPT_INT_ABSENT)
                return ib_cli_usage_error("net-delay", "--queue and --delay-ms are required");
        ib_stop_signals();
        char errstr[256];
        ib_err_t err = ib_net_delay_run((int)c.queue, c.delay_ms, (int)c.limit, &ib_stop_requested, stderr, errstr,
                                        sizeof(errstr));
        return err ? ib_cli_fail("net-delay", err, errstr) : IB_EXIT_OK;
}
