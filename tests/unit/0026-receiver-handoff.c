/* 0026-receiver-handoff: the ring between the receiver's receive thread,
 * flusher, committer and processor. A batch is taken (and committed) only once durable, taken batches
 * are coalesced up to a record bound in log order, slots are reused only once
 * both processed and committed, the byte bound holds the receive thread
 * back, as does a commit stalled past IB_HANDOFF_COMMIT_STALL_US, the end of
 * input drains, a failure reaches every waiter; and four
 * threads moving 20000 batches through it see each batch once, in order. */
#include "harness.h"
#include "handoff.h"

#include <pthread.h>
#include <unistd.h>

/* Fills the next slot as the receive thread would: @p n records, @p bytes. */
static void log_one(ib_handoff_t *h, uint64_t seq, size_t n, uint64_t bytes) {
        ib_logged_t *s = ib_handoff_slot(h, UINT64_MAX, 0);
        CHECK(s != NULL);
        if (!s)
                return;
        s->seq = seq, s->n = n, s->bytes = bytes;
        ib_handoff_logged(h);
}

static void test_durable_before_taken(void) {
        ib_handoff_t h;
        ib_handoff_init(&h);
        char err[256];
        uint64_t from, upto;
        int drained;
        log_one(&h, 1, 10, 100);
        log_one(&h, 2, 10, 100);
        /* logged, not durable: the processor gets nothing */
        CHECK_INT(ib_handoff_take(&h, 0, 1000, &from, &upto, &drained, err, sizeof(err)), 0);
        CHECK_INT(drained, 0);
        CHECK_INT(ib_handoff_wait_logged(&h, 0, &from, &upto), 1);
        CHECK_INT(from, 0);
        CHECK_INT(upto, 2);
        ib_handoff_durable(&h, 1); /* the first only */
        CHECK_INT(ib_handoff_take(&h, 0, 1000, &from, &upto, &drained, err, sizeof(err)), 1);
        CHECK_INT(from, 0);
        CHECK_INT(upto, 1);
        ib_handoff_durable(&h, 2);
        CHECK_INT(ib_handoff_take(&h, 0, 1000, &from, &upto, &drained, err, sizeof(err)), 1);
        CHECK_INT(from, 1);
        CHECK_INT(upto, 2);
        /* committed may not pass durable */
        ib_handoff_committed(&h, 5);
        CHECK_INT(h.committed, 0);
        ib_handoff_destroy(&h);
}

static void test_coalesced_up_to_bound(void) {
        ib_handoff_t h;
        ib_handoff_init(&h);
        char err[256];
        uint64_t from, upto;
        int drained;
        for (int i = 0; i < 5; i++)
                log_one(&h, (uint64_t)i + 1, 40, 10);
        ib_handoff_durable(&h, 5);
        CHECK_INT(ib_handoff_take(&h, 0, 100, &from, &upto, &drained, err, sizeof(err)), 1);
        CHECK_INT(from, 0);
        CHECK_INT(upto, 2); /* 80 records; a third would make 120 */
        CHECK_INT(ib_handoff_take(&h, 0, 10, &from, &upto, &drained, err, sizeof(err)), 1);
        CHECK_INT(upto - from, 1); /* one batch even past the bound */
        CHECK_INT(ib_handoff_take(&h, 0, 1000, &from, &upto, &drained, err, sizeof(err)), 1);
        CHECK_INT(from, 3);
        CHECK_INT(upto, 5);
        ib_handoff_destroy(&h);
}

static void test_slots_reused_once_released_and_committed(void) {
        ib_handoff_t h;
        ib_handoff_init(&h);
        char err[256];
        uint64_t from, upto;
        int drained;
        for (int i = 0; i < IB_HANDOFF_SLOTS; i++)
                log_one(&h, (uint64_t)i + 1, 1, 1);
        CHECK(ib_handoff_slot(&h, UINT64_MAX, 0) == NULL); /* every slot in use */
        ib_handoff_durable(&h, IB_HANDOFF_SLOTS);
        CHECK_INT(ib_handoff_take(&h, 0, 1000000, &from, &upto, &drained, err, sizeof(err)), 1);
        ib_handoff_release(&h, upto);
        CHECK(ib_handoff_slot(&h, UINT64_MAX, 0) == NULL); /* processed, offsets not stored */
        ib_handoff_committed(&h, 3);
        ib_logged_t *s = ib_handoff_slot(&h, UINT64_MAX, 0);
        CHECK(s == &h.slots[0]);
        CHECK_INT(ib_handoff_settled(&h), 0);
        ib_handoff_committed(&h, IB_HANDOFF_SLOTS);
        CHECK_INT(ib_handoff_settled(&h), 1);
        ib_handoff_destroy(&h);
}

