/* 0005-pipeline: a hand-built batch of good and bad records through every
 * stage into a dir sink: output lines, dead letters with reasons and the raw
 * bytes, counters, and byte-identical output when the batch is replayed. */
#include <dirent.h>

#include "json_arena.h"
#include "base64.h"
#include "fsutil.h"
#include "harness.h"
#include "pipeline.h"

static const char *records[] = {
    "{\"id\":\"r-0\",\"run\":\"r\",\"seq\":0,\"key\":\"k\",\"ts\":1795220244513,\"meta\":{\"size\":1},\"payload\":\"a\"}",
    "{\"id\":\"r-1\",\"run\":\"r\",\"seq\":",                                               /* broken JSON */
    "{\"id\":\"r-2\",\"run\":\"r\",\"seq\":\"2\",\"key\":\"k\",\"ts\":1,\"payload\":\"a\"}", /* wrong type */
    "{\"id\":\"r-3\",\"run\":\"r\",\"seq\":3,\"key\":\"k\",\"payload\":\"a\"}",             /* missing ts */
    "{\"id\":\"r-4\",\"run\":\"r\",\"seq\":4,\"key\":\"k\",\"ts\":1795220244514,\"payload\":\"b\"}",
    NULL, /* null value */
};
#define NREC (sizeof(records) / sizeof(records[0]))

static void build(ib_batch_t *b) {
        ib_batch_clear(b);
        b->topic = "in";
        b->seq = 1;
        ib_batch_add_range(b, 2, 100, 100 + NREC);
        for (size_t i = 0; i < NREC; i++) {
                ib_record_t *r = ib_batch_add_record(b);
                r->partition = 2;
                r->offset = 100 + (int64_t)i;
                r->timestamp_ms = -1;
                r->key = NULL;
                r->key_len = 0;
                r->value = records[i];
                r->value_len = records[i] ? strlen(records[i]) : 0;
        }
        ib_batch_add_range(b, 5, 7, 7); /* an empty range: no file */
}

static int count_lines(const char *s) {
        int n = 0;
        for (; *s; s++)
                n += *s == '\n';
        return n;
}

/* A pipeline over a fresh directory: dir sink (or null) and dead-letter sink. */
typedef struct {
        char dir[64], out[128], dead[128];
        ib_sink_t *sink, *dl;
        ib_schema_t *schema;
        ib_stats_t stats;
        ib_pipeline_t *pl;
} fixture_t;

static void fixture_open_threads(fixture_t *f, int null_sink, int level, int threads) {
        char err[256];
        ib_tmpdir(f->dir, sizeof(f->dir));
        snprintf(f->out, sizeof(f->out), "%s/out", f->dir);
        snprintf(f->dead, sizeof(f->dead), "%s/dead", f->dir);
        f->sink = f->dl = NULL, f->schema = NULL, f->pl = NULL;
        if (null_sink)
                ib_sink_open("null", &f->sink, err, sizeof(err));
        else
                ib_sink_open_dir(f->out, &f->sink, err, sizeof(err));
        ib_sink_open_dir(f->dead, &f->dl, err, sizeof(err));
        ib_schema_load(NULL, &f->schema, err, sizeof(err));
        ib_stats_init(&f->stats);
        ib_pipeline_conf_t conf = {f->schema, "ts", f->sink, f->dl, &f->stats, level, threads};
        ib_pipeline_new(&conf, &f->pl, err, sizeof(err));
        CHECK(f->sink && f->dl && f->schema && f->pl);
}

static void fixture_open_level(fixture_t *f, int null_sink, int level) { fixture_open_threads(f, null_sink, level, 1); }
static void fixture_open(fixture_t *f, int null_sink) { fixture_open_level(f, null_sink, IB_PIPELINE_FULL); }

static void fixture_close(fixture_t *f) {
        ib_pipeline_destroy(f->pl);
        ib_schema_destroy(f->schema);
        ib_sink_close(f->sink);
        ib_sink_close(f->dl);
        ib_tmpdir_rm(f->dir);
}

