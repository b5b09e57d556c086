/*
 * registry.c: the modes `--mode` can name. A new mode adds one X(NAME) line
 * to IB_MODES: it declares `extern const ib_mode_t ib_mode_NAME` and lists it.
 * The order is the order of help text and of `bench`'s default modes.
 */
#include <string.h>

#include "registry.h"

#define IB_MODES(X) \
        X(direct)   \
        X(receiver) \
        X(async_commit) \
        X(checkpoint) \
        X(transactional)

#define IB_MODE_DECLARE(name) extern const ib_mode_t ib_mode_##name;
#define IB_MODE_ENTRY(name) &ib_mode_##name,

IB_MODES(IB_MODE_DECLARE)

const ib_mode_t *const ib_modes[] = {IB_MODES(IB_MODE_ENTRY) NULL};

const ib_mode_t *ib_mode_find(const char *name) {
        for (int i = 0; ib_modes[i]; i++)
                if (!strcmp(ib_modes[i]->name, name))
                        return ib_modes[i];
        return NULL;
}

int ib_mode_count(void) { return (int)(sizeof(ib_modes) / sizeof(ib_modes[0])) - 1; }