static void test_byte_bound(void) {
        ib_handoff_t h;
        ib_handoff_init(&h);
        char err[256];
        uint64_t from, upto;
        int drained;
        ib_logged_t *s = ib_handoff_slot(&h, 1000, 0);
        s->n = 1, s->bytes = 5000; /* a batch larger than the bound may always wait alone */
        ib_handoff_logged(&h);
        CHECK(ib_handoff_slot(&h, 1000, 0) == NULL);
        CHECK_INT(h.backlog_hwm, 5000);
        ib_handoff_durable(&h, 1);
        ib_handoff_committed(&h, 1);
        CHECK_INT(ib_handoff_take(&h, 0, 10, &from, &upto, &drained, err, sizeof(err)), 1);
        CHECK(ib_handoff_slot(&h, 1000, 0) == NULL); /* taken is not released */
        ib_handoff_release(&h, upto);
        CHECK(ib_handoff_slot(&h, 1000, 0) != NULL);
        ib_handoff_destroy(&h);
}

static void test_drain_and_failure(void) {
        ib_handoff_t h;
        ib_handoff_init(&h);
        char err[256] = "";
        uint64_t from, upto;
        int drained;
        log_one(&h, 1, 3, 3);
        ib_handoff_end_input(&h);
        /* ended, but one batch is not durable yet: not drained */
        CHECK_INT(ib_handoff_take(&h, 0, 100, &from, &upto, &drained, err, sizeof(err)), 0);
        CHECK_INT(drained, 0);
        ib_handoff_durable(&h, 1);
        CHECK_INT(ib_handoff_take(&h, 0, 100, &from, &upto, &drained, err, sizeof(err)), 1);
        CHECK_INT(ib_handoff_take(&h, 0, 100, &from, &upto, &drained, err, sizeof(err)), 0);
        CHECK_INT(drained, 1);
        ib_handoff_fail(&h, IB_ERR_IO, "write-ahead log /x: fsync failed");
        ib_handoff_fail(&h, IB_ERR_KAFKA, "a later failure"); /* the first one stays */
        CHECK_INT(ib_handoff_take(&h, 1000, 100, &from, &upto, &drained, err, sizeof(err)), -1);
        CHECK_STR(err, "write-ahead log /x: fsync failed");
        CHECK_INT(ib_handoff_error(&h), IB_ERR_IO);
        CHECK(ib_handoff_slot(&h, UINT64_MAX, 1000) == NULL);
        ib_handoff_destroy(&h);
}

/* A failed log write stops the receive thread; what it logged before is
 * still made durable by the flusher and committed by the committer, and a wait for commits
 * ends when the committer is gone. */
static void test_logged_before_failure_committed(void) {
        ib_handoff_t h;
        ib_handoff_init(&h);
        uint64_t from, upto;
        log_one(&h, 1, 3, 3);
        ib_handoff_fail(&h, IB_ERR_IO, "write-ahead log /x: write failed");
        CHECK_INT(ib_handoff_wait_logged(&h, 0, &from, &upto), 1);
        CHECK_INT(upto, 1);
        CHECK_INT(ib_handoff_wait_durable(&h, 0, &from, &upto), 0); /* logged, not durable: nothing to commit */
        ib_handoff_durable(&h, 1);
        CHECK_INT(ib_handoff_wait_durable(&h, 0, &from, &upto), 1);
        CHECK_INT(from, 0);
        CHECK_INT(upto, 1);
        ib_handoff_committed(&h, upto);
        CHECK_INT(ib_handoff_wait_durable(&h, 0, &from, &upto), 0);
        CHECK_INT(ib_handoff_wait_committed(&h, 0), 1);
        ib_logged_t *s = ib_handoff_at(&h, h.logged); /* a slot is refused after a failure: by hand */
        s->seq = 2, s->n = 3, s->bytes = 3;
        ib_handoff_logged(&h);
        ib_handoff_flusher_gone(&h);
        CHECK_INT(ib_handoff_wait_committed(&h, 60000), 0); /* at once, not in 60 s */
        ib_handoff_destroy(&h);
}

/* A commit that takes longer than IB_HANDOFF_COMMIT_STALL_US (waiting for a
 * coordinator) holds the receive thread back until it ends; a quick one
 * does not. */
