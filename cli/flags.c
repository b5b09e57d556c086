/*
 * flags.c: one way every subcommand reads its command line (cli.h): its
 * option table (base/options.h) gives the flags, their defaults, their
 * checks and the help text; getopt_long reads argv; every refusal is one
 * usage line with exit code 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
        struct option *longopts;
        const ib_option_t **opts;  /* the table entry of each longopts[i] */
        void **owners;             /* the struct holding its field */
        size_t n;
        char shorts[64];
} getopt_table_t;

static void add_one(void *ctx, const ib_option_t *o, const void *owner) {
        getopt_table_t *g = ctx;
        g->opts[g->n] = o;
        g->owners[g->n] = (void *)owner;
        g->longopts[g->n] = (struct option){o->name, o->type == IB_OPT_FLAG ? no_argument : required_argument, NULL,
                                            256 + (int)g->n};
        g->n++;
        size_t len = strlen(g->shorts);
        if (o->short_name && len + 3 < sizeof(g->shorts))
                snprintf(g->shorts + len, sizeof(g->shorts) - len, "%c%s", o->short_name,
                         o->type == IB_OPT_FLAG ? "" : ":");
}

void ib_cli_usage(FILE *fp, const ib_cli_spec_t *spec) {
        fprintf(fp, "Usage: ingestbench %s %s\n\n%s\nOptions:\n", spec->name, spec->synopsis, spec->about);
        ib_options_help(fp, spec->options);
        if (spec->props_offset)
                fprintf(fp, "  %-28s  %s\n", "-X KEY=VALUE", "a librdkafka property (repeatable)");
        fprintf(fp, "  %-28s  %s\n", "-h, --help", "this help");
        if (spec->after)
                fprintf(fp, "\n%s", spec->after);
}

/* Sets the flag getopt found at table index @p i; @returns -1 or a usage exit. */
static int set_one(const ib_cli_spec_t *spec, const getopt_table_t *g, size_t i, const char *value) {
        char errstr[1024];
        if (ib_options_set(g->opts[i], g->owners[i], value, errstr, sizeof(errstr)))
                return ib_cli_usage_error(spec->name, "%s", errstr);
        return -1;
}

/* The table entry of one-letter alias @p c, or SIZE_MAX. */
static size_t alias(const getopt_table_t *g, int c) {
        for (size_t i = 0; i < g->n; i++)
                if (g->opts[i]->short_name == c)
                        return i;
        return (size_t)-1;
}

static int read_flags(const ib_cli_spec_t *spec, getopt_table_t *g, void *conf, int argc, char **argv) {
        char errstr[1024];
        int c, rc = -1;
        optind = 1;
        opterr = 0;
        while (rc < 0 && (c = getopt_long(argc, argv, g->shorts, g->longopts, NULL)) != -1) {
                size_t a = c < 256 ? alias(g, c) : (size_t)-1;
                if (c >= 256)
                        rc = set_one(spec, g, (size_t)(c - 256), optarg);
                else if (a != (size_t)-1)
                        rc = set_one(spec, g, a, optarg);
                else if (c == 'h') {
                        ib_cli_usage(stdout, spec);
                        rc = IB_EXIT_OK;
                } else if (c == 'X' && spec->props_offset) {
                        if (ib_props_add((ib_props_t *)((char *)conf + spec->props_offset), optarg, errstr,
                                         sizeof(errstr)))
                                rc = ib_cli_usage_error(spec->name, "%s", errstr);
                } else
                        rc = ib_cli_getopt_error(spec->name, c, argv);
        }
        return rc;
}

int ib_cli_parse(const ib_cli_spec_t *spec, void *conf, int argc, char **argv, int *first_arg) {
        size_t cap = ib_options_count(spec->options) + 2;
        getopt_table_t g = {calloc(cap, sizeof(struct option)), calloc(cap, sizeof(ib_option_t *)),
                            calloc(cap, sizeof(void *)), 0, IB_OPT_PREFIX};
        if (!g.longopts || !g.opts || !g.owners) {
                free(g.longopts), free(g.opts), free(g.owners);
                return ib_cli_fail(spec->name, IB_ERR_NOMEM, "out of memory");
        }
        ib_options_defaults(spec->options, conf);
        ib_options_each(spec->options, conf, add_one, &g);
        g.longopts[g.n] = (struct option){"help", no_argument, NULL, 'h'};
        strncat(g.shorts, spec->props_offset ? "hX:" : "h", sizeof(g.shorts) - strlen(g.shorts) - 1);
        int rc = read_flags(spec, &g, conf, argc, argv);
        free(g.longopts), free(g.opts), free(g.owners);
        if (rc >= 0)
                return rc;
        int nargs = argc - optind;
        char errstr[1024];
        if (nargs > spec->max_args)
                return ib_cli_usage_error(spec->name, "unexpected argument '%s'", argv[optind + spec->max_args]);
        if (ib_options_check_required(spec->options, conf, errstr, sizeof(errstr)))
                return ib_cli_usage_error(spec->name, "%s", errstr);
        if (nargs < spec->min_args)
                return ib_cli_usage_error(spec->name, "%s", spec->args_missing);
        if (first_arg)
                *first_arg = optind;
        return -1;
}
