/* 0002-schema: the validator on good and bad records, and bad schemas. */
#include "json_arena.h"
#include "fsutil.h"
#include "harness.h"
#include "schema.h"

static json_t *J(const char *text) { return json_loads(text, 0, NULL); }

static const char *good =
    "{\"id\":\"r-1\",\"run\":\"r\",\"seq\":1,\"key\":\"k\",\"ts\":1700000000000,"
    "\"meta\":{\"a\":1},\"payload\":\"x\"}";

static void test_default_schema_accepts_produced_record(void) {
        char err[256];
        ib_schema_t *s = NULL;
        CHECK_INT(ib_schema_load(NULL, &s, err, sizeof(err)), IB_OK);
        CHECK(s != NULL);
        json_t *r = J(good);
        CHECK_INT(ib_schema_check(s, r, err, sizeof(err)), IB_OK);
        json_decref(r);
        ib_schema_destroy(s);
}

static void test_default_schema_rejects_with_reason(void) {
        char err[256];
        ib_schema_t *s = NULL;
        ib_schema_load(NULL, &s, err, sizeof(err));
        struct { const char *rec, *reason; } cases[] = {
            {"{\"id\":\"r-1\",\"run\":\"r\",\"seq\":1,\"key\":\"k\",\"payload\":\"x\"}",
             "missing field 'ts'"},
            {"{\"id\":\"r-1\",\"run\":\"r\",\"seq\":\"1\",\"key\":\"k\",\"ts\":5,\"payload\":\"x\"}",
             "field 'seq' is string, want integer"},
            {"{\"id\":7,\"run\":\"r\",\"seq\":1,\"key\":\"k\",\"ts\":5,\"payload\":\"x\"}",
             "field 'id' is integer, want string"},
            {"{\"id\":\"r-1\",\"run\":\"r\",\"seq\":1.5,\"key\":\"k\",\"ts\":5,\"payload\":\"x\"}",
             "field 'seq' is number, want integer"},
            {"[1,2]", "record is array, want object"},
            {"{\"id\":\"r-1\",\"run\":\"r\",\"seq\":1,\"key\":\"k\",\"ts\":5,\"payload\":\"x\",\"meta\":3}",
             "field 'meta' is integer, want object"},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                json_t *r = J(cases[i].rec);
                CHECK(r != NULL);
                char reason[256] = "";
                CHECK_INT(ib_schema_check(s, r, reason, sizeof(reason)), IB_ERR_SCHEMA);
                CHECK_STR(reason, cases[i].reason);
                json_decref(r);
        }
        ib_schema_destroy(s);
}

static void test_custom_schema_union_types(void) {
        const char *text = "{\"type\":\"object\",\"required\":[\"a\"],"
                           "\"properties\":{\"a\":{\"type\":[\"string\",\"null\"]},\"n\":{\"type\":\"number\"}}}";
        char err[256];
        ib_schema_t *s = NULL;
        ib_schema_parse(text, strlen(text), "t", &s, err, sizeof(err));
        CHECK(s != NULL);
        json_t *ok1 = J("{\"a\":null,\"n\":1}"), *ok2 = J("{\"a\":\"x\",\"n\":1.5}");
        json_t *bad = J("{\"a\":1}"), *opt = J("{\"a\":\"x\"}");
        CHECK_INT(ib_schema_check(s, ok1, err, sizeof(err)), IB_OK);
        CHECK_INT(ib_schema_check(s, ok2, err, sizeof(err)), IB_OK);
        CHECK_INT(ib_schema_check(s, opt, err, sizeof(err)), IB_OK); /* n is optional */
        CHECK_INT(ib_schema_check(s, bad, err, sizeof(err)), IB_ERR_SCHEMA);
        CHECK_STR(err, "field 'a' is integer, want string|null");
        json_decref(ok1), json_decref(ok2), json_decref(bad), json_decref(opt);
        ib_schema_destroy(s);
}

static void test_bad_schemas_refused(void) {
        const char *bad[] = {
            "not json",
            "[]",
            "{\"type\":\"array\"}",
            "{\"required\":\"a\"}",
            "{\"properties\":{\"a\":{\"type\":\"strnig\"}}}",
            "{\"minimum\":3}", /* unsupported keywords are refused, not ignored */
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char err[256] = "";
                ib_schema_t *s = NULL;
                ib_schema_parse(bad[i], strlen(bad[i]), "t", &s, err, sizeof(err));
                CHECK(s == NULL);
                CHECK(err[0] != '\0');
        }
}

static void test_schema_file_is_the_default(void) {
        /* the shipped file is what the build embeds, and --schema can load it */
        char err[256], *text;
        size_t len;
        CHECK_INT(ib_fs_read_file(IB_SOURCE_DIR "/core/record.schema.json", &text, &len, err,
                                  sizeof(err)), IB_OK);
        CHECK_STR(text, ib_schema_default_json);
        free(text);
        ib_schema_t *s = NULL;
        ib_schema_load(IB_SOURCE_DIR "/core/record.schema.json", &s, err, sizeof(err));
        CHECK(s != NULL);
        json_t *r = J(good), *bad = J("{\"id\":\"x\"}");
        CHECK_INT(ib_schema_check(s, r, err, sizeof(err)), IB_OK);
        CHECK_INT(ib_schema_check(s, bad, err, sizeof(err)), IB_ERR_SCHEMA);
        json_decref(r);
        json_decref(bad);
        ib_schema_destroy(s);
        ib_schema_t *none = NULL;
        CHECK(ib_schema_load("/nonexistent/schema.json", &none, err, sizeof(err)) != IB_OK);
        CHECK(strstr(err, "/nonexistent/schema.json") != NULL);
}

int main(void) {
        ib_arena_install();
        IB_RUN(test_default_schema_accepts_produced_record);
        IB_RUN(test_default_schema_rejects_with_reason);
        IB_RUN(test_custom_schema_union_types);
        IB_RUN(test_bad_schemas_refused);
        IB_RUN(test_schema_file_is_the_default);
        return IB_DONE();
}
