/*
 * receiver.c: the receiver mode (Spark's receiver with a write-ahead log).
 *
 * Two threads:
 *   - the receive thread (started here) is a consumer-group member: it polls
 *     a batch, appends it to the log in one write, waits until the log is
 *     durable under the fsync policy, and only then commits the batch's
 *     offsets, to Kafka or (--offsets zk) to ZooKeeper under
 *     /consumers/<group>/offsets/<topic>/<partition>, the layout of Kafka's
 *     old high-level consumer;
 *   - the processor is the runner's thread: next_batch() reads the next
 *     whole batch back from the log, the runner runs the pipeline and the
 *     sink, and commit() stores the processed position and deletes segments
 *     that are wholly processed.
 * The data is written twice (Kafka, then the log): the stats report the
 * write amplification. A crash between the log write and the offset commit
 * makes Kafka deliver the batch again, and the log then holds it twice: the
 * duplicates Spark's documentation warns of. --wal-dedup removes them: after
 * a restart each partition resumes past the highest offset the log holds and
 * offsets already in the log are skipped.
 *
 * Recovery: on open, the processor first replays every whole batch the log
 * holds past the processed position; the receive thread starts only then.
 * Each replayed batch is the same batch as before (same records, same
 * ranges), so the dir sink rewrites the same files.
 */
#include "receiver.h"

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fault.h"
#include "group.h"
#include "hist.h"
#include "kafka.h"
#include "stats.h"
#include "wal.h"
#include "zk.h"

#define MAX_POLL_BATCH 10000

typedef struct receiver_s {
        ib_mode_ctx_t *ctx;
        const ib_config_t *cfg;
        char wal_dir[1024];
        ib_wal_recovery_t policy;
        ib_wal_writer_t *w;
        ib_wal_reader_t *rd;
        ib_wal_processed_t processed;
        ib_wal_pos_t replay_end;      /* the writer's first position: replay stops there */
        int replaying;
        uint64_t retained_below;      /* segments below this were deleted */
        rd_kafka_t *rk;
        ib_zk_t *zk;                  /* --offsets zk */

        ib_group_scratch_t scratch;   /* processor: grouping by partition, reused */
        uint64_t last_seq;            /* highest batch number seen in the log */
        ib_wal_pos_t pending_start, pending_end;
        uint64_t pending_seq;
        int pending;
        int pending_replayed;         /* the pending batch was written before this run */

        /* shared with the receive thread, under lock */
        pthread_mutex_t lock;
        pthread_cond_t cond;
        pthread_t thread;
        int thread_started;
        int stop;
        ib_err_t thread_err;
        char thread_errstr[512];
        uint64_t appended_bytes, processed_bytes, backlog_hwm;
        int64_t dedup_high[IB_WAL_MAX_PARTITIONS]; /* receive thread: highest offset logged */
        uint64_t batch_seq;
        uint64_t received, received_bytes, dedup_skipped, commits_ok;
        json_t *commit_errors;        /* error name -> count */
        ib_hist_t commit_us;
        uint64_t recovered_batches, recovered_records, segments_deleted;
} receiver_t;

static void on_damage(void *opaque, const ib_wal_damage_t *d) {
        receiver_t *r = opaque;
        fprintf(stderr, "ingestbench receiver: %s: %s at byte %" PRIu64 ", %" PRIu64 " bytes dropped%s\n",
                d->file, d->reason, d->offset, d->dropped, d->fatal ? " (refusing to start)" : "");
        ib_eventlog_emit(r->ctx->events, "wal_damage",
                         json_pack("{s:s,s:I,s:I,s:s,s:b,s:s}", "file", d->file,
                                   "offset", (json_int_t)d->offset, "dropped_bytes", (json_int_t)d->dropped,
                                   "reason", d->reason, "fatal", d->fatal,
                                   "policy", ib_wal_recovery_name(r->policy)));
}

/* ---- offsets in ZooKeeper (--offsets zk) -------------------------------- */

static void zk_offset_path(receiver_t *r, char *out, size_t size, int32_t p) {
        snprintf(out, size, "/consumers/%s/offsets/%s/%" PRId32, r->cfg->group, r->cfg->topic, p);
}

