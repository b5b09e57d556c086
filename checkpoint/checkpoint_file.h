/**
 * @file checkpoint_file.h
 * @brief The checkpoint file of checkpoint/FORMAT.md: encode (version 2),
 *        decode (versions 1 and 2), atomic store with a fallback, load.
 */
#ifndef IB_CHECKPOINT_FILE_H
#define IB_CHECKPOINT_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "errors.h"

#define IB_CKPT_VERSION 2
#define IB_CKPT_HEADER 20
#define IB_CKPT_MAX_PARTITIONS 4096

typedef struct ib_ckpt_part_s {
        int32_t partition;
        int64_t offset;      /**< next offset to process */
        int64_t next_until;  /**< end of the range pinned for the next batch */
} ib_ckpt_part_t;

typedef struct ib_checkpoint_s {
        uint32_t version;    /**< the version it was read in (written: 2) */
        char topic[256];
        char group[256];
        uint64_t batch;
        int64_t written_ms;
        int count;
        ib_ckpt_part_t parts[IB_CKPT_MAX_PARTITIONS];
} ib_checkpoint_t;

/** @brief Encodes @p c as a version-2 file image into @p out. */
ib_err_t ib_checkpoint_encode(const ib_checkpoint_t *c, ib_buf_t *out, char *errstr,
                              size_t errstr_size);

/**
 * @brief Decodes a file image of version 1 or 2.
 * @returns IB_OK, or IB_ERR_CORRUPT with "FILE: reason" in errstr.
 */
ib_err_t ib_checkpoint_decode(const char *data, size_t len, const char *file,
                              ib_checkpoint_t *c, char *errstr, size_t errstr_size);

/** @brief Reads and decodes @p path. IB_ERR_NOT_FOUND when it does not exist. */
ib_err_t ib_checkpoint_read(const char *path, ib_checkpoint_t *c, char *errstr,
                            size_t errstr_size);

/**
 * @brief Replaces DIR/checkpoint atomically, keeping the old one as
 *        DIR/checkpoint.prev (see FORMAT.md). Fault points: checkpoint.write,
 *        checkpoint.fsync, checkpoint.crash_before_rename (stops after the
 *        temporary file is durable, as a crash there would). @p written
 *        (may be NULL): the bytes of the file written.
 */
ib_err_t ib_checkpoint_store(const char *dir, const ib_checkpoint_t *c, size_t *written, char *errstr,
                             size_t errstr_size);

/** @brief The entry for @p partition, or NULL. */
const ib_ckpt_part_t *ib_checkpoint_find(const ib_checkpoint_t *c, int32_t partition);

#endif
