/**
 * @file record.h
 * @brief Records, per-partition offset ranges and batches: what a mode hands
 *        the pipeline.
 *
 * A batch is a set of ranges, one per partition, each `[from, until)` with the
 * records read for it stored contiguously. Records point into memory the mode
 * owns (librdkafka messages, a log segment); they stay valid until the mode's
 * next next_batch() or close() call. Nothing here is copied per record.
 */
#ifndef IB_RECORD_H
#define IB_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

typedef struct ib_record_s {
        int32_t partition;
        int64_t offset;
        int64_t timestamp_ms; /**< Kafka message timestamp, -1 if none */
        const char *key;      /**< may be NULL */
        size_t key_len;
        const char *value;    /**< the raw record bytes, may be NULL */
        size_t value_len;
} ib_record_t;

typedef struct ib_range_s {
        int32_t partition;
        int64_t from;   /**< first offset of the range */
        int64_t until;  /**< one past the last offset of the range */
        size_t first;   /**< index of the range's first record in batch->records */
        size_t count;   /**< number of records read for the range (<= until - from) */
} ib_range_t;

typedef struct ib_batch_s {
        const char *topic;
        uint64_t seq;          /**< batch number within this worker's run, from 1 */
        ib_range_t *ranges;
        size_t nranges, ranges_cap;
        ib_record_t *records;
        size_t nrecords, records_cap;
} ib_batch_t;

/** @brief Empties @p batch, keeping its memory. */
static inline void ib_batch_clear(ib_batch_t *batch) {
        batch->nranges = 0;
        batch->nrecords = 0;
}

/** @brief Starts a new range; records appended next belong to it. @returns NULL on ENOMEM. */
ib_range_t *ib_batch_add_range(ib_batch_t *batch, int32_t partition,
                               int64_t from, int64_t until);

/** @brief Appends a record to the last range. @returns NULL on ENOMEM. */
ib_record_t *ib_batch_add_record(ib_batch_t *batch);

void ib_batch_free(ib_batch_t *batch);

/** Scratch space for ib_batch_group(), reused across batches. */
typedef struct ib_group_scratch_s {
        size_t *count;        /**< per partition */
        int64_t *lo, *hi;     /**< lowest and highest offset per partition */
        ib_record_t *sorted;  /**< records grouped by partition */
        size_t nparts_cap, sorted_cap;
} ib_group_scratch_t;

/**
 * @brief Appends @p n records, in poll order, to @p batch as one range per
 *        partition (ascending), each [lowest offset, highest offset + 1),
 *        keeping the records' order within a partition. One counting pass and
 *        one placing pass; no allocation once the scratch has grown.
 * @param hi_out  may be NULL; else gets, per range, its highest offset.
 * @returns IB_OK, IB_ERR_NOMEM, or IB_ERR_INVALID_ARG for a negative partition.
 */
ib_err_t ib_batch_group(ib_batch_t *batch, const ib_record_t *recs, size_t n,
                        ib_group_scratch_t *scratch);

void ib_group_scratch_free(ib_group_scratch_t *scratch);

#endif
