/**
 * @file verify.h
 * @brief The verifier: account for every record of the input topic exactly
 *        once, as delivered (unique), dead-lettered or lost, and find
 *        duplicates and reorderings in what was delivered.
 *
 * Pure logic on three histories, so it can be tested with hand-made inputs
 * (as Jepsen tests its checkers):
 *   produced   every record of the input topic: partition, offset, id (NULL
 *              for a record with no readable id, e.g. broken JSON);
 *   delivered  sink lines in delivery order: partition, offset, id;
 *   dead       dead letters: partition, offset.
 * A delivered line is matched to its input record by (partition, offset) and
 * must carry that record's id; one that matches nothing, or carries another
 * id, is "unexpected". produced = unique + dead_lettered + lost always holds.
 * out_of_order counts first deliveries whose offset is below an offset
 * already delivered for the same partition.
 */
#ifndef IB_VERIFY_H
#define IB_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

typedef struct ib_vrec_s {
        int32_t partition;
        int64_t offset;
        const char *id; /**< may be NULL */
        int32_t file;   /**< sink lines: the range file's index in ib_vlist_t.files; else 0 */
        int64_t ts;     /**< sink lines: the record's event time, ms; -1 when it has none */
        int64_t out_pos; /**< a Kafka sink's record: its place in the output topic
                          *   (IB_VREC_POS(partition, offset)); -1 otherwise */
} ib_vrec_t;

/** A place in the output topic, one integer: partition in the top 24 bits. */
#define IB_VREC_POS(partition, offset) (((int64_t)(partition) << 40) | (int64_t)(offset))

#define IB_VERIFY_SAMPLES 5

typedef struct ib_verify_sample_s {
        int32_t partition;
        int64_t offset;
        char id[64];
} ib_verify_sample_t;

typedef struct ib_verify_kind_s {
        uint64_t count;
        size_t nsamples;
        ib_verify_sample_t samples[IB_VERIFY_SAMPLES];
} ib_verify_kind_t;

typedef struct ib_verify_result_s {
        uint64_t produced;       /**< input records, good and bad */
        uint64_t delivered;      /**< sink lines */
        uint64_t unique;         /**< input records delivered at least once */
        ib_verify_kind_t duplicates;   /**< deliveries beyond the first */
        ib_verify_kind_t lost;         /**< neither delivered nor dead-lettered */
        ib_verify_kind_t out_of_order; /**< first deliveries behind a later offset */
        ib_verify_kind_t unexpected;   /**< deliveries matching no input record */
        ib_verify_kind_t input_duplicates; /**< ids the topic holds more than once */
        uint64_t dead_lettered;  /**< input records dead-lettered and not delivered */
        uint64_t dead_letters;   /**< dead-letter lines, replays included */
        /* A Kafka sink read twice: delivered is what a read_committed reader
         * sees; the log is what read_uncommitted finds (aborted and zombie
         * writes included). Set by the caller; has_log 0 when not read. */
        int has_log;
        uint64_t log_records;    /**< records in the output log */
        uint64_t log_duplicates; /**< deliveries beyond the first, in the log */
        uint64_t aborted_records; /**< in the log, not visible to read_committed */
} ib_verify_result_t;

/** @brief Runs the accounting. IB_ERR_NOMEM is the only failure. */
ib_err_t ib_verify_run(const ib_vrec_t *produced, size_t nproduced,
                       const ib_vrec_t *delivered, size_t ndelivered,
                       const ib_vrec_t *dead, size_t ndead,
                       ib_verify_result_t *result);

/** @brief Expectations such as "lost=0,duplicates=0": each named count must equal its value. */
typedef struct ib_verify_expect_s {
        int n;
        char name[8][24];
        uint64_t value[8];
} ib_verify_expect_t;

/** @brief Parses "name=N[,name=N...]"; names: lost, duplicates, out_of_order,
 *         unexpected, dead_lettered, unique, delivered, produced,
 *         input_duplicates, and for a Kafka sink log_records,
 *         log_duplicates, aborted_records. */
ib_err_t ib_verify_expect_parse(const char *spec, ib_verify_expect_t *expect,
                                char *errstr, size_t errstr_size);

/** @brief The value of count @p name in @p result; -1 if no such name, or a
 *         log count when the log was not read. */
int64_t ib_verify_count(const ib_verify_result_t *result, const char *name);

/** @returns 1 when every expectation holds; otherwise 0 with the first failure in @p why. */
int ib_verify_expect_check(const ib_verify_expect_t *expect,
                           const ib_verify_result_t *result, char *why,
                           size_t why_size);

#endif
