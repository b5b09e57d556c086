/**
 * @file results.h
 * @brief The results file every measured run writes (results/SCHEMA.md):
 *        one JSON document with its schema version, the tool's and
 *        libraries' versions, the machine, the full configuration and what
 *        was measured, so that a report is generated from these files alone
 *        (Jepsen's results.edn, the OpenMessaging Benchmark's result JSON).
 *        Shared by `chaos` and the benchmarks.
 */
#ifndef IB_RESULTS_H
#define IB_RESULTS_H

#include <jansson.h>
#include <stddef.h>

#include "errors.h"

#define IB_RESULTS_SCHEMA "ingestbench.results"
#define IB_RESULTS_SCHEMA_VERSION 1

/**
 * @brief A new results document of @p kind ("chaos", "bench") with its
 *        header filled in: schema, schema_version, kind, created (UTC,
 *        ISO 8601), versions (ingestbench, librdkafka, broker, zookeeper)
 *        and machine (cores, kernel, memory).
 * @param broker_version e.g. "Apache Kafka 3.9.1"; @p zk_version NULL: none used.
 */
json_t *ib_results_new(const char *kind, const char *broker_version, const char *zk_version);

/** @brief Asks the ZooKeeper at @p hosts for its version ("srvr"), bounded; "unknown" if it will not say. */
void ib_results_zk_version(const char *hosts, char *out, size_t out_size);

/**
 * @brief Reads a results file, refusing what is not one: not JSON (with
 *        line and column), another schema, a schema_version this reader
 *        does not know, or (when @p kind is not NULL) another kind. Each
 *        refusal is one line naming the file and the field.
 */
ib_err_t ib_results_read(const char *path, const char *kind, json_t **out, char *errstr, size_t errstr_size);

/** @brief The source tree's git commit ("...-dirty" with uncommitted changes; "unknown" without git). */
void ib_results_git_revision(const char *dir, char *out, size_t size);

/** @brief The number at @p key of object @p o; 0 when absent or not a number (a reader's shorthand). */
static inline double ib_results_num(const json_t *o, const char *key) {
        return json_number_value(json_object_get(o, key));
}

/** @brief Figure @p name of a chaos results document (its "figures"): INFINITY for
 *         "never", -1 when absent. */
double ib_results_figure(const json_t *results, const char *name);

/** @brief What a chaos run measured, for a row's label: its scenario's mode, or for an
 *         external consumer "external:NAME" (its "external"."name"). @returns @p buf. */
const char *ib_results_chaos_subject(const json_t *results, char *buf, size_t size);

/** @brief Writes @p doc to @p path atomically (indented JSON). */
ib_err_t ib_results_write(const char *path, const json_t *doc, char *errstr, size_t errstr_size);

/** One JUnit test case. */
typedef struct ib_junit_case_s {
        const char *name;
        int pass;
        const char *message; /**< why it failed; may be NULL */
} ib_junit_case_t;

/** @brief Writes a JUnit XML file: one suite @p suite with @p n cases, atomically. */
ib_err_t ib_results_junit(const char *path, const char *suite, const ib_junit_case_t *cases, size_t n,
                          double seconds, char *errstr, size_t errstr_size);

#endif
