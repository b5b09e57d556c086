/* 0007-config: number and property parsing behind every flag, base64, errors. */
#include "base64.h"
#include "config.h"
#include "fault.h"
#include "harness.h"
#include "parse.h"

/* the points this test injects, registered as their owners register theirs */
IB_FAULT_POINTS("batch.slow", "wal.write", "wal.fsync", "checkpoint.fsync")

static void test_parse_i64(void) {
        int64_t v;
        char err[256];
        CHECK_INT(ib_parse_i64("42", 0, 100, 0, "--n", &v, err, sizeof(err)), 0);
        CHECK_INT(v, 42);
        CHECK_INT(ib_parse_i64("100k", 0, INT64_MAX, 1, "--n", &v, err, sizeof(err)), 0);
        CHECK_INT(v, 100000);
        CHECK_INT(ib_parse_i64("2m", 0, INT64_MAX, 1, "--n", &v, err, sizeof(err)), 0);
        CHECK_INT(v, 2000000);
        CHECK_INT(ib_parse_i64("100k", 0, INT64_MAX, 0, "--n", &v, err, sizeof(err)), -1);
        CHECK_INT(ib_parse_i64("", 0, 10, 0, "--n", &v, err, sizeof(err)), -1);
        CHECK_STR(err, "--n needs a value");
        CHECK_INT(ib_parse_i64("12x", 0, 100, 0, "--n", &v, err, sizeof(err)), -1);
        CHECK_STR(err, "--n takes a whole number, not '12x'");
        CHECK_INT(ib_parse_i64("101", 0, 100, 0, "--n", &v, err, sizeof(err)), -1);
        CHECK_STR(err, "--n must be between 0 and 100, not 101");
        CHECK_INT(ib_parse_i64("99999999999999999999", 0, INT64_MAX, 0, "--n", &v, err, sizeof(err)), -1);
        CHECK_INT(ib_parse_i64("9223372036854775807k", 0, INT64_MAX, 1, "--n", &v, err, sizeof(err)), -1);
}

static void test_parse_double(void) {
        double d;
        char err[256];
        CHECK_INT(ib_parse_double("0.25", 0, 1, "--r", &d, err, sizeof(err)), 0);
        CHECK(d == 0.25);
        CHECK_INT(ib_parse_double("1.5", 0, 1, "--r", &d, err, sizeof(err)), -1);
        CHECK_INT(ib_parse_double("nan", 0, 1, "--r", &d, err, sizeof(err)), -1);
        CHECK_INT(ib_parse_double("x", 0, 1, "--r", &d, err, sizeof(err)), -1);
}

