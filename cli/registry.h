/**
 * @file registry.h
 * @brief The modes `--mode` can name (registry.c), as a library of its own
 *        so that the chaos harness's tests check scenarios against the
 *        real option tables.
 */
#ifndef IB_REGISTRY_H
#define IB_REGISTRY_H

#include "mode.h"

/** @brief The modes, NULL-terminated. */
extern const ib_mode_t *const ib_modes[];

/** @returns the mode named @p name, or NULL. */
const ib_mode_t *ib_mode_find(const char *name);

#endif
