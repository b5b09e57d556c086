/* 0016-checker: the chaos checker and explainer on hand-made histories, one
 * per anomaly (as Jepsen tests its checkers): event logs written the way the
 * modes write them, sink range files and the topic's records. Each case
 * asserts exactly what is reported: counts, runs and the explanation. */
#include <sys/stat.h>

#include "harness.h"
#include "checker.h"
#include "external.h"
#include "recovery.h"

#define MAXR 64

/* A run under test: the topic's records, the sink's files and lines, history. */
typedef struct {
        ib_vrec_t prod[MAXR], del[4 * MAXR], dead[MAXR];
        size_t np, nd, ndead;
        ib_vfile_t files[16];
        size_t nf;
        char ids[MAXR][16];
        ib_history_t h;
        int no_order;
        ib_check_input_t in;
        ib_check_result_t r;
} run_t;

static void produce(run_t *t, int32_t p, int n) {
        for (int o = 0; o < n; o++) {
                snprintf(t->ids[t->np], sizeof(t->ids[0]), "r-%zu", t->np);
                t->prod[t->np] = (ib_vrec_t){p, o, t->ids[t->np], 0, -1, -1};
                t->np++;
        }
}

/* A range file [from, until) of partition @p p written at @p mtime, with its lines. */
static void file(run_t *t, int32_t p, int64_t from, int64_t until, int64_t mtime) {
        int f = (int)t->nf;
        t->files[t->nf++] = (ib_vfile_t){p, from, until, mtime};
        for (int64_t o = from; o < until; o++)
                for (size_t i = 0; i < t->np; i++)
                        if (t->prod[i].partition == p && t->prod[i].offset == o)
                                t->del[t->nd++] = (ib_vrec_t){p, o, t->prod[i].id, f, -1, -1};
}

static void log_of(run_t *t, const char *worker, const char *text) {
        CHECK_INT(ib_history_read_log(&t->h, worker, text, strlen(text)), IB_OK);
}

static void check_as(run_t *t, int no_batch_log, const int *file_worker) {
        ib_history_sort(&t->h);
        t->in = (ib_check_input_t){.topic = "in", .produced = t->prod, .nproduced = t->np, .delivered = t->del,
                                   .ndelivered = t->nd, .files = t->files, .nfiles = t->nf, .dead = t->dead,
                                   .ndead = t->ndead, .history = &t->h, .t0_ms = 0, .acked = -1,
                                   .commits_cover_sink = 1, .drained = 1, .no_batch_log = no_batch_log,
                                   .no_order = t->no_order, .file_worker = file_worker};
        CHECK_INT(ib_check_run(&t->in, &t->r), IB_OK);
}

static void check(run_t *t) { check_as(t, 0, NULL); }

static void done(run_t *t) {
        ib_check_result_free(&t->r);
        ib_history_free(&t->h);
        free(t);
}

static const ib_anomaly_t *only(run_t *t, ib_anomaly_kind_t kind) {
        const ib_anomaly_t *a = NULL;
        int n = 0;
        for (size_t i = 0; i < t->r.nanomalies; i++)
                if (t->r.anomalies[i].kind == kind)
                        a = &t->r.anomalies[i], n++;
        CHECK_INT(n, 1);
        return n == 1 ? a : NULL;
}

static int count_kind(run_t *t, ib_anomaly_kind_t kind) {
        int n = 0;
        for (size_t i = 0; i < t->r.nanomalies; i++)
                n += t->r.anomalies[i].kind == kind;
        return n;
}

/* The rebalance duplicate: w1's async commit is refused after the revoke,
 * w2 (next generation) reads from the last commit that landed. */
static void duplicate_explained_by_refused_async_commit(void) {
        run_t *t = calloc(1, sizeof(*t));
        produce(t, 3, 10);
        file(t, 3, 0, 4, 800);
        file(t, 3, 4, 6, 1000);
        file(t, 3, 4, 10, 1020);
        log_of(t, "w1",
               "{\"t_ms\":10,\"worker\":\"w1\",\"event\":\"start\"}\n"
               "{\"t_ms\":20,\"event\":\"rebalance\",\"kind\":\"assign\",\"generation\":4,\"partitions\":[3]}\n"
               "{\"t_ms\":800,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":3,\"from\":0,\"until\":4,\"records\":4}]}\n"
               "{\"t_ms\":801,\"event\":\"commit\",\"batch\":1,\"how\":\"async\",\"generation\":4,\"offsets\":[{\"partition\":3,\"offset\":4,\"error\":\"NO_ERROR\"}]}\n"
               "{\"t_ms\":810,\"event\":\"commit_result\",\"how\":\"async\",\"ok\":true,\"generation\":4,\"offsets\":[{\"partition\":3,\"offset\":4,\"error\":\"NO_ERROR\"}]}\n"
               "{\"t_ms\":1000,\"event\":\"batch\",\"seq\":2,\"ranges\":[{\"partition\":3,\"from\":4,\"until\":6,\"records\":2}]}\n"
               "{\"t_ms\":1001,\"event\":\"commit\",\"batch\":2,\"how\":\"async\",\"generation\":4,\"offsets\":[{\"partition\":3,\"offset\":6,\"error\":\"NO_ERROR\"}]}\n"
               "{\"t_ms\":1002,\"event\":\"rebalance\",\"kind\":\"revoke\",\"generation\":4,\"partitions\":[3]}\n"
               "{\"t_ms\":1005,\"event\":\"commit_result\",\"how\":\"async\",\"ok\":false,\"error\":\"UNKNOWN_MEMBER_ID\",\"generation\":4,"
               "\"offsets\":[{\"partition\":3,\"offset\":6,\"error\":\"UNKNOWN_MEMBER_ID\"}]}\n"
               "{\"t_ms\":1100,\"event\":\"sto"); /* a torn last line */
        log_of(t, "w2",
               "{\"t_ms\":900,\"event\":\"start\"}\n"
               "{\"t_ms\":1010,\"event\":\"rebalance\",\"kind\":\"assign\",\"generation\":5,\"partitions\":[{\"partition\":3,\"offset\":-1001}]}\n"
               "{\"t_ms\":1020,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":3,\"from\":4,\"until\":10,\"records\":6}]}\n"
               "{\"t_ms\":1021,\"event\":\"commit\",\"batch\":1,\"how\":\"async\",\"generation\":5,\"offsets\":[{\"partition\":3,\"offset\":10}]}\n"
               "{\"t_ms\":1030,\"event\":\"commit_result\",\"how\":\"async\",\"ok\":true,\"generation\":5,\"offsets\":[{\"partition\":3,\"offset\":10,\"error\":\"NO_ERROR\"}]}\n");
        check(t);
        CHECK_INT(t->h.unreadable, 1);
        CHECK_INT(t->r.counts.duplicates.count, 2);
        CHECK_INT(t->r.counts.lost.count, 0);
        CHECK_INT(t->r.counts.unique, 10);
        CHECK_INT(t->r.committed_too_far, 0);
        CHECK_INT(t->r.offsets_backwards, 0);
        CHECK_INT(t->r.redelivered, 0);
        CHECK_INT(t->r.unexplained_duplicates, 0);
        CHECK_INT(t->r.nanomalies, 1);
        const ib_anomaly_t *a = only(t, IB_AN_DUPLICATE);
        if (a) {
                CHECK_INT(a->partition, 3);
                CHECK_INT(a->from, 4);
                CHECK_INT(a->until, 6);
                CHECK_INT(a->count, 2);
                CHECK_INT(a->explained, 1);
                CHECK_STR(a->explanation, "in/3 offsets 4-5 delivered by w1 (generation 4) and w2 (generation 5); "
                                          "w1's async commit of 6 failed with UNKNOWN_MEMBER_ID 3 ms after the revoke");
        }
        done(t);
}

