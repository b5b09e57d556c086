/**
 * @file supervisor.h
 * @brief The processes the chaos harness starts (workers, the producer, the
 *        mock cluster, cluster-script actions): started with fork/exec,
 *        never through a shell string, with their output in files of the run
 *        folder; signalled, reaped without blocking, and all stopped and
 *        reaped at the end, also when the harness is interrupted.
 *
 * Every child asks the kernel for SIGKILL when the harness dies
 * (PR_SET_PDEATHSIG), so not even a harness killed with -9 leaves a worker
 * behind. Servers the cluster script starts detach on purpose; the harness
 * stops those with the script (cluster.c).
 */
#ifndef IB_SUPERVISOR_H
#define IB_SUPERVISOR_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "errors.h"

typedef struct ib_proc_s {
        char name[32];       /**< "w1", "producer", "mock-cluster", "kill-broker" */
        pid_t pid;           /**< 0 once reaped */
        int status;          /**< wait status, once reaped */
        int exited;          /**< 1 once reaped */
        int stopped;         /**< 1 while SIGSTOPped by the harness */
        int64_t started_ms;  /**< wall clock */
        int64_t exited_ms;
        int stdin_fd;        /**< the write end of its stdin pipe, or -1 */
        int64_t cpu_user_us; /**< its CPU time (and its reaped children's), once reaped (wait4) */
        int64_t cpu_sys_us;
        long max_rss_kb;     /**< its peak resident set, once reaped */
        int own_group;       /**< 1: it leads a process group of its own (ib_spawn_io_t.own_group) */
} ib_proc_t;

typedef struct ib_sup_s {
        ib_proc_t *procs;
        size_t n, cap;
} ib_sup_t;

/** Where a child's stdio goes; NULL paths mean /dev/null. */
typedef struct ib_spawn_io_s {
        const char *stdout_path;   /**< appended to */
        const char *stderr_path;   /**< appended to */
        int stdin_pipe;            /**< 1: a pipe the harness writes (proc->stdin_fd) */
        const char *const *env;    /**< "NAME=value" set in the child, NULL-terminated; may be NULL */
        int hold_stop;             /**< 1: started with SIGTERM blocked, so that a stop sent before the
                                    *   program has its handler waits for it (ib_stop_signals unblocks
                                    *   it) instead of killing it; for ingestbench's own workers only */
        int own_group;             /**< 1: it leads a process group of its own, and what it starts
                                    *   (a wrapper's program, a driver's JVM) is in it: SIGKILL,
                                    *   SIGSTOP and SIGCONT go to the whole group, other signals
                                    *   (a stop request) to it alone, and whatever of the group
                                    *   outlives it is killed when it is reaped */
        const char *netns;         /**< a network namespace's name (/run/netns/NAME) it runs in, or
                                    *   NULL: the harness's (net/hosts.h: hosts of their own) */
} ib_spawn_io_t;

/**
 * @brief Starts @p argv[0] (a path) with @p argv as process @p name.
 * @returns IB_OK with the process in *@p out (a pointer into @p sup, valid
 *          until the next spawn: keep its index), or IB_ERR_IO.
 */
ib_err_t ib_sup_spawn(ib_sup_t *sup, const char *name, char *const argv[], const ib_spawn_io_t *io, size_t *out,
                      char *errstr, size_t errstr_size);

/** @brief Reaps every child that has exited, without blocking. @returns how many. */
int ib_sup_reap(ib_sup_t *sup);

/** @brief Sends @p sig to process @p i if it still runs (to its group for SIGKILL, SIGSTOP
 *         and SIGCONT when it leads one). @returns 0, or -1 when it is gone. */
int ib_sup_signal(ib_sup_t *sup, size_t i, int sig);

/** @brief Waits (bounded) for process @p i to exit. @returns 1 when it has, 0 on timeout. */
int ib_sup_wait(ib_sup_t *sup, size_t i, int64_t timeout_ms);

/**
 * @brief Stops everything still running: SIGCONT and SIGTERM, then SIGKILL
 *        after @p grace_ms, and reaps all. @returns how many had to be killed.
 */
int ib_sup_stop_all(ib_sup_t *sup, int64_t grace_ms);

/** @brief "exit 0", "exit 3", "killed by SIGKILL", "running". */
const char *ib_sup_describe(const ib_proc_t *p, char *out, size_t size);

void ib_sup_free(ib_sup_t *sup);

/** How a command run to completion (ib_run_command) is wired; NULL: /dev/null. */
typedef struct ib_run_io_s {
        const char *cwd;            /**< the folder it runs in, or NULL: this one */
        const char *stderr_path;    /**< appended to (0600, no link followed), or NULL */
        char *out;                  /**< its stdout's first out_size-1 bytes, NUL-terminated; or NULL */
        size_t out_size;
        const char *const *env;     /**< "NAME=value" set in the child, NULL-terminated; or NULL */
        int keep_stdio;             /**< 1: the child writes to this process's stdout and stderr
                                     *   (out and stderr_path unused) */
        volatile sig_atomic_t *stop; /**< or NULL: once set (a stop signal to this process), the
                                      *   child gets SIGTERM, once, and is waited for */
} ib_run_io_t;

/**
 * @brief Runs @p argv (argv[0] looked up on PATH) to completion, for short
 *        helpers (git, gnuplot): fork/exec, never a shell; its stdout is read
 *        to the end so it cannot block on a full pipe.
 * @returns its exit status (0-255; 126: the folder could not be entered,
 *          127: it could not be run), or -1 when it did not start or was killed.
 */
int ib_run_command(const char *const *argv, const ib_run_io_t *io);

#endif
