/**
 * @file run.h
 * @brief One chaos run, end to end, on a cluster that is up: create the
 *        topic, start the workers and the producer, apply the schedule,
 *        heal every fault, drain (bounded, until every partition's processed
 *        position reaches the topic's end offsets; never by idle time), stop
 *        the workers, check and explain, and write the results.
 *
 * Run folder:
 *   results.json, report.txt, schedule.txt      what was found
 *   producer.out, producer.err                  the producer's report
 *   workers/wN/ (events.jsonl, stats.json, state), workers/wN.err
 *   sink/ (range files), sink/deadletter/
 */
#ifndef IB_CHAOS_RUN_H
#define IB_CHAOS_RUN_H

#include <jansson.h>
#include <signal.h>
#include <stdint.h>

#include "clients.h"
#include "cluster.h"
#include "errors.h"
#include "hosts.h"
#include "scenario.h"
#include "supervisor.h"

typedef struct ib_chaos_opts_s {
        const ib_scenario_t *scenario;
        uint64_t seed;
        unsigned iteration;        /**< 0 for the first run of --repeat */
        ib_chaos_cluster_t *cluster;
        ib_sup_t *sup;
        const char *self;          /**< this program, for workers and the producer */
        const char *out_dir;       /**< this run's folder (made) */
        const char *replay;        /**< the command that replays this run */
        json_t *command;           /**< the command line (borrowed) */
        const char *zk_version;    /**< NULL when no ZooKeeper is used */
        int progress;              /**< 1: a progress line on stderr */
        volatile sig_atomic_t *stop;        /**< SIGINT/SIGTERM: stop everything, report what there is */
        const ib_variant_t *variant;        /**< the options swept in this run, or NULL: the scenario's */
        const ib_client_t *client;          /**< the workers' librdkafka, or NULL: the one linked */
        int quiet;                          /**< 1: the text report is written, not printed on stdout */
        int sink;                           /**< 0: the scenario's; 1: dir; 2: kafka (an output topic) */
        ib_net_t *net;                      /**< hosts of their own (the scenario's "hosts"), up, with the
                                             *   brokers' and ZooKeeper's made; or NULL */
        const char *const *launch;          /**< a worker-launch template (commands.h), checked, with its
                                             *   program resolved; or NULL: workers start here */
} ib_chaos_opts_t;

typedef struct ib_chaos_outcome_s {
        int pass;          /**< every expectation held */
        json_t *results;   /**< the results document (owned by the caller) */
} ib_chaos_outcome_t;

/**
 * @brief Runs the scenario once. @returns IB_OK when the run happened (pass
 *        or not: see @p out), or the error that stopped it (unreachable
 *        cluster, I/O, interrupted: IB_ERR_TIMED_OUT).
 */
ib_err_t ib_chaos_run(const ib_chaos_opts_t *o, ib_chaos_outcome_t *out, char *errstr, size_t errstr_size);

#endif
