/*
 * group.c: consumer-group generation, rebalance events, assignment.
 */
#include "group.h"

#include "array.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

int32_t ib_group_generation_safe(rd_kafka_t *rk, int32_t *last, int closing) {
        if (closing)
                return *last;
        int32_t gen = ib_group_generation(rk);
        if (gen >= 0)
                *last = gen;
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

const char *const ib_group_protocol_names[] = {"classic", "consumer", NULL};
const char *const ib_group_assignor_names[] = {"range", "roundrobin", "cooperative-sticky", NULL};

const ib_option_t ib_group_options[] = {
    IB_OPT_CHOICE(ib_group_conf_t, protocol, "group-protocol", ib_group_protocol_names, "classic",
                  "the rebalance protocol: classic, or consumer (KIP-848: librdkafka >= 2.12, Kafka >= 4.0)"),
    IB_OPT_CHOICE(ib_group_conf_t, assignor, "assignor", ib_group_assignor_names, "range",
                  "classic protocol: the partition assignment strategy"),
    IB_OPT_STR(ib_group_conf_t, remote_assignor, "remote-assignor", "NAME", NULL,
               "consumer protocol: the broker's assignor (uniform, range; default: the broker's)"),
    IB_OPT_STR(ib_group_conf_t, group_instance_id, "group-instance-id", "ID", NULL,
               "static group membership (classic: -X session.timeout.ms=MS sets its session; consumer: the "
               "broker's group.consumer.session.timeout.ms)"),
    IB_OPT_END,
};

const char *ib_rebalance_name(ib_rebalance_t p) {
        return p == IB_REBALANCE_CONSUMER ? "consumer" : p == IB_REBALANCE_COOPERATIVE ? "cooperative" : "eager";
}

ib_rebalance_t ib_group_rebalance_of(const ib_group_conf_t *g) {
        if (g->protocol == 1)
                return IB_REBALANCE_CONSUMER;
        return strcmp(ib_group_assignor_names[g->assignor], "cooperative-sticky") ? IB_REBALANCE_EAGER
                                                                                   : IB_REBALANCE_COOPERATIVE;
}

ib_err_t ib_group_conf_check(const ib_group_conf_t *g, char *errstr, size_t errstr_size) {
        if (g->protocol == 1 && g->assignor != 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--assignor %s is the classic protocol's: under --group-protocol consumer the "
                                 "broker assigns (--remote-assignor uniform|range)",
                                 ib_group_assignor_names[g->assignor]);
        if (g->protocol == 0 && g->remote_assignor)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--remote-assignor goes with --group-protocol consumer");
        if (g->remote_assignor && strcmp(g->remote_assignor, "uniform") && strcmp(g->remote_assignor, "range"))
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--remote-assignor takes uniform or range, not '%s'", g->remote_assignor);
        return IB_OK;
}

const char *ib_group_rebalance_event(ib_eventlog_t *ev, rd_kafka_t *rk, rd_kafka_resp_err_t err,
                                     const rd_kafka_topic_partition_list_t *parts, int with_offsets,
                                     ib_rebalance_t protocol, int32_t generation, int closing) {
        const char *kind = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? "assign"
                           : rd_kafka_assignment_lost(rk)             ? "lost"
                                                                       : "revoke";
        /* rd_kafka_memberid() waits on the group thread too: not while closing */
        char *member = closing ? NULL : rd_kafka_memberid(rk);
        /* closing: the revoke of a member leaving its group (close), not one
         * the group imposed; the member id is not asked for then (empty) */
        ib_eventlog_emit(ev, "rebalance",
                         json_pack("{s:s,s:i,s:s,s:s,s:b,s:o}", "kind", kind, "generation", (int)generation,
                                   "member", member ? member : "", "protocol", ib_rebalance_name(protocol),
                                   "closing", closing != 0, "partitions",
                                   ib_group_parts_json(parts, with_offsets)));
        if (member)
                rd_kafka_mem_free(rk, member);
        return kind;
}

void ib_group_apply(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
                    ib_rebalance_t protocol) {
        int assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
        if (protocol != IB_REBALANCE_EAGER)
                rd_kafka_error_destroy(assign ? rd_kafka_incremental_assign(rk, parts)
                                              : rd_kafka_incremental_unassign(rk, parts));
        else
                rd_kafka_assign(rk, assign ? parts : NULL);
}

ib_err_t ib_group_consumer_new(const char *brokers, const char *const *settings, const ib_group_conf_t *group,
                               const ib_props_t *props, ib_group_rebalance_cb *rebalance, ib_group_commit_cb *commit,
                               void *opaque, rd_kafka_t **out, ib_rebalance_t *protocol, char *errstr,
                               size_t errstr_size) {
        /* the caller's settings, then the group's: the consumer protocol
         * takes no client-side assignor (librdkafka refuses one) */
        const char *all[64];
        size_t n = 0;
        for (size_t i = 0; settings[i] && n + 4 < 40; i += 2) {
                all[n++] = settings[i];
                all[n++] = settings[i + 1];
        }
        int consumer = group->protocol == 1;
        if (consumer) {
                all[n++] = "group.protocol", all[n++] = "consumer";
                if (group->remote_assignor)
                        all[n++] = "group.remote.assignor", all[n++] = group->remote_assignor;
        } else {
                all[n++] = "partition.assignment.strategy", all[n++] = ib_group_assignor_names[group->assignor];
        }
        if (group->group_instance_id)
                all[n++] = "group.instance.id", all[n++] = group->group_instance_id;
        n = ib_kafka_fetch_settings(all, n, IB_FETCH_QUEUE_KB_GROUP);
        all[n] = NULL;
        if (consumer && rd_kafka_version() < 0x020c0000)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--group-protocol consumer needs librdkafka 2.12 or later; this is %s",
                                 rd_kafka_version_str());
        rd_kafka_conf_t *conf;
        ib_err_t err = ib_kafka_conf_new(brokers, all, props, &conf, errstr, errstr_size);
        if (err)
                return err;
        if (consumer) {
                *protocol = IB_REBALANCE_CONSUMER;
        } else {
                /* -X may have changed the assignor; cooperative-sticky is the
                 * one cooperative assignor and cannot be mixed with eager ones */
                char strategy[256] = "";
                size_t size = sizeof(strategy);
                rd_kafka_conf_get(conf, "partition.assignment.strategy", strategy, &size);
                *protocol = strstr(strategy, "cooperative-sticky") ? IB_REBALANCE_COOPERATIVE : IB_REBALANCE_EAGER;
        }
        rd_kafka_conf_set_rebalance_cb(conf, rebalance);
        if (commit)
                rd_kafka_conf_set_offset_commit_cb(conf, commit);
        rd_kafka_conf_set_opaque(conf, opaque);
        if ((err = ib_kafka_new(RD_KAFKA_CONSUMER, conf, out, errstr, errstr_size)))
                return err;
        rd_kafka_poll_set_consumer(*out);
        return IB_OK;
}

