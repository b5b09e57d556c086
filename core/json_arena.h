/**
 * @file json_arena.h
 * @brief Routes jansson's allocations into a per-batch arena (base/arena.h).
 *
 * jansson allocates for every value it parses or builds. Routed through
 * json_set_alloc_funcs() to an arena, a batch's thousands of small
 * allocations become pointer bumps, and freeing the whole batch is one
 * reset. Each allocation carries a 16-byte tag saying whether it came from an
 * arena or from malloc, so a value created outside any arena (a schema, a
 * config) is freed normally even while an arena is active.
 *
 * The active arena is per thread. Rule: no jansson value made inside an
 * arena may be used after ib_arena_reset() of that arena.
 */
#ifndef IB_JSON_ARENA_H
#define IB_JSON_ARENA_H

#include "arena.h"

/**
 * @brief Routes jansson's allocations through ingestbench. Call it first in
 *        main(), before any jansson value exists: a value malloc'd before it
 *        cannot be freed after it. Idempotent. Strings from json_dumps() must
 *        then be freed with ib_json_free_str(), not free().
 */
void ib_arena_install(void);

/** @brief Makes @p arena the current thread's arena for jansson (NULL: plain malloc). */
void ib_arena_activate(ib_arena_t *arena);

/** @brief Frees a string returned by json_dumps(). */
void ib_json_free_str(char *s);

#endif
