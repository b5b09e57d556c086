/* 0009-wal: the write-ahead log: round trip, torn tails cut at every byte,
 * a flipped bit under each recovery policy, segment roll, retention, group
 * commit, and injected write and fsync failures. */
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fault.h"
#include "harness.h"
#include "wal.h"

static char vals[64][64];

/* batch b holds records b*10 .. b*10+9, partition b%3 */
static void make_batch(int b, ib_record_t *recs) {
        for (int i = 0; i < 10; i++) {
                int n = b * 10 + i;
                snprintf(vals[i], sizeof(vals[i]), "{\"n\":%d}", n);
                recs[i] = (ib_record_t){b % 3, n, 1000 + n, i % 2 ? "k" : NULL, i % 2, vals[i], strlen(vals[i])};
        }
}

static ib_wal_writer_t *writer(const char *dir, uint64_t seg_bytes, ib_wal_fsync_t pol) {
        char err[512];
        ib_wal_writer_conf_t c = {dir, seg_bytes, pol, 5};
        ib_wal_writer_t *w = NULL;
        if (ib_wal_writer_open(&c, &w, err, sizeof(err)) != IB_OK)
                fprintf(stderr, "writer: %s\n", err);
        return w;
}

/* Writes `nbatches` batches; returns the end position of each in ends[]. */
static void write_batches(const char *dir, int nbatches, uint64_t seg_bytes, ib_wal_pos_t *ends) {
        char err[512];
        ib_wal_writer_t *w = writer(dir, seg_bytes, IB_WAL_FSYNC_BATCH);
        CHECK(w != NULL);
        for (int b = 0; b < nbatches; b++) {
                ib_record_t recs[10];
                make_batch(b, recs);
                ib_wal_pos_t end;
                CHECK_INT(ib_wal_append(w, "topic-a", recs, 10, (uint64_t)b + 1, &end, err, sizeof(err)), IB_OK);
                CHECK_INT(ib_wal_sync(w, end, err, sizeof(err)), IB_OK);
                if (ends)
                        ends[b] = end;
        }
        ib_wal_writer_close(w);
}

typedef struct {
        int reports, fatal, corruptions;
        uint64_t last_offset, dropped;
        char last_file[600], last_reason[64];
} damage_t;

static void on_damage(void *opaque, const ib_wal_damage_t *d) {
        damage_t *t = opaque;
        t->reports++;
        t->fatal += d->fatal;
        t->corruptions += d->corruption;
        t->last_offset = d->offset;
        t->dropped += d->dropped;
        snprintf(t->last_file, sizeof(t->last_file), "%s", d->file);
        snprintf(t->last_reason, sizeof(t->last_reason), "%s", d->reason);
}

/* Reads everything; returns the number of whole batches, or -1 on refusal.
 * seqs[] gets the batch numbers read. Checks every record's content. */
static int read_all(const char *dir, ib_wal_recovery_t pol, damage_t *dmg, uint64_t *seqs) {
        char err[512];
        memset(dmg, 0, sizeof(*dmg));
        ib_wal_reader_t *r = NULL;
        ib_wal_reader_open(dir, (ib_wal_pos_t){0, 0}, pol, on_damage, dmg, &r, err, sizeof(err));
        CHECK(r != NULL);
        ib_wal_batch_t b;
        int n = 0, got;
        ib_err_t rc;
        while ((rc = ib_wal_reader_next(r, (ib_wal_pos_t){0, 0}, &b, &got, err, sizeof(err))) == IB_OK && got) {
                CHECK_INT(b.count, 10);
                CHECK_STR(b.topic, "topic-a");
                int base = (int)(b.seq - 1) * 10;
                for (size_t i = 0; i < b.count; i++) {
                        char want[64];
                        snprintf(want, sizeof(want), "{\"n\":%d}", base + (int)i);
                        CHECK_INT(b.records[i].offset, base + (int)i);
                        CHECK_INT(b.records[i].partition, (int)((b.seq - 1) % 3));
                        CHECK_INT(b.records[i].timestamp_ms, 1000 + base + (int)i);
                        CHECK_INT(b.records[i].value_len, strlen(want));
                        CHECK(!memcmp(b.records[i].value, want, strlen(want)));
                        CHECK(i % 2 ? (b.records[i].key && b.records[i].key_len == 1) : b.records[i].key == NULL);
                }
                if (seqs)
                        seqs[n] = b.seq;
                n++;
        }
        ib_wal_reader_close(r);
        return rc ? -1 : n;
}

