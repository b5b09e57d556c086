/*
 * cmd_run.c: `ingestbench run`: parse flags into an ib_config_t, pick the
 * mode from the registry and hand both to the runner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "fault.h"
#include "runner.h"

static void usage(FILE *fp) {
        fprintf(fp,
"Usage: ingestbench run --mode MODE --topic T --group G --state-dir DIR [OPTIONS]\n"
"\n"
"Consume topic T with an ingestion mode, run every record through the pipeline\n"
"(parse -> validate -> transform -> stats -> sink) and track progress the mode's way.\n"
"\n"
"Modes:\n");
        for (int i = 0; ib_modes[i]; i++)
                fprintf(fp, "  %-14s %s\n", ib_modes[i]->name, ib_modes[i]->summary);
        fprintf(fp,
"\n"
"Options:\n"
"  --mode MODE                   ingestion mode (above)\n"
"  --brokers LIST                bootstrap brokers (default: the running mock cluster)\n"
"  --topic T                     input topic\n"
"  --group G                     group / ZooKeeper namespace shared by workers\n"
"  --zookeeper HOST:PORT         ZooKeeper (direct mode: partition owners and offsets)\n"
"  --sink SPEC                   dir:PATH (one file per offset range) or null (default)\n"
"  --dead-letter DIR             dead letters (default: PATH/deadletter, or DIR/deadletter)\n"
"  --state-dir DIR               event log (events.jsonl) and stats (stats.json)\n"
"  --schema FILE                 JSON schema for validation (default: built-in)\n"
"  --event-time-field NAME       integer field holding event time in ms (default: ts)\n"
"  --worker-id ID                this worker's name (default: host-pid)\n"
"  --batch-ms MS                 wait between batches when caught up (default: 100)\n"
"  --max-records-per-partition N cap per partition per batch (default: 50000)\n"
"  --exit-when-idle MS           stop after MS without new records (default: never)\n"
"  --zk-session-timeout-ms MS    ZooKeeper session timeout (default: 6000)\n"
"  --connect-timeout-ms MS       bound on reaching brokers/ZooKeeper (default: 10000)\n"
"  --progress-ms MS              progress line on stderr every MS (default: 2000, 0: off)\n"
"  -q, --quiet                   no progress lines\n"
"\n"
"receiver mode:\n"
"  --offsets kafka|zk            commit offsets to Kafka (default) or to ZooKeeper\n"
"                                under /consumers/<group>/offsets/<topic>/<partition>\n"
"  --wal-dir DIR                 write-ahead log (default: STATE-DIR/wal)\n"
"  --fsync batch|interval:MS|none  durability before each commit (default: batch)\n"
"  --wal-recovery POLICY         tolerate-torn-tail, point-in-time (default),\n"
"                                absolute-consistency or skip-corrupt\n"
"  --wal-segment-bytes N         roll log segments past N bytes (default: 64m)\n"
"  --wal-backlog-bytes N         receiver waits while the processor is N behind (default: 64m)\n"
"  --wal-dedup                   after a crash, skip offsets the log already holds\n"
"\n"
"async-commit mode:\n"
"  --commit async|sync|auto|async+sync-on-revoke\n"
"                                how each batch's offsets are committed (default: async)\n"
"  --assignor range|roundrobin|cooperative-sticky   (default: range)\n"
"  --group-instance-id ID        static group membership\n"
"  (session and poll timeouts: -X session.timeout.ms=MS -X max.poll.interval.ms=MS)\n"
"\n"
"checkpoint mode (offsets in STATE-DIR/checkpoint, format in checkpoint/FORMAT.md):\n"
"  --partitions LIST             partitions to read, e.g. 0,1,2 (default: all)\n"
"  --worker I/N                  every Nth partition starting at I (an even split)\n"
"  --checkpoint-recovery previous|earliest|latest\n"
"                                what to do when the checkpoint is damaged (default: refuse)\n"
"\n"
"  -X key=value                  librdkafka property (repeatable)\n"
"  -h, --help                    this help\n"
"\n"
"SIGTERM or SIGINT finishes the current batch, commits it and exits 0.\n"
"A group member waiting for its assignment is not idle for --exit-when-idle.\n"
"INGESTBENCH_FAULTS injects faults for tests, e.g. batch.slow:3:8000 (the 3rd batch\n"
"with records takes 8 s more before its commit) or wal.fsync:10; see the README.\n"
"Exit codes: 0 ok, 1 failed, 2 usage error, 3 broker or ZooKeeper unreachable.\n");
}

enum {
        O_MODE = 256, O_BROKERS, O_TOPIC, O_GROUP, O_ZK, O_SINK, O_DEAD, O_STATE, O_SCHEMA,
        O_TIMEFIELD, O_WORKER, O_BATCH, O_MAXREC, O_IDLE, O_ZKSESS, O_CONNECT, O_PROGRESS,
        O_OFFSETS, O_WALDIR, O_FSYNC, O_WALREC, O_WALSEG, O_WALBACK, O_WALDEDUP,
        O_COMMIT, O_ASSIGNOR, O_INSTANCE, O_PARTS, O_WORKERSPLIT, O_CKPTREC,
};

int ib_cmd_run(int argc, char **argv) {
        static const struct option longopts[] = {
            {"mode", required_argument, 0, O_MODE},
            {"brokers", required_argument, 0, O_BROKERS},
            {"topic", required_argument, 0, O_TOPIC},
            {"group", required_argument, 0, O_GROUP},
            {"zookeeper", required_argument, 0, O_ZK},
            {"sink", required_argument, 0, O_SINK},
            {"dead-letter", required_argument, 0, O_DEAD},
            {"state-dir", required_argument, 0, O_STATE},
            {"schema", required_argument, 0, O_SCHEMA},
            {"event-time-field", required_argument, 0, O_TIMEFIELD},
            {"worker-id", required_argument, 0, O_WORKER},
            {"batch-ms", required_argument, 0, O_BATCH},
            {"max-records-per-partition", required_argument, 0, O_MAXREC},
            {"exit-when-idle", required_argument, 0, O_IDLE},
            {"zk-session-timeout-ms", required_argument, 0, O_ZKSESS},
            {"connect-timeout-ms", required_argument, 0, O_CONNECT},
            {"progress-ms", required_argument, 0, O_PROGRESS},
            {"offsets", required_argument, 0, O_OFFSETS},
            {"wal-dir", required_argument, 0, O_WALDIR},
            {"fsync", required_argument, 0, O_FSYNC},
            {"wal-recovery", required_argument, 0, O_WALREC},
            {"wal-segment-bytes", required_argument, 0, O_WALSEG},
            {"wal-backlog-bytes", required_argument, 0, O_WALBACK},
            {"wal-dedup", no_argument, 0, O_WALDEDUP},
            {"commit", required_argument, 0, O_COMMIT},
            {"assignor", required_argument, 0, O_ASSIGNOR},
            {"group-instance-id", required_argument, 0, O_INSTANCE},
            {"partitions", required_argument, 0, O_PARTS},
            {"worker", required_argument, 0, O_WORKERSPLIT},
            {"checkpoint-recovery", required_argument, 0, O_CKPTREC},
            {"quiet", no_argument, 0, 'q'},
            {"help", no_argument, 0, 'h'},
            {0, 0, 0, 0},
        };
        ib_config_t cfg;
        ib_config_init(&cfg);
        char errstr[1024];
        int64_t v;
        int c, rc = IB_EXIT_OK;
        int li = -1; /* index of the long option getopt_long found */
        optind = 1;
        opterr = 0;
