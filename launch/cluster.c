/*
 * cluster.c: starts, faults and stops the cluster of a chaos run
 * (cluster.h). The local cluster and the ZooKeeper faults go through the
 * project's cluster script, run as a child like everything else; the mock
 * cluster is a child `ingestbench mock-cluster --control` whose stdin the
 * harness writes.
 */
#include "cluster.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "argv.h"
#include "clock.h"
#include "fsutil.h"

/* Starts the cluster script with @p args (NULL-terminated) as process @p name. */
static ib_err_t script_spawn(const ib_chaos_cluster_t *c, ib_sup_t *sup, const char *name, const char *const *args,
                             const char *log, size_t *proc, char *errstr, size_t errstr_size) {
        ib_argv_t argv = IB_ARGV_INIT;
        ib_argv_add(&argv, "/bin/bash");
        ib_argv_add(&argv, c->script);
        for (int i = 0; args[i]; i++)
                ib_argv_add(&argv, args[i]);
        ib_spawn_io_t io = {.stdout_path = log, .stderr_path = log};
        ib_err_t err = ib_argv_failed(&argv) ? ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory")
                                             : ib_sup_spawn(sup, name, argv.v, &io, proc, errstr, errstr_size);
        ib_argv_free(&argv);
        return err;
}

/* Runs the cluster script with @p args to completion (bounded, interruptible). */
static ib_err_t script_run(const ib_chaos_cluster_t *c, ib_sup_t *sup, const char *const *args, const char *log,
                           int64_t timeout_ms, volatile sig_atomic_t *stop, char *errstr, size_t errstr_size) {
        size_t proc;
        ib_err_t err = script_spawn(c, sup, "cluster.sh", args, log, &proc, errstr, errstr_size);
        if (err)
                return err;
        int64_t end = ib_mono_us() + timeout_ms * 1000;
        while (!ib_sup_wait(sup, proc, 200)) {
                if ((stop && *stop) || ib_mono_us() > end) {
                        ib_sup_signal(sup, proc, SIGTERM);
                        ib_sup_wait(sup, proc, 5000);
                        return ib_seterr(errstr, errstr_size, IB_ERR_TIMED_OUT, "cluster.sh %s: %s", args[0],
                                         stop && *stop ? "interrupted" : "timed out");
                }
        }
        int st = sup->procs[proc].status;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_KAFKA_UNREACHABLE, "cluster.sh %s failed (see %s)",
                                 args[0], log);
        return IB_OK;
}

/* "KAFKA_BROKERS=..." / "ZOOKEEPER=..." / "Kafka X ready" from the script's output. */
static void scan_up_output(ib_chaos_cluster_t *c, const char *log) {
        char *data = NULL;
        size_t len = 0;
        if (ib_fs_read_file(log, &data, &len, NULL, 0))
                return;
        for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
                if (!strncmp(line, "KAFKA_BROKERS=", 14))
                        snprintf(c->brokers, sizeof(c->brokers), "%s", line + 14);
                else if (!strncmp(line, "ZOOKEEPER=", 10))
                        snprintf(c->zookeeper, sizeof(c->zookeeper), "%s", line + 10);
                const char *v = strstr(line, ": Kafka ");
                char ver[32];
                if (v && sscanf(v + 8, "%31s ready", ver) == 1)
                        snprintf(c->broker_version, sizeof(c->broker_version), "Apache Kafka %s", ver);
        }
        free(data);
}

static ib_err_t local_up(ib_chaos_cluster_t *c, ib_sup_t *sup, const ib_cluster_spec_t *spec, int kafka,
                         char *errstr, size_t errstr_size) {
        char nb[24], kp[24], zp[24], to[24], log[1100];
        snprintf(c->dir, sizeof(c->dir), "%s/cluster", spec->run_dir);
        snprintf(log, sizeof(log), "%s/cluster.log", spec->run_dir);
        snprintf(nb, sizeof(nb), "%d", spec->nbrokers);
        snprintf(kp, sizeof(kp), "%d", spec->kafka_port);
        snprintf(zp, sizeof(zp), "%d", spec->zk_port);
        snprintf(to, sizeof(to), "%lld", (long long)(spec->timeout_ms / 1000));
        const char *args[40] = {"up", "--dir", c->dir, "--brokers", nb, "--kafka-port", kp, "--zk-port", zp,
                                "--timeout", to};
        int n = 11;
        if (!kafka)
                args[n++] = "--no-kafka";
        else if ((!spec->need_zk && !spec->need_zk_faults) || spec->zookeeper)
                args[n++] = "--no-zk";
        for (int i = 0; spec->hosts && spec->hosts[i] && n < 38; i++) {
                args[n++] = "--host";
                args[n++] = spec->hosts[i];
        }
        args[n] = NULL;
        c->started = 1; /* whatever came up is stopped by ib_cluster_down, also after a failure */
        ib_err_t err = script_run(c, sup, args, log, spec->timeout_ms + 60000, spec->stop, errstr, errstr_size);
        if (err)
                return err;
        char brokers[sizeof(c->brokers)];
        memcpy(brokers, c->brokers, sizeof(brokers));
        scan_up_output(c, log);
        if (!kafka)
                memcpy(c->brokers, brokers, sizeof(brokers));
        return IB_OK;
}

