/*
 * ksink.c: the Kafka sink. write_range() produces a range's lines as records
 * (copied into the client's buffers, keyed and partitioned as their input
 * records, one "ib-range" header each); flush() waits for the delivery
 * reports of everything produced since the last flush and fails on the
 * first undelivered one. The client retries a record until
 * message.timeout.ms, so the sink's retry budget is the run's.
 *
 * A transactional sink (a transactional.id) leaves delivery to the commit
 * of the transaction the mode drives (transactional/), and can replace its
 * producer when the broker fenced it.
 */
#include "ksink.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fault.h"
#include "hist.h"
#include "retry.h"
#include "signals.h"
#include "stats.h"

typedef struct ksink_s {
        ib_ksink_conf_t conf;
        char topic[256], brokers[1024], txn_id[512];
        rd_kafka_t *rk;
        rd_kafka_topic_t *rkt;
        int partitions;                /* the output topic's */
        int transactional;
        /* since the last flush (delivery reports, served on this thread) */
        uint64_t pending_failed;
        rd_kafka_resp_err_t first_err;
        int32_t first_partition;
        /* figures */
        uint64_t produced, delivered, failed, txn_produced, queue_full_waits, recreated;
        ib_hist_t flush_us;
} ksink_t;

int ib_ksink_parse_spec(const char *spec, char *topic, size_t topic_size, char *brokers, size_t brokers_size) {
        if (strncmp(spec, "kafka:", 6))
                return -1;
        const char *t = spec + 6, *at = strchr(t, '@');
        size_t tlen = at ? (size_t)(at - t) : strlen(t);
        if (tlen == 0 || tlen >= topic_size || tlen > 249)
                return -1;
        for (size_t i = 0; i < tlen; i++) /* Kafka's legal topic characters */
                if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= '0' && t[i] <= '9') ||
                      t[i] == '.' || t[i] == '_' || t[i] == '-'))
                        return -1;
        memcpy(topic, t, tlen);
        topic[tlen] = '\0';
        brokers[0] = '\0';
        if (at) {
                if (!at[1] || strlen(at + 1) >= brokers_size)
                        return -1;
                snprintf(brokers, brokers_size, "%s", at + 1);
        }
        return 0;
}

/* ksink.deliver: the Nth delivery report says the record timed out (it may
 * have reached the broker: what a real timeout leaves unknown too). */
IB_FAULT_POINTS("ksink.deliver")

/* Runs on the runner's thread, inside rd_kafka_poll/flush. */
static void dr_msg_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
        (void)rk;
        ksink_t *k = opaque;
        rd_kafka_resp_err_t err = m->err;
        if (!err && ib_fault("ksink.deliver"))
                err = RD_KAFKA_RESP_ERR__MSG_TIMED_OUT;
        if (!err) {
                k->delivered++;
                return;
        }
        k->failed++;
        if (k->pending_failed++ == 0) {
                k->first_err = err;
                k->first_partition = m->partition;
        }
}

static void destroy_producer(ksink_t *k);

/* A coordinator that is moving or still loading its log (a new cluster's
 * first transaction, a broker restart) answers init_transactions with these:
 * they clear by themselves. */
static int coordinator_busy(rd_kafka_resp_err_t code) {
        return code == RD_KAFKA_RESP_ERR_NOT_COORDINATOR || code == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS ||
               code == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE || code == RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS ||
               code == RD_KAFKA_RESP_ERR__TIMED_OUT || code == RD_KAFKA_RESP_ERR__TRANSPORT ||
               code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN;
}

