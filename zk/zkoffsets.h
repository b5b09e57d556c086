/**
 * @file zkoffsets.h
 * @brief The one ZooKeeper offset store, used by the direct mode (fenced by
 *        the ownership epoch) and by the receiver's --offsets zk (the old
 *        high-level consumer's /consumers/<group>/offsets/<topic> layout).
 *
 * A node per partition, DIR/<partition>, whose contents the caller encodes.
 * A batch's nodes are written in ONE zoo_multi, after any operations the
 * caller puts first (a claim's lock and owner); each node may be fenced by a
 * check of another node's version, so a worker that lost a partition stores
 * nothing.
 *
 * Thread: one thread per store.
 */
#ifndef IB_ZKOFFSETS_H
#define IB_ZKOFFSETS_H

#include <stdint.h>

#include "errors.h"
#include "zk.h"

/** Expected versions besides a real one (>= 0); neither is ZooKeeper's -1. */
#define IB_ZK_CREATE (-100)      /**< the node must not exist yet: create it */
#define IB_ZK_ANY_VERSION (-101) /**< whatever version it has; created if missing */

typedef struct ib_zkoffsets_s ib_zkoffsets_t;

/** One partition's node in a write. */
typedef struct ib_zkoffset_write_s {
        int32_t partition;
        const char *data;        /**< node contents */
        int len;
        int version;             /**< expected version, IB_ZK_CREATE or IB_ZK_ANY_VERSION */
        const char *fence_path;  /**< a node that must still have fence_version; NULL: none */
        int fence_version;
        int new_version;         /**< out: the node's version after success */
        int rc;                  /**< out: ZooKeeper code of this entry's operations */
} ib_zkoffset_write_t;

/** @brief A store of the nodes under @p dir (created if missing) on session @p zk. */
ib_err_t ib_zkoffsets_open(ib_zk_t *zk, const char *dir, ib_zkoffsets_t **out, char *errstr,
                           size_t errstr_size);
void ib_zkoffsets_close(ib_zkoffsets_t *o);

/** @brief Uses session @p zk from now on (after a reconnect). */
void ib_zkoffsets_set_session(ib_zkoffsets_t *o, ib_zk_t *zk);

/**
 * @brief Reads partition @p p's node into @p data (NUL-terminated, at most
 *        @p size - 1 bytes). *version is -1 when there is no node (IB_OK).
 */
ib_err_t ib_zkoffsets_read(ib_zkoffsets_t *o, int32_t p, char *data, int size, int *version,
                           char *errstr, size_t errstr_size);

/**
 * @brief Writes @p n nodes in one zoo_multi, after the caller's @p npre
 *        operations @p pre (may be NULL).
 * @returns IB_OK (every new_version set); IB_ERR_ZK_FENCED when a fence
 *          check, an expected version or a pre operation failed (nothing
 *          stored; the entries that failed have rc ZBADVERSION, ZNONODE or
 *          ZNODEEXISTS); or a session/connection error (nothing known to be
 *          stored).
 */
ib_err_t ib_zkoffsets_write(ib_zkoffsets_t *o, const zoo_op_t *pre, int npre, ib_zkoffset_write_t *w,
                            int n, char *errstr, size_t errstr_size);

#endif
