/*
 * keys.c: ib-bench-keys, the cost of a record's number of keys (#16). It
 * builds one record of KEYS top-level members and one with KEYS members in a
 * nested object (about 1 MB at 60,000), and times, best of REPEAT runs each,
 * jansson's json_loadb (the reference, in the same run) against the parse
 * stage (ib_doc_parse) and the parse stage with the transform up to the
 * output line (ib_emit_flat). A lookup scan made both quadratic: 5.4 s and
 * 3.3 s against jansson's 0.04 s. Prints one line per shape, ratios to
 * jansson; exit 0, 2 on a bad argument.
 *
 *   ib-bench-keys [KEYS [REPEAT]]      (default 60000 5)
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "buf.h"
#include "doc.h"
#include "emit.h"

static double now(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void record(ib_buf_t *b, long keys, int nested) {
        ib_buf_reset(b);
        ib_buf_printf(b, "{\"id\":\"r-1\",\"ts\":1700000000000%s", nested ? ",\"n\":{" : "");
        for (long i = 0; i < keys; i++)
                ib_buf_printf(b, "%s\"key%07ld\":%ld", i || !nested ? "," : "", i, i);
        ib_buf_printf(b, "%s}", nested ? "}" : "");
}

int main(int argc, char **argv) {
        long keys = argc > 1 ? strtol(argv[1], NULL, 10) : 60000, repeat = argc > 2 ? strtol(argv[2], NULL, 10) : 5;
        if (argc > 3 || keys < 1 || keys > 10000000 || repeat < 1 || repeat > 1000) {
                fprintf(stderr, "usage: ib-bench-keys [KEYS (1-10000000) [REPEAT (1-1000)]]\n");
                return 2;
        }
        ib_doc_parser_t *p = ib_doc_parser_new();
        ib_arena_t *arena = ib_arena_new(1 << 20);
        ib_buf_t text = {0}, out = {0};
        for (int nested = 0; nested < 2; nested++) {
                record(&text, keys, nested);
                double best[3] = {1e9, 1e9, 1e9};
                for (long r = 0; r < repeat; r++) {
                        char why[256];
                        double t0 = now();
                        json_t *j = json_loadb(text.data, text.len, 0, NULL);
                        double t1 = now();
                        ib_arena_reset(arena);
                        const ib_doc_t *d = ib_doc_parse(p, arena, text.data, text.len, why, sizeof(why));
                        double t2 = now();
                        ib_buf_reset(&out);
                        ib_err_t err = d ? ib_emit_flat(&out, d, "2023-11-14", 0, 0, why, sizeof(why)) : IB_ERR_PARSE;
                        double t3 = now();
                        if (!j || !d || err) {
                                fprintf(stderr, "ib-bench-keys: the record was refused: %s\n", why);
                                return 1;
                        }
                        json_decref(j);
                        double t[3] = {t1 - t0, t2 - t1, t3 - t1};
                        for (int k = 0; k < 3; k++)
                                best[k] = t[k] < best[k] ? t[k] : best[k];
                }
                printf("%ld keys %s (%zu bytes), best of %ld: jansson %.4f s; parse %.4f s (%.2fx); "
                       "parse + transform %.4f s (%.2fx)\n",
                       keys, nested ? "in a nested object" : "at the top level", text.len, repeat, best[0], best[1],
                       best[1] / best[0], best[2], best[2] / best[0]);
        }
        ib_buf_free(&text);
        ib_buf_free(&out);
        ib_arena_destroy(arena);
        ib_doc_parser_destroy(p);
        return 0;
}
