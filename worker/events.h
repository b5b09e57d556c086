/**
 * @file events.h
 * @brief The events a mode writes for the checker, one typed helper each:
 *        the writing side of the vocabulary chaos/history.c reads. A mode
 *        writes these through the helpers, never as free-form JSON, so the
 *        names and fields the checker depends on are written in one place.
 *
 * Every line of the event log also carries "t_ms", "worker" and "event"
 * (core/eventlog.h). The runner writes "start" (mode, version, librdkafka:
 * the client's version, pid, config), "batch", "stop", "error" and "retry"
 * (worker/mode.c) itself; a group member's "rebalance" (kind
 * assign, revoke or lost; generation, member, protocol, partitions) comes
 * from kafka/group.c: protocol is eager or cooperative (the classic group
 * protocol) or consumer (KIP-848), and under the consumer protocol the
 * generation is the member epoch (so is a group mode's commit's
 * "generation"). What a mode adds:
 *
 *   event          fields                                           who
 *   assign         partition, epoch, from, until, inherited_range   a claim taken (ZooKeeper)
 *                  [, adopted: true when this session held it]
 *   revoke         partition, epoch, reason                         a claim given up
 *   fenced         partition, epoch, by_epoch (-1 unknown), reason  a claim lost to another
 *   commit         batch, how, generation, offsets[{partition,offset}]
 *                                                                   a commit requested; its
 *                                                                   outcome comes later
 *   commit_result  how, ok, [error,] generation, offsets            that outcome
 *   commit         batch, ok, error, partitions[{partition, epoch,  a commit with its outcome
 *                  offset, next_until, result}], multi_ms           (ZooKeeper multi)
 *   commit         batch, records, to, ok, [error,] offsets,        a commit with its outcome
 *                  commit_ms, attempts                              (Kafka or ZooKeeper)
 *   commit_landed  batch, partitions                                an unanswered multi found
 *                                                                   to have landed
 *   checkpoint     batch, ok                                        a local checkpoint stored
 *
 * "offset" is always the next offset to read (a range's until). A mode
 * with none of these (no commits the checker can see) still gets batches,
 * duplicates and loss checked from the sink and the topic.
 */
#ifndef IB_EVENTS_H
#define IB_EVENTS_H

#include <jansson.h>
#include <stdint.h>

#include "mode.h"

/* The names, shared with the reader (chaos/history.c). */
#define IB_EV_START "start"
#define IB_EV_STOP "stop"
#define IB_EV_ERROR "error"
#define IB_EV_RETRY "retry"
#define IB_EV_BATCH "batch"
#define IB_EV_REBALANCE "rebalance"
#define IB_EV_ASSIGN "assign"
#define IB_EV_REVOKE "revoke"
#define IB_EV_FENCED "fenced"
#define IB_EV_COMMIT "commit"
#define IB_EV_COMMIT_RESULT "commit_result"
#define IB_EV_COMMIT_LANDED "commit_landed"
#define IB_EV_CHECKPOINT "checkpoint"

/** @brief "assign": partition @p p claimed in @p epoch, its first range
 *         [@p from, @p until) (until == from: none pinned); @p inherited: the
 *         range was pinned by an earlier owner; @p adopted: this session
 *         already held the claim. */
void ib_event_assign(ib_mode_ctx_t *ctx, int32_t p, int epoch, int64_t from, int64_t until, int inherited,
                     int adopted);

/** @brief "revoke": the claim on @p p of @p epoch given up, and why. */
void ib_event_revoke(ib_mode_ctx_t *ctx, int32_t p, int epoch, const char *reason);

/** @brief "fenced": the claim on @p p of @p epoch lost to @p by_epoch (-1 unknown). */
void ib_event_fenced(ib_mode_ctx_t *ctx, int32_t p, int epoch, int by_epoch, const char *reason);

/** @brief "commit" without an outcome: batch @p batch's @p offsets (stolen)
 *         requested @p how in group @p generation. */
void ib_event_commit_request(ib_mode_ctx_t *ctx, int64_t batch, const char *how, int generation, json_t *offsets);

/** @brief "commit_result": a requested commit's outcome; @p error NULL when
 *         it succeeded; @p offsets stolen. */
void ib_event_commit_result(ib_mode_ctx_t *ctx, const char *how, const char *error, int generation, json_t *offsets);

/** @brief "commit" of a ZooKeeper multi, with its outcome @p err, the
 *         per-partition @p partitions (stolen) and how long it took. */
void ib_event_commit_multi(ib_mode_ctx_t *ctx, int64_t batch, ib_err_t err, json_t *partitions, double multi_ms);

/** @brief "commit" of offsets @p to a store ("kafka", "zk"), with its
 *         outcome (@p error NULL when ok; @p offsets stolen). */
void ib_event_commit_offsets(ib_mode_ctx_t *ctx, int64_t batch, int64_t records, const char *to, int ok,
                             const char *error, json_t *offsets, double commit_ms, int attempts);

/** @brief "commit_landed": batch @p batch's unanswered multi of @p partitions
 *         entries is found stored. */
void ib_event_commit_landed(ib_mode_ctx_t *ctx, int64_t batch, int partitions);

/** @brief "checkpoint": batch @p batch's ranges are stored in a local checkpoint. */
void ib_event_checkpoint(ib_mode_ctx_t *ctx, int64_t batch);

#endif
