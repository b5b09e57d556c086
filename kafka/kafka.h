/**
 * @file kafka.h
 * @brief librdkafka helpers every command shares: where the brokers are (a
 *        flag, or the running embedded mock cluster), configuration with -X
 *        pass-through, bounded metadata and topic creation, and batched
 *        watermark queries.
 *
 * Every call that talks to a broker is bounded by a timeout; when no broker
 * answers in time the error is IB_ERR_KAFKA_UNREACHABLE (exit code 3).
 */
#ifndef IB_KAFKA_H
#define IB_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "errors.h"

#define IB_MAX_PROPS 64

/** librdkafka properties passed through with -X key=value. */
typedef struct ib_props_s {
        int count;
        const char *key[IB_MAX_PROPS];
        const char *value[IB_MAX_PROPS];
        char *storage[IB_MAX_PROPS]; /**< owned "key=value" copies */
} ib_props_t;

/** @brief Adds "key=value" to @p props. IB_ERR_INVALID_ARG when malformed or full. */
ib_err_t ib_props_add(ib_props_t *props, const char *kv, char *errstr,
                      size_t errstr_size);
void ib_props_destroy(ib_props_t *props);

/** @brief Where `mock-cluster` writes its bootstrap address (overridable by
 *         INGESTBENCH_MOCK_FILE). */
/** @brief 1 when @p path is the default address file, in a folder of /tmp
 *         that must be the user's own (ib_fs_private_dir()). */
int ib_kafka_mock_addr_shared(const char *path);

const char *ib_kafka_mock_addr_path(char *out, size_t out_size);

/**
 * @brief Resolves the bootstrap list: @p flag when given, else
 *        $INGESTBENCH_BROKERS, else the address a running `ingestbench
 *        mock-cluster` published. IB_ERR_KAFKA_UNREACHABLE when none.
 */
ib_err_t ib_kafka_brokers(const char *flag, char *out, size_t out_size,
                          char *errstr, size_t errstr_size);

/** A fetch response brings at most this much of a partition (the client's
 *  default is 1 MB, compressed: 6 partitions of lz4 JSON decompress to
 *  over 100,000 records in one response, which then sit in memory whatever
 *  queued.max.messages.kbytes says). */
#define IB_FETCH_PARTITION_BYTES "131072"
/** The prefetch queue of a group member (one queue) and of the range
 *  reader (one per partition), KB; the client's default is 65536. */
#define IB_FETCH_QUEUE_KB_GROUP "8192"
#define IB_FETCH_QUEUE_KB_PARTITION "2048"

/**
 * @brief Appends the consumer's fetch settings every mode uses to the key,
 *        value pairs @p settings[0..n) (room for 6 more), so that a mode
 *        slower than the fetcher holds a bounded prefetch, not the backlog:
 *        queued.max.messages.kbytes=@p queue_kbytes, max.partition.fetch.bytes
 *        IB_FETCH_PARTITION_BYTES, and with a client that has it (2.2 and
 *        later) fetch.queue.backoff.ms=10 instead of its 1000, so a full
 *        prefetch queue pauses fetching for 10 ms, not a second (older
 *        clients pause a second, fixed). -X overrides each. @returns the new n.
 */
size_t ib_kafka_fetch_settings(const char **settings, size_t n, const char *queue_kbytes);

/**
 * @brief A configuration with bootstrap.servers and sane bounded timeouts,
 *        then the caller's @p settings (NULL-terminated key, value pairs;
 *        may be NULL), then every -X property, so -X can override them.
 *        IB_ERR_INVALID_ARG names a bad one.
 */
ib_err_t ib_kafka_conf_new(const char *brokers, const char *const *settings, const ib_props_t *props,
                           rd_kafka_conf_t **out, char *errstr, size_t errstr_size);

/** @brief Creates a client from @p conf (consumed, also on failure). */
ib_err_t ib_kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, rd_kafka_t **out, char *errstr,
                      size_t errstr_size);

/** @brief Applies one property, with a clear error. */
ib_err_t ib_kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value,
                           char *errstr, size_t errstr_size);

/**
 * @brief Partition count of @p topic, by a metadata request.
 * @returns IB_OK, IB_ERR_NOT_FOUND (no such topic), IB_ERR_KAFKA_UNREACHABLE.
 */
ib_err_t ib_kafka_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms,
                                  int *partitions, char *errstr, size_t errstr_size);

/** @brief Like ib_kafka_partition_count(), but a topic that does not exist
 *         yet (or whose leaders are being elected) is asked for again until
 *         @p timeout_ms: a worker may start while its topic is created. */
ib_err_t ib_kafka_partition_count_wait(rd_kafka_t *rk, const char *topic, int timeout_ms, int *partitions,
                                       char *errstr, size_t errstr_size);

/** @brief Creates @p topic (admin API), waiting for the result. An existing
 *         topic is not an error. */
ib_err_t ib_kafka_create_topic(rd_kafka_t *rk, const char *topic, int partitions,
                               int replication_factor, int timeout_ms,
                               char *errstr, size_t errstr_size);

/**
 * @brief Asks the brokers, in one ListOffsets round per leader, for the
 *        latest (@p which = RD_KAFKA_OFFSET_END) or earliest
 *        (RD_KAFKA_OFFSET_BEGINNING) offset of @p n partitions.
 */
ib_err_t ib_kafka_list_offsets(rd_kafka_t *rk, const char *topic, const int32_t *partitions,
                               int n, int64_t which, int64_t *offsets, int timeout_ms,
                               char *errstr, size_t errstr_size);

/** @brief ib_err_t of a librdkafka error: IB_ERR_KAFKA_UNREACHABLE (no
 *         broker answered), IB_ERR_KAFKA_RETRIABLE (clears by itself: a
 *         leader election, a coordinator move), else IB_ERR_KAFKA. */
ib_err_t ib_kafka_err(rd_kafka_resp_err_t err);

/** @brief 1 when a broker refused this process's credentials (a SASL
 *         authentication error, a failed TLS handshake), with the reason in
 *         @p out (may be NULL). Clients made by ib_kafka_conf_new() record it. */
int ib_kafka_auth_error(char *out, size_t size);

/** @brief librdkafka's version string and the build's, for result files. */
const char *ib_kafka_version(void);

#endif