void ib_group_lag(rd_kafka_t *rk, const char *topic, int timeout_ms, const int64_t *start, int nstart, json_t *lag,
                  int *caught_up) {
        rd_kafka_topic_partition_list_t *a = NULL;
        *caught_up = 0;
        if (rd_kafka_assignment(rk, &a) || !a)
                return;
        /* Position: the further of what the member received (stale when a
         * partition came back after another member consumed it to its end),
         * where it started, and what the group committed. */
        rd_kafka_topic_partition_list_t *committed = rd_kafka_topic_partition_list_copy(a);
        int ok = committed->cnt == 0 || rd_kafka_committed(rk, committed, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR;
        rd_kafka_position(rk, a);
        for (int i = 0; ok && i < a->cnt; i++) {
                rd_kafka_topic_partition_t *tp = &a->elems[i];
                int64_t lo, hi, pos = tp->offset;
                if (tp->partition >= 0 && tp->partition < nstart && start[tp->partition] > pos)
                        pos = start[tp->partition];
                rd_kafka_topic_partition_t *c = rd_kafka_topic_partition_list_find(committed, tp->topic, tp->partition);
                if (c && !c->err && c->offset > pos)
                        pos = c->offset;
                if (rd_kafka_query_watermark_offsets(rk, topic, tp->partition, &lo, &hi, timeout_ms)) {
                        ok = 0; /* a partition without a leader: not caught up, and no more waits */
                        break;
                }
                if (pos < 0) /* nothing received, started from or committed: from the earliest */
                        pos = lo;
                char key[16];
                snprintf(key, sizeof(key), "%d", (int)tp->partition);
                json_object_set_new(lag, key, json_integer(hi > pos ? hi - pos : 0));
                ok &= hi <= pos;
        }
        rd_kafka_topic_partition_list_destroy(committed);
        rd_kafka_topic_partition_list_destroy(a);
        *caught_up = ok;
}

void ib_group_note_revoke(ib_group_losses_t *l, const rd_kafka_topic_partition_list_t *parts, int32_t generation,
                          int lost) {
        for (int i = 0; parts && i < parts->cnt; i++) {
                size_t c1 = l->cap, c2 = l->cap, c3 = l->cap;
                if (ib_array_grow(&l->partition, &c1, l->n + 1, sizeof(*l->partition), 16) ||
                    ib_array_grow(&l->generation, &c2, l->n + 1, sizeof(*l->generation), 16) ||
                    ib_array_grow(&l->lost, &c3, l->n + 1, 1, 16))
                        return; /* out of memory: the event is not written, nothing else changes */
                l->cap = c1 < c2 ? (c1 < c3 ? c1 : c3) : (c2 < c3 ? c2 : c3);
                l->partition[l->n] = parts->elems[i].partition;
                l->generation[l->n] = generation;
                l->lost[l->n++] = (char)lost;
        }
}

void ib_group_report_fenced(ib_group_losses_t *l, ib_eventlog_t *ev, const rd_kafka_topic_partition_list_t *assigned,
                            int32_t generation) {
        for (size_t i = 0; i < l->n; i++) {
                int kept = 0;
                for (int j = 0; assigned && j < assigned->cnt && !kept; j++)
                        kept = assigned->elems[j].partition == l->partition[i];
                if (!kept)
                        ib_eventlog_emit(ev, "fenced",
                                         json_pack("{s:i,s:i,s:i,s:s}", "partition", (int)l->partition[i], "generation",
                                                   (int)l->generation[i], "by_generation", (int)generation, "reason",
                                                   l->lost[i] ? "lost" : "revoke"));
        }
        l->n = 0;
}

void ib_group_losses_free(ib_group_losses_t *l) {
        free(l->partition);
        free(l->generation);
        free(l->lost);
        memset(l, 0, sizeof(*l));
}

/* ---- a bounded close ------------------------------------------------------- */

typedef struct closer_s {
        rd_kafka_t *rk;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        int done, refs; /* the last of the two threads frees it */
} closer_t;

static void closer_release(closer_t *c) {
        pthread_mutex_lock(&c->lock);
        int last = --c->refs == 0;
        pthread_mutex_unlock(&c->lock);
        if (last) {
                pthread_mutex_destroy(&c->lock);
                pthread_cond_destroy(&c->cond);
                free(c);
        }
}

static void *closer_run(void *arg) {
        closer_t *c = arg;
        rd_kafka_consumer_close(c->rk);
        pthread_mutex_lock(&c->lock);
        c->done = 1;
        pthread_cond_signal(&c->cond);
        pthread_mutex_unlock(&c->lock);
        closer_release(c);
        return NULL;
}

int ib_group_close(rd_kafka_t *rk, int budget_ms, ib_eventlog_t *ev) {
        closer_t *c = calloc(1, sizeof(*c));
        pthread_t t;
        if (!c) { /* no memory for the guard: close unguarded */
                rd_kafka_consumer_close(rk);
                return 0;
        }
        c->rk = rk;
        c->refs = 2;
        pthread_mutex_init(&c->lock, NULL);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&c->cond, &ca);
        pthread_condattr_destroy(&ca);
        if (pthread_create(&t, NULL, closer_run, c) != 0) {
                c->refs = 1;
                closer_release(c);
                rd_kafka_consumer_close(rk);
                return 0;
        }
        pthread_detach(t);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += budget_ms / 1000;
        until.tv_nsec += (long)(budget_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L)
                until.tv_sec++, until.tv_nsec -= 1000000000L;
        pthread_mutex_lock(&c->lock);
        while (!c->done && pthread_cond_timedwait(&c->cond, &c->lock, &until) == 0)
                ;
        int done = c->done;
        pthread_mutex_unlock(&c->lock);
        closer_release(c);
        if (!done) {
                fprintf(stderr, "ingestbench: leaving the group did not finish in %d ms (librdkafka waits on its "
                                "terminated group thread); exiting without it\n", budget_ms);
                ib_eventlog_emit(ev, "close_timeout", json_pack("{s:i}", "budget_ms", budget_ms));
        }
        return done ? 0 : -1;
}

ib_err_t ib_group_subscribe(rd_kafka_t *rk, const char *topic, const ib_group_conf_t *g, ib_rebalance_t protocol,
                            int partitions, ib_eventlog_t *ev, json_t *extra, char *errstr, size_t errstr_size) {
        rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
        rd_kafka_resp_err_t se = rd_kafka_subscribe(rk, topics);
        rd_kafka_topic_partition_list_destroy(topics);
        if (se) {
                json_decref(extra);
                return ib_seterr(errstr, errstr_size, IB_ERR_KAFKA, "subscribe to %s: %s", topic, rd_kafka_err2str(se));
        }
        json_t *fields = json_pack("{s:s,s:s,s:s?,s:s?,s:i}", "group_protocol", ib_group_protocol_names[g->protocol],
                                   "assignor",
                                   protocol == IB_REBALANCE_CONSUMER ? "(broker)" : ib_group_assignor_names[g->assignor],
                                   "remote_assignor", g->remote_assignor, "group_instance_id", g->group_instance_id,
                                   "partitions", partitions);
        if (extra)
                json_object_update_new(fields, extra);
        ib_eventlog_emit(ev, "subscribe", fields);
        return IB_OK;
}