static void test_stalled_commit_holds_polling(void) {
        ib_handoff_t h;
        ib_handoff_init(&h);
        log_one(&h, 1, 3, 3);
        ib_handoff_durable(&h, 1);
        ib_handoff_commit_begin(&h);
        CHECK(ib_handoff_slot(&h, UINT64_MAX, 0) != NULL); /* just begun: polling goes on */
        usleep(IB_HANDOFF_COMMIT_STALL_US + 20000);
        CHECK(ib_handoff_slot(&h, UINT64_MAX, 30) == NULL); /* stalled: no slot, bounded wait */
        ib_handoff_committed(&h, 1);
        CHECK(ib_handoff_slot(&h, UINT64_MAX, 0) != NULL);
        ib_handoff_destroy(&h);
}

/* ---- four threads ------------------------------------------------------ */

#define BATCHES 20000

typedef struct {
        ib_handoff_t h;
        int flusher_done;
        uint64_t seen_out_of_order, taken_before_durable;
} trio_t;

static void *receive(void *arg) {
        trio_t *t = arg;
        for (uint64_t seq = 1; seq <= BATCHES;) {
                ib_logged_t *s = ib_handoff_slot(&t->h, 5000, 100);
                if (!s)
                        continue;
                s->seq = seq, s->n = (size_t)(seq % 7) + 1, s->bytes = s->n * 100;
                s->offsets = (void *)(uintptr_t)seq; /* the flusher checks and clears it */
                ib_handoff_logged(&t->h);
                seq++;
        }
        ib_handoff_end_input(&t->h);
        return NULL;
}

static void *flush(void *arg) {
        trio_t *t = arg;
        uint64_t done = 0;
        while (done < BATCHES) {
                uint64_t from, upto;
                if (!ib_handoff_wait_logged(&t->h, 100, &from, &upto))
                        continue;
                ib_handoff_durable(&t->h, upto);
                done = upto;
        }
        return NULL;
}

/* The committer: runs of durable batches, in order, each slot's offsets
 * still its own (a slot is refilled only once committed). */
static void *commit(void *arg) {
        trio_t *t = arg;
        uint64_t done = 0;
        while (done < BATCHES) {
                uint64_t from, upto;
                if (!ib_handoff_wait_durable(&t->h, 100, &from, &upto))
                        continue;
                if (from != done || upto <= from)
                        t->seen_out_of_order++;
                for (uint64_t i = from; i < upto; i++) {
                        ib_logged_t *s = ib_handoff_at(&t->h, i);
                        if ((uintptr_t)s->offsets != i + 1)
                                t->seen_out_of_order++;
                        s->offsets = NULL;
                }
                ib_handoff_commit_begin(&t->h);
                ib_handoff_committed(&t->h, upto);
                done = upto;
        }
        return NULL;
}

static void test_four_threads(void) {
        trio_t t = {0};
        ib_handoff_init(&t.h);
        pthread_t r, f, c;
        CHECK_INT(pthread_create(&r, NULL, receive, &t), 0);
        CHECK_INT(pthread_create(&f, NULL, flush, &t), 0);
        CHECK_INT(pthread_create(&c, NULL, commit, &t), 0);
        uint64_t next = 1, records = 0, takes = 0;
        char err[256];
        for (int spins = 0; spins < 1000000; spins++) {
                uint64_t from, upto;
                int drained;
                int got = ib_handoff_take(&t.h, 100, 20, &from, &upto, &drained, err, sizeof(err));
                if (drained || got < 0)
                        break;
                if (!got)
                        continue;
                takes++;
                for (uint64_t i = from; i < upto; i++) {
                        ib_logged_t *s = ib_handoff_at(&t.h, i);
                        if (s->seq != next)
                                t.seen_out_of_order++;
                        next = s->seq + 1;
                        records += s->n;
                }
                ib_handoff_release(&t.h, upto);
        }
        pthread_join(r, NULL);
        pthread_join(f, NULL);
        pthread_join(c, NULL);
        CHECK_INT(next, BATCHES + 1);
        CHECK_INT(t.seen_out_of_order, 0);
        CHECK(takes <= BATCHES);
        CHECK(t.h.backlog_hwm <= 5000 + 700); /* the bound, and the one batch that may pass it */
        CHECK_INT(ib_handoff_settled(&t.h), 1);
        uint64_t want = 0;
        for (uint64_t seq = 1; seq <= BATCHES; seq++)
                want += seq % 7 + 1;
        CHECK_INT(records, want);
        ib_handoff_destroy(&t.h);
}

int main(void) {
        IB_RUN(test_durable_before_taken);
        IB_RUN(test_coalesced_up_to_bound);
        IB_RUN(test_slots_reused_once_released_and_committed);
        IB_RUN(test_byte_bound);
        IB_RUN(test_drain_and_failure);
        IB_RUN(test_logged_before_failure_committed);
        IB_RUN(test_stalled_commit_holds_polling);
        IB_RUN(test_four_threads);
        return IB_DONE();
}
