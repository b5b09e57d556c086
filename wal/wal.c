/*
 * wal.c: the write-ahead log of wal/FORMAT.md (read that first; the layout
 * offsets below follow it).
 *
 * Writer: a batch is encoded into a reused buffer and written with one
 * write(2); durability is group commit: one thread at a time fsyncs, and
 * every caller whose bytes that fsync covered returns without its own. After
 * a failed write or fsync the writer refuses everything: the kernel may have
 * dropped the dirty pages, so retrying an fsync could report success for data
 * that is gone (the lesson PostgreSQL learned in 2018).
 *
 * Reader: a segment is read through one large buffer (no system call per
 * record); a batch is validated whole before any of its records is handed
 * out, and records point into the buffer.
 */
#include "wal.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "buf.h"
#include "clock.h"
#include "crc32c.h"
#include "le.h"
#include "fault.h"
#include "parse.h"
#include "fsutil.h"

IB_FAULT_POINTS("wal.write", "wal.fsync")

static const unsigned char wal_magic[8] = {'I', 'B', 'W', 'A', 'L', 0, '\r', '\n'};
#define WAL_VERSION 1

enum { T_ZERO = 0, T_DATA = 1, T_BATCH = 2 };

/* The record header of FORMAT.md: crc(4) length(4) type(1) reserved(3). */
typedef struct {
        unsigned char crc[4];
        unsigned char length[4];
        unsigned char type;
        unsigned char reserved[3];
} rec_header_t;
static_assert(sizeof(rec_header_t) == IB_WAL_RECORD_HEADER, "record header is 12 bytes");


void ib_wal_segment_path(char *out, size_t out_size, const char *dir, uint64_t seq) {
        snprintf(out, out_size, "%s/wal-%020" PRIu64 ".log", dir, seq);
}

const char *const ib_wal_recovery_names[] = {"tolerate-torn-tail", "point-in-time",
                                             "absolute-consistency", "skip-corrupt", NULL};

ib_err_t ib_wal_recovery_parse(const char *name, ib_wal_recovery_t *out) {
        for (int i = 0; ib_wal_recovery_names[i]; i++)
                if (!strcmp(name, ib_wal_recovery_names[i])) {
                        *out = (ib_wal_recovery_t)i;
                        return IB_OK;
                }
        return IB_ERR_INVALID_ARG;
}

const char *ib_wal_recovery_name(ib_wal_recovery_t p) {
        return (unsigned)p < 4 ? ib_wal_recovery_names[p] : "unknown";
}

ib_err_t ib_wal_fsync_parse(const char *spec, ib_wal_fsync_t *policy, int *interval_ms) {
        *interval_ms = 0;
        if (!strcmp(spec, "batch")) {
                *policy = IB_WAL_FSYNC_BATCH;
                return IB_OK;
        }
        if (!strcmp(spec, "none")) {
                *policy = IB_WAL_FSYNC_NONE;
                return IB_OK;
        }
        if (!strncmp(spec, "interval:", 9)) {
                char *end;
                long ms = strtol(spec + 9, &end, 10);
                if (end == spec + 9 || *end || ms < 1 || ms > 3600000)
                        return IB_ERR_INVALID_ARG;
                *policy = IB_WAL_FSYNC_INTERVAL;
                *interval_ms = (int)ms;
                return IB_OK;
        }
        return IB_ERR_INVALID_ARG;
}

/* A topic name as Kafka allows it (base/parse.h). */
static int topic_ok(const unsigned char *t, size_t n) { return ib_topic_chars((const char *)t, n) == n; }

static int seq_cmp(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return (x > y) - (x < y);
}

ib_err_t ib_wal_segments(const char *dir, uint64_t **seqs, size_t *n, char *errstr,
                         size_t errstr_size) {
        *seqs = NULL;
        *n = 0;
        DIR *d = opendir(dir);
        if (!d) {
                if (errno == ENOENT)
                        return IB_OK;
                return ib_seterr(errstr, errstr_size, IB_ERR_IO, "%s: %s", dir, strerror(errno));
        }
        size_t cap = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
                const char *s = e->d_name;
                if (strncmp(s, "wal-", 4) || strlen(s) != 4 + 20 + 4 || strcmp(s + 24, ".log"))
                        continue;
                /* exactly 20 decimal digits, 1 to IB_WAL_SEQ_MAX: strtoull would take a
                 * sign (wal--0000000000000000001.log wraps to 2^64-1) and saturate
                 * (wal-99999999999999999999.log), and a reader stepping towards
                 * such a number never ends */
                uint64_t seq = 0;
                int ok = 1;
                for (int i = 4; i < 24 && ok; i++)
                        if (s[i] < '0' || s[i] > '9' || seq > (IB_WAL_SEQ_MAX - (uint64_t)(s[i] - '0')) / 10)
                                ok = 0;
                        else
                                seq = seq * 10 + (uint64_t)(s[i] - '0');
                if (!ok || seq == 0)
                        continue;
                if (ib_array_grow(seqs, &cap, *n + 1, sizeof(**seqs), 16)) {
                        closedir(d);
                        free(*seqs);
                        *seqs = NULL;
                        return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                }
                (*seqs)[(*n)++] = seq;
        }
        closedir(d);
        if (*n)
                qsort(*seqs, *n, sizeof(**seqs), seq_cmp);
        return IB_OK;
}

/* ======================================================================== */
/* writer                                                                   */
/* ======================================================================== */

