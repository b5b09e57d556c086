/*
 * doc.c: the parse stage on yajl's event parser (doc.h). yajl lexes; the
 * callbacks here build the tree in the caller's arena and add the checks
 * that make the verdicts jansson's. yajl's own allocations go to a scratch
 * arena reset after every record, so a record costs no malloc.
 */
#include "doc.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#define DOC_MAX_DEPTH 2048 /* jansson's JSON_PARSER_MAX_DEPTH */

struct ib_doc_parser_s {
        ib_arena_t *scratch;  /* yajl's handle, lexer and buffers: one record's worth */
        yajl_alloc_funcs af;
        yajl_handle h;
        /* the record being parsed */
        ib_arena_t *arena;
        const char *text;
        size_t len;
        ib_doc_t *root;
        ib_doc_t *pending;    /* in an object: the member the next value fills */
        size_t depth;
        size_t top_end;       /* where the top-level value ends */
        const char *why;      /* set by a callback that refused */
        ib_doc_t *stack[DOC_MAX_DEPTH + 1];
};

/* ---- yajl's allocations: a size header, then the block, in the scratch arena */

static void *scratch_malloc(void *ctx, size_t n) {
        size_t *p = ib_arena_alloc(ctx, n + 16);
        if (!p)
                return NULL;
        *p = n;
        return (char *)p + 16;
}

static void *scratch_realloc(void *ctx, void *old, size_t n) {
        void *p = scratch_malloc(ctx, n);
        if (p && old) {
                size_t was = *(size_t *)((char *)old - 16);
                memcpy(p, old, was < n ? was : n);
        }
        return p;
}

static void scratch_free(void *ctx, void *p) { (void)ctx, (void)p; }

ib_doc_parser_t *ib_doc_parser_new(void) {
        ib_doc_parser_t *p = calloc(1, sizeof(*p));
        if (p && !(p->scratch = ib_arena_new(64u << 10))) {
                free(p);
                return NULL;
        }
        if (p)
                p->af = (yajl_alloc_funcs){scratch_malloc, scratch_realloc, scratch_free, p->scratch};
        return p;
}

void ib_doc_parser_destroy(ib_doc_parser_t *p) {
        if (!p)
                return;
        ib_arena_destroy(p->scratch);
        free(p);
}

/* ---- the checks yajl does not make, as jansson makes them ---------------- */

/* One UTF-8 sequence at @p s (at most @p n bytes), as jansson's utf8_check_full
 * judges it: its length, or 0 when invalid (overlong, surrogate, > U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t n) {
        unsigned c = s[0];
        size_t len;
        uint32_t v;
        if (c < 0x80)
                return 1;
        if (c < 0xC2 || c > 0xF4)
                return 0;
        if (c < 0xE0)
                len = 2, v = c & 0x1F;
        else if (c < 0xF0)
                len = 3, v = c & 0x0F;
        else
                len = 4, v = c & 0x07;
        if (len > n)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xC0) != 0x80)
                        return 0;
                v = (v << 6) | (s[i] & 0x3F);
        }
        if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
                return 0;
        return len;
}

static unsigned hex4(const unsigned char *s) {
        unsigned v = 0;
        for (int i = 0; i < 4; i++) {
                unsigned c = s[i];
                v = v << 4 | (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        }
        return v;
}

/* The text of one string token between its quotes, raw (escapes included):
 * NULL when jansson takes it, else why not. yajl has checked the escapes'
 * syntax and the control characters already. */
static const char *check_raw(const unsigned char *s, size_t n) {
        for (size_t i = 0; i < n;) {
                unsigned c = s[i];
                if (c >= 0x80) {
                        size_t l = utf8_seq(s + i, n - i);
                        if (!l)
                                return "invalid UTF-8 in a string";
                        i += l;
                        continue;
                }
                if (c != '\\') {
                        i++;
                        continue;
                }
                if (i + 1 < n && s[i + 1] != 'u') {
                        i += 2;
                        continue;
                }
                if (i + 6 > n)
                        return "invalid escape"; /* yajl would have refused it */
                unsigned v = hex4(s + i + 2);
                i += 6;
                if (v == 0)
                        return "\\u0000 is not allowed";
                if (v >= 0xDC00 && v <= 0xDFFF)
                        return "invalid Unicode escape (a lone low surrogate)";
                if (v >= 0xD800 && v <= 0xDBFF) {
                        if (i + 6 > n || s[i] != '\\' || s[i + 1] != 'u')
                                return "invalid Unicode escape (a lone high surrogate)";
                        unsigned lo = hex4(s + i + 2);
                        if (lo < 0xDC00 || lo > 0xDFFF)
                                return "invalid Unicode escape (a high surrogate without its low one)";
                        i += 6;
                }
        }
        return NULL;
}

