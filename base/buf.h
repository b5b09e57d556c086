/**
 * @file buf.h
 * @brief A growable byte buffer, reused across batches so the hot path does
 *        not allocate per record (it grows to the largest batch, then stays).
 */
#ifndef IB_BUF_H
#define IB_BUF_H

#include <stddef.h>

typedef struct ib_buf_s {
        char *data;  /**< bytes; always NUL-terminated after ib_buf_* calls */
        size_t len;  /**< bytes used, excluding the terminator */
        size_t cap;  /**< bytes allocated */
} ib_buf_t;

/** @brief Makes room for @p extra more bytes. @returns 0 or -1 on ENOMEM. */
int ib_buf_reserve(ib_buf_t *buf, size_t extra);
/** @brief Appends @p len bytes. @returns 0 or -1 on ENOMEM. */
int ib_buf_append(ib_buf_t *buf, const void *data, size_t len);
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
