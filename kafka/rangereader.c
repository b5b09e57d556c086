/*
 * rangereader.c: exact range reads with the simple consumer; see
 * rangereader.h. Moved here from the direct mode so the checkpoint mode
 * reads ranges the same way.
 */
#include "rangereader.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "clock.h"
#include "kafka.h"
#include "poll.h"

#define RANGE_READ_TIMEOUT_MS 30000
/* How long the broker may hold a fetch with no new data. Every partition of
 * a broker shares its one fetch in flight: partitions whose queue is full are
 * left out of it, so a fetch of caught-up partitions alone is held this long
 * while a full partition, just read, waits for it to come back. At 100 ms
 * that stall cut the drain of a 1M backlog (6 partitions of unequal length)
 * to 1.2-1.3M records/s from 1.7-1.8M at 10 ms. */
#define IB_RANGE_FETCH_WAIT_MS "10"

typedef struct rr_part_s {
        int started;               /* consume_start() done */
        int64_t fetch_next;        /* next offset the consumer will return */
        rd_kafka_message_t *carry; /* a message read past `until`, kept for later */
} rr_part_t;

struct ib_rangereader_s {
        rd_kafka_t *rk;   /* fetches */
        rd_kafka_t *meta; /* ListOffsets, on a connection of its own */
        rd_kafka_topic_t *rkt;
        const char *topic;
        ib_eventlog_t *events;
        int nparts;
        rr_part_t *parts;
        rd_kafka_message_t **msgs; /* messages of the current batch */
        size_t nmsgs, msgs_cap;
};

const ib_option_t ib_range_options[] = {
    IB_OPT_INT(ib_range_conf_t, max_records_per_partition, "max-records-per-partition", "N", "5000", 1,
               INT64_MAX / 4, "cap per partition per batch (Spark's maxRatePerPartition)"),
    IB_OPT_END,
};

ib_pin_t ib_pin_next(ib_pin_t pin, const ib_batch_t *batch, int32_t p, int64_t latest, int64_t max) {
        int64_t offset = pin.from;
        for (size_t r = 0; r < batch->nranges; r++)
                if (batch->ranges[r].partition == p)
                        offset = batch->ranges[r].until;
        return (ib_pin_t){offset, ib_range_next_until(offset, latest, max)};
}

int ib_pin_needs_end(ib_pin_t pin, const ib_batch_t *batch, int32_t p, int64_t known_end, int64_t max) {
        return known_end < ib_pin_next(pin, batch, p, INT64_MAX, max).until;
}

ib_err_t ib_rangereader_open(const char *brokers, const char *topic, const ib_props_t *props,
                             int connect_timeout_ms, ib_eventlog_t *events, ib_rangereader_t **out,
                             char *errstr, size_t errstr_size) {
        const char *settings[16] = {"enable.partition.eof", "true", "enable.auto.commit", "false",
                                    "fetch.wait.max.ms", IB_RANGE_FETCH_WAIT_MS, "auto.offset.reset", "earliest", NULL};
        settings[ib_kafka_fetch_settings(settings, 8, IB_FETCH_QUEUE_KB_PARTITION)] = NULL;
        ib_rangereader_t *rr = calloc(1, sizeof(*rr));
        if (!rr)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        rr->topic = topic;
        rr->events = events;
        rd_kafka_conf_t *conf;
        ib_err_t err;
        if ((err = ib_kafka_conf_new(brokers, settings, props, &conf, errstr, errstr_size)) ||
            (err = ib_kafka_new(RD_KAFKA_CONSUMER, conf, &rr->rk, errstr, errstr_size)) ||
            (err = ib_kafka_partition_count_wait(rr->rk, topic, connect_timeout_ms, &rr->nparts, errstr,
                                            errstr_size)))
                goto fail;
        /* The broker answers a connection's requests in order, so a
         * ListOffsets sent behind a fetch that waits for data (a caught-up
         * partition: fetch.wait.max.ms) would wait as long: the questions
         * about offsets go through a handle of their own. */
        if ((err = ib_kafka_conf_new(brokers, settings, props, &conf, errstr, errstr_size)) ||
            (err = ib_kafka_new(RD_KAFKA_CONSUMER, conf, &rr->meta, errstr, errstr_size)))
                goto fail;
        rr->rkt = rd_kafka_topic_new(rr->rk, topic, NULL);
        if (!(rr->parts = calloc((size_t)rr->nparts, sizeof(*rr->parts)))) {
                err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                goto fail;
        }
        *out = rr;
        return IB_OK;
fail:
        ib_rangereader_close(rr);
        return err;
}

rd_kafka_t *ib_rangereader_kafka(ib_rangereader_t *rr) { return rr->meta; }

int ib_rangereader_partitions(const ib_rangereader_t *rr) { return rr->nparts; }

void ib_rangereader_stop(ib_rangereader_t *rr, int32_t p) {
        rr_part_t *pt = &rr->parts[p];
        if (pt->carry) {
                rd_kafka_message_destroy(pt->carry);
                pt->carry = NULL;
        }
        if (pt->started) {
                rd_kafka_consume_stop(rr->rkt, p);
                pt->started = 0;
        }
}

static ib_err_t add_record(ib_rangereader_t *rr, ib_batch_t *batch, rd_kafka_message_t *m) {
        if (ib_array_grow(&rr->msgs, &rr->msgs_cap, rr->nmsgs + 1, sizeof(*rr->msgs), 4096))
                return IB_ERR_NOMEM;
        rr->msgs[rr->nmsgs++] = m;
        ib_record_t *r = ib_batch_add_record(batch);
        if (!r)
                return IB_ERR_NOMEM;
        *r = ib_kafka_record(m);
        return IB_OK;
}

