/*
 * runner.c: the worker loop around a mode (see mode.h for the loop). The
 * runner owns everything modes share: signals, the event log, the sinks, the
 * pipeline, stats files and progress lines. A mode only reads and commits.
 */
#include "runner.h"
#include "events.h"
#include "version.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "clock.h"
#include "fault.h"
#include "fsutil.h"
#include "json_arena.h"
#include "kafka.h"
#include "ksink.h"
#include "pipeline.h"
#include "schema.h"
#include "signals.h"
#include "sink.h"
#include "stats.h"

IB_FAULT_POINTS("batch.slow")



/* What a run holds, opened in order and closed in reverse. */
typedef struct run_s {
        const ib_mode_t *mode;
        const ib_config_t *cfg;
        const void *conf;         /* the mode's options */
        char brokers[1024];
        ib_eventlog_t *events;
        ib_schema_t *schema;
        ib_sink_t *sink, *dead;
        ib_pipeline_t *pl;
        ib_stats_t stats;
        ib_mode_ctx_t ctx;
        void *st;                 /* the mode's state */
        json_t *config;           /* every option's effective value */
        json_t *lag;              /* the last lag measurement: partition -> records */
        int caught_up;            /* ... and whether it found the mode caught up */
        char stats_path[1024];
} run_t;

/* A librdkafka property that holds a credential: its value is never written. */
static int secret_property(const char *key) {
        return strstr(key, "password") || strstr(key, "secret") || !strcmp(key, "ssl.key.pem") ||
               !strcmp(key, "sasl.oauthbearer.config") || !strcmp(key, "ssl_key");
}

json_t *ib_run_config_json(const ib_mode_t *mode, const ib_config_t *cfg, const void *conf,
                           const char *brokers) {
        json_t *doc = ib_options_json(ib_config_options, cfg);
        json_object_set_new(doc, "brokers", json_string(brokers));
        json_t *x = json_object();
        for (int i = 0; i < cfg->props.count; i++)
                json_object_set_new(x, cfg->props.key[i], secret_property(cfg->props.key[i])
                                                              ? json_string("(set, not recorded)")
                                                              : json_string(cfg->props.value[i]));
        json_object_set_new(doc, "X", x);
        json_object_set_new(doc, mode->name, ib_options_json(mode->options, conf));
        return doc;
}

static void write_stats(run_t *run, const char *status) {
        struct utsname un;
        uname(&un);
        json_t *pipe = json_object();
        ib_stats_to_json(&run->stats, pipe);
        json_t *modej = json_object();
        if (run->st)
                run->mode->stats(run->st, modej);
        if (run->pl)
                json_object_set_new(pipe, "threads", ib_pipeline_threads_json(run->pl));
        if (ib_ksink_is(run->sink)) {
                json_t *sk = json_object();
                ib_ksink_stats(run->sink, sk);
                json_object_set_new(pipe, "sink", sk);
        }
        json_object_set_new(pipe, "retries", ib_mode_retries_json(&run->ctx));
        json_t *doc = json_pack("{s:s,s:s,s:s,s:{s:s,s:s,s:i},s:s,s:s,s:O,s:o,s:o,s:I,s:s}",
                                "tool", "ingestbench", "version", IB_VERSION,
                                "librdkafka", ib_kafka_version(),
                                "machine", "kernel", un.release, "arch", un.machine,
                                "cores", (int)sysconf(_SC_NPROCESSORS_ONLN),
                                "mode", run->mode->name, "worker", run->cfg->worker_id,
                                "config", run->config, "pipeline", pipe, "mode_stats", modej,
                                "written_ms", (json_int_t)ib_now_ms(), "status", status);
        json_object_set_new(doc, "lag_records", run->lag ? json_copy(run->lag) : json_object());
        json_object_set_new(doc, "caught_up", json_boolean(run->caught_up));
        char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(doc);
        if (!text)
                return;
        char err[512];
        size_t len = strlen(text);
        text[len] = '\n';
        if (ib_fs_write_atomic(run->stats_path, text, len + 1, NULL, err, sizeof(err)) != IB_OK)
                fprintf(stderr, "ingestbench: warning: %s\n", err);
        ib_json_free_str(text);
}

/* The output sink: a Kafka sink here (kafka/ links librdkafka, core does
 * not), transactional for a mode that commits inside its transactions. */