static off_t file_size(const char *path) {
        struct stat st;
        return stat(path, &st) == 0 ? st.st_size : -1;
}

static void copy_file(const char *from, const char *to, off_t len) {
        int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        char buf[1 << 16];
        while (len > 0) {
                ssize_t n = read(in, buf, (size_t)(len < (off_t)sizeof(buf) ? len : (off_t)sizeof(buf)));
                if (n <= 0)
                        break;
                CHECK(write(out, buf, (size_t)n) == n);
                len -= n;
        }
        close(in);
        close(out);
}

static void test_round_trip(void) {
        char dir[64];
        ib_tmpdir(dir, sizeof(dir));
        write_batches(dir, 20, 1 << 20, NULL);
        damage_t d;
        uint64_t seqs[32];
        CHECK_INT(read_all(dir, IB_WAL_ABSOLUTE_CONSISTENCY, &d, seqs), 20);
        CHECK_INT(d.reports, 0);
        for (int i = 0; i < 20; i++)
                CHECK_INT(seqs[i], i + 1);
        ib_tmpdir_rm(dir);
}

static void test_torn_tail_every_byte(void) {
        /* Cut the last batch's final record at every byte: under the tolerant
         * policies the log ends cleanly after batch 2; absolute consistency
         * refuses. The cut batch is never half-replayed. */
        char dir[64], seg[600], src[600];
        ib_tmpdir(dir, sizeof(dir));
        ib_wal_pos_t ends[3];
        write_batches(dir, 3, 1 << 20, ends);
        ib_wal_segment_path(seg, sizeof(seg), dir, 1);
        snprintf(src, sizeof(src), "%s/full.bin", dir);
        copy_file(seg, src, file_size(seg));
        off_t full = file_size(src);
        CHECK_INT(full, (off_t)ends[2].offset);
        int bad = 0;
        for (off_t cut = (off_t)ends[1].offset + 1; cut < full; cut++) {
                copy_file(src, seg, cut);
                damage_t d;
                ib_wal_recovery_t tolerant[] = {IB_WAL_TOLERATE_TORN_TAIL, IB_WAL_POINT_IN_TIME, IB_WAL_SKIP_CORRUPT};
                for (int p = 0; p < 3; p++) {
                        int n = read_all(dir, tolerant[p], &d, NULL);
                        if (n != 2 || d.corruptions != 0 || d.reports != 1)
                                bad++;
                }
                if (read_all(dir, IB_WAL_ABSOLUTE_CONSISTENCY, &d, NULL) != -1 || d.fatal != 1)
                        bad++;
        }
        CHECK_INT(bad, 0);
        /* cut exactly at a batch boundary: nothing is torn */
        copy_file(src, seg, (off_t)ends[1].offset);
        damage_t d;
        CHECK_INT(read_all(dir, IB_WAL_ABSOLUTE_CONSISTENCY, &d, NULL), 2);
        CHECK_INT(d.reports, 0);
        ib_tmpdir_rm(dir);
}

static void test_flipped_bit_each_policy(void) {
        /* 5 batches; a bit flipped inside batch 3's payload. */
        char dir[64], seg[600];
        ib_tmpdir(dir, sizeof(dir));
        ib_wal_pos_t ends[5];
        write_batches(dir, 5, 1 << 20, ends);
        ib_wal_segment_path(seg, sizeof(seg), dir, 1);
        off_t at = (off_t)ends[1].offset + IB_WAL_RECORD_HEADER + 30; /* in batch 3's first record */
        ib_test_flip_bit(seg, at);
        damage_t d;
        uint64_t seqs[8];

        CHECK_INT(read_all(dir, IB_WAL_TOLERATE_TORN_TAIL, &d, NULL), -1);
        CHECK_INT(d.fatal, 1);
        CHECK_INT(d.last_offset, ends[1].offset); /* the damaged record, reported by offset */
        CHECK_STR(d.last_file, seg);
        CHECK_STR(d.last_reason, "checksum mismatch");

        CHECK_INT(read_all(dir, IB_WAL_ABSOLUTE_CONSISTENCY, &d, NULL), -1);
        CHECK_INT(d.fatal, 1);

        CHECK_INT(read_all(dir, IB_WAL_POINT_IN_TIME, &d, seqs), 2); /* stops before batch 3 */
        CHECK_INT(seqs[1], 2);
        CHECK_INT(d.corruptions, 1);
        CHECK_INT(d.dropped, ends[4].offset - ends[1].offset); /* batches 3, 4, 5 */

        CHECK_INT(read_all(dir, IB_WAL_SKIP_CORRUPT, &d, seqs), 4); /* all but batch 3 */
        CHECK_INT(seqs[2], 4);
        CHECK_INT(seqs[3], 5);
        CHECK(d.corruptions >= 1);
        ib_tmpdir_rm(dir);
}

