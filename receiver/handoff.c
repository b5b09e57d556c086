/*
 * handoff.c: the ring of logged batches between the receiver's receive
 * thread, its flusher, its committer and its processor (handoff.h).
 */
#include "handoff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

void ib_handoff_init(ib_handoff_t *h) {
        memset(h, 0, sizeof(*h));
        pthread_mutex_init(&h->lock, NULL);
        pthread_cond_init(&h->cond, NULL);
}

void ib_handoff_destroy(ib_handoff_t *h) {
        for (size_t i = 0; i < IB_HANDOFF_SLOTS; i++) {
                free(h->slots[i].items);
        }
        pthread_cond_destroy(&h->cond);
        pthread_mutex_destroy(&h->lock);
}

/* Waits on the condition until @p dl; @returns 0 once past it. Lock held. */
static int wait_until(ib_handoff_t *h, const struct timespec *dl) {
        return pthread_cond_timedwait(&h->cond, &h->lock, dl) == 0;
}

static uint64_t reusable(const ib_handoff_t *h) {
        return h->released < h->committed ? h->released : h->committed;
}

ib_logged_t *ib_handoff_slot(ib_handoff_t *h, uint64_t max_bytes, int timeout_ms) {
        struct timespec dl;
        ib_deadline_ms(&dl, timeout_ms);
        int64_t end_us = ib_mono_us() + (int64_t)timeout_ms * 1000;
        ib_logged_t *slot = NULL;
        pthread_mutex_lock(&h->lock);
        for (;;) {
                if (h->err)
                        break;
                int full = h->logged - reusable(h) >= IB_HANDOFF_SLOTS;
                int behind = h->logged > h->released && h->logged_bytes - h->released_bytes > max_bytes;
                int stalled = h->commit_since_us && ib_mono_us() - h->commit_since_us > IB_HANDOFF_COMMIT_STALL_US;
                if (!full && !behind && !stalled) {
                        slot = ib_handoff_at(h, h->logged);
                        break;
                }
                if (stalled) { /* woken when it ends; looked at again every 10 ms */
                        if (ib_mono_us() >= end_us)
                                break;
                        struct timespec step;
                        ib_deadline_ms(&step, 10);
                        pthread_cond_timedwait(&h->cond, &h->lock, &step);
                        continue;
                }
                if (!wait_until(h, &dl))
                        break;
        }
        pthread_mutex_unlock(&h->lock);
        return slot;
}

void ib_handoff_logged(ib_handoff_t *h) {
        pthread_mutex_lock(&h->lock);
        h->logged_bytes += ib_handoff_at(h, h->logged)->bytes;
        h->logged++;
        uint64_t backlog = h->logged_bytes - h->released_bytes;
        if (backlog > h->backlog_hwm)
                h->backlog_hwm = backlog;
        pthread_cond_broadcast(&h->cond);
        pthread_mutex_unlock(&h->lock);
}

void ib_handoff_end_input(ib_handoff_t *h) {
        pthread_mutex_lock(&h->lock);
        h->input_ended = 1;
        pthread_cond_broadcast(&h->cond);
        pthread_mutex_unlock(&h->lock);
}

/* Waits (at most @p timeout_ms) until *@p lo < *@p hi (counters read under
 * the lock), and then sets [*from, *upto) to that run. Also after a failure:
 * what was logged or durable before it is still synced and committed. */
static int wait_run(ib_handoff_t *h, int timeout_ms, const uint64_t *lo, const uint64_t *hi, uint64_t *from,
                    uint64_t *upto) {
        struct timespec dl;
        ib_deadline_ms(&dl, timeout_ms);
        int got = 0;
        pthread_mutex_lock(&h->lock);
        while (!(got = *lo < *hi))
                if (!wait_until(h, &dl))
                        break;
        if (got) {
                *from = *lo;
                *upto = *hi;
        }
        pthread_mutex_unlock(&h->lock);
        return got;
}

int ib_handoff_wait_logged(ib_handoff_t *h, int timeout_ms, uint64_t *from, uint64_t *upto) {
        return wait_run(h, timeout_ms, &h->durable, &h->logged, from, upto);
}

