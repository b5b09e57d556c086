/*
 * matrix.c: the rows, fault classes and profiles of `ingestbench evaluate`,
 * and the scenario of each cell (matrix.h).
 *
 * Every time in a cell's timeline is a [lo, hi] range: each seed draws its
 * own fault time, duration and restart delay (chaos/schedule.c), so N seeds
 * are N different interleavings of the fault with the workers' batches and
 * commits, not N repeats of one. Ranges are placed from the producer's
 * duration P and the session S of the profile (ranges end at least 0.5 s after
 * they start):
 *
 *   kill, stop        w1 at [1.5 s, P - 0.5 s], restarted after [0.5, 2] s
 *   pause             w1 at [1.5 s, P/2] for [S + 1 s, S + 3 s]: past its session
 *   slow-batch        w1's next batch at [1.5 s, P/2] takes [S + 1 s, S + 3 s]:
 *                     past max.poll.interval.ms (= S), group modes only
 *   join, leave       a third worker added, or w2 removed, at [1.5 s, P - 0.5 s]
 *   rolling-restart   at [1.5 s, P/2], [0.5, 1.5] s between workers
 *   broker-kill       b1 of 3 (replication 3) at [1.5 s, P - 0.5 s], back after [2, 5] s
 *   zk-restart        ZooKeeper down at [1.5 s, P - 0.5 s] for [2, 5] s (modes using it)
 *   zk-expire         w1's ZooKeeper session expired at [1.5 s, P - 0.5 s]
 *   storage           the mode's first write fault point fails once at [1.5 s, P - 0.5 s];
 *                     the worker, if it fails, is restarted after 1 s
 *   partition         w1's host cut from the broker's at [1.5 s, P/2] for [S + 1 s, S + 3 s]
 *   zk-partition      w1's host cut from ZooKeeper's, the same (modes using it)
 *   slow-link         every packet b1 sends waits 200 ms, at [1.5 s, P/2] for [2, 5] s
 * The last three need hosts of their own (root, the local cluster): a phase of
 * their own, on a cluster started in network namespaces.
 */
#include "matrix.h"

#include <stdio.h>
#include <string.h>

#include "options.h"

#define ROW(name, mode, options, description, in_quick, sink)                                                     \
        {name, mode, options, description, in_quick, sink, NULL, 0, 0}

const ib_eval_row_t ib_eval_rows[] = {
    ROW("direct", "direct", NULL, "offset ranges read exactly, offsets in ZooKeeper with fencing", 1, NULL),
    ROW("receiver", "receiver", NULL, "a write-ahead log before the commit; offsets in Kafka", 1, NULL),
    ROW("async-commit", "async-commit", "{\"commit\": \"async\"}", "a consumer group, an async commit after each batch", 1,
        NULL),
    ROW("async-commit-revoke", "async-commit", "{\"commit\": \"async+sync-on-revoke\"}",
        "the same with the remedy: a sync commit when partitions are revoked", 0, NULL),
    ROW("checkpoint", "checkpoint", NULL, "offsets in a local checkpoint file, written atomically", 1, NULL),
    ROW("async-commit-kafka", "async-commit", "{\"commit\": \"async\"}",
        "async-commit writing an output topic with the idempotent producer (acks=all)", 0, "kafka"),
    ROW("transactional", "transactional", NULL,
        "output and input offsets committed in one Kafka transaction; read back as read_committed", 1, "kafka"),
    ROW(NULL, NULL, NULL, NULL, 0, NULL),
};

const ib_eval_fault_t ib_eval_faults[] = {
    {"kill", "kill -9 of a worker, restarted", 1, 0},
    {"stop", "clean stop (SIGTERM) of a worker, restarted", 1, 0},
    {"pause", "SIGSTOP past the session, then SIGCONT (a zombie with a batch in hand)", 1, 0},
    {"slow-batch", "a batch slower than max.poll.interval.ms (the client leaves the group under it)", 1, 0},
    {"join", "a worker joins mid-run", 1, 0},
    {"leave", "a worker leaves mid-run", 1, 0},
    {"rolling-restart", "every worker stopped and started again, in turn", 1, 0},
    {"broker-kill", "kill -9 of one broker of 3 (replication 3), restarted", 3, 0},
    {"zk-restart", "ZooKeeper down for seconds, then back", 1, 0},
    {"zk-expire", "the server expires a worker's ZooKeeper session", 1, 0},
    {"storage", "a write of the mode's log or checkpoint fails (injected)", 1, 0},
    {"partition", "a worker's host cut from the broker's past its session, then healed (hosts of their own)", 1, 1},
    {"zk-partition", "a worker's host cut from ZooKeeper's past its session, then healed (hosts of their own)", 1, 1},
    {"slow-link", "every packet the broker sends delayed 200 ms for seconds (hosts of their own)", 1, 1},
    {NULL, NULL, 0, 0},
};

