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

void ib_eventlog_close(ib_eventlog_t *log);

#endif
