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
 *      "member":"...","protocol":"eager|cooperative|consumer","partitions":[...]}
 * (under the consumer protocol G is the member epoch, which librdkafka keeps
 * where the classic protocol keeps the generation)
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
#include "options.h"

/** Which rebalance protocol a member runs: the classic protocol with an
 *  eager or a cooperative assignor, or the consumer protocol (KIP-848,
 *  librdkafka >= 2.12, Kafka >= 4.0), whose assignments are incremental. */
typedef enum { IB_REBALANCE_EAGER, IB_REBALANCE_COOPERATIVE, IB_REBALANCE_CONSUMER } ib_rebalance_t;

/** @returns "eager", "cooperative" or "consumer": the rebalance event's "protocol". */
const char *ib_rebalance_name(ib_rebalance_t p);

/** A group member's options, shared by the group modes (IB_OPT_INCLUDE of
 *  ib_group_options): --group-protocol, --assignor, --remote-assignor,
 *  --group-instance-id. */
typedef struct ib_group_conf_s {
        int protocol;                   /**< 0 classic, 1 consumer (ib_group_protocol_names) */
        int assignor;                   /**< classic: index in ib_group_assignor_names */
        const char *remote_assignor;    /**< consumer: "uniform" or "range"; NULL: the broker's choice */
        const char *group_instance_id;  /**< static membership; NULL: dynamic */
} ib_group_conf_t;

extern const char *const ib_group_protocol_names[];
extern const char *const ib_group_assignor_names[];
extern const ib_option_t ib_group_options[];

/** @brief Refuses options that belong to the other protocol (--assignor other
 *         than the default with consumer, --remote-assignor with classic).
 *         IB_ERR_INVALID_ARG with one line. */
ib_err_t ib_group_conf_check(const ib_group_conf_t *g, char *errstr, size_t errstr_size);

/** @brief The protocol @p g runs. */
ib_rebalance_t ib_group_rebalance_of(const ib_group_conf_t *g);

/**
 * @brief The member's group generation, -1 before the first join or when
 *        unknown. librdkafka 2.0.2 has no getter; its serialized group
 *        metadata ("CGMDv2:" + int32 generation + ids) carries it, and any
 *        other format gives -1 rather than a guess.
 */
int32_t ib_group_generation(rd_kafka_t *rk);

/**
 * @brief The generation for use in callbacks: asked of librdkafka and kept
 *        in *@p last, except while @p closing, when it is *@p last.
 *        rd_kafka_consumer_group_metadata() waits on the group thread, which
 *        may never answer a callback run inside rd_kafka_consumer_close()
 *        (librdkafka #4041, the same wait as rd_kafka_rebalance_protocol()).
 */
int32_t ib_group_generation_safe(rd_kafka_t *rk, int32_t *last, int closing);

/** @brief A partition list as JSON: numbers, or {partition, offset, error}. */
json_t *ib_group_parts_json(const rd_kafka_topic_partition_list_t *l, int with_offsets);

/**
 * @brief Emits the rebalance event for a rebalance callback's @p err and
 *        @p parts; @p protocol as ib_group_consumer_new() told, @p
 *        generation from ib_group_generation_safe(); while @p closing the
 *        member id is not asked (it is "").
 * @returns "assign", "revoke" or "lost" (a revoke of an assignment the group
 *          already took away).
 */
const char *ib_group_rebalance_event(ib_eventlog_t *ev, rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                     const rd_kafka_topic_partition_list_t *parts, int with_offsets,
                                     ib_rebalance_t protocol, int32_t generation, int closing);

/**
 * What a member gave up: partitions revoked or lost in a generation. Under
 * the eager protocol every rebalance revokes everything, so a partition is
 * reported as fenced only when the next assignment does not give it back:
 *
 *     {"event":"fenced","partition":P,"generation":G,"by_generation":G2,
 *      "reason":"revoke|lost"}
 *
 * Used from the rebalance callback only (one thread).
 */
typedef struct ib_group_losses_s {
        int32_t *partition;
        int32_t *generation;
        char *lost;
        size_t n, cap;
} ib_group_losses_t;

/** @brief Notes the partitions of a revoke (@p lost: the group already took
 *         them) in @p generation. */
void ib_group_note_revoke(ib_group_losses_t *l, const rd_kafka_topic_partition_list_t *parts, int32_t generation,
                          int lost);

