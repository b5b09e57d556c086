/*
 * zk.c: ZooKeeper session plumbing. The watcher runs in the client's
 * completion thread; it only flips flags under a mutex, and waiters use a
 * condition variable with a deadline, so no wait is unbounded.
 */
#include "zk.h"

#include "clock.h"
#include "fault.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

IB_FAULT_POINTS("zk.expire")

struct ib_zk_s {
        zhandle_t *zh;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        int connected;
        int expired;
        char *hosts;    /* the connect string, for ib_zk_force_expiry */
};

static void watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
        (void)zh, (void)path;
        ib_zk_t *zk = ctx;
        if (type != ZOO_SESSION_EVENT)
                return;
        pthread_mutex_lock(&zk->lock);
        if (state == ZOO_CONNECTED_STATE)
                zk->connected = 1;
        else if (state == ZOO_EXPIRED_SESSION_STATE)
                zk->expired = 1, zk->connected = 0;
        else
                zk->connected = 0;
        pthread_cond_broadcast(&zk->cond);
        pthread_mutex_unlock(&zk->lock);
}

const ib_option_t ib_zk_options[] = {
    IB_OPT_STR(ib_zk_conf_t, hosts, "zookeeper", "HOST:PORT", NULL, "ZooKeeper connect string"),
    IB_OPT_INT(ib_zk_conf_t, session_timeout_ms, "zk-session-timeout-ms", "MS", "6000", 1000, 600000,
               "ZooKeeper session timeout"),
    IB_OPT_END,
};

ib_err_t ib_zk_connect(const char *hosts, int session_timeout_ms, int connect_timeout_ms,
                       ib_zk_t **out, char *errstr, size_t errstr_size) {
        static int log_set;
        if (!log_set) {
                const char *lvl = getenv("INGESTBENCH_ZK_LOG"); /* 0 (off) .. 4 (debug) */
                zoo_set_debug_level((ZooLogLevel)(lvl ? atoi(lvl) : 0));
                log_set = 1;
        }
        ib_zk_t *zk = calloc(1, sizeof(*zk));
        if (!zk)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        pthread_mutex_init(&zk->lock, NULL);
        pthread_cond_init(&zk->cond, NULL);
        zk->hosts = strdup(hosts);
        zk->zh = zookeeper_init(hosts, watcher, session_timeout_ms, NULL, zk, 0);
        if (!zk->zh) {
                ib_err_t err = ib_seterr(errstr, errstr_size, IB_ERR_ZK, "ZooKeeper %s: %s", hosts,
                                         strerror(errno));
                ib_zk_close(zk);
                return err;
        }
        struct timespec dl;
        ib_deadline_ms(&dl, connect_timeout_ms);
        pthread_mutex_lock(&zk->lock);
        int rc = 0;
        while (!zk->connected && !zk->expired && rc != ETIMEDOUT)
                rc = pthread_cond_timedwait(&zk->cond, &zk->lock, &dl);
        int ok = zk->connected;
        pthread_mutex_unlock(&zk->lock);
        if (!ok) {
                ib_zk_close(zk);
                return ib_seterr(errstr, errstr_size, IB_ERR_ZK_UNREACHABLE,
                                 "no ZooKeeper server at %s answered within %d ms", hosts,
                                 connect_timeout_ms);
        }
        *out = zk;
        return IB_OK;
}

void ib_zk_close(ib_zk_t *zk) {
        if (!zk)
                return;
        if (zk->zh)
                zookeeper_close(zk->zh);
        free(zk->hosts);
        pthread_cond_destroy(&zk->cond);
        pthread_mutex_destroy(&zk->lock);
        free(zk);
}

zhandle_t *ib_zk_handle(ib_zk_t *zk) { return zk->zh; }

int ib_zk_expired(ib_zk_t *zk) {
        /* the chaos harness's zk-expire: every session check of every mode
         * comes through here, whether or not the worker owns anything */
        char err[160];
        if (ib_fault("zk.expire") && ib_zk_force_expiry(zk, 15000, err, sizeof(err)))
                fprintf(stderr, "ingestbench: fault zk.expire: %s\n", err);
        pthread_mutex_lock(&zk->lock);
        int e = zk->expired;
        pthread_mutex_unlock(&zk->lock);
        return e;
}

int ib_zk_usable(ib_zk_t *zk) {
        return !ib_zk_expired(zk) && zoo_state(zk->zh) == ZOO_CONNECTED_STATE;
}

/* Waits, until @p dl, for @p zk to be connected or expired; returns the flag
 * asked for (@p want_expired selects which). */
