/*
 * scenario.c: parses a chaos scenario (scenario.h) and refuses, before
 * anything starts, whatever the harness could not carry out: an unknown
 * field, fault or figure, a target that does not exist at the fault's time,
 * an option the mode does not have or a value its option table refuses.
 * Every refusal names the file, the JSON path of the field and the reason.
 *
 * The mode's options are checked by the tables `run` itself parses (the
 * shared table and the mode's), into scratch structs, and then by the
 * mode's configure hook, so a scenario is refused exactly when `run` would
 * refuse its workers' flags.
 */
#include "scenario.h"

#include <librdkafka/rdkafka.h>
#include <math.h>
#include <stdarg.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <signal.h>

#include "config.h"
#include "external.h"
#include "fsutil.h"
#include "options.h"

static const char *const fault_names[IB_FAULT_KIND_COUNT] = {
    "kill", "stop", "pause", "add-worker", "remove-worker", "rolling-restart",
    "slow-batch", "broker-kill", "zk-stop", "zk-expire", "inject", "partition", "delay", "loss",
};

const char *ib_fault_kind_name(ib_fault_kind_t kind) {
        return kind >= 0 && kind < IB_FAULT_KIND_COUNT ? fault_names[kind] : "?";
}

const char *const ib_figure_names[] = {
    "produced", "delivered", "unique", "duplicates", "lost", "out_of_order", "dead_lettered",
    "redelivered", "unexpected", "offsets_backwards", "committed_too_far", "broker_lost",
    "unexplained_duplicates", "unexplained_lost", "rebalances", "commit_errors", "fenced",
    "retries", "faults_applied", "worker_failures", "recovery_ms.max", "recovery_ms.p50",
    "throughput_rps", "latency_ms.p50", "latency_ms.p99", "latency_ms.max", "log_records", "log_duplicates",
    "aborted_records", "unexplained_aborted", NULL,
};

/* Options the harness sets for every worker: a scenario cannot. */
static const char *const reserved_options[] = {
    "mode", "brokers", "topic", "group", "sink", "dead-letter", "state-dir", "worker-id",
    "exit-when-idle", "zookeeper", "worker", NULL,
};

int ib_expect_holds(const ib_expect_t *e, double v) {
        switch (e->cmp) {
        case IB_CMP_EQ: return v == e->value;
        case IB_CMP_NE: return v != e->value;
        case IB_CMP_LT: return v < e->value;
        case IB_CMP_LE: return v <= e->value;
        case IB_CMP_GT: return v > e->value;
        case IB_CMP_GE: return v >= e->value;
        }
        return 0;
}

/* @returns 1 when @p name is in the NULL-terminated @p list. */
static int listed(const char *const *list, const char *name) {
        for (int i = 0; list[i]; i++)
                if (!strcmp(list[i], name))
                        return 1;
        return 0;
}

/* ---- refusals ---------------------------------------------------------------- */

typedef struct {
        const char *file;
        char *errstr;
        size_t errstr_size;
        const ib_mode_t *const *modes; /* every mode: whose fault point a name is */
        const char *opts;              /* the JSON path of the options being read */
        json_t *doc;                   /* the whole scenario */
} ctx_t;

