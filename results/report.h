/**
 * @file report.h
 * @brief `ingestbench report`: report.md and a self-contained report.html
 *        from a set of results files alone, with gnuplot's SVG charts,
 *        opening with the verdict table (per mode: the guarantee observed
 *        under faults, worst duplicate and loss rates, throughput ratio,
 *        p99 latency, worst recovery, write amplification; each cell links
 *        to the run that produced it).
 */
#ifndef IB_REPORT_H
#define IB_REPORT_H

#include "compare.h"
#include "errors.h"

/**
 * @brief Writes OUT/report.md, OUT/report.html, and OUT/charts/ (SVG, the
 *        gnuplot scripts and their data). @p gnuplot: the program, or NULL
 *        for no charts (a report of tables only).
 */
ib_err_t ib_report_write(const ib_result_set_t *set, const char *out_dir, const char *gnuplot, char *errstr,
                         size_t errstr_size);

#endif
