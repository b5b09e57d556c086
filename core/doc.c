/*
 * doc.c: the parse stage (doc.h): one pass over the record builds the tree
 * in the caller's arena, with jansson's lexing and grammar (json_loadb, flags
 * 0), so that every verdict is jansson's. Strings without escapes point into
 * the record; the scan of a string skips 16 bytes a step to the next byte
 * that needs a closer look (a quote, a backslash, a control character,
 * non-ASCII).
 * Nothing is allocated but the nodes, escaped strings and object indexes in
 * the arena, so a record costs no malloc.
 */
#include "doc.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__) && !defined(IB_DOC_PORTABLE)
#include <emmintrin.h>
#endif

#define DOC_MAX_DEPTH 2048 /* jansson's JSON_PARSER_MAX_DEPTH */

struct ib_doc_parser_s {
        ib_doc_t *stack[DOC_MAX_DEPTH + 1]; /* the open containers */
};

ib_doc_parser_t *ib_doc_parser_new(void) { return calloc(1, sizeof(ib_doc_parser_t)); }

void ib_doc_parser_destroy(ib_doc_parser_t *p) { free(p); }

/* One record's parse: where it stands, and why it stopped. */
typedef struct scan_s {
        const unsigned char *s, *end;
        ib_arena_t *arena;
        const char *why;
} scan_t;

/* ---- strings, as jansson's lexer takes them ------------------------------ */

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

static int is_hex(unsigned c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

/* The first byte in [s, e) that a string's scan must look at: '"', '\\', a
 * control character or a non-ASCII byte; e when there is none. SSE2 (every
 * x86-64) looks at 16 bytes a step: a signed compare with 0x20 catches the
 * control characters and the bytes >= 0x80 at once; elsewhere, 8 bytes a
 * step in a word. */
static const unsigned char *next_special(const unsigned char *s, const unsigned char *e) {
#if defined(__SSE2__) && !defined(IB_DOC_PORTABLE)
        const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
        while (e - s >= 16) {
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
                __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                         _mm_cmplt_epi8(v, space));
                int bits = _mm_movemask_epi8(m);
                if (bits)
                        return s + __builtin_ctz((unsigned)bits);
                s += 16;
        }
#else
        const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
        while (e - s >= 8) {
                uint64_t w;
                memcpy(&w, s, 8);
                uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
                if ((((q - ones) & ~q) | ((b - ones) & ~b) | ((w - ones * 0x20) & ~w) | w) & highs)
                        break;
                s += 8;
        }
#endif
        while (s < e && *s != '"' && *s != '\\' && *s >= 0x20 && *s < 0x80)
                s++;
        return s;
}

static void put_utf8(unsigned char **o, uint32_t v) {
        unsigned char *d = *o;
        if (v < 0x80) {
                *d++ = (unsigned char)v;
        } else if (v < 0x800) {
                *d++ = (unsigned char)(0xC0 | v >> 6);
                *d++ = (unsigned char)(0x80 | (v & 0x3F));
        } else if (v < 0x10000) {
                *d++ = (unsigned char)(0xE0 | v >> 12);
                *d++ = (unsigned char)(0x80 | ((v >> 6) & 0x3F));
                *d++ = (unsigned char)(0x80 | (v & 0x3F));
        } else {
                *d++ = (unsigned char)(0xF0 | v >> 18);
                *d++ = (unsigned char)(0x80 | ((v >> 12) & 0x3F));
                *d++ = (unsigned char)(0x80 | ((v >> 6) & 0x3F));
                *d++ = (unsigned char)(0x80 | (v & 0x3F));
        }
        *o = d;
}

/* Decodes the escapes of the raw string [s, e) (checked by scan_string) into the arena. */
static int decode(scan_t *sc, const unsigned char *s, const unsigned char *e, const char **out, size_t *len) {
        unsigned char *d = ib_arena_alloc(sc->arena, (size_t)(e - s) + 1), *o = d; /* never longer than raw */
        if (!d) {
                sc->why = "out of memory";
                return 0;
        }
        while (s < e) {
                if (*s != '\\') {
                        *o++ = *s++;
                        continue;
                }
                unsigned c = s[1];
                s += 2;
                switch (c) {
                case 'b': *o++ = '\b'; break;
                case 'f': *o++ = '\f'; break;
                case 'n': *o++ = '\n'; break;
                case 'r': *o++ = '\r'; break;
                case 't': *o++ = '\t'; break;
                case 'u': {
                        uint32_t v = hex4(s);
                        s += 4;
                        if (v >= 0xD800 && v <= 0xDBFF) { /* the pair, checked whole */
                                v = 0x10000 + ((v - 0xD800) << 10) + (hex4(s + 2) - 0xDC00);
                                s += 6;
                        }
                        put_utf8(&o, v);
                        break;
                }
                default: *o++ = (unsigned char)c; break; /* '"', '\\', '/' */
                }
        }
        *out = (const char *)d;
        *len = (size_t)(o - d);
        return 1;
}

