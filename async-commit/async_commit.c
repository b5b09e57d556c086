/*
 * async_commit.c: the async-commit mode and its known remedies.
 *
 * A consumer-group member (subscribe) polls a batch, the runner runs the
 * pipeline and the sink, and commit() commits the batch's offsets to Kafka:
 *
 *   --commit async                 rd_kafka_commit(.., async=1): the outcome
 *                                  arrives later, in the offset commit callback
 *   --commit sync                  rd_kafka_commit(.., async=0)
 *   --commit auto                  offsets stored after the sink write, committed
 *                                  by librdkafka's timer (enable.auto.commit)
 *   --commit async+sync-on-revoke  async per batch; in the revoke callback, a
 *                                  synchronous commit of everything processed
 *                                  before the partitions are given up, and
 *                                  records polled for revoked partitions but
 *                                  not processed are dropped (the next owner
 *                                  reads them)
 *
 * Why plain async duplicates on a rebalance: a batch's offsets are committed
 * only after its sink write. When the member is no longer in the group by
 * then, the coordinator refuses the commit (UNKNOWN_MEMBER_ID,
 * ILLEGAL_GENERATION, or REBALANCE_IN_PROGRESS while the group is syncing),
 * and the next owner starts from the last offset that was committed: it
 * delivers the batch again. The common way to get there is a batch slower
 * than max.poll.interval.ms (a slow sink, a GC pause): librdkafka leaves the
 * group on its own, the rebalance completes without the member, and its
 * commit arrives too late (test 0108 shows duplicates equal to the slow
 * batch's records). A clean join is much kinder than folklore says: with
 * librdkafka 2.0.2 and Kafka 3.9, the revoke is served inside poll after the
 * last batch's commit was sent, and the coordinator accepts commits from the
 * old generation while it prepares the rebalance, so clean joins and leaves
 * gave 0 duplicates in every run measured. The event log shows each step:
 * every rebalance with its generation and member id, every commit request
 * with its offsets, every commit outcome with its error, every batch with
 * its ranges, and a consume_error _MAX_POLL_EXCEEDED when the member left.
 */
#include "mode.h"

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "clock.h"
#include "group.h"
#include "hist.h"
#include "kafka.h"
#include "member.h"
#include "poll.h"
#include "stats.h"

enum commit_kind { C_ASYNC, C_SYNC, C_AUTO, C_ASYNC_SYNC_ON_REVOKE };
#define CLOSE_BUDGET_MS 30000 /* leaving the group; see ib_group_close */

static const char *const commit_names[] = {"async", "sync", "auto", "async+sync-on-revoke", NULL};
/* The async-commit mode's options. */
typedef struct async_commit_conf_s {
        int commit;                     /* enum commit_kind */
        ib_group_conf_t group;          /* protocol, assignor, static membership */
} async_commit_conf_t;

static const ib_option_t async_commit_options[] = {
    IB_OPT_CHOICE(async_commit_conf_t, commit, "commit", commit_names, "async", "how each batch's offsets are committed"),
    IB_OPT_INCLUDE(async_commit_conf_t, group, ib_group_options),
    IB_OPT_END,
};

/* A poll, and so a batch, holds at most this many records: at 50000 a 1M
 * backlog's full pipeline held 92 MB of RSS (1.9-2.0 times the bare
 * reference), at 20000 70 MB, at no measurable cost in drain rate. */
#define MAX_POLL_BATCH 20000

typedef struct async_commit_s {
        ib_mode_ctx_t *ctx;
        const ib_config_t *cfg;
        const async_commit_conf_t *conf;
        enum commit_kind commit;
        ib_member_t m;               /* the consumer, its group and partitions */
        int committed_before_close;  /* sync-on-revoke: the last commit was made before leaving */
        int64_t *processed;          /* next offset per partition, after the sink (sync-on-revoke) */
        rd_kafka_message_t **msgs;   /* the current batch's messages */
        size_t nmsgs;
        ib_record_t *recs;
        ib_group_scratch_t scratch;
        uint64_t batch_seq;
        int revoked_in_poll;         /* a revoke happened while polling this batch */
        /* figures */
        uint64_t commits_requested, commits_ok, dropped_revoked;
        json_t *commit_errors;       /* error name -> count */
        ib_hist_t commit_us;         /* sync commits, and the sync commit on revoke */
} async_commit_t;

/* Offsets processed so far for the partitions of @p l (sync-on-revoke). */
static rd_kafka_topic_partition_list_t *processed_of(async_commit_t *k, const rd_kafka_topic_partition_list_t *l) {
        rd_kafka_topic_partition_list_t *out = rd_kafka_topic_partition_list_new(l->cnt);
        for (int i = 0; i < l->cnt; i++) {
                int32_t p = l->elems[i].partition;
                if (p >= 0 && p < k->m.nparts && k->processed[p] >= 0)
                        rd_kafka_topic_partition_list_add(out, l->elems[i].topic, p)->offset = k->processed[p];
        }
        return out;
}

