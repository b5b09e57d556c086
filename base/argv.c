/*
 * argv.c: a command line built by appending (argv.h).
 */
#define _GNU_SOURCE /* vasprintf */
#include "argv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

static void push(ib_argv_t *a, char *word) {
        if (!word || ib_array_grow(&a->v, &a->cap, a->n + 2, sizeof(*a->v), 16) != IB_OK) {
                free(word);
                a->oom = 1;
                return;
        }
        a->v[a->n++] = word;
        a->v[a->n] = NULL;
}

void ib_argv_add(ib_argv_t *a, const char *word) {
        if (word && !a->oom)
                push(a, strdup(word));
}

void ib_argv_add2(ib_argv_t *a, const char *flag, const char *value) {
        if (!value)
                return;
        ib_argv_add(a, flag);
        ib_argv_add(a, value);
}

void ib_argv_addf(ib_argv_t *a, const char *fmt, ...) {
        if (a->oom)
                return;
        va_list ap;
        va_start(ap, fmt);
        char *word = NULL;
        if (vasprintf(&word, fmt, ap) < 0)
                word = NULL;
        va_end(ap);
        push(a, word);
}

int ib_argv_failed(const ib_argv_t *a) { return a->oom; }

void ib_argv_free(ib_argv_t *a) {
        for (size_t i = 0; i < a->n; i++)
                free(a->v[i]);
        free(a->v);
        *a = (ib_argv_t)IB_ARGV_INIT;
}