/* One producer made and, when transactional, initialized. */
static ib_err_t make_producer_once(ksink_t *k, char *errstr, size_t errstr_size) {
        char timeout[32];
        snprintf(timeout, sizeof(timeout), "%" PRId64, k->conf.delivery_timeout_ms > 0 ? k->conf.delivery_timeout_ms : 1);
        /* transaction.timeout.ms must exceed message.timeout.ms: a record's
         * retries end before its transaction can time out on the broker */
        char txn_timeout[32];
        snprintf(txn_timeout, sizeof(txn_timeout), "%" PRId64,
                 (k->conf.delivery_timeout_ms > 0 ? k->conf.delivery_timeout_ms : 1) + 10000);
        /* the transactional pair comes last: a NULL key ends the list there for a plain sink */
        const char *settings[] = {"enable.idempotence", "true", "acks", "all", "message.timeout.ms", timeout,
                                  "linger.ms", "5", "allow.auto.create.topics", "false", "queue.buffering.max.messages", "1000000",
                                  "queue.buffering.max.kbytes", "1048576", "client.id", "ingestbench-sink",
                                  k->transactional ? "transactional.id" : NULL, k->txn_id,
                                  "transaction.timeout.ms", txn_timeout, NULL};
        rd_kafka_conf_t *rc;
        ib_err_t err;
        if ((err = ib_kafka_conf_new(k->brokers, settings, k->conf.props, &rc, errstr, errstr_size)))
                return err;
        rd_kafka_conf_set_dr_msg_cb(rc, dr_msg_cb);
        rd_kafka_conf_set_opaque(rc, k);
        if ((err = ib_kafka_new(RD_KAFKA_PRODUCER, rc, &k->rk, errstr, errstr_size)))
                return err;
        k->rkt = rd_kafka_topic_new(k->rk, k->topic, NULL);
        if (!k->rkt)
                return ib_seterr(errstr, errstr_size, IB_ERR_KAFKA, "kafka sink %s: %s", k->topic,
                                 rd_kafka_err2str(rd_kafka_last_error()));
        if (!k->transactional)
                return IB_OK;
        rd_kafka_error_t *e = rd_kafka_init_transactions(k->rk, (int)k->conf.connect_timeout_ms);
        if (!e)
                return IB_OK;
        rd_kafka_resp_err_t code = rd_kafka_error_code(e);
        err = !rd_kafka_error_is_fatal(e) && (rd_kafka_error_is_retriable(e) || coordinator_busy(code))
                  ? IB_ERR_KAFKA_RETRIABLE
                  : IB_ERR_KAFKA;
        ib_seterr(errstr, errstr_size, err, "kafka sink %s: init_transactions (transactional.id %s): %s: %s",
                  k->topic, k->txn_id, rd_kafka_error_name(e), rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
        return err;
}

/* A producer, retried within the retry budget while the transaction
 * coordinator is busy: each attempt a new client, so that a refused
 * init_transactions leaves no state behind. */
static ib_err_t make_producer(ksink_t *k, char *errstr, size_t errstr_size) {
        ib_retry_t rt;
        ib_err_t err;
        ib_retry_begin(&rt, "init_transactions", k->conf.delivery_timeout_ms);
        while ((err = make_producer_once(k, errstr, errstr_size)) && ib_retry_again(&rt, err, &ib_stop_requested))
                destroy_producer(k);
        if (rt.attempts && k->conf.events)
                ib_eventlog_retry(k->conf.events, &rt, err, errstr);
        if (err == IB_ERR_KAFKA_RETRIABLE) /* the budget ran out on a busy coordinator */
                err = ib_retry_final(&rt, err);
        return err;
}

static void destroy_producer(ksink_t *k) {
        if (k->rkt)
                rd_kafka_topic_destroy(k->rkt);
        if (k->rk) {
                /* what is still queued belongs to a failed batch: not committed, dropped */
                rd_kafka_purge(k->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
                rd_kafka_flush(k->rk, 2000);
                rd_kafka_destroy(k->rk);
        }
        k->rkt = NULL;
        k->rk = NULL;
}

/* The output topic's partition count, creating it (the input's partitions
 * and replication factor, or conf.partitions) when missing. */
static ib_err_t ensure_topic(ksink_t *k, char *errstr, size_t errstr_size) {
        int timeout = (int)k->conf.connect_timeout_ms;
        ib_err_t err = ib_kafka_partition_count(k->rk, k->topic, timeout, &k->partitions, errstr, errstr_size);
        if (err != IB_ERR_NOT_FOUND)
                return err;
        int partitions = k->conf.partitions, rf = 1;
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_topic_t *in = rd_kafka_topic_new(k->rk, k->conf.input_topic, NULL);
        rd_kafka_resp_err_t me = in ? rd_kafka_metadata(k->rk, 0, in, &md, timeout) : rd_kafka_last_error();
        if (!me && md && md->topic_cnt == 1 && !md->topics[0].err && md->topics[0].partition_cnt > 0) {
                if (partitions <= 0)
                        partitions = md->topics[0].partition_cnt;
                rf = md->topics[0].partitions[0].replica_cnt > 0 ? md->topics[0].partitions[0].replica_cnt : 1;
        }
        if (md)
                rd_kafka_metadata_destroy(md);
        if (in)
                rd_kafka_topic_destroy(in);
        if (partitions <= 0)
                return ib_seterr(errstr, errstr_size, me ? ib_kafka_err(me) : IB_ERR_NOT_FOUND,
                                 "kafka sink %s: cannot create it: the input topic %s %s", k->topic,
                                 k->conf.input_topic, me ? rd_kafka_err2str(me) : "has no partitions");
        if ((err = ib_kafka_create_topic(k->rk, k->topic, partitions, rf, timeout, errstr, errstr_size))) {
                char why[600];
                snprintf(why, sizeof(why), "%s", errstr);
                return ib_seterr(errstr, errstr_size, err,
                                 "kafka sink: %s (a cluster without the admin API, such as the mock cluster, needs "
                                 "the topic made up front: mock-cluster --topic %s:%d)",
                                 why, k->topic, partitions);
        }
        if ((err = ib_kafka_partition_count_wait(k->rk, k->topic, timeout, &k->partitions, errstr, errstr_size)))
                return err;
        if (k->conf.events)
                ib_eventlog_emit(k->conf.events, "sink_topic_created",
                                 json_pack("{s:s,s:i,s:i}", "topic", k->topic, "partitions", k->partitions,
                                           "replication_factor", rf));
        return IB_OK;
}

/* Produces one record, waiting (serving delivery reports) while the
 * client's queue is full. */
static rd_kafka_resp_err_t produce_one(ksink_t *k, int32_t partition, const char *value, size_t len,
                                       const ib_record_t *src, const char *range, size_t range_len) {
        for (;;) {
                rd_kafka_resp_err_t e = rd_kafka_producev(
                    k->rk, RD_KAFKA_V_RKT(k->rkt), RD_KAFKA_V_PARTITION(partition),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE((void *)value, len),
                    RD_KAFKA_V_KEY(src ? (void *)src->key : NULL, src ? src->key_len : 0),
                    RD_KAFKA_V_HEADER(IB_KSINK_RANGE_HEADER, range, (ssize_t)range_len), RD_KAFKA_V_END);
                if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        return e;
                k->queue_full_waits++;
                rd_kafka_poll(k->rk, 10);
        }
}

static ib_err_t ksink_write_range(ib_sink_t *s, const char *topic, int32_t partition, int64_t from, int64_t until,
                                  const char *data, size_t len, const ib_sink_line_t *lines, char *errstr,
                                  size_t errstr_size) {
        (void)topic;
        ksink_t *k = s->io.state;
        if (len == 0)
                return IB_OK;
        char range[48];
        int rlen = snprintf(range, sizeof(range), "%" PRId64 "-%" PRId64, from, until);
        int32_t out = k->partitions > 0 ? partition % k->partitions : partition;
        size_t start = 0, i = 0;
        while (start < len) {
                size_t end;
                const ib_record_t *src = NULL;
                if (lines) {
                        end = lines[i].end;
                        src = lines[i].src;
                } else { /* no line table: split at newlines, no keys */
                        const char *nl = memchr(data + start, '\n', len - start);
                        end = nl ? (size_t)(nl - data) + 1 : len;
                }
                if (end <= start || end > len)
                        return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                         "kafka sink %s: line %zu of range %s of partition %d has a bad end", k->topic,
                                         i, range, (int)partition);
                size_t vlen = end - start - (data[end - 1] == '\n');
                rd_kafka_resp_err_t e = produce_one(k, out, data + start, vlen, src, range, (size_t)rlen);
                if (e && k->transactional) { /* the transaction fails at its commit (ib_ksink_take_produced) */
                        if (k->pending_failed++ == 0)
                                k->first_err = e, k->first_partition = out;
                        k->failed++;
                        break;
                }
                if (e)
                        return ib_seterr(errstr, errstr_size, ib_kafka_err(e),
                                         "kafka sink %s [%d]: producing the record of input offset %" PRId64 ": %s",
                                         k->topic, (int)out, src ? src->offset : from, rd_kafka_err2str(e));
                k->produced++;
                k->txn_produced++;
                start = end;
                i++;
        }
        s->files++;
        rd_kafka_poll(k->rk, 0); /* serve the delivery reports that are in */
        return IB_OK;
}

static ib_err_t ksink_flush(ib_sink_t *s, char *errstr, size_t errstr_size) {
        ksink_t *k = s->io.state;
        if (k->transactional)
                return IB_OK; /* the transaction's commit delivers everything, or fails */
        int64_t t0 = ib_mono_us();
        rd_kafka_resp_err_t fe = rd_kafka_flush(k->rk, (int)k->conf.delivery_timeout_ms + 5000);
        ib_hist_record(&k->flush_us, (uint64_t)(ib_mono_us() - t0));
        if (k->pending_failed) {
                uint64_t n = k->pending_failed;
                k->pending_failed = 0;
                return ib_seterr(errstr, errstr_size, ib_kafka_err(k->first_err),
                                 "kafka sink %s [%d]: %" PRIu64 " records of this batch not delivered within %" PRId64
                                 " ms: %s",
                                 k->topic, (int)k->first_partition, n, k->conf.delivery_timeout_ms,
                                 rd_kafka_err2str(k->first_err));
        }
        if (fe)
                return ib_seterr(errstr, errstr_size, IB_ERR_KAFKA_UNREACHABLE,
                                 "kafka sink %s: %d records still undelivered after %" PRId64 " ms", k->topic,
                                 rd_kafka_outq_len(k->rk), k->conf.delivery_timeout_ms + 5000);
        return IB_OK;
}

static void ksink_close(ib_sink_t *s) {
        ksink_t *k = s->io.state;
        if (k) {
                if (k->rk && !k->transactional)
                        rd_kafka_flush(k->rk, 5000); /* nothing should be left: every batch was flushed */
                destroy_producer(k);
                free(k);
        }
        free(s);
}

static const ib_sink_t ib_sink_kafka_template = {
    ksink_write_range, /* write_range: one record per line, keyed as its input */
    ksink_flush,       /* flush: every delivery report of the batch */
    ksink_close,       /* close */
    "kafka",           /* type */
    1,                 /* wants_sources: keys and line ends */
    0,                 /* files */
    {{-1, 0, ""}},     /* io: io.state set by ib_ksink_open */
};

ib_err_t ib_ksink_open(const ib_ksink_conf_t *conf, ib_sink_t **out, char *errstr, size_t errstr_size) {
        ksink_t *k = calloc(1, sizeof(*k));
        ib_sink_t *s = malloc(sizeof(*s));
        if (!k || !s) {
                free(k);
                free(s);
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        }
        *s = ib_sink_kafka_template;
        s->io.state = k;
        k->conf = *conf;
        ib_hist_init(&k->flush_us);
        ib_err_t err = IB_OK;
        if (ib_ksink_parse_spec(conf->spec, k->topic, sizeof(k->topic), k->brokers, sizeof(k->brokers)))
                err = ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "bad Kafka sink '%s' (want kafka:TOPIC[@BROKERS])",
                                conf->spec);
        if (!err && !k->brokers[0])
                snprintf(k->brokers, sizeof(k->brokers), "%s", conf->brokers ? conf->brokers : "");
        if (conf->transactional_id) {
                k->transactional = 1;
                snprintf(k->txn_id, sizeof(k->txn_id), "%s", conf->transactional_id);
        }
        k->conf.spec = NULL; /* the copies above are what stays */
        k->conf.transactional_id = NULL;
        if (!err)
                err = make_producer(k, errstr, errstr_size);
        if (!err)
                err = ensure_topic(k, errstr, errstr_size);
        if (err) {
                ksink_close(s);
                return err;
        }
        if (conf->events)
                ib_eventlog_emit(conf->events, "sink_open",
                                 json_pack("{s:s,s:s,s:i,s:s?,s:I}", "type", "kafka", "topic", k->topic, "partitions",
                                           k->partitions, "transactional_id", k->transactional ? k->txn_id : NULL,
                                           "delivery_timeout_ms", (json_int_t)conf->delivery_timeout_ms));
        *out = s;
        return IB_OK;
}

