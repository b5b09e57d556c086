/*
 * config.c: the options every mode shares, their checks, -X properties, and
 * the JSON record of any option table's effective values.
 */
#include "config.h"

#include "ksink.h"
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define C ib_config_t
const ib_option_t ib_config_options[] = {
    IB_OPT_STR(C, mode, "mode", "MODE", NULL, "ingestion mode (above)"),
    IB_OPT_STR(C, brokers, "brokers", "LIST", NULL, "bootstrap brokers (default: the running mock cluster)"),
    IB_OPT_STR_CHECKED(C, topic, "topic", "T", NULL, ib_opt_check_topic, "input topic"),
    IB_OPT_STR(C, group, "group", "G", NULL, "group / ZooKeeper namespace shared by workers"),
    IB_OPT_STR(C, sink, "sink", "SPEC", "null",
               "dir:PATH (one file per offset range), kafka:TOPIC[@BROKERS] (one record per line, keyed and "
               "partitioned as its input; idempotent, acks=all) or null"),
    IB_OPT_INT(C, sink_partitions, "sink-partitions", "N", "0", 0, 100000,
               "partitions of a Kafka sink's topic when it is created; 0: the input's"),
    IB_OPT_STR(C, dead_letter, "dead-letter", "DIR", NULL, "dead letters (default: PATH/deadletter, or DIR/deadletter)"),
    IB_OPT_STR(C, state_dir, "state-dir", "DIR", NULL, "event log (events.jsonl) and stats (stats.json)"),
    IB_OPT_STR(C, schema, "schema", "FILE", NULL, "JSON schema for validation (default: built-in)"),
    IB_OPT_STR(C, event_time_field, "event-time-field", "NAME", "ts", "integer field holding event time in ms"),
    IB_OPT_STR(C, worker_id, "worker-id", "ID", NULL, "this worker's name (default: host-pid)"),
    IB_OPT_INT(C, batch_ms, "batch-ms", "MS", "100", 0, 3600000, "wait between batches when caught up"),
    IB_OPT_INT(C, exit_when_idle_ms, "exit-when-idle", "MS", "0", 0, INT32_MAX, "stop after MS without new records; 0: never"),
    IB_OPT_INT(C, connect_timeout_ms, "connect-timeout-ms", "MS", "10000", 100, 600000, "bound on reaching brokers/ZooKeeper"),
    IB_OPT_INT(C, retry_budget_ms, "retry-budget-ms", "MS", "120000", 0, 3600000,
               "how long one operation retries a transient error before the worker gives up"),
    IB_OPT_INT(C, progress_ms, "progress-ms", "MS", "2000", 0, 3600000, "progress line on stderr every MS; 0: off"),
    IB_OPT_FLAG(C, quiet, "quiet", 'q', "no progress lines"),
    IB_OPT_CHOICE(C, pipeline, "pipeline", ib_pipeline_level_names, "full",
                  "full: every stage; parse: parse and validate only; none: bytes to the sink untouched "
                  "(offset tracking alone)"),
    IB_OPT_INT(C, pipeline_threads, "pipeline-threads", "N", "0", 0, 64,
               "threads a batch's partitions are spread over (a partition stays on one); 0: one per core"),
    IB_OPT_END,
};
#undef C

void ib_config_init(ib_config_t *cfg) {
        memset(cfg, 0, sizeof(*cfg));
        ib_options_defaults(ib_config_options, cfg);
}

void ib_config_destroy(ib_config_t *cfg) { ib_props_destroy(&cfg->props); }

ib_err_t ib_config_check(ib_config_t *cfg, char *errstr, size_t errstr_size) {
        if (!cfg->mode)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "--mode is required");
        if (!cfg->topic)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "--topic is required");
        if (!cfg->group)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "--group is required");
        if (!cfg->state_dir)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--state-dir is required (event log and stats live there)");
        char t[256], b[1024];
        if (!strncmp(cfg->sink, "kafka:", 6) && ib_ksink_parse_spec(cfg->sink, t, sizeof(t), b, sizeof(b)))
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--sink %s: want kafka:TOPIC[@BROKERS] with a legal topic name", cfg->sink);
        if (!strncmp(cfg->sink, "kafka:", 6) && cfg->topic && !strcmp(t, cfg->topic))
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--sink %s: the output topic cannot be the input topic", cfg->sink);
        if (strncmp(cfg->sink, "dir:", 4) != 0 && strncmp(cfg->sink, "kafka:", 6) != 0 && strcmp(cfg->sink, "null") != 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--sink takes dir:PATH, kafka:TOPIC[@BROKERS] or null, not '%s'", cfg->sink);
        if (cfg->sink_partitions && strncmp(cfg->sink, "kafka:", 6))
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "--sink-partitions needs a kafka: sink");
        if (strcmp(cfg->sink, "dir:") == 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--sink dir: needs a path");
        if (!cfg->dead_letter) {
                if (!strncmp(cfg->sink, "dir:", 4))
                        snprintf(cfg->dead_letter_buf, sizeof(cfg->dead_letter_buf), "%s/deadletter", cfg->sink + 4);
                else
                        snprintf(cfg->dead_letter_buf, sizeof(cfg->dead_letter_buf), "%s/deadletter", cfg->state_dir);
                cfg->dead_letter = cfg->dead_letter_buf;
        }
        if (!cfg->worker_id) {
                char host[128] = "host";
                gethostname(host, sizeof(host) - 1);
                snprintf(cfg->worker_id_buf, sizeof(cfg->worker_id_buf), "%s-%d", host, (int)getpid());
                cfg->worker_id = cfg->worker_id_buf;
        }
        return IB_OK;
}

static void option_json(void *ctx, const ib_option_t *o, const void *owner) {
        char buf[64];
        json_t *j;
        if (o->type == IB_OPT_INT || o->type == IB_OPT_BYTES)
                j = json_integer((json_int_t) * (const int64_t *)((const char *)owner + o->offset));
        else if (o->type == IB_OPT_FLAG)
                j = json_boolean(*(const int *)((const char *)owner + o->offset));
        else {
                const char *s = ib_options_value_str(o, owner, buf, sizeof(buf));
                j = s && o->secret ? json_string("(set, not recorded)") : s ? json_string(s) : json_null();
        }
        json_object_set_new(ctx, o->name, j);
}

json_t *ib_options_json(const ib_option_t *table, const void *conf) {
        json_t *o = json_object();
        ib_options_each(table, conf, option_json, o);
        return o;
}
