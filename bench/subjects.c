/*
 * subjects.c: what a drain measures, subject by subject. A backlog is
 * written once by the project's producer; the bare reference reads it in
 * this process with librdkafka alone; kcat reads it as an independent
 * client; a mode reads it with `ingestbench run` workers that stop once
 * caught up to the end offsets, and is timed from their event logs, never
 * from its process's lifetime (start-up and the final idle check excluded).
 */
#include "bench.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "events.h"
#include "clock.h"
#include "cluster.h"
#include "commands.h"
#include "fsutil.h"
#include "kafka.h"
#include "pipeline.h"

#define MB (1024.0 * 1024.0)

void ib_drain_free(ib_drain_t *d) {
        json_decref(d->stats);
        json_decref(d->latency_ms);
        memset(d, 0, sizeof(*d));
}

json_t *ib_drain_json(const ib_drain_t *d) {
        double s = d->seconds > 0 ? d->seconds : 0;
        json_t *o = json_pack("{s:I,s:I,s:f,s:f,s:f}", "records", (json_int_t)d->records, "bytes",
                              (json_int_t)d->bytes, "seconds", s, "records_per_s", s > 0 ? (double)d->records / s : 0.0,
                              "mb_per_s", s > 0 ? (double)d->bytes / MB / s : 0.0);
        /* negative: not measured (the peer's JVM) */
        json_object_set_new(o, "cpu_s", d->cpu_s < 0 ? json_null() : json_real(d->cpu_s));
        json_object_set_new(o, "cpu_s_per_million", d->cpu_s < 0   ? json_null()
                                                    : d->records ? json_real(d->cpu_s * 1e6 / (double)d->records)
                                                                 : json_real(0));
        json_object_set_new(o, "store_ops", json_integer((json_int_t)d->store_ops));
        json_object_set_new(o, "store_ops_per_s", json_real(s > 0 ? (double)d->store_ops / s : 0.0));
        json_object_set_new(o, "bytes_written", json_integer((json_int_t)d->bytes_written));
        json_object_set_new(o, "write_amplification",
                            json_real(d->bytes ? (double)d->bytes_written / (double)d->bytes : 0.0));
        json_object_set_new(o, "max_rss_kb", json_integer(d->max_rss_kb));
        if (d->latency_ms)
                json_object_set(o, "latency_ms", d->latency_ms);
        if (d->total_seconds > 0) { /* the peer: its life, JVM start-up included, apart */
                json_object_set_new(o, "total_seconds", json_real(d->total_seconds));
                json_object_set_new(o, "total_records_per_s", json_real((double)d->records / d->total_seconds));
        }
        return o;
}

/* Waits for process @p i, bounded; kills it past the bound. @returns 1 if it exited in time. */
static int wait_proc(ib_sup_t *sup, size_t i, int64_t timeout_ms, volatile sig_atomic_t *stop) {
        int64_t end = ib_mono_us() + timeout_ms * 1000;
        while (!sup->procs[i].exited) {
                ib_sup_reap(sup);
                if (sup->procs[i].exited)
                        break;
                if ((stop && *stop) || ib_mono_us() >= end) {
                        ib_sup_signal(sup, i, SIGKILL);
                        ib_sup_wait(sup, i, 5000);
                        return 0;
                }
                usleep(10000);
        }
        return 1;
}

static int exited_ok(const ib_proc_t *p) { return WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0; }

/* A consumer handle for metadata and offsets (and the bare reference). */
static ib_err_t consumer(const char *brokers, const char *group, rd_kafka_t **rk, char *errstr, size_t errstr_size) {
        const char *settings[] = {"group.id", group, "enable.auto.commit", "false", "auto.offset.reset", "earliest",
                                  "enable.partition.eof", "false", NULL};
        rd_kafka_conf_t *conf;
        ib_err_t err = ib_kafka_conf_new(brokers, settings, NULL, &conf, errstr, errstr_size);
        return err ? err : ib_kafka_new(RD_KAFKA_CONSUMER, conf, rk, errstr, errstr_size);
}

