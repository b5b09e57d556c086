/**
 * @file member.h
 * @brief What the modes that consume through a consumer group and poll on
 *        the runner's thread (async-commit, transactional) share around the
 *        client: its rebalance bookkeeping, which partitions it holds, and
 *        leaving the group.
 *
 * A mode's rebalance callback is
 *
 *     int lost = ib_member_rebalance_begin(&m, err, parts);
 *     ... the mode's own work (a commit on revoke, an abort on loss) ...
 *     ib_member_rebalance_end(&m, err, parts);
 *
 * begin logs the rebalance event (group.h), notes what was revoked or lost
 * and reports it fenced at the next assignment, and tells the runner the
 * member waits for its group; end records the assignment, applies it the
 * way the protocol demands and tells the runner of new partitions.
 *
 * Thread: the runner's (callbacks are served inside poll), or the close's.
 */
#ifndef IB_MEMBER_H
#define IB_MEMBER_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

#include "group.h"
#include "mode.h"

typedef struct ib_member_s {
        ib_mode_ctx_t *ctx;
        rd_kafka_t *rk;            /**< the consumer (ib_group_consumer_new) */
        ib_rebalance_t protocol;   /**< the group's protocol, from the configuration */
        int closing;               /**< inside rd_kafka_consumer_close(): callbacks ask the group thread nothing */
        int32_t generation;        /**< the last generation seen (ib_group_generation_safe) */
        ib_group_losses_t losses;  /**< revoked partitions, fenced unless assigned again */
        int nparts;                /**< the topic's partitions */
        char *assigned;            /**< per partition: held now */
        uint64_t rebalances;
} ib_member_t;

/** @brief After the consumer is made and the topic's partitions known: the
 *         per-partition table. IB_ERR_NOMEM. */
ib_err_t ib_member_init(ib_member_t *m, ib_mode_ctx_t *ctx, int nparts, char *errstr, size_t errstr_size);

/** @brief The first half of a rebalance callback. @returns 1 when the
 *         partitions were lost (the group took them already), else 0. */
int ib_member_rebalance_begin(ib_member_t *m, rd_kafka_resp_err_t err, const rd_kafka_topic_partition_list_t *parts);

/** @brief The second half: the partitions recorded and the assignment applied. */
void ib_member_rebalance_end(ib_member_t *m, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts);

/** @returns 1 when partition @p p is held now. */
static inline int ib_member_holds(const ib_member_t *m, int32_t p) {
        return p >= 0 && p < m->nparts && m->assigned && m->assigned[p];
}

/** @brief Leaves the group within @p budget_ms (ib_group_close) and frees
 *         what the member holds; the callbacks run meanwhile. */
void ib_member_close(ib_member_t *m, int budget_ms);

#endif