struct ib_wal_writer_s {
        ib_wal_writer_conf_t conf;
        char dir[512];
        int dirfd;
        int fd;                   /* current segment */
        ib_wal_pos_t first;       /* first record position of the first segment */
        ib_wal_pos_t written;     /* end of what write(2) accepted */
        ib_wal_pos_t synced;      /* end of what fsync covered */
        ib_buf_t enc;             /* encoding buffer, reused */
        ib_err_t failed;          /* sticky: a write or fsync failed */
        int fsync_failed;         /* the failure was an fsync's: nothing may be synced again */
        char failed_msg[768];
        pthread_mutex_t lock;
        pthread_cond_t cond;
        int syncing;              /* a thread is inside fsync */
        int stopping;             /* for the flusher */
        pthread_t flusher;
        int has_flusher;
        ib_wal_writer_stats_t stats;
};

static ib_err_t write_all(int fd, const unsigned char *p, size_t len) {
        return ib_fs_write_all(fd, p, len, "wal.write") == 0 ? IB_OK : IB_ERR_IO;
}

static int do_fsync(int fd) {
        if (ib_fault("wal.fsync"))
                return -1;
        return fdatasync(fd);
}

/* Called with the lock held. Marks the writer failed for good. */
static ib_err_t fail(ib_wal_writer_t *w, char *errstr, size_t errstr_size, const char *what) {
        if (strstr(what, "fsync"))
                w->fsync_failed = 1;
        if (!w->failed) {
                w->failed = IB_ERR_IO;
                snprintf(w->failed_msg, sizeof(w->failed_msg),
                         "write-ahead log %s: %s failed: %s (the log refuses further writes)",
                         w->dir, what, strerror(errno));
        }
        return ib_seterr(errstr, errstr_size, w->failed, "%s", w->failed_msg);
}

/* Creates segment `seq` with its header; caller holds the lock. */
static ib_err_t new_segment(ib_wal_writer_t *w, uint64_t seq, char *errstr, size_t errstr_size) {
        char path[600];
        ib_wal_segment_path(path, sizeof(path), w->dir, seq);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0)
                return fail(w, errstr, errstr_size, "creating a segment");
        unsigned char h[IB_WAL_SEGMENT_HEADER];
        memcpy(h, wal_magic, 8);
        ib_le_put32(h + 8, WAL_VERSION);
        ib_le_put64(h + 12, seq);
        ib_le_put32(h + 20, ib_crc32c_mask(ib_crc32c(h, 20)));
        if (write_all(fd, h, sizeof(h)) != IB_OK) {
                close(fd);
                return fail(w, errstr, errstr_size, "writing a segment header");
        }
        /* The new file and its header must survive before anything points at it. */
        if (w->conf.fsync != IB_WAL_FSYNC_NONE && (do_fsync(fd) != 0 || fsync(w->dirfd) != 0)) {
                close(fd);
                return fail(w, errstr, errstr_size, "fsync of a new segment");
        }
        if (w->fd >= 0)
                close(w->fd);
        w->fd = fd;
        w->written = (ib_wal_pos_t){seq, IB_WAL_SEGMENT_HEADER};
        if (w->conf.fsync != IB_WAL_FSYNC_NONE)
                w->synced = w->written;
        w->stats.segments++;
        return IB_OK;
}

/* The group commit step. Called with the lock held and no fsync in
 * progress: fsyncs everything written so far WITHOUT the lock (appenders go
 * on meanwhile), then records what it covered and wakes every waiter, whose
 * data it may have covered too. */
static void sync_written(ib_wal_writer_t *w) {
        ib_wal_pos_t target = w->written;
        int fd = w->fd;
        w->syncing = 1;
        pthread_mutex_unlock(&w->lock);
        int64_t t0 = ib_mono_us();
        int rc = do_fsync(fd);
        int64_t us = ib_mono_us() - t0;
        pthread_mutex_lock(&w->lock);
        w->syncing = 0;
        w->stats.fsyncs++;
        ib_hist_record(&w->stats.fsync_us, (uint64_t)us);
        if (rc != 0)
                fail(w, NULL, 0, "fsync");
        else if (ib_wal_pos_cmp(target, w->synced) > 0)
                w->synced = target;
        pthread_cond_broadcast(&w->cond);
}

static void *flusher_main(void *arg) {
        ib_wal_writer_t *w = arg;
        pthread_mutex_lock(&w->lock);
        while (!w->stopping) {
                struct timespec dl;
                ib_deadline_ms(&dl, w->conf.fsync_interval_ms);
                pthread_cond_timedwait(&w->cond, &w->lock, &dl);
                if (w->stopping || w->failed || w->syncing ||
                    ib_wal_pos_cmp(w->synced, w->written) >= 0)
                        continue;
                sync_written(w);
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

ib_err_t ib_wal_writer_open(const ib_wal_writer_conf_t *conf, ib_wal_writer_t **out, char *errstr,
                            size_t errstr_size) {
        ib_err_t err = ib_fs_mkdirs(conf->dir, errstr, errstr_size);
        if (err)
                return err;
        ib_wal_writer_t *w = calloc(1, sizeof(*w));
        if (!w)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        w->conf = *conf;
        if (w->conf.segment_bytes < 4096)
                w->conf.segment_bytes = 4096;
        snprintf(w->dir, sizeof(w->dir), "%s", conf->dir);
        w->conf.dir = w->dir;
        w->fd = -1;
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->cond, NULL);
        ib_hist_init(&w->stats.fsync_us);
        w->dirfd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        uint64_t *seqs;
        size_t n;
        if (w->dirfd < 0) {
                err = ib_seterr(errstr, errstr_size, IB_ERR_IO, "%s: %s", w->dir, strerror(errno));
                goto fail;
        }
        if ((err = ib_wal_segments(w->dir, &seqs, &n, errstr, errstr_size)))
                goto fail;
        uint64_t next = n ? seqs[n - 1] + 1 : 1;
        free(seqs);
        if ((err = new_segment(w, next, errstr, errstr_size)))
                goto fail;
        w->first = w->written;
        if (w->conf.fsync == IB_WAL_FSYNC_INTERVAL) {
                if (pthread_create(&w->flusher, NULL, flusher_main, w) != 0) {
                        err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "cannot start the WAL flusher thread");
                        goto fail;
                }
                w->has_flusher = 1;
        }
        *out = w;
        return IB_OK;
fail:
        ib_wal_writer_close(w);
        return err;
}

