/* fuzz_wal: the write-ahead log reader on a crafted segment, under each of
 * the four recovery policies: the input is segment 1, and again segment 5
 * (its header's number and checksum made to match, so that the reader also
 * crosses a gap). Every read must end within a bound of batches (a batch
 * takes at least one record header), and every batch must hold records
 * whose fields the reader decoded within the segment. */
#include "fuzz.h"

#include "crc32c.h"
#include "wal.h"

static void on_damage(void *opaque, const ib_wal_damage_t *d) {
        (void)d;
        ++*(int *)opaque;
}

static void read_all(size_t size) {
        static const ib_wal_recovery_t policies[] = {IB_WAL_TOLERATE_TORN_TAIL, IB_WAL_ABSOLUTE_CONSISTENCY,
                                                     IB_WAL_POINT_IN_TIME, IB_WAL_SKIP_CORRUPT};
        for (size_t k = 0; k < 4; k++) {
                char err[512];
                int reports = 0;
                ib_wal_reader_t *r = NULL;
                IB_FUZZ_ASSERT(ib_wal_reader_open(ib_fuzz_dir(), (ib_wal_pos_t){0, 0}, policies[k], on_damage, &reports,
                                                  &r, err, sizeof(err)) == IB_OK);
                ib_wal_batch_t b;
                int got;
                size_t batches = 0, bound = 2 * (size / IB_WAL_RECORD_HEADER + 2);
                while (ib_wal_reader_next(r, (ib_wal_pos_t){0, 0}, &b, &got, err, sizeof(err)) == IB_OK && got) {
                        IB_FUZZ_ASSERT(++batches <= bound);
                        for (size_t i = 0; i < b.count; i++) {
                                volatile unsigned char sink = 0; /* touch every byte: ASan checks the bounds */
                                for (size_t j = 0; j < b.records[i].value_len; j++)
                                        sink ^= (unsigned char)b.records[i].value[j];
                                for (size_t j = 0; j < b.records[i].key_len; j++)
                                        sink ^= (unsigned char)b.records[i].key[j];
                                (void)sink;
                        }
                        IB_FUZZ_ASSERT(strlen(b.topic) <= IB_WAL_MAX_TOPIC);
                }
                ib_wal_reader_close(r);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > (4u << 20))
                return 0;
        char path[600];
        ib_fuzz_clear();
        ib_wal_segment_path(path, sizeof(path), ".", 1);
        ib_fuzz_write(path + 2, data, size);
        read_all(size);
        /* the same bytes as segment 5, after a gap */
        unsigned char *copy = malloc(size ? size : 1);
        IB_FUZZ_ASSERT(copy);
        memcpy(copy, data, size);
        if (size >= IB_WAL_SEGMENT_HEADER) {
                for (int i = 0; i < 8; i++)
                        copy[12 + i] = (unsigned char)(i == 0 ? 5 : 0);
                uint32_t crc = ib_crc32c_mask(ib_crc32c(copy, 20));
                for (int i = 0; i < 4; i++)
                        copy[20 + i] = (unsigned char)(crc >> (8 * i));
        }
        ib_wal_segment_path(path, sizeof(path), ".", 5);
        ib_fuzz_write(path + 2, copy, size);
        free(copy);
        read_all(2 * size);
        return 0;
}
