/*
 * run.c: one chaos run (run.h). The harness is the nemesis and the
 * workload driver: it starts the processes, applies the faults on the
 * schedule's clock and heals them; what happened is then read back from the
 * topic, the sink and the event logs alone (checker.c), so the verdict
 * never depends on the harness's own view of events.
 *
 * One loop drives everything every 20 ms: reap children, apply the faults
 * that are due, carry out their healing (restart, resume, broker up), tell
 * expected exits from workers that died on their own, print progress.
 */
#define _GNU_SOURCE /* memmem, open_memstream */
#include "run.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "checker.h"
#include "clock.h"
#include "commands.h"
#include "external.h"
#include "fsutil.h"
#include "hist.h"
#include "kafka.h"
#include "recovery.h"
#include "results.h"
#include "schedule.h"
#include "verify_io.h"

#define MAX_WORKERS 64
#define STOP_GRACE_MS 30000

/* One worker slot: w1, w2, ...; restarted in place. */
typedef struct {
        char name[16];
        char state_dir[1100], err_path[1120], faults_path[1120], events_path[1200];
        size_t proc;             /* its current process, SIZE_MAX: none */
        int expect_exit;         /* the harness stopped it: its exit is no failure */
        int deaf;                /* it ignored its stop signal past the grace period and was killed */
        int removed;             /* not to be started again */
        int64_t restart_at;      /* wall ms; 0: no restart pending */
        int64_t restart_on_failure; /* an inject's restart_after_ms: if it then fails on its own; -1 */
        int starts;
        int failures;            /* exits the harness did not ask for */
        json_t *exits;           /* each exit: how and when */
        /* its event log, read as it grows (progress and drain) */
        long tail_off;
        char tail_buf[4096];
        size_t tail_len;
} worker_t;

/* A fault as applied: when, healed when, what became of it. */
typedef struct {
        ib_fault_t f;
        int64_t applied_ms, healed_ms; /* wall; -1: not (yet) */
        size_t proc;                   /* a cluster-script action healing it, SIZE_MAX: none */
        size_t hfault;                 /* its entry in the history's faults */
        int pending_heal;              /* a healing step is scheduled */
        int64_t heal_at;
        int net_on;                    /* a network fault's rules are in (hosts.h): to be removed */
        size_t helper;                 /* a delay's net-delay process, SIZE_MAX: none */
        char note[160];
} applied_t;

typedef struct {
        const ib_chaos_opts_t *o;
        const ib_scenario_t *s;
        char topic[200], group[220], sink[1100], dead[1100];
        int kafka_sink;                /* the workers write to the output topic OUT_TOPIC */
        char out_topic[220];
        worker_t w[MAX_WORKERS];
        int nworkers;
        size_t producer;
        ib_schedule_t sch;
        applied_t *applied;            /* one per scheduled fault */
        size_t next_fault;
        ib_history_t faults_only;      /* the faults applied, copied into the history at the end */
        int64_t t0;
        rd_kafka_t *rk;                /* the harness's own client: topic, end offsets */
        rd_kafka_t *group_rk;          /* an external consumer's drain by its group: committed offsets */
        uint64_t uncommitted_files;    /* an external consumer's output files its sink log does not list */
        int64_t output_read_ms;        /* when the drain last read an external consumer's output */
        int logs_batches;              /* an external consumer's event log has batches: the explainer
                                        * reads them, as it reads the built-in modes' */
        int nparts;
        int64_t *pos, *end;            /* per partition: processed (from batch events), end offset */
        int64_t *logged, *done;        /* per worker slot and partition (slot * nparts + p), for a mode whose
                                        * commits cover a log of its own (the receiver): the offsets its
                                        * successful commits covered, and those its batches processed */
        int64_t delivered;             /* batch records seen in the event logs */
        int64_t last_progress;
        const char *phase;
} run_t;

/* ---- workers ------------------------------------------------------------------- */

/* The signal that asks a worker to stop cleanly, and how long it has. */
static int stop_signal(const run_t *r) { return r->s->external ? r->s->external->stop_signal : SIGTERM; }
static int64_t stop_grace_ms(const run_t *r) { return r->s->external ? r->s->external->grace_ms : STOP_GRACE_MS; }

/* The namespace @p w runs in: its host's, made at its first start ("hosts":
 * true), or NULL (*@p ns) when the run has no hosts of their own. */
static ib_err_t worker_netns(run_t *r, const worker_t *w, const char **ns, char *errstr, size_t errstr_size) {
        *ns = NULL;
        if (!r->o->net)
                return IB_OK;
        const ib_host_t *h = ib_net_host(r->o->net, w->name, errstr, errstr_size);
        if (!h)
                return IB_ERR_FAILED;
        *ns = h->ns;
        return IB_OK;
}

/* An external consumer: its command template filled for @p w, its output
 * folder (sink/wN; or the output topic, "sink": "kafka") and state folder
 * made; stdout and stderr to wN.err. */
static ib_err_t start_external(run_t *r, worker_t *w, char *errstr, size_t errstr_size) {
        const ib_external_t *x = r->s->external;
        char out[1200];
        if (r->kafka_sink) /* {out} is the output topic, made by the harness */
                snprintf(out, sizeof(out), "%s", r->out_topic);
        else
                snprintf(out, sizeof(out), "%s/%s", r->sink + 4, w->name);
        ib_err_t err;
        if ((!r->kafka_sink && (err = ib_fs_mkdirs(out, errstr, errstr_size))) ||
            (err = ib_fs_mkdirs(w->state_dir, errstr, errstr_size)))
                return err;
        const char *ns;
        if ((err = worker_netns(r, w, &ns, errstr, errstr_size)))
                return err;
        ib_external_vars_t v = {.brokers = r->o->cluster->brokers, .topic = r->topic, .group = r->group, .out = out,
                                .worker = w->name, .state = w->state_dir};
        char **argv = calloc((size_t)x->ncommand + 1, sizeof(char *));
        int n = 0;
        while (argv && n < x->ncommand && (argv[n] = ib_external_expand(x->command[n], &v)))
                n++;
        err = n < x->ncommand ? ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory starting %s", w->name)
                              : IB_OK;
        if (!err) {
                char env_worker[64];
                snprintf(env_worker, sizeof(env_worker), "INGESTBENCH_WORKER=%s", w->name);
                const char *env[] = {env_worker, NULL};
                ib_spawn_io_t io = {.stdout_path = w->err_path, .stderr_path = w->err_path, .env = env, .own_group = 1,
                                    .netns = ns};
                err = ib_sup_spawn(r->o->sup, w->name, argv, &io, &w->proc, errstr, errstr_size);
        }
        for (int i = 0; argv && i < n; i++)
                free(argv[i]);
        free(argv);
        return err;
}

/* One of ingestbench's own workers: `run` with the scenario's mode and options. */
static ib_err_t start_own(run_t *r, worker_t *w, char *errstr, size_t errstr_size) {
        const ib_scenario_t *s = r->s;
        ib_worker_cmd_t cmd = {.self = r->o->self, .mode = s->mode->name, .brokers = r->o->cluster->brokers,
                               .topic = r->topic, .group = r->group, .state_dir = w->state_dir, .sink = r->sink,
                               .dead_letter = r->kafka_sink ? r->dead : NULL,
                               .worker_id = w->name, .zookeeper = s->zookeeper ? r->o->cluster->zookeeper : NULL,
                               .index = atoi(w->name + 1) - 1, .count = s->workers,
                               .mode_args = s->mode->worker_args, .extra = (const char *const *)s->worker_args,
                               .nextra = (size_t)s->nworker_args};
        if (r->o->variant) {
                cmd.extra = (const char *const *)r->o->variant->worker_args;
                cmd.nextra = (size_t)r->o->variant->nworker_args;
        }
        const char *ns;
        ib_err_t err = worker_netns(r, w, &ns, errstr, errstr_size);
        if (err)
                return err;
        ib_argv_t argv = IB_ARGV_INIT;
        if (ib_launch_worker_argv(&cmd, &argv)) {
                ib_argv_free(&argv);
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory starting %s", w->name);
        }
        char env_faults[1200];
        snprintf(env_faults, sizeof(env_faults), "INGESTBENCH_FAULTS_FILE=%s", w->faults_path);
        const char *faults[] = {env_faults, NULL}, *env[4];
        ib_client_env(r->o->client, faults, env, 4);
        ib_spawn_io_t io = {.stderr_path = w->err_path, .env = env, .hold_stop = 1, .netns = ns};
        if (r->o->launch) { /* started elsewhere: the launcher leads a group; a stop reaches it alone */
                char cwd[4096], run[4096];
                ib_argv_t via = IB_ARGV_INIT;
                ib_launch_vars_t v = {.worker = w->name, .run = realpath(r->o->out_dir, run) ? run : r->o->out_dir,
                                      .cwd = getcwd(cwd, sizeof(cwd)) ? cwd : "."};
                err = ib_launch_template_argv(r->o->launch, argv.v, &v, &via);
                io = (ib_spawn_io_t){.stdout_path = w->err_path, .stderr_path = w->err_path, .env = env, .own_group = 1};
                if (!err)
                        err = ib_sup_spawn(r->o->sup, w->name, via.v, &io, &w->proc, errstr, errstr_size);
                else
                        ib_seterr(errstr, errstr_size, err, "out of memory starting %s", w->name);
                ib_argv_free(&via);
        } else {
                err = ib_sup_spawn(r->o->sup, w->name, argv.v, &io, &w->proc, errstr, errstr_size);
        }
        ib_argv_free(&argv);
        return err;
}

static ib_err_t start_worker(run_t *r, worker_t *w, char *errstr, size_t errstr_size) {
        ib_err_t err = r->s->external ? start_external(r, w, errstr, errstr_size) : start_own(r, w, errstr, errstr_size);
        if (err)
                return err;
        w->starts++;
        w->expect_exit = 0, w->deaf = 0;
        w->restart_at = 0;
        return IB_OK;
}

