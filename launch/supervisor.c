/*
 * supervisor.c: the harness's children (supervisor.h). fork/exec, so the
 * child can set its death signal and its stdio before exec; the parent only
 * records the pid. Reaping is wait4(WNOHANG) over the known pids (which also
 * gives each child's CPU time): the harness never waits for a child it did
 * not start.
 */
#define _GNU_SOURCE
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "clock.h"

/* In the child: stdio, environment, death signal, exec. Never returns. It
 * starts with every signal blocked (see ib_sup_spawn): a SIGTERM sent at once
 * must not run the harness's handler, inherited until exec, and be lost. */
static void child(char *const argv[], const ib_spawn_io_t *io, int in_fd, pid_t parent) {
        signal(SIGTERM, SIG_DFL);
        if (io->own_group)
                setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) /* the harness died before the line above */
                _exit(127);
        sigset_t mask;
        sigemptyset(&mask);
        if (io->hold_stop)
                sigaddset(&mask, SIGTERM);
        sigprocmask(SIG_SETMASK, &mask, NULL);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_IGN); /* Ctrl-C goes to the harness, which stops us in order */
        int devnull = open("/dev/null", O_RDWR);
        int in = in_fd >= 0 ? in_fd : devnull;
        int out = io->stdout_path ? open(io->stdout_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600) : devnull;
        int err = io->stderr_path ? open(io->stderr_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600) : devnull;
        if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
                _exit(126);
        for (int i = 0; io->env && io->env[i]; i++)
                putenv((char *)io->env[i]);
        if (io->netns) {
                char path[300];
                snprintf(path, sizeof(path), "/run/netns/%s", io->netns);
                int fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
                        dprintf(2, "entering network namespace %s: %s\n", io->netns, strerror(errno));
                        _exit(126);
                }
                close(fd);
        }
        execv(argv[0], argv);
        dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
}

ib_err_t ib_sup_spawn(ib_sup_t *sup, const char *name, char *const argv[], const ib_spawn_io_t *io, size_t *out,
                      char *errstr, size_t errstr_size) {
        if (ib_array_grow(&sup->procs, &sup->cap, sup->n + 1, sizeof(*sup->procs), 16))
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        int fds[2] = {-1, -1};
        if (io->stdin_pipe && pipe2(fds, O_CLOEXEC) < 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_IO, "pipe for %s: %s", name, strerror(errno));
        pid_t parent = getpid();
        fflush(NULL);
        /* every signal blocked across fork: the child decides what to let in */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        pid_t pid = fork();
        if (pid != 0)
                pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (pid < 0) {
                if (fds[0] >= 0)
                        close(fds[0]), close(fds[1]);
                return ib_seterr(errstr, errstr_size, IB_ERR_IO, "fork for %s: %s", name, strerror(errno));
        }
        if (pid == 0)
                child(argv, io, fds[0], parent);
        if (io->own_group) /* also here: a signal to the group may come before the child's own call */
                setpgid(pid, pid);
        if (fds[0] >= 0)
                close(fds[0]);
        ib_proc_t *p = &sup->procs[sup->n];
        memset(p, 0, sizeof(*p));
        p->own_group = io->own_group;
        snprintf(p->name, sizeof(p->name), "%s", name);
        p->pid = pid;
        p->started_ms = ib_now_ms();
        p->stdin_fd = fds[1];
        *out = sup->n++;
        return IB_OK;
}

static void reaped(ib_proc_t *p, int status, const struct rusage *ru) {
        if (p->own_group && p->pid > 0) /* what it started and left behind */
                kill(-p->pid, SIGKILL);
        p->status = status;
        if (ru) {
                p->cpu_user_us = (int64_t)ru->ru_utime.tv_sec * 1000000 + ru->ru_utime.tv_usec;
                p->cpu_sys_us = (int64_t)ru->ru_stime.tv_sec * 1000000 + ru->ru_stime.tv_usec;
                p->max_rss_kb = ru->ru_maxrss;
        }
        p->exited = 1;
        p->exited_ms = ib_now_ms();
        p->pid = 0;
        p->stopped = 0;
        if (p->stdin_fd >= 0)
                close(p->stdin_fd), p->stdin_fd = -1;
}

int ib_sup_reap(ib_sup_t *sup) {
        int n = 0;
        for (size_t i = 0; i < sup->n; i++) {
                ib_proc_t *p = &sup->procs[i];
                int status;
                struct rusage ru;
                if (p->exited || p->pid <= 0)
                        continue;
                pid_t r = wait4(p->pid, &status, WNOHANG, &ru);
                if (r == p->pid || (r < 0 && errno == ECHILD)) {
                        reaped(p, r == p->pid ? status : 0, r == p->pid ? &ru : NULL);
                        n++;
                }
        }
        return n;
}

