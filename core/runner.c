/*
 * runner.c: the worker loop around a mode (see mode.h for the loop). The
 * runner owns everything modes share: signals, the event log, the sinks, the
 * pipeline, stats files and progress lines. A mode only reads and commits.
 */
#include "runner.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "fault.h"
#include "fsutil.h"
#include "kafka.h"
#include "pipeline.h"
#include "schema.h"
#include "sink.h"
#include "stats.h"

static volatile sig_atomic_t ib_stop_flag;

static void on_signal(int sig) {
        (void)sig;
        ib_stop_flag = 1;
}

const char *ib_run_dead_letter_dir(const ib_config_t *cfg, char *out, size_t out_size) {
        if (cfg->dead_letter)
                snprintf(out, out_size, "%s", cfg->dead_letter);
        else if (!strncmp(cfg->sink, "dir:", 4))
                snprintf(out, out_size, "%s/deadletter", cfg->sink + 4);
        else
                snprintf(out, out_size, "%s/deadletter", cfg->state_dir);
        return out;
}

static json_t *config_json(const ib_config_t *cfg, const char *brokers, const char *dead_dir) {
        json_t *x = json_object();
        for (int i = 0; i < cfg->props.count; i++)
                json_object_set_new(x, cfg->props.key[i], json_string(cfg->props.value[i]));
        return json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s,s:s,s:s,s:s?,s:s,s:i,s:I,s:i,s:i,s:o}",
                         "mode", cfg->mode, "brokers", brokers, "topic", cfg->topic,
                         "group", cfg->group, "zookeeper", cfg->zookeeper,
                         "sink", cfg->sink, "dead_letter", dead_dir,
                         "state_dir", cfg->state_dir, "schema", cfg->schema,
                         "event_time_field", cfg->event_time_field,
                         "batch_ms", cfg->batch_ms,
                         "max_records_per_partition", (json_int_t)cfg->max_records_per_partition,
                         "exit_when_idle_ms", cfg->exit_when_idle_ms,
                         "zk_session_timeout_ms", cfg->zk_session_timeout_ms, "X", x);
}

typedef struct {
        const ib_mode_t *mode;
        void *st;
        const ib_config_t *cfg;
        const char *worker;
        json_t *config;
        ib_stats_t *stats;
        char path[1024];
} statsfile_t;

static void write_stats(statsfile_t *sf, const char *status) {
        struct utsname un;
        uname(&un);
        json_t *pipe = json_object();
        ib_stats_to_json(sf->stats, pipe);
        json_t *modej = json_object();
        if (sf->mode->stats && sf->st)
                sf->mode->stats(sf->st, modej);
        json_t *doc = json_pack("{s:s,s:s,s:s,s:{s:s,s:s,s:i},s:s,s:s,s:O,s:o,s:o,s:I}",
                                "tool", "ingestbench", "version", IB_VERSION,
                                "librdkafka", ib_kafka_version(),
                                "machine", "kernel", un.release, "arch", un.machine,
                                "cores", (int)sysconf(_SC_NPROCESSORS_ONLN),
                                "mode", sf->mode->name, "worker", sf->worker,
                                "config", sf->config, "pipeline", pipe, "mode_stats", modej,
                                "written_ms", (json_int_t)ib_now_ms());
        json_object_set_new(doc, "status", json_string(status));
        char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(doc);
        if (!text)
                return;
        char err[512];
        size_t len = strlen(text);
        text[len] = '\n';
        if (ib_fs_write_atomic(sf->path, text, len + 1, err, sizeof(err)) != IB_OK)
                fprintf(stderr, "ingestbench: warning: %s\n", err);
        ib_json_free_str(text);
}

