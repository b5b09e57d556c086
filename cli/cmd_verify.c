/*
 * cmd_verify.c: `ingestbench verify`: read the ground truth back from the
 * input topic (from its earliest offset to the high watermark at start), read
 * what the sink delivered and what was dead-lettered, and let core/verify.c
 * account for every record. Prints a table; --json writes the counts and
 * samples of each anomaly.
 */
#include <dirent.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "cli.h"
#include "config.h"
#include "fsutil.h"
#include "kafka.h"
#include "sink.h"
#include "verify.h"

static void usage(FILE *fp) {
        fprintf(fp,
"Usage: ingestbench verify --topic T --sink dir:PATH [OPTIONS]\n"
"\n"
"Account for every record of topic T exactly once: delivered to the sink\n"
"(unique), dead-lettered, or lost; count duplicates, out-of-order deliveries\n"
"and deliveries that match no input record. The ground truth is read back\n"
"from the topic itself, from its earliest offset to its end at start.\n"
"\n"
"Options:\n"
"  --brokers LIST       bootstrap brokers (default: the running mock cluster)\n"
"  --topic T            input topic\n"
"  --sink dir:PATH      the sink the workers wrote\n"
"  --dead-letter DIR    dead letters (default: PATH/deadletter)\n"
"  --json FILE          also write the result as JSON\n"
"  --expect LIST        name=N,... that must hold (default: lost=0); names: produced,\n"
"                       delivered, unique, duplicates, lost, out_of_order,\n"
"                       unexpected, dead_lettered, input_duplicates\n"
"  --timeout-ms MS      bound on reading the topic (default: 120000)\n"
"  -X key=value         librdkafka property (repeatable)\n"
"  -h, --help           this help\n"
"\n"
"Exit codes: 0 expectations hold, 1 they do not (or verify failed), 2 usage error,\n"
"3 brokers unreachable.\n");
}

/* A growing array of records whose ids live in one string pool. */
typedef struct {
        ib_vrec_t *v;
        size_t n, cap;
        ib_buf_t pool;
} vlist_t;

static int vlist_add(vlist_t *l, int32_t p, int64_t o, const char *id, size_t idlen) {
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 65536;
                ib_vrec_t *v = realloc(l->v, cap * sizeof(*v));
                if (!v)
                        return -1;
                l->v = v;
                l->cap = cap;
        }
        ib_vrec_t *r = &l->v[l->n++];
        r->partition = p;
        r->offset = o;
        r->id = NULL;
        if (id) { /* pool offset + 1 for now; made a pointer by vlist_fix() */
                r->id = (const char *)(uintptr_t)(l->pool.len + 1);
                if (ib_buf_append(&l->pool, id, idlen) || ib_buf_append(&l->pool, "", 1))
                        return -1;
        }
        return 0;
}

static void vlist_fix(vlist_t *l) {
        for (size_t i = 0; i < l->n; i++)
                if (l->v[i].id)
                        l->v[i].id = l->pool.data + ((uintptr_t)l->v[i].id - 1);
}

static void vlist_free(vlist_t *l) {
        free(l->v);
        ib_buf_free(&l->pool);
}

/* Adds one input record, taking its id from the JSON when it has one. */
static int add_input(vlist_t *l, const rd_kafka_message_t *m) {
        json_t *j = m->payload ? json_loadb(m->payload, m->len, 0, NULL) : NULL;
        const char *id = json_string_value(json_object_get(j, "id"));
        int rc = vlist_add(l, m->partition, m->offset, id, id ? strlen(id) : 0);
        json_decref(j);
        return rc;
}