static ib_err_t refuse(ctx_t *c, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static ib_err_t refuse(ctx_t *c, const char *path, const char *fmt, ...) {
        char why[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);
        return ib_seterr(c->errstr, c->errstr_size, IB_ERR_INVALID_ARG, "%s: %s: %s", c->file, path, why);
}

/* Refuses a field of @p obj (at @p path) that @p known does not list. */
static ib_err_t only_known(ctx_t *c, const char *path, json_t *obj, const char *const *known) {
        const char *key;
        json_t *v;
        json_object_foreach(obj, key, v) {
                if (!listed(known, key))
                        return refuse(c, path, "unknown field \"%s\"", key);
        }
        return IB_OK;
}

/* An integer field in [min, max]; *out keeps its value when absent and !required. */
static ib_err_t get_int(ctx_t *c, json_t *obj, const char *path, const char *key, int required, int64_t min,
                        int64_t max, int64_t *out) {
        char at[256];
        snprintf(at, sizeof(at), "%s.%s", path, key);
        json_t *v = json_object_get(obj, key);
        if (!v)
                return required ? refuse(c, path, "\"%s\" is required", key) : IB_OK;
        if (!json_is_integer(v))
                return refuse(c, at, "must be a whole number");
        int64_t x = json_integer_value(v);
        if (x < min || x > max)
                return refuse(c, at, "%lld is out of range [%lld, %lld]", (long long)x, (long long)min,
                              (long long)max);
        *out = x;
        return IB_OK;
}

/* A time in ms: a whole number in [min, max], or a pair [lo, hi] within it
 * that the schedule draws from the seed (*hi = *lo when fixed). *lo and *hi
 * keep their values when absent and !required. */
static ib_err_t get_ms(ctx_t *c, json_t *obj, const char *path, const char *key, int required, int64_t min,
                       int64_t max, int64_t *lo, int64_t *hi) {
        json_t *v = json_object_get(obj, key);
        if (!json_is_array(v)) {
                ib_err_t err = get_int(c, obj, path, key, required, min, max, lo);
                *hi = *lo;
                return err;
        }
        char at[256];
        snprintf(at, sizeof(at), "%s.%s", path, key);
        if (json_array_size(v) != 2 || !json_is_integer(json_array_get(v, 0)) || !json_is_integer(json_array_get(v, 1)))
                return refuse(c, at, "must be a whole number of ms, or [lo, hi] drawn from the seed");
        *lo = json_integer_value(json_array_get(v, 0));
        *hi = json_integer_value(json_array_get(v, 1));
        if (*lo < min || *hi < *lo || *hi > max)
                return refuse(c, at, "[%lld, %lld] needs %lld <= lo <= hi <= %lld", (long long)*lo, (long long)*hi,
                              (long long)min, (long long)max);
        return IB_OK;
}

/* A [min, max] pair of milliseconds. */
static ib_err_t get_span(ctx_t *c, json_t *obj, const char *path, const char *key, int64_t *lo, int64_t *hi) {
        char at[256];
        snprintf(at, sizeof(at), "%s.%s", path, key);
        json_t *v = json_object_get(obj, key);
        if (!v)
                return IB_OK;
        if (!json_is_array(v) || json_array_size(v) != 2 || !json_is_integer(json_array_get(v, 0)) ||
            !json_is_integer(json_array_get(v, 1)))
                return refuse(c, at, "must be [min, max] in ms");
        *lo = json_integer_value(json_array_get(v, 0));
        *hi = json_integer_value(json_array_get(v, 1));
        if (*lo < 0 || *hi < *lo || *hi > 86400000)
                return refuse(c, at, "needs 0 <= min <= max <= 86400000");
        return IB_OK;
}

static ib_err_t get_str(ctx_t *c, json_t *obj, const char *path, const char *key, const char **out) {
        json_t *v = json_object_get(obj, key);
        if (!v)
                return IB_OK;
        if (!json_is_string(v)) {
                char at[256];
                snprintf(at, sizeof(at), "%s.%s", path, key);
                return refuse(c, at, "must be a string");
        }
        *out = json_string_value(v);
        return IB_OK;
}

static int fault_kind(const char *name) {
        for (int i = 0; i < IB_FAULT_KIND_COUNT; i++)
                if (!strcmp(name, fault_names[i]))
                        return i;
        return -1;
}

static void list_faults(char *out, size_t size) {
        size_t n = 0;
        out[0] = 0;
        for (int i = 0; i < IB_FAULT_KIND_COUNT && n < size; i++)
                n += (size_t)snprintf(out + n, size - n, "%s%s", i ? ", " : "", fault_names[i]);
}

/* ---- options ------------------------------------------------------------------- */

static ib_err_t add_arg(ib_scenario_t *s, const char *word) {
        char **a = realloc(s->worker_args, (size_t)(s->nworker_args + 1) * sizeof(*a));
        if (!a)
                return IB_ERR_NOMEM;
        s->worker_args = a;
        if (!(a[s->nworker_args] = strdup(word)))
                return IB_ERR_NOMEM;
        s->nworker_args++;
        return IB_OK;
}

/* One option's value as the text `run` would be given; NULL for a flag.
 * *omit is set for a flag given as false. */
static ib_err_t option_text(ctx_t *c, const char *at, const ib_option_t *opt, json_t *v, char *buf, size_t size,
                            const char **text, int *omit) {
        *omit = 0;
        *text = NULL;
        if (opt->type == IB_OPT_FLAG) {
                if (!json_is_boolean(v))
                        return refuse(c, at, "--%s is a flag: true or false", opt->name);
                *omit = !json_is_true(v);
                return IB_OK;
        }
        if (json_is_string(v))
                *text = json_string_value(v);
        else if (json_is_integer(v))
                snprintf(buf, size, "%lld", (long long)json_integer_value(v)), *text = buf;
        else
                return refuse(c, at, "--%s takes a value: a string or a whole number", opt->name);
        return IB_OK;
}

/* The "X" object: librdkafka properties, "key": "value". */
static ib_err_t parse_props(ctx_t *c, ib_scenario_t *s, json_t *x, ib_config_t *cfg) {
        char xat[96];
        snprintf(xat, sizeof(xat), "%s.X", c->opts);
        if (!json_is_object(x))
                return refuse(c, xat, "must be an object of librdkafka properties");
        const char *key;
        json_t *v;
        json_object_foreach(x, key, v) {
                char at[300], kv[1024], num[32];
                snprintf(at, sizeof(at), "%s[\"%s\"]", xat, key);
                const char *val = json_string_value(v);
                if (json_is_integer(v))
                        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v)), val = num;
                if (!val)
                        return refuse(c, at, "must be a string or a whole number");
                if (strlen(key) + strlen(val) + 2 > sizeof(kv)) /* never cut after it was checked */
                        return refuse(c, at, "key and value are %zu bytes: at most %zu", strlen(key) + strlen(val),
                                      sizeof(kv) - 2);
                memcpy(kv, key, strlen(key));
                kv[strlen(key)] = '=';
                memcpy(kv + strlen(key) + 1, val, strlen(val) + 1);
                char why[512];
                if (ib_props_add(&cfg->props, kv, why, sizeof(why)))
                        return refuse(c, at, "%s", why);
                /* librdkafka itself says whether it knows the property and the value */
                rd_kafka_conf_t *conf = rd_kafka_conf_new();
                rd_kafka_conf_res_t res = rd_kafka_conf_set(conf, key, val, why, sizeof(why));
                rd_kafka_conf_destroy(conf);
                if (res != RD_KAFKA_CONF_OK)
                        return refuse(c, at, "%s", why);
                if (add_arg(s, "-X") || add_arg(s, kv))
                        return IB_ERR_NOMEM;
        }
        return IB_OK;
}

/* Checks "options" with the shared table and the mode's, builds the worker
 * flags, and finds out whether the mode needs ZooKeeper (its configure hook
 * refuses it without --zookeeper, or the option is required). */
static ib_err_t parse_options(ctx_t *c, ib_scenario_t *s, json_t *opts) {
        ib_config_t cfg;
        ib_config_init(&cfg);
        void *mconf = calloc(1, s->mode->conf_size ? s->mode->conf_size : 1);
        ib_err_t err = IB_OK;
        if (!mconf) {
                ib_config_destroy(&cfg);
                return IB_ERR_NOMEM;
        }
        ib_options_defaults(s->mode->options, mconf);
        if (opts && !json_is_object(opts))
                err = refuse(c, c->opts, "must be an object of the mode's options");
        const char *key;
        json_t *v;
        json_object_foreach(opts, key, v) {
                if (err)
                        break;
                char at[300], num[32], why[512];
                snprintf(at, sizeof(at), "%s[\"%s\"]", c->opts, key);
                if (!strcmp(key, "X")) {
                        err = parse_props(c, s, v, &cfg);
                        continue;
                }
                if (listed(reserved_options, key)) {
                        err = refuse(c, at, "--%s is set by the harness for each worker", key);
                        continue;
                }
                size_t base = 0;
                void *owner = &cfg;
                const ib_option_t *opt = ib_options_find(ib_config_options, key, &base);
                if (!opt) {
                        owner = mconf;
                        opt = ib_options_find(s->mode->options, key, &base);
                }
                if (!opt) {
                        err = refuse(c, at, "mode %s has no option --%s", s->mode->name, key);
                        continue;
                }
                const char *text;
                int omit;
                if ((err = option_text(c, at, opt, v, num, sizeof(num), &text, &omit)) || omit)
                        continue;
                if (ib_options_set(opt, (char *)owner + base, text, why, sizeof(why))) {
                        err = refuse(c, at, "%s", why);
                        continue;
                }
                char flag[80];
                snprintf(flag, sizeof(flag), "--%s", key);
                if (add_arg(s, flag) || (text && add_arg(s, text)))
                        err = IB_ERR_NOMEM;
        }
        if (!err) {
                /* What the harness sets, as placeholders for the mode's checks. */
                cfg.mode = s->mode->name;
                cfg.topic = "t";
                cfg.group = "g";
                cfg.state_dir = "/nonexistent";
                char why[512] = "";
                size_t base = 0;
                const ib_option_t *zk = ib_options_find(s->mode->options, "zookeeper", &base);
                int needs = 0;
                if (zk && zk->required)
                        needs = 1;
                else if (s->mode->configure && s->mode->configure(mconf, &cfg, why, sizeof(why)) != IB_OK)
                        needs = zk != NULL;
                if (needs)
                        ib_options_set(zk, (char *)mconf + base, "127.0.0.1:2181", why, sizeof(why));
                if (needs && s->mode->configure && s->mode->configure(mconf, &cfg, why, sizeof(why)) != IB_OK)
                        err = refuse(c, c->opts, "%s", why);
                else if (!needs && why[0])
                        err = refuse(c, c->opts, "%s", why);
                s->zookeeper |= needs;
        }
        free(mconf);
        ib_config_destroy(&cfg);
        return err;
}

