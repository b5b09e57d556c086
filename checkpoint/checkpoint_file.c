/*
 * checkpoint_file.c: the checkpoint file (checkpoint/FORMAT.md). Every way a
 * file can be damaged is refused with the file name and the reason; the
 * replacement keeps the previous checkpoint as a fallback and reports fsync
 * errors instead of ignoring them.
 */
#include "checkpoint_file.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"
#include "le.h"
#include "fault.h"
#include "fsutil.h"

static const char ckpt_magic[8] = {'I', 'B', 'C', 'K', 'P', 'T', '\r', '\n'};


const ib_ckpt_part_t *ib_checkpoint_find(const ib_checkpoint_t *c, int32_t partition) {
        for (int i = 0; i < c->count; i++)
                if (c->parts[i].partition == partition)
                        return &c->parts[i];
        return NULL;
}

ib_err_t ib_checkpoint_encode(const ib_checkpoint_t *c, ib_buf_t *out, char *errstr,
                              size_t errstr_size) {
        json_t *parts = json_array();
        for (int i = 0; i < c->count; i++)
                json_array_append_new(parts, json_pack("{s:i,s:I,s:I}", "partition", (int)c->parts[i].partition,
                                                       "offset", (json_int_t)c->parts[i].offset,
                                                       "next_until", (json_int_t)c->parts[i].next_until));
        json_t *doc = json_pack("{s:s,s:s,s:I,s:I,s:o}", "topic", c->topic, "group", c->group, "batch",
                                (json_int_t)c->batch, "written_ms", (json_int_t)c->written_ms,
                                "partitions", parts);
        ib_buf_reset(out);
        size_t len = doc ? json_dumpb(doc, NULL, 0, JSON_COMPACT) : 0;
        if (!doc || ib_buf_reserve(out, IB_CKPT_HEADER + len) != 0) {
                json_decref(doc);
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        }
        unsigned char *h = (unsigned char *)out->data;
        json_dumpb(doc, out->data + IB_CKPT_HEADER, len, JSON_COMPACT);
        json_decref(doc);
        memcpy(h, ckpt_magic, 8);
        ib_le_put32(h + 8, IB_CKPT_VERSION);
        ib_le_put32(h + 12, (uint32_t)len);
        ib_le_put32(h + 16, ib_crc32c_mask(ib_crc32c(out->data + IB_CKPT_HEADER, len)));
        out->len = IB_CKPT_HEADER + len;
        out->data[out->len] = '\0';
        return IB_OK;
}

static ib_err_t decode_v1(const unsigned char *p, size_t len, const char *file, ib_checkpoint_t *c,
                          char *errstr, size_t errstr_size) {
        if (len < 2)
                goto bad;
        size_t tl = (size_t)(p[0] | p[1] << 8);
        if (tl >= sizeof(c->topic) || len < 2 + tl + 4)
                goto bad;
        memcpy(c->topic, p + 2, tl);
        c->topic[tl] = '\0';
        uint32_t n = ib_le_get32(p + 2 + tl);
        if (n > IB_CKPT_MAX_PARTITIONS || len != 2 + tl + 4 + (size_t)n * 12)
                goto bad;
        const unsigned char *q = p + 2 + tl + 4;
        for (uint32_t i = 0; i < n; i++, q += 12) {
                c->parts[i].partition = (int32_t)ib_le_get32(q);
                c->parts[i].offset = (int64_t)ib_le_get64(q + 4);
                c->parts[i].next_until = c->parts[i].offset;
                if (c->parts[i].partition < 0 || c->parts[i].offset < 0)
                        goto bad;
        }
        c->count = (int)n;
        return IB_OK;
bad:
        return ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT, "%s: malformed version-1 contents", file);
}