static ib_err_t mock_up(ib_chaos_cluster_t *c, ib_sup_t *sup, const ib_cluster_spec_t *spec, char *errstr,
                        size_t errstr_size) {
        char addr[1100], out[1100];
        snprintf(addr, sizeof(addr), "%s/mock-cluster.addr", spec->run_dir);
        snprintf(out, sizeof(out), "%s/mock-cluster.log", spec->run_dir);
        ib_argv_t argv = IB_ARGV_INIT;
        ib_argv_add(&argv, spec->self);
        ib_argv_add(&argv, "mock-cluster");
        ib_argv_add(&argv, "--control");
        ib_argv_add(&argv, "--broker-count");
        ib_argv_addf(&argv, "%d", spec->nbrokers);
        ib_argv_add2(&argv, "--addr-file", addr);
        if (spec->topic) {
                ib_argv_add(&argv, "--topic");
                ib_argv_addf(&argv, "%s:%d", spec->topic, spec->partitions);
        }
        ib_spawn_io_t io = {.stdout_path = out, .stderr_path = out, .stdin_pipe = 1};
        ib_err_t err = ib_argv_failed(&argv) ? ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory")
                                             : ib_sup_spawn(sup, "mock-cluster", argv.v, &io, &c->mock_proc, errstr,
                                                            errstr_size);
        ib_argv_free(&argv);
        if (err)
                return err;
        c->has_mock = 1;
        for (int i = 0; i < 100; i++) {
                char *data = NULL;
                size_t len = 0;
                if (ib_fs_read_file(addr, &data, &len, NULL, 0) == IB_OK && len > 1) {
                        snprintf(c->brokers, sizeof(c->brokers), "%.*s", (int)strcspn(data, "\n"), data);
                        free(data);
                        snprintf(c->broker_version, sizeof(c->broker_version), "librdkafka mock cluster");
                        return IB_OK;
                }
                free(data);
                ib_sup_reap(sup);
                if (sup->procs[c->mock_proc].exited)
                        break;
                usleep(100000);
        }
        return ib_seterr(errstr, errstr_size, IB_ERR_KAFKA_UNREACHABLE, "mock-cluster did not start (see %s)", out);
}

ib_err_t ib_cluster_up(ib_chaos_cluster_t *c, ib_sup_t *sup, const ib_cluster_spec_t *spec, char *errstr,
                       size_t errstr_size) {
        memset(c, 0, sizeof(*c));
        snprintf(c->script, sizeof(c->script), "%s", spec->script);
        snprintf(c->broker_version, sizeof(c->broker_version), "unknown");
        if (spec->zookeeper)
                snprintf(c->zookeeper, sizeof(c->zookeeper), "%s", spec->zookeeper);
        ib_err_t err;
        if (!strcmp(spec->brokers, "local")) {
                c->kind = IB_CLUSTER_LOCAL;
                if (spec->zookeeper && spec->need_zk_faults)
                        return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                         "zk-stop needs the ZooKeeper this run starts: leave out --zookeeper");
                if ((err = local_up(c, sup, spec, 1, errstr, errstr_size)))
                        return err;
                if (spec->zookeeper) /* given: used instead of the script's */
                        snprintf(c->zookeeper, sizeof(c->zookeeper), "%s", spec->zookeeper);
                return IB_OK;
        }
        if (!strcmp(spec->brokers, "mock")) {
                c->kind = IB_CLUSTER_MOCK;
                if ((err = mock_up(c, sup, spec, errstr, errstr_size)))
                        return err;
        } else {
                c->kind = IB_CLUSTER_EXTERNAL;
                snprintf(c->brokers, sizeof(c->brokers), "%s", spec->brokers);
                if (spec->cluster_dir)
                        snprintf(c->dir, sizeof(c->dir), "%s", spec->cluster_dir);
                if ((spec->need_broker_faults || (spec->need_zk_faults && !spec->zookeeper)) && !spec->cluster_dir)
                        return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                         "%s faults on --brokers LIST need --cluster-dir (the cluster script's folder)",
                                         spec->need_broker_faults ? "broker" : "ZooKeeper");
        }
        if ((spec->need_zk || spec->need_zk_faults) && !c->zookeeper[0]) {
                if (c->kind == IB_CLUSTER_EXTERNAL)
                        return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                         "the scenario uses ZooKeeper: give --zookeeper HOST:PORT");
                return local_up(c, sup, spec, 0, errstr, errstr_size); /* ZooKeeper alone, beside the mock */
        }
        return IB_OK;
}

