/**
 * @file doc.h
 * @brief The parse stage's record: a read-only tree in the batch's arena,
 *        built in one pass by a scanner of its own (#11: jansson's
 *        json_loadb costs about 3.5 µs a record, yajl's event parser with
 *        the checks it lacked 0.9 µs; #21: this, about 0.3 µs for a record
 *        of produce's, 227 bytes).
 *
 * Verdicts are jansson's (json_loadb, flags 0), so a record is accepted or
 * refused exactly as jansson would: an object or array at the top and
 * nothing after it but space, tab, CR and LF (so \v and \f are refused),
 * jansson's number grammar with strtoll's and strtod's ranges (LLONG_MIN
 * taken, an overflowing real refused), UTF-8 as utf8_check_full takes it,
 * surrogate escapes in pairs only, no \u0000, nesting up to 2048. A
 * duplicate key keeps its first place and takes the last value, as
 * json_object_set does. tests/unit/0019-doc.c holds the parser to jansson's
 * verdicts and output on the bad record classes and 400,000 mutated
 * records (both string scans: SSE2 and portable), fuzz/fuzz_record.c on
 * what libFuzzer finds.
 *
 * Strings are not NUL-terminated (they point into the record when they had
 * no escapes); keys never hold a NUL (jansson refuses them).
 */
#ifndef IB_DOC_H
#define IB_DOC_H

#include <jansson.h> /* json_type: a node's type is jansson's, so code can serve both */
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

typedef struct ib_doc_s ib_doc_t;
struct ib_doc_index_s;
struct ib_doc_s {
        json_type type;
        const char *key;  /* a member's key, or NULL in an array or at the top */
        size_t klen;
        ib_doc_t *next;   /* the next member or element */
        union {
                struct {
                        const char *s;
                        size_t len;
                } str;
                long long i;
                double d;
                struct {
                        ib_doc_t *first, *last;
                        size_t n;
                        struct ib_doc_index_s *index; /* an object of many members: its keys hashed (doc.c) */
                } kids; /* an object's members, an array's elements, in order */
        } u;
};

typedef struct ib_doc_parser_s ib_doc_parser_t;

/** @brief A parser; one per thread, reused for every record. NULL on ENOMEM. */
ib_doc_parser_t *ib_doc_parser_new(void);
void ib_doc_parser_destroy(ib_doc_parser_t *p);

/**
 * @brief Parses @p text into nodes allocated in @p arena (valid until its
 *        reset; the record's bytes must outlive them too).
 * @returns the top-level object or array; NULL with @p reason ("invalid
 *          JSON at byte N: ...") when jansson would refuse the text, or
 *          "out of memory".
 */
ib_doc_t *ib_doc_parse(ib_doc_parser_t *p, ib_arena_t *arena, const char *text, size_t len, char *reason,
                       size_t reason_size);

/** @brief An object's member named @p key (the last of duplicates: there is one), or NULL. */
const ib_doc_t *ib_doc_get(const ib_doc_t *obj, const char *key, size_t klen);

/** @brief The hash of a key that an object's index uses (FNV-1a, mixed). */
uint64_t ib_doc_key_hash(const char *key, size_t n);

#endif