/* The end (or with @p which the beginning) offset of every partition of
 * @p topic. A topic just created may not have its leaders yet: asked again,
 * bounded (30 s). */
static ib_err_t list_offsets(rd_kafka_t *rk, const char *topic, int n, int64_t which, int64_t *ends, char *errstr,
                             size_t errstr_size) {
        int32_t ids[1024];
        if (n > 1024)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "at most 1024 partitions");
        for (int i = 0; i < n; i++)
                ids[i] = i;
        ib_err_t err;
        int64_t end = ib_mono_us() + 30000000;
        while ((err = ib_kafka_list_offsets(rk, topic, ids, n, which, ends, 10000, errstr, errstr_size)) &&
               (err == IB_ERR_KAFKA_RETRIABLE || err == IB_ERR_NOT_FOUND) && ib_mono_us() < end)
                usleep(200000);
        return err;
}

ib_err_t ib_bench_end_offsets(const char *brokers, const char *topic, int n, int64_t *ends, char *errstr,
                              size_t errstr_size) {
        rd_kafka_t *rk;
        ib_err_t err = consumer(brokers, "ingestbench-bench-meta", &rk, errstr, errstr_size);
        if (err)
                return err;
        err = list_offsets(rk, topic, n, RD_KAFKA_OFFSET_END, ends, errstr, errstr_size);
        rd_kafka_destroy(rk);
        return err;
}

ib_err_t ib_bench_backlog(const ib_bench_conf_t *conf, const char *topic, int partitions, int64_t records,
                          int64_t size, int64_t rate, const char *stats_path, ib_backlog_t *out, char *errstr,
                          size_t errstr_size) {
        char log[PATH_MAX];
        snprintf(log, sizeof(log), "%s/produce.log", conf->work_dir);
        ib_err_t err;
        if (conf->cluster && conf->cluster->kind == IB_CLUSTER_MOCK) {
                /* the mock's admin API cannot create topics: its control pipe does, then wait to see it */
                rd_kafka_t *rk;
                int nparts = 0;
                if ((err = ib_cluster_mock_topic(conf->cluster, conf->sup, topic, partitions, errstr, errstr_size)) ||
                    (err = consumer(conf->brokers, "ingestbench-bench-meta", &rk, errstr, errstr_size)))
                        return err;
                err = ib_kafka_partition_count_wait(rk, topic, 10000, &nparts, errstr, errstr_size);
                rd_kafka_destroy(rk);
                if (err)
                        return err;
        }
        ib_producer_cmd_t cmd = {.self = conf->self, .brokers = conf->brokers, .topic = topic, .run_id = "bench",
                                 .records = records, .partitions = partitions, .size = size, .rate = rate,
                                 .stats_path = stats_path};
        ib_argv_t argv = IB_ARGV_INIT;
        if (ib_launch_producer_argv(&cmd, &argv)) {
                ib_argv_free(&argv);
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory starting the producer");
        }
        ib_spawn_io_t io = {.stdout_path = "/dev/null", .stderr_path = log};
        size_t i;
        err = ib_sup_spawn(conf->sup, "producer", argv.v, &io, &i, errstr, errstr_size);
        ib_argv_free(&argv);
        if (err)
                return err;
        int64_t bound = 120000 + (rate > 0 ? records * 1000 / rate : records / 10);
        if (!wait_proc(conf->sup, i, bound, conf->stop) || !exited_ok(&conf->sup->procs[i]))
                return ib_seterr(errstr, errstr_size, IB_ERR_KAFKA, "the producer failed writing %s (see %s)", topic,
                                 log);
        memset(out, 0, sizeof(*out));
        snprintf(out->topic, sizeof(out->topic), "%s", topic);
        out->partitions = partitions, out->records = records, out->size = size;
        rd_kafka_t *rk;
        if ((err = consumer(conf->brokers, "ingestbench-bench-meta", &rk, errstr, errstr_size)))
                return err;
        int64_t ends[1024];
        if (!(err = list_offsets(rk, topic, partitions, RD_KAFKA_OFFSET_END, ends, errstr, errstr_size)))
                for (int j = 0; j < partitions; j++)
                        out->end_total += ends[j];
        rd_kafka_destroy(rk);
        return err;
}

