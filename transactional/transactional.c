/*
 * transactional.c: the transactional mode. Exactly-once output by Kafka
 * transactions (what Kafka Streams and Flink call exactly-once): a
 * consumer-group member whose output goes to a Kafka sink
 * (--sink kafka:TOPIC) opened with the transactional.id
 * "ingestbench-GROUP-WORKER", and whose input offsets are committed inside
 * the same transaction as the output, so a read_committed reader of the
 * output sees each batch whole or not at all.
 *
 * Per batch (one poll): begin_transaction; the runner's pipeline produces
 * the output into the open transaction; commit() sends the batch's offsets
 * with the group metadata taken just before (KIP-447: a member of an older
 * generation is refused, which fences a zombie) and commits. What follows
 * an error is decided in txn.c: retry a step, abort and rewind the consumer
 * to the last committed offsets, replace a fenced producer, or stop.
 *
 * A transaction is never open while the consumer polls, so the rebalance
 * callbacks (served inside poll) find none to commit or abort in the
 * ordinary course; when one is (a poll made while a transaction is open
 * would be a bug), a revoke commits it and a lost assignment aborts it
 * (ib_txn_on_rebalance).
 *
 * Events: txn_begin {batch, generation}; transaction {batch, records,
 * offsets, outcome committed|aborted|recreated, step, error, cause,
 * duration_ms, generation}; rewind {partitions, source}; and the commit /
 * commit_result pair of the group modes ("how": "transaction"), so the
 * checker sees the commits as it sees async-commit's.
 */
#include "mode.h"

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "events.h"
#include "group.h"
#include "hist.h"
#include "kafka.h"
#include "ksink.h"
#include "member.h"
#include "poll.h"
#include "stats.h"
#include "txn.h"

#define CLOSE_BUDGET_MS 30000

typedef struct txn_conf_s {
        int64_t max_records; /* records per transaction (one poll) */
        int64_t max_fenced;  /* producers replaced in a row before the worker stops */
        ib_group_conf_t group;
} txn_conf_t;

static const ib_option_t txn_options[] = {
    IB_OPT_INT(txn_conf_t, max_records, "txn-records", "N", "20000", 1, 1000000,
               "records per transaction at most (one poll); fewer when fewer are waiting"),
    IB_OPT_INT(txn_conf_t, max_fenced, "max-fenced", "N", "5", 1, 1000,
               "producers replaced in a row (fenced, or failed fatally) before the worker stops"),
    IB_OPT_INCLUDE(txn_conf_t, group, ib_group_options),
    IB_OPT_END,
};

typedef struct txn_s {
        ib_mode_ctx_t *ctx;
        const ib_config_t *cfg;
        const txn_conf_t *conf;
        ib_sink_t *sink;
        ib_member_t m;               /* the consumer, its group and partitions */
        rd_kafka_message_t **msgs;
        size_t nmsgs;
        ib_record_t *recs;
        ib_group_scratch_t scratch;
        uint64_t batch_seq;
        const ib_batch_t *batch;     /* the batch whose transaction is open */
        int open;                    /* a transaction is open */
        int64_t begun_us;
        int fenced_in_row;
        /* figures */
        uint64_t begun, committed, aborted, recreated, committed_records, aborted_records;
        json_t *abort_causes;        /* cause -> count */
        int64_t first_commit_us, last_commit_us;
        ib_hist_t txn_us;            /* begin to commit */
        ib_hist_t commit_us;         /* send_offsets + commit */
        int64_t commit_us_total;
} txn_t;

/* ---- one step of a transaction, with its decision ------------------------ */

static ib_txn_error_t classify(const rd_kafka_error_t *e) {
        if (!e)
                return (ib_txn_error_t){0, 0, 0, 0};
        return (ib_txn_error_t){rd_kafka_error_code(e), rd_kafka_error_is_fatal(e), rd_kafka_error_is_retriable(e),
                                rd_kafka_error_txn_requires_abort(e)};
}

