/* 0011-receiver-processed: the receiver's processed position and dedup
 * table round-trip, and a damaged file is refused, naming it. */
#include "harness.h"
#include "processed.h"

static void test_processed_position(void) {
        char dir[64], err[256], path[600];
        ib_tmpdir(dir, sizeof(dir));
        ib_processed_t p, q;
        CHECK_INT(ib_processed_load(dir, &p, err, sizeof(err)), IB_OK); /* missing: fresh */
        CHECK_INT(p.pos.segment, 0);
        p.pos = (ib_wal_pos_t){3, 1234};
        p.batch = 77;
        p.high[0] = 10, p.high[5] = 99;
        p.npartitions = 6;
        CHECK_INT(ib_processed_store(dir, &p, err, sizeof(err)), IB_OK);
        CHECK_INT(ib_processed_load(dir, &q, err, sizeof(err)), IB_OK);
        CHECK_INT(q.pos.segment, 3);
        CHECK_INT(q.pos.offset, 1234);
        CHECK_INT(q.batch, 77);
        CHECK_INT(q.high[0], 10);
        CHECK_INT(q.high[3], -1);
        CHECK_INT(q.high[5], 99);
        snprintf(path, sizeof(path), "%s/processed", dir);
        ib_test_flip_bit(path, 12);
        CHECK_INT(ib_processed_load(dir, &q, err, sizeof(err)), IB_ERR_CORRUPT);
        CHECK(strstr(err, path) != NULL);
        ib_tmpdir_rm(dir);
}

int main(void) {
        IB_RUN(test_processed_position);
        return IB_DONE();
}