/* Under skip-corrupt, a record whose length field is damaged fails its
 * checksum; the reader must not trust that length (too short: it would read
 * the middle of a record as a header; too long: it would skip good batches).
 * It drops exactly the damaged batch, up to the next valid batch boundary,
 * reports it, and reads every later batch whole. */
static void test_skip_corrupt_never_trusts_a_damaged_length(void) {
        for (int variant = 0; variant < 3; variant++) {
                char dir[64], seg[600];
                ib_tmpdir(dir, sizeof(dir));
                ib_wal_pos_t ends[5];
                write_batches(dir, 5, 1 << 20, ends);
                ib_wal_segment_path(seg, sizeof(seg), dir, 1);
                /* batch 3's first record starts where batch 2 ended */
                off_t at = (off_t)ends[1].offset + 4;
                int fd = open(seg, O_RDWR);
                unsigned char le[4];
                CHECK(pread(fd, le, 4, at) == 4);
                uint32_t len = (uint32_t)le[0] | (uint32_t)le[1] << 8 | (uint32_t)le[2] << 16 | (uint32_t)le[3] << 24;
                uint32_t bad = variant == 0 ? len - 7                                        /* into its own payload */
                               : variant == 1 ? len + (uint32_t)(ends[3].offset - ends[1].offset) /* past batch 4 */
                                              : len + 1;
                for (int i = 0; i < 4; i++)
                        le[i] = (unsigned char)(bad >> (8 * i));
                CHECK(pwrite(fd, le, 4, at) == 4);
                close(fd);
                damage_t d;
                uint64_t seqs[8];
                CHECK_INT(read_all(dir, IB_WAL_SKIP_CORRUPT, &d, seqs), 4); /* every record checked */
                CHECK_INT(seqs[0], 1);
                CHECK_INT(seqs[1], 2);
                CHECK_INT(seqs[2], 4);
                CHECK_INT(seqs[3], 5);
                CHECK_INT(d.reports, 1);
                CHECK_INT(d.corruptions, 1);
                CHECK_INT(d.fatal, 0);
                CHECK_STR(d.last_reason, "checksum mismatch");
                CHECK_INT(d.last_offset, ends[1].offset);                 /* the damaged record */
                CHECK_INT(d.dropped, ends[2].offset - ends[1].offset);    /* batch 3, whole, no more */
                ib_tmpdir_rm(dir);
        }
}

static void test_point_in_time_drops_later_segments(void) {
        /* damage in segment 1 of 3: the later segments that existed are dropped */
        char dir[64], seg[600];
        ib_tmpdir(dir, sizeof(dir));
        write_batches(dir, 30, 4096, NULL);
        uint64_t *seqs;
        size_t n;
        char err[256];
        CHECK_INT(ib_wal_segments(dir, &seqs, &n, err, sizeof(err)), IB_OK);
        CHECK(n >= 3);
        free(seqs);
        ib_wal_segment_path(seg, sizeof(seg), dir, 1);
        ib_test_flip_bit(seg, IB_WAL_SEGMENT_HEADER + IB_WAL_RECORD_HEADER + 5); /* batch 1 */
        damage_t d;
        CHECK_INT(read_all(dir, IB_WAL_POINT_IN_TIME, &d, NULL), 0);
        CHECK(d.reports >= 1);
        ib_tmpdir_rm(dir);
}

