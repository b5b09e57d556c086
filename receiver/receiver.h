/**
 * @file receiver.h
 * @brief The receiver mode: a receive thread in a consumer group writes each
 *        polled batch to a write-ahead log (wal/) and makes it durable before
 *        committing its offsets (to Kafka, or to ZooKeeper with --offsets zk);
 *        a processor replays the log into the pipeline.
 */
#ifndef IB_RECEIVER_H
#define IB_RECEIVER_H

#include "mode.h"

extern const ib_mode_t ib_mode_receiver;

#endif
