/*
 * delay.c: a link delay without netem (hosts.h, ib_net_delay_run). The
 * host's packets come to this process through NFQUEUE (netlink, copy mode
 * "meta": the kernel keeps the packet, we get its id), wait here, and are
 * let go in order. Ids rise in the order the packets came, so one batch
 * verdict ("every id up to N: accept") releases all the due ones at once.
 */
#define _GNU_SOURCE
#include "hosts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>

#include "clock.h"

typedef struct {
        uint32_t id;
        int64_t due_us;
} held_t;

typedef struct {
        int fd;
        uint16_t queue;
        uint32_t seq;
} nfq_t;

/* Appends attribute @p type with @p len bytes to the message in @p buf. */
static void put_attr(char *buf, uint16_t type, const void *data, size_t len) {
        struct nlmsghdr *nh = (struct nlmsghdr *)buf;
        struct nlattr *a = (struct nlattr *)(buf + NLMSG_ALIGN(nh->nlmsg_len));
        a->nla_type = type;
        a->nla_len = (uint16_t)(NLA_HDRLEN + len);
        memcpy((char *)a + NLA_HDRLEN, data, len);
        nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* Starts a queue message of @p type in @p buf. */
static void msg_start(nfq_t *q, char *buf, uint16_t type, int ack) {
        memset(buf, 0, NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg)));
        struct nlmsghdr *nh = (struct nlmsghdr *)buf;
        nh->nlmsg_type = (uint16_t)((NFNL_SUBSYS_QUEUE << 8) | type);
        nh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | (ack ? NLM_F_ACK : 0));
        nh->nlmsg_seq = ++q->seq;
        nh->nlmsg_len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
        struct nfgenmsg *g = NLMSG_DATA(nh);
        g->nfgen_family = AF_UNSPEC;
        g->version = NFNETLINK_V0;
        g->res_id = htons(q->queue);
}

static int msg_send(nfq_t *q, char *buf) {
        struct sockaddr_nl to = {.nl_family = AF_NETLINK};
        struct nlmsghdr *nh = (struct nlmsghdr *)buf;
        return sendto(q->fd, buf, nh->nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)nh->nlmsg_len ? 0
                                                                                                                   : -1;
}

/* Sends a configuration message and reads its acknowledgement. @returns 0 or an errno. */
static int configure(nfq_t *q, char *buf, size_t size) {
        if (msg_send(q, buf))
                return errno;
        ssize_t r = recv(q->fd, buf, size, 0);
        if (r < 0)
                return errno;
        struct nlmsghdr *nh = (struct nlmsghdr *)buf;
        if (r >= (ssize_t)NLMSG_HDRLEN && nh->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *e = NLMSG_DATA(nh);
                return -e->error;
        }
        return 0;
}

static int verdict(nfq_t *q, uint16_t type, uint32_t id, uint32_t v) {
        char buf[128];
        msg_start(q, buf, type, 0);
        struct nfqnl_msg_verdict_hdr vh = {.verdict = htonl(v), .id = htonl(id)};
        put_attr(buf, NFQA_VERDICT_HDR, &vh, sizeof(vh));
        return msg_send(q, buf);
}

/* The packet id in a NFQNL_MSG_PACKET message, or -1. */
static int64_t packet_id(const struct nlmsghdr *nh) {
        size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
        while (off + NLA_HDRLEN <= nh->nlmsg_len) {
                const struct nlattr *a = (const struct nlattr *)((const char *)nh + off);
                if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nh->nlmsg_len)
                        return -1;
                if ((a->nla_type & NLA_TYPE_MASK) == NFQA_PACKET_HDR &&
                    a->nla_len >= NLA_HDRLEN + sizeof(struct nfqnl_msg_packet_hdr)) {
                        struct nfqnl_msg_packet_hdr ph;
                        memcpy(&ph, (const char *)a + NLA_HDRLEN, sizeof(ph));
                        return ntohl(ph.packet_id);
                }
                off += NLA_ALIGN(a->nla_len);
        }
        return -1;
}

