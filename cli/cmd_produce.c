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
#include "options.h"
#include "config.h"
#include "parse.h"
#include "clock.h"
#include "signals.h"
#include "kafka.h"
#include "fsutil.h"
#include "hist.h"
#include "json_arena.h"
#include "stats.h"


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

/* xorshift64*: a small, seeded generator for reproducible bad-record picks */
static uint64_t rng_next(uint64_t *s) {
        *s ^= *s >> 12;
        *s ^= *s << 25;
        *s ^= *s >> 27;
        return *s * 2685821657736338717ULL;
}

/* What `produce` was asked to do. */
typedef struct {
        const char *brokers_flag, *topic, *run_id, *stats_path;
        int64_t records, partitions, rf, rate, size, seed, timeout_ms;
        double bad_ratio;
        ib_props_t props;
        char runbuf[32];
} produce_conf_t;

static const ib_option_t produce_options[] = {
    IB_OPT_STR(produce_conf_t, brokers_flag, "brokers", "LIST", NULL,
               "bootstrap brokers (default: the running mock cluster)"),
    IB_OPT_STR_CHECKED(produce_conf_t, topic, "topic", "T", NULL, ib_opt_check_topic, "topic to write (required)"),
    IB_OPT_BYTES_REQUIRED(produce_conf_t, records, "records", "N", 0, INT64_MAX / 2,
                          "how many records (k, m suffixes: 100k)"),
    IB_OPT_INT(produce_conf_t, partitions, "partitions", "P", "6", 1, 10000, "partitions when creating the topic"),
    IB_OPT_INT(produce_conf_t, rf, "replication-factor", "R", "1", 1, 16, "replication when creating the topic"),
    IB_OPT_BYTES(produce_conf_t, rate, "rate", "R", "0", 0, 100000000, "records per second (0: unlimited)"),
    IB_OPT_BYTES(produce_conf_t, size, "size", "BYTES", "100", 0, 10 * 1024 * 1024, "payload bytes per record"),
    IB_OPT_DOUBLE(produce_conf_t, bad_ratio, "bad-ratio", "F", "0", 0, 1, "fraction of malformed records, 0..1"),
    IB_OPT_STR(produce_conf_t, run_id, "run-id", "ID", NULL, "id prefix (default: random)"),
    IB_OPT_INT(produce_conf_t, seed, "seed", "S", "1", INT64_MIN + 1, INT64_MAX, "seed for picking bad records"),
    IB_OPT_INT(produce_conf_t, timeout_ms, "timeout-ms", "MS", "60000", 100, 3600000,
               "bound on reaching brokers and final flush"),
    IB_OPT_STR(produce_conf_t, stats_path, "stats", "FILE", NULL,
               "write a JSON summary: counts, rate, and the send delay (actual minus intended send time, ms "
               "percentiles) when --rate is given"),
    IB_OPT_END,
};

static const ib_cli_spec_t produce_spec = {
    "produce", "--topic T --records N [OPTIONS]",
    "Write N JSON records {id, run, seq, key, ts, meta, payload} with the idempotent\n"
    "producer (enable.idempotence=true, acks=all). Creates the topic if missing.\n"
    "Prints 'acked=A failed=F bad=B run=ID topic=T' on stdout.\n",
    "With --rate, a record's event time (ts) is its intended send time, so a producer\n"
    "that falls behind shows as latency, not as a lower rate (no coordinated omission).\n"
    "\n"
    "Exit codes: 0 all acked, 1 some failed, 2 usage error, 3 brokers unreachable.\n",
    produce_options, 0, 0, NULL, offsetof(produce_conf_t, props),
};