ib_wal_pos_t ib_wal_writer_start(const ib_wal_writer_t *w) { return w->first; }

/* Appends one framed record to the encoding buffer. */
static int enc_record(ib_buf_t *b, int type, const unsigned char *payload, size_t len) {
        if (ib_buf_reserve(b, IB_WAL_RECORD_HEADER + len) != 0)
                return -1;
        unsigned char *h = (unsigned char *)b->data + b->len;
        ib_le_put32(h + 4, (uint32_t)len);
        h[8] = (unsigned char)type;
        h[9] = h[10] = h[11] = 0;
        memcpy(h + 12, payload, len);
        uint32_t crc = ib_crc32c_extend(ib_crc32c(h + 8, 4), h + 12, len);
        ib_le_put32(h, ib_crc32c_mask(crc));
        b->len += IB_WAL_RECORD_HEADER + len;
        return 0;
}

/* The payload length of a DATA record (FORMAT.md). */
static size_t data_payload_len(size_t tlen, const ib_record_t *r) {
        return 2 + tlen + 4 + 8 + 8 + 4 + (r->key ? r->key_len : 0) + 4 + (r->value ? r->value_len : 0);
}

/* Encodes a DATA record directly in place (no intermediate payload copy). */
static int enc_data(ib_buf_t *b, const char *topic, size_t tlen, const ib_record_t *r) {
        size_t klen = r->key ? r->key_len : 0, vlen = r->value ? r->value_len : 0;
        size_t len = data_payload_len(tlen, r);
        if (len > IB_WAL_MAX_PAYLOAD || ib_buf_reserve(b, IB_WAL_RECORD_HEADER + len) != 0)
                return -1;
        unsigned char *h = (unsigned char *)b->data + b->len, *p = h + IB_WAL_RECORD_HEADER;
        ib_le_put16(p, (uint16_t)tlen), p += 2;
        memcpy(p, topic, tlen), p += tlen;
        ib_le_put32(p, (uint32_t)r->partition), p += 4;
        ib_le_put64(p, (uint64_t)r->offset), p += 8;
        ib_le_put64(p, (uint64_t)r->timestamp_ms), p += 8;
        ib_le_put32(p, r->key ? (uint32_t)klen : 0xFFFFFFFFu), p += 4;
        if (klen)
                memcpy(p, r->key, klen), p += klen;
        ib_le_put32(p, r->value ? (uint32_t)vlen : 0xFFFFFFFFu), p += 4;
        if (vlen)
                memcpy(p, r->value, vlen);
        ib_le_put32(h + 4, (uint32_t)len);
        h[8] = T_DATA;
        h[9] = h[10] = h[11] = 0;
        uint32_t crc = ib_crc32c_extend(ib_crc32c(h + 8, 4), h + 12, len);
        ib_le_put32(h, ib_crc32c_mask(crc));
        b->len += IB_WAL_RECORD_HEADER + len;
        return 0;
}

uint64_t ib_wal_batch_bytes(const char *topic, const ib_record_t *recs, size_t n) {
        size_t tlen = strlen(topic);
        uint64_t total = IB_WAL_RECORD_HEADER + 12; /* the BATCH record */
        for (size_t i = 0; i < n; i++)
                total += IB_WAL_RECORD_HEADER + data_payload_len(tlen, &recs[i]);
        return total;
}

ib_err_t ib_wal_append(ib_wal_writer_t *w, const char *topic, const ib_record_t *recs,
                       size_t n, uint64_t batch_seq, ib_wal_pos_t *end, char *errstr,
                       size_t errstr_size) {
        size_t tlen = strlen(topic);
        if (tlen == 0 || tlen > IB_WAL_MAX_TOPIC || !topic_ok((const unsigned char *)topic, tlen))
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "not a Kafka topic name (%zu bytes; Kafka's are 1 to %d of [a-zA-Z0-9._-])", tlen,
                                 IB_WAL_MAX_TOPIC);
        /* The batch's size is known before encoding, so a roll (which may
         * wait for an fsync in progress, releasing the lock) happens first;
         * then the writer's buffer is encoded and written with no wait in
         * between, so concurrent appenders never share it. The lock is never
         * held across an fsync. */
        for (size_t i = 0; i < n; i++)
                if (data_payload_len(tlen, &recs[i]) > IB_WAL_MAX_PAYLOAD)
                        return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                         "record at partition %d offset %" PRId64 " is larger than %u bytes",
                                         (int)recs[i].partition, recs[i].offset, IB_WAL_MAX_PAYLOAD);
        uint64_t total = ib_wal_batch_bytes(topic, recs, n);
        pthread_mutex_lock(&w->lock);
        ib_err_t err = IB_OK;
        if (w->failed) {
                err = ib_seterr(errstr, errstr_size, w->failed, "%s", w->failed_msg);
                goto out;
        }
        if (w->written.offset > IB_WAL_SEGMENT_HEADER &&
            w->written.offset + total > w->conf.segment_bytes) {
                /* Roll. The old segment is made durable first (unless fsync=none). */
                while (w->syncing)
                        pthread_cond_wait(&w->cond, &w->lock);
                if (w->failed) {
                        err = ib_seterr(errstr, errstr_size, w->failed, "%s", w->failed_msg);
                        goto out;
                }
                if (w->conf.fsync != IB_WAL_FSYNC_NONE && ib_wal_pos_cmp(w->synced, w->written) < 0) {
                        int64_t t0 = ib_mono_us();
                        if (do_fsync(w->fd) != 0) {
                                err = fail(w, errstr, errstr_size, "fsync before a segment roll");
                                goto out;
                        }
                        w->stats.fsyncs++;
                        ib_hist_record(&w->stats.fsync_us, (uint64_t)(ib_mono_us() - t0));
                        w->synced = w->written;
                }
                if ((err = new_segment(w, w->written.segment + 1, errstr, errstr_size)))
                        goto out;
        }
        ib_buf_reset(&w->enc);
        for (size_t i = 0; i < n; i++)
                if (enc_data(&w->enc, topic, tlen, &recs[i]) != 0) {
                        err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                        goto out;
                }
        unsigned char bp[12];
        ib_le_put64(bp, batch_seq);
        ib_le_put32(bp + 8, (uint32_t)n);
        if (enc_record(&w->enc, T_BATCH, bp, sizeof(bp)) != 0) {
                err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                goto out;
        }
        if (write_all(w->fd, (unsigned char *)w->enc.data, w->enc.len) != IB_OK) {
                err = fail(w, errstr, errstr_size, "write");
                goto out;
        }
        w->written.offset += w->enc.len;
        w->stats.bytes += w->enc.len;
        w->stats.records += n;
        w->stats.batches++;
        *end = w->written;
        pthread_cond_broadcast(&w->cond);