static int64_t zk_offset_get(receiver_t *r, int32_t p) {
        char path[600], data[64];
        int len = sizeof(data) - 1;
        zk_offset_path(r, path, sizeof(path), p);
        if (zoo_get(ib_zk_handle(r->zk), path, 0, data, &len, NULL) != ZOK || len <= 0)
                return RD_KAFKA_OFFSET_INVALID;
        data[len] = '\0';
        return strtoll(data, NULL, 10);
}

/* One zoo_multi for the batch: set each partition's node, creating it the first time. */
static ib_err_t zk_offsets_store(receiver_t *r, rd_kafka_topic_partition_list_t *l, char *errstr,
                                 size_t errstr_size) {
        typedef struct {
                char path[600];
                char data[32];
        } slot_t;
        zhandle_t *zh = ib_zk_handle(r->zk);
        zoo_op_t *ops = calloc((size_t)l->cnt, sizeof(*ops));
        zoo_op_result_t *res = calloc((size_t)l->cnt, sizeof(*res));
        slot_t *slots = calloc((size_t)l->cnt, sizeof(*slots));
        ib_err_t err = IB_OK;
        if (!ops || !res || !slots) {
                err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                goto done;
        }
        for (int i = 0; i < l->cnt; i++) {
                zk_offset_path(r, slots[i].path, sizeof(slots[i].path), l->elems[i].partition);
                int n = snprintf(slots[i].data, sizeof(slots[i].data), "%" PRId64, l->elems[i].offset);
                if (zoo_exists(zh, slots[i].path, 0, NULL) == ZNONODE) {
                        char parent[600];
                        snprintf(parent, sizeof(parent), "/consumers/%s/offsets/%s", r->cfg->group, r->cfg->topic);
                        if ((err = ib_zk_mkdirs(r->zk, parent, errstr, errstr_size)))
                                goto done;
                        zoo_create_op_init(&ops[i], slots[i].path, slots[i].data, n, &ZOO_OPEN_ACL_UNSAFE, 0,
                                           NULL, 0);
                } else {
                        zoo_set_op_init(&ops[i], slots[i].path, slots[i].data, n, -1, NULL);
                }
        }
        int rc = zoo_multi(zh, l->cnt, ops, res);
        if (rc != ZOK)
                err = ib_seterr(errstr, errstr_size, ib_zk_err(rc), "ZooKeeper offset commit: %s", zerror(rc));
done:
        free(ops);
        free(res);
        free(slots);
        return err;
}

/* ---- the receive thread ------------------------------------------------- */

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
        receiver_t *r = opaque;
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                if (!strcmp(r->cfg->offsets, "zk")) {
                        for (int i = 0; i < parts->cnt; i++)
                                parts->elems[i].offset = zk_offset_get(r, parts->elems[i].partition);
                } else if (r->cfg->wal_dedup) {
                        rd_kafka_committed(rk, parts, 10000);
                }
                for (int i = 0; i < parts->cnt; i++) {
                        rd_kafka_topic_partition_t *tp = &parts->elems[i];
                        int64_t high = tp->partition >= 0 && tp->partition < IB_WAL_MAX_PARTITIONS
                                           ? r->dedup_high[tp->partition] : -1;
                        if (r->cfg->wal_dedup && high >= 0 && (tp->offset < 0 || tp->offset <= high))
                                tp->offset = high + 1; /* the log already holds everything below */
                }
        }
        int assigned = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
        ib_group_rebalance_event(r->ctx->events, rk, err, parts, assigned);
        __atomic_store_n(&r->ctx->waiting_for_group, !assigned, __ATOMIC_RELAXED);
        ib_group_apply(rk, err, parts);
        __atomic_store_n(&r->ctx->last_activity_us, ib_mono_us(), __ATOMIC_RELAXED);
}

static void thread_fail(receiver_t *r, ib_err_t err, const char *msg) {
        pthread_mutex_lock(&r->lock);
        if (!r->thread_err) {
                r->thread_err = err;
                snprintf(r->thread_errstr, sizeof(r->thread_errstr), "%s", msg);
        }
        pthread_cond_broadcast(&r->cond);
        pthread_mutex_unlock(&r->lock);
}