/* A crash between output and checkpoint: the same worker's next run reads
 * the range again (a longer one). */
static void duplicate_explained_by_kill(void) {
        run_t *t = calloc(1, sizeof(*t));
        produce(t, 0, 8);
        file(t, 0, 0, 5, 100);
        file(t, 0, 0, 8, 400);
        log_of(t, "w1",
               "{\"t_ms\":10,\"event\":\"start\"}\n"
               "{\"t_ms\":100,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":0,\"from\":0,\"until\":5,\"records\":5}]}\n"
               "{\"t_ms\":300,\"event\":\"start\"}\n"
               "{\"t_ms\":400,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":0,\"from\":0,\"until\":8,\"records\":8}]}\n"
               "{\"t_ms\":401,\"event\":\"checkpoint\",\"batch\":1,\"ok\":true}\n");
        ib_hfault_t kill = {IB_FAULT_KILL, 0, 150, 290};
        CHECK_INT(ib_history_fault(&t->h, &kill), IB_OK);
        check(t);
        CHECK_INT(t->r.counts.duplicates.count, 5);
        const ib_anomaly_t *a = only(t, IB_AN_DUPLICATE);
        if (a) {
                CHECK_INT(a->explained, 1);
                CHECK_STR(a->explanation, "in/0 offsets 0-4 delivered by w1 and w1 (run 2); w1 was killed (SIGKILL) "
                                          "50 ms after its batch, before a commit covered it");
        }
        CHECK_INT(t->r.unexplained_duplicates, 0);
        CHECK_INT(t->r.committed_too_far, 0); /* the checkpoint came after the batch */
        done(t);
}

/* The same copies from a consumer that logs no batches (an external one):
 * the kill is no explanation, for nothing says what it interrupted. */
static void duplicate_without_batch_log_is_left_to_attribute(void) {
        run_t *t = calloc(1, sizeof(*t));
        produce(t, 0, 8);
        file(t, 0, 0, 5, 100);
        file(t, 0, 0, 8, 400);
        log_of(t, "w1", "{\"t_ms\":10,\"event\":\"start\"}\n{\"t_ms\":300,\"event\":\"start\"}\n");
        ib_hfault_t kill = {IB_FAULT_KILL, 0, 150, 290};
        CHECK_INT(ib_history_fault(&t->h, &kill), IB_OK);
        check_as(t, 1, NULL);
        CHECK_INT(t->r.counts.duplicates.count, 5);
        const ib_anomaly_t *a = only(t, IB_AN_DUPLICATE);
        if (a)
                CHECK_INT(a->explained, 0);
        CHECK_INT(t->r.unexplained_duplicates, 5);
        done(t);
}

/* An external consumer's files (no range of their own) with its event log:
 * each file's writer is its worker's logged batch on the duplicate's offsets
 * in the run going when the file was written, so the explainer names the
 * kill between the two runs, as for a built-in mode. */
static void external_duplicate_explained_from_its_event_log(void) {
        run_t *t = calloc(1, sizeof(*t));
        produce(t, 0, 8);
        file(t, 0, 0, 5, 140);
        file(t, 0, 0, 8, 420);
        t->files[0].partition = t->files[1].partition = -1; /* output files, placed by id */
        log_of(t, "w1",
               "{\"t_ms\":10,\"event\":\"start\"}\n"
               "{\"t_ms\":130,\"event\":\"batch\",\"seq\":4,\"ranges\":[{\"partition\":0,\"from\":0,\"until\":5,\"records\":5}]}\n"
               "{\"t_ms\":300,\"event\":\"start\"}\n"
               "{\"t_ms\":430,\"event\":\"batch\",\"seq\":4,\"ranges\":[{\"partition\":0,\"from\":0,\"until\":8,\"records\":8}]}\n"
               "{\"t_ms\":431,\"event\":\"checkpoint\",\"batch\":4,\"ok\":true}\n");
        ib_hfault_t kill = {IB_FAULT_KILL, 0, 150, 290};
        CHECK_INT(ib_history_fault(&t->h, &kill), IB_OK);
        const int fw[] = {0, 0};
        check_as(t, 0, fw);
        const ib_anomaly_t *a = only(t, IB_AN_DUPLICATE);
        if (a) {
                CHECK_INT(a->explained, 1);
                CHECK(strstr(a->explanation, "delivered by w1 and w1 (run 2); w1 was killed (SIGKILL)") != NULL);
        }
        CHECK_INT(t->r.unexplained_duplicates, 0);
        done(t);
        /* without its log the same copies stay unexplained */
        t = calloc(1, sizeof(*t));
        produce(t, 0, 8);
        file(t, 0, 0, 5, 140);
        file(t, 0, 0, 8, 420);
        t->files[0].partition = t->files[1].partition = -1;
        CHECK_INT(ib_history_fault(&t->h, &kill), IB_OK);
        check_as(t, 1, fw);
        CHECK_INT(t->r.unexplained_duplicates, 5);
        done(t);
}

