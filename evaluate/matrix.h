/**
 * @file matrix.h
 * @brief The fault matrix of `ingestbench evaluate`: its rows (every mode,
 *        and the option sets of a mode that change its guarantee), its
 *        columns (every fault class the chaos harness has), the profiles
 *        (how many seeds, how much data, which cluster), and the scenario of
 *        each cell, generated as an ordinary chaos scenario (JSON) whose
 *        fault times are [lo, hi] ranges drawn from each run's seed.
 *
 * Whether a fault class applies to a row follows from what the mode
 * declares (worker/mode.h: a static split, ZooKeeper, fault points) and
 * from its options (a consumer group has a max.poll.interval.ms), then from
 * the scenario checker itself: a generated scenario it refuses is a cell
 * that does not apply, with the checker's reason.
 */
#ifndef IB_EVAL_MATRIX_H
#define IB_EVAL_MATRIX_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "mode.h"

/** A row: a mode with the options it runs under. */
typedef struct ib_eval_row_s {
        const char *name;        /**< "async-commit", "async-commit-revoke" */
        const char *mode;        /**< the registry's name */
        const char *options;     /**< JSON object of extra options, or NULL */
        const char *description;
        int in_quick;            /**< 1: part of the quick profile's default rows */
        const char *sink;        /**< "kafka": the workers write an output topic; NULL: the mode's default */
        const char *external;    /**< mode external: its "external" block (JSON text); NULL otherwise */
        int workers;             /**< workers at start; 0: 2 */
        int64_t startup_ms;      /**< how long its workers take to start consuming: faults are drawn
                                  *   after it, and the producer writes that much longer */
} ib_eval_row_t;

/** A column: a fault class. */
typedef struct ib_eval_fault_s {
        const char *name;        /**< "kill", "pause", "broker-kill" */
        const char *description;
        int brokers;             /**< brokers the cluster needs for it (3: broker faults) */
        int hosts;               /**< 1: a network fault, between hosts of their own (the cluster is
                                  *   started in network namespaces for it) */
} ib_eval_fault_t;

/** A profile: how big and how sure an evaluation is. */
typedef struct ib_eval_profile_s {
        const char *name;        /**< quick, standard, thorough, ci */
        const char *brokers;     /**< mock or local (--brokers overrides) */
        int seeds;               /**< N runs per cell */
        int64_t records;         /**< per chaos run */
        int64_t rate;            /**< records/s of the producer */
        int session_ms;          /**< a group member's session and max.poll.interval.ms */
        int64_t drain_timeout_ms;
        const char *bench_records, *bench_repeat, *bench_pipeline, *bench_latency_seconds;
        const char *description;
} ib_eval_profile_t;

extern const ib_eval_row_t ib_eval_rows[];     /**< NULL-name terminated */
extern const ib_eval_fault_t ib_eval_faults[]; /**< NULL-name terminated */
extern const ib_eval_profile_t ib_eval_profiles[]; /**< NULL-name terminated */

const ib_eval_row_t *ib_eval_row(const char *name);
const ib_eval_fault_t *ib_eval_fault(const char *name);
const ib_eval_profile_t *ib_eval_profile(const char *name);

/**
 * @brief The scenario of cell (@p row, @p fault) under @p profile, or NULL
 *        with the reason the fault class does not apply to the row in
 *        @p why (the scenario checker's refusals are found by the caller).
 * @param mode the row's mode from the registry.
 * @param mock 1: the cells run on librdkafka's mock cluster, which takes
 *        transactions without their effects (no transactional row there).
 */
json_t *ib_eval_scenario(const ib_eval_row_t *row, const ib_mode_t *mode, const ib_eval_fault_t *fault,
                         const ib_eval_profile_t *profile, int mock, const char *no_hosts, char *why, size_t why_size);

#endif
