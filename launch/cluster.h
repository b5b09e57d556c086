/**
 * @file cluster.h
 * @brief The cluster a chaos run uses, and its faults: the project's own
 *        local cluster (scripts/cluster.sh: Apache Kafka in KRaft mode and
 *        ZooKeeper on loopback, per-process kill and start), librdkafka's
 *        mock cluster (`ingestbench mock-cluster --control`: brokers set down
 *        and up through its stdin), or an external list of brokers (faults
 *        on it need the cluster script's folder, --cluster-dir).
 */
#ifndef IB_CHAOS_CLUSTER_H
#define IB_CHAOS_CLUSTER_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>

#include "errors.h"
#include "options.h"
#include "supervisor.h"

typedef enum { IB_CLUSTER_MOCK, IB_CLUSTER_LOCAL, IB_CLUSTER_EXTERNAL } ib_cluster_kind_t;

/** The flags of the local cluster, shared by the commands that start one
 *  (chaos, bench) through IB_OPT_INCLUDE of ib_cluster_options. */
typedef struct ib_cluster_flags_s {
        const char *script;       /**< --cluster-script, or NULL: ib_cluster_script() */
        int64_t kafka_port;       /**< --kafka-port: the first broker's */
        int64_t zk_port;          /**< --zk-port */
        char script_buf[4096];
} ib_cluster_flags_t;

extern const ib_option_t ib_cluster_options[];

/** @brief The cluster script: --cluster-script, else $INGESTBENCH_CLUSTER_SCRIPT,
 *         else @p source_dir/scripts/cluster.sh. */
const char *ib_cluster_script(ib_cluster_flags_t *f, const char *source_dir);

/** What the run asks for. */
typedef struct ib_cluster_spec_s {
        const char *brokers;      /**< "mock", "local" or a bootstrap list */
        const char *zookeeper;    /**< a connect string, or NULL: started when needed */
        const char *cluster_dir;  /**< the cluster script's folder of an external cluster, or NULL */
        const char *script;       /**< scripts/cluster.sh */
        const char *self;         /**< this program, for mock-cluster */
        const char *run_dir;      /**< the run folder (local: RUN/cluster) */
        int nbrokers;             /**< brokers to start (local: 1 or 3; mock: any) */
        int need_zk;              /**< the scenario uses ZooKeeper */
        int need_broker_faults;   /**< the schedule kills brokers */
        int need_zk_faults;       /**< the schedule stops ZooKeeper */
        int kafka_port, zk_port;  /**< local: first broker port, ZooKeeper port */
        const char *topic;        /**< mock: created up front */
        int partitions;
        int64_t timeout_ms;       /**< bound on starting */
        volatile sig_atomic_t *stop;       /**< set by SIGINT/SIGTERM: give up starting */
        const char *const *hosts; /**< local: "zookeeper=NS@ADDR", "broker-N=NS@ADDR" (the cluster
                                   *   script's --host: hosts of their own), NULL-terminated; or NULL */
} ib_cluster_spec_t;

typedef struct ib_chaos_cluster_s {
        ib_cluster_kind_t kind;
        char brokers[1024];       /**< bootstrap list */
        char zookeeper[256];      /**< "" when none */
        char dir[1024];           /**< the cluster script's folder, "" when none */
        char script[1024];
        char broker_version[64];  /**< "Apache Kafka 3.9.1", "librdkafka mock cluster", "unknown" */
        int started;              /**< 1: this run started servers with the script, and stops them */
        int has_mock;
        size_t mock_proc;         /**< the mock-cluster process in the supervisor */
} ib_chaos_cluster_t;

/**
 * @brief Brings the cluster up (or checks it is given). IB_ERR_INVALID_ARG
 *        for a fault the cluster cannot carry out (a broker kill on an
 *        external list without --cluster-dir), IB_ERR_KAFKA_UNREACHABLE /
 *        IB_ERR_ZK_UNREACHABLE when it does not come up in time.
 */
ib_err_t ib_cluster_up(ib_chaos_cluster_t *c, ib_sup_t *sup, const ib_cluster_spec_t *spec, char *errstr,
                       size_t errstr_size);

typedef enum { IB_CL_BROKER_DOWN, IB_CL_BROKER_UP, IB_CL_ZK_DOWN, IB_CL_ZK_UP } ib_cluster_action_t;

/**
 * @brief Starts a fault or its healing. Mock brokers change at once
 *        (*@p proc = SIZE_MAX); the script's actions run as a process the
 *        caller watches (*@p proc: its index; done when it exits 0).
 */
ib_err_t ib_cluster_act(ib_chaos_cluster_t *c, ib_sup_t *sup, ib_cluster_action_t action, int broker,
                        const char *log_path, size_t *proc, char *errstr, size_t errstr_size);

/** @brief Creates @p topic on the mock cluster (its admin API cannot). */
ib_err_t ib_cluster_mock_topic(ib_chaos_cluster_t *c, ib_sup_t *sup, const char *topic, int partitions,
                               char *errstr, size_t errstr_size);

/** @brief Stops what ib_cluster_up() started (the script's servers; the mock dies with its pipe). */
void ib_cluster_down(ib_chaos_cluster_t *c, ib_sup_t *sup, const char *log_path);

/**
 * @brief The end of a command that started a cluster and processes: the
 *        cluster down (its script's output in @p dir/cluster.log), every
 *        process still running stopped (SIGTERM, SIGKILL after 10 s) and
 *        reaped, the supervisor freed.
 */
void ib_cluster_teardown(ib_chaos_cluster_t *c, ib_sup_t *sup, const char *dir);

#endif