/* A zombie: w1, held by @p kind (a pause, a network partition) with a batch
 * in hand from +2 s to +11.99 s, writes it afterwards, when w2 (next
 * generation) has already delivered the same offsets. The explanation must
 * be @p want. */
static void zombie_held_by(ib_fault_kind_t kind, const char *want) {
        run_t *t = calloc(1, sizeof(*t));
        produce(t, 0, 8);
        file(t, 0, 0, 8, 5000);
        file(t, 0, 4, 8, 12000);
        log_of(t, "w2",
               "{\"t_ms\":10,\"event\":\"start\"}\n"
               "{\"t_ms\":4000,\"event\":\"rebalance\",\"kind\":\"assign\",\"generation\":3,\"partitions\":[0]}\n"
               "{\"t_ms\":5000,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":0,\"from\":0,\"until\":8,\"records\":8}]}\n"
               "{\"t_ms\":5001,\"event\":\"commit_result\",\"how\":\"async\",\"ok\":true,\"generation\":3,\"offsets\":[{\"partition\":0,\"offset\":8,\"error\":\"NO_ERROR\"}]}\n");
        log_of(t, "w1",
               "{\"t_ms\":10,\"event\":\"start\"}\n"
               "{\"t_ms\":20,\"event\":\"rebalance\",\"kind\":\"assign\",\"generation\":2,\"partitions\":[0]}\n"
               "{\"t_ms\":12000,\"event\":\"batch\",\"seq\":9,\"ranges\":[{\"partition\":0,\"from\":4,\"until\":8,\"records\":4}]}\n");
        ib_hfault_t held = {kind, 1, 2000, 11990};
        ib_history_fault(&t->h, &held);
        check(t);
        const ib_anomaly_t *a = only(t, IB_AN_DUPLICATE);
        if (a) {
                CHECK_INT(a->explained, 1);
                CHECK_STR(a->explanation, want);
        }
        CHECK_INT(t->r.unexplained_duplicates, 0);
        done(t);
}

static void duplicate_explained_by_zombie(void) {
        zombie_held_by(IB_FAULT_PAUSE, "in/0 offsets 4-7 delivered by w2 (generation 3) and w1 (generation 2); w1 was "
                                       "paused (SIGSTOP) from +2.000 s to +11.990 s with the batch in hand, and wrote "
                                       "it after it resumed, when w2 owned the partition");
}

/* The same zombie made by a network partition: cut off from the brokers. */
static void duplicate_explained_by_partition(void) {
        zombie_held_by(IB_FAULT_PARTITION, "in/0 offsets 4-7 delivered by w2 (generation 3) and w1 (generation 2); w1 "
                                           "was cut off by a network partition from +2.000 s to +11.990 s with the batch "
                                           "in hand, and wrote it after it resumed, when w2 owned the partition");
}

/* The second reader started above nothing the first one failed to store:
 * no cause, so the duplicate is counted as unexplained. */
static void duplicate_without_cause_is_unexplained(void) {
        run_t *t = calloc(1, sizeof(*t));
        produce(t, 0, 8);
        file(t, 0, 0, 5, 100);
        file(t, 0, 0, 8, 300);
        log_of(t, "w1",
               "{\"t_ms\":10,\"event\":\"start\"}\n"
               "{\"t_ms\":100,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":0,\"from\":0,\"until\":5,\"records\":5}]}\n"
               "{\"t_ms\":110,\"event\":\"commit\",\"batch\":1,\"to\":\"kafka\",\"ok\":true,\"offsets\":[{\"partition\":0,\"offset\":5}]}\n");
        log_of(t, "w2",
               "{\"t_ms\":200,\"event\":\"start\"}\n"
               "{\"t_ms\":300,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":0,\"from\":0,\"until\":8,\"records\":8}]}\n");
        check(t);
        const ib_anomaly_t *a = only(t, IB_AN_DUPLICATE);
        if (a) {
                CHECK_INT(a->explained, 0);
                CHECK(strstr(a->explanation, "w1 committed 5 at +0.110 s (kafka), before w2 read the range again") != NULL);
        }
        CHECK_INT(t->r.unexplained_duplicates, 5);
        done(t);
}

/* An async commit held while the coordinator moved lands (ok, with the new
 * generation) after the member was assigned the partition again and had
 * taken its start offset: the range is read twice, and that explains it. */
static void duplicate_explained_by_commit_after_assignment(void) {
        run_t *t = calloc(1, sizeof(*t));
        produce(t, 0, 8);
        file(t, 0, 0, 5, 100);
        file(t, 0, 0, 8, 400);
        log_of(t, "w1",
               "{\"t_ms\":10,\"event\":\"start\"}\n"
               "{\"t_ms\":20,\"event\":\"rebalance\",\"kind\":\"assign\",\"generation\":1,\"partitions\":[0]}\n"
               "{\"t_ms\":100,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":0,\"from\":0,\"until\":5,\"records\":5}]}\n"
               "{\"t_ms\":101,\"event\":\"commit\",\"batch\":1,\"how\":\"async\",\"generation\":1,\"offsets\":[{\"partition\":0,\"offset\":5}]}\n"
               "{\"t_ms\":250,\"event\":\"rebalance\",\"kind\":\"lost\",\"generation\":1,\"partitions\":[0]}\n"
               "{\"t_ms\":300,\"event\":\"rebalance\",\"kind\":\"assign\",\"generation\":2,\"partitions\":[0]}\n"
               "{\"t_ms\":350,\"event\":\"commit_result\",\"how\":\"async\",\"ok\":true,\"generation\":2,\"offsets\":[{\"partition\":0,\"offset\":5,\"error\":\"NO_ERROR\"}]}\n"
               "{\"t_ms\":400,\"event\":\"batch\",\"seq\":2,\"ranges\":[{\"partition\":0,\"from\":0,\"until\":8,\"records\":8}]}\n");
        check(t);
        const ib_anomaly_t *a = only(t, IB_AN_DUPLICATE);
        if (a) {
                CHECK_INT(a->explained, 1);
                CHECK(strstr(a->explanation, "w1's async commit of 5 landed at +0.350 s, 50 ms after w1's assignment "
                                             "(+0.300 s) had taken its start offset") != NULL);
        }
        CHECK_INT(t->r.unexplained_duplicates, 0);
        done(t);
}

