/**
 * @file runner.h
 * @brief The worker loop shared by every mode: state directory, event log,
 *        sinks, pipeline, periodic and final stats, progress, idle exit and
 *        clean stop on SIGTERM.
 *
 * State under --state-dir: events.jsonl (event log), stats.json (rewritten
 * atomically every few seconds and at exit, so a killed worker leaves its
 * figures), and deadletter/ unless the sink puts dead letters elsewhere.
 */
#ifndef IB_RUNNER_H
#define IB_RUNNER_H

#include "config.h"
#include "errors.h"
#include "mode.h"

/**
 * @brief Runs @p mode with @p cfg until idle, stopped by a signal, or failed.
 * @returns IB_OK or the error that ended the run (message already in errstr).
 */
ib_err_t ib_run(const ib_mode_t *mode, const ib_config_t *cfg, char *errstr,
                size_t errstr_size);

/** @brief The dead-letter directory a run uses for @p cfg. */
const char *ib_run_dead_letter_dir(const ib_config_t *cfg, char *out, size_t out_size);

/** @brief ingestbench's version string. */
#define IB_VERSION "0.1.0"

#endif
