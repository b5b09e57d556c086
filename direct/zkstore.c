/*
 * zkstore.c: ZooKeeper side of the direct mode; see zkstore.h for the node
 * layout and the fencing argument. Every call is synchronous and bounded by
 * the client's session timeout; none loops without a bound.
 */
#include "zkstore.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

struct ib_zkstore_s {
        ib_zk_t *zk;
        char *hosts;
        int session_ms, connect_ms;
        char base[300];      /* /ingestbench/<group> */
        char topic[256];
        char worker[256];
        int partitions;
};

static void node(const ib_zkstore_t *zs, char *out, size_t size, const char *kind, int32_t p) {
        snprintf(out, size, "%s/%s/%s/%" PRId32, zs->base, kind, zs->topic, p);
}

static ib_err_t setup(ib_zkstore_t *zs, char *errstr, size_t errstr_size) {
        char path[1024];
        ib_err_t err;
        const char *kinds[] = {"locks", "owners", "offsets"};
        snprintf(path, sizeof(path), "%s/workers", zs->base);
        if ((err = ib_zk_mkdirs(zs->zk, path, errstr, errstr_size)))
                return err;
        for (int k = 0; k < 3; k++) {
                snprintf(path, sizeof(path), "%s/%s/%s", zs->base, kinds[k], zs->topic);
                if ((err = ib_zk_mkdirs(zs->zk, path, errstr, errstr_size)))
                        return err;
        }
        zhandle_t *zh = ib_zk_handle(zs->zk);
        for (int32_t p = 0; p < zs->partitions; p++) {
                node(zs, path, sizeof(path), "owners", p);
                int rc = zoo_create(zh, path, "", 0, &ZOO_OPEN_ACL_UNSAFE, 0, NULL, 0);
                if (rc != ZOK && rc != ZNODEEXISTS)
                        return ib_seterr(errstr, errstr_size, ib_zk_err(rc),
                                         "ZooKeeper create %s: %s", path, zerror(rc));
        }
        snprintf(path, sizeof(path), "%s/workers/w-", zs->base);
        char created[1024];
        int rc = zoo_create(zh, path, zs->worker, (int)strlen(zs->worker), &ZOO_OPEN_ACL_UNSAFE,
                            ZOO_EPHEMERAL | ZOO_SEQUENCE, created, sizeof(created));
        if (rc != ZOK)
                return ib_seterr(errstr, errstr_size, ib_zk_err(rc),
                                 "ZooKeeper register worker: %s", zerror(rc));
        return IB_OK;
}

ib_zkstore_t *ib_zkstore_open(const char *hosts, int session_ms, int connect_ms,
                              const char *group, const char *topic, int partitions,
                              const char *worker, ib_err_t *err, char *errstr,
                              size_t errstr_size) {
        ib_zkstore_t *zs = calloc(1, sizeof(*zs));
        if (!zs || !(zs->hosts = strdup(hosts))) {
                free(zs);
                *err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                return NULL;
        }
        zs->session_ms = session_ms;
        zs->connect_ms = connect_ms;
        zs->partitions = partitions;
        snprintf(zs->base, sizeof(zs->base), "/ingestbench/%s", group);
        snprintf(zs->topic, sizeof(zs->topic), "%s", topic);
        snprintf(zs->worker, sizeof(zs->worker), "%s", worker);
        if (!(zs->zk = ib_zk_connect(hosts, session_ms, connect_ms, err, errstr, errstr_size)) ||
            (*err = setup(zs, errstr, errstr_size))) {
                ib_zkstore_close(zs);
                return NULL;
        }
        return zs;
}

void ib_zkstore_close(ib_zkstore_t *zs) {
        if (!zs)
                return;
        ib_zk_close(zs->zk);
        free(zs->hosts);
        free(zs);
}

ib_err_t ib_zkstore_reconnect(ib_zkstore_t *zs, char *errstr, size_t errstr_size) {
        ib_err_t err;
        ib_zk_close(zs->zk);
        zs->zk = ib_zk_connect(zs->hosts, zs->session_ms, zs->connect_ms, &err, errstr, errstr_size);
        if (!zs->zk)
                return err;
        return setup(zs, errstr, errstr_size);
}

int ib_zkstore_expired(ib_zkstore_t *zs) { return ib_zk_expired(zs->zk); }

const char *ib_zkstore_session(ib_zkstore_t *zs, char out[32]) {
        return ib_zk_session_str(zs->zk, out);
}

