/*
 * options.c: option tables; see options.h. Every error names the flag and
 * what it takes, in one line; the caller turns it into a usage error.
 */
#include "options.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#define FIELD(owner, opt, T) ((T *)((char *)(owner) + (opt)->offset))
#define CFIELD(owner, opt, T) ((const T *)((const char *)(owner) + (opt)->offset))

static int choice_index(const char *const *choices, const char *value) {
        for (int i = 0; choices[i]; i++)
                if (!strcmp(choices[i], value))
                        return i;
        return -1;
}

/* "A, B or C" */
static void choice_list(const char *const *choices, char *out, size_t size) {
        size_t n = 0, len = 0;
        while (choices[n])
                n++;
        out[0] = '\0';
        for (size_t i = 0; i < n && len < size; i++) {
                int w = snprintf(out + len, size - len, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
                                 choices[i]);
                if (w < 0)
                        break;
                len += (size_t)w;
        }
}

ib_err_t ib_options_set(const ib_option_t *o, void *owner, const char *value, char *errstr,
                        size_t errstr_size) {
        char flag[128];
        snprintf(flag, sizeof(flag), "--%s", o->name);
        switch (o->type) {
        case IB_OPT_STRING:
                if (o->check && value) {
                        ib_err_t err = o->check(flag, value, errstr, errstr_size);
                        if (err)
                                return err;
                }
                *FIELD(owner, o, const char *) = value;
                return IB_OK;
        case IB_OPT_INT:
        case IB_OPT_BYTES:
                return ib_parse_i64(value, o->min, o->max, o->type == IB_OPT_BYTES, flag,
                                    FIELD(owner, o, int64_t), errstr, errstr_size);
        case IB_OPT_FLAG:
                *FIELD(owner, o, int) = 1;
                return IB_OK;
        case IB_OPT_DOUBLE:
                return ib_parse_double(value, (double)o->min, (double)o->max, flag, FIELD(owner, o, double), errstr,
                                       errstr_size);
        case IB_OPT_LIST: {
                ib_optlist_t *l = FIELD(owner, o, ib_optlist_t);
                if (!value)
                        return IB_OK;
                if (l->n == IB_OPT_LIST_MAX)
                        return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "at most %d %s", IB_OPT_LIST_MAX,
                                         flag);
                l->v[l->n++] = value;
                return IB_OK;
        }
        case IB_OPT_CHOICE: {
                int i = value ? choice_index(o->choices, value) : -1;
                if (value && i < 0) {
                        char list[256];
                        choice_list(o->choices, list, sizeof(list));
                        return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "%s takes %s, not '%s'",
                                         flag, list, value);
                }
                *FIELD(owner, o, int) = i;
                return IB_OK;
        }
        case IB_OPT_INCLUDE:
                break;
        }
        return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "%s cannot take a value", flag);
}

void ib_options_defaults(const ib_option_t *t, void *conf) {
        for (; t->name; t++) {
                if (t->type == IB_OPT_INCLUDE) {
                        ib_options_defaults(t->include, (char *)conf + t->offset);
                        continue;
                }
                if (t->type == IB_OPT_FLAG) {
                        *FIELD(conf, t, int) = 0;
                        continue;
                }
                if (t->type == IB_OPT_LIST) {
                        FIELD(conf, t, ib_optlist_t)->n = 0;
                        continue;
                }
                if (!t->def && (t->type == IB_OPT_INT || t->type == IB_OPT_BYTES)) {
                        *FIELD(conf, t, int64_t) = IB_OPT_INT_ABSENT;
                        continue;
                }
                if (!t->def && t->type == IB_OPT_DOUBLE) {
                        *FIELD(conf, t, double) = 0;
                        continue;
                }
                char err[256];
                if (ib_options_set(t, conf, t->def, err, sizeof(err)) != IB_OK) {
                        fprintf(stderr, "ingestbench: bug: default of --%s: %s\n", t->name, err);
                        abort();
                }
        }
}

const ib_option_t *ib_options_find(const ib_option_t *t, const char *name, size_t *base) {
        for (; t->name; t++) {
                if (t->type == IB_OPT_INCLUDE) {
                        size_t inner = 0;
                        const ib_option_t *o = ib_options_find(t->include, name, &inner);
                        if (o) {
                                if (base)
                                        *base = t->offset + inner;
                                return o;
                        }
                } else if (!strcmp(t->name, name)) {
                        if (base)
                                *base = 0;
                        return t;
                }
        }
        return NULL;
}

void ib_options_each(const ib_option_t *t, const void *conf,
                     void (*fn)(void *ctx, const ib_option_t *opt, const void *owner), void *ctx) {
        for (; t->name; t++) {
                if (t->type == IB_OPT_INCLUDE)
                        ib_options_each(t->include, (const char *)conf + t->offset, fn, ctx);
                else
                        fn(ctx, t, conf);
        }
}

