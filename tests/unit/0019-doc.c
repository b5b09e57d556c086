/* 0019-doc: the parse stage (core/doc.c) gives jansson's verdicts.
 * Each text goes through both paths up to the output line:
 *   jansson: json_loadb, ib_schema_check, ib_transform_apply, json_dumpb
 *   doc:     ib_doc_parse, ib_schema_check_doc, ib_emit_flat
 * and the two must agree: both refuse at the parse stage (the reasons'
 * words differ: the class is "invalid JSON"), or both at the schema or
 * transform stage with the same reason, or both give the same bytes.
 * Texts: the bad-record classes (produce's and the pipeline tests'), the
 * edges where parsers part (top-level scalars, \v and \f, UTF-8, surrogate
 * escapes, \u0000, integer and real ranges, depth 2048/2049, duplicate
 * keys: where yajl, the earlier parse stage, parted from jansson), and
 * 400,000 records mutated from valid ones (another
 * corpus: IB_TEST_SEED=N, and IB_TEST_RECORDS=M for its size). */
#include "harness.h"

#include <stdlib.h>

#include "docdiff.h"
#include "recgen.h"

static ib_doc_parser_t *parser;
static ib_arena_t *arena;
static ib_schema_t *schema_default, *schema_loose;
static int counts[V_N], shown;

static int agree(const ib_schema_t *schema, const char *text, size_t len) {
        verdict_t a = {0}, b = {0};
        by_jansson(schema, text, len, &a);
        by_doc(parser, arena, schema, text, len, &b);
        int ok = verdicts_agree(&a, &b);
        counts[a.stage]++;
        if (!ok && shown++ < 8) {
                fprintf(stderr, "text (%zu bytes): ", len);
                for (size_t i = 0; i < len && i < 300; i++)
                        fprintf(stderr, (unsigned char)text[i] >= 0x20 && (unsigned char)text[i] < 0x7f ? "%c" : "\\x%02x",
                                (unsigned char)text[i]);
                fprintf(stderr, "\n  jansson: %s %s %.*s\n  doc:     %s %s %.*s\n", verdict_names[a.stage], a.reason,
                        (int)a.out.len, a.out.data ? a.out.data : "", verdict_names[b.stage], b.reason, (int)b.out.len,
                        b.out.data ? b.out.data : "");
        }
        ib_buf_free(&a.out);
        ib_buf_free(&b.out);
        return ok;
}

static int agree_s(const ib_schema_t *schema, const char *text) { return agree(schema, text, strlen(text)); }

/* The bad-record classes of `produce --bad-ratio` and the pipeline tests, and
 * the places where yajl and jansson parted. */