static rd_kafka_error_t *attempt(txn_t *k, ib_txn_step_t s, const rd_kafka_topic_partition_list_t *offsets) {
        rd_kafka_t *p = ib_ksink_producer(k->sink);
        int timeout = (int)k->cfg->connect_timeout_ms;
        switch (s) {
        case IB_TXN_INIT:
                return rd_kafka_init_transactions(p, timeout);
        case IB_TXN_BEGIN:
                return rd_kafka_begin_transaction(p);
        case IB_TXN_SEND_OFFSETS: {
                /* taken just before sending: a stale generation is what fencing refuses */
                rd_kafka_consumer_group_metadata_t *md = rd_kafka_consumer_group_metadata(k->m.rk);
                rd_kafka_error_t *e = rd_kafka_send_offsets_to_transaction(p, offsets, md, timeout);
                rd_kafka_consumer_group_metadata_destroy(md);
                return e;
        }
        case IB_TXN_COMMIT:
                return rd_kafka_commit_transaction(p, timeout);
        case IB_TXN_ABORT:
                return rd_kafka_abort_transaction(p, timeout);
        }
        return NULL;
}

/* Runs step @p s until txn.c decides something other than a retry; the
 * error's name and text go to @p why, its code to *@p code. */
static ib_txn_action_t run_step(txn_t *k, ib_txn_step_t s, const rd_kafka_topic_partition_list_t *offsets,
                                int *code, char *why, size_t why_size) {
        char op[64], scratch[512];
        snprintf(op, sizeof(op), "transaction %s", ib_txn_step_name(s));
        ib_retry_t rt;
        ib_mode_retry_begin(k->ctx, &rt, op);
        ib_txn_action_t a;
        for (;;) {
                rd_kafka_error_t *e = attempt(k, s, offsets);
                ib_txn_error_t te = classify(e);
                *code = te.code;
                if (e) {
                        snprintf(why, why_size, "%s: %s", rd_kafka_error_name(e), rd_kafka_error_string(e));
                        rd_kafka_error_destroy(e);
                }
                a = ib_txn_decide(s, &te, 1);
                if (a != IB_TXN_RETRY)
                        break;
                if (!ib_mode_retry(k->ctx, &rt, IB_ERR_KAFKA_RETRIABLE)) {
                        a = ib_txn_decide(s, &te, 0);
                        break;
                }
        }
        snprintf(scratch, sizeof(scratch), "%s", why);
        ib_mode_retry_end(k->ctx, &rt, a == IB_TXN_DONE ? IB_OK : IB_ERR_KAFKA_RETRIABLE, scratch, sizeof(scratch));
        return a;
}

/* ---- rewind, recreate, outcome -------------------------------------------- */

/* Seeks the batch's partitions back to the group's committed offsets (the
 * batch's first offsets where the group has none or cannot be asked). */
static void rewind_batch(txn_t *k, const ib_batch_t *batch) {
        if (!batch || batch->nranges == 0)
                return;
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)batch->nranges);
        for (size_t i = 0; i < batch->nranges; i++)
                rd_kafka_topic_partition_list_add(l, k->cfg->topic, batch->ranges[i].partition)->offset =
                    RD_KAFKA_OFFSET_INVALID;
        rd_kafka_resp_err_t ce = rd_kafka_committed(k->m.rk, l, (int)k->cfg->connect_timeout_ms);
        json_t *parts = json_array();
        for (int i = 0; i < l->cnt; i++) {
                int64_t from = batch->ranges[i].from;
                rd_kafka_topic_partition_t *t = &l->elems[i];
                int committed = !ce && !t->err && t->offset >= 0;
                t->offset = committed ? t->offset : from;
                t->err = RD_KAFKA_RESP_ERR_NO_ERROR;
                json_array_append_new(parts, json_pack("{s:i,s:I,s:s}", "partition", (int)t->partition, "offset",
                                                       (json_int_t)t->offset, "source",
                                                       committed ? "committed" : "batch"));
        }
        rd_kafka_error_t *se = rd_kafka_seek_partitions(k->m.rk, l, (int)k->cfg->connect_timeout_ms);
        const char *seek_error = se ? rd_kafka_error_name(se) : NULL;
        for (int i = 0; !seek_error && i < l->cnt; i++) /* a partition no longer assigned: its next owner reads it */
                if (l->elems[i].err && l->elems[i].err != RD_KAFKA_RESP_ERR__STATE &&
                    l->elems[i].err != RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
                        seek_error = rd_kafka_err2name(l->elems[i].err);
        ib_eventlog_emit(k->ctx->events, "rewind",
                         json_pack("{s:I,s:o,s:s?,s:s?}", "batch", (json_int_t)batch->seq, "partitions", parts,
                                   "committed_error", ce ? rd_kafka_err2name(ce) : NULL, "seek_error", seek_error));
        if (se)
                rd_kafka_error_destroy(se);
        rd_kafka_topic_partition_list_destroy(l);
}