static void *receive_main(void *arg) {
        receiver_t *r = arg;
        char errstr[512];
        rd_kafka_message_t **msgs = malloc(MAX_POLL_BATCH * sizeof(*msgs));
        ib_record_t *recs = malloc(MAX_POLL_BATCH * sizeof(*recs));
        if (!msgs || !recs) {
                thread_fail(r, IB_ERR_NOMEM, "out of memory");
                free(msgs);
                free(recs);
                return NULL;
        }
        rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(topics, r->cfg->topic, RD_KAFKA_PARTITION_UA);
        rd_kafka_resp_err_t se = rd_kafka_subscribe(r->rk, topics);
        rd_kafka_topic_partition_list_destroy(topics);
        if (se) {
                snprintf(errstr, sizeof(errstr), "subscribe to %s: %s", r->cfg->topic, rd_kafka_err2str(se));
                thread_fail(r, IB_ERR_KAFKA, errstr);
        }
        for (;;) {
                pthread_mutex_lock(&r->lock);
                /* bounded backlog: wait while the processor is too far behind */
                while (!r->stop && !r->thread_err && r->appended_bytes > r->processed_bytes &&
                       r->appended_bytes - r->processed_bytes > (uint64_t)r->cfg->wal_backlog_bytes) {
                        struct timespec dl;
                        ib_deadline_ms(&dl, 100);
                        pthread_cond_timedwait(&r->cond, &r->lock, &dl);
                }
                int done = r->stop || r->thread_err;
                pthread_mutex_unlock(&r->lock);
                if (done)
                        break;

                size_t n = 0;
                uint64_t skipped = 0;
                rd_kafka_message_t *m = rd_kafka_consumer_poll(r->rk, 100);
                while (m) {
                        if (m->err) {
                                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                                        ib_eventlog_emit(r->ctx->events, "consume_error",
                                                         json_pack("{s:s,s:s}", "error", rd_kafka_err2name(m->err),
                                                                   "message", rd_kafka_message_errstr(m)));
                                rd_kafka_message_destroy(m);
                        } else if (r->cfg->wal_dedup && m->partition >= 0 && m->partition < IB_WAL_MAX_PARTITIONS &&
                                   m->offset <= r->dedup_high[m->partition]) {
                                skipped++; /* the log holds it already */
                                rd_kafka_message_destroy(m);
                        } else {
                                msgs[n++] = m;
                        }
                        if (n == MAX_POLL_BATCH)
                                break;
                        m = rd_kafka_consumer_poll(r->rk, 0);
                }
                if (skipped) {
                        pthread_mutex_lock(&r->lock);
                        r->dedup_skipped += skipped;
                        pthread_mutex_unlock(&r->lock);
                }
                if (n == 0)
                        continue;

                uint64_t value_bytes = 0;
                for (size_t i = 0; i < n; i++) {
                        rd_kafka_message_t *x = msgs[i];
                        recs[i] = (ib_record_t){x->partition, x->offset, rd_kafka_message_timestamp(x, NULL),
                                                x->key, x->key_len, x->payload, x->len};
                        value_bytes += x->len;
                }
                ib_wal_pos_t end;
                uint64_t seq = ++r->batch_seq;
                ib_err_t err = ib_wal_append(r->w, r->cfg->topic, recs, n, seq, &end, errstr, sizeof(errstr));
                if (!err)
                        err = ib_wal_sync(r->w, end, errstr, sizeof(errstr));
                if (err) {
                        /* Nothing of this batch is committed: Kafka keeps it. */
                        for (size_t i = 0; i < n; i++)
                                rd_kafka_message_destroy(msgs[i]);
                        ib_eventlog_emit(r->ctx->events, "wal_error", json_pack("{s:s,s:s}", "error",
                                                                                ib_err2name(err), "message", errstr));
                        thread_fail(r, err, errstr);
                        break;
                }
                /* Crash point for tests: the batch is in the log, its offsets are
                 * not committed; a restart gets it again from Kafka (the window
                 * Spark's receiver documentation warns of). */
                if (ib_fault("receiver.crash_before_commit"))
                        raise(SIGKILL);
                /* The batch is durable: tell the processor, then commit its offsets. */
                ib_wal_writer_stats_t ws;
                ib_wal_writer_stats(r->w, &ws);
                pthread_mutex_lock(&r->lock);
                r->appended_bytes = ws.bytes;
                uint64_t backlog = r->appended_bytes > r->processed_bytes ? r->appended_bytes - r->processed_bytes : 0;
                if (backlog > r->backlog_hwm)
                        r->backlog_hwm = backlog;
                r->received += n;
                r->received_bytes += value_bytes;
                pthread_cond_broadcast(&r->cond);
                pthread_mutex_unlock(&r->lock);

                rd_kafka_topic_partition_list_t *offs = rd_kafka_topic_partition_list_new(16);
                for (size_t i = 0; i < n; i++) {
                        rd_kafka_topic_partition_t *tp =
                            rd_kafka_topic_partition_list_find(offs, r->cfg->topic, msgs[i]->partition);
                        if (!tp)
                                tp = rd_kafka_topic_partition_list_add(offs, r->cfg->topic, msgs[i]->partition);
                        if (msgs[i]->offset + 1 > tp->offset)
                                tp->offset = msgs[i]->offset + 1;
                        if (msgs[i]->partition < IB_WAL_MAX_PARTITIONS &&
                            msgs[i]->offset > r->dedup_high[msgs[i]->partition])
                                r->dedup_high[msgs[i]->partition] = msgs[i]->offset;
                }
                for (size_t i = 0; i < n; i++)
                        rd_kafka_message_destroy(msgs[i]);
                int64_t t0 = ib_mono_us();
                const char *ename;
                if (!strcmp(r->cfg->offsets, "zk")) {
                        ib_err_t ce = zk_offsets_store(r, offs, errstr, sizeof(errstr));
                        ename = ce ? ib_err2name(ce) : NULL;
                } else {
                        rd_kafka_resp_err_t ce = rd_kafka_commit(r->rk, offs, 0);
                        ename = ce ? rd_kafka_err2name(ce) : NULL;
                }
                int64_t us = ib_mono_us() - t0;
                json_t *plist = json_array();
                for (int i = 0; i < offs->cnt; i++)
                        json_array_append_new(plist, json_pack("{s:i,s:I}", "partition", (int)offs->elems[i].partition,
                                                               "offset", (json_int_t)offs->elems[i].offset));
                rd_kafka_topic_partition_list_destroy(offs);
                ib_eventlog_emit(r->ctx->events, "commit",
                                 json_pack("{s:I,s:I,s:s,s:b,s:s?,s:o,s:f}", "batch", (json_int_t)seq,
                                           "records", (json_int_t)n, "to", r->cfg->offsets, "ok", ename == NULL,
                                           "error", ename, "offsets", plist, "commit_ms", (double)us / 1000.0));
                pthread_mutex_lock(&r->lock);
                ib_hist_record(&r->commit_us, (uint64_t)us);
                if (ename)
                        ib_stats_count_name(r->commit_errors, ename);
                else
                        r->commits_ok++;
                pthread_mutex_unlock(&r->lock);
        }
        rd_kafka_consumer_close(r->rk); /* leave the group */
        free(msgs);
        free(recs);
        return NULL;
}