static ib_err_t read_topic(const char *brokers, const ib_props_t *props, const char *topic,
                           int timeout_ms, vlist_t *out, char *errstr, size_t errstr_size) {
        rd_kafka_conf_t *conf = ib_kafka_conf_new(brokers, props, errstr, errstr_size);
        if (!conf)
                return IB_ERR_INVALID_ARG;
        ib_err_t err = ib_kafka_conf_set(conf, "enable.partition.eof", "true", errstr, errstr_size);
        if (err) {
                rd_kafka_conf_destroy(conf);
                return err;
        }
        char e[512];
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof(e));
        if (!rk) {
                rd_kafka_conf_destroy(conf);
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "librdkafka configuration: %s", e);
        }
        int n = 0;
        int32_t *ids = NULL;
        int64_t *lo = NULL, *hi = NULL;
        char *done = NULL;
        rd_kafka_topic_t *rkt = NULL;
        rd_kafka_queue_t *q = NULL;
        if ((err = ib_kafka_partition_count(rk, topic, timeout_ms < 10000 ? timeout_ms : 10000, &n,
                                            errstr, errstr_size)))
                goto done;
        ids = calloc((size_t)n, sizeof(*ids));
        lo = calloc((size_t)n, sizeof(*lo));
        hi = calloc((size_t)n, sizeof(*hi));
        done = calloc((size_t)n, 1);
        if (!ids || !lo || !hi || !done) {
                err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                goto done;
        }
        for (int i = 0; i < n; i++)
                ids[i] = i;
        if ((err = ib_kafka_list_offsets(rk, topic, ids, n, RD_KAFKA_OFFSET_BEGINNING, lo, 10000,
                                         errstr, errstr_size)) ||
            (err = ib_kafka_list_offsets(rk, topic, ids, n, RD_KAFKA_OFFSET_END, hi, 10000,
                                         errstr, errstr_size)))
                goto done;
        rkt = rd_kafka_topic_new(rk, topic, NULL);
        q = rd_kafka_queue_new(rk);
        int remaining = 0;
        for (int p = 0; p < n; p++) {
                if (hi[p] <= lo[p]) {
                        done[p] = 1;
                        continue;
                }
                if (rd_kafka_consume_start_queue(rkt, p, lo[p], q) == -1) {
                        err = ib_seterr(errstr, errstr_size, IB_ERR_KAFKA, "reading %s [%d]: %s", topic,
                                        p, rd_kafka_err2str(rd_kafka_last_error()));
                        goto done;
                }
                remaining++;
        }
        int64_t deadline = ib_mono_us() + (int64_t)timeout_ms * 1000;
        rd_kafka_message_t *msgs[1024];
        while (remaining > 0) {
                if (ib_mono_us() > deadline) {
                        err = ib_seterr(errstr, errstr_size, IB_ERR_TIMED_OUT,
                                        "reading %s back: %d partitions unfinished after %d ms", topic,
                                        remaining, timeout_ms);
                        break;
                }
                ssize_t got = rd_kafka_consume_batch_queue(q, 500, msgs, 1024);
                for (ssize_t i = 0; i < got; i++) {
                        rd_kafka_message_t *m = msgs[i];
                        int32_t p = m->partition;
                        if (p >= 0 && p < n && !done[p]) {
                                if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                                        if (m->offset >= hi[p])
                                                done[p] = 1, remaining--;
                                } else if (m->err) {
                                        fprintf(stderr, "ingestbench verify: %s [%d]: %s\n", topic, (int)p,
                                                rd_kafka_message_errstr(m));
                                } else if (m->offset < hi[p]) {
                                        if (add_input(out, m)) {
                                                err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                                                remaining = 0;
                                        } else if (m->offset + 1 >= hi[p]) {
                                                done[p] = 1, remaining--;
                                        }
                                }
                        }
                        rd_kafka_message_destroy(m);
                }
        }
        for (int p = 0; p < n; p++)
                if (hi[p] > lo[p])
                        rd_kafka_consume_stop(rkt, p);
done:
        if (q)
                rd_kafka_queue_destroy(q);
        if (rkt)
                rd_kafka_topic_destroy(rkt);
        rd_kafka_destroy(rk);
        free(ids);
        free(lo);
        free(hi);
        free(done);
        return err;
}

typedef struct {
        int32_t partition;
        int64_t from, until;
        char name[256];
} rfile_t;

static int rfile_cmp(const void *a, const void *b) {
        const rfile_t *x = a, *y = b;
        if (x->partition != y->partition)
                return x->partition < y->partition ? -1 : 1;
        if (x->from != y->from)
                return x->from < y->from ? -1 : 1;
        return (x->until > y->until) - (x->until < y->until);
}

/* Reads every range file of @topic in @dir, in (partition, from) order.
 * Sink lines carry "_partition"/"_offset"/"id"; dead letters "partition"/"offset". */