static void test_segment_roll_and_retention(void) {
        char dir[64], err[256];
        ib_tmpdir(dir, sizeof(dir));
        ib_wal_pos_t ends[40];
        write_batches(dir, 40, 4096, ends);
        uint64_t *seqs;
        size_t n;
        CHECK_INT(ib_wal_segments(dir, &seqs, &n, err, sizeof(err)), IB_OK);
        CHECK(n >= 5);
        for (size_t i = 0; i < n; i++) {
                char p[600];
                ib_wal_segment_path(p, sizeof(p), dir, seqs[i]);
                CHECK(file_size(p) <= 4096 || i == n - 1); /* a batch never spans segments */
        }
        damage_t d;
        CHECK_INT(read_all(dir, IB_WAL_ABSOLUTE_CONSISTENCY, &d, NULL), 40);
        /* a reader resumes exactly at a batch's end */
        ib_wal_reader_t *r = NULL;
        CHECK_INT(ib_wal_reader_open(dir, ends[19], IB_WAL_ABSOLUTE_CONSISTENCY, NULL, NULL, &r, err, sizeof(err)),
                  IB_OK);
        ib_wal_batch_t b;
        int got;
        CHECK_INT(ib_wal_reader_next(r, (ib_wal_pos_t){0, 0}, &b, &got, err, sizeof(err)), IB_OK);
        CHECK_INT(got, 1);
        CHECK_INT(b.seq, 21);
        ib_wal_reader_close(r);
        /* retention: everything below the segment of batch 21 goes */
        uint64_t keep = ends[20].segment, deleted;
        CHECK_INT(ib_wal_retain(dir, keep, &deleted, err, sizeof(err)), IB_OK);
        CHECK_INT(deleted, keep - seqs[0]);
        free(seqs);
        CHECK_INT(ib_wal_segments(dir, &seqs, &n, err, sizeof(err)), IB_OK);
        CHECK_INT(seqs[0], keep);
        free(seqs);
        /* a new writer never appends to an old segment */
        ib_wal_writer_t *w = writer(dir, 4096, IB_WAL_FSYNC_BATCH);
        ib_wal_pos_t start = ib_wal_writer_start(w);
        CHECK_INT(start.segment, ends[39].segment + 1);
        CHECK_INT(start.offset, IB_WAL_SEGMENT_HEADER);
        ib_wal_writer_close(w);
        ib_tmpdir_rm(dir);
}

static void test_group_commit(void) {
        char dir[64], err[256];
        ib_tmpdir(dir, sizeof(dir));
        ib_wal_writer_t *w = writer(dir, 1 << 20, IB_WAL_FSYNC_BATCH);
        ib_record_t recs[10];
        ib_wal_pos_t e1, e2;
        make_batch(0, recs);
        CHECK_INT(ib_wal_append(w, "topic-a", recs, 10, 1, &e1, err, sizeof(err)), IB_OK);
        make_batch(1, recs);
        CHECK_INT(ib_wal_append(w, "topic-a", recs, 10, 2, &e2, err, sizeof(err)), IB_OK);
        ib_wal_writer_stats_t s0, s1;
        ib_wal_writer_stats(w, &s0);
        /* nothing is readable before it is durable under the batch policy */
        CHECK(ib_wal_pos_cmp(ib_wal_readable(w), e1) < 0);
        CHECK_INT(ib_wal_sync(w, e2, err, sizeof(err)), IB_OK); /* one fsync covers both */
        CHECK_INT(ib_wal_sync(w, e1, err, sizeof(err)), IB_OK); /* already covered: no fsync */
        ib_wal_writer_stats(w, &s1);
        CHECK_INT(s1.fsyncs - s0.fsyncs, 1);
        CHECK(ib_wal_pos_cmp(ib_wal_readable(w), e2) == 0);
        ib_wal_writer_close(w);
        ib_tmpdir_rm(dir);
}

typedef struct {
        ib_wal_writer_t *w;
        int id;
} thr_arg_t;

static void *appender(void *p) {
        thr_arg_t *a = p;
        char err[256];
        static char v[] = "{\"x\":1}";
        for (int i = 0; i < 200; i++) {
                ib_record_t rec = {a->id, i, 0, NULL, 0, v, sizeof(v) - 1};
                ib_wal_pos_t end;
                if (ib_wal_append(a->w, "t", &rec, 1, (uint64_t)(a->id * 1000 + i), &end, err, sizeof(err)) ||
                    ib_wal_sync(a->w, end, err, sizeof(err)))
                        return (void *)1;
        }
        return NULL;
}