/* A new producer of the same transactional.id, within the retry budget and
 * --max-fenced replacements in a row. */
static ib_err_t recreate(txn_t *k, const char *why, char *errstr, size_t errstr_size) {
        if (++k->fenced_in_row > k->conf->max_fenced)
                return ib_seterr(errstr, errstr_size, IB_ERR_KAFKA,
                                 "transactional producer fenced or failed %d times in a row (--max-fenced %" PRId64
                                 "); last: %s. Another producer uses this transactional.id (a second worker with "
                                 "the same --worker-id?)",
                                 k->fenced_in_row, k->conf->max_fenced, why);
        /* the sink retries a busy coordinator within the retry budget itself */
        ib_err_t err = ib_ksink_recreate(k->sink, errstr, errstr_size);
        k->recreated++;
        ib_eventlog_emit(k->ctx->events, "producer_recreated",
                         json_pack("{s:s,s:i,s:b}", "reason", why, "in_a_row", k->fenced_in_row, "ok", err == IB_OK));
        return err;
}

static json_t *offsets_json(const rd_kafka_topic_partition_list_t *l) {
        return l ? ib_group_parts_json(l, 1) : json_array();
}

/* The transaction event, and the figures. */
static void outcome(txn_t *k, uint64_t records, const rd_kafka_topic_partition_list_t *offsets, const char *result,
                    ib_txn_step_t step, int code, const char *why) {
        int64_t now = ib_mono_us();
        const char *cause = NULL;
        if (!strcmp(result, "committed")) {
                k->committed++;
                k->committed_records += records;
                k->fenced_in_row = 0;
                if (!k->first_commit_us)
                        k->first_commit_us = now;
                k->last_commit_us = now;
                ib_hist_record(&k->txn_us, (uint64_t)(now - k->begun_us));
        } else {
                cause = ib_txn_abort_cause(code);
                k->aborted++;
                k->aborted_records += records;
                ib_stats_count_name(k->abort_causes, cause);
        }
        ib_eventlog_emit(k->ctx->events, "transaction",
                         json_pack("{s:I,s:I,s:o,s:s,s:s,s:s?,s:s?,s:f,s:i}", "batch", (json_int_t)k->batch_seq,
                                   "records", (json_int_t)records, "offsets", offsets_json(offsets), "outcome", result,
                                   "step", ib_txn_step_name(step), "error", code ? why : NULL, "cause", cause,
                                   "duration_ms", (double)(now - k->begun_us) / 1000.0, "generation",
                                   (int)ib_group_generation(k->m.rk)));
}

/* Ends the open transaction that failed at @p step with @p a: abort (or a new
 * producer) and rewind. IB_OK unless the worker must stop. */
static ib_err_t fail_open(txn_t *k, ib_txn_action_t a, ib_txn_step_t step, int code, const char *why,
                          const rd_kafka_topic_partition_list_t *offsets, uint64_t records, char *errstr,
                          size_t errstr_size) {
        if (a == IB_TXN_STOP)
                return ib_seterr(errstr, errstr_size, IB_ERR_KAFKA, "transaction %s: %s", ib_txn_step_name(step), why);
        ib_err_t err = IB_OK;
        const char *result = "aborted";
        if (a == IB_TXN_ABORT_REWIND) {
                int acode = 0;
                char awhy[512] = "";
                ib_txn_action_t b = run_step(k, IB_TXN_ABORT, NULL, &acode, awhy, sizeof(awhy));
                if (b == IB_TXN_STOP)
                        err = ib_seterr(errstr, errstr_size, IB_ERR_KAFKA, "transaction abort: %s", awhy);
                else if (b == IB_TXN_RECREATE)
                        a = b;
        }
        if (a == IB_TXN_RECREATE) {
                result = "recreated";
                err = recreate(k, why, errstr, errstr_size);
        }
        k->open = 0;
        outcome(k, records, offsets, result, step, code, why);
        if (err == IB_OK)
                rewind_batch(k, k->batch);
        return err;
}

