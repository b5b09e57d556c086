/*
 * emit.c: the output line straight from the parsed record (emit.h). The
 * order is the one the transformed tree would have: top-level members that
 * are not objects, in order (event_date, _partition and _offset replaced
 * in place when the record has them), then each nested object's members
 * flattened depth-first, then event_date, _partition and _offset when they
 * were not there. Values are written as jansson's compact dump writes them.
 */
#include "emit.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
/* Whether any of 8 bytes is a control character, '"' or '\\' (SWAR). */
static inline int word_needs_escape(uint64_t w) {
        const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
        uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\');
        return (((w - ones * 0x20) | (q - ones) | (bs - ones)) & ~w & highs) != 0;
}

/* The index of the first byte of @p s that must be escaped, or @p n. */
static size_t clean_prefix(const char *s, size_t n) {
        size_t i = 0;
        for (; i + 8 <= n; i += 8) {
                uint64_t w;
                memcpy(&w, s + i, 8);
                if (word_needs_escape(w))
                        break;
        }
        for (; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c < 0x20 || c == '"' || c == '\\')
                        break;
        }
        return i;
}

static int put_string(ib_buf_t *b, const char *s, size_t n) {
        if (ib_buf_reserve(b, n + 2) != 0)
                return -1;
        if (clean_prefix(s, n) == n) { /* the common case: copied as it is */
                char *d = b->data + b->len;
                d[0] = '"';
                memcpy(d + 1, s, n);
                d[n + 1] = '"';
                d[n + 2] = '\0';
                b->len += n + 2;
                return 0;
        }
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

int ib_emit_value(ib_buf_t *b, const ib_doc_t *v) {
        switch (v->type) {
        case JSON_OBJECT:
                if (put(b, "{", 1))
                        return -1;
                for (const ib_doc_t *m = v->u.kids.first; m; m = m->next)
                        if ((m != v->u.kids.first && put(b, ",", 1)) || put_string(b, m->key, m->klen) ||
                            put(b, ":", 1) || ib_emit_value(b, m))
                                return -1;
                return put(b, "}", 1);
        case JSON_ARRAY:
                if (put(b, "[", 1))
                        return -1;
                for (const ib_doc_t *m = v->u.kids.first; m; m = m->next)
                        if ((m != v->u.kids.first && put(b, ",", 1)) || ib_emit_value(b, m))
                                return -1;
                return put(b, "]", 1);
        case JSON_STRING: return put_string(b, v->u.str.s, v->u.str.len);
        case JSON_INTEGER: return put_int(b, v->u.i);
        case JSON_REAL: return put_real(b, v->u.d);
        case JSON_TRUE: return put(b, "true", 4);
        case JSON_FALSE: return put(b, "false", 5);
        case JSON_NULL: return put(b, "null", 4);
        }
        return -1;
}

/* The flattened keys written so far, each as a length byte and its bytes:
 * on the stack, on the heap only for a record with kilobytes of them. Past
 * KEYSET_HASH_AT keys they are also hashed (slots hold offset + 1 into data),
 * so that a record of many nested keys is not checked in quadratic time. */
#define KEYSET_HASH_AT 32
typedef struct keyset_s {
        char local[4096];
        char *data;
        size_t len, cap;
        size_t count;
        uint32_t *slots; /* NULL below KEYSET_HASH_AT keys; else nslots, a power of two */
        size_t nslots;
} keyset_t;

static size_t keyset_probe(const keyset_t *ks, const char *key, size_t klen) {
        size_t mask = ks->nslots - 1, i = (size_t)ib_doc_key_hash(key, klen) & mask;
        for (; ks->slots[i]; i = (i + 1) & mask) {
                const char *k = ks->data + ks->slots[i] - 1;
                if ((unsigned char)k[0] == klen && !memcmp(k + 1, key, klen))
                        break;
        }
        return i;
}

static int keyset_has(const keyset_t *ks, const char *key, size_t klen) {
        if (ks->slots)
                return ks->slots[keyset_probe(ks, key, klen)] != 0;
        for (size_t i = 0; i < ks->len; i += 1 + (unsigned char)ks->data[i])
                if ((unsigned char)ks->data[i] == klen && !memcmp(ks->data + i + 1, key, klen))
                        return 1;
        return 0;
}

/* (Re)hashes every key into a table of @p nslots. */
static int keyset_rehash(keyset_t *ks, size_t nslots) {
        uint32_t *slots = calloc(nslots, sizeof(*slots));
        if (!slots)
                return -1;
        free(ks->slots);
        ks->slots = slots, ks->nslots = nslots;
        for (size_t i = 0; i < ks->len; i += 1 + (unsigned char)ks->data[i])
                ks->slots[keyset_probe(ks, ks->data + i + 1, (unsigned char)ks->data[i])] = (uint32_t)i + 1;
        return 0;
}

static int keyset_add(keyset_t *ks, const char *key, size_t klen) {
        if (ks->len + 1 + klen > ks->cap) {
                size_t cap = ks->cap * 2;
                if (cap > UINT32_MAX)
                        return -1;
                char *d = ks->data == ks->local ? malloc(cap) : realloc(ks->data, cap);
                if (!d)
                        return -1;
                if (ks->data == ks->local)
                        memcpy(d, ks->local, ks->len);
                ks->data = d, ks->cap = cap;
        }
        size_t at = ks->len;
        ks->data[at] = (char)klen; /* klen < IB_KEY_MAX = 256 */
        memcpy(ks->data + at + 1, key, klen);
        ks->len += 1 + klen;
        ks->count++;
        if (ks->count == KEYSET_HASH_AT || (ks->slots && ks->count * 2 > ks->nslots))
                return keyset_rehash(ks, ks->slots ? ks->nslots * 2 : 4 * KEYSET_HASH_AT);
        if (ks->slots)
                ks->slots[keyset_probe(ks, key, klen)] = (uint32_t)at + 1;
        return 0;
}

/* The state of one line: the keys present so far, for the collision check
 * the transform makes (the record's top-level keys, then every flattened
 * key; a nested object's own key leaves once it is flattened). */
typedef struct line_s {
        ib_buf_t *out;
        const ib_doc_t *obj;
        const ib_doc_t *gone[IB_NESTED_MAX]; /* nested objects already flattened (deleted) */
        size_t ngone;
        keyset_t flat;                       /* the flattened keys written */
        int first;
} line_t;

static int member(line_t *l, const char *key, size_t klen, const ib_doc_t *v) {
        if ((!l->first && put(l->out, ",", 1)) || put_string(l->out, key, klen) || put(l->out, ":", 1) ||
            ib_emit_value(l->out, v))
                return -1;
        l->first = 0;
        return 0;
}

/* Whether @p key is present: a top-level key not yet deleted, or a key
 * flattened before. */
static int present(const line_t *l, const char *key, size_t klen) {
        const ib_doc_t *top = ib_doc_get(l->obj, key, klen);
        if (top) {
                for (size_t i = 0; i < l->ngone; i++)
                        if (l->gone[i] == top)
                                return 0;
                return 1;
        }
        return keyset_has(&l->flat, key, klen);
}

static ib_err_t flatten(line_t *l, char *key, size_t plen, const ib_doc_t *src, char *reason, size_t reason_size) {
        for (const ib_doc_t *v = src->u.kids.first; v; v = v->next) {
                size_t klen = v->klen;
                if (plen + 1 + klen >= IB_KEY_MAX)
                        return ib_seterr(reason, reason_size, IB_ERR_INVALID_ARG, "flattened key longer than %d bytes",
                                         IB_KEY_MAX - 1);
                key[plen] = '.';
                memcpy(key + plen + 1, v->key, klen);
                key[plen + 1 + klen] = '\0';
                if (v->type == JSON_OBJECT) {
                        ib_err_t err = flatten(l, key, plen + 1 + klen, v, reason, reason_size);
                        if (err)
                                return err;
                        continue;
                }
                if (present(l, key, plen + 1 + klen))
                        return ib_seterr(reason, reason_size, IB_ERR_INVALID_ARG,
                                         "flattened key '%s' collides with an existing field", key);
                if (member(l, key, plen + 1 + klen, v) || keyset_add(&l->flat, key, plen + 1 + klen))
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

static int set_member(line_t *l, const char *name, size_t nlen, int i, const char *date, int32_t partition,
                      int64_t offset) {
        if ((!l->first && put(l->out, ",", 1)) || put_string(l->out, name, nlen) || put(l->out, ":", 1) ||
            put_set(l->out, i, date, partition, offset))
                return -1;
        l->first = 0;
        return 0;
}

ib_err_t ib_emit_flat(ib_buf_t *out, const ib_doc_t *obj, const char *date, int32_t partition, int64_t offset,
                      char *reason, size_t reason_size) {
        size_t start = out->len;
        line_t l;
        l.out = out, l.obj = obj, l.ngone = 0, l.first = 1;
        l.flat.data = l.flat.local, l.flat.len = 0, l.flat.cap = sizeof(l.flat.local);
        l.flat.count = 0, l.flat.slots = NULL, l.flat.nslots = 0;
        static const char *const names[3] = {"event_date", "_partition", "_offset"};
        static const size_t lens[3] = {10, 10, 7};
        int placed[3] = {date == NULL, 0, 0}; /* no event time: no event_date set */
        ib_err_t err = IB_OK;
        size_t nested = 0;
        if (put(out, "{", 1))
                err = IB_ERR_NOMEM;
        /* the top-level members that stay, in order; the three set fields in place */
        for (const ib_doc_t *v = obj->u.kids.first; v && !err; v = v->next) {
                if (v->type == JSON_OBJECT) {
                        if (++nested > IB_NESTED_MAX)
                                err = ib_seterr(reason, reason_size, IB_ERR_INVALID_ARG,
                                                "more than 64 nested objects at top level");
                        continue;
                }
                int i;
                for (i = 0; i < 3 && (placed[i] || v->klen != lens[i] || memcmp(v->key, names[i], lens[i])); i++)
                        ;
                if (i < 3 ? set_member(&l, v->key, v->klen, i, date, partition, offset)
                          : member(&l, v->key, v->klen, v))
                        err = IB_ERR_NOMEM;
                if (i < 3)
                        placed[i] = 1;
        }
        /* the nested objects, flattened, in order */
        for (const ib_doc_t *v = obj->u.kids.first; v && !err; v = v->next) {
                if (v->type != JSON_OBJECT)
                        continue;
                char key[IB_KEY_MAX];
                if (v->klen >= IB_KEY_MAX) { /* the transform refuses it at the first member, as here */
                        if (v->u.kids.n)
                                err = ib_seterr(reason, reason_size, IB_ERR_INVALID_ARG,
                                                "flattened key longer than %d bytes", IB_KEY_MAX - 1);
                } else {
                        memcpy(key, v->key, v->klen);
                        key[v->klen] = '\0';
                        err = flatten(&l, key, v->klen, v, reason, reason_size);
                }
                if (!err)
                        l.gone[l.ngone++] = v;
        }
        /* the set fields that were not there (or were objects, now flattened away) */
        for (int i = 0; i < 3 && !err; i++)
                if (!placed[i] && set_member(&l, names[i], lens[i], i, date, partition, offset))
                        err = IB_ERR_NOMEM;
        if (!err && put(out, "}", 1))
                err = IB_ERR_NOMEM;
        if (err == IB_ERR_NOMEM)
                ib_seterr(reason, reason_size, IB_ERR_NOMEM, "out of memory");
        if (err)
                out->len = start;
        if (l.flat.data != l.flat.local)
                free(l.flat.data);
        free(l.flat.slots);
        return err;
}
