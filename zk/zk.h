/**
 * @file zk.h
 * @brief ZooKeeper client helpers (the multi-threaded C client's synchronous
 *        API, THREADED defined): a bounded connect, session-expiry tracking,
 *        path creation and error mapping.
 */
#ifndef IB_ZK_H
#define IB_ZK_H

#ifndef THREADED
#define THREADED
#endif
#include <zookeeper/zookeeper.h>

#include <stdint.h>

#include "errors.h"
#include "options.h"

typedef struct ib_zk_s ib_zk_t;

/** The ZooKeeper options of the modes that use it (included in their tables). */
typedef struct ib_zk_conf_s {
        const char *hosts;            /**< connect string host:port[,...]; NULL: none */
        int64_t session_timeout_ms;   /**< session timeout */
        const char *auth;             /**< "digest:USER:PASS" or "@FILE" holding it; NULL: none */
} ib_zk_conf_t;

extern const ib_option_t ib_zk_options[];

/**
 * @brief Connects to @p hosts and waits, at most @p connect_timeout_ms, for
 *        the session. IB_ERR_ZK_UNREACHABLE when no server answers in time.
 * @param auth  NULL, or --zk-auth's value: "digest:USER:PASS", or "@FILE"
 *              whose first line is that (keeping the password out of argv,
 *              scenarios and results). With it, the session authenticates
 *              and every node this client creates below the first level
 *              (/ingestbench, every group's) gets the ACL ib_zk_acl()
 *              gives: all rights to that identity, read to anyone else.
 */
ib_err_t ib_zk_connect(const char *hosts, const char *auth, int session_timeout_ms, int connect_timeout_ms,
                       ib_zk_t **out, char *errstr, size_t errstr_size);

/** @brief The ACL of the nodes this client creates: open without --zk-auth;
 *         with it, all rights to its identity and read to anyone. */
struct ACL_vector *ib_zk_acl(ib_zk_t *zk);

void ib_zk_close(ib_zk_t *zk);

/** @brief The handle, for zoo_* calls. */
zhandle_t *ib_zk_handle(ib_zk_t *zk);

/** @brief 1 once the server told this client its session expired. */
int ib_zk_expired(ib_zk_t *zk);

/** @brief 1 while the handle is connected (the library's own state, which
 *         it may change before our watcher runs). A multi is sent only then:
 *         Debian's C client frees memory twice in zoo_amulti() when the
 *         session expired before the call, and a handle that is reconnecting
 *         (after a pause, say) may be about to learn exactly that. */
int ib_zk_usable(ib_zk_t *zk);

/** @brief The session id, for event logs ("0x..."). */
const char *ib_zk_session_str(ib_zk_t *zk, char out[32]);

/** @brief Creates @p path and every missing parent as persistent empty nodes.
 *         With --zk-auth, a node below the first level that exists already
 *         must not let anyone else write or delete (IB_ERR_ZK_AUTH names it):
 *         its children could be deleted by anyone otherwise. */
ib_err_t ib_zk_mkdirs(ib_zk_t *zk, const char *path, char *errstr, size_t errstr_size);

/** @brief Maps a ZooKeeper return code onto ib_err_t. */
ib_err_t ib_zk_err(int rc);

/**
 * @brief Has the server expire this handle's session (the chaos harness's
 *        "zk-expire", through fault point zk.expire): a second handle joins
 *        the session with its id and password and closes it, the way
 *        ZooKeeper's own tests expire a session. This handle may
 *        reconnect and take the session back before the twin's close
 *        lands, so it tries again until this handle has seen the expiry,
 *        bounded by @p timeout_ms.
 */
ib_err_t ib_zk_force_expiry(ib_zk_t *zk, int timeout_ms, char *errstr, size_t errstr_size);

#endif