/* A commit's outcome, counted and logged: @p name is the error's name, or
 * NULL when it succeeded. */
static void commit_outcome_named(async_commit_t *k, const char *how, const char *name,
                                 const rd_kafka_topic_partition_list_t *offsets) {
        if (name)
                ib_stats_count_name(k->commit_errors, name);
        else
                k->commits_ok++;
        ib_event_commit_result(k->ctx, how, name, (int)ib_group_generation_safe(k->m.rk, &k->m.generation, k->m.closing),
                               ib_group_parts_json(offsets, 1));
}

static void commit_outcome(async_commit_t *k, const char *how, rd_kafka_resp_err_t err,
                           const rd_kafka_topic_partition_list_t *offsets) {
        const char *name = err ? rd_kafka_err2name(err) : NULL;
        for (int i = 0; !name && offsets && i < offsets->cnt; i++)
                if (offsets->elems[i].err)
                        name = rd_kafka_err2name(offsets->elems[i].err);
        commit_outcome_named(k, how, name, offsets);
}

/* Runs in the thread that polls (the runner's), from rd_kafka_consumer_poll. */
static void offset_commit_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t *offsets, void *opaque) {
        (void)rk;
        async_commit_t *k = opaque;
        if (err == RD_KAFKA_RESP_ERR__NO_OFFSET)
                return; /* nothing to commit (auto commit with nothing stored) */
        commit_outcome(k, k->commit == C_AUTO ? "auto" : "async", err, offsets);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
        async_commit_t *k = opaque;
        int assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
        int lost = ib_member_rebalance_begin(&k->m, err, parts);
        if (!assign && k->commit == C_ASYNC_SYNC_ON_REVOKE && !lost && !k->committed_before_close) {
                /* The remedy: commit what was processed, synchronously,
                 * while this member's generation is still current. */
                rd_kafka_topic_partition_list_t *offs = processed_of(k, parts);
                char *member = rd_kafka_memberid(rk);
                int expelled = !member || !*member;
                rd_kafka_mem_free(rk, member);
                if (offs->cnt > 0 && expelled) {
                        /* No member id: the coordinator has expelled this
                         * member already, so the commit could only be
                         * refused, and a refusal during close is what
                         * hangs librdkafka 2.0.2 (ib_group_close). */
                        k->commits_requested++;
                        commit_outcome_named(k, "sync-on-revoke", "NOT_A_MEMBER", offs);
                } else if (offs->cnt > 0) {
                        int64_t t0 = ib_mono_us();
                        rd_kafka_resp_err_t ce = rd_kafka_commit(rk, offs, 0);
                        ib_hist_record(&k->commit_us, (uint64_t)(ib_mono_us() - t0));
                        k->commits_requested++;
                        commit_outcome(k, "sync-on-revoke", ce, offs);
                }
                rd_kafka_topic_partition_list_destroy(offs);
        }
        if (!assign)
                k->revoked_in_poll = 1;
        ib_member_rebalance_end(&k->m, err, parts);
}

static void free_msgs(async_commit_t *k) {
        for (size_t i = 0; i < k->nmsgs; i++)
                rd_kafka_message_destroy(k->msgs[i]);
        k->nmsgs = 0;
}

static ib_err_t async_commit_next_batch(void *st, ib_batch_t *batch, int wait_ms, char *errstr,
                              size_t errstr_size) {
        async_commit_t *k = st;
        free_msgs(k);
        k->revoked_in_poll = 0;
        batch->topic = k->cfg->topic;
        char fatal[640];
        k->nmsgs = ib_kafka_poll_batch(k->m.rk, wait_ms, k->msgs, MAX_POLL_BATCH, k->ctx->events, fatal, sizeof(fatal));
        if (fatal[0]) {
                free_msgs(k);
                return ib_seterr(errstr, errstr_size, IB_ERR_KAFKA, "the consumer stopped on a fatal error: %s", fatal);
        }
        size_t n = 0;
        for (size_t i = 0; i < k->nmsgs; i++) {
                rd_kafka_message_t *x = k->msgs[i];
                /* The remedy also drops what it polled for partitions revoked
                 * meanwhile: not processed, not committed, the next owner reads it. */
                if (k->commit == C_ASYNC_SYNC_ON_REVOKE && k->revoked_in_poll &&
                    !ib_member_holds(&k->m, x->partition)) {
                        k->dropped_revoked++;
                        continue;
                }
                k->recs[n++] = ib_kafka_record(x);
        }
        if (n == 0)
                return IB_OK;
        batch->seq = ++k->batch_seq;
        if (ib_batch_group(batch, k->recs, n, &k->scratch) != IB_OK)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory grouping a batch");
        return IB_OK;
}

