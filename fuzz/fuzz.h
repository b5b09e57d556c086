/* fuzz.h: what every fuzz target shares. Each target defines
 * LLVMFuzzerTestOneInput(); built with -DIB_FUZZ=ON (clang) it links
 * libFuzzer, otherwise replay.c's main() runs it over files, so that the
 * committed seeds and regression cases are replayed by a `unit` test on
 * every build. A target aborts on any disagreement it checks; the sanitizers
 * catch the rest. */
#ifndef IB_FUZZ_H
#define IB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A folder of this process's own for targets whose code under test reads
 * files: made once, on a RAM disk when there is one, removed at exit. */
const char *ib_fuzz_dir(void);

/* Writes @p size bytes to DIR/NAME (replacing it); aborts when it cannot. */
void ib_fuzz_write(const char *name, const void *data, size_t size);

/* Empties the folder (between inputs). */
void ib_fuzz_clear(void);

#define IB_FUZZ_ASSERT(cond)                                                                  \
        do {                                                                                  \
                if (!(cond)) {                                                                \
                        fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
                        abort();                                                              \
                }                                                                             \
        } while (0)

#endif
