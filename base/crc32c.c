/*
 * crc32c.c: CRC32C. On x86-64 with SSE4.2 the crc32 instruction does 8 bytes
 * a step; elsewhere a slicing-by-8 table does. The choice is made once, at
 * first use, from cpuid (pthread_once: several threads may checksum).
 */
#include "crc32c.h"

#include <pthread.h>
#include <string.h>

static uint32_t table[8][256];
static int use_hw;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void table_init(void) {
        for (uint32_t i = 0; i < 256; i++) {
                uint32_t c = i;
                for (int k = 0; k < 8; k++)
                        c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
                table[0][i] = c;
        }
        for (uint32_t i = 0; i < 256; i++)
                for (int t = 1; t < 8; t++)
                        table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
#if defined(__x86_64__)
        __builtin_cpu_init();
        use_hw = __builtin_cpu_supports("sse4.2") ? 1 : 0;
#endif
}

static uint32_t crc_sw(uint32_t crc, const unsigned char *p, size_t len) {
        while (len >= 8) {
                uint64_t w;
                memcpy(&w, p, 8);
                w ^= crc;
                crc = table[7][w & 0xff] ^ table[6][(w >> 8) & 0xff] ^ table[5][(w >> 16) & 0xff] ^
                      table[4][(w >> 24) & 0xff] ^ table[3][(w >> 32) & 0xff] ^
                      table[2][(w >> 40) & 0xff] ^ table[1][(w >> 48) & 0xff] ^ table[0][w >> 56];
                p += 8;
                len -= 8;
        }
        while (len--)
                crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
        return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc, const unsigned char *p,
                                                         size_t len) {
        uint64_t c = crc;
        while (len >= 8) {
                uint64_t w;
                memcpy(&w, p, 8);
                c = __builtin_ia32_crc32di(c, w);
                p += 8;
                len -= 8;
        }
        uint32_t c32 = (uint32_t)c;
        while (len--)
                c32 = __builtin_ia32_crc32qi(c32, *p++);
        return c32;
}
#endif

uint32_t ib_crc32c_extend(uint32_t crc, const void *data, size_t len) {
        pthread_once(&init_once, table_init);
        crc = ~crc;
#if defined(__x86_64__)
        if (use_hw)
                return ~crc_hw(crc, data, len);
#endif
        return ~crc_sw(crc, data, len);
}
