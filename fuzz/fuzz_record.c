/* fuzz_record: a record through the parse stage (ib_doc_parse), the schema
 * check and the transform up to the output line, against jansson's path to
 * the same line (tests/docdiff.h): any disagreement aborts. Two schemas: the
 * built-in one and one with every value keyword. */
#include "fuzz.h"

#include "docdiff.h"

static ib_doc_parser_t *parser;
static ib_arena_t *arena;
static ib_schema_t *schemas[3];

static void init(void) {
        static const char loose[] = "{\"type\":\"object\",\"properties\":{\"ts\":{\"type\":\"integer\"},"
                                    "\"id\":{\"type\":\"string\"},\"meta\":{\"type\":[\"object\",\"null\"]}}}";
        static const char values[] =
            "{\"type\":\"object\",\"properties\":{\"ts\":{\"type\":\"integer\",\"minimum\":0},"
            "\"id\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":40,\"pattern\":\"^[a-z0-9-]+$\"},"
            "\"kind\":{\"enum\":[\"a\",\"b\",1,2.5,true,null]},\"seq\":{\"type\":\"integer\",\"maximum\":1e6},"
            "\"at\":{\"type\":\"string\",\"format\":\"date-time\"}}}";
        char err[256];
        parser = ib_doc_parser_new();
        arena = ib_arena_new(0);
        IB_FUZZ_ASSERT(parser && arena);
        IB_FUZZ_ASSERT(ib_schema_load(NULL, &schemas[0], err, sizeof(err)) == IB_OK);
        IB_FUZZ_ASSERT(ib_schema_parse(loose, sizeof(loose) - 1, "loose", &schemas[1], err, sizeof(err)) == IB_OK);
        IB_FUZZ_ASSERT(ib_schema_parse(values, sizeof(values) - 1, "values", &schemas[2], err, sizeof(err)) == IB_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!parser)
                init();
        if (size > (1u << 20))
                return 0;
        for (int k = 0; k < 3; k++) {
                verdict_t a = {0}, b = {0};
                by_jansson(schemas[k], (const char *)data, size, &a);
                by_doc(parser, arena, schemas[k], (const char *)data, size, &b);
                if (!verdicts_agree(&a, &b)) {
                        fprintf(stderr, "schema %d: jansson %s '%s' %.*s\n     doc %s '%s' %.*s\n", k,
                                verdict_names[a.stage], a.reason, (int)a.out.len, a.out.data ? a.out.data : "",
                                verdict_names[b.stage], b.reason, (int)b.out.len, b.out.data ? b.out.data : "");
                        abort();
                }
                ib_buf_free(&a.out);
                ib_buf_free(&b.out);
        }
        return 0;
}