int ib_ksink_is(const ib_sink_t *s) { return s && s->write_range == ksink_write_range; }

rd_kafka_t *ib_ksink_producer(ib_sink_t *s) { return ((ksink_t *)s->io.state)->rk; }

const char *ib_ksink_topic(const ib_sink_t *s) { return ((const ksink_t *)s->io.state)->topic; }

ib_err_t ib_ksink_recreate(ib_sink_t *s, char *errstr, size_t errstr_size) {
        ksink_t *k = s->io.state;
        destroy_producer(k);
        k->pending_failed = 0;
        k->txn_produced = 0;
        k->recreated++;
        return make_producer(k, errstr, errstr_size);
}

uint64_t ib_ksink_take_produced(ib_sink_t *s, rd_kafka_resp_err_t *err) {
        ksink_t *k = s->io.state;
        uint64_t n = k->txn_produced;
        if (err)
                *err = k->pending_failed ? k->first_err : RD_KAFKA_RESP_ERR_NO_ERROR;
        k->txn_produced = 0;
        k->pending_failed = 0;
        return n;
}

void ib_ksink_stats(const ib_sink_t *s, json_t *out) {
        const ksink_t *k = s->io.state;
        json_object_set_new(out, "type", json_string("kafka"));
        json_object_set_new(out, "topic", json_string(k->topic));
        json_object_set_new(out, "partitions", json_integer(k->partitions));
        json_object_set_new(out, "transactional", json_boolean(k->transactional));
        json_object_set_new(out, "produced", json_integer((json_int_t)k->produced));
        json_object_set_new(out, "delivered", json_integer((json_int_t)k->delivered));
        json_object_set_new(out, "failed", json_integer((json_int_t)k->failed));
        json_object_set_new(out, "queue_full_waits", json_integer((json_int_t)k->queue_full_waits));
        json_object_set_new(out, "producers_recreated", json_integer((json_int_t)k->recreated));
        json_object_set_new(out, "flush_ms", ib_hist_to_json_ms(&k->flush_us));
}
