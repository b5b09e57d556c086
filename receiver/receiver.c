/*
 * receiver.c: the receiver mode (Spark's receiver with a write-ahead log).
 *
 * Four threads, and a ring of logged batches between them (handoff.h):
 *   - the receive thread (started here) is a consumer-group member: it polls
 *     a batch and appends it to the log in one write, then polls the next;
 *   - the flusher (started here) makes every batch written so far durable
 *     with one fsync under the fsync policy (group commit) and hands them to
 *     the processor and the committer;
 *   - the committer (started here) then commits the offsets a run of durable
 *     batches reached, in one commit, to Kafka or (--offsets zk) to
 *     ZooKeeper under /consumers/<group>/offsets/<topic>/<partition>, the
 *     layout of Kafka's old high-level consumer, while the flusher makes the
 *     next run durable;
 *   - the processor is the runner's thread: next_batch() takes every durable
 *     batch waiting, from memory (the client's messages, kept until they
 *     are processed), as one pipeline batch; commit() stores the processed
 *     position, releases the messages and deletes segments that are wholly
 *     processed. The log is read back only to recover after a crash, as
 *     Spark's receiver uses its log.
 * The data is written twice (Kafka, then the log): the stats report the
 * write amplification. A crash between the log write and the offset commit
 * makes Kafka deliver the batch again, and the log then holds it twice: the
 * duplicates Spark's documentation warns of. --wal-dedup removes them: after
 * a restart each partition resumes past the highest offset the log holds and
 * offsets already in the log are skipped. A receiver that stops (a signal,
 * the idle rule) commits what it logged, leaves its group, and processes
 * what its log holds before it exits (stop_input), so that a worker removed
 * for good leaves nothing behind in its log.
 *
 * Recovery: on open, the processor first replays every whole batch the log
 * holds past the processed position; the receive thread starts only then.
 * Each replayed batch has the ranges it had before (a pipeline batch from
 * memory holds one range per partition per log batch, in log order), so the
 * dir sink rewrites the same files.
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
#include "array.h"
#include "group.h"
#include "handoff.h"
#include "hist.h"
#include "kafka.h"
#include "poll.h"
#include "processed.h"
#include "stats.h"
#include "wal.h"
#include "zk.h"
#include "zkoffsets.h"

/* A poll, and so a log batch, holds at most this many records. Smaller
 * batches keep the log write, the flusher's fsync and the processor
 * overlapping within --wal-backlog-bytes: measured on 3M records at pipeline
 * none, 5000 drained 1.52-1.75M records/s against 1.00-1.41M for 10000
 * (2500: 1.51-1.85M), at the same peak RSS; at full, no difference. */
#define MAX_POLL_BATCH 5000
/* A pipeline batch coalesces durable log batches up to this many records. */
#define IB_COALESCE_RECORDS 20000
/* Bounds: the receive thread's wait for its logged batches' commit before it
 * leaves the group or lets a rebalance go on, and the processor's wait for a
 * definite answer once input stopped. */
#define IB_LEAVE_COMMIT_WAIT_MS 20000
#define IB_DRAIN_WAIT_MS 20000

