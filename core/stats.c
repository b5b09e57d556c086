/*
 * stats.c: JSON rendering of pipeline statistics. Histograms are kept in
 * microseconds and rendered in milliseconds with three decimals.
 */
#include "stats.h"

#include <string.h>

#include "clock.h"

void ib_stats_init(ib_stats_t *s) {
        memset(s, 0, sizeof(*s));
        s->started_ms = ib_now_ms();
        s->started_mono_us = ib_mono_us();
        ib_hist_init(&s->latency_us);
        ib_hist_init(&s->batch_us);
}

json_t *ib_hist_to_json_ms(const ib_hist_t *h) {
        return json_pack("{s:I,s:f,s:f,s:f,s:f,s:f,s:f}",
                         "count", (json_int_t)h->count,
                         "mean", h->count ? (double)h->sum / (double)h->count / 1000.0 : 0.0,
                         "p50", (double)ib_hist_quantile(h, 0.50) / 1000.0,
                         "p90", (double)ib_hist_quantile(h, 0.90) / 1000.0,
                         "p99", (double)ib_hist_quantile(h, 0.99) / 1000.0,
                         "p99_9", (double)ib_hist_quantile(h, 0.999) / 1000.0,
                         "max", (double)h->max / 1000.0);
}

void ib_stats_to_json(const ib_stats_t *s, json_t *o) {
        double secs = (double)(ib_mono_us() - s->started_mono_us) / 1e6;
        json_object_set_new(o, "started_ms", json_integer(s->started_ms));
        json_object_set_new(o, "elapsed_s", json_real(secs));
        json_object_set_new(o, "batches", json_integer((json_int_t)s->batches));
        json_object_set_new(o, "records_in", json_integer((json_int_t)s->records_in));
        json_object_set_new(o, "bytes_in", json_integer((json_int_t)s->bytes_in));
        json_object_set_new(o, "records_out", json_integer((json_int_t)s->records_out));
        json_object_set_new(o, "bytes_out", json_integer((json_int_t)s->bytes_out));
        json_object_set_new(o, "dead_lettered",
                            json_pack("{s:I,s:I,s:I}", "parse", (json_int_t)s->dead_parse,
                                      "schema", (json_int_t)s->dead_schema,
                                      "transform", (json_int_t)s->dead_transform));
        json_object_set_new(o, "sink_files", json_integer((json_int_t)s->sink_files));
        json_object_set_new(o, "throughput_records_per_s",
                            json_real(secs > 0 ? (double)s->records_in / secs : 0));
        json_object_set_new(o, "throughput_bytes_per_s",
                            json_real(secs > 0 ? (double)s->bytes_in / secs : 0));
        json_object_set_new(o, "latency_ms", ib_hist_to_json_ms(&s->latency_us));
        json_object_set_new(o, "batch_duration_ms", ib_hist_to_json_ms(&s->batch_us));
}

void ib_stats_count_name(json_t *counts, const char *name) {
        json_t *v = json_object_get(counts, name);
        json_object_set_new(counts, name, json_integer(v ? json_integer_value(v) + 1 : 1));
}