static void test_stages_and_dead_letters(void) {
        char err[256];
        fixture_t fx, *f = &fx;
        fixture_open(f, 0);
        ib_batch_t b = {0};
        build(&b);
        CHECK_INT(ib_pipeline_run(f->pl, &b, err, sizeof(err)), IB_OK);
        CHECK_INT(f->stats.records_in, NREC);
        CHECK_INT(f->stats.records_out, 2);
        CHECK_INT(f->stats.dead_parse, 2);
        CHECK_INT(f->stats.dead_schema, 2);
        CHECK_INT(f->stats.latency_us.count, 2);
        CHECK_INT(f->stats.batches, 1);
        CHECK_INT(f->stats.sink_files, 1);

        char path[512], *text, *dtext;
        size_t len;
        snprintf(path, sizeof(path), "%.127s/in-p2-00000000000000000100-00000000000000000106.jsonl", f->out);
        CHECK_INT(ib_fs_read_file(path, &text, &len, err, sizeof(err)), IB_OK);
        CHECK_INT(count_lines(text), 2);
        CHECK(strstr(text, "\"meta.size\":1") != NULL);
        CHECK(strstr(text, "\"event_date\":\"2026-11-21\"") != NULL);
        CHECK(strstr(text, "\"_partition\":2,\"_offset\":100") != NULL);
        CHECK(strstr(text, "\"_offset\":104") != NULL);

        snprintf(path, sizeof(path), "%.127s/in-p2-00000000000000000100-00000000000000000106.jsonl", f->dead);
        CHECK_INT(ib_fs_read_file(path, &dtext, &len, err, sizeof(err)), IB_OK);
        CHECK_INT(count_lines(dtext), 4);
        /* every dead letter names its record and why, and keeps the bytes */
        json_error_t je;
        int seen = 0;
        for (char *line = dtext, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
                json_t *j = json_loadb(line, (size_t)(nl - line), 0, &je);
                CHECK(j != NULL);
                int64_t off = json_integer_value(json_object_get(j, "offset"));
                const char *stage = json_string_value(json_object_get(j, "stage"));
                const char *reason = json_string_value(json_object_get(j, "reason"));
                const char *raw = json_string_value(json_object_get(j, "raw"));
                CHECK_STR(json_string_value(json_object_get(j, "topic")), "in");
                CHECK_INT(json_integer_value(json_object_get(j, "partition")), 2);
                CHECK(reason && *reason);
                const char *orig = records[off - 100];
                unsigned char decoded[512];
                long dn = ib_base64_decode(raw, strlen(raw), decoded);
                CHECK_INT(dn, orig ? (long)strlen(orig) : 0);
                CHECK(dn < 0 || !orig || !memcmp(decoded, orig, (size_t)dn));
                if (off == 101) {
                        CHECK_STR(stage, "parse");
                        seen++;
                } else if (off == 102) {
                        CHECK_STR(reason, "field 'seq' is string, want integer");
                        seen++;
                } else if (off == 103) {
                        CHECK_STR(reason, "missing field 'ts'");
                        seen++;
                } else if (off == 105) {
                        CHECK_STR(reason, "empty record (null value)");
                        seen++;
                }
                json_decref(j);
        }
        CHECK_INT(seen, 4);

        /* replaying the batch rewrites byte-identical files */
        build(&b);
        CHECK_INT(ib_pipeline_run(f->pl, &b, err, sizeof(err)), IB_OK);
        char *again;
        snprintf(path, sizeof(path), "%.127s/in-p2-00000000000000000100-00000000000000000106.jsonl", f->out);
        CHECK_INT(ib_fs_read_file(path, &again, &len, err, sizeof(err)), IB_OK);
        CHECK_STR(again, text);
        free(again);
        free(text);
        free(dtext);
        ib_batch_free(&b);
        fixture_close(f);
}

static void test_arena_reused_across_batches(void) {
        /* the arena's memory is reused: steady-state batches do not grow it */
        ib_arena_t *a = ib_arena_new(1 << 16);
        for (int round = 0; round < 3; round++) {
                ib_arena_activate(a);
                for (int i = 0; i < 1000; i++) {
                        json_t *o = json_loads(records[0], 0, NULL);
                        CHECK(o != NULL);
                        json_decref(o);
                }
                CHECK(ib_arena_used(a) > 0);
                ib_arena_activate(NULL);
                ib_arena_reset(a);
                CHECK_INT(ib_arena_used(a), 0);
        }
        /* a value made outside the arena is freed normally while one is active */
        json_t *outside = json_loads(records[0], 0, NULL);
        ib_arena_activate(a);
        json_decref(outside);
        ib_arena_activate(NULL);
        ib_arena_destroy(a);
}

