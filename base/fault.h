/**
 * @file fault.h
 * @brief Deterministic fault injection for the I/O paths that hold state
 *        (SQLite's SimulateIOError idea): INGESTBENCH_FAULTS names the Nth
 *        call of a point that must fail, e.g.
 *
 *            INGESTBENCH_FAULTS=wal.write:3,wal.fsync:10
 *
 *        makes the 3rd write of the write-ahead log and its 10th fsync fail
 *        with EIO. A point may carry an argument after a second colon
 *        (batch.slow:N:MS: the Nth batch with records takes MS ms longer);
 *        ENOSPC as the argument of an I/O point makes that call fail as a
 *        full disk does (sink.write:3:ENOSPC).
 *
 *        Points are registered by the file that injects them, with
 *        IB_FAULT_POINTS("wal.write", "wal.fsync") at file scope: the list
 *        of known points is exactly what the program has compiled in, and
 *        no central list names its callers. `ingestbench run` checks the
 *        variable against it before anything starts.
 *
 *        Counting is per process and thread-safe; with the variable unset a
 *        check is one relaxed atomic load.
 */
#ifndef IB_FAULT_H
#define IB_FAULT_H

#include <stddef.h>

#include "errors.h"

/** @brief Registers a NULL-terminated list of point names (static storage).
 *         Called by IB_FAULT_POINTS before main(); at most 16 lists. */
void ib_fault_register(const char *const *names);

/** @brief Registers this file's fault points before main() runs. */
#define IB_FAULT_POINTS(...)                                                          \
        static void __attribute__((constructor)) ib_fault_points_here(void) {         \
                static const char *const names[] = {__VA_ARGS__, NULL};               \
                ib_fault_register(names);                                             \
        }

/** The argument ENOSPC: the call fails with errno ENOSPC instead of EIO. */
#define IB_FAULT_ENOSPC ((unsigned long)-1)

/**
 * @brief Counts one call of @p point. @returns 1 when this call must fail
 *        (errno is set to EIO, or ENOSPC when the point's argument says so),
 *        0 otherwise.
 */
int ib_fault(const char *point);

/**
 * @brief Like ib_fault(), and when this call is the chosen one, stores the
 *        point's argument (0 when it has none) in @p arg.
 */
int ib_fault_arg(const char *point, unsigned long *arg);

/**
 * @brief Checks INGESTBENCH_FAULTS: every entry is a known point, a call
 *        number from 1, and an optional whole-number argument. A typo would
 *        otherwise inject nothing, silently. @returns IB_OK, or IB_ERR_INVALID_ARG with the
 *        reason in @p errstr.
 */
ib_err_t ib_fault_check(char *errstr, size_t errstr_size);

/**
 * @brief Arms faults while the process runs (the chaos harness's "inject" and
 *        "slow-batch"): when INGESTBENCH_FAULTS_FILE is set, a SIGUSR2 makes
 *        the next fault check read that file, entries as in
 *        INGESTBENCH_FAULTS, counting calls from then on ("wal.fsync:1": the
 *        next fsync fails). Installs the handler; does nothing without the
 *        variable. Call once, before threads start.
 */
void ib_fault_listen(void);

/** @brief Re-reads INGESTBENCH_FAULTS and resets the counters (for tests). */
void ib_fault_reset(void);

#endif
