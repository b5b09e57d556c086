/*
 * fault.c: INGESTBENCH_FAULTS parsing and per-point call counters.
 */
#include "fault.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_POINTS 8

#define MAX_LISTS 16

/* The lists registered by the files that inject faults (IB_FAULT_POINTS);
 * written before main() runs, read only afterwards. */
static const char *const *lists[MAX_LISTS];
static int nlists;

void ib_fault_register(const char *const *names) {
        if (nlists < MAX_LISTS)
                lists[nlists++] = names;
}

static int known_point(const char *name) {
        for (int l = 0; l < nlists; l++)
                for (int i = 0; lists[l][i]; i++)
                        if (!strcmp(lists[l][i], name))
                                return 1;
        return 0;
}

/* " a, b, c" of every known point, appended at errstr + w. */
static void list_known(char *errstr, size_t errstr_size, int w) {
        int first = 1;
        for (int l = 0; l < nlists; l++)
                for (int i = 0; lists[l][i] && w >= 0 && (size_t)w < errstr_size; i++, first = 0)
                        w += snprintf(errstr + w, errstr_size - (size_t)w, "%s %s", first ? "" : ",", lists[l][i]);
        if (w >= 0 && (size_t)w < errstr_size)
                snprintf(errstr + w, errstr_size - (size_t)w, ")");
}

static struct {
        char name[32];
        unsigned long fail_at;   /* 1-based call number that fails */
        unsigned long arg;       /* after a second colon; 0 without one */
        unsigned long calls;     /* atomic */
} points[MAX_POINTS];
static int npoints;
static int loaded; /* atomic: 0 unread, 1 read */
static int rearm; /* atomic: SIGUSR2 came, read INGESTBENCH_FAULTS_FILE */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

/* digits only, 1 to 12 of them */
static int whole(const char *s, size_t len) {
        if (len == 0 || len > 12)
                return 0;
        for (size_t i = 0; i < len; i++)
                if (s[i] < '0' || s[i] > '9')
                        return 0;
        return 1;
}

/* One entry, POINT:N or POINT:N:ARG, of @p len bytes. The point's name goes
 * to @p name (empty when longer than it holds). @returns 0 when N is a call
 * number from 1 and ARG, if any, a whole number; -1 otherwise. */
static int parse_entry(const char *e, size_t len, char name[32], unsigned long *n, unsigned long *arg) {
        const char *end = e + len;
        const char *c1 = memchr(e, ':', len);
        size_t nlen = c1 ? (size_t)(c1 - e) : len;
        name[0] = '\0';
        if (nlen < 32) {
                memcpy(name, e, nlen);
                name[nlen] = '\0';
        }
        if (!c1)
                return -1;
        const char *c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1));
        int enospc = c2 && end - c2 - 1 == 6 && !memcmp(c2 + 1, "ENOSPC", 6);
        if (!whole(c1 + 1, (size_t)((c2 ? c2 : end) - c1 - 1)) ||
            (c2 && !enospc && !whole(c2 + 1, (size_t)(end - c2 - 1))))
                return -1;
        *n = strtoul(c1 + 1, NULL, 10);
        *arg = enospc ? IB_FAULT_ENOSPC : c2 ? strtoul(c2 + 1, NULL, 10) : 0;
        return *n > 0 ? 0 : -1;
}

static void load(void) {
        npoints = 0;
        const char *spec = getenv("INGESTBENCH_FAULTS");
        while (spec && *spec && npoints < MAX_POINTS) {
                const char *comma = strchr(spec, ',');
                size_t len = comma ? (size_t)(comma - spec) : strlen(spec);
                if (parse_entry(spec, len, points[npoints].name, &points[npoints].fail_at,
                                &points[npoints].arg) == 0) {
                        points[npoints].calls = 0;
                        npoints++;
                }
                spec = comma ? comma + 1 : "";
        }
        __atomic_store_n(&loaded, 1, __ATOMIC_RELEASE);
}

