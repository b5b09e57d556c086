/*
 * schedule.c: expands a scenario's timeline and random block into one
 * time-ordered list of faults (schedule.h). Drawing is splitmix64 over the
 * seed, in a fixed order (time step, fault kind, target, duration, restart
 * delay), so a seed names one schedule for good.
 */
#include "schedule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t ib_rand_next(uint64_t *state) {
        uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
}

int64_t ib_rand_range(uint64_t *state, int64_t lo, int64_t hi) {
        uint64_t span = (uint64_t)(hi - lo) + 1;
        uint64_t r = ib_rand_next(state);
        return span == 0 ? (int64_t)r : lo + (int64_t)(r % span);
}

uint64_t ib_schedule_iteration_seed(uint64_t first, unsigned i) {
        if (i == 0)
                return first;
        uint64_t st = first ^ ((uint64_t)i * 0xD1B54A32D192ED03ull);
        return ib_rand_next(&st) >> 1; /* a seed a JSON integer can hold */
}

static int by_time(const void *a, const void *b) {
        const ib_fault_t *x = a, *y = b;
        if (x->at_ms != y->at_ms)
                return x->at_ms < y->at_ms ? -1 : 1;
        return x->random - y->random;
}

/* Workers alive by @p at_ms: those at start, plus additions before it
 * among the @p n faults of @p f (their times already drawn). */
static int workers_at(const ib_scenario_t *s, const ib_fault_t *f, size_t n, int64_t at_ms) {
        int w = s->workers;
        for (size_t i = 0; i < n; i++)
                if (f[i].kind == IB_FAULT_ADD_WORKER && f[i].at_ms <= at_ms)
                        w++;
        return w;
}

/* A uniform draw in [lo, hi], or lo itself (nothing drawn) when fixed. */
static int64_t draw_ms(uint64_t *st, int64_t lo, int64_t hi) { return hi > lo ? ib_rand_range(st, lo, hi) : lo; }

static void draw(const ib_scenario_t *s, const ib_fault_t *timeline, uint64_t *st, int64_t at, ib_fault_t *f) {
        const ib_random_spec_t *rs = &s->random;
        *f = (ib_fault_t){.at_ms = at, .duration_ms = -1, .restart_after_ms = -1, .random = 1};
        f->kind = rs->kinds[ib_rand_range(st, 0, rs->nkinds - 1)];
        int64_t target = 0;
        if (f->kind == IB_FAULT_BROKER_KILL)
                target = ib_rand_range(st, 1, s->brokers);
        else if (f->kind != IB_FAULT_ZK_STOP)
                target = ib_rand_range(st, 1, workers_at(s, timeline, s->ntimeline, at));
        f->target = (int)target;
        int64_t duration = ib_rand_range(st, rs->duration_min_ms, rs->duration_max_ms);
        int64_t restart = ib_rand_range(st, rs->restart_min_ms, rs->restart_max_ms);
        if (f->kind == IB_FAULT_PAUSE || f->kind == IB_FAULT_SLOW_BATCH || f->kind == IB_FAULT_ZK_STOP)
                f->duration_ms = duration;
        if (f->kind == IB_FAULT_KILL || f->kind == IB_FAULT_STOP || f->kind == IB_FAULT_BROKER_KILL)
                f->restart_after_ms = restart;
}