/* A string yajl hands over: in the record when it had no escapes (checked
 * for UTF-8 only), else decoded in yajl's buffer: then its raw token is
 * found back in the record (it ends where yajl stands) and checked, and the
 * decoded text is copied to the arena. */
static int take_string(ib_doc_parser_t *p, const unsigned char *s, size_t n, const char **out) {
        const unsigned char *t = (const unsigned char *)p->text;
        if (s >= t && s + n <= t + p->len) {
                size_t i = 0;
                for (; i + 8 <= n; i += 8) { /* ASCII, 8 bytes at a time */
                        uint64_t w;
                        memcpy(&w, s + i, 8);
                        if (w & 0x8080808080808080ULL)
                                break;
                }
                for (; i < n; i++)
                        if (s[i] >= 0x80) {
                                if ((p->why = check_raw(s + i, n - i)))
                                        return 0;
                                break;
                        }
                *out = (const char *)s;
                return 1;
        }
        size_t end = yajl_get_bytes_consumed(p->h); /* just past the closing quote */
        if (end < 2 || end > p->len || t[end - 1] != '"') {
                p->why = "internal: lost the string's position";
                return 0;
        }
        size_t q = end - 2;
        for (;; q--) { /* the opening quote: the first one back not escaped */
                if (t[q] == '"') {
                        size_t b = 0;
                        while (b < q && t[q - 1 - b] == '\\')
                                b++;
                        if (b % 2 == 0)
                                break;
                }
                if (q == 0) {
                        p->why = "internal: lost the string's position";
                        return 0;
                }
        }
        if ((p->why = check_raw(t + q + 1, end - 2 - q)))
                return 0;
        char *copy = ib_arena_alloc(p->arena, n ? n : 1);
        if (!copy) {
                p->why = "out of memory";
                return 0;
        }
        memcpy(copy, s, n);
        *out = copy;
        return 1;
}

/* ---- building the tree ---------------------------------------------------- */

static ib_doc_t *new_node(ib_doc_parser_t *p) {
        ib_doc_t *d = ib_arena_alloc(p->arena, sizeof(*d));
        if (!d)
                p->why = "out of memory";
        return d;
}

/* @p d as the last member or element of @p parent. */
/* ---- an object's index ----
 * A key is looked up each time it is parsed (a duplicate takes the first
 * member's place) and again by the schema and the transform. A linear scan is
 * quadratic in the number of members (a 1 MB record of 60,000 keys took 5.4 s
 * to parse), so an object that reaches INDEX_AT members gets a hash table of
 * them in the arena, rebuilt twice as large when half full. */
#define INDEX_AT 16

struct ib_doc_index_s {
        size_t cap; /* a power of two */
        const ib_doc_t *slot[];
};

uint64_t ib_doc_key_hash(const char *key, size_t n) {
        uint64_t h = 1469598103934665603ull; /* FNV-1a */
        for (size_t i = 0; i < n; i++)
                h = (h ^ (unsigned char)key[i]) * 1099511628211ull;
        return h ^ (h >> 29);
}

static const ib_doc_t **index_slot(struct ib_doc_index_s *idx, const char *key, size_t n) {
        size_t mask = idx->cap - 1, i = (size_t)ib_doc_key_hash(key, n) & mask;
        while (idx->slot[i] && (idx->slot[i]->klen != n || memcmp(idx->slot[i]->key, key, n)))
                i = (i + 1) & mask;
        return &idx->slot[i];
}

/* Builds @p obj's index with room for @p cap members. @returns 0, -1 out of memory. */
static int index_build(ib_arena_t *arena, ib_doc_t *obj, size_t cap) {
        struct ib_doc_index_s *idx = ib_arena_alloc(arena, sizeof(*idx) + cap * sizeof(idx->slot[0]));
        if (!idx)
                return -1;
        idx->cap = cap;
        memset(idx->slot, 0, cap * sizeof(idx->slot[0]));
        for (const ib_doc_t *m = obj->u.kids.first; m; m = m->next)
                *index_slot(idx, m->key, m->klen) = m;
        obj->u.kids.index = idx;
        return 0;
}

static void append_kid(ib_doc_t *parent, ib_doc_t *d) {
        if (parent->u.kids.last)
                parent->u.kids.last->next = d;
        else
                parent->u.kids.first = d;
        parent->u.kids.last = d;
        parent->u.kids.n++;
}

/* The node the next value goes in: a new element, the member its key made,
 * or the top level (which must be an object or an array). */