out:
        pthread_mutex_unlock(&w->lock);
        return err;
}

ib_err_t ib_wal_sync(ib_wal_writer_t *w, ib_wal_pos_t upto, char *errstr, size_t errstr_size) {
        if (w->conf.fsync != IB_WAL_FSYNC_BATCH) {
                pthread_mutex_lock(&w->lock);
                ib_err_t err = w->failed ? ib_seterr(errstr, errstr_size, w->failed, "%s", w->failed_msg) : IB_OK;
                pthread_mutex_unlock(&w->lock);
                return err;
        }
        pthread_mutex_lock(&w->lock);
        for (;;) {
                if (ib_wal_pos_cmp(w->synced, upto) >= 0)
                        break;
                /* After a failed write, what was written before it may still be
                 * made durable (its batches are whole, the failed one is a torn
                 * tail to a reader); after a failed fsync, nothing: the kernel
                 * may have dropped the pages it could not write. */
                if (w->failed && (w->fsync_failed || ib_wal_pos_cmp(upto, w->written) > 0)) {
                        ib_err_t err = ib_seterr(errstr, errstr_size, w->failed, "%s", w->failed_msg);
                        pthread_mutex_unlock(&w->lock);
                        return err;
                }
                if (w->syncing) { /* someone's fsync may cover us: wait for it */
                        pthread_cond_wait(&w->cond, &w->lock);
                        continue;
                }
                sync_written(w);
        }
        pthread_mutex_unlock(&w->lock);
        return IB_OK;
}

ib_wal_pos_t ib_wal_readable(ib_wal_writer_t *w) {
        pthread_mutex_lock(&w->lock);
        ib_wal_pos_t p = w->conf.fsync == IB_WAL_FSYNC_BATCH ? w->synced : w->written;
        pthread_mutex_unlock(&w->lock);
        return p;
}

void ib_wal_writer_stats(ib_wal_writer_t *w, ib_wal_writer_stats_t *out) {
        pthread_mutex_lock(&w->lock);
        *out = w->stats;
        pthread_mutex_unlock(&w->lock);
}

void ib_wal_writer_close(ib_wal_writer_t *w) {
        if (!w)
                return;
        if (w->has_flusher) {
                pthread_mutex_lock(&w->lock);
                w->stopping = 1;
                pthread_cond_broadcast(&w->cond);
                pthread_mutex_unlock(&w->lock);
                pthread_join(w->flusher, NULL);
        }
        if (w->fd >= 0) {
                if (!w->failed && w->conf.fsync != IB_WAL_FSYNC_NONE &&
                    ib_wal_pos_cmp(w->synced, w->written) < 0)
                        do_fsync(w->fd);
                close(w->fd);
        }
        if (w->dirfd >= 0)
                close(w->dirfd);
        ib_buf_free(&w->enc);
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        free(w);
}

/* ======================================================================== */
/* reader                                                                   */
/* ======================================================================== */

struct ib_wal_reader_s {
        char dir[512];
        ib_wal_recovery_t policy;
        ib_wal_report_cb *report;
        void *opaque;
        uint64_t horizon;         /* last segment that existed at open */
        uint64_t *seqs;           /* the segments listed, ascending (refreshed at the end) */
        size_t nseqs;
        ib_wal_pos_t pos;         /* next batch starts here */
        int fd;                   /* segment pos.segment, or -1 */
        char path[600];
        uint64_t file_size;       /* size of the open segment when last looked */
        unsigned char *buf;       /* bytes [buf_off, buf_off + buf_len) of the segment */
        size_t buf_len, buf_cap;
        uint64_t buf_off;
        ib_record_t *recs;        /* records of the current batch */
        size_t recs_cap;
        char topic[256];
        uint64_t reports, dropped;
};

static void report(ib_wal_reader_t *r, uint64_t offset, uint64_t dropped, const char *reason,
                   int fatal, int corruption) {
        r->reports++;
        r->dropped += dropped;
        if (r->report) {
                ib_wal_damage_t d = {r->path, offset, dropped, reason, fatal, corruption};
                r->report(r->opaque, &d);
        }
}