static void check_one(void *ctx, const ib_option_t *o, const void *owner) {
        const ib_option_t **missing = ctx;
        if (!*missing && o->required &&
            ((o->type == IB_OPT_STRING && !*CFIELD(owner, o, char *const)) ||
             (o->type == IB_OPT_LIST && CFIELD(owner, o, ib_optlist_t)->n == 0) ||
             ((o->type == IB_OPT_INT || o->type == IB_OPT_BYTES) && *CFIELD(owner, o, int64_t) == IB_OPT_INT_ABSENT)))
                *missing = o;
}

ib_err_t ib_options_check_required(const ib_option_t *t, const void *conf, char *errstr,
                                   size_t errstr_size) {
        const ib_option_t *missing = NULL;
        ib_options_each(t, conf, check_one, &missing);
        if (missing)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "--%s is required", missing->name);
        return IB_OK;
}

const char *ib_options_value_str(const ib_option_t *o, const void *owner, char *out, size_t out_size) {
        switch (o->type) {
        case IB_OPT_STRING:
                return *CFIELD(owner, o, char *const);
        case IB_OPT_INT:
        case IB_OPT_BYTES:
                if (*CFIELD(owner, o, int64_t) == IB_OPT_INT_ABSENT)
                        return NULL;
                snprintf(out, out_size, "%" PRId64, *CFIELD(owner, o, int64_t));
                return out;
        case IB_OPT_FLAG:
                return *CFIELD(owner, o, int) ? "true" : "false";
        case IB_OPT_DOUBLE:
                snprintf(out, out_size, "%g", *CFIELD(owner, o, double));
                return out;
        case IB_OPT_LIST: {
                const ib_optlist_t *l = CFIELD(owner, o, ib_optlist_t);
                size_t n = 0;
                out[0] = '\0';
                for (int i = 0; i < l->n && n < out_size; i++)
                        n += (size_t)snprintf(out + n, out_size - n, "%s%s", i ? "," : "", l->v[i]);
                return l->n ? out : NULL;
        }
        case IB_OPT_CHOICE: {
                int i = *CFIELD(owner, o, int);
                return i >= 0 ? o->choices[i] : NULL;
        }
        case IB_OPT_INCLUDE:
                break;
        }
        return NULL;
}

static void help_one(void *ctx, const ib_option_t *o, const void *owner) {
        (void)owner;
        FILE *fp = ctx;
        char left[400], list[256];
        const char *arg = o->arg;
        if (o->type == IB_OPT_CHOICE) {
                choice_list(o->choices, list, sizeof(list));
                for (char *s = list; (s = strstr(s, ", ")) != NULL;)
                        memmove(s + 1, s + 2, strlen(s + 2) + 1), *s = '|';
                for (char *s; (s = strstr(list, " or ")) != NULL;)
                        memmove(s + 1, s + 4, strlen(s + 4) + 1), *s = '|';
                arg = list;
        }
        if (o->short_name)
                snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name, arg ? " " : "",
                         arg ? arg : "");
        else
                snprintf(left, sizeof(left), "--%s%s%s", o->name, arg ? " " : "", arg ? arg : "");
        const char *def = o->def && o->type != IB_OPT_FLAG ? o->def : NULL;
        if (strlen(left) > 28)
                fprintf(fp, "  %s\n  %-28s  %s", left, "", o->help);
        else
                fprintf(fp, "  %-28s  %s", left, o->help);
        if (def)
                fprintf(fp, " (default: %s)", def);
        if (o->required)
                fprintf(fp, " (required)");
        if (o->type == IB_OPT_LIST)
                fprintf(fp, " (repeatable)");
        fputc('\n', fp);
}

void ib_options_help(FILE *fp, const ib_option_t *t) {
        static const char none = 0;
        ib_options_each(t, &none, help_one, fp);
}

static void count_one(void *ctx, const ib_option_t *o, const void *owner) {
        (void)o, (void)owner;
        (*(size_t *)ctx)++;
}

size_t ib_options_count(const ib_option_t *t) {
        static const char none = 0;
        size_t n = 0;
        ib_options_each(t, &none, count_one, &n);
        return n;
}

ib_err_t ib_opt_check_topic(const char *flag, const char *value, char *errstr, size_t errstr_size) {
        size_t n = strlen(value), ok = ib_topic_chars(value, n);
        if (n == 0 || n > IB_TOPIC_MAX)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "%s: a topic name has 1 to 249 characters, not %zu", flag, n);
        if (ok != n || !strcmp(value, ".") || !strcmp(value, ".."))
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "%s: a topic name holds only letters, digits, '.', '_' and '-' (byte %zu is 0x%02x)",
                                 flag, ok + 1, (unsigned char)value[ok]);
        return IB_OK;
}