static ib_doc_t *slot(ib_doc_parser_t *p, int container) {
        if (p->depth == 0) {
                if (!container) {
                        p->why = "'[' or '{' expected";
                        return NULL;
                }
                ib_doc_t *d = new_node(p);
                if (d)
                        *d = (ib_doc_t){.type = JSON_NULL};
                return p->root = d;
        }
        ib_doc_t *parent = p->stack[p->depth - 1];
        if (parent->type == JSON_OBJECT) {
                ib_doc_t *d = p->pending;
                p->pending = NULL;
                return d;
        }
        ib_doc_t *d = new_node(p);
        if (!d)
                return NULL;
        *d = (ib_doc_t){.type = JSON_NULL};
        append_kid(parent, d);
        return d;
}

static int on_null(void *ctx) {
        ib_doc_t *d = slot(ctx, 0);
        return d ? (d->type = JSON_NULL, 1) : 0;
}

static int on_boolean(void *ctx, int b) {
        ib_doc_t *d = slot(ctx, 0);
        return d ? (d->type = b ? JSON_TRUE : JSON_FALSE, 1) : 0;
}

/* A number as jansson reads it: an integer unless it has '.', 'e' or 'E';
 * strtoll and strtod decide the range (jansson refuses an integer outside
 * long long and a real that overflows; it takes an underflow as 0). */
static int on_number(void *ctx, const char *s, size_t n) {
        ib_doc_parser_t *p = ctx;
        ib_doc_t *d = slot(p, 0);
        if (!d)
                return 0;
        int real = memchr(s, '.', n) || memchr(s, 'e', n) || memchr(s, 'E', n);
        size_t digits = n - (s[0] == '-');
        if (!real && digits <= 18) { /* cannot overflow: no strtoll */
                long long v = 0;
                for (size_t i = s[0] == '-'; i < n; i++)
                        v = v * 10 + (s[i] - '0');
                d->type = JSON_INTEGER;
                d->u.i = s[0] == '-' ? -v : v;
                return 1;
        }
        char small[64], *z = small;
        if (n >= sizeof(small) && !(z = ib_arena_alloc(p->arena, n + 1))) {
                p->why = "out of memory";
                return 0;
        }
        memcpy(z, s, n);
        z[n] = '\0';
        errno = 0;
        if (!real) {
                long long v = strtoll(z, NULL, 10);
                if (errno == ERANGE) {
                        p->why = v < 0 ? "too big negative integer" : "too big integer";
                        return 0;
                }
                d->type = JSON_INTEGER;
                d->u.i = v;
                return 1;
        }
        double v = strtod(z, NULL);
        if ((v == HUGE_VAL || v == -HUGE_VAL) && errno == ERANGE) {
                p->why = "real number overflow";
                return 0;
        }
        d->type = JSON_REAL;
        d->u.d = v;
        return 1;
}

static int on_string(void *ctx, const unsigned char *s, size_t n) {
        ib_doc_parser_t *p = ctx;
        const char *str;
        if (!take_string(p, s, n, &str))
                return 0;
        ib_doc_t *d = slot(p, 0);
        if (!d)
                return 0;
        d->type = JSON_STRING;
        d->u.str.s = str;
        d->u.str.len = n;
        return 1;
}

static int open_container(ib_doc_parser_t *p, json_type type) {
        if (p->depth >= DOC_MAX_DEPTH) {
                p->why = "maximum parsing depth reached";
                return 0;
        }
        ib_doc_t *d = slot(p, 1);
        if (!d)
                return 0;
        d->type = type;
        d->u.kids.first = d->u.kids.last = NULL;
        d->u.kids.n = 0;
        d->u.kids.index = NULL;
        p->stack[p->depth++] = d;
        return 1;
}

static int on_start_map(void *ctx) { return open_container(ctx, JSON_OBJECT); }
static int on_start_array(void *ctx) { return open_container(ctx, JSON_ARRAY); }

static int on_end(void *ctx) {
        ib_doc_parser_t *p = ctx;
        if (--p->depth == 0)
                p->top_end = yajl_get_bytes_consumed(p->h);
        return 1;
}

/* A key: a new member at the end, or, when the object has it already, that
 * member again (jansson keeps a duplicate's first place, and its last value). */
static int on_map_key(void *ctx, const unsigned char *s, size_t n) {
        ib_doc_parser_t *p = ctx;
        const char *key;
        if (!take_string(p, s, n, &key)) /* no NUL gets through: raw, yajl refuses it; escaped, check_raw */
                return 0;
        ib_doc_t *obj = p->stack[p->depth - 1];
        ib_doc_t *m = (ib_doc_t *)ib_doc_get(obj, key, n);
        if (m) {
                p->pending = m;
                return 1;
        }
        ib_doc_t *d = new_node(p);
        if (!d)
                return 0;
        *d = (ib_doc_t){.type = JSON_NULL, .key = key, .klen = n};
        append_kid(obj, d);
        p->pending = d;
        struct ib_doc_index_s *idx = obj->u.kids.index;
        size_t count = obj->u.kids.n;
        if (count == INDEX_AT || (idx && count * 2 > idx->cap)) {
                if (index_build(p->arena, obj, idx ? idx->cap * 2 : 4 * INDEX_AT)) {
                        p->why = "out of memory";
                        return 0;
                }
        } else if (idx)
                *index_slot(idx, key, n) = d;
        return 1;
}

