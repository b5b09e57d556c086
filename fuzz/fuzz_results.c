/* fuzz_results: the results reader of `report` and `compare`: a file it
 * accepts goes through the per-mode verdict, `compare` against itself (which
 * must pass: nothing regressed) and a report of tables (no gnuplot here). */
#include "fuzz.h"

#include "compare.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > (1u << 20))
                return 0;
        char path[600], out[600], err[1024];
        ib_fuzz_clear();
        ib_fuzz_write("results.json", data, size);
        snprintf(path, sizeof(path), "%s/results.json", ib_fuzz_dir());
        snprintf(out, sizeof(out), "%s/report", ib_fuzz_dir());
        const char *paths[1] = {path};
        ib_result_set_t set = {0};
        if (ib_result_set_load(paths, 1, &set, err, sizeof(err)) == IB_OK) {
                ib_mode_safety_t ms[16];
                ib_mode_safety(&set, ms, 16);
                ib_check_t *checks = NULL;
                size_t n = ib_compare(&set, &set, 10, &checks);
                for (size_t i = 0; i < n; i++) {
                        if (!checks[i].pass && checks[i].gate)
                                fprintf(stderr, "check '%s': baseline %s, current %s, limit %s\n", checks[i].name,
                                        checks[i].baseline, checks[i].current, checks[i].limit);
                        IB_FUZZ_ASSERT(checks[i].pass || !checks[i].gate);
                }
                free(checks);
                IB_FUZZ_ASSERT(ib_report_write(&set, out, NULL, err, sizeof(err)) == IB_OK);
        }
        ib_result_set_free(&set);
        return 0;
}