/* ---- the group member ------------------------------------------------------ */

static ib_err_t commit_open(txn_t *k, const ib_batch_t *batch, char *errstr, size_t errstr_size);

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                         void *opaque) {
        (void)rk;
        txn_t *k = opaque;
        int lost = ib_member_rebalance_begin(&k->m, err, parts);
        char errstr[512];
        switch (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? IB_TXN_KEEP : ib_txn_on_rebalance(k->open, lost)) {
        case IB_TXN_COMMIT_OPEN:
                if (commit_open(k, k->batch, errstr, sizeof(errstr)))
                        ib_eventlog_emit(k->ctx->events, "txn_revoke_error", json_pack("{s:s}", "message", errstr));
                break;
        case IB_TXN_ABORT_OPEN:
                fail_open(k, IB_TXN_ABORT_REWIND, IB_TXN_ABORT, RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID, "assignment lost", NULL,
                          ib_ksink_take_produced(k->sink, NULL), errstr, sizeof(errstr));
                break;
        case IB_TXN_KEEP:
                break;
        }
        ib_member_rebalance_end(&k->m, err, parts);
}

static void free_msgs(txn_t *k) {
        for (size_t i = 0; i < k->nmsgs; i++)
                rd_kafka_message_destroy(k->msgs[i]);
        k->nmsgs = 0;
}

static ib_err_t txn_next_batch(void *st, ib_batch_t *batch, int wait_ms, char *errstr, size_t errstr_size) {
        txn_t *k = st;
        free_msgs(k);
        batch->topic = k->cfg->topic;
        char fatal[640];
        k->nmsgs = ib_kafka_poll_batch(k->m.rk, wait_ms, k->msgs, (size_t)k->conf->max_records, k->ctx->events, fatal,
                                       sizeof(fatal));
        if (fatal[0]) {
                free_msgs(k);
                return ib_seterr(errstr, errstr_size, IB_ERR_KAFKA, "the consumer stopped on a fatal error: %s", fatal);
        }
        if (k->nmsgs == 0)
                return IB_OK;
        for (size_t i = 0; i < k->nmsgs; i++)
                k->recs[i] = ib_kafka_record(k->msgs[i]);
        batch->seq = ++k->batch_seq;
        if (ib_batch_group(batch, k->recs, k->nmsgs, &k->scratch) != IB_OK)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory grouping a batch");
        /* the batch's transaction, open before the pipeline produces into it */
        int code = 0;
        char why[512] = "";
        k->begun_us = ib_mono_us();
        ib_txn_action_t a = run_step(k, IB_TXN_BEGIN, NULL, &code, why, sizeof(why));
        if (a == IB_TXN_DONE) {
                k->open = 1;
                k->begun++;
                k->batch = batch;
                ib_ksink_take_produced(k->sink, NULL);
                ib_eventlog_emit(k->ctx->events, "txn_begin",
                                 json_pack("{s:I,s:I,s:i}", "batch", (json_int_t)batch->seq, "records",
                                           (json_int_t)batch->nrecords, "generation", (int)ib_group_generation(k->m.rk)));
                return IB_OK;
        }
        if (a == IB_TXN_STOP)
                return ib_seterr(errstr, errstr_size, IB_ERR_KAFKA, "transaction begin: %s", why);
        /* nothing was produced: a new producer if need be, the records read again */
        ib_err_t err = a == IB_TXN_RECREATE ? recreate(k, why, errstr, errstr_size) : IB_OK;
        k->batch = batch;
        outcome(k, 0, NULL, a == IB_TXN_RECREATE ? "recreated" : "aborted", IB_TXN_BEGIN, code, why);
        if (err == IB_OK)
                rewind_batch(k, batch);
        ib_batch_clear(batch);
        return err;
}

