/* 0018-emit: the output line written straight from the parsed record
 * (core/emit.c, on the parse stage's tree, core/doc.c) against today's path (ib_transform_apply, then _partition and
 * _offset set, then json_dumpb compact): the same bytes, or the same refusal
 * with the same reason, on hand-picked cases and on 100,000 generated records
 * (nesting, arrays of objects, duplicate keys, colliding and over-long
 * flattened keys, the three set fields present, reals, escapes, UTF-8). */
#include "harness.h"

#include <stdlib.h>

#include "buf.h"
#include "doc.h"
#include "emit.h"
#include "recgen.h"
#include "transform.h"

static int failures_shown, refusals, nested_seen;
static ib_doc_parser_t *parser;
static ib_arena_t *arena;

/* Both paths on one record text; 1 when they agree. */
static int agree(const char *text) {
        json_error_t je;
        json_t *a = json_loads(text, 0, &je);
        if (!a || !json_is_object(a)) {
                json_decref(a);
                return 1; /* not a record: the parse stage's business (0019-doc) */
        }
        char why[256];
        ib_arena_reset(arena);
        const ib_doc_t *b = ib_doc_parse(parser, arena, text, strlen(text), why, sizeof(why));
        if (!b) {
                fprintf(stderr, "record: %s\n  jansson takes it, the parse stage refuses it: %s\n", text, why);
                json_decref(a);
                return 0;
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
        const ib_doc_t *t = ib_doc_get(b, "ts", 2);
        const char *d = NULL;
        if (t && t->type == JSON_INTEGER && t->u.i >= 0 && ib_transform_date(t->u.i, date) == 0) {
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
        json_decref(a);
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
        parser = ib_doc_parser_new();
        arena = ib_arena_new(0);
        IB_RUN(test_cases);
        IB_RUN(test_corpus);
        ib_doc_parser_destroy(parser);
        ib_arena_destroy(arena);
        return IB_DONE();
}