static worker_t *add_worker(run_t *r, char *errstr, size_t errstr_size) {
        if (r->nworkers == MAX_WORKERS) {
                ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "at most %d workers", MAX_WORKERS);
                return NULL;
        }
        worker_t *w = &r->w[r->nworkers++];
        memset(w, 0, sizeof(*w));
        char name[16], dir[1100];
        snprintf(name, sizeof(name), "w%d", r->nworkers);
        snprintf(dir, sizeof(dir), "%s/workers/%s", r->o->out_dir, name);
        memcpy(w->name, name, sizeof(name));
        memcpy(w->state_dir, dir, sizeof(dir));
        snprintf(w->err_path, sizeof(w->err_path), "%s.err", dir);
        snprintf(w->faults_path, sizeof(w->faults_path), "%s.faults", dir);
        snprintf(w->events_path, sizeof(w->events_path), "%s/events.jsonl", dir);
        w->proc = SIZE_MAX;
        w->restart_on_failure = -1;
        w->exits = json_array();
        return start_worker(r, w, errstr, errstr_size) ? NULL : w;
}

static int running(const run_t *r, const worker_t *w) {
        return w->proc != SIZE_MAX && !r->o->sup->procs[w->proc].exited;
}

/* Notes the exits of workers; an exit the harness did not ask for is a failure. */
static void watch_workers(run_t *r) {
        for (int i = 0; i < r->nworkers; i++) {
                worker_t *w = &r->w[i];
                if (w->proc == SIZE_MAX || !r->o->sup->procs[w->proc].exited)
                        continue;
                const ib_proc_t *p = &r->o->sup->procs[w->proc];
                char how[64];
                ib_sup_describe(p, how, sizeof(how));
                int clean = (WIFEXITED(p->status) && WEXITSTATUS(p->status) == 0) ||
                            /* an external consumer may keep the stop signal's default action */
                            (r->s->external && w->expect_exit == SIGTERM && WIFSIGNALED(p->status) &&
                             WTERMSIG(p->status) == stop_signal(r));
                json_array_append_new(w->exits, json_pack("{s:s,s:f,s:b}", "how", how, "at_s",
                                                          (double)(p->exited_ms - r->t0) / 1000.0, "asked",
                                                          w->expect_exit));
                if (!w->expect_exit || (!clean && w->expect_exit == SIGTERM)) {
                        w->failures++;
                        fprintf(stderr, "ingestbench chaos: %s exited on its own (%s) at +%.1f s; see %s\n", w->name,
                                how, (double)(p->exited_ms - r->t0) / 1000.0, w->err_path);
                        if (w->restart_on_failure >= 0 && !w->removed) { /* the inject's restart */
                                w->restart_at = p->exited_ms + w->restart_on_failure;
                                w->restart_on_failure = -1;
                        }
                }
                w->proc = SIZE_MAX;
        }
}

/* Arms a fault point in a running worker: the file, then SIGUSR2. */
static int arm(run_t *r, worker_t *w, const char *spec) {
        char err[256];
        if (ib_fs_write_atomic(w->faults_path, spec, strlen(spec), NULL, err, sizeof(err)) != IB_OK) {
                fprintf(stderr, "ingestbench chaos: %s\n", err);
                return -1;
        }
        return ib_sup_signal(r->o->sup, w->proc, SIGUSR2);
}

/* ---- faults -------------------------------------------------------------------- */

/* The next fault's slot (r->applied holds one per scheduled fault). */
static applied_t *record(run_t *r, const ib_fault_t *f) {
        applied_t *a = &r->applied[r->next_fault];
        *a = (applied_t){.f = *f, .applied_ms = -1, .healed_ms = -1, .proc = SIZE_MAX, .hfault = SIZE_MAX,
                         .helper = SIZE_MAX};
        return a;
}

static void history_fault(run_t *r, applied_t *a, int target) {
        ib_hfault_t hf = {a->f.kind, target, a->applied_ms, -1};
        if (ib_history_fault(&r->faults_only, &hf) == IB_OK)
                a->hfault = r->faults_only.nfaults - 1;
}

static void healed(run_t *r, applied_t *a, int64_t at) {
        a->healed_ms = at;
        a->pending_heal = 0;
        if (a->hfault != SIZE_MAX)
                r->faults_only.faults[a->hfault].end_ms = at;
}

static int cluster_act(run_t *r, applied_t *a, ib_cluster_action_t act) {
        char err[512], log[1200];
        snprintf(log, sizeof(log), "%s/cluster-actions.log", r->o->out_dir);
        size_t proc;
        if (ib_cluster_act(r->o->cluster, r->o->sup, act, a->f.target, log, &proc, err, sizeof(err))) {
                snprintf(a->note, sizeof(a->note), "%.150s", err);
                return -1;
        }
        a->proc = proc;
        return 0;
}

/* ---- network faults (hosts of their own) ---------------------------------------- */

static const ib_host_t *net_host(const run_t *r, char kind, int n) {
        char name[16];
        if (kind == 'z')
                snprintf(name, sizeof(name), "zk");
        else
                snprintf(name, sizeof(name), "%c%d", kind, n);
        return ib_net_find(r->o->net, name);
}

/* The delay's process in @p h's namespace, reading NFQUEUE @p queue: started,
 * and waited for (bounded) until it says it holds the queue. */
static int start_delay(run_t *r, applied_t *a, const ib_host_t *h, int queue) {
        char q[16], d[32], log[1200], err[512];
        snprintf(q, sizeof(q), "%d", queue);
        snprintf(d, sizeof(d), "%lld", (long long)a->f.delay_ms);
        snprintf(log, sizeof(log), "%s/net-delay-%d.log", r->o->out_dir, queue);
        char *argv[] = {(char *)r->o->self, "net-delay", "--queue", q, "--delay-ms", d, NULL};
        ib_spawn_io_t io = {.stderr_path = log, .netns = h->ns};
        if (ib_sup_spawn(r->o->sup, "net-delay", argv, &io, &a->helper, err, sizeof(err))) {
                snprintf(a->note, sizeof(a->note), "the delay process: %.130s", err);
                return -1;
        }
        for (int i = 0; i < 250; i++) { /* 5 s */
                char *text = NULL;
                size_t len = 0;
                int bound = ib_fs_read_file(log, &text, &len, NULL, 0) == IB_OK && text && strstr(text, " holds ");
                free(text);
                if (bound)
                        return 0;
                ib_sup_reap(r->o->sup);
                if (r->o->sup->procs[a->helper].exited)
                        break;
                usleep(20000);
        }
        snprintf(a->note, sizeof(a->note), "the delay process did not take its queue (see net-delay-%d.log)", queue);
        return -1;
}

/* Applies a partition, delay or loss: its rules in its host's namespace.
 * @returns 0, or -1 with a->note saying why not. */
static int apply_net_fault(run_t *r, applied_t *a) {
        const ib_fault_t *f = &a->f;
        char err[512];
        int id = (int)(a - r->applied) + 1;
        const ib_host_t *h = net_host(r, f->host_kind, f->target);
        if (!h) {
                snprintf(a->note, sizeof(a->note), "skipped: %c%d has not started yet", f->host_kind, f->target);
                return -1;
        }
        ib_err_t e = IB_OK;
        if (f->kind == IB_FAULT_PARTITION) {
                const ib_host_t *peers[IB_NET_MAX_HOSTS];
                int np = 0;
                for (int i = 0; i < r->o->net->nhosts && np < IB_NET_MAX_HOSTS; i++) {
                        const ib_host_t *p = &r->o->net->hosts[i];
                        int k = atoi(p->name + 1);
                        int in = p->name[0] == 'z'   ? f->from_zk
                                 : p->name[0] == 'b' ? (int)(f->from_brokers >> (k - 1) & 1)
                                                     : f->from_all_workers || (f->from_workers >> (k - 1) & 1);
                        if (in && p != h)
                                peers[np++] = p;
                }
                if (!np) {
                        snprintf(a->note, sizeof(a->note), "skipped: none of the hosts to cut it from runs yet");
                        return -1;
                }
                e = ib_net_partition(r->o->net, id, h, peers, np, (ib_net_direction_t)f->direction, err, sizeof(err));
        } else if (f->kind == IB_FAULT_LOSS) {
                e = ib_net_loss(r->o->net, id, h, f->loss_percent, err, sizeof(err));
        } else {
                if (start_delay(r, a, h, id))
                        return -1;
                e = ib_net_queue(r->o->net, id, h, id, err, sizeof(err));
        }
        a->net_on = 1; /* even when a rule failed: healing removes what went in */
        if (e) {
                snprintf(a->note, sizeof(a->note), "%.150s", err);
                return -1;
        }
        return 0;
}

/* Removes a network fault's rules (and stops its delay process). */
static void heal_net_fault(run_t *r, applied_t *a) {
        char err[512];
        const ib_host_t *h = net_host(r, a->f.host_kind, a->f.target);
        if (a->net_on && h && ib_net_heal(r->o->net, (int)(a - r->applied) + 1, h, err, sizeof(err)))
                snprintf(a->note, sizeof(a->note), "healing: %.140s", err);
        a->net_on = 0;
        if (a->helper != SIZE_MAX) {
                if (r->o->sup->procs[a->helper].exited)
                        snprintf(a->note, sizeof(a->note), "the delay process ended before the fault did (see "
                                                           "net-delay-%d.log)", (int)(a - r->applied) + 1);
                ib_sup_signal(r->o->sup, a->helper, SIGTERM);
                if (!ib_sup_wait(r->o->sup, a->helper, 5000))
                        ib_sup_signal(r->o->sup, a->helper, SIGKILL);
                a->helper = SIZE_MAX;
        }
        healed(r, a, ib_now_ms());
}

/* Every network fault still on: removed (the end of a run, also an interrupted one). */
static void heal_net_faults(run_t *r) {
        for (size_t i = 0; r->o->net && i < r->next_fault; i++)
                if (r->applied[i].net_on || r->applied[i].helper != SIZE_MAX)
                        heal_net_fault(r, &r->applied[i]);
}

