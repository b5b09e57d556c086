/*
 * zkoffsets.c: the offset store; see zkoffsets.h. Scratch arrays for the
 * multi grow to the largest batch and stay, so a steady state allocates
 * nothing per batch.
 */
#include "zkoffsets.h"


#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

typedef char path_t[512];

struct ib_zkoffsets_s {
        ib_zk_t *zk;
        char dir[400];
        char *exists;            /* per partition: 1 once its node is known to exist */
        size_t exists_cap;
        zoo_op_t *ops;           /* scratch for one multi */
        zoo_op_result_t *res;
        size_t ops_cap, res_cap;
        path_t *paths;
        size_t paths_cap;
        struct Stat *stats;
        size_t stats_cap;
        int *first;              /* index of each entry's first operation */
        size_t first_cap;
};

ib_err_t ib_zkoffsets_open(ib_zk_t *zk, const char *dir, ib_zkoffsets_t **out, char *errstr,
                           size_t errstr_size) {
        ib_zkoffsets_t *o = calloc(1, sizeof(*o));
        if (!o)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        o->zk = zk;
        if (snprintf(o->dir, sizeof(o->dir), "%s", dir) >= (int)sizeof(o->dir)) {
                free(o);
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "znode path too long: %s", dir);
        }
        ib_err_t err = ib_zk_mkdirs(zk, dir, errstr, errstr_size);
        if (err) {
                free(o);
                return err;
        }
        *out = o;
        return IB_OK;
}

void ib_zkoffsets_close(ib_zkoffsets_t *o) {
        if (!o)
                return;
        free(o->exists);
        free(o->ops);
        free(o->res);
        free(o->paths);
        free(o->stats);
        free(o->first);
        free(o);
}

void ib_zkoffsets_set_session(ib_zkoffsets_t *o, ib_zk_t *zk) {
        o->zk = zk;
        memset(o->exists, 0, o->exists_cap); /* a new session learns again */
}

static void node_path(const ib_zkoffsets_t *o, char *out, size_t size, int32_t p) {
        snprintf(out, size, "%s/%" PRId32, o->dir, p);
}

ib_err_t ib_zkoffsets_read(ib_zkoffsets_t *o, int32_t p, char *data, int size, int *version,
                           char *errstr, size_t errstr_size) {
        path_t path;
        struct Stat st;
        node_path(o, path, sizeof(path), p);
        int len = size - 1;
        int rc = zoo_get(ib_zk_handle(o->zk), path, 0, data, &len, &st);
        if (rc == ZNONODE) {
                *version = -1;
                data[0] = '\0';
                return IB_OK;
        }
        if (rc != ZOK)
                return ib_seterr(errstr, errstr_size, ib_zk_err(rc), "ZooKeeper read %s: %s", path, zerror(rc));
        data[len > 0 ? len : 0] = '\0';
        *version = st.version;
        return IB_OK;
}

/* Resolves IB_ZK_ANY_VERSION for partition @p p: -1 (ZooKeeper's "set
 * whatever version is there") when its node exists, IB_ZK_CREATE when it
 * does not. A failed look-up says "exists": the multi then fails and says why. */
static int any_version(ib_zkoffsets_t *o, int32_t p, const char *path) {
        if (p >= 0 && (size_t)p < o->exists_cap && o->exists[p])
                return -1;
        struct Stat st;
        return zoo_exists(ib_zk_handle(o->zk), path, 0, &st) == ZNONODE ? IB_ZK_CREATE : -1;
}

/* Remembers that partition @p p's node exists (a cache: on ENOMEM it is
 * just not remembered). */
static void mark_exists(ib_zkoffsets_t *o, int32_t p) {
        size_t old = o->exists_cap;
        if (p < 0 || ib_array_grow(&o->exists, &o->exists_cap, (size_t)p + 1, 1, 64) != IB_OK)
                return;
        memset(o->exists + old, 0, o->exists_cap - old);
        o->exists[p] = 1;
}