const ib_eval_profile_t ib_eval_profiles[] = {
    {"quick", "mock", 1, 30000, 10000, 2000, 60000, "50k", "1", "none,full", "3",
     "the embedded mock Kafka and a local ZooKeeper, 1 seed per cell: minutes"},
    {"standard", "local", 5, 30000, 10000, 3000, 120000, "1m", "3", "none,full", "5",
     "the local Kafka and ZooKeeper, 5 seeds per cell"},
    {"thorough", "local", 20, 30000, 10000, 3000, 120000, "1m", "3", "none,parse,full", "10",
     "the local Kafka and ZooKeeper, 20 seeds per cell"},
    {"ci", "local", 2, 30000, 10000, 3000, 120000, "1m", "3", "none,full", "5",
     "the CI gate: the standard matrix and bench with 2 seeds per cell"},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL},
};

const ib_eval_row_t *ib_eval_row(const char *name) {
        for (const ib_eval_row_t *r = ib_eval_rows; r->name; r++)
                if (!strcmp(r->name, name))
                        return r;
        return NULL;
}

const ib_eval_fault_t *ib_eval_fault(const char *name) {
        for (const ib_eval_fault_t *f = ib_eval_faults; f->name; f++)
                if (!strcmp(f->name, name))
                        return f;
        return NULL;
}

const ib_eval_profile_t *ib_eval_profile(const char *name) {
        for (const ib_eval_profile_t *p = ib_eval_profiles; p->name; p++)
                if (!strcmp(p->name, name))
                        return p;
        return NULL;
}

static int has_option(const ib_mode_t *mode, const char *name) {
        size_t base;
        return mode->options && ib_options_find(mode->options, name, &base) != NULL;
}

/* The mode's first fault point on a write ("wal.write"), or NULL. */
static const char *write_point(const ib_mode_t *mode) {
        for (int i = 0; mode->inject_points && mode->inject_points[i]; i++) {
                const char *p = mode->inject_points[i], *dot = strrchr(p, '.');
                if (dot && !strcmp(dot, ".write"))
                        return p;
        }
        return NULL;
}

static json_t *range(int64_t lo, int64_t hi) { return json_pack("[I, I]", (json_int_t)lo, (json_int_t)hi); }

