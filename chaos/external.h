/**
 * @file external.h
 * @brief An external consumer under test (chaos/EXTERNAL.md): any program,
 *        started from an argv template whose placeholders the harness fills
 *        for each worker, never through a shell.
 *
 *   "external": {"command": ["./my-consumer", "--brokers", "{brokers}", "--out", "{out}"],
 *                "stop": {"signal": "TERM", "grace_ms": 10000}, "drain": "output"}
 *
 * Placeholders: {brokers} {topic} {group} {out} {worker} {state}; "{{" and
 * "}}" stand for a literal brace. Anything else in braces is refused when the
 * scenario is read, as is a program that cannot be found.
 */
#ifndef IB_EXTERNAL_H
#define IB_EXTERNAL_H

#include <stddef.h>

#include "mode.h"
#include "verify_io.h"

/** The placeholders a command template may hold, as listed in refusals. */
#define IB_EXTERNAL_PLACEHOLDERS "{brokers}, {topic}, {group}, {out}, {worker}, {state}"

/** What the placeholders stand for, for one worker. */
typedef struct ib_external_vars_s {
        const char *brokers, *topic, *group;
        const char *out;    /**< the worker's output folder (sink/wN) */
        const char *worker; /**< "w1" */
        const char *state;  /**< the worker's state folder: an events.jsonl there is read */
} ib_external_vars_t;

/** The scenario's "mode": "external": no options of its own (its command
 *  is the scenario's "external" block); not a mode `run` can start. */
extern const ib_mode_t ib_mode_external;

/** @returns 0 when @p arg is a well-formed template argument, else -1 with
 *  the reason in @p why ("unknown placeholder {x} (known: ...)"). */
int ib_external_check_arg(const char *arg, char *why, size_t why_size);

/** @returns @p arg with its placeholders filled (malloc'd), NULL when out
 *  of memory. @p arg must have passed ib_external_check_arg(). */
char *ib_external_expand(const char *arg, const ib_external_vars_t *v);

/**
 * @brief Finds the program @p prog: a name without '/' on $PATH, a path with
 *        one relative to @p base_dir (the scenario's folder) unless absolute.
 * @returns 0 with its path in @p out, -1 with the reason in @p why.
 */
int ib_external_program(const char *prog, const char *base_dir, char *out, size_t out_size, char *why,
                        size_t why_size);

/**
 * @brief Reads what external workers wrote: every regular file under
 *        @p sink_dir/WORKER/ (and one folder level below; names starting
 *        with '.' or '_' skipped, as Spark's metadata), as JSON Lines whose
 *        "id" is the input record's. A folder with a file sink log
 *        (`_spark_metadata`: "v1", then {"path", "action"} a line, one file
 *        a batch, N.compact for every batch up to N) is read as that log
 *        says: only the files it lists as added (by file name), in it and
 *        below it; the others, written by batches that never committed,
 *        are counted in @p uncommitted_files (may be NULL). A log that
 *        cannot be read is IB_ERR_PARSE, naming its file and byte. Each line is appended to @p out with
 *        partition -1 and offset -1 (ib_external_resolve() finds them), its
 *        file's index and @p ts_field's value; each file to out->files
 *        (partition -1, its mtime) with its worker's index in
 *        (*file_worker)[file] (malloc'd). A line with no string "id" is
 *        counted in @p bad_lines and named on stderr (file and byte).
 * @returns IB_OK, IB_ERR_NOMEM, or IB_ERR_IO for a file that cannot be read.
 */
ib_err_t ib_external_read_output(const char *sink_dir, const char *const *workers, int nworkers,
                                 const char *ts_field, ib_vlist_t *out, int **file_worker, uint64_t *bad_lines,
                                 uint64_t *uncommitted_files, char *errstr, size_t errstr_size);

/**
 * @brief Reads what external workers wrote to the output topic @p topic
 *        ("sink": "kafka"), as a read_committed reader: each record a JSON
 *        object with the input record's "id" (and, to be attributed, the
 *        writer's "worker": "w1"). Records are appended to @p out as
 *        ib_external_read_output() appends lines; each output partition's
 *        run of one writer's records is a "file" (its time: its latest
 *        record timestamp), its worker's index in (*file_worker)[file]
 *        (-1: no or an unknown "worker"). A record without a string "id" is
 *        counted in @p bad_records and named on stderr (partition, offset).
 */
ib_err_t ib_external_read_topic(const char *brokers, const ib_props_t *props, const char *topic,
                                const char *const *workers, int nworkers, const char *ts_field, ib_vlist_t *out,
                                int **file_worker, uint64_t *bad_records, char *errstr, size_t errstr_size);

/** @brief Gives each line of @p out (ids fixed) the partition and offset of
 *  the input record with its id; a line whose id no input record has keeps
 *  -1 (unexpected). @returns 0, -1 when out of memory. */
int ib_external_resolve(ib_vlist_t *out, const ib_vrec_t *produced, size_t nproduced);

/** @returns how many distinct ids @p out holds (ids fixed); -1: out of memory. */
int64_t ib_external_distinct(const ib_vlist_t *out);

#endif
