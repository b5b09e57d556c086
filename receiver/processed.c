/*
 * processed.c: the receiver's processed position and dedup table, in
 * DIR/processed: one line of JSON, then its masked CRC32C on a line of its
 * own, replaced atomically after every processed batch.
 */
#include "processed.h"

#include <errno.h>
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
        json_t *high = json_object_get(j, "high");
        static const char *const fields[] = {"segment", "offset", "batch"};
        int64_t vals[3];
        for (int i = 0; i < 3; i++) {
                json_t *v = json_object_get(j, fields[i]);
                vals[i] = json_integer_value(v);
                /* a checksum only says the file is as written: a negative field
                 * was stored as 2^64 - x and refused on the next load */
                if (!json_is_integer(v) || vals[i] < 0 || (i == 0 && (uint64_t)vals[i] > IB_WAL_SEQ_MAX)) {
                        ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT, "%s: $.%s: %s", path, fields[i],
                                  json_is_integer(v) ? "out of range" : "missing or not an integer");
                        goto done;
                }
        }
        if (!json_is_object(high)) {
                ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT, "%s: $.high: missing or not an object", path);
                goto done;
        }
        p->pos.segment = (uint64_t)vals[0];
        p->pos.offset = (uint64_t)vals[1];
        p->batch = (uint64_t)vals[2];
        const char *k;
        json_t *v;
        json_object_foreach(high, k, v) {
                char *end;
                errno = 0;
                long part = strtol(k, &end, 10);
                if (!*k || *end || k[0] == '-' || k[0] == '+' || errno || part >= IB_PROCESSED_MAX_PARTITIONS ||
                    !json_is_integer(v) || json_integer_value(v) < 0) {
                        ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT,
                                  "%s: $.high.%s: want a partition from 0 to %d and an offset of 0 or more", path, k,
                                  IB_PROCESSED_MAX_PARTITIONS - 1);
                        goto done;
                }
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
