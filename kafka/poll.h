/**
 * @file poll.h
 * @brief From librdkafka messages to ingestbench records: the one place a
 *        message becomes an ib_record_t, and the batch poll both group modes
 *        (receiver, async-commit) use.
 */
#ifndef IB_POLL_H
#define IB_POLL_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "eventlog.h"
#include "record.h"

/** @brief The record @p m holds; its key and value point into the message. */
static inline ib_record_t ib_kafka_record(const rd_kafka_message_t *m) {
        return (ib_record_t){m->partition, m->offset, rd_kafka_message_timestamp(m, NULL),
                             m->key, m->key_len, m->payload, m->len};
}

/**
 * @brief Polls a consumer-group member for up to @p max messages: waits at
 *        most @p wait_ms for the first, then takes only what is already
 *        there. An error other than a partition EOF is logged as a
 *        consume_error event (error name and message); errors are dropped.
 *        A fatal error (librdkafka: the instance cannot go on, e.g. the
 *        consumer protocol's UNRELEASED_INSTANCE_ID for a static member that
 *        comes back before the broker let its old session go) is also put
 *        into @p fatal ("NAME: reason", the underlying error; "" when none):
 *        the caller must stop, nothing more will be fetched.
 * @returns how many messages are in @p msgs (the caller destroys them).
 */
size_t ib_kafka_poll_batch(rd_kafka_t *rk, int wait_ms, rd_kafka_message_t **msgs, size_t max,
                           ib_eventlog_t *events, char *fatal, size_t fatal_size);

#endif