/* ---- variants and clients ------------------------------------------------------ */

/* The scenario's options with a variant's on top: a key replaces the
 * scenario's, "X" is merged property by property, null removes a key. */
static json_t *merged_options(json_t *base, json_t *over) {
        json_t *m = json_is_object(base) ? json_deep_copy(base) : json_object();
        const char *key;
        json_t *v;
        json_object_foreach(over, key, v) {
                if (json_is_null(v)) {
                        json_object_del(m, key);
                } else if (!strcmp(key, "X") && json_is_object(v) && json_is_object(json_object_get(m, "X"))) {
                        json_t *x = json_object_get(m, "X");
                        const char *k;
                        json_t *pv;
                        json_object_foreach(v, k, pv) {
                                if (json_is_null(pv))
                                        json_object_del(x, k);
                                else
                                        json_object_set(x, k, pv);
                        }
                } else {
                        json_object_set(m, key, v);
                }
        }
        return m;
}

static ib_err_t parse_variants(ctx_t *c, ib_scenario_t *s, json_t *list, json_t *base) {
        static const char *const known[] = {"name", "description", "options", "min_librdkafka", NULL};
        if (!list)
                return IB_OK;
        if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > IB_SCENARIO_MAX_VARIANTS)
                return refuse(c, "$.variants", "a list of 1 to %d variants", IB_SCENARIO_MAX_VARIANTS);
        if (!(s->variants = calloc(json_array_size(list), sizeof(*s->variants))))
                return IB_ERR_NOMEM;
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v) {
                char at[64], opts[96];
                snprintf(at, sizeof(at), "$.variants[%zu]", i);
                snprintf(opts, sizeof(opts), "%s.options", at);
                const char *name = NULL, *desc = "", *min = NULL;
                ib_err_t err;
                if (!json_is_object(v))
                        return refuse(c, at, "a variant is an object: {\"name\": ..., \"options\": {...}}");
                if ((err = only_known(c, at, v, known)) || (err = get_str(c, v, at, "name", &name)) ||
                    (err = get_str(c, v, at, "description", &desc)) ||
                    (err = get_str(c, v, at, "min_librdkafka", &min)))
                        return err;
                if (!name || !name[0] || strlen(name) > 40 || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != strlen(name))
                        return refuse(c, at, "\"name\" is required: 1 to 40 of a-z 0-9 - _ .");
                for (int j = 0; j < s->nvariants; j++)
                        if (!strcmp(s->variants[j].name, name))
                                return refuse(c, at, "a second variant named \"%s\"", name);
                if (min && (!isdigit((unsigned char)min[0]) || strspn(min, "0123456789.") != strlen(min) || strlen(min) > 15))
                        return refuse(c, at, "\"min_librdkafka\" is a version: \"2.12.0\"");
                json_t *o = json_object_get(v, "options");
                if (o && !json_is_object(o))
                        return refuse(c, opts, "must be an object of the mode's options");
                ib_variant_t *var = &s->variants[s->nvariants++];
                if (!(var->name = strdup(name)) || !(var->description = strdup(desc)))
                        return IB_ERR_NOMEM;
                snprintf(var->min_librdkafka, sizeof(var->min_librdkafka), "%s", min ? min : "");
                /* parsed like the scenario's own options, into the variant */
                json_t *m = merged_options(base, o);
                char **keep = s->worker_args;
                int nkeep = s->nworker_args;
                s->worker_args = NULL, s->nworker_args = 0;
                c->opts = opts;
                err = m ? parse_options(c, s, m) : IB_ERR_NOMEM;
                c->opts = "$.options";
                var->worker_args = s->worker_args, var->nworker_args = s->nworker_args;
                s->worker_args = keep, s->nworker_args = nkeep;
                json_decref(m);
                if (err)
                        return err;
        }
        return IB_OK;
}

static ib_err_t parse_clients(ctx_t *c, ib_scenario_t *s, json_t *list) {
        if (!list)
                return IB_OK;
        if (!json_is_array(list) || json_array_size(list) == 0 || json_array_size(list) > IB_SCENARIO_MAX_CLIENTS)
                return refuse(c, "$.clients", "a list of 1 to %d client names (\"system\", \"current\", \"2.0.2\")",
                              IB_SCENARIO_MAX_CLIENTS);
        if (!(s->clients = calloc(json_array_size(list), sizeof(*s->clients))))
                return IB_ERR_NOMEM;
        size_t i;
        json_t *v;
        json_array_foreach(list, i, v) {
                char at[64];
                snprintf(at, sizeof(at), "$.clients[%zu]", i);
                const char *name = json_string_value(v);
                if (!name || !name[0] || strlen(name) > 63)
                        return refuse(c, at, "a client name: \"system\", \"current\", a version or a folder");
                if (!(s->clients[s->nclients++] = strdup(name)))
                        return IB_ERR_NOMEM;
        }
        return IB_OK;
}

/* ---- timeline ---------------------------------------------------------------- */

/* "w3" or "b2": the letter and number; 0 when malformed. */
static int parse_target(const char *t, char *letter) {
        /* 1 to 4 digits, no sign, no leading zero: sscanf's %d wrapped
         * w99999999999 round to w1215752191 */
        if (!t || (t[0] != 'w' && t[0] != 'b') || t[1] < '1' || t[1] > '9' || strspn(t + 1, "0123456789") != strlen(t + 1) ||
            strlen(t + 1) > 4)
                return 0;
        *letter = t[0];
        return atoi(t + 1);
}

static int is_worker_fault(ib_fault_kind_t k) {
        return k == IB_FAULT_KILL || k == IB_FAULT_STOP || k == IB_FAULT_PAUSE || k == IB_FAULT_REMOVE_WORKER ||
               k == IB_FAULT_SLOW_BATCH || k == IB_FAULT_ZK_EXPIRE || k == IB_FAULT_INJECT;
}

static int is_net_fault(ib_fault_kind_t k) {
        return k == IB_FAULT_PARTITION || k == IB_FAULT_DELAY || k == IB_FAULT_LOSS;
}

static int takes_duration(ib_fault_kind_t k) {
        return k == IB_FAULT_PAUSE || k == IB_FAULT_SLOW_BATCH || k == IB_FAULT_ZK_STOP || is_net_fault(k);
}

static int takes_restart(ib_fault_kind_t k) {
        return k == IB_FAULT_KILL || k == IB_FAULT_STOP || k == IB_FAULT_BROKER_KILL || k == IB_FAULT_INJECT;
}

