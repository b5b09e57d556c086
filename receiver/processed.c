/*
 * processed.c: the receiver's processed position and dedup table, in
 * DIR/processed: one line of JSON, then its masked CRC32C on a line of its
 * own, replaced atomically after every processed batch.
 */
#include "processed.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crc32c.h"
#include "fsutil.h"

void ib_processed_init(ib_processed_t *p) {
        memset(p, 0, sizeof(*p));
        for (int i = 0; i < IB_PROCESSED_MAX_PARTITIONS; i++)
                p->high[i] = -1;
}

ib_err_t ib_processed_load(const char *dir, ib_processed_t *p, char *errstr,
                               size_t errstr_size) {
        ib_processed_init(p);
        char path[600];
        snprintf(path, sizeof(path), "%s/processed", dir);
        char *text;
        size_t len;
        ib_err_t err = ib_fs_read_input(path, IB_FS_MAX_STATE_BYTES, &text, &len, errstr, errstr_size);
        if (err == IB_ERR_NOT_FOUND)
                return IB_OK;
        if (err)
                return err;
        err = IB_ERR_CORRUPT;
        char *nl = strchr(text, '\n');
        json_t *j = NULL;
        if (!nl) {
                ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT, "%s: damaged: no checksum line", path);
                goto done;
        }
        unsigned long crc = strtoul(nl + 1, NULL, 10);
        if (ib_crc32c_unmask((uint32_t)crc) != ib_crc32c(text, (size_t)(nl - text))) {
                ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT, "%s: damaged: checksum mismatch", path);
                goto done;
        }
        j = json_loadb(text, (size_t)(nl - text), 0, NULL);
        json_t *seg = json_object_get(j, "segment"), *off = json_object_get(j, "offset"),
               *batch = json_object_get(j, "batch"), *high = json_object_get(j, "high");
        if (!json_is_integer(seg) || !json_is_integer(off) || !json_is_integer(batch) ||
            !json_is_object(high)) {
                ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT, "%s: damaged: missing fields", path);
                goto done;
        }
        p->pos.segment = (uint64_t)json_integer_value(seg);
        p->pos.offset = (uint64_t)json_integer_value(off);
        p->batch = (uint64_t)json_integer_value(batch);
        const char *k;
        json_t *v;
        json_object_foreach(high, k, v) {
                long part = strtol(k, NULL, 10);
                if (part < 0 || part >= IB_PROCESSED_MAX_PARTITIONS || !json_is_integer(v))
                        continue;
                p->high[part] = (int64_t)json_integer_value(v);
                if (part + 1 > p->npartitions)
                        p->npartitions = (int)part + 1;
        }
        err = IB_OK;
done:
        json_decref(j);
        free(text);
        return err;
}

ib_err_t ib_processed_store(const char *dir, const ib_processed_t *p, char *errstr,
                                size_t errstr_size) {
        ib_buf_t b = {0};
        ib_buf_printf(&b, "{\"segment\":%" PRIu64 ",\"offset\":%" PRIu64 ",\"batch\":%" PRIu64 ",\"high\":{",
                      p->pos.segment, p->pos.offset, p->batch);
        int first = 1;
        for (int i = 0; i < p->npartitions; i++) {
                if (p->high[i] < 0)
                        continue;
                ib_buf_printf(&b, "%s\"%d\":%" PRId64, first ? "" : ",", i, p->high[i]);
                first = 0;
        }
        ib_buf_printf(&b, "}}");
        uint32_t crc = ib_crc32c_mask(ib_crc32c(b.data, b.len));
        if (ib_buf_printf(&b, "\n%" PRIu32 "\n", crc) != 0) {
                ib_buf_free(&b);
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        }
        char path[600];
        snprintf(path, sizeof(path), "%s/processed", dir);
        ib_err_t err = ib_fs_write_atomic(path, b.data, b.len, NULL, errstr, errstr_size);
        ib_buf_free(&b);
        return err;
}