static ib_err_t decode_v2(const char *p, size_t len, const char *file, ib_checkpoint_t *c,
                          char *errstr, size_t errstr_size) {
        json_error_t je;
        json_t *doc = json_loadb(p, len, 0, &je);
        json_t *parts = json_object_get(doc, "partitions");
        const char *topic = json_string_value(json_object_get(doc, "topic"));
        const char *group = json_string_value(json_object_get(doc, "group"));
        ib_err_t err = IB_OK;
        if (!doc || !json_is_array(parts) || !topic || !group ||
            json_array_size(parts) > IB_CKPT_MAX_PARTITIONS) {
                err = ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT, "%s: malformed contents%s%s", file,
                                doc ? "" : ": ", doc ? "" : je.text);
                goto done;
        }
        if (strlen(topic) >= sizeof(c->topic) || strlen(group) >= sizeof(c->group)) {
                err = ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT, "%s: $.%s: longer than %zu bytes", file,
                                strlen(topic) >= sizeof(c->topic) ? "topic" : "group",
                                (strlen(topic) >= sizeof(c->topic) ? sizeof(c->topic) : sizeof(c->group)) - 1);
                goto done;
        }
        snprintf(c->topic, sizeof(c->topic), "%s", topic);
        snprintf(c->group, sizeof(c->group), "%s", group);
        json_t *jb = json_object_get(doc, "batch");
        if (jb && (!json_is_integer(jb) || json_integer_value(jb) < 0)) {
                err = ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT, "%s: $.batch: want an integer of 0 or more", file);
                goto done;
        }
        c->batch = (uint64_t)json_integer_value(jb);
        c->written_ms = (int64_t)json_integer_value(json_object_get(doc, "written_ms"));
        size_t i;
        json_t *e;
        json_array_foreach(parts, i, e) {
                json_t *jp = json_object_get(e, "partition"), *jo = json_object_get(e, "offset"),
                       *ju = json_object_get(e, "next_until");
                const char *why = NULL, *field = "";
                json_int_t part = json_integer_value(jp), off = json_integer_value(jo), until = json_integer_value(ju);
                /* each value within what it stands for: a partition number past
                 * int32 was cut to another partition, a negative offset kept */
                if (!json_is_integer(jp) || part < 0 || part > INT32_MAX)
                        field = "partition", why = "want an integer from 0 to 2^31-1";
                else if (!json_is_integer(jo) || off < 0)
                        field = "offset", why = "want an integer of 0 or more";
                else if (!json_is_integer(ju) || until < off)
                        field = "next_until", why = "want an integer of at least offset";
                for (size_t k = 0; !why && k < i; k++)
                        if (c->parts[k].partition == part)
                                field = "partition", why = "appears twice";
                if (why) {
                        err = ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT, "%s: $.partitions[%zu].%s: %s", file, i,
                                        field, why);
                        goto done;
                }
                c->parts[i] = (ib_ckpt_part_t){(int32_t)part, (int64_t)off, (int64_t)until};
        }
        c->count = (int)json_array_size(parts);
done:
        json_decref(doc);
        return err;
}

ib_err_t ib_checkpoint_decode(const char *data, size_t len, const char *file, ib_checkpoint_t *c,
                              char *errstr, size_t errstr_size) {
        memset(c, 0, sizeof(*c));
        const unsigned char *h = (const unsigned char *)data;
        if (len < IB_CKPT_HEADER)
                return ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT,
                                 "%s: truncated (%zu bytes, the header alone is %d)", file, len, IB_CKPT_HEADER);
        if (memcmp(h, ckpt_magic, 8))
                return ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT, "%s: not a checkpoint (bad magic)", file);
        uint32_t version = ib_le_get32(h + 8), clen = ib_le_get32(h + 12);
        if (version < 1 || version > IB_CKPT_VERSION)
                return ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT,
                                 "%s: unknown format version %" PRIu32 " (this build reads 1 to %d)", file,
                                 version, IB_CKPT_VERSION);
        if ((size_t)clen != len - IB_CKPT_HEADER)
                return ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT,
                                 "%s: truncated or extended: header says %" PRIu32 " bytes of contents, file has %zu",
                                 file, clen, len - IB_CKPT_HEADER);
        if (ib_crc32c_unmask(ib_le_get32(h + 16)) != ib_crc32c(data + IB_CKPT_HEADER, clen))
                return ib_seterr(errstr, errstr_size, IB_ERR_CORRUPT, "%s: checksum mismatch", file);
        c->version = version;
        return version == 1 ? decode_v1(h + IB_CKPT_HEADER, clen, file, c, errstr, errstr_size)
                            : decode_v2(data + IB_CKPT_HEADER, clen, file, c, errstr, errstr_size);
}

ib_err_t ib_checkpoint_read(const char *path, ib_checkpoint_t *c, char *errstr, size_t errstr_size) {
        char *data;
        size_t len;
        ib_err_t err = ib_fs_read_input(path, IB_FS_MAX_STATE_BYTES, &data, &len, errstr, errstr_size);
        if (err)
                return err;
        err = ib_checkpoint_decode(data, len, path, c, errstr, errstr_size);
        free(data);
        return err;
}

IB_FAULT_POINTS("checkpoint.write", "checkpoint.fsync", "checkpoint.crash_before_rename")

ib_err_t ib_checkpoint_store(const char *dir, const ib_checkpoint_t *c, size_t *written, char *errstr,
                             size_t errstr_size) {
        ib_buf_t b = {0};
        ib_err_t err = ib_checkpoint_encode(c, &b, errstr, errstr_size);
        if (err)
                return err;
        char cur[1024];
        snprintf(cur, sizeof(cur), "%s/checkpoint", dir);
        static const ib_fs_replace_opts_t opts = {"checkpoint.prev", "checkpoint"};
        err = ib_fs_write_atomic(cur, b.data, b.len, &opts, errstr, errstr_size);
        if (written)
                *written = err ? 0 : b.len;
        ib_buf_free(&b);
        return err;
}
