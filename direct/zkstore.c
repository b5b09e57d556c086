/*
 * zkstore.c: ZooKeeper side of the direct mode; see zkstore.h for the node
 * layout and the fencing argument. Offsets go through the one offset store
 * (zk/zkoffsets.h). Every call is synchronous and bounded by the client's
 * session timeout; none loops without a bound.
 */
#include "zkstore.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "clock.h"
#include "zkoffsets.h"

struct ib_zkstore_s {
        ib_zk_t *zk;
        ib_zkoffsets_t *offs;  /* offsets/<topic>/<p> */
        char *hosts;
        char *auth; /* --zk-auth, or NULL */
        int session_ms, connect_ms;
        char base[300];      /* /ingestbench/<group> */
        char topic[256];
        char worker[256];
        int partitions;
        ib_zkoffset_write_t *writes; /* scratch for a commit */
        char (*data)[512];
        char (*fences)[600];
        size_t writes_cap, data_cap, fences_cap;
};

static void node(const ib_zkstore_t *zs, char *out, size_t size, const char *kind, int32_t p) {
        snprintf(out, size, "%s/%s/%s/%" PRId32, zs->base, kind, zs->topic, p);
}

static ib_err_t setup(ib_zkstore_t *zs, char *errstr, size_t errstr_size) {
        char path[1024];
        ib_err_t err;
        const char *kinds[] = {"locks", "owners"};
        snprintf(path, sizeof(path), "%s/workers", zs->base);
        if ((err = ib_zk_mkdirs(zs->zk, path, errstr, errstr_size)))
                return err;
        for (int k = 0; k < 2; k++) {
                snprintf(path, sizeof(path), "%s/%s/%s", zs->base, kinds[k], zs->topic);
                if ((err = ib_zk_mkdirs(zs->zk, path, errstr, errstr_size)))
                        return err;
        }
        snprintf(path, sizeof(path), "%s/offsets/%s", zs->base, zs->topic);
        if (zs->offs)
                ib_zkoffsets_set_session(zs->offs, zs->zk);
        else if ((err = ib_zkoffsets_open(zs->zk, path, &zs->offs, errstr, errstr_size)))
                return err;
        zhandle_t *zh = ib_zk_handle(zs->zk);
        for (int32_t p = 0; p < zs->partitions; p++) {
                node(zs, path, sizeof(path), "owners", p);
                int rc = zoo_create(zh, path, "", 0, ib_zk_acl(zs->zk), 0, NULL, 0);
                if (rc != ZOK && rc != ZNODEEXISTS)
                        return ib_seterr(errstr, errstr_size, ib_zk_err(rc),
                                         "ZooKeeper create %s: %s", path, zerror(rc));
        }
        snprintf(path, sizeof(path), "%s/workers/w-", zs->base);
        char created[1024];
        int rc = zoo_create(zh, path, zs->worker, (int)strlen(zs->worker), ib_zk_acl(zs->zk),
                            ZOO_EPHEMERAL | ZOO_SEQUENCE, created, sizeof(created));
        if (rc != ZOK)
                return ib_seterr(errstr, errstr_size, ib_zk_err(rc),
                                 "ZooKeeper register worker: %s", zerror(rc));
        return IB_OK;
}

ib_err_t ib_zkstore_open(const ib_zk_conf_t *zc, int connect_ms, const char *group, const char *topic,
                         int partitions, const char *worker, ib_zkstore_t **out, char *errstr,
                         size_t errstr_size) {
        ib_zkstore_t *zs = calloc(1, sizeof(*zs));
        if (!zs || !(zs->hosts = strdup(zc->hosts)) || (zc->auth && !(zs->auth = strdup(zc->auth)))) {
                if (zs)
                        free(zs->hosts);
                free(zs);
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        }
        zs->session_ms = (int)zc->session_timeout_ms;
        zs->connect_ms = connect_ms;
        zs->partitions = partitions;
        snprintf(zs->base, sizeof(zs->base), "/ingestbench/%s", group);
        snprintf(zs->topic, sizeof(zs->topic), "%s", topic);
        snprintf(zs->worker, sizeof(zs->worker), "%s", worker);
        ib_err_t err;
        if ((err = ib_zk_connect(zs->hosts, zs->auth, zs->session_ms, connect_ms, &zs->zk, errstr, errstr_size)) ||
            (err = setup(zs, errstr, errstr_size))) {
                ib_zkstore_close(zs);
                return err;
        }
        *out = zs;
        return IB_OK;
}

void ib_zkstore_close(ib_zkstore_t *zs) {
        if (!zs)
                return;
        ib_zkoffsets_close(zs->offs);
        ib_zk_close(zs->zk);
        free(zs->hosts);
        free(zs->auth);
        free(zs->writes);
        free(zs->data);
        free(zs->fences);
        free(zs);
}

