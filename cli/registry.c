/*
 * registry.c: the modes `--mode` can name. A new mode adds its table here.
 */
#include <string.h>

#include "cli.h"
#include "checkpoint_mode.h"
#include "direct.h"
#include "kafkacommit.h"
#include "receiver.h"

const ib_mode_t *const ib_modes[] = {
    &ib_mode_direct,
    &ib_mode_receiver,
    &ib_mode_async_commit,
    &ib_mode_checkpoint,
    NULL,
};

const ib_mode_t *ib_mode_find(const char *name) {
        for (int i = 0; ib_modes[i]; i++)
                if (!strcmp(ib_modes[i]->name, name))
                        return ib_modes[i];
        return NULL;
}
