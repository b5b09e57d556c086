/*
 * hist.c: log-linear histogram; see hist.h for the bucket layout.
 */
#include "hist.h"

#include <string.h>

void ib_hist_init(ib_hist_t *h) {
        memset(h, 0, sizeof(*h));
        h->min = UINT64_MAX;
}

int ib_hist_bucket(uint64_t v) {
        if (v < 32)
                return (int)v;
        int msb = 63 - __builtin_clzll(v);
        int shift = msb - 4;
        return 32 + (msb - 5) * 16 + (int)((v >> shift) & 15);
}

uint64_t ib_hist_bucket_upper(int idx) {
        if (idx < 32)
                return (uint64_t)idx;
        int m = (idx - 32) / 16 + 5;
        uint64_t sub = (uint64_t)((idx - 32) % 16);
        uint64_t width = (uint64_t)1 << (m - 4);
        return ((16 + sub) << (m - 4)) + (width - 1);
}

void ib_hist_record(ib_hist_t *h, uint64_t v) {
        h->buckets[ib_hist_bucket(v)]++;
        h->count++;
        h->sum += v;
        if (v < h->min)
                h->min = v;
        if (v > h->max)
                h->max = v;
}

void ib_hist_merge(ib_hist_t *dst, const ib_hist_t *src) {
        for (int i = 0; i < IB_HIST_BUCKETS; i++)
                dst->buckets[i] += src->buckets[i];
        dst->count += src->count;
        dst->sum += src->sum;
        if (src->min < dst->min)
                dst->min = src->min;
        if (src->max > dst->max)
                dst->max = src->max;
}

uint64_t ib_hist_quantile(const ib_hist_t *h, double q) {
        if (h->count == 0)
                return 0;
        if (q <= 0)
                return h->min;
        /* rank of the wanted value, 1-based, rounded up */
        uint64_t rank = (uint64_t)(q * (double)h->count);
        if ((double)rank < q * (double)h->count)
                rank++;
        if (rank == 0)
                rank = 1;
        if (rank > h->count)
                rank = h->count;
        uint64_t seen = 0;
        for (int i = 0; i < IB_HIST_BUCKETS; i++) {
                seen += h->buckets[i];
                if (seen >= rank) {
                        uint64_t up = ib_hist_bucket_upper(i);
                        return up > h->max ? h->max : up;
                }
        }
        return h->max;
}
