/* 0012-options: option tables: defaults, every value type, included tables,
 * refusals naming the flag, required options, help text, effective values. */
#include <stdio.h>

#include "harness.h"
#include "options.h"

typedef struct {
        const char *host;
        int64_t session_ms;
} inner_t;

typedef struct {
        const char *name;
        int64_t count;
        int64_t bytes;
        int flag;
        int color;
        inner_t inner;
} conf_t;

static const char *const colors[] = {"red", "green", "blue", NULL};

static ib_err_t check_name(const char *flag, const char *value, char *errstr, size_t errstr_size) {
        if (!strchr(value, '/'))
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "%s takes A/B, not '%s'", flag, value);
        return IB_OK;
}

static const ib_option_t inner_options[] = {
    IB_OPT_STR_REQUIRED(inner_t, host, "host", "H", "where"),
    IB_OPT_INT(inner_t, session_ms, "session-ms", "MS", "6000", 1000, 60000, "session"),
    IB_OPT_END,
};

static const ib_option_t options[] = {
    IB_OPT_STR_CHECKED(conf_t, name, "name", "A/B", "a/b", check_name, "a name"),
    IB_OPT_INT(conf_t, count, "count", "N", "10", 0, 100, "a count"),
    IB_OPT_BYTES(conf_t, bytes, "bytes", "N", "64m", 4096, INT64_MAX / 4, "a size"),
    IB_OPT_FLAG(conf_t, flag, "flag", 'f', "a flag"),
    IB_OPT_CHOICE(conf_t, color, "color", colors, NULL, "a color"),
    IB_OPT_INCLUDE(conf_t, inner, inner_options),
    IB_OPT_END,
};