static int64_t jint(json_t *o, const char *path);

static double cpu_self_s(void) {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
               (double)ru.ru_stime.tv_usec / 1e6;
}

ib_err_t ib_bench_reference(const char *brokers, const ib_backlog_t *b, int64_t timeout_ms, volatile sig_atomic_t *stop,
                            ib_drain_t *out, char *errstr, size_t errstr_size) {
        memset(out, 0, sizeof(*out));
        double cpu0 = cpu_self_s();
        char group[64];
        snprintf(group, sizeof(group), "ingestbench-bench-reference-%d", (int)getpid());
        rd_kafka_t *rk;
        ib_err_t err = consumer(brokers, group, &rk, errstr, errstr_size);
        if (err)
                return err;
        int64_t ends[1024], pos[1024];
        int left = 0;
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(b->partitions);
        /* Offsets given, not OFFSET_BEGINNING: each partition would look its
         * own up, become fetchable at its own moment and wait for the next
         * fetch round (up to fetch.wait.max.ms), which made the first drains
         * of a small backlog several times slower than the rest. */
        if (!(err = list_offsets(rk, b->topic, b->partitions, RD_KAFKA_OFFSET_END, ends, errstr, errstr_size)) &&
            !(err = list_offsets(rk, b->topic, b->partitions, RD_KAFKA_OFFSET_BEGINNING, pos, errstr, errstr_size))) {
                for (int p = 0; p < b->partitions; p++) {
                        rd_kafka_topic_partition_list_add(parts, b->topic, p)->offset = pos[p];
                        left += ends[p] > pos[p];
                }
                if (rd_kafka_assign(rk, parts))
                        err = ib_seterr(errstr, errstr_size, IB_ERR_KAFKA, "reference: cannot assign %s", b->topic);
        }
        rd_kafka_topic_partition_list_destroy(parts);
        int64_t first_us = 0, last_us = 0, end = ib_mono_us() + timeout_ms * 1000;
        /* the whole batch API, as the modes read: the reference is what librdkafka alone can do */
        rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
        static rd_kafka_message_t *msgs[10000];
        while (!err && left > 0) {
                if ((stop && *stop) || ib_mono_us() > end) {
                        err = ib_seterr(errstr, errstr_size, IB_ERR_TIMED_OUT, "reference: %" PRIu64
                                        " of %" PRId64 " records within %" PRId64 " ms", out->records, b->end_total,
                                        timeout_ms);
                        break;
                }
                int64_t call_us = ib_mono_us(); /* as for the modes: the read that brought the first records */
                ssize_t got = rd_kafka_consume_batch_queue(q, 100, msgs, sizeof(msgs) / sizeof(msgs[0]));
                int64_t now = ib_mono_us();
                for (ssize_t k = 0; k < got; k++) {
                        rd_kafka_message_t *m = msgs[k];
                        if (!m->err && m->partition >= 0 && m->partition < b->partitions) {
                                if (!first_us)
                                        first_us = call_us;
                                last_us = now;
                                out->records++;
                                out->bytes += m->len;
                                pos[m->partition] = m->offset + 1;
                                if (pos[m->partition] == ends[m->partition])
                                        left--;
                        }
                        rd_kafka_message_destroy(m);
                }
        }
        rd_kafka_queue_destroy(q);
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
        out->seconds = (double)(last_us - first_us) / 1e6;
        out->cpu_s = cpu_self_s() - cpu0;
        return err;
}

