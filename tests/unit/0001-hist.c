/* 0001-hist: the log-linear histogram's buckets and quantiles. */
#include "harness.h"
#include <stdlib.h>

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

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return (x > y) - (x < y);
}

/* Skewed values (a latency-like long tail) against the exact percentiles of
 * the same values sorted: each reported percentile is the upper bound of its
 * bucket, so never below the true one and within 1/16 above it. */
static void test_quantiles_against_sorted_array(void) {
        enum { N = 50000 };
        static uint64_t v[N];
        ib_hist_t h;
        ib_hist_init(&h);
        uint64_t s = 0x9e3779b97f4a7c15ULL;
        for (int i = 0; i < N; i++) {
                s ^= s << 13, s ^= s >> 7, s ^= s << 17;
                uint64_t r = s % 1000000;
                v[i] = 1 + r * r / 1000 / (1 + s % 97); /* mostly small, a few up to 1e9 */
                ib_hist_record(&h, v[i]);
        }
        qsort(v, N, sizeof(v[0]), cmp_u64);
        double qs[] = {0.5, 0.9, 0.99, 0.999, 1.0};
        for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
                size_t rank = (size_t)(qs[i] * N + 0.999999); /* the smallest value with q of them at or below it */
                uint64_t want = v[rank ? rank - 1 : 0], got = ib_hist_quantile(&h, qs[i]);
                CHECK(got >= want);
                CHECK((double)got <= (double)want * (1 + 1.0 / 16) + 1);
        }
        CHECK_INT(h.max, v[N - 1]);
        CHECK_INT(h.min, v[0]);
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
        IB_RUN(test_quantiles_against_sorted_array);
        IB_RUN(test_empty_and_single);
        IB_RUN(test_merge);
        return IB_DONE();
}
