/*
 * direct.c: the direct mode (Spark's direct approach, offsets in ZooKeeper).
 *
 * Per batch:
 *   1. ownership: count live workers, claim free partitions up to a fair
 *      share, give up the excess (at a batch boundary, after the commit);
 *   2. read: for every owned partition whose pinned range [from, until) is
 *      not empty, read exactly that range with the simple (legacy) consumer,
 *      partition by partition, bounded by a count (until - next);
 *   3. the runner runs the pipeline and makes the output durable;
 *   4. commit: the next range of each partition is pinned to
 *      [until, min(latest, until + max_records_per_partition)) (a ListOffsets
 *      round only when a known end could cut it) and stored with the new
 *      offset in ONE zoo_multi that also checks ownership. The multi runs on
 *      a thread of its own while the next batch reads the ranges it pins;
 *      that batch goes to the pipeline only once the multi has landed (a
 *      multi that did not land at once is settled as before, and what was
 *      read ahead is dropped and read again).
 *
 * Pinning the next range in the same write that commits the previous one is
 * what makes a replay exact: after a crash, the new owner reads the range the
 * dead one was processing, bit for bit, so the dir sink rewrites the very
 * same file (Spark checkpoints generated offset ranges for the same reason).
 * A claim pins the first range in the claim's multi for the same reason.
 */
#include "mode.h"

#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "clock.h"
#include "hist.h"
#include "kafka.h"
#include "rangereader.h"
#include "stats.h"
#include "zkstore.h"

#define OWNERSHIP_CHECK_US 500000 /* look at the worker count at most twice a second */

/* The direct mode's options. */
typedef struct direct_conf_s {
        ib_zk_conf_t zk;         /* --zookeeper (required), --zk-session-timeout-ms */
        ib_range_conf_t range;   /* --max-records-per-partition */
} direct_conf_t;

static const ib_option_t direct_options[] = {
    IB_OPT_INCLUDE(direct_conf_t, zk, ib_zk_options),
    IB_OPT_INCLUDE(direct_conf_t, range, ib_range_options),
    IB_OPT_END,
};

typedef struct part_s {
        int owned;
        int epoch;              /* owners/<p> version we hold */
        int offset_version;     /* offsets/<p> version we expect */
        ib_pin_t pin;           /* pinned range of the next batch */
        int64_t end;            /* end offset at the last ListOffsets (0: unknown) */
        int in_store;           /* the multi in flight stores `ahead` for it */
        ib_pin_t ahead;         /* the pin that multi stores */
} part_t;

typedef struct direct_s {
        ib_mode_ctx_t *ctx;
        const ib_config_t *cfg;
        const direct_conf_t *conf;
        ib_rangereader_t *rr;       /* reads the pinned ranges */
        rd_kafka_t *rk;             /* the range reader's handle, for ListOffsets */
        ib_zkstore_t *zs;
        int nparts;
        part_t *parts;
        int32_t *owned_ids;         /* scratch: owned partition ids */
        int64_t *latest;            /* scratch: latest offsets */
        ib_zkcommit_t *commits;     /* scratch: commit entries */
        uint64_t batch_seq;
        int64_t last_check_us;
        /* the multi in flight (its first attempt, on store_thread) */
        pthread_t store_thread;
        int storing, store_nc;
        uint64_t store_seq;
        ib_err_t store_err;
        char store_errstr[512];
        ib_err_t deferred_err;      /* a store settled outside next_batch() failed: told by the next one */
        char deferred_errstr[512];
        /* figures */
        uint64_t commits_ok, commits_skipped, claims, releases, fenced, expirations;
        json_t *commit_errors;      /* error name -> count */
        ib_hist_t zk_multi_us, list_offsets_us;
} direct_t;

static void drop_partition(direct_t *d, int32_t p, const char *why) {
        part_t *pt = &d->parts[p];
        if (!pt->owned)
                return;
        ib_rangereader_stop(d->rr, p);
        pt->owned = 0;
        ib_mode_active(d->ctx);
        ib_event_revoke(d->ctx, p, pt->epoch, why);
}

/* Records that this worker lost partition @p p it held in epoch @p epoch:
 * the epoch that replaced it (-1 when unknown), and why. */