static int wait_state(ib_zk_t *zk, int want_expired, const struct timespec *dl) {
        pthread_mutex_lock(&zk->lock);
        int rc = 0;
        while (!zk->expired && !(zk->connected && !want_expired) && rc != ETIMEDOUT)
                rc = pthread_cond_timedwait(&zk->cond, &zk->lock, dl);
        int r = want_expired ? zk->expired : zk->connected;
        pthread_mutex_unlock(&zk->lock);
        return r;
}

/* One try: a twin handle joins session @p cid and closes it. 1: it joined
 * and closed it; 0: it did not join by @p dl; -1: the session is gone. */
static int join_and_close(ib_zk_t *zk, const clientid_t *cid, const struct timespec *dl) {
        ib_zk_t twin = {0};
        pthread_mutex_init(&twin.lock, NULL);
        pthread_cond_init(&twin.cond, NULL);
        twin.zh = zookeeper_init(zk->hosts, watcher, zoo_recv_timeout(zk->zh), cid, &twin, 0);
        int r = 0;
        if (twin.zh) {
                if (!(r = wait_state(&twin, 0, dl)) && wait_state(&twin, 1, &(struct timespec){0}))
                        r = -1;
                zookeeper_close(twin.zh); /* when joined: closes the session for both handles */
        }
        pthread_cond_destroy(&twin.cond);
        pthread_mutex_destroy(&twin.lock);
        return r;
}

/* Waits up to @p ms for @p zk to be expired; returns whether it is. */
static int expired_within(ib_zk_t *zk, int ms) {
        struct timespec dl;
        ib_deadline_ms(&dl, ms);
        return wait_state(zk, 1, &dl);
}

ib_err_t ib_zk_force_expiry(ib_zk_t *zk, int timeout_ms, char *errstr, size_t errstr_size) {
        const clientid_t *id = zoo_client_id(zk->zh);
        if (!id || !id->client_id || !zk->hosts)
                return ib_seterr(errstr, errstr_size, IB_ERR_ZK, "no session to expire");
        clientid_t cid = *id;
        int64_t end_us = ib_mono_us() + (int64_t)timeout_ms * 1000;
        int tries = 0, joined = 0;
        for (int left = timeout_ms; left > 0 && !expired_within(zk, 0);
             left = (int)((end_us - ib_mono_us()) / 1000)) {
                /* the twin's close reaches this handle when it reconnects, at
                 * once, unless it took the session back first: then again */
                tries++;
                struct timespec dl;
                ib_deadline_ms(&dl, left < 5000 ? left : 5000);
                int r = join_and_close(zk, &cid, &dl);
                joined += r == 1;
                left = (int)((end_us - ib_mono_us()) / 1000);
                expired_within(zk, r < 0 || left < 2000 ? left : 2000); /* -1: gone already */
        }
        if (expired_within(zk, 0))
                return IB_OK;
        return ib_seterr(errstr, errstr_size, IB_ERR_ZK_UNREACHABLE,
                         "session 0x%llx still alive after %d tries in %d ms (%d joined it)",
                         (unsigned long long)cid.client_id, tries, timeout_ms, joined);
}

const char *ib_zk_session_str(ib_zk_t *zk, char out[32]) {
        const clientid_t *id = zoo_client_id(zk->zh);
        snprintf(out, 32, "0x%llx", id ? (unsigned long long)id->client_id : 0ULL);
        return out;
}

ib_err_t ib_zk_err(int rc) {
        switch (rc) {
        case ZOK: return IB_OK;
        case ZNONODE: return IB_ERR_NOT_FOUND;
        case ZBADVERSION: return IB_ERR_ZK_FENCED;
        case ZSESSIONEXPIRED:
        case ZINVALIDSTATE: return IB_ERR_ZK_SESSION; /* a handle whose session expired */
        case ZCONNECTIONLOSS:
        case ZOPERATIONTIMEOUT: return IB_ERR_ZK_UNREACHABLE;
        default: return IB_ERR_ZK;
        }
}

ib_err_t ib_zk_mkdirs(ib_zk_t *zk, const char *path, char *errstr, size_t errstr_size) {
        char p[1024];
        if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "znode path too long");
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s != '\0')
                        continue;
                char c = *s;
                *s = '\0';
                int rc = zoo_create(zk->zh, p, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
                if (rc != ZOK && rc != ZNODEEXISTS)
                        return ib_seterr(errstr, errstr_size, ib_zk_err(rc), "ZooKeeper create %s: %s",
                                         p, zerror(rc));
                *s = c;
                if (!c)
                        break;
        }
        return IB_OK;
}
