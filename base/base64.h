/**
 * @file base64.h
 * @brief Standard base64 (RFC 4648, with padding), for raw bytes in dead letters.
 */
#ifndef IB_BASE64_H
#define IB_BASE64_H

#include <stddef.h>

#include "buf.h"

/** @returns the encoded length of @p len bytes (without terminator). */
static inline size_t ib_base64_len(size_t len) { return (len + 2) / 3 * 4; }

/** @brief Appends the encoding of @p data to @p out. @returns 0 or -1 on ENOMEM. */
int ib_base64_append(ib_buf_t *out, const void *data, size_t len);

/**
 * @brief Decodes @p len characters into @p out (room for len/4*3 bytes).
 * @returns the decoded length, or -1 when the input is not valid base64.
 */
long ib_base64_decode(const char *in, size_t len, unsigned char *out);

#endif
