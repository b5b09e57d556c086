/*
 * visibility.c: end-to-end latency as a downstream consumer sees it. A
 * thread reads a Kafka sink's output topic as a read_committed consumer,
 * from its beginning, while the latency phase runs, and records for each
 * record the time from its event time (the "ts" field the pipeline keeps)
 * to the moment the record reached this consumer. For a transactional
 * mode that is the commit of its transaction; for a plain Kafka sink, the
 * delivery of the record.
 */
#include "bench.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "hist.h"
#include "kafka.h"
#include "stats.h"

struct ib_visibility_s {
        rd_kafka_t *rk;
        pthread_t th;
        int started;
        volatile int stop;
        pthread_mutex_t mu;
        ib_hist_t lat_us;
        uint64_t seen;
        char field[64];      /* "\"ts\":" */
        size_t field_len;
};

/* The integer after "ts": in a JSON line, or -1 (a scan, not a parse: the
 * reader must keep up with the worker on the same two cores). */
static int64_t event_time(const ib_visibility_t *v, const char *p, size_t len) {
        const char *end = p + len;
        for (const char *at = p; at + v->field_len < end; at++) {
                at = memchr(at, '"', (size_t)(end - at));
                if (!at || at + v->field_len >= end)
                        return -1;
                if (memcmp(at, v->field, v->field_len))
                        continue;
                int64_t t = 0;
                const char *d = at + v->field_len;
                if (d >= end || *d < '0' || *d > '9')
                        return -1;
                for (; d < end && *d >= '0' && *d <= '9'; d++)
                        t = t * 10 + (*d - '0');
                return t;
        }
        return -1;
}

static void *reader(void *arg) {
        ib_visibility_t *v = arg;
        rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(v->rk);
        rd_kafka_message_t *msgs[1024];
        while (!v->stop) {
                ssize_t n = rd_kafka_consume_batch_queue(q, 100, msgs, 1024);
                int64_t now = ib_now_ms();
                pthread_mutex_lock(&v->mu);
                for (ssize_t i = 0; i < n; i++) {
                        if (!msgs[i]->err) {
                                int64_t t = event_time(v, msgs[i]->payload, msgs[i]->len);
                                if (t >= 0)
                                        ib_hist_record(&v->lat_us, now > t ? (uint64_t)(now - t) * 1000 : 0);
                                v->seen++;
                        }
                        rd_kafka_message_destroy(msgs[i]);
                }
                pthread_mutex_unlock(&v->mu);
        }
        rd_kafka_queue_destroy(q);
        return NULL;
}

ib_err_t ib_visibility_start(const char *brokers, const char *topic, const char *ts_field, ib_visibility_t **out,
                             char *errstr, size_t errstr_size) {
        ib_visibility_t *v = calloc(1, sizeof(*v));
        if (!v)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        pthread_mutex_init(&v->mu, NULL);
        ib_hist_init(&v->lat_us);
        v->field_len = (size_t)snprintf(v->field, sizeof(v->field), "\"%s\":", ts_field);
        static const char *const settings[] = {"group.id", "ingestbench-bench-visibility", "isolation.level",
                                               "read_committed", "enable.auto.commit", "false", NULL};
        rd_kafka_conf_t *conf;
        int n = 0;
        ib_err_t err;
        if ((err = ib_kafka_conf_new(brokers, settings, NULL, &conf, errstr, errstr_size)) ||
            (err = ib_kafka_new(RD_KAFKA_CONSUMER, conf, &v->rk, errstr, errstr_size)) ||
            (err = ib_kafka_partition_count_wait(v->rk, topic, 30000, &n, errstr, errstr_size))) {
                ib_visibility_stop(v);
                return err;
        }
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
        for (int p = 0; p < n; p++)
                rd_kafka_topic_partition_list_add(l, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
        rd_kafka_resp_err_t ae = rd_kafka_assign(v->rk, l);
        rd_kafka_topic_partition_list_destroy(l);
        if (ae || pthread_create(&v->th, NULL, reader, v)) {
                ib_visibility_stop(v);
                return ib_seterr(errstr, errstr_size, IB_ERR_KAFKA, "reading %s for visibility: %s", topic,
                                 ae ? rd_kafka_err2str(ae) : "no thread");
        }
        v->started = 1;
        *out = v;
        return IB_OK;
}

uint64_t ib_visibility_seen(ib_visibility_t *v) {
        pthread_mutex_lock(&v->mu);
        uint64_t n = v->seen;
        pthread_mutex_unlock(&v->mu);
        return n;
}

json_t *ib_visibility_stop(ib_visibility_t *v) {
        if (!v)
                return NULL;
        v->stop = 1;
        if (v->started)
                pthread_join(v->th, NULL);
        json_t *lat = v->started ? ib_hist_to_json_ms(&v->lat_us) : NULL;
        if (v->rk) {
                rd_kafka_consumer_close(v->rk);
                rd_kafka_destroy(v->rk);
        }
        pthread_mutex_destroy(&v->mu);
        free(v);
        return lat;
}