static ib_err_t grow_scratch(ib_zkoffsets_t *o, size_t nops, size_t n) {
        if (ib_array_grow(&o->ops, &o->ops_cap, nops, sizeof(*o->ops), 16) ||
            ib_array_grow(&o->res, &o->res_cap, nops, sizeof(*o->res), 16) ||
            ib_array_grow(&o->paths, &o->paths_cap, n, sizeof(*o->paths), 8) ||
            ib_array_grow(&o->stats, &o->stats_cap, n, sizeof(*o->stats), 8) ||
            ib_array_grow(&o->first, &o->first_cap, n, sizeof(*o->first), 8))
                return IB_ERR_NOMEM;
        return IB_OK;
}

/* The first failing code among an entry's operations. */
static int entry_rc(int multi_rc, const zoo_op_result_t *res, int nres) {
        if (multi_rc == ZOK)
                return ZOK;
        for (int i = 0; i < nres; i++)
                if (res[i].err != ZOK && res[i].err != ZRUNTIMEINCONSISTENCY)
                        return res[i].err;
        return ZRUNTIMEINCONSISTENCY;
}

ib_err_t ib_zkoffsets_write(ib_zkoffsets_t *o, const zoo_op_t *pre, int npre, ib_zkoffset_write_t *w,
                            int n, char *errstr, size_t errstr_size) {
        if (n == 0 && npre == 0)
                return IB_OK;
        /* Debian's C client (3.8) frees memory twice in zoo_amulti() when its
         * handle's session has already expired: a multi goes out only on a
         * connected handle; otherwise the caller retries (or renews). */
        if (!ib_zk_usable(o->zk))
                return ib_zk_expired(o->zk) ? ib_seterr(errstr, errstr_size, IB_ERR_ZK_SESSION, "ZooKeeper session expired")
                                            : ib_seterr(errstr, errstr_size, IB_ERR_ZK_UNREACHABLE,
                                                        "ZooKeeper is not connected (reconnecting)");
        size_t nops = (size_t)npre + 2 * (size_t)n;
        if (grow_scratch(o, nops, (size_t)n))
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        int k = 0;
        for (int i = 0; i < npre; i++)
                o->ops[k++] = pre[i];
        int *first = o->first;
        for (int i = 0; i < n; i++) {
                node_path(o, o->paths[i], sizeof(o->paths[i]), w[i].partition);
                int version = w[i].version == IB_ZK_ANY_VERSION ? any_version(o, w[i].partition, o->paths[i])
                                                                : w[i].version;
                first[i] = k;
                if (w[i].fence_path)
                        zoo_check_op_init(&o->ops[k++], w[i].fence_path, w[i].fence_version);
                if (version == IB_ZK_CREATE)
                        zoo_create_op_init(&o->ops[k++], o->paths[i], w[i].data, w[i].len, ib_zk_acl(o->zk), 0,
                                           NULL, 0);
                else
                        zoo_set_op_init(&o->ops[k++], o->paths[i], w[i].data, w[i].len, version, &o->stats[i]);
                w[i].new_version = version == IB_ZK_CREATE ? 0 : -1;
        }
        int rc = zoo_multi(ib_zk_handle(o->zk), k, o->ops, o->res);
        for (int i = 0; i < n; i++) {
                int end = i + 1 < n ? first[i + 1] : k;
                w[i].rc = entry_rc(rc, o->res + first[i], end - first[i]);
                if (rc != ZOK)
                        continue;
                if (w[i].new_version < 0)
                        w[i].new_version = o->stats[i].version;
                mark_exists(o, w[i].partition);
        }
        if (rc == ZBADVERSION || rc == ZNONODE || rc == ZNODEEXISTS)
                return ib_seterr(errstr, errstr_size, IB_ERR_ZK_FENCED,
                                 "offset write fenced: another worker owns a partition now");
        if (rc != ZOK)
                return ib_seterr(errstr, errstr_size, ib_zk_err(rc), "ZooKeeper offset commit: %s", zerror(rc));
        return IB_OK;
}