/* Applies a worker fault; @returns 0, or -1 with a->note saying why not. */
static int apply_worker_fault(run_t *r, applied_t *a, int64_t now) {
        worker_t *w = &r->w[a->f.target - 1];
        if (!running(r, w)) {
                snprintf(a->note, sizeof(a->note), "skipped: %s is not running", w->name);
                return -1;
        }
        char spec[96];
        switch (a->f.kind) {
        case IB_FAULT_KILL:
        case IB_FAULT_STOP:
        case IB_FAULT_REMOVE_WORKER:
                w->expect_exit = a->f.kind == IB_FAULT_KILL ? SIGKILL : SIGTERM;
                ib_sup_signal(r->o->sup, w->proc, SIGCONT);
                ib_sup_signal(r->o->sup, w->proc, w->expect_exit == SIGTERM ? stop_signal(r) : SIGKILL);
                w->removed = a->f.kind == IB_FAULT_REMOVE_WORKER || a->f.restart_after_ms < 0;
                if (!w->removed)
                        w->restart_at = now + a->f.restart_after_ms, a->pending_heal = 1, a->heal_at = w->restart_at;
                return 0;
        case IB_FAULT_PAUSE:
                ib_sup_signal(r->o->sup, w->proc, SIGSTOP);
                a->pending_heal = 1, a->heal_at = now + a->f.duration_ms;
                return 0;
        case IB_FAULT_SLOW_BATCH:
                snprintf(spec, sizeof(spec), "batch.slow:1:%lld", (long long)a->f.duration_ms);
                a->pending_heal = 1, a->heal_at = now + a->f.duration_ms;
                return arm(r, w, spec);
        case IB_FAULT_INJECT:
                snprintf(spec, sizeof(spec), "%s:%lld", a->f.point, (long long)a->f.call);
                w->restart_on_failure = a->f.restart_after_ms;
                return arm(r, w, spec);
        case IB_FAULT_ZK_EXPIRE:
                return arm(r, w, "zk.expire:1");
        default:
                return -1;
        }
}

static int apply_fault(run_t *r, applied_t *a, int64_t now, char *errstr, size_t errstr_size) {
        a->applied_ms = now;
        switch (a->f.kind) {
        case IB_FAULT_ADD_WORKER: {
                worker_t *w = add_worker(r, errstr, errstr_size);
                if (!w)
                        return -1;
                snprintf(a->note, sizeof(a->note), "started %s", w->name);
                history_fault(r, a, (int)(w - r->w));
                healed(r, a, now);
                return 0;
        }
        case IB_FAULT_ROLLING_RESTART: {
                /* every running worker, one after the other: stop, then restart at once */
                int k = 0;
                for (int i = 0; i < r->nworkers; i++) {
                        worker_t *w = &r->w[i];
                        if (!running(r, w) || w->removed)
                                continue;
                        if (k == 0) {
                                w->expect_exit = SIGTERM;
                                ib_sup_signal(r->o->sup, w->proc, stop_signal(r));
                        }
                        w->restart_at = now + k * a->f.interval_ms; /* k > 0: the stop comes first, see run_due */
                        k++;
                }
                a->pending_heal = 1, a->heal_at = now + (k ? k - 1 : 0) * a->f.interval_ms;
                history_fault(r, a, -1);
                return 0;
        }
        case IB_FAULT_BROKER_KILL:
                if (cluster_act(r, a, IB_CL_BROKER_DOWN))
                        return -1;
                if (a->f.restart_after_ms >= 0)
                        a->pending_heal = 1, a->heal_at = now + a->f.restart_after_ms;
                history_fault(r, a, a->f.target);
                return 0;
        case IB_FAULT_ZK_STOP:
                if (cluster_act(r, a, IB_CL_ZK_DOWN))
                        return -1;
                a->pending_heal = 1, a->heal_at = now + a->f.duration_ms;
                history_fault(r, a, -1);
                return 0;
        case IB_FAULT_PARTITION:
        case IB_FAULT_DELAY:
        case IB_FAULT_LOSS:
                if (apply_net_fault(r, a)) {
                        heal_net_fault(r, a); /* whatever went in comes out */
                        a->applied_ms = a->healed_ms = -1;
                        return -1;
                }
                a->applied_ms = ib_now_ms(); /* when its rules took effect */
                a->pending_heal = 1, a->heal_at = a->applied_ms + a->f.duration_ms;
                /* on a worker: its partitions are the ones affected; elsewhere: all */
                history_fault(r, a, a->f.host_kind == 'w' ? a->f.target - 1 : -1);
                return 0;
        default:
                if (apply_worker_fault(r, a, now))
                        return -1;
                history_fault(r, a, a->f.target - 1);
                if (!a->pending_heal && a->f.kind != IB_FAULT_KILL && a->f.kind != IB_FAULT_STOP)
                        healed(r, a, now);
                return 0;
        }
}

/* The healing steps that are due: resume, restart, broker and ZooKeeper up. */
static void run_due(run_t *r, int64_t now, char *errstr, size_t errstr_size) {
        for (int i = 0; i < r->nworkers; i++) {
                worker_t *w = &r->w[i];
                if (!w->restart_at || w->restart_at > now || w->removed)
                        continue;
                if (running(r, w)) { /* a rolling restart's next worker: stop it first */
                        if (!w->expect_exit) {
                                w->expect_exit = SIGTERM;
                                ib_sup_signal(r->o->sup, w->proc, stop_signal(r));
                        } else if (w->expect_exit == SIGTERM && !w->deaf && now > w->restart_at + stop_grace_ms(r)) {
                                /* bounded: a worker deaf to SIGTERM is killed; its exit, not
                                 * the clean one asked for, counts as a failure */
                                fprintf(stderr, "ingestbench chaos: %s did not stop within %lld ms of its stop signal: killed\n",
                                        w->name, (long long)stop_grace_ms(r));
                                w->deaf = 1;
                                ib_sup_signal(r->o->sup, w->proc, SIGKILL);
                        }
                        continue;
                }
                if (start_worker(r, w, errstr, errstr_size))
                        fprintf(stderr, "ingestbench chaos: restarting %s: %s\n", w->name, errstr);
        }
        for (size_t i = 0; i < r->next_fault; i++) {
                applied_t *a = &r->applied[i];
                if (a->proc != SIZE_MAX && r->o->sup->procs[a->proc].exited) {
                        int st = r->o->sup->procs[a->proc].status;
                        if (!WIFEXITED(st) || WEXITSTATUS(st))
                                snprintf(a->note, sizeof(a->note), "the cluster script failed: see cluster-actions.log");
                        if (!a->pending_heal && a->healed_ms < 0 &&
                            (a->f.kind == IB_FAULT_BROKER_KILL || a->f.kind == IB_FAULT_ZK_STOP) &&
                            a->heal_at > 0)
                                healed(r, a, r->o->sup->procs[a->proc].exited_ms);
                        a->proc = SIZE_MAX;
                }
                if (!a->pending_heal || a->heal_at > now || a->proc != SIZE_MAX)
                        continue;
                switch (a->f.kind) {
                case IB_FAULT_PAUSE:
                        ib_sup_signal(r->o->sup, r->w[a->f.target - 1].proc, SIGCONT);
                        healed(r, a, now);
                        break;
                case IB_FAULT_BROKER_KILL:
                case IB_FAULT_ZK_STOP:
                        a->pending_heal = 0;
                        if (cluster_act(r, a, a->f.kind == IB_FAULT_ZK_STOP ? IB_CL_ZK_UP : IB_CL_BROKER_UP) ||
                            a->proc == SIZE_MAX)
                                healed(r, a, now); /* mock: at once (or it failed: see the note) */
                        break;
                case IB_FAULT_KILL:
                case IB_FAULT_STOP:
                        if (running(r, &r->w[a->f.target - 1]))
                                healed(r, a, now);
                        break;
                case IB_FAULT_PARTITION:
                case IB_FAULT_DELAY:
                case IB_FAULT_LOSS:
                        heal_net_fault(r, a);
                        break;
                default: /* slow batch, rolling restart: over by now */
                        healed(r, a, now);
                }
        }
}

static int heals_pending(const run_t *r) {
        for (size_t i = 0; i < r->next_fault; i++)
                if (r->applied[i].pending_heal || r->applied[i].proc != SIZE_MAX)
                        return 1;
        for (int i = 0; i < r->nworkers; i++)
                if (r->w[i].restart_at && !r->w[i].removed)
                        return 1;
        return 0;
}

/* ---- event logs, read as they grow ---------------------------------------------- */

static void tail_line(run_t *r, int k, const char *line, size_t len) {
        int64_t *logged = r->logged ? &r->logged[(size_t)k * (size_t)r->nparts] : NULL;
        int64_t *done = r->done ? &r->done[(size_t)k * (size_t)r->nparts] : NULL;
        int batch = memmem(line, len, "\"event\":\"batch\"", 15) != NULL;
        int commit = logged && memmem(line, len, "\"event\":\"commit\"", 16) && memmem(line, len, "\"ok\":true", 9);
        if (!batch && !commit)
                return;
        json_t *ev = json_loadb(line, len, 0, NULL), *x;
        size_t i;
        json_array_foreach(json_object_get(ev, "ranges"), i, x) {
                int p = (int)json_integer_value(json_object_get(x, "partition"));
                int64_t until = json_integer_value(json_object_get(x, "until"));
                if (p >= 0 && p < r->nparts && until > r->pos[p])
                        r->pos[p] = until;
                if (p >= 0 && p < r->nparts && done && until > done[p])
                        done[p] = until;
                r->delivered += json_integer_value(json_object_get(x, "records"));
        }
        if (commit)
                json_array_foreach(json_object_get(ev, "offsets"), i, x) {
                        int p = (int)json_integer_value(json_object_get(x, "partition"));
                        int64_t off = json_integer_value(json_object_get(x, "offset"));
                        if (p >= 0 && p < r->nparts && off > logged[p])
                                logged[p] = off;
                }
        json_decref(ev);
}

/* A mode whose commits cover its own log (the receiver): every worker that
 * runs, or will run again, has processed what its log holds, so that no
 * record committed to the log waits in it when the run ends. @returns how
 * many partitions of how many workers still wait. */
static int log_backlog(const run_t *r) {
        if (!r->logged)
                return 0;
        int behind = 0;
        for (int k = 0; k < r->nworkers; k++) {
                const worker_t *w = &r->w[k];
                if (w->removed || (w->proc == SIZE_MAX && !w->restart_at))
                        continue; /* gone for good: what its log holds is lost, and the checker says so */
                for (int p = 0; p < r->nparts; p++)
                        behind += r->done[(size_t)k * (size_t)r->nparts + p] < r->logged[(size_t)k * (size_t)r->nparts + p];
        }
        return behind;
}

static void tail_logs(run_t *r) {
        for (int k = 0; k < r->nworkers; k++) {
                worker_t *w = &r->w[k];
                FILE *fp = fopen(w->events_path, "r");
                if (!fp)
                        continue;
                if (fseek(fp, w->tail_off, SEEK_SET) == 0) {
                        size_t n;
                        while ((n = fread(w->tail_buf + w->tail_len, 1, sizeof(w->tail_buf) - 1 - w->tail_len, fp)) > 0) {
                                w->tail_off += (long)n;
                                w->tail_len += n;
                                char *start = w->tail_buf, *nl;
                                while ((nl = memchr(start, '\n', w->tail_len - (size_t)(start - w->tail_buf)))) {
                                        tail_line(r, k, start, (size_t)(nl - start));
                                        start = nl + 1;
                                }
                                w->tail_len -= (size_t)(start - w->tail_buf);
                                memmove(w->tail_buf, start, w->tail_len);
                                if (w->tail_len == sizeof(w->tail_buf) - 1)
                                        w->tail_len = 0; /* a line longer than a batch event: not one */
                        }
                }
                fclose(fp);
        }
}