enum { PENDING_NONE, PENDING_REPLAYED, PENDING_MEMORY };

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
        int64_t block_ms;          /* a log batch gathers polls for this long after its first record */
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
    IB_OPT_BYTES(R, backlog_bytes, "wal-backlog-bytes", "N", "12m", 4096, INT64_MAX / 4,
                 "receiver waits while the processor is N log bytes behind (the messages held in memory)"),
    IB_OPT_INT(R, block_ms, "block-ms", "MS", "20", 0, 60000,
               "a log batch gathers what polls bring for up to MS after its first record, up to 5,000 records "
               "(Spark's block interval; 0: one poll)"),
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
        ib_record_t *precs;           /* processor: a log batch's records, reused */
        size_t precs_cap;
        ib_record_t recs[MAX_POLL_BATCH]; /* receive thread: a poll's records, for the log */
        uint64_t last_seq;            /* highest batch number seen in the log */
        int pending;                  /* what commit() stores: PENDING_* */
        ib_wal_pos_t pending_end;
        uint64_t pending_seq;
        uint64_t pending_from, pending_upto; /* PENDING_MEMORY: the handoff's batches */
        uint64_t pipeline_batches, coalesced_batches;

        ib_handoff_t ho;              /* logged batches, receive thread -> flusher -> committer, processor */
        pthread_t thread, flusher, committer;
        int thread_started, flusher_started, committer_started;

        /* shared with the receive thread, the flusher and the committer, under lock */
        pthread_mutex_t lock;
        int stop;                     /* receive no more (stop_input, close) */
        int flusher_stop;             /* set once the receive thread is done */
        int flusher_done;             /* the flusher makes nothing more durable */
        int commit_pending;           /* the last logged batch's offsets are not stored */
        int64_t start[IB_PROCESSED_MAX_PARTITIONS]; /* where each assigned partition started, -1 unknown */
        int64_t lag_start[IB_PROCESSED_MAX_PARTITIONS]; /* processor: a copy for ib_group_lag */
        int64_t dedup_high[IB_PROCESSED_MAX_PARTITIONS]; /* receive thread: highest offset logged */
        rd_kafka_message_t **block;   /* receive thread: the messages polled for the next log batch */
        size_t nblock;
        int paused;                   /* receive thread: the assignment is paused (no free slot) */
        int64_t paused_us;
        uint64_t batch_seq;
        uint64_t received, received_bytes, dedup_skipped, commits_ok, group_commits, batches_committed;
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

/* Drops the messages of the block being gathered (polled, not yet logged)
 * that belong to the partitions in @p gone: they are not in the log and
 * their offsets are not committed, so whoever owns those partitions next
 * reads them from the committed offset. */
static void drop_gathered(receiver_t *r, const rd_kafka_topic_partition_list_t *gone) {
        size_t kept = 0, n = r->nblock;
        for (size_t i = 0; i < n; i++) {
                rd_kafka_message_t *m = r->block[i];
                int going = 0;
                for (int k = 0; k < gone->cnt && !going; k++)
                        going = gone->elems[k].partition == m->partition;
                if (going)
                        rd_kafka_message_destroy(m);
                else
                        r->block[kept++] = m;
        }
        r->nblock = kept;
        if (kept < n)
                ib_eventlog_emit(r->ctx->events, "block_dropped",
                                 json_pack("{s:I,s:s}", "records", (json_int_t)(n - kept), "why",
                                           "polled for partitions that went before the block was logged"));
}

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
        if (!assigned)
                drop_gathered(r, parts);
        if (!assigned)
                /* What the log holds is committed before the partitions go, revoked or
                 * lost (bounded): the committer may be committing the last batches while
                 * this thread polled. After a loss too: a coordinator that moved (a
                 * broker killed) takes the old generation's commit once it is back, as
                 * long as this member has not rejoined, which happens after this
                 * callback. */
                ib_handoff_wait_committed(&r->ho, IB_LEAVE_COMMIT_WAIT_MS);
        pthread_mutex_lock(&r->lock);
        r->commit_pending = 0; /* what was not stored is the next owner's to read */
        pthread_mutex_unlock(&r->lock);
        /* A partition's pause outlives its assignment in the client: one that
         * goes is resumed first, and one that comes is paused while the
         * receive thread holds back (set_paused). */
        if (!assigned && r->paused)
                rd_kafka_resume_partitions(rk, parts);
        ib_group_apply(rk, err, parts, r->protocol);
        if (assigned) {
                if (r->paused)
                        rd_kafka_pause_partitions(rk, parts);
                ib_mode_assigned(r->ctx);
        }
}

/* Polls up to @p max messages into @p msgs, waiting up to @p wait_ms for
 * the first, and under --wal-dedup drops what the log holds already.
 * @returns how many messages are left. */