static ib_err_t open_sink(run_t *run, char *errstr, size_t errstr_size) {
        const ib_config_t *cfg = run->cfg;
        int kafka = !strncmp(cfg->sink, "kafka:", 6);
        if (run->mode->sink_transactions && !kafka)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--mode %s commits its offsets in the output's transactions: it needs --sink "
                                 "kafka:TOPIC",
                                 run->mode->name);
        if (!kafka)
                return ib_sink_open(cfg->sink, &run->sink, errstr, errstr_size);
        char txn_id[512];
        snprintf(txn_id, sizeof(txn_id), "ingestbench-%s-%s", cfg->group, cfg->worker_id);
        ib_ksink_conf_t kc = {.spec = cfg->sink, .brokers = run->brokers, .props = &cfg->props,
                              .input_topic = cfg->topic, .partitions = (int)cfg->sink_partitions,
                              .transactional_id = run->mode->sink_transactions ? txn_id : NULL,
                              .delivery_timeout_ms = cfg->retry_budget_ms > 0 ? cfg->retry_budget_ms : 1,
                              .connect_timeout_ms = cfg->connect_timeout_ms, .events = run->events};
        return ib_ksink_open(&kc, &run->sink, errstr, errstr_size);
}

/* The state directory, event log, schema, sinks and pipeline. */
static ib_err_t open_outputs(run_t *run, char *errstr, size_t errstr_size) {
        const ib_config_t *cfg = run->cfg;
        char path[1100];
        ib_err_t err;
        if ((err = ib_kafka_brokers(cfg->brokers, run->brokers, sizeof(run->brokers), errstr, errstr_size)) ||
            (err = ib_fs_mkdirs(cfg->state_dir, errstr, errstr_size)))
                return err;
        snprintf(path, sizeof(path), "%s/events.jsonl", cfg->state_dir);
        snprintf(run->stats_path, sizeof(run->stats_path), "%s/stats.json", cfg->state_dir);
        if ((err = ib_eventlog_open(path, cfg->worker_id, &run->events, errstr, errstr_size)) ||
            (err = ib_schema_load(cfg->schema, &run->schema, errstr, errstr_size)) ||
            (err = open_sink(run, errstr, errstr_size)) ||
            (err = ib_sink_open_dir(cfg->dead_letter, &run->dead, errstr, errstr_size)))
                return err;
        ib_pipeline_conf_t pconf = {run->schema, cfg->event_time_field, run->sink, run->dead, &run->stats,
                                   cfg->pipeline, (int)(cfg->pipeline_threads > 0 ? cfg->pipeline_threads
                                                                                 : sysconf(_SC_NPROCESSORS_ONLN))};
        return ib_pipeline_new(&pconf, &run->pl, errstr, errstr_size);
}

/* Removes what dead writers left in both sinks (at start and after the mode
 * gained partitions), and says so in the event log when there was any. */
static ib_err_t sweep(run_t *run, char *errstr, size_t errstr_size) {
        uint64_t out = 0, dead = 0;
        ib_err_t err;
        if ((err = ib_sink_sweep(run->sink, run->cfg->topic, &out, errstr, errstr_size)) ||
            (err = ib_sink_sweep(run->dead, run->cfg->topic, &dead, errstr, errstr_size)))
                return err;
        if (out + dead)
                ib_eventlog_emit(run->events, "stale_temp_removed",
                                 json_pack("{s:I,s:I}", "sink_files", (json_int_t)out, "dead_letter_files",
                                           (json_int_t)dead));
        return IB_OK;
}

/* Runs a batch with records or ranges through the pipeline, logs it, and
 * applies the batch.slow fault point. */
static ib_err_t process_batch(run_t *run, const ib_batch_t *batch, int64_t fetch_ms, char *errstr,
                              size_t errstr_size) {
        int64_t t0 = ib_mono_us();
        uint64_t bytes = run->stats.bytes_in;
        ib_err_t err = ib_pipeline_run(run->pl, batch, errstr, errstr_size);
        bytes = run->stats.bytes_in - bytes;
        if (err)
                return err;
        json_t *ranges = json_array();
        for (size_t i = 0; i < batch->nranges; i++)
                json_array_append_new(ranges, json_pack("{s:i,s:I,s:I,s:I}", "partition", (int)batch->ranges[i].partition,
                                                        "from", (json_int_t)batch->ranges[i].from,
                                                        "until", (json_int_t)batch->ranges[i].until,
                                                        "records", (json_int_t)batch->ranges[i].count));
        ib_eventlog_emit(run->events, IB_EV_BATCH,
                         json_pack("{s:I,s:I,s:I,s:o,s:I,s:f,s:o}", "seq", (json_int_t)batch->seq, "records",
                                   (json_int_t)batch->nrecords, "bytes", (json_int_t)bytes, "ranges", ranges, "fetch_ms",
                                   (json_int_t)fetch_ms, "pipeline_ms", (double)(ib_mono_us() - t0) / 1000.0,
                                   "threads_busy_ms", ib_pipeline_batch_busy_json(run->pl)));
        unsigned long slow_ms;
        if (batch->nrecords > 0 && ib_fault_arg("batch.slow", &slow_ms) && slow_ms > 0) {
                ib_eventlog_emit(run->events, "slow_batch",
                                 json_pack("{s:I,s:I,s:I}", "seq", (json_int_t)batch->seq, "records",
                                           (json_int_t)batch->nrecords, "ms", (json_int_t)slow_ms));
                ib_sleep_ms((int64_t)slow_ms);
        }
        return IB_OK;
}

