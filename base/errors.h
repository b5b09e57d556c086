/**
 * @file errors.h
 * @brief ingestbench's one error enum, its names and human strings.
 *
 * Modelled on librdkafka's rd_kafka_resp_err_t: IB_OK is 0; local errors,
 * Kafka-side errors and ZooKeeper-side errors live in separate ranges so a
 * caller can tell where a failure came from. Functions that can fail return an
 * ib_err_t and, where a sentence helps, take `char *errstr, size_t errstr_size`
 * and fill it with one human line.
 */
#ifndef IB_ERRORS_H
#define IB_ERRORS_H

#include <stddef.h>

typedef enum {
        IB_OK = 0,

        /* Local errors: -1 .. -99 */
        IB_ERR_INVALID_ARG = -1,  /**< a caller passed something unusable */
        IB_ERR_NOMEM = -2,        /**< allocation failed */
        IB_ERR_IO = -3,           /**< a read, write, fsync or rename failed */
        IB_ERR_CORRUPT = -4,      /**< a checksum or framing check failed */
        IB_ERR_PARSE = -5,        /**< malformed JSON or text */
        IB_ERR_SCHEMA = -6,       /**< a record does not match the schema */
        IB_ERR_NOT_FOUND = -7,    /**< no such file, node, topic or partition */
        IB_ERR_TIMED_OUT = -8,    /**< a bounded wait ran out */
        IB_ERR_FAILED = -9,       /**< a process it started (worker, producer, kcat) failed */

        /* Kafka-side errors: -100 .. -199 (detail in errstr) */
        IB_ERR_KAFKA = -100,             /**< librdkafka reported an error */
        IB_ERR_KAFKA_UNREACHABLE = -101, /**< no broker answered in time */
        IB_ERR_KAFKA_RETRIABLE = -102,   /**< an error that clears by itself: no leader
                                          *   for a partition (an election), not the
                                          *   coordinator, a request timed out */
        IB_ERR_KAFKA_AUTH = -103,        /**< the brokers refused the credentials (SASL, TLS) */

        /* ZooKeeper-side errors: -200 .. -299 (detail in errstr) */
        IB_ERR_ZK = -200,             /**< the ZooKeeper client reported an error */
        IB_ERR_ZK_UNREACHABLE = -201, /**< no ZooKeeper server answered in time */
        IB_ERR_ZK_FENCED = -202,      /**< the ownership check failed: another
                                       *   worker owns the partition now */
        IB_ERR_ZK_SESSION = -203,     /**< the ZooKeeper session expired */
        IB_ERR_ZK_AUTH = -204,        /**< a node's ACL does not admit this client (--zk-auth) */
} ib_err_t;

/** @returns a human description of @p err (static string). */
const char *ib_err2str(ib_err_t err);

/** @returns the enum name of @p err without the IB_ prefix, e.g. "ERR_IO". */
const char *ib_err2name(ib_err_t err);

/** @brief Exit codes every ingestbench command uses. */
enum {
        IB_EXIT_OK = 0,          /**< success; for verify: expectations hold */
        IB_EXIT_FAIL = 1,        /**< the work failed, or verify's expectations do not hold */
        IB_EXIT_USAGE = 2,       /**< bad flag, missing value, contradictory options */
        IB_EXIT_UNREACHABLE = 3, /**< broker or ZooKeeper unreachable in the bounded time, or
                                  *   refusing the credentials */
};

/** @returns the exit code that fits @p err. */
int ib_err2exit(ib_err_t err);

/**
 * @brief snprintf into errstr, tolerating errstr == NULL.
 * @returns @p err, so callers can write `return ib_seterr(...)`.
 */
ib_err_t ib_seterr(char *errstr, size_t errstr_size, ib_err_t err,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