/* Parses the flags into @p pc. @returns -1 to go on, or the exit code. */
static int parse_flags(int argc, char **argv, produce_conf_t *pc) {
        int rc = ib_cli_parse(&produce_spec, pc, argc, argv, NULL);
        if (rc >= 0)
                return rc;
        if (!pc->topic)
                return ib_cli_usage_error("produce", "--topic and --records are required");
        if (pc->run_id && (strlen(pc->run_id) > 40 || strpbrk(pc->run_id, "\"\\")))
                return ib_cli_usage_error("produce", "--run-id: at most 40 characters, no quotes or backslashes");
        if (!pc->run_id) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                uint64_t s = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_sec;
                snprintf(pc->runbuf, sizeof(pc->runbuf), "r%08" PRIx64, (uint64_t)(rng_next(&s) & 0xffffffffu));
                pc->run_id = pc->runbuf;
        }
        return -1;
}

/* The idempotent producer, and the topic (created when missing, then waited
 * for, bounded). */
static ib_err_t open_producer(const produce_conf_t *pc, counts_t *counts, rd_kafka_t **out, char *errstr,
                              size_t errstr_size) {
        static const char *const settings[] = {"enable.idempotence", "true", "acks", "all", "linger.ms", "5",
                                               "compression.codec", "lz4", NULL};
        char brokers[1024];
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        ib_err_t err;
        if ((err = ib_kafka_brokers(pc->brokers_flag, brokers, sizeof(brokers), errstr, errstr_size)) ||
            (err = ib_kafka_conf_new(brokers, settings, &pc->props, &conf, errstr, errstr_size)))
                return err;
        rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
        rd_kafka_conf_set_opaque(conf, counts);
        if ((err = ib_kafka_new(RD_KAFKA_PRODUCER, conf, &rk, errstr, errstr_size)))
                return err;
        int nparts = 0;
        err = ib_kafka_partition_count(rk, pc->topic, pc->timeout_ms < 10000 ? (int)pc->timeout_ms : 10000,
                                       &nparts, errstr, errstr_size);
        if (err == IB_ERR_NOT_FOUND) {
                err = ib_kafka_create_topic(rk, pc->topic, (int)pc->partitions, (int)pc->rf, 30000, errstr,
                                            errstr_size);
                /* wait (bounded) until metadata shows the new topic */
                for (int i = 0; err == IB_OK && i < 100; i++) {
                        err = ib_kafka_partition_count(rk, pc->topic, 5000, &nparts, errstr, errstr_size);
                        if (err != IB_ERR_NOT_FOUND)
                                break;
                        err = IB_OK;
                        usleep(100000);
                }
                if (err == IB_OK && nparts == 0)
                        err = ib_seterr(errstr, errstr_size, IB_ERR_TIMED_OUT,
                                        "topic %s created but not visible after 10 s", pc->topic);
                if (err == IB_OK)
                        fprintf(stderr, "ingestbench produce: created topic %s with %d partitions\n", pc->topic,
                                nparts);
        }
        if (err) {
                rd_kafka_destroy(rk);
                return err;
        }
        *out = rk;
        return IB_OK;
}

/* Formats record @p seq into @p rec: a good one, or (when @p bad) one of the
 * three malformed kinds. @returns its length. */
static int format_record(const produce_conf_t *pc, int64_t seq, int bad, const char *key, const char *payload,
                         int64_t ts, char *rec, size_t cap) {
        const char *run = pc->run_id;
        if (!bad)
                return snprintf(rec, cap,
                                "{\"id\":\"%s-%" PRId64 "\",\"run\":\"%s\",\"seq\":%" PRId64 ",\"key\":\"%s\",\"ts\":%" PRId64
                                ",\"meta\":{\"producer\":\"ingestbench\",\"size\":%" PRId64 "},\"payload\":\"%s\"}",
                                run, seq, run, seq, key, ts, pc->size, payload);
        switch (seq % 3) {
        case 0: /* broken JSON: cut off mid-object */
                return snprintf(rec, cap, "{\"id\":\"%s-%" PRId64 "\",\"run\":\"%s\",\"seq\":", run, seq, run);
        case 1: /* wrong type: seq as a string */
                return snprintf(rec, cap,
                                "{\"id\":\"%s-%" PRId64 "\",\"run\":\"%s\",\"seq\":\"%" PRId64 "\",\"key\":\"%s\",\"ts\":%" PRId64
                                ",\"payload\":\"x\"}",
                                run, seq, run, seq, key, ts);
        default: /* missing field: no event time */
                return snprintf(rec, cap,
                                "{\"id\":\"%s-%" PRId64 "\",\"run\":\"%s\",\"seq\":%" PRId64 ",\"key\":\"%s\",\"payload\":\"x\"}",
                                run, seq, run, seq, key);
        }
}

