/* 0010-checkpoint: the checkpoint file: round trip, a crash between write
 * and rename leaves the old checkpoint valid, every truncation length and
 * every flipped byte is detected, injected write/fsync failures leave the
 * old one intact, and the committed version-1 fixture still loads. */
#include <unistd.h>

#include "checkpoint_file.h"
#include "crc32c.h"
#include "fault.h"
#include "fsutil.h"
#include "harness.h"

static ib_checkpoint_t a, b, got;

static void fill(ib_checkpoint_t *c, int64_t base) {
        memset(c, 0, sizeof(*c));
        snprintf(c->topic, sizeof(c->topic), "orders");
        snprintf(c->group, sizeof(c->group), "g1");
        c->batch = (uint64_t)base;
        c->written_ms = 1795220244513;
        c->count = 3;
        for (int i = 0; i < 3; i++)
                c->parts[i] = (ib_ckpt_part_t){i * 2, base + i * 100, base + i * 100 + 50};
}

static void same(const ib_checkpoint_t *x, const ib_checkpoint_t *y) {
        CHECK_STR(x->topic, y->topic);
        CHECK_STR(x->group, y->group);
        CHECK_INT(x->batch, y->batch);
        CHECK_INT(x->count, y->count);
        for (int i = 0; i < x->count && i < y->count; i++) {
                CHECK_INT(x->parts[i].partition, y->parts[i].partition);
                CHECK_INT(x->parts[i].offset, y->parts[i].offset);
                CHECK_INT(x->parts[i].next_until, y->parts[i].next_until);
        }
}

static void test_round_trip_and_fallback(void) {
        char dir[64], path[128], err[512];
        ib_tmpdir(dir, sizeof(dir));
        snprintf(path, sizeof(path), "%s/checkpoint", dir);
        CHECK_INT(ib_checkpoint_read(path, &got, err, sizeof(err)), IB_ERR_NOT_FOUND);
        fill(&a, 1000);
        fill(&b, 2000);
        CHECK_INT(ib_checkpoint_store(dir, &a, NULL, err, sizeof(err)), IB_OK);
        CHECK_INT(ib_checkpoint_read(path, &got, err, sizeof(err)), IB_OK);
        CHECK_INT(got.version, IB_CKPT_VERSION);
        same(&got, &a);
        CHECK_INT(ib_checkpoint_store(dir, &b, NULL, err, sizeof(err)), IB_OK);
        CHECK_INT(ib_checkpoint_read(path, &got, err, sizeof(err)), IB_OK);
        same(&got, &b);
        /* the previous one is kept as the fallback */
        snprintf(path, sizeof(path), "%s/checkpoint.prev", dir);
        CHECK_INT(ib_checkpoint_read(path, &got, err, sizeof(err)), IB_OK);
        same(&got, &a);
        ib_tmpdir_rm(dir);
}

static void test_crash_between_write_and_rename(void) {
        char dir[64], path[128], err[512];
        ib_tmpdir(dir, sizeof(dir));
        snprintf(path, sizeof(path), "%s/checkpoint", dir);
        fill(&a, 1000);
        fill(&b, 2000);
        CHECK_INT(ib_checkpoint_store(dir, &a, NULL, err, sizeof(err)), IB_OK);
        setenv("INGESTBENCH_FAULTS", "checkpoint.crash_before_rename:1", 1);
        ib_fault_reset();
        CHECK_INT(ib_checkpoint_store(dir, &b, NULL, err, sizeof(err)), IB_ERR_IO);
        unsetenv("INGESTBENCH_FAULTS");
        ib_fault_reset();
        /* the new one is written and fsynced but not renamed: the old one holds */
        CHECK_INT(ib_checkpoint_read(path, &got, err, sizeof(err)), IB_OK);
        same(&got, &a);
        /* a crash between the two renames: only checkpoint.prev is left */
        char prev[128];
        snprintf(prev, sizeof(prev), "%s/checkpoint.prev", dir);
        CHECK_INT(rename(path, prev), 0);
        CHECK_INT(ib_checkpoint_read(path, &got, err, sizeof(err)), IB_ERR_NOT_FOUND);
        CHECK_INT(ib_checkpoint_read(prev, &got, err, sizeof(err)), IB_OK);
        same(&got, &a);
        ib_tmpdir_rm(dir);
}

static void test_injected_failures_keep_the_old(void) {
        const char *specs[] = {"checkpoint.write:1", "checkpoint.fsync:1"};
        for (int s = 0; s < 2; s++) {
                char dir[64], path[128], err[512];
                ib_tmpdir(dir, sizeof(dir));
                snprintf(path, sizeof(path), "%s/checkpoint", dir);
                fill(&a, 1000);
                fill(&b, 2000);
                CHECK_INT(ib_checkpoint_store(dir, &a, NULL, err, sizeof(err)), IB_OK);
                setenv("INGESTBENCH_FAULTS", specs[s], 1);
                ib_fault_reset();
                CHECK_INT(ib_checkpoint_store(dir, &b, NULL, err, sizeof(err)), IB_ERR_IO);
                CHECK(strstr(err, s == 0 ? "write failed" : "fsync failed") != NULL);
                unsetenv("INGESTBENCH_FAULTS");
                ib_fault_reset();
                CHECK_INT(ib_checkpoint_read(path, &got, err, sizeof(err)), IB_OK);
                same(&got, &a);
                ib_tmpdir_rm(dir);
        }
}

