/*
 * hosts.c: namespaces, links and fault rules (hosts.h). Every change is a
 * command (`ip`, `iptables` in the host's namespace) run with fork/exec and
 * written to the log before it runs, so that the log replays what was done.
 */
#define _GNU_SOURCE
#include "hosts.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "supervisor.h"

#define MAX_ARGS 24

/* Runs the NULL-terminated @p argv, logged; @returns its exit status, -1 when it did not run. */
static int run_argv(const char *log, const char *const *argv) {
        FILE *fp = log && log[0] ? fopen(log, "a") : NULL;
        if (fp) {
                fputs("+", fp);
                for (int i = 0; argv[i]; i++)
                        fprintf(fp, " %s", argv[i]);
                fputs("\n", fp);
                fclose(fp);
        }
        ib_run_io_t io = {.stderr_path = log && log[0] ? log : NULL};
        return ib_run_command(argv, &io);
}

/* run(log, "ip", "link", ..., NULL) */
static int run(const char *log, ...) {
        const char *argv[MAX_ARGS + 1];
        va_list ap;
        va_start(ap, log);
        int n = 0;
        const char *a;
        while (n < MAX_ARGS && (a = va_arg(ap, const char *)))
                argv[n++] = a;
        va_end(ap);
        argv[n] = NULL;
        return run_argv(log, argv);
}

/* iptables in @p ns: "ip netns exec NS iptables -w 5 ARGS..." */
static int ipt(const ib_net_t *n, const char *ns, ...) {
        const char *argv[MAX_ARGS + 1] = {"ip", "netns", "exec", ns, "iptables", "-w", "5"};
        int k = 7;
        va_list ap;
        va_start(ap, ns);
        const char *a;
        while (k < MAX_ARGS && (a = va_arg(ap, const char *)))
                argv[k++] = a;
        va_end(ap);
        argv[k] = NULL;
        return run_argv(n->log, argv);
}

static ib_err_t failed(const ib_net_t *n, char *errstr, size_t errstr_size, const char *what) {
        return ib_seterr(errstr, errstr_size, IB_ERR_FAILED, "%s failed (the command and its error: %s)", what,
                         n->log);
}

ib_err_t ib_net_up(ib_net_t *n, const char *log, char *errstr, size_t errstr_size) {
        memset(n, 0, sizeof(*n));
        snprintf(n->log, sizeof(n->log), "%s", log ? log : "");
        if (geteuid() != 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_FAILED,
                                 "hosts of their own need root (network namespaces, links, iptables)");
        const char *probe[] = {"ip", "-V", NULL};
        ib_run_io_t quiet = {0};
        if (ib_run_command(probe, &quiet) != 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_FAILED,
                                 "hosts of their own need `ip` (Debian package iproute2): scripts/deps.sh");
        const char *probe2[] = {"iptables", "--version", NULL};
        if (ib_run_command(probe2, &quiet) != 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_FAILED,
                                 "hosts of their own need `iptables` (Debian package iptables): scripts/deps.sh");
        ib_net_sweep(n->log);
        n->pid = (long)getpid();
        /* 10.X.Y from the pid; another harness's subnet (pids 25600 apart) is stepped over */
        for (long k = 0; k < 64; k++) {
                snprintf(n->prefix, sizeof(n->prefix), "10.%ld.%ld", 100 + ((n->pid >> 8) + k / 256) % 100,
                         (n->pid + k) & 255);
                char to[32], used[256] = "";
                snprintf(to, sizeof(to), "%s.0/24", n->prefix);
                const char *show[] = {"ip", "-o", "addr", "show", "to", to, NULL};
                ib_run_io_t io = {.out = used, .out_size = sizeof(used)};
                if (ib_run_command(show, &io) == 0 && !used[0])
                        break;
        }
        snprintf(n->gateway, sizeof(n->gateway), "%s.1", n->prefix);
        snprintf(n->sw, sizeof(n->sw), "ib-%ld-switch", n->pid);
        snprintf(n->root_if, sizeof(n->root_if), "ib%ld", n->pid);
        if (run(n->log, "ip", "netns", "add", n->sw, NULL))
                return failed(n, errstr, errstr_size, "making the switch's namespace");
        n->up = 1;
        char cidr[32];
        snprintf(cidr, sizeof(cidr), "%s/24", n->gateway);
        if (run(n->log, "ip", "-n", n->sw, "link", "set", "dev", "lo", "up", NULL) ||
            run(n->log, "ip", "-n", n->sw, "link", "add", "br0", "type", "bridge", NULL) ||
            run(n->log, "ip", "-n", n->sw, "link", "set", "dev", "br0", "up", NULL) ||
            run(n->log, "ip", "link", "add", n->root_if, "type", "veth", "peer", "name", "uplink", "netns", n->sw, NULL) ||
            run(n->log, "ip", "addr", "add", cidr, "dev", n->root_if, NULL) ||
            run(n->log, "ip", "link", "set", "dev", n->root_if, "up", NULL) ||
            run(n->log, "ip", "-n", n->sw, "link", "set", "dev", "uplink", "master", "br0", "up", NULL))
                return failed(n, errstr, errstr_size, "making the switch");
        return IB_OK;
}