/* Hands one record to the producer, waiting while its queue is full. */
static void send_record(rd_kafka_t *rk, const char *topic, const char *key, int klen, const char *rec, int n,
                        counts_t *counts) {
        for (;;) {
                rd_kafka_resp_err_t pe =
                    rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY((void *)key, (size_t)klen),
                                      RD_KAFKA_V_VALUE((void *)rec, (size_t)n), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                      RD_KAFKA_V_END);
                if (pe == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                        rd_kafka_poll(rk, 50);
                        continue;
                }
                if (pe) {
                        counts->failed++;
                        if (!counts->first_err)
                                counts->first_err = pe;
                }
                return;
        }
}

/* Sends every record at the asked rate, with a progress line every 2 s.
 * With a rate, each record is due at t0 + seq/rate: its event time is that
 * intended time, and how late it went out is recorded in @p delay_us.
 * @returns how many were sent; *bad how many of them are malformed. */
static uint64_t send_all(rd_kafka_t *rk, const produce_conf_t *pc, const char *payload, char *rec, size_t cap,
                         counts_t *counts, uint64_t *bad, int64_t t0, ib_hist_t *delay_us) {
        int64_t wall0_us = ib_now_ms() * 1000 - (ib_mono_us() - t0); /* the wall clock at t0 */
        uint64_t rng = (uint64_t)pc->seed ^ 0x9e3779b97f4a7c15ULL, sent = 0;
        if (!rng)
                rng = 1;
        int64_t last_progress = t0;
        for (int64_t seq = 0; seq < pc->records && !ib_stop_requested; seq++) {
                int isbad = pc->bad_ratio > 0 && (double)(rng_next(&rng) >> 11) / 9007199254740992.0 < pc->bad_ratio;
                char key[32];
                int klen = snprintf(key, sizeof(key), "key-%" PRId64, seq % 1024);
                int64_t due = pc->rate > 0 ? t0 + (int64_t)((double)sent * 1e6 / (double)pc->rate) : 0;
                int64_t now = ib_mono_us();
                if (pc->rate > 0 && due > now) {
                        usleep((useconds_t)(due - now));
                        now = ib_mono_us();
                }
                if (pc->rate > 0)
                        ib_hist_record(delay_us, (uint64_t)(now > due ? now - due : 0));
                int64_t ts = pc->rate > 0 ? (wall0_us + (due - t0)) / 1000 : ib_now_ms();
                int n = format_record(pc, seq, isbad, key, payload, ts, rec, cap);
                *bad += (uint64_t)isbad;
                send_record(rk, pc->topic, key, klen, rec, n, counts);
                sent++;
                rd_kafka_poll(rk, 0);
                if ((sent & 0xfff) == 0 && ib_mono_us() - last_progress > 2000000) {
                        last_progress = ib_mono_us();
                        fprintf(stderr, "ingestbench produce: %" PRIu64 "/%" PRId64 " sent, %" PRIu64 " acked\n", sent,
                                pc->records, counts->acked);
                }
        }
        return sent;
}

/* Waits (bounded) for every acknowledgement and prints the result line.
 * @returns the exit code. */
