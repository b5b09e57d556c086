/*
 * cmd_mock.c: `ingestbench mock-cluster`: host librdkafka's embedded mock
 * cluster (rdkafka_mock.h) in a long-running process, so separate worker
 * processes share it. Its bootstrap address goes to stdout and to an address
 * file that commands without --brokers read. The mock cluster does not
 * implement topic creation through the admin API, so --topic creates topics
 * up front. It is the zero-set-up default for trying the tool, never the
 * broker of record for tests that judge guarantees.
 */
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <sys/poll.h> /* <poll.h> would find kafka/poll.h */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "parse.h"
#include "clock.h"
#include "signals.h"
#include "fsutil.h"
#include "kafka.h"


/* "NAME:PARTITIONS" into @p name (256 bytes) and @p parts. @returns 0 or -1. */
static int parse_topic(const char *spec, char *name, int *parts) {
        const char *colon = strrchr(spec, ':');
        int64_t n;
        char errstr[256];
        if (!colon || colon == spec || (size_t)(colon - spec) >= 256 ||
            ib_parse_i64(colon + 1, 1, 10000, 0, "--topic partitions", &n, errstr, sizeof(errstr)))
                return -1;
        memcpy(name, spec, (size_t)(colon - spec));
        name[colon - spec] = '\0';
        *parts = (int)n;
        return 0;
}

/* Publishes the bootstrap address atomically in @p path. Its folder is made
 * private (0700) and refused when another user owns it: the default one sits
 * in /tmp, where anyone could have made it first. */
static ib_err_t publish(const char *path, const char *bootstrap, char *errstr, size_t errstr_size) {
        char dir[512];
        snprintf(dir, sizeof(dir), "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                ib_err_t err = ib_kafka_mock_addr_shared(path) ? ib_fs_private_dir(dir, 1, errstr, errstr_size)
                                                               : ib_fs_mkdirs(dir, errstr, errstr_size);
                if (err)
                        return err;
        }
        char line[1024];
        int n = snprintf(line, sizeof(line), "%s\n", bootstrap);
        return ib_fs_write_atomic(path, line, (size_t)n, NULL, errstr, errstr_size);
}

/* The --control line reader. */
typedef struct {
        char buf[256];
        size_t len;
} control_t;

/* Applies one command line; a bad one is reported and ignored. */
static void control_apply(rd_kafka_mock_cluster_t *mc, const char *line, int brokers) {
        char verb[32], topic[256];
        int id;
        char end;
        if (sscanf(line, "topic-create %255s %d %c", topic, &id, &end) == 2 && id > 0) {
                rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, topic, id, brokers < 3 ? brokers : 3);
                fprintf(stderr, "ingestbench mock-cluster: topic %s (%d partitions)%s%s\n", topic, id, err ? ": " : "",
                        err ? rd_kafka_err2str(err) : " created");
                return;
        }
        if (sscanf(line, "%31s %d %c", verb, &id, &end) != 2 || id < 1 || id > brokers ||
            (strcmp(verb, "broker-down") && strcmp(verb, "broker-up"))) {
                fprintf(stderr, "ingestbench mock-cluster: control: '%s' is not 'broker-down N' or 'broker-up N' "
                                "(1 <= N <= %d)\n", line, brokers);
                return;
        }
        int down = !strcmp(verb, "broker-down");
        rd_kafka_resp_err_t err = down ? rd_kafka_mock_broker_set_down(mc, id) : rd_kafka_mock_broker_set_up(mc, id);
        fprintf(stderr, "ingestbench mock-cluster: broker %d %s%s%s\n", id, down ? "down" : "up",
                err ? ": " : "", err ? rd_kafka_err2str(err) : "");
}

/* Waits up to 100 ms for input on stdin and applies whole lines.
 * @returns -1 at end of input, 0 otherwise. */
