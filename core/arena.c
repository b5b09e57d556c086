/*
 * arena.c: per-batch bump allocator for jansson; see arena.h.
 *
 * Layout of every allocation: [tag (16 bytes)][user bytes]. The tag's first
 * word says ARENA or HEAP; 16 bytes keep the user pointer max-aligned.
 */
#include "arena.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#define TAG_SIZE 16
#define TAG_HEAP 0x48454150u  /* "HEAP" */
#define TAG_ARENA 0x4152454eu /* "AREN" */

typedef struct chunk_s {
        struct chunk_s *next;
        size_t size, used;
        _Alignas(16) unsigned char data[];
} chunk_t;

struct ib_arena_s {
        chunk_t *head;    /* first chunk; reused after reset */
        chunk_t *cur;     /* chunk being filled */
        size_t chunk_size;
        size_t used;
};

static _Thread_local ib_arena_t *ib_arena_current;

static chunk_t *chunk_new(size_t size) {
        chunk_t *c = malloc(sizeof(*c) + size);
        if (!c)
                return NULL;
        c->next = NULL;
        c->size = size;
        c->used = 0;
        return c;
}

ib_arena_t *ib_arena_new(size_t chunk_size) {
        ib_arena_t *a = calloc(1, sizeof(*a));
        if (!a)
                return NULL;
        a->chunk_size = chunk_size ? chunk_size : (1u << 20);
        a->head = a->cur = chunk_new(a->chunk_size);
        if (!a->head) {
                free(a);
                return NULL;
        }
        return a;
}

void ib_arena_destroy(ib_arena_t *a) {
        if (!a)
                return;
        if (ib_arena_current == a)
                ib_arena_current = NULL;
        for (chunk_t *c = a->head, *n; c; c = n) {
                n = c->next;
                free(c);
        }
        free(a);
}

void ib_arena_activate(ib_arena_t *a) { ib_arena_current = a; }

void ib_arena_reset(ib_arena_t *a) {
        for (chunk_t *c = a->head; c; c = c->next)
                c->used = 0;
        a->cur = a->head;
        a->used = 0;
}

size_t ib_arena_used(const ib_arena_t *a) { return a->used; }

static void *arena_alloc(ib_arena_t *a, size_t n) {
        n = (n + 15) & ~(size_t)15;
        chunk_t *c = a->cur;
        while (c->used + n > c->size) {
                if (c->next && n <= c->next->size) {
                        c = c->next; /* reuse a chunk kept from an earlier batch */
                        continue;
                }
                size_t size = n > a->chunk_size ? n : a->chunk_size;
                chunk_t *nc = chunk_new(size);
                if (!nc)
                        return NULL;
                nc->next = c->next; /* insert after c, keep the rest for reuse */
                c->next = nc;
                c = nc;
        }
        a->cur = c;
        void *p = c->data + c->used;
        c->used += n;
        a->used += n;
        return p;
}

static void *ib_json_malloc(size_t n) {
        unsigned char *p;
        if (ib_arena_current) {
                p = arena_alloc(ib_arena_current, n + TAG_SIZE);
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
