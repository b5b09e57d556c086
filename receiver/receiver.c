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
#include "mode.h"

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "clock.h"
#include "fault.h"
#include "group.h"
#include "hist.h"
#include "kafka.h"
#include "poll.h"
#include "processed.h"
#include "stats.h"
#include "wal.h"
#include "zk.h"
#include "zkoffsets.h"

#define MAX_POLL_BATCH 50000

IB_FAULT_POINTS("receiver.crash_before_commit")

/* The receiver mode's options. */
typedef struct receiver_conf_s {
        int offsets;               /* OFFSETS_KAFKA or OFFSETS_ZK */
        ib_zk_conf_t zk;           /* --zookeeper, --zk-session-timeout-ms (with --offsets zk) */
        const char *wal_dir;       /* write-ahead log directory; derived: STATE_DIR/wal */
        const char *fsync;         /* "batch", "interval:MS" or "none" */
        int recovery;              /* ib_wal_recovery_t */
        int64_t segment_bytes;     /* roll segments past this size */
        int64_t backlog_bytes;     /* the receive thread waits while the processor is this far behind */
        int dedup;                 /* skip offsets the log already holds after a crash */
        ib_group_conf_t group;     /* protocol, assignor, static membership */
        char wal_dir_buf[1024];    /* storage for the derived wal_dir */
} receiver_conf_t;

enum { OFFSETS_KAFKA, OFFSETS_ZK };
static const char *const offsets_names[] = {"kafka", "zk", NULL};

static ib_err_t check_fsync(const char *flag, const char *value, char *errstr, size_t errstr_size) {
        ib_wal_fsync_t policy;
        int ms;
        if (ib_wal_fsync_parse(value, &policy, &ms) != IB_OK)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "%s takes batch, interval:MS or none, not '%s'", flag, value);
        return IB_OK;
}

#define R receiver_conf_t
static const ib_option_t receiver_options[] = {
    IB_OPT_CHOICE(R, offsets, "offsets", offsets_names, "kafka",
                  "commit offsets to Kafka or to ZooKeeper (/consumers/G/offsets/T/P)"),
    IB_OPT_INCLUDE(R, zk, ib_zk_options),
    IB_OPT_STR(R, wal_dir, "wal-dir", "DIR", NULL, "write-ahead log (default: STATE-DIR/wal)"),
    IB_OPT_STR_CHECKED(R, fsync, "fsync", "batch|interval:MS|none", "batch", check_fsync,
                       "durability before each commit"),
    IB_OPT_CHOICE(R, recovery, "wal-recovery", ib_wal_recovery_names, "point-in-time",
                  "what a restart does with a damaged log"),
    IB_OPT_BYTES(R, segment_bytes, "wal-segment-bytes", "N", "64m", 4096, INT64_MAX / 4,
                 "roll log segments past N bytes"),
    IB_OPT_BYTES(R, backlog_bytes, "wal-backlog-bytes", "N", "64m", 4096, INT64_MAX / 4,
                 "receiver waits while the processor is N bytes behind"),
    IB_OPT_FLAG(R, dedup, "wal-dedup", 0, "after a crash, skip offsets the log already holds"),
    IB_OPT_INCLUDE(R, group, ib_group_options),
    IB_OPT_END,
};
#undef R