/* Asks the mode how far behind it is. @returns whether it is caught up. */
static int measure_lag(run_t *run) {
        json_t *lag = json_object();
        int caught_up = 0;
        run->mode->lag(run->st, lag, &caught_up);
        json_decref(run->lag);
        run->lag = lag;
        run->caught_up = caught_up;
        return caught_up;
}

static int64_t total_lag(const run_t *run) {
        const char *k;
        json_t *v;
        int64_t total = 0;
        json_object_foreach(run->lag, k, v) total += json_integer_value(v);
        return total;
}

static void progress_line(run_t *run, int64_t now, int64_t *last, uint64_t *last_records) {
        const ib_config_t *cfg = run->cfg;
        if (cfg->quiet || cfg->progress_ms <= 0 || now - *last < cfg->progress_ms * 1000)
                return;
        const ib_stats_t *s = &run->stats;
        double secs = (double)(now - *last) / 1e6;
        measure_lag(run);
        fprintf(stderr, "%s: %" PRIu64 " records, %.0f records/s, %" PRIu64 " dead-lettered, p99 latency %.1f ms, "
                "lag %" PRId64 " records%s\n",
                run->mode->name, s->records_in, (double)(s->records_in - *last_records) / secs,
                s->dead_parse + s->dead_schema + s->dead_transform,
                (double)ib_hist_quantile(&s->latency_us, 0.99) / 1000.0, total_lag(run),
                run->caught_up ? " (caught up)" : "");
        *last_records = s->records_in;
        *last = now;
}

/* After a clean end: the mode stops reading, and what it read and holds is
 * processed and committed, bounded by IB_DRAIN_BUDGET_MS. */
static ib_err_t drain(run_t *run, ib_batch_t *batch, char *errstr, size_t errstr_size) {
        int64_t t0 = ib_mono_us(), end = t0 + (int64_t)IB_DRAIN_BUDGET_MS * 1000;
        uint64_t records = 0, batches = 0;
        ib_err_t err = IB_OK;
        int complete = 0;
        run->mode->stop_input(run->st);
        while (ib_mono_us() < end) {
                ib_batch_clear(batch);
                int64_t fetch_ms = ib_now_ms();
                if ((err = run->mode->next_batch(run->st, batch, (int)run->cfg->batch_ms, errstr, errstr_size)))
                        break;
                if (batch->nrecords == 0 && batch->nranges == 0) {
                        complete = 1;
                        break;
                }
                if ((err = process_batch(run, batch, fetch_ms, errstr, errstr_size)) ||
                    (err = run->mode->commit(run->st, batch, errstr, errstr_size)))
                        break;
                records += batch->nrecords;
                batches++;
        }
        ib_eventlog_emit(run->events, "drain",
                         json_pack("{s:I,s:I,s:f,s:b}", "records", (json_int_t)records, "batches", (json_int_t)batches,
                                   "ms", (double)(ib_mono_us() - t0) / 1000.0, "complete", complete && !err));
        if (!err && !complete)
                fprintf(stderr, "ingestbench run: the drain of what %s read was cut at %d s: the rest is read again "
                        "by its next run\n", run->mode->name, IB_DRAIN_BUDGET_MS / 1000);
        return err;
}