static void fenced_event(direct_t *d, int32_t p, int epoch, const char *why) {
        ib_zkpos_t pos;
        int by = ib_zkstore_peek(d->zs, p, &pos, NULL, 0) == IB_OK ? pos.owner_version : -1;
        d->fenced++;
        ib_event_fenced(d->ctx, p, epoch, by, why);
}

/* Handles an expired session: every partition is lost; a new session
 * (retried while ZooKeeper does not answer) registers again, and the next
 * balance claims a fair share, resuming from the stored offsets. */
static ib_err_t renew_session(direct_t *d, char *errstr, size_t errstr_size) {
        d->expirations++;
        ib_eventlog_emit(d->ctx->events, "session_expired", NULL);
        int n = 0;
        for (int32_t p = 0; p < d->nparts; p++)
                if (d->parts[p].owned) {
                        d->owned_ids[n++] = p;
                        drop_partition(d, p, "session expired");
                }
        ib_retry_t rt;
        ib_err_t err;
        ib_mode_retry_begin(d->ctx, &rt, "ZooKeeper reconnect");
        while ((err = ib_zkstore_reconnect(d->zs, errstr, errstr_size)) && ib_mode_retry(d->ctx, &rt, err))
                ;
        if ((err = ib_mode_retry_end(d->ctx, &rt, err, errstr, errstr_size)))
                return err;
        char sid[32];
        ib_eventlog_emit(d->ctx->events, "session", json_pack("{s:s}", "session", ib_zkstore_session(d->zs, sid)));
        for (int i = 0; i < n; i++)
                fenced_event(d, d->owned_ids[i], d->parts[d->owned_ids[i]].epoch, "session expired");
        d->last_check_us = 0; /* claim a fair share again at once */
        return IB_OK;
}

/* Takes partition @p p as this session's claim left it in ZooKeeper. */
static ib_err_t adopt_partition(direct_t *d, int32_t p, const ib_zkpos_t *pos) {
        part_t *pt = &d->parts[p];
        pt->owned = 1;
        pt->epoch = pos->owner_version;
        pt->offset_version = pos->offset_version;
        pt->pin = (ib_pin_t){pos->offset, pos->next_until};
        pt->end = 0;
        d->claims++;
        ib_mode_assigned(d->ctx);
        ib_event_assign(d->ctx, p, pt->epoch, pos->offset, pos->next_until, 1, 1);
        return IB_OK;
}

static ib_err_t claim_partition(direct_t *d, int32_t p, char *errstr, size_t errstr_size) {
        ib_zkpos_t pos;
        ib_err_t err = ib_zkstore_peek(d->zs, p, &pos, errstr, errstr_size);
        if (err)
                return err;
        if (pos.locked_by_us) /* our claim landed, its answer was lost with the connection */
                return adopt_partition(d, p, &pos);
        if (pos.locked)
                return IB_OK;
        int64_t latest, from = pos.offset;
        if ((err = ib_mode_list_offsets(d->ctx, d->rk, &p, 1, RD_KAFKA_OFFSET_END, &latest, errstr, errstr_size)) ||
            (from < 0 &&
             (err = ib_mode_list_offsets(d->ctx, d->rk, &p, 1, RD_KAFKA_OFFSET_BEGINNING, &from, errstr, errstr_size))))
                return err;
        /* Keep the range a previous owner pinned: it may have written its output. */
        int64_t until = pos.next_until > from
                            ? pos.next_until
                            : ib_range_next_until(from, latest, d->conf->range.max_records_per_partition);
        int epoch, over;
        err = ib_zkstore_claim(d->zs, p, &pos, from, until, &epoch, &over, errstr, errstr_size);
        if (err == IB_ERR_ZK_FENCED)
                return IB_OK; /* someone else was quicker: not an error */
        if (err)
                return err;
        part_t *pt = &d->parts[p];
        pt->owned = 1;
        pt->epoch = epoch;
        pt->offset_version = over;
        pt->pin = (ib_pin_t){from, until};
        pt->end = latest;
        d->claims++;
        ib_mode_assigned(d->ctx);
        ib_event_assign(d->ctx, p, epoch, from, until, pos.next_until > from, 0);
        return IB_OK;
}

