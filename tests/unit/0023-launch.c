/* 0023-launch: the command lines the harness and the bench start, built by
 * appending (base/argv.h, launch/commands.h): every word copied, NULL values
 * and zero numbers left out, a mode's own flags from its hook, "{worker}"
 * replaced by the worker's name; a helper (git, gnuplot) run to completion;
 * and a client name resolved to a library folder whose version is checked by
 * running the program with it (here a stand-in that names the folder's). */
#include "harness.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "argv.h"
#include "clients.h"
#include "commands.h"
#include "supervisor.h"

/* The words of @p a joined by spaces, into @p out. */
static const char *joined(const ib_argv_t *a, char *out, size_t size) {
        size_t n = 0;
        out[0] = '\0';
        for (size_t i = 0; i < a->n && n < size; i++)
                n += (size_t)snprintf(out + n, size - n, "%s%s", i ? " " : "", a->v[i]);
        return out;
}

static void appends_copies_and_skips_null(void) {
        ib_argv_t a = IB_ARGV_INIT;
        char word[16] = "first", buf[512];
        ib_argv_add(&a, word);
        snprintf(word, sizeof(word), "changed"); /* the builder kept its own copy */
        ib_argv_add(&a, NULL);
        ib_argv_add2(&a, "--flag", NULL);
        ib_argv_add2(&a, "--topic", "t");
        ib_argv_addf(&a, "%d/%d", 2, 5);
        for (int i = 0; i < 40; i++) /* past the first growth */
                ib_argv_add(&a, "x");
        CHECK(!ib_argv_failed(&a));
        CHECK_INT(a.n, 44);
        CHECK(a.v[a.n] == NULL);
        CHECK_STR(a.v[0], "first");
        CHECK_STR(a.v[1], "--topic");
        CHECK_STR(a.v[3], "2/5");
        joined(&a, buf, sizeof(buf));
        CHECK(!strncmp(buf, "first --topic t 2/5 x x", 23));
        ib_argv_free(&a);
        CHECK_INT(a.n, 0);
        CHECK(a.v == NULL);
}

static int hook_calls, hook_index, hook_count;
static void split_args(ib_argv_t *argv, int index, int count) {
        hook_calls++, hook_index = index, hook_count = count;
        ib_argv_add(argv, "--worker");
        ib_argv_addf(argv, "%d/%d", index, count);
}

static void builds_a_worker_line(void) {
        const char *extra[] = {"--commit", "async", "--group-instance-id", "member-{worker}-{worker}"};
        ib_worker_cmd_t cmd = {.self = "/bin/ib", .mode = "m", .brokers = "b:1", .topic = "t", .group = "g",
                               .state_dir = "/s", .sink = "dir:/o", .worker_id = "w2", .zookeeper = "z:2",
                               .index = 1, .count = 3, .mode_args = split_args, .extra = extra, .nextra = 4};
        ib_argv_t a = IB_ARGV_INIT;
        char buf[1024];
        CHECK_INT(ib_launch_worker_argv(&cmd, &a), IB_OK);
        CHECK_STR(joined(&a, buf, sizeof(buf)),
                  "/bin/ib run --mode m --brokers b:1 --topic t --group g --state-dir /s --sink dir:/o --worker-id w2 "
                  "--quiet --zookeeper z:2 --worker 1/3 --commit async --group-instance-id member-w2-w2");
        CHECK_INT(hook_calls, 1);
        CHECK_INT(hook_index, 1);
        CHECK_INT(hook_count, 3);
        ib_argv_free(&a);
        /* what the bench adds: dead letters, a pipeline level, exit when idle; no mode flags */
        ib_worker_cmd_t b = {.self = "/bin/ib", .mode = "m", .brokers = "b:1", .topic = "t", .group = "g",
                             .state_dir = "/s", .sink = "null", .dead_letter = "/d", .worker_id = "w1",
                             .pipeline = "none", .exit_when_idle_s = 1};
        CHECK_INT(ib_launch_worker_argv(&b, &a), IB_OK);
        CHECK_STR(joined(&a, buf, sizeof(buf)),
                  "/bin/ib run --mode m --brokers b:1 --topic t --group g --state-dir /s --sink null --dead-letter /d "
                  "--worker-id w1 --pipeline none --quiet --exit-when-idle 1");
        ib_argv_free(&a);
}

