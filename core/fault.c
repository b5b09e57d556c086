/*
 * fault.c: INGESTBENCH_FAULTS parsing and per-point call counters.
 */
#include "fault.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POINTS 8

/* Every point compiled in; a new ib_fault() call adds its name here. */
static const char *known[] = {"wal.write", "wal.fsync", "receiver.crash_before_commit",
                              "checkpoint.write", "checkpoint.fsync", "checkpoint.crash_before_rename",
                              "batch.slow", NULL};

static struct {
        char name[32];
        unsigned long fail_at;   /* 1-based call number that fails */
        unsigned long arg;       /* after a second colon; 0 without one */
        unsigned long calls;     /* atomic */
} points[MAX_POINTS];
static int npoints;
static int loaded; /* atomic: 0 unread, 1 read */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static void load(void) {
        npoints = 0;
        const char *spec = getenv("INGESTBENCH_FAULTS");
        while (spec && *spec && npoints < MAX_POINTS) {
                const char *comma = strchr(spec, ',');
                size_t len = comma ? (size_t)(comma - spec) : strlen(spec);
                const char *colon = memchr(spec, ':', len);
                if (colon && (size_t)(colon - spec) < sizeof(points[0].name)) {
                        memcpy(points[npoints].name, spec, (size_t)(colon - spec));
                        points[npoints].name[colon - spec] = '\0';
                        char *end = NULL;
                        points[npoints].fail_at = strtoul(colon + 1, &end, 10);
                        points[npoints].arg = end && *end == ':' ? strtoul(end + 1, NULL, 10) : 0;
                        points[npoints].calls = 0;
                        if (points[npoints].fail_at > 0)
                                npoints++;
                }
                spec = comma ? comma + 1 : "";
        }
        __atomic_store_n(&loaded, 1, __ATOMIC_RELEASE);
}

void ib_fault_reset(void) {
        pthread_mutex_lock(&load_lock);
        load();
        pthread_mutex_unlock(&load_lock);
}

int ib_fault(const char *point) {
        unsigned long arg;
        return ib_fault_arg(point, &arg);
}

int ib_fault_arg(const char *point, unsigned long *arg) {
        if (!__atomic_load_n(&loaded, __ATOMIC_ACQUIRE)) {
                pthread_mutex_lock(&load_lock);
                if (!__atomic_load_n(&loaded, __ATOMIC_ACQUIRE))
                        load();
                pthread_mutex_unlock(&load_lock);
        }
        for (int i = 0; i < npoints; i++) {
                if (strcmp(points[i].name, point))
                        continue;
                unsigned long n = __atomic_add_fetch(&points[i].calls, 1, __ATOMIC_RELAXED);
                if (n == points[i].fail_at) {
                        *arg = points[i].arg;
                        errno = EIO;
                        return 1;
                }
        }
        return 0;
}

static int whole(const char *s, size_t len) {
        if (len == 0 || len > 12)
                return 0;
        for (size_t i = 0; i < len; i++)
                if (s[i] < '0' || s[i] > '9')
                        return 0;
        return 1;
}

int ib_fault_check(char *errstr, size_t errstr_size) {
        const char *spec = getenv("INGESTBENCH_FAULTS");
        int n = 0;
        while (spec && *spec) {
                const char *comma = strchr(spec, ',');
                size_t len = comma ? (size_t)(comma - spec) : strlen(spec);
                const char *c1 = memchr(spec, ':', len);
                const char *end = spec + len;
                const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
                size_t nlen = c1 ? (size_t)(c1 - spec) : len;
                int ok = 0;
                for (int i = 0; known[i] && !ok; i++)
                        ok = strlen(known[i]) == nlen && !memcmp(known[i], spec, nlen);
                if (!ok) {
                        int w = snprintf(errstr, errstr_size, "INGESTBENCH_FAULTS: unknown point '%.*s' (known:",
                                         (int)nlen, spec);
                        for (int i = 0; known[i] && w >= 0 && (size_t)w < errstr_size; i++)
                                w += snprintf(errstr + w, errstr_size - (size_t)w, "%s %s", i ? "," : "", known[i]);
                        if (w >= 0 && (size_t)w < errstr_size)
                                snprintf(errstr + w, errstr_size - (size_t)w, ")");
                        return -1;
                }
                const char *num = c1 ? c1 + 1 : end;
                size_t numlen = (size_t)((c2 ? c2 : end) - num);
                if (!c1 || !whole(num, numlen) || strtoul(num, NULL, 10) == 0 ||
                    (c2 && !whole(c2 + 1, (size_t)(end - c2 - 1)))) {
                        snprintf(errstr, errstr_size, "INGESTBENCH_FAULTS: '%.*s' is not POINT:N or POINT:N:ARG "
                                 "(N counts calls from 1)", (int)len, spec);
                        return -1;
                }
                if (++n > MAX_POINTS) {
                        snprintf(errstr, errstr_size, "INGESTBENCH_FAULTS: at most %d entries", MAX_POINTS);
                        return -1;
                }
                spec = comma ? comma + 1 : "";
        }
        return 0;
}