static void test_defaults_and_set(void) {
        conf_t c;
        char err[256];
        memset(&c, 0xff, sizeof(c));
        ib_options_defaults(options, &c);
        CHECK_STR(c.name, "a/b");
        CHECK_INT(c.count, 10);
        CHECK_INT(c.bytes, 64000000);
        CHECK_INT(c.flag, 0);
        CHECK_INT(c.color, -1);
        CHECK(c.inner.host == NULL);
        CHECK_INT(c.inner.session_ms, 6000);
        size_t base = 99;
        const ib_option_t *o = ib_options_find(options, "session-ms", &base);
        CHECK(o != NULL);
        CHECK_INT(base, offsetof(conf_t, inner));
        CHECK_INT(ib_options_set(o, (char *)&c + base, "2000", err, sizeof(err)), IB_OK);
        CHECK_INT(c.inner.session_ms, 2000);
        CHECK_INT(ib_options_set(o, (char *)&c + base, "20", err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK_STR(err, "--session-ms must be between 1000 and 60000, not 20");
        CHECK_INT(ib_options_set(ib_options_find(options, "color", NULL), &c, "green", err, sizeof(err)), IB_OK);
        CHECK_INT(c.color, 1);
        CHECK_INT(ib_options_set(ib_options_find(options, "color", NULL), &c, "pink", err, sizeof(err)),
                  IB_ERR_INVALID_ARG);
        CHECK_STR(err, "--color takes red, green or blue, not 'pink'");
        CHECK_INT(ib_options_set(ib_options_find(options, "name", NULL), &c, "ab", err, sizeof(err)),
                  IB_ERR_INVALID_ARG);
        CHECK_STR(err, "--name takes A/B, not 'ab'");
        CHECK_STR(c.name, "a/b"); /* a refused value leaves the field */
        CHECK_INT(ib_options_set(ib_options_find(options, "bytes", NULL), &c, "8k", err, sizeof(err)), IB_OK);
        CHECK_INT(c.bytes, 8000);
        CHECK_INT(ib_options_set(ib_options_find(options, "flag", NULL), &c, NULL, err, sizeof(err)), IB_OK);
        CHECK_INT(c.flag, 1);
        CHECK(ib_options_find(options, "nosuch", NULL) == NULL);
}

static void test_required_and_values(void) {
        conf_t c;
        char err[256], buf[64];
        ib_options_defaults(options, &c);
        CHECK_INT(ib_options_check_required(options, &c, err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK_STR(err, "--host is required");
        c.inner.host = "zk:1";
        CHECK_INT(ib_options_check_required(options, &c, err, sizeof(err)), IB_OK);
        CHECK_INT(ib_options_count(options), 7);
        CHECK_STR(ib_options_value_str(ib_options_find(options, "bytes", NULL), &c, buf, sizeof(buf)), "64000000");
        CHECK_STR(ib_options_value_str(ib_options_find(options, "flag", NULL), &c, buf, sizeof(buf)), "false");
        CHECK(ib_options_value_str(ib_options_find(options, "color", NULL), &c, buf, sizeof(buf)) == NULL);
}

static void test_help_from_the_table(void) {
        char *text = NULL;
        size_t len = 0;
        FILE *fp = open_memstream(&text, &len);
        ib_options_help(fp, options);
        fclose(fp);
        CHECK(strstr(text, "--count N") != NULL);
        CHECK(strstr(text, "a count (default: 10)") != NULL);
        CHECK(strstr(text, "-f, --flag") != NULL);
        CHECK(strstr(text, "--color red|green|blue") != NULL);
        CHECK(strstr(text, "--host H") != NULL && strstr(text, "(required)") != NULL);
        free(text);
}

typedef struct {
        double ratio;
        ib_optlist_t paths;
        int64_t seed;       /* no default: IB_OPT_INT_ABSENT until given */
        int64_t records;    /* required, no default */
} more_t;

static const ib_option_t more_options[] = {
    IB_OPT_DOUBLE(more_t, ratio, "ratio", "F", "0.5", 0, 1, "a fraction"),
    IB_OPT_LIST(more_t, paths, "path", "P", "a path"),
    IB_OPT_INT(more_t, seed, "seed", "N", NULL, 0, 100, "a seed"),
    IB_OPT_BYTES_REQUIRED(more_t, records, "records", "N", 0, 1000000, "records"),
    IB_OPT_END,
};

/* Doubles, repeatable lists, numbers without a default, required numbers. */
static void test_doubles_lists_and_absent_numbers(void) {
        more_t m;
        memset(&m, 0xab, sizeof(m));
        char err[256], buf[256];
        ib_options_defaults(more_options, &m);
        CHECK(m.ratio == 0.5);
        CHECK_INT(m.paths.n, 0);
        CHECK_INT(m.seed, IB_OPT_INT_ABSENT);
        CHECK(ib_options_value_str(ib_options_find(more_options, "seed", NULL), &m, buf, sizeof(buf)) == NULL);
        CHECK_INT(ib_options_check_required(more_options, &m, err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK_STR(err, "--records is required");
        const ib_option_t *ratio = ib_options_find(more_options, "ratio", NULL);
        CHECK_INT(ib_options_set(ratio, &m, "1.5", err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK(strstr(err, "--ratio") != NULL);
        CHECK_INT(ib_options_set(ratio, &m, "0.25", err, sizeof(err)), IB_OK);
        CHECK_STR(ib_options_value_str(ratio, &m, buf, sizeof(buf)), "0.25");
        const ib_option_t *path = ib_options_find(more_options, "path", NULL);
        CHECK(ib_options_value_str(path, &m, buf, sizeof(buf)) == NULL);
        for (int i = 0; i < IB_OPT_LIST_MAX; i++)
                CHECK_INT(ib_options_set(path, &m, i % 2 ? "b" : "a", err, sizeof(err)), IB_OK);
        CHECK_INT(ib_options_set(path, &m, "one too many", err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK(strstr(err, "at most") != NULL && strstr(err, "--path") != NULL);
        CHECK_INT(m.paths.n, IB_OPT_LIST_MAX);
        CHECK_STR(m.paths.v[0], "a");
        CHECK_STR(m.paths.v[1], "b");
        CHECK_INT(ib_options_set(ib_options_find(more_options, "records", NULL), &m, "2k", err, sizeof(err)), IB_OK);
        CHECK_INT(m.records, 2000);
        CHECK_INT(ib_options_check_required(more_options, &m, err, sizeof(err)), IB_OK);
        char *text = NULL;
        size_t len = 0;
        FILE *fp = open_memstream(&text, &len);
        ib_options_help(fp, more_options);
        fclose(fp);
        CHECK(strstr(text, "a path (repeatable)") != NULL);
        CHECK(strstr(text, "a fraction (default: 0.5)") != NULL);
        free(text);
}

/* The topic check names the flag once ("--topic: ..."). */
static void test_topic_check_names_the_flag(void) {
        char err[256];
        CHECK_INT(ib_opt_check_topic("--topic", "a b", err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK(!strncmp(err, "--topic: a topic name", 21));
        CHECK_INT(ib_opt_check_topic("--topic", "ok.topic-1_x", err, sizeof(err)), IB_OK);
}

int main(void) {
        IB_RUN(test_doubles_lists_and_absent_numbers);
        IB_RUN(test_topic_check_names_the_flag);
        IB_RUN(test_defaults_and_set);
        IB_RUN(test_required_and_values);
        IB_RUN(test_help_from_the_table);
        return IB_DONE();
}
