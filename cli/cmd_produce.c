/*
 * cmd_produce.c: `ingestbench produce`: write N JSON records with unique ids
 * (run id + sequence number), a key, the event time in ms and a payload,
 * through the idempotent producer (acks=all), optionally rate-limited and
 * mixed with malformed records for dead-letter tests. Bad records are picked
 * by a seeded generator, so a run is reproducible.
 */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "kafka.h"

static volatile sig_atomic_t produce_stop;
static void on_signal(int sig) { (void)sig; produce_stop = 1; }

typedef struct {
        uint64_t acked, failed;
        rd_kafka_resp_err_t first_err;
} counts_t;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        (void)rk;
        counts_t *c = opaque;
        if (m->err) {
                if (!c->failed)
                        c->first_err = m->err;
                c->failed++;
        } else {
                c->acked++;
        }
}

static void usage(FILE *fp) {
        fprintf(fp,
"Usage: ingestbench produce --topic T --records N [OPTIONS]\n"
"\n"
"Write N JSON records {id, run, seq, key, ts, meta, payload} with the idempotent\n"
"producer (enable.idempotence=true, acks=all). Creates the topic if missing.\n"
"Prints 'acked=A failed=F bad=B run=ID topic=T' on stdout.\n"
"\n"
"Options:\n"
"  --brokers LIST         bootstrap brokers (default: the running mock cluster)\n"
"  --topic T              topic to write\n"
"  --records N            how many records (k, m suffixes: 100k)\n"
"  --partitions P         partitions when creating the topic (default: 6)\n"
"  --replication-factor R replication when creating the topic (default: 1)\n"
"  --rate R               records per second (default: unlimited)\n"
"  --size BYTES           payload bytes per record (default: 100)\n"
"  --bad-ratio F          fraction of malformed records, 0..1 (default: 0)\n"
"  --run-id ID            id prefix (default: random)\n"
"  --seed S               seed for picking bad records (default: 1)\n"
"  --timeout-ms MS        bound on reaching brokers and final flush (default: 60000)\n"
"  -X key=value           librdkafka property (repeatable)\n"
"  -h, --help             this help\n"
"\n"
"Exit codes: 0 all acked, 1 some failed, 2 usage error, 3 brokers unreachable.\n");
}

/* xorshift64*: a small, seeded generator for reproducible bad-record picks */
static uint64_t rng_next(uint64_t *s) {
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        return *s * 2685821657736338717ULL;
}

enum { O_BROKERS = 256, O_TOPIC, O_RECORDS, O_PARTS, O_RF, O_RATE, O_SIZE, O_BAD, O_RUN, O_SEED, O_TIMEOUT };

