/*
 * record.c: batch building. Arrays grow by doubling and are kept across
 * batches, so steady-state batches do not allocate.
 */
#include "record.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "errors.h"

ib_range_t *ib_batch_add_range(ib_batch_t *b, int32_t partition, int64_t from,
                               int64_t until) {
        if (ib_array_grow(&b->ranges, &b->ranges_cap, b->nranges + 1, sizeof(*b->ranges), 16))
                return NULL;
        ib_range_t *r = &b->ranges[b->nranges++];
        r->partition = partition;
        r->from = from;
        r->until = until;
        r->first = b->nrecords;
        r->count = 0;
        return r;
}

ib_record_t *ib_batch_add_record(ib_batch_t *b) {
        if (b->nranges == 0)
                return NULL;
        if (ib_array_grow(&b->records, &b->records_cap, b->nrecords + 1, sizeof(*b->records), 1024))
                return NULL;
        b->ranges[b->nranges - 1].count++;
        return &b->records[b->nrecords++];
}

void ib_batch_free(ib_batch_t *b) {
        free(b->ranges);
        free(b->records);
        b->ranges = NULL;
        b->records = NULL;
        b->nranges = b->ranges_cap = b->nrecords = b->records_cap = 0;
}

ib_err_t ib_batch_group(ib_batch_t *b, const ib_record_t *recs, size_t n, ib_group_scratch_t *s) {
        int32_t maxp = -1;
        for (size_t i = 0; i < n; i++) {
                if (recs[i].partition < 0)
                        return IB_ERR_INVALID_ARG;
                if (recs[i].partition > maxp)
                        maxp = recs[i].partition;
        }
        size_t np = (size_t)maxp + 1, cap = s->nparts_cap;
        if (np > cap) {
                size_t c1 = cap, c2 = cap, c3 = cap;
                if (ib_array_grow(&s->count, &c1, np, sizeof(*s->count), 64) ||
                    ib_array_grow(&s->lo, &c2, np, sizeof(*s->lo), 64) ||
                    ib_array_grow(&s->hi, &c3, np, sizeof(*s->hi), 64))
                        return IB_ERR_NOMEM;
                s->nparts_cap = c1 < c2 ? (c1 < c3 ? c1 : c3) : (c2 < c3 ? c2 : c3);
        }
        if (ib_array_grow(&s->sorted, &s->sorted_cap, n, sizeof(*s->sorted), 64))
                return IB_ERR_NOMEM;
        for (size_t p = 0; p < np; p++)
                s->count[p] = 0, s->lo[p] = INT64_MAX, s->hi[p] = -1;
        for (size_t i = 0; i < n; i++) {
                int32_t p = recs[i].partition;
                s->count[p]++;
                if (recs[i].offset < s->lo[p])
                        s->lo[p] = recs[i].offset;
                if (recs[i].offset > s->hi[p])
                        s->hi[p] = recs[i].offset;
        }
        size_t at = 0;
        for (size_t p = 0; p < np; p++) { /* count becomes each partition's start */
                size_t c = s->count[p];
                s->count[p] = at;
                at += c;
        }
        for (size_t i = 0; i < n; i++)
                s->sorted[s->count[recs[i].partition]++] = recs[i];
        size_t i = 0;
        for (size_t p = 0; p < np; p++) {
                if (s->hi[p] < 0)
                        continue;
                if (!ib_batch_add_range(b, (int32_t)p, s->lo[p], s->hi[p] + 1))
                        return IB_ERR_NOMEM;
                for (; i < s->count[p]; i++) {
                        ib_record_t *r = ib_batch_add_record(b);
                        if (!r)
                                return IB_ERR_NOMEM;
                        *r = s->sorted[i];
                }
        }
        return IB_OK;
}

void ib_group_scratch_free(ib_group_scratch_t *s) {
        free(s->count);
        free(s->lo);
        free(s->hi);
        free(s->sorted);
        memset(s, 0, sizeof(*s));
}