typedef struct receiver_s {
        ib_mode_ctx_t *ctx;
        const ib_config_t *cfg;
        const receiver_conf_t *conf;
        const char *wal_dir;
        ib_wal_recovery_t policy;
        ib_wal_writer_t *w;
        ib_wal_reader_t *rd;
        ib_processed_t processed;
        ib_wal_pos_t replay_end;      /* the writer's first position: replay stops there */
        int replaying;
        uint64_t retained_below;      /* segments below this were deleted */
        rd_kafka_t *rk;
        ib_rebalance_t protocol;      /* the group's protocol, from the configuration */
        int closing;                  /* receive thread: inside rd_kafka_consumer_close() */
        int closed;                   /* the receive thread left the group (rk may be destroyed) */
        int32_t generation;           /* receive thread: the last generation seen */
        ib_group_losses_t losses;     /* receive thread: revoked partitions, fenced unless assigned again */
        ib_zk_t *zk;                  /* --offsets zk */
        ib_zkoffsets_t *zk_offsets;   /* /consumers/<group>/offsets/<topic> */

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
        int commit_pending;           /* the last logged batch's offsets are not stored */
        int64_t start[IB_PROCESSED_MAX_PARTITIONS]; /* where each assigned partition started, -1 unknown */
        int64_t lag_start[IB_PROCESSED_MAX_PARTITIONS]; /* processor: a copy for ib_group_lag */
        int64_t dedup_high[IB_PROCESSED_MAX_PARTITIONS]; /* receive thread: highest offset logged */
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

/* ---- offsets in ZooKeeper (--offsets zk), through the one offset store -- */

static int64_t zk_offset_get(receiver_t *r, int32_t p) {
        char data[64];
        int version;
        if (ib_zkoffsets_read(r->zk_offsets, p, data, sizeof(data), &version, NULL, 0) != IB_OK || version < 0)
                return RD_KAFKA_OFFSET_INVALID;
        return strtoll(data, NULL, 10);
}

/* One zoo_multi for the batch: each partition's node holds its next offset. */
static ib_err_t zk_offsets_store(receiver_t *r, rd_kafka_topic_partition_list_t *l, char *errstr,
                                 size_t errstr_size) {
        char (*data)[24] = calloc((size_t)l->cnt, sizeof(*data));
        ib_zkoffset_write_t *w = calloc((size_t)l->cnt, sizeof(*w));
        ib_err_t err;
        if (!data || !w) {
                err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        } else {
                for (int i = 0; i < l->cnt; i++) {
                        int n = snprintf(data[i], sizeof(data[i]), "%" PRId64, l->elems[i].offset);
                        w[i] = (ib_zkoffset_write_t){l->elems[i].partition, data[i], n, IB_ZK_ANY_VERSION,
                                                     NULL, 0, 0, 0};
                }
                err = ib_zkoffsets_write(r->zk_offsets, NULL, 0, w, l->cnt, errstr, errstr_size);
        }
        free(data);
        free(w);
        return err;
}

/* ---- the receive thread ------------------------------------------------- */

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
        receiver_t *r = opaque;
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
                if (r->conf->offsets == OFFSETS_ZK) {
                        for (int i = 0; i < parts->cnt; i++)
                                parts->elems[i].offset = zk_offset_get(r, parts->elems[i].partition);
                } else if (r->conf->dedup) {
                        rd_kafka_committed(rk, parts, 10000);
                }
                for (int i = 0; i < parts->cnt; i++) {
                        rd_kafka_topic_partition_t *tp = &parts->elems[i];
                        int64_t high = tp->partition >= 0 && tp->partition < IB_PROCESSED_MAX_PARTITIONS
                                           ? r->dedup_high[tp->partition] : -1;
                        if (r->conf->dedup && high >= 0 && (tp->offset < 0 || tp->offset <= high))
                                tp->offset = high + 1; /* the log already holds everything below */
                }
        }
        int assigned = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
        pthread_mutex_lock(&r->lock);
        for (int i = 0; assigned && i < parts->cnt; i++) /* where consuming starts, when known */
                if (parts->elems[i].partition >= 0 && parts->elems[i].partition < IB_PROCESSED_MAX_PARTITIONS)
                        r->start[parts->elems[i].partition] = parts->elems[i].offset;
        pthread_mutex_unlock(&r->lock);
        int32_t gen = ib_group_generation_safe(rk, &r->generation, r->closing);
        const char *kind = ib_group_rebalance_event(r->ctx->events, rk, err, parts, assigned, r->protocol, gen, r->closing);
        if (assigned)
                ib_group_report_fenced(&r->losses, r->ctx->events, parts, gen);
        else
                ib_group_note_revoke(&r->losses, parts, gen, !strcmp(kind, "lost"));
        ib_mode_waiting(r->ctx, !assigned);
        pthread_mutex_lock(&r->lock);
        r->commit_pending = 0; /* what was not stored is the next owner's to read */
        pthread_mutex_unlock(&r->lock);
        ib_group_apply(rk, err, parts, r->protocol);
        if (assigned)
                ib_mode_assigned(r->ctx);
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