static ib_err_t async_commit_commit(void *st, const ib_batch_t *batch, char *errstr, size_t errstr_size) {
        async_commit_t *k = st;
        if (batch->nranges == 0)
                return IB_OK;
        rd_kafka_topic_partition_list_t *offs = rd_kafka_topic_partition_list_new((int)batch->nranges);
        for (size_t i = 0; i < batch->nranges; i++) {
                const ib_range_t *r = &batch->ranges[i];
                rd_kafka_topic_partition_list_add(offs, k->cfg->topic, r->partition)->offset = r->until;
                if (r->partition < k->m.nparts && r->until > k->processed[r->partition])
                        k->processed[r->partition] = r->until;
        }
        ib_event_commit_request(k->ctx, (int64_t)batch->seq, commit_names[k->commit], (int)ib_group_generation(k->m.rk),
                                ib_group_parts_json(offs, 1));
        k->commits_requested++;
        switch (k->commit) {
        case C_ASYNC:
        case C_ASYNC_SYNC_ON_REVOKE: {
                rd_kafka_resp_err_t e = rd_kafka_commit(k->m.rk, offs, 1);
                if (e) /* refused before it was sent */
                        commit_outcome(k, "async", e, offs);
                break;
        }
        case C_SYNC: {
                /* What clears by itself (the coordinator moving) is retried; a
                 * refusal (the member left its generation) is what this mode
                 * measures, and stays one. */
                int64_t t0 = ib_mono_us();
                ib_retry_t rt;
                rd_kafka_resp_err_t e;
                ib_mode_retry_begin(k->ctx, &rt, "offset commit");
                while ((e = rd_kafka_commit(k->m.rk, offs, 0)) && ib_mode_retry(k->ctx, &rt, ib_kafka_err(e)))
                        ;
                ib_mode_retry_end(k->ctx, &rt, ib_kafka_err(e), errstr, errstr_size);
                ib_hist_record(&k->commit_us, (uint64_t)(ib_mono_us() - t0));
                commit_outcome(k, "sync", e, offs);
                break;
        }
        case C_AUTO: {
                /* stored after the sink write; librdkafka's timer commits them */
                rd_kafka_resp_err_t e = rd_kafka_offsets_store(k->m.rk, offs);
                if (e)
                        commit_outcome(k, "store", e, offs);
                break;
        }
        }
        rd_kafka_topic_partition_list_destroy(offs);
        return IB_OK;
}

/* The consumer: the mode's settings first, so -X (applied after) can override them. */
static ib_err_t async_commit_consumer(async_commit_t *k, char *errstr, size_t errstr_size) {
        const char *settings[] = {"group.id", k->cfg->group, "auto.offset.reset", "earliest",
                                  "enable.auto.commit", k->commit == C_AUTO ? "true" : "false",
                                  "enable.auto.offset.store", "false", NULL};
        return ib_group_consumer_new(k->ctx->brokers, settings, &k->conf->group, &k->cfg->props, rebalance_cb,
                                     offset_commit_cb, k, &k->m.rk, &k->m.protocol, errstr, errstr_size);
}

static ib_err_t async_commit_open(ib_mode_ctx_t *ctx, void **st, char *errstr, size_t errstr_size) {
        const ib_config_t *cfg = ctx->cfg;
        async_commit_t *k = calloc(1, sizeof(*k));
        if (!k)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        *st = k;
        k->ctx = ctx;
        k->m.ctx = ctx;
        k->cfg = cfg;
        k->conf = ctx->conf;
        k->commit = (enum commit_kind)k->conf->commit;
        k->commit_errors = json_object();
        ib_hist_init(&k->commit_us);
        ib_mode_waiting(ctx, 1); /* until the first assignment */
        if (!(k->msgs = malloc(MAX_POLL_BATCH * sizeof(*k->msgs))) ||
            !(k->recs = malloc(MAX_POLL_BATCH * sizeof(*k->recs))))
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        ib_err_t err;
        if ((err = async_commit_consumer(k, errstr, errstr_size)) ||
            (err = ib_kafka_partition_count_wait(k->m.rk, cfg->topic, (int)cfg->connect_timeout_ms, &k->m.nparts, errstr,
                                            errstr_size)))
                return err;
        if ((err = ib_member_init(&k->m, ctx, k->m.nparts, errstr, errstr_size)))
                return err;
        if (!(k->processed = malloc((size_t)k->m.nparts * sizeof(*k->processed))))
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        for (int i = 0; i < k->m.nparts; i++)
                k->processed[i] = -1;
        return ib_group_subscribe(k->m.rk, cfg->topic, &k->conf->group, k->m.protocol, k->m.nparts, ctx->events,
                                  json_pack("{s:s}", "commit", commit_names[k->commit]), errstr, errstr_size);
}