static void test_output_buffer_boundaries(void) {
        /* One record per range, sizes rising a byte at a time: each range
         * starts with an empty buffer of unchanged capacity, so some line ends
         * exactly one byte short of it (an off-by-one there once wrote the
         * terminator past the buffer; the ASan build catches it). */
        enum { N = 9000 };
        char err[256];
        fixture_t fx, *f = &fx;
        fixture_open(f, 1);
        char *vals = malloc((size_t)N * (N + 128));
        ib_batch_t b = {0};
        b.topic = "sz";
        for (int i = 0; i < N; i++) {
                char *v = vals + (size_t)i * (N + 128);
                int n = snprintf(v, N + 128, "{\"id\":\"r-%d\",\"run\":\"r\",\"seq\":%d,"
                                 "\"key\":\"k\",\"ts\":1,\"payload\":\"", i, i);
                memset(v + n, 'p', (size_t)i); /* a payload of i bytes */
                memcpy(v + n + i, "\"}", 3);
                ib_batch_add_range(&b, 0, i, i + 1);
                ib_record_t *r = ib_batch_add_record(&b);
                r->partition = 0;
                r->offset = i;
                r->timestamp_ms = -1;
                r->key = NULL;
                r->key_len = 0;
                r->value = v;
                r->value_len = strlen(v);
        }
        CHECK_INT(ib_pipeline_run(f->pl, &b, err, sizeof(err)), IB_OK);
        CHECK_INT(f->stats.records_out, N);
        CHECK_INT(f->stats.dead_parse + f->stats.dead_schema, 0);
        CHECK_INT(f->sink->files, N);
        free(vals);
        ib_batch_free(&b);
        fixture_close(f);
}

static void test_batch_group(void) {
        /* poll order interleaves partitions; grouping keeps each partition's order */
        ib_record_t in[] = {{3, 10, 0, 0, 0, 0, 0}, {1, 5, 0, 0, 0, 0, 0}, {3, 11, 0, 0, 0, 0, 0},
                            {1, 7, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 0}, {3, 12, 0, 0, 0, 0, 0}};
        ib_batch_t b = {0};
        ib_group_scratch_t s = {0};
        for (int round = 0; round < 2; round++) { /* scratch reused */
                ib_batch_clear(&b);
                CHECK_INT(ib_batch_group(&b, in, 6, &s), IB_OK);
                CHECK_INT(b.nranges, 3);
                CHECK_INT(b.nrecords, 6);
                CHECK_INT(b.ranges[0].partition, 0);
                CHECK_INT(b.ranges[1].partition, 1);
                CHECK_INT(b.ranges[1].from, 5);
                CHECK_INT(b.ranges[1].until, 8); /* [lowest, highest + 1), gaps allowed */
                CHECK_INT(b.ranges[1].count, 2);
                CHECK_INT(b.ranges[2].partition, 3);
                CHECK_INT(b.ranges[2].count, 3);
                const ib_record_t *p3 = &b.records[b.ranges[2].first];
                CHECK_INT(p3[0].offset, 10);
                CHECK_INT(p3[1].offset, 11);
                CHECK_INT(p3[2].offset, 12);
        }
        ib_record_t bad = {-1, 0, 0, 0, 0, 0, 0};
        CHECK_INT(ib_batch_group(&b, &bad, 1, &s), IB_ERR_INVALID_ARG);
        ib_batch_free(&b);
        ib_group_scratch_free(&s);
}

/* --pipeline none writes every record's bytes untouched (even broken ones);
 * parse dead-letters what does not parse or validate and writes the rest
 * untouched, with their event times for latency. */
