/*
 * arena.c: a bump allocator; see arena.h. Chunks are kept across resets, so
 * a steady state of equal batches allocates nothing.
 */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>

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
        for (chunk_t *c = a->head, *n; c; c = n) {
                n = c->next;
                free(c);
        }
        free(a);
}

void ib_arena_reset(ib_arena_t *a) {
        for (chunk_t *c = a->head; c; c = c->next)
                c->used = 0;
        a->cur = a->head;
        a->used = 0;
}

size_t ib_arena_used(const ib_arena_t *a) { return a->used; }

void *ib_arena_alloc(ib_arena_t *a, size_t n) {
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
