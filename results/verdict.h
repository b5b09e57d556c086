/**
 * @file verdict.h
 * @brief What N runs of one fault show, and how sure that is: the verdict
 *        of a cell of the fault matrix (a mode under one fault class, N
 *        seeds) and of a mode over its cells. Pure arithmetic over counts,
 *        so that it is unit-tested on hand-made cells (test 0024).
 *
 * With a Kafka sink the output's log is judged too, as a read_uncommitted
 * reader sees it (aborted and zombie writes included): its guarantee is
 * given apart, and never changes the visible one.
 * A run is clean when it shows no visible duplicate, loses nothing and
 * writes nothing that matches no input. A cell's guarantee is the weakest
 * any of its runs showed: one anomalous run among twenty makes the cell
 * at-least-once (or worse), never "mostly exactly-once". Zero anomalies in n
 * runs bound the anomaly rate from above (one-sided, 95%: 1 - 0.05^(1/n),
 * 14% for n = 20, 45% for n = 5); k anomalies in n runs bound it from
 * below (one-sided Clopper-Pearson). A mode's verdict is the weakest over
 * its cells and names the cell that decides it.
 */
#ifndef IB_VERDICT_H
#define IB_VERDICT_H

#include <jansson.h>
#include <stddef.h>

#include "compare.h"

/** The confidence every bound here is stated at. */
#define IB_VERDICT_CONFIDENCE 0.95

/** One run of a cell, from its results file. */
typedef struct ib_cell_run_s {
        int ran;              /**< 0: the run could not happen (the harness failed; see its cell) */
        double produced;      /**< records in the topic */
        double lost, duplicates, unexpected, redelivered, reordered;
        double recovery_ms;   /**< the worst recovery; -1: none measured; INFINITY: never */
        int has_log;          /**< a Kafka sink's log was read (read_uncommitted) */
        double log_duplicates, aborted, unexplained_aborted; /**< ... what it held beyond the visible output */
} ib_cell_run_t;

/** What a cell's runs show. */
typedef struct ib_cell_verdict_s {
        int planned;            /**< seeds asked for */
        int runs;               /**< runs that happened */
        int not_run;            /**< planned - runs */
        int clean;              /**< runs with no duplicate, no loss, nothing unexpected */
        int with_duplicates, with_loss, with_unexpected, with_reordering;
        double worst_dup_rate;  /**< visible duplicates / produced, worst run */
        double worst_loss_rate; /**< lost / produced, worst run */
        double max_redelivered; /**< most redelivered records of a run (absorbed, not visible) */
        double max_reordered;   /**< most out-of-order first deliveries of a run */
        double worst_recovery_ms; /**< -1: none; INFINITY: a fault never recovered from */
        ib_guarantee_t guarantee; /**< IB_G_UNKNOWN when no run happened */
        /* a Kafka sink: what a read_uncommitted reader of the output saw */
        int log_runs;             /**< runs whose log was read */
        int with_log_duplicates;  /**< ... with an input record in it more than once */
        double max_aborted;       /**< most copies of a run a read_committed reader did not see */
        double unexplained_aborted; /**< aborted copies no uncommitted batch accounts for, all runs */
        ib_guarantee_t log_guarantee; /**< the log's guarantee (duplicates and loss as a reader of it sees them) */
        double bound;           /**< all clean: the anomaly rate's upper bound; else its lower bound (95%) */
        char evidence[360];     /**< the sentence a report prints */
} ib_cell_verdict_t;

/** @brief The upper bound (one-sided, @p confidence) of a rate never seen in @p n trials: 1 - (1-c)^(1/n). */
double ib_verdict_upper_bound(int n, double confidence);

/** @brief The lower bound (one-sided Clopper-Pearson, @p confidence) of a rate seen in @p k of @p n trials; 0 for k = 0. */
double ib_verdict_lower_bound(int k, int n, double confidence);

/** @brief The weaker of two guarantees (duplicates and loss add up to none; unknown is weakest). */
ib_guarantee_t ib_guarantee_join(ib_guarantee_t a, ib_guarantee_t b);

/** @brief The verdict of the @p n runs of a cell that planned @p planned (n counts runs that could not happen too). */
void ib_cell_verdict(const ib_cell_run_t *runs, int n, int planned, ib_cell_verdict_t *out);

/**
 * @brief The verdict of a cell of an evaluation file (results/SCHEMA.md,
 *        "evaluation"), recomputed from its runs' figures: what a file says
 *        of itself is not taken on trust. @returns 0, or -1 when the cell
 *        does not apply (no verdict).
 */
int ib_cell_verdict_json(const json_t *cell, ib_cell_verdict_t *out);

/** A mode's verdict over its cells. */
typedef struct ib_mode_verdict_s {
        ib_guarantee_t guarantee; /**< the weakest over the cells that ran; unknown if none ran */
        int deciding;             /**< the index of the cell that decides it, -1 if none ran */
        int cells_run, cells_not_run, runs;
        char evidence[480];
} ib_mode_verdict_t;

/**
 * @brief The weakest guarantee over @p n cells (named @p names for the
 *        evidence), and the cell that decides it: the one with the most
 *        kinds of anomaly, then the largest share of anomalous runs, then the
 *        worst rate; when every cell is clean, the one with the least
 *        evidence (the largest upper bound). Cells that did not run are
 *        named as missing evidence, never counted as clean.
 */
void ib_mode_verdict(const ib_cell_verdict_t *cells, const char *const *names, int n, ib_mode_verdict_t *out);

#endif