ib_err_t ib_net_delay_run(int queue, int64_t delay_ms, int limit, volatile sig_atomic_t *stop, FILE *say,
                          char *errstr, size_t errstr_size) {
        if (queue < 0 || queue > 65535 || delay_ms < 0 || limit < 1)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "queue 0-65535, delay >= 0, limit >= 1");
        nfq_t q = {.queue = (uint16_t)queue};
        q.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
        if (q.fd < 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_FAILED, "netfilter netlink socket: %s", strerror(errno));
        int rcv = 4 << 20;
        setsockopt(q.fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
        struct sockaddr_nl me = {.nl_family = AF_NETLINK};
        char buf[65536];
        held_t *ring = calloc((size_t)limit, sizeof(*ring));
        ib_err_t err = IB_OK;
        int e;
        if (!ring) {
                close(q.fd);
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        }
        if (bind(q.fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
                err = ib_seterr(errstr, errstr_size, IB_ERR_FAILED, "binding the netlink socket: %s", strerror(errno));
                goto out;
        }
        msg_start(&q, buf, NFQNL_MSG_CONFIG, 1);
        struct nfqnl_msg_config_cmd cmd = {.command = NFQNL_CFG_CMD_BIND, .pf = htons(AF_INET)};
        put_attr(buf, NFQA_CFG_CMD, &cmd, sizeof(cmd));
        if ((e = configure(&q, buf, sizeof(buf)))) {
                err = ib_seterr(errstr, errstr_size, IB_ERR_FAILED, "binding NFQUEUE %d: %s", queue, strerror(e));
                goto out;
        }
        msg_start(&q, buf, NFQNL_MSG_CONFIG, 1);
        struct nfqnl_msg_config_params params = {.copy_range = htonl(0), .copy_mode = NFQNL_COPY_META};
        uint32_t maxlen = htonl((uint32_t)limit + 64);
        put_attr(buf, NFQA_CFG_PARAMS, &params, sizeof(params));
        put_attr(buf, NFQA_CFG_QUEUE_MAXLEN, &maxlen, sizeof(maxlen));
        if ((e = configure(&q, buf, sizeof(buf)))) {
                err = ib_seterr(errstr, errstr_size, IB_ERR_FAILED, "configuring NFQUEUE %d: %s", queue, strerror(e));
                goto out;
        }
        if (say) {
                fprintf(say, "ingestbench net-delay: holds queue %d, every packet %lld ms\n", queue, (long long)delay_ms);
                fflush(say);
        }
        size_t head = 0, n = 0;
        int64_t last_id = -1;
        while (!*stop) {
                int64_t now = ib_mono_us();
                /* every packet that is due: one verdict for all */
                int64_t release = -1;
                while (n && ring[head].due_us <= now) {
                        release = ring[head].id;
                        head = (head + 1) % (size_t)limit, n--;
                }
                if (release >= 0 && verdict(&q, NFQNL_MSG_VERDICT_BATCH, (uint32_t)release, NF_ACCEPT)) {
                        err = ib_seterr(errstr, errstr_size, IB_ERR_IO, "verdict: %s", strerror(errno));
                        break;
                }
                int64_t wait_ms = n ? (ring[head].due_us - now + 999) / 1000 : 100;
                struct pollfd pfd = {.fd = q.fd, .events = POLLIN};
                int pr = poll(&pfd, 1, (int)(wait_ms > 100 ? 100 : wait_ms < 0 ? 0 : wait_ms));
                if (pr <= 0)
                        continue;
                ssize_t r = recv(q.fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (r < 0) {
                        if (errno == EINTR || errno == EAGAIN || errno == ENOBUFS)
                                continue; /* ENOBUFS: the kernel dropped some, as a full queue does */
                        err = ib_seterr(errstr, errstr_size, IB_ERR_IO, "reading NFQUEUE %d: %s", queue, strerror(errno));
                        break;
                }
                now = ib_mono_us();
                for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)r); nh = NLMSG_NEXT(nh, r)) {
                        if (nh->nlmsg_type != ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET))
                                continue;
                        int64_t id = packet_id(nh);
                        if (id < 0)
                                continue;
                        last_id = id;
                        if (n == (size_t)limit) { /* full: this one is dropped */
                                verdict(&q, NFQNL_MSG_VERDICT, (uint32_t)id, NF_DROP);
                                continue;
                        }
                        ring[(head + n) % (size_t)limit] = (held_t){(uint32_t)id, now + delay_ms * 1000};
                        n++;
                }
        }
        if (last_id >= 0) /* stopping: whatever waits goes now, never lost */
                verdict(&q, NFQNL_MSG_VERDICT_BATCH, (uint32_t)last_id, NF_ACCEPT);
out:
        free(ring);
        close(q.fd);
        return err;
}
