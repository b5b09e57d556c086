/*
 * zk.c: ZooKeeper session plumbing. The watcher runs in the client's
 * completion thread; it only flips flags under a mutex, and waiters use a
 * condition variable with a deadline, so no wait is unbounded.
 */
#include "zk.h"

#include "clock.h"
#include "fault.h"
#include "fsutil.h"

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
        int auth_rc;    /* zoo_add_auth's completion: 1 + its rc, 0 while pending */
        char *hosts;    /* the connect string, for ib_zk_force_expiry */
        struct ACL acl[2];
        struct ACL_vector acls; /* of the nodes it creates */
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

/* --zk-auth: "digest:USER:PASS" (a user without ':') or "@FILE" */
static ib_err_t check_auth(const char *flag, const char *value, char *errstr, size_t errstr_size) {
        const char *user = value + 7, *colon = strncmp(value, "digest:", 7) ? NULL : strchr(user, ':');
        if (value[0] == '@' ? value[1] != '\0' : colon && colon > user && colon[1])
                return IB_OK;
        return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                         "%s: want digest:USER:PASS, or @FILE holding it", flag);
}

const ib_option_t ib_zk_options[] = {
    IB_OPT_STR(ib_zk_conf_t, hosts, "zookeeper", "HOST:PORT", NULL, "ZooKeeper connect string"),
    IB_OPT_INT(ib_zk_conf_t, session_timeout_ms, "zk-session-timeout-ms", "MS", "6000", 1000, 600000,
               "ZooKeeper session timeout"),
    IB_OPT_STR_SECRET(ib_zk_conf_t, auth, "zk-auth", "digest:USER:PASS|@FILE", check_auth,
                      "authenticate, and create every node with all rights to this identity, read to others"),
    IB_OPT_END,
};

static void auth_done(int rc, const void *data) {
        ib_zk_t *zk = (ib_zk_t *)data;
        pthread_mutex_lock(&zk->lock);
        zk->auth_rc = 1 + rc;
        pthread_cond_broadcast(&zk->cond);
        pthread_mutex_unlock(&zk->lock);
}

/* The credential of --zk-auth, read from its file for "@FILE". */
static ib_err_t auth_credential(const char *auth, char *out, size_t size, char *errstr, size_t errstr_size) {
        char *text = NULL;
        size_t len = 0;
        if (auth[0] == '@') {
                ib_err_t err = ib_fs_read_input(auth + 1, 4096, &text, &len, errstr, errstr_size);
                if (err)
                        return err;
                text[strcspn(text, "\r\n")] = 0;
                auth = text;
        }
        ib_err_t err = check_auth("--zk-auth", auth, errstr, errstr_size);
        if (!err && snprintf(out, size, "%s", auth + 7) >= (int)size)
                err = ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "--zk-auth: longer than %zu bytes", size - 1);
        free(text);
        return err;
}

/* Authenticates the session (digest), bounded by @p dl. */
static ib_err_t authenticate(ib_zk_t *zk, const char *auth, const struct timespec *dl, char *errstr,
                             size_t errstr_size) {
        char cred[600];
        ib_err_t err = auth_credential(auth, cred, sizeof(cred), errstr, errstr_size);
        if (err)
                return err;
        int rc = zoo_add_auth(zk->zh, "digest", cred, (int)strlen(cred), auth_done, zk);
        memset(cred, 0, sizeof(cred));
        if (rc != ZOK)
                return ib_seterr(errstr, errstr_size, ib_zk_err(rc), "ZooKeeper authentication: %s", zerror(rc));
        pthread_mutex_lock(&zk->lock);
        int w = 0;
        while (!zk->auth_rc && w != ETIMEDOUT)
                w = pthread_cond_timedwait(&zk->cond, &zk->lock, dl);
        rc = zk->auth_rc ? zk->auth_rc - 1 : ZOPERATIONTIMEOUT;
        pthread_mutex_unlock(&zk->lock);
        if (rc != ZOK)
                return ib_seterr(errstr, errstr_size, rc == ZAUTHFAILED ? IB_ERR_ZK_AUTH : ib_zk_err(rc),
                                 "ZooKeeper refused --zk-auth: %s", zerror(rc));
        /* all rights to the identities this session authenticated as, read to anyone */
        static char auth_scheme[] = "auth", world[] = "world", anyone[] = "anyone", empty[] = "";
        zk->acl[0] = (struct ACL){ZOO_PERM_ALL, {auth_scheme, empty}};
        zk->acl[1] = (struct ACL){ZOO_PERM_READ, {world, anyone}};
        zk->acls = (struct ACL_vector){2, zk->acl};
        return IB_OK;
}

struct ACL_vector *ib_zk_acl(ib_zk_t *zk) { return zk->acls.count ? &zk->acls : &ZOO_OPEN_ACL_UNSAFE; }

ib_err_t ib_zk_connect(const char *hosts, const char *auth, int session_timeout_ms, int connect_timeout_ms,
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
        ib_err_t err = auth ? authenticate(zk, auth, &dl, errstr, errstr_size) : IB_OK;
        if (err) {
                ib_zk_close(zk);
                return err;
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
        case ZNOAUTH:
        case ZAUTHFAILED: return IB_ERR_ZK_AUTH;
        default: return IB_ERR_ZK;
        }
}

/* A node made before (by a run without --zk-auth, or by someone else) that
 * lets anyone but its owners write, delete or change its ACL. */
static ib_err_t check_protected(ib_zk_t *zk, const char *path, char *errstr, size_t errstr_size) {
        struct ACL_vector acl = {0};
        struct Stat st;
        int rc = zoo_get_acl(zk->zh, path, &acl, &st);
        if (rc != ZOK)
                return ib_seterr(errstr, errstr_size, ib_zk_err(rc), "ZooKeeper ACL of %s: %s", path, zerror(rc));
        int open = 0;
        for (int i = 0; i < acl.count; i++)
                if (!strcmp(acl.data[i].id.scheme, "world") && (acl.data[i].perms & ~ZOO_PERM_READ))
                        open = 1;
        deallocate_ACL_vector(&acl);
        if (open)
                return ib_seterr(errstr, errstr_size, IB_ERR_ZK_AUTH,
                                 "ZooKeeper node %s exists and anyone may change or delete what is under it: "
                                 "with --zk-auth, use a new --group or remove the node", path);
        return IB_OK;
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
                /* the first level (/ingestbench) is every group's: open, so that a run
                 * without --zk-auth can still make its group under it */
                int top = !strchr(p + 1, '/');
                int rc = zoo_create(zk->zh, p, NULL, -1, top ? &ZOO_OPEN_ACL_UNSAFE : ib_zk_acl(zk), 0, NULL, 0);
                if (rc != ZOK && rc != ZNODEEXISTS)
                        return ib_seterr(errstr, errstr_size, ib_zk_err(rc), "ZooKeeper create %s: %s",
                                         p, zerror(rc));
                ib_err_t err = rc == ZNODEEXISTS && zk->acls.count && !top
                                   ? check_protected(zk, p, errstr, errstr_size)
                                   : IB_OK;
                if (err)
                        return err;
                *s = c;
                if (!c)
                        break;
        }
        return IB_OK;
}