/* ---- the topic ------------------------------------------------------------------- */

static ib_err_t open_client(run_t *r, char *errstr, size_t errstr_size) {
        rd_kafka_conf_t *conf;
        ib_props_t props = {0};
        ib_err_t err = ib_kafka_conf_new(r->o->cluster->brokers, NULL, &props, &conf, errstr, errstr_size);
        if (!err)
                err = ib_kafka_new(RD_KAFKA_PRODUCER, conf, &r->rk, errstr, errstr_size);
        return err;
}

/* Creates @p topic on the run's cluster, as the input's twin. */
static ib_err_t make_topic(run_t *r, const char *topic, char *errstr, size_t errstr_size) {
        if (r->o->cluster->kind == IB_CLUSTER_MOCK)
                return ib_cluster_mock_topic(r->o->cluster, r->o->sup, topic, r->s->partitions, errstr, errstr_size);
        return ib_kafka_create_topic(r->rk, topic, r->s->partitions, r->s->replication_factor, 30000, errstr,
                                     errstr_size);
}

static ib_err_t create_topic(run_t *r, char *errstr, size_t errstr_size) {
        /* a Kafka sink's output first: the workers find it made, on a mock cluster too */
        ib_err_t err = r->kafka_sink ? make_topic(r, r->out_topic, errstr, errstr_size) : IB_OK;
        if (!err)
                err = make_topic(r, r->topic, errstr, errstr_size);
        for (int i = 0; !err && i < 300; i++) { /* until the metadata shows it, bounded (30 s) */
                int n = 0;
                err = ib_kafka_partition_count(r->rk, r->topic, 5000, &n, errstr, errstr_size);
                if (!err && n == r->s->partitions) {
                        r->nparts = n;
                        break;
                }
                if (err && err != IB_ERR_NOT_FOUND && err != IB_ERR_KAFKA_RETRIABLE)
                        return err;
                err = IB_OK;
                usleep(100000);
        }
        if (!err && !r->nparts)
                err = ib_seterr(errstr, errstr_size, IB_ERR_TIMED_OUT, "topic %s not visible after 30 s", r->topic);
        if (!err && !r->s->mode->commits_cover_sink &&
            (!(r->logged = calloc((size_t)IB_SCENARIO_MAX_WORKERS * (size_t)r->nparts, sizeof(*r->logged))) ||
             !(r->done = calloc((size_t)IB_SCENARIO_MAX_WORKERS * (size_t)r->nparts, sizeof(*r->done)))))
                err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        if (!err && (!(r->pos = calloc((size_t)r->nparts, sizeof(*r->pos))) ||
                     !(r->end = calloc((size_t)r->nparts, sizeof(*r->end)))))
                err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        return err;
}

static ib_err_t end_offsets(run_t *r, char *errstr, size_t errstr_size) {
        int32_t ids[1024];
        int n = r->nparts < 1024 ? r->nparts : 1024;
        for (int i = 0; i < n; i++)
                ids[i] = i;
        return ib_kafka_list_offsets(r->rk, r->topic, ids, n, RD_KAFKA_OFFSET_END, r->end, 5000, errstr, errstr_size);
}

static ib_err_t start_producer(run_t *r, char *errstr, size_t errstr_size) {
        const ib_scenario_t *s = r->s;
        char seed[32], out[1100], err[1100], run_id[64];
        snprintf(seed, sizeof(seed), "%llu", (unsigned long long)(r->o->seed % 1000000007ull));
        snprintf(run_id, sizeof(run_id), "run%u", r->o->iteration);
        snprintf(out, sizeof(out), "%s/producer.out", r->o->out_dir);
        snprintf(err, sizeof(err), "%s/producer.err", r->o->out_dir);
        ib_producer_cmd_t cmd = {.self = r->o->self, .brokers = r->o->cluster->brokers, .topic = r->topic,
                                 .run_id = run_id, .records = s->records, .partitions = s->partitions,
                                 .replication_factor = s->replication_factor, .rate = s->rate,
                                 .bad_ratio = s->bad_ratio, .seed = seed};
        ib_argv_t argv = IB_ARGV_INIT;
        if (ib_launch_producer_argv(&cmd, &argv)) {
                ib_argv_free(&argv);
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory starting the producer");
        }
        ib_spawn_io_t io = {.stdout_path = out, .stderr_path = err};
        ib_err_t e = ib_sup_spawn(r->o->sup, "producer", argv.v, &io, &r->producer, errstr, errstr_size);
        ib_argv_free(&argv);
        return e;
}

/* ---- progress ---------------------------------------------------------------------- */

static void progress(run_t *r, int force) {
        int64_t now = ib_now_ms();
        if (!r->o->progress || (!force && now - r->last_progress < 500))
                return;
        r->last_progress = now;
        int64_t in_topic = 0;
        for (int p = 0; p < r->nparts; p++)
                in_topic += r->end[p];
        int alive = 0;
        for (int i = 0; i < r->nworkers; i++)
                alive += running(r, &r->w[i]);
        fprintf(stderr, "\r\033[Kchaos %s: %-7s %6.1f s | produced %lld/%lld | delivered %lld | workers %d | faults %zu/%zu",
                r->s->name, r->phase, (double)(now - r->t0) / 1000.0, (long long)in_topic, (long long)r->s->records,
                (long long)r->delivered, alive, r->next_fault, r->sch.n);
        if (force)
                fputc('\n', stderr);
}

/* ---- the phases -------------------------------------------------------------------- */

static int producer_done(const run_t *r) {
        return r->o->sup->procs[r->producer].exited;
}

/* Workload and faults, until the producer is done and every fault is healed. */
static ib_err_t phase_faults(run_t *r, char *errstr, size_t errstr_size) {
        r->phase = "faults";
        int64_t last_offsets = 0;
        for (;;) {
                if (*r->o->stop)
                        return ib_seterr(errstr, errstr_size, IB_ERR_TIMED_OUT, "interrupted");
                int64_t now = ib_now_ms();
                ib_sup_reap(r->o->sup);
                watch_workers(r);
                while (r->next_fault < r->sch.n && r->sch.faults[r->next_fault].at_ms <= now - r->t0) {
                        applied_t *a = record(r, &r->sch.faults[r->next_fault]);
                        if (apply_fault(r, a, now, errstr, errstr_size) < 0 && !a->note[0])
                                snprintf(a->note, sizeof(a->note), "not applied: %s", errstr);
                        r->next_fault++;
                }
                run_due(r, now, errstr, errstr_size);
                if (now - last_offsets >= 1000) {
                        tail_logs(r);
                        end_offsets(r, errstr, errstr_size); /* progress only: a failure is retried */
                        last_offsets = now;
                }
                progress(r, 0);
                if (producer_done(r) && r->next_fault == r->sch.n && !heals_pending(r))
                        return IB_OK;
                usleep(20000);
        }
}

/* The names of the worker slots, for the external output reader. */
static const char **worker_names(const run_t *r) {
        const char **names = calloc((size_t)r->nworkers + 1, sizeof(*names));
        for (int i = 0; names && i < r->nworkers; i++)
                names[i] = r->w[i].name;
        return names;
}

/* An external consumer has caught up when its group's committed offsets
 * reach the end offsets ("drain": "group"), or when its output holds as many
 * distinct ids as the topic holds records ("output", read at most once a
 * second). Asks again on failure. */
