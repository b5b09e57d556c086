/**
 * @file arena.h
 * @brief A bump allocator for memory that lives exactly one batch.
 *
 * Allocation is a pointer bump inside a few large chunks; freeing the whole
 * batch is one reset, which keeps the chunks for the next batch. Every
 * allocation is 16-byte aligned. Not thread-safe: one arena per thread.
 * core/json_arena.h routes jansson's allocations into an arena.
 */
#ifndef IB_ARENA_H
#define IB_ARENA_H

#include <stddef.h>

typedef struct ib_arena_s ib_arena_t;

/** @brief A new arena whose chunks hold @p chunk_size bytes (0: 1 MiB). NULL on ENOMEM. */
ib_arena_t *ib_arena_new(size_t chunk_size);
void ib_arena_destroy(ib_arena_t *arena);

/** @brief @p n bytes, 16-byte aligned, valid until the next reset. NULL on ENOMEM. */
void *ib_arena_alloc(ib_arena_t *arena, size_t n);

/** @brief Forgets every allocation; keeps the chunks for the next batch. */
void ib_arena_reset(ib_arena_t *arena);

/** @brief Bytes handed out since the last reset (for tests and stats). */
size_t ib_arena_used(const ib_arena_t *arena);

#endif
