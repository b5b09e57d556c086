/*
 * buf.c: growable byte buffer. Doubling growth; the memory is kept by
 * ib_buf_reset so steady-state batches append without allocating.
 */
#include "buf.h"

#include "array.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ib_buf_grow(ib_buf_t *buf, size_t extra) {
        return ib_array_grow(&buf->data, &buf->cap, buf->len + extra + 1, 1, 4096) == IB_OK ? 0 : -1;
}

int ib_buf_printf(ib_buf_t *buf, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = buf->cap > buf->len ? buf->cap - buf->len : 0;
        int n = vsnprintf(room ? buf->data + buf->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -1;
        if ((size_t)n >= room) {
                if (ib_buf_reserve(buf, (size_t)n) != 0)
                        return -1;
                va_start(ap, fmt);
                vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
                va_end(ap);
        }
        buf->len += (size_t)n;
        return 0;
}

void ib_buf_free(ib_buf_t *buf) {
        free(buf->data);
        buf->data = NULL;
        buf->len = buf->cap = 0;
}