/* Auto commit stored offset 8 before anything was written; the worker was
 * killed; the next one resumed at 8: 0-7 lost, explained by the commit. */
static void lost_explained_by_commit_ahead_of_sink(void) {
        run_t *t = calloc(1, sizeof(*t));
        produce(t, 0, 10);
        file(t, 0, 8, 10, 700);
        log_of(t, "w1",
               "{\"t_ms\":10,\"event\":\"start\"}\n"
               "{\"t_ms\":20,\"event\":\"rebalance\",\"kind\":\"assign\",\"generation\":1,\"partitions\":[0]}\n"
               "{\"t_ms\":500,\"event\":\"commit_result\",\"how\":\"auto\",\"ok\":true,\"generation\":1,\"offsets\":[{\"partition\":0,\"offset\":8,\"error\":\"NO_ERROR\"}]}\n");
        log_of(t, "w2",
               "{\"t_ms\":600,\"event\":\"start\"}\n"
               "{\"t_ms\":650,\"event\":\"rebalance\",\"kind\":\"assign\",\"generation\":2,\"partitions\":[0]}\n"
               "{\"t_ms\":700,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":0,\"from\":8,\"until\":10,\"records\":2}]}\n");
        ib_hfault_t kill = {IB_FAULT_KILL, 0, 550, -1};
        ib_history_fault(&t->h, &kill);
        check(t);
        CHECK_INT(t->r.counts.lost.count, 8);
        CHECK_INT(t->r.committed_too_far, 1);
        const ib_anomaly_t *far = only(t, IB_AN_COMMITTED_TOO_FAR);
        if (far) {
                CHECK_INT(far->from, 0);
                CHECK_INT(far->until, 8);
                CHECK_STR(far->explanation, "in/0: w1's auto commit of 8 at +0.500 s covered offsets 0-7 whose output "
                                            "was not durable yet");
        }
        const ib_anomaly_t *lost = only(t, IB_AN_LOST);
        if (lost) {
                CHECK_INT(lost->from, 0);
                CHECK_INT(lost->until, 8);
                CHECK_INT(lost->explained, 1);
                CHECK(strstr(lost->explanation, "in/0 offsets 0-7 (8 records) lost; still in the topic (consumer-side loss); "
                                                "last owner w2 (generation 2); last stored offset 8 by w1 at +0.500 s; "
                                                "a commit ran ahead of the sink") == lost->explanation);
        }
        CHECK_INT(t->r.unexplained_lost, 0);
        done(t);
}

/* A lost range with no cause, and a drained run: unexplained. Dead letters
 * are not lost. */
static void lost_without_cause_is_unexplained(void) {
        run_t *t = calloc(1, sizeof(*t));
        produce(t, 1, 6);
        file(t, 1, 0, 2, 100);
        t->dead[t->ndead++] = (ib_vrec_t){1, 2, NULL, 0, -1, -1};
        check(t);
        CHECK_INT(t->r.counts.lost.count, 3);
        CHECK_INT(t->r.counts.dead_lettered, 1);
        const ib_anomaly_t *a = only(t, IB_AN_LOST);
        if (a) {
                CHECK_INT(a->from, 3);
                CHECK_INT(a->until, 6);
                CHECK_INT(a->explained, 0);
                CHECK(strstr(a->explanation, "no worker delivered them") != NULL);
        }
        CHECK_INT(t->r.unexplained_lost, 3);
        done(t);
}

static void out_of_order_first_deliveries(void) {
        run_t *t = calloc(1, sizeof(*t));
        produce(t, 0, 10);
        file(t, 0, 5, 10, 100);
        file(t, 0, 0, 5, 200); /* written later, though earlier offsets */
        check(t);
        CHECK_INT(t->r.counts.out_of_order.count, 5);
        const ib_anomaly_t *a = only(t, IB_AN_OUT_OF_ORDER);
        if (a) {
                CHECK_INT(a->from, 0);
                CHECK_INT(a->until, 5);
                CHECK_INT(a->count, 5);
                CHECK_STR(a->explanation, "in/0 offsets from 0 first delivered after offset 9");
        }
        CHECK_INT(count_kind(t, IB_AN_DUPLICATE) + count_kind(t, IB_AN_LOST), 0);
        done(t);
        /* the same deliveries when their order is not known (an external consumer's Kafka output) */
        t = calloc(1, sizeof(*t));
        produce(t, 0, 10);
        file(t, 0, 5, 10, 100);
        file(t, 0, 0, 5, 200);
        t->no_order = 1;
        check(t);
        CHECK_INT(t->r.counts.out_of_order.count, 0);
        CHECK_INT(count_kind(t, IB_AN_OUT_OF_ORDER), 0);
        CHECK_INT(t->r.counts.unique, 10);
        done(t);
}

/* A ZooKeeper commit that moves the stored offset back; the direct mode's
 * epochs; a multi whose lost answer did land. */
static void offset_moving_backwards(void) {
        run_t *t = calloc(1, sizeof(*t));
        produce(t, 0, 10);
        file(t, 0, 0, 10, 100);
        log_of(t, "w1",
               "{\"t_ms\":10,\"event\":\"start\"}\n"
               "{\"t_ms\":20,\"event\":\"assign\",\"partition\":0,\"epoch\":3,\"from\":0,\"until\":10}\n"
               "{\"t_ms\":100,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":0,\"from\":0,\"until\":10,\"records\":10}]}\n"
               "{\"t_ms\":110,\"event\":\"commit\",\"batch\":1,\"ok\":false,\"error\":\"ERR_ZK_UNREACHABLE\",\"partitions\":"
               "[{\"partition\":0,\"epoch\":3,\"offset\":10,\"next_until\":10,\"result\":\"connection loss\"}]}\n"
               "{\"t_ms\":120,\"event\":\"commit_landed\",\"batch\":1,\"partitions\":1}\n");
        log_of(t, "w2",
               "{\"t_ms\":150,\"event\":\"start\"}\n"
               "{\"t_ms\":200,\"event\":\"commit\",\"batch\":1,\"ok\":true,\"error\":\"OK\",\"partitions\":"
               "[{\"partition\":0,\"epoch\":4,\"offset\":5,\"next_until\":10,\"result\":\"ok\"}]}\n");
        check(t);
        CHECK_INT(t->h.epochs, 1);
        int landed = 0;
        for (size_t i = 0; i < t->h.n; i++)
                landed += t->h.ev[i].kind == IB_H_COMMIT && t->h.ev[i].worker == 0 && t->h.ev[i].ok &&
                          t->h.ev[i].generation == 3;
        CHECK_INT(landed, 1);
        CHECK_INT(t->r.offsets_backwards, 1);
        const ib_anomaly_t *a = only(t, IB_AN_OFFSET_BACKWARDS);
        if (a) {
                CHECK_INT(a->from, 5);
                CHECK_INT(a->until, 10);
                CHECK_STR(a->explanation, "in/0: w2's zk commit of 5 at +0.200 s moved the committed offset back from 10 "
                                          "(committed by w1)");
        }
        done(t);
}