/* Claims up to a fair share of the partitions, releases beyond it. */
static ib_err_t balance_once(direct_t *d, char *errstr, size_t errstr_size) {
        ib_err_t err;
        if (ib_zkstore_expired(d->zs) && (err = renew_session(d, errstr, errstr_size)))
                return err;
        int workers;
        if ((err = ib_zkstore_live_workers(d->zs, &workers, errstr, errstr_size)))
                return err;
        int share = (d->nparts + workers - 1) / workers, owned = 0;
        for (int32_t p = 0; p < d->nparts; p++)
                owned += d->parts[p].owned;
        for (int32_t p = d->nparts - 1; p >= 0 && owned > share; p--) {
                if (!d->parts[p].owned)
                        continue;
                if ((err = ib_zkstore_release(d->zs, p, errstr, errstr_size)))
                        return err;
                drop_partition(d, p, "rebalance");
                d->releases++;
                owned--;
        }
        for (int32_t p = 0; p < d->nparts && owned < share; p++) {
                if (d->parts[p].owned)
                        continue;
                if ((err = claim_partition(d, p, errstr, errstr_size)))
                        return err;
                owned += d->parts[p].owned;
        }
        return IB_OK;
}

/* balance_once() at most twice a second, retried while ZooKeeper does not answer. */
static ib_err_t balance(direct_t *d, char *errstr, size_t errstr_size) {
        int64_t now = ib_mono_us();
        if (now - d->last_check_us < OWNERSHIP_CHECK_US)
                return IB_OK;
        d->last_check_us = now;
        ib_retry_t rt;
        ib_err_t err;
        int renewals = 0;
        ib_mode_retry_begin(d->ctx, &rt, "ZooKeeper ownership");
        while ((err = balance_once(d, errstr, errstr_size))) {
                /* the client knew of the expiry before our watcher did */
                if (err == IB_ERR_ZK_SESSION && renewals++ < 3) {
                        if ((err = renew_session(d, errstr, errstr_size)))
                                break;
                        continue;
                }
                if (!ib_mode_retry(d->ctx, &rt, err))
                        break;
        }
        return ib_mode_retry_end(d->ctx, &rt, err, errstr, errstr_size);
}

static ib_err_t finish_store(direct_t *d, int *clean, char *errstr, size_t errstr_size);

/* The pin partition @p p is read at: the one the multi in flight stores, or its own. */
static ib_pin_t read_pin(const direct_t *d, int32_t p) {
        return d->parts[p].in_store ? d->parts[p].ahead : d->parts[p].pin;
}

/* Reads the pinned range of every owned partition that has one into @p
 * batch; *read tells whether there was any. */
static ib_err_t read_pins(direct_t *d, ib_batch_t *batch, int *read, char *errstr, size_t errstr_size) {
        *read = 0;
        char ignored[256]; /* a partition that does not start now is started (and its error told) by its read */
        for (int32_t p = 0; p < d->nparts; p++) {
                ib_pin_t pin = read_pin(d, p);
                if (d->parts[p].owned && pin.until > pin.from)
                        (void)ib_rangereader_start(d->rr, p, pin.from, ignored, sizeof(ignored));
        }
        for (int32_t p = 0; p < d->nparts; p++) {
                ib_pin_t pin = read_pin(d, p);
                if (!d->parts[p].owned || pin.until <= pin.from)
                        continue;
                *read = 1;
                ib_err_t err = ib_mode_read_range(d->ctx, d->rr, p, pin.from, pin.until, batch, errstr, errstr_size);
                if (err)
                        return err;
        }
        return IB_OK;
}

static uint64_t ownership_changes(const direct_t *d) { return d->claims + d->releases + d->fenced + d->expirations; }

/* Drops what @p batch read (ahead of a multi that did not land at once, or of an ownership change). */
static void drop_read(direct_t *d, ib_batch_t *batch) {
        ib_rangereader_release(d->rr);
        ib_batch_clear(batch);
}

