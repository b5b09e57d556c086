/* 0003-transform: flattening and the event date. */
#include "json_arena.h"
#include "harness.h"
#include "transform.h"

static char *dump(json_t *o) { return json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS); }

static void test_flatten_nested(void) {
        json_t *o = json_loads("{\"a\":1,\"b\":{\"c\":2,\"d\":{\"e\":[1,{\"x\":1}]}},\"f\":{}}", 0, NULL);
        char reason[128];
        CHECK_INT(ib_transform_flatten(o, reason, sizeof(reason)), IB_OK);
        char *s = dump(o);
        /* arrays stay as they are; an empty object disappears */
        CHECK_STR(s, "{\"a\":1,\"b.c\":2,\"b.d.e\":[1,{\"x\":1}]}");
        ib_json_free_str(s);
        json_decref(o);
}

static void test_flatten_collision_refused(void) {
        json_t *o = json_loads("{\"a.b\":1,\"a\":{\"b\":2}}", 0, NULL);
        char reason[128] = "";
        CHECK_INT(ib_transform_flatten(o, reason, sizeof(reason)), IB_ERR_INVALID_ARG);
        CHECK_STR(reason, "flattened key 'a.b' collides with an existing field");
        json_decref(o);
}

static void test_event_date(void) {
        char d[11];
        ib_transform_date(0, d);
        CHECK_STR(d, "1970-01-01");
        ib_transform_date(1795220244513LL, d);
        CHECK_STR(d, "2026-11-21");
        ib_transform_date(951782400000LL - 1, d); /* 2000-02-28T23:59:59.999 */
        CHECK_STR(d, "2000-02-28");
        ib_transform_date(951782400000LL + 86400000LL, d); /* leap day */
        CHECK_STR(d, "2000-03-01");
        ib_transform_date(951782400000LL, d);
        CHECK_STR(d, "2000-02-29");
}

static void test_apply(void) {
        json_t *o = json_loads("{\"ts\":1795220244513,\"m\":{\"p\":\"x\"}}", 0, NULL);
        int64_t ev;
        char reason[128];
        CHECK_INT(ib_transform_apply(o, "ts", &ev, reason, sizeof(reason)), IB_OK);
        CHECK_INT(ev, 1795220244513LL);
        char *s = dump(o);
        CHECK_STR(s, "{\"event_date\":\"2026-11-21\",\"m.p\":\"x\",\"ts\":1795220244513}");
        ib_json_free_str(s);
        json_decref(o);
        o = json_loads("{\"ts\":\"soon\"}", 0, NULL);
        CHECK_INT(ib_transform_apply(o, "ts", &ev, reason, sizeof(reason)), IB_OK);
        CHECK_INT(ev, -1);
        CHECK(json_object_get(o, "event_date") == NULL);
        json_decref(o);
}

int main(void) {
        ib_arena_install();
        IB_RUN(test_flatten_nested);
        IB_RUN(test_flatten_collision_refused);
        IB_RUN(test_event_date);
        IB_RUN(test_apply);
        return IB_DONE();
}