ib_err_t ib_run(const ib_mode_t *mode, const ib_config_t *cfg, char *errstr,
                size_t errstr_size) {
        ib_err_t err;
        char brokers[1024], dead_dir[1024], path[1024], worker[256];
        ib_eventlog_t *events = NULL;
        ib_schema_t *schema = NULL;
        ib_sink_t *sink = NULL, *dead = NULL;
        ib_pipeline_t *pl = NULL;
        void *st = NULL;
        ib_batch_t batch = {0};
        ib_stats_t stats;
        json_t *config = NULL;
        statsfile_t sf = {0};

        ib_stats_init(&stats);
        if ((err = ib_kafka_brokers(cfg->brokers, brokers, sizeof(brokers), errstr, errstr_size)))
                return err;
        if (cfg->worker_id)
                snprintf(worker, sizeof(worker), "%s", cfg->worker_id);
        else {
                char host[128] = "host";
                gethostname(host, sizeof(host) - 1);
                snprintf(worker, sizeof(worker), "%s-%d", host, (int)getpid());
        }
        if ((err = ib_fs_mkdirs(cfg->state_dir, errstr, errstr_size)))
                return err;
        snprintf(path, sizeof(path), "%s/events.jsonl", cfg->state_dir);
        if (!(events = ib_eventlog_open(path, worker, errstr, errstr_size)))
                return IB_ERR_IO;
        if (!(schema = ib_schema_load(cfg->schema, errstr, errstr_size))) {
                err = IB_ERR_INVALID_ARG;
                goto done;
        }
        ib_run_dead_letter_dir(cfg, dead_dir, sizeof(dead_dir));
        if (!(sink = ib_sink_open(cfg->sink, errstr, errstr_size)) ||
            !(dead = ib_sink_open_dir(dead_dir, errstr, errstr_size))) {
                err = IB_ERR_IO;
                goto done;
        }
        ib_pipeline_conf_t pconf = {schema, cfg->event_time_field, sink, dead, &stats};
        if (!(pl = ib_pipeline_new(&pconf, errstr, errstr_size))) {
                err = IB_ERR_NOMEM;
                goto done;
        }

        ib_on_stop_signals(on_signal);
        ib_stop_flag = 0;

        config = config_json(cfg, brokers, dead_dir);
        ib_eventlog_emit(events, "start",
                         json_pack("{s:s,s:s,s:i,s:O}", "mode", mode->name, "version", IB_VERSION,
                                   "pid", (int)getpid(), "config", config));
        ib_mode_ctx_t ctx = {cfg, brokers, worker, events, &ib_stop_flag, ib_mono_us(), 0};
        if (!(st = mode->open(&ctx, &err, errstr, errstr_size)))
                goto done;
        sf = (statsfile_t){mode, st, cfg, worker, config, &stats, ""};
        snprintf(sf.path, sizeof(sf.path), "%s/stats.json", cfg->state_dir);
        if (mode->recover && (err = mode->recover(st, errstr, errstr_size)))
                goto done;

        int64_t last_stats = ib_mono_us(), last_progress = last_stats;
        uint64_t progress_records = 0;
        const char *why = "stopped by signal";
        while (!ib_stop_flag) {
                ib_batch_clear(&batch);
                if ((err = mode->next_batch(st, &batch, cfg->batch_ms, errstr, errstr_size)))
                        break;
                if (batch.nrecords > 0 || batch.nranges > 0) {
                        int64_t t0 = ib_mono_us();
                        if ((err = ib_pipeline_run(pl, &batch, errstr, errstr_size)))
                                break;
                        json_t *ranges = json_array();
                        for (size_t i = 0; i < batch.nranges; i++)
                                json_array_append_new(ranges, json_pack("{s:i,s:I,s:I,s:I}",
                                        "partition", (int)batch.ranges[i].partition,
                                        "from", (json_int_t)batch.ranges[i].from,
                                        "until", (json_int_t)batch.ranges[i].until,
                                        "records", (json_int_t)batch.ranges[i].count));
                        ib_eventlog_emit(events, "batch",
                                         json_pack("{s:I,s:I,s:o,s:f}", "seq", (json_int_t)batch.seq,
                                                   "records", (json_int_t)batch.nrecords, "ranges", ranges,
                                                   "pipeline_ms", (double)(ib_mono_us() - t0) / 1000.0));
                        unsigned long slow_ms;
                        if (batch.nrecords > 0 && ib_fault_arg("batch.slow", &slow_ms) && slow_ms > 0) {
                                ib_eventlog_emit(events, "slow_batch",
                                                 json_pack("{s:I,s:I,s:I}", "seq", (json_int_t)batch.seq,
                                                           "records", (json_int_t)batch.nrecords,
                                                           "ms", (json_int_t)slow_ms));
                                ib_sleep_ms((int64_t)slow_ms);
                        }
                }
                if ((err = mode->commit(st, &batch, errstr, errstr_size)))
                        break;
                int64_t now = ib_mono_us();
                if (batch.nrecords > 0)
                        __atomic_store_n(&ctx.last_activity_us, now, __ATOMIC_RELAXED);
                if (now - last_stats >= 5000000) {
                        write_stats(&sf, "running");
                        last_stats = now;
                }
                if (!cfg->quiet && cfg->progress_ms > 0 && now - last_progress >= (int64_t)cfg->progress_ms * 1000) {
                        double secs = (double)(now - last_progress) / 1e6;
                        fprintf(stderr, "%s: %" PRIu64 " records, %.0f records/s, %" PRIu64
                                " dead-lettered, p99 latency %.1f ms\n",
                                mode->name, stats.records_in,
                                (double)(stats.records_in - progress_records) / secs,
                                stats.dead_parse + stats.dead_schema + stats.dead_transform,
                                (double)ib_hist_quantile(&stats.latency_us, 0.99) / 1000.0);
                        progress_records = stats.records_in;
                        last_progress = now;
                }
                /* a group member waiting for its assignment is not idle */
                if (__atomic_load_n(&ctx.waiting_for_group, __ATOMIC_RELAXED))
                        __atomic_store_n(&ctx.last_activity_us, now, __ATOMIC_RELAXED);
                else if (cfg->exit_when_idle_ms > 0 &&
                         now - __atomic_load_n(&ctx.last_activity_us, __ATOMIC_RELAXED) >=
                             (int64_t)cfg->exit_when_idle_ms * 1000) {
                        why = "idle";
                        break;
                }
        }
        if (err == IB_OK)
                ib_eventlog_emit(events, "stop", json_pack("{s:s,s:I}", "reason", why,
                                                           "records", (json_int_t)stats.records_in));
done:
        if (err && events)
                ib_eventlog_emit(events, "error", json_pack("{s:s,s:s}", "error", ib_err2name(err),
                                                            "message", errstr));
        if (st) {
                write_stats(&sf, err ? "failed" : "finished");
                mode->close(st);
        }
        ib_batch_free(&batch);
        ib_pipeline_destroy(pl);
        ib_sink_close(sink);
        ib_sink_close(dead);
        ib_schema_destroy(schema);
        ib_eventlog_close(events);
        json_decref(config);
        return err;
}
