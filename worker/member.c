/*
 * member.c: a consumer-group member's bookkeeping, shared by the group modes
 * that poll on the runner's thread (member.h).
 */
#include "member.h"

#include <stdlib.h>
#include <string.h>

ib_err_t ib_member_init(ib_member_t *m, ib_mode_ctx_t *ctx, int nparts, char *errstr, size_t errstr_size) {
        m->ctx = ctx;
        m->nparts = nparts;
        if (!(m->assigned = calloc((size_t)(nparts > 0 ? nparts : 1), 1)))
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        return IB_OK;
}

int ib_member_rebalance_begin(ib_member_t *m, rd_kafka_resp_err_t err, const rd_kafka_topic_partition_list_t *parts) {
        int assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
        int32_t gen = ib_group_generation_safe(m->rk, &m->generation, m->closing);
        int lost = !strcmp(ib_group_rebalance_event(m->ctx->events, m->rk, err, parts, 0, m->protocol, gen, m->closing),
                           "lost");
        if (assign)
                ib_group_report_fenced(&m->losses, m->ctx->events, parts, gen);
        else
                ib_group_note_revoke(&m->losses, parts, gen, lost);
        m->rebalances++;
        ib_mode_waiting(m->ctx, !assign);
        return lost;
}

void ib_member_rebalance_end(ib_member_t *m, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts) {
        int assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
        for (int i = 0; m->assigned && i < parts->cnt; i++)
                if (parts->elems[i].partition >= 0 && parts->elems[i].partition < m->nparts)
                        m->assigned[parts->elems[i].partition] = (char)assign;
        ib_group_apply(m->rk, err, parts, m->protocol);
        if (assign)
                ib_mode_assigned(m->ctx);
}

void ib_member_close(ib_member_t *m, int budget_ms) {
        if (m->rk) {
                m->closing = 1;
                if (ib_group_close(m->rk, budget_ms, m->ctx->events) == 0)
                        rd_kafka_destroy(m->rk);
                m->rk = NULL;
        }
        free(m->assigned);
        m->assigned = NULL;
        ib_group_losses_free(&m->losses);
}
