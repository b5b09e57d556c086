/**
 * @file compare.h
 * @brief Sets of results files (bench and chaos), the guarantee each mode
 *        showed under faults, and the regression checks of `ingestbench
 *        compare` (results/SCHEMA.md, docs/CI.md).
 */
#ifndef IB_COMPARE_H
#define IB_COMPARE_H

#include <jansson.h>
#include <stddef.h>

#include "errors.h"

/** The results files of a baseline or a current run. */
typedef struct ib_result_set_s {
        json_t *bench;  /**< array of bench documents */
        json_t *chaos;  /**< array of chaos documents */
        json_t *evaluation; /**< array of evaluation documents (`ingestbench evaluate`'s matrix) */
} ib_result_set_t;

/**
 * @brief Loads @p n paths into @p set: a file must be a results file (else
 *        refused with file and field, see ib_results_read); a directory is
 *        searched, to any depth, for results.json, bench*.json and
 *        evaluation.json files, each of which must then be one.
 */
ib_err_t ib_result_set_load(const char *const *paths, size_t n, ib_result_set_t *set, char *errstr,
                            size_t errstr_size);
void ib_result_set_free(ib_result_set_t *set);

/** Guarantees, strongest first. */
typedef enum ib_guarantee_e {
        IB_G_EXACTLY_ONCE, /**< effectively exactly once: no visible duplicate, nothing lost */
        IB_G_AT_LEAST_ONCE,
        IB_G_AT_MOST_ONCE,
        IB_G_NONE,         /**< both duplicates and loss */
        IB_G_UNKNOWN,      /**< no chaos run of the mode */
} ib_guarantee_t;

const char *ib_guarantee_name(ib_guarantee_t g);

/** What the chaos runs of one mode showed, worst case. */
typedef struct ib_mode_safety_s {
        char mode[32];
        char label[96];          /**< what the runs are grouped by: the mode, its variant ("async-commit
                                  *   consumer"), and the workers' librdkafka when the set holds more
                                  *   than one ("async-commit consumer, librdkafka 2.14.2") */
        int runs;
        double worst_dup_rate;   /**< duplicates / produced, the worst run */
        double worst_loss_rate;  /**< lost / produced */
        long long duplicates, lost;
        double worst_recovery_ms;   /**< -1: none measured; INFINITY: a fault never recovered from */
        const char *worst_dup_run;  /**< the results file of the worst duplicate rate (borrowed) */
        const char *worst_loss_run;
        const char *worst_recovery_run;
        ib_guarantee_t guarantee;
} ib_mode_safety_t;

/** @brief Per mode (and variant and client: see label), over every chaos
 *         document of @p set. @returns how many (at most @p max). */
size_t ib_mode_safety(const ib_result_set_t *set, ib_mode_safety_t *out, size_t max);

/** One compared figure. */
typedef struct ib_check_s {
        char name[200];        /**< "direct none: throughput ratio to the reference" */
        char baseline[64], current[64];
        char limit[96];        /**< what would fail it, or "" for a figure shown only */
        int gate;              /**< 1: a check; 0: shown only */
        int pass;
} ib_check_t;

/**
 * @brief Every check of @p current against @p baseline.
 *
 * Guarantees (chaos): loss in a scenario whose baseline had none; visible
 * duplicates in a mode whose baseline had none; a mode's guarantee weaker
 * than the baseline's. Throughput (bench): a mode's ratio to
 * the reference, per pipeline level, fails when its median dropped by more
 * than @p tolerance_pct plus the spread of the repetitions (half the
 * relative min-max range of the baseline and of the current, the larger,
 * counted up to 50%: repetitions that disagree more than that cannot hide a
 * drop of more than the tolerance plus 50%).
 * CPU per record, latency, and kcat's and a peer's ratios are shown, not
 * gated; so is a row naming configuration fields that differ.
 * @returns how many checks, in @p *checks (free()).
 */
size_t ib_compare(const ib_result_set_t *baseline, const ib_result_set_t *current, double tolerance_pct,
                  ib_check_t **checks);

#endif
