/*
 * cmd_run.c: `ingestbench run`: the shared options (worker/config.h) and
 * the chosen mode's own options, both from their option tables; the mode
 * from the registry; then the runner.
 *
 * Flags are collected in one getopt_long pass over every table (so a flag of
 * another mode is recognized and refused by name, not reported unknown),
 * then applied: shared ones to the shared struct, the rest to the chosen
 * mode's struct. A flag no table of the mode has is a usage error naming the
 * modes it belongs to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "parse.h"
#include "clock.h"
#include "signals.h"
#include "fault.h"
#include "runner.h"

static void usage(FILE *fp, const ib_mode_t *only) {
        fprintf(fp,
"Usage: ingestbench run --mode MODE --topic T --group G --state-dir DIR [OPTIONS]\n"
"\n"
"Consume topic T with an ingestion mode, run every record through the pipeline\n"
"(parse -> validate -> transform -> stats -> sink) and track progress the mode's way.\n"
"\n"
"Modes:\n");
        for (int i = 0; ib_modes[i]; i++)
                fprintf(fp, "  %-14s %s\n", ib_modes[i]->name, ib_modes[i]->summary);
        fprintf(fp, "\nOptions every mode shares:\n");
        ib_options_help(fp, ib_config_options);
        fprintf(fp, "  -X key=value                  librdkafka property (repeatable)\n"
                    "  -h, --help                    this help (with --mode M: M's options only)\n");
        for (int i = 0; ib_modes[i]; i++) {
                if (only && only != ib_modes[i])
                        continue;
                fprintf(fp, "\n%s mode:\n", ib_modes[i]->name);
                if (ib_options_count(ib_modes[i]->options))
                        ib_options_help(fp, ib_modes[i]->options);
                else
                        fprintf(fp, "  (no options of its own)\n");
        }
        fprintf(fp,
"\n"
"SIGTERM or SIGINT finishes the current batch, commits it and exits 0.\n"
"A group member waiting for its assignment is not idle for --exit-when-idle.\n"
"stats.json records every option's effective value under \"config\".\n"
"INGESTBENCH_FAULTS injects faults for tests, e.g. batch.slow:3:8000 (the 3rd batch\n"
"with records takes 8 s more before its commit) or wal.fsync:10; see the README.\n"
"Exit codes: 0 ok, 1 failed, 2 usage error, 3 broker or ZooKeeper unreachable.\n");
}

/* One flag seen on the command line. */
typedef struct {
        const char *name;
        const char *value;
} seen_t;

typedef struct {
        struct option *longopts; /* every table's flags, each name once */
        size_t n;
        char shorts[64];         /* getopt's optstring: ':', the tables' one-letter aliases, h, X: */
} flags_t;

static void add_flag(void *ctx, const ib_option_t *o, const void *owner) {
        (void)owner;
        flags_t *f = ctx;
        for (size_t i = 0; i < f->n; i++)
                if (!strcmp(f->longopts[i].name, o->name))
                        return;
        f->longopts[f->n++] = (struct option){o->name, o->type == IB_OPT_FLAG ? no_argument : required_argument,
                                              NULL, 0};
        size_t len = strlen(f->shorts);
        if (o->short_name && len + 3 < sizeof(f->shorts))
                snprintf(f->shorts + len, sizeof(f->shorts) - len, "%c%s", o->short_name,
                         o->type == IB_OPT_FLAG ? "" : ":");
}

typedef struct {
        int c;
        const char *name;
} alias_t;

static void find_alias(void *ctx, const ib_option_t *o, const void *owner) {
        (void)owner;
        alias_t *a = ctx;
        if (!a->name && o->short_name == a->c)
                a->name = o->name;
}

/* The long name of one-letter alias @p c in any table, or NULL. */
static const char *alias_of(int c) {
        static const char none[1];
        alias_t a = {c, NULL};
        ib_options_each(ib_config_options, none, find_alias, &a);
        for (int i = 0; ib_modes[i] && !a.name; i++)
                ib_options_each(ib_modes[i]->options, none, find_alias, &a);
        return a.name;
}

static int build_longopts(flags_t *f) {
        static const char none[1];
        size_t cap = ib_options_count(ib_config_options) + 2;
        for (int i = 0; ib_modes[i]; i++)
                cap += ib_options_count(ib_modes[i]->options);
        if (!(f->longopts = calloc(cap, sizeof(*f->longopts))))
                return -1;
        snprintf(f->shorts, sizeof(f->shorts), "%s", IB_OPT_PREFIX);
        ib_options_each(ib_config_options, none, add_flag, f);
        for (int i = 0; ib_modes[i]; i++)
                ib_options_each(ib_modes[i]->options, none, add_flag, f);
        f->longopts[f->n++] = (struct option){"help", no_argument, NULL, 'h'};
        strncat(f->shorts, "hX:", sizeof(f->shorts) - strlen(f->shorts) - 1);
        for (size_t i = 0; i + 1 < f->n; i++)
                f->longopts[i].val = 256 + (int)i;
        return 0;
}

/* "receiver" or "direct and receiver": the modes whose tables have @p name.
 * @returns how many. */