static void async_commit_close(void *st) {
        async_commit_t *k = st;
        if (!k)
                return;
        free_msgs(k);
        if (k->m.rk && k->commit == C_ASYNC_SYNC_ON_REVOKE && k->processed) {
                /* The remedy's last commit, made while still a member rather
                 * than in the revoke callback of the close: there, a commit
                 * the coordinator refuses (UNKNOWN_MEMBER_ID: the leave was
                 * already served) leaves rd_kafka_consumer_close waiting for
                 * ever. Measured: librdkafka 2.0.2 with the classic protocol
                 * (kafka/group.h), and 2.14.2 with the consumer protocol
                 * (rebalance-rolling, 1 run in 2). The offsets are the same. */
                rd_kafka_topic_partition_list_t *a = NULL;
                if (!rd_kafka_assignment(k->m.rk, &a) && a) {
                        rd_kafka_topic_partition_list_t *offs = processed_of(k, a);
                        if (offs->cnt > 0) {
                                int64_t t0 = ib_mono_us();
                                rd_kafka_resp_err_t ce = rd_kafka_commit(k->m.rk, offs, 0);
                                ib_hist_record(&k->commit_us, (uint64_t)(ib_mono_us() - t0));
                                k->commits_requested++;
                                commit_outcome(k, "sync-before-close", ce, offs);
                        }
                        rd_kafka_topic_partition_list_destroy(offs);
                        rd_kafka_topic_partition_list_destroy(a);
                        k->committed_before_close = 1;
                }
        }
        /* Leaves the group: the revoke callback runs (sync-on-revoke
         * committed just before); outstanding async commits are served. */
        ib_member_close(&k->m, CLOSE_BUDGET_MS);
        free(k->msgs);
        free(k->recs);
        free(k->processed);
        ib_group_scratch_free(&k->scratch);
        json_decref(k->commit_errors);
        free(k);
}

static void async_commit_lag(void *st, json_t *lag, int *caught_up) {
        async_commit_t *k = st;
        ib_group_lag(k->m.rk, k->cfg->topic, IB_LAG_TIMEOUT_MS, NULL, 0, lag, caught_up);
}

static void async_commit_stats(void *st, json_t *out) {
        async_commit_t *k = st;
        json_object_set_new(out, "commit", json_string(commit_names[k->commit]));
        json_object_set_new(out, "rebalances", json_integer((json_int_t)k->m.rebalances));
        json_object_set_new(out, "group_protocol", json_string(ib_rebalance_name(k->m.protocol)));
        json_object_set_new(out, "generation", json_integer(ib_group_generation(k->m.rk)));
        json_object_set_new(out, "commits_requested", json_integer((json_int_t)k->commits_requested));
        json_object_set_new(out, "commits_ok", json_integer((json_int_t)k->commits_ok));
        json_object_set_new(out, "offset_store", json_pack("{s:s,s:I}", "op", "Kafka offset commit",
                                                           "count", (json_int_t)k->commits_requested));
        json_object_set_new(out, "commit_errors", json_copy(k->commit_errors));
        json_object_set_new(out, "sync_commit_ms", ib_hist_to_json_ms(&k->commit_us));
        json_object_set_new(out, "dropped_revoked_records", json_integer((json_int_t)k->dropped_revoked));
}

static ib_err_t async_commit_configure(void *conf, const ib_config_t *cfg, char *errstr, size_t errstr_size) {
        (void)cfg;
        return ib_group_conf_check(&((async_commit_conf_t *)conf)->group, errstr, errstr_size);
}

const ib_mode_t ib_mode_async_commit = {
    async_commit_configure, /* configure: options of the other group protocol are refused */
    async_commit_open,        /* open: Kafka's committed offsets are the recovery */
    async_commit_next_batch,  /* next_batch */
    async_commit_commit,      /* commit */
    async_commit_lag,         /* lag: the assignment's positions against the high watermarks */
    async_commit_stats,       /* stats */
    async_commit_close,       /* close */
    "async-commit", /* name */
    "consumer group, offsets committed to Kafka after each batch (--commit async|sync|auto|async+sync-on-revoke)",
    async_commit_options,        /* options */
    sizeof(async_commit_conf_t), /* conf_size */
    1,    /* commits_cover_sink: the batch's output is durable before its commit */
    0,    /* static_split: a consumer group */
    0,    /* needs_zookeeper */
    0,    /* sink_transactions */
    NULL, /* inject_points */
    NULL, /* worker_args */
    NULL, /* stop_input */
};