const ib_host_t *ib_net_find(const ib_net_t *n, const char *name) {
        for (int i = 0; i < n->nhosts; i++)
                if (!strcmp(n->hosts[i].name, name))
                        return &n->hosts[i];
        return NULL;
}

/* The last number of @p name's address: zk 2, bN 10+N, wN 100+N; 0 for a name that is none. */
static int host_number(const char *name) {
        if (!strcmp(name, "zk"))
                return 2;
        char *end;
        if ((name[0] != 'b' && name[0] != 'w') || name[1] < '1' || name[1] > '9')
                return 0;
        long k = strtol(name + 1, &end, 10);
        if (*end || (name[0] == 'b' && k > 9) || (name[0] == 'w' && k > 64))
                return 0;
        return (int)(name[0] == 'b' ? 10 + k : 100 + k);
}

const ib_host_t *ib_net_host(ib_net_t *n, const char *name, char *errstr, size_t errstr_size) {
        const ib_host_t *have = ib_net_find(n, name);
        if (have)
                return have;
        int num = host_number(name);
        if (!n->up || !num || n->nhosts == IB_NET_MAX_HOSTS) {
                ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "no host \"%s\" can be made (zk, b1-b9, w1-w64)",
                          name);
                return NULL;
        }
        ib_host_t *h = &n->hosts[n->nhosts];
        snprintf(h->name, sizeof(h->name), "%s", name);
        snprintf(h->ns, sizeof(h->ns), "ib-%ld-%s", n->pid, name);
        snprintf(h->addr, sizeof(h->addr), "%s.%d", n->prefix, num);
        char cidr[32], peer[16];
        snprintf(cidr, sizeof(cidr), "%s/24", h->addr);
        snprintf(peer, sizeof(peer), "h-%s", name);
        if (run(n->log, "ip", "netns", "add", h->ns, NULL)) {
                failed(n, errstr, errstr_size, "making a host's namespace");
                return NULL;
        }
        n->nhosts++; /* from here on, ib_net_down() removes it */
        if (run(n->log, "ip", "-n", h->ns, "link", "set", "dev", "lo", "up", NULL) ||
            run(n->log, "ip", "-n", h->ns, "link", "add", "eth0", "type", "veth", "peer", "name", peer, "netns", n->sw,
                NULL) ||
            run(n->log, "ip", "-n", h->ns, "addr", "add", cidr, "dev", "eth0", NULL) ||
            run(n->log, "ip", "-n", h->ns, "link", "set", "dev", "eth0", "up", NULL) ||
            run(n->log, "ip", "-n", n->sw, "link", "set", "dev", peer, "master", "br0", "up", NULL)) {
                failed(n, errstr, errstr_size, "linking a host to the switch");
                return NULL;
        }
        return h;
}

/* A fault's chain, made empty and jumped to from the host's link both ways. */
static ib_err_t chain_new(ib_net_t *n, int id, const ib_host_t *h, char *chain, size_t size, char *errstr,
                          size_t errstr_size) {
        snprintf(chain, size, "IBF%d", id);
        if (ipt(n, h->ns, "-N", chain, NULL))
                return failed(n, errstr, errstr_size, "making a fault's rule chain");
        return IB_OK;
}