static ib_err_t direct_next_batch(void *st, ib_batch_t *batch, int wait_ms, char *errstr,
                                  size_t errstr_size) {
        direct_t *d = st;
        ib_rangereader_release(d->rr);
        batch->topic = d->cfg->topic;
        ib_err_t err;
        if (d->deferred_err) {
                err = d->deferred_err;
                d->deferred_err = IB_OK;
                return ib_seterr(errstr, errstr_size, err, "%s", d->deferred_errstr);
        }
        if (d->storing) {
                /* the ranges the multi in flight pins, read while ZooKeeper stores them */
                uint64_t before = ownership_changes(d);
                int read, clean;
                ib_err_t rerr = read_pins(d, batch, &read, errstr, errstr_size);
                char serr[512];
                if ((err = finish_store(d, &clean, serr, sizeof(serr)))) {
                        drop_read(d, batch);
                        return ib_seterr(errstr, errstr_size, err, "%s", serr);
                }
                if (clean && rerr)
                        return rerr;
                if (clean && read && !(err = balance(d, errstr, errstr_size)) && ownership_changes(d) == before) {
                        batch->seq = ++d->batch_seq;
                        return IB_OK;
                }
                drop_read(d, batch); /* read again below, as the settled pins and ownership say */
                if (err)
                        return err;
        }
        if ((err = balance(d, errstr, errstr_size)))
                return err;
        batch->seq = ++d->batch_seq;
        int pending = 0;
        for (int32_t p = 0; p < d->nparts; p++)
                pending |= d->parts[p].owned && d->parts[p].pin.until > d->parts[p].pin.from;
        if (!pending) { /* caught up: wait a batch interval before asking again */
                ib_sleep_ms(wait_ms);
                return IB_OK;
        }
        int read;
        return read_pins(d, batch, &read, errstr, errstr_size);
}

/* Sends the batch's @p nc commit entries as one zoo_multi and logs it. */
static ib_err_t commit_attempt(direct_t *d, uint64_t seq, int nc, char *errstr, size_t errstr_size) {
        int64_t t0 = ib_mono_us();
        ib_err_t err = ib_zkstore_commit(d->zs, d->commits, nc, errstr, errstr_size);
        ib_hist_record(&d->zk_multi_us, (uint64_t)(ib_mono_us() - t0));
        json_t *parts = json_array();
        for (int i = 0; i < nc; i++)
                json_array_append_new(parts, json_pack("{s:i,s:i,s:I,s:I,s:s}", "partition", (int)d->commits[i].partition,
                                                       "epoch", d->commits[i].epoch, "offset",
                                                       (json_int_t)d->commits[i].offset, "next_until",
                                                       (json_int_t)d->commits[i].next_until, "result",
                                                       zerror(d->commits[i].rc)));
        ib_event_commit_multi(d->ctx, (int64_t)seq, err, parts, (double)(ib_mono_us() - t0) / 1000.0);
        if (err)
                ib_stats_count_name(d->commit_errors, ib_err2name(err));
        return err;
}

/* After a multi whose answer was lost with the connection: did it land? A
 * multi is all or nothing, and each node tells: it holds our offset, epoch
 * and batch. *landed is 1 with every new version set, else 0. */
static ib_err_t commit_landed(direct_t *d, int nc, uint64_t batch, int *landed, char *errstr, size_t errstr_size) {
        *landed = 1;
        for (int i = 0; i < nc && *landed; i++) {
                ib_zkcommit_t *cm = &d->commits[i];
                ib_zkpos_t pos;
                ib_err_t err = ib_zkstore_peek(d->zs, cm->partition, &pos, errstr, errstr_size);
                if (err)
                        return err;
                *landed = pos.offset == cm->offset && pos.stored_epoch == cm->epoch &&
                          pos.stored_batch == (int64_t)batch;
                cm->new_version = pos.offset_version;
        }
        return IB_OK;
}

/* Drops the fenced entries (a fenced event each). @returns how many are left. */
static int drop_fenced(direct_t *d, int nc) {
        int keep = 0;
        for (int i = 0; i < nc; i++) {
                int rc = d->commits[i].rc;
                if (rc == ZBADVERSION || rc == ZNONODE || rc == ZNODEEXISTS) {
                        drop_partition(d, d->commits[i].partition, "fenced");
                        fenced_event(d, d->commits[i].partition, d->commits[i].epoch, "epoch check failed");
                } else {
                        d->commits[keep++] = d->commits[i];
                }
        }
        return keep == nc ? 0 : keep; /* fenced but no entry named: give everything up */
}

/* Stores batch @p seq's @p nc commit entries in one zoo_multi (@p attempted:
 * its first attempt was made already, on the store thread, and gave @p
 * first, its message in errstr): a fenced partition is dropped and the rest
 * stored again; a lost connection is retried within the budget, after
 * checking whether the unanswered multi landed; an expired session renews
 * the session (nothing stored: the next owner reads these ranges again, the
 * same bytes). */
