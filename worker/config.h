/**
 * @file config.h
 * @brief What every mode shares in a worker run: its options table, struct,
 *        checks and the JSON record of effective values. A mode's own
 *        options live in the mode's folder (mode.h, options.h).
 *
 * One struct with a comment per field (kcat's conf). Defaults come from the
 * table (ib_config_init); `run` fills the rest, and ib_config_check()
 * refuses missing or contradictory options with one line.
 */
#ifndef IB_CONFIG_H
#define IB_CONFIG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "kafka.h"
#include "options.h"

typedef struct ib_config_s {
        const char *mode;          /**< mode name, from the registry (--mode) */
        const char *brokers;       /**< bootstrap list; NULL: the running mock cluster */
        const char *topic;         /**< input topic */
        const char *group;         /**< group: consumer group / ZooKeeper namespace / checkpoint owner */
        const char *sink;          /**< sink spec: dir:PATH, kafka:TOPIC[@BROKERS] or null */
        int64_t sink_partitions;   /**< a Kafka sink's new topic: partitions; 0: the input's */
        const char *dead_letter;   /**< dead-letter directory; NULL: derived by ib_config_check */
        const char *state_dir;     /**< local state: event log, stats */
        const char *schema;        /**< JSON schema file; NULL: built-in default */
        const char *worker_id;     /**< this worker's name; NULL: host-pid, set by ib_config_check */
        const char *event_time_field; /**< field with event time in ms ("ts") */
        int64_t batch_ms;          /**< batch interval when caught up, ms */
        int64_t exit_when_idle_ms; /**< stop after this long without new records; 0: never */
        int64_t connect_timeout_ms; /**< bound on reaching brokers / ZooKeeper, ms */
        int64_t progress_ms;       /**< progress line on stderr every so often; 0: off */
        int64_t retry_budget_ms;   /**< how long one operation retries a transient error */
        int quiet;                 /**< no progress lines */
        int pipeline;              /**< ib_pipeline_level_t (--pipeline) */
        int64_t pipeline_threads;  /**< threads of the pipeline; 0: one per core */
        ib_props_t props;          /**< -X key=value for librdkafka */
        char dead_letter_buf[1024]; /**< storage for a derived dead_letter */
        char worker_id_buf[256];   /**< storage for a derived worker_id */
} ib_config_t;

/** The options every mode shares. */
extern const ib_option_t ib_config_options[];

/** @brief Sets every field to its table default. */
void ib_config_init(ib_config_t *cfg);
void ib_config_destroy(ib_config_t *cfg);

/** @brief Checks required and contradictory options, then fills the derived
 *         defaults (dead-letter directory, worker id). IB_ERR_INVALID_ARG + errstr. */
ib_err_t ib_config_check(ib_config_t *cfg, char *errstr, size_t errstr_size);

/** @brief Every option of @p table in @p conf with its effective value, as a
 *         JSON object keyed by option name (null where an option has none). */
json_t *ib_options_json(const ib_option_t *table, const void *conf);

#endif