/* The mode whose inject_points has @p point (NULL: none), and every point
 * of every mode, comma-separated, into @p known. */
static const ib_mode_t *inject_owner(const ib_mode_t *const *modes, const char *point, char *known, size_t size) {
        const ib_mode_t *owner = NULL;
        size_t n = 0;
        known[0] = '\0';
        for (int m = 0; modes[m]; m++)
                for (int i = 0; modes[m]->inject_points && modes[m]->inject_points[i]; i++) {
                        const char *p = modes[m]->inject_points[i];
                        if (point && !strcmp(point, p))
                                owner = modes[m];
                        if (n < size)
                                n += (size_t)snprintf(known + n, size - n, "%s%s", n ? ", " : "", p);
                }
        return owner;
}

/* Checks what a fault of @p kind needs of the scenario itself. */
static ib_err_t fault_fits(ctx_t *c, const ib_scenario_t *s, const char *at, ib_fault_kind_t kind) {
        if (s->external && (kind == IB_FAULT_SLOW_BATCH || kind == IB_FAULT_INJECT || kind == IB_FAULT_ZK_EXPIRE))
                return refuse(c, at, "%s: an external consumer has none of ingestbench's fault points or sessions",
                              fault_names[kind]);
        if (is_net_fault(kind) && !s->hosts)
                return refuse(c, at, "%s needs \"hosts\": true (every process a host of its own)", fault_names[kind]);
        if ((kind == IB_FAULT_ZK_STOP || kind == IB_FAULT_ZK_EXPIRE) && !s->zookeeper)
                return refuse(c, at, "%s: mode %s with these options does not use ZooKeeper", fault_names[kind],
                              s->mode->name);
        if ((kind == IB_FAULT_ADD_WORKER || kind == IB_FAULT_REMOVE_WORKER) && s->mode->static_split)
                return refuse(c, at, "%s: %s workers split the partitions statically", fault_names[kind],
                              s->mode->name);
        return IB_OK;
}

/* A host's name: "zk", "bN" (a broker of the scenario), "wN" (a worker: checked
 * against the run's workers later). @returns its letter ('z', 'b', 'w') and
 * number in *n, or 0 when it is none. */
static char host_of(const ib_scenario_t *s, const char *name, int *n) {
        char letter = 0;
        *n = 0;
        if (!strcmp(name, "zk"))
                return s->zookeeper ? 'z' : 0;
        *n = parse_target(name, &letter);
        if (!*n || (letter == 'b' && *n > s->brokers) || (letter == 'w' && *n > IB_SCENARIO_MAX_WORKERS))
                return 0;
        return letter;
}

/* partition, delay, loss: "target" a host; a partition's "from" (hosts, or
 * "brokers", "workers") and "direction"; a delay's "delay_ms"; a loss's "percent". */
static ib_err_t parse_net_fault(ctx_t *c, ib_scenario_t *s, json_t *f, const char *path, const char *target,
                                ib_fault_t *out) {
        char at[128];
        const char *name = fault_names[out->kind], *hosts = s->zookeeper ? "w1, b1, zk" : "w1, b1";
        snprintf(at, sizeof(at), "%s.target", path);
        if (!target)
                return refuse(c, path, "%s needs a \"target\" host (%s, ...)", name, hosts);
        int n;
        char kind = host_of(s, target, &n);
        if (!kind)
                return refuse(c, at, "\"%s\" is not a host of this scenario (%s, ...)", target, hosts);
        out->host_kind = kind;
        out->target = n;
        json_t *from = json_object_get(f, "from"), *dir = json_object_get(f, "direction");
        json_t *delay = json_object_get(f, "delay_ms"), *pct = json_object_get(f, "percent");
        const char *stray = out->kind != IB_FAULT_PARTITION && from ? "from"
                            : out->kind != IB_FAULT_PARTITION && dir ? "direction"
                            : out->kind != IB_FAULT_DELAY && delay   ? "delay_ms"
                            : out->kind != IB_FAULT_LOSS && pct      ? "percent"
                                                                     : NULL;
        if (stray)
                return refuse(c, path, "%s takes no \"%s\"", name, stray);
        if (out->kind == IB_FAULT_DELAY) {
                int64_t lo = 0, hi = 0;
                ib_err_t err = get_ms(c, f, path, "delay_ms", 1, 1, 60000, &lo, &hi);
                if (err)
                        return err;
                if (lo != hi)
                        return refuse(c, path, "delay_ms is one number here");
                out->delay_ms = lo;
                return IB_OK;
        }
        if (out->kind == IB_FAULT_LOSS) {
                snprintf(at, sizeof(at), "%s.percent", path);
                if (!pct)
                        return refuse(c, path, "loss needs \"percent\" (of the packets dropped, (0, 100])");
                if (!json_is_number(pct) || json_number_value(pct) <= 0 || json_number_value(pct) > 100)
                        return refuse(c, at, "a number in (0, 100]");
                out->loss_percent = json_number_value(pct);
                return IB_OK;
        }
        snprintf(at, sizeof(at), "%s.direction", path);
        const char *d = dir ? json_string_value(dir) : "both";
        if (!d || (strcmp(d, "both") && strcmp(d, "out") && strcmp(d, "in")))
                return refuse(c, at, "\"both\" (default), \"out\" (the target's packets lost) or \"in\" (those to it)");
        out->direction = !strcmp(d, "both") ? 0 : !strcmp(d, "out") ? 1 : 2;
        snprintf(at, sizeof(at), "%s.from", path);
        if (!json_is_array(from) || !json_array_size(from))
                return refuse(c, json_is_array(from) ? at : path,
                              "partition needs \"from\": the hosts cut off (%s, or \"brokers\", \"workers\")", hosts);
        for (size_t i = 0; i < json_array_size(from); i++) {
                const char *h = json_string_value(json_array_get(from, i));
                char hat[160];
                snprintf(hat, sizeof(hat), "%s.from[%zu]", path, i);
                if (h && !strcmp(h, "brokers")) {
                        out->from_brokers |= (1u << s->brokers) - 1;
                        continue;
                }
                if (h && !strcmp(h, "workers")) {
                        out->from_all_workers = 1;
                        continue;
                }
                char k = h ? host_of(s, h, &n) : 0;
                if (!k)
                        return refuse(c, hat, "\"%s\" is not a host of this scenario (%s, brokers, workers)",
                                      h ? h : "(not a string)", hosts);
                if (k == kind && n == out->target)
                        return refuse(c, hat, "%s cannot be cut from itself", h);
                if (k == 'z')
                        out->from_zk = 1;
                else if (k == 'b')
                        out->from_brokers |= 1u << (n - 1);
                else
                        out->from_workers |= 1ull << (n - 1);
        }
        return IB_OK;
}