/* The loop: until a signal, an error, or the idle rule. */
static ib_err_t loop(run_t *run, const char **why, char *errstr, size_t errstr_size) {
        const ib_config_t *cfg = run->cfg;
        ib_batch_t batch = {0};
        ib_err_t err = IB_OK;
        int64_t last_stats = ib_mono_us(), last_progress = last_stats;
        uint64_t progress_records = 0;
        *why = "stopped by signal";
        while (!ib_stop_requested) {
                ib_batch_clear(&batch);
                int64_t fetch_ms = ib_now_ms(); /* when this batch's reading began */
                if ((err = run->mode->next_batch(run->st, &batch, (int)cfg->batch_ms, errstr, errstr_size)))
                        break;
                if (ib_mode_take_assigned(&run->ctx) &&
                    (err = sweep(run, errstr, errstr_size)))
                        break;
                if ((batch.nrecords > 0 || batch.nranges > 0) && (err = process_batch(run, &batch, fetch_ms, errstr, errstr_size)))
                        break;
                if ((err = run->mode->commit(run->st, &batch, errstr, errstr_size)))
                        break;
                if (batch.nrecords > 0)
                        ib_mode_active(&run->ctx);
                int64_t now = ib_mono_us();
                if (now - last_stats >= 5000000) {
                        write_stats(run, "running");
                        last_stats = now;
                }
                progress_line(run, now, &last_progress, &progress_records);
                /* Idle means caught up: a member waiting for its group is not
                 * idle, and a quiet worker is idle only once every partition it
                 * owns is at its high watermark, with a leader, and stored. */
                if (cfg->exit_when_idle_ms > 0 && ib_mode_idle_us(&run->ctx, now) >= cfg->exit_when_idle_ms * 1000) {
                        if (measure_lag(run)) {
                                *why = "idle";
                                break;
                        }
                        ib_mode_active(&run->ctx); /* behind, or asking failed: look again later */
                }
        }
        if (!err && run->mode->stop_input)
                err = drain(run, &batch, errstr, errstr_size);
        if (err && ib_stop_requested && ib_err_transient(err)) {
                /* Asked to stop while retrying (a server away): the retry gave
                 * up for the stop, not for the budget. What was not stored is
                 * read again by the next owner, as after any stop; not a failure. */
                fprintf(stderr, "ingestbench run: stopped while retrying: %s\n", errstr);
                *why = "stopped by signal while retrying";
                err = IB_OK;
        }
        ib_batch_free(&batch);
        return err;
}

ib_err_t ib_run(const ib_mode_t *mode, const ib_config_t *cfg, const void *conf, char *errstr,
                size_t errstr_size) {
        run_t *run = calloc(1, sizeof(*run));
        if (!run)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        *run = (run_t){.mode = mode, .cfg = cfg, .conf = conf};
        ib_stats_init(&run->stats);
        int opened = 0;
        ib_err_t err = open_outputs(run, errstr, errstr_size);
        if (err)
                goto done;
        ib_stop_signals();
        ib_fault_listen();
        run->config = ib_run_config_json(mode, cfg, conf, run->brokers);
        ib_eventlog_emit(run->events, IB_EV_START,
                         json_pack("{s:s,s:s,s:s,s:i,s:O}", "mode", mode->name, "version", IB_VERSION,
                                   "librdkafka", ib_kafka_version(), "pid", (int)getpid(), "config", run->config));
        run->ctx = (ib_mode_ctx_t){.cfg = cfg, .conf = conf, .brokers = run->brokers, .worker_id = cfg->worker_id,
                                   .events = run->events, .sink = run->sink, .stop = &ib_stop_requested, .track = ib_mode_track_new()};
        if (!run->ctx.track) {
                err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                goto done;
        }
        ib_mode_active(&run->ctx);
        if ((err = sweep(run, errstr, errstr_size)))
                goto done;
        err = mode->open(&run->ctx, &run->st, errstr, errstr_size);
        opened = err == IB_OK;
        if (opened) {
                const char *why;
                err = loop(run, &why, errstr, errstr_size);
                if (err == IB_OK)
                        ib_eventlog_emit(run->events, IB_EV_STOP,
                                         json_pack("{s:s,s:I}", "reason", why, "records",
                                                   (json_int_t)run->stats.records_in));
        }
done:
        if (err && run->events)
                ib_eventlog_emit(run->events, IB_EV_ERROR,
                                 json_pack("{s:s,s:s}", "error", ib_err2name(err), "message", errstr));
        if (opened)
                write_stats(run, err ? "failed" : "finished");
        if (run->st) /* also a state open() gave up on half-way */
                mode->close(run->st);
        ib_pipeline_destroy(run->pl);
        ib_sink_close(run->sink);
        ib_sink_close(run->dead);
        ib_schema_destroy(run->schema);
        ib_eventlog_close(run->events);
        json_decref(run->config);
        json_decref(run->lag);
        ib_mode_track_free(run->ctx.track);
        free(run);
        return err;
}
