/*
 * array.c: growth by doubling; see array.h.
 */
#include "array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

ib_err_t ib_array_grow(void *items, size_t *cap, size_t want, size_t elem, size_t initial) {
        if (want <= *cap)
                return IB_OK;
        size_t c = *cap ? *cap : (initial ? initial : 16);
        while (c < want) {
                if (c > SIZE_MAX / 2 / elem)
                        return IB_ERR_NOMEM;
                c *= 2;
        }
        void *p;
        memcpy(&p, items, sizeof(p));
        void *n = realloc(p, c * elem);
        if (!n)
                return IB_ERR_NOMEM;
        memcpy(items, &n, sizeof(n));
        *cap = c;
        return IB_OK;
}
