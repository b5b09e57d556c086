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

int main(void) {
        IB_RUN(test_defaults_and_set);
        IB_RUN(test_required_and_values);
        IB_RUN(test_help_from_the_table);
        return IB_DONE();
}