/** @brief At an assignment in @p generation: a fenced event for each noted
 *         partition that @p assigned does not hold; forgets them all. */
void ib_group_report_fenced(ib_group_losses_t *l, ib_eventlog_t *ev, const rd_kafka_topic_partition_list_t *assigned,
                            int32_t generation);

void ib_group_losses_free(ib_group_losses_t *l);

/** A consumer-group member's callbacks (rebalance required, commit may be NULL). */
typedef void ib_group_rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                   rd_kafka_topic_partition_list_t *parts, void *opaque);
typedef void ib_group_commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t *offsets, void *opaque);

/**
 * @brief Creates a consumer-group member: bootstrap, the caller's
 *        @p settings (key, value pairs, NULL-terminated; group.id among
 *        them), the protocol and membership of @p group, then -X @p props;
 *        the callbacks with @p opaque; its main queue routed to the consumer
 *        queue, so callbacks are served by rd_kafka_consumer_poll() in the
 *        polling thread. *@p protocol is the protocol the member runs, known
 *        from its configuration (group.protocol, then the assignor):
 *        rd_kafka_rebalance_protocol() must not be asked from a rebalance
 *        callback, where it waits on the group thread (forever during close,
 *        librdkafka #4041) or returns NULL. A client that does not know
 *        group.protocol (before 2.10) is refused with the version it is.
 */
ib_err_t ib_group_consumer_new(const char *brokers, const char *const *settings, const ib_group_conf_t *group,
                               const ib_props_t *props, ib_group_rebalance_cb *rebalance, ib_group_commit_cb *commit,
                               void *opaque, rd_kafka_t **out, ib_rebalance_t *protocol, char *errstr,
                               size_t errstr_size);

/**
 * @brief Subscribes member @p rk to @p topic and logs it:
 *
 *     {"event":"subscribe","group_protocol":"classic|consumer","assignor":...,
 *      "remote_assignor":...,"group_instance_id":...,"partitions":N, EXTRA...}
 *
 * @p extra: the mode's own fields (stolen; may be NULL). IB_ERR_KAFKA when
 * the client refuses the subscription.
 */
ib_err_t ib_group_subscribe(rd_kafka_t *rk, const char *topic, const ib_group_conf_t *group, ib_rebalance_t protocol,
                            int partitions, ib_eventlog_t *ev, json_t *extra, char *errstr, size_t errstr_size);

/**
 * @brief The lag of a group member's assignment: for each assigned
 *        partition, the high watermark (asked of its leader, @p timeout_ms)
 *        minus the member's position, into @p lag keyed by partition. The
 *        position is the furthest of: the last offset the member received
 *        + 1 (stale when a partition came back after another member consumed
 *        it to its end), where it started, @p start[p] (@p nstart entries,
 *        -1 unknown; a member keeping its offsets outside Kafka knows it),
 *        and the group's committed offset. *@p caught_up is
 *        1 when every lag is 0 and every query answered; the first query
 *        that fails ends the measurement (one timeout at most, not one per
 *        partition). Not from a callback.
 */
void ib_group_lag(rd_kafka_t *rk, const char *topic, int timeout_ms, const int64_t *start, int nstart, json_t *lag,
                  int *caught_up);

/**
 * @brief Leaves the group (rd_kafka_consumer_close), waiting at most
 *        @p budget_ms. librdkafka 2.0.2 can wait forever inside close: when
 *        a commit made during close is refused (UNKNOWN_MEMBER_ID), it
 *        starts a "lost" rebalance whose assign(NULL) waits for a group
 *        thread that has already terminated (seen in 0108, 1 run in ~10).
 *        Past the budget the close is left running on its own thread, an
 *        event "close_timeout" and one line on stderr say so, and the
 *        caller must not destroy @p rk (it leaks until the process exits;
 *        what was committed stays committed). Callbacks run on that thread
 *        while the caller waits.
 * @returns 0 when closed, -1 when given up.
 */
int ib_group_close(rd_kafka_t *rk, int budget_ms, ib_eventlog_t *ev);

/** @brief Applies a rebalance callback's assignment or revocation, with the
 *         incremental calls under the cooperative and consumer protocols. */
void ib_group_apply(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                    ib_rebalance_t protocol);

#endif