static void close_segment(ib_wal_reader_t *r) {
        if (r->fd >= 0)
                close(r->fd);
        r->fd = -1;
        r->buf_len = 0;
        r->buf_off = 0;
}

/* Opens segment `seq` and checks its header.
 * returns 1 ok, 0 missing, 2 header cut off (a torn tail: the writer died
 * creating the segment; not reported here), -1 damaged header (reported). */
static int open_segment(ib_wal_reader_t *r, uint64_t seq) {
        close_segment(r);
        ib_wal_segment_path(r->path, sizeof(r->path), r->dir, seq);
        r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0)
                return 0;
        struct stat st;
        fstat(r->fd, &st);
        r->file_size = (uint64_t)st.st_size;
        unsigned char h[IB_WAL_SEGMENT_HEADER];
        ssize_t n = pread(r->fd, h, sizeof(h), 0);
        const char *why = NULL;
        if (n >= 0 && n < (ssize_t)sizeof(h))
                return 2;
        if (n != (ssize_t)sizeof(h))
                why = "segment header unreadable";
        else if (memcmp(h, wal_magic, 8))
                why = "not a segment (bad magic)";
        else if (ib_le_get32(h + 8) != WAL_VERSION)
                why = "unsupported segment version";
        else if (ib_le_get64(h + 12) != seq)
                why = "segment number does not match its file name";
        else if (ib_crc32c_unmask(ib_le_get32(h + 20)) != ib_crc32c(h, 20))
                why = "segment header checksum mismatch";
        if (why) {
                report(r, 0, r->file_size, why, r->policy != IB_WAL_SKIP_CORRUPT &&
                       r->policy != IB_WAL_POINT_IN_TIME, 1);
                return -1;
        }
        return 1;
}

/* Makes bytes [off, off + n) of the open segment available in the buffer,
 * keeping [keep, off) too. Reads at most up to `cap_at`. Returns how many of
 * the n bytes are available. */
static size_t ensure(ib_wal_reader_t *r, uint64_t keep, uint64_t off, size_t n, uint64_t cap_at) {
        if (off >= r->buf_off && off + n <= r->buf_off + r->buf_len)
                return n;
        if (keep < r->buf_off || keep > r->buf_off + r->buf_len) {
                r->buf_off = keep; /* nothing useful in the buffer */
                r->buf_len = 0;
        } else if (keep > r->buf_off) {
                size_t drop = (size_t)(keep - r->buf_off);
                memmove(r->buf, r->buf + drop, r->buf_len - drop);
                r->buf_len -= drop;
                r->buf_off = keep;
        }
        size_t need = (size_t)(off + n - r->buf_off);
        if (ib_array_grow(&r->buf, &r->buf_cap, need, 1, 4u << 20))
                return 0;
        while (r->buf_len < need) {
                uint64_t at = r->buf_off + r->buf_len;
                if (at >= cap_at)
                        break;
                size_t want = r->buf_cap - r->buf_len;
                if (at + want > cap_at)
                        want = (size_t)(cap_at - at);
                ssize_t got = pread(r->fd, r->buf + r->buf_len, want, (off_t)at);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got <= 0)
                        break;
                r->buf_len += (size_t)got;
        }
        if (off + n <= r->buf_off + r->buf_len)
                return n;
        return off >= r->buf_off + r->buf_len ? 0 : (size_t)(r->buf_off + r->buf_len - off);
}

ib_err_t ib_wal_reader_open(const char *dir, ib_wal_pos_t from, ib_wal_recovery_t policy,
                            ib_wal_report_cb *report_cb, void *opaque, ib_wal_reader_t **out, char *errstr,
                            size_t errstr_size) {
        ib_wal_reader_t *r = calloc(1, sizeof(*r));
        if (!r)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        snprintf(r->dir, sizeof(r->dir), "%s", dir);
        r->policy = policy;
        r->report = report_cb;
        r->opaque = opaque;
        r->fd = -1;
        uint64_t *seqs;
        size_t n;
        ib_err_t err = ib_wal_segments(dir, &seqs, &n, errstr, errstr_size);
        if (err) {
                free(r);
                return err;
        }
        r->horizon = n ? seqs[n - 1] : 0;
        if (from.segment == 0) /* from the beginning of what is there */
                from = (ib_wal_pos_t){n ? seqs[0] : 1, IB_WAL_SEGMENT_HEADER};
        r->seqs = seqs, r->nseqs = n;
        r->pos = from;
        *out = r;
        return IB_OK;
}

ib_wal_pos_t ib_wal_reader_pos(const ib_wal_reader_t *r) { return r->pos; }

void ib_wal_reader_damage(const ib_wal_reader_t *r, uint64_t *reports, uint64_t *dropped) {
        *reports = r->reports;
        *dropped = r->dropped;
}

void ib_wal_reader_close(ib_wal_reader_t *r) {
        if (!r)
                return;
        close_segment(r);
        free(r->buf);
        free(r->recs);
        free(r->seqs);
        free(r);
}

/* The first segment listed after `after`: the list is read again once when
 * it has none (the writer may have created more since). Gaps are jumped,
 * never stepped through. @returns 1 and *next, or 0 when there is none. */
static int next_listed(ib_wal_reader_t *r, uint64_t after, uint64_t *next) {
        for (int pass = 0; pass < 2; pass++) {
                size_t lo = 0, hi = r->nseqs;
                while (lo < hi) {
                        size_t mid = lo + (hi - lo) / 2;
                        if (r->seqs[mid] <= after)
                                lo = mid + 1;
                        else
                                hi = mid;
                }
                if (lo < r->nseqs) {
                        *next = r->seqs[lo];
                        return 1;
                }
                uint64_t *seqs;
                size_t n;
                if (pass || ib_wal_segments(r->dir, &seqs, &n, NULL, 0) != IB_OK)
                        break;
                free(r->seqs);
                r->seqs = seqs, r->nseqs = n;
        }
        return 0;
}