ib_err_t ib_zkstore_reconnect(ib_zkstore_t *zs, char *errstr, size_t errstr_size) {
        ib_zk_close(zs->zk);
        zs->zk = NULL;
        ib_err_t err = ib_zk_connect(zs->hosts, zs->auth, zs->session_ms, zs->connect_ms, &zs->zk, errstr, errstr_size);
        if (err)
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
        json_t *o = json_object_get(j, "offset"), *u = json_object_get(j, "next_until"),
               *e = json_object_get(j, "epoch"), *b = json_object_get(j, "batch");
        pos->offset = json_is_integer(o) ? (int64_t)json_integer_value(o) : -1;
        pos->next_until = json_is_integer(u) ? (int64_t)json_integer_value(u) : -1;
        pos->stored_epoch = json_is_integer(e) ? (int)json_integer_value(e) : -1;
        pos->stored_batch = json_is_integer(b) ? (int64_t)json_integer_value(b) : -1;
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
        const clientid_t *me = zoo_client_id(zh);
        pos->locked_by_us = pos->locked && me && st.ephemeralOwner == me->client_id;
        node(zs, path, sizeof(path), "owners", p);
        int len = sizeof(data);
        if ((rc = zoo_get(zh, path, 0, data, &len, &st)) != ZOK)
                goto fail;
        pos->owner_version = st.version;
        ib_err_t err = ib_zkoffsets_read(zs->offs, p, data, sizeof(data), &pos->offset_version, errstr,
                                         errstr_size);
        if (err)
                return err;
        pos->stored_epoch = -1;
        pos->stored_batch = -1;
        if (pos->offset_version < 0)
                pos->offset = pos->next_until = -1;
        else
                parse_offset_node(data, (int)strlen(data), pos);
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
        char lock[1024], owner[1024], odata[1024];
        struct Stat owner_st;
        node(zs, lock, sizeof(lock), "locks", p);
        node(zs, owner, sizeof(owner), "owners", p);
        int olen = offset_json(odata, sizeof(odata), offset, next_until, offset,
                               pos->owner_version + 1, zs->worker, 0);
        zoo_op_t pre[2];
        zoo_create_op_init(&pre[0], lock, zs->worker, (int)strlen(zs->worker),
                           ib_zk_acl(zs->zk), ZOO_EPHEMERAL, NULL, 0);
        zoo_set_op_init(&pre[1], owner, zs->worker, (int)strlen(zs->worker),
                        pos->owner_version, &owner_st);
        ib_zkoffset_write_t w = {p, odata, olen, pos->offset_version < 0 ? IB_ZK_CREATE : pos->offset_version,
                                 NULL, 0, 0, 0};
        ib_err_t err = ib_zkoffsets_write(zs->offs, pre, 2, &w, 1, errstr, errstr_size);
        if (err == IB_ERR_ZK_FENCED)
                return ib_seterr(errstr, errstr_size, IB_ERR_ZK_FENCED,
                                 "partition %" PRId32 " was claimed by another worker", p);
        if (err)
                return ib_seterr(errstr, errstr_size, err, "ZooKeeper claim of partition %" PRId32 ": %s", p,
                                 errstr);
        *epoch = owner_st.version;
        *offset_version = w.new_version;
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

static ib_err_t grow_commit_scratch(ib_zkstore_t *zs, size_t n) {
        if (ib_array_grow(&zs->writes, &zs->writes_cap, n, sizeof(*zs->writes), 16) ||
            ib_array_grow(&zs->data, &zs->data_cap, n, sizeof(*zs->data), 16) ||
            ib_array_grow(&zs->fences, &zs->fences_cap, n, sizeof(*zs->fences), 16))
                return IB_ERR_NOMEM;
        return IB_OK;
}

ib_err_t ib_zkstore_commit(ib_zkstore_t *zs, ib_zkcommit_t *c, int n, char *errstr,
                           size_t errstr_size) {
        if (n == 0)
                return IB_OK;
        if (grow_commit_scratch(zs, (size_t)n))
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        for (int i = 0; i < n; i++) {
                node(zs, zs->fences[i], sizeof(zs->fences[i]), "owners", c[i].partition);
                int len = offset_json(zs->data[i], sizeof(zs->data[i]), c[i].offset, c[i].next_until,
                                      c[i].prev_from, c[i].epoch, zs->worker, c[i].batch);
                zs->writes[i] = (ib_zkoffset_write_t){c[i].partition, zs->data[i], len,
                                                      c[i].offset_version < 0 ? IB_ZK_CREATE : c[i].offset_version,
                                                      zs->fences[i], c[i].epoch, 0, 0};
        }
        ib_err_t err = ib_zkoffsets_write(zs->offs, NULL, 0, zs->writes, n, errstr, errstr_size);
        for (int i = 0; i < n; i++) {
                c[i].rc = zs->writes[i].rc;
                if (err == IB_OK)
                        c[i].new_version = zs->writes[i].new_version;
        }
        return err;
}
