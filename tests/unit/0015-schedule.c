/* 0015-schedule: the same scenario and seed give the same fault schedule;
 * another seed gives another; drawn faults stay within the scenario (known
 * kinds, existing targets, spans); the timeline's own faults are kept, in
 * time order. The generator is splitmix64, pinned to its reference output. */
#include "harness.h"
#include "registry.h"
#include "schedule.h"

static ib_scenario_t *load(const char *text) {
        char errstr[512];
        ib_scenario_t *s = NULL;
        if (ib_scenario_parse(text, "s.json", ib_modes, &s, errstr, sizeof(errstr)))
                fprintf(stderr, "%s\n", errstr);
        return s;
}

#define SCENARIO                                                                                      \
        "{\"mode\":\"direct\",\"workers\":3,\"brokers\":3,\"producer\":{\"records\":10},"                \
        "\"expect\":[\"lost == 0\"],"                                                                 \
        "\"timeline\":[{\"at_ms\":20000,\"fault\":\"add-worker\"},{\"at_ms\":100,\"fault\":\"zk-stop\"," \
        "\"duration_ms\":50}],"                                                                       \
        "\"random\":{\"faults\":[\"kill\",\"pause\",\"broker-kill\",\"zk-stop\"],\"count\":40,"          \
        "\"start_ms\":1000,\"interval_ms\":[500,1500],\"duration_ms\":[100,200],"                      \
        "\"restart_after_ms\":[10,20]}}"

/* Times given as [lo, hi] are drawn from the seed, within the range, the
 * same for the same seed; seeds spread them; fixed times stay as written;
 * a range outside the field's bounds or reversed is refused. */
static void timeline_ranges_drawn_from_the_seed(void) {
        ib_scenario_t *s = load("{\"mode\":\"async-commit\",\"workers\":2,\"producer\":{\"records\":10},"
                                "\"expect\":[\"lost == 0\"],\"timeline\":["
                                "{\"at_ms\":[1000,5000],\"fault\":\"kill\",\"target\":\"w1\","
                                "\"restart_after_ms\":[500,2000]},"
                                "{\"at_ms\":[100,200],\"fault\":\"pause\",\"target\":\"w2\",\"duration_ms\":[7000,9000]},"
                                "{\"at_ms\":300,\"fault\":\"rolling-restart\",\"interval_ms\":[10,20]}]}");
        CHECK(s != NULL);
        if (!s)
                return;
        int64_t lo = INT64_MAX, hi = 0;
        for (uint64_t seed = 1; seed <= 200; seed++) {
                ib_schedule_t a, b;
                CHECK_INT(ib_schedule_build(s, seed, &a), IB_OK);
                CHECK_INT(ib_schedule_build(s, seed, &b), IB_OK);
                CHECK(memcmp(a.faults, b.faults, a.n * sizeof(*a.faults)) == 0);
                for (size_t i = 0; i < a.n; i++) {
                        const ib_fault_t *f = &a.faults[i];
                        if (f->kind == IB_FAULT_KILL) {
                                CHECK(f->at_ms >= 1000 && f->at_ms <= 5000 && f->at_max_ms == f->at_ms);
                                CHECK(f->restart_after_ms >= 500 && f->restart_after_ms <= 2000);
                                lo = f->at_ms < lo ? f->at_ms : lo;
                                hi = f->at_ms > hi ? f->at_ms : hi;
                        } else if (f->kind == IB_FAULT_PAUSE) {
                                CHECK(f->at_ms >= 100 && f->at_ms <= 200 && f->duration_ms >= 7000 && f->duration_ms <= 9000);
                        } else {
                                CHECK(f->at_ms == 300 && f->interval_ms >= 10 && f->interval_ms <= 20);
                        }
                }
                CHECK(a.n == 3 && a.faults[0].kind == IB_FAULT_PAUSE && a.faults[1].kind == IB_FAULT_ROLLING_RESTART);
                ib_schedule_free(&a);
                ib_schedule_free(&b);
        }
        CHECK(lo < 1500 && hi > 4500); /* 200 seeds spread over the range */
        ib_scenario_free(s);
        char errstr[512];
        ib_scenario_t *bad = NULL;
        CHECK(ib_scenario_parse("{\"mode\":\"direct\",\"producer\":{\"records\":10},\"expect\":[\"lost == 0\"],"
                                "\"timeline\":[{\"at_ms\":[5000,1000],\"fault\":\"zk-stop\",\"duration_ms\":5}]}",
                                "s.json", ib_modes, &bad, errstr, sizeof(errstr)) == IB_ERR_INVALID_ARG);
        CHECK(strstr(errstr, "$.timeline[0].at_ms") != NULL);
        ib_scenario_free(bad);
}

static void splitmix64_reference(void) {
        uint64_t st = 0;
        CHECK(ib_rand_next(&st) == 0xE220A8397B1DCDAFull);
        CHECK(ib_rand_next(&st) == 0x6E789E6AA1B965F4ull);
        st = 1;
        for (int i = 0; i < 1000; i++) {
                int64_t x = ib_rand_range(&st, -3, 3);
                CHECK(x >= -3 && x <= 3);
        }
}

