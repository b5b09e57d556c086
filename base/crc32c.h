/**
 * @file crc32c.h
 * @brief CRC32C (Castagnoli), with LevelDB's masking for stored checksums.
 */
#ifndef IB_CRC32C_H
#define IB_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/** @brief Extends @p crc (0 to start) over @p len bytes. */
uint32_t ib_crc32c_extend(uint32_t crc, const void *data, size_t len);

static inline uint32_t ib_crc32c(const void *data, size_t len) {
        return ib_crc32c_extend(0, data, len);
}

/** @brief The stored form of a CRC (see FORMAT.md): rotate right 15, add a constant. */
static inline uint32_t ib_crc32c_mask(uint32_t crc) {
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

static inline uint32_t ib_crc32c_unmask(uint32_t masked) {
        uint32_t rot = masked - 0xa282ead8u;
        return (rot >> 17) | (rot << 15);
}

#endif