static ib_err_t parse_fault(ctx_t *c, ib_scenario_t *s, json_t *f, size_t i, ib_fault_t *out) {
        static const char *const known[] = {"at_ms", "fault", "target", "duration_ms", "restart_after_ms",
                                            "interval_ms", "point", "call", "comment", "from", "direction",
                                            "delay_ms", "percent", NULL};
        char path[64], at[96];
        snprintf(path, sizeof(path), "$.timeline[%zu]", i);
        if (!json_is_object(f))
                return refuse(c, path, "must be an object");
        ib_err_t err = only_known(c, path, f, known);
        if (err)
                return err;
        *out = (ib_fault_t){.duration_ms = -1, .restart_after_ms = -1, .interval_ms = 2000, .call = 1};
        const char *name = NULL, *target = NULL, *point = NULL;
        if ((err = get_ms(c, f, path, "at_ms", 1, 0, 86400000, &out->at_ms, &out->at_max_ms)) ||
            (err = get_str(c, f, path, "fault", &name)) || (err = get_str(c, f, path, "target", &target)) ||
            (err = get_str(c, f, path, "point", &point)))
                return err;
        snprintf(at, sizeof(at), "%s.fault", path);
        if (!name)
                return refuse(c, path, "\"fault\" is required");
        int kind = fault_kind(name);
        if (kind < 0) {
                char all[256];
                list_faults(all, sizeof(all));
                return refuse(c, at, "unknown fault \"%s\" (known: %s)", name, all);
        }
        out->kind = (ib_fault_kind_t)kind;
        if ((err = fault_fits(c, s, at, out->kind)))
                return err;
        if ((err = get_ms(c, f, path, "duration_ms", takes_duration(out->kind), 1, 86400000, &out->duration_ms,
                          &out->duration_max_ms)) ||
            (err = get_ms(c, f, path, "restart_after_ms", 0, 0, 86400000, &out->restart_after_ms,
                          &out->restart_max_ms)) ||
            (err = get_ms(c, f, path, "interval_ms", 0, 0, 86400000, &out->interval_ms, &out->interval_max_ms)) ||
            (err = get_int(c, f, path, "call", 0, 1, 1000000, &out->call)))
                return err;
        const char *stray = json_object_get(f, "duration_ms") && !takes_duration(out->kind) ? "duration_ms"
                            : json_object_get(f, "restart_after_ms") && !takes_restart(out->kind) ? "restart_after_ms"
                            : json_object_get(f, "interval_ms") && out->kind != IB_FAULT_ROLLING_RESTART ? "interval_ms"
                            : (json_object_get(f, "point") || json_object_get(f, "call")) && out->kind != IB_FAULT_INJECT
                                ? "point"
                                : NULL;
        if (stray)
                return refuse(c, path, "%s takes no \"%s\"", name, stray);
        if (is_net_fault(out->kind))
                return parse_net_fault(c, s, f, path, target, out);
        stray = json_object_get(f, "from") ? "from" : json_object_get(f, "direction") ? "direction"
                : json_object_get(f, "delay_ms") ? "delay_ms" : json_object_get(f, "percent") ? "percent" : NULL;
        if (stray)
                return refuse(c, path, "%s takes no \"%s\" (a network fault's field)", name, stray);
        snprintf(at, sizeof(at), "%s.target", path);
        char letter = 0;
        int n = target ? parse_target(target, &letter) : 0;
        int wants = is_worker_fault(out->kind) ? 'w' : out->kind == IB_FAULT_BROKER_KILL ? 'b' : 0;
        if (!wants && target)
                return refuse(c, at, "%s takes no target", name);
        if (wants && !target)
                return refuse(c, path, "%s needs a \"target\" (%s)", name, wants == 'w' ? "a worker: w1, w2, ..."
                                                                                        : "a broker: b1, b2, ...");
        if (wants && (!n || letter != wants))
                return refuse(c, at, "\"%s\" is not a %s (%s)", target, wants == 'w' ? "worker" : "broker",
                              wants == 'w' ? "w1, w2, ..." : "b1, b2, ...");
        if (wants == 'b' && n > s->brokers)
                return refuse(c, at, "no broker b%d (the scenario has %d)", n, s->brokers);
        out->target = n;
        if (out->kind == IB_FAULT_INJECT) {
                char known[256];
                const ib_mode_t *owner = inject_owner(c->modes, point, known, sizeof(known));
                snprintf(at, sizeof(at), "%s.point", path);
                if (!point)
                        return refuse(c, path, "inject needs a \"point\" (%s)", known);
                if (!owner)
                        return refuse(c, at, "unknown fault point \"%s\" (%s)", point, known);
                if (owner != s->mode)
                        return refuse(c, at, "%s is a fault point of mode %s, not %s", point, owner->name,
                                      s->mode->name);
                snprintf(out->point, sizeof(out->point), "%s", point);
        }
        return IB_OK;
}

/* Worker targets must exist at the fault's time: the workers at start plus
 * those surely added before it (an addition whose time is drawn counts from
 * the end of its range; at the same time: earlier in the file). */
static ib_err_t check_worker_targets(ctx_t *c, ib_scenario_t *s) {
        int adds = 0;
        for (size_t i = 0; i < s->ntimeline; i++)
                if (s->timeline[i].kind == IB_FAULT_ADD_WORKER && s->workers + ++adds > IB_SCENARIO_MAX_WORKERS) {
                        char at[96];
                        snprintf(at, sizeof(at), "$.timeline[%zu]", i);
                        return refuse(c, at, "a run has at most %d workers in all (start and added): this would be %d",
                                      IB_SCENARIO_MAX_WORKERS, s->workers + adds);
                }
        for (size_t i = 0; i < s->ntimeline; i++) {
                const ib_fault_t *f = &s->timeline[i];
                int net_worker = is_net_fault(f->kind) && (f->host_kind == 'w' || f->from_workers);
                if (!is_worker_fault(f->kind) && !net_worker)
                        continue;
                int workers = s->workers;
                for (size_t j = 0; j < s->ntimeline; j++) {
                        const ib_fault_t *a = &s->timeline[j];
                        workers += a->kind == IB_FAULT_ADD_WORKER &&
                                   (a->at_max_ms < f->at_ms || (a->at_max_ms == f->at_ms && j < i));
                }
                int highest = 0; /* the highest worker a partition cuts its target from */
                for (int k = 0; k < 64; k++)
                        highest = f->from_workers >> k & 1 ? k + 1 : highest;
                if (highest > workers) {
                        char at[96];
                        snprintf(at, sizeof(at), "$.timeline[%zu].from", i);
                        return refuse(c, at, "no worker w%d (%d workers at %lld ms)", highest, workers,
                                      (long long)f->at_ms);
                }
                if ((!is_net_fault(f->kind) || f->host_kind == 'w') && f->target > workers) {
                        char at[96];
                        snprintf(at, sizeof(at), "$.timeline[%zu].target", i);
                        return refuse(c, at, "no worker w%d (%d workers at %lld ms)", f->target, workers,
                                      (long long)f->at_ms);
                }
        }
        return IB_OK;
}

