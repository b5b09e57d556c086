/**
 * @file hosts.h
 * @brief Hosts of their own on one machine: each broker, ZooKeeper and each
 *        worker in a network namespace with an address of its own, all on
 *        one switch, and the network faults between them (a partition, lost
 *        packets, a delay), applied and healed with the kernel's own tools
 *        (`ip`, `iptables`), run with fork/exec, never a shell.
 *
 * The layout of the harness with process id PID (every name carries it, so
 * that two runs never meet and a dead harness's leftovers are known):
 *
 *     root namespace             ib-PID-switch              ib-PID-b1
 *     ibPID 10.X.Y.1/24 <-veth-> uplink --- br0 --- h-b1 <-veth-> eth0 10.X.Y.11 (broker 1)
 *     (harness, producer,                    |----- h-zk ...
 *      verifier)                             `----- h-w1 ...      ib-PID-w1: eth0 10.X.Y.101
 *
 * Addresses: zk .2, broker N .(10+N), worker wN .(100+N); X.Y come from PID.
 * The switch is a namespace of its own, so that the host's firewall (Docker
 * sets FORWARD to DROP) never sees the bridged traffic.
 *
 * Faults are rules in the faulty host's own namespace: a chain per fault
 * (IBF<id>) that INPUT and OUTPUT jump to, so that healing removes exactly
 * that fault. A partition drops packets to and from the peers' addresses
 * (DROP: the peers see silence, as on a cut cable, not a refusal); a loss
 * drops a random share of the packets on the host's link; a delay queues
 * the packets the host sends (NFQUEUE) to a process that lets each one go
 * after the delay (ib_net_delay_run: this kernel has no netem).
 *
 * Everything is removed by ib_net_down(): the namespaces (with their veth
 * pairs and rules) and the root link. ib_net_sweep() removes what harnesses
 * that no longer run left behind (a harness killed with -9).
 */
#ifndef IB_NET_HOSTS_H
#define IB_NET_HOSTS_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "errors.h"

#define IB_NET_MAX_HOSTS 72 /* zk, 3 brokers, 64 workers, and room */

typedef struct ib_host_s {
        char name[8];       /**< "zk", "b1", "w1" */
        char ns[48];        /**< its namespace, "ib-PID-b1" (/run/netns/...) */
        char addr[20];      /**< "10.X.Y.11" */
} ib_host_t;

typedef struct ib_net_s {
        int up;                       /**< 1 once the switch is made: ib_net_down() has work */
        long pid;                     /**< the harness's, in every name */
        char sw[48];                  /**< the switch's namespace */
        char root_if[16];             /**< the root namespace's end of its link */
        char prefix[16];              /**< "10.X.Y" */
        char gateway[20];             /**< the root namespace's address, "10.X.Y.1" */
        ib_host_t hosts[IB_NET_MAX_HOSTS];
        int nhosts;
        char log[1100];               /**< every command and its errors, appended */
} ib_net_t;

/** What a partition cuts, seen from its host. */
typedef enum {
        IB_NET_BOTH, /**< neither side reaches the other */
        IB_NET_OUT,  /**< the host's packets to the peers are lost (theirs to it arrive) */
        IB_NET_IN,   /**< the peers' packets to the host are lost */
} ib_net_direction_t;

/**
 * @brief Makes the switch and the root link; @p log collects the commands'
 *        errors. Needs root, `ip` (iproute2) and, for faults, `iptables`.
 * @returns IB_OK, IB_ERR_FAILED (not root, no `ip`, or a command
 *          failed: the reason in errstr).
 */
ib_err_t ib_net_up(ib_net_t *n, const char *log, char *errstr, size_t errstr_size);

/** @brief Host @p name ("zk", "b2", "w3"), made with its namespace, link and
 *         address at its first call. NULL with errstr on failure. */
const ib_host_t *ib_net_host(ib_net_t *n, const char *name, char *errstr, size_t errstr_size);

/** @brief Host @p name if it was made, or NULL. */
const ib_host_t *ib_net_find(const ib_net_t *n, const char *name);

/** @brief Cuts @p h from @p peers (their addresses) as fault @p id. */
ib_err_t ib_net_partition(ib_net_t *n, int id, const ib_host_t *h, const ib_host_t *const *peers, int npeers,
                          ib_net_direction_t dir, char *errstr, size_t errstr_size);

/** @brief Drops @p percent of the packets into and out of @p h's link, as fault @p id. */
ib_err_t ib_net_loss(ib_net_t *n, int id, const ib_host_t *h, double percent, char *errstr, size_t errstr_size);

/** @brief Sends the packets @p h sends on its link to NFQUEUE @p queue (in its
 *         namespace), as fault @p id; a packet passes when no process reads the
 *         queue, so a delay process that dies heals the delay, never cuts the link. */
ib_err_t ib_net_queue(ib_net_t *n, int id, const ib_host_t *h, int queue, char *errstr, size_t errstr_size);

/** @brief Removes fault @p id from @p h (its chain and the jumps to it). */
ib_err_t ib_net_heal(ib_net_t *n, int id, const ib_host_t *h, char *errstr, size_t errstr_size);

/** @brief Removes every namespace, link and rule @p n made. @returns how many
 *         of its things could not be removed (0: all gone). */
int ib_net_down(ib_net_t *n);

/** The cluster script's --host values for ZooKeeper and up to 3 brokers. */
typedef struct ib_net_servers_s {
        char args[4][128];        /**< "zookeeper=NS@ADDR", "broker-N=NS@ADDR" */
        const char *list[5];      /**< args, NULL-terminated: ib_cluster_spec_t.hosts */
} ib_net_servers_t;

/**
 * @brief The switch (ib_net_up(), commands logged to @p log) and a host each
 *        for ZooKeeper (when @p zk) and brokers b1..b@p brokers (at most 3),
 *        their --host values in @p out. IB_ERR_FAILED with errstr otherwise.
 */
ib_err_t ib_net_servers(ib_net_t *n, const char *log, int brokers, int zk, ib_net_servers_t *out, char *errstr,
                        size_t errstr_size);

/** @brief ib_net_down(), then what is still in the kernel (ib_net_leftovers) in
 *         @p left ("" when all is gone). Nothing when @p n is not up. */
void ib_net_finish(ib_net_t *n, char *left, size_t size);

/** @brief Removes the namespaces and links of harnesses (ib-PID-*, ibPID)
 *         whose PID no longer runs. @returns how many namespaces it removed. */
int ib_net_sweep(const char *log);

/** @brief The names of what @p pid's harness has in the kernel now (namespaces
 *         and root links), comma-separated into @p out; "" when nothing.
 *         For the tests and the end-of-run check. */
void ib_net_leftovers(long pid, char *out, size_t size);

/**
 * @brief The delay process: reads NFQUEUE @p queue in this namespace and lets
 *        each packet go @p delay_ms after it came, in order, until *@p stop;
 *        then lets every packet it holds go. At most @p limit packets wait
 *        (more are dropped, as a full link queue drops). Once it holds the
 *        queue it says so on @p say (when not NULL): "... holds queue N ...".
 * @returns IB_OK on stop, IB_ERR_FAILED / IB_ERR_IO with errstr.
 */
ib_err_t ib_net_delay_run(int queue, int64_t delay_ms, int limit, volatile sig_atomic_t *stop, FILE *say,
                          char *errstr, size_t errstr_size);

#endif
