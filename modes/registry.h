/**
 * @file registry.h
 * @brief The modes `--mode` can name (registry.c): the one list of the mode
 *        folders (direct/, receiver/, async-commit/, checkpoint/), a library
 *        of its own beside them, so that the command, the harness and the
 *        tests all see the same tables.
 */
#ifndef IB_REGISTRY_H
#define IB_REGISTRY_H

#include "mode.h"

/** @brief The modes, NULL-terminated. */
extern const ib_mode_t *const ib_modes[];

/** @returns the mode named @p name, or NULL. */
const ib_mode_t *ib_mode_find(const char *name);

/** @returns how many modes there are. */
int ib_mode_count(void);

#endif