static ib_err_t parse_timeline(ctx_t *c, ib_scenario_t *s, json_t *t) {
        if (!t)
                return IB_OK;
        if (!json_is_array(t))
                return refuse(c, "$.timeline", "must be an array of faults");
        if (json_array_size(t) > IB_SCENARIO_MAX_FAULTS)
                return refuse(c, "$.timeline", "%zu faults: at most %d", json_array_size(t), IB_SCENARIO_MAX_FAULTS);
        s->ntimeline = json_array_size(t);
        if (s->ntimeline && !(s->timeline = calloc(s->ntimeline, sizeof(*s->timeline))))
                return IB_ERR_NOMEM;
        for (size_t i = 0; i < s->ntimeline; i++) {
                ib_err_t err = parse_fault(c, s, json_array_get(t, i), i, &s->timeline[i]);
                if (err)
                        return err;
        }
        return check_worker_targets(c, s);
}

static ib_err_t parse_random(ctx_t *c, ib_scenario_t *s, json_t *r) {
        static const char *const known[] = {"faults", "count", "start_ms", "interval_ms", "duration_ms",
                                            "restart_after_ms", "comment", NULL};
        if (!r)
                return IB_OK;
        if (!json_is_object(r))
                return refuse(c, "$.random", "must be an object");
        ib_err_t err = only_known(c, "$.random", r, known);
        ib_random_spec_t *rs = &s->random;
        int64_t count = 0;
        rs->interval_min_ms = 2000, rs->interval_max_ms = 5000;
        rs->duration_min_ms = 1000, rs->duration_max_ms = 5000;
        rs->restart_min_ms = 500, rs->restart_max_ms = 3000;
        if (err || (err = get_int(c, r, "$.random", "count", 1, 1, 1000, &count)) ||
            (err = get_int(c, r, "$.random", "start_ms", 0, 0, 86400000, &rs->start_ms)) ||
            (err = get_span(c, r, "$.random", "interval_ms", &rs->interval_min_ms, &rs->interval_max_ms)) ||
            (err = get_span(c, r, "$.random", "duration_ms", &rs->duration_min_ms, &rs->duration_max_ms)) ||
            (err = get_span(c, r, "$.random", "restart_after_ms", &rs->restart_min_ms, &rs->restart_max_ms)))
                return err;
        if (rs->interval_min_ms < 1 || rs->duration_min_ms < 1)
                return refuse(c, "$.random", "interval_ms and duration_ms start at 1 ms");
        rs->count = (int)count;
        json_t *faults = json_object_get(r, "faults");
        if (!json_is_array(faults) || json_array_size(faults) == 0)
                return refuse(c, "$.random.faults", "must be a non-empty array of fault names");
        for (size_t i = 0; i < json_array_size(faults); i++) {
                char at[64];
                snprintf(at, sizeof(at), "$.random.faults[%zu]", i);
                const char *name = json_string_value(json_array_get(faults, i));
                int kind = name ? fault_kind(name) : -1;
                if (kind < 0)
                        return refuse(c, at, "unknown fault \"%s\"", name ? name : "(not a string)");
                if (kind == IB_FAULT_ADD_WORKER || kind == IB_FAULT_REMOVE_WORKER || kind == IB_FAULT_INJECT ||
                    kind == IB_FAULT_ROLLING_RESTART || is_net_fault((ib_fault_kind_t)kind))
                        return refuse(c, at, "%s cannot be drawn at random (give it in the timeline)", name);
                if ((err = fault_fits(c, s, at, (ib_fault_kind_t)kind)))
                        return err;
                if (rs->nkinds < IB_FAULT_KIND_COUNT)
                        rs->kinds[rs->nkinds++] = (ib_fault_kind_t)kind;
        }
        return IB_OK;
}

/* ---- expectations --------------------------------------------------------------- */

static ib_err_t parse_expect_one(ctx_t *c, const char *at, const char *text, ib_expect_t *e) {
        static const struct {
                const char *op;
                ib_cmp_t cmp;
        } ops[] = {{"==", IB_CMP_EQ}, {"!=", IB_CMP_NE}, {"<=", IB_CMP_LE},
                   {">=", IB_CMP_GE}, {"<", IB_CMP_LT},  {">", IB_CMP_GT}};
        char fig[64], op[4], num[64], rest[64], *end;
        double value = 0;
        /* a decimal number as JSON writes one: strtod alone also took 0x10,
         * inf and nan */
        int ok = strlen(text) < sizeof(e->text) &&
                 sscanf(text, " %63[a-z_0-9.] %3[=!<>] %63s %63s", fig, op, num, rest) == 3 &&
                 strspn(num, "0123456789.eE+-") == strlen(num) && (isdigit((unsigned char)num[0]) || num[0] == '-');
        if (ok) {
                value = strtod(num, &end);
                ok = *end == '\0' && isfinite(value);
        }
        if (!ok)
                return refuse(c, at, "\"%s\" is not FIGURE OP NUMBER (e.g. \"lost == 0\")", text);
        if (!listed(ib_figure_names, fig))
                return refuse(c, at, "unknown figure \"%s\" (results/SCHEMA.md lists them)", fig);
        size_t k;
        for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
                if (!strcmp(op, ops[k].op))
                        break;
        if (k == sizeof(ops) / sizeof(ops[0]))
                return refuse(c, at, "unknown comparison \"%s\" (==, !=, <, <=, >, >=)", op);
        snprintf(e->text, sizeof(e->text), "%s", text);
        snprintf(e->figure, sizeof(e->figure), "%s", fig);
        e->cmp = ops[k].cmp;
        e->value = value;
        return IB_OK;
}

static ib_err_t parse_expect(ctx_t *c, ib_scenario_t *s, json_t *x) {
        if (!json_is_array(x) || json_array_size(x) == 0)
                return refuse(c, "$.expect", "must be a non-empty array such as [\"lost == 0\"]");
        s->nexpect = json_array_size(x);
        if (!(s->expect = calloc(s->nexpect, sizeof(*s->expect))))
                return IB_ERR_NOMEM;
        for (size_t i = 0; i < s->nexpect; i++) {
                char at[64];
                snprintf(at, sizeof(at), "$.expect[%zu]", i);
                const char *text = json_string_value(json_array_get(x, i));
                if (!text)
                        return refuse(c, at, "must be a string such as \"lost == 0\"");
                ib_err_t err = parse_expect_one(c, at, text, &s->expect[i]);
                if (err)
                        return err;
        }
        return IB_OK;
}

/* ---- the document ------------------------------------------------------------ */

