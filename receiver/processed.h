/**
 * @file processed.h
 * @brief The receiver's processed position in its write-ahead log and its
 *        dedup table: the highest offset processed per partition, so that
 *        after a crash each partition resumes past what the log holds
 *        (--wal-dedup).
 */
#ifndef IB_PROCESSED_H
#define IB_PROCESSED_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "wal.h"

#define IB_PROCESSED_MAX_PARTITIONS 4096

typedef struct ib_processed_s {
        ib_wal_pos_t pos;      /**< first log byte not processed (segment 0: nothing yet) */
        uint64_t batch;        /**< last processed batch */
        int npartitions;       /**< entries used in high[] */
        int64_t high[IB_PROCESSED_MAX_PARTITIONS]; /**< highest processed offset per partition, -1 none */
} ib_processed_t;

void ib_processed_init(ib_processed_t *p);

/** @brief Loads DIR/processed. A missing file is a fresh start (IB_OK);
 *         a damaged one is IB_ERR_CORRUPT naming the file. */
ib_err_t ib_processed_load(const char *dir, ib_processed_t *p, char *errstr, size_t errstr_size);

/** @brief Replaces DIR/processed atomically. */
ib_err_t ib_processed_store(const char *dir, const ib_processed_t *p, char *errstr, size_t errstr_size);

#endif