ib_err_t ib_bench_reference_proc(const ib_bench_conf_t *conf, const ib_backlog_t *b, int64_t timeout_ms,
                                 ib_drain_t *out, char *errstr, size_t errstr_size) {
        memset(out, 0, sizeof(*out));
        char res[PATH_MAX], log[PATH_MAX], parts[16], records[32], timeout[32];
        snprintf(res, sizeof(res), "%s/reference.json", conf->work_dir);
        snprintf(log, sizeof(log), "%s/reference.log", conf->work_dir);
        snprintf(parts, sizeof(parts), "%d", b->partitions);
        snprintf(records, sizeof(records), "%" PRId64, b->end_total);
        snprintf(timeout, sizeof(timeout), "%" PRId64, timeout_ms);
        unlink(res); /* the spawn appends */
        const char *argv[] = {conf->self, "bench-reference", "--brokers", conf->brokers, "--topic", b->topic,
                              "--partitions", parts, "--records", records, "--timeout-ms", timeout, NULL};
        ib_spawn_io_t io = {.stdout_path = res, .stderr_path = log};
        size_t i;
        ib_err_t err = ib_sup_spawn(conf->sup, "reference", (char *const *)argv, &io, &i, errstr, errstr_size);
        if (err)
                return err;
        if (!wait_proc(conf->sup, i, timeout_ms + 30000, conf->stop) || !exited_ok(&conf->sup->procs[i]))
                return ib_seterr(errstr, errstr_size, IB_ERR_FAILED, "the reference consumer failed reading %s (see %s)",
                                 b->topic, log);
        json_error_t je;
        json_t *r = json_load_file(res, 0, &je);
        if (!r || !json_is_object(r)) {
                json_decref(r);
                return ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT, "%s: line %d: %s", res, je.line, je.text);
        }
        out->records = (uint64_t)jint(r, "records");
        out->bytes = (uint64_t)jint(r, "bytes");
        out->seconds = json_real_value(json_object_get(r, "seconds"));
        out->cpu_s = json_real_value(json_object_get(r, "cpu_s")); /* its drain, start-up excluded */
        out->max_rss_kb = conf->sup->procs[i].max_rss_kb;
        json_decref(r);
        return IB_OK;
}

ib_err_t ib_bench_kcat(const ib_bench_conf_t *conf, const ib_backlog_t *b, ib_drain_t *out, char *errstr,
                       size_t errstr_size) {
        memset(out, 0, sizeof(*out));
        char log[PATH_MAX];
        snprintf(log, sizeof(log), "%s/kcat.log", conf->work_dir);
        const char *argv[] = {conf->kcat_path, "-C", "-b", conf->brokers, "-t", b->topic, "-o", "beginning", "-e",
                              "-q", NULL};
        ib_spawn_io_t io = {.stdout_path = "/dev/null", .stderr_path = log};
        size_t i;
        int64_t t0 = ib_mono_us();
        ib_err_t err = ib_sup_spawn(conf->sup, "kcat", (char *const *)argv, &io, &i, errstr, errstr_size);
        if (err)
                return err;
        if (!wait_proc(conf->sup, i, 120000 + b->records / 10, conf->stop) || !exited_ok(&conf->sup->procs[i]))
                return ib_seterr(errstr, errstr_size, IB_ERR_FAILED, "kcat failed reading %s (see %s)", b->topic, log);
        const ib_proc_t *p = &conf->sup->procs[i];
        out->seconds = (double)(ib_mono_us() - t0) / 1e6; /* its whole life: start-up included */
        out->records = (uint64_t)b->end_total;
        out->bytes = 0; /* unknown to us: filled from the reference's mean by the caller */
        out->cpu_s = (double)(p->cpu_user_us + p->cpu_sys_us) / 1e6;
        out->max_rss_kb = p->max_rss_kb;
        return IB_OK;
}