static void test_props_and_config(void) {
        ib_config_t cfg;
        char err[256];
        ib_config_init(&cfg);
        CHECK_INT(ib_props_add(&cfg.props, "fetch.wait.max.ms=5", err, sizeof(err)), IB_OK);
        CHECK_INT(ib_props_add(&cfg.props, "a=b=c", err, sizeof(err)), IB_OK);
        CHECK_STR(cfg.props.key[1], "a");
        CHECK_STR(cfg.props.value[1], "b=c");
        CHECK_INT(ib_props_add(&cfg.props, "novalue", err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK_INT(ib_props_add(&cfg.props, "=x", err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK_INT(ib_config_check(&cfg, err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK_STR(err, "--mode is required");
        cfg.mode = "direct", cfg.topic = "t", cfg.group = "g", cfg.state_dir = "/tmp/x";
        CHECK_INT(ib_config_check(&cfg, err, sizeof(err)), IB_OK);
        cfg.sink = "kafka:out";
        CHECK_INT(ib_config_check(&cfg, err, sizeof(err)), IB_OK);
        cfg.sink = "kafka:out@127.0.0.1:9092";
        CHECK_INT(ib_config_check(&cfg, err, sizeof(err)), IB_OK);
        cfg.sink = "kafka:t"; /* the input topic */
        CHECK_INT(ib_config_check(&cfg, err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK(strstr(err, "cannot be the input topic") != NULL);
        const char *bad[] = {"kafka:", "kafka:@x", "kafka:a b", "kafka:out@", "kafka", "files:x"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                cfg.sink = bad[i];
                CHECK_INT(ib_config_check(&cfg, err, sizeof(err)), IB_ERR_INVALID_ARG);
        }
        cfg.sink = "null", cfg.sink_partitions = 3; /* only a Kafka sink creates a topic */
        CHECK_INT(ib_config_check(&cfg, err, sizeof(err)), IB_ERR_INVALID_ARG);
        ib_config_destroy(&cfg);
}

static void test_base64(void) {
        const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
        const char *want[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
        for (int i = 0; i < 7; i++) {
                ib_buf_t b = {0};
                CHECK_INT(ib_base64_append(&b, in[i], strlen(in[i])), 0);
                CHECK_STR(b.len ? b.data : "", want[i]);
                unsigned char dec[16];
                CHECK_INT(ib_base64_decode(want[i], strlen(want[i]), dec), (long)strlen(in[i]));
                CHECK(!memcmp(dec, in[i], strlen(in[i])));
                ib_buf_free(&b);
        }
        unsigned char dec[16];
        CHECK_INT(ib_base64_decode("Zm9", 3, dec), -1);
        CHECK_INT(ib_base64_decode("Z=9v", 4, dec), -1);
}

static void test_errors(void) {
        CHECK_STR(ib_err2name(IB_ERR_ZK_FENCED), "ERR_ZK_FENCED");
        CHECK_INT(ib_err2exit(IB_ERR_KAFKA_UNREACHABLE), 3);
        CHECK_INT(ib_err2exit(IB_ERR_ZK_UNREACHABLE), 3);
        CHECK_INT(ib_err2exit(IB_ERR_INVALID_ARG), 2);
        CHECK_INT(ib_err2exit(IB_ERR_IO), 1);
        CHECK_STR(ib_err2name((ib_err_t)-12345), "ERR_UNKNOWN");
}

/* INGESTBENCH_FAULTS: the Nth call of a point fires once; an argument after
 * a second colon comes back with it; other points and calls do not fire. */
static void test_fault_spec(void) {
        unsigned long arg = 99;
        setenv("INGESTBENCH_FAULTS", "batch.slow:3:8000,wal.write:2,bad,x:0", 1);
        ib_fault_reset();
        CHECK_INT(ib_fault_arg("batch.slow", &arg), 0);
        CHECK_INT(ib_fault_arg("batch.slow", &arg), 0);
        CHECK_INT((long)arg, 99);
        CHECK_INT(ib_fault_arg("batch.slow", &arg), 1);
        CHECK_INT((long)arg, 8000);
        CHECK_INT(ib_fault_arg("batch.slow", &arg), 0);
        CHECK_INT(ib_fault("wal.write"), 0);
        CHECK_INT(ib_fault_arg("wal.write", &arg), 1);
        CHECK_INT((long)arg, 0);
        CHECK_INT(ib_fault("bad"), 0);
        CHECK_INT(ib_fault("x"), 0);
        char err[256];
        CHECK_INT(ib_fault_check(err, sizeof(err)), -1); /* "bad" and "x:0" above */
        const char *good[] = {"", "wal.write:1", "batch.slow:3:8000,wal.fsync:10", "checkpoint.fsync:2,"};
        for (int i = 0; i < 4; i++) {
                setenv("INGESTBENCH_FAULTS", good[i], 1);
                CHECK_INT(ib_fault_check(err, sizeof(err)), 0);
        }
        const char *bad[] = {"wal.writ:1", "wal.write", "wal.write:0", "wal.write:x", "batch.slow:3:",
                             "batch.slow:3:8s", ":1", "wal.write:1,,wal.fsync:2"};
        for (int i = 0; i < 8; i++) {
                setenv("INGESTBENCH_FAULTS", bad[i], 1);
                CHECK_INT(ib_fault_check(err, sizeof(err)), -1);
        }
        setenv("INGESTBENCH_FAULTS", "wal.writ:1", 1);
        ib_fault_check(err, sizeof(err));
        CHECK(strstr(err, "unknown point 'wal.writ'") != NULL);
        unsetenv("INGESTBENCH_FAULTS");
        ib_fault_reset();
        CHECK_INT(ib_fault("wal.write"), 0);
        CHECK_INT(ib_fault("wal.write"), 0);
}

int main(void) {
        IB_RUN(test_parse_i64);
        IB_RUN(test_parse_double);
        IB_RUN(test_props_and_config);
        IB_RUN(test_base64);
        IB_RUN(test_errors);
        IB_RUN(test_fault_spec);
        return IB_DONE();
}