static int modes_with(const char *name, char *out, size_t size) {
        const ib_mode_t *found[16];
        int n = 0;
        for (int i = 0; ib_modes[i] && n < 16; i++)
                if (ib_options_find(ib_modes[i]->options, name, NULL))
                        found[n++] = ib_modes[i];
        out[0] = '\0';
        for (int i = 0; i < n; i++) {
                size_t len = strlen(out);
                snprintf(out + len, size - len, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", found[i]->name);
        }
        return n;
}

static const ib_mode_t *find_mode(const char *name, int *rc) {
        const ib_mode_t *mode = ib_mode_find(name);
        if (!mode) {
                char names[256] = "";
                for (int i = 0; ib_modes[i]; i++)
                        snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? ", " : "",
                                 ib_modes[i]->name);
                *rc = ib_cli_usage_error("run", "unknown mode '%s' (available: %s)", name, names);
        }
        return mode;
}

/* Applies the flags seen: shared ones first (--mode among them), then the
 * mode's. Returns the mode, or NULL with *rc a usage error. */
static const ib_mode_t *apply_flags(const seen_t *seen, size_t nseen, ib_config_t *cfg, void **conf, int *rc) {
        char errstr[1024];
        for (size_t i = 0; i < nseen; i++) {
                const ib_option_t *o = ib_options_find(ib_config_options, seen[i].name, NULL);
                if (o && ib_options_set(o, cfg, seen[i].value, errstr, sizeof(errstr))) {
                        *rc = ib_cli_usage_error("run", "%s", errstr);
                        return NULL;
                }
        }
        const ib_mode_t *mode = cfg->mode ? find_mode(cfg->mode, rc) : NULL;
        if (cfg->mode && !mode)
                return NULL;
        if (mode && !(*conf = calloc(1, mode->conf_size ? mode->conf_size : 1))) {
                *rc = ib_cli_fail("run", IB_ERR_NOMEM, "out of memory");
                return NULL;
        }
        if (mode)
                ib_options_defaults(mode->options, *conf);
        for (size_t i = 0; i < nseen; i++) {
                if (ib_options_find(ib_config_options, seen[i].name, NULL))
                        continue;
                size_t base;
                const ib_option_t *o = mode ? ib_options_find(mode->options, seen[i].name, &base) : NULL;
                if (!o) {
                        char owners[256];
                        int n = modes_with(seen[i].name, owners, sizeof(owners));
                        if (mode)
                                *rc = ib_cli_usage_error("run", "--%s belongs to mode%s %s, not %s", seen[i].name,
                                                         n > 1 ? "s" : "", owners, mode->name);
                        else
                                *rc = ib_cli_usage_error("run", "--mode is required (--%s belongs to mode%s %s)",
                                                         seen[i].name, n > 1 ? "s" : "", owners);
                        return NULL;
                }
                if (ib_options_set(o, (char *)*conf + base, seen[i].value, errstr, sizeof(errstr))) {
                        *rc = ib_cli_usage_error("run", "%s", errstr);
                        return NULL;
                }
        }
        return mode;
}

/* The checks before anything starts: shared options, fault points, the mode's. */
static int check_all(const ib_mode_t *mode, ib_config_t *cfg, void *conf) {
        char errstr[1024];
        if (ib_config_check(cfg, errstr, sizeof(errstr)) || ib_fault_check(errstr, sizeof(errstr)) ||
            ib_options_check_required(mode->options, conf, errstr, sizeof(errstr)) ||
            (mode->configure && mode->configure(conf, cfg, errstr, sizeof(errstr))))
                return ib_cli_usage_error("run", "%s", errstr);
        return IB_EXIT_OK;
}

int ib_cmd_run(int argc, char **argv) {
        ib_config_t cfg;
        ib_config_init(&cfg);
        flags_t flags = {0};
        seen_t *seen = calloc((size_t)argc + 1, sizeof(*seen));
        void *conf = NULL;
        char errstr[1024];
        int c, rc = IB_EXIT_OK, help = 0, li = -1;
        size_t nseen = 0;
        if (!seen || build_longopts(&flags)) {
                rc = ib_cli_fail("run", IB_ERR_NOMEM, "out of memory");
                goto out;
        }
        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, flags.shorts, flags.longopts, &li)) != -1) {
                const char *alias = c < 256 ? alias_of(c) : NULL;
                if (c >= 256)
                        seen[nseen++] = (seen_t){flags.longopts[c - 256].name, optarg};
                else if (alias)
                        seen[nseen++] = (seen_t){alias, optarg};
                else if (c == 'h')
                        help = 1;
                else if (c == 'X') {
                        if (ib_props_add(&cfg.props, optarg, errstr, sizeof(errstr))) {
                                rc = ib_cli_usage_error("run", "%s", errstr);
                                goto out;
                        }
                } else {
                        rc = ib_cli_getopt_error("run", c, argv);
                        goto out;
                }
        }
        if (optind < argc) {
                rc = ib_cli_usage_error("run", "unexpected argument '%s'", argv[optind]);
                goto out;
        }
        const ib_mode_t *mode = apply_flags(seen, nseen, &cfg, &conf, &rc);
        if (help) {
                usage(stdout, mode);
                rc = IB_EXIT_OK;
                goto out;
        }
        if (rc)
                goto out;
        if (!mode) {
                rc = ib_cli_usage_error("run", "--mode is required");
                goto out;
        }
        if ((rc = check_all(mode, &cfg, conf)))
                goto out;
        errstr[0] = '\0';
        ib_err_t err = ib_run(mode, &cfg, conf, errstr, sizeof(errstr));
        if (err)
                rc = ib_cli_fail("run", err, errstr);
out:
        free(conf);
        free(seen);
        free(flags.longopts);
        ib_config_destroy(&cfg);
        return rc;
}
