/*
 * poll.c: the batch poll of the group modes; see poll.h.
 */
#include "poll.h"

size_t ib_kafka_poll_batch(rd_kafka_t *rk, int wait_ms, rd_kafka_message_t **msgs, size_t max,
                           ib_eventlog_t *events) {
        size_t n = 0;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, wait_ms);
        while (m) {
                if (m->err) {
                        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                                ib_eventlog_emit(events, "consume_error",
                                                 json_pack("{s:s,s:s}", "error", rd_kafka_err2name(m->err),
                                                           "message", rd_kafka_message_errstr(m)));
                        rd_kafka_message_destroy(m);
                } else {
                        msgs[n++] = m;
                        if (n == max)
                                break;
                }
                m = rd_kafka_consumer_poll(rk, 0);
        }
        return n;
}