ib_err_t ib_bench_peer(const ib_bench_conf_t *conf, const ib_backlog_t *b, const char *dir, ib_drain_t *out,
                       char *errstr, size_t errstr_size) {
        memset(out, 0, sizeof(*out));
        char py[PATH_MAX], job[PATH_MAX], jars[PATH_MAX], sink[PATH_MAX], ckpt[PATH_MAX], log[PATH_MAX], res[PATH_MAX];
        snprintf(py, sizeof(py), "%s/venv/bin/python", conf->peer_cache);
        snprintf(job, sizeof(job), "%s/job.py", conf->peer_dir);
        snprintf(jars, sizeof(jars), "%s/jars", conf->peer_cache);
        snprintf(sink, sizeof(sink), "%.4000s/out", dir);
        snprintf(ckpt, sizeof(ckpt), "%.4000s/checkpoint", dir);
        snprintf(log, sizeof(log), "%.4000s/spark.err", dir);
        snprintf(res, sizeof(res), "%.4000s/spark.out", dir);
        ib_err_t err;
        if ((err = ib_fs_remove_tree(dir, errstr, errstr_size)) || (err = ib_fs_mkdirs(dir, errstr, errstr_size)))
                return err;
        const char *argv[] = {py, job, "--brokers", conf->brokers, "--topic", b->topic, "--out", sink,
                              "--checkpoint", ckpt, "--jars", jars, NULL};
        ib_spawn_io_t io = {.stdout_path = res, .stderr_path = log};
        size_t i;
        int64_t t0 = ib_mono_us();
        if ((err = ib_sup_spawn(conf->sup, "spark", (char *const *)argv, &io, &i, errstr, errstr_size)))
                return err;
        if (!wait_proc(conf->sup, i, 600000 + b->records / 5, conf->stop) || !exited_ok(&conf->sup->procs[i]))
                return ib_seterr(errstr, errstr_size, IB_ERR_FAILED, "the Spark peer failed (see %s)", log);
        out->total_seconds = (double)(ib_mono_us() - t0) / 1e6;
        json_t *r = json_load_file(res, 0, NULL);
        out->records = (uint64_t)jint(r, "records");
        out->seconds = json_number_value(json_object_get(r, "query_seconds"));
        out->cpu_s = -1; /* the JVM is py4j's child, not reaped through this process: unknown */
        json_decref(r);
        if (out->records < (uint64_t)b->end_total || out->seconds <= 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_FAILED, "the Spark peer read %" PRIu64 " of %" PRId64
                                 " records (see %s)", out->records, b->end_total, res);
        return IB_OK;
}

/* ---- modes ---- */

static int64_t jint(json_t *o, const char *path) {
        char key[128];
        snprintf(key, sizeof(key), "%s", path);
        json_t *v = o;
        for (char *s = key, *dot; v && s; s = dot ? dot + 1 : NULL) {
                if ((dot = strchr(s, '.')))
                        *dot = '\0';
                v = json_object_get(v, s);
        }
        return v ? (int64_t)json_number_value(v) : 0;
}

/* The window of one worker's event log: from the first fetch that brought
 * records (or the assignment after it began) to the last batch or
 * successful commit. */
static ib_err_t window(const char *events, int64_t *first_ms, int64_t *last_ms, char *errstr, size_t errstr_size) {
        FILE *fp = fopen(events, "r");
        if (!fp)
                return ib_seterr(errstr, errstr_size, IB_ERR_IO, "%s: %s", events, strerror(errno));
        char *line = NULL;
        size_t cap = 0;
        int64_t assign_ms = 0;
        *first_ms = *last_ms = 0;
        while (getline(&line, &cap, fp) > 0) {
                json_t *ev = json_loads(line, 0, NULL);
                const char *name = json_string_value(json_object_get(ev, "event"));
                int64_t t = jint(ev, "t_ms");
                if (!name) {
                        json_decref(ev);
                        continue;
                }
                const char *kind = json_string_value(json_object_get(ev, "kind"));
                if (!strcmp(name, IB_EV_ASSIGN) || !strcmp(name, "session") ||
                    (!strcmp(name, IB_EV_REBALANCE) && kind && !strcmp(kind, "assign")))
                        assign_ms = t;
                else if (!strcmp(name, IB_EV_BATCH) && jint(ev, "records") > 0) {
                        if (!*first_ms) {
                                int64_t f = jint(ev, "fetch_ms");
                                *first_ms = f > assign_ms ? f : assign_ms;
                        }
                        *last_ms = t > *last_ms ? t : *last_ms;
                } else if ((!strcmp(name, IB_EV_COMMIT) || !strcmp(name, IB_EV_COMMIT_RESULT) || !strcmp(name, IB_EV_CHECKPOINT)) &&
                           json_is_true(json_object_get(ev, "ok")) && *first_ms)
                        *last_ms = t > *last_ms ? t : *last_ms;
                json_decref(ev);
        }
        free(line);
        fclose(fp);
        return IB_OK;
}