/* Parses the current option's number into `field`; `suffix` allows k, m, g. */
#define NUM_S(min, max, suffix, field)                                                    \
        do {                                                                              \
                if (ib_parse_i64(optarg, min, max, suffix, ib_cli_flag_name(longopts, li), &v, errstr, \
                                 sizeof(errstr))) {                                       \
                        rc = ib_cli_usage_error("run", "%s", errstr);                     \
                        goto out;                                                         \
                }                                                                         \
                field = v;                                                                \
        } while (0)
#define NUM(min, max, field) NUM_S(min, max, 0, field)
        while ((c = getopt_long(argc, argv, IB_OPT_PREFIX "qhX:", longopts, &li)) != -1) {
                switch (c) {
                case O_MODE: cfg.mode = optarg; break;
                case O_BROKERS: cfg.brokers = optarg; break;
                case O_TOPIC: cfg.topic = optarg; break;
                case O_GROUP: cfg.group = optarg; break;
                case O_ZK: cfg.zookeeper = optarg; break;
                case O_SINK: cfg.sink = optarg; break;
                case O_DEAD: cfg.dead_letter = optarg; break;
                case O_STATE: cfg.state_dir = optarg; break;
                case O_SCHEMA: cfg.schema = optarg; break;
                case O_TIMEFIELD: cfg.event_time_field = optarg; break;
                case O_WORKER: cfg.worker_id = optarg; break;
                case O_BATCH: NUM(0, 3600000, cfg.batch_ms); break;
                case O_MAXREC: NUM(1, INT64_MAX / 4, cfg.max_records_per_partition); break;
                case O_IDLE: NUM(0, INT32_MAX, cfg.exit_when_idle_ms); break;
                case O_ZKSESS: NUM(1000, 600000, cfg.zk_session_timeout_ms); break;
                case O_CONNECT: NUM(100, 600000, cfg.connect_timeout_ms); break;
                case O_PROGRESS: NUM(0, 3600000, cfg.progress_ms); break;
                case O_OFFSETS: cfg.offsets = optarg; break;
                case O_WALDIR: cfg.wal_dir = optarg; break;
                case O_FSYNC: cfg.fsync = optarg; break;
                case O_WALREC: cfg.wal_recovery = optarg; break;
                case O_WALSEG: NUM_S(4096, INT64_MAX / 4, 1, cfg.wal_segment_bytes); break;
                case O_WALBACK: NUM_S(4096, INT64_MAX / 4, 1, cfg.wal_backlog_bytes); break;
                case O_WALDEDUP: cfg.wal_dedup = 1; break;
                case O_COMMIT: cfg.commit = optarg; break;
                case O_ASSIGNOR: cfg.assignor = optarg; break;
                case O_INSTANCE: cfg.group_instance_id = optarg; break;
                case O_PARTS: cfg.partitions = optarg; break;
                case O_WORKERSPLIT: cfg.worker = optarg; break;
                case O_CKPTREC: cfg.checkpoint_recovery = optarg; break;
                case 'q': cfg.quiet = 1; break;
                case 'X':
                        if (ib_props_add(&cfg.props, optarg, errstr, sizeof(errstr))) {
                                rc = ib_cli_usage_error("run", "%s", errstr);
                                goto out;
                        }
                        break;
                case 'h': usage(stdout); goto out;
                default: rc = ib_cli_getopt_error("run", c, argv); goto out;
                }
        }
#undef NUM
#undef NUM_S
        if (optind < argc) {
                rc = ib_cli_usage_error("run", "unexpected argument '%s'", argv[optind]);
                goto out;
        }
        if (ib_config_check(&cfg, errstr, sizeof(errstr))) {
                rc = ib_cli_usage_error("run", "%s", errstr);
                goto out;
        }
        if (ib_fault_check(errstr, sizeof(errstr))) {
                rc = ib_cli_usage_error("run", "%s", errstr);
                goto out;
        }
        const ib_mode_t *mode = ib_mode_find(cfg.mode);
        if (!mode) {
                char names[256] = "";
                for (int i = 0; ib_modes[i]; i++)
                        snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
                                 i ? ", " : "", ib_modes[i]->name);
                rc = ib_cli_usage_error("run", "unknown mode '%s' (available: %s)", cfg.mode, names);
                goto out;
        }
        errstr[0] = '\0';
        ib_err_t err = ib_run(mode, &cfg, errstr, sizeof(errstr));
        if (err)
                rc = ib_cli_fail("run", err, errstr);
out:
        ib_config_destroy(&cfg);
        return rc;
}
