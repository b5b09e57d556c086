/**
 * @file checkpoint_mode.h
 * @brief The checkpoint mode: explicit partitions (--partitions, --worker
 *        I/N), offsets and pinned ranges in STATE-DIR/checkpoint (checkpoint.h).
 */
#ifndef IB_CHECKPOINT_MODE_H
#define IB_CHECKPOINT_MODE_H

#include "mode.h"

extern const ib_mode_t ib_mode_checkpoint;

#endif