ib_err_t ib_zkstore_live_workers(ib_zkstore_t *zs, int *count, char *errstr,
                                 size_t errstr_size) {
        char path[1024];
        struct String_vector kids = {0};
        snprintf(path, sizeof(path), "%s/workers", zs->base);
        int rc = zoo_get_children(ib_zk_handle(zs->zk), path, 0, &kids);
        if (rc != ZOK)
                return ib_seterr(errstr, errstr_size, ib_zk_err(rc),
                                 "ZooKeeper list %s: %s", path, zerror(rc));
        *count = kids.count > 0 ? kids.count : 1;
        deallocate_String_vector(&kids);
        return IB_OK;
}

static void parse_offset_node(const char *data, int len, ib_zkpos_t *pos) {
        json_t *j = len > 0 ? json_loadb(data, (size_t)len, 0, NULL) : NULL;
        json_t *o = json_object_get(j, "offset"), *u = json_object_get(j, "next_until");
        pos->offset = json_is_integer(o) ? (int64_t)json_integer_value(o) : -1;
        pos->next_until = json_is_integer(u) ? (int64_t)json_integer_value(u) : -1;
        json_decref(j);
}

ib_err_t ib_zkstore_peek(ib_zkstore_t *zs, int32_t p, ib_zkpos_t *pos,
                         char *errstr, size_t errstr_size) {
        zhandle_t *zh = ib_zk_handle(zs->zk);
        char path[1024], data[4096];
        struct Stat st;
        memset(pos, 0, sizeof(*pos));
        node(zs, path, sizeof(path), "locks", p);
        int rc = zoo_exists(zh, path, 0, &st);
        if (rc != ZOK && rc != ZNONODE)
                goto fail;
        pos->locked = rc == ZOK;
        node(zs, path, sizeof(path), "owners", p);
        int len = sizeof(data);
        if ((rc = zoo_get(zh, path, 0, data, &len, &st)) != ZOK)
                goto fail;
        pos->owner_version = st.version;
        node(zs, path, sizeof(path), "offsets", p);
        len = sizeof(data) - 1;
        rc = zoo_get(zh, path, 0, data, &len, &st);
        if (rc == ZNONODE) {
                pos->offset_version = -1;
                pos->offset = pos->next_until = -1;
                return IB_OK;
        }
        if (rc != ZOK)
                goto fail;
        pos->offset_version = st.version;
        parse_offset_node(data, len, pos);
        return IB_OK;
fail:
        return ib_seterr(errstr, errstr_size, ib_zk_err(rc), "ZooKeeper read %s: %s", path,
                         zerror(rc));
}

static int offset_json(char *out, size_t size, int64_t offset, int64_t next_until,
                       int64_t prev_from, int epoch, const char *worker, uint64_t batch) {
        return snprintf(out, size,
                        "{\"offset\":%" PRId64 ",\"next_until\":%" PRId64
                        ",\"range\":{\"from\":%" PRId64 ",\"until\":%" PRId64 "}"
                        ",\"epoch\":%d,\"worker\":\"%s\",\"batch\":%" PRIu64 ",\"t_ms\":%" PRId64 "}",
                        offset, next_until, prev_from, offset, epoch, worker, batch, ib_now_ms());
}

ib_err_t ib_zkstore_claim(ib_zkstore_t *zs, int32_t p, const ib_zkpos_t *pos,
                          int64_t offset, int64_t next_until, int *epoch,
                          int *offset_version, char *errstr, size_t errstr_size) {
        char lock[1024], owner[1024], offs[1024], odata[1024];
        struct Stat owner_st, offs_st;
        node(zs, lock, sizeof(lock), "locks", p);
        node(zs, owner, sizeof(owner), "owners", p);
        node(zs, offs, sizeof(offs), "offsets", p);
        int olen = offset_json(odata, sizeof(odata), offset, next_until, offset,
                               pos->owner_version + 1, zs->worker, 0);
        zoo_op_t ops[3];
        zoo_op_result_t res[3];
        char made[1024];
        zoo_create_op_init(&ops[0], lock, zs->worker, (int)strlen(zs->worker),
                           &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL, NULL, 0);
        zoo_set_op_init(&ops[1], owner, zs->worker, (int)strlen(zs->worker),
                        pos->owner_version, &owner_st);
        if (pos->offset_version < 0)
                zoo_create_op_init(&ops[2], offs, odata, olen, &ZOO_OPEN_ACL_UNSAFE, 0, made,
                                   sizeof(made));
        else
                zoo_set_op_init(&ops[2], offs, odata, olen, pos->offset_version, &offs_st);
        int rc = zoo_multi(ib_zk_handle(zs->zk), 3, ops, res);
        if (rc == ZNODEEXISTS || rc == ZBADVERSION || rc == ZNONODE)
                return ib_seterr(errstr, errstr_size, IB_ERR_ZK_FENCED,
                                 "partition %" PRId32 " was claimed by another worker", p);
        if (rc != ZOK)
                return ib_seterr(errstr, errstr_size, ib_zk_err(rc),
                                 "ZooKeeper claim of partition %" PRId32 ": %s", p, zerror(rc));
        *epoch = owner_st.version;
        *offset_version = pos->offset_version < 0 ? 0 : offs_st.version;
        return IB_OK;
}