static ib_err_t store_commits(direct_t *d, uint64_t seq, int nc, int attempted, ib_err_t first, char *errstr,
                              size_t errstr_size) {
        ib_retry_t rt;
        ib_err_t err = IB_OK;
        int unsure = 0, landed = 0;
        ib_mode_retry_begin(d->ctx, &rt, "ZooKeeper offset commit");
        while (nc > 0) {
                if (unsure && (err = commit_landed(d, nc, seq, &landed, errstr, errstr_size)) == IB_OK && landed) {
                        ib_event_commit_landed(d->ctx, (int64_t)seq, nc);
                        break;
                }
                if (err == IB_OK) { /* an attempt: the one made on the store thread, then ours */
                        err = attempted ? first : commit_attempt(d, seq, nc, errstr, errstr_size);
                        attempted = 0;
                        if (err == IB_OK)
                                break;
                }
                if (err == IB_ERR_ZK_SESSION || ib_zkstore_expired(d->zs)) {
                        ib_mode_retry_end(d->ctx, &rt, err, errstr, errstr_size);
                        return renew_session(d, errstr, errstr_size);
                }
                if (err == IB_ERR_ZK_FENCED) {
                        nc = drop_fenced(d, nc);
                        unsure = 0;
                        err = IB_OK;
                        continue;
                }
                if (!ib_mode_retry(d->ctx, &rt, err))
                        return ib_mode_retry_end(d->ctx, &rt, err, errstr, errstr_size);
                unsure = 1; /* the multi may have landed before the connection went */
                err = IB_OK;
        }
        for (int i = 0; i < nc; i++) {
                part_t *pt = &d->parts[d->commits[i].partition];
                pt->pin = (ib_pin_t){d->commits[i].offset, d->commits[i].next_until};
                pt->offset_version = d->commits[i].new_version;
        }
        if (nc > 0)
                d->commits_ok++;
        return ib_mode_retry_end(d->ctx, &rt, IB_OK, errstr, errstr_size);
}

/* The store thread: the multi's first attempt, nothing else of the mode's
 * state (its event and figures are the commit's own). */
static void *store_main(void *arg) {
        direct_t *d = arg;
        d->store_err = commit_attempt(d, d->store_seq, d->store_nc, d->store_errstr, sizeof(d->store_errstr));
        return NULL;
}

/* Waits for the multi in flight and settles it: landed at once (*clean),
 * the pins move to what it stored; otherwise store_commits() goes on from
 * its answer (retries, fenced partitions dropped, a session renewed). */
static ib_err_t finish_store(direct_t *d, int *clean, char *errstr, size_t errstr_size) {
        *clean = 1;
        if (!d->storing)
                return IB_OK;
        pthread_join(d->store_thread, NULL);
        d->storing = 0;
        for (int32_t p = 0; p < d->nparts; p++)
                d->parts[p].in_store = 0;
        if (d->store_err == IB_OK)
                return store_commits(d, d->store_seq, d->store_nc, 1, IB_OK, errstr, errstr_size);
        *clean = 0;
        snprintf(errstr, errstr_size, "%s", d->store_errstr);
        return store_commits(d, d->store_seq, d->store_nc, 1, d->store_err, errstr, errstr_size);
}

/* Settles the multi in flight outside next_batch() (lag, stats, close): a
 * failure is told by the next next_batch(). */
static void settle(direct_t *d) {
        int clean;
        char errstr[512];
        ib_err_t err = finish_store(d, &clean, errstr, sizeof(errstr));
        if (err && !d->deferred_err) {
                d->deferred_err = err;
                snprintf(d->deferred_errstr, sizeof(d->deferred_errstr), "%s", errstr);
        }
}