/* Sends the open transaction's offsets and commits it. */
static ib_err_t commit_open(txn_t *k, const ib_batch_t *batch, char *errstr, size_t errstr_size) {
        rd_kafka_topic_partition_list_t *offs = rd_kafka_topic_partition_list_new((int)batch->nranges);
        for (size_t i = 0; i < batch->nranges; i++)
                rd_kafka_topic_partition_list_add(offs, k->cfg->topic, batch->ranges[i].partition)->offset =
                    batch->ranges[i].until;
        int gen = (int)ib_group_generation(k->m.rk);
        rd_kafka_resp_err_t produce_err;
        uint64_t records = ib_ksink_take_produced(k->sink, &produce_err);
        ib_event_commit_request(k->ctx, (int64_t)batch->seq, "transaction", gen, ib_group_parts_json(offs, 1));
        int code = 0;
        char why[512] = "";
        ib_txn_step_t step = IB_TXN_SEND_OFFSETS;
        int64_t t0 = ib_mono_us();
        ib_txn_action_t a;
        if (produce_err) { /* a record the client refused: the transaction cannot hold the whole batch */
                char fe[256] = "";
                rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(ib_ksink_producer(k->sink), fe, sizeof(fe));
                ib_txn_error_t te = {fatal ? (int)fatal : (int)produce_err, fatal != 0, 0, 1};
                code = te.code;
                snprintf(why, sizeof(why), "%s: producing the output: %s", rd_kafka_err2name((rd_kafka_resp_err_t)code),
                         fatal ? fe : rd_kafka_err2str(produce_err));
                a = ib_txn_decide(step, &te, 0);
        } else {
                a = run_step(k, step, offs, &code, why, sizeof(why));
        }
        if (a == IB_TXN_DONE)
                a = run_step(k, step = IB_TXN_COMMIT, NULL, &code, why, sizeof(why));
        int64_t spent = ib_mono_us() - t0;
        ib_hist_record(&k->commit_us, (uint64_t)spent);
        k->commit_us_total += spent;
        ib_event_commit_result(k->ctx, "transaction", a == IB_TXN_DONE ? NULL : rd_kafka_err2name((rd_kafka_resp_err_t)code),
                               gen, ib_group_parts_json(offs, 1));
        ib_err_t err = IB_OK;
        if (a == IB_TXN_DONE) {
                k->open = 0;
                outcome(k, records, offs, "committed", step, 0, NULL);
        } else {
                err = fail_open(k, a, step, code, why, offs, records, errstr, errstr_size);
        }
        rd_kafka_topic_partition_list_destroy(offs);
        return err;
}

static ib_err_t txn_commit(void *st, const ib_batch_t *batch, char *errstr, size_t errstr_size) {
        txn_t *k = st;
        if (!k->open)
                return IB_OK;
        return commit_open(k, batch, errstr, errstr_size);
}

static ib_err_t txn_open(ib_mode_ctx_t *ctx, void **st, char *errstr, size_t errstr_size) {
        const ib_config_t *cfg = ctx->cfg;
        txn_t *k = calloc(1, sizeof(*k));
        if (!k)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        *st = k;
        k->ctx = ctx;
        k->cfg = cfg;
        k->conf = ctx->conf;
        k->sink = ctx->sink;
        k->m.ctx = ctx;
        k->abort_causes = json_object();
        ib_hist_init(&k->txn_us);
        ib_hist_init(&k->commit_us);
        ib_mode_waiting(ctx, 1);
        if (!ib_ksink_is(k->sink))
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "--mode transactional needs --sink kafka:TOPIC");
        size_t max = (size_t)k->conf->max_records;
        if (!(k->msgs = malloc(max * sizeof(*k->msgs))) || !(k->recs = malloc(max * sizeof(*k->recs))))
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        /* read_committed: an input written by transactions is read as a downstream consumer would */
        const char *settings[] = {"group.id", cfg->group, "auto.offset.reset", "earliest", "enable.auto.commit", "false",
                                  "enable.auto.offset.store", "false", "isolation.level", "read_committed", NULL};
        ib_err_t err;
        if ((err = ib_group_consumer_new(ctx->brokers, settings, &k->conf->group, &cfg->props, rebalance_cb, NULL, k,
                                         &k->m.rk, &k->m.protocol, errstr, errstr_size)) ||
            (err = ib_kafka_partition_count_wait(k->m.rk, cfg->topic, (int)cfg->connect_timeout_ms, &k->m.nparts, errstr,
                                                 errstr_size)))
                return err;
        int nparts = k->m.nparts;
        if ((err = ib_member_init(&k->m, ctx, nparts, errstr, errstr_size)))
                return err;
        return ib_group_subscribe(k->m.rk, cfg->topic, &k->conf->group, k->m.protocol, k->m.nparts, ctx->events,
                                  json_pack("{s:s,s:s}", "commit", "transaction", "output", ib_ksink_topic(k->sink)),
                                  errstr, errstr_size);
}