/* Waits (bounded steps) while the processor is too far behind. @returns 1
 * when the thread must stop. */
static int wait_for_room(receiver_t *r) {
        pthread_mutex_lock(&r->lock);
        while (!r->stop && !r->thread_err && r->appended_bytes > r->processed_bytes &&
               r->appended_bytes - r->processed_bytes > (uint64_t)r->conf->backlog_bytes) {
                struct timespec dl;
                ib_deadline_ms(&dl, 100);
                pthread_cond_timedwait(&r->cond, &r->lock, &dl);
        }
        int done = r->stop || r->thread_err;
        pthread_mutex_unlock(&r->lock);
        return done;
}

/* Polls a batch and, under --wal-dedup, drops what the log holds already.
 * @returns how many messages are left in @p msgs. */
static size_t poll_new(receiver_t *r, rd_kafka_message_t **msgs, char *fatal, size_t fatal_size) {
        size_t n = ib_kafka_poll_batch(r->rk, 100, msgs, MAX_POLL_BATCH, r->ctx->events, fatal, fatal_size);
        if (!r->conf->dedup)
                return n;
        size_t kept = 0;
        uint64_t skipped = 0;
        for (size_t i = 0; i < n; i++) {
                rd_kafka_message_t *m = msgs[i];
                if (m->partition >= 0 && m->partition < IB_PROCESSED_MAX_PARTITIONS &&
                    m->offset <= r->dedup_high[m->partition]) {
                        skipped++; /* the log holds it already */
                        rd_kafka_message_destroy(m);
                } else {
                        msgs[kept++] = m;
                }
        }
        if (skipped) {
                pthread_mutex_lock(&r->lock);
                r->dedup_skipped += skipped;
                pthread_mutex_unlock(&r->lock);
        }
        return kept;
}

/* Appends the batch to the log and waits until it is durable, then tells the
 * processor. On failure nothing of it is committed: Kafka keeps it. */
static ib_err_t log_batch(receiver_t *r, rd_kafka_message_t **msgs, ib_record_t *recs, size_t n,
                          uint64_t seq, char *errstr, size_t errstr_size) {
        uint64_t value_bytes = 0;
        for (size_t i = 0; i < n; i++) {
                recs[i] = ib_kafka_record(msgs[i]);
                value_bytes += msgs[i]->len;
        }
        ib_wal_pos_t end;
        ib_err_t err = ib_wal_append(r->w, r->cfg->topic, recs, n, seq, &end, errstr, errstr_size);
        if (!err)
                err = ib_wal_sync(r->w, end, errstr, errstr_size);
        if (err) {
                ib_eventlog_emit(r->ctx->events, "wal_error",
                                 json_pack("{s:s,s:s}", "error", ib_err2name(err), "message", errstr));
                return err;
        }
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
        return IB_OK;
}

/* The offsets a logged batch reached, per partition (and the dedup table's
 * highest logged offset). */
static rd_kafka_topic_partition_list_t *batch_offsets(receiver_t *r, rd_kafka_message_t **msgs, size_t n) {
        rd_kafka_topic_partition_list_t *offs = rd_kafka_topic_partition_list_new(16);
        for (size_t i = 0; i < n; i++) {
                rd_kafka_topic_partition_t *tp =
                    rd_kafka_topic_partition_list_find(offs, r->cfg->topic, msgs[i]->partition);
                if (!tp)
                        tp = rd_kafka_topic_partition_list_add(offs, r->cfg->topic, msgs[i]->partition);
                if (msgs[i]->offset + 1 > tp->offset)
                        tp->offset = msgs[i]->offset + 1;
                if (msgs[i]->partition < IB_PROCESSED_MAX_PARTITIONS &&
                    msgs[i]->offset > r->dedup_high[msgs[i]->partition])
                        r->dedup_high[msgs[i]->partition] = msgs[i]->offset;
        }
        return offs;
}

