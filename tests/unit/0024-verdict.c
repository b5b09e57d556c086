/* 0024-verdict: the verdict and confidence arithmetic of the fault matrix on
 * hand-made cells: all clean (the upper bound, 14% for 20 runs), one anomaly
 * in one seed (the cell is no longer exactly-once, the lower bound), a cell
 * that could not run (not measured, never clean), and a mode's verdict as
 * the weakest of its cells, naming the cell that decides it. */
#include <math.h>

#include "harness.h"
#include "verdict.h"

static ib_cell_run_t clean_run(void) {
        return (ib_cell_run_t){.ran = 1, .produced = 40000, .recovery_ms = 1200};
}

static void bounds(void) {
        /* 1 - 0.05^(1/n): the rule of three's exact form */
        CHECK(fabs(ib_verdict_upper_bound(20, 0.95) - 0.1391) < 0.0005);
        CHECK(fabs(ib_verdict_upper_bound(5, 0.95) - 0.4507) < 0.0005);
        CHECK(fabs(ib_verdict_upper_bound(1, 0.95) - 0.95) < 1e-9);
        CHECK(ib_verdict_upper_bound(0, 0.95) == 1.0);
        /* Clopper-Pearson, one-sided 95%: k = n gives 0.05^(1/n); 1 of 20 gives 0.00256 */
        CHECK(fabs(ib_verdict_lower_bound(5, 5, 0.95) - pow(0.05, 1.0 / 5)) < 1e-6);
        CHECK(fabs(ib_verdict_lower_bound(1, 20, 0.95) - 0.002561) < 0.00001);
        CHECK(fabs(ib_verdict_lower_bound(10, 20, 0.95) - 0.30195) < 0.0001); /* Beta(0.05; 10, 11), by exact sums elsewhere */
        CHECK(ib_verdict_lower_bound(0, 20, 0.95) == 0);
        /* more anomalies in as many runs: a higher floor */
        CHECK(ib_verdict_lower_bound(3, 20, 0.95) < ib_verdict_lower_bound(4, 20, 0.95));
}

static void all_clean(void) {
        ib_cell_run_t runs[20];
        for (int i = 0; i < 20; i++)
                runs[i] = clean_run();
        runs[7].redelivered = 300; /* absorbed by an idempotent sink: not an anomaly */
        runs[3].recovery_ms = INFINITY;
        ib_cell_verdict_t v;
        ib_cell_verdict(runs, 20, 20, &v);
        CHECK_INT(v.guarantee, IB_G_EXACTLY_ONCE);
        CHECK_INT(v.runs, 20);
        CHECK_INT(v.clean, 20);
        CHECK_INT(v.not_run, 0);
        CHECK(v.max_redelivered == 300);
        CHECK(isinf(v.worst_recovery_ms));
        CHECK(strstr(v.evidence, "0 duplicates and 0 lost in 20 of 20 runs") != NULL);
        CHECK(strstr(v.evidence, "95% confidence: at most 14% of runs") != NULL);
}

static void one_anomaly_in_one_seed(void) {
        ib_cell_run_t runs[20];
        for (int i = 0; i < 20; i++)
                runs[i] = clean_run();
        runs[13].duplicates = 40; /* 0.1% of 40000, in one seed of twenty */
        ib_cell_verdict_t v;
        ib_cell_verdict(runs, 20, 20, &v);
        CHECK_INT(v.guarantee, IB_G_AT_LEAST_ONCE); /* never averaged away */
        CHECK_INT(v.clean, 19);
        CHECK_INT(v.with_duplicates, 1);
        CHECK(fabs(v.worst_dup_rate - 0.001) < 1e-12);
        CHECK(fabs(v.bound - 0.002561) < 0.00001);
        CHECK(strstr(v.evidence, "anomalies in 1 of 20 runs: duplicates in 1 (worst 0.10% of records)") != NULL);
        /* loss in another seed: at-least-once and at-most-once make none */
        runs[2].lost = 4;
        ib_cell_verdict(runs, 20, 20, &v);
        CHECK_INT(v.guarantee, IB_G_NONE);
        CHECK(strstr(v.evidence, "anomalies in 2 of 20 runs") != NULL);
        CHECK(strstr(v.evidence, "loss in 1 (worst 0.01% of records)") != NULL);
        /* output matching no input is both */
        ib_cell_run_t odd = clean_run();
        odd.unexpected = 1;
        ib_cell_verdict(&odd, 1, 1, &v);
        CHECK_INT(v.guarantee, IB_G_NONE);
}

static void a_cell_that_could_not_run(void) {
        ib_cell_run_t runs[3] = {{.ran = 0}, {.ran = 0}, {.ran = 0}};
        ib_cell_verdict_t v;
        ib_cell_verdict(runs, 3, 3, &v);
        CHECK_INT(v.guarantee, IB_G_UNKNOWN);
        CHECK_INT(v.runs, 0);
        CHECK_INT(v.not_run, 3);
        CHECK(strstr(v.evidence, "not measured") != NULL);
        /* interrupted after 2 of 5: what ran counts, the rest is said */
        ib_cell_run_t two[2] = {clean_run(), clean_run()};
        ib_cell_verdict(two, 2, 5, &v);
        CHECK_INT(v.guarantee, IB_G_EXACTLY_ONCE);
        CHECK_INT(v.not_run, 3);
        CHECK(strstr(v.evidence, "2 of 2 runs") != NULL && strstr(v.evidence, "3 planned runs did not happen") != NULL);
}