static int external_caught_up(run_t *r, char *errstr, size_t errstr_size) {
        int64_t total = 0;
        for (int p = 0; p < r->nparts; p++)
                total += r->end[p];
        if (r->s->external->drain_group) {
                if (!r->group_rk) {
                        rd_kafka_conf_t *conf;
                        ib_props_t props = {0};
                        const char *settings[] = {"group.id", r->group, "enable.auto.commit", "false", NULL};
                        if (ib_kafka_conf_new(r->o->cluster->brokers, settings, &props, &conf, errstr, errstr_size) ||
                            ib_kafka_new(RD_KAFKA_CONSUMER, conf, &r->group_rk, errstr, errstr_size))
                                return 0;
                }
                rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(r->nparts);
                for (int p = 0; p < r->nparts; p++)
                        rd_kafka_topic_partition_list_add(parts, r->topic, p);
                int behind = rd_kafka_committed(r->group_rk, parts, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR;
                for (int i = 0; !behind && i < parts->cnt; i++) {
                        int64_t committed = parts->elems[i].err ? -1 : parts->elems[i].offset;
                        r->pos[parts->elems[i].partition] = committed > 0 ? committed : 0;
                        behind = committed < r->end[parts->elems[i].partition];
                }
                rd_kafka_topic_partition_list_destroy(parts);
                return !behind;
        }
        int64_t now = ib_now_ms();
        if (now - r->output_read_ms < (r->kafka_sink ? 3000 : 1000)) /* it reads everything: not too often */
                return 0;
        r->output_read_ms = now;
        ib_vlist_t out = {0};
        int *fw = NULL;
        uint64_t bad = 0;
        const char **names = worker_names(r);
        int64_t distinct = -1;
        ib_props_t props = {0};
        ib_err_t err = !names ? IB_ERR_NOMEM
                       : r->kafka_sink
                           ? ib_external_read_topic(r->o->cluster->brokers, &props, r->out_topic, names, r->nworkers,
                                                    NULL, &out, &fw, &bad, errstr, errstr_size)
                           : ib_external_read_output(r->sink + 4, names, r->nworkers, NULL, &out, &fw, &bad, NULL,
                                                     errstr, errstr_size);
        if (!err) {
                ib_vlist_fix(&out);
                distinct = ib_external_distinct(&out);
        }
        r->delivered = distinct > 0 ? distinct : 0;
        free(names);
        free(fw);
        ib_vlist_free(&out);
        return distinct >= total && total > 0;
}

/* Until every partition's processed position reaches its end offset. */
static int phase_drain(run_t *r, char *errstr, size_t errstr_size) {
        r->phase = "drain";
        int64_t deadline = ib_now_ms() + r->s->drain_timeout_ms;
        while (!*r->o->stop && ib_now_ms() < deadline) {
                ib_sup_reap(r->o->sup);
                watch_workers(r);
                run_due(r, ib_now_ms(), errstr, errstr_size);
                tail_logs(r);
                int alive = 0;
                for (int i = 0; i < r->nworkers; i++)
                        alive += running(r, &r->w[i]) || (r->w[i].restart_at && !r->w[i].removed);
                if (!alive) {
                        fprintf(stderr, "ingestbench chaos: no worker left to drain the topic\n");
                        return 0;
                }
                if (r->s->external) {
                        if (end_offsets(r, errstr, errstr_size) == IB_OK && external_caught_up(r, errstr, errstr_size))
                                return 1;
                } else if (end_offsets(r, errstr, errstr_size) == IB_OK) {
                        int behind = 0;
                        for (int p = 0; p < r->nparts; p++)
                                behind += r->pos[p] < r->end[p];
                        if (!behind && !log_backlog(r))
                                return 1;
                }
                progress(r, 0);
                usleep(250000);
        }
        return 0;
}

static void phase_stop(run_t *r) {
        r->phase = "stop";
        for (int i = 0; i < r->nworkers; i++) {
                worker_t *w = &r->w[i];
                w->restart_at = 0;
                if (running(r, w)) {
                        w->expect_exit = SIGTERM;
                        ib_sup_signal(r->o->sup, w->proc, SIGCONT);
                        ib_sup_signal(r->o->sup, w->proc, stop_signal(r));
                }
        }
        int64_t deadline = ib_now_ms() + stop_grace_ms(r);
        for (int any = 1; any && ib_now_ms() < deadline;) {
                ib_sup_reap(r->o->sup);
                watch_workers(r);
                any = 0;
                for (int i = 0; i < r->nworkers; i++)
                        any |= running(r, &r->w[i]);
                if (any)
                        usleep(50000);
        }
        for (int i = 0; i < r->nworkers; i++)
                if (running(r, &r->w[i])) {
                        fprintf(stderr, "ingestbench chaos: %s did not stop within %lld ms of its stop signal: killed\n",
                                r->w[i].name, (long long)stop_grace_ms(r));
                        r->w[i].expect_exit = SIGKILL;
                        r->w[i].failures++;
                        ib_sup_signal(r->o->sup, r->w[i].proc, SIGKILL);
                        ib_sup_wait(r->o->sup, r->w[i].proc, 5000);
                }
        watch_workers(r);
}

/* ---- results ---------------------------------------------------------------------- */


/* ---- what happened: checked, explained, written ------------------------------------ */

/* "acked=A failed=F bad=B run=ID" from the producer's stdout; -1 when absent. */
static int64_t producer_acked(run_t *r, char *run_id, size_t size) {
        char path[1200], *data = NULL;
        size_t len = 0;
        long long acked = -1, failed = -1;
        snprintf(path, sizeof(path), "%s/producer.out", r->o->out_dir);
        if (ib_fs_read_file(path, &data, &len, NULL, 0) == IB_OK) {
                const char *a = strstr(data, "acked="), *f = strstr(data, "failed="), *id = strstr(data, "run=");
                if (a)
                        acked = strtoll(a + 6, NULL, 10);
                if (f)
                        failed = strtoll(f + 7, NULL, 10);
                if (id)
                        snprintf(run_id, size, "%.*s", (int)strcspn(id + 4, " \n"), id + 4);
        }
        free(data);
        return failed == 0 ? acked : -1; /* with failures, which ones is unknown */
}

static ib_err_t read_history(run_t *r, ib_history_t *h, char *errstr, size_t errstr_size) {
        for (int i = 0; i < r->nworkers; i++)
                if (ib_history_worker(h, r->w[i].name) < 0)
                        return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        for (int i = 0; i < r->nworkers; i++) {
                ib_err_t err = ib_history_read_file(h, r->w[i].name, r->w[i].events_path, errstr, errstr_size);
                if (err)
                        return err;
        }
        for (size_t i = 0; i < r->faults_only.nfaults; i++)
                if (ib_history_fault(h, &r->faults_only.faults[i]))
                        return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        ib_history_sort(h);
        return IB_OK;
}

/* Figures read from the history: rebalances, commit outcomes, retries, fenced. */
static json_t *history_figures(const ib_history_t *h, json_t *figures) {
        int64_t rebalances = 0, retries = 0, fenced = 0, ok = 0;
        json_t *errors = json_object();
        const ib_hevent_t *prev_reb = NULL, *prev_commit = NULL;
        for (size_t i = 0; i < h->n; i++) {
                const ib_hevent_t *e = &h->ev[i];
                int same = 0;
                if (e->kind == IB_H_ASSIGN || e->kind == IB_H_REVOKE || e->kind == IB_H_LOST) {
                        same = prev_reb && prev_reb->worker == e->worker && prev_reb->t_ms == e->t_ms &&
                               prev_reb->kind == e->kind;
                        rebalances += !same;
                        prev_reb = e;
                } else if (e->kind == IB_H_COMMIT) { /* one outcome per commit, not per partition */
                        same = prev_commit && prev_commit->worker == e->worker && prev_commit->t_ms == e->t_ms &&
                               prev_commit->ok == e->ok && !strcmp(prev_commit->how, e->how);
                        prev_commit = e;
                        if (same)
                                continue;
                        if (e->ok) {
                                ok++;
                        } else {
                                const char *name = e->error[0] ? e->error : "UNKNOWN";
                                json_object_set_new(errors, name,
                                                    json_integer(json_integer_value(json_object_get(errors, name)) + 1));
                        }
                }
                retries += e->kind == IB_H_RETRY;
                fenced += e->kind == IB_H_FENCED;
        }
        int64_t nerr = 0;
        const char *k;
        json_t *v;
        json_object_foreach(errors, k, v) nerr += json_integer_value(v);
        json_object_set_new(figures, "rebalances", json_integer(rebalances));
        json_object_set_new(figures, "commit_errors", json_integer(nerr));
        json_object_set_new(figures, "retries", json_integer(retries));
        json_object_set_new(figures, "fenced", json_integer(fenced));
        return json_pack("{s:I,s:o}", "ok", (json_int_t)ok, "errors", errors);
}

/* Records per second of wall clock, from the batch events; and the overall rate. */
static json_t *throughput(const ib_history_t *h, uint64_t unique, json_t *figures) {
        int64_t first = -1, last = -1;
        for (size_t i = 0; i < h->n; i++)
                if (h->ev[i].kind == IB_H_BATCH && h->ev[i].records > 0) {
                        if (first < 0)
                                first = h->ev[i].t_ms;
                        last = h->ev[i].t_ms;
                }
        json_t *series = json_array();
        double rate = 0;
        if (first >= 0) {
                size_t nsec = (size_t)((last - first) / 1000 + 1);
                int64_t *per = calloc(nsec, sizeof(*per));
                for (size_t i = 0; per && i < h->n; i++)
                        if (h->ev[i].kind == IB_H_BATCH && h->ev[i].t_ms >= first)
                                per[(h->ev[i].t_ms - first) / 1000] += h->ev[i].records;
                for (size_t i = 0; per && i < nsec; i++)
                        json_array_append_new(series, json_integer(per[i]));
                free(per);
                rate = last > first ? (double)unique * 1000.0 / (double)(last - first) : 0;
        }
        json_object_set_new(figures, "throughput_rps", json_real(rate));
        return json_pack("{s:s,s:f,s:o}", "unit", "records/s", "overall", rate, "per_second", series);
}

/* End-to-end latency of every delivery: durable time of its range file - event time. */
static json_t *latency(const ib_check_input_t *in, const ib_check_result_t *res, json_t *figures) {
        ib_hist_t *hist = malloc(sizeof(*hist));
        if (!hist)
                return json_null();
        ib_hist_init(hist);
        for (size_t i = 0; i < in->ndelivered; i++) {
                const ib_vrec_t *d = &in->delivered[i];
                if (d->ts < 0 || d->file < 0 || (size_t)d->file >= in->nfiles)
                        continue;
                int64_t ms = res->file_ms[d->file] - d->ts;
                ib_hist_record(hist, ms > 0 ? (uint64_t)ms : 0);
        }
        json_t *j = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "unit", "ms", "count", (json_int_t)hist->count, "p50",
                              (json_int_t)ib_hist_quantile(hist, 0.5), "p90", (json_int_t)ib_hist_quantile(hist, 0.9),
                              "p99", (json_int_t)ib_hist_quantile(hist, 0.99), "p999",
                              (json_int_t)ib_hist_quantile(hist, 0.999), "max", (json_int_t)hist->max);
        json_object_set_new(figures, "latency_ms.p50", json_integer((json_int_t)ib_hist_quantile(hist, 0.5)));
        json_object_set_new(figures, "latency_ms.p99", json_integer((json_int_t)ib_hist_quantile(hist, 0.99)));
        json_object_set_new(figures, "latency_ms.max", json_integer((json_int_t)hist->max));
        free(hist);
        return j;
}