static ib_err_t start_receiving(receiver_t *r, char *errstr, size_t errstr_size) {
        memcpy(r->dedup_high, r->processed.high, sizeof(r->dedup_high));
        r->batch_seq = r->last_seq > r->processed.batch ? r->last_seq : r->processed.batch;
        if (pthread_create(&r->thread, NULL, receive_main, r) != 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "cannot start the receive thread");
        r->thread_started = 1;
        return IB_OK;
}

/* ---- the processor (runner's thread) ------------------------------------- */

/* Hands a log batch to the runner as one range per partition, and notes
 * what commit() will store. */
static ib_err_t fill_batch(receiver_t *r, const ib_wal_batch_t *wb, ib_batch_t *batch,
                           char *errstr, size_t errstr_size) {
        batch->topic = r->cfg->topic;
        batch->seq = wb->seq;
        int gerr = ib_batch_group(batch, wb->records, wb->count, &r->scratch);
        if (gerr)
                return ib_seterr(errstr, errstr_size, (ib_err_t)gerr,
                                 "write-ahead log batch %" PRIu64 ": cannot group its records", wb->seq);
        for (size_t i = 0; i < batch->nranges; i++) {
                int32_t p = batch->ranges[i].partition;
                if (p >= IB_WAL_MAX_PARTITIONS)
                        return ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT,
                                         "write-ahead log batch %" PRIu64 ": partition %d out of range",
                                         wb->seq, (int)p);
                if (p + 1 > r->processed.npartitions)
                        r->processed.npartitions = p + 1;
                if (batch->ranges[i].until - 1 > r->processed.high[p])
                        r->processed.high[p] = batch->ranges[i].until - 1; /* stored by commit() */
        }
        r->pending = 1;
        r->pending_replayed = 0;
        r->pending_start = wb->start;
        r->pending_end = wb->end;
        r->pending_seq = wb->seq;
        if (wb->seq > r->last_seq)
                r->last_seq = wb->seq;
        return IB_OK;
}