static int control_step(rd_kafka_mock_cluster_t *mc, control_t *c, int brokers) {
        struct pollfd pfd = {0, POLLIN, 0};
        if (poll(&pfd, 1, 100) <= 0)
                return 0;
        ssize_t n = read(0, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
        if (n <= 0)
                return n == 0 ? -1 : 0;
        c->len += (size_t)n;
        char *nl;
        while ((nl = memchr(c->buf, '\n', c->len))) {
                *nl = '\0';
                control_apply(mc, c->buf, brokers);
                c->len -= (size_t)(nl + 1 - c->buf);
                memmove(c->buf, nl + 1, c->len);
        }
        if (c->len == sizeof(c->buf) - 1)
                c->len = 0; /* a line longer than any command: dropped */
        return 0;
}

/* What `mock-cluster` was asked to do. */
typedef struct {
        ib_optlist_t topic;        /* NAME:PARTITIONS, as given */
        int64_t brokers, duration;
        int control;
        const char *addr_file;
        char names[IB_OPT_LIST_MAX][256];
        int parts[IB_OPT_LIST_MAX];
        char addr_path[512];
} mock_conf_t;

static const ib_option_t mock_options[] = {
    IB_OPT_LIST(mock_conf_t, topic, "topic", "NAME:PARTITIONS", "create a topic up front"),
    IB_OPT_INT(mock_conf_t, brokers, "broker-count", "N", "3", 1, 16, "mock brokers"),
    IB_OPT_STR(mock_conf_t, addr_file, "addr-file", "PATH", NULL,
               "address file (default: the one commands without --brokers read; $INGESTBENCH_MOCK_FILE)"),
    IB_OPT_INT(mock_conf_t, duration, "duration-s", "S", "0", 0, 86400 * 365,
               "stop after S seconds (0: run until signalled)"),
    IB_OPT_FLAG(mock_conf_t, control, "control", 0,
                "read commands on stdin, one per line: 'broker-down N', 'broker-up N' (brokers 1..N), "
                "'topic-create NAME P'; stop at end of input (the chaos harness's control interface)"),
    IB_OPT_END,
};

static const ib_cli_spec_t mock_spec = {
    "mock-cluster", "[--topic NAME:PARTITIONS]... [OPTIONS]",
    "Host librdkafka's embedded mock Kafka cluster until SIGTERM/SIGINT. Prints the\n"
    "bootstrap address on stdout and writes it to the address file, which commands\n"
    "run without --brokers use.\n",
    NULL, mock_options, 0, 0, NULL, 0,
};

/* Parses the flags into @p mc, every --topic validated before anything
 * starts. @returns -1 to go on, or the exit code. */
static int parse_flags(int argc, char **argv, mock_conf_t *mc) {
        int rc = ib_cli_parse(&mock_spec, mc, argc, argv, NULL);
        if (rc >= 0)
                return rc;
        for (int i = 0; i < mc->topic.n; i++)
                if (parse_topic(mc->topic.v[i], mc->names[i], &mc->parts[i]))
                        return ib_cli_usage_error("mock-cluster", "--topic takes NAME:PARTITIONS, not '%s'",
                                                  mc->topic.v[i]);
        if (mc->addr_file)
                snprintf(mc->addr_path, sizeof(mc->addr_path), "%s", mc->addr_file);
        else
                ib_kafka_mock_addr_path(mc->addr_path, sizeof(mc->addr_path));
        return -1;
}

int ib_cmd_mock_cluster(int argc, char **argv) {
        mock_conf_t m;
        memset(&m, 0, sizeof(m));
        char errstr[512];
        int rc = parse_flags(argc, argv, &m);
        if (rc >= 0)
                return rc;
        const char *addr_path = m.addr_path;
        int64_t brokers = m.brokers, duration = m.duration;
        int ntopics = m.topic.n;
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char e[512];
        rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
        if (!rk)
                return ib_cli_fail("mock-cluster", IB_ERR_KAFKA, e);
        rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, (int)brokers);
        if (!mc) {
                rd_kafka_destroy(rk);
                return ib_cli_fail("mock-cluster", IB_ERR_KAFKA, "could not start the mock cluster");
        }
        /* A group forms at once, as on the project's local cluster (group.initial.rebalance.delay.ms=0):
         * the mock's default waits 3 s for more members. 2.0.2 lacks the call, so it is looked up,
         * not linked: one binary still runs under 2.0.2, where the 3 s wait stays. */
        void (*initial_delay)(rd_kafka_mock_cluster_t *, int32_t) = NULL;
        *(void **)&initial_delay = dlsym(RTLD_DEFAULT, "rd_kafka_mock_group_initial_rebalance_delay_ms");
        if (initial_delay)
                initial_delay(mc, 0);
        rc = IB_EXIT_OK;
        for (int i = 0; i < ntopics; i++) {
                rd_kafka_resp_err_t te = rd_kafka_mock_topic_create(
                    mc, m.names[i], m.parts[i], brokers < 3 ? (int)brokers : 3);
                if (te) {
                        snprintf(errstr, sizeof(errstr), "topic %s: %s", m.names[i], rd_kafka_err2str(te));
                        rc = ib_cli_fail("mock-cluster", IB_ERR_KAFKA, errstr);
                        goto out;
                }
        }
        const char *bootstrap = rd_kafka_mock_cluster_bootstraps(mc);
        if (publish(addr_path, bootstrap, errstr, sizeof(errstr))) {
                rc = ib_cli_fail("mock-cluster", IB_ERR_IO, errstr);
                goto out;
        }
        printf("%s\n", bootstrap);
        fflush(stdout);
        fprintf(stderr, "ingestbench mock-cluster: %d brokers at %s (address in %s); "
                        "SIGTERM or Ctrl-C stops\n", (int)brokers, bootstrap, addr_path);

        ib_stop_signals();
        int64_t end = duration ? ib_mono_us() + duration * 1000000 : 0;
        control_t ctl = {0};
        while (!ib_stop_requested && (!end || ib_mono_us() < end)) {
                if (!m.control) {
                        usleep(100000);
                        continue;
                }
                if (control_step(mc, &ctl, (int)brokers) < 0)
                        break; /* end of input: whoever controlled us is gone */
        }
        unlink(addr_path);
out:
        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        return rc;
}