static ib_err_t read_dir(const char *dir, const char *topic, int dead, vlist_t *out,
                         uint64_t *bad_lines, char *errstr, size_t errstr_size) {
        DIR *dp = opendir(dir);
        if (!dp) {
                if (dead)
                        return IB_OK; /* no dead letters were ever written */
                return ib_seterr(errstr, errstr_size, IB_ERR_NOT_FOUND, "sink %s: cannot open", dir);
        }
        rfile_t *files = NULL;
        size_t nf = 0, cap = 0;
        struct dirent *de;
        while ((de = readdir(dp))) {
                rfile_t f;
                char t[256];
                if (ib_sink_parse_range_name(de->d_name, t, sizeof(t), &f.partition, &f.from, &f.until) ||
                    strcmp(t, topic) || strlen(de->d_name) >= sizeof(f.name))
                        continue;
                strcpy(f.name, de->d_name);
                if (nf == cap) {
                        cap = cap ? cap * 2 : 256;
                        rfile_t *nfiles = realloc(files, cap * sizeof(*files));
                        if (!nfiles) {
                                free(files);
                                closedir(dp);
                                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                        }
                        files = nfiles;
                }
                files[nf++] = f;
        }
        closedir(dp);
        if (nf)
                qsort(files, nf, sizeof(*files), rfile_cmp);
        ib_err_t err = IB_OK;
        for (size_t i = 0; i < nf && !err; i++) {
                char path[1024];
                snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
                char *data;
                size_t len;
                if ((err = ib_fs_read_file(path, &data, &len, errstr, errstr_size)))
                        break;
                char *line = data, *nl;
                for (; line < data + len; line = nl + 1) {
                        nl = memchr(line, '\n', (size_t)(data + len - line));
                        if (!nl)
                                nl = data + len;
                        if (nl == line)
                                continue;
                        json_t *j = json_loadb(line, (size_t)(nl - line), 0, NULL);
                        json_t *jp = json_object_get(j, dead ? "partition" : "_partition");
                        json_t *jo = json_object_get(j, dead ? "offset" : "_offset");
                        const char *id = dead ? NULL : json_string_value(json_object_get(j, "id"));
                        if (!json_is_integer(jp) || !json_is_integer(jo)) {
                                (*bad_lines)++;
                                fprintf(stderr, "ingestbench verify: %s: unreadable line at byte %zu\n",
                                        path, (size_t)(line - data));
                        } else if (vlist_add(out, (int32_t)json_integer_value(jp),
                                             (int64_t)json_integer_value(jo), id, id ? strlen(id) : 0)) {
                                err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                        }
                        json_decref(j);
                        if (err)
                                break;
                }
                free(data);
        }
        free(files);
        return err;
}

static json_t *kind_json(const ib_verify_kind_t *k) {
        json_t *a = json_array();
        for (size_t i = 0; i < k->nsamples; i++)
                json_array_append_new(a, json_pack("{s:s,s:i,s:I}", "id", k->samples[i].id,
                                                   "partition", (int)k->samples[i].partition,
                                                   "offset", (json_int_t)k->samples[i].offset));
        return a;
}

static void print_samples(const char *what, const ib_verify_kind_t *k) {
        for (size_t i = 0; i < k->nsamples; i++)
                printf("    %-12s id=%s partition=%d offset=%" PRId64 "\n", what,
                       k->samples[i].id[0] ? k->samples[i].id : "-", (int)k->samples[i].partition,
                       k->samples[i].offset);
}

enum { O_BROKERS = 256, O_TOPIC, O_SINK, O_DEAD, O_JSON, O_EXPECT, O_TIMEOUT };

