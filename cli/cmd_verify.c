/*
 * cmd_verify.c: `ingestbench verify`: read the ground truth back from the
 * input topic (from its earliest offset to the high watermark at start), read
 * what the sink delivered and what was dead-lettered, and let verify/verify.c
 * account for every record. Prints a table; --json writes the counts and
 * samples of each anomaly.
 */
#include <dirent.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_arena.h"
#include "buf.h"
#include "cli.h"
#include "options.h"
#include "config.h"
#include "parse.h"
#include "clock.h"
#include "signals.h"
#include "fsutil.h"
#include "kafka.h"
#include "ksink.h"
#include "sink.h"
#include "verify.h"
#include "verify_io.h"

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

/* What `verify` was asked to do. */
typedef struct {
        const char *brokers_flag, *topic, *sink, *dead_dir, *json_path, *expect_spec;
        int64_t timeout_ms;
        int kafka;                 /* a kafka: sink */
        ib_props_t props;
        ib_verify_expect_t expect;
        char dead_buf[1024];
} verify_conf_t;

static const ib_option_t verify_options[] = {
    IB_OPT_STR(verify_conf_t, brokers_flag, "brokers", "LIST", NULL,
               "bootstrap brokers (default: the running mock cluster)"),
    IB_OPT_STR_CHECKED(verify_conf_t, topic, "topic", "T", NULL, ib_opt_check_topic, "input topic (required)"),
    IB_OPT_STR(verify_conf_t, sink, "sink", "SPEC", NULL,
               "the sink the workers wrote (required): dir:PATH, or kafka:TOPIC[@BROKERS], read both as a "
               "read_committed and a read_uncommitted consumer"),
    IB_OPT_STR(verify_conf_t, dead_dir, "dead-letter", "DIR", NULL,
               "dead letters (default: PATH/deadletter; required with a kafka: sink)"),
    IB_OPT_STR(verify_conf_t, json_path, "json", "FILE", NULL, "also write the result as JSON"),
    IB_OPT_STR(verify_conf_t, expect_spec, "expect", "LIST", "lost=0",
               "name=N,... that must hold; names: produced, delivered, unique, duplicates, "
               "lost, out_of_order, unexpected, dead_lettered, input_duplicates"),
    IB_OPT_INT(verify_conf_t, timeout_ms, "timeout-ms", "MS", "120000", 100, 3600000,
               "bound on reading the topic"),
    IB_OPT_END,
};

static const ib_cli_spec_t verify_spec = {
    "verify", "--topic T --sink dir:PATH|kafka:TOPIC [OPTIONS]",
    "Account for every record of topic T exactly once: delivered to the sink\n"
    "(unique), dead-lettered, or lost; count duplicates, out-of-order deliveries\n"
    "and deliveries that match no input record. The ground truth is read back\n"
    "from the topic itself, from its earliest offset to its end at start.\n"
    "A Kafka sink is read twice: the delivered set is what a read_committed\n"
    "consumer sees; the log (log_records, log_duplicates, aborted_records) is\n"
    "what a read_uncommitted one finds, aborted and zombie writes included.\n",
    "A sink line that cannot be read is named on stderr by file and byte offset\n"
    "(a Kafka record by partition and offset), counted as unreadable_lines, and\n"
    "fails the run whatever --expect says.\n"
    "Exit codes: 0 expectations hold, 1 they do not (or verify failed), 2 usage error,\n"
    "3 brokers unreachable.\n",
    verify_options, 0, 0, NULL, offsetof(verify_conf_t, props),
};

