/**
 * @file transform.h
 * @brief The transform stage: flatten nested objects into dotted keys and
 *        derive the event date (UTC, YYYY-MM-DD) from the event time in ms.
 */
#ifndef IB_TRANSFORM_H
#define IB_TRANSFORM_H

#include <jansson.h>
#include <stdint.h>

#include "errors.h"

/**
 * @brief Replaces every nested object member of @p obj, recursively, by its
 *        members under dotted names: {"a":{"b":1}} becomes {"a.b":1}. Arrays
 *        are kept as they are. Runs in the caller's arena.
 * @returns IB_OK, IB_ERR_NOMEM, or IB_ERR_INVALID_ARG when a flattened key
 *          would collide with an existing one or exceed 255 bytes.
 */
ib_err_t ib_transform_flatten(json_t *obj, char *reason, size_t reason_size);

/**
 * @brief Formats @p ms since the epoch as a UTC date ("YYYY-MM-DD") into @p out.
 * @returns 0; -1 (and @p out empty) when the date is not in years 0-9999:
 *          such a record gets no event_date.
 */
int ib_transform_date(int64_t ms, char out[11]);

/**
 * @brief The whole transform: flatten, then set "event_date" from the integer
 *        field @p time_field (ms). The event time is returned in @p event_ms
 *        (-1 when the field is absent or not an integer).
 */
ib_err_t ib_transform_apply(json_t *obj, const char *time_field,
                            int64_t *event_ms, char *reason, size_t reason_size);

#endif
