/* 0001-hist: the log-linear histogram's buckets and quantiles. */
#include "harness.h"
#include "hist.h"

static void test_buckets_cover_values_in_order(void) {
        /* every value falls in a bucket whose upper bound is >= it, and the
         * previous bucket's upper bound is < it */
        uint64_t vals[] = {0, 1, 31, 32, 33, 47, 48, 63, 64, 1000, 123456789, UINT64_MAX / 3};
        for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
                int b = ib_hist_bucket(vals[i]);
                CHECK(b >= 0 && b < IB_HIST_BUCKETS);
                CHECK(ib_hist_bucket_upper(b) >= vals[i]);
                if (b > 0)
                        CHECK(ib_hist_bucket_upper(b - 1) < vals[i]);
        }
        CHECK_INT(ib_hist_bucket(UINT64_MAX), IB_HIST_BUCKETS - 1);
        for (int b = 1; b < IB_HIST_BUCKETS; b++)
                CHECK(ib_hist_bucket_upper(b) > ib_hist_bucket_upper(b - 1));
}

static void test_quantiles_within_relative_error(void) {
        ib_hist_t h;
        ib_hist_init(&h);
        for (uint64_t v = 1; v <= 100000; v++)
                ib_hist_record(&h, v);
        CHECK_INT(h.count, 100000);
        CHECK_INT(h.min, 1);
        CHECK_INT(h.max, 100000);
        double qs[] = {0.5, 0.9, 0.99, 0.999};
        for (size_t i = 0; i < 4; i++) {
                double want = qs[i] * 100000;
                double got = (double)ib_hist_quantile(&h, qs[i]);
                CHECK(got >= want);               /* upper bound of the bucket */
                CHECK(got <= want * (1 + 1.0 / 16) + 1);
        }
        CHECK_INT(ib_hist_quantile(&h, 1.0), 100000);
}

static void test_empty_and_single(void) {
        ib_hist_t h;
        ib_hist_init(&h);
        CHECK_INT(ib_hist_quantile(&h, 0.99), 0);
        ib_hist_record(&h, 777);
        CHECK_INT(ib_hist_quantile(&h, 0.5), 777); /* capped at max */
        CHECK_INT(ib_hist_quantile(&h, 0.999), 777);
}

static void test_merge(void) {
        ib_hist_t a, b;
        ib_hist_init(&a);
        ib_hist_init(&b);
        for (int i = 0; i < 100; i++)
                ib_hist_record(&a, 10);
        for (int i = 0; i < 100; i++)
                ib_hist_record(&b, 1000);
        ib_hist_merge(&a, &b);
        CHECK_INT(a.count, 200);
        CHECK_INT(a.min, 10);
        CHECK_INT(a.max, 1000);
        CHECK_INT(ib_hist_quantile(&a, 0.25), 10);
        CHECK(ib_hist_quantile(&a, 0.75) >= 1000);
}

int main(void) {
        IB_RUN(test_buckets_cover_values_in_order);
        IB_RUN(test_quantiles_within_relative_error);
        IB_RUN(test_empty_and_single);
        IB_RUN(test_merge);
        return IB_DONE();
}