void ib_handoff_durable(ib_handoff_t *h, uint64_t upto) {
        pthread_mutex_lock(&h->lock);
        if (upto > h->durable && upto <= h->logged)
                h->durable = upto;
        pthread_cond_broadcast(&h->cond);
        pthread_mutex_unlock(&h->lock);
}

int ib_handoff_wait_durable(ib_handoff_t *h, int timeout_ms, uint64_t *from, uint64_t *upto) {
        return wait_run(h, timeout_ms, &h->committed, &h->durable, from, upto);
}

void ib_handoff_commit_begin(ib_handoff_t *h) {
        pthread_mutex_lock(&h->lock);
        h->commit_since_us = ib_mono_us();
        pthread_mutex_unlock(&h->lock);
}

void ib_handoff_committed(ib_handoff_t *h, uint64_t upto) {
        pthread_mutex_lock(&h->lock);
        h->commit_since_us = 0;
        if (upto > h->committed && upto <= h->durable)
                h->committed = upto;
        pthread_cond_broadcast(&h->cond);
        pthread_mutex_unlock(&h->lock);
}

int ib_handoff_wait_committed(ib_handoff_t *h, int timeout_ms) {
        struct timespec dl;
        ib_deadline_ms(&dl, timeout_ms);
        pthread_mutex_lock(&h->lock);
        uint64_t want = h->logged;
        int done;
        while (!(done = h->committed >= want) && !h->flusher_gone)
                if (!wait_until(h, &dl))
                        break;
        pthread_mutex_unlock(&h->lock);
        return done;
}

int ib_handoff_take(ib_handoff_t *h, int timeout_ms, size_t max_records, uint64_t *from, uint64_t *upto,
                    int *drained, char *errstr, size_t errstr_size) {
        struct timespec dl;
        ib_deadline_ms(&dl, timeout_ms);
        int rc = 0;
        *drained = 0;
        pthread_mutex_lock(&h->lock);
        for (;;) {
                if (h->err) {
                        ib_seterr(errstr, errstr_size, h->err, "%s", h->errstr);
                        rc = -1;
                        break;
                }
                if (h->taken < h->durable) {
                        size_t records = 0;
                        uint64_t end = h->taken;
                        do /* whole batches, at least one */
                                records += ib_handoff_at(h, end++)->n;
                        while (end < h->durable && records + ib_handoff_at(h, end)->n <= max_records);
                        *from = h->taken;
                        *upto = h->taken = end;
                        rc = 1;
                        break;
                }
                if (h->input_ended && h->taken == h->logged) {
                        *drained = 1;
                        break;
                }
                if (!wait_until(h, &dl))
                        break;
        }
        pthread_mutex_unlock(&h->lock);
        return rc;
}

void ib_handoff_release(ib_handoff_t *h, uint64_t upto) {
        pthread_mutex_lock(&h->lock);
        while (h->released < upto && h->released < h->taken)
                h->released_bytes += ib_handoff_at(h, h->released++)->bytes;
        pthread_cond_broadcast(&h->cond);
        pthread_mutex_unlock(&h->lock);
}

void ib_handoff_fail(ib_handoff_t *h, ib_err_t err, const char *msg) {
        pthread_mutex_lock(&h->lock);
        if (!h->err) {
                h->err = err;
                snprintf(h->errstr, sizeof(h->errstr), "%s", msg);
        }
        pthread_cond_broadcast(&h->cond);
        pthread_mutex_unlock(&h->lock);
}

int ib_handoff_settled(ib_handoff_t *h) {
        pthread_mutex_lock(&h->lock);
        int settled = h->released == h->logged && h->committed == h->logged;
        pthread_mutex_unlock(&h->lock);
        return settled;
}

ib_err_t ib_handoff_error(ib_handoff_t *h) {
        pthread_mutex_lock(&h->lock);
        ib_err_t err = h->err;
        pthread_mutex_unlock(&h->lock);
        return err;
}

void ib_handoff_flusher_gone(ib_handoff_t *h) {
        pthread_mutex_lock(&h->lock);
        h->flusher_gone = 1;
        pthread_cond_broadcast(&h->cond);
        pthread_mutex_unlock(&h->lock);
}
