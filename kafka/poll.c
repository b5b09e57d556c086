/*
 * poll.c: the batch poll of the group modes; see poll.h.
 */
#include "poll.h"

size_t ib_kafka_poll_batch(rd_kafka_t *rk, int wait_ms, rd_kafka_message_t **msgs, size_t max,
                           ib_eventlog_t *events, char *fatal, size_t fatal_size) {
        fatal[0] = '\0';
        if (max == 0)
                return 0;
        /* The wait for the first message, then the rest in one call: a
         * consumer_poll per message costs a lock and a clock read each
         * (2% of the receiver's CPU at 1M records/s). Both serve the
         * rebalance callback, on this thread. */
        size_t got = 0;
        rd_kafka_message_t *first = rd_kafka_consumer_poll(rk, wait_ms);
        if (!first)
                return 0;
        msgs[got++] = first;
        rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
        if (q && max > 1) {
                ssize_t more = rd_kafka_consume_batch_queue(q, 0, msgs + 1, max - 1);
                got += more > 0 ? (size_t)more : 0;
        }
        if (q)
                rd_kafka_queue_destroy(q);
        size_t n = 0;
        for (size_t i = 0; i < got; i++) {
                rd_kafka_message_t *m = msgs[i];
                if (m->err) {
                        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                                ib_eventlog_emit(events, "consume_error",
                                                 json_pack("{s:s,s:s}", "error", rd_kafka_err2name(m->err),
                                                           "message", rd_kafka_message_errstr(m)));
                        if (m->err == RD_KAFKA_RESP_ERR__FATAL && !fatal[0]) {
                                char why[512] = "";
                                rd_kafka_resp_err_t e = rd_kafka_fatal_error(rk, why, sizeof(why));
                                snprintf(fatal, fatal_size, "%s: %s", rd_kafka_err2name(e ? e : m->err),
                                         why[0] ? why : rd_kafka_message_errstr(m));
                        }
                        rd_kafka_message_destroy(m);
                } else {
                        msgs[n++] = m;
                }
        }
        return n;
}