/* An async commit's outcome is reported at a later poll, a ZooKeeper multi's
 * answer can wait out a pause: each is placed at its request or send, so a
 * late "ok" is no backwards move when it was sent before the new owner's
 * commit. */
static void late_async_callback_is_not_backwards(void) {
        run_t *t = calloc(1, sizeof(*t));
        produce(t, 0, 10);
        file(t, 0, 0, 5, 100);
        file(t, 0, 5, 10, 400);
        log_of(t, "w1",
               "{\"t_ms\":10,\"event\":\"start\"}\n"
               "{\"t_ms\":100,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":0,\"from\":0,\"until\":5,\"records\":5}]}\n"
               "{\"t_ms\":101,\"event\":\"commit\",\"batch\":1,\"how\":\"async\",\"generation\":1,\"offsets\":[{\"partition\":0,\"offset\":5}]}\n"
               "{\"t_ms\":900,\"event\":\"commit_result\",\"how\":\"async\",\"ok\":true,\"generation\":1,\"offsets\":[{\"partition\":0,\"offset\":5,\"error\":\"NO_ERROR\"}]}\n");
        log_of(t, "w2",
               "{\"t_ms\":300,\"event\":\"start\"}\n"
               "{\"t_ms\":400,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":0,\"from\":5,\"until\":10,\"records\":5}]}\n"
               "{\"t_ms\":401,\"event\":\"commit\",\"batch\":1,\"how\":\"async\",\"generation\":2,\"offsets\":[{\"partition\":0,\"offset\":10}]}\n"
               "{\"t_ms\":410,\"event\":\"commit_result\",\"how\":\"async\",\"ok\":true,\"generation\":2,\"offsets\":[{\"partition\":0,\"offset\":10,\"error\":\"NO_ERROR\"}]}\n");
        /* a ZooKeeper multi sent at 102 whose answer waited out a pause until 1000 */
        log_of(t, "w3",
               "{\"t_ms\":10,\"event\":\"start\"}\n"
               "{\"t_ms\":1000,\"event\":\"commit\",\"batch\":1,\"ok\":true,\"error\":\"OK\",\"multi_ms\":898.5,"
               "\"partitions\":[{\"partition\":0,\"epoch\":1,\"offset\":5,\"next_until\":5,\"result\":\"ok\"}]}\n");
        check(t);
        CHECK_INT(t->r.offsets_backwards, 0);
        CHECK_INT(t->r.committed_too_far, 0);
        CHECK_INT(t->r.nanomalies, 0);
        done(t);
}

/* A range processed twice with the same bytes is redelivered, not a visible
 * duplicate; a line that matches no input record is unexpected; records the
 * producer had acknowledged that the topic lacks are broker-side loss. */
static void redelivered_unexpected_and_broker_lost(void) {
        run_t *t = calloc(1, sizeof(*t));
        produce(t, 0, 5);
        file(t, 0, 0, 5, 300);
        t->del[t->nd++] = (ib_vrec_t){0, 2, "someone-else", 0, -1, -1};
        log_of(t, "w1",
               "{\"t_ms\":10,\"event\":\"start\"}\n"
               "{\"t_ms\":100,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":0,\"from\":0,\"until\":5,\"records\":5}]}\n");
        log_of(t, "w2",
               "{\"t_ms\":10,\"event\":\"start\"}\n"
               "{\"t_ms\":300,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":0,\"from\":0,\"until\":5,\"records\":5}]}\n");
        ib_history_sort(&t->h);
        t->in = (ib_check_input_t){.topic = "in", .produced = t->prod, .nproduced = t->np, .delivered = t->del,
                                   .ndelivered = t->nd, .files = t->files, .nfiles = t->nf, .history = &t->h,
                                   .acked = 7, .run_id = "r", .commits_cover_sink = 1, .drained = 1};
        CHECK_INT(ib_check_run(&t->in, &t->r), IB_OK);
        CHECK_INT(t->r.redelivered, 5);
        CHECK_INT(t->r.counts.duplicates.count, 0);
        CHECK_INT(t->r.counts.unexpected.count, 1);
        const ib_anomaly_t *a = only(t, IB_AN_UNEXPECTED);
        if (a)
                CHECK_STR(a->explanation, "in/0 offset 2: a sink line with id \"someone-else\" that matches no input record");
        CHECK_INT(t->r.broker_lost, 2);
        done(t);
}

/* Recovery: the end of the longest stall a fault caused, on the partitions
 * it affected that had records pending; a batch in hand is not recovery. */
