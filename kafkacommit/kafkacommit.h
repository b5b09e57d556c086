/**
 * @file kafkacommit.h
 * @brief The async-commit mode: a consumer-group member commits each
 *        processed batch's offsets to Kafka, asynchronously by default, with
 *        the known remedies as variants (--commit, --assignor,
 *        --group-instance-id).
 */
#ifndef IB_KAFKACOMMIT_H
#define IB_KAFKACOMMIT_H

#include "mode.h"

extern const ib_mode_t ib_mode_async_commit;

/** @returns the variant's index for a --commit value, -1 if unknown. */
int ib_kafkacommit_parse_commit(const char *name);

#endif