static void test_every_truncation_and_flipped_byte(void) {
        ib_buf_t img = {0};
        char err[512];
        fill(&a, 123456);
        CHECK_INT(ib_checkpoint_encode(&a, &img, err, sizeof(err)), IB_OK);
        CHECK_INT(ib_checkpoint_decode(img.data, img.len, "f", &got, err, sizeof(err)), IB_OK);
        int missed = 0;
        for (size_t len = 0; len < img.len; len++) {
                if (ib_checkpoint_decode(img.data, len, "f", &got, err, sizeof(err)) != IB_ERR_CORRUPT ||
                    strncmp(err, "f: ", 3))
                        missed++;
        }
        CHECK_INT(missed, 0);
        for (size_t at = 0; at < img.len; at++) {
                img.data[at] ^= 0x01;
                if (ib_checkpoint_decode(img.data, img.len, "f", &got, err, sizeof(err)) != IB_ERR_CORRUPT)
                        missed++;
                img.data[at] ^= 0x01;
        }
        CHECK_INT(missed, 0);
        /* the reasons name what is wrong */
        CHECK_INT(ib_checkpoint_decode(img.data, 10, "f", &got, err, sizeof(err)), IB_ERR_CORRUPT);
        CHECK(strstr(err, "truncated") != NULL);
        img.data[8] = 9;
        CHECK_INT(ib_checkpoint_decode(img.data, img.len, "f", &got, err, sizeof(err)), IB_ERR_CORRUPT);
        CHECK(strstr(err, "unknown format version 9") != NULL);
        ib_buf_free(&img);
}

static void test_version1_fixture_loads(void) {
        char err[512];
        CHECK_INT(ib_checkpoint_read(IB_SOURCE_DIR "/tests/fixtures/checkpoint-v1.bin", &got, err, sizeof(err)),
                  IB_OK);
        CHECK_INT(got.version, 1);
        CHECK_STR(got.topic, "orders");
        CHECK_INT(got.count, 3);
        const ib_ckpt_part_t *p5 = ib_checkpoint_find(&got, 5);
        CHECK(p5 != NULL);
        CHECK_INT(p5 ? p5->offset : -1, 40000);
        CHECK_INT(p5 ? p5->next_until : -1, 40000); /* version 1 pins no range */
        CHECK_INT(ib_checkpoint_find(&got, 1)->offset, 987);
        CHECK(ib_checkpoint_find(&got, 2) == NULL);
}

/* Contents @p json under a true header: only the values can be wrong. */
static ib_err_t decode_json(const char *json, char *err, size_t size) {
        static const char magic[8] = {'I', 'B', 'C', 'K', 'P', 'T', '\r', '\n'};
        unsigned char buf[2048];
        size_t len = strlen(json);
        uint32_t v[3] = {2, (uint32_t)len, ib_crc32c_mask(ib_crc32c(json, len))};
        memcpy(buf, magic, 8);
        for (int i = 0; i < 3; i++)
                for (int b = 0; b < 4; b++)
                        buf[8 + 4 * i + b] = (unsigned char)(v[i] >> (8 * b));
        memcpy(buf + IB_CKPT_HEADER, json, len);
        ib_checkpoint_t c;
        err[0] = 0;
        return ib_checkpoint_decode((const char *)buf, IB_CKPT_HEADER + len, "ckpt", &c, err, size);
}

/* #16: partition 4294967296 loaded as partition 0; a negative offset loaded. */
static void test_values_checked(void) {
        char err[256];
#define P(parts) "{\"topic\":\"t\",\"group\":\"g\",\"batch\":1,\"written_ms\":0,\"partitions\":[" parts "]}"
        CHECK_INT(decode_json(P("{\"partition\":0,\"offset\":5,\"next_until\":9}"), err, sizeof(err)), IB_OK);
        CHECK_INT(decode_json(P("{\"partition\":4294967296,\"offset\":5,\"next_until\":9}"), err, sizeof(err)),
                  IB_ERR_CORRUPT);
        CHECK(strstr(err, "ckpt: $.partitions[0].partition") != NULL);
        CHECK_INT(decode_json(P("{\"partition\":-1,\"offset\":5,\"next_until\":9}"), err, sizeof(err)), IB_ERR_CORRUPT);
        CHECK_INT(decode_json(P("{\"partition\":1,\"offset\":-5,\"next_until\":9}"), err, sizeof(err)), IB_ERR_CORRUPT);
        CHECK(strstr(err, "$.partitions[0].offset") != NULL);
        CHECK_INT(decode_json(P("{\"partition\":1,\"offset\":5,\"next_until\":4}"), err, sizeof(err)), IB_ERR_CORRUPT);
        CHECK(strstr(err, "$.partitions[0].next_until") != NULL);
        CHECK_INT(decode_json(P("{\"partition\":1,\"offset\":5,\"next_until\":5},{\"partition\":1,\"offset\":6,"
                                "\"next_until\":6}"), err, sizeof(err)), IB_ERR_CORRUPT);
        CHECK(strstr(err, "$.partitions[1].partition: appears twice") != NULL);
        CHECK_INT(decode_json("{\"topic\":\"t\",\"group\":\"g\",\"batch\":-1,\"partitions\":[]}", err, sizeof(err)),
                  IB_ERR_CORRUPT);
        CHECK(strstr(err, "$.batch") != NULL);
#undef P
}

int main(void) {
        IB_RUN(test_values_checked);
        IB_RUN(test_round_trip_and_fallback);
        IB_RUN(test_crash_between_write_and_rename);
        IB_RUN(test_injected_failures_keep_the_old);
        IB_RUN(test_every_truncation_and_flipped_byte);
        IB_RUN(test_version1_fixture_loads);
        return IB_DONE();
}
