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

#include <jansson.h>

#include "config.h"
#include "errors.h"
#include "mode.h"

/**
 * @brief Runs @p mode with the shared options @p cfg (checked) and the
 *        mode's own @p conf (configured) until idle, stopped by a signal, or
 *        failed.
 * @returns IB_OK or the error that ended the run (message already in errstr).
 */
ib_err_t ib_run(const ib_mode_t *mode, const ib_config_t *cfg, const void *conf, char *errstr,
                size_t errstr_size);

/** @brief Every option of a run with its effective value: the shared ones,
 *         the resolved brokers, -X properties under "X", and the mode's
 *         options under the mode's name (the `config` block of stats.json). */
json_t *ib_run_config_json(const ib_mode_t *mode, const ib_config_t *cfg, const void *conf,
                           const char *brokers);

#endif