static void test_concurrent_syncs_share_fsyncs(void) {
        char dir[64], err[256];
        ib_tmpdir(dir, sizeof(dir));
        /* small segments: appenders also race with rolls */
        ib_wal_writer_t *w = writer(dir, 8192, IB_WAL_FSYNC_BATCH);
        pthread_t t[4];
        thr_arg_t a[4];
        for (int i = 0; i < 4; i++) {
                a[i] = (thr_arg_t){w, i};
                pthread_create(&t[i], NULL, appender, &a[i]);
        }
        int failed = 0;
        for (int i = 0; i < 4; i++) {
                void *rv;
                pthread_join(t[i], &rv);
                failed += rv != NULL;
        }
        CHECK_INT(failed, 0);
        ib_wal_writer_stats_t s;
        ib_wal_writer_stats(w, &s);
        CHECK_INT(s.batches, 800);
        CHECK(s.fsyncs <= 800 + 2 * s.segments); /* at most one per sync call, and per roll */
        CHECK(s.segments > 3);
        fprintf(stderr, "  800 concurrent appends+syncs took %" PRIu64 " fsyncs\n", s.fsyncs);
        ib_wal_writer_close(w);
        ib_wal_reader_t *r = NULL;
        ib_wal_reader_open(dir, (ib_wal_pos_t){0, 0}, IB_WAL_ABSOLUTE_CONSISTENCY, NULL, NULL, &r, err, sizeof(err));
        ib_wal_batch_t b;
        int n = 0, got;
        ib_err_t rc;
        while ((rc = ib_wal_reader_next(r, (ib_wal_pos_t){0, 0}, &b, &got, err, sizeof(err))) == IB_OK && got)
                n++;
        CHECK_INT(rc, 0);
        if (rc)
                fprintf(stderr, "  reader: %s\n", err);
        CHECK_INT(n, 800);
        ib_wal_reader_close(r);
        ib_tmpdir_rm(dir);
}


static void test_injected_failures(void) {
        /* The 4th write fails (1: segment header, 2-3: batches 1-2, 4: batch 3):
         * batches 1-2 stay readable, batch 3 reports a clear error, and the
         * writer refuses everything after. Same for the 3rd fsync. */
        const char *specs[] = {"wal.write:4", "wal.fsync:4"};
        for (int s = 0; s < 2; s++) {
                char dir[64], err[512];
                ib_tmpdir(dir, sizeof(dir));
                setenv("INGESTBENCH_FAULTS", specs[s], 1);
                ib_fault_reset();
                ib_wal_writer_t *w = writer(dir, 1 << 20, IB_WAL_FSYNC_BATCH);
                CHECK(w != NULL);
                int ok = 0;
                ib_err_t last = IB_OK;
                for (int b = 0; b < 4; b++) {
                        ib_record_t recs[10];
                        make_batch(b, recs);
                        ib_wal_pos_t end;
                        last = ib_wal_append(w, "topic-a", recs, 10, (uint64_t)b + 1, &end, err, sizeof(err));
                        if (!last)
                                last = ib_wal_sync(w, end, err, sizeof(err));
                        if (last)
                                break;
                        ok++;
                }
                CHECK_INT(last, IB_ERR_IO);
                CHECK(strstr(err, s == 0 ? "write failed" : "fsync failed") != NULL);
                CHECK(strstr(err, dir) != NULL);
                /* sticky: nothing more is accepted */
                ib_record_t recs[10];
                ib_wal_pos_t end;
                make_batch(9, recs);
                CHECK_INT(ib_wal_append(w, "topic-a", recs, 10, 10, &end, err, sizeof(err)), IB_ERR_IO);
                ib_wal_writer_close(w);
                unsetenv("INGESTBENCH_FAULTS");
                ib_fault_reset();
                /* every batch whose sync succeeded is there */
                damage_t d;
                int n = read_all(dir, IB_WAL_POINT_IN_TIME, &d, NULL);
                CHECK(n >= ok);
                CHECK_INT(ok, s == 0 ? 2 : 2);
                ib_tmpdir_rm(dir);
        }
}

