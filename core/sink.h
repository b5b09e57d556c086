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
 * The dead-letter path is a dir sink too.
 */
#ifndef IB_SINK_H
#define IB_SINK_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "errors.h"

typedef struct ib_sink_s ib_sink_t;

struct ib_sink_s {
        /* Every function returns IB_OK, or an error with errstr filled. */

        /** Writes the @p len bytes (@p nlines lines) of range [from, until) of
         *  @p topic / @p partition. An empty range (len 0) writes nothing. */
        ib_err_t (*write_range)(ib_sink_t *sink, const char *topic, int32_t partition,
                                int64_t from, int64_t until, const char *data,
                                size_t len, char *errstr, size_t errstr_size);
        /** Makes every range written since the last flush durable. May be NULL. */
        ib_err_t (*flush)(ib_sink_t *sink, char *errstr, size_t errstr_size);
        /** Releases the sink. */
        void (*close)(ib_sink_t *sink);

        const char *type;  /**< "dir" or "null" */
        uint64_t files;    /**< ranges written (renames) since open */
        union {
                struct {
                        int dirfd;
                        int dirty;            /* a rename awaits the directory fsync */
                        char path[PATH_MAX];
                } dir;
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
