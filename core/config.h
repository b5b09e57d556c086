/**
 * @file config.h
 * @brief The configuration of a worker run, filled from flags, and the
 *        number/list parsers every command uses.
 *
 * One struct with a comment per field (kcat's conf). Defaults come from
 * ib_config_init(); a command's flag parser fills the rest and
 * ib_config_check() refuses missing or contradictory options with one line.
 */
#ifndef IB_CONFIG_H
#define IB_CONFIG_H

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

typedef struct ib_config_s {
        const char *mode;          /**< mode name, from the registry (--mode) */
        const char *brokers;       /**< bootstrap list; NULL: the running mock cluster */
        const char *topic;         /**< input topic */
        const char *group;         /**< group: consumer group / ZooKeeper namespace */
        const char *zookeeper;     /**< ZooKeeper connect string, host:port[,..] */
        const char *sink;          /**< sink spec: dir:PATH or null */
        const char *dead_letter;   /**< dead-letter directory; NULL: derived */
        const char *state_dir;     /**< local state: event log, stats */
        const char *schema;        /**< JSON schema file; NULL: built-in default */
        const char *worker_id;     /**< this worker's name; default host-pid */
        const char *event_time_field; /**< field with event time in ms ("ts") */
        int batch_ms;              /**< batch interval when caught up, ms */
        int64_t max_records_per_partition; /**< cap per partition per batch */
        int exit_when_idle_ms;     /**< stop after this long without new records; 0: never */
        int zk_session_timeout_ms; /**< ZooKeeper session timeout, ms */
        int connect_timeout_ms;    /**< bound on reaching brokers / ZooKeeper, ms */
        int progress_ms;           /**< progress line on stderr every so often; 0: off */
        int quiet;                 /**< no progress lines */
        ib_props_t props;          /**< -X key=value for librdkafka */

        /* receiver mode */
        const char *wal_dir;       /**< write-ahead log directory; NULL: STATE_DIR/wal */
        const char *fsync;         /**< "batch", "interval:MS" or "none" */
        const char *wal_recovery;  /**< recovery policy name (wal.h) */
        int64_t wal_segment_bytes; /**< roll segments past this size */
        int64_t wal_backlog_bytes; /**< receiver waits while the processor is this far behind */
        int wal_dedup;             /**< skip offsets the log already holds after a crash */
        const char *offsets;       /**< where offsets are committed: "kafka" or "zk" */

        /* async-commit mode */
        const char *commit;        /**< async, sync, auto, async+sync-on-revoke */
        const char *assignor;      /**< range, roundrobin, cooperative-sticky */
        const char *group_instance_id; /**< static membership; NULL: dynamic */

        /* checkpoint mode */
        const char *partitions;    /**< "0,1,2": partitions to read; NULL: see worker */
        const char *worker;        /**< "I/N": every Nth partition from I; NULL: all */
        const char *checkpoint_recovery; /**< NULL (refuse), previous, earliest, latest */
} ib_config_t;

void ib_config_init(ib_config_t *cfg);
void ib_config_destroy(ib_config_t *cfg);

/** @brief Checks required and contradictory options. IB_ERR_INVALID_ARG + errstr. */
ib_err_t ib_config_check(const ib_config_t *cfg, char *errstr, size_t errstr_size);

/** @brief Adds "key=value" to @p props. IB_ERR_INVALID_ARG when malformed or full. */
ib_err_t ib_props_add(ib_props_t *props, const char *kv, char *errstr,
                      size_t errstr_size);
void ib_props_destroy(ib_props_t *props);

/**
 * @brief Parses a whole decimal integer in [min, max]; suffixes k, m, g
 *        (x1000) are accepted when @p allow_suffix.
 * @returns 0 on success, -1 (with errstr naming @p what) otherwise.
 */
int ib_parse_i64(const char *s, int64_t min, int64_t max, int allow_suffix,
                 const char *what, int64_t *out, char *errstr, size_t errstr_size);

/** @brief Parses a floating number in [min, max]. @returns 0 or -1. */
int ib_parse_double(const char *s, double min, double max, const char *what,
                    double *out, char *errstr, size_t errstr_size);

/**
 * @brief Points SIGTERM and SIGINT at @p handler (no SA_RESTART, so blocking
 *        calls return early) and ignores SIGPIPE. Every long-running command
 *        stops the same way: the handler sets a flag, the loop finishes.
 */
void ib_on_stop_signals(void (*handler)(int));

/** @brief Current wall-clock time in ms since the epoch. */
int64_t ib_now_ms(void);
/** @brief Sets @p ts to CLOCK_REALTIME + @p ms, the absolute deadline that
 *         pthread_cond_timedwait() takes. */
struct timespec;
void ib_deadline_ms(struct timespec *ts, int ms);

/** @brief Monotonic clock in microseconds. */
int64_t ib_mono_us(void);

/** @brief Sleeps @p ms milliseconds in full, resuming after a signal. */
void ib_sleep_ms(int64_t ms);

#endif
