/**
 * @file harness.h
 * @brief ingestbench's test harness: a few CHECK macros and a runner.
 *
 * Each test program (tests/unit/NNNN-name.c) lists its cases in main() with
 * IB_RUN(case); a failed CHECK prints file:line and what was compared, the
 * case goes on, and the program exits 1 if any check failed. Programs run
 * alone (./0001-hist) or under CTest.
 */
#ifndef IB_HARNESS_H
#define IB_HARNESS_H

#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int ib_test_failures;
static int ib_test_checks;

#define CHECK(cond)                                                                    \
        do {                                                                           \
                ib_test_checks++;                                                      \
                if (!(cond)) {                                                         \
                        fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                                #cond);                                                \
                        ib_test_failures++;                                            \
                }                                                                      \
        } while (0)

#define CHECK_INT(a, b)                                                                \
        do {                                                                           \
                long long _a = (long long)(a), _b = (long long)(b);                    \
                ib_test_checks++;                                                      \
                if (_a != _b) {                                                        \
                        fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", \
                                __FILE__, __LINE__, #a, #b, _a, _b);                   \
                        ib_test_failures++;                                            \
                }                                                                      \
        } while (0)

#define CHECK_STR(a, b)                                                                \
        do {                                                                           \
                const char *_a = (a), *_b = (b);                                       \
                ib_test_checks++;                                                      \
                if (!_a || !_b || strcmp(_a, _b)) {                                    \
                        fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n", \
                                __FILE__, __LINE__, #a, #b, _a ? _a : "(null)",        \
                                _b ? _b : "(null)");                                   \
                        ib_test_failures++;                                            \
                }                                                                      \
        } while (0)

#define IB_RUN(fn)                                                                     \
        do {                                                                           \
                int _before = ib_test_failures;                                        \
                fn();                                                                  \
                fprintf(stderr, "%s %s\n", ib_test_failures == _before ? "ok  " : "FAIL", #fn); \
        } while (0)

#define IB_DONE()                                                                      \
        (fprintf(stderr, "%d checks, %d failed\n", ib_test_checks, ib_test_failures),  \
         ib_test_failures ? 1 : 0)

/* A fresh temporary directory for a test; removed by ib_tmpdir_rm. */
static inline char *ib_tmpdir(char *buf, size_t size) {
        snprintf(buf, size, "/tmp/ib-test-XXXXXX");
        return mkdtemp(buf);
}

static inline int ib_rm_entry(const char *path, const struct stat *st, int flag,
                              struct FTW *ftw) {
        (void)st, (void)flag, (void)ftw;
        return remove(path);
}

static inline void ib_tmpdir_rm(const char *dir) {
        if (getenv("IB_KEEP")) { /* keep it for a look */
                fprintf(stderr, "kept %s\n", dir);
                return;
        }
        if (nftw(dir, ib_rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
                fprintf(stderr, "warning: could not remove %s\n", dir);
}

/* Flips one bit of the byte at @p at of @p path (damage for readers to find). */
static inline void ib_test_flip_bit(const char *path, off_t at) {
        int fd = open(path, O_RDWR);
        unsigned char c;
        CHECK(pread(fd, &c, 1, at) == 1);
        c ^= 0x10;
        CHECK(pwrite(fd, &c, 1, at) == 1);
        close(fd);
}

#endif
