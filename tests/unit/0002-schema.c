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

/* Checks @p rec with both trees (jansson's and the parse stage's) and wants
 * the same verdict and reason from each. @returns the verdict. */
static ib_err_t both(const ib_schema_t *s, const char *rec, char *err, size_t size) {
        json_t *j = J(rec);
        ib_doc_parser_t *p = ib_doc_parser_new();
        ib_arena_t *a = ib_arena_new(1 << 16);
        char why[256], err2[256] = "";
        ib_doc_t *d = ib_doc_parse(p, a, rec, strlen(rec), why, sizeof(why));
        err[0] = 0;
        ib_err_t r1 = ib_schema_check(s, j, err, size), r2 = d ? ib_schema_check_doc(s, d, err2, sizeof(err2)) : -99;
        CHECK_INT(r1, r2);
        CHECK_STR(err, err2);
        json_decref(j);
        ib_arena_destroy(a);
        ib_doc_parser_destroy(p);
        return r1;
}

/* #16: the value keywords inside a property are enforced, not ignored */
static void test_value_keywords(void) {
        const char *text =
            "{\"type\":\"object\",\"properties\":{"
            "\"kind\":{\"type\":\"string\",\"enum\":[\"a\",\"b\",null,1]},"
            "\"n\":{\"type\":\"number\",\"minimum\":0,\"maximum\":10.5},"
            "\"name\":{\"type\":\"string\",\"minLength\":2,\"maxLength\":3,\"pattern\":\"^[a-z\\u00e9]+$\"},"
            "\"at\":{\"type\":\"string\",\"format\":\"date-time\",\"description\":\"when\"}}}";
        char err[256];
        ib_schema_t *s = NULL;
        CHECK_INT(ib_schema_parse(text, strlen(text), "t", &s, err, sizeof(err)), IB_OK);
        if (!s) {
                fprintf(stderr, "%s\n", err);
                return;
        }
        CHECK_INT(both(s, "{\"kind\":\"a\",\"n\":0,\"name\":\"ab\",\"at\":\"2024-02-29T23:59:60.25+01:00\"}", err, 256), IB_OK);
        CHECK_INT(both(s, "{\"kind\":\"c\"}", err, 256), IB_ERR_SCHEMA);
        CHECK_STR(err, "field 'kind' is not one of its enum");
        CHECK_INT(both(s, "{\"n\":-1}", err, 256), IB_ERR_SCHEMA);
        CHECK_STR(err, "field 'n' is below its minimum 0");
        CHECK_INT(both(s, "{\"n\":10.6}", err, 256), IB_ERR_SCHEMA);
        CHECK_STR(err, "field 'n' is above its maximum 10.5");
        CHECK_INT(both(s, "{\"n\":10.5}", err, 256), IB_OK);
        CHECK_INT(both(s, "{\"name\":\"a\"}", err, 256), IB_ERR_SCHEMA);
        CHECK_STR(err, "field 'name' has 1 characters, fewer than its minLength 2");
        CHECK_INT(both(s, "{\"name\":\"abcd\"}", err, 256), IB_ERR_SCHEMA);
        /* 3 code points in 6 bytes: within maxLength 3 (lengths count characters) */
        CHECK_INT(both(s, "{\"name\":\"\u00e9\u00e9\u00e9\"}", err, 256), IB_OK);
        CHECK_INT(both(s, "{\"name\":\"aB\"}", err, 256), IB_ERR_SCHEMA);
        CHECK_STR(err, "field 'name' does not match its pattern");
        CHECK_INT(both(s, "{\"at\":\"2023-02-29T00:00:00Z\"}", err, 256), IB_ERR_SCHEMA); /* not a leap year */
        CHECK_STR(err, "field 'at' is not an RFC 3339 date-time");
        CHECK_INT(both(s, "{\"at\":\"2024-01-01 00:00:00Z\"}", err, 256), IB_ERR_SCHEMA);
        CHECK_INT(both(s, "{\"at\":\"2024-01-01t00:00:00z\"}", err, 256), IB_OK);
        ib_schema_destroy(s);
}

static void test_unknown_keywords_named(void) {
        static const struct {
                const char *schema, *want;
        } bad[] = {
            {"{\"properties\":{\"a\":{\"type\":\"string\",\"exclusiveMinimum\":3}}}", "t: $.properties.a.exclusiveMinimum: unsupported keyword"},
            {"{\"properties\":{\"a\":{\"format\":\"email\"}}}", "t: $.properties.a.format: only \"date-time\""},
            {"{\"properties\":{\"a\":{\"pattern\":\"(\"}}}", "t: $.properties.a.pattern: not a POSIX extended regular expression"},
            {"{\"properties\":{\"a\":{\"enum\":[]}}}", "t: $.properties.a.enum: want a non-empty array"},
            {"{\"properties\":{\"a\":{\"enum\":[{}]}}}", "t: $.properties.a.enum: entry 0"},
            {"{\"properties\":{\"a\":{\"minLength\":-1}}}", "t: $.properties.a.minLength: want an integer"},
            {"{\"properties\":{\"a\":{\"minimum\":\"3\"}}}", "t: $.properties.a.minimum: want a number"},
            {"{\"properties\":{\"a\":7}}", "t: $.properties.a: must be an object"},
            {"{\"required\":[\"a\",3]}", "t: $.required[1]: must be a name"},
            {"{\"additionalProperties\":false}", "t: $.additionalProperties: unsupported schema keyword"},
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char err[512] = "";
                ib_schema_t *s = NULL;
                CHECK_INT(ib_schema_parse(bad[i].schema, strlen(bad[i].schema), "t", &s, err, sizeof(err)), IB_ERR_SCHEMA);
                CHECK(s == NULL);
                if (strncmp(err, bad[i].want, strlen(bad[i].want)))
                        fprintf(stderr, "schema %zu: got '%s', want '%s...'\n", i, err, bad[i].want);
                CHECK(!strncmp(err, bad[i].want, strlen(bad[i].want)));
        }
}

int main(void) {
        IB_RUN(test_value_keywords);
        IB_RUN(test_unknown_keywords_named);
        ib_arena_install();
        IB_RUN(test_default_schema_accepts_produced_record);
        IB_RUN(test_default_schema_rejects_with_reason);
        IB_RUN(test_custom_schema_union_types);
        IB_RUN(test_bad_schemas_refused);
        IB_RUN(test_schema_file_is_the_default);
        return IB_DONE();
}
