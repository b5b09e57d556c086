/**
 * @file fault.h
 * @brief Deterministic fault injection for the I/O paths that hold state
 *        (SQLite's SimulateIOError idea): INGESTBENCH_FAULTS names the Nth
 *        call of a point that must fail, e.g.
 *
 *            INGESTBENCH_FAULTS=wal.write:3,wal.fsync:10
 *
 *        makes the 3rd write of the write-ahead log and its 10th fsync fail
 *        with EIO. Points: wal.write, wal.fsync; and one crash point,
 *        receiver.crash_before_commit, where the receiver kills itself with
 *        SIGKILL after a batch is durable in the log and before its offsets
 *        are committed. Checkpoint: checkpoint.write, checkpoint.fsync,
 *        checkpoint.crash_before_rename.
 *
 *        A point may carry an argument after a second colon. The one point
 *        that uses it: batch.slow:N:MS makes the runner's Nth batch with
 *        records take MS milliseconds longer, after its sink write and before
 *        its commit (a slow sink, a GC pause in the processing thread: the
 *        batch that outlives max.poll.interval.ms in a consumer group).
 *
 *        Counting is per process and thread-safe; with the variable unset a
 *        check is one relaxed atomic load.
 */
#ifndef IB_FAULT_H
#define IB_FAULT_H

#include <stddef.h>

/**
 * @brief Counts one call of @p point. @returns 1 when this call must fail
 *        (errno is set to EIO), 0 otherwise.
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
 *        otherwise inject nothing, silently. @returns 0, or -1 with the
 *        reason in @p errstr.
 */
int ib_fault_check(char *errstr, size_t errstr_size);

/** @brief Re-reads INGESTBENCH_FAULTS and resets the counters (for tests). */
void ib_fault_reset(void);

#endif