static void test_levels(void) {
        char err[256], path[512], *text;
        size_t len;
        for (int level = IB_PIPELINE_NONE; level <= IB_PIPELINE_PARSE; level++) {
                fixture_t fx, *f = &fx;
                fixture_open_level(f, 0, level);
                ib_batch_t b = {0};
                build(&b);
                CHECK_INT(ib_pipeline_run(f->pl, &b, err, sizeof(err)), IB_OK);
                CHECK_INT(f->stats.records_in, NREC);
                CHECK_INT(f->stats.records_out, level == IB_PIPELINE_NONE ? NREC : 2);
                CHECK_INT(f->stats.dead_parse + f->stats.dead_schema, level == IB_PIPELINE_NONE ? 0 : 4);
                CHECK_INT(f->stats.latency_us.count, level == IB_PIPELINE_NONE ? 0 : 2);
                snprintf(path, sizeof(path), "%.127s/in-p2-00000000000000000100-00000000000000000106.jsonl", f->out);
                CHECK_INT(ib_fs_read_file(path, &text, &len, err, sizeof(err)), IB_OK);
                if (level == IB_PIPELINE_NONE) {
                        /* every value, byte for byte, one per line; a null value is an empty line */
                        char want[2048] = "";
                        for (size_t i = 0; i < NREC; i++)
                                strcat(strcat(want, records[i] ? records[i] : ""), "\n");
                        CHECK_STR(text, want);
                } else {
                        char want[1024];
                        snprintf(want, sizeof(want), "%s\n%s\n", records[0], records[4]);
                        CHECK_STR(text, want);
                }
                free(text);
                ib_batch_free(&b);
                fixture_close(f);
        }
        CHECK_STR(ib_pipeline_level_names[IB_PIPELINE_FULL], "full");
}

/* Every file of directory @p a equals the same file of @p b; @returns how many. */
static int same_files(const char *a, const char *b) {
        char cmd_a[256], pa[512], pb[512], err[256];
        snprintf(cmd_a, sizeof(cmd_a), "%s", a);
        DIR *d = opendir(cmd_a);
        int n = 0;
        struct dirent *e;
        while (d && (e = readdir(d))) {
                if (e->d_name[0] == '.')
                        continue;
                snprintf(pa, sizeof(pa), "%.200s/%.200s", a, e->d_name);
                snprintf(pb, sizeof(pb), "%.200s/%.200s", b, e->d_name);
                char *ta = NULL, *tb = NULL;
                size_t la = 0, lb = 0;
                if (ib_fs_read_file(pa, &ta, &la, err, sizeof(err)) != IB_OK)
                        continue; /* a folder (deadletter) */
                CHECK_INT(ib_fs_read_file(pb, &tb, &lb, err, sizeof(err)), IB_OK);
                CHECK(la == lb && tb && !memcmp(ta, tb, la));
                free(ta), free(tb);
                n++;
        }
        if (d)
                closedir(d);
        return n;
}

/* Many partitions interleaved in one batch, through 1 and 4 threads: the
 * same files byte for byte (good lines and dead letters), the same counters,
 * each partition's lines in offset order. */
static void test_threads_identical(void) {
        enum { PARTS = 13, PER = 300 };
        static char texts[PARTS * PER][160];
        ib_batch_t b = {0};
        ib_record_t recs[PARTS * PER];
        for (int i = 0; i < PARTS * PER; i++) {
                int p = i % PARTS, off = i / PARTS; /* interleaved, as a fetch returns them */
                if (off % 37 == 5)
                        snprintf(texts[i], sizeof(texts[i]), "{\"id\":\"r-%d\",\"seq\":", i); /* broken */
                else
                        snprintf(texts[i], sizeof(texts[i]),
                                 "{\"id\":\"r-%d\",\"run\":\"r\",\"seq\":%d,\"key\":\"k%d\",\"ts\":%lld,"
                                 "\"meta\":{\"size\":%d},\"payload\":\"p%d\"}",
                                 i, off, p, 1795220244513LL + i, p, i);
                recs[i] = (ib_record_t){p, 1000 + off, -1, NULL, 0, texts[i], strlen(texts[i])};
        }
        ib_group_scratch_t gs = {0};
        CHECK_INT(ib_batch_group(&b, recs, PARTS * PER, &gs), IB_OK);
        b.topic = "in";
        b.seq = 1;
        CHECK_INT(b.nranges, PARTS);
        fixture_t one, four;
        char err[256];
        fixture_open_threads(&one, 0, IB_PIPELINE_FULL, 1);
        fixture_open_threads(&four, 0, IB_PIPELINE_FULL, 4);
        CHECK_INT(ib_pipeline_run(one.pl, &b, err, sizeof(err)), IB_OK);
        CHECK_INT(ib_pipeline_run(four.pl, &b, err, sizeof(err)), IB_OK);
        CHECK_INT(same_files(one.out, four.out), PARTS);
        CHECK_INT(same_files(one.dead, four.dead), PARTS);
        CHECK_INT(four.stats.records_in, PARTS * PER);
        CHECK_INT(four.stats.records_out, one.stats.records_out);
        CHECK_INT(four.stats.dead_parse, one.stats.dead_parse);
        CHECK(four.stats.dead_parse > 0);
        CHECK_INT(four.stats.latency_us.count, one.stats.latency_us.count);
        CHECK_INT(four.stats.bytes_out, one.stats.bytes_out);
        /* partition 7's lines, in offset order */
        char path[512], *text = NULL;
        size_t len;
        snprintf(path, sizeof(path), "%.127s/in-p7-00000000000000001000-00000000000000001300.jsonl", four.out);
        CHECK_INT(ib_fs_read_file(path, &text, &len, err, sizeof(err)), IB_OK);
        long last = -1;
        int lines = 0;
        for (char *q = text ? strstr(text, "\"_offset\":") : NULL; q; q = strstr(q + 1, "\"_offset\":")) {
                long o = strtol(q + 10, NULL, 10);
                CHECK(o > last);
                last = o, lines++;
        }
        CHECK(lines > PER - PER / 30);
        free(text);
        json_t *th = ib_pipeline_threads_json(four.pl);
        CHECK_INT(json_array_size(th), 4);
        json_decref(th);
        ib_batch_free(&b);
        ib_group_scratch_free(&gs);
        fixture_close(&one);
        fixture_close(&four);
}

