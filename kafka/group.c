/*
 * group.c: consumer-group generation, rebalance events, assignment.
 */
#include "group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int32_t ib_group_generation(rd_kafka_t *rk) {
        rd_kafka_consumer_group_metadata_t *md = rd_kafka_consumer_group_metadata(rk);
        if (!md)
                return -1;
        void *buf = NULL;
        size_t size = 0;
        int32_t gen = -1;
        rd_kafka_error_t *e = rd_kafka_consumer_group_metadata_write(md, &buf, &size);
        if (!e && size >= 11 && !memcmp(buf, "CGMDv2:", 7))
                memcpy(&gen, (char *)buf + 7, 4);
        if (e)
                rd_kafka_error_destroy(e);
        free(buf);
        rd_kafka_consumer_group_metadata_destroy(md);
        return gen;
}

json_t *ib_group_parts_json(const rd_kafka_topic_partition_list_t *l, int with_offsets) {
        json_t *a = json_array();
        for (int i = 0; l && i < l->cnt; i++) {
                const rd_kafka_topic_partition_t *tp = &l->elems[i];
                if (with_offsets)
                        json_array_append_new(a, json_pack("{s:i,s:I,s:s}", "partition", (int)tp->partition,
                                                           "offset", (json_int_t)tp->offset, "error",
                                                           rd_kafka_err2name(tp->err)));
                else
                        json_array_append_new(a, json_integer(tp->partition));
        }
        return a;
}

const char *ib_group_rebalance_event(ib_eventlog_t *ev, rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                     const rd_kafka_topic_partition_list_t *parts, int with_offsets,
                                     int cooperative) {
        const char *kind = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? "assign"
                           : rd_kafka_assignment_lost(rk)             ? "lost"
                                                                       : "revoke";
        char *member = rd_kafka_memberid(rk);
        ib_eventlog_emit(ev, "rebalance",
                         json_pack("{s:s,s:i,s:s,s:s,s:o}", "kind", kind, "generation", (int)ib_group_generation(rk),
                                   "member", member ? member : "", "protocol",
                                   cooperative ? "cooperative" : "eager", "partitions",
                                   ib_group_parts_json(parts, with_offsets)));
        if (member)
                rd_kafka_mem_free(rk, member);
        return kind;
}

void ib_group_apply(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                    int cooperative) {
        int assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
        if (cooperative)
                rd_kafka_error_destroy(assign ? rd_kafka_incremental_assign(rk, parts)
                                              : rd_kafka_incremental_unassign(rk, parts));
        else
                rd_kafka_assign(rk, assign ? parts : NULL);
}

ib_err_t ib_group_consumer_new(const char *brokers, const char *const *settings, const ib_props_t *props,
                               ib_group_rebalance_cb *rebalance, ib_group_commit_cb *commit, void *opaque,
                               rd_kafka_t **out, int *cooperative, char *errstr, size_t errstr_size) {
        rd_kafka_conf_t *conf;
        ib_err_t err = ib_kafka_conf_new(brokers, settings, props, &conf, errstr, errstr_size);
        if (err)
                return err;
        /* cooperative-sticky is the one cooperative assignor, and it cannot be
         * mixed with eager ones */
        char strategy[256] = "";
        size_t size = sizeof(strategy);
        rd_kafka_conf_get(conf, "partition.assignment.strategy", strategy, &size);
        *cooperative = strstr(strategy, "cooperative-sticky") != NULL;
        rd_kafka_conf_set_rebalance_cb(conf, rebalance);
        if (commit)
                rd_kafka_conf_set_offset_commit_cb(conf, commit);
        rd_kafka_conf_set_opaque(conf, opaque);
        if ((err = ib_kafka_new(RD_KAFKA_CONSUMER, conf, out, errstr, errstr_size)))
                return err;
        rd_kafka_poll_set_consumer(*out);
        return IB_OK;
}

void ib_group_lag(rd_kafka_t *rk, const char *topic, int timeout_ms, json_t *lag, int *caught_up) {
        rd_kafka_topic_partition_list_t *a = NULL;
        *caught_up = 0;
        if (rd_kafka_assignment(rk, &a) || !a)
                return;
        int ok = 1;
        rd_kafka_position(rk, a);
        rd_kafka_topic_partition_list_t *unknown = rd_kafka_topic_partition_list_new(a->cnt);
        for (int i = 0; i < a->cnt; i++)
                if (a->elems[i].offset < 0)
                        rd_kafka_topic_partition_list_add(unknown, a->elems[i].topic, a->elems[i].partition);
        if (unknown->cnt > 0 && rd_kafka_committed(rk, unknown, timeout_ms))
                ok = 0;
        for (int i = 0; i < a->cnt; i++) {
                rd_kafka_topic_partition_t *tp = &a->elems[i];
                int64_t lo, hi, pos = tp->offset;
                if (pos < 0) {
                        rd_kafka_topic_partition_t *c = rd_kafka_topic_partition_list_find(unknown, tp->topic, tp->partition);
                        pos = c && !c->err ? c->offset : -1;
                }
                if (rd_kafka_query_watermark_offsets(rk, topic, tp->partition, &lo, &hi, timeout_ms)) {
                        ok = 0;
                        continue;
                }
                if (pos < 0) /* nothing consumed or committed: from the earliest */
                        pos = lo;
                char key[16];
                snprintf(key, sizeof(key), "%d", (int)tp->partition);
                json_object_set_new(lag, key, json_integer(hi > pos ? hi - pos : 0));
                ok &= hi <= pos;
        }
        rd_kafka_topic_partition_list_destroy(unknown);
        rd_kafka_topic_partition_list_destroy(a);
        *caught_up = ok;
}
