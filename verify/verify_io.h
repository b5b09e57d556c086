/**
 * @file verify_io.h
 * @brief What the verifier reads: the input topic back from Kafka, and the
 *        sink's range files and dead letters from disk, as histories for
 *        ib_verify_run() (verify.h).
 */
#ifndef IB_VERIFY_IO_H
#define IB_VERIFY_IO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "errors.h"
#include "kafka.h"
#include "verify.h"

/** A range file of the sink: `<topic>-p<partition>-<from>-<until>.jsonl`. */
typedef struct ib_vfile_s {
        int32_t partition;
        int64_t from, until;
        int64_t mtime_ms; /**< when it was last written */
} ib_vfile_t;

/** A growing history whose ids live in one string pool. */
typedef struct ib_vlist_s {
        ib_vrec_t *v;
        size_t n, cap;
        ib_buf_t pool;
        ib_vfile_t *files; /**< ib_verify_read_dir: the files read, in (partition, from) order */
        size_t nfiles, files_cap;
} ib_vlist_t;

/** @brief Appends a record (its id copied into the pool; file 0, ts -1).
 *  @returns 0, or -1 when out of memory. Call ib_vlist_fix() once complete. */
int ib_vlist_add(ib_vlist_t *l, int32_t partition, int64_t offset, const char *id, size_t idlen);

/** @brief Turns the ids' pool offsets into pointers, once the list is complete. */
void ib_vlist_fix(ib_vlist_t *l);
void ib_vlist_free(ib_vlist_t *l);

/**
 * @brief Reads every record of @p topic from its earliest offset to its end
 *        at start, with its id when its JSON has one, within @p timeout_ms.
 */
ib_err_t ib_verify_read_topic(const char *brokers, const ib_props_t *props, const char *topic,
                              int timeout_ms, ib_vlist_t *out, char *errstr, size_t errstr_size);

/** What a read-back does with each record: @returns 0, or -1 out of memory. */
typedef int ib_verify_take_fn(void *arg, const rd_kafka_message_t *m);

/**
 * @brief Reads every record of @p topic from its earliest offsets to its ends
 *        at start (@p committed 1: as a read_committed reader), each to
 *        @p take, within @p timeout_ms.
 */
ib_err_t ib_verify_read_records(const char *brokers, const ib_props_t *props, const char *topic, int committed,
                               int timeout_ms, ib_verify_take_fn *take, void *arg, char *errstr, size_t errstr_size);

/**
 * @brief Reads a Kafka sink's output topic from its earliest offsets to its
 *        ends at start, as a read_committed reader (@p committed 1: what a
 *        downstream consumer sees) or a read_uncommitted one (0: everything
 *        the log holds, aborted and zombie writes included). Each record is
 *        a sink line ("_partition", "_offset", "id"); records are grouped
 *        into "files", one per range a writer produced (their "ib-range"
 *        header, a new file when a range starts over), each with the
 *        latest record timestamp as its time, in (partition, from) order as
 *        ib_verify_read_dir() gives them. A record without _partition and
 *        _offset is counted in @p bad_records and named on stderr by
 *        partition and offset. A read_committed read of a partition whose
 *        transaction is still open times out, saying so.
 */
ib_err_t ib_verify_read_output(const char *brokers, const ib_props_t *props, const char *topic, int committed,
                               const char *ts_field, int timeout_ms, ib_vlist_t *out, uint64_t *bad_records,
                               char *errstr, size_t errstr_size);

/**
 * @brief Reads every range file of @p topic in @p dir, in (partition, from)
 *        order: sink lines (@p dead 0: "_partition", "_offset", "id") or dead
 *        letters (1: "partition", "offset"). Each sink line also carries its
 *        file (out->files) and event time (@p ts_field, NULL: none). An unreadable line is counted in
 *        @p bad_lines and named on stderr by file and byte offset. A missing
 *        dead-letter directory is empty.
 */
ib_err_t ib_verify_read_dir(const char *dir, const char *topic, int dead, const char *ts_field, ib_vlist_t *out,
                            uint64_t *bad_lines, char *errstr, size_t errstr_size);

#endif
