/*
 * eventlog.c: JSON Lines event log; see eventlog.h. O_APPEND keeps lines
 * whole even if two processes share a file by mistake.
 */
#include "eventlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

struct ib_eventlog_s {
        int fd;
        char *worker;
        char *path;
        unsigned long failures;
};

ib_err_t ib_eventlog_open(const char *path, const char *worker, ib_eventlog_t **out, char *errstr,
                          size_t errstr_size) {
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_IO, "%s: %s", path, strerror(errno));
        ib_eventlog_t *log = calloc(1, sizeof(*log));
        if (!log || !(log->worker = strdup(worker)) || !(log->path = strdup(path))) {
                if (log)
                        free(log->worker);
                free(log);
                close(fd);
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        }
        log->fd = fd;
        *out = log;
        return IB_OK;
}

void ib_eventlog_emit(ib_eventlog_t *log, const char *event, json_t *fields) {
        if (!log) {
                json_decref(fields);
                return;
        }
        json_t *o = json_pack("{s:I,s:s,s:s}", "t_ms", (json_int_t)ib_now_ms(),
                              "worker", log->worker, "event", event);
        if (fields) {
                json_object_update(o, fields);
                json_decref(fields);
        }
        size_t len = json_dumpb(o, NULL, 0, JSON_COMPACT);
        char stackbuf[4096];
        char *line = len + 1 <= sizeof(stackbuf) ? stackbuf : malloc(len + 1);
        if (line && len > 0 && json_dumpb(o, line, len, JSON_COMPACT) == len) {
                line[len] = '\n';
                ssize_t n = write(log->fd, line, len + 1);
                if (n != (ssize_t)(len + 1) && log->failures++ == 0)
                        fprintf(stderr, "ingestbench: warning: %s: event log write failed: %s\n",
                                log->path, n < 0 ? strerror(errno) : "short write");
        }
        if (line != stackbuf)
                free(line);
        json_decref(o);
}

void ib_eventlog_close(ib_eventlog_t *log) {
        if (!log)
                return;
        close(log->fd);
        free(log->worker);
        free(log->path);
        free(log);
}

void ib_eventlog_retry(ib_eventlog_t *log, const ib_retry_t *rt, ib_err_t err, const char *message) {
        const char *outcome = err == IB_OK ? "recovered" : rt->gave_up ? "gave_up" : "failed";
        ib_eventlog_emit(log, "retry",
                         json_pack("{s:s,s:s,s:s,s:i,s:I,s:s}", "operation", rt->op, "error", ib_err2name(rt->last),
                                   "message", err ? message : "", "attempts", rt->attempts, "waited_ms",
                                   (json_int_t)rt->waited_ms, "outcome", outcome));
}
