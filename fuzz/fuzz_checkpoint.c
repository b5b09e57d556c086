/* fuzz_checkpoint: the checkpoint decoder on a crafted file image; what it
 * accepts must survive encode and decode unchanged, and hold only values the
 * mode can use (partitions from 0, offsets from 0, next_until >= offset). */
#include "fuzz.h"

#include "buf.h"
#include "checkpoint_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static ib_checkpoint_t c, back;
        char err[512];
        if (ib_checkpoint_decode((const char *)data, size, "fuzz", &c, err, sizeof(err)) != IB_OK)
                return 0;
        for (int i = 0; i < c.count; i++)
                IB_FUZZ_ASSERT(c.parts[i].partition >= 0 && c.parts[i].offset >= 0 &&
                               (c.version == 1 || c.parts[i].next_until >= c.parts[i].offset));
        ib_buf_t b = {0};
        IB_FUZZ_ASSERT(ib_checkpoint_encode(&c, &b, err, sizeof(err)) == IB_OK);
        IB_FUZZ_ASSERT(ib_checkpoint_decode(b.data, b.len, "fuzz", &back, err, sizeof(err)) == IB_OK);
        IB_FUZZ_ASSERT(back.count == c.count && !strcmp(back.topic, c.topic) && !strcmp(back.group, c.group));
        IB_FUZZ_ASSERT(!memcmp(back.parts, c.parts, (size_t)c.count * sizeof(c.parts[0])));
        ib_buf_free(&b);
        return 0;
}