int ib_cmd_verify(int argc, char **argv) {
        static const struct option longopts[] = {
            {"brokers", required_argument, 0, O_BROKERS},
            {"topic", required_argument, 0, O_TOPIC},
            {"sink", required_argument, 0, O_SINK},
            {"dead-letter", required_argument, 0, O_DEAD},
            {"json", required_argument, 0, O_JSON},
            {"expect", required_argument, 0, O_EXPECT},
            {"timeout-ms", required_argument, 0, O_TIMEOUT},
            {"help", no_argument, 0, 'h'},
            {0, 0, 0, 0},
        };
        const char *brokers_flag = NULL, *topic = NULL, *sink = NULL, *dead_dir = NULL,
                   *json_path = NULL, *expect_spec = "lost=0";
        int64_t timeout_ms = 120000;
        ib_props_t props = {0};
        char errstr[1024];
        int c, rc = IB_EXIT_OK;
        vlist_t prod = {0}, del = {0}, dead = {0};
        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, IB_OPT_PREFIX "hX:", longopts, NULL)) != -1) {
                switch (c) {
                case O_BROKERS: brokers_flag = optarg; break;
                case O_TOPIC: topic = optarg; break;
                case O_SINK: sink = optarg; break;
                case O_DEAD: dead_dir = optarg; break;
                case O_JSON: json_path = optarg; break;
                case O_EXPECT: expect_spec = optarg; break;
                case O_TIMEOUT:
                        if (ib_parse_i64(optarg, 100, 3600000, 0, "--timeout-ms", &timeout_ms, errstr,
                                         sizeof(errstr))) {
                                rc = ib_cli_usage_error("verify", "%s", errstr);
                                goto out;
                        }
                        break;
                case 'X':
                        if (ib_props_add(&props, optarg, errstr, sizeof(errstr))) {
                                rc = ib_cli_usage_error("verify", "%s", errstr);
                                goto out;
                        }
                        break;
                case 'h': usage(stdout); goto out;
                default: rc = ib_cli_getopt_error("verify", c, argv); goto out;
                }
        }
        if (optind < argc) {
                rc = ib_cli_usage_error("verify", "unexpected argument '%s'", argv[optind]);
                goto out;
        }
        if (!topic || !sink) {
                rc = ib_cli_usage_error("verify", "--topic and --sink are required");
                goto out;
        }
        if (strncmp(sink, "dir:", 4) || !sink[4]) {
                rc = ib_cli_usage_error("verify", "--sink must be dir:PATH (a null sink keeps nothing to verify)");
                goto out;
        }
        ib_verify_expect_t expect;
        if (ib_verify_expect_parse(expect_spec, &expect, errstr, sizeof(errstr))) {
                rc = ib_cli_usage_error("verify", "%s", errstr);
                goto out;
        }
        const char *sink_dir = sink + 4;
        char dead_buf[1024];
        if (!dead_dir) {
                snprintf(dead_buf, sizeof(dead_buf), "%s/deadletter", sink_dir);
                dead_dir = dead_buf;
        }
        char brokers[1024];
        ib_err_t err = ib_kafka_brokers(brokers_flag, brokers, sizeof(brokers), errstr, sizeof(errstr));
        uint64_t bad_lines = 0;
        if (!err)
                err = read_topic(brokers, &props, topic, (int)timeout_ms, &prod, errstr, sizeof(errstr));
        if (!err)
                err = read_dir(sink_dir, topic, 0, &del, &bad_lines, errstr, sizeof(errstr));
        if (!err)
                err = read_dir(dead_dir, topic, 1, &dead, &bad_lines, errstr, sizeof(errstr));
        if (err) {
                rc = ib_cli_fail("verify", err, errstr);
                goto out;
        }
        vlist_fix(&prod);
        vlist_fix(&del);
        ib_verify_result_t r;
        if ((err = ib_verify_run(prod.v, prod.n, del.v, del.n, dead.v, dead.n, &r))) {
                rc = ib_cli_fail("verify", err, "out of memory");
                goto out;
        }
        char why[256] = "";
        int pass = ib_verify_expect_check(&expect, &r, why, sizeof(why));
        printf("verify: topic %s, sink %s\n", topic, sink);
        printf("  %-18s %12" PRIu64 "\n", "produced", r.produced);
        printf("  %-18s %12" PRIu64 "\n", "delivered", r.delivered);
        printf("  %-18s %12" PRIu64 "\n", "unique", r.unique);
        printf("  %-18s %12" PRIu64 "\n", "duplicates", r.duplicates.count);
        printf("  %-18s %12" PRIu64 "\n", "lost", r.lost.count);
        printf("  %-18s %12" PRIu64 "\n", "out_of_order", r.out_of_order.count);
        printf("  %-18s %12" PRIu64 "\n", "dead_lettered", r.dead_lettered);
        printf("  %-18s %12" PRIu64 "\n", "unexpected", r.unexpected.count);
        printf("  %-18s %12" PRIu64 "\n", "input_duplicates", r.input_duplicates.count);
        print_samples("lost", &r.lost);
        print_samples("duplicate", &r.duplicates);
        print_samples("out-of-order", &r.out_of_order);
        print_samples("unexpected", &r.unexpected);
        printf("result: %s (expect %s)%s%s\n", pass ? "PASS" : "FAIL", expect_spec,
               pass ? "" : ": ", why);
        if (json_path) {
                json_t *doc = json_pack(
                    "{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:{s:o,s:o,s:o,s:o,s:o},s:s,s:b,s:s}",
                    "topic", topic, "sink", sink, "produced", (json_int_t)r.produced,
                    "delivered", (json_int_t)r.delivered, "unique", (json_int_t)r.unique,
                    "duplicates", (json_int_t)r.duplicates.count, "lost", (json_int_t)r.lost.count,
                    "out_of_order", (json_int_t)r.out_of_order.count,
                    "dead_lettered", (json_int_t)r.dead_lettered,
                    "dead_letter_lines", (json_int_t)r.dead_letters,
                    "unexpected", (json_int_t)r.unexpected.count,
                    "input_duplicates", (json_int_t)r.input_duplicates.count,
                    "unreadable_lines", (json_int_t)bad_lines,
                    "samples", "lost", kind_json(&r.lost), "duplicates", kind_json(&r.duplicates),
                    "out_of_order", kind_json(&r.out_of_order), "unexpected", kind_json(&r.unexpected),
                    "input_duplicates", kind_json(&r.input_duplicates),
                    "expect", expect_spec, "pass", pass, "why", why);
                char *text = json_dumps(doc, JSON_INDENT(2));
                json_decref(doc);
                if (!text || ib_fs_write_atomic(json_path, text, strlen(text), errstr, sizeof(errstr))) {
                        rc = ib_cli_fail("verify", IB_ERR_IO, text ? errstr : "out of memory");
                        if (text)
                                ib_json_free_str(text);
                        goto out;
                }
                ib_json_free_str(text);
        }
        rc = pass ? IB_EXIT_OK : IB_EXIT_FAIL;
out:
        vlist_free(&prod);
        vlist_free(&del);
        vlist_free(&dead);
        ib_props_destroy(&props);
        return rc;
}