/* The pool's threads live across batches: batches using 1 to 4 of them,
 * one after the other, each counted once, and a thread a batch had no range
 * for reports no busy time for it. */
static void test_pool_across_batches(void) {
        enum { MAXP = 6, PER = 20 };
        static char texts[MAXP * PER][160];
        fixture_t f;
        char err[256];
        fixture_open_threads(&f, 1, IB_PIPELINE_FULL, 4);
        ib_group_scratch_t gs = {0};
        ib_batch_t b = {0};
        uint64_t want = 0;
        for (int round = 0; round < 60; round++) {
                int parts = 1 + round % MAXP, n = parts * PER;
                ib_record_t recs[MAXP * PER];
                for (int i = 0; i < n; i++) {
                        snprintf(texts[i], sizeof(texts[i]),
                                 "{\"id\":\"r-%d\",\"run\":\"r\",\"seq\":%d,\"key\":\"k\",\"ts\":%lld,"
                                 "\"meta\":{\"size\":1},\"payload\":\"p\"}",
                                 i, round, 1795220244513LL + i);
                        recs[i] = (ib_record_t){i % parts, (int64_t)round * PER + i / parts, -1, NULL, 0, texts[i],
                                                strlen(texts[i])};
                }
                ib_batch_clear(&b);
                CHECK_INT(ib_batch_group(&b, recs, (size_t)n, &gs), IB_OK);
                b.topic = "in";
                b.seq = (uint64_t)round + 1;
                CHECK_INT(ib_pipeline_run(f.pl, &b, err, sizeof(err)), IB_OK);
                want += (uint64_t)n;
                CHECK_INT(f.stats.records_in, want);
                CHECK_INT(f.stats.records_out, want);
                json_t *busy = ib_pipeline_batch_busy_json(f.pl);
                CHECK_INT(json_array_size(busy), 4);
                for (int l = parts; l < 4; l++)
                        CHECK(json_real_value(json_array_get(busy, (size_t)l)) == 0.0);
                json_decref(busy);
        }
        json_t *th = ib_pipeline_threads_json(f.pl);
        json_int_t sum = 0;
        for (size_t i = 0; i < json_array_size(th); i++)
                sum += json_integer_value(json_object_get(json_array_get(th, i), "records"));
        CHECK_INT(sum, (json_int_t)want);
        CHECK(json_integer_value(json_object_get(json_array_get(th, 3), "records")) > 0);
        json_decref(th);
        ib_batch_free(&b);
        ib_group_scratch_free(&gs);
        fixture_close(&f);
}

int main(void) {
        ib_arena_install();
        IB_RUN(test_stages_and_dead_letters);
        IB_RUN(test_arena_reused_across_batches);
        IB_RUN(test_output_buffer_boundaries);
        IB_RUN(test_batch_group);
        IB_RUN(test_levels);
        IB_RUN(test_pool_across_batches);
        IB_RUN(test_threads_identical);
        return IB_DONE();
}
