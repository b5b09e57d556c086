/**
 * @file rangereader.h
 * @brief Reads exact offset ranges [from, until) of a topic's partitions with
 *        librdkafka's simple (legacy) consumer, the way Spark's direct
 *        approach reads the ranges it defines: one fetch stream per
 *        partition, counted so it never returns a record past `until`.
 *        Shared by the modes that pin ranges (direct, checkpoint).
 *
 * Messages of a batch stay valid until ib_rangereader_release(). A message
 * read past `until` (offsets have gaps: compaction, transaction markers) is
 * kept for the next range; more than one restarts that partition's fetch.
 *
 * Thread: one thread per reader.
 */
#ifndef IB_RANGEREADER_H
#define IB_RANGEREADER_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

#include "errors.h"
#include "eventlog.h"
#include "kafka.h"
#include "options.h"
#include "record.h"

typedef struct ib_rangereader_s ib_rangereader_t;

/** The options of the modes that pin ranges (included in their tables). */
typedef struct ib_range_conf_s {
        int64_t max_records_per_partition; /**< cap per partition per batch */
} ib_range_conf_t;

extern const ib_option_t ib_range_options[];

/** A partition's pinned range: the next batch reads exactly [from, until). */
typedef struct ib_pin_s {
        int64_t from, until;
} ib_pin_t;

/** @brief The end of the next range to pin for a partition at @p from: up to
 *         the latest offset, at most @p max records (Spark's
 *         maxRatePerPartition per batch), never before @p from. */
static inline int64_t ib_range_next_until(int64_t from, int64_t latest, int64_t max) {
        int64_t cap = from + max;
        int64_t u = latest < cap ? latest : cap;
        return u > from ? u : from;
}

/**
 * @brief The pin that follows @p pin of partition @p p once @p batch is
 *        processed: it starts where the batch's range of @p p ended (where
 *        it starts now if the batch had none), and ends by
 *        ib_range_next_until(). The caller stores it, then adopts it.
 */
ib_pin_t ib_pin_next(ib_pin_t pin, const ib_batch_t *batch, int32_t p, int64_t latest, int64_t max);

/**
 * @brief Whether ib_pin_next() for partition @p p needs a fresh end offset:
 *        1 when the end @p known_end learnt by an earlier ListOffsets falls
 *        short of a full next range (from + @p max). Ends only grow, so a
 *        known end past it pins the same range a fresh one would: a backlog
 *        is read without a ListOffsets round per batch.
 */
int ib_pin_needs_end(ib_pin_t pin, const ib_batch_t *batch, int32_t p, int64_t known_end, int64_t max);

/**
 * @brief Creates the consumer (no group: nothing is committed to Kafka) and
 *        learns the topic's partition count, within @p connect_timeout_ms.
 */
ib_err_t ib_rangereader_open(const char *brokers, const char *topic, const ib_props_t *props,
                             int connect_timeout_ms, ib_eventlog_t *events, ib_rangereader_t **out,
                             char *errstr, size_t errstr_size);

/** @brief The handle for ListOffsets: not the one that fetches, so that an
 *         offsets question never waits behind a fetch held by the broker. */
rd_kafka_t *ib_rangereader_kafka(ib_rangereader_t *rr);

/** @brief The topic's partition count. */
int ib_rangereader_partitions(const ib_rangereader_t *rr);

/** @brief Makes partition @p p's fetch begin at @p from (nothing to do when
 *         it is there already). A partition's fetch starts when its range is
 *         read, and a fetch request already in flight makes it wait up to
 *         fetch.wait.max.ms: call this for every range of a batch before
 *         reading any, so that all its partitions are fetched together. */
ib_err_t ib_rangereader_start(ib_rangereader_t *rr, int32_t p, int64_t from, char *errstr, size_t errstr_size);

/** @brief Adds range [from, until) of partition @p p and its records to
 *         @p batch, all or nothing: on failure the batch is as before and the
 *         partition's fetch restarts at `from` on the next call. A range
 *         stuck for 30 s is IB_ERR_TIMED_OUT (transient: retried by the mode). */
ib_err_t ib_rangereader_read(ib_rangereader_t *rr, int32_t p, int64_t from, int64_t until,
                             ib_batch_t *batch, char *errstr, size_t errstr_size);

/** @brief Stops fetching partition @p p (it was given up). */
void ib_rangereader_stop(ib_rangereader_t *rr, int32_t p);

/** @brief Frees the messages of the last batch. */
void ib_rangereader_release(ib_rangereader_t *rr);

void ib_rangereader_close(ib_rangereader_t *rr);

#endif