ib_err_t ib_zkstore_release(ib_zkstore_t *zs, int32_t p, char *errstr, size_t errstr_size) {
        char lock[1024];
        node(zs, lock, sizeof(lock), "locks", p);
        int rc = zoo_delete(ib_zk_handle(zs->zk), lock, -1);
        if (rc != ZOK && rc != ZNONODE)
                return ib_seterr(errstr, errstr_size, ib_zk_err(rc),
                                 "ZooKeeper release of partition %" PRId32 ": %s", p, zerror(rc));
        return IB_OK;
}

ib_err_t ib_zkstore_commit(ib_zkstore_t *zs, ib_zkcommit_t *c, int n, char *errstr,
                           size_t errstr_size) {
        if (n == 0)
                return IB_OK;
        int nops = 2 * n;
        zoo_op_t *ops = calloc((size_t)nops, sizeof(*ops));
        zoo_op_result_t *res = calloc((size_t)nops, sizeof(*res));
        char (*paths)[2][1024] = calloc((size_t)n, sizeof(*paths));
        char (*data)[512] = calloc((size_t)n, sizeof(*data));
        struct Stat *stats = calloc((size_t)n, sizeof(*stats));
        char (*made)[512] = calloc((size_t)n, sizeof(*made));
        ib_err_t err = IB_OK;
        if (!ops || !res || !paths || !data || !stats || !made) {
                err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                goto done;
        }
        for (int i = 0; i < n; i++) {
                node(zs, paths[i][0], sizeof(paths[i][0]), "owners", c[i].partition);
                node(zs, paths[i][1], sizeof(paths[i][1]), "offsets", c[i].partition);
                int len = offset_json(data[i], sizeof(data[i]), c[i].offset, c[i].next_until,
                                      c[i].prev_from, c[i].epoch, zs->worker, c[i].batch);
                zoo_check_op_init(&ops[2 * i], paths[i][0], c[i].epoch);
                if (c[i].offset_version < 0)
                        zoo_create_op_init(&ops[2 * i + 1], paths[i][1], data[i], len,
                                           &ZOO_OPEN_ACL_UNSAFE, 0, made[i], sizeof(made[i]));
                else
                        zoo_set_op_init(&ops[2 * i + 1], paths[i][1], data[i], len,
                                        c[i].offset_version, &stats[i]);
        }
        int rc = zoo_multi(ib_zk_handle(zs->zk), nops, ops, res);
        for (int i = 0; i < n; i++) {
                int a = res[2 * i].err, b = res[2 * i + 1].err;
                c[i].rc = rc == ZOK ? ZOK : (a != ZOK && a != ZRUNTIMEINCONSISTENCY) ? a
                                          : (b != ZOK && b != ZRUNTIMEINCONSISTENCY) ? b
                                          : ZRUNTIMEINCONSISTENCY;
                if (rc == ZOK)
                        c[i].new_version = c[i].offset_version < 0 ? 0 : stats[i].version;
        }
        if (rc == ZBADVERSION || rc == ZNONODE || rc == ZNODEEXISTS)
                err = ib_seterr(errstr, errstr_size, IB_ERR_ZK_FENCED,
                                "offset commit fenced: another worker owns a partition now");
        else if (rc != ZOK)
                err = ib_seterr(errstr, errstr_size, ib_zk_err(rc), "ZooKeeper offset commit: %s",
                                zerror(rc));
done:
        free(ops);
        free(res);
        free(paths);
        free(data);
        free(stats);
        free(made);
        return err;
}
