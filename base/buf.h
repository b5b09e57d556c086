/**
 * @file buf.h
 * @brief A growable byte buffer, reused across batches so the hot path does
 *        not allocate per record (it grows to the largest batch, then stays).
 */
#ifndef IB_BUF_H
#define IB_BUF_H

#include <stddef.h>
#include <string.h>

typedef struct ib_buf_s {
        char *data;  /**< bytes; always NUL-terminated after ib_buf_* calls */
        size_t len;  /**< bytes used, excluding the terminator */
        size_t cap;  /**< bytes allocated */
} ib_buf_t;

/** @brief Grows the memory to hold @p extra more bytes (the slow path of
 *         ib_buf_reserve). @returns 0 or -1 on ENOMEM. */
int ib_buf_grow(ib_buf_t *buf, size_t extra);
/** @brief Makes room for @p extra more bytes. @returns 0 or -1 on ENOMEM. */
static inline int ib_buf_reserve(ib_buf_t *buf, size_t extra) {
        return buf->len + extra + 1 <= buf->cap ? 0 : ib_buf_grow(buf, extra);
}
/** @brief Appends @p len bytes (inline: the serializer's hot path appends
 *         a few bytes at a time). @returns 0 or -1 on ENOMEM. */
static inline int ib_buf_append(ib_buf_t *buf, const void *data, size_t len) {
        if (ib_buf_reserve(buf, len) != 0)
                return -1;
        memcpy(buf->data + buf->len, data, len);
        buf->len += len;
        buf->data[buf->len] = '\0';
        return 0;
}
/** @brief Appends a printf-formatted string. @returns 0 or -1 on ENOMEM. */
int ib_buf_printf(ib_buf_t *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** @brief Forgets the contents, keeps the memory. */
static inline void ib_buf_reset(ib_buf_t *buf) {
        buf->len = 0;
        if (buf->data)
                buf->data[0] = '\0';
}
/** @brief Frees the memory. */
void ib_buf_free(ib_buf_t *buf);

#endif