ib_err_t ib_schedule_build(const ib_scenario_t *s, uint64_t seed, ib_schedule_t *out) {
        *out = (ib_schedule_t){.seed = seed};
        size_t n = s->ntimeline + (size_t)s->random.count;
        if (n == 0)
                return IB_OK;
        if (!(out->faults = calloc(n, sizeof(*out->faults))))
                return IB_ERR_NOMEM;
        if (s->ntimeline) /* memcpy from NULL is undefined even for 0 bytes (a random block alone) */
                memcpy(out->faults, s->timeline, s->ntimeline * sizeof(*s->timeline));
        /* times given as [lo, hi] are drawn from a stream of their own, in
         * timeline order, so that the random block's draws do not depend on them */
        uint64_t tst = seed ^ 0x6A09E667F3BCC909ull;
        for (size_t i = 0; i < s->ntimeline; i++) {
                ib_fault_t *f = &out->faults[i];
                f->at_ms = f->at_max_ms = draw_ms(&tst, f->at_ms, f->at_max_ms);
                f->duration_ms = f->duration_max_ms = draw_ms(&tst, f->duration_ms, f->duration_max_ms);
                f->restart_after_ms = f->restart_max_ms = draw_ms(&tst, f->restart_after_ms, f->restart_max_ms);
                f->interval_ms = f->interval_max_ms = draw_ms(&tst, f->interval_ms, f->interval_max_ms);
        }
        uint64_t st = seed;
        int64_t at = s->random.start_ms;
        for (int i = 0; i < s->random.count; i++) {
                at += ib_rand_range(&st, s->random.interval_min_ms, s->random.interval_max_ms);
                draw(s, out->faults, &st, at, &out->faults[s->ntimeline + (size_t)i]);
        }
        out->n = n;
        /* qsort is not stable: timeline order at equal times comes from the index */
        for (size_t i = 0; i < n; i++)
                out->faults[i].random = out->faults[i].random ? (int)(1 + i) : 0;
        qsort(out->faults, n, sizeof(*out->faults), by_time);
        for (size_t i = 0; i < n; i++)
                out->faults[i].random = out->faults[i].random != 0;
        return IB_OK;
}

void ib_schedule_peers(const ib_fault_t *f, char *out, size_t size) {
        size_t n = 0;
        out[0] = '\0';
        if (f->from_zk && n < size)
                n += (size_t)snprintf(out + n, size - n, "zk");
        for (int k = 0; k < 32; k++)
                if (f->from_brokers >> k & 1 && n < size)
                        n += (size_t)snprintf(out + n, size - n, "%sb%d", n ? "," : "", k + 1);
        if (f->from_all_workers && n < size)
                n += (size_t)snprintf(out + n, size - n, "%sworkers", n ? "," : "");
        for (int k = 0; k < 64; k++)
                if (f->from_workers >> k & 1 && n < size)
                        n += (size_t)snprintf(out + n, size - n, "%sw%d", n ? "," : "", k + 1);
}

void ib_schedule_describe(const ib_fault_t *f, char *out, size_t size) {
        char target[16] = "", extra[400] = "", from[300] = "";
        if (f->host_kind == 'z')
                snprintf(target, sizeof(target), " zk");
        else if (f->target)
                snprintf(target, sizeof(target), " %c%d",
                         f->kind == IB_FAULT_BROKER_KILL || f->host_kind == 'b' ? 'b' : 'w', f->target);
        if (f->kind == IB_FAULT_PARTITION) {
                ib_schedule_peers(f, from, sizeof(from));
                snprintf(extra, sizeof(extra), " from %s (%s) for %lld ms", from,
                         f->direction == 1 ? "its packets to them lost" : f->direction == 2 ? "their packets to it lost"
                                                                                             : "both ways",
                         (long long)f->duration_ms);
        } else if (f->kind == IB_FAULT_DELAY)
                snprintf(extra, sizeof(extra), ": +%lld ms on every packet it sends, for %lld ms",
                         (long long)f->delay_ms, (long long)f->duration_ms);
        else if (f->kind == IB_FAULT_LOSS)
                snprintf(extra, sizeof(extra), ": %g%% of its packets lost, for %lld ms", f->loss_percent,
                         (long long)f->duration_ms);
        else if (f->duration_ms >= 0)
                snprintf(extra, sizeof(extra), " for %lld ms", (long long)f->duration_ms);
        else if (f->restart_after_ms >= 0)
                snprintf(extra, sizeof(extra), ", restarted after %lld ms", (long long)f->restart_after_ms);
        else if (f->kind == IB_FAULT_KILL || f->kind == IB_FAULT_STOP || f->kind == IB_FAULT_BROKER_KILL)
                snprintf(extra, sizeof(extra), ", not restarted");
        else if (f->kind == IB_FAULT_ROLLING_RESTART)
                snprintf(extra, sizeof(extra), ", %lld ms apart", (long long)f->interval_ms);
        else if (f->kind == IB_FAULT_INJECT)
                snprintf(extra, sizeof(extra), ": %s fails at call %lld", f->point, (long long)f->call);
        snprintf(out, size, "%8lld ms  %s%s%s%s", (long long)f->at_ms, ib_fault_kind_name(f->kind), target, extra,
                 f->random ? " (drawn)" : "");
}

void ib_schedule_free(ib_schedule_t *sch) {
        free(sch->faults);
        memset(sch, 0, sizeof(*sch));
}