static ib_err_t receiver_next_batch(void *st, ib_batch_t *batch, int wait_ms, char *errstr,
                                    size_t errstr_size) {
        receiver_t *r = st;
        ib_wal_batch_t wb;
        if (r->replaying) {
                int rc = ib_wal_reader_next(r->rd, r->replay_end, &wb, errstr, errstr_size);
                if (rc < 0)
                        return (ib_err_t)rc;
                if (rc == 1) {
                        r->recovered_batches++;
                        r->recovered_records += wb.count;
                        ib_err_t err = fill_batch(r, &wb, batch, errstr, errstr_size);
                        r->pending_replayed = 1;
                        return err;
                }
                r->replaying = 0;
                uint64_t reports, dropped;
                ib_wal_reader_damage(r->rd, &reports, &dropped);
                ib_eventlog_emit(r->ctx->events, "recovered",
                                 json_pack("{s:I,s:I,s:I,s:I,s:s}", "batches", (json_int_t)r->recovered_batches,
                                           "records", (json_int_t)r->recovered_records,
                                           "damage_reports", (json_int_t)reports, "dropped_bytes", (json_int_t)dropped,
                                           "policy", ib_wal_recovery_name(r->policy)));
                ib_err_t err = start_receiving(r, errstr, errstr_size);
                if (err)
                        return err;
        }
        /* wait (bounded) until the receiver made more of the log readable */
        struct timespec dl;
        ib_deadline_ms(&dl, wait_ms);
        ib_wal_pos_t readable = ib_wal_readable(r->w);
        pthread_mutex_lock(&r->lock);
        while (!r->thread_err && !*r->ctx->stop &&
               ib_wal_pos_cmp(readable = ib_wal_readable(r->w), ib_wal_reader_pos(r->rd)) <= 0) {
                if (pthread_cond_timedwait(&r->cond, &r->lock, &dl) != 0)
                        break;
        }
        ib_err_t terr = r->thread_err;
        if (terr)
                ib_seterr(errstr, errstr_size, terr, "%s", r->thread_errstr);
        pthread_mutex_unlock(&r->lock);
        if (terr)
                return terr;
        int rc = ib_wal_reader_next(r->rd, readable, &wb, errstr, errstr_size);
        if (rc < 0)
                return (ib_err_t)rc;
        if (rc == 1)
                return fill_batch(r, &wb, batch, errstr, errstr_size);
        batch->topic = r->cfg->topic;
        return IB_OK;
}

static ib_err_t receiver_commit(void *st, const ib_batch_t *batch, char *errstr, size_t errstr_size) {
        receiver_t *r = st;
        (void)batch;
        if (!r->pending)
                return IB_OK;
        r->pending = 0;
        r->processed.pos = r->pending_end;
        r->processed.batch = r->pending_seq;
        ib_err_t err = ib_wal_processed_store(r->wal_dir, &r->processed, errstr, errstr_size);
        if (err)
                return err;
        /* The backlog compares bytes appended in this run with bytes of this
         * run's batches processed: replayed batches were appended before. */
        uint64_t bytes = r->pending_replayed ? 0 : r->pending_end.offset - r->pending_start.offset;
        pthread_mutex_lock(&r->lock);
        r->processed_bytes += bytes;
        pthread_cond_broadcast(&r->cond);
        pthread_mutex_unlock(&r->lock);
        if (r->processed.pos.segment > r->retained_below) {
                uint64_t deleted;
                if ((err = ib_wal_retain(r->wal_dir, r->processed.pos.segment, &deleted, errstr, errstr_size)))
                        return err;
                r->retained_below = r->processed.pos.segment;
                r->segments_deleted += deleted;
                if (deleted)
                        ib_eventlog_emit(r->ctx->events, "wal_retention",
                                         json_pack("{s:I,s:I}", "deleted_segments", (json_int_t)deleted,
                                                   "keep_from", (json_int_t)r->retained_below));
        }
        return IB_OK;
}

