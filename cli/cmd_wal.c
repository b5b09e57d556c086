/*
 * cmd_wal.c: `ingestbench wal dump DIR` prints a write-ahead log as JSON
 * Lines (one line per batch, one per record); `ingestbench wal verify DIR`
 * checks every checksum and reports each damage with its file and offset.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base64.h"
#include "buf.h"
#include "cli.h"
#include "wal.h"

typedef struct {
        int policy; /* an ib_wal_recovery_t, by its name's index */
} wal_flags_t;

static const ib_option_t wal_options[] = {
    IB_OPT_CHOICE(wal_flags_t, policy, "policy", ib_wal_recovery_names, "skip-corrupt",
                  "dump: the recovery policy (skip-corrupt shows all that can be read)"),
    IB_OPT_END,
};

static const ib_cli_spec_t wal_spec = {
    "wal", "dump DIR [--policy POLICY]\n       ingestbench wal verify DIR",
    "dump    prints every whole batch of the write-ahead log in DIR as JSON Lines:\n"
    "        {\"type\":\"batch\",...} then one {\"type\":\"data\",...} per record; values\n"
    "        that are UTF-8 text appear as \"value\", others as \"value_b64\".\n"
    "        Damage goes to stderr.\n"
    "verify  reads every segment and checks every checksum. Exit 0 when the log is\n"
    "        intact (a torn tail, what a crash leaves, is reported but intact), 1 on\n"
    "        corruption, each reported with its file and byte offset.\n",
    "The format is specified in wal/FORMAT.md.\n",
    wal_options, 2, 2, "want 'dump DIR' or 'verify DIR'", 0,
};

typedef struct {
        uint64_t corruptions, torn, dropped;
        int quiet;
} tally_t;

static void on_damage(void *opaque, const ib_wal_damage_t *d) {
        tally_t *t = opaque;
        if (d->corruption)
                t->corruptions++;
        else
                t->torn++;
        t->dropped += d->dropped;
        fprintf(stderr, "%s: %s: %s at byte %" PRIu64 " (%" PRIu64 " bytes not readable)\n",
                d->corruption ? "CORRUPT" : "note", d->file, d->reason, d->offset, d->dropped);
}

static json_t *bytes_json(const char *p, size_t len, ib_buf_t *tmp) {
        json_t *s = p ? json_stringn(p, len) : json_null();
        if (s)
                return s;
        ib_buf_reset(tmp);
        ib_base64_append(tmp, p, len);
        return NULL;
}

static int dump_or_verify(const char *dir, ib_wal_recovery_t policy, int dump) {
        char errstr[512];
        tally_t t = {0, 0, 0, 0};
        ib_wal_reader_t *r;
        ib_err_t oerr = ib_wal_reader_open(dir, (ib_wal_pos_t){0, 0}, policy, on_damage, &t, &r, errstr,
                                           sizeof(errstr));
        if (oerr)
                return ib_cli_fail("wal", oerr, errstr);
        uint64_t batches = 0, records = 0;
        ib_wal_batch_t b;
        ib_buf_t tmp = {0};
        int got;
        ib_err_t rc;
        while ((rc = ib_wal_reader_next(r, (ib_wal_pos_t){0, 0}, &b, &got, errstr, sizeof(errstr))) == IB_OK && got) {
                batches++;
                records += b.count;
                if (!dump)
                        continue;
                printf("{\"type\":\"batch\",\"seq\":%" PRIu64 ",\"records\":%zu,\"segment\":%" PRIu64
                       ",\"offset\":%" PRIu64 ",\"end\":%" PRIu64 "}\n",
                       b.seq, b.count, b.start.segment, b.start.offset, b.end.offset);
                for (size_t i = 0; i < b.count; i++) {
                        const ib_record_t *rec = &b.records[i];
                        json_t *o = json_pack("{s:s,s:I,s:i,s:I,s:I}", "type", "data", "batch", (json_int_t)b.seq,
                                              "partition", (int)rec->partition, "kafka_offset",
                                              (json_int_t)rec->offset, "timestamp_ms", (json_int_t)rec->timestamp_ms);
                        if (!o) {
                                rc = ib_seterr(errstr, sizeof(errstr), IB_ERR_NOMEM, "out of memory");
                                break;
                        }
                        json_t *tj = bytes_json(b.topic, strlen(b.topic), &tmp); /* not UTF-8: base64 */
                        json_object_set_new(o, tj ? "topic" : "topic_b64", tj ? tj : json_string(tmp.data));
                        json_t *k = bytes_json(rec->key, rec->key_len, &tmp);
                        json_object_set_new(o, k ? "key" : "key_b64", k ? k : json_string(tmp.data));
                        json_t *v = bytes_json(rec->value, rec->value_len, &tmp);
                        json_object_set_new(o, v ? "value" : "value_b64", v ? v : json_string(tmp.data));
                        char line[1 << 16];
                        size_t n = json_dumpb(o, line, sizeof(line) - 1, JSON_COMPACT);
                        if (n < sizeof(line) - 1) {
                                line[n] = '\0';
                                puts(line);
                        } else { /* a large record: let jansson stream it */
                                json_dumpf(o, stdout, JSON_COMPACT);
                                putchar('\n');
                        }
                        json_decref(o);
                }
                if (rc)
                        break;
        }
        ib_buf_free(&tmp);
        ib_wal_reader_close(r);
        if (rc)
                return ib_cli_fail("wal", IB_ERR_IO, errstr);
        if (!dump) {
                printf("wal verify: %s: %" PRIu64 " batches, %" PRIu64 " records, %" PRIu64
                       " corruptions, %" PRIu64 " torn tails, %" PRIu64 " bytes unreadable: %s\n",
                       dir, batches, records, t.corruptions, t.torn, t.dropped,
                       t.corruptions ? "CORRUPT" : "OK");
        }
        return t.corruptions ? IB_EXIT_FAIL : IB_EXIT_OK;
}

int ib_cmd_wal(int argc, char **argv) {
        wal_flags_t f;
        int first, rc = ib_cli_parse(&wal_spec, &f, argc, argv, &first);
        if (rc >= 0)
                return rc;
        ib_wal_recovery_t policy = (ib_wal_recovery_t)f.policy;
        const char *sub = argv[first], *dir = argv[first + 1];
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
                char why[1100];
                snprintf(why, sizeof(why), "%s: not a directory", dir);
                return ib_cli_fail("wal", IB_ERR_IO, why);
        }
        if (!strcmp(sub, "dump"))
                return dump_or_verify(dir, policy, 1);
        if (!strcmp(sub, "verify"))
                return dump_or_verify(dir, IB_WAL_SKIP_CORRUPT, 0);
        return ib_cli_usage_error("wal", "unknown subcommand '%s' (want dump or verify)", sub);
}
