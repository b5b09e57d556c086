/* fuzz_sink: verify's reader of the sink's range files. The input's first
 * line is the part of a file name after "t-" (e.g. "p3-0-100"), the rest the
 * file's lines; it is read as sink output and as dead letters. */
#include "fuzz.h"

#include "verify_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > (1u << 20))
                return 0;
        const uint8_t *nl = memchr(data, '\n', size);
        size_t nlen = nl ? (size_t)(nl - data) : 0;
        if (!nl || nlen == 0 || nlen > 100)
                return 0;
        char name[160];
        memcpy(name, "t-", 2);
        for (size_t i = 0; i < nlen; i++) /* one file name, in this folder */
                name[2 + i] = data[i] == '/' || data[i] == 0 ? '_' : (char)data[i];
        snprintf(name + 2 + nlen, sizeof(name) - 2 - nlen, ".jsonl");
        ib_fuzz_clear();
        ib_fuzz_write(name, nl + 1, size - nlen - 1);
        for (int dead = 0; dead < 2; dead++) {
                ib_vlist_t l = {0};
                uint64_t bad = 0;
                char err[512];
                if (ib_verify_read_dir(ib_fuzz_dir(), "t", dead, dead ? NULL : "ts", &l, &bad, err, sizeof(err)) ==
                    IB_OK) {
                        ib_vlist_fix(&l);
                        for (size_t i = 0; i < l.n; i++)
                                IB_FUZZ_ASSERT(l.v[i].partition >= 0 && l.v[i].offset >= 0);
                }
                ib_vlist_free(&l);
        }
        return 0;
}