json_t *ib_eval_scenario(const ib_eval_row_t *row, const ib_mode_t *mode, const ib_eval_fault_t *fault,
                         const ib_eval_profile_t *p, int mock, const char *no_hosts, char *why, size_t why_size) {
        int group = has_option(mode, "group-protocol"), zk_session = has_option(mode, "zk-session-timeout-ms");
        const char *point = write_point(mode), *f = fault->name;
        why[0] = '\0';
        if (row->external && (!strcmp(f, "slow-batch") || !strcmp(f, "storage") || !strcmp(f, "zk-expire")))
                snprintf(why, why_size, "an external consumer has none of ingestbench's fault points (a slow batch, an "
                                        "injected write failure, a ZooKeeper session the harness can expire)");
        else if (row->external && !strcmp(f, "zk-restart"))
                snprintf(why, why_size, "an external consumer's use of ZooKeeper is its own: ZooKeeper faults are "
                                        "measured on the modes that keep offsets there");
        else if (fault->hosts && no_hosts)
                snprintf(why, why_size, "%s", no_hosts);
        else if (mock && mode->sink_transactions)
                snprintf(why, why_size, "librdkafka's mock cluster takes TxnOffsetCommit and EndTxn without storing "
                                        "the offsets or aborting anything: transactions are measured on a real broker");
        else if (!strcmp(f, "slow-batch") && !group)
                snprintf(why, why_size, "%s is in no consumer group: no max.poll.interval.ms to exceed", mode->name);
        else if ((!strcmp(f, "join") || !strcmp(f, "leave")) && mode->static_split)
                snprintf(why, why_size, "%s workers split the partitions statically: their number is fixed", mode->name);
        else if (!strncmp(f, "zk-", 3) && !mode->needs_zookeeper)
                snprintf(why, why_size, "%s keeps no offsets in ZooKeeper", row->name);
        else if (!strcmp(f, "storage") && !point)
                snprintf(why, why_size, "%s has no log or checkpoint of its own", mode->name);
        if (why[0])
                return NULL;
        /* an external consumer that starts slowly: the producer writes that much longer */
        int64_t records = p->records + (p->rate ? row->startup_ms * p->rate / 1000 : 0);
        int64_t P = records * 1000 / (p->rate ? p->rate : 1), S = p->session_ms;
        /* faults start once the workers consume (a group forms in about a second), and
         * land before the producer is done */
        int64_t start = 1500 + row->startup_ms, late = P - 500 > start + 500 ? P - 500 : start + 500,
                mid = (P + row->startup_ms) / 2 > start + 500 ? (P + row->startup_ms) / 2 : start + 500;
        json_t *external = row->external ? json_loads(row->external, 0, NULL) : NULL;
        json_t *options = row->options ? json_loads(row->options, 0, NULL) : json_object();
        if (!options || (row->external && !external)) {
                json_decref(options);
                json_decref(external);
                return NULL;
        }
        if (!external)
                json_object_set_new(options, "batch-ms", json_integer(20));
        if (zk_session)
                json_object_set_new(options, "zk-session-timeout-ms", json_integer(S > 2000 ? S : 2000));
        if (group)
                json_object_set_new(options, "X", json_pack("{s:i, s:I, s:I}", "heartbeat.interval.ms", S / 6,
                                                             "session.timeout.ms", (json_int_t)S,
                                                             "max.poll.interval.ms", (json_int_t)S));
        json_t *ev = NULL;
        if (!strcmp(f, "kill") || !strcmp(f, "stop"))
                ev = json_pack("{s:o, s:s, s:s, s:o}", "at_ms", range(start, late), "fault", f, "target", "w1",
                               "restart_after_ms", range(500, 2000));
        else if (!strcmp(f, "pause") || !strcmp(f, "slow-batch")) {
                int64_t past = zk_session && S < 2000 ? 2000 : S;
                ev = json_pack("{s:o, s:s, s:s, s:o}", "at_ms", range(start, mid), "fault", f, "target", "w1",
                               "duration_ms", range(past + 1000, past + 3000));
        } else if (!strcmp(f, "join"))
                ev = json_pack("{s:o, s:s}", "at_ms", range(start, late), "fault", "add-worker");
        else if (!strcmp(f, "leave"))
                ev = json_pack("{s:o, s:s, s:s}", "at_ms", range(start, late), "fault", "remove-worker", "target", "w2");
        else if (!strcmp(f, "rolling-restart"))
                ev = json_pack("{s:o, s:s, s:o}", "at_ms", range(start, mid), "fault", f, "interval_ms", range(500, 1500));
        else if (!strcmp(f, "broker-kill"))
                ev = json_pack("{s:o, s:s, s:s, s:o}", "at_ms", range(start, late), "fault", f, "target", "b1",
                               "restart_after_ms", range(2000, 5000));
        else if (!strcmp(f, "zk-restart"))
                ev = json_pack("{s:o, s:s, s:o}", "at_ms", range(start, late), "fault", "zk-stop", "duration_ms",
                               range(2000, 5000));
        else if (!strcmp(f, "zk-expire"))
                ev = json_pack("{s:o, s:s, s:s}", "at_ms", range(start, late), "fault", f, "target", "w1");
        else if (!strcmp(f, "storage"))
                ev = json_pack("{s:o, s:s, s:s, s:s, s:i, s:i}", "at_ms", range(start, late), "fault", "inject",
                               "target", "w1", "point", point, "call", 1, "restart_after_ms", 1000);
        else if (!strcmp(f, "partition") || !strcmp(f, "zk-partition")) {
                int64_t past = zk_session && S < 2000 ? 2000 : S;
                ev = json_pack("{s:o, s:s, s:s, s:[s], s:o}", "at_ms", range(start, mid), "fault", "partition", "target",
                               "w1", "from", f[0] == 'z' ? "zk" : "brokers", "duration_ms",
                               range(past + 1000, past + 3000));
        } else if (!strcmp(f, "slow-link"))
                ev = json_pack("{s:o, s:s, s:s, s:i, s:o}", "at_ms", range(start, mid), "fault", "delay", "target", "b1",
                               "delay_ms", 200, "duration_ms", range(2000, 5000));
        if (!ev) {
                json_decref(options);
                json_decref(external);
                snprintf(why, why_size, "fault class %s has no template", f);
                return NULL;
        }
        char name[128], description[512];
        snprintf(name, sizeof(name), "%s-%s", row->name, f);
        snprintf(description, sizeof(description), "evaluate, profile %s: %s (%s) under %s; times drawn from the seed",
                 p->name, row->name, row->description, fault->description);
        json_t *topic = json_pack("{s:i}", "partitions", 4);
        if (fault->brokers > 1)
                json_object_set_new(topic, "replication_factor", json_integer(fault->brokers));
        json_t *doc = json_pack("{s:s, s:s, s:s, s:o, s:i, s:i, s:{s:I, s:I}, s:i, s:I, s:[o], s:[s, s, s]}", "name",
                                name, "description", description, "mode", mode->name, "topic", topic,
                                "brokers", fault->brokers, "workers", row->workers ? row->workers : 2, "producer",
                                "rate", (json_int_t)p->rate, "records", (json_int_t)records, "seed", 1,
                                "drain_timeout_ms", (json_int_t)(p->drain_timeout_ms + row->startup_ms), "timeline", ev,
                                "expect", "lost == 0", "duplicates == 0", "unexpected == 0");
        if (doc && row->sink)
                json_object_set_new(doc, "sink", json_string(row->sink));
        if (doc && fault->hosts)
                json_object_set_new(doc, "hosts", json_true());
        if (doc && external) /* no options: its command is its configuration */
                json_object_set_new(doc, "external", json_incref(external));
        else if (doc)
                json_object_set_new(doc, "options", json_incref(options));
        json_decref(options);
        json_decref(external);
        return doc;
}