static ib_err_t chain_jump(ib_net_t *n, const ib_host_t *h, const char *chain, char *errstr, size_t errstr_size) {
        if (ipt(n, h->ns, "-I", "INPUT", "-i", "eth0", "-j", chain, NULL) ||
            ipt(n, h->ns, "-I", "OUTPUT", "-o", "eth0", "-j", chain, NULL))
                return failed(n, errstr, errstr_size, "turning a fault's rules on");
        return IB_OK;
}

ib_err_t ib_net_partition(ib_net_t *n, int id, const ib_host_t *h, const ib_host_t *const *peers, int npeers,
                          ib_net_direction_t dir, char *errstr, size_t errstr_size) {
        char chain[16];
        ib_err_t err = chain_new(n, id, h, chain, sizeof(chain), errstr, errstr_size);
        /* On INPUT the source is the peer, on OUTPUT the destination is: one
         * chain, jumped to from both, holds either or both directions. */
        for (int i = 0; !err && i < npeers; i++)
                if ((dir != IB_NET_OUT && ipt(n, h->ns, "-A", chain, "-s", peers[i]->addr, "-j", "DROP", NULL)) ||
                    (dir != IB_NET_IN && ipt(n, h->ns, "-A", chain, "-d", peers[i]->addr, "-j", "DROP", NULL)))
                        err = failed(n, errstr, errstr_size, "adding a partition's rule");
        return err ? err : chain_jump(n, h, chain, errstr, errstr_size);
}

ib_err_t ib_net_loss(ib_net_t *n, int id, const ib_host_t *h, double percent, char *errstr, size_t errstr_size) {
        char chain[16], p[32];
        snprintf(p, sizeof(p), "%.6f", percent / 100.0);
        ib_err_t err = chain_new(n, id, h, chain, sizeof(chain), errstr, errstr_size);
        if (!err && ipt(n, h->ns, "-A", chain, "-m", "statistic", "--mode", "random", "--probability", p, "-j", "DROP",
                        NULL))
                err = failed(n, errstr, errstr_size, "adding a loss rule");
        return err ? err : chain_jump(n, h, chain, errstr, errstr_size);
}

ib_err_t ib_net_queue(ib_net_t *n, int id, const ib_host_t *h, int queue, char *errstr, size_t errstr_size) {
        char chain[16], q[16];
        snprintf(q, sizeof(q), "%d", queue);
        ib_err_t err = chain_new(n, id, h, chain, sizeof(chain), errstr, errstr_size);
        /* only what the host sends: its own address as the source */
        if (!err && ipt(n, h->ns, "-A", chain, "-s", h->addr, "-j", "NFQUEUE", "--queue-num", q, "--queue-bypass", NULL))
                err = failed(n, errstr, errstr_size, "adding a delay's queue rule");
        return err ? err : chain_jump(n, h, chain, errstr, errstr_size);
}

ib_err_t ib_net_heal(ib_net_t *n, int id, const ib_host_t *h, char *errstr, size_t errstr_size) {
        char chain[16];
        snprintf(chain, sizeof(chain), "IBF%d", id);
        int bad = ipt(n, h->ns, "-D", "INPUT", "-i", "eth0", "-j", chain, NULL) != 0;
        bad |= ipt(n, h->ns, "-D", "OUTPUT", "-o", "eth0", "-j", chain, NULL) != 0;
        bad |= ipt(n, h->ns, "-F", chain, NULL) != 0;
        bad |= ipt(n, h->ns, "-X", chain, NULL) != 0;
        return bad ? failed(n, errstr, errstr_size, "removing a fault's rules") : IB_OK;
}

/* Whether /sys/class/net/@p name exists. */
static int link_exists(const char *name) {
        char path[128];
        snprintf(path, sizeof(path), "/sys/class/net/%s", name);
        struct stat st;
        return stat(path, &st) == 0;
}

