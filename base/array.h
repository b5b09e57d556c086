/**
 * @file array.h
 * @brief Growth by doubling for arrays kept across batches: they grow to the
 *        largest batch, then stay, so a steady state allocates nothing.
 */
#ifndef IB_ARRAY_H
#define IB_ARRAY_H

#include <stddef.h>

#include "errors.h"

/**
 * @brief Makes @p *items (an array of @p elem-byte elements with room for
 *        @p *cap) hold at least @p want elements, doubling from @p initial
 *        (or from *cap). Contents are kept.
 * @returns IB_OK, or IB_ERR_NOMEM with the array untouched.
 */
ib_err_t ib_array_grow(void *items, size_t *cap, size_t want, size_t elem, size_t initial);

#endif
