/* docdiff.h: a record through both paths to the output line, for the
 * differential test (tests/unit/0019-doc.c) and the record fuzzer
 * (fuzz/fuzz_record.c):
 *   jansson: json_loadb, ib_schema_check, ib_transform_apply, json_dumps
 *   doc:     ib_doc_parse, ib_schema_check_doc, ib_emit_flat
 * Both must refuse at the same stage (with the same reason past parsing) or
 * give the same bytes. */
#ifndef IB_TEST_DOCDIFF_H
#define IB_TEST_DOCDIFF_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "doc.h"
#include "emit.h"
#include "schema.h"
#include "transform.h"

enum { V_PARSE, V_SCHEMA, V_TRANSFORM, V_OUT, V_N };
static const char *const verdict_names[] = {"parse", "schema", "transform", "accepted"};

typedef struct verdict_s {
        int stage;
        char reason[256];
        ib_buf_t out;
} verdict_t;

static inline void by_jansson(const ib_schema_t *schema, const char *text, size_t len, verdict_t *v) {
        json_error_t je;
        json_t *o = json_loadb(text, len, 0, &je);
        if (!o) {
                v->stage = V_PARSE;
                snprintf(v->reason, sizeof(v->reason), "invalid JSON: %s", je.text);
                return;
        }
        int64_t ev;
        if (ib_schema_check(schema, o, v->reason, sizeof(v->reason)) != IB_OK)
                v->stage = V_SCHEMA;
        else if (ib_transform_apply(o, "ts", &ev, v->reason, sizeof(v->reason)) != IB_OK)
                v->stage = V_TRANSFORM;
        else {
                json_object_set_new(o, "_partition", json_integer(7));
                json_object_set_new(o, "_offset", json_integer(42));
                char *s = json_dumps(o, JSON_COMPACT);
                ib_buf_append(&v->out, s, strlen(s));
                free(s);
                v->stage = V_OUT;
        }
        json_decref(o);
}

static inline void by_doc(ib_doc_parser_t *parser, ib_arena_t *arena, const ib_schema_t *schema, const char *text,
                          size_t len, verdict_t *v) {
        ib_arena_reset(arena);
        const ib_doc_t *d = ib_doc_parse(parser, arena, text, len, v->reason, sizeof(v->reason));
        if (!d) {
                v->stage = V_PARSE;
                return;
        }
        if (ib_schema_check_doc(schema, d, v->reason, sizeof(v->reason)) != IB_OK) {
                v->stage = V_SCHEMA;
                return;
        }
        const ib_doc_t *t = ib_doc_get(d, "ts", 2);
        char date[11];
        const char *dp = NULL;
        if (t && t->type == JSON_INTEGER && t->u.i >= 0 && ib_transform_date(t->u.i, date) == 0)
                dp = date;
        v->stage = ib_emit_flat(&v->out, d, dp, 7, 42, v->reason, sizeof(v->reason)) ? V_TRANSFORM : V_OUT;
}

/* @returns 1 when @p a and @p b agree. */
static inline int verdicts_agree(const verdict_t *a, const verdict_t *b) {
        int ok = a->stage == b->stage;
        if (ok && (a->stage == V_SCHEMA || a->stage == V_TRANSFORM))
                ok = !strcmp(a->reason, b->reason);
        if (ok && a->stage == V_OUT)
                ok = a->out.len == b->out.len && !memcmp(a->out.data, b->out.data, a->out.len);
        return ok;
}

#endif
