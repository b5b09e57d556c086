/*
 * emit.c: the output line straight from the parsed record (emit.h). The
 * order is the one the transformed tree would have: top-level members that
 * are not objects, in order (event_date, _partition and _offset replaced
 * in place when the record has them), then each nested object's members
 * flattened depth-first, then event_date, _partition and _offset when they
 * were not there. Values are written as jansson's compact dump writes them.
 */
#include "emit.h"

#include <stdio.h>
#include <string.h>

#define IB_KEY_MAX 256      /* as transform.c: a flattened key is shorter */
#define IB_NESTED_MAX 64    /* as transform.c: nested objects at top level */

static int put(ib_buf_t *b, const char *s, size_t n) { return ib_buf_append(b, s, n); }

/* An integer in decimal, without printf. */
static int put_int(ib_buf_t *b, long long v) {
        char s[24], *p = s + sizeof(s);
        unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
        do
                *--p = (char)('0' + u % 10);
        while (u /= 10);
        if (v < 0)
                *--p = '-';
        return put(b, p, (size_t)(s + sizeof(s) - p));
}

/* A JSON string as jansson dumps it: ", \ and control characters escaped,
 * the rest (UTF-8 included) as is. */
static int put_string(ib_buf_t *b, const char *s, size_t n) {
        if (ib_buf_reserve(b, n + 2) != 0)
                return -1;
        if (put(b, "\"", 1))
                return -1;
        size_t run = 0;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c >= 0x20 && c != '"' && c != '\\')
                        continue;
                if (put(b, s + run, i - run))
                        return -1;
                char esc[8];
                const char *e = esc;
                size_t el = 2;
                switch (c) {
                case '"': e = "\\\""; break;
                case '\\': e = "\\\\"; break;
                case '\b': e = "\\b"; break;
                case '\f': e = "\\f"; break;
                case '\n': e = "\\n"; break;
                case '\r': e = "\\r"; break;
                case '\t': e = "\\t"; break;
                default: el = (size_t)snprintf(esc, sizeof(esc), "\\u%04X", c); break;
                }
                if (put(b, e, el))
                        return -1;
                run = i + 1;
        }
        return put(b, s + run, n - run) || put(b, "\"", 1);
}

/* A real as jansson's dtostr writes it: %.17g, ".0" when it would read back
 * as an integer, no '+' and no leading zeros in the exponent. */
static int put_real(ib_buf_t *b, double v) {
        char s[64];
        int n = snprintf(s, sizeof(s), "%.17g", v);
        if (n <= 0 || n >= (int)sizeof(s) - 3)
                return -1;
        if (!strchr(s, '.') && !strchr(s, 'e'))
                memcpy(s + n, ".0", 3), n += 2;
        char *e = strchr(s, 'e');
        if (e) {
                char *start = e + 1, *end = start + 1;
                if (*start == '-')
                        start++;
                /* "e+05" -> "e5", "e-05" -> "e-5" */
                if (*start == '+')
                        end = start + 1;
                else
                        end = start;
                while (*end == '0' && end[1])
                        end++;
                if (end != start) {
                        memmove(start, end, strlen(end) + 1);
                        n = (int)strlen(s);
                }
        }
        return put(b, s, (size_t)n);
}

int ib_emit_value(ib_buf_t *b, const json_t *v) {
        switch (json_typeof(v)) {
        case JSON_OBJECT: {
                const char *k;
                json_t *m;
                int first = 1;
                if (put(b, "{", 1))
                        return -1;
                json_object_foreach((json_t *)v, k, m) {
                        if ((!first && put(b, ",", 1)) || put_string(b, k, strlen(k)) || put(b, ":", 1) ||
                            ib_emit_value(b, m))
                                return -1;
                        first = 0;
                }
                return put(b, "}", 1);
        }
        case JSON_ARRAY: {
                size_t i;
                json_t *m;
                if (put(b, "[", 1))
                        return -1;
                json_array_foreach(v, i, m) if ((i && put(b, ",", 1)) || ib_emit_value(b, m)) return -1;
                return put(b, "]", 1);
        }
        case JSON_STRING: return put_string(b, json_string_value(v), json_string_length(v));
        case JSON_INTEGER: return put_int(b, (long long)json_integer_value(v));
        case JSON_REAL: return put_real(b, json_real_value(v));
        case JSON_TRUE: return put(b, "true", 4);
        case JSON_FALSE: return put(b, "false", 5);
        case JSON_NULL: return put(b, "null", 4);
        }
        return -1;
}

/* The state of one line: the keys present so far, for the collision check
 * the transform makes (the record's top-level keys, then every flattened
 * key; a nested object's own key leaves once it is flattened). */
typedef struct line_s {
        ib_buf_t *out;
        const json_t *obj;
        const char *gone[IB_NESTED_MAX]; /* nested keys already flattened (deleted) */
        size_t ngone;
        size_t flat_start;               /* where the flattened keys begin in out: they are searched there */
        int first;
} line_t;

static int member(line_t *l, const char *key, size_t klen, const json_t *v) {
        if ((!l->first && put(l->out, ",", 1)) || put_string(l->out, key, klen) || put(l->out, ":", 1) ||
            ib_emit_value(l->out, v))
                return -1;
        l->first = 0;
        return 0;
}

/* Whether @p key is present: a top-level key not yet deleted, or a key
 * flattened before (each written as ,"key": after flat_start). */