static void txn_close(void *st) {
        txn_t *k = st;
        if (!k)
                return;
        if (k->open && k->sink) { /* stopped mid-batch (an error): nothing of it may become visible */
                int code = 0;
                char why[512] = "";
                run_step(k, IB_TXN_ABORT, NULL, &code, why, sizeof(why));
                k->open = 0;
                outcome(k, ib_ksink_take_produced(k->sink, NULL), NULL, "aborted", IB_TXN_ABORT,
                        code ? code : RD_KAFKA_RESP_ERR__DESTROY, code ? why : "worker stopping");
        }
        free_msgs(k);
        ib_member_close(&k->m, CLOSE_BUDGET_MS);
        free(k->msgs);
        free(k->recs);
        ib_group_scratch_free(&k->scratch);
        json_decref(k->abort_causes);
        free(k);
}

static void txn_lag(void *st, json_t *lag, int *caught_up) {
        txn_t *k = st;
        ib_group_lag(k->m.rk, k->cfg->topic, IB_LAG_TIMEOUT_MS, NULL, 0, lag, caught_up);
}

static void txn_stats(void *st, json_t *out) {
        txn_t *k = st;
        double span_s = (double)(k->last_commit_us - k->first_commit_us) / 1e6;
        json_object_set_new(out, "rebalances", json_integer((json_int_t)k->m.rebalances));
        json_object_set_new(out, "group_protocol", json_string(ib_rebalance_name(k->m.protocol)));
        json_object_set_new(out, "generation", json_integer(ib_group_generation(k->m.rk)));
        json_object_set_new(out, "transactions_begun", json_integer((json_int_t)k->begun));
        json_object_set_new(out, "transactions_committed", json_integer((json_int_t)k->committed));
        json_object_set_new(out, "transactions_aborted", json_integer((json_int_t)k->aborted));
        json_object_set_new(out, "abort_causes", json_copy(k->abort_causes));
        json_object_set_new(out, "producers_recreated", json_integer((json_int_t)k->recreated));
        json_object_set_new(out, "committed_records", json_integer((json_int_t)k->committed_records));
        json_object_set_new(out, "aborted_records", json_integer((json_int_t)k->aborted_records));
        json_object_set_new(out, "transactions_per_s",
                            json_real(k->committed > 1 && span_s > 0 ? (double)(k->committed - 1) / span_s : 0.0));
        json_object_set_new(out, "commit_us_per_record",
                            json_real(k->committed_records ? (double)k->commit_us_total / (double)k->committed_records
                                                           : 0.0));
        json_object_set_new(out, "transaction_ms", ib_hist_to_json_ms(&k->txn_us));
        json_object_set_new(out, "commit_ms", ib_hist_to_json_ms(&k->commit_us));
        json_object_set_new(out, "offset_store", json_pack("{s:s,s:I}", "op", "Kafka transaction commit", "count",
                                                           (json_int_t)(k->committed + k->aborted)));
}

/* (the Kafka sink it needs is checked by the runner: sink_transactions) */
static ib_err_t txn_configure(void *conf, const ib_config_t *cfg, char *errstr, size_t errstr_size) {
        (void)cfg;
        return ib_group_conf_check(&((txn_conf_t *)conf)->group, errstr, errstr_size);
}

const ib_mode_t ib_mode_transactional = {
    txn_configure,    /* configure: the group options */
    txn_open,         /* open: the group's committed offsets are the recovery */
    txn_next_batch,   /* next_batch: poll, then begin the batch's transaction */
    txn_commit,       /* commit: offsets into the transaction, commit it */
    txn_lag,          /* lag */
    txn_stats,        /* stats */
    txn_close,        /* close */
    "transactional",  /* name */
    "consumer group; each batch's output and input offsets committed in one Kafka transaction (--sink kafka:TOPIC)",
    txn_options,        /* options */
    sizeof(txn_conf_t), /* conf_size */
    1,    /* commits_cover_sink: output and offsets commit together */
    0,    /* static_split: a consumer group */
    0,    /* needs_zookeeper */
    1,    /* sink_transactions */
    NULL, /* inject_points */
    NULL, /* worker_args */
    NULL, /* stop_input */
};