static void recovery_is_the_end_of_the_longest_stall(void) {
        run_t *t = calloc(1, sizeof(*t));
        log_of(t, "w1",
               "{\"t_ms\":10,\"event\":\"start\"}\n"
               "{\"t_ms\":20,\"event\":\"assign\",\"partition\":0,\"epoch\":1}\n"
               "{\"t_ms\":90,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":0,\"from\":0,\"until\":5,\"records\":5}]}\n"
               "{\"t_ms\":108,\"event\":\"batch\",\"seq\":2,\"ranges\":[{\"partition\":0,\"from\":5,\"until\":6,\"records\":1}]}\n"
               "{\"t_ms\":5200,\"event\":\"batch\",\"seq\":3,\"ranges\":[{\"partition\":0,\"from\":6,\"until\":8,\"records\":2}]}\n"
               "{\"t_ms\":5220,\"event\":\"batch\",\"seq\":4,\"ranges\":[{\"partition\":0,\"from\":8,\"until\":10,\"records\":2}]}\n"
               "{\"t_ms\":30000,\"event\":\"batch\",\"seq\":5,\"ranges\":[{\"partition\":0,\"from\":10,\"until\":12,\"records\":2}]}\n");
        log_of(t, "w2",
               "{\"t_ms\":10,\"event\":\"start\"}\n"
               "{\"t_ms\":20,\"event\":\"assign\",\"partition\":1,\"epoch\":1}\n"
               "{\"t_ms\":95,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":1,\"from\":0,\"until\":5,\"records\":5}]}\n"
               "{\"t_ms\":700,\"event\":\"batch\",\"seq\":2,\"ranges\":[{\"partition\":1,\"from\":5,\"until\":9,\"records\":4}]}\n");
        ib_history_sort(&t->h);
        int64_t end[3] = {12, 9, 0};
        ib_recovery_t rv;
        /* ZooKeeper down 100..5100: every partition; p0 stalled until 5200, p1 until 700, p2 had nothing */
        ib_hfault_t zk = {IB_FAULT_ZK_STOP, -1, 100, 5100};
        ib_recovery_compute(&t->h, &zk, end, 3, &rv);
        CHECK_INT(rv.recovery_ms, 5100); /* not 8: the batch at 108 was in hand; not the late gap at 30000 */
        CHECK_INT(rv.affected, 2);
        CHECK_INT(rv.slowest, 0);
        /* w2 killed at 100: only its partition 1 */
        ib_hfault_t kill = {IB_FAULT_KILL, 1, 100, 300};
        ib_recovery_compute(&t->h, &kill, end, 3, &rv);
        CHECK_INT(rv.recovery_ms, 600);
        CHECK_INT(rv.affected, 1);
        CHECK_INT(rv.slowest, 1);
        /* after everything was delivered: nothing pending, nothing to recover */
        ib_hfault_t late = {IB_FAULT_KILL, 1, 800, -1};
        ib_recovery_compute(&t->h, &late, end, 3, &rv);
        CHECK_INT(rv.recovery_ms, IB_RECOVERY_NONE);
        /* a partition with records pending and no batch after the fault: never */
        int64_t more[3] = {12, 20, 0};
        ib_recovery_compute(&t->h, &late, more, 3, &rv);
        CHECK_INT(rv.recovery_ms, IB_RECOVERY_NEVER);
        done(t);
}

/* #16: one event line naming partition 2^31-1 made the checker allocate
 * state for every number up to it (3.2 GB for 99999999); its memory now
 * follows the partitions met. Under ASan the old code failed to allocate. */
static void huge_partition_number_is_cheap(void) {
        run_t *t = calloc(1, sizeof(*t));
        produce(t, 0, 4);
        file(t, 0, 0, 4, 100);
        log_of(t, "w1",
               "{\"t_ms\":10,\"worker\":\"w1\",\"event\":\"start\"}\n"
               "{\"t_ms\":100,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":0,\"from\":0,\"until\":4,\"records\":4}]}\n"
               "{\"t_ms\":101,\"event\":\"commit\",\"batch\":1,\"how\":\"sync\",\"offsets\":[{\"partition\":2147483647,\"offset\":9}]}\n"
               "{\"t_ms\":102,\"event\":\"commit_result\",\"how\":\"sync\",\"ok\":true,\"offsets\":[{\"partition\":2147483647,\"offset\":9,\"error\":\"NO_ERROR\"}]}\n"
               "{\"t_ms\":103,\"event\":\"commit\",\"batch\":1,\"how\":\"sync\",\"offsets\":[{\"partition\":0,\"offset\":4}]}\n"
               "{\"t_ms\":104,\"event\":\"commit_result\",\"how\":\"sync\",\"ok\":true,\"offsets\":[{\"partition\":0,\"offset\":4,\"error\":\"NO_ERROR\"}]}\n");
        check(t);
        CHECK_INT(t->r.counts.unique, 4);
        CHECK_INT(t->r.counts.lost.count, 0);
        CHECK_INT(t->r.offsets_backwards, 0);
        done(t);
}

/* A Kafka sink's log: the committed output holds [0, 10) of partition 0
 * once; the log also holds three writes a read_committed reader does not
 * see: w1's batch 2 [4, 8), whose transaction's commit was refused (a
 * zombie); w2's batch 1 [8, 10) (w2 was killed before committing: its run 2
 * followed); and [0, 4) again, though w1 committed that range (unexplained). */