/* The receiver's flusher syncs batches written before a failed write (the
 * receive thread wrote the next one meanwhile): that sync still happens,
 * one past the failure is refused, and after a failed fsync nothing is
 * synced again. */
static void test_sync_after_failure(void) {
        const char *specs[] = {"wal.write:3", "wal.fsync:2"}; /* call 1: the new segment's header */
        for (int s = 0; s < 2; s++) {
                char dir[64], err[512];
                ib_tmpdir(dir, sizeof(dir));
                setenv("INGESTBENCH_FAULTS", specs[s], 1);
                ib_fault_reset();
                ib_wal_writer_t *w = writer(dir, 1 << 20, IB_WAL_FSYNC_BATCH);
                CHECK(w != NULL);
                ib_record_t recs[10];
                ib_wal_pos_t end1, end2;
                make_batch(0, recs);
                CHECK_INT(ib_wal_append(w, "topic-a", recs, 10, 1, &end1, err, sizeof(err)), IB_OK);
                if (s == 0) { /* the 2nd batch's write fails; the 1st can still be made durable */
                        make_batch(1, recs);
                        CHECK_INT(ib_wal_append(w, "topic-a", recs, 10, 2, &end2, err, sizeof(err)), IB_ERR_IO);
                        CHECK_INT(ib_wal_sync(w, end1, err, sizeof(err)), IB_OK);
                        ib_wal_pos_t past = {end1.segment, end1.offset + 1};
                        CHECK_INT(ib_wal_sync(w, past, err, sizeof(err)), IB_ERR_IO);
                        CHECK(strstr(err, "write failed") != NULL);
                } else { /* the fsync fails: no second try covers the batch */
                        CHECK_INT(ib_wal_sync(w, end1, err, sizeof(err)), IB_ERR_IO);
                        unsetenv("INGESTBENCH_FAULTS");
                        ib_fault_reset();
                        CHECK_INT(ib_wal_sync(w, end1, err, sizeof(err)), IB_ERR_IO);
                        CHECK(strstr(err, "fsync failed") != NULL);
                }
                ib_wal_writer_close(w);
                unsetenv("INGESTBENCH_FAULTS");
                ib_fault_reset();
                damage_t d;
                CHECK(read_all(dir, IB_WAL_POINT_IN_TIME, &d, NULL) >= 1);
                ib_tmpdir_rm(dir);
        }
}

static void test_policy_and_fsync_names(void) {
        ib_wal_recovery_t p;
        CHECK_INT(ib_wal_recovery_parse("point-in-time", &p), 0);
        CHECK_INT(p, IB_WAL_POINT_IN_TIME);
        CHECK_STR(ib_wal_recovery_name(IB_WAL_SKIP_CORRUPT), "skip-corrupt");
        CHECK_INT(ib_wal_recovery_parse("pit", &p), -1);
        ib_wal_fsync_t f;
        int ms;
        CHECK_INT(ib_wal_fsync_parse("interval:250", &f, &ms), 0);
        CHECK_INT(f, IB_WAL_FSYNC_INTERVAL);
        CHECK_INT(ms, 250);
        CHECK_INT(ib_wal_fsync_parse("interval:", &f, &ms), -1);
        CHECK_INT(ib_wal_fsync_parse("always", &f, &ms), -1);
}

/* Stray names are not segments, and gaps are jumped (#16): a name with a sign
 * or more than 2^63 was taken as a segment, and readers stepped one number at
 * a time towards it, forever. */
