/*
 * fault.c: INGESTBENCH_FAULTS parsing and per-point call counters.
 */
#include "fault.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POINTS 8

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
