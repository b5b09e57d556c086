/**
 * @file schema.h
 * @brief Record validation against a JSON schema (the subset a record check
 *        needs): a top-level "type": "object", "required": [names], and
 *        "properties": {name: {...}} with "type" (T or [T, ...], T one of
 *        string, integer, number, boolean, object, array, null), "enum"
 *        (scalars), "minimum", "maximum", "minLength", "maxLength" (code
 *        points), "pattern" (POSIX extended, searched) and "format":
 *        "date-time" (RFC 3339). Every other keyword is refused with its JSON
 *        path; title, description, $comment, examples and default are
 *        annotations.
 *
 * The schema is compiled once into a flat field table; checking a record is a
 * lookup per field, with no allocation.
 */
#ifndef IB_SCHEMA_H
#define IB_SCHEMA_H

#include <jansson.h>
#include <stddef.h>

#include "doc.h"
#include "errors.h"

typedef struct ib_schema_s ib_schema_t;

/** The schema matching what `ingestbench produce` writes: core/record.schema.json,
 *  embedded at build time (schema_default.c is generated). */
extern const char ib_schema_default_json[];

/** @brief Compiles a schema from JSON text. NULL + errstr when it is not a usable schema. */
ib_err_t ib_schema_parse(const char *text, size_t len, const char *origin, ib_schema_t **out,
                         char *errstr, size_t errstr_size);

/** @brief Loads a schema file, or the default when @p path is NULL. */
ib_err_t ib_schema_load(const char *path, ib_schema_t **out, char *errstr, size_t errstr_size);

void ib_schema_destroy(ib_schema_t *schema);

/**
 * @brief Checks @p record. @returns IB_OK, or IB_ERR_SCHEMA with a reason such
 *        as "missing field 'ts'" or "field 'seq' is string, want integer".
 */
ib_err_t ib_schema_check(const ib_schema_t *schema, const json_t *record,
                         char *reason, size_t reason_size);

/** @brief The same check on the parse stage's tree (doc.h), with the same reasons. */
ib_err_t ib_schema_check_doc(const ib_schema_t *schema, const ib_doc_t *record, char *reason, size_t reason_size);

#endif