static void same_seed_same_schedule(void) {
        ib_scenario_t *s = load(SCENARIO);
        CHECK(s != NULL);
        if (!s)
                return;
        ib_schedule_t a, b, c;
        CHECK_INT(ib_schedule_build(s, 42, &a), IB_OK);
        CHECK_INT(ib_schedule_build(s, 42, &b), IB_OK);
        CHECK_INT(ib_schedule_build(s, 43, &c), IB_OK);
        CHECK_INT(a.n, 42);
        CHECK_INT(b.n, 42);
        CHECK(memcmp(a.faults, b.faults, a.n * sizeof(*a.faults)) == 0);
        CHECK(memcmp(a.faults, c.faults, a.n * sizeof(*a.faults)) != 0);
        ib_schedule_free(&a);
        ib_schedule_free(&b);
        ib_schedule_free(&c);
        ib_scenario_free(s);
}

static void drawn_faults_stay_in_bounds(void) {
        ib_scenario_t *s = load(SCENARIO);
        if (!s)
                return;
        ib_schedule_t sch;
        CHECK_INT(ib_schedule_build(s, 7, &sch), IB_OK);
        int kinds[IB_FAULT_KIND_COUNT] = {0}, drawn = 0, timeline = 0;
        int64_t prev = -1, prev_drawn = 1000;
        for (size_t i = 0; i < sch.n; i++) {
                const ib_fault_t *f = &sch.faults[i];
                CHECK(f->at_ms >= prev); /* time order */
                prev = f->at_ms;
                if (!f->random) {
                        timeline++;
                        continue;
                }
                drawn++;
                kinds[f->kind]++;
                CHECK(f->at_ms - prev_drawn >= 500 && f->at_ms - prev_drawn <= 1500);
                prev_drawn = f->at_ms;
                switch (f->kind) {
                case IB_FAULT_KILL:
                        /* w4 exists from 20000 ms on (the add-worker) */
                        CHECK(f->target >= 1 && f->target <= (f->at_ms >= 20000 ? 4 : 3));
                        CHECK(f->restart_after_ms >= 10 && f->restart_after_ms <= 20);
                        CHECK_INT(f->duration_ms, -1);
                        break;
                case IB_FAULT_PAUSE:
                        CHECK(f->target >= 1 && f->target <= (f->at_ms >= 20000 ? 4 : 3));
                        CHECK(f->duration_ms >= 100 && f->duration_ms <= 200);
                        break;
                case IB_FAULT_BROKER_KILL:
                        CHECK(f->target >= 1 && f->target <= 3);
                        CHECK(f->restart_after_ms >= 10);
                        break;
                case IB_FAULT_ZK_STOP:
                        CHECK_INT(f->target, 0);
                        CHECK(f->duration_ms >= 100);
                        break;
                default:
                        CHECK(!"a kind the random block does not list");
                }
        }
        CHECK_INT(drawn, 40);
        CHECK_INT(timeline, 2);
        CHECK(kinds[IB_FAULT_KILL] > 0 && kinds[IB_FAULT_PAUSE] > 0 && kinds[IB_FAULT_BROKER_KILL] > 0 &&
              kinds[IB_FAULT_ZK_STOP] > 0);
        CHECK_INT(sch.faults[0].kind, IB_FAULT_ZK_STOP); /* the timeline's, at 100 ms */
        char line[256];
        ib_schedule_describe(&sch.faults[0], line, sizeof(line));
        CHECK_STR(line, "     100 ms  zk-stop for 50 ms");
        ib_schedule_free(&sch);
        ib_scenario_free(s);
}

static void iteration_seeds_are_fixed_and_distinct(void) {
        CHECK(ib_schedule_iteration_seed(5, 0) == 5);
        uint64_t seen[50];
        for (unsigned i = 0; i < 50; i++) {
                seen[i] = ib_schedule_iteration_seed(5, i);
                CHECK(seen[i] == ib_schedule_iteration_seed(5, i));
                CHECK(seen[i] <= (uint64_t)INT64_MAX);
                for (unsigned j = 0; j < i; j++)
                        CHECK(seen[i] != seen[j]);
        }
}

/* The shipped random-direct.json: a random block and no timeline (#16: the
 * builder copied 0 bytes from NULL, which UBSan refuses). */
static void random_block_without_timeline(void) {
        char path[1024], errstr[512];
        snprintf(path, sizeof(path), "%s/chaos/scenarios/random-direct.json", IB_SOURCE_DIR);
        ib_scenario_t *s = NULL;
        CHECK_INT(ib_scenario_load(path, ib_modes, &s, errstr, sizeof(errstr)), IB_OK);
        if (!s)
                return;
        CHECK_INT(s->ntimeline, 0);
        ib_schedule_t sch;
        CHECK_INT(ib_schedule_build(s, 15, &sch), IB_OK);
        CHECK_INT(sch.n, (size_t)s->random.count);
        ib_schedule_free(&sch);
        ib_scenario_free(s);
}

int main(void) {
        IB_RUN(random_block_without_timeline);
        IB_RUN(splitmix64_reference);
        IB_RUN(timeline_ranges_drawn_from_the_seed);
        IB_RUN(same_seed_same_schedule);
        IB_RUN(drawn_faults_stay_in_bounds);
        IB_RUN(iteration_seeds_are_fixed_and_distinct);
        return IB_DONE();
}