static void builds_a_producer_line(void) {
        ib_producer_cmd_t c = {.self = "/bin/ib", .brokers = "b:1", .topic = "t", .run_id = "run0",
                               .records = 40000, .partitions = 4, .replication_factor = 3, .rate = 10000,
                               .bad_ratio = 0.005, .seed = "2"};
        ib_argv_t a = IB_ARGV_INIT;
        char buf[1024];
        CHECK_INT(ib_launch_producer_argv(&c, &a), IB_OK);
        CHECK_STR(joined(&a, buf, sizeof(buf)),
                  "/bin/ib produce --brokers b:1 --topic t --records 40000 --partitions 4 --replication-factor 3 "
                  "--run-id run0 --seed 2 --rate 10000 --bad-ratio 0.005");
        ib_argv_free(&a);
        ib_producer_cmd_t d = {.self = "/bin/ib", .brokers = "b:1", .topic = "t", .run_id = "bench",
                               .records = 5, .partitions = 1, .size = 100, .stats_path = "/p.json"};
        CHECK_INT(ib_launch_producer_argv(&d, &a), IB_OK);
        CHECK_STR(joined(&a, buf, sizeof(buf)),
                  "/bin/ib produce --brokers b:1 --topic t --records 5 --partitions 1 --size 100 --run-id bench "
                  "--stats /p.json");
        ib_argv_free(&a);
}

/* A helper run to completion: its output captured, its exit status, a
 * program that is not there, a folder that cannot be entered. */
static void runs_a_helper_to_completion(void) {
        char out[8], dir[256], log[300];
        CHECK(ib_tmpdir(dir, sizeof(dir)) != NULL);
        snprintf(log, sizeof(log), "%s/err.log", dir);
        const char *echo[] = {"printf", "hello\nworld", NULL};
        ib_run_io_t io = {NULL, NULL, out, sizeof(out), NULL, 0, NULL};
        CHECK_INT(ib_run_command(echo, &io), 0);
        CHECK_STR(out, "hello\nw"); /* cut at out_size - 1, the rest read and dropped */
        const char *no[] = {"false", NULL};
        CHECK_INT(ib_run_command(no, &io), 1);
        CHECK_STR(out, "");
        const char *missing[] = {"no-such-program-ingestbench", NULL};
        CHECK_INT(ib_run_command(missing, &io), 127);
        ib_run_io_t away = {"/no/such/folder", NULL, NULL, 0, NULL, 0, NULL};
        CHECK_INT(ib_run_command(no, &away), 126);
        const char *ls[] = {"ls", "/no/such/file", NULL};
        ib_run_io_t logged = {dir, log, NULL, 0, NULL, 0, NULL};
        CHECK(ib_run_command(ls, &logged) > 0);
        struct stat st;
        CHECK(stat(log, &st) == 0 && st.st_size > 0 && (st.st_mode & 0777) == 0600);
        ib_tmpdir_rm(dir);
}

static volatile sig_atomic_t stop_flag;

static void *set_stop_soon(void *arg) {
        (void)arg;
        usleep(200 * 1000);
        stop_flag = 1; /* what a stop signal's handler does */
        return NULL;
}

/* A stop asked while a helper runs reaches the helper: it gets SIGTERM and
 * is waited for (killed by the signal: -1), instead of running its 60 s. */
static void forwards_a_stop(void) {
        const char *slow[] = {"sleep", "60", NULL};
        ib_run_io_t io = {NULL, NULL, NULL, 0, NULL, 0, &stop_flag};
        pthread_t t;
        stop_flag = 0;
        CHECK_INT(pthread_create(&t, NULL, set_stop_soon, NULL), 0);
        time_t t0 = time(NULL);
        CHECK_INT(ib_run_command(slow, &io), -1);
        CHECK(time(NULL) - t0 < 30);
        pthread_join(t, NULL);
}

/* The state letter of /proc/PID/stat ('S', 'T', 'Z'), or 0 once it is gone. */
static char proc_state(pid_t pid) {
        char path[64], buf[256];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        if (f)
                fclose(f);
        buf[n] = '\0';
        const char *paren = strrchr(buf, ')');
        return paren && paren[1] == ' ' ? paren[2] : 0;
}

/* Waits (up to 3 s) until @p pid is in a state @p want holds (0: gone or a zombie). */
static int await_state(pid_t pid, const char *want) {
        for (int i = 0; i < 150; i++) {
                char c = proc_state(pid);
                if (want ? c && strchr(want, c) : !c || c == 'Z')
                        return 1;
                usleep(20000);
        }
        return 0;
}

/* A process started in a group of its own: what it starts (a wrapper's
 * program, a driver's JVM) is paused and resumed with it; a stop request
 * reaches it alone; and what it leaves behind is killed when it is reaped. */