void ib_bench_output_topic(const char *group, char *out, size_t size) { snprintf(out, size, "%.200s-out", group); }

/* A Kafka sink's output topic on the mock cluster, made up front (its admin
 * API cannot), with the input's partitions; a real cluster's sink makes its own. */
static ib_err_t mock_output_topic(const ib_bench_conf_t *conf, const char *topic, const char *out, char *errstr,
                                  size_t errstr_size) {
        if (!conf->cluster || conf->cluster->kind != IB_CLUSTER_MOCK)
                return IB_OK;
        rd_kafka_t *rk;
        int n = 0;
        ib_err_t err = consumer(conf->brokers, "ingestbench-bench-meta", &rk, errstr, errstr_size);
        if (err)
                return err;
        if (!(err = ib_kafka_partition_count(rk, out, 5000, &n, errstr, errstr_size))) {
                rd_kafka_destroy(rk);
                return IB_OK; /* made for an earlier worker of the group */
        }
        err = ib_kafka_partition_count_wait(rk, topic, 10000, &n, errstr, errstr_size);
        if (!err)
                err = ib_cluster_mock_topic(conf->cluster, conf->sup, out, n, errstr, errstr_size);
        if (!err)
                err = ib_kafka_partition_count_wait(rk, out, 10000, &n, errstr, errstr_size);
        rd_kafka_destroy(rk);
        return err;
}

ib_err_t ib_bench_spawn_worker(const ib_bench_conf_t *conf, const ib_mode_t *mode, int level, const char *topic,
                               const char *const *extra, const char *group, const char *dir, int w, int workers,
                               int exit_at_end, size_t *proc, char *errstr, size_t errstr_size) {
        char state[PATH_MAX], id[16], log[PATH_MAX], sink[PATH_MAX], dead[PATH_MAX], out_topic[256];
        snprintf(state, sizeof(state), "%.4000s/w%d", dir, w + 1);
        snprintf(id, sizeof(id), "w%d", w + 1);
        snprintf(log, sizeof(log), "%.4000s/w%d.err", dir, w + 1);
        snprintf(dead, sizeof(dead), "%.4000s/deadletter", dir);
        ib_bench_output_topic(group, out_topic, sizeof(out_topic));
        if (!strcmp(conf->sink, "dir"))
                snprintf(sink, sizeof(sink), "dir:%.4000s/sink", dir);
        else if (!strcmp(conf->sink, "kafka"))
                snprintf(sink, sizeof(sink), "kafka:%s", out_topic);
        else
                snprintf(sink, sizeof(sink), "null");
        size_t nextra = 0;
        while (extra && extra[nextra])
                nextra++;
        ib_err_t err = !strcmp(conf->sink, "kafka") ? mock_output_topic(conf, topic, out_topic, errstr, errstr_size)
                                                     : IB_OK;
        if (err)
                return err;
        ib_worker_cmd_t cmd = {.self = conf->self, .mode = mode->name, .brokers = conf->brokers, .topic = topic,
                               .group = group, .state_dir = state, .sink = sink, .dead_letter = dead, .worker_id = id,
                               .pipeline = ib_pipeline_level_names[level],
                               /* caught up to the end offsets, after the first idle poll */
                               .exit_when_idle_s = exit_at_end ? 1 : 0,
                               .zookeeper = mode->needs_zookeeper ? conf->zookeeper : NULL, .index = w,
                               .count = workers, .mode_args = mode->worker_args, .extra = extra,
                               .nextra = nextra};
        ib_argv_t argv = IB_ARGV_INIT;
        if (ib_launch_worker_argv(&cmd, &argv)) {
                ib_argv_free(&argv);
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory starting %s", id);
        }
        ib_spawn_io_t io = {.stdout_path = "/dev/null", .stderr_path = log, .hold_stop = 1}; /* a stop during start-up is held */
        err = ib_sup_spawn(conf->sup, id, argv.v, &io, proc, errstr, errstr_size);
        ib_argv_free(&argv);
        return err;
}

