/**
 * @file emit.h
 * @brief The pipeline's output line written straight from the parsed record
 *        (#11: parse once, no second tree, no json_dumpb): the record's
 *        members in order with nested objects flattened to "a.b" keys
 *        after them, then event_date, _partition and _offset. It is byte
 *        for byte what json_dumpb(JSON_COMPACT) gives for the tree that
 *        ib_transform_apply() builds, with the same refusals
 *        (tests/unit/0018-emit.c compares the two on a generated corpus).
 */
#ifndef IB_EMIT_H
#define IB_EMIT_H

#include <stdint.h>

#include "buf.h"
#include "doc.h"
#include "errors.h"

/**
 * @brief Appends the output line of @p obj (a parsed record, not
 *        transformed) to @p out, without the newline.
 * @param date the event date ("YYYY-MM-DD"), or NULL when the record has
 *        no event time.
 * @returns IB_OK; IB_ERR_INVALID_ARG with @p reason when flattening is
 *          refused (a key too long, a collision, too many nested objects),
 *          in the transform stage's words; IB_ERR_NOMEM.
 */
ib_err_t ib_emit_flat(ib_buf_t *out, const ib_doc_t *obj, const char *date, int32_t partition, int64_t offset,
                      char *reason, size_t reason_size);

/** @brief Appends @p v in jansson's compact form (json_dumpb, JSON_COMPACT). */
int ib_emit_value(ib_buf_t *out, const ib_doc_t *v);

#endif