static void a_kafka_logs_aborted_writes(void) {
        run_t *t = calloc(1, sizeof(*t));
        produce(t, 0, 10);
        file(t, 0, 0, 4, 100);
        file(t, 0, 4, 8, 900);
        file(t, 0, 8, 10, 950);
        for (size_t i = 0; i < t->nd; i++) /* places in the output topic */
                t->del[i].out_pos = IB_VREC_POS(0, (int64_t)i);
        /* the log: the visible copies, then the three aborted writes */
        ib_vrec_t log[4 * MAXR];
        ib_vfile_t lfiles[8];
        size_t nl = 0, nlf = 0;
        for (size_t i = 0; i < t->nd; i++)
                log[nl++] = t->del[i];
        lfiles[0] = t->files[0], lfiles[1] = t->files[1], lfiles[2] = t->files[2];
        nlf = 3;
        const int64_t aborted[][3] = {{4, 8, 500}, {8, 10, 600}, {0, 4, 700}};
        int64_t pos = 100;
        for (int w = 0; w < 3; w++) {
                lfiles[nlf] = (ib_vfile_t){0, aborted[w][0], aborted[w][1], aborted[w][2]};
                for (int64_t o = aborted[w][0]; o < aborted[w][1]; o++)
                        log[nl++] = (ib_vrec_t){0, o, t->prod[o].id, (int32_t)nlf, -1, IB_VREC_POS(1, pos++)};
                nlf++;
        }
        log_of(t, "w1",
               "{\"t_ms\":10,\"event\":\"start\"}\n"
               "{\"t_ms\":20,\"event\":\"rebalance\",\"kind\":\"assign\",\"generation\":1,\"partitions\":[0]}\n"
               "{\"t_ms\":100,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":0,\"from\":0,\"until\":4,\"records\":4}]}\n"
               "{\"t_ms\":110,\"event\":\"commit_result\",\"how\":\"transaction\",\"ok\":true,\"generation\":1,"
               "\"offsets\":[{\"partition\":0,\"offset\":4,\"error\":\"NO_ERROR\"}]}\n"
               "{\"t_ms\":500,\"event\":\"batch\",\"seq\":2,\"ranges\":[{\"partition\":0,\"from\":4,\"until\":8,\"records\":4}]}\n"
               "{\"t_ms\":800,\"event\":\"commit_result\",\"how\":\"transaction\",\"ok\":false,\"error\":\"UNKNOWN_MEMBER_ID\","
               "\"generation\":1,\"offsets\":[{\"partition\":0,\"offset\":8,\"error\":\"NO_ERROR\"}]}\n");
        log_of(t, "w2",
               "{\"t_ms\":400,\"event\":\"start\"}\n"
               "{\"t_ms\":450,\"event\":\"rebalance\",\"kind\":\"assign\",\"generation\":2,\"partitions\":[0]}\n"
               "{\"t_ms\":600,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":0,\"from\":8,\"until\":10,\"records\":2}]}\n"
               "{\"t_ms\":700,\"event\":\"start\"}\n"
               "{\"t_ms\":750,\"event\":\"rebalance\",\"kind\":\"assign\",\"generation\":3,\"partitions\":[0]}\n"
               "{\"t_ms\":900,\"event\":\"batch\",\"seq\":1,\"ranges\":[{\"partition\":0,\"from\":4,\"until\":8,\"records\":4}]}\n"
               "{\"t_ms\":910,\"event\":\"commit_result\",\"how\":\"transaction\",\"ok\":true,\"generation\":3,"
               "\"offsets\":[{\"partition\":0,\"offset\":8,\"error\":\"NO_ERROR\"}]}\n"
               "{\"t_ms\":950,\"event\":\"batch\",\"seq\":2,\"ranges\":[{\"partition\":0,\"from\":8,\"until\":10,\"records\":2}]}\n"
               "{\"t_ms\":960,\"event\":\"commit_result\",\"how\":\"transaction\",\"ok\":true,\"generation\":3,"
               "\"offsets\":[{\"partition\":0,\"offset\":10,\"error\":\"NO_ERROR\"}]}\n");
        ib_history_sort(&t->h);
        t->in = (ib_check_input_t){.topic = "in", .produced = t->prod, .nproduced = t->np, .delivered = t->del,
                                   .ndelivered = t->nd, .files = t->files, .nfiles = t->nf, .history = &t->h,
                                   .acked = -1, .commits_cover_sink = 1, .drained = 1, .log = log, .nlog = nl,
                                   .log_files = lfiles, .nlog_files = nlf};
        CHECK_INT(ib_check_run(&t->in, &t->r), IB_OK);
        CHECK_INT(t->r.counts.duplicates.count, 0); /* what a read_committed reader sees */
        CHECK_INT(t->r.counts.lost.count, 0);
        CHECK_INT(t->r.has_log, 1);
        CHECK_INT(t->r.log_records, 20);
        CHECK_INT(t->r.log_duplicates, 10);
        CHECK_INT(t->r.aborted_records, 10);
        CHECK_INT(t->r.naborted, 3);
        CHECK_INT(t->r.unexplained_aborted, 4);
        if (t->r.naborted == 3) {
                CHECK(t->r.aborted[0].explained);
                CHECK(strstr(t->r.aborted[0].explanation, "w1's batch 2 wrote it; its transaction did not commit "
                                                          "(UNKNOWN_MEMBER_ID") != NULL);
                CHECK(t->r.aborted[1].explained);
                CHECK(strstr(t->r.aborted[1].explanation, "w2's batch 1 wrote it; the worker died before committing (run 2")
                      != NULL);
                CHECK(!t->r.aborted[2].explained);
                CHECK(strstr(t->r.aborted[2].explanation, "every batch that wrote this range committed it") != NULL);
        }
        done(t);
}

static void put(const char *dir, const char *rel, const char *text) {
        char path[600];
        snprintf(path, sizeof(path), "%s/%s", dir, rel);
        FILE *fp = fopen(path, "w");
        CHECK(fp != NULL);
        if (fp) {
                fputs(text, fp);
                fclose(fp);
        }
}

/* An external consumer's output: every file under sink/WORKER/ (one folder
 * level down too; '.' and '_' names skipped), each line's place found by its
 * id, a line with no id counted and named, each file's worker kept. */
static void external_output_is_read_and_placed(void) {
        char dir[64], path[600];
        CHECK(ib_tmpdir(dir, sizeof(dir)) != NULL);
        const char *mk[] = {"w1", "w2", "w2/day=1", "w2/_temporary", NULL};
        for (int i = 0; mk[i]; i++) {
                snprintf(path, sizeof(path), "%s/%s", dir, mk[i]);
                CHECK(mkdir(path, 0700) == 0);
        }
        put(dir, "w1/part-1.jsonl", "{\"id\":\"r-1\",\"ts\":5}\n{\"id\":\"r-2\"}\n");
        put(dir, "w2/day=1/part-9.json", "{\"id\":\"r-2\"}\n\n{\"no\":1}\n{\"id\":\"zz-1\"}\n");
        put(dir, "w2/_temporary/0", "{\"id\":\"r-1\"}\n");
        put(dir, "w2/.part-9.json.crc", "{\"id\":\"r-1\"}\n");
        const char *workers[] = {"w1", "w2", "w3"}; /* w3 never started: no folder */
        ib_vlist_t out = {0};
        int *fw = NULL;
        uint64_t bad = 0;
        char err[256];
        CHECK_INT(ib_external_read_output(dir, workers, 3, "ts", &out, &fw, &bad, NULL, err, sizeof(err)), IB_OK);
        ib_vlist_fix(&out);
        CHECK_INT(out.n, 4);
        CHECK_INT(bad, 1);
        CHECK_INT(out.nfiles, 2);
        CHECK(fw && fw[0] == 0 && fw[1] == 1);
        CHECK_INT(out.v[0].ts, 5);
        CHECK_INT(out.v[1].ts, -1);
        CHECK_INT(out.v[2].file, 1);
        CHECK_INT(ib_external_distinct(&out), 3);
        ib_vrec_t prod[2] = {{3, 40, "r-1", 0, -1, -1}, {1, 7, "r-2", 0, -1, -1}};
        CHECK_INT(ib_external_resolve(&out, prod, 2), 0);
        CHECK(out.v[0].partition == 3 && out.v[0].offset == 40);
        CHECK(out.v[1].partition == 1 && out.v[1].offset == 7 && out.v[2].partition == 1 && out.v[2].offset == 7);
        CHECK(out.v[3].partition == -1 && out.v[3].offset == -1); /* no input record has it: unexpected */
        free(fw);
        ib_vlist_free(&out);
        ib_tmpdir_rm(dir);
}