static void mode_is_the_weakest_cell(void) {
        ib_cell_run_t clean[5], dup[5], lost[5];
        for (int i = 0; i < 5; i++)
                clean[i] = dup[i] = lost[i] = clean_run();
        dup[0].duplicates = 10, dup[1].duplicates = 500;
        lost[4].lost = 1;
        ib_cell_verdict_t cells[4];
        ib_cell_verdict(clean, 5, 5, &cells[0]);
        ib_cell_verdict(clean, 3, 3, &cells[1]); /* less evidence */
        ib_cell_verdict(dup, 5, 5, &cells[2]);
        ib_cell_run_t none = {.ran = 0};
        ib_cell_verdict(&none, 1, 1, &cells[3]);
        const char *names[] = {"kill", "stop", "join", "zk-expire"};
        ib_mode_verdict_t m;
        /* all clean cells: exactly-once, decided by the least evidence */
        ib_mode_verdict(cells, names, 2, &m);
        CHECK_INT(m.guarantee, IB_G_EXACTLY_ONCE);
        CHECK_INT(m.deciding, 1);
        CHECK_INT(m.runs, 8);
        CHECK(strstr(m.evidence, "no anomaly in 8 runs over 2 fault classes; the least evidence: stop") != NULL);
        /* one cell with duplicates decides; the one that did not run is named */
        ib_mode_verdict(cells, names, 4, &m);
        CHECK_INT(m.guarantee, IB_G_AT_LEAST_ONCE);
        CHECK_INT(m.deciding, 2);
        CHECK_INT(m.cells_not_run, 1);
        CHECK(strstr(m.evidence, "decided by join: anomalies in 2 of 5 runs") != NULL);
        CHECK(strstr(m.evidence, "not measured: zk-expire") != NULL);
        /* duplicates in one cell and loss in another: none, decided by the cell with more anomalous runs */
        ib_cell_verdict(lost, 5, 5, &cells[1]);
        ib_mode_verdict(cells, names, 3, &m);
        CHECK_INT(m.guarantee, IB_G_NONE);
        CHECK_INT(m.deciding, 2);
        /* nothing ran at all */
        ib_mode_verdict(&cells[3], &names[3], 1, &m);
        CHECK_INT(m.guarantee, IB_G_UNKNOWN);
        CHECK_INT(m.deciding, -1);
        CHECK_INT(ib_guarantee_join(IB_G_AT_LEAST_ONCE, IB_G_AT_MOST_ONCE), IB_G_NONE);
        CHECK_INT(ib_guarantee_join(IB_G_EXACTLY_ONCE, IB_G_AT_MOST_ONCE), IB_G_AT_MOST_ONCE);
}

static void a_kafka_sinks_log(void) {
        /* the transactional mode: clean for a read_committed reader, the log
         * holding aborted copies in 2 of 4 runs */
        ib_cell_run_t runs[4];
        for (int i = 0; i < 4; i++)
                runs[i] = (ib_cell_run_t){.ran = 1, .produced = 40000, .recovery_ms = 900, .has_log = 1};
        runs[1].log_duplicates = runs[1].aborted = 90;
        runs[3].log_duplicates = 300, runs[3].aborted = 527;
        ib_cell_verdict_t v;
        ib_cell_verdict(runs, 4, 4, &v);
        CHECK_INT(v.guarantee, IB_G_EXACTLY_ONCE); /* the log never changes the visible verdict */
        CHECK_INT(v.clean, 4);
        CHECK_INT(v.log_runs, 4);
        CHECK_INT(v.with_log_duplicates, 2);
        CHECK(v.max_aborted == 527);
        CHECK_INT(v.log_guarantee, IB_G_AT_LEAST_ONCE);
        CHECK(strstr(v.evidence, "in the log (read_uncommitted): duplicates in 2 of 4 runs, up to 527 aborted records") != NULL);
        CHECK(strstr(v.evidence, "unexplained") == NULL);
        runs[3].unexplained_aborted = 12;
        ib_cell_verdict(runs, 4, 4, &v);
        CHECK(strstr(v.evidence, "some unexplained") != NULL);
        /* a directory sink: no log sentence, no log guarantee */
        for (int i = 0; i < 4; i++)
                runs[i].has_log = 0;
        ib_cell_verdict(runs, 4, 4, &v);
        CHECK_INT(v.log_runs, 0);
        CHECK(strstr(v.evidence, "in the log") == NULL);
}

int main(void) {
        IB_RUN(bounds);
        IB_RUN(a_kafka_sinks_log);
        IB_RUN(all_clean);
        IB_RUN(one_anomaly_in_one_seed);
        IB_RUN(a_cell_that_could_not_run);
        IB_RUN(mode_is_the_weakest_cell);
        return IB_DONE();
}
