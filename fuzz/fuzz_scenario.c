/* fuzz_scenario: the scenario parser, with the real mode registry; what it
 * accepts must build a schedule for any seed. */
#include "fuzz.h"

#include "registry.h"
#include "scenario.h"
#include "schedule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > (256u << 10))
                return 0;
        char *text = malloc(size + 1), err[1024];
        IB_FUZZ_ASSERT(text);
        memcpy(text, data, size);
        text[size] = 0;
        ib_scenario_t *s = NULL;
        if (ib_scenario_parse(text, "fuzz.json", ib_modes, &s, err, sizeof(err)) == IB_OK) {
                IB_FUZZ_ASSERT(s->workers <= IB_SCENARIO_MAX_WORKERS && s->ntimeline <= IB_SCENARIO_MAX_FAULTS);
                ib_schedule_t sch;
                IB_FUZZ_ASSERT(ib_schedule_build(s, 7, &sch) == IB_OK);
                IB_FUZZ_ASSERT(sch.n == s->ntimeline + (size_t)s->random.count);
                ib_schedule_free(&sch);
        }
        ib_scenario_free(s);
        free(text);
        return 0;
}
