/* 0018-emit: the output line written straight from the parsed record
 * (core/emit.c) against today's path (ib_transform_apply, then _partition and
 * _offset set, then json_dumpb compact): the same bytes, or the same refusal
 * with the same reason, on hand-picked cases and on 100,000 generated records
 * (nesting, arrays of objects, duplicate keys, colliding and over-long
 * flattened keys, the three set fields present, reals, escapes, UTF-8). */
#include "harness.h"

#include <stdlib.h>

#include "buf.h"
#include "emit.h"
#include "transform.h"

static int failures_shown, refusals, nested_seen;

/* Both paths on one record text; 1 when they agree. */
static int agree(const char *text) {
        json_error_t je;
        json_t *a = json_loads(text, 0, &je), *b = json_loads(text, 0, &je);
        if (!a || !b) {
                json_decref(a), json_decref(b);
                return 1; /* not a record: the parse stage's business */
        }
        if (!json_is_object(a)) {
                json_decref(a), json_decref(b);
                return 1;
        }
        char ra[256] = "", rb[256] = "", date[11];
        int64_t ev;
        const char *kk;
        json_t *vv;
        json_object_foreach(a, kk, vv) nested_seen += json_is_object(vv);
        ib_err_t ea = ib_transform_apply(a, "ts", &ev, ra, sizeof(ra));
        refusals += ea != IB_OK;
        char *want = NULL;
        if (!ea) {
                json_object_set_new(a, "_partition", json_integer(3));
                json_object_set_new(a, "_offset", json_integer(1234567890123LL));
                want = json_dumps(a, JSON_COMPACT);
        }
        json_t *t = json_object_get(b, "ts");
        const char *d = NULL;
        if (json_is_integer(t) && json_integer_value(t) >= 0) {
                ib_transform_date(json_integer_value(t), date);
                d = date;
        }
        ib_buf_t out = {0};
        ib_err_t eb = ib_emit_flat(&out, b, d, 3, 1234567890123LL, rb, sizeof(rb));
        int ok = ea == eb && (ea ? !strcmp(ra, rb) : want && out.len == strlen(want) && !memcmp(out.data, want, out.len));
        if (!ok && failures_shown++ < 5)
                fprintf(stderr, "record: %s\n  transform: %d %s\n  want: %s\n  emit: %d %s\n  got:  %.*s\n", text, ea, ra,
                        want ? want : "-", eb, rb, (int)out.len, out.data ? out.data : "");
        free(want);
        ib_buf_free(&out);
        json_decref(a), json_decref(b);
        return ok;
}

static void test_cases(void) {
        static const char *const cases[] = {
            "{\"id\":\"r-0\",\"seq\":0,\"ts\":1795220244513,\"meta\":{\"producer\":\"x\",\"size\":1},\"payload\":\"a\"}",
            "{\"meta\":{\"a\":{\"b\":{\"c\":1}},\"d\":[1,{\"e\":2}]},\"x\":1}",
            "{\"ts\":5,\"event_date\":\"keep-place\",\"_offset\":\"old\",\"y\":null}",
            "{\"event_date\":{\"n\":1},\"ts\":86400000}",
            "{\"_partition\":{\"p\":true}}",
            "{\"ts\":-5,\"event_date\":\"stays\"}",
            "{\"meta.size\":1,\"meta\":{\"size\":2}}",
            "{\"a\":{\"b\":1},\"a.b\":{\"c\":2}}",
            "{\"a.b\":{\"c\":2},\"a\":{\"b\":1}}",
            "{\"a\":{\"b\":1},\"a\":{\"c\":2}}",
            "{\"s\":\"q\\\"b\\\\s/\\u0001\\u001f\\u007f\\b\\f\\n\\r\\t\\u00e9\\u20ac\\ud83d\\ude00\"}",
            "{\"r\":[0.1,5.0,1e20,1e-7,-2.5e-300,1.7976931348623157e308,123456789012345678.0,-0.0]}",
            "{\"i\":[0,-1,9223372036854775807,-9223372036854775808]}",
            "{\"e\":{},\"f\":{\"g\":{}},\"h\":1}",
            "{}",
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                CHECK(agree(cases[i]));
        /* over-long flattened keys: 250 + 1 + 5 */
        char big[600];
        snprintf(big, sizeof(big), "{\"%0250d\":{\"abcde\":1}}", 0);
        CHECK(agree(big));
        snprintf(big, sizeof(big), "{\"%0300d\":{}}", 0);
        CHECK(agree(big));
        /* 65 nested objects at the top */
        ib_buf_t b = {0};
        ib_buf_append(&b, "{", 1);
        for (int i = 0; i < 65; i++)
                ib_buf_printf(&b, "%s\"k%d\":{\"v\":%d}", i ? "," : "", i, i);
        ib_buf_append(&b, "}", 2);
        CHECK(agree(b.data));
        ib_buf_free(&b);
}

/* ---- a generated corpus ---- */

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint64_t next(void) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        return rng;
}
static int pick(int n) { return (int)(next() % (uint64_t)n); }

static const char *const keys[] = {"id", "ts", "seq", "meta", "size", "a", "b", "a.b", "meta.size", "event_date",
                                   "_partition", "_offset", "payload", "k\\u00e9y", "q\\\"k", "x", "y"};

static void gen_value(ib_buf_t *b, int depth);

static void gen_object(ib_buf_t *b, int depth) {
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

static void gen_value(ib_buf_t *b, int depth) {
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

static void test_corpus(void) {
        ib_buf_t b = {0};
        int disagree = 0;
        refusals = nested_seen = 0;
        for (int i = 0; i < 100000; i++) {
                ib_buf_reset(&b);
                gen_object(&b, 0);
                ib_buf_append(&b, "", 1);
                disagree += !agree(b.data);
        }
        ib_buf_free(&b);
        CHECK_INT(disagree, 0);
        /* the corpus reaches both paths: refusals (collisions, long keys) and nested objects */
        fprintf(stderr, "# 100000 records: %d refused by both, %d nested objects flattened\n", refusals, nested_seen);
        CHECK(refusals > 100 && refusals < 50000);
        CHECK(nested_seen > 50000);
}

int main(void) {
        IB_RUN(test_cases);
        IB_RUN(test_corpus);
        return IB_DONE();
}
