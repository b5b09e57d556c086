/*
 * recovery.c: a fault's recovery time (recovery.h).
 */
#include "recovery.h"

#include <stdlib.h>
#include <string.h>

static int worker_fault(ib_fault_kind_t k) {
        return k != IB_FAULT_BROKER_KILL && k != IB_FAULT_ZK_STOP && k != IB_FAULT_ROLLING_RESTART &&
               k != IB_FAULT_ADD_WORKER;
}

void ib_recovery_compute(const ib_history_t *h, const ib_hfault_t *f, const int64_t *end_offsets, int nparts,
                         ib_recovery_t *out) {
        *out = (ib_recovery_t){IB_RECOVERY_NONE, 0, -1};
        if (nparts <= 0)
                return;
        char *affected = calloc((size_t)nparts, 1);
        int64_t *frontier = calloc((size_t)nparts, sizeof(*frontier));
        int64_t *first = malloc((size_t)nparts * sizeof(*first)); /* end of the longest stall, -1: no batch yet */
        int64_t *prev = malloc((size_t)nparts * sizeof(*prev));   /* the last batch seen after the fault */
        int64_t *gap = calloc((size_t)nparts, sizeof(*gap));
        if (!affected || !frontier || !first || !prev || !gap)
                goto done;
        /* stalls that begin before the fault is healed count: its own, not later ones */
        int64_t horizon = f->end_ms > f->t_ms ? f->end_ms : f->t_ms;
        int all = !worker_fault(f->kind) || f->target < 0;
        for (int p = 0; p < nparts; p++) {
                affected[p] = (char)all;
                first[p] = -1;
                prev[p] = f->t_ms;
        }
        for (size_t i = 0; i < h->n; i++) {
                const ib_hevent_t *e = &h->ev[i];
                int32_t p = e->partition;
                if (e->t_ms <= f->t_ms) {
                        if (e->kind == IB_H_BATCH && p >= 0 && p < nparts && e->until > frontier[p])
                                frontier[p] = e->until;
                        if (all || e->worker != f->target)
                                continue;
                        /* what the target owned at the fault */
                        if (e->kind == IB_H_START)
                                memset(affected, 0, (size_t)nparts);
                        else if (p >= 0 && p < nparts && (e->kind == IB_H_ASSIGN || e->kind == IB_H_BATCH))
                                affected[p] = 1;
                        else if (p >= 0 && p < nparts &&
                                 (e->kind == IB_H_REVOKE || e->kind == IB_H_LOST || e->kind == IB_H_FENCED))
                                affected[p] = 0;
                } else if (e->kind == IB_H_BATCH && p >= 0 && p < nparts && prev[p] <= horizon) {
                        /* the longest stall from the fault on: a batch a worker had in hand
                         * right after the fault is not recovery */
                        if (first[p] < 0 || e->t_ms - prev[p] > gap[p]) {
                                gap[p] = e->t_ms - prev[p];
                                first[p] = e->t_ms;
                        }
                        prev[p] = e->t_ms;
                }
        }
        int64_t worst = -1;
        for (int p = 0; p < nparts; p++) {
                if (!affected[p] || frontier[p] >= end_offsets[p])
                        continue;
                out->affected++;
                if (first[p] < 0) {
                        worst = IB_RECOVERY_NEVER;
                        out->slowest = p;
                        break;
                }
                if (first[p] - f->t_ms > worst) {
                        worst = first[p] - f->t_ms;
                        out->slowest = p;
                }
        }
        out->recovery_ms = out->affected ? worst : IB_RECOVERY_NONE;
done:
        free(affected);
        free(frontier);
        free(first);
        free(prev);
        free(gap);
}
