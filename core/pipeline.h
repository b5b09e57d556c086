/**
 * @file pipeline.h
 * @brief The shared pipeline every mode feeds: parse (jansson) -> validate
 *        (schema) -> transform (flatten, event date) -> stats -> sink, with a
 *        dead-letter path for records that fail parse, validation or
 *        transform.
 *
 * One call processes a whole batch: each range is serialized into a reused
 * buffer and written as one sink file, dead letters likewise, then both sinks
 * are flushed once (one directory fsync each). jansson allocates from a
 * per-batch arena. Output lines are the flattened record plus "_partition"
 * and "_offset", so any consumer of the sink can tie a line to its Kafka
 * record. Dead-letter lines hold topic, partition, offset, stage, reason and
 * the raw bytes in base64.
 *
 * Levels (--pipeline): `full` runs every stage; `parse` parses and validates
 * and writes the record's bytes untouched; `none` writes the bytes untouched
 * without looking at them, so that a mode's cost of tracking offsets shows
 * alone. Only `full` output carries "_partition" and "_offset".
 *
 * Thread: a pipeline is used by one thread at a time.
 */
#ifndef IB_PIPELINE_H
#define IB_PIPELINE_H

#include <jansson.h>
#include <stddef.h>

#include "errors.h"
#include "record.h"
#include "schema.h"
#include "sink.h"
#include "stats.h"

typedef struct ib_pipeline_s ib_pipeline_t;

/** How much of the pipeline runs (the order of ib_pipeline_level_names). */
typedef enum ib_pipeline_level_e {
        IB_PIPELINE_NONE,  /**< bytes to the sink untouched: offset tracking alone */
        IB_PIPELINE_PARSE, /**< parse and validate; bytes to the sink untouched */
        IB_PIPELINE_FULL,  /**< parse, validate, transform, serialize */
} ib_pipeline_level_t;

/** "none", "parse", "full", NULL. */
extern const char *const ib_pipeline_level_names[];

typedef struct ib_pipeline_conf_s {
        const ib_schema_t *schema;    /**< validation rules (borrowed) */
        const char *event_time_field; /**< integer field holding event time, ms */
        ib_sink_t *sink;              /**< output (borrowed) */
        ib_sink_t *dead;              /**< dead letters (borrowed) */
        ib_stats_t *stats;            /**< updated per batch (borrowed) */
        int level;                    /**< ib_pipeline_level_t; 0 (none) unless set */
        int threads;                  /**< threads a batch's ranges are spread over (one range, one
                                       *   thread: a partition's records stay in order); 0 or 1: the caller's */
} ib_pipeline_conf_t;

ib_err_t ib_pipeline_new(const ib_pipeline_conf_t *conf, ib_pipeline_t **out, char *errstr,
                         size_t errstr_size);

/**
 * @brief Runs @p batch through every stage and both sinks and makes the
 *        output durable. On success every record of the batch is either in
 *        the sink or in the dead-letter sink.
 * @returns IB_OK, or the sink's error (nothing may be committed then).
 */
ib_err_t ib_pipeline_run(ib_pipeline_t *pl, const ib_batch_t *batch,
                         char *errstr, size_t errstr_size);

void ib_pipeline_destroy(ib_pipeline_t *pl);

/** @brief Per thread, since the pipeline was made: records and busy time (ms). */
json_t *ib_pipeline_threads_json(const ib_pipeline_t *pl);

/** @brief Per thread, the last batch: busy time (ms; 0 for a thread the
 *         batch had no range for). */
json_t *ib_pipeline_batch_busy_json(const ib_pipeline_t *pl);

#endif