/* A folder with a file sink log (Spark's _spark_metadata) is read as the log
 * says: the files its batches added, in it and below it, a compacted log
 * included and a delete honoured; a file no committed batch lists (a killed
 * batch's) is skipped and counted; a log of another version is refused with
 * its file's name. */
static void external_output_honours_a_file_sink_log(void) {
        char dir[64], path[600];
        CHECK(ib_tmpdir(dir, sizeof(dir)) != NULL);
        const char *mk[] = {"w1", "w1/_spark_metadata", "w1/day=1", "w2", "w2/_spark_metadata", NULL};
        for (int i = 0; mk[i]; i++) {
                snprintf(path, sizeof(path), "%s/%s", dir, mk[i]);
                CHECK(mkdir(path, 0700) == 0);
        }
        const char *uri = "{\"path\":\"file:///x/w1/";
        char entry[4][200];
        const char *names[] = {"part-a.json", "part-b.json", "day=1/part-c.json", "part-d.json"};
        for (int i = 0; i < 4; i++)
                snprintf(entry[i], sizeof(entry[i]), "%s%s\",\"size\":1,\"action\":\"add\"}\n", uri, names[i]);
        char text[1024];
        snprintf(text, sizeof(text), "v1\n%s", entry[0]);
        put(dir, "w1/_spark_metadata/0", text);
        snprintf(text, sizeof(text), "v1\n%s%s", entry[0], entry[1]);
        put(dir, "w1/_spark_metadata/1.compact", text);
        snprintf(text, sizeof(text), "v1\n%s%s", entry[2], entry[3]);
        put(dir, "w1/_spark_metadata/2", text);
        put(dir, "w1/_spark_metadata/3", "v1\n{\"path\":\"file:///x/w1/part-d.json\",\"action\":\"delete\"}\n");
        put(dir, "w1/_spark_metadata/.3.crc", "not a log");
        put(dir, "w1/part-a.json", "{\"id\":\"r-1\"}\n");
        put(dir, "w1/part-b.json", "{\"id\":\"r-2\"}\n");
        put(dir, "w1/day=1/part-c.json", "{\"id\":\"r-3\"}\n");
        put(dir, "w1/part-d.json", "{\"id\":\"r-4\"}\n");      /* deleted by batch 3 */
        put(dir, "w1/part-killed.json", "{\"id\":\"r-1\"}\n"); /* no committed batch wrote it */
        put(dir, "w2/part-a.json", "{\"id\":\"r-5\"}\n");     /* w2's log lists nothing yet */
        const char *workers[] = {"w1", "w2"};
        ib_vlist_t out = {0};
        int *fw = NULL;
        uint64_t bad = 0, uncommitted = 0;
        char err[256];
        CHECK_INT(ib_external_read_output(dir, workers, 2, NULL, &out, &fw, &bad, &uncommitted, err, sizeof(err)),
                  IB_OK);
        ib_vlist_fix(&out);
        CHECK_INT(out.n, 3);
        CHECK_INT(uncommitted, 3);
        CHECK_INT(bad, 0);
        CHECK_INT(ib_external_distinct(&out), 3);
        free(fw);
        ib_vlist_free(&out);
        put(dir, "w2/_spark_metadata/0", "v2\n{}\n");
        ib_vlist_t again = {0};
        CHECK_INT(ib_external_read_output(dir, workers, 2, NULL, &again, &fw, &bad, NULL, err, sizeof(err)),
                  IB_ERR_PARSE);
        CHECK(strstr(err, "w2/_spark_metadata/0: byte 0: a file sink log of version 'v2'") != NULL);
        free(fw);
        ib_vlist_free(&again);
        put(dir, "w2/_spark_metadata/0", "v1\n{\"path\":\"file:///x/w2/part-a.json\"}\n");
        ib_vlist_t third = {0};
        CHECK_INT(ib_external_read_output(dir, workers, 2, NULL, &third, &fw, &bad, NULL, err, sizeof(err)),
                  IB_ERR_PARSE);
        CHECK(strstr(err, "w2/_spark_metadata/0: byte 3: not an entry of a file sink log") != NULL);
        free(fw);
        ib_vlist_free(&third);
        ib_tmpdir_rm(dir);
}

int main(void) {
        IB_RUN(a_kafka_logs_aborted_writes);
        IB_RUN(huge_partition_number_is_cheap);
        IB_RUN(duplicate_explained_by_refused_async_commit);
        IB_RUN(duplicate_explained_by_kill);
        IB_RUN(duplicate_explained_by_zombie);
        IB_RUN(duplicate_explained_by_partition);
        IB_RUN(duplicate_without_cause_is_unexplained);
        IB_RUN(duplicate_explained_by_commit_after_assignment);
        IB_RUN(lost_explained_by_commit_ahead_of_sink);
        IB_RUN(lost_without_cause_is_unexplained);
        IB_RUN(out_of_order_first_deliveries);
        IB_RUN(offset_moving_backwards);
        IB_RUN(late_async_callback_is_not_backwards);
        IB_RUN(redelivered_unexpected_and_broker_lost);
        IB_RUN(recovery_is_the_end_of_the_longest_stall);
        IB_RUN(external_output_is_read_and_placed);
        IB_RUN(external_output_honours_a_file_sink_log);
        IB_RUN(duplicate_without_batch_log_is_left_to_attribute);
        IB_RUN(external_duplicate_explained_from_its_event_log);
        return IB_DONE();
}