static const yajl_callbacks callbacks = {
    on_null, on_boolean, NULL, NULL, on_number, on_string, on_start_map, on_map_key, on_end, on_start_array, on_end,
};

/* jansson loses a NUL byte that ends a number or a literal (its lexer
 * "ungets" the byte that ends the token, and a NUL in its one-byte buffer
 * reads as empty): outside strings, such a NUL separates tokens as a space
 * would. The copy says so for yajl; every other NUL stays, refused by both. */
static const char *lost_nuls(ib_arena_t *arena, const char *text, size_t len) {
        char *t = ib_arena_alloc(arena, len ? len : 1);
        if (!t)
                return NULL;
        memcpy(t, text, len);
        int in_string = 0;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)text[i];
                if (in_string) {
                        if (c == '\\')
                                i++;
                        else if (c == '"')
                                in_string = 0;
                } else if (c == '"') {
                        in_string = 1;
                } else if (c == 0 && i > 0) {
                        unsigned char b = (unsigned char)text[i - 1];
                        if ((b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z'))
                                t[i] = ' ';
                }
        }
        return t;
}

ib_doc_t *ib_doc_parse(ib_doc_parser_t *p, ib_arena_t *arena, const char *text, size_t len, char *reason,
                       size_t reason_size) {
        /* yajl takes \v and \f as whitespace; jansson refuses them anywhere
         * (outside strings they are not whitespace, inside they are control
         * characters), so a record holding one is refused here. */
        const char *vf = memchr(text, '\v', len);
        const char *ff = memchr(text, '\f', len);
        if (vf || ff) {
                const char *at = !vf ? ff : !ff ? vf : vf < ff ? vf : ff;
                snprintf(reason, reason_size, "invalid JSON at byte %zu: invalid character (\\v or \\f)",
                         (size_t)(at - text));
                return NULL;
        }
        if (memchr(text, '\0', len) && !(text = lost_nuls(arena, text, len))) {
                snprintf(reason, reason_size, "out of memory");
                return NULL;
        }
        ib_arena_reset(p->scratch);
        p->arena = arena;
        p->text = text;
        p->len = len;
        p->root = p->pending = NULL;
        p->depth = p->top_end = 0;
        p->why = NULL;
        p->h = yajl_alloc(&callbacks, &p->af, p);
        if (!p->h) {
                snprintf(reason, reason_size, "out of memory");
                return NULL;
        }
        yajl_config(p->h, yajl_dont_validate_strings, 1); /* checked here, with jansson's rules */
        yajl_status st = yajl_parse(p->h, (const unsigned char *)text, len);
        if (st == yajl_status_ok)
                st = yajl_complete_parse(p->h);
        ib_doc_t *root = st == yajl_status_ok ? p->root : NULL;
        /* yajl lets an unfinished token after the value pass (it waits for
         * more input); jansson wants nothing but whitespace there */
        for (size_t i = p->top_end; root && i < len; i++)
                if (!strchr(" \t\n\r", text[i]) || !text[i]) {
                        p->why = "end of file expected";
                        root = NULL;
                }
        if (!root) {
                size_t at = yajl_get_bytes_consumed(p->h);
                if (p->why && !strcmp(p->why, "out of memory")) {
                        snprintf(reason, reason_size, "out of memory");
                } else if (p->why) {
                        snprintf(reason, reason_size, "invalid JSON at byte %zu: %s", at, p->why);
                } else {
                        unsigned char *e = yajl_get_error(p->h, 0, NULL, 0);
                        size_t el = e ? strcspn((const char *)e, "\n") : 0;
                        snprintf(reason, reason_size, "invalid JSON at byte %zu: %.*s", at, (int)el,
                                 e ? (const char *)e : "syntax error");
                        if (e)
                                yajl_free_error(p->h, e);
                }
        }
        yajl_free(p->h);
        p->h = NULL;
        return root;
}

const ib_doc_t *ib_doc_get(const ib_doc_t *obj, const char *key, size_t klen) {
        if (obj->u.kids.index)
                return *index_slot(obj->u.kids.index, key, klen);
        for (const ib_doc_t *m = obj->u.kids.first; m; m = m->next)
                if (m->klen == klen && !memcmp(m->key, key, klen))
                        return m;
        return NULL;
}