/* The schedule as applied, with each fault's recovery. */
static json_t *schedule_json(run_t *r, const ib_history_t *h, json_t *figures, FILE *report) {
        json_t *a = json_array();
        int64_t *rec = calloc(r->next_fault + 1, sizeof(*rec));
        size_t nrec = 0;
        int unrecovered = 0;
        for (size_t i = 0; i < r->next_fault; i++) {
                applied_t *ap = &r->applied[i];
                char line[256];
                ib_schedule_describe(&ap->f, line, sizeof(line));
                ib_recovery_t rv = {IB_RECOVERY_NONE, 0, -1};
                if (ap->hfault != SIZE_MAX)
                        ib_recovery_compute(h, &r->faults_only.faults[ap->hfault], r->end, r->nparts, &rv);
                if (rv.recovery_ms >= 0 && rec)
                        rec[nrec++] = rv.recovery_ms;
                unrecovered += rv.recovery_ms == IB_RECOVERY_NEVER;
                json_array_append_new(
                    a, json_pack("{s:s,s:s,s:i,s:I,s:I,s:I,s:I,s:s,s:b,s:o,s:o,s:o,s:i,s:s}", "fault",
                                 ib_fault_kind_name(ap->f.kind), "text", line + strspn(line, " "), "target", ap->f.target,
                                 "planned_ms", (json_int_t)ap->f.at_ms, "duration_ms", (json_int_t)ap->f.duration_ms,
                                 "restart_after_ms", (json_int_t)ap->f.restart_after_ms, "interval_ms",
                                 (json_int_t)ap->f.interval_ms, "point", ap->f.point, "drawn", ap->f.random,
                                 "applied_ms", ap->applied_ms >= 0 ? json_integer(ap->applied_ms - r->t0) : json_null(),
                                 "healed_ms", ap->healed_ms >= 0 ? json_integer(ap->healed_ms - r->t0) : json_null(),
                                 "recovery_ms", rv.recovery_ms >= 0 ? json_integer(rv.recovery_ms)
                                                : json_string(rv.recovery_ms == IB_RECOVERY_NEVER ? "never" : "n/a"),
                                 "affected_partitions", rv.affected, "note", ap->note));
                if (ap->f.host_kind) { /* a network fault: its host, and what it did to it */
                        json_t *o = json_array_get(a, json_array_size(a) - 1);
                        char host[16], peers[300];
                        snprintf(host, sizeof(host), ap->f.host_kind == 'z' ? "zk" : "%c%d", ap->f.host_kind,
                                 ap->f.target);
                        json_object_set_new(o, "host", json_string(host));
                        if (ap->f.kind == IB_FAULT_PARTITION) {
                                ib_schedule_peers(&ap->f, peers, sizeof(peers));
                                json_object_set_new(o, "from", json_string(peers));
                                json_object_set_new(o, "direction", json_string(ap->f.direction == 1   ? "out"
                                                                                : ap->f.direction == 2 ? "in"
                                                                                                       : "both"));
                        } else if (ap->f.kind == IB_FAULT_DELAY)
                                json_object_set_new(o, "delay_ms", json_integer(ap->f.delay_ms));
                        else
                                json_object_set_new(o, "percent", json_real(ap->f.loss_percent));
                }
                char when[160] = "not applied", rec_text[64] = "";
                if (ap->applied_ms >= 0)
                        snprintf(when, sizeof(when), "at +%.3f s%s", (double)(ap->applied_ms - r->t0) / 1000.0,
                                 ap->healed_ms >= 0 && ap->healed_ms > ap->applied_ms ? ", healed" : "");
                if (rv.recovery_ms >= 0)
                        snprintf(rec_text, sizeof(rec_text), "; recovered in %lld ms (%d partitions)",
                                 (long long)rv.recovery_ms, rv.affected);
                else if (rv.recovery_ms == IB_RECOVERY_NEVER)
                        snprintf(rec_text, sizeof(rec_text), "; NEVER recovered (%d partitions)", rv.affected);
                fprintf(report, "  %s: %s%s\n", line, when, rec_text);
                if (ap->note[0])
                        fprintf(report, "%*s%s\n", 14, "", ap->note);
        }
        int64_t max = -1, p50 = -1;
        for (size_t i = 0; i < nrec; i++)
                for (size_t j = i + 1; j < nrec; j++)
                        if (rec[j] < rec[i]) {
                                int64_t t = rec[i];
                                rec[i] = rec[j], rec[j] = t;
                        }
        if (nrec)
                max = rec[nrec - 1], p50 = rec[(nrec - 1) / 2];
        free(rec);
        /* a fault never recovered from counts as infinitely slow: "never" (JSON
         * has no infinity; jansson's json_real refuses one and returns NULL) */
        json_object_set_new(figures, "recovery_ms.max", unrecovered ? json_string("never") : json_integer(max < 0 ? 0 : max));
        json_object_set_new(figures, "recovery_ms.p50", json_integer(p50 < 0 ? 0 : p50));
        json_object_set_new(figures, "faults_applied", json_integer((json_int_t)r->next_fault));
        return a;
}

static json_t *anomalies_json(const ib_check_result_t *res, const ib_history_t *h, FILE *report) {
        json_t *a = json_array();
        for (size_t i = 0; i < res->nanomalies; i++) {
                const ib_anomaly_t *x = &res->anomalies[i];
                json_array_append_new(
                    a, json_pack("{s:s,s:i,s:I,s:I,s:I,s:s?,s:b,s:s}", "kind", ib_anomaly_kind_name(x->kind), "partition",
                                 (int)x->partition, "from", (json_int_t)x->from, "until", (json_int_t)x->until, "count",
                                 (json_int_t)x->count, "worker", x->worker >= 0 ? h->workers[x->worker] : NULL,
                                 "explained", x->explained, "explanation", x->explanation));
                if (i < 20)
                        fprintf(report, "  %-17s %s%s\n", ib_anomaly_kind_name(x->kind), x->explanation,
                                (x->kind == IB_AN_DUPLICATE || x->kind == IB_AN_LOST) && !x->explained ? "  [UNEXPLAINED]" : "");
        }
        if (res->nanomalies > 20)
                fprintf(report, "  ... %zu more in results.json\n", res->nanomalies - 20);
        return a;
}

static json_t *counts_json(const ib_check_result_t *res, json_t *figures) {
        const ib_verify_result_t *c = &res->counts;
        json_t *counts = json_pack(
            "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "produced", (json_int_t)c->produced,
            "delivered", (json_int_t)c->delivered, "unique", (json_int_t)c->unique, "duplicates",
            (json_int_t)c->duplicates.count, "lost", (json_int_t)c->lost.count, "out_of_order",
            (json_int_t)c->out_of_order.count, "dead_lettered", (json_int_t)c->dead_lettered, "redelivered",
            (json_int_t)res->redelivered, "unexpected", (json_int_t)c->unexpected.count, "offsets_backwards",
            (json_int_t)res->offsets_backwards, "committed_too_far", (json_int_t)res->committed_too_far,
            "unexplained_duplicates", (json_int_t)res->unexplained_duplicates, "unexplained_lost",
            (json_int_t)res->unexplained_lost, "broker_lost", (json_int_t)res->broker_lost, "input_duplicates",
            (json_int_t)c->input_duplicates.count);
        if (res->has_log)
                json_object_update_new(counts, json_pack("{s:I,s:I,s:I,s:I}", "log_records", (json_int_t)res->log_records,
                                                         "log_duplicates", (json_int_t)res->log_duplicates,
                                                         "aborted_records", (json_int_t)res->aborted_records,
                                                         "unexplained_aborted", (json_int_t)res->unexplained_aborted));
        json_object_update(figures, counts);
        return counts;
}

/* A Kafka sink's log: what a read_uncommitted reader found beyond the visible output. */
static json_t *log_json(const ib_check_result_t *res, FILE *report) {
        if (!res->has_log)
                return json_null();
        fprintf(report,
                "output log (read_uncommitted): %llu records, %llu duplicates; %llu aborted records in %zu range writes, "
                "%llu unexplained\n",
                (unsigned long long)res->log_records, (unsigned long long)res->log_duplicates,
                (unsigned long long)res->aborted_records, res->naborted, (unsigned long long)res->unexplained_aborted);
        json_t *a = json_array();
        for (size_t i = 0; i < res->naborted; i++) {
                const ib_aborted_write_t *w = &res->aborted[i];
                json_array_append_new(a, json_pack("{s:i,s:I,s:I,s:I,s:b,s:s}", "partition", (int)w->partition, "from",
                                                   (json_int_t)w->from, "until", (json_int_t)w->until, "records",
                                                   (json_int_t)w->records, "explained", w->explained, "explanation",
                                                   w->explanation));
                if (i < 10)
                        fprintf(report, "  aborted %d [%lld, %lld) %llu records: %s%s\n", (int)w->partition,
                                (long long)w->from, (long long)w->until, (unsigned long long)w->records, w->explanation,
                                w->explained ? "" : "  [UNEXPLAINED]");
        }
        if (res->naborted > 10)
                fprintf(report, "  ... %zu more in results.json\n", res->naborted - 10);
        return json_pack("{s:I,s:I,s:I,s:I,s:o}", "records", (json_int_t)res->log_records, "duplicates",
                         (json_int_t)res->log_duplicates, "aborted_records", (json_int_t)res->aborted_records,
                         "unexplained_aborted", (json_int_t)res->unexplained_aborted, "aborted_writes", a);
}

static json_t *workers_json(run_t *r, json_t *figures) {
        json_t *a = json_array();
        int failures = 0;
        for (int i = 0; i < r->nworkers; i++) {
                worker_t *w = &r->w[i];
                char path[1300];
                snprintf(path, sizeof(path), "%s/stats.json", w->state_dir);
                json_t *stats = json_load_file(path, 0, NULL);
                failures += w->failures;
                json_array_append_new(a, json_pack("{s:s,s:i,s:i,s:O,s:o}", "name", w->name, "starts", w->starts,
                                                   "failures", w->failures, "exits", w->exits,
                                                   "stats", stats ? stats : json_null()));
        }
        json_object_set_new(figures, "worker_failures", json_integer(failures));
        return a;
}

/* Each expectation against the figures; @returns 1 when all hold. */
static int verdict(const ib_scenario_t *s, json_t *figures, json_t **out, FILE *report) {
        json_t *list = json_array();
        int pass = 1;
        for (size_t i = 0; i < s->nexpect; i++) {
                const ib_expect_t *e = &s->expect[i];
                json_t *v = json_object_get(figures, e->figure);
                int never = json_is_string(v) && !strcmp(json_string_value(v), "never"); /* infinitely slow */
                int ok = never ? ib_expect_holds(e, INFINITY)
                               : json_is_number(v) && ib_expect_holds(e, json_number_value(v));
                pass &= ok;
                json_array_append_new(list, json_pack("{s:s,s:O,s:b}", "expect", e->text, "observed", v ? v : json_null(),
                                                      "pass", ok));
                char obs[64] = "not measured";
                if (json_is_integer(v))
                        snprintf(obs, sizeof(obs), "%lld", (long long)json_integer_value(v));
                else if (json_is_real(v))
                        snprintf(obs, sizeof(obs), "%.1f", json_real_value(v));
                else if (never)
                        snprintf(obs, sizeof(obs), "never");
                fprintf(report, "  %s  %-32s observed %s\n", ok ? "PASS" : "FAIL", e->text, obs);
        }
        *out = json_pack("{s:b,s:o}", "pass", pass, "expectations", list);
        return pass;
}