static void test_edges(void) {
        static const char *const loose[] = {
            /* produce's bad records: cut off, wrong type, missing field */
            "{\"id\":\"r-1\",\"run\":\"r\",\"seq\":",
            "{\"id\":\"r-2\",\"run\":\"r\",\"seq\":\"2\",\"key\":\"k\",\"ts\":1,\"payload\":\"x\"}",
            "{\"id\":\"r-3\",\"run\":\"r\",\"seq\":3,\"key\":\"k\",\"payload\":\"x\"}",
            /* the top level */
            "", " ", "1", "\"s\"", "true", "null", "-0", "[]", "{}", "[1,2]", " {} ", "{}\n\t\r ", "[] x", "{} {}",
            "{}{", "\xef\xbb\xbf{}", "{\"a\":1}//c", "/*c*/{}", "{\"a\":1,}", "[1,]", "{,}", "{\"a\"}", "{\"a\":}",
            "{1:2}", "{'a':1}", "{\"a\" 1}", "[\"a\":1]", "{\"a\":1 \"b\":2}",
            /* whitespace jansson does not know */
            "{\v}", "{\f\"a\":1}", "{\"a\":\"\v\"}", "{\"a\":\"x\fy\"}",
            /* control characters and escapes in strings */
            "{\"a\":\"\x01\"}", "{\"a\":\"\x1f\"}", "{\"a\":\"\x7f\"}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}",
            "{\"a\":\"\\u12g4\"}", "{\"a\":\"\\/\"}", "{\"a\":\"\\u0000\"}", "{\"\\u0000\":1}", "{\"a\":\"x\\u0000\"}",
            "{\"a\":\"\\u0001\"}",
            /* surrogate escapes */
            "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}", "{\"a\":\"\\ud800\\u0041\"}", "{\"a\":\"\\ud800\\ud800\"}",
            "{\"a\":\"\\ud83d\\ude00\"}", "{\"a\":\"\\uDBFF\\uDFFF\"}", "{\"a\":\"\\ud800x\"}", "{\"\\udc00\":1}",
            "{\"a\":\"\\\\ud800\"}", "{\"a\\\\\":\"\\u00e9\\\"\"}",
            /* UTF-8: valid, overlong, surrogates, past U+10FFFF, cut short, stray continuation */
            "{\"a\":\"caf\xc3\xa9\"}", "{\"a\":\"\xc0\x80\"}", "{\"a\":\"\xc1\xbf\"}", "{\"a\":\"\xe0\x80\xaf\"}",
            "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"\xed\x9f\xbf\"}", "{\"a\":\"\xf4\x90\x80\x80\"}",
            "{\"a\":\"\xf4\x8f\xbf\xbf\"}", "{\"a\":\"\xf0\x80\x80\x80\"}", "{\"a\":\"\xf5\x80\x80\x80\"}",
            "{\"a\":\"\xc3\"}", "{\"a\":\"\xe2\x82\"}", "{\"a\":\"\x80\"}", "{\"a\":\"\xff\"}", "{\"\xc0\x80\":1}",
            "{\"a\":\"\\u00e9\xc0\x80\"}", "{\"a\xc3\xa9\":1}", "{\"a\":1}\xc3\xa9",
            /* numbers */
            "[9223372036854775807]", "[-9223372036854775808]", "[9223372036854775808]", "[-9223372036854775809]",
            "[99999999999999999999999]", "[123456789012345678]", "[-123456789012345678]", "[1234567890123456789]",
            "[1e400]", "[-1e400]", "[1e-400]", "[1.7976931348623157e308]", "[1.7976931348623159e308]", "[01]", "[-01]",
            "[-]", "[1.]", "[.5]", "[1e]", "[1e+]", "[+1]", "[NaN]", "[Infinity]", "[-Infinity]", "[0x10]", "[1E5]",
            "[1e05]", "[-0.0]", "[0e0]", "[1_000]", "{\"ts\":1e3}", "{\"ts\":-1}", "{\"ts\":253402300800000}",
            /* literals */
            "[tru]", "[nul]", "[True]", "[falsey]", "[nulll]",
            /* duplicate keys: the first place, the last value */
            "{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":{\"x\":1},\"a\":2}", "{\"a\":1,\"a\":{\"x\":1}}",
            "{\"m\":{\"a\":1,\"a\":{\"b\":2}},\"m.a\":0}", "{\"a\":[1],\"a\":[2,{\"c\":{}}]}",
            /* a flattened key inside a value is not a key of the line */
            "{\"x\":null,\"a\":{\"id\":[{\"a.b\":\"s\"}],\"b\":false}}",
        };
        for (size_t i = 0; i < sizeof(loose) / sizeof(loose[0]); i++)
                CHECK(agree_s(schema_loose, loose[i]));
        /* raw NUL bytes */
        CHECK(agree(schema_loose, "{\"a\":\"x\0\"}", 10));
        CHECK(agree(schema_loose, "{}\0", 3));
        CHECK(agree(schema_loose, "{\"a\0\":1}", 9));
        /* the default schema on produce's good and bad records */
        CHECK(agree_s(schema_default, "{\"id\":\"r-0\",\"run\":\"r\",\"seq\":0,\"key\":\"k\",\"ts\":1795220244513,"
                                      "\"meta\":{\"producer\":\"ingestbench\",\"size\":1},\"payload\":\"a\"}"));
        CHECK(agree_s(schema_default, "{\"id\":\"r-2\",\"run\":\"r\",\"seq\":\"2\",\"key\":\"k\",\"ts\":1,\"payload\":\"x\"}"));
        CHECK(agree_s(schema_default, "{\"id\":\"r-3\",\"run\":\"r\",\"seq\":3,\"key\":\"k\",\"payload\":\"x\"}"));
        CHECK(agree_s(schema_default, "[1]"));
        /* depth: 2048 nested arrays or objects are taken, 2049 are not */
        for (int depth = 2047; depth <= 2050; depth++)
                for (int obj = 0; obj < 2; obj++) {
                        ib_buf_t b = {0};
                        for (int i = 0; i < depth; i++)
                                ib_buf_append(&b, obj && i ? "{\"k\":" : "[", obj && i ? 5 : 1);
                        for (int i = depth - 1; i >= 0; i--)
                                ib_buf_append(&b, obj && i ? "}" : "]", 1);
                        CHECK(agree(schema_loose, b.data, b.len));
                        ib_buf_free(&b);
                }
}

/* ---- mutation ---------------------------------------------------------- */

static const char *const tokens[] = {
    "\\u0000", "\\ud800", "\\udc00", "\\ud800\\u0041", "\\ud83d\\ude00", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
    "\xe0\x80\xaf", "\xf0\x9f\x98\x80", "\xc3\xa9", "9223372036854775807", "-9223372036854775808",
    "9223372036854775808", "-9223372036854775809", "1e400", "-1e400", "1e-400", "01", "-", "1.", ".5", "1e", "+1",
    "NaN", "true", "nul", "\\x", "\"", "\\", "//", "/*c*/", ",", "]", "}", "{", "[", ":", " ", "\v", "\f", "\\\"",
    "\"a\":1,", "{\"b\":{\"c\":2}}", "\"ts\":", "\"meta\":{}", "\"a.b\":0,", "\\n", "\x01", "\x7f", "null", "[{}]",
};
static const unsigned char bytes[] = {'"', '\\', '{', '}', '[', ']', ',', ':', '0', '9', '-', '.', 'e', 'E', ' ', '\t',
                                      '\n', '\r', '\v', '\f', 0x00, 0x01, 0x1f, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xe0,
                                      0xed, 0xf0, 0xf4, 0xf5, 0xff, 'u', 'n', 't', 'f', 'a', 'd', '8'};

static void mutate(ib_buf_t *b) {
        size_t at = b->len ? (size_t)pick((int)b->len) : 0;
        switch (pick(6)) {
        case 0: /* a byte replaced */
                if (b->len)
                        b->data[at] = (char)bytes[pick(sizeof(bytes))];
                break;
        case 1: /* a byte removed */
                if (b->len) {
                        memmove(b->data + at, b->data + at + 1, b->len - at - 1);
                        b->len--;
                }
                break;
        case 2:
        case 3: { /* a token inserted */
                const char *t = tokens[pick(sizeof(tokens) / sizeof(tokens[0]))];
                size_t n = strlen(t);
                ib_buf_reserve(b, n);
                memmove(b->data + at + n, b->data + at, b->len - at);
                memcpy(b->data + at, t, n);
                b->len += n;
                break;
        }
        case 4: /* cut short */
                b->len = at;
                break;
        default: { /* a piece repeated */
                size_t n = (size_t)pick(12) + 1;
                if (at + n > b->len)
                        break;
                ib_buf_reserve(b, n);
                memmove(b->data + at + n, b->data + at, b->len - at);
                b->len += n;
                break;
        }
        }
}

static void test_mutated(void) {
        ib_buf_t b = {0};
        int disagree = 0, n = getenv("IB_TEST_RECORDS") ? atoi(getenv("IB_TEST_RECORDS")) : 400000;
        memset(counts, 0, sizeof(counts));
        for (int i = 0; i < n; i++) {
                ib_buf_reset(&b);
                const ib_schema_t *schema = schema_loose;
                if (i % 2) {
                        gen_object(&b, 0);
                } else { /* a record as produce writes it */
                        ib_buf_printf(&b,
                                      "{\"id\":\"r-%d\",\"run\":\"r\",\"seq\":%d,\"key\":\"k-%d\",\"ts\":%lld,\"meta\":"
                                      "{\"producer\":\"ingestbench\",\"size\":%d},\"payload\":\"caf\xc3\xa9 \\u20ac %d\"}",
                                      i, i, pick(100), 1795220244513LL + i, pick(5000), i);
                        schema = schema_default;
                }
                int m = pick(4); /* 0: unchanged, as a control */
                for (int k = 0; k < m; k++)
                        mutate(&b);
                ib_buf_reserve(&b, 1);
                disagree += !agree(schema, b.data ? b.data : "", b.len);
        }
        ib_buf_free(&b);
        fprintf(stderr, "# %d records: parse %d, schema %d, transform %d, accepted %d; %d disagreements\n", n,
                counts[V_PARSE], counts[V_SCHEMA], counts[V_TRANSFORM], counts[V_OUT], disagree);
        CHECK_INT(disagree, 0);
        /* the corpus reaches every verdict */
        CHECK(counts[V_PARSE] > n / 10);
        CHECK(counts[V_SCHEMA] > n / 100);
        CHECK(counts[V_TRANSFORM] > n / 1000);
        CHECK(counts[V_OUT] > n / 4);
}

/* Objects past the size where an object gets a hashed index (#16: lookups
 * were linear, so parsing and flattening were quadratic in the keys): the
 * same bytes as jansson, duplicates included on both sides of the threshold,
 * at the top level, nested (flattened) and in arrays. */
static void test_many_keys(void) {
        static const int sizes[] = {15, 16, 17, 31, 33, 64, 65, 1000, 5000};
        ib_buf_t b = {0};
        int accepted = counts[V_OUT];
        for (size_t k = 0; k < sizeof(sizes) / sizeof(*sizes); k++) {
                for (int shape = 0; shape < 3; shape++) {
                        int n = sizes[k];
                        ib_buf_reset(&b);
                        ib_buf_printf(&b, "{\"id\":\"r-%d\",\"ts\":1700000000000,%s", n,
                                      shape == 1 ? "\"nest\":{" : shape == 2 ? "\"arr\":[{" : "");
                        for (int i = 0; i < n; i++) /* every 7th key again later, and key 3 last */
                                ib_buf_printf(&b, "%s\"k%d\":%d", i ? "," : "", i % 7 == 6 ? i - 6 : i, i);
                        ib_buf_printf(&b, ",\"k3\":\"last\"%s}", shape == 1 ? "}" : shape == 2 ? "}]" : "");
                        CHECK(agree(schema_loose, b.data, b.len));
                        CHECK(agree(schema_default, b.data, b.len));
                }
        }
        CHECK(counts[V_OUT] - accepted >= 27); /* the loose schema takes each one to the output line */
        ib_buf_free(&b);
}

int main(void) {
        char err[256];
        static const char loose_text[] = "{\"type\":\"object\",\"properties\":{\"ts\":{\"type\":\"integer\"},"
                                         "\"id\":{\"type\":\"string\"},\"meta\":{\"type\":[\"object\",\"null\"]}}}";
        if (getenv("IB_TEST_SEED")) /* another corpus: IB_TEST_SEED=N IB_TEST_RECORDS=M */
                rng = strtoull(getenv("IB_TEST_SEED"), NULL, 10) | 1;
        parser = ib_doc_parser_new();
        arena = ib_arena_new(0);
        if (ib_schema_load(NULL, &schema_default, err, sizeof(err)) ||
            ib_schema_parse(loose_text, sizeof(loose_text) - 1, "test", &schema_loose, err, sizeof(err))) {
                fprintf(stderr, "schema: %s\n", err);
                return 1;
        }
        IB_RUN(test_edges);
        IB_RUN(test_many_keys);
        IB_RUN(test_mutated);
        ib_schema_destroy(schema_default);
        ib_schema_destroy(schema_loose);
        ib_doc_parser_destroy(parser);
        ib_arena_destroy(arena);
        return IB_DONE();
}