int ib_sup_signal(ib_sup_t *sup, size_t i, int sig) {
        ib_proc_t *p = &sup->procs[i];
        if (p->exited || p->pid <= 0)
                return -1;
        int whole = p->own_group && (sig == SIGKILL || sig == SIGSTOP || sig == SIGCONT);
        if (kill(whole ? -p->pid : p->pid, sig) < 0)
                return -1;
        if (sig == SIGSTOP)
                p->stopped = 1;
        else if (sig == SIGCONT)
                p->stopped = 0;
        return 0;
}

int ib_sup_wait(ib_sup_t *sup, size_t i, int64_t timeout_ms) {
        int64_t end = ib_mono_us() + timeout_ms * 1000;
        for (;;) {
                ib_sup_reap(sup);
                if (sup->procs[i].exited)
                        return 1;
                if (ib_mono_us() >= end)
                        return 0;
                usleep(20000);
        }
}

int ib_sup_stop_all(ib_sup_t *sup, int64_t grace_ms) {
        for (size_t i = 0; i < sup->n; i++)
                if (!sup->procs[i].exited) {
                        ib_sup_signal(sup, i, SIGCONT);
                        ib_sup_signal(sup, i, SIGTERM);
                }
        int64_t end = ib_mono_us() + grace_ms * 1000;
        int running = 1;
        while (running && ib_mono_us() < end) {
                ib_sup_reap(sup);
                running = 0;
                for (size_t i = 0; i < sup->n; i++)
                        running |= !sup->procs[i].exited;
                if (running)
                        usleep(20000);
        }
        int killed = 0;
        for (size_t i = 0; i < sup->n; i++)
                if (!sup->procs[i].exited && ib_sup_signal(sup, i, SIGKILL) == 0) {
                        killed++;
                        int status;
                        struct rusage ru;
                        if (wait4(sup->procs[i].pid, &status, 0, &ru) == sup->procs[i].pid)
                                reaped(&sup->procs[i], status, &ru);
                }
        return killed;
}

const char *ib_sup_describe(const ib_proc_t *p, char *out, size_t size) {
        if (!p->exited)
                snprintf(out, size, p->stopped ? "paused" : "running");
        else if (WIFEXITED(p->status))
                snprintf(out, size, "exit %d", WEXITSTATUS(p->status));
        else if (WIFSIGNALED(p->status))
                snprintf(out, size, "killed by SIG%s", sigabbrev_np(WTERMSIG(p->status)) ? sigabbrev_np(WTERMSIG(p->status)) : "?");
        else
                snprintf(out, size, "gone");
        return out;
}

void ib_sup_free(ib_sup_t *sup) {
        for (size_t i = 0; i < sup->n; i++)
                if (sup->procs[i].stdin_fd >= 0)
                        close(sup->procs[i].stdin_fd);
        free(sup->procs);
        memset(sup, 0, sizeof(*sup));
}

int ib_run_command(const char *const *argv, const ib_run_io_t *io) {
        int fds[2] = {-1, -1};
        if (io->out && pipe2(fds, O_CLOEXEC) < 0)
                return -1;
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
                int devnull = open("/dev/null", O_RDWR);
                int err = io->stderr_path
                              ? open(io->stderr_path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600)
                              : devnull;
                if (devnull < 0 || dup2(devnull, 0) < 0 ||
                    (!io->keep_stdio && (dup2(io->out ? fds[1] : devnull, 1) < 0 || dup2(err >= 0 ? err : devnull, 2) < 0)))
                        _exit(126);
                if (io->cwd && chdir(io->cwd) != 0)
                        _exit(126);
                for (int i = 0; io->env && io->env[i]; i++)
                        putenv((char *)io->env[i]);
                execvp(argv[0], (char *const *)argv);
                _exit(127);
        }
        size_t len = 0;
        if (io->out) {
                close(fds[1]);
                char scratch[512];
                ssize_t r;
                while (pid > 0) {
                        int room = len + 1 < io->out_size;
                        r = read(fds[0], room ? io->out + len : scratch, room ? io->out_size - 1 - len : sizeof(scratch));
                        if (r < 0 && errno == EINTR)
                                continue;
                        if (r <= 0)
                                break;
                        len += room ? (size_t)r : 0;
                }
                close(fds[0]);
                io->out[len] = '\0';
        }
        int status = 0, forwarded = 0;
        pid_t w = -1;
        while (pid > 0) {
                /* With a stop flag, looked at every 50 ms (a signal may land just
                 * before a blocking wait): once set, the child is asked to stop
                 * too, and waited for. */
                if (io->stop && *io->stop && !forwarded) {
                        kill(pid, SIGTERM);
                        forwarded = 1;
                }
                w = waitpid(pid, &status, io->stop && !forwarded ? WNOHANG : 0);
                if (w == 0) {
                        struct timespec step = {0, 50 * 1000 * 1000};
                        nanosleep(&step, NULL);
                        continue;
                }
                if (w >= 0 || errno != EINTR)
                        break;
        }
        if (pid < 0 || w != pid || !WIFEXITED(status))
                return -1;
        return WEXITSTATUS(status);
}
