/*
 * transform.c: flattening and event-date derivation. The flattened key is
 * built in a stack buffer; new members are allocated by jansson in the
 * per-batch arena, so the stage does not malloc per record.
 */
#include "transform.h"

#include <string.h>
#include <time.h>

#define IB_KEY_MAX 256

static ib_err_t flatten_into(json_t *dst, const char *prefix, size_t plen,
                             json_t *src, char *reason, size_t reason_size) {
        const char *k;
        json_t *v;
        char key[IB_KEY_MAX];
        json_object_foreach(src, k, v) {
                size_t klen = strlen(k);
                if (plen + 1 + klen >= sizeof(key))
                        return ib_seterr(reason, reason_size, IB_ERR_INVALID_ARG,
                                         "flattened key longer than %d bytes", IB_KEY_MAX - 1);
                memcpy(key, prefix, plen);
                key[plen] = '.';
                memcpy(key + plen + 1, k, klen + 1);
                if (json_is_object(v)) {
                        ib_err_t err = flatten_into(dst, key, plen + 1 + klen, v, reason, reason_size);
                        if (err)
                                return err;
                        continue;
                }
                if (json_object_get(dst, key))
                        return ib_seterr(reason, reason_size, IB_ERR_INVALID_ARG,
                                         "flattened key '%s' collides with an existing field", key);
                if (json_object_set(dst, key, v) != 0)
                        return ib_seterr(reason, reason_size, IB_ERR_NOMEM, "out of memory");
        }
        return IB_OK;
}

ib_err_t ib_transform_flatten(json_t *obj, char *reason, size_t reason_size) {
        /* Collect nested members first: deleting while iterating is undefined. */
        const char *nested[64];
        size_t n = 0;
        const char *k;
        json_t *v;
        json_object_foreach(obj, k, v) {
                if (json_is_object(v)) {
                        if (n == sizeof(nested) / sizeof(nested[0]))
                                return ib_seterr(reason, reason_size, IB_ERR_INVALID_ARG,
                                                 "more than 64 nested objects at top level");
                        nested[n++] = k;
                }
        }
        for (size_t i = 0; i < n; i++) {
                json_t *child = json_object_get(obj, nested[i]);
                json_incref(child);
                ib_err_t err = flatten_into(obj, nested[i], strlen(nested[i]), child, reason, reason_size);
                if (err == IB_OK && json_object_del(obj, nested[i]) != 0)
                        err = ib_seterr(reason, reason_size, IB_ERR_NOMEM, "out of memory");
                json_decref(child);
                if (err)
                        return err;
        }
        return IB_OK;
}

int ib_transform_date(int64_t ms, char out[11]) {
        time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
        struct tm tm;
        out[0] = '\0';
        if (!gmtime_r(&secs, &tm) || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900)
                return -1;
        return strftime(out, 11, "%Y-%m-%d", &tm) == 10 ? 0 : (out[0] = '\0', -1);
}

ib_err_t ib_transform_apply(json_t *obj, const char *time_field,
                            int64_t *event_ms, char *reason, size_t reason_size) {
        *event_ms = -1;
        const json_t *t = json_object_get(obj, time_field);
        if (json_is_integer(t))
                *event_ms = (int64_t)json_integer_value(t);
        ib_err_t err = ib_transform_flatten(obj, reason, reason_size);
        if (err)
                return err;
        char date[11];
        if (*event_ms >= 0 && ib_transform_date(*event_ms, date) == 0) {
                if (json_object_set_new(obj, "event_date", json_string(date)) != 0)
                        return ib_seterr(reason, reason_size, IB_ERR_NOMEM, "out of memory");
        }
        return IB_OK;
}