/* The string whose opening quote is at sc->s, as jansson's lexer reads it:
 * no control character, escapes of \"\\/bfnrtu only, \u with four hex digits,
 * no \u0000, surrogate escapes in pairs, UTF-8 that utf8_check_full takes.
 * Without escapes it points into the record. */
static int scan_string(scan_t *sc, const char **out, size_t *len) {
        const unsigned char *start = ++sc->s, *s = start, *e = sc->end;
        int escaped = 0;
        for (;;) {
                s = next_special(s, e);
                if (s >= e) {
                        sc->s = s;
                        sc->why = "premature end of input";
                        return 0;
                }
                unsigned c = *s;
                if (c == '"')
                        break;
                if (c < 0x20) {
                        sc->s = s;
                        sc->why = "control character in a string";
                        return 0;
                }
                if (c >= 0x80) {
                        size_t l = utf8_seq(s, (size_t)(e - s));
                        if (!l) {
                                sc->s = s;
                                sc->why = "invalid UTF-8 in a string";
                                return 0;
                        }
                        s += l;
                        continue;
                }
                if (c != '\\') {
                        s++;
                        continue;
                }
                escaped = 1;
                if (e - s < 2) {
                        sc->s = s;
                        sc->why = "premature end of input";
                        return 0;
                }
                c = s[1];
                if (c != 'u') {
                        if (!strchr("\"\\/bfnrt", (int)c) || c == 0) {
                                sc->s = s;
                                sc->why = "invalid escape";
                                return 0;
                        }
                        s += 2;
                        continue;
                }
                if (e - s < 6 || !is_hex(s[2]) || !is_hex(s[3]) || !is_hex(s[4]) || !is_hex(s[5])) {
                        sc->s = s;
                        sc->why = "invalid escape";
                        return 0;
                }
                unsigned v = hex4(s + 2);
                const char *bad = NULL;
                if (v == 0)
                        bad = "\\u0000 is not allowed";
                else if (v >= 0xDC00 && v <= 0xDFFF)
                        bad = "invalid Unicode escape (a lone low surrogate)";
                else if (v >= 0xD800 && v <= 0xDBFF) {
                        const unsigned char *l = s + 6;
                        if (e - l < 6 || l[0] != '\\' || l[1] != 'u' || !is_hex(l[2]) || !is_hex(l[3]) ||
                            !is_hex(l[4]) || !is_hex(l[5]))
                                bad = "invalid Unicode escape (a lone high surrogate)";
                        else if (hex4(l + 2) < 0xDC00 || hex4(l + 2) > 0xDFFF)
                                bad = "invalid Unicode escape (a high surrogate without its low one)";
                        else
                                s += 6;
                }
                if (bad) {
                        sc->s = s;
                        sc->why = bad;
                        return 0;
                }
                s += 6;
        }
        sc->s = s + 1;
        if (!escaped) {
                *out = (const char *)start;
                *len = (size_t)(s - start);
                return 1;
        }
        return decode(sc, start, s, out, len);
}

/* ---- numbers and literals --------------------------------------------------- */

static int is_digit(unsigned c) { return c - '0' < 10; }

/* Past the run of digits at @p s, one at least; NULL when there is none. */
static const unsigned char *digits(const unsigned char *s, const unsigned char *e) {
        if (s >= e || !is_digit(*s))
                return NULL;
        while (s < e && is_digit(*s))
                s++;
        return s;
}

/* A number as jansson's lexer reads it: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?,
 * an integer unless it has a fraction or an exponent; strtoll and strtod
 * decide the range (jansson refuses an integer outside long long and a real
 * that overflows; it takes an underflow as 0). */