static void report_counts(FILE *report, const ib_check_result_t *res, json_t *tp, json_t *lat) {
        const ib_verify_result_t *c = &res->counts;
        fprintf(report,
                "  produced %llu, delivered %llu, unique %llu, duplicates %llu, lost %llu, out_of_order %llu,\n"
                "  dead_lettered %llu, redelivered %llu, unexpected %llu, offsets_backwards %llu, committed_too_far %llu\n"
                "  throughput %.0f records/s; latency p50 %lld ms, p99 %lld ms, max %lld ms\n",
                (unsigned long long)c->produced, (unsigned long long)c->delivered, (unsigned long long)c->unique,
                (unsigned long long)c->duplicates.count, (unsigned long long)c->lost.count,
                (unsigned long long)c->out_of_order.count, (unsigned long long)c->dead_lettered,
                (unsigned long long)res->redelivered, (unsigned long long)c->unexpected.count,
                (unsigned long long)res->offsets_backwards, (unsigned long long)res->committed_too_far,
                json_real_value(json_object_get(tp, "overall")),
                (long long)json_integer_value(json_object_get(lat, "p50")),
                (long long)json_integer_value(json_object_get(lat, "p99")),
                (long long)json_integer_value(json_object_get(lat, "max")));
}

/* Builds the results document and the report from what was checked. */
static ib_err_t write_results(run_t *r, const ib_check_input_t *in, const ib_check_result_t *res,
                              const ib_history_t *h, int drained, int64_t drain_ms, ib_chaos_outcome_t *out,
                              char *errstr, size_t errstr_size) {
        const ib_chaos_opts_t *o = r->o;
        char *text = NULL;
        size_t len = 0;
        FILE *report = open_memstream(&text, &len);
        if (!report)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        json_t *figures = json_object();
        fprintf(report, "chaos: %s (%s, %d workers, %d partitions, seed %llu) in %s\n", r->s->name, r->s->mode->name,
                r->s->workers, r->nparts, (unsigned long long)o->seed, o->out_dir);
        if (o->variant || o->client)
                fprintf(report, "variant: %s; workers' librdkafka: %s (client %s)\n", o->variant ? o->variant->name : "-",
                        o->client ? o->client->version : ib_kafka_version(), o->client ? o->client->name : "linked");
        fprintf(report, "schedule:\n");
        json_t *schedule = schedule_json(r, h, figures, report);
        json_t *counts = counts_json(res, figures);
        json_t *commits = history_figures(h, figures);
        json_t *tp = throughput(h, res->counts.unique, figures);
        json_t *lat = latency(in, res, figures);
        json_t *workers = workers_json(r, figures);
        fprintf(report, "counts:\n");
        report_counts(report, res, tp, lat);
        if (!drained)
                fprintf(report, "  the workers did not catch up within drain_timeout_ms (%lld ms)\n",
                        (long long)r->s->drain_timeout_ms);
        if (r->s->external) {
                const ib_external_t *x = r->s->external;
                json_object_set_new(figures, "uncommitted_files", json_integer((json_int_t)r->uncommitted_files));
                if (r->kafka_sink)
                        fprintf(report, "  external consumer %s: progress %s; its output topic read as read_committed; "
                                        "out_of_order not measured (its producer spreads an input partition's records)\n",
                                x->name, r->logs_batches ? "and explanations from its event log"
                                                         : "not measured; duplicates attributed");
                else
                        fprintf(report,
                                "  external consumer %s: progress %s; %llu output files skipped, not in its sink's log\n",
                                x->name,
                                r->logs_batches  ? "and explanations from its event log"
                                : x->batch_files ? "from its output files' times (batch_files); duplicates attributed"
                                                 : "not measured; duplicates attributed",
                                (unsigned long long)r->uncommitted_files);
        }
        json_t *outlog = log_json(res, report);
        fprintf(report, "anomalies:%s\n", res->nanomalies ? "" : " none");
        json_t *anomalies = anomalies_json(res, h, report);
        fprintf(report, "expectations:\n");
        json_t *v;
        out->pass = verdict(r->s, figures, &v, report);
        fprintf(report, "verdict: %s\nreplay: %s\n", out->pass ? "PASS" : "FAIL", o->replay);
        fclose(report);
        json_t *doc = ib_results_new("chaos", o->cluster->broker_version, o->zk_version);
        json_object_update_new(doc, json_pack(
            "{s:O,s:s,s:s,s:O,s:s,s:I,s:i,s:{s:s,s:s,s:s?,s:s,s:i,s:i},s:s,s:s,s:o,s:o,s:b,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:O,s:o,s:s}",
            "command", o->command, "replay", o->replay, "scenario_file", r->s->path, "scenario", r->s->doc,
            "scenario_name", r->s->name, "seed", (json_int_t)o->seed, "iteration", (int)o->iteration, "cluster",
            "kind", o->cluster->kind == IB_CLUSTER_MOCK ? "mock" : o->cluster->kind == IB_CLUSTER_LOCAL ? "local" : "external",
            "brokers", o->cluster->brokers, "zookeeper", o->cluster->zookeeper[0] ? o->cluster->zookeeper : NULL,
            "topic", r->topic, "partitions", r->nparts, "replication_factor", r->s->replication_factor,
            "group", r->group, "run_dir", o->out_dir, "schedule", schedule, "counts", counts, "drained", drained,
            "drain_ms", (json_int_t)drain_ms, "throughput", tp, "latency_ms", lat, "commits", commits, "workers",
            workers, "anomalies", anomalies, "verdict", v, "figures", figures, "recovery_ms",
            json_pack("{s:s,s:O,s:O}", "unit", "ms", "max", json_object_get(figures, "recovery_ms.max"), "p50",
                      json_object_get(figures, "recovery_ms.p50")),
            "report", text));
        json_object_set_new(doc, "variant", o->variant ? json_string(o->variant->name) : json_null());
        json_object_set_new(doc, "sink", json_pack("{s:s,s:s?}", "type", r->kafka_sink ? "kafka" : "dir", "topic",
                                                   r->kafka_sink ? r->out_topic : NULL));
        json_object_set_new(doc, "output_log", outlog);
        json_object_set_new(doc, "client",
                            r->s->external /* it brings its own: the harness's librdkafka is not its */
                                ? json_pack("{s:s}", "name", "external")
                                : json_pack("{s:s,s:s,s:s?}", "name", o->client ? o->client->name : "linked", "librdkafka",
                                            o->client ? o->client->version : ib_kafka_version(), "libdir",
                                            o->client && o->client->libdir[0] ? o->client->libdir : NULL));
        if (r->s->external)
                json_object_set_new(doc, "external",
                                    json_pack("{s:s,s:b,s:I,s:s,s:b,s:b}", "name", r->s->external->name, "batch_files",
                                              r->s->external->batch_files, "uncommitted_files",
                                              (json_int_t)r->uncommitted_files, "progress",
                                              r->logs_batches                  ? "event log"
                                              : r->s->external->batch_files ? "output files"
                                                                            : "none",
                                              "event_log", r->logs_batches, "order_measured", !r->kafka_sink));
        json_decref(figures);
        char path[1200];
        snprintf(path, sizeof(path), "%s/report.txt", o->out_dir);
        ib_err_t err = ib_fs_write_atomic(path, text, len, NULL, errstr, errstr_size);
        snprintf(path, sizeof(path), "%s/results.json", o->out_dir);
        if (!err)
                err = ib_results_write(path, doc, errstr, errstr_size);
        if (!o->quiet) {
                fputs(text, stdout);
                fflush(stdout);
        }
        free(text);
        out->results = doc;
        return err;
}

/* An external consumer writes no batch events unless it chooses to, so the
 * checker leaves its duplicates unexplained (no_batch_log): each is
 * attributed instead, to the workers whose files hold its copies (by folder)
 * and to the faults applied before its later copy was written (the files'
 * times). */
static void attribute_external(run_t *r, ib_check_result_t *res, const ib_vlist_t *del, const int *fw,
                               const ib_history_t *h) {
        for (size_t i = 0; i < res->nanomalies; i++) {
                ib_anomaly_t *x = &res->anomalies[i];
                if (x->kind != IB_AN_DUPLICATE || x->file_a < 0 || (size_t)x->file_a >= del->nfiles)
                        continue;
                int b = x->file_b >= 0 && (size_t)x->file_b < del->nfiles ? x->file_b : x->file_a;
                int64_t ta = del->files[x->file_a].mtime_ms, tb = del->files[b].mtime_ms;
                int64_t later = ta > tb ? ta : tb;
                x->worker = fw[b];
                char faults[512] = "";
                size_t n = 0;
                int shown = 0;
                for (size_t k = h->nfaults; k-- > 0 && shown < 3;) {
                        const ib_hfault_t *f = &h->faults[k];
                        if (f->t_ms > later)
                                continue;
                        char target[32] = "";
                        if (f->target >= 0 && f->target < r->nworkers && f->kind != IB_FAULT_BROKER_KILL)
                                snprintf(target, sizeof(target), " %s", r->w[f->target].name);
                        else if (f->kind == IB_FAULT_BROKER_KILL)
                                snprintf(target, sizeof(target), " b%d", f->target);
                        if (n < sizeof(faults))
                                n += (size_t)snprintf(faults + n, sizeof(faults) - n, "%s%s%s at +%.1f s", shown ? ", " : "",
                                                      ib_fault_kind_name(f->kind), target, (double)(f->t_ms - r->t0) / 1000.0);
                        shown++;
                }
                const char *wa = fw[x->file_a] >= 0 ? r->w[fw[x->file_a]].name : "an unnamed writer",
                           *wb = fw[b] >= 0 ? r->w[fw[b]].name : "an unnamed writer";
                snprintf(x->explanation, sizeof(x->explanation),
                         "%s/%d offsets %lld-%lld: %llu extra copies, in output of %s (written +%.1f s) and %s (+%.1f s); "
                         "%s%s (attributed by %s: the consumer wrote no event log)",
                         r->topic, (int)x->partition, (long long)x->from, (long long)x->until - 1,
                         (unsigned long long)x->count, wa, (double)(ta - r->t0) / 1000.0, wb,
                         (double)(tb - r->t0) / 1000.0,
                         shown ? "the latest faults before it: " : "no fault before it, so none to attribute it to",
                         faults,
                         r->kafka_sink ? "the records' \"worker\" field and timestamps" : "output folder and file time");
        }
}

/* "batch_files": each output file was written at once by one batch, so each
 * becomes a batch event per partition it holds (its offsets' span and
 * count, at the file's time, by the worker whose folder holds it): the
 * progress throughput and recovery time are measured from. */