/* Parses the flags into @p vc. @returns -1 to go on, or the exit code. */
static int parse_flags(int argc, char **argv, verify_conf_t *vc) {
        char errstr[1024];
        int rc = ib_cli_parse(&verify_spec, vc, argc, argv, NULL);
        if (rc >= 0)
                return rc;
        if (!vc->topic || !vc->sink)
                return ib_cli_usage_error("verify", "--topic and --sink are required");
        char t[256], b[1024];
        vc->kafka = !strncmp(vc->sink, "kafka:", 6);
        if (vc->kafka && ib_ksink_parse_spec(vc->sink, t, sizeof(t), b, sizeof(b)))
                return ib_cli_usage_error("verify", "--sink %s: want kafka:TOPIC[@BROKERS]", vc->sink);
        if (vc->kafka && !vc->dead_dir)
                return ib_cli_usage_error("verify", "--sink kafka: needs --dead-letter DIR (where the workers "
                                                    "wrote their dead letters)");
        if (!vc->kafka && (strncmp(vc->sink, "dir:", 4) || !vc->sink[4]))
                return ib_cli_usage_error("verify", "--sink must be dir:PATH or kafka:TOPIC[@BROKERS] (a null sink "
                                                    "keeps nothing to verify)");
        if (ib_verify_expect_parse(vc->expect_spec, &vc->expect, errstr, sizeof(errstr)))
                return ib_cli_usage_error("verify", "%s", errstr);
        if (!vc->dead_dir) {
                snprintf(vc->dead_buf, sizeof(vc->dead_buf), "%s/deadletter", vc->sink + 4);
                vc->dead_dir = vc->dead_buf;
        }
        return -1;
}

static void print_table(const verify_conf_t *vc, const ib_verify_result_t *r, uint64_t bad_lines, int pass,
                        const char *why) {
        printf("verify: topic %s, sink %s\n", vc->topic, vc->sink);
        const struct {
                const char *name;
                uint64_t value;
        } rows[] = {{"produced", r->produced},
                    {"delivered", r->delivered},
                    {"unique", r->unique},
                    {"duplicates", r->duplicates.count},
                    {"lost", r->lost.count},
                    {"out_of_order", r->out_of_order.count},
                    {"dead_lettered", r->dead_lettered},
                    {"unexpected", r->unexpected.count},
                    {"input_duplicates", r->input_duplicates.count},
                    {"unreadable_lines", bad_lines},
                    {"log_records", r->log_records},
                    {"log_duplicates", r->log_duplicates},
                    {"aborted_records", r->aborted_records}};
        size_t nrows = sizeof(rows) / sizeof(rows[0]) - (r->has_log ? 0 : 3);
        for (size_t i = 0; i < nrows; i++)
                printf("  %-18s %12" PRIu64 "\n", rows[i].name, rows[i].value);
        print_samples("lost", &r->lost);
        print_samples("duplicate", &r->duplicates);
        print_samples("out-of-order", &r->out_of_order);
        print_samples("unexpected", &r->unexpected);
        printf("result: %s (expect %s)%s%s\n", pass ? "PASS" : "FAIL", vc->expect_spec, pass ? "" : ": ", why);
}

static ib_err_t write_json(const verify_conf_t *vc, const ib_verify_result_t *r, uint64_t bad_lines, int pass,
                           const char *why, char *errstr, size_t errstr_size) {
        json_t *doc = json_pack(
            "{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:{s:o,s:o,s:o,s:o,s:o},s:s,s:b,s:s}",
            "topic", vc->topic, "sink", vc->sink, "produced", (json_int_t)r->produced,
            "delivered", (json_int_t)r->delivered, "unique", (json_int_t)r->unique,
            "duplicates", (json_int_t)r->duplicates.count, "lost", (json_int_t)r->lost.count,
            "out_of_order", (json_int_t)r->out_of_order.count,
            "dead_lettered", (json_int_t)r->dead_lettered,
            "dead_letter_lines", (json_int_t)r->dead_letters,
            "unexpected", (json_int_t)r->unexpected.count,
            "input_duplicates", (json_int_t)r->input_duplicates.count,
            "unreadable_lines", (json_int_t)bad_lines,
            "samples", "lost", kind_json(&r->lost), "duplicates", kind_json(&r->duplicates),
            "out_of_order", kind_json(&r->out_of_order), "unexpected", kind_json(&r->unexpected),
            "input_duplicates", kind_json(&r->input_duplicates),
            "expect", vc->expect_spec, "pass", pass, "why", why);
        if (r->has_log)
                json_object_set_new(doc, "log", json_pack("{s:I,s:I,s:I}", "records", (json_int_t)r->log_records,
                                                          "duplicates", (json_int_t)r->log_duplicates,
                                                          "aborted_records", (json_int_t)r->aborted_records));
        char *text = json_dumps(doc, JSON_INDENT(2));
        json_decref(doc);
        if (!text)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        ib_err_t err = ib_fs_write_atomic(vc->json_path, text, strlen(text), NULL, errstr, errstr_size);
        ib_json_free_str(text);
        return err;
}