static int scan_number(scan_t *sc, ib_doc_t *d) {
        const unsigned char *b = sc->s, *s = b, *e = sc->end;
        int real = 0;
        if (s < e && *s == '-')
                s++;
        if (s < e && *s == '0') {
                s++;
                if (s < e && is_digit(*s))
                        goto bad;
        } else if (!(s = digits(s, e)))
                goto bad;
        if (s < e && *s == '.') { /* a fraction: one digit at least */
                if (!(s = digits(s + 1, e)))
                        goto bad;
                real = 1;
        }
        if (s < e && (*s == 'e' || *s == 'E')) { /* an exponent: a sign, one digit at least */
                s++;
                if (s < e && (*s == '+' || *s == '-'))
                        s++;
                if (!(s = digits(s, e)))
                        goto bad;
                real = 1;
        }
        sc->s = s;
        size_t n = (size_t)(s - b), digits = n - (*b == '-');
        if (!real && digits <= 18) { /* cannot overflow: no strtoll */
                long long v = 0;
                for (const unsigned char *q = b + (*b == '-'); q < s; q++)
                        v = v * 10 + (*q - '0');
                d->type = JSON_INTEGER;
                d->u.i = *b == '-' ? -v : v;
                return 1;
        }
        char small[64], *z = small;
        if (n >= sizeof(small) && !(z = ib_arena_alloc(sc->arena, n + 1))) {
                sc->why = "out of memory";
                return 0;
        }
        memcpy(z, b, n);
        z[n] = '\0';
        errno = 0;
        if (!real) {
                long long v = strtoll(z, NULL, 10);
                if (errno == ERANGE) {
                        sc->s = b;
                        sc->why = v < 0 ? "too big negative integer" : "too big integer";
                        return 0;
                }
                d->type = JSON_INTEGER;
                d->u.i = v;
                return 1;
        }
        double v = strtod(z, NULL);
        if ((v == HUGE_VAL || v == -HUGE_VAL) && errno == ERANGE) {
                sc->s = b;
                sc->why = "real number overflow";
                return 0;
        }
        d->type = JSON_REAL;
        d->u.d = v;
        return 1;
bad:
        sc->s = b;
        sc->why = "invalid number";
        return 0;
}

static int is_alpha(unsigned c) { return (c | 0x20) - 'a' < 26; }

/* true, false or null: jansson reads the whole run of letters as one word. */
static int scan_literal(scan_t *sc, ib_doc_t *d) {
        const unsigned char *b = sc->s, *s = b;
        while (s < sc->end && is_alpha(*s))
                s++;
        size_t n = (size_t)(s - b);
        if (n == 4 && !memcmp(b, "true", 4))
                d->type = JSON_TRUE;
        else if (n == 5 && !memcmp(b, "false", 5))
                d->type = JSON_FALSE;
        else if (n == 4 && !memcmp(b, "null", 4))
                d->type = JSON_NULL;
        else {
                sc->why = "invalid token";
                return 0;
        }
        sc->s = s;
        return 1;
}

/* ---- the tree --------------------------------------------------------------- */

static ib_doc_t *new_node(scan_t *sc) {
        ib_doc_t *d = ib_arena_alloc(sc->arena, sizeof(*d));
        if (!d)
                sc->why = "out of memory";
        return d;
}

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

/* The member of @p obj named by the key [key, key + n): a new one at the end,
 * or, when the object has it already, that one again (jansson keeps a
 * duplicate's first place, and its last value). */
static ib_doc_t *member(scan_t *sc, ib_doc_t *obj, const char *key, size_t n) {
        ib_doc_t *m = (ib_doc_t *)ib_doc_get(obj, key, n);
        if (m)
                return m;
        ib_doc_t *d = new_node(sc);
        if (!d)
                return NULL;
        *d = (ib_doc_t){.type = JSON_NULL, .key = key, .klen = n};
        append_kid(obj, d);
        struct ib_doc_index_s *idx = obj->u.kids.index;
        size_t count = obj->u.kids.n;
        if (count == INDEX_AT || (idx && count * 2 > idx->cap)) {
                if (index_build(sc->arena, obj, idx ? idx->cap * 2 : 4 * INDEX_AT)) {
                        sc->why = "out of memory";
                        return NULL;
                }
        } else if (idx)
                *index_slot(idx, key, n) = d;
        return d;
}

