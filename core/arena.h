/**
 * @file arena.h
 * @brief A per-batch bump allocator that jansson allocates from.
 *
 * jansson allocates for every value it parses or builds. Routed through
 * json_set_alloc_funcs() to this arena, a batch's thousands of small
 * allocations become pointer bumps inside a few large chunks, and freeing the
 * whole batch is one reset. Each allocation carries a 16-byte tag saying
 * whether it came from an arena or from malloc, so a value created outside any
 * arena (a schema, a config) is freed normally even while an arena is active.
 *
 * The active arena is per thread (a later mode runs a receive thread and a
 * processor thread). Rule: no jansson value made inside an arena may be used
 * after ib_arena_reset() of that arena.
 */
#ifndef IB_ARENA_H
#define IB_ARENA_H

#include <stddef.h>

typedef struct ib_arena_s ib_arena_t;

/**
 * @brief Routes jansson's allocations through ingestbench. Call it first in
 *        main(), before any jansson value exists: a value malloc'd before it
 *        cannot be freed after it. Idempotent. Strings from json_dumps() must
 *        then be freed with ib_json_free_str(), not free().
 */
void ib_arena_install(void);

ib_arena_t *ib_arena_new(size_t chunk_size);
void ib_arena_destroy(ib_arena_t *arena);

/** @brief Makes @p arena the current thread's arena (NULL: plain malloc). */
void ib_arena_activate(ib_arena_t *arena);

/** @brief Forgets every allocation; keeps the chunks for the next batch. */
void ib_arena_reset(ib_arena_t *arena);

/** @brief Frees a string returned by json_dumps(). */
void ib_json_free_str(char *s);

/** @brief Bytes handed out since the last reset (for tests and stats). */
size_t ib_arena_used(const ib_arena_t *arena);

#endif
