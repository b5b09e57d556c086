/* 0006-verify: the verifier fed hand-made histories with known duplicates,
 * losses, reorderings and strays must report exactly those. */
#include "harness.h"
#include "verify.h"

#define R(p, o, id) {p, o, id, 0, -1, -1}

static void test_clean_history(void) {
        ib_vrec_t prod[] = {R(0, 0, "a"), R(0, 1, "b"), R(1, 0, "c"), R(1, 1, NULL)};
        ib_vrec_t del[] = {R(0, 0, "a"), R(1, 0, "c"), R(0, 1, "b")}; /* interleaved partitions: fine */
        ib_vrec_t dead[] = {R(1, 1, NULL)};
        ib_verify_result_t r;
        CHECK_INT(ib_verify_run(prod, 4, del, 3, dead, 1, &r), IB_OK);
        CHECK_INT(r.produced, 4);
        CHECK_INT(r.delivered, 3);
        CHECK_INT(r.unique, 3);
        CHECK_INT(r.dead_lettered, 1);
        CHECK_INT(r.duplicates.count, 0);
        CHECK_INT(r.lost.count, 0);
        CHECK_INT(r.out_of_order.count, 0);
        CHECK_INT(r.unexpected.count, 0);
        CHECK_INT(r.produced, r.unique + r.dead_lettered + r.lost.count);
}

static void test_known_anomalies(void) {
        ib_vrec_t prod[] = {R(0, 0, "a"), R(0, 1, "b"), R(0, 2, "c"), R(0, 3, "d"),
                            R(1, 0, "e"), R(1, 1, "f"), R(1, 2, NULL), R(1, 3, "h")};
        ib_vrec_t del[] = {
            R(0, 0, "a"), R(0, 2, "c"), R(0, 1, "b"), /* b arrives after c: out of order */
            R(0, 2, "c"), R(0, 2, "c"),               /* c twice more: 2 duplicates */
            R(1, 0, "e"),                             /* f lost (not delivered, not dead) */
            R(1, 3, "zz"),                            /* wrong id at a real offset: unexpected */
            R(7, 9, "ghost"),                         /* no such record: unexpected */
        };
        ib_vrec_t dead[] = {R(1, 2, NULL), R(1, 2, NULL), /* dead-lettered twice (replay): once */
                            R(0, 0, NULL)};               /* delivered AND dead: counts as delivered */
        ib_verify_result_t r;
        CHECK_INT(ib_verify_run(prod, 8, del, 8, dead, 3, &r), IB_OK);
        CHECK_INT(r.produced, 8);
        CHECK_INT(r.delivered, 8);
        CHECK_INT(r.unique, 4);          /* a b c e */
        CHECK_INT(r.duplicates.count, 2);
        CHECK_STR(r.duplicates.samples[0].id, "c");
        CHECK_INT(r.out_of_order.count, 1);
        CHECK_STR(r.out_of_order.samples[0].id, "b");
        CHECK_INT(r.out_of_order.samples[0].offset, 1);
        CHECK_INT(r.unexpected.count, 2);
        CHECK_INT(r.dead_lettered, 1);
        CHECK_INT(r.dead_letters, 3);
        CHECK_INT(r.lost.count, 3);      /* d, f, h (h's delivery carried the wrong id) */
        CHECK_INT(r.lost.nsamples, 3);
        CHECK_STR(r.lost.samples[0].id, "d");
        CHECK_STR(r.lost.samples[1].id, "f");
        CHECK_STR(r.lost.samples[2].id, "h");
        CHECK_INT(r.produced, r.unique + r.dead_lettered + r.lost.count);
}

static void test_input_duplicates_and_samples_cap(void) {
        ib_vrec_t prod[20], del[40];
        char ids[20][8];
        for (int i = 0; i < 20; i++) {
                snprintf(ids[i], sizeof(ids[i]), "x%d", i % 10); /* each id twice in the topic */
                prod[i] = (ib_vrec_t)R(0, i, ids[i]);
                del[2 * i] = del[2 * i + 1] = prod[i];           /* everything delivered twice */
        }
        ib_verify_result_t r;
        CHECK_INT(ib_verify_run(prod, 20, del, 40, NULL, 0, &r), IB_OK);
        CHECK_INT(r.input_duplicates.count, 10);
        CHECK_INT(r.unique, 20);
        CHECK_INT(r.duplicates.count, 20);
        CHECK_INT(r.duplicates.nsamples, IB_VERIFY_SAMPLES);
        CHECK_INT(r.lost.count, 0);
}

static void test_empty(void) {
        ib_verify_result_t r;
        CHECK_INT(ib_verify_run(NULL, 0, NULL, 0, NULL, 0, &r), IB_OK);
        CHECK_INT(r.produced + r.delivered + r.lost.count, 0);
}

static void test_expectations(void) {
        ib_verify_expect_t ex;
        char err[256], why[256];
        CHECK_INT(ib_verify_expect_parse("lost=0,duplicates=2", &ex, err, sizeof(err)), IB_OK);
        CHECK_INT(ex.n, 2);
        ib_verify_result_t r;
        memset(&r, 0, sizeof(r));
        r.duplicates.count = 2;
        CHECK_INT(ib_verify_expect_check(&ex, &r, why, sizeof(why)), 1);
        r.lost.count = 1;
        CHECK_INT(ib_verify_expect_check(&ex, &r, why, sizeof(why)), 0);
        CHECK_STR(why, "lost is 1, expected 0");
        const char *bad[] = {"", "lost", "lost=", "lost=-1", "lots=0", "lost=1x", "=3"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                CHECK_INT(ib_verify_expect_parse(bad[i], &ex, err, sizeof(err)), IB_ERR_INVALID_ARG);
}

int main(void) {
        IB_RUN(test_clean_history);
        IB_RUN(test_known_anomalies);
        IB_RUN(test_input_duplicates_and_samples_cap);
        IB_RUN(test_empty);
        IB_RUN(test_expectations);
        return IB_DONE();
}
