/* 0011-receiver-processed: the receiver's processed position and dedup
 * table round-trip, and a damaged file is refused, naming it. */
#include "harness.h"
#include "crc32c.h"
#include "fsutil.h"
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

/* Writes a processed file of line @p json with its true checksum. */
static void put_processed(const char *dir, const char *json) {
        char path[600], text[1024], err[256];
        snprintf(path, sizeof(path), "%s/processed", dir);
        int n = snprintf(text, sizeof(text), "%s\n%u\n", json,
                         (unsigned)ib_crc32c_mask(ib_crc32c(json, strlen(json))));
        CHECK_INT(ib_fs_write_atomic(path, text, (size_t)n, NULL, err, sizeof(err)), IB_OK);
}

/* A checksum says the file is as written, not that its values make sense
 * (#16: a negative field loaded as 2^64 - x, refused only on the next load). */
static void test_processed_values_checked(void) {
        static const struct {
                const char *json, *field;
        } bad[] = {
                {"{\"segment\":-1,\"offset\":24,\"batch\":1,\"high\":{}}", "$.segment"},
                {"{\"segment\":1,\"offset\":-24,\"batch\":1,\"high\":{}}", "$.offset"},
                {"{\"segment\":1,\"offset\":24,\"batch\":-5,\"high\":{}}", "$.batch"},
                {"{\"segment\":1,\"offset\":24,\"high\":{}}", "$.batch"},
                {"{\"segment\":1,\"offset\":24,\"batch\":1,\"high\":{\"0\":-7}}", "$.high.0"},
                {"{\"segment\":1,\"offset\":24,\"batch\":1,\"high\":{\"x1\":7}}", "$.high.x1"},
                {"{\"segment\":1,\"offset\":24,\"batch\":1,\"high\":{\"4294967296\":7}}", "$.high.4294967296"},
                {"{\"segment\":1,\"offset\":24,\"batch\":1,\"high\":[]}", "$.high"},
        };
        char dir[64], err[256];
        ib_tmpdir(dir, sizeof(dir));
        ib_processed_t q;
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                put_processed(dir, bad[i].json);
                err[0] = 0;
                CHECK_INT(ib_processed_load(dir, &q, err, sizeof(err)), IB_ERR_CORRUPT);
                CHECK(strstr(err, bad[i].field) != NULL);
        }
        put_processed(dir, "{\"segment\":2,\"offset\":24,\"batch\":3,\"high\":{\"4\":7}}");
        CHECK_INT(ib_processed_load(dir, &q, err, sizeof(err)), IB_OK);
        CHECK_INT(q.high[4], 7);
        ib_tmpdir_rm(dir);
}

int main(void) {
        IB_RUN(test_processed_values_checked);
        IB_RUN(test_processed_position);
        return IB_DONE();
}