int ib_cmd_produce(int argc, char **argv) {
        static const struct option longopts[] = {
            {"brokers", required_argument, 0, O_BROKERS},
            {"topic", required_argument, 0, O_TOPIC},
            {"records", required_argument, 0, O_RECORDS},
            {"partitions", required_argument, 0, O_PARTS},
            {"replication-factor", required_argument, 0, O_RF},
            {"rate", required_argument, 0, O_RATE},
            {"size", required_argument, 0, O_SIZE},
            {"bad-ratio", required_argument, 0, O_BAD},
            {"run-id", required_argument, 0, O_RUN},
            {"seed", required_argument, 0, O_SEED},
            {"timeout-ms", required_argument, 0, O_TIMEOUT},
            {"help", no_argument, 0, 'h'},
            {0, 0, 0, 0},
        };
        const char *brokers_flag = NULL, *topic = NULL, *run_id = NULL;
        int64_t records = -1, partitions = 6, rf = 1, rate = 0, size = 100, seed = 1,
                timeout_ms = 60000;
        double bad_ratio = 0;
        ib_props_t props = {0};
        char errstr[1024], runbuf[32];
        int c, rc = IB_EXIT_OK;
        int li = -1; /* index of the long option getopt_long found */
        optind = 1;
        opterr = 0;
#define NUM(min, max, var, suffix)                                                         \
        if (ib_parse_i64(optarg, min, max, suffix, ib_cli_flag_name(longopts, li), &var, errstr, \
                         sizeof(errstr))) {                                                \
                rc = ib_cli_usage_error("produce", "%s", errstr);                          \
                goto out;                                                                  \
        }
        while ((c = getopt_long(argc, argv, IB_OPT_PREFIX "hX:", longopts, &li)) != -1) {
                switch (c) {
                case O_BROKERS: brokers_flag = optarg; break;
                case O_TOPIC: topic = optarg; break;
                case O_RECORDS: NUM(0, INT64_MAX / 2, records, 1) break;
                case O_PARTS: NUM(1, 10000, partitions, 0) break;
                case O_RF: NUM(1, 16, rf, 0) break;
                case O_RATE: NUM(0, 100000000, rate, 1) break;
                case O_SIZE: NUM(0, 10 * 1024 * 1024, size, 1) break;
                case O_SEED: NUM(INT64_MIN, INT64_MAX, seed, 0) break;
                case O_TIMEOUT: NUM(100, 3600000, timeout_ms, 0) break;
                case O_RUN: run_id = optarg; break;
                case O_BAD:
                        if (ib_parse_double(optarg, 0, 1, "--bad-ratio", &bad_ratio, errstr, sizeof(errstr))) {
                                rc = ib_cli_usage_error("produce", "%s", errstr);
                                goto out;
                        }
                        break;
                case 'X':
                        if (ib_props_add(&props, optarg, errstr, sizeof(errstr))) {
                                rc = ib_cli_usage_error("produce", "%s", errstr);
                                goto out;
                        }
                        break;
                case 'h': usage(stdout); goto out;
                default: rc = ib_cli_getopt_error("produce", c, argv); goto out;
                }
        }
#undef NUM
        if (optind < argc) {
                rc = ib_cli_usage_error("produce", "unexpected argument '%s'", argv[optind]);
                goto out;
        }
        if (!topic || records < 0) {
                rc = ib_cli_usage_error("produce", "--topic and --records are required");
                goto out;
        }
        if (run_id && (strlen(run_id) > 40 || strpbrk(run_id, "\"\\"))) {
                rc = ib_cli_usage_error("produce", "--run-id: at most 40 characters, no quotes or backslashes");
                goto out;
        }
        if (!run_id) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                uint64_t s = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_sec;
                snprintf(runbuf, sizeof(runbuf), "r%08" PRIx64, (uint64_t)(rng_next(&s) & 0xffffffffu));
                run_id = runbuf;
        }

        char brokers[1024];
        ib_err_t err = ib_kafka_brokers(brokers_flag, brokers, sizeof(brokers), errstr, sizeof(errstr));
        if (err) {
                rc = ib_cli_fail("produce", err, errstr);
                goto out;
        }
        rd_kafka_conf_t *conf = ib_kafka_conf_new(brokers, NULL, errstr, sizeof(errstr));
        counts_t counts = {0, 0, 0};
        if (!conf || ib_kafka_conf_set(conf, "enable.idempotence", "true", errstr, sizeof(errstr)) ||
            ib_kafka_conf_set(conf, "acks", "all", errstr, sizeof(errstr)) ||
            ib_kafka_conf_set(conf, "linger.ms", "5", errstr, sizeof(errstr)) ||
            ib_kafka_conf_set(conf, "compression.codec", "lz4", errstr, sizeof(errstr))) {
                if (conf)
                        rd_kafka_conf_destroy(conf);
                rc = ib_cli_fail("produce", IB_ERR_INVALID_ARG, errstr);
                goto out;
        }
        for (int i = 0; i < props.count; i++)
                if (ib_kafka_conf_set(conf, props.key[i], props.value[i], errstr, sizeof(errstr))) {
                        rd_kafka_conf_destroy(conf);
                        rc = ib_cli_usage_error("produce", "%s", errstr);
                        goto out;
                }
        rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
        rd_kafka_conf_set_opaque(conf, &counts);
        char e[512];
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
        if (!rk) {
                rd_kafka_conf_destroy(conf);
                rc = ib_cli_fail("produce", IB_ERR_INVALID_ARG, e);
                goto out;
        }
        int nparts = 0;
        err = ib_kafka_partition_count(rk, topic, (int)timeout_ms < 10000 ? (int)timeout_ms : 10000,
                                       &nparts, errstr, sizeof(errstr));
        if (err == IB_ERR_NOT_FOUND) {
                err = ib_kafka_create_topic(rk, topic, (int)partitions, (int)rf, 30000, errstr, sizeof(errstr));
                /* wait (bounded) until metadata shows the new topic */
                for (int i = 0; err == IB_OK && i < 100; i++) {
                        err = ib_kafka_partition_count(rk, topic, 5000, &nparts, errstr, sizeof(errstr));
                        if (err != IB_ERR_NOT_FOUND)
                                break;
                        err = IB_OK;
                        usleep(100000);
                }
                if (err == IB_OK && nparts == 0)
                        err = ib_seterr(errstr, sizeof(errstr), IB_ERR_TIMED_OUT,
                                        "topic %s created but not visible after 10 s", topic);
                if (err == IB_OK)
                        fprintf(stderr, "ingestbench produce: created topic %s with %d partitions\n",
                                topic, nparts);
        }
        if (err) {
                rd_kafka_destroy(rk);
                rc = ib_cli_fail("produce", err, errstr);
                goto out;
        }

        ib_on_stop_signals(on_signal);

        char *payload = malloc((size_t)size + 1);
        size_t cap = (size_t)size + 512;
        char *rec = malloc(cap);
        if (!payload || !rec) {
                free(payload);
                free(rec);
                rd_kafka_destroy(rk);
                rc = ib_cli_fail("produce", IB_ERR_NOMEM, "out of memory");
                goto out;
        }
        for (int64_t i = 0; i < size; i++)
                payload[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[i % 36];
        payload[size] = '\0';
        uint64_t rng = (uint64_t)seed ^ 0x9e3779b97f4a7c15ULL;
        if (!rng)
                rng = 1;
        uint64_t bad = 0, sent = 0;
        int64_t t0 = ib_mono_us(), last_progress = t0;
        for (int64_t seq = 0; seq < records && !produce_stop; seq++) {
                int64_t ts = ib_now_ms();
                int isbad = bad_ratio > 0 && (double)(rng_next(&rng) >> 11) / 9007199254740992.0 < bad_ratio;
                int n;
                char key[32];
                int klen = snprintf(key, sizeof(key), "key-%" PRId64, seq % 1024);
                if (!isbad) {
                        n = snprintf(rec, cap,
                                     "{\"id\":\"%s-%" PRId64 "\",\"run\":\"%s\",\"seq\":%" PRId64
                                     ",\"key\":\"%s\",\"ts\":%" PRId64
                                     ",\"meta\":{\"producer\":\"ingestbench\",\"size\":%" PRId64
                                     "},\"payload\":\"%s\"}",
                                     run_id, seq, run_id, seq, key, ts, size, payload);
                } else {
                        bad++;
                        switch (seq % 3) {
                        case 0: /* broken JSON: cut off mid-object */
                                n = snprintf(rec, cap, "{\"id\":\"%s-%" PRId64 "\",\"run\":\"%s\",\"seq\":",
                                             run_id, seq, run_id);
                                break;
                        case 1: /* wrong type: seq as a string */
                                n = snprintf(rec, cap,
                                             "{\"id\":\"%s-%" PRId64 "\",\"run\":\"%s\",\"seq\":\"%" PRId64
                                             "\",\"key\":\"%s\",\"ts\":%" PRId64 ",\"payload\":\"x\"}",
                                             run_id, seq, run_id, seq, key, ts);
                                break;
                        default: /* missing field: no event time */
                                n = snprintf(rec, cap,
                                             "{\"id\":\"%s-%" PRId64 "\",\"run\":\"%s\",\"seq\":%" PRId64
                                             ",\"key\":\"%s\",\"payload\":\"x\"}",
                                             run_id, seq, run_id, seq, key);
                                break;
                        }
                }
                for (;;) {
                        rd_kafka_resp_err_t pe = rd_kafka_producev(
                            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, (size_t)klen),
                            RD_KAFKA_V_VALUE(rec, (size_t)n), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                            RD_KAFKA_V_END);
                        if (pe == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                                rd_kafka_poll(rk, 50);
                                continue;
                        }
                        if (pe) {
                                counts.failed++;
                                if (!counts.first_err)
                                        counts.first_err = pe;
                        }
                        break;
                }
                sent++;
                rd_kafka_poll(rk, 0);
                if (rate > 0) {
                        int64_t due = t0 + (int64_t)((double)sent * 1e6 / (double)rate);
                        int64_t now = ib_mono_us();
                        if (due > now)
                                usleep((useconds_t)(due - now));
                }
                if ((sent & 0xfff) == 0 && ib_mono_us() - last_progress > 2000000) {
                        last_progress = ib_mono_us();
                        fprintf(stderr, "ingestbench produce: %" PRIu64 "/%" PRId64 " sent, %" PRIu64
                                        " acked\n", sent, records, counts.acked);
                }
        }
        int64_t flush_deadline = ib_mono_us() + timeout_ms * 1000;
        while (rd_kafka_outq_len(rk) > 0 && ib_mono_us() < flush_deadline)
                rd_kafka_flush(rk, 100);
        uint64_t unacked = sent - counts.acked - counts.failed;
        if (unacked)
                fprintf(stderr, "ingestbench produce: %" PRIu64 " records not acknowledged within %"
                                PRId64 " ms\n", unacked, timeout_ms);
        double secs = (double)(ib_mono_us() - t0) / 1e6;
        printf("acked=%" PRIu64 " failed=%" PRIu64 " bad=%" PRIu64 " run=%s topic=%s\n",
               counts.acked, counts.failed + unacked, bad, run_id, topic);
        fprintf(stderr, "ingestbench produce: %" PRIu64 " records in %.2f s (%.0f records/s)%s%s\n",
                counts.acked, secs, secs > 0 ? (double)counts.acked / secs : 0.0,
                counts.failed ? ", first error: " : "",
                counts.failed ? rd_kafka_err2str(counts.first_err) : "");
        if (counts.failed || unacked)
                rc = IB_EXIT_FAIL;
        if (produce_stop)
                rc = IB_EXIT_FAIL;
        free(payload);
        free(rec);
        rd_kafka_destroy(rk);
out:
        ib_props_destroy(&props);
        return rc;
}