static ib_err_t file_batches(const run_t *r, const ib_vlist_t *del, const int *fw, ib_history_t *h) {
        size_t cells = del->nfiles * (size_t)r->nparts;
        typedef struct {
                int64_t from, until, records;
        } span_t;
        span_t *sp = calloc(cells ? cells : 1, sizeof(*sp));
        if (!sp)
                return IB_ERR_NOMEM;
        for (size_t i = 0; i < del->n; i++) {
                const ib_vrec_t *d = &del->v[i];
                if (d->file < 0 || (size_t)d->file >= del->nfiles || d->partition < 0 || d->partition >= r->nparts)
                        continue;
                span_t *c = &sp[(size_t)d->file * (size_t)r->nparts + (size_t)d->partition];
                if (!c->records || d->offset < c->from)
                        c->from = d->offset;
                if (!c->records || d->offset + 1 > c->until)
                        c->until = d->offset + 1;
                c->records++;
        }
        ib_err_t err = IB_OK;
        for (size_t f = 0; f < del->nfiles && !err; f++)
                for (int p = 0; p < r->nparts && !err; p++) {
                        const span_t *c = &sp[f * (size_t)r->nparts + (size_t)p];
                        if (!c->records)
                                continue;
                        ib_hevent_t e = {.kind = IB_H_BATCH, .t_ms = del->files[f].mtime_ms, .sent_ms = -1,
                                         .worker = ib_history_worker(h, r->w[fw[f]].name), .incarnation = 0,
                                         .partition = p, .from = c->from, .until = c->until, .records = c->records,
                                         .batch = -1, .generation = -1};
                        err = e.worker < 0 ? IB_ERR_NOMEM : ib_history_add(h, &e);
                }
        free(sp);
        if (!err)
                ib_history_sort(h);
        return err;
}

static ib_err_t collect(run_t *r, int drained, int64_t drain_ms, ib_chaos_outcome_t *out, char *errstr,
                        size_t errstr_size) {
        r->phase = "check";
        ib_vlist_t prod = {0}, del = {0}, dead = {0}, log = {0};
        ib_history_t h = {0};
        ib_check_result_t res = {0};
        int *file_worker = NULL; /* an external consumer's output: each file's worker slot */
        uint64_t bad_lines = 0;
        ib_props_t props = {0};
        char run_id[64] = "";
        ib_err_t err;
        const char *brokers = r->o->cluster->brokers;
        end_offsets(r, errstr, errstr_size);
        if ((err = ib_verify_read_topic(brokers, &props, r->topic, 120000, &prod, errstr, errstr_size)) ||
            (err = r->s->external ? IB_OK
                   : r->kafka_sink
                       ? ib_verify_read_output(brokers, &props, r->out_topic, 1, "ts", 120000, &del, &bad_lines, errstr,
                                               errstr_size)
                       : ib_verify_read_dir(r->sink + 4, r->topic, 0, "ts", &del, &bad_lines, errstr, errstr_size)) ||
            (err = r->kafka_sink && !r->s->external
                       ? ib_verify_read_output(brokers, &props, r->out_topic, 0, "ts", 120000, &log,
                                                         &bad_lines, errstr, errstr_size)
                                 : IB_OK) ||
            (err = ib_verify_read_dir(r->dead, r->topic, 1, NULL, &dead, &bad_lines, errstr, errstr_size)) ||
            (err = read_history(r, &h, errstr, errstr_size)))
                goto done;
        ib_vlist_fix(&prod);
        if (r->s->external) { /* its output files (or records), each line's place found by its id */
                const char **names = worker_names(r);
                err = !names ? ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory")
                      : r->kafka_sink
                          ? ib_external_read_topic(brokers, &props, r->out_topic, names, r->nworkers, "ts", &del,
                                                   &file_worker, &bad_lines, errstr, errstr_size)
                          : ib_external_read_output(r->sink + 4, names, r->nworkers, "ts", &del, &file_worker,
                                                    &bad_lines, &r->uncommitted_files, errstr, errstr_size);
                free(names);
                if (err)
                        goto done;
                ib_vlist_fix(&del);
                for (size_t i = 0; i < h.n && !r->logs_batches; i++)
                        r->logs_batches = h.ev[i].kind == IB_H_BATCH;
                if (ib_external_resolve(&del, prod.v, prod.n) ||
                    (r->s->external->batch_files && !r->logs_batches && file_batches(r, &del, file_worker, &h))) {
                        err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                        goto done;
                }
        } else {
                ib_vlist_fix(&del);
        }
        ib_vlist_fix(&log);
        int64_t acked = producer_acked(r, run_id, sizeof(run_id));
        ib_check_input_t in = {.topic = r->topic, .produced = prod.v, .nproduced = prod.n, .delivered = del.v,
                               .ndelivered = del.n, .files = del.files, .nfiles = del.nfiles, .dead = dead.v,
                               .ndead = dead.n, .history = &h, .t0_ms = r->t0, .acked = acked,
                               .run_id = run_id[0] ? run_id : NULL,
                               .commits_cover_sink = r->s->mode->commits_cover_sink, .drained = drained,
                               .no_batch_log = r->s->external && !r->logs_batches,
                               .no_order = r->s->external && r->kafka_sink,
                               .file_worker = r->s->external ? file_worker : NULL,
                               .log = r->kafka_sink && !r->s->external ? log.v : NULL, .nlog = log.n,
                               .log_files = log.files,
                               .nlog_files = log.nfiles};
        if ((err = ib_check_run(&in, &res))) {
                ib_seterr(errstr, errstr_size, err, "out of memory checking the run");
                goto done;
        }
        if (r->s->external && !r->logs_batches)
                attribute_external(r, &res, &del, file_worker, &h);
        err = write_results(r, &in, &res, &h, drained, drain_ms, out, errstr, errstr_size);
done:
        free(file_worker);
        ib_check_result_free(&res);
        ib_history_free(&h);
        ib_vlist_free(&prod);
        ib_vlist_free(&del);
        ib_vlist_free(&dead);
        ib_vlist_free(&log);
        return err;
}

static ib_err_t prepare(run_t *r, char *errstr, size_t errstr_size) {
        const ib_chaos_opts_t *o = r->o;
        char dir[1200], clean[64];
        size_t k = 0;
        for (const char *c = r->s->name; *c && k < sizeof(clean) - 1; c++)
                clean[k++] = (char)((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' ? *c : '-');
        clean[k] = 0;
        snprintf(r->topic, sizeof(r->topic), "chaos-%s-%llu-%lld", clean, (unsigned long long)o->seed,
                 (long long)ib_now_ms() % 100000000);
        snprintf(r->group, sizeof(r->group), "g-%s", r->topic);
        r->kafka_sink = o->sink ? o->sink == 2 : r->s->kafka_sink;
        if (!r->kafka_sink && r->s->mode->sink_transactions)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "mode %s commits inside the output's Kafka transactions: --sink dir cannot run it",
                                 r->s->mode->name);
        if (r->s->mode->sink_transactions && o->cluster->kind == IB_CLUSTER_MOCK)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "mode %s cannot be measured on librdkafka's mock cluster: it takes TxnOffsetCommit and "
                                 "EndTxn without storing the offsets or aborting anything (run it on a real broker: "
                                 "--brokers local)",
                                 r->s->mode->name);
        snprintf(r->out_topic, sizeof(r->out_topic), "%s-out", r->topic);
        if (r->kafka_sink)
                snprintf(r->sink, sizeof(r->sink), "kafka:%s", r->out_topic);
        else
                snprintf(r->sink, sizeof(r->sink), "dir:%s/sink", o->out_dir);
        snprintf(r->dead, sizeof(r->dead), "%s/sink/deadletter", o->out_dir);
        snprintf(dir, sizeof(dir), "%s/workers", o->out_dir);
        ib_err_t err;
        if ((err = ib_fs_mkdirs(dir, errstr, errstr_size)) || (err = ib_schedule_build(r->s, o->seed, &r->sch)))
                return err == IB_ERR_NOMEM ? ib_seterr(errstr, errstr_size, err, "out of memory") : err;
        if (r->sch.n && !(r->applied = calloc(r->sch.n, sizeof(*r->applied))))
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        return IB_OK;
}

ib_err_t ib_chaos_run(const ib_chaos_opts_t *o, ib_chaos_outcome_t *out, char *errstr, size_t errstr_size) {
        memset(out, 0, sizeof(*out));
        run_t *r = calloc(1, sizeof(*r));
        if (!r)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        r->o = o;
        r->s = o->scenario;
        r->producer = SIZE_MAX;
        r->phase = "setup";
        ib_err_t err;
        if ((err = prepare(r, errstr, errstr_size)) || (err = open_client(r, errstr, errstr_size)) ||
            (err = create_topic(r, errstr, errstr_size)))
                goto done;
        r->t0 = ib_now_ms();
        for (int i = 0; i < r->s->workers && !err; i++)
                if (!add_worker(r, errstr, errstr_size))
                        err = IB_ERR_IO;
        if (err || (err = start_producer(r, errstr, errstr_size)) || (err = phase_faults(r, errstr, errstr_size)))
                goto done;
        int64_t drain_from = ib_now_ms();
        int drained = phase_drain(r, errstr, errstr_size);
        int64_t drain_ms = ib_now_ms() - drain_from;
        phase_stop(r);
        progress(r, 1);
        if (*o->stop) {
                err = ib_seterr(errstr, errstr_size, IB_ERR_TIMED_OUT, "interrupted");
                goto done;
        }
        err = collect(r, drained, drain_ms, out, errstr, errstr_size);
done:
        heal_net_faults(r); /* the rules of an interrupted run: the next run starts clean */
        if (err && r->t0) { /* stop what this run started; the cluster is the caller's */
                for (int i = 0; i < r->nworkers; i++)
                        if (running(r, &r->w[i]))
                                ib_sup_signal(o->sup, r->w[i].proc, SIGKILL);
                if (r->producer != SIZE_MAX)
                        ib_sup_signal(o->sup, r->producer, SIGKILL);
                ib_sup_reap(o->sup);
        }
        if (r->rk)
                rd_kafka_destroy(r->rk);
        if (r->group_rk)
                rd_kafka_destroy(r->group_rk);
        for (int i = 0; i < r->nworkers; i++)
                json_decref(r->w[i].exits);
        ib_schedule_free(&r->sch);
        ib_history_free(&r->faults_only);
        free(r->applied);
        free(r->pos);
        free(r->logged);
        free(r->done);
        free(r->end);
        free(r);
        return err;
}