static void skip_ws(scan_t *sc) {
        const unsigned char *s = sc->s, *e = sc->end;
        while (s < e && (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t'))
                s++;
        sc->s = s;
}

/* The grammar of json_loadb (flags 0): an object or an array at the top,
 * values in it, nothing after it but whitespace. Iterative: the open
 * containers are on the parser's stack, at most DOC_MAX_DEPTH of them. */
static ib_doc_t *parse(ib_doc_parser_t *p, scan_t *sc) {
        skip_ws(sc);
        if (sc->s >= sc->end || (*sc->s != '{' && *sc->s != '[')) {
                sc->why = "'[' or '{' expected";
                return NULL;
        }
        ib_doc_t *root = new_node(sc), *d = root;
        if (!root)
                return NULL;
        *root = (ib_doc_t){.type = JSON_NULL};
        size_t depth = 0;
        for (;;) {
                /* a value into d */
                skip_ws(sc);
                if (sc->s >= sc->end) {
                        sc->why = "premature end of input";
                        return NULL;
                }
                unsigned c = *sc->s;
                if (c == '{' || c == '[') {
                        if (depth >= DOC_MAX_DEPTH) {
                                sc->why = "maximum parsing depth reached";
                                return NULL;
                        }
                        d->type = c == '{' ? JSON_OBJECT : JSON_ARRAY;
                        d->u.kids.first = d->u.kids.last = NULL;
                        d->u.kids.n = 0;
                        d->u.kids.index = NULL;
                        p->stack[depth++] = d;
                        sc->s++;
                        skip_ws(sc);
                        if (sc->s < sc->end && *sc->s == (c == '{' ? '}' : ']')) {
                                sc->s++;
                                depth--;
                                goto after_value;
                        }
                        goto next_item;
                } else if (c == '"') {
                        const char *str;
                        size_t n;
                        if (!scan_string(sc, &str, &n))
                                return NULL;
                        d->type = JSON_STRING;
                        d->u.str.s = str;
                        d->u.str.len = n;
                } else if (c == '-' || is_digit(c)) {
                        if (!scan_number(sc, d))
                                return NULL;
                } else if (is_alpha(c)) {
                        if (!scan_literal(sc, d))
                                return NULL;
                } else {
                        sc->why = "invalid token";
                        return NULL;
                }
        after_value:
                /* after a value: the end, a comma or the container's close */
                for (;;) {
                        skip_ws(sc);
                        if (depth == 0) {
                                if (sc->s != sc->end) {
                                        sc->why = "end of file expected";
                                        return NULL;
                                }
                                return root;
                        }
                        if (sc->s >= sc->end) {
                                sc->why = "premature end of input";
                                return NULL;
                        }
                        ib_doc_t *parent = p->stack[depth - 1];
                        c = *sc->s++;
                        if (c == ',')
                                break;
                        if (c != (parent->type == JSON_OBJECT ? '}' : ']')) {
                                sc->s--;
                                sc->why = parent->type == JSON_OBJECT ? "'}' expected" : "']' expected";
                                return NULL;
                        }
                        depth--;
                }
                skip_ws(sc);
        next_item:
                /* the next member or element of the innermost container */
                {
                        ib_doc_t *parent = p->stack[depth - 1];
                        if (parent->type == JSON_ARRAY) {
                                if (!(d = new_node(sc)))
                                        return NULL;
                                *d = (ib_doc_t){.type = JSON_NULL};
                                append_kid(parent, d);
                                continue;
                        }
                        if (sc->s >= sc->end || *sc->s != '"') {
                                sc->why = "string or '}' expected";
                                return NULL;
                        }
                        const char *key;
                        size_t n;
                        if (!scan_string(sc, &key, &n)) /* a NUL in a key comes only from \u0000: refused */
                                return NULL;
                        skip_ws(sc);
                        if (sc->s >= sc->end || *sc->s != ':') {
                                sc->why = "':' expected";
                                return NULL;
                        }
                        sc->s++;
                        if (!(d = member(sc, parent, key, n)))
                                return NULL;
                }
        }
}

/* jansson loses a NUL byte that ends a number or a literal (its lexer
 * "ungets" the byte that ends the token, and a NUL in its one-byte buffer
 * reads as empty): outside strings, such a NUL separates tokens as a space
 * would. The copy says so for the scan; every other NUL stays, refused by both. */
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
        if (memchr(text, '\0', len) && !(text = lost_nuls(arena, text, len))) {
                snprintf(reason, reason_size, "out of memory");
                return NULL;
        }
        scan_t sc = {(const unsigned char *)text, (const unsigned char *)text + len, arena, NULL};
        ib_doc_t *root = parse(p, &sc);
        if (!root) {
                if (!strcmp(sc.why, "out of memory"))
                        snprintf(reason, reason_size, "out of memory");
                else
                        snprintf(reason, reason_size, "invalid JSON at byte %zu: %s", (size_t)(sc.s - (const unsigned char *)text),
                                 sc.why);
        }
        return root;
}

const ib_doc_t *ib_doc_get(const ib_doc_t *obj, const char *key, size_t klen) {
        if (obj->u.kids.index)
                return *index_slot(obj->u.kids.index, key, klen);
        for (const ib_doc_t *m = obj->u.kids.first; m; m = m->next) /* the first byte before a call */
                if (m->klen == klen && (klen == 0 || (m->key[0] == key[0] && !memcmp(m->key, key, klen))))
                        return m;
        return NULL;
}
