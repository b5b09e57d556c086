/*
 * tsan_threads.c: compiled into executables only in the ThreadSanitizer
 * build (-DIB_TSAN=ON).
 *
 * ThreadSanitizer intercepts pthread_create but not C11's thrd_create, and
 * glibc's thrd_create reaches the thread library through an internal symbol
 * TSan cannot see. librdkafka 2.0.2 creates its threads with thrd_create, so
 * under TSan those threads are unknown to the runtime and crash in its
 * allocator (google/sanitizers#1603). This file defines thrd_create,
 * thrd_join and thrd_detach on top of pthreads; the executable exports them
 * and the dynamic linker binds librdkafka's calls here, so every thread goes
 * through TSan's interceptors. glibc's thrd_t is a pthread_t.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

typedef struct {
        thrd_start_t fn;
        void *arg;
} start_t;

static void *trampoline(void *p) {
        start_t s = *(start_t *)p;
        free(p);
        return (void *)(intptr_t)s.fn(s.arg);
}

int thrd_create(thrd_t *thr, thrd_start_t fn, void *arg) {
        start_t *s = malloc(sizeof(*s));
        if (!s)
                return thrd_nomem;
        s->fn = fn;
        s->arg = arg;
        pthread_t t;
        int rc = pthread_create(&t, NULL, trampoline, s);
        if (rc != 0) {
                free(s);
                return thrd_error;
        }
        *thr = (thrd_t)t;
        return thrd_success;
}

int thrd_join(thrd_t thr, int *res) {
        void *ret;
        if (pthread_join((pthread_t)thr, &ret) != 0)
                return thrd_error;
        if (res)
                *res = (int)(intptr_t)ret;
        return thrd_success;
}

int thrd_detach(thrd_t thr) {
        return pthread_detach((pthread_t)thr) == 0 ? thrd_success : thrd_error;
}

/* The same for C11 mutexes and condition variables: glibc's mtx_t and cnd_t
 * have the layout of pthread_mutex_t and pthread_cond_t, and its mtx_* and
 * cnd_* call the pthread functions through internal symbols TSan cannot see,
 * so without these librdkafka's locking looks like no locking at all. */

int mtx_init(mtx_t *m, int type) {
        pthread_mutexattr_t a;
        pthread_mutexattr_init(&a);
        if (type & mtx_recursive)
                pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
        int rc = pthread_mutex_init((pthread_mutex_t *)m, &a);
        pthread_mutexattr_destroy(&a);
        return rc == 0 ? thrd_success : thrd_error;
}

int mtx_lock(mtx_t *m) {
        return pthread_mutex_lock((pthread_mutex_t *)m) == 0 ? thrd_success : thrd_error;
}

int mtx_trylock(mtx_t *m) {
        int rc = pthread_mutex_trylock((pthread_mutex_t *)m);
        return rc == 0 ? thrd_success : rc == EBUSY ? thrd_busy : thrd_error;
}

int mtx_timedlock(mtx_t *restrict m, const struct timespec *restrict ts) {
        int rc = pthread_mutex_timedlock((pthread_mutex_t *)m, ts);
        return rc == 0 ? thrd_success : rc == ETIMEDOUT ? thrd_timedout : thrd_error;
}

int mtx_unlock(mtx_t *m) {
        return pthread_mutex_unlock((pthread_mutex_t *)m) == 0 ? thrd_success : thrd_error;
}

void mtx_destroy(mtx_t *m) { pthread_mutex_destroy((pthread_mutex_t *)m); }

int cnd_init(cnd_t *c) {
        int rc = pthread_cond_init((pthread_cond_t *)c, NULL);
        return rc == 0 ? thrd_success : rc == ENOMEM ? thrd_nomem : thrd_error;
}

int cnd_signal(cnd_t *c) {
        return pthread_cond_signal((pthread_cond_t *)c) == 0 ? thrd_success : thrd_error;
}

int cnd_broadcast(cnd_t *c) {
        return pthread_cond_broadcast((pthread_cond_t *)c) == 0 ? thrd_success : thrd_error;
}

int cnd_wait(cnd_t *c, mtx_t *m) {
        return pthread_cond_wait((pthread_cond_t *)c, (pthread_mutex_t *)m) == 0 ? thrd_success
                                                                                 : thrd_error;
}

int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict ts) {
        int rc = pthread_cond_timedwait((pthread_cond_t *)c, (pthread_mutex_t *)m, ts);
        return rc == 0 ? thrd_success : rc == ETIMEDOUT ? thrd_timedout : thrd_error;
}

void cnd_destroy(cnd_t *c) { pthread_cond_destroy((pthread_cond_t *)c); }