/* A Kafka sink's output topic, as a read_committed (@p committed 1) or a
 * read_uncommitted reader; on the sink's own brokers when it names them. */
static ib_err_t read_output(const verify_conf_t *vc, const char *brokers, int committed, ib_vlist_t *out,
                            uint64_t *bad, char *errstr, size_t errstr_size) {
        char topic[256], own[1024];
        ib_ksink_parse_spec(vc->sink, topic, sizeof(topic), own, sizeof(own));
        return ib_verify_read_output(own[0] ? own : brokers, &vc->props, topic, committed, NULL, (int)vc->timeout_ms,
                                     out, bad, errstr, errstr_size);
}

int ib_cmd_verify(int argc, char **argv) {
        verify_conf_t vc = {0};
        char errstr[1024], brokers[1024];
        ib_vlist_t prod = {0}, del = {0}, dead = {0}, log = {0};
        uint64_t bad_lines = 0;
        int rc = parse_flags(argc, argv, &vc);
        if (rc >= 0)
                goto out;
        ib_err_t err;
        if ((err = ib_kafka_brokers(vc.brokers_flag, brokers, sizeof(brokers), errstr, sizeof(errstr))) ||
            (err = ib_verify_read_topic(brokers, &vc.props, vc.topic, (int)vc.timeout_ms, &prod, errstr,
                                        sizeof(errstr))) ||
            (err = vc.kafka ? read_output(&vc, brokers, 1, &del, &bad_lines, errstr, sizeof(errstr))
                            : ib_verify_read_dir(vc.sink + 4, vc.topic, 0, NULL, &del, &bad_lines, errstr,
                                                 sizeof(errstr))) ||
            (err = vc.kafka ? read_output(&vc, brokers, 0, &log, &bad_lines, errstr, sizeof(errstr)) : IB_OK) ||
            (err = ib_verify_read_dir(vc.dead_dir, vc.topic, 1, NULL, &dead, &bad_lines, errstr, sizeof(errstr)))) {
                rc = ib_cli_fail("verify", err, errstr);
                goto out;
        }
        ib_vlist_fix(&prod);
        ib_vlist_fix(&del);
        ib_vlist_fix(&log);
        ib_verify_result_t r, lr;
        if ((err = ib_verify_run(prod.v, prod.n, del.v, del.n, dead.v, dead.n, &r)) ||
            (vc.kafka && (err = ib_verify_run(prod.v, prod.n, log.v, log.n, dead.v, dead.n, &lr)))) {
                rc = ib_cli_fail("verify", err, "out of memory");
                goto out;
        }
        if (vc.kafka) {
                r.has_log = 1;
                r.log_records = lr.delivered;
                r.log_duplicates = lr.duplicates.count;
                r.aborted_records = lr.delivered > r.delivered ? lr.delivered - r.delivered : 0;
        }
        char why[256] = "";
        int pass = ib_verify_expect_check(&vc.expect, &r, why, sizeof(why));
        if (pass && bad_lines) { /* a damaged sink is never a pass: what those lines held is unknown */
                snprintf(why, sizeof(why), "%llu unreadable lines in the sink (each named above)",
                         (unsigned long long)bad_lines);
                pass = 0;
        }
        print_table(&vc, &r, bad_lines, pass, why);
        if (vc.json_path && (err = write_json(&vc, &r, bad_lines, pass, why, errstr, sizeof(errstr)))) {
                rc = ib_cli_fail("verify", err, errstr);
                goto out;
        }
        rc = pass ? IB_EXIT_OK : IB_EXIT_FAIL;
out:
        ib_vlist_free(&prod);
        ib_vlist_free(&del);
        ib_vlist_free(&dead);
        ib_vlist_free(&log);
        ib_props_destroy(&vc.props);
        return rc;
}
