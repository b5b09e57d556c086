/**
 * @file eventlog.h
 * @brief A worker's event log: JSON Lines, one event per line, appended with
 *        one write(2) per event (batches, commits and their outcomes,
 *        ownership changes), never per record. Every line carries "t_ms"
 *        (wall clock), "worker" and "event". A process killed at any instant
 *        leaves whole lines, plus at most one torn last line, which readers
 *        skip.
 */
#ifndef IB_EVENTLOG_H
#define IB_EVENTLOG_H

#include <jansson.h>

#include "errors.h"
#include "retry.h"

typedef struct ib_eventlog_s ib_eventlog_t;

/** @brief Opens (appending) @p path. */
ib_err_t ib_eventlog_open(const char *path, const char *worker, ib_eventlog_t **out, char *errstr,
                          size_t errstr_size);

/**
 * @brief Appends @p fields (an object; stolen, may be NULL) as event @p event.
 *        A failed write is reported once on stderr and counted, never fatal:
 *        the event log explains a run, it does not decide its outcome.
 */
void ib_eventlog_emit(ib_eventlog_t *log, const char *event, json_t *fields);

/**
 * @brief Appends a retry episode @p rt that ended with @p err as event
 *        "retry": operation, error (the last one's name), message (@p message
 *        when the episode failed, else ""), attempts, waited_ms, outcome
 *        ("recovered", "gave_up" or "failed"). The one writer of the event
 *        chaos/history.c reads, for the runner's operations and the sink's.
 */
void ib_eventlog_retry(ib_eventlog_t *log, const ib_retry_t *rt, ib_err_t err, const char *message);

void ib_eventlog_close(ib_eventlog_t *log);

#endif