/* Adds (or restarts) the entries of @p spec, counting from now. */
static void add_entries(const char *spec) {
        while (spec && *spec) {
                const char *comma = strpbrk(spec, ",\n");
                size_t len = comma ? (size_t)(comma - spec) : strlen(spec);
                char name[32];
                unsigned long n, arg;
                if (len && parse_entry(spec, len, name, &n, &arg) == 0 && known_point(name)) {
                        int i;
                        for (i = 0; i < npoints && strcmp(points[i].name, name); i++)
                                ;
                        if (i < MAX_POINTS) {
                                memcpy(points[i].name, name, sizeof(name));
                                points[i].fail_at = n;
                                points[i].arg = arg;
                                __atomic_store_n(&points[i].calls, 0, __ATOMIC_RELAXED);
                                if (i == npoints)
                                        npoints++;
                        }
                }
                spec = comma ? comma + 1 : "";
        }
}

/* Reads INGESTBENCH_FAULTS_FILE after a SIGUSR2 (a few bytes, rarely). */
static void rearm_from_file(void) {
        const char *path = getenv("INGESTBENCH_FAULTS_FILE");
        FILE *fp = path ? fopen(path, "r") : NULL;
        char spec[512];
        size_t n = fp ? fread(spec, 1, sizeof(spec) - 1, fp) : 0;
        if (fp)
                fclose(fp);
        spec[n] = '\0';
        add_entries(spec);
}

static void on_usr2(int sig) {
        (void)sig;
        __atomic_store_n(&rearm, 1, __ATOMIC_RELAXED); /* lock-free: async-signal-safe */
}

void ib_fault_listen(void) {
        if (!getenv("INGESTBENCH_FAULTS_FILE"))
                return;
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_usr2;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART;
        sigaction(SIGUSR2, &sa, NULL);
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
        if (__atomic_load_n(&rearm, __ATOMIC_RELAXED)) {
                pthread_mutex_lock(&load_lock);
                if (__atomic_exchange_n(&rearm, 0, __ATOMIC_ACQ_REL))
                        rearm_from_file();
                pthread_mutex_unlock(&load_lock);
        }
        for (int i = 0; i < npoints; i++) {
                if (strcmp(points[i].name, point))
                        continue;
                unsigned long n = __atomic_add_fetch(&points[i].calls, 1, __ATOMIC_RELAXED);
                if (n == points[i].fail_at) {
                        *arg = points[i].arg;
                        errno = points[i].arg == IB_FAULT_ENOSPC ? ENOSPC : EIO;
                        return 1;
                }
        }
        return 0;
}

ib_err_t ib_fault_check(char *errstr, size_t errstr_size) {
        const char *spec = getenv("INGESTBENCH_FAULTS");
        int count = 0;
        while (spec && *spec) {
                const char *comma = strchr(spec, ',');
                size_t len = comma ? (size_t)(comma - spec) : strlen(spec);
                char name[32];
                unsigned long n, arg;
                int bad = parse_entry(spec, len, name, &n, &arg);
                if (!known_point(name)) {
                        size_t nlen = strcspn(spec, ":,");
                        int w = snprintf(errstr, errstr_size, "INGESTBENCH_FAULTS: unknown point '%.*s' (known:",
                                         (int)nlen, spec);
                        list_known(errstr, errstr_size, w);
                        return IB_ERR_INVALID_ARG;
                }
                if (bad) {
                        snprintf(errstr, errstr_size, "INGESTBENCH_FAULTS: '%.*s' is not POINT:N or POINT:N:ARG "
                                 "(N counts calls from 1; ARG a whole number, or ENOSPC)", (int)len, spec);
                        return IB_ERR_INVALID_ARG;
                }
                if (++count > MAX_POINTS) {
                        snprintf(errstr, errstr_size, "INGESTBENCH_FAULTS: at most %d entries", MAX_POINTS);
                        return IB_ERR_INVALID_ARG;
                }
                spec = comma ? comma + 1 : "";
        }
        return IB_OK;
}