static ib_err_t direct_commit(void *st, const ib_batch_t *batch, char *errstr,
                              size_t errstr_size) {
        direct_t *d = st;
        settle(d); /* next_batch() settled it already: one multi in flight at most */
        if (d->deferred_err) {
                ib_err_t err = d->deferred_err;
                d->deferred_err = IB_OK;
                return ib_seterr(errstr, errstr_size, err, "%s", d->deferred_errstr);
        }
        int n = 0;
        for (int32_t p = 0; p < d->nparts; p++)
                if (d->parts[p].owned)
                        d->owned_ids[n++] = p;
        if (n == 0)
                return IB_OK;
        int64_t max = d->conf->range.max_records_per_partition;
        int ask = 0;
        for (int i = 0; i < n; i++)
                ask |= ib_pin_needs_end(d->parts[d->owned_ids[i]].pin, batch, d->owned_ids[i],
                                        d->parts[d->owned_ids[i]].end, max);
        if (ask) { /* some next range may end short of the cap: where do the partitions end now? */
                int64_t t0 = ib_mono_us();
                ib_err_t err = ib_mode_list_offsets(d->ctx, d->rk, d->owned_ids, n, RD_KAFKA_OFFSET_END, d->latest,
                                                    errstr, errstr_size);
                if (err)
                        return err;
                ib_hist_record(&d->list_offsets_us, (uint64_t)(ib_mono_us() - t0));
                for (int i = 0; i < n; i++)
                        d->parts[d->owned_ids[i]].end = d->latest[i];
        }

        /* The batch's ranges were read whole: each partition moves to `until`. */
        int nc = 0;
        for (int i = 0; i < n; i++) {
                int32_t p = d->owned_ids[i];
                part_t *pt = &d->parts[p];
                ib_pin_t next = ib_pin_next(pt->pin, batch, p, pt->end, max);
                if (next.from == pt->pin.from && next.until == pt->pin.until)
                        continue; /* nothing changed: no write */
                d->commits[nc++] = (ib_zkcommit_t){p, pt->epoch, pt->offset_version, next.from,
                                                   next.until, pt->pin.from, batch->seq, 0, 0};
        }
        if (nc == 0) {
                d->commits_skipped++;
                return IB_OK;
        }
        d->store_nc = nc;
        d->store_seq = batch->seq;
        d->store_err = IB_OK;
        d->store_errstr[0] = '\0';
        if (pthread_create(&d->store_thread, NULL, store_main, d) != 0)
                return store_commits(d, batch->seq, nc, 0, IB_OK, errstr, errstr_size); /* here, then */
        d->storing = 1;
        for (int i = 0; i < nc; i++) {
                part_t *pt = &d->parts[d->commits[i].partition];
                pt->in_store = 1;
                pt->ahead = (ib_pin_t){d->commits[i].offset, d->commits[i].next_until};
        }
        return IB_OK;
}

static ib_err_t direct_configure(void *conf, const ib_config_t *cfg, char *errstr, size_t errstr_size) {
        (void)cfg;
        if (!((direct_conf_t *)conf)->zk.hosts)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--mode direct stores offsets in ZooKeeper: --zookeeper is required");
        return IB_OK;
}

static ib_err_t direct_open(ib_mode_ctx_t *ctx, void **st, char *errstr, size_t errstr_size) {
        const ib_config_t *cfg = ctx->cfg;
        direct_t *d = calloc(1, sizeof(*d));
        if (!d)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        *st = d;
        d->ctx = ctx;
        d->cfg = cfg;
        d->conf = ctx->conf;
        d->commit_errors = json_object();
        ib_hist_init(&d->zk_multi_us);
        ib_hist_init(&d->list_offsets_us);
        ib_err_t err;
        if ((err = ib_rangereader_open(ctx->brokers, cfg->topic, &cfg->props, (int)cfg->connect_timeout_ms,
                                       ctx->events, &d->rr, errstr, errstr_size)))
                return err;
        d->rk = ib_rangereader_kafka(d->rr);
        d->nparts = ib_rangereader_partitions(d->rr);
        d->parts = calloc((size_t)d->nparts, sizeof(*d->parts));
        d->owned_ids = calloc((size_t)d->nparts, sizeof(*d->owned_ids));
        d->latest = calloc((size_t)d->nparts, sizeof(*d->latest));
        d->commits = calloc((size_t)d->nparts, sizeof(*d->commits));
        if (!d->parts || !d->owned_ids || !d->latest || !d->commits)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        if ((err = ib_zkstore_open(&d->conf->zk, (int)cfg->connect_timeout_ms, cfg->group, cfg->topic,
                                   d->nparts, ctx->worker_id, &d->zs, errstr, errstr_size)))
                return err;
        char sid[32];
        ib_eventlog_emit(ctx->events, "session",
                         json_pack("{s:s,s:i}", "session", ib_zkstore_session(d->zs, sid),
                                   "partitions", d->nparts));
        return IB_OK;
}

