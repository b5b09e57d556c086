/**
 * @file parse.h
 * @brief The number parsers behind every flag and option table.
 */
#ifndef IB_PARSE_H
#define IB_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

/**
 * @brief Parses a whole decimal integer in [min, max]; suffixes k, m, g
 *        (x1000) are accepted when @p allow_suffix.
 * @returns IB_OK, or IB_ERR_INVALID_ARG with errstr naming @p what.
 */
ib_err_t ib_parse_i64(const char *s, int64_t min, int64_t max, int allow_suffix,
                      const char *what, int64_t *out, char *errstr, size_t errstr_size);

/** @brief Parses a floating number in [min, max]. IB_OK or IB_ERR_INVALID_ARG. */
ib_err_t ib_parse_double(const char *s, double min, double max, const char *what,
                         double *out, char *errstr, size_t errstr_size);

/**
 * @brief The bytes of a Kafka topic name: [a-zA-Z0-9._-] only (the length,
 *        1 to IB_TOPIC_MAX, is the caller's to check).
 * @returns the number of leading bytes that are allowed: @p n when all are.
 */
size_t ib_topic_chars(const char *t, size_t n);
#define IB_TOPIC_MAX 249 /**< Kafka's longest topic name */

#endif