/* The segment after `seq`: the next one listed, or seq + 1 when none is
 * (missing: the reader stops there, or finds it once the writer made it). */
static uint64_t next_seq(ib_wal_reader_t *r, uint64_t seq) {
        uint64_t next;
        return next_listed(r, seq, &next) ? next : seq + 1;
}

/* Bytes in segments after `seq` up to the horizon: what point-in-time drops. */
static uint64_t bytes_after(ib_wal_reader_t *r, uint64_t seq) {
        uint64_t total = 0;
        for (size_t i = 0; i < r->nseqs; i++) {
                char p[600];
                struct stat st;
                if (r->seqs[i] <= seq || r->seqs[i] > r->horizon)
                        continue;
                ib_wal_segment_path(p, sizeof(p), r->dir, r->seqs[i]);
                if (stat(p, &st) == 0)
                        total += (uint64_t)st.st_size;
        }
        return total;
}

/* Decodes a validated DATA payload into rec. returns 0, or -1 if its fields do not add up. */
static int decode_data(ib_wal_reader_t *r, const unsigned char *p, uint32_t len, ib_record_t *rec,
                       int set_topic) {
        const unsigned char *end = p + len;
        if (len < 2)
                return -1;
        uint16_t tl = ib_le_get16(p);
        p += 2;
        if (tl == 0 || tl > IB_WAL_MAX_TOPIC) /* no writer wrote it: damage (and the reader's copy would cut it) */
                return -1;
        if ((size_t)(end - p) < (size_t)tl + 4 + 8 + 8 + 4)
                return -1;
        if (set_topic) {
                size_t c = tl < sizeof(r->topic) - 1 ? tl : sizeof(r->topic) - 1;
                memcpy(r->topic, p, c);
                r->topic[c] = '\0';
        }
        p += tl;
        rec->partition = (int32_t)ib_le_get32(p), p += 4;
        rec->offset = (int64_t)ib_le_get64(p), p += 8;
        rec->timestamp_ms = (int64_t)ib_le_get64(p), p += 8;
        uint32_t kl = ib_le_get32(p);
        p += 4;
        if (kl == 0xFFFFFFFFu) {
                rec->key = NULL;
                rec->key_len = 0;
        } else {
                if ((size_t)(end - p) < (size_t)kl + 4)
                        return -1;
                rec->key = (const char *)p;
                rec->key_len = kl;
                p += kl;
        }
        if ((size_t)(end - p) < 4)
                return -1;
        uint32_t vl = ib_le_get32(p);
        p += 4;
        if (vl == 0xFFFFFFFFu) {
                rec->value = NULL;
                rec->value_len = 0;
        } else {
                if ((size_t)(end - p) != vl)
                        return -1;
                rec->value = (const char *)p;
                rec->value_len = vl;
                p += vl;
        }
        return p == end ? 0 : -1;
}

/* ---- scanning: what lies at a position, no policy ------------------------ */

typedef enum {
        SCAN_BATCH,    /* a whole, valid batch */
        SCAN_END,      /* the scan limit, at a record boundary, nothing started */
        SCAN_PARTIAL,  /* whole records up to the limit but no BATCH record: a cut-off batch */
        SCAN_TORN,     /* a record cut off by the end of the file (or the limit) */
        SCAN_ZERO,     /* zero-filled space */
        SCAN_CORRUPT,  /* bad bytes: a checksum, a type, a length, a framing */
} scan_kind_t;

typedef struct {
        scan_kind_t kind;
        size_t nrecs;          /* SCAN_BATCH: its records */
        uint64_t seq;          /* SCAN_BATCH: its number */
        uint64_t end;          /* SCAN_BATCH: just past its BATCH record */
        uint64_t damage_at;    /* SCAN_CORRUPT: the damaged record */
        const char *reason;    /* SCAN_CORRUPT */
} scan_t;

/* A valid record header and payload at p (checksum, type, reserved bytes). */
static int record_valid(const unsigned char *h, uint32_t len) {
        uint32_t crc = ib_crc32c_extend(ib_crc32c(h + 8, 4), h + 12, len);
        return !h[9] && !h[10] && !h[11] && (h[8] == T_DATA || h[8] == T_BATCH) &&
               ib_crc32c_unmask(ib_le_get32(h)) == crc;
}

/* Scans the records from `start` of the open segment up to `cap_at` until a
 * BATCH record closes a valid batch, or something else stops it. */
