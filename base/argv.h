/**
 * @file argv.h
 * @brief A command line built by appending, for fork/exec: every word is
 *        copied, so callers format values into stack buffers and forget
 *        them. Never counted positions, never a shell string.
 *
 *     ib_argv_t a = IB_ARGV_INIT;
 *     ib_argv_add(&a, self);
 *     ib_argv_add2(&a, "--topic", topic);
 *     ib_argv_addf(&a, "%d/%d", i, n);
 *     if (ib_argv_failed(&a)) ... out of memory
 *     execv(a.v[0], a.v);           // a.v ends with NULL
 *     ib_argv_free(&a);
 *
 * An allocation failure is remembered and makes later calls no-ops, so a
 * builder checks once, at the end.
 */
#ifndef IB_ARGV_H
#define IB_ARGV_H

#include <stddef.h>

typedef struct ib_argv_s {
        char **v;      /**< the words, NULL-terminated (NULL while empty) */
        size_t n, cap;
        int oom;       /**< an allocation failed: the line is incomplete */
} ib_argv_t;

#define IB_ARGV_INIT {NULL, 0, 0, 0}

/** @brief Appends a copy of @p word (NULL: nothing). */
void ib_argv_add(ib_argv_t *a, const char *word);

/** @brief Appends a flag and its value ("--topic", "t"), both or neither
 *         (@p value NULL: nothing). */
void ib_argv_add2(ib_argv_t *a, const char *flag, const char *value);

/** @brief Appends one word formatted with printf rules. */
void ib_argv_addf(ib_argv_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** @returns 1 when an allocation failed (the line must not be run). */
int ib_argv_failed(const ib_argv_t *a);

void ib_argv_free(ib_argv_t *a);

#endif