static void direct_close(void *st) {
        direct_t *d = st;
        if (!d)
                return;
        settle(d); /* the last batch's multi lands before the partitions are handed over */
        for (int32_t p = 0; d->parts && p < d->nparts; p++) {
                if (d->parts[p].owned && d->zs)
                        ib_zkstore_release(d->zs, p, NULL, 0); /* hand over at once */
                drop_partition(d, p, "close");
        }
        ib_zkstore_close(d->zs);
        ib_rangereader_close(d->rr);
        free(d->parts);
        free(d->owned_ids);
        free(d->latest);
        free(d->commits);
        json_decref(d->commit_errors);
        free(d);
}

static void direct_lag(void *st, json_t *lag, int *caught_up) {
        direct_t *d = st;
        settle(d);
        int n = 0;
        for (int32_t p = 0; p < d->nparts; p++)
                if (d->parts[p].owned)
                        d->owned_ids[n++] = p;
        *caught_up = 0;
        if (ib_zkstore_expired(d->zs) ||
            (n > 0 && ib_kafka_list_offsets(d->rk, d->cfg->topic, d->owned_ids, n, RD_KAFKA_OFFSET_END, d->latest,
                                            IB_LAG_TIMEOUT_MS, NULL, 0)))
                return;
        int ok = 1;
        for (int i = 0; i < n; i++) {
                const ib_pin_t *pin = &d->parts[d->owned_ids[i]].pin;
                d->parts[d->owned_ids[i]].end = d->latest[i];
                ib_lag_set(lag, d->owned_ids[i], d->latest[i] - pin->from);
                ok &= d->latest[i] <= pin->from && pin->until <= pin->from;
        }
        *caught_up = ok;
}

static void direct_stats(void *st, json_t *out) {
        direct_t *d = st;
        settle(d);
        int owned = 0;
        json_t *lag = json_object();
        for (int32_t p = 0; p < d->nparts; p++) {
                if (!d->parts[p].owned)
                        continue;
                owned++;
                char k[16];
                snprintf(k, sizeof(k), "%d", (int)p);
                json_object_set_new(lag, k, json_pack("{s:I,s:I}", "offset",
                                                      (json_int_t)d->parts[p].pin.from, "pinned_until",
                                                      (json_int_t)d->parts[p].pin.until));
        }
        json_object_set_new(out, "partitions_owned", json_integer(owned));
        json_object_set_new(out, "positions", lag);
        json_object_set_new(out, "commits", json_integer((json_int_t)d->commits_ok));
        json_object_set_new(out, "offset_store", json_pack("{s:s,s:I}", "op", "ZooKeeper multi (offsets and next ranges)",
                                                           "count", (json_int_t)d->commits_ok));
        json_object_set_new(out, "commits_skipped_unchanged", json_integer((json_int_t)d->commits_skipped));
        json_object_set_new(out, "commit_errors", json_copy(d->commit_errors));
        json_object_set_new(out, "claims", json_integer((json_int_t)d->claims));
        json_object_set_new(out, "releases", json_integer((json_int_t)d->releases));
        json_object_set_new(out, "fenced", json_integer((json_int_t)d->fenced));
        json_object_set_new(out, "session_expirations", json_integer((json_int_t)d->expirations));
        json_object_set_new(out, "zk_multi_ms", ib_hist_to_json_ms(&d->zk_multi_us));
        json_object_set_new(out, "list_offsets_ms", ib_hist_to_json_ms(&d->list_offsets_us));
}

const ib_mode_t ib_mode_direct = {
    direct_configure,  /* configure: --zookeeper is required */
    direct_open,       /* open: the pinned ranges in ZooKeeper are the recovery */
    direct_next_batch, /* next_batch */
    direct_commit,     /* commit */
    direct_lag,        /* lag: the owned partitions' pins against ListOffsets */
    direct_stats,      /* stats */
    direct_close,      /* close */
    "direct",          /* name */
    "offset ranges per batch, offsets in ZooKeeper with fencing (Spark's direct approach)",
    direct_options,        /* options */
    sizeof(direct_conf_t), /* conf_size */
    1,    /* commits_cover_sink: a range is stored after its output is durable */
    0,    /* static_split: workers claim partitions in ZooKeeper */
    1,    /* needs_zookeeper: the offsets live there */
    0,    /* sink_transactions */
    NULL, /* inject_points */
    NULL, /* worker_args */
    NULL, /* stop_input */
};
