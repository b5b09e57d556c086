/**
 * @file sink.h
 * @brief Where processed records go: a stream of output ranges, one per
 *        partition per batch, each written atomically.
 *
 * Like Redis's rio, a sink is a struct whose function pointers come first,
 * with private state per backend in a union. Backends:
 *   - dir:PATH  one JSON Lines file per range, named
 *               `<topic>-p<partition>-<from>-<until>.jsonl` (offsets zero-padded
 *               to 20 digits so names sort by offset); written to a temporary
 *               name, fsynced, renamed; the directory is fsynced once per
 *               batch by flush(). A replayed range rewrites the same file with
 *               the same bytes, so output is idempotent (the recipe for writing
 *               direct-stream ranges to HDFS).
 *   - null      discards (counts only).
 *   - kafka:TOPIC[@BROKERS]  one record per line on an output topic
 *               (kafka/ksink.h): the line's input partition and key, the
 *               idempotent producer with acks=all; flush() returns once every
 *               delivery report of the batch is in. Opened by ib_ksink_open(),
 *               not here, since core does not link librdkafka.
 * The dead-letter path is a dir sink too.
 */
#ifndef IB_SINK_H
#define IB_SINK_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "record.h"

typedef struct ib_sink_s ib_sink_t;

/** One output line of a range, for a sink that wants each line's input
 *  record (wants_sources). */
typedef struct ib_sink_line_s {
        const ib_record_t *src; /**< the input record the line came from */
        size_t end;             /**< one past the line's newline, from the range's first byte */
} ib_sink_line_t;

struct ib_sink_s {
        /* Every function returns IB_OK, or an error with errstr filled. */

        /** Writes the @p len bytes of range [from, until) of @p topic /
         *  @p partition: lines, each ending in a newline. @p lines: when the
         *  sink asked for them (wants_sources), each line's end and input
         *  record, in order; else NULL. An empty range (len 0) writes nothing. */
        ib_err_t (*write_range)(ib_sink_t *sink, const char *topic, int32_t partition,
                                int64_t from, int64_t until, const char *data,
                                size_t len, const ib_sink_line_t *lines,
                                char *errstr, size_t errstr_size);
        /** Makes every range written since the last flush durable. May be NULL. */
        ib_err_t (*flush)(ib_sink_t *sink, char *errstr, size_t errstr_size);
        /** Releases the sink. */
        void (*close)(ib_sink_t *sink);

        const char *type;  /**< "dir", "null" or "kafka" */
        int wants_sources; /**< 1: write_range needs each line's input record (its key) */
        uint64_t files;    /**< ranges written (renames; produced ranges) since open */
        union {
                struct {
                        int dirfd;
                        int dirty;            /* a rename awaits the directory fsync */
                        char path[PATH_MAX];
                } dir;
                void *state;   /**< a backend outside core (kafka/ksink.c) */
        } io;
};

/** @brief Opens a sink from its spec ("dir:PATH" creates PATH; "null"). */
ib_err_t ib_sink_open(const char *spec, ib_sink_t **out, char *errstr, size_t errstr_size);

/** @brief Opens a dir sink on @p path directly. */
ib_err_t ib_sink_open_dir(const char *path, ib_sink_t **out, char *errstr, size_t errstr_size);

/**
 * @brief Removes the temporary range files of @p topic that dead writers
 *        left behind (a crash between write and rename); files of live
 *        writers are kept. What an owner does before writing its partitions'
 *        output. A null sink has none.
 */
ib_err_t ib_sink_sweep(ib_sink_t *sink, const char *topic, uint64_t *removed, char *errstr, size_t errstr_size);

/** @brief Closes @p sink (NULL is fine). */
void ib_sink_close(ib_sink_t *sink);

/** @brief The file name of a range. @returns the length, or -1 if it does not fit. */
int ib_sink_range_name(char *out, size_t out_size, const char *topic,
                       int32_t partition, int64_t from, int64_t until);

/**
 * @brief Parses a range file name made by ib_sink_range_name().
 * @returns 0, or -1 when @p name is not one (temporary files included).
 */
int ib_sink_parse_range_name(const char *name, char *topic, size_t topic_size,
                             int32_t *partition, int64_t *from, int64_t *until);

#endif
