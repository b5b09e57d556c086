/**
 * @file stats.h
 * @brief Pipeline counters and the end-to-end latency histogram, and their
 *        JSON form. Every figure carries its unit in its name (_ms, _bytes,
 *        _per_s) so a reader never guesses.
 */
#ifndef IB_STATS_H
#define IB_STATS_H

#include <jansson.h>
#include <stdint.h>

#include "hist.h"

typedef struct ib_stats_s {
        int64_t started_ms;        /**< wall clock at start */
        int64_t started_mono_us;   /**< monotonic clock at start */
        uint64_t batches;          /**< batches run through the pipeline */
        uint64_t records_in;       /**< records read from Kafka */
        uint64_t bytes_in;         /**< value bytes read */
        uint64_t records_out;      /**< records written to the sink */
        uint64_t bytes_out;        /**< bytes written to the sink */
        uint64_t dead_parse;       /**< dead-lettered: not JSON / not an object */
        uint64_t dead_schema;      /**< dead-lettered: failed validation */
        uint64_t dead_transform;   /**< dead-lettered: failed transform */
        uint64_t sink_files;       /**< output files written (renames) */
        ib_hist_t latency_us;      /**< event time -> durable in sink, microseconds */
        ib_hist_t batch_us;        /**< time per batch through pipeline and sink */
} ib_stats_t;

void ib_stats_init(ib_stats_t *stats);

/** @brief Adds the pipeline figures to @p obj (a JSON object). */
void ib_stats_to_json(const ib_stats_t *stats, json_t *obj);

/** @brief {"p50":..,"p90":..,"p99":..,"p99_9":..,"max":..,"mean":..,"count":..} in ms. */
json_t *ib_hist_to_json_ms(const ib_hist_t *hist_us);

/** @brief Adds one to @p counts[@p name] (a JSON object of counts by name,
 *         e.g. commit errors by error name). */
void ib_stats_count_name(json_t *counts, const char *name);

#endif
