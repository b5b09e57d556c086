/* 0027-net: hosts of their own (net/hosts.h) on this kernel: two hosts on
 * the switch reach each other and the root namespace; a partition (both
 * ways, one way) and a 100% loss make a TCP connect time out, and healing
 * gives the link back; a delay holds a connect's SYN-ACK for its time;
 * ib_net_down() leaves nothing behind. Needs root: skipped (77) without. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"
#include "hosts.h"
#include "supervisor.h"

static ib_net_t net;
static char tmp[64], log_path[128];
static const ib_host_t *b1, *w1;

static int64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void enter(const char *ns) {
        char path[128];
        snprintf(path, sizeof(path), "/run/netns/%s", ns);
        int fd = open(path, O_RDONLY);
        if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
                _exit(99);
        close(fd);
}

/* A listener on @p addr:7000 in namespace @p ns that accepts until killed. */
static pid_t listener(const char *ns, const char *addr) {
        pid_t pid = fork();
        if (pid == 0) {
                enter(ns);
                int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
                setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
                struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(7000)};
                inet_pton(AF_INET, addr, &a.sin_addr);
                if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 16))
                        _exit(98);
                for (;;) {
                        int c = accept(s, NULL, NULL);
                        if (c >= 0)
                                close(c);
                }
        }
        struct timespec t = {0, 200 * 1000 * 1000};
        nanosleep(&t, NULL);
        return pid;
}

/* A TCP connect from namespace @p ns (NULL: this one) to @p addr:7000 within
 * @p timeout_ms. @returns the ms it took, or -1 when it did not connect. */
static int64_t connect_ms(const char *ns, const char *addr, int timeout_ms) {
        int pipefd[2];
        if (pipe(pipefd))
                return -1;
        pid_t pid = fork();
        if (pid == 0) {
                if (ns)
                        enter(ns);
                int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
                struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(7000)};
                inet_pton(AF_INET, addr, &a.sin_addr);
                int64_t t0 = now_ms(), took = -1;
                if (connect(s, (struct sockaddr *)&a, sizeof(a)) == 0)
                        took = 0;
                else if (errno == EINPROGRESS) {
                        struct pollfd p = {.fd = s, .events = POLLOUT};
                        int err = 0;
                        socklen_t len = sizeof(err);
                        if (poll(&p, 1, timeout_ms) == 1 && !getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) && !err)
                                took = now_ms() - t0;
                }
                if (write(pipefd[1], &took, sizeof(took)) != sizeof(took))
                        _exit(1);
                _exit(0);
        }
        close(pipefd[1]);
        int64_t took = -1;
        if (read(pipefd[0], &took, sizeof(took)) != sizeof(took))
                took = -1;
        close(pipefd[0]);
        waitpid(pid, NULL, 0);
        return took;
}

static void test_hosts_reach_each_other(void) {
        char err[512];
        const ib_host_t *again = NULL;
        CHECK_INT(ib_net_up(&net, log_path, err, sizeof(err)), IB_OK);
        b1 = ib_net_host(&net, "b1", err, sizeof(err));
        w1 = ib_net_host(&net, "w1", err, sizeof(err));
        CHECK(b1 && w1);
        if (!b1 || !w1)
                return;
        again = ib_net_host(&net, "b1", err, sizeof(err));
        CHECK(again == b1);
        CHECK(ib_net_host(&net, "x9", err, sizeof(err)) == NULL);
        CHECK(strstr(err, "x9") != NULL);
        CHECK(strcmp(b1->addr, w1->addr) != 0);
        pid_t l = listener(b1->ns, b1->addr);
        CHECK(connect_ms(w1->ns, b1->addr, 2000) >= 0);
        CHECK(connect_ms(NULL, b1->addr, 2000) >= 0); /* the root namespace, where the harness is */
        kill(l, SIGKILL);
        waitpid(l, NULL, 0);
}

static void test_partition_and_heal(void) {
        if (!b1 || !w1)
                return;
        char err[512];
        pid_t l = listener(b1->ns, b1->addr);
        const ib_host_t *peers[] = {b1};
        CHECK_INT(ib_net_partition(&net, 1, w1, peers, 1, IB_NET_BOTH, err, sizeof(err)), IB_OK);
        CHECK_INT(connect_ms(w1->ns, b1->addr, 1000), -1);
        CHECK(connect_ms(NULL, b1->addr, 2000) >= 0); /* only w1 is cut off */
        CHECK_INT(ib_net_heal(&net, 1, w1, err, sizeof(err)), IB_OK);
        CHECK(connect_ms(w1->ns, b1->addr, 2000) >= 0);
        /* one way, from b1's side: b1 hears nothing from w1, so no connect either */
        CHECK_INT(ib_net_partition(&net, 2, b1, (const ib_host_t *[]){w1}, 1, IB_NET_IN, err, sizeof(err)), IB_OK);
        CHECK_INT(connect_ms(w1->ns, b1->addr, 1000), -1);
        CHECK_INT(ib_net_heal(&net, 2, b1, err, sizeof(err)), IB_OK);
        CHECK(connect_ms(w1->ns, b1->addr, 2000) >= 0);
        /* healing what is not there is an error, said */
        CHECK(ib_net_heal(&net, 2, b1, err, sizeof(err)) != IB_OK);
        kill(l, SIGKILL);
        waitpid(l, NULL, 0);
}

