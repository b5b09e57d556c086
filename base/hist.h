/**
 * @file hist.h
 * @brief A log-linear histogram for latencies (HdrHistogram's idea, small).
 *
 * Values below 32 get a bucket each; above, every power of two is split into
 * 16 linear sub-buckets, so a reported percentile is within 1/16 (6.25%) of
 * the true value, over the whole uint64 range, in a fixed 7.8 KiB of counters.
 * Recording is one branch, a count-leading-zeros and an increment: no
 * allocation, fit for the per-record hot path. Not thread-safe: one per thread,
 * merged with ib_hist_merge.
 */
#ifndef IB_HIST_H
#define IB_HIST_H

#include <stdint.h>

#define IB_HIST_BUCKETS 976

typedef struct ib_hist_s {
        uint64_t count;
        uint64_t sum;
        uint64_t min;
        uint64_t max;
        uint64_t buckets[IB_HIST_BUCKETS];
} ib_hist_t;

void ib_hist_init(ib_hist_t *h);
void ib_hist_record(ib_hist_t *h, uint64_t value);
void ib_hist_merge(ib_hist_t *dst, const ib_hist_t *src);

/**
 * @brief The value at quantile @p q (0..1): the upper bound of the bucket that
 *        holds it, capped at the largest value recorded. 0 when empty.
 */
uint64_t ib_hist_quantile(const ib_hist_t *h, double q);

/** @brief Bucket index of @p value (exposed for tests). */
int ib_hist_bucket(uint64_t value);
/** @brief Largest value that falls in bucket @p idx (exposed for tests). */
uint64_t ib_hist_bucket_upper(int idx);

#endif
