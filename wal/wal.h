/**
 * @file wal.h
 * @brief ingestbench's write-ahead log: segments of CRC-framed records,
 *        appended a batch per write(2), made durable by group commit, read
 *        back batch by batch under a recovery policy. The byte layout is
 *        specified in wal/FORMAT.md.
 *
 * Threads: one writer thread appends; any thread may call ib_wal_sync() (the
 * interval policy's flusher thread does); a reader belongs to one thread.
 */
#ifndef IB_WAL_H
#define IB_WAL_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "parse.h"
#include "hist.h"
#include "record.h"

/** What a reader does with damage it finds (RocksDB's WALRecoveryMode). */
typedef enum ib_wal_recovery_e {
        /** A torn tail is a clean end; any other corruption refuses to start.
         *  Use case: fsync per batch, where a torn last write is the only
         *  damage a crash can leave. */
        IB_WAL_TOLERATE_TORN_TAIL,
        /** Default. A torn tail is a clean end; at the first corruption the
         *  log ends: the rest of that segment and every later segment that
         *  existed are dropped and reported. Use case: recover to the last
         *  consistent point; dropped batches are re-read from Kafka. */
        IB_WAL_POINT_IN_TIME,
        /** Any torn tail or corruption refuses to start. Use case: the log
         *  must be intact, or an operator looks first. */
        IB_WAL_ABSOLUTE_CONSISTENCY,
        /** A torn tail is a clean end; the batch holding a corrupt record is
         *  skipped up to the next valid batch boundary (found by checksum:
         *  a damaged record's length is never trusted), else the rest of its
         *  segment, and reading goes on. Use case: salvage as much as possible. */
        IB_WAL_SKIP_CORRUPT,
} ib_wal_recovery_t;

/** When appended bytes are made durable. */
typedef enum ib_wal_fsync_e {
        IB_WAL_FSYNC_BATCH,    /**< before ib_wal_sync() returns (group commit) */
        IB_WAL_FSYNC_INTERVAL, /**< by a flusher thread every interval */
        IB_WAL_FSYNC_NONE,     /**< never (the page cache survives a process crash, not a host crash) */
} ib_wal_fsync_t;

/** A position in the log: a segment and a byte offset in it. */
typedef struct ib_wal_pos_s {
        uint64_t segment;
        uint64_t offset;
} ib_wal_pos_t;

static inline int ib_wal_pos_cmp(ib_wal_pos_t a, ib_wal_pos_t b) {
        if (a.segment != b.segment)
                return a.segment < b.segment ? -1 : 1;
        return (a.offset > b.offset) - (a.offset < b.offset);
}

#define IB_WAL_SEGMENT_HEADER 24
#define IB_WAL_RECORD_HEADER 12
#define IB_WAL_MAX_PAYLOAD (64u << 20)
/** The largest segment number: a name above it is not a segment (FORMAT.md),
 *  so that a next number never wraps. */
#define IB_WAL_SEQ_MAX (UINT64_MAX / 2)
/** The longest topic name a record holds: Kafka's limit. */
#define IB_WAL_MAX_TOPIC IB_TOPIC_MAX

/** One piece of damage found by a reader. */
typedef struct ib_wal_damage_s {
        const char *file;   /**< segment file path */
        uint64_t offset;    /**< byte offset of the damaged record (or 0: the header) */
        uint64_t dropped;   /**< bytes not replayed because of it */
        const char *reason; /**< e.g. "checksum mismatch", "torn tail" */
        int fatal;          /**< 1 when the policy refuses to go on */
        int corruption;     /**< 1: bad bytes; 0: a torn or zero-filled tail, what a crash leaves */
} ib_wal_damage_t;

typedef void ib_wal_report_cb(void *opaque, const ib_wal_damage_t *damage);

/** The policies' names, in enum order, NULL-terminated. */
extern const char *const ib_wal_recovery_names[];

/** @brief Parses a policy name (tolerate-torn-tail, point-in-time,
 *         absolute-consistency, skip-corrupt). IB_OK or IB_ERR_INVALID_ARG. */
ib_err_t ib_wal_recovery_parse(const char *name, ib_wal_recovery_t *out);
const char *ib_wal_recovery_name(ib_wal_recovery_t policy);

/** @brief Parses "batch", "interval:MS" or "none". IB_OK or IB_ERR_INVALID_ARG. */
ib_err_t ib_wal_fsync_parse(const char *spec, ib_wal_fsync_t *policy, int *interval_ms);

/** @brief Sequence numbers of the segments in @p dir, ascending (malloc'd). */
ib_err_t ib_wal_segments(const char *dir, uint64_t **seqs, size_t *n, char *errstr,
                         size_t errstr_size);

/** @brief The path of segment @p seq of @p dir. */
void ib_wal_segment_path(char *out, size_t out_size, const char *dir, uint64_t seq);

/* ---- writer -------------------------------------------------------------- */

typedef struct ib_wal_writer_s ib_wal_writer_t;

typedef struct ib_wal_writer_conf_s {
        const char *dir;          /**< created if missing */
        uint64_t segment_bytes;   /**< roll to a new segment past this size */
        ib_wal_fsync_t fsync;     /**< durability policy */
        int fsync_interval_ms;    /**< for IB_WAL_FSYNC_INTERVAL */
} ib_wal_writer_conf_t;