ib_err_t ib_cluster_mock_topic(ib_chaos_cluster_t *c, ib_sup_t *sup, const char *topic, int partitions,
                               char *errstr, size_t errstr_size) {
        char line[600];
        int n = snprintf(line, sizeof(line), "topic-create %s %d\n", topic, partitions);
        int fd = c->has_mock ? sup->procs[c->mock_proc].stdin_fd : -1;
        if (fd < 0 || n >= (int)sizeof(line) || write(fd, line, (size_t)n) != n)
                return ib_seterr(errstr, errstr_size, IB_ERR_IO, "mock-cluster control: cannot create topic %s", topic);
        return IB_OK;
}

ib_err_t ib_cluster_act(ib_chaos_cluster_t *c, ib_sup_t *sup, ib_cluster_action_t action, int broker,
                        const char *log_path, size_t *proc, char *errstr, size_t errstr_size) {
        *proc = SIZE_MAX;
        int is_broker = action == IB_CL_BROKER_DOWN || action == IB_CL_BROKER_UP;
        if (is_broker && c->kind == IB_CLUSTER_MOCK) {
                char line[64];
                int n = snprintf(line, sizeof(line), "broker-%s %d\n", action == IB_CL_BROKER_DOWN ? "down" : "up", broker);
                int fd = sup->procs[c->mock_proc].stdin_fd;
                if (fd < 0 || write(fd, line, (size_t)n) != n)
                        return ib_seterr(errstr, errstr_size, IB_ERR_IO, "mock-cluster control: %s",
                                         fd < 0 ? "the mock cluster is gone" : strerror(errno));
                return IB_OK;
        }
        if (!c->dir[0])
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "no cluster folder to act on");
        static const char *const verbs[] = {"kill-broker", "start-broker", "stop-zk", "start-zk"};
        char nb[16];
        snprintf(nb, sizeof(nb), "%d", broker);
        const char *args[] = {verbs[action], "--dir", c->dir, NULL, NULL, NULL};
        if (is_broker)
                args[1] = nb, args[2] = "--dir", args[3] = c->dir;
        return script_spawn(c, sup, verbs[action], args, log_path, proc, errstr, errstr_size);
}

void ib_cluster_down(ib_chaos_cluster_t *c, ib_sup_t *sup, const char *log_path) {
        if (c->has_mock && !sup->procs[c->mock_proc].exited) {
                ib_sup_signal(sup, c->mock_proc, SIGTERM);
                ib_sup_wait(sup, c->mock_proc, 5000);
        }
        if (c->started) {
                const char *args[] = {"down", "--dir", c->dir, NULL};
                char errstr[256];
                if (script_run(c, sup, args, log_path, 120000, NULL, errstr, sizeof(errstr)))
                        fprintf(stderr, "ingestbench chaos: %s\n", errstr);
                c->started = 0;
        }
}

void ib_cluster_teardown(ib_chaos_cluster_t *c, ib_sup_t *sup, const char *dir) {
        char log[4200];
        snprintf(log, sizeof(log), "%.4000s/cluster.log", dir);
        ib_cluster_down(c, sup, log);
        ib_sup_stop_all(sup, 10000);
        ib_sup_free(sup);
}

const ib_option_t ib_cluster_options[] = {
    IB_OPT_STR(ib_cluster_flags_t, script, "cluster-script", "PATH", NULL,
               "scripts/cluster.sh (default: $INGESTBENCH_CLUSTER_SCRIPT, else the source tree's)"),
    IB_OPT_INT(ib_cluster_flags_t, kafka_port, "kafka-port", "N", "39092", 1024, 65000, "local: first broker's port"),
    IB_OPT_INT(ib_cluster_flags_t, zk_port, "zk-port", "N", "32181", 1024, 65535, "local: ZooKeeper's port"),
    IB_OPT_END,
};

const char *ib_cluster_script(ib_cluster_flags_t *f, const char *source_dir) {
        if (!f->script) {
                const char *env = getenv("INGESTBENCH_CLUSTER_SCRIPT");
                if (env)
                        snprintf(f->script_buf, sizeof(f->script_buf), "%s", env);
                else
                        snprintf(f->script_buf, sizeof(f->script_buf), "%.4000s/scripts/cluster.sh", source_dir);
                f->script = f->script_buf;
        }
        return f->script;
}