/* A new ZooKeeper session after the old one expired (--offsets zk). */
static ib_err_t zk_renew(receiver_t *r, char *errstr, size_t errstr_size) {
        ib_zk_t *zk;
        ib_err_t err = ib_zk_connect(r->conf->zk.hosts, r->conf->zk.auth, (int)r->conf->zk.session_timeout_ms,
                                     (int)r->cfg->connect_timeout_ms, &zk, errstr, errstr_size);
        if (err)
                return err;
        ib_zkoffsets_set_session(r->zk_offsets, zk);
        ib_zk_close(r->zk);
        r->zk = zk;
        char sid[32];
        ib_eventlog_emit(r->ctx->events, "session",
                         json_pack("{s:s,s:s}", "session", ib_zk_session_str(zk, sid), "reason", "expired"));
        return IB_OK;
}

/* One attempt at storing the offsets, to Kafka or ZooKeeper. */
static ib_err_t commit_once(receiver_t *r, rd_kafka_topic_partition_list_t *offs, const char **ename, char *errstr,
                            size_t errstr_size) {
        ib_err_t err;
        if (r->conf->offsets == OFFSETS_ZK) {
                if (ib_zk_expired(r->zk) && (err = zk_renew(r, errstr, errstr_size)))
                        return *ename = ib_err2name(err), err;
                err = zk_offsets_store(r, offs, errstr, errstr_size);
                *ename = err ? ib_err2name(err) : NULL;
                return err == IB_ERR_ZK_SESSION ? IB_ERR_ZK_UNREACHABLE : err; /* renewed on the next attempt */
        }
        rd_kafka_resp_err_t ce = rd_kafka_commit(r->rk, offs, 0);
        *ename = ce ? rd_kafka_err2name(ce) : NULL;
        return ib_seterr(errstr, errstr_size, ib_kafka_err(ce), "offset commit: %s", rd_kafka_err2str(ce));
}

/* Commits a durable batch's offsets, retrying what clears by itself (a
 * coordinator moving, ZooKeeper away or its session renewed) within the
 * budget, and logs the outcome. A batch whose commit failed for good leaves
 * the member "not caught up" until a later commit covers it. */
static void commit_offsets(receiver_t *r, rd_kafka_topic_partition_list_t *offs, size_t n, uint64_t seq) {
        char errstr[512];
        int64_t t0 = ib_mono_us();
        const char *ename;
        ib_retry_t rt;
        ib_err_t err;
        ib_mode_retry_begin(r->ctx, &rt, r->conf->offsets == OFFSETS_ZK ? "ZooKeeper offset commit" : "offset commit");
        while ((err = commit_once(r, offs, &ename, errstr, sizeof(errstr))) && ib_mode_retry(r->ctx, &rt, err))
                ;
        ib_mode_retry_end(r->ctx, &rt, err, errstr, sizeof(errstr));
        int64_t us = ib_mono_us() - t0;
        json_t *plist = json_array();
        for (int i = 0; i < offs->cnt; i++)
                json_array_append_new(plist, json_pack("{s:i,s:I}", "partition", (int)offs->elems[i].partition,
                                                       "offset", (json_int_t)offs->elems[i].offset));
        ib_event_commit_offsets(r->ctx, (int64_t)seq, (int64_t)n, offsets_names[r->conf->offsets], err == IB_OK,
                                err ? ename : NULL, plist, (double)us / 1000.0, rt.attempts + 1);
        pthread_mutex_lock(&r->lock);
        ib_hist_record(&r->commit_us, (uint64_t)us);
        if (err)
                ib_stats_count_name(r->commit_errors, ename ? ename : ib_err2name(err));
        else
                r->commits_ok++;
        r->commit_pending = err != IB_OK;
        pthread_mutex_unlock(&r->lock);
}

