/**
 * @file recovery.h
 * @brief Recovery time of one fault: from the moment it was applied to the
 *        end of the longest stall it caused on every partition it affected
 *        that still had records to deliver: the first progress (a batch)
 *        after the longest gap between batches that begins before the fault
 *        is healed (a fault without a duration: at the fault). A batch a
 *        worker had in hand right after the fault is not recovery. Affected: the partitions the target worker
 *        owned (worker faults), every partition (broker, ZooKeeper and
 *        rolling faults). Pure: read from the history alone.
 */
#ifndef IB_RECOVERY_H
#define IB_RECOVERY_H

#include <stdint.h>

#include "history.h"

typedef struct ib_recovery_s {
        int64_t recovery_ms;    /**< >= 0; IB_RECOVERY_NEVER; IB_RECOVERY_NONE (nothing was pending) */
        int affected;           /**< partitions affected with records pending */
        int32_t slowest;        /**< the partition that recovered last, -1 */
} ib_recovery_t;

#define IB_RECOVERY_NEVER (-1)
#define IB_RECOVERY_NONE (-2)

/**
 * @brief Computes the recovery of fault @p f.
 * @param end_offsets each partition's end offset after the run, @p nparts of them.
 */
void ib_recovery_compute(const ib_history_t *h, const ib_hfault_t *f, const int64_t *end_offsets, int nparts,
                         ib_recovery_t *out);

#endif
