/**
 * @file schedule.h
 * @brief The fault schedule of one run: the scenario's timeline plus the
 *        faults its "random" block draws from the seed, in time order. The
 *        same scenario and seed give the same schedule, on any machine
 *        (splitmix64, no libc rand). The results record this schedule and,
 *        beside it, the times each fault was actually applied.
 */
#ifndef IB_SCHEDULE_H
#define IB_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "scenario.h"

typedef struct ib_schedule_s {
        ib_fault_t *faults; /**< by at_ms; at equal times, timeline order, then drawn */
        size_t n;
        uint64_t seed;
} ib_schedule_t;

/** @brief The next value of a splitmix64 stream whose state is *@p state. */
uint64_t ib_rand_next(uint64_t *state);

/** @brief A uniform draw in [lo, hi] from *@p state. */
int64_t ib_rand_range(uint64_t *state, int64_t lo, int64_t hi);

/** @brief The seed of iteration @p i (0: the first seed itself) of --repeat. */
uint64_t ib_schedule_iteration_seed(uint64_t first, unsigned i);

/**
 * @brief Builds the schedule of @p s under @p seed. Random worker faults
 *        pick among the workers that exist at their time; random kills and
 *        stops are always restarted (a run must keep a worker to drain).
 * @returns IB_OK or IB_ERR_NOMEM.
 */
ib_err_t ib_schedule_build(const ib_scenario_t *s, uint64_t seed, ib_schedule_t *out);

/** @brief A partition's peers, "b1,b2,zk" (and "workers" for all of them), into @p out. */
void ib_schedule_peers(const ib_fault_t *f, char *out, size_t size);

/** @brief One line per fault ("  12000 ms  kill w2, restart after 1500 ms"), into @p out. */
void ib_schedule_describe(const ib_fault_t *f, char *out, size_t out_size);

void ib_schedule_free(ib_schedule_t *sch);

#endif