static ib_err_t parse_producer(ctx_t *c, ib_scenario_t *s, json_t *p) {
        static const char *const known[] = {"rate", "records", "duration_ms", "bad_ratio", "comment", NULL};
        if (!json_is_object(p))
                return refuse(c, "$.producer", p ? "must be an object" : "is required (rate, records or duration_ms)");
        ib_err_t err = only_known(c, "$.producer", p, known);
        int64_t duration = 0;
        if (err || (err = get_int(c, p, "$.producer", "rate", 0, 0, 10000000, &s->rate)) ||
            (err = get_int(c, p, "$.producer", "records", 0, 1, 1000000000, &s->records)) ||
            (err = get_int(c, p, "$.producer", "duration_ms", 0, 1, 86400000, &duration)))
                return err;
        if (!!s->records == !!duration)
                return refuse(c, "$.producer", "give \"records\" or \"duration_ms\" (one of them)");
        if (duration && !s->rate)
                return refuse(c, "$.producer.duration_ms", "needs a \"rate\"");
        if (duration)
                s->records = s->rate * duration / 1000 > 0 ? s->rate * duration / 1000 : 1;
        json_t *bad = json_object_get(p, "bad_ratio");
        if (bad && (!json_is_number(bad) || json_number_value(bad) < 0 || json_number_value(bad) > 1))
                return refuse(c, "$.producer.bad_ratio", "must be a number in [0, 1]");
        s->bad_ratio = bad ? json_number_value(bad) : 0;
        return IB_OK;
}

static ib_err_t parse_topic(ctx_t *c, ib_scenario_t *s, json_t *t) {
        static const char *const known[] = {"partitions", "replication_factor", "comment", NULL};
        int64_t parts = 4, rf = s->brokers < 3 ? s->brokers : 3;
        if (t && !json_is_object(t))
                return refuse(c, "$.topic", "must be an object");
        ib_err_t err = t ? only_known(c, "$.topic", t, known) : IB_OK;
        if (err || (err = get_int(c, t, "$.topic", "partitions", 0, 1, 1000, &parts)) ||
            (err = get_int(c, t, "$.topic", "replication_factor", 0, 1, 3, &rf)))
                return err;
        if (rf > s->brokers)
                return refuse(c, "$.topic.replication_factor", "%lld replicas need as many brokers (the scenario has %d)",
                              (long long)rf, s->brokers);
        s->partitions = (int)parts;
        s->replication_factor = (int)rf;
        return IB_OK;
}

/* "external": the command template, how a worker stops, how the drain ends. */
static ib_err_t parse_external(ctx_t *c, ib_scenario_t *s, json_t *e) {
        static const char *const known[] = {"command", "stop", "drain", "name", "batch_files", "comment", NULL};
        static const char *const stop_known[] = {"signal", "grace_ms", "comment", NULL};
        if (!e)
                return refuse(c, "$", "mode external needs \"external\": {\"command\": [...]}");
        if (!json_is_object(e))
                return refuse(c, "$.external", "must be an object");
        ib_err_t err = only_known(c, "$.external", e, known);
        json_t *cmd = json_object_get(e, "command"), *stop = json_object_get(e, "stop");
        if (err)
                return err;
        if (!json_is_array(cmd) || json_array_size(cmd) == 0 || json_array_size(cmd) > 256)
                return refuse(c, "$.external.command", "an array of 1 to 256 strings: the program and its arguments");
        if (!(s->external = calloc(1, sizeof(*s->external))) ||
            !(s->external->command = calloc(json_array_size(cmd) + 1, sizeof(char *))))
                return IB_ERR_NOMEM;
        ib_external_t *x = s->external;
        x->stop_signal = SIGTERM;
        x->grace_ms = 30000;
        for (size_t i = 0; i < json_array_size(cmd); i++) {
                char at[64], why[300];
                snprintf(at, sizeof(at), "$.external.command[%zu]", i);
                const char *arg = json_string_value(json_array_get(cmd, i));
                if (!arg)
                        return refuse(c, at, "must be a string");
                if (ib_external_check_arg(arg, why, sizeof(why)))
                        return refuse(c, at, "%s", why);
                if (i == 0) {
                        if (strchr(arg, '{'))
                                return refuse(c, at, "the program is named outright, not by a placeholder");
                        char dir[1024], prog[1200];
                        const char *slash = strrchr(c->file, '/');
                        snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - c->file) : 0, c->file);
                        if (ib_external_program(arg, dir, prog, sizeof(prog), why, sizeof(why)))
                                return refuse(c, at, "%s", why);
                        arg = prog;
                        if (!(x->command[x->ncommand++] = strdup(arg)))
                                return IB_ERR_NOMEM;
                        continue;
                }
                if (!(x->command[x->ncommand++] = strdup(arg)))
                        return IB_ERR_NOMEM;
        }
        if (stop) {
                const char *sig = NULL;
                if (!json_is_object(stop))
                        return refuse(c, "$.external.stop", "must be an object");
                if ((err = only_known(c, "$.external.stop", stop, stop_known)) ||
                    (err = get_str(c, stop, "$.external.stop", "signal", &sig)) ||
                    (err = get_int(c, stop, "$.external.stop", "grace_ms", 0, 0, 600000, &x->grace_ms)))
                        return err;
                if (sig && strcmp(sig, "TERM") && strcmp(sig, "INT"))
                        return refuse(c, "$.external.stop.signal", "\"TERM\" or \"INT\", not \"%s\"", sig);
                x->stop_signal = sig && !strcmp(sig, "INT") ? SIGINT : SIGTERM;
        }
        const char *drain = NULL;
        if ((err = get_str(c, e, "$.external", "drain", &drain)))
                return err;
        if (drain && strcmp(drain, "output") && strcmp(drain, "group"))
                return refuse(c, "$.external.drain", "\"output\" or \"group\", not \"%s\"", drain);
        x->drain_group = drain && !strcmp(drain, "group");
        const char *name = NULL;
        if ((err = get_str(c, e, "$.external", "name", &name)))
                return err;
        if (name && (!name[0] || strlen(name) > 40 || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != strlen(name)))
                return refuse(c, "$.external.name", "1 to 40 of a-z 0-9 - _ . (it names the consumer in reports)");
        const char *base = strrchr(x->command[0], '/');
        if (!(x->name = strdup(name ? name : base ? base + 1 : x->command[0])))
                return IB_ERR_NOMEM;
        json_t *bf = json_object_get(e, "batch_files");
        if (bf && !json_is_boolean(bf))
                return refuse(c, "$.external.batch_files", "true or false");
        x->batch_files = json_is_true(bf);
        if (json_object_get(c->doc, "options"))
                return refuse(c, "$.options", "mode external takes no options: its command is $.external.command");
        if (json_object_get(c->doc, "variants"))
                return refuse(c, "$.variants", "mode external has no options to vary");
        if (json_object_get(c->doc, "clients"))
                return refuse(c, "$.clients", "an external consumer brings its own client");
        if (s->kafka_sink && x->batch_files)
                return refuse(c, "$.external.batch_files", "output files are a \"dir\" sink's: with \"sink\": \"kafka\" "
                                                           "its progress comes from its event log");
        return IB_OK;
}

