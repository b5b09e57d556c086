/**
 * @file direct.h
 * @brief The direct mode: no receiver; each batch reads exactly the offset
 *        ranges [from, until) pinned in ZooKeeper, processes them, then
 *        stores the new offsets in ZooKeeper with fencing (zkstore.h).
 */
#ifndef IB_DIRECT_H
#define IB_DIRECT_H

#include "mode.h"

extern const ib_mode_t ib_mode_direct;

#endif
