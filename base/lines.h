/**
 * @file lines.h
 * @brief The lines of a buffer (JSON Lines files, event logs), without
 *        copying: each non-empty line in turn, without its '\n'; a last line
 *        without one counts too.
 *
 *   ib_lines_t it = ib_lines(data, len);
 *   const char *line;
 *   size_t n;
 *   while (ib_lines_next(&it, &line, &n))
 *           use(line, n, (size_t)(line - data));  // its byte offset, for errors
 */
#ifndef IB_LINES_H
#define IB_LINES_H

#include <stddef.h>
#include <string.h>

typedef struct ib_lines_s {
        const char *p, *end;
} ib_lines_t;

static inline ib_lines_t ib_lines(const char *data, size_t len) { return (ib_lines_t){data, data + len}; }

/** @returns 1 with the next non-empty line in *@p line and its length in *@p len, 0 at the end. */
static inline int ib_lines_next(ib_lines_t *it, const char **line, size_t *len) {
        while (it->p < it->end) {
                const char *start = it->p, *nl = memchr(start, '\n', (size_t)(it->end - start));
                const char *stop = nl ? nl : it->end;
                it->p = nl ? nl + 1 : it->end;
                if (stop > start) {
                        *line = start;
                        *len = (size_t)(stop - start);
                        return 1;
                }
        }
        return 0;
}

#endif