/* The --stats file: what was sent and how late, atomically. */
static void write_stats(const produce_conf_t *pc, const counts_t *counts, uint64_t sent, uint64_t unacked,
                        double secs, const ib_hist_t *delay_us) {
        json_t *doc = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:o}", "topic", pc->topic, "run", pc->run_id,
                                "records", (json_int_t)pc->records, "sent", (json_int_t)sent, "acked",
                                (json_int_t)counts->acked, "failed", (json_int_t)(counts->failed + unacked),
                                "size_bytes", (json_int_t)pc->size, "rate_rps", (json_int_t)pc->rate, "elapsed_s", secs,
                                "actual_rps", secs > 0 ? (double)counts->acked / secs : 0.0, "send_delay_ms",
                                pc->rate > 0 ? ib_hist_to_json_ms(delay_us) : json_null());
        char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
        char err[512];
        if (!text || ib_fs_write_atomic(pc->stats_path, text, strlen(text), NULL, err, sizeof(err)) != IB_OK)
                fprintf(stderr, "ingestbench produce: warning: cannot write %s: %s\n", pc->stats_path,
                        text ? err : "out of memory");
        ib_json_free_str(text);
        json_decref(doc);
}

static int finish(rd_kafka_t *rk, const produce_conf_t *pc, const counts_t *counts, uint64_t sent, uint64_t bad,
                  int64_t t0, const ib_hist_t *delay_us) {
        int64_t flush_deadline = ib_mono_us() + pc->timeout_ms * 1000;
        while (rd_kafka_outq_len(rk) > 0 && ib_mono_us() < flush_deadline)
                rd_kafka_flush(rk, 100);
        uint64_t unacked = sent - counts->acked - counts->failed;
        if (unacked)
                fprintf(stderr, "ingestbench produce: %" PRIu64 " records not acknowledged within %" PRId64 " ms\n",
                        unacked, pc->timeout_ms);
        double secs = (double)(ib_mono_us() - t0) / 1e6;
        if (pc->stats_path)
                write_stats(pc, counts, sent, unacked, secs, delay_us);
        printf("acked=%" PRIu64 " failed=%" PRIu64 " bad=%" PRIu64 " run=%s topic=%s\n", counts->acked,
               counts->failed + unacked, bad, pc->run_id, pc->topic);
        fprintf(stderr, "ingestbench produce: %" PRIu64 " records in %.2f s (%.0f records/s)%s%s\n", counts->acked,
                secs, secs > 0 ? (double)counts->acked / secs : 0.0, counts->failed ? ", first error: " : "",
                counts->failed ? rd_kafka_err2str(counts->first_err) : "");
        return counts->failed || unacked || ib_stop_requested ? IB_EXIT_FAIL : IB_EXIT_OK;
}

int ib_cmd_produce(int argc, char **argv) {
        produce_conf_t pc = {0};
        char errstr[1024];
        counts_t counts = {0, 0, 0};
        rd_kafka_t *rk = NULL;
        char *payload = NULL, *rec = NULL;
        int rc = parse_flags(argc, argv, &pc);
        if (rc >= 0)
                goto out;
        ib_err_t err = open_producer(&pc, &counts, &rk, errstr, sizeof(errstr));
        if (err) {
                rc = ib_cli_fail("produce", err, errstr);
                goto out;
        }
        ib_stop_signals();
        size_t cap = (size_t)pc.size + 512;
        if (!(payload = malloc((size_t)pc.size + 1)) || !(rec = malloc(cap))) {
                rc = ib_cli_fail("produce", IB_ERR_NOMEM, "out of memory");
                goto out;
        }
        for (int64_t i = 0; i < pc.size; i++)
                payload[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[i % 36];
        payload[pc.size] = '\0';
        uint64_t bad = 0;
        int64_t t0 = ib_mono_us();
        ib_hist_t *delay_us = malloc(sizeof(*delay_us));
        if (!delay_us) {
                rc = ib_cli_fail("produce", IB_ERR_NOMEM, "out of memory");
                goto out;
        }
        ib_hist_init(delay_us);
        uint64_t sent = send_all(rk, &pc, payload, rec, cap, &counts, &bad, t0, delay_us);
        rc = finish(rk, &pc, &counts, sent, bad, t0, delay_us);
        free(delay_us);
out:
        free(payload);
        free(rec);
        if (rk)
                rd_kafka_destroy(rk);
        ib_props_destroy(&pc.props);
        return rc;
}