static void signals_a_process_group(void) {
        char dir[256], pidfile[300], script[1024];
        CHECK(ib_tmpdir(dir, sizeof(dir)) != NULL);
        snprintf(pidfile, sizeof(pidfile), "%s/child.pid", dir);
        snprintf(script, sizeof(script), "sleep 60 & echo $! > %s.tmp && mv %s.tmp %s; wait", pidfile, pidfile, pidfile);
        char *argv[] = {"/bin/sh", "-c", script, NULL};
        ib_sup_t sup = {0};
        size_t i;
        ib_spawn_io_t io = {.own_group = 1};
        char err[256];
        CHECK_INT(ib_sup_spawn(&sup, "leader", argv, &io, &i, err, sizeof(err)), IB_OK);
        pid_t child = 0;
        for (int k = 0; k < 150 && !child; k++) {
                FILE *f = fopen(pidfile, "r");
                int v = 0;
                if (f && fscanf(f, "%d", &v) == 1)
                        child = v;
                if (f)
                        fclose(f);
                if (!child)
                        usleep(20000);
        }
        CHECK(child > 0);
        if (child > 0) {
                CHECK_INT(getpgid(child), sup.procs[i].pid);
                CHECK_INT(ib_sup_signal(&sup, i, SIGSTOP), 0);
                CHECK(await_state(child, "T"));
                CHECK_INT(ib_sup_signal(&sup, i, SIGCONT), 0);
                CHECK(await_state(child, "SR"));
                CHECK_INT(ib_sup_signal(&sup, i, SIGTERM), 0); /* the leader only: sh dies, sleep lives on */
                CHECK(ib_sup_wait(&sup, i, 3000));
                CHECK(await_state(child, NULL)); /* killed when the leader was reaped */
        }
        ib_sup_stop_all(&sup, 1000);
        ib_sup_free(&sup);
        ib_tmpdir_rm(dir);
}

/* A worker-launch template: checked before anything starts, then expanded per worker. */
static void expands_a_launch_template(void) {
        char why[256];
        const char *docker[] = {"docker", "run", "-v", "{run}:{run}", "-w", "{cwd}", "--name", "ib-{worker}", "img",
                                "{args}", NULL};
        CHECK_INT(ib_launch_template_check(docker, why, sizeof(why)), 0);
        const char *none[] = {"ssh", "host", NULL}, *twice[] = {"x", "{args}", "{args}", NULL};
        const char *inside[] = {"x", "--a={args}", NULL}, *unknown[] = {"x", "{host}", "{args}", NULL};
        const char *alone[] = {"{args}", NULL};
        CHECK_INT(ib_launch_template_check(none, why, sizeof(why)), -1);
        CHECK(strstr(why, "found 0") != NULL);
        CHECK_INT(ib_launch_template_check(twice, why, sizeof(why)), -1);
        CHECK_INT(ib_launch_template_check(inside, why, sizeof(why)), -1);
        CHECK_INT(ib_launch_template_check(unknown, why, sizeof(why)), -1);
        CHECK(strstr(why, "{host}") != NULL);
        CHECK_INT(ib_launch_template_check(alone, why, sizeof(why)), -1);
        char *worker[] = {"/opt/ib/ingestbench", "run", "--mode", "direct", "--state-dir", "r/workers/w2", NULL};
        ib_launch_vars_t v = {.worker = "w2", .run = "/abs/r", .cwd = "/home/u"};
        ib_argv_t out = IB_ARGV_INIT;
        CHECK_INT(ib_launch_template_argv(docker, worker, &v, &out), IB_OK);
        const char *want[] = {"docker", "run", "-v", "/abs/r:/abs/r", "-w", "/home/u", "--name", "ib-w2", "img", "run",
                              "--mode", "direct", "--state-dir", "r/workers/w2", NULL};
        int n = 0;
        while (out.v && out.v[n])
                n++;
        CHECK_INT(n, 14);
        for (int i = 0; i < n && want[i]; i++)
                CHECK_STR(out.v[i], want[i]);
        ib_argv_free(&out);
}

static void compares_versions(void) {
        CHECK(ib_version_at_least("2.14.2", "2.12.0"));
        CHECK(ib_version_at_least("2.12.0", "2.12.0"));
        CHECK(ib_version_at_least("2.12", "2.12.0"));
        CHECK(ib_version_at_least("10.0.0", "9.99.99"));
        CHECK(!ib_version_at_least("2.0.2", "2.12.0"));
        CHECK(!ib_version_at_least("2.11.9", "2.12.0"));
        CHECK(!ib_version_at_least("1", "2.12.0"));
}

static void touch(const char *path) {
        FILE *f = fopen(path, "w");
        CHECK(f != NULL);
        if (f)
                fclose(f);
}