int ib_net_down(ib_net_t *n) {
        if (!n->up)
                return 0;
        int left = 0;
        for (int i = n->nhosts - 1; i >= 0; i--)
                left += run(n->log, "ip", "netns", "del", n->hosts[i].ns, NULL) != 0;
        left += run(n->log, "ip", "netns", "del", n->sw, NULL) != 0;
        /* the root link goes with its peer in the switch; the kernel frees a
         * namespace in the background, so wait for it (bounded), then make sure */
        for (int i = 0; i < 100 && link_exists(n->root_if); i++) {
                struct timespec step = {0, 20 * 1000 * 1000};
                nanosleep(&step, NULL);
        }
        if (link_exists(n->root_if))
                left += run(n->log, "ip", "link", "del", n->root_if, NULL) != 0;
        n->up = 0;
        n->nhosts = 0;
        return left;
}

ib_err_t ib_net_servers(ib_net_t *n, const char *log, int brokers, int zk, ib_net_servers_t *out, char *errstr,
                        size_t errstr_size) {
        memset(out, 0, sizeof(*out));
        if (brokers < 1 || brokers > 3)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "1 to 3 brokers, not %d", brokers);
        ib_err_t err = ib_net_up(n, log, errstr, errstr_size);
        int k = 0;
        for (int i = zk ? 0 : 1; !err && i <= brokers; i++) {
                char name[16];
                snprintf(name, sizeof(name), i ? "b%d" : "zk", i);
                const ib_host_t *h = ib_net_host(n, name, errstr, errstr_size);
                if (!h)
                        return IB_ERR_FAILED;
                if (i)
                        snprintf(out->args[k], sizeof(out->args[k]), "broker-%d=%s@%s", i, h->ns, h->addr);
                else
                        snprintf(out->args[k], sizeof(out->args[k]), "zookeeper=%s@%s", h->ns, h->addr);
                out->list[k] = out->args[k];
                k++;
        }
        return err;
}

void ib_net_finish(ib_net_t *n, char *left, size_t size) {
        left[0] = '\0';
        if (!n->up)
                return;
        long pid = n->pid;
        ib_net_down(n);
        ib_net_leftovers(pid, left, size);
}

/* "ib-PID-..." or "ibPID": PID, or 0 when @p name is not one of ours. */
static long owner_pid(const char *name, int netns) {
        if (strncmp(name, "ib", 2))
                return 0;
        const char *p = name + 2 + (netns && name[2] == '-');
        if (netns && name[2] != '-')
                return 0;
        char *end;
        long pid = strtol(p, &end, 10);
        if (end == p || pid <= 0 || (netns ? *end != '-' : *end != '\0'))
                return 0;
        return pid;
}

static int pid_alive(long pid) { return kill((pid_t)pid, 0) == 0 || errno == EPERM; }

int ib_net_sweep(const char *log) {
        int removed = 0;
        DIR *d = opendir("/run/netns");
        struct dirent *e;
        while (d && (e = readdir(d))) {
                long pid = owner_pid(e->d_name, 1);
                if (pid && pid != (long)getpid() && !pid_alive(pid) && run(log, "ip", "netns", "del", e->d_name, NULL) == 0)
                        removed++;
        }
        if (d)
                closedir(d);
        if ((d = opendir("/sys/class/net")))
                while ((e = readdir(d))) {
                        long pid = owner_pid(e->d_name, 0);
                        if (pid && pid != (long)getpid() && !pid_alive(pid))
                                run(log, "ip", "link", "del", e->d_name, NULL);
                }
        if (d)
                closedir(d);
        if (removed && log && log[0]) {
                FILE *fp = fopen(log, "a");
                if (fp) {
                        fprintf(fp, "# removed %d namespace(s) of harnesses that no longer run\n", removed);
                        fclose(fp);
                }
        }
        return removed;
}

void ib_net_leftovers(long pid, char *out, size_t size) {
        size_t len = 0;
        out[0] = '\0';
        const char *dirs[] = {"/run/netns", "/sys/class/net"};
        for (int k = 0; k < 2; k++) {
                DIR *d = opendir(dirs[k]);
                struct dirent *e;
                while (d && (e = readdir(d)))
                        if (owner_pid(e->d_name, k == 0) == pid && len < size)
                                len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "," : "", e->d_name);
                if (d)
                        closedir(d);
        }
}
