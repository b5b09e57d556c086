/**
 * @file zkstore.h
 * @brief Partition ownership and offsets in ZooKeeper, with fencing.
 *
 * Layout under /ingestbench/<group>:
 *   workers/w-NNNNNNNNNN        ephemeral sequential, one per live worker
 *   locks/<topic>/<p>           ephemeral: who holds partition p now
 *   owners/<topic>/<p>          persistent; its VERSION is the ownership epoch,
 *                               bumped by every claim (the fencing token)
 *   offsets/<topic>/<p>         persistent JSON: {"offset": next offset to
 *                               process, "next_until": end of the range pinned
 *                               for the next batch, range metadata...}
 *
 * A claim is one zoo_multi: create the lock, set the owner node (bumping the
 * epoch) and create or set the offset node with the pinned first range. A
 * commit is one zoo_multi for the whole batch: per partition, check the owner
 * node still has our epoch, and set the offset node at its expected version.
 * A worker that lost a partition (a paused zombie whose session expired and
 * whose partition was claimed again) fails the check and stores nothing.
 *
 * Thread: one thread per store.
 */
#ifndef IB_ZKSTORE_H
#define IB_ZKSTORE_H

#include <stdint.h>

#include "errors.h"
#include "zk.h"

typedef struct ib_zkstore_s ib_zkstore_t;

/** What ZooKeeper says of one partition. */
typedef struct ib_zkpos_s {
        int locked;          /**< a lock node exists (someone holds it) */
        int locked_by_us;    /**< ... and it belongs to this store's session */
        int owner_version;   /**< owners/<p> version (the current epoch) */
        int offset_version;  /**< offsets/<p> version; -1: no node yet */
        int64_t offset;      /**< stored next offset; -1: none */
        int64_t next_until;  /**< pinned end of the next range; -1: none */
        int stored_epoch;    /**< epoch of the worker that stored it; -1: none */
        int64_t stored_batch; /**< its batch number; -1: none */
} ib_zkpos_t;

/** One partition's part of a commit. */
typedef struct ib_zkcommit_s {
        int32_t partition;
        int epoch;           /**< owner version we hold */
        int offset_version;  /**< expected offsets/<p> version (-1: create) */
        int64_t offset;      /**< new next offset */
        int64_t next_until;  /**< pinned end of the next range */
        int64_t prev_from;   /**< range just processed: from */
        uint64_t batch;      /**< batch sequence number */
        int new_version;     /**< out: offsets/<p> version after success */
        int rc;              /**< out: ZooKeeper code of this partition's ops */
} ib_zkcommit_t;

/** @brief Connects (within @p connect_timeout_ms), creates the layout and
 *         registers this worker. */
ib_err_t ib_zkstore_open(const ib_zk_conf_t *zk, int connect_timeout_ms, const char *group,
                         const char *topic, int partitions, const char *worker, ib_zkstore_t **out,
                         char *errstr, size_t errstr_size);
void ib_zkstore_close(ib_zkstore_t *zs);

/** @brief Re-creates the session after expiry (and re-registers). */
ib_err_t ib_zkstore_reconnect(ib_zkstore_t *zs, char *errstr, size_t errstr_size);

/** @brief 1 once the session expired. */
int ib_zkstore_expired(ib_zkstore_t *zs);

/** @brief Number of live workers (children of workers/). */
ib_err_t ib_zkstore_live_workers(ib_zkstore_t *zs, int *count, char *errstr,
                                 size_t errstr_size);

/** @brief Reads partition @p p's lock, owner and offset nodes. */
ib_err_t ib_zkstore_peek(ib_zkstore_t *zs, int32_t p, ib_zkpos_t *pos,
                         char *errstr, size_t errstr_size);

/**
 * @brief Claims @p p as seen in @p pos, storing @p offset and the pinned
 *        @p next_until. On success *epoch and *offset_version hold our versions.
 * @returns IB_OK, IB_ERR_ZK_FENCED when another worker got there first.
 */
ib_err_t ib_zkstore_claim(ib_zkstore_t *zs, int32_t p, const ib_zkpos_t *pos,
                          int64_t offset, int64_t next_until, int *epoch,
                          int *offset_version, char *errstr, size_t errstr_size);

/** @brief Gives @p p up (deletes our lock). */
ib_err_t ib_zkstore_release(ib_zkstore_t *zs, int32_t p, char *errstr, size_t errstr_size);

/**
 * @brief Stores @p n partitions' offsets in one zoo_multi.
 * @returns IB_OK (all stored, new_version set), IB_ERR_ZK_FENCED (nothing
 *          stored; the fenced entries have rc ZBADVERSION or ZNONODE), or a
 *          session/connection error (nothing known to be stored).
 */
ib_err_t ib_zkstore_commit(ib_zkstore_t *zs, ib_zkcommit_t *c, int n, char *errstr,
                           size_t errstr_size);

/** @brief ZooKeeper session id for event logs. */
const char *ib_zkstore_session(ib_zkstore_t *zs, char out[32]);

#endif