/** Writer figures, for the mode's stats. */
typedef struct ib_wal_writer_stats_s {
        uint64_t bytes;         /**< bytes written, framing included */
        uint64_t records;       /**< DATA records */
        uint64_t batches;       /**< BATCH records (appends) */
        uint64_t fsyncs;        /**< fsync(2) calls on segments */
        uint64_t segments;      /**< segments created */
        ib_hist_t fsync_us;     /**< fsync latency, microseconds */
} ib_wal_writer_stats_t;

/**
 * @brief Opens a writer that starts a new segment numbered one past the last
 *        one in the directory: it never appends to a segment it did not create.
 */
ib_err_t ib_wal_writer_open(const ib_wal_writer_conf_t *conf, ib_wal_writer_t **out, char *errstr,
                            size_t errstr_size);

/** @brief Where the writer's first segment begins (after its header). */
ib_wal_pos_t ib_wal_writer_start(const ib_wal_writer_t *w);

/**
 * @brief Appends @p n records of @p topic and the BATCH record that closes
 *        them, in one write(2). A batch never spans segments.
 * @param end  out: the position just past the batch.
 * @returns IB_OK, or IB_ERR_IO; after a failed write or fsync every later call
 *          fails too (the log's state on disk is no longer known).
 */
ib_err_t ib_wal_append(ib_wal_writer_t *w, const char *topic, const ib_record_t *recs,
                       size_t n, uint64_t batch_seq, ib_wal_pos_t *end, char *errstr,
                       size_t errstr_size);

/** @brief The bytes ib_wal_append() writes for these records, framing and
 *         BATCH record included: a batch ending at E started at E minus this. */
uint64_t ib_wal_batch_bytes(const char *topic, const ib_record_t *recs, size_t n);

/**
 * @brief Makes the log durable up to @p upto under the batch policy: one
 *        caller fsyncs, concurrent callers whose data that fsync covers wait
 *        for it instead of issuing their own. Returns at once under the
 *        interval and none policies. After a failed write, bytes written
 *        before it can still be synced (the receiver commits the batches
 *        logged before the failure); after a failed fsync nothing can.
 */
ib_err_t ib_wal_sync(ib_wal_writer_t *w, ib_wal_pos_t upto, char *errstr, size_t errstr_size);

/** @brief The position up to which readers may read: written and, under the
 *         batch policy, synced. */
ib_wal_pos_t ib_wal_readable(ib_wal_writer_t *w);

/** @brief A copy of the writer's figures. */
void ib_wal_writer_stats(ib_wal_writer_t *w, ib_wal_writer_stats_t *out);

void ib_wal_writer_close(ib_wal_writer_t *w);

/* ---- reader -------------------------------------------------------------- */

typedef struct ib_wal_reader_s ib_wal_reader_t;

/** One whole batch read back. Valid until the next ib_wal_reader_next(). */
typedef struct ib_wal_batch_s {
        uint64_t seq;           /**< batch sequence number from its BATCH record */
        const char *topic;      /**< topic of its records ("" when empty) */
        const ib_record_t *records;
        size_t count;
        ib_wal_pos_t start;     /**< position of its first record */
        ib_wal_pos_t end;       /**< position just past its BATCH record */
} ib_wal_batch_t;

/**
 * @brief Opens a reader at @p from (segment 0: the first segment). Segments
 *        that exist now are read under @p policy; damage is reported through
 *        @p report (may be NULL).
 */
ib_err_t ib_wal_reader_open(const char *dir, ib_wal_pos_t from, ib_wal_recovery_t policy,
                            ib_wal_report_cb *report, void *opaque, ib_wal_reader_t **out, char *errstr,
                            size_t errstr_size);

/**
 * @brief Reads the next whole batch that ends at or before @p limit
 *        (limit.segment == 0: no limit, read what exists). Damage is handled
 *        by the reader's policy and reported; under skip-corrupt the batch
 *        holding a damaged record is dropped up to the next valid batch
 *        boundary, found by checksum, never by the damaged record's length.
 * @param got  out: 1 with @p out filled, 0 when there is no further whole batch.
 * @returns IB_OK, or IB_ERR_CORRUPT when the policy refuses (errstr says
 *          where), IB_ERR_NOMEM.
 */
ib_err_t ib_wal_reader_next(ib_wal_reader_t *r, ib_wal_pos_t limit, ib_wal_batch_t *out, int *got,
                            char *errstr, size_t errstr_size);

/** @brief The reader's position: where the next batch starts. */
ib_wal_pos_t ib_wal_reader_pos(const ib_wal_reader_t *r);

/** @brief Damage reports so far, and bytes dropped because of them. */
void ib_wal_reader_damage(const ib_wal_reader_t *r, uint64_t *reports, uint64_t *dropped);

void ib_wal_reader_close(ib_wal_reader_t *r);

/* ---- retention ----------------------------------------------------------- */

/** @brief Deletes segments numbered below @p keep_from. */
ib_err_t ib_wal_retain(const char *dir, uint64_t keep_from, uint64_t *deleted, char *errstr,
                       size_t errstr_size);

#endif
