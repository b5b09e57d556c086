/*
 * json_arena.c: jansson's allocation hooks; see json_arena.h.
 *
 * Layout of every allocation: [tag (16 bytes)][user bytes]. The tag's first
 * word says ARENA or HEAP; 16 bytes keep the user pointer max-aligned.
 */
#include "json_arena.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#define TAG_SIZE 16
#define TAG_HEAP 0x48454150u  /* "HEAP" */
#define TAG_ARENA 0x4152454eu /* "AREN" */

static _Thread_local ib_arena_t *ib_arena_current;

void ib_arena_activate(ib_arena_t *a) { ib_arena_current = a; }

static void *ib_json_malloc(size_t n) {
        unsigned char *p;
        if (ib_arena_current) {
                p = ib_arena_alloc(ib_arena_current, n + TAG_SIZE);
                if (!p)
                        return NULL;
                *(uint32_t *)p = TAG_ARENA;
        } else {
                p = malloc(n + TAG_SIZE);
                if (!p)
                        return NULL;
                *(uint32_t *)p = TAG_HEAP;
        }
        return p + TAG_SIZE;
}

static void ib_json_free(void *ptr) {
        if (!ptr)
                return;
        unsigned char *p = (unsigned char *)ptr - TAG_SIZE;
        if (*(uint32_t *)p == TAG_HEAP)
                free(p);
        /* arena memory is released by ib_arena_reset() */
}

void ib_arena_install(void) {
        json_malloc_t cur_malloc;
        json_free_t cur_free;
        json_get_alloc_funcs(&cur_malloc, &cur_free);
        if (cur_malloc != ib_json_malloc)
                json_set_alloc_funcs(ib_json_malloc, ib_json_free);
}

void ib_json_free_str(char *s) {
        json_free_t f;
        json_get_alloc_funcs(NULL, &f);
        f(s);
}
