/**
 * @file group.h
 * @brief What every consumer-group mode shares (receiver, async-commit):
 *        the group generation, one rebalance event schema, and assigning the
 *        way the protocol in use demands.
 *
 * One schema, so the chaos harness and humans read every mode's event log
 * alike:
 *
 *     {"event":"rebalance","kind":"assign|revoke|lost","generation":G,
 *      "member":"...","protocol":"eager|cooperative","partitions":[...]}
 *
 * `partitions` holds numbers, or objects {partition, offset, error} when the
 * offsets matter (the offsets a member starts from).
 */
#ifndef IB_GROUP_H
#define IB_GROUP_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdint.h>

#include "errors.h"
#include "eventlog.h"
#include "kafka.h"

/**
 * @brief The member's group generation, -1 before the first join or when
 *        unknown. librdkafka 2.0.2 has no getter; its serialized group
 *        metadata ("CGMDv2:" + int32 generation + ids) carries it, and any
 *        other format gives -1 rather than a guess.
 */
int32_t ib_group_generation(rd_kafka_t *rk);

/** @brief A partition list as JSON: numbers, or {partition, offset, error}. */
json_t *ib_group_parts_json(const rd_kafka_topic_partition_list_t *l, int with_offsets);

/**
 * @brief Emits the rebalance event for a rebalance callback's @p err and
 *        @p parts; @p cooperative as ib_group_consumer_new() told.
 * @returns "assign", "revoke" or "lost" (a revoke of an assignment the group
 *          already took away).
 */
const char *ib_group_rebalance_event(ib_eventlog_t *ev, rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                     const rd_kafka_topic_partition_list_t *parts, int with_offsets,
                                     int cooperative);

/** A consumer-group member's callbacks (rebalance required, commit may be NULL). */
typedef void ib_group_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                   rd_kafka_topic_partition_list_t *parts, void *opaque);
typedef void ib_group_commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t *offsets, void *opaque);

/**
 * @brief Creates a consumer-group member: bootstrap, the caller's
 *        @p settings (key, value pairs, NULL-terminated; group.id among
 *        them), then -X @p props; the callbacks with @p opaque; its main
 *        queue routed to the consumer queue, so callbacks are served by
 *        rd_kafka_consumer_poll() in the polling thread. *@p cooperative
 *        says whether the group runs the cooperative protocol, known from the
 *        configured assignor: rd_kafka_rebalance_protocol() must not be
 *        asked from a rebalance callback, where it waits on the group thread
 *        (forever during close, librdkafka #4041) or returns NULL.
 */
ib_err_t ib_group_consumer_new(const char *brokers, const char *const *settings, const ib_props_t *props,
                               ib_group_rebalance_cb *rebalance, ib_group_commit_cb *commit, void *opaque,
                               rd_kafka_t **out, int *cooperative, char *errstr, size_t errstr_size);

/**
 * @brief The lag of a group member's assignment: for each assigned
 *        partition, the high watermark (asked of its leader, @p timeout_ms)
 *        minus the member's position (its committed offset before it
 *        consumed anything), into @p lag keyed by partition. *@p caught_up is
 *        1 when every lag is 0 and every query answered. Not from a callback.
 */
void ib_group_lag(rd_kafka_t *rk, const char *topic, int timeout_ms, json_t *lag, int *caught_up);

/** @brief Applies a rebalance callback's assignment or revocation, with the
 *         incremental calls under the cooperative protocol. */
void ib_group_apply(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                    int cooperative);

#endif
