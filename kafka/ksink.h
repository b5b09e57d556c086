/**
 * @file ksink.h
 * @brief The Kafka sink (`--sink kafka:TOPIC[@BROKERS]`): each output line
 *        becomes one record of an output topic, on the partition of its
 *        input record (modulo the output's partitions) and with its key.
 *
 * The producer is idempotent with acks=all. A record that cannot be
 * delivered is retried by the client for message.timeout.ms (the run's
 * --retry-budget-ms); flush() returns once every delivery report of the
 * batch is in, and fails naming the first undelivered record, so the runner
 * commits nothing past it. Each record carries a header "ib-range" with its
 * input range, "FROM-UNTIL", so a reader of the topic can group records
 * into the ranges the workers wrote (verify_io.h).
 *
 * Opened with a transactional.id, the sink is a transactional producer: the
 * transactional mode begins, commits and aborts around the pipeline's
 * writes (ib_ksink_producer()), and flush() waits for nothing, since
 * committing the transaction delivers everything or fails it.
 *
 * The output topic is created when missing: the input's partition count
 * (or ib_ksink_conf_t.partitions) and replication factor.
 *
 * Thread: the runner's (delivery reports are served inside flush and poll).
 */
#ifndef IB_KSINK_H
#define IB_KSINK_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "eventlog.h"
#include "kafka.h"
#include "sink.h"

/** The header naming each output record's input range. */
#define IB_KSINK_RANGE_HEADER "ib-range"

typedef struct ib_ksink_conf_s {
        const char *spec;             /**< kafka:TOPIC[@BROKERS] */
        const char *brokers;          /**< the run's brokers, when the spec names none */
        const ib_props_t *props;      /**< -X properties (the producer takes them too) */
        const char *input_topic;      /**< whose partition count a new output topic takes */
        int partitions;               /**< a new output topic's partitions; 0: the input's */
        const char *transactional_id; /**< NULL: idempotent, no transactions */
        int64_t delivery_timeout_ms;  /**< how long a record is retried (message.timeout.ms) */
        int64_t connect_timeout_ms;   /**< bound on metadata and topic creation */
        ib_eventlog_t *events;        /**< may be NULL */
} ib_ksink_conf_t;

/**
 * @brief Splits a spec "kafka:TOPIC[@BROKERS]". @returns 0, or -1 when it is
 *        not one (no topic, a name too long, an empty broker list).
 */
int ib_ksink_parse_spec(const char *spec, char *topic, size_t topic_size, char *brokers, size_t brokers_size);

/** @brief Opens the sink, creating its topic when missing; a transactional
 *         one also runs init_transactions (fencing a previous producer of
 *         the same transactional.id), retried as ib_ksink_recreate() does.
 *         IB_ERR_KAFKA_UNREACHABLE when no broker answers within the
 *         connect timeout, or the coordinator stays busy past the budget. */
ib_err_t ib_ksink_open(const ib_ksink_conf_t *conf, ib_sink_t **out, char *errstr, size_t errstr_size);

/** @returns 1 when @p sink is a Kafka sink. */
int ib_ksink_is(const ib_sink_t *sink);

/** @returns the sink's producer (a Kafka sink only). */
rd_kafka_t *ib_ksink_producer(ib_sink_t *sink);

/** @returns the output topic's name (a Kafka sink only). */
const char *ib_ksink_topic(const ib_sink_t *sink);

/**
 * @brief Replaces a fenced or failed transactional producer with a new one of
 *        the same transactional.id and runs init_transactions, retried while
 *        the coordinator is busy (moving, loading its log) within the retry
 *        budget (a "retry" event). What the old one had not committed is gone.
 */
ib_err_t ib_ksink_recreate(ib_sink_t *sink, char *errstr, size_t errstr_size);

/** @brief Records produced since the last call (one transaction's count),
 *         and the first error since then in *@p err (a record refused or
 *         undelivered; 0: none); resets both. In a transactional sink, a
 *         record the client refuses does not fail write_range: the rest of
 *         the range is skipped and the error waits here for the commit. */
uint64_t ib_ksink_take_produced(ib_sink_t *sink, rd_kafka_resp_err_t *err);

/** @brief The sink's figures: produced, delivered, failed, flush time. */
void ib_ksink_stats(const ib_sink_t *sink, json_t *out);

#endif