static void resolves_clients(void) {
        char dir[] = "/tmp/ib-0023-XXXXXX", path[1200], self[256], sys[256], cur[256];
        CHECK(mkdtemp(dir) != NULL);
        /* a project cache with one build, "current" pointing at it, and a system folder */
        snprintf(path, sizeof(path), "mkdir -p %s/.cache/librdkafka/2.99.1/lib %s/sys %s/bare && "
                 "ln -s 2.99.1 %s/.cache/librdkafka/current", dir, dir, dir, dir);
        CHECK_INT(system(path), 0);
        snprintf(cur, sizeof(cur), "%s/.cache/librdkafka/2.99.1/lib", dir);
        snprintf(path, sizeof(path), "%s/librdkafka.so.1", cur);
        touch(path);
        snprintf(sys, sizeof(sys), "%s/sys", dir);
        snprintf(path, sizeof(path), "%s/librdkafka.so.1", sys);
        touch(path);
        /* the program: says the version of the folder it was given */
        snprintf(self, sizeof(self), "%s/self", dir);
        FILE *f = fopen(self, "w");
        CHECK(f != NULL);
        if (!f)
                return;
        fprintf(f, "#!/bin/sh\ncase \"$LD_LIBRARY_PATH\" in\n *2.99.1*) v=2.99.1 ;;\n */sys) v=2.0.2 ;;\n"
                   " '') v=3.1.4 ;;\n *) exit 3 ;;\nesac\necho \"ingestbench 0.1.0 (librdkafka $v)\"\n");
        fclose(f);
        chmod(self, 0700);
        ib_client_places_t places = {self, dir, sys};
        ib_client_t c;
        char err[1024];
        CHECK_INT(ib_client_resolve("current", &places, &c, err, sizeof(err)), IB_OK);
        CHECK_STR(c.version, "2.99.1");
        CHECK(strstr(c.env, "LD_LIBRARY_PATH=") == c.env && strstr(c.env, "/.cache/librdkafka/2.99.1/lib"));
        CHECK_INT(ib_client_resolve("2.99.1", &places, &c, err, sizeof(err)), IB_OK);
        CHECK_STR(c.version, "2.99.1");
        CHECK_INT(ib_client_resolve("system", &places, &c, err, sizeof(err)), IB_OK);
        CHECK_STR(c.version, "2.0.2");
        /* a version not in the cache: the system's, when it is that version */
        CHECK_INT(ib_client_resolve("2.0.2", &places, &c, err, sizeof(err)), IB_OK);
        CHECK_STR(c.libdir, sys);
        CHECK_INT(ib_client_resolve("2.5.0", &places, &c, err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK(strstr(err, "client 2.5.0:") && strstr(err, "holds librdkafka 2.0.2"));
        /* a prefix (PREFIX/lib) or a library folder */
        snprintf(path, sizeof(path), "%s/.cache/librdkafka/2.99.1", dir);
        CHECK_INT(ib_client_resolve(path, &places, &c, err, sizeof(err)), IB_OK);
        CHECK_STR(c.version, "2.99.1");
        CHECK_INT(ib_client_resolve(sys, &places, &c, err, sizeof(err)), IB_OK);
        CHECK_STR(c.version, "2.0.2");
        /* linked: nothing changed in the environment */
        CHECK_INT(ib_client_resolve("linked", &places, &c, err, sizeof(err)), IB_OK);
        CHECK_STR(c.version, "3.1.4");
        CHECK_STR(c.env, "");
        const char *env[4], *more[] = {"A=1", NULL};
        ib_client_env(&c, more, env, 4);
        CHECK_STR(env[0], "A=1");
        CHECK(env[1] == NULL);
        /* refusals: nothing there, not a name, a program that does not run with it */
        snprintf(path, sizeof(path), "%s/bare", dir);
        CHECK_INT(ib_client_resolve(path, &places, &c, err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK(strstr(err, "no librdkafka.so.1 found") != NULL);
        CHECK_INT(ib_client_resolve("newest", &places, &c, err, sizeof(err)), IB_ERR_INVALID_ARG);
        ib_client_places_t nosys = {self, dir, ""};
        CHECK_INT(ib_client_resolve("system", &nosys, &c, err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK(strstr(err, "Debian's librdkafka1 package") != NULL);
        snprintf(path, sizeof(path), "%s/elsewhere", dir);
        CHECK_INT(mkdir(path, 0700), 0);
        snprintf(path + strlen(path), sizeof(path) - strlen(path), "/librdkafka.so.1");
        touch(path);
        *strrchr(path, '/') = '\0';
        CHECK_INT(ib_client_resolve(path, &places, &c, err, sizeof(err)), IB_ERR_FAILED);
        CHECK(strstr(err, "--version did not run") != NULL);
        ib_tmpdir_rm(dir);
}

int main(void) {
        IB_RUN(runs_a_helper_to_completion);
        IB_RUN(forwards_a_stop);
        IB_RUN(signals_a_process_group);
        IB_RUN(compares_versions);
        IB_RUN(expands_a_launch_template);
        IB_RUN(resolves_clients);
        IB_RUN(appends_copies_and_skips_null);
        IB_RUN(builds_a_worker_line);
        IB_RUN(builds_a_producer_line);
        return IB_DONE();
}