static void test_stray_names_and_gaps(void) {
        char dir[64], path[700], err[512];
        ib_tmpdir(dir, sizeof(dir));
        write_batches(dir, 10, 4096, NULL);
        uint64_t *seqs;
        size_t n, before;
        CHECK_INT(ib_wal_segments(dir, &seqs, &before, err, sizeof(err)), IB_OK);
        free(seqs);
        static const char *const strays[] = {"wal-99999999999999999999.log", "wal--0000000000000000001.log",
                                             "wal-+0000000000000000001.log", "wal- 0000000000000000001.log",
                                             "wal-18446744073709551615.log", "wal-00000000000000000000.log"};
        for (size_t i = 0; i < sizeof(strays) / sizeof(*strays); i++) {
                snprintf(path, sizeof(path), "%s/%s", dir, strays[i]);
                close(open(path, O_WRONLY | O_CREAT, 0600));
        }
        CHECK_INT(ib_wal_segments(dir, &seqs, &n, err, sizeof(err)), IB_OK);
        CHECK_INT(n, before);
        CHECK_INT(seqs[n - 1], before);
        free(seqs);
        /* a segment-like name far ahead (an empty file: a header cut off), then a
         * writer that goes on after it: a gap of a billion numbers */
        ib_wal_segment_path(path, sizeof(path), dir, 1000000000ull);
        close(open(path, O_WRONLY | O_CREAT, 0600));
        ib_wal_writer_t *w = writer(dir, 4096, IB_WAL_FSYNC_BATCH);
        CHECK(w != NULL);
        CHECK_INT(ib_wal_writer_start(w).segment, 1000000001ull);
        for (int b = 10; b < 15 && w; b++) {
                ib_record_t recs[10];
                make_batch(b, recs);
                ib_wal_pos_t end;
                CHECK_INT(ib_wal_append(w, "topic-a", recs, 10, (uint64_t)b + 1, &end, err, sizeof(err)), IB_OK);
                CHECK_INT(ib_wal_sync(w, end, err, sizeof(err)), IB_OK);
        }
        ib_wal_writer_close(w);
        damage_t d;
        CHECK_INT(read_all(dir, IB_WAL_SKIP_CORRUPT, &d, NULL), 15);
        CHECK_INT(read_all(dir, IB_WAL_TOLERATE_TORN_TAIL, &d, NULL), 15);
        CHECK_INT(read_all(dir, IB_WAL_POINT_IN_TIME, &d, NULL), 15);
        CHECK_INT(read_all(dir, IB_WAL_ABSOLUTE_CONSISTENCY, &d, NULL), -1); /* the cut-off header */
        /* damage before the gap: point-in-time drops what follows, at once */
        ib_wal_segment_path(path, sizeof(path), dir, 1);
        ib_test_flip_bit(path, IB_WAL_SEGMENT_HEADER + IB_WAL_RECORD_HEADER + 5);
        CHECK_INT(read_all(dir, IB_WAL_POINT_IN_TIME, &d, NULL), 0);
        CHECK(read_all(dir, IB_WAL_SKIP_CORRUPT, &d, NULL) >= 13);
        ib_tmpdir_rm(dir);
}

/* A record's topic is a Kafka topic name: the writer refuses others (#16) */
static void test_topic_names(void) {
        char dir[64], err[512], longname[300];
        ib_tmpdir(dir, sizeof(dir));
        ib_wal_writer_t *w = writer(dir, 1 << 20, IB_WAL_FSYNC_BATCH);
        ib_record_t recs[10];
        make_batch(0, recs);
        ib_wal_pos_t end;
        memset(longname, 'x', 250);
        longname[250] = 0;
        CHECK_INT(ib_wal_append(w, "a b", recs, 10, 1, &end, err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK(strstr(err, "not a Kafka topic name") != NULL);
        CHECK_INT(ib_wal_append(w, longname, recs, 10, 1, &end, err, sizeof(err)), IB_ERR_INVALID_ARG);
        longname[249] = 0;
        CHECK_INT(ib_wal_append(w, longname, recs, 10, 1, &end, err, sizeof(err)), IB_OK);
        ib_wal_writer_close(w);
        ib_tmpdir_rm(dir);
}

int main(void) {
        IB_RUN(test_topic_names);
        IB_RUN(test_round_trip);
        IB_RUN(test_torn_tail_every_byte);
        IB_RUN(test_flipped_bit_each_policy);
        IB_RUN(test_skip_corrupt_never_trusts_a_damaged_length);
        IB_RUN(test_point_in_time_drops_later_segments);
        IB_RUN(test_segment_roll_and_retention);
        IB_RUN(test_group_commit);
        IB_RUN(test_concurrent_syncs_share_fsyncs);
        IB_RUN(test_injected_failures);
        IB_RUN(test_sync_after_failure);
        IB_RUN(test_policy_and_fsync_names);
        IB_RUN(test_stray_names_and_gaps);
        return IB_DONE();
}