/* ---- open, close, stats -------------------------------------------------- */

static void *receiver_open(ib_mode_ctx_t *ctx, ib_err_t *err, char *errstr, size_t errstr_size) {
        const ib_config_t *cfg = ctx->cfg;
        ib_wal_fsync_t fpol;
        int fms;
        ib_wal_recovery_t policy;
        if (ib_wal_fsync_parse(cfg->fsync, &fpol, &fms) != 0) {
                *err = ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--fsync takes batch, interval:MS or none, not '%s'", cfg->fsync);
                return NULL;
        }
        if (ib_wal_recovery_parse(cfg->wal_recovery, &policy) != 0) {
                *err = ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--wal-recovery takes tolerate-torn-tail, point-in-time, "
                                 "absolute-consistency or skip-corrupt, not '%s'", cfg->wal_recovery);
                return NULL;
        }
        receiver_t *r = calloc(1, sizeof(*r));
        if (!r) {
                *err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                return NULL;
        }
        r->ctx = ctx;
        ctx->waiting_for_group = 1; /* until the first assignment */
        r->cfg = cfg;
        r->policy = policy;
        r->commit_errors = json_object();
        ib_hist_init(&r->commit_us);
        pthread_mutex_init(&r->lock, NULL);
        pthread_cond_init(&r->cond, NULL);
        if (cfg->wal_dir)
                snprintf(r->wal_dir, sizeof(r->wal_dir), "%s", cfg->wal_dir);
        else
                snprintf(r->wal_dir, sizeof(r->wal_dir), "%s/wal", cfg->state_dir);

        /* Kafka first: an unreachable broker is reported before anything is written. */
        char e[512];
        rd_kafka_conf_t *conf = ib_kafka_conf_new(ctx->brokers, &cfg->props, errstr, errstr_size);
        if (!conf) {
                *err = IB_ERR_INVALID_ARG;
                goto fail;
        }
        if ((*err = ib_kafka_conf_set(conf, "group.id", cfg->group, errstr, errstr_size)) ||
            (*err = ib_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, errstr_size)) ||
            (*err = ib_kafka_conf_set(conf, "auto.offset.reset", "earliest", errstr, errstr_size))) {
                rd_kafka_conf_destroy(conf);
                goto fail;
        }
        rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
        rd_kafka_conf_set_opaque(conf, r);
        if (!(r->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof(e)))) {
                rd_kafka_conf_destroy(conf);
                *err = ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "librdkafka configuration: %s", e);
                goto fail;
        }
        rd_kafka_poll_set_consumer(r->rk);
        int nparts;
        if ((*err = ib_kafka_partition_count(r->rk, cfg->topic, cfg->connect_timeout_ms, &nparts, errstr,
                                             errstr_size)))
                goto fail;
        if (!strcmp(cfg->offsets, "zk") &&
            !(r->zk = ib_zk_connect(cfg->zookeeper, cfg->zk_session_timeout_ms, cfg->connect_timeout_ms,
                                    err, errstr, errstr_size)))
                goto fail;

        /* The log: load the processed position, open the reader there (segments
         * that exist now are the recovery horizon), then start a new segment. */
        if ((*err = ib_wal_processed_load(r->wal_dir, &r->processed, errstr, errstr_size)))
                goto fail;
        ib_wal_pos_t from = r->processed.pos;
        r->rd = ib_wal_reader_open(r->wal_dir, from, policy, on_damage, r, errstr, errstr_size);
        if (!r->rd) {
                *err = IB_ERR_IO;
                goto fail;
        }
        ib_wal_writer_conf_t wc = {r->wal_dir, (uint64_t)cfg->wal_segment_bytes, fpol, fms};
        if (!(r->w = ib_wal_writer_open(&wc, errstr, errstr_size))) {
                *err = IB_ERR_IO;
                goto fail;
        }
        r->replay_end = ib_wal_writer_start(r->w);
        r->replaying = 1;
        r->retained_below = r->processed.pos.segment;
        ib_eventlog_emit(ctx->events, "wal_open",
                         json_pack("{s:s,s:s,s:s,s:{s:I,s:I},s:I,s:b,s:s}", "dir", r->wal_dir, "fsync", cfg->fsync,
                                   "recovery", ib_wal_recovery_name(policy), "processed", "segment",
                                   (json_int_t)from.segment, "offset", (json_int_t)from.offset,
                                   "new_segment", (json_int_t)r->replay_end.segment, "dedup", cfg->wal_dedup,
                                   "offsets", cfg->offsets));
        *err = IB_OK;
        return r;