static scan_t scan_batch(ib_wal_reader_t *r, uint64_t start, uint64_t cap_at) {
        static const unsigned char zeros[IB_WAL_RECORD_HEADER];
        uint64_t p = start;
        size_t nrecs = 0;
        for (;;) {
                if (p >= cap_at)
                        return (scan_t){p > start ? SCAN_PARTIAL : SCAN_END, 0, 0, 0, 0, NULL};
                if (ensure(r, start, p, IB_WAL_RECORD_HEADER, cap_at) < IB_WAL_RECORD_HEADER)
                        return (scan_t){SCAN_TORN, 0, 0, 0, 0, NULL};
                const unsigned char *h = r->buf + (p - r->buf_off);
                if (!memcmp(h, zeros, IB_WAL_RECORD_HEADER))
                        return (scan_t){SCAN_ZERO, 0, 0, 0, 0, NULL};
                uint32_t len = ib_le_get32(h + 4);
                if (len > IB_WAL_MAX_PAYLOAD)
                        return (scan_t){SCAN_CORRUPT, 0, 0, 0, p, "implausible record length"};
                if (ensure(r, start, p, IB_WAL_RECORD_HEADER + len, cap_at) < IB_WAL_RECORD_HEADER + len)
                        return (scan_t){SCAN_TORN, 0, 0, 0, 0, NULL};
                h = r->buf + (p - r->buf_off);
                if (h[9] || h[10] || h[11] || (h[8] != T_DATA && h[8] != T_BATCH))
                        return (scan_t){SCAN_CORRUPT, 0, 0, 0, p, "unknown record type"};
                if (!record_valid(h, len))
                        return (scan_t){SCAN_CORRUPT, 0, 0, 0, p, "checksum mismatch"};
                if (h[8] == T_DATA) {
                        ib_record_t tmp;
                        if (decode_data(r, h + 12, len, &tmp, 0) != 0)
                                return (scan_t){SCAN_CORRUPT, 0, 0, 0, p, "malformed data record"};
                        /* the batch's topic (its first record's) as Kafka names topics: no
                         * writer wrote anything else, and it goes into JSON downstream */
                        if (nrecs == 0 && !topic_ok(h + 14, ib_le_get16(h + 12)))
                                return (scan_t){SCAN_CORRUPT, 0, 0, 0, p, "topic name with a byte Kafka does not allow"};
                        nrecs++;
                        p += IB_WAL_RECORD_HEADER + len;
                        continue;
                }
                if (len != 12 || ib_le_get32(h + 12 + 8) != nrecs)
                        return (scan_t){SCAN_CORRUPT, 0, 0, 0, p, "batch record does not match its records"};
                return (scan_t){SCAN_BATCH, nrecs, ib_le_get64(h + 12), p + IB_WAL_RECORD_HEADER + len, 0, NULL};
        }
}

/* After corruption at `from`: the position just past the next valid BATCH
 * record, found byte by byte by its checksum, never by the damaged record's
 * length (it may be what was corrupted; LevelDB drops the rest of its block
 * for the same reason). 0 when the segment has none. */
static uint64_t resync(ib_wal_reader_t *r, uint64_t from, uint64_t cap_at) {
        for (uint64_t q = from + 1; q + IB_WAL_RECORD_HEADER + 12 <= cap_at; q++) {
                if (ensure(r, q, q, IB_WAL_RECORD_HEADER + 12, cap_at) < IB_WAL_RECORD_HEADER + 12)
                        return 0;
                const unsigned char *h = r->buf + (q - r->buf_off);
                if (h[8] == T_BATCH && ib_le_get32(h + 4) == 12 && record_valid(h, 12))
                        return q + IB_WAL_RECORD_HEADER + 12;
        }
        return 0;
}

/* Hands out the records of the batch scanned from `start`, pointing into the
 * buffer. */
static ib_err_t emit_batch(ib_wal_reader_t *r, uint64_t start, const scan_t *s, ib_wal_batch_t *out,
                           char *errstr, size_t errstr_size) {
        if (ib_array_grow(&r->recs, &r->recs_cap, s->nrecs, sizeof(*r->recs), 1024))
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        r->topic[0] = '\0';
        uint64_t q = start;
        for (size_t i = 0; i < s->nrecs; i++) {
                const unsigned char *rh = r->buf + (q - r->buf_off);
                uint32_t rl = ib_le_get32(rh + 4);
                decode_data(r, rh + 12, rl, &r->recs[i], i == 0);
                q += IB_WAL_RECORD_HEADER + rl;
        }
        *out = (ib_wal_batch_t){s->seq, r->topic, r->recs, s->nrecs, {r->pos.segment, start},
                                {r->pos.segment, s->end}};
        r->pos.offset = s->end;
        return IB_OK;
}

/* ---- deciding: the recovery policy --------------------------------------- */

static void next_segment(ib_wal_reader_t *r, uint64_t seq) {
        close_segment(r);
        r->path[0] = '\0';
        r->pos = (ib_wal_pos_t){seq, IB_WAL_SEGMENT_HEADER};
}

/* Opens the reader's current segment under the policy. @returns IB_OK with
 * *again set when the reader moved on (call again), *stop when there is
 * nothing further, or the policy's refusal. */
static ib_err_t open_current(ib_wal_reader_t *r, ib_wal_pos_t limit, int *again, int *stop, char *errstr,
                             size_t errstr_size) {
        int o = open_segment(r, r->pos.segment);
        *again = *stop = 0;
        if (o == 1)
                return IB_OK;
        if (o == 0) { /* missing: go on to the next one that exists, if any */
                uint64_t next;
                if (next_listed(r, r->pos.segment, &next) && (!limit.segment || next <= limit.segment))
                        next_segment(r, next), *again = 1;
                else
                        *stop = 1;
                return IB_OK;
        }
        if (o == 2) {
                if (r->policy == IB_WAL_ABSOLUTE_CONSISTENCY) {
                        report(r, 0, r->file_size, "segment header cut off", 1, 0);
                        return ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT, "%s: segment header cut off", r->path);
                }
                report(r, 0, r->file_size, "segment header cut off (clean end)", 0, 0);
                next_segment(r, next_seq(r, r->pos.segment)), *again = 1;
                return IB_OK;
        }
        if (r->policy != IB_WAL_SKIP_CORRUPT && r->pos.segment <= r->horizon) {
                if (r->policy != IB_WAL_POINT_IN_TIME)
                        return ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT, "%s: damaged segment header", r->path);
                report(r, 0, bytes_after(r, r->pos.segment), "later segments dropped after damage", 0, 0);
                next_segment(r, r->horizon + 1), *again = 1;
                return IB_OK;
        }
        next_segment(r, next_seq(r, r->pos.segment)), *again = 1;
        return IB_OK;
}