ib_err_t ib_rangereader_start(ib_rangereader_t *rr, int32_t p, int64_t from, char *errstr, size_t errstr_size) {
        if (p < 0 || p >= rr->nparts)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "%s has no partition %d",
                                 rr->topic, (int)p);
        rr_part_t *pt = &rr->parts[p];
        if (pt->started && pt->fetch_next != from)
                ib_rangereader_stop(rr, p);
        if (!pt->started) {
                if (rd_kafka_consume_start(rr->rkt, p, from) == -1)
                        return ib_seterr(errstr, errstr_size, IB_ERR_KAFKA,
                                         "start reading %s [%d] at %" PRId64 ": %s", rr->topic,
                                         (int)p, from, rd_kafka_err2str(rd_kafka_last_error()));
                pt->started = 1;
                pt->fetch_next = from;
        }
        return IB_OK;
}

static ib_err_t read_range(ib_rangereader_t *rr, int32_t p, int64_t from, int64_t until, ib_batch_t *batch,
                           char *errstr, size_t errstr_size) {
        if (p < 0 || p >= rr->nparts)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "%s has no partition %d",
                                 rr->topic, (int)p);
        rr_part_t *pt = &rr->parts[p];
        if (!ib_batch_add_range(batch, p, from, until))
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        ib_err_t err = ib_rangereader_start(rr, p, from, errstr, errstr_size);
        if (err)
                return err;
        int64_t next = from;
        if (pt->carry) {
                if (pt->carry->offset >= until)
                        return IB_OK; /* the range is empty of records (a gap) */
                rd_kafka_message_t *m = pt->carry;
                pt->carry = NULL;
                if (add_record(rr, batch, m))
                        return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                next = m->offset + 1;
        }
        int64_t deadline = ib_mono_us() + (int64_t)RANGE_READ_TIMEOUT_MS * 1000;
        int restart = 0; /* more than one message past `until`: refetch later */
        rd_kafka_message_t *buf[1024];
        while (next < until) {
                if (ib_mono_us() > deadline) {
                        ib_rangereader_stop(rr, p); /* a retry starts a fresh fetch */
                        return ib_seterr(errstr, errstr_size, IB_ERR_TIMED_OUT,
                                         "reading %s [%d] range [%" PRId64 ", %" PRId64 "): stuck at %"
                                         PRId64 " for %d ms", rr->topic, (int)p, from,
                                         until, next, RANGE_READ_TIMEOUT_MS);
                }
                int64_t want = until - next;
                size_t size = want < 1024 ? (size_t)want : 1024;
                ssize_t n = rd_kafka_consume_batch(rr->rkt, p, 200, buf, size);
                if (n < 0) {
                        rd_kafka_resp_err_t e = rd_kafka_last_error();
                        ib_rangereader_stop(rr, p);
                        return ib_seterr(errstr, errstr_size, ib_kafka_err(e), "reading %s [%d]: %s", rr->topic,
                                         (int)p, rd_kafka_err2str(e));
                }
                for (ssize_t i = 0; i < n; i++) {
                        rd_kafka_message_t *m = buf[i];
                        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                                /* at the end with nothing below `until` left: a gap */
                                if (m->offset >= until)
                                        next = until;
                                rd_kafka_message_destroy(m);
                                continue;
                        }
                        if (m->err) {
                                ib_eventlog_emit(rr->events, "fetch_error",
                                                 json_pack("{s:i,s:s}", "partition", (int)p, "error",
                                                           rd_kafka_err2name(m->err)));
                                rd_kafka_message_destroy(m);
                                continue;
                        }
                        pt->fetch_next = m->offset + 1;
                        if (m->offset >= until) {
                                /* belongs to a later range (offsets had a gap) */
                                if (pt->carry)
                                        restart = 1, rd_kafka_message_destroy(m);
                                else
                                        pt->carry = m;
                                next = until;
                                continue;
                        }
                        if (add_record(rr, batch, m))
                                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                        next = m->offset + 1;
                }
        }
        if (restart)
                ib_rangereader_stop(rr, p); /* the next range starts a fresh fetch at its `from` */
        return IB_OK;
}

ib_err_t ib_rangereader_read(ib_rangereader_t *rr, int32_t p, int64_t from, int64_t until,
                             ib_batch_t *batch, char *errstr, size_t errstr_size) {
        size_t nranges = batch->nranges, nrecords = batch->nrecords;
        ib_err_t err = read_range(rr, p, from, until, batch, errstr, errstr_size);
        if (err) { /* all or nothing: a retry reads the range again from `from` */
                batch->nranges = nranges;
                batch->nrecords = nrecords;
        }
        return err;
}

void ib_rangereader_release(ib_rangereader_t *rr) {
        for (size_t i = 0; i < rr->nmsgs; i++)
                rd_kafka_message_destroy(rr->msgs[i]);
        rr->nmsgs = 0;
}

void ib_rangereader_close(ib_rangereader_t *rr) {
        if (!rr)
                return;
        ib_rangereader_release(rr);
        for (int32_t p = 0; rr->parts && p < rr->nparts; p++)
                ib_rangereader_stop(rr, p);
        if (rr->rkt)
                rd_kafka_topic_destroy(rr->rkt);
        if (rr->rk)
                rd_kafka_destroy(rr->rk);
        if (rr->meta)
                rd_kafka_destroy(rr->meta);
        free(rr->parts);
        free(rr->msgs);
        free(rr);
}