static size_t poll_new(receiver_t *r, rd_kafka_message_t **msgs, size_t max, int wait_ms, char *fatal,
                       size_t fatal_size) {
        size_t n = ib_kafka_poll_batch(r->rk, wait_ms, msgs, max, r->ctx->events, fatal, fatal_size);
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

/* The offsets a batch reached, per partition (and the dedup table's
 * highest logged offset). */
static rd_kafka_topic_partition_list_t *batch_offsets(receiver_t *r, rd_kafka_message_t **msgs, size_t n) {
        rd_kafka_topic_partition_list_t *offs = rd_kafka_topic_partition_list_new(16);
        rd_kafka_topic_partition_t *tp = NULL;
        for (size_t i = 0; i < n; i++) {
                /* a poll brings runs of one partition: look the entry up when the partition changes */
                if (!tp || tp->partition != msgs[i]->partition)
                        tp = rd_kafka_topic_partition_list_find(offs, r->cfg->topic, msgs[i]->partition);
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

/* Writes the polled batch in @p slot to the log (one write(2); the flusher
 * makes it durable). On failure nothing of it is committed: Kafka keeps it. */
static ib_err_t log_batch(receiver_t *r, ib_logged_t *slot, char *errstr, size_t errstr_size) {
        rd_kafka_message_t **msgs = (rd_kafka_message_t **)slot->items;
        uint64_t value_bytes = 0;
        for (size_t i = 0; i < slot->n; i++) {
                r->recs[i] = ib_kafka_record(msgs[i]);
                value_bytes += msgs[i]->len;
        }
        ib_err_t err = ib_wal_append(r->w, r->cfg->topic, r->recs, slot->n, slot->seq, &slot->end, errstr,
                                     errstr_size);
        if (err) {
                ib_eventlog_emit(r->ctx->events, "wal_error",
                                 json_pack("{s:s,s:s}", "error", ib_err2name(err), "message", errstr));
                return err;
        }
        slot->bytes = ib_wal_batch_bytes(r->cfg->topic, r->recs, slot->n); /* a batch never spans segments */
        slot->start = (ib_wal_pos_t){slot->end.segment, slot->end.offset - slot->bytes};
        slot->offsets = batch_offsets(r, msgs, slot->n);
        slot->logged_n = slot->n;
        pthread_mutex_lock(&r->lock);
        r->received += slot->n;
        r->received_bytes += value_bytes;
        pthread_mutex_unlock(&r->lock);
        return IB_OK;
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

static void destroy_messages(ib_logged_t *slot) {
        for (size_t i = 0; i < slot->n; i++)
                rd_kafka_message_destroy(((rd_kafka_message_t **)slot->items)[i]);
        slot->n = 0;
}

/* Moves the @p n polled messages into @p slot, whose arrays grow to what
 * polls brought (not to the largest possible poll: the ring reuses every
 * slot in turn, and each keeps its arrays). */
static ib_err_t slot_fill(ib_logged_t *slot, rd_kafka_message_t **msgs, size_t n) {
        if (ib_array_grow(&slot->items, &slot->items_cap, n, sizeof(*slot->items), 1024))
                return IB_ERR_NOMEM;
        memcpy(slot->items, msgs, n * sizeof(*msgs));
        slot->n = n;
        return IB_OK;
}

/* Pauses or resumes the whole assignment. While paused the client fetches
 * nothing and drops what it had fetched; a resume fetches again from the
 * offset after the last message polled. */
static void set_paused(receiver_t *r, int paused) {
        if (r->paused == paused)
                return;
        rd_kafka_topic_partition_list_t *a = NULL;
        if (rd_kafka_assignment(r->rk, &a) == RD_KAFKA_RESP_ERR_NO_ERROR && a) {
                if (paused)
                        rd_kafka_pause_partitions(r->rk, a);
                else
                        rd_kafka_resume_partitions(r->rk, a);
                rd_kafka_topic_partition_list_destroy(a);
        }
        r->paused = paused;
        int64_t now = ib_mono_us();
        if (paused)
                r->paused_us = now;
        else
                ib_eventlog_emit(r->ctx->events, "receive_paused",
                                 json_pack("{s:f,s:s}", "ms", (double)(now - r->paused_us) / 1000.0, "why",
                                           "no free slot: a commit stalled or the processor --wal-backlog-bytes behind"));
}

/* One poll (waiting up to @p wait_ms) into the scratch @p polled, then
 * appended to the block: a rebalance inside the poll may drop some of the
 * block (drop_gathered), so the poll never writes into it directly. */
static void gather(receiver_t *r, rd_kafka_message_t **polled, int wait_ms, char *fatal, size_t fatal_size) {
        size_t n = poll_new(r, polled, MAX_POLL_BATCH - r->nblock, wait_ms, fatal, fatal_size);
        memcpy(r->block + r->nblock, polled, n * sizeof(*polled));
        r->nblock += n;
}

static int receiving(receiver_t *r) {
        pthread_mutex_lock(&r->lock);
        int on = !r->stop && !*r->ctx->stop;
        pthread_mutex_unlock(&r->lock);
        return on;
}

static void *receive_main(void *arg) {
        receiver_t *r = arg;
        char errstr[512];
        rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(topics, r->cfg->topic, RD_KAFKA_PARTITION_UA);
        rd_kafka_resp_err_t se = rd_kafka_subscribe(r->rk, topics);
        rd_kafka_topic_partition_list_destroy(topics);
        /* the block gathered (moved into a slot once logged), and one poll's messages */
        r->block = malloc(MAX_POLL_BATCH * sizeof(*r->block));
        rd_kafka_message_t **polled = malloc(MAX_POLL_BATCH * sizeof(*polled));
        if (se) {
                snprintf(errstr, sizeof(errstr), "subscribe to %s: %s", r->cfg->topic, rd_kafka_err2str(se));
                ib_handoff_fail(&r->ho, IB_ERR_KAFKA, errstr);
        } else if (!polled || !r->block) {
                se = RD_KAFKA_RESP_ERR__FAIL;
                ib_handoff_fail(&r->ho, IB_ERR_NOMEM, "out of memory");
        }
        while (!se && receiving(r)) {
                /* a free slot, while the processor is less than --wal-backlog-bytes behind */
                ib_logged_t *slot = ib_handoff_slot(&r->ho, (uint64_t)r->conf->backlog_bytes, 100);
                char fatal[640];
                size_t n;
                if (!slot) {
                        if (ib_handoff_error(&r->ho))
                                break;
                        /* No free slot: a commit is stalled, or the processor is
                         * far behind. A member that stops polling for longer
                         * than max.poll.interval.ms leaves its group, and the
                         * commits of what it logged then fail: it keeps
                         * polling, with its assignment paused. What a poll
                         * still brings joins the next block. */
                        set_paused(r, 1);
                        gather(r, polled, 0, fatal, sizeof(fatal));
                        if (fatal[0]) {
                                snprintf(errstr, sizeof(errstr), "the consumer stopped on a fatal error: %.400s", fatal);
                                ib_handoff_fail(&r->ho, IB_ERR_KAFKA, errstr);
                                break;
                        }
                        continue;
                }
                set_paused(r, 0);
                gather(r, polled, r->nblock ? 0 : 100, fatal, sizeof(fatal));
                /* Spark's block interval: more polls join the block for up to
                 * --block-ms after its first record, so that a trickle makes
                 * few log batches (each is a range per partition downstream,
                 * a dir sink file each). A rebalance inside a poll drops the
                 * block's messages of the partitions that go (drop_gathered). */
                int64_t close_us = ib_mono_us() + r->conf->block_ms * 1000;
                while (r->nblock > 0 && r->nblock < MAX_POLL_BATCH && !fatal[0] && receiving(r)) {
                        int64_t left_ms = (close_us - ib_mono_us()) / 1000;
                        if (left_ms <= 0)
                                break;
                        gather(r, polled, (int)left_ms, fatal, sizeof(fatal));
                }
                n = r->nblock;
                r->nblock = 0;
                if (slot_fill(slot, r->block, n)) {
                        for (size_t i = 0; i < n; i++)
                                rd_kafka_message_destroy(r->block[i]);
                        ib_handoff_fail(&r->ho, IB_ERR_NOMEM, "out of memory");
                        break;
                }
                if (fatal[0]) {
                        destroy_messages(slot);
                        snprintf(errstr, sizeof(errstr), "the consumer stopped on a fatal error: %.400s", fatal);
                        ib_handoff_fail(&r->ho, IB_ERR_KAFKA, errstr);
                        break;
                }
                if (slot->n == 0)
                        continue;
                slot->seq = ++r->batch_seq;
                ib_err_t err = log_batch(r, slot, errstr, sizeof(errstr));
                if (err) {
                        destroy_messages(slot);
                        ib_handoff_fail(&r->ho, err, errstr);
                        break;
                }
                ib_handoff_logged(&r->ho); /* the flusher takes it from here */
        }
        /* What the log holds is committed before the group is left: a
         * successor starts past it, and this worker's processor drains it
         * (stop_input) or its next run replays it. */
        free(polled);
        for (size_t i = 0; i < r->nblock; i++) /* polled while held back, never logged: not committed either */
                rd_kafka_message_destroy(r->block[i]);
        r->nblock = 0;
        free(r->block); /* empty: the callbacks of the close below find nothing to drop */
        r->block = NULL;
        ib_handoff_wait_committed(&r->ho, IB_LEAVE_COMMIT_WAIT_MS);
        ib_handoff_end_input(&r->ho);
        r->closing = 1; /* callbacks from here on ask the group thread nothing */
        r->closed = ib_group_close(r->rk, 30000, r->ctx->events) == 0; /* leave the group */
        return NULL;
}

/* The flusher: makes every batch logged so far durable with one fsync (group
 * commit) and hands them to the processor and the committer, while the
 * receive thread polls the next batch and the committer stores the previous
 * group's offsets. */
static void *flusher_main(void *arg) {
        receiver_t *r = arg;
        char errstr[512];
        for (;;) {
                uint64_t from, upto;
                if (!ib_handoff_wait_logged(&r->ho, 100, &from, &upto)) {
                        pthread_mutex_lock(&r->lock);
                        int quit = r->flusher_stop;
                        pthread_mutex_unlock(&r->lock);
                        if (quit)
                                break;
                        continue;
                }
                ib_err_t err = ib_wal_sync(r->w, ib_handoff_at(&r->ho, upto - 1)->end, errstr, sizeof(errstr));
                if (err) {
                        ib_eventlog_emit(r->ctx->events, "wal_error",
                                         json_pack("{s:s,s:s}", "error", ib_err2name(err), "message", errstr));
                        ib_handoff_fail(&r->ho, err, errstr);
                        break;
                }
                if (ib_fault("receiver.crash_before_commit"))
                        /* Crash point for tests: the batch is in the log, its offsets are
                         * not committed; a restart gets it again from Kafka (the window
                         * Spark's receiver documentation warns of). */
                        raise(SIGKILL);
                ib_handoff_durable(&r->ho, upto); /* the processor and the committer may take them now */
        }
        pthread_mutex_lock(&r->lock);
        r->flusher_done = 1;
        pthread_mutex_unlock(&r->lock);
        return NULL;
}

/* The committer: commits the offsets every durable batch reached, one
 * commit per run of them ("log durable, then commit"), in log order. What
 * was durable before a failure is committed too; it ends once the flusher
 * has and nothing durable is left uncommitted. */
static void *committer_main(void *arg) {
        receiver_t *r = arg;
        for (;;) {
                pthread_mutex_lock(&r->lock);
                int quit = r->flusher_done; /* read before looking: what it made durable is seen below */
                pthread_mutex_unlock(&r->lock);
                uint64_t from, upto;
                if (!ib_handoff_wait_durable(&r->ho, quit ? 0 : 100, &from, &upto)) {
                        if (quit)
                                break;
                        continue;
                }
                /* The slots stay the receive thread's to refill only once committed:
                 * their offsets and logged_n are this thread's until then. */
                size_t records = 0;
                rd_kafka_topic_partition_list_t *offs = rd_kafka_topic_partition_list_new(16);
                for (uint64_t i = from; i < upto; i++) {
                        ib_logged_t *slot = ib_handoff_at(&r->ho, i);
                        rd_kafka_topic_partition_list_t *bo = slot->offsets;
                        for (int k = 0; k < bo->cnt; k++) {
                                rd_kafka_topic_partition_t *tp =
                                    rd_kafka_topic_partition_list_find(offs, r->cfg->topic, bo->elems[k].partition);
                                if (!tp)
                                        tp = rd_kafka_topic_partition_list_add(offs, r->cfg->topic,
                                                                               bo->elems[k].partition);
                                if (bo->elems[k].offset > tp->offset)
                                        tp->offset = bo->elems[k].offset;
                        }
                        records += slot->logged_n;
                        rd_kafka_topic_partition_list_destroy(bo);
                        slot->offsets = NULL;
                }
                uint64_t last_seq = ib_handoff_at(&r->ho, upto - 1)->seq;
                pthread_mutex_lock(&r->lock);
                r->group_commits++;
                r->batches_committed += upto - from;
                pthread_mutex_unlock(&r->lock);
                ib_handoff_commit_begin(&r->ho);
                commit_offsets(r, offs, records, last_seq);
                rd_kafka_topic_partition_list_destroy(offs);
                ib_handoff_committed(&r->ho, upto);
        }
        ib_handoff_flusher_gone(&r->ho);
        return NULL;
}

static ib_err_t start_receiving(receiver_t *r, char *errstr, size_t errstr_size) {
        memcpy(r->dedup_high, r->processed.high, sizeof(r->dedup_high));
        r->batch_seq = r->last_seq > r->processed.batch ? r->last_seq : r->processed.batch;
        if (pthread_create(&r->committer, NULL, committer_main, r) != 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "cannot start the offset committer thread");
        r->committer_started = 1;
        if (pthread_create(&r->flusher, NULL, flusher_main, r) != 0) {
                pthread_mutex_lock(&r->lock);
                r->flusher_done = 1; /* the committer ends at once */
                pthread_mutex_unlock(&r->lock);
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "cannot start the log flusher thread");
        }
        r->flusher_started = 1;
        if (pthread_create(&r->thread, NULL, receive_main, r) != 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "cannot start the receive thread");
        r->thread_started = 1;
        return IB_OK;
}

/* ---- the processor (runner's thread) ------------------------------------- */

/* Notes the ranges of @p batch in the processed position's dedup table. */
static ib_err_t note_ranges(receiver_t *r, const ib_batch_t *batch, size_t first_range, uint64_t seq, char *errstr,
                            size_t errstr_size) {
        for (size_t i = first_range; i < batch->nranges; i++) {
                int32_t p = batch->ranges[i].partition;
                if (p >= IB_PROCESSED_MAX_PARTITIONS)
                        return ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT,
                                         "write-ahead log batch %" PRIu64 ": partition %d out of range", seq, (int)p);
                if (p + 1 > r->processed.npartitions)
                        r->processed.npartitions = p + 1;
                if (batch->ranges[i].until - 1 > r->processed.high[p])
                        r->processed.high[p] = batch->ranges[i].until - 1; /* stored by commit() */
        }
        if (seq > r->last_seq)
                r->last_seq = seq;
        return IB_OK;
}

/* Hands a log batch read back (recovery) to the runner as one range per
 * partition, and notes what commit() will store. */
static ib_err_t fill_replayed(receiver_t *r, const ib_wal_batch_t *wb, ib_batch_t *batch, char *errstr,
                              size_t errstr_size) {
        batch->topic = r->cfg->topic;
        batch->seq = wb->seq;
        ib_err_t gerr = ib_batch_group(batch, wb->records, wb->count, &r->scratch);
        if (gerr)
                return ib_seterr(errstr, errstr_size, gerr,
                                 "write-ahead log batch %" PRIu64 ": cannot group its records", wb->seq);
        ib_err_t err = note_ranges(r, batch, 0, wb->seq, errstr, errstr_size);
        if (err)
                return err;
        r->pending = PENDING_REPLAYED;
        r->pending_end = wb->end;
        r->pending_seq = wb->seq;
        return IB_OK;
}

/* Hands the durable batches [from, upto) to the runner from memory, as one
 * pipeline batch: each log batch's records as one range per partition, in
 * log order, so that the ranges (and a dir sink's files) are those a replay
 * of the same log batches makes. */
static ib_err_t fill_logged(receiver_t *r, uint64_t from, uint64_t upto, ib_batch_t *batch, char *errstr,
                            size_t errstr_size) {
        batch->topic = r->cfg->topic;
        for (uint64_t i = from; i < upto; i++) {
                const ib_logged_t *slot = ib_handoff_at(&r->ho, i);
                size_t first = batch->nranges;
                if (ib_array_grow(&r->precs, &r->precs_cap, slot->n, sizeof(*r->precs), 1024))
                        return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                for (size_t k = 0; k < slot->n; k++)
                        r->precs[k] = ib_kafka_record(((rd_kafka_message_t **)slot->items)[k]);
                ib_err_t gerr = ib_batch_group(batch, r->precs, slot->n, &r->scratch);
                if (gerr)
                        return ib_seterr(errstr, errstr_size, gerr,
                                         "write-ahead log batch %" PRIu64 ": cannot group its records", slot->seq);
                ib_err_t err = note_ranges(r, batch, first, slot->seq, errstr, errstr_size);
                if (err)
                        return err;
                batch->seq = slot->seq;
                r->pending_end = slot->end;
                r->pending_seq = slot->seq;
        }
        r->pending = PENDING_MEMORY;
        r->pending_from = from;
        r->pending_upto = upto;
        r->pipeline_batches++;
        r->coalesced_batches += upto - from;
        return IB_OK;
}

static ib_err_t replay_next(receiver_t *r, ib_batch_t *batch, int *done, char *errstr, size_t errstr_size) {
        ib_wal_batch_t wb;
        int got;
        *done = 0;
        ib_err_t rerr = ib_wal_reader_next(r->rd, r->replay_end, &wb, &got, errstr, errstr_size);
        if (rerr)
                return rerr;
        if (got) {
                r->recovered_batches++;
                r->recovered_records += wb.count;
                return fill_replayed(r, &wb, batch, errstr, errstr_size);
        }
        r->replaying = 0;
        *done = 1;
        uint64_t reports, dropped;
        ib_wal_reader_damage(r->rd, &reports, &dropped);
        ib_eventlog_emit(r->ctx->events, "recovered",
                         json_pack("{s:I,s:I,s:I,s:I,s:s}", "batches", (json_int_t)r->recovered_batches,
                                   "records", (json_int_t)r->recovered_records,
                                   "damage_reports", (json_int_t)reports, "dropped_bytes", (json_int_t)dropped,
                                   "policy", ib_wal_recovery_name(r->policy)));
        return start_receiving(r, errstr, errstr_size);
}

static ib_err_t receiver_next_batch(void *st, ib_batch_t *batch, int wait_ms, char *errstr,
                                    size_t errstr_size) {
        receiver_t *r = st;
        batch->topic = r->cfg->topic;
        if (r->replaying) {
                int done;
                ib_err_t err = replay_next(r, batch, &done, errstr, errstr_size);
                if (err || !done)
                        return err;
        }
        if (!r->thread_started)
                return IB_OK; /* stopped before the replay ended */
        /* Once input stopped, wait for a definite answer: a batch, or drained. */
        int wait = r->stop && wait_ms < IB_DRAIN_WAIT_MS ? IB_DRAIN_WAIT_MS : wait_ms;
        uint64_t from, upto;
        int drained;
        int got = ib_handoff_take(&r->ho, wait, IB_COALESCE_RECORDS, &from, &upto, &drained, errstr, errstr_size);
        if (got < 0)
                return ib_handoff_error(&r->ho);
        return got ? fill_logged(r, from, upto, batch, errstr, errstr_size) : IB_OK;
}

static ib_err_t receiver_commit(void *st, const ib_batch_t *batch, char *errstr, size_t errstr_size) {
        receiver_t *r = st;
        (void)batch;
        if (!r->pending)
                return IB_OK;
        int from_memory = r->pending == PENDING_MEMORY;
        r->pending = 0;
        r->processed.pos = r->pending_end;
        r->processed.batch = r->pending_seq;
        ib_err_t err = ib_processed_store(r->wal_dir, &r->processed, errstr, errstr_size);
        if (err)
                return err;
        if (from_memory) { /* the records are in the sink: the client's messages go */
                for (uint64_t i = r->pending_from; i < r->pending_upto; i++)
                        destroy_messages(ib_handoff_at(&r->ho, i));
                ib_handoff_release(&r->ho, r->pending_upto);
        }
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

/* Stops reading: the receive thread logs no further batch, commits what the
 * log holds and leaves the group; next_batch() hands out what is logged,
 * then an empty batch. */
static void receiver_stop_input(void *st) {
        receiver_t *r = st;
        pthread_mutex_lock(&r->lock);
        r->stop = 1;
        pthread_mutex_unlock(&r->lock);
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
        ib_handoff_init(&r->ho);
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
        if (r->thread_started) { /* it commits what it logged and leaves the group */
                receiver_stop_input(r);
                pthread_join(r->thread, NULL);
        }
        if (r->flusher_started) {
                pthread_mutex_lock(&r->lock);
                r->flusher_stop = 1;
                pthread_mutex_unlock(&r->lock);
                pthread_join(r->flusher, NULL);
        }
        if (r->committer_started) /* it ends once the flusher has and what was durable is committed */
                pthread_join(r->committer, NULL);
        /* the client's messages not processed (a stop past the drain, a
         * failure): the log holds them for the next run */
        for (uint64_t i = r->ho.released; i < r->ho.logged; i++) {
                ib_logged_t *slot = ib_handoff_at(&r->ho, i);
                destroy_messages(slot);
                if (slot->offsets)
                        rd_kafka_topic_partition_list_destroy(slot->offsets);
                slot->offsets = NULL;
        }
        if (r->rk && (r->closed || !r->thread_started))
                rd_kafka_destroy(r->rk); /* not after a close that never finished (ib_group_close) */
        ib_wal_writer_close(r->w);
        ib_wal_reader_close(r->rd);
        ib_zkoffsets_close(r->zk_offsets);
        ib_zk_close(r->zk);
        json_decref(r->commit_errors);
        ib_handoff_destroy(&r->ho);
        pthread_mutex_destroy(&r->lock);
        ib_group_scratch_free(&r->scratch);
        ib_group_losses_free(&r->losses);
        free(r->precs);
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
        int pending = r->commit_pending;
        pthread_mutex_unlock(&r->lock);
        /* every logged batch processed and its offsets stored */
        int settled = !r->replaying && !ib_handoff_error(&r->ho) && ib_handoff_settled(&r->ho);
        *caught_up = kafka_caught_up && settled && !pending;
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
        pthread_mutex_lock(&r->ho.lock);
        json_object_set_new(out, "backlog_high_water_bytes", json_integer((json_int_t)r->ho.backlog_hwm));
        pthread_mutex_unlock(&r->ho.lock);
        json_object_set_new(out, "group_commits", json_integer((json_int_t)r->group_commits));
        json_object_set_new(out, "log_batches_per_commit",
                            json_real(r->group_commits ? (double)r->batches_committed / (double)r->group_commits : 0));
        json_object_set_new(out, "pipeline_batches_from_memory", json_integer((json_int_t)r->pipeline_batches));
        json_object_set_new(out, "log_batches_per_pipeline_batch",
                            json_real(r->pipeline_batches ? (double)r->coalesced_batches / (double)r->pipeline_batches
                                                          : 0));
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
    receiver_stop_input, /* stop_input: the logged batches are processed before it leaves */
};