/* A torn or zero-filled tail from `start`: a clean end, unless the policy
 * wants the log intact. */
static ib_err_t decide_tail(ib_wal_reader_t *r, uint64_t start, int torn, char *errstr, size_t errstr_size) {
        uint64_t dropped = r->file_size - start;
        const char *what = torn ? "torn tail" : "zero-filled tail";
        if (r->policy == IB_WAL_ABSOLUTE_CONSISTENCY) {
                report(r, start, dropped, what, 1, 0);
                return ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT, "%s: %s at byte %" PRIu64 " (%" PRIu64 " bytes)",
                                 r->path, what, start, dropped);
        }
        if (dropped > 0)
                report(r, start, dropped, torn ? "torn tail (clean end)" : "zero-filled tail (clean end)", 0, 0);
        next_segment(r, next_seq(r, r->pos.segment));
        return IB_OK;
}

/* Corruption found scanning from `start`. */
static ib_err_t decide_corrupt(ib_wal_reader_t *r, uint64_t start, const scan_t *s, uint64_t cap_at,
                               char *errstr, size_t errstr_size) {
        uint64_t seg = r->pos.segment;
        switch (r->policy) {
        case IB_WAL_TOLERATE_TORN_TAIL:
        case IB_WAL_ABSOLUTE_CONSISTENCY:
                report(r, s->damage_at, r->file_size - start, s->reason, 1, 1);
                return ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT, "%s: %s at byte %" PRIu64, r->path, s->reason,
                                 s->damage_at);
        case IB_WAL_POINT_IN_TIME: {
                uint64_t dropped = (r->file_size - start) + (seg < r->horizon ? bytes_after(r, seg) : 0);
                report(r, s->damage_at, dropped, s->reason, 0, 1);
                /* the log ends here; only segments written after recovery follow */
                next_segment(r, (seg > r->horizon ? seg : r->horizon) + 1);
                return IB_OK;
        }
        case IB_WAL_SKIP_CORRUPT: {
                /* drop the damaged batch up to the next valid batch boundary */
                uint64_t resume = resync(r, s->damage_at, cap_at);
                if (resume) {
                        report(r, s->damage_at, resume - start, s->reason, 0, 1);
                        r->pos.offset = resume;
                } else {
                        report(r, s->damage_at, r->file_size - start, s->reason, 0, 1);
                        next_segment(r, next_seq(r, seg));
                }
                return IB_OK;
        }
        }
        return IB_OK;
}

ib_err_t ib_wal_reader_next(ib_wal_reader_t *r, ib_wal_pos_t limit, ib_wal_batch_t *out, int *got, char *errstr,
                            size_t errstr_size) {
        *got = 0;
        for (;;) {
                if (limit.segment && ib_wal_pos_cmp(r->pos, limit) >= 0)
                        return IB_OK;
                int live = limit.segment && r->pos.segment == limit.segment;
                if (r->fd < 0 || r->path[0] == '\0') {
                        int again, stop;
                        ib_err_t err = open_current(r, limit, &again, &stop, errstr, errstr_size);
                        if (err || stop)
                                return err;
                        if (again)
                                continue;
                }
                /* how far this segment may be read */
                struct stat st;
                fstat(r->fd, &st);
                r->file_size = (uint64_t)st.st_size;
                uint64_t cap_at = live && limit.offset < r->file_size ? limit.offset : r->file_size;
                uint64_t start = r->pos.offset;
                scan_t s = scan_batch(r, start, cap_at);
                if (s.kind == SCAN_BATCH) {
                        ib_err_t err = emit_batch(r, start, &s, out, errstr, errstr_size);
                        *got = err == IB_OK;
                        return err;
                }
                if (s.kind == SCAN_CORRUPT) {
                        ib_err_t err = decide_corrupt(r, start, &s, cap_at, errstr, errstr_size);
                        if (err)
                                return err;
                        continue;
                }
                if (s.kind == SCAN_END || s.kind == SCAN_PARTIAL) {
                        /* the end of what may be read now, at a record boundary */
                        if (live || (limit.segment && r->pos.segment >= limit.segment))
                                return IB_OK; /* the writer has not written more yet */
                        if (s.kind == SCAN_END) { /* clean end of a finished segment: next one */
                                next_segment(r, next_seq(r, r->pos.segment));
                                continue;
                        }
                }
                if (live)
                        return IB_OK; /* a tail the writer is still writing */
                ib_err_t err = decide_tail(r, start, s.kind != SCAN_ZERO, errstr, errstr_size);
                if (err)
                        return err;
        }
}

/* ======================================================================== */
/* retention                                                                */
/* ======================================================================== */

ib_err_t ib_wal_retain(const char *dir, uint64_t keep_from, uint64_t *deleted, char *errstr,
                       size_t errstr_size) {
        uint64_t *seqs;
        size_t n;
        *deleted = 0;
        ib_err_t err = ib_wal_segments(dir, &seqs, &n, errstr, errstr_size);
        if (err)
                return err;
        for (size_t i = 0; i < n && seqs[i] < keep_from; i++) {
                char path[600];
                ib_wal_segment_path(path, sizeof(path), dir, seqs[i]);
                if (unlink(path) != 0 && errno != ENOENT) {
                        err = ib_seterr(errstr, errstr_size, IB_ERR_IO, "%s: unlink: %s", path,
                                        strerror(errno));
                        break;
                }
                (*deleted)++;
        }
        free(seqs);
        return err;
}
