/**
 * @file commands.h
 * @brief The command lines the harness and the benchmarks start: a worker
 *        (`ingestbench run`) and the producer (`ingestbench produce`), built
 *        once here by appending (base/argv.h), so `chaos` and `bench` start
 *        the same programs the same way. What a mode adds of its own comes
 *        from its table (ib_mode_t.worker_args), handed in as a function.
 */
#ifndef IB_LAUNCH_COMMANDS_H
#define IB_LAUNCH_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

#include "argv.h"
#include "errors.h"

/** One worker's `ingestbench run`. NULL strings and 0 numbers are left out. */
typedef struct ib_worker_cmd_s {
        const char *self;            /**< this program */
        const char *mode;            /**< --mode */
        const char *brokers, *topic, *group, *state_dir, *sink;
        const char *dead_letter;     /**< --dead-letter, or NULL: the worker's default */
        const char *worker_id;       /**< --worker-id; also replaces "{worker}" in @p extra */
        const char *pipeline;        /**< --pipeline, or NULL: the default */
        const char *zookeeper;       /**< --zookeeper, or NULL */
        int exit_when_idle_s;        /**< --exit-when-idle S, or 0 */
        int index, count;            /**< this worker's place among @p count started together */
        /** The mode's own flags for this worker's place (ib_mode_t.worker_args), or NULL. */
        void (*mode_args)(ib_argv_t *argv, int index, int count);
        const char *const *extra;    /**< more words as given (a scenario's options) */
        size_t nextra;
} ib_worker_cmd_t;

/** @brief Builds the worker's command line into @p out (empty on entry).
 *  @returns IB_OK, or IB_ERR_NOMEM. */
ib_err_t ib_launch_worker_argv(const ib_worker_cmd_t *cmd, ib_argv_t *out);

/** The producer's `ingestbench produce`. NULL strings and 0 numbers are left out. */
typedef struct ib_producer_cmd_s {
        const char *self, *brokers, *topic, *run_id;
        int64_t records;
        int partitions;
        int replication_factor;      /**< 0: the producer's default */
        int64_t size;                /**< bytes per record, 0: the default */
        int64_t rate;                /**< records/s, 0: as fast as it can */
        double bad_ratio;            /**< 0: none */
        const char *seed;            /**< as text, or NULL */
        const char *stats_path;      /**< --stats, or NULL */
} ib_producer_cmd_t;

/** @brief Builds the producer's command line into @p out (empty on entry).
 *  @returns IB_OK, or IB_ERR_NOMEM. */
ib_err_t ib_launch_producer_argv(const ib_producer_cmd_t *cmd, ib_argv_t *out);

/**
 * A worker-launch template: how workers are started elsewhere (in a
 * container, on another machine), as argv words, never a shell string:
 *
 *     ["docker", "run", "--rm", "--network", "host", "-v", "{cwd}:{cwd}", "-w", "{cwd}",
 *      "ingestbench:latest", "{args}"]
 *     ["ssh", "-o", "BatchMode=yes", "worker-{worker}", "/opt/ingestbench/build/ingestbench", "{args}"]
 *
 * "{args}", a word alone and exactly once, stands for the worker's arguments
 * (several words, without the program); "{worker}" (w1), "{run}" (the run
 * folder) and "{cwd}" (the harness's folder, absolute) may appear in any word.
 */
typedef struct ib_launch_vars_s {
        const char *worker, *run, *cwd;
} ib_launch_vars_t;

/** @brief Checks @p words (NULL-terminated): 2 words at least, "{args}" once and
 *  alone, no placeholder but those above. @returns 0, or -1 with the reason in @p why. */
int ib_launch_template_check(const char *const *words, char *why, size_t why_size);

/** @brief The command that starts worker argv @p worker_argv (its [0], the
 *  program, left out) through @p words, into @p out (empty on entry).
 *  @returns IB_OK, or IB_ERR_NOMEM. */
ib_err_t ib_launch_template_argv(const char *const *words, char *const *worker_argv, const ib_launch_vars_t *v,
                                 ib_argv_t *out);

#endif