static ib_err_t parse_doc(ctx_t *c, ib_scenario_t *s, json_t *doc, const ib_mode_t *const *modes) {
        static const char *const known[] = {"name", "description", "mode", "options", "topic", "brokers",
                                            "workers", "producer", "seed", "drain_timeout_ms", "timeline",
                                            "random", "expect", "comment", "variants", "clients", "sink", "external",
                                            "hosts", NULL};
        if (!json_is_object(doc))
                return refuse(c, "$", "a scenario is a JSON object");
        ib_err_t err = only_known(c, "$", doc, known);
        const char *name = NULL, *desc = "", *mode = NULL, *sink = NULL;
        int64_t brokers = 1, workers = 1, seed = 1, drain = 120000;
        if (err || (err = get_str(c, doc, "$", "name", &name)) || (err = get_str(c, doc, "$", "description", &desc)) ||
            (err = get_str(c, doc, "$", "sink", &sink)) ||
            (err = get_str(c, doc, "$", "mode", &mode)) ||
            (err = get_int(c, doc, "$", "brokers", 0, 1, 3, &brokers)) ||
            (err = get_int(c, doc, "$", "workers", 0, 1, 32, &workers)) ||
            (err = get_int(c, doc, "$", "seed", 0, 0, INT64_MAX, &seed)) ||
            (err = get_int(c, doc, "$", "drain_timeout_ms", 0, 1000, 3600000, &drain)))
                return err;
        if (brokers == 2)
                return refuse(c, "$.brokers", "1 or 3 (the local cluster's sizes)");
        if (!mode)
                return refuse(c, "$", "\"mode\" is required");
        for (int i = 0; modes[i] && !s->mode; i++)
                if (!strcmp(modes[i]->name, mode))
                        s->mode = modes[i];
        if (!strcmp(mode, ib_mode_external.name))
                s->mode = &ib_mode_external;
        if (!s->mode)
                return refuse(c, "$.mode", "unknown mode \"%s\" (or \"external\": any command)", mode);
        if (s->mode != &ib_mode_external && json_object_get(doc, "external"))
                return refuse(c, "$.external", "only for \"mode\": \"external\"");
        if (sink && strcmp(sink, "dir") && strcmp(sink, "kafka"))
                return refuse(c, "$.sink", "\"dir\" or \"kafka\", not \"%s\"", sink);
        s->kafka_sink = sink ? !strcmp(sink, "kafka") : s->mode->sink_transactions;
        if (s->mode->sink_transactions && !s->kafka_sink)
                return refuse(c, "$.sink", "mode %s commits inside the output's Kafka transactions: the sink is \"kafka\"",
                              s->mode->name);
        s->brokers = (int)brokers;
        s->workers = (int)workers;
        s->seed = (uint64_t)seed;
        s->drain_timeout_ms = drain;
        if (!(s->name = strdup(name ? name : c->file)) || !(s->description = strdup(desc)))
                return IB_ERR_NOMEM;
        c->doc = doc;
        if (s->mode == &ib_mode_external && (err = parse_external(c, s, json_object_get(doc, "external"))))
                return err;
        json_t *hosts = json_object_get(doc, "hosts");
        if (hosts && !json_is_boolean(hosts))
                return refuse(c, "$.hosts", "true (every broker, ZooKeeper and worker a host of its own) or false");
        s->hosts = json_is_true(hosts);
        if ((err = parse_options(c, s, json_object_get(doc, "options"))) ||
            (err = parse_variants(c, s, json_object_get(doc, "variants"), json_object_get(doc, "options"))) ||
            (err = parse_clients(c, s, json_object_get(doc, "clients"))) ||
            (err = parse_topic(c, s, json_object_get(doc, "topic"))) ||
            (err = parse_producer(c, s, json_object_get(doc, "producer"))) ||
            (err = parse_timeline(c, s, json_object_get(doc, "timeline"))) ||
            (err = parse_random(c, s, json_object_get(doc, "random"))))
                return err;
        if (s->external && s->bad_ratio > 0)
                return refuse(c, "$.producer.bad_ratio", "an external consumer's dead letters are not read: 0 only");
        if (s->mode->static_split && s->workers > s->partitions)
                return refuse(c, "$.workers", "%d %s workers for %d partitions: some would read nothing",
                              s->workers, s->mode->name, s->partitions);
        return parse_expect(c, s, json_object_get(doc, "expect"));
}

ib_err_t ib_scenario_parse(const char *text, const char *name, const ib_mode_t *const *modes,
                           ib_scenario_t **out, char *errstr, size_t errstr_size) {
        ctx_t c = {name, errstr, errstr_size, modes, "$.options", NULL};
        *out = NULL;
        json_error_t jerr;
        json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "%s: line %d, column %d: %s", name,
                                 jerr.line, jerr.column, jerr.text);
        ib_scenario_t *s = calloc(1, sizeof(*s));
        if (!s) {
                json_decref(doc);
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        }
        s->doc = doc;
        ib_err_t err = !(s->path = strdup(name)) ? IB_ERR_NOMEM : parse_doc(&c, s, doc, modes);
        if (err == IB_ERR_NOMEM)
                ib_seterr(errstr, errstr_size, err, "out of memory reading %s", name);
        if (err) {
                ib_scenario_free(s);
                return err;
        }
        *out = s;
        return IB_OK;
}

ib_err_t ib_scenario_load(const char *path, const ib_mode_t *const *modes, ib_scenario_t **out, char *errstr,
                          size_t errstr_size) {
        *out = NULL;
        char *text = NULL;
        size_t len = 0;
        ib_err_t err = ib_fs_read_input(path, IB_FS_MAX_SPEC_BYTES, &text, &len, errstr, errstr_size);
        if (err)
                return err;
        err = ib_scenario_parse(text, path, modes, out, errstr, errstr_size);
        free(text);
        return err;
}

void ib_scenario_free(ib_scenario_t *s) {
        if (!s)
                return;
        for (int i = 0; i < s->nworker_args; i++)
                free(s->worker_args[i]);
        free(s->worker_args);
        for (int i = 0; i < s->nvariants; i++) {
                for (int j = 0; j < s->variants[i].nworker_args; j++)
                        free(s->variants[i].worker_args[j]);
                free(s->variants[i].worker_args);
                free(s->variants[i].name);
                free(s->variants[i].description);
        }
        free(s->variants);
        for (int i = 0; i < s->nclients; i++)
                free(s->clients[i]);
        free(s->clients);
        if (s->external) {
                for (int i = 0; i < s->external->ncommand; i++)
                        free(s->external->command[i]);
                free(s->external->command);
                free(s->external->name);
                free(s->external);
        }
        free(s->timeline);
        free(s->expect);
        free(s->path);
        free(s->name);
        free(s->description);
        json_decref(s->doc);
        free(s);
}
