/*
 * record.c: batch building. Arrays grow by doubling and are kept across
 * batches, so steady-state batches do not allocate.
 */
#include "record.h"

#include <stdlib.h>

ib_range_t *ib_batch_add_range(ib_batch_t *b, int32_t partition, int64_t from,
                               int64_t until) {
        if (b->nranges == b->ranges_cap) {
                size_t cap = b->ranges_cap ? b->ranges_cap * 2 : 16;
                ib_range_t *r = realloc(b->ranges, cap * sizeof(*r));
                if (!r)
                        return NULL;
                b->ranges = r;
                b->ranges_cap = cap;
        }
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
        if (b->nrecords == b->records_cap) {
                size_t cap = b->records_cap ? b->records_cap * 2 : 1024;
                ib_record_t *r = realloc(b->records, cap * sizeof(*r));
                if (!r)
                        return NULL;
                b->records = r;
                b->records_cap = cap;
        }
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
