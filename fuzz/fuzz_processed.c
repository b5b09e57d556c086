/* fuzz_processed: the receiver's processed-position file; what loads must
 * store and load again to the same position, batch and high marks. */
#include "fuzz.h"

#include "processed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static ib_processed_t p, q;
        char err[512];
        if (size > (1u << 20))
                return 0;
        ib_fuzz_clear();
        ib_fuzz_write("processed", data, size);
        if (ib_processed_load(ib_fuzz_dir(), &p, err, sizeof(err)) != IB_OK)
                return 0;
        IB_FUZZ_ASSERT(p.npartitions >= 0 && p.npartitions <= IB_PROCESSED_MAX_PARTITIONS);
        IB_FUZZ_ASSERT(ib_processed_store(ib_fuzz_dir(), &p, err, sizeof(err)) == IB_OK);
        IB_FUZZ_ASSERT(ib_processed_load(ib_fuzz_dir(), &q, err, sizeof(err)) == IB_OK);
        IB_FUZZ_ASSERT(q.pos.segment == p.pos.segment && q.pos.offset == p.pos.offset && q.batch == p.batch);
        for (int i = 0; i < p.npartitions; i++)
                IB_FUZZ_ASSERT(q.high[i] == p.high[i]);
        return 0;
}