ib_err_t ib_bench_mode(const ib_bench_conf_t *conf, const ib_mode_t *mode, int level, int workers,
                       const ib_backlog_t *b, const char *dir, const char *const *extra, ib_drain_t *out, char *errstr,
                       size_t errstr_size) {
        static unsigned serial;
        memset(out, 0, sizeof(*out));
        ib_err_t err;
        if ((err = ib_fs_remove_tree(dir, errstr, errstr_size)) || (err = ib_fs_mkdirs(dir, errstr, errstr_size)))
                return err;
        char group[256];
        snprintf(group, sizeof(group), "bench-%s-%d-%u", mode->name, (int)getpid(), serial++);
        size_t procs[16];
        workers = workers > 16 ? 16 : workers;
        for (int w = 0; w < workers; w++)
                if ((err = ib_bench_spawn_worker(conf, mode, level, b->topic, extra, group, dir, w, workers, 1, &procs[w],
                                                 errstr, errstr_size)))
                        return err;
        int64_t bound = 120000 + b->records / 5; /* 120 s plus 5k records/s */
        int ok = 1;
        for (int w = 0; w < workers; w++)
                ok &= wait_proc(conf->sup, procs[w], bound, conf->stop) && exited_ok(&conf->sup->procs[procs[w]]);
        if (!ok)
                return ib_seterr(errstr, errstr_size, IB_ERR_FAILED, "%s: a worker failed or did not finish (see %s/w*.err)",
                                 mode->name, dir);
        int64_t first = 0, last = 0;
        for (int w = 0; w < workers; w++) {
                const ib_proc_t *p = &conf->sup->procs[procs[w]];
                char path[PATH_MAX + 32];
                int64_t f = 0, l = 0;
                snprintf(path, sizeof(path), "%s/w%d/events.jsonl", dir, w + 1);
                if ((err = window(path, &f, &l, errstr, errstr_size)))
                        return err;
                if (f && (!first || f < first))
                        first = f;
                last = l > last ? l : last;
                snprintf(path, sizeof(path), "%s/w%d/stats.json", dir, w + 1);
                json_error_t je;
                json_t *st = json_load_file(path, 0, &je);
                if (!st)
                        return ib_seterr(errstr, errstr_size, IB_ERR_IO, "%s: %s", path, je.text);
                out->records += (uint64_t)jint(st, "pipeline.records_in");
                out->bytes += (uint64_t)jint(st, "pipeline.bytes_in");
                out->bytes_written += (uint64_t)(jint(st, "pipeline.bytes_out") + jint(st, "mode_stats.offset_store.bytes_written"));
                out->store_ops += (uint64_t)jint(st, "mode_stats.offset_store.count");
                out->cpu_s += (double)(p->cpu_user_us + p->cpu_sys_us) / 1e6;
                out->max_rss_kb = p->max_rss_kb > out->max_rss_kb ? p->max_rss_kb : out->max_rss_kb;
                if (w == 0) {
                        out->stats = st;
                        json_t *lat = json_object_get(json_object_get(st, "pipeline"), "latency_ms");
                        out->latency_ms = lat ? json_incref(lat) : NULL;
                } else
                        json_decref(st);
        }
        out->seconds = (double)(last - first) / 1000.0;
        if (out->records < (uint64_t)b->end_total)
                return ib_seterr(errstr, errstr_size, IB_ERR_FAILED, "%s drained %" PRIu64 " of %" PRId64 " records",
                                 mode->name, out->records, b->end_total);
        if (out->seconds <= 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_FAILED, "%s: no batch with records in its event logs",
                                 mode->name);
        return IB_OK;
}