static int present(const line_t *l, const char *key, size_t klen) {
        if (json_object_get(l->obj, key)) {
                for (size_t i = 0; i < l->ngone; i++)
                        if (!strcmp(l->gone[i], key))
                                return 0;
                return 1;
        }
        /* flattened keys contain a dot and were written escaped; compare escaped */
        ib_buf_t probe = {0};
        int found = 0;
        if (put_string(&probe, key, klen) == 0 && put(&probe, ":", 1) == 0) {
                const char *hay = l->out->data + l->flat_start, *end = l->out->data + l->out->len;
                for (const char *p = hay; p && p < end; p++) {
                        p = memchr(p, '"', (size_t)(end - p));
                        if (!p)
                                break;
                        if ((p == l->out->data || p[-1] == ',' || p[-1] == '{') && (size_t)(end - p) >= probe.len &&
                            !memcmp(p, probe.data, probe.len)) {
                                found = 1;
                                break;
                        }
                }
        }
        ib_buf_free(&probe);
        return found;
}

static ib_err_t flatten(line_t *l, char *key, size_t plen, const json_t *src, char *reason, size_t reason_size) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)src, k, v) {
                size_t klen = strlen(k);
                if (plen + 1 + klen >= IB_KEY_MAX)
                        return ib_seterr(reason, reason_size, IB_ERR_INVALID_ARG, "flattened key longer than %d bytes",
                                         IB_KEY_MAX - 1);
                key[plen] = '.';
                memcpy(key + plen + 1, k, klen + 1);
                if (json_is_object(v)) {
                        ib_err_t err = flatten(l, key, plen + 1 + klen, v, reason, reason_size);
                        if (err)
                                return err;
                        continue;
                }
                if (present(l, key, plen + 1 + klen))
                        return ib_seterr(reason, reason_size, IB_ERR_INVALID_ARG,
                                         "flattened key '%s' collides with an existing field", key);
                if (member(l, key, plen + 1 + klen, v))
                        return ib_seterr(reason, reason_size, IB_ERR_NOMEM, "out of memory");
        }
        key[plen] = '\0';
        return IB_OK;
}

/* The value of set field @p i: the event date, the partition, the offset. */
static int put_set(ib_buf_t *b, int i, const char *date, int32_t partition, int64_t offset) {
        if (i == 0)
                return put_string(b, date, strlen(date));
        return put_int(b, i == 1 ? (long long)partition : (long long)offset);
}

static int set_member(line_t *l, const char *name, int i, const char *date, int32_t partition, int64_t offset) {
        if ((!l->first && put(l->out, ",", 1)) || put_string(l->out, name, strlen(name)) || put(l->out, ":", 1) ||
            put_set(l->out, i, date, partition, offset))
                return -1;
        l->first = 0;
        return 0;
}

ib_err_t ib_emit_flat(ib_buf_t *out, const json_t *obj, const char *date, int32_t partition, int64_t offset,
                      char *reason, size_t reason_size) {
        size_t start = out->len;
        line_t l = {out, obj, {0}, 0, 0, 1};
        static const char *const names[3] = {"event_date", "_partition", "_offset"};
        int placed[3] = {date == NULL, 0, 0}; /* no event time: no event_date set */
        ib_err_t err = IB_OK;
        const char *k;
        json_t *v;
        size_t nested = 0;
        if (put(out, "{", 1))
                err = IB_ERR_NOMEM;
        /* the top-level members that stay, in order; the three set fields in place */
        json_object_foreach((json_t *)obj, k, v) {
                if (err)
                        break;
                if (json_is_object(v)) {
                        if (++nested > IB_NESTED_MAX)
                                err = ib_seterr(reason, reason_size, IB_ERR_INVALID_ARG,
                                                "more than 64 nested objects at top level");
                        continue;
                }
                int i;
                for (i = 0; i < 3 && (placed[i] || strcmp(k, names[i])); i++)
                        ;
                if (i < 3 ? set_member(&l, k, i, date, partition, offset) : member(&l, k, strlen(k), v))
                        err = IB_ERR_NOMEM;
                if (i < 3)
                        placed[i] = 1;
        }
        /* the nested objects, flattened, in order */
        l.flat_start = out->len;
        json_object_foreach((json_t *)obj, k, v) {
                if (err || !json_is_object(v))
                        continue;
                char key[IB_KEY_MAX];
                size_t klen = strlen(k);
                if (klen >= IB_KEY_MAX) { /* the transform refuses it at the first member, as here */
                        if (json_object_size(v))
                                err = ib_seterr(reason, reason_size, IB_ERR_INVALID_ARG,
                                                "flattened key longer than %d bytes", IB_KEY_MAX - 1);
                } else {
                        memcpy(key, k, klen + 1);
                        err = flatten(&l, key, klen, v, reason, reason_size);
                }
                if (!err)
                        l.gone[l.ngone++] = k;
        }
        /* the set fields that were not there (or were objects, now flattened away) */
        for (int i = 0; i < 3 && !err; i++)
                if (!placed[i] && set_member(&l, names[i], i, date, partition, offset))
                        err = IB_ERR_NOMEM;
        if (!err && put(out, "}", 1))
                err = IB_ERR_NOMEM;
        if (err == IB_ERR_NOMEM)
                ib_seterr(reason, reason_size, IB_ERR_NOMEM, "out of memory");
        if (err)
                out->len = start;
        return err;
}