fail:
        ib_mode_receiver.close(r);
        return NULL;
}

static void receiver_close(void *st) {
        receiver_t *r = st;
        if (!r)
                return;
        if (r->thread_started) {
                pthread_mutex_lock(&r->lock);
                r->stop = 1;
                pthread_cond_broadcast(&r->cond);
                pthread_mutex_unlock(&r->lock);
                pthread_join(r->thread, NULL);
        }
        if (r->rk)
                rd_kafka_destroy(r->rk);
        ib_wal_writer_close(r->w);
        ib_wal_reader_close(r->rd);
        ib_zk_close(r->zk);
        json_decref(r->commit_errors);
        pthread_cond_destroy(&r->cond);
        pthread_mutex_destroy(&r->lock);
        ib_group_scratch_free(&r->scratch);
        free(r);
}

static void receiver_stats(void *st, json_t *out) {
        receiver_t *r = st;
        ib_wal_writer_stats_t ws;
        memset(&ws, 0, sizeof(ws));
        ib_hist_init(&ws.fsync_us);
        if (r->w)
                ib_wal_writer_stats(r->w, &ws);
        uint64_t reports = 0, dropped = 0;
        if (r->rd)
                ib_wal_reader_damage(r->rd, &reports, &dropped);
        pthread_mutex_lock(&r->lock);
        json_object_set_new(out, "records_received", json_integer((json_int_t)r->received));
        json_object_set_new(out, "input_bytes", json_integer((json_int_t)r->received_bytes));
        json_object_set_new(out, "wal_bytes_written", json_integer((json_int_t)ws.bytes));
        json_object_set_new(out, "write_amplification",
                            json_real(r->received_bytes ? (double)ws.bytes / (double)r->received_bytes : 0));
        json_object_set_new(out, "wal_batches", json_integer((json_int_t)ws.batches));
        json_object_set_new(out, "wal_segments_created", json_integer((json_int_t)ws.segments));
        json_object_set_new(out, "wal_segments_deleted", json_integer((json_int_t)r->segments_deleted));
        json_object_set_new(out, "fsyncs", json_integer((json_int_t)ws.fsyncs));
        json_object_set_new(out, "fsync_ms", ib_hist_to_json_ms(&ws.fsync_us));
        json_object_set_new(out, "backlog_high_water_bytes", json_integer((json_int_t)r->backlog_hwm));
        json_object_set_new(out, "commits", json_integer((json_int_t)r->commits_ok));
        json_object_set_new(out, "commit_errors", json_copy(r->commit_errors));
        json_object_set_new(out, "commit_ms", ib_hist_to_json_ms(&r->commit_us));
        json_object_set_new(out, "offsets_to", json_string(r->cfg->offsets));
        json_object_set_new(out, "dedup", json_boolean(r->cfg->wal_dedup));
        json_object_set_new(out, "dedup_skipped", json_integer((json_int_t)r->dedup_skipped));
        json_object_set_new(out, "recovered_batches", json_integer((json_int_t)r->recovered_batches));
        json_object_set_new(out, "recovered_records", json_integer((json_int_t)r->recovered_records));
        json_object_set_new(out, "wal_damage_reports", json_integer((json_int_t)reports));
        json_object_set_new(out, "wal_damage_dropped_bytes", json_integer((json_int_t)dropped));
        pthread_mutex_unlock(&r->lock);
}

const ib_mode_t ib_mode_receiver = {
    receiver_open,       /* open */
    NULL,                /* recover: next_batch replays the log before the receiver starts */
    receiver_next_batch, /* next_batch: the processor */
    receiver_commit,     /* commit: the processed position */
    receiver_stats,      /* stats */
    receiver_close,      /* close */
    "receiver",          /* name */
    "a receive thread writes a write-ahead log before committing offsets; a processor replays it",
};