static void *receive_main(void *arg) {
        receiver_t *r = arg;
        char errstr[512];
        rd_kafka_message_t **msgs = malloc(MAX_POLL_BATCH * sizeof(*msgs));
        ib_record_t *recs = malloc(MAX_POLL_BATCH * sizeof(*recs));
        rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(topics, r->cfg->topic, RD_KAFKA_PARTITION_UA);
        rd_kafka_resp_err_t se = rd_kafka_subscribe(r->rk, topics);
        rd_kafka_topic_partition_list_destroy(topics);
        if (!msgs || !recs) {
                thread_fail(r, IB_ERR_NOMEM, "out of memory");
        } else if (se) {
                snprintf(errstr, sizeof(errstr), "subscribe to %s: %s", r->cfg->topic, rd_kafka_err2str(se));
                thread_fail(r, IB_ERR_KAFKA, errstr);
        }
        while (!wait_for_room(r)) {
                char fatal[640];
                size_t n = poll_new(r, msgs, fatal, sizeof(fatal));
                if (fatal[0]) {
                        for (size_t i = 0; i < n; i++)
                                rd_kafka_message_destroy(msgs[i]);
                        snprintf(errstr, sizeof(errstr), "the consumer stopped on a fatal error: %.400s", fatal);
                        thread_fail(r, IB_ERR_KAFKA, errstr);
                        break;
                }
                if (n == 0)
                        continue;
                uint64_t seq = ++r->batch_seq;
                ib_err_t err = log_batch(r, msgs, recs, n, seq, errstr, sizeof(errstr));
                if (!err && ib_fault("receiver.crash_before_commit"))
                        /* Crash point for tests: the batch is in the log, its offsets are
                         * not committed; a restart gets it again from Kafka (the window
                         * Spark's receiver documentation warns of). */
                        raise(SIGKILL);
                rd_kafka_topic_partition_list_t *offs = err ? NULL : batch_offsets(r, msgs, n);
                for (size_t i = 0; i < n; i++)
                        rd_kafka_message_destroy(msgs[i]);
                if (err) {
                        thread_fail(r, err, errstr);
                        break;
                }
                commit_offsets(r, offs, n, seq);
                rd_kafka_topic_partition_list_destroy(offs);
        }
        r->closing = 1; /* callbacks from here on ask the group thread nothing */
        r->closed = ib_group_close(r->rk, 30000, r->ctx->events) == 0; /* leave the group */
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
        ib_err_t gerr = ib_batch_group(batch, wb->records, wb->count, &r->scratch);
        if (gerr)
                return ib_seterr(errstr, errstr_size, gerr,
                                 "write-ahead log batch %" PRIu64 ": cannot group its records", wb->seq);
        for (size_t i = 0; i < batch->nranges; i++) {
                int32_t p = batch->ranges[i].partition;
                if (p >= IB_PROCESSED_MAX_PARTITIONS)
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
                int got;
                ib_err_t rerr = ib_wal_reader_next(r->rd, r->replay_end, &wb, &got, errstr, errstr_size);
                if (rerr)
                        return rerr;
                if (got) {
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
        int got;
        ib_err_t rerr = ib_wal_reader_next(r->rd, readable, &wb, &got, errstr, errstr_size);
        if (rerr)
                return rerr;
        if (got)
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
        ib_err_t err = ib_processed_store(r->wal_dir, &r->processed, errstr, errstr_size);
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

static ib_err_t receiver_configure(void *conf, const ib_config_t *cfg, char *errstr, size_t errstr_size) {
        receiver_conf_t *rc = conf;
        if (rc->offsets == OFFSETS_ZK && !rc->zk.hosts)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "--offsets zk needs --zookeeper");
        ib_err_t err = ib_group_conf_check(&rc->group, errstr, errstr_size);
        if (err)
                return err;
        if (!rc->wal_dir) {
                snprintf(rc->wal_dir_buf, sizeof(rc->wal_dir_buf), "%s/wal", cfg->state_dir);
                rc->wal_dir = rc->wal_dir_buf;
        }
        return IB_OK;
}

/* The consumer-group member of the receive thread. */
static ib_err_t receiver_consumer(receiver_t *r, char *errstr, size_t errstr_size) {
        const char *settings[] = {"group.id", r->cfg->group, "enable.auto.commit", "false",
                                  "auto.offset.reset", "earliest", NULL};
        ib_err_t err = ib_group_consumer_new(r->ctx->brokers, settings, &r->conf->group, &r->cfg->props, rebalance_cb,
                                             NULL, r, &r->rk, &r->protocol, errstr, errstr_size);
        if (err)
                return err;
        int nparts;
        return ib_kafka_partition_count_wait(r->rk, r->cfg->topic, (int)r->cfg->connect_timeout_ms, &nparts, errstr,
                                        errstr_size);
}

/* The log: load the processed position, open the reader there (segments
 * that exist now are the recovery horizon), then start a new segment. */
static ib_err_t open_log(receiver_t *r, char *errstr, size_t errstr_size) {
        ib_wal_fsync_t fpol;
        int fms;
        ib_wal_fsync_parse(r->conf->fsync, &fpol, &fms); /* checked by check_fsync */
        ib_err_t err;
        if ((err = ib_processed_load(r->wal_dir, &r->processed, errstr, errstr_size)))
                return err;
        ib_wal_pos_t from = r->processed.pos;
        if ((err = ib_wal_reader_open(r->wal_dir, from, r->policy, on_damage, r, &r->rd, errstr, errstr_size)))
                return err;
        ib_wal_writer_conf_t wc = {r->wal_dir, (uint64_t)r->conf->segment_bytes, fpol, fms};
        if ((err = ib_wal_writer_open(&wc, &r->w, errstr, errstr_size)))
                return err;
        r->replay_end = ib_wal_writer_start(r->w);
        r->replaying = 1;
        r->retained_below = r->processed.pos.segment;
        ib_eventlog_emit(r->ctx->events, "wal_open",
                         json_pack("{s:s,s:s,s:s,s:{s:I,s:I},s:I,s:b,s:s}", "dir", r->wal_dir, "fsync", r->conf->fsync,
                                   "recovery", ib_wal_recovery_name(r->policy), "processed", "segment",
                                   (json_int_t)from.segment, "offset", (json_int_t)from.offset,
                                   "new_segment", (json_int_t)r->replay_end.segment, "dedup", r->conf->dedup,
                                   "offsets", offsets_names[r->conf->offsets]));
        return IB_OK;
}

static ib_err_t receiver_open(ib_mode_ctx_t *ctx, void **st, char *errstr, size_t errstr_size) {
        const ib_config_t *cfg = ctx->cfg;
        receiver_t *r = calloc(1, sizeof(*r));
        if (!r)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        *st = r;
        r->ctx = ctx;
        r->cfg = cfg;
        r->conf = ctx->conf;
        r->wal_dir = r->conf->wal_dir;
        r->policy = (ib_wal_recovery_t)r->conf->recovery;
        r->commit_errors = json_object();
        ib_hist_init(&r->commit_us);
        for (int i = 0; i < IB_PROCESSED_MAX_PARTITIONS; i++)
                r->start[i] = -1;
        pthread_mutex_init(&r->lock, NULL);
        pthread_cond_init(&r->cond, NULL);
        ib_mode_waiting(ctx, 1); /* until the first assignment */

        /* Kafka first: an unreachable broker is reported before anything is written. */
        ib_err_t err;
        if ((err = receiver_consumer(r, errstr, errstr_size)))
                return err;
        if (r->conf->offsets == OFFSETS_ZK) {
                char dir[600];
                snprintf(dir, sizeof(dir), "/consumers/%s/offsets/%s", cfg->group, cfg->topic);
                if ((err = ib_zk_connect(r->conf->zk.hosts, r->conf->zk.auth, (int)r->conf->zk.session_timeout_ms,
                                         (int)cfg->connect_timeout_ms, &r->zk, errstr, errstr_size)) ||
                    (err = ib_zkoffsets_open(r->zk, dir, &r->zk_offsets, errstr, errstr_size)))
                        return err;
        }
        return open_log(r, errstr, errstr_size);
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
        if (r->rk && (r->closed || !r->thread_started))
                rd_kafka_destroy(r->rk); /* not after a close that never finished (ib_group_close) */
        ib_wal_writer_close(r->w);
        ib_wal_reader_close(r->rd);
        ib_zkoffsets_close(r->zk_offsets);
        ib_zk_close(r->zk);
        json_decref(r->commit_errors);
        pthread_cond_destroy(&r->cond);
        pthread_mutex_destroy(&r->lock);
        ib_group_scratch_free(&r->scratch);
        ib_group_losses_free(&r->losses);
        free(r);
}

static void receiver_lag(void *st, json_t *lag, int *caught_up) {
        receiver_t *r = st;
        int kafka_caught_up = 0;
        pthread_mutex_lock(&r->lock);
        memcpy(r->lag_start, r->start, sizeof(r->start));
        pthread_mutex_unlock(&r->lock);
        ib_group_lag(r->rk, r->cfg->topic, IB_LAG_TIMEOUT_MS, r->lag_start, IB_PROCESSED_MAX_PARTITIONS, lag,
                     &kafka_caught_up);
        pthread_mutex_lock(&r->lock);
        int pending = r->commit_pending || r->thread_err;
        pthread_mutex_unlock(&r->lock);
        int logged = !r->replaying && ib_wal_pos_cmp(ib_wal_readable(r->w), ib_wal_reader_pos(r->rd)) <= 0;
        *caught_up = kafka_caught_up && logged && !pending;
}

static void receiver_stats(void *st, json_t *out) {
        receiver_t *r = st;
        ib_wal_writer_stats_t ws;
        memset(&ws, 0, sizeof(ws));
        ib_hist_init(&ws.fsync_us);
        if (r->w)
                ib_wal_writer_stats(r->w, &ws);
        json_object_set_new(out, "group_protocol", json_string(ib_rebalance_name(r->protocol)));
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
        json_object_set_new(out, "offset_store",
                            json_pack("{s:s,s:I,s:I}", "op", r->conf->offsets == OFFSETS_ZK ? "log fsync + ZooKeeper commit" : "log fsync + Kafka commit",
                                      "count", (json_int_t)(ws.fsyncs + r->commits_ok), "bytes_written",
                                      (json_int_t)ws.bytes));
        json_object_set_new(out, "commit_errors", json_copy(r->commit_errors));
        json_object_set_new(out, "commit_ms", ib_hist_to_json_ms(&r->commit_us));
        json_object_set_new(out, "offsets_to", json_string(offsets_names[r->conf->offsets]));
        json_object_set_new(out, "dedup", json_boolean(r->conf->dedup));
        json_object_set_new(out, "dedup_skipped", json_integer((json_int_t)r->dedup_skipped));
        json_object_set_new(out, "recovered_batches", json_integer((json_int_t)r->recovered_batches));
        json_object_set_new(out, "recovered_records", json_integer((json_int_t)r->recovered_records));
        json_object_set_new(out, "wal_damage_reports", json_integer((json_int_t)reports));
        json_object_set_new(out, "wal_damage_dropped_bytes", json_integer((json_int_t)dropped));
        pthread_mutex_unlock(&r->lock);
}

/* The log's fault points a scenario may arm (wal/wal.c registers them). */
static const char *const receiver_inject_points[] = {"wal.write", "wal.fsync", NULL};

const ib_mode_t ib_mode_receiver = {
    receiver_configure,  /* configure: --offsets zk needs --zookeeper; the log's directory */
    receiver_open,       /* open: next_batch replays the log before the receiver starts */
    receiver_next_batch, /* next_batch: the processor */
    receiver_commit,     /* commit: the processed position */
    receiver_lag,        /* lag: the member's positions, the log processed, the offsets stored */
    receiver_stats,      /* stats */
    receiver_close,      /* close */
    "receiver",          /* name */
    "a receive thread writes a write-ahead log before committing offsets; a processor replays it",
    receiver_options,          /* options */
    sizeof(receiver_conf_t),   /* conf_size */
    0,    /* commits_cover_sink: commits cover the log, replayed into the sink */
    0,    /* static_split: a consumer group */
    0,    /* needs_zookeeper: only with --offsets zk */
    0,    /* sink_transactions */
    receiver_inject_points, /* inject_points */
    NULL, /* worker_args */
};
