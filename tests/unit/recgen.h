/* recgen.h: records for the unit tests that hold two paths to the same
 * output (0018-emit, 0019-doc): objects with nesting, arrays of objects,
 * duplicate keys, colliding and over-long flattened keys, the three set
 * fields, reals, escapes, UTF-8. Deterministic (xorshift, fixed seed). */
#ifndef IB_TEST_RECGEN_H
#define IB_TEST_RECGEN_H

#include <stdint.h>

#include "buf.h"


static uint64_t rng = 0x2545F4914F6CDD1DULL;
static inline uint64_t next(void) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        return rng;
}
static inline int pick(int n) { return (int)(next() % (uint64_t)n); }

static const char *const keys[] = {"id", "ts", "seq", "meta", "size", "a", "b", "a.b", "meta.size", "event_date",
                                   "_partition", "_offset", "payload", "k\\u00e9y", "q\\\"k", "x", "y"};

static inline void gen_value(ib_buf_t *b, int depth);

static inline void gen_object(ib_buf_t *b, int depth) {
        int n = pick(depth == 0 ? 9 : 4);
        ib_buf_append(b, "{", 1);
        for (int i = 0; i < n; i++) {
                if (i)
                        ib_buf_append(b, ",", 1);
                if (pick(40) == 0)
                        ib_buf_printf(b, "\"%0*d\":", 120 + pick(150), 7);
                else
                        ib_buf_printf(b, "\"%s\":", keys[pick(sizeof(keys) / sizeof(keys[0]))]);
                gen_value(b, depth + 1);
        }
        ib_buf_append(b, "}", 1);
}

static inline void gen_value(ib_buf_t *b, int depth) {
        static const char *const strings[] = {"\"\"", "\"plain\"", "\"q\\\"\\\\/\"", "\"\\u0000x\"", "\"\\t\\n\\u001b\"",
                                              "\"caf\\u00e9 \\u20ac\"", "\"\\ud83d\\ude00\"", "\"a,\\\"b\\\":\"",
                                              "\"\\u007f\"", "\"2026-01-01\""};
        static const char *const reals[] = {"0.5", "5.0", "1e20", "1.5e-7", "-0.0", "3.141592653589793", "1e300",
                                            "2.5E+3", "123456789.125", "-7.0e-10"};
        int k = depth > 3 ? pick(6) : pick(9);
        switch (k) {
        case 0: ib_buf_printf(b, "%lld", (long long)(next() % 2000000000000LL) - (pick(4) ? 0 : 1000000000000LL)); break;
        case 1: ib_buf_printf(b, "%s", strings[pick(10)]); break;
        case 2: ib_buf_printf(b, "%s", reals[pick(10)]); break;
        case 3: ib_buf_printf(b, "%s", pick(2) ? "true" : "false"); break;
        case 4: ib_buf_printf(b, "null"); break;
        case 5: ib_buf_printf(b, "%lld", (long long)pick(100)); break;
        case 6:
        case 7: gen_object(b, depth); break;
        default: {
                int n = pick(4);
                ib_buf_append(b, "[", 1);
                for (int i = 0; i < n; i++) {
                        if (i)
                                ib_buf_append(b, ",", 1);
                        gen_value(b, depth + 1);
                }
                ib_buf_append(b, "]", 1);
        }
        }
}

#endif