static void test_loss(void) {
        if (!b1 || !w1)
                return;
        char err[512];
        pid_t l = listener(b1->ns, b1->addr);
        CHECK_INT(ib_net_loss(&net, 3, b1, 100.0, err, sizeof(err)), IB_OK);
        CHECK_INT(connect_ms(w1->ns, b1->addr, 1000), -1);
        CHECK_INT(ib_net_heal(&net, 3, b1, err, sizeof(err)), IB_OK);
        CHECK(connect_ms(w1->ns, b1->addr, 2000) >= 0);
        kill(l, SIGKILL);
        waitpid(l, NULL, 0);
}

static volatile sig_atomic_t never;

static void test_delay(void) {
        if (!b1 || !w1)
                return;
        char err[512];
        pid_t l = listener(b1->ns, b1->addr);
        int64_t before = connect_ms(w1->ns, b1->addr, 2000);
        pid_t d = fork();
        if (d == 0) { /* the delay process, in b1 */
                enter(b1->ns);
                char e[256];
                _exit(ib_net_delay_run(4, 300, 1000, &never, NULL, e, sizeof(e)) ? (fprintf(stderr, "%s\n", e), 1) : 0);
        }
        struct timespec t = {0, 300 * 1000 * 1000};
        nanosleep(&t, NULL);
        CHECK_INT(ib_net_queue(&net, 4, b1, 4, err, sizeof(err)), IB_OK);
        int64_t delayed = connect_ms(w1->ns, b1->addr, 3000);
        fprintf(stderr, "connect: %lld ms before, %lld ms with a 300 ms delay on b1\n", (long long)before,
                (long long)delayed);
        CHECK(before >= 0 && before < 250);
        CHECK(delayed >= 300 && delayed < 2000);
        CHECK_INT(ib_net_heal(&net, 4, b1, err, sizeof(err)), IB_OK);
        kill(d, SIGKILL); /* the rule is gone: nothing waits for it */
        waitpid(d, NULL, 0);
        CHECK(connect_ms(w1->ns, b1->addr, 2000) < 250);
        /* a queue nobody reads lets packets pass (--queue-bypass): a dead delay never cuts the link */
        CHECK_INT(ib_net_queue(&net, 5, b1, 5, err, sizeof(err)), IB_OK);
        int64_t unread = connect_ms(w1->ns, b1->addr, 2000);
        CHECK(unread >= 0 && unread < 250);
        CHECK_INT(ib_net_heal(&net, 5, b1, err, sizeof(err)), IB_OK);
        kill(l, SIGKILL);
        waitpid(l, NULL, 0);
}

static void test_down_leaves_nothing(void) {
        char left[1024];
        ib_net_leftovers(net.pid, left, sizeof(left));
        CHECK(strstr(left, "-switch") && strstr(left, "-b1") && strstr(left, "-w1"));
        CHECK_INT(ib_net_down(&net), 0);
        ib_net_leftovers(net.pid, left, sizeof(left));
        CHECK_STR(left, "");
}

/* A namespace of a harness that no longer runs is swept; one of a running one is not. */
static void test_sweep(void) {
        pid_t dead = fork();
        if (dead == 0)
                _exit(0);
        waitpid(dead, NULL, 0);
        char ns[64], mine[64], left[256];
        snprintf(ns, sizeof(ns), "ib-%ld-w1", (long)dead);
        snprintf(mine, sizeof(mine), "ib-%ld-w1", (long)getpid());
        const char *add[] = {"ip", "netns", "add", ns, NULL}, *add2[] = {"ip", "netns", "add", mine, NULL};
        const char *del2[] = {"ip", "netns", "del", mine, NULL};
        ib_run_io_t io = {0};
        CHECK_INT(ib_run_command(add, &io), 0);
        CHECK_INT(ib_run_command(add2, &io), 0);
        CHECK(ib_net_sweep(log_path) >= 1);
        ib_net_leftovers(dead, left, sizeof(left));
        CHECK_STR(left, "");
        ib_net_leftovers(getpid(), left, sizeof(left));
        CHECK_STR(left, mine);
        CHECK_INT(ib_run_command(del2, &io), 0);
}

int main(void) {
        if (geteuid() != 0) {
                fprintf(stderr, "skipped: network namespaces need root\n");
                return 77;
        }
        const char *probe[] = {"iptables", "--version", NULL};
        ib_run_io_t io = {0};
        if (ib_run_command(probe, &io) != 0) {
                fprintf(stderr, "skipped: no iptables (scripts/deps.sh installs it)\n");
                return 77;
        }
        if (!ib_tmpdir(tmp, sizeof(tmp)))
                return 1;
        snprintf(log_path, sizeof(log_path), "%s/net.log", tmp);
        IB_RUN(test_hosts_reach_each_other);
        IB_RUN(test_partition_and_heal);
        IB_RUN(test_loss);
        IB_RUN(test_delay);
        IB_RUN(test_down_leaves_nothing);
        IB_RUN(test_sweep);
        if (ib_test_failures)
                fprintf(stderr, "commands run: %s\n", log_path);
        else
                ib_tmpdir_rm(tmp);
        return IB_DONE();
}
