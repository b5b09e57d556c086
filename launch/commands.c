/*
 * commands.c: the worker's and the producer's command lines (commands.h).
 */
#include "commands.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Appends @p word with every "{worker}" replaced by @p id. */
static void add_substituted(ib_argv_t *a, const char *word, const char *id) {
        const char *at = id ? strstr(word, "{worker}") : NULL;
        if (!at) {
                ib_argv_add(a, word);
                return;
        }
        char buf[1024];
        size_t n = 0;
        for (const char *p = word; *p && n + 1 < sizeof(buf);) {
                if (!strncmp(p, "{worker}", 8)) {
                        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s", id);
                        n = n < sizeof(buf) ? n : sizeof(buf) - 1;
                        p += 8;
                } else
                        buf[n++] = *p++;
        }
        buf[n] = '\0';
        ib_argv_add(a, buf);
}

ib_err_t ib_launch_worker_argv(const ib_worker_cmd_t *c, ib_argv_t *a) {
        ib_argv_add(a, c->self);
        ib_argv_add(a, "run");
        ib_argv_add2(a, "--mode", c->mode);
        ib_argv_add2(a, "--brokers", c->brokers);
        ib_argv_add2(a, "--topic", c->topic);
        ib_argv_add2(a, "--group", c->group);
        ib_argv_add2(a, "--state-dir", c->state_dir);
        ib_argv_add2(a, "--sink", c->sink);
        ib_argv_add2(a, "--dead-letter", c->dead_letter);
        ib_argv_add2(a, "--worker-id", c->worker_id);
        ib_argv_add2(a, "--pipeline", c->pipeline);
        ib_argv_add(a, "--quiet");
        if (c->exit_when_idle_s > 0) {
                ib_argv_add(a, "--exit-when-idle");
                ib_argv_addf(a, "%d", c->exit_when_idle_s);
        }
        ib_argv_add2(a, "--zookeeper", c->zookeeper);
        if (c->mode_args)
                c->mode_args(a, c->index, c->count);
        for (size_t i = 0; i < c->nextra; i++)
                add_substituted(a, c->extra[i], c->worker_id);
        return ib_argv_failed(a) ? IB_ERR_NOMEM : IB_OK;
}

ib_err_t ib_launch_producer_argv(const ib_producer_cmd_t *c, ib_argv_t *a) {
        ib_argv_add(a, c->self);
        ib_argv_add(a, "produce");
        ib_argv_add2(a, "--brokers", c->brokers);
        ib_argv_add2(a, "--topic", c->topic);
        ib_argv_add(a, "--records");
        ib_argv_addf(a, "%" PRId64, c->records);
        ib_argv_add(a, "--partitions");
        ib_argv_addf(a, "%d", c->partitions);
        if (c->replication_factor > 0) {
                ib_argv_add(a, "--replication-factor");
                ib_argv_addf(a, "%d", c->replication_factor);
        }
        if (c->size > 0) {
                ib_argv_add(a, "--size");
                ib_argv_addf(a, "%" PRId64, c->size);
        }
        ib_argv_add2(a, "--run-id", c->run_id);
        ib_argv_add2(a, "--seed", c->seed);
        if (c->rate > 0) {
                ib_argv_add(a, "--rate");
                ib_argv_addf(a, "%" PRId64, c->rate);
        }
        if (c->bad_ratio > 0) {
                ib_argv_add(a, "--bad-ratio");
                ib_argv_addf(a, "%g", c->bad_ratio);
        }
        ib_argv_add2(a, "--stats", c->stats_path);
        return ib_argv_failed(a) ? IB_ERR_NOMEM : IB_OK;
}

/* ---- worker-launch templates ---------------------------------------------------- */

static const char *const launch_placeholders[] = {"{worker}", "{run}", "{cwd}", NULL};

int ib_launch_template_check(const char *const *words, char *why, size_t why_size) {
        int n = 0, args = 0;
        for (; words && words[n]; n++) {
                if (!strcmp(words[n], "{args}")) {
                        args++;
                        continue;
                }
                for (const char *b = strchr(words[n], '{'); b; b = strchr(b + 1, '{')) {
                        int known = 0;
                        for (int k = 0; launch_placeholders[k] && !known; k++)
                                known = !strncmp(b, launch_placeholders[k], strlen(launch_placeholders[k]));
                        if (!known) {
                                snprintf(why, why_size, "word %d (\"%s\"): unknown placeholder (known: {args} as a word "
                                         "alone, {worker}, {run}, {cwd})", n + 1, words[n]);
                                return -1;
                        }
                }
        }
        if (n < 2) {
                snprintf(why, why_size, "a program and at least \"{args}\": 2 words or more");
                return -1;
        }
        if (args != 1) {
                snprintf(why, why_size, "\"{args}\" (the worker's arguments) must be one word of its own, once: found %d",
                         args);
                return -1;
        }
        return 0;
}

/* @p word with its placeholders filled, appended to @p out. */
static void expand_word(const char *word, const ib_launch_vars_t *v, ib_argv_t *out) {
        const char *values[] = {v->worker, v->run, v->cwd};
        char buf[8192];
        size_t len = 0;
        for (const char *c = word; *c && len < sizeof(buf) - 1;) {
                int k, hit = -1;
                for (k = 0; launch_placeholders[k] && hit < 0; k++)
                        if (!strncmp(c, launch_placeholders[k], strlen(launch_placeholders[k])))
                                hit = k;
                if (hit >= 0) {
                        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s", values[hit] ? values[hit] : "");
                        c += strlen(launch_placeholders[hit]);
                } else {
                        buf[len++] = *c++;
                }
                if (len > sizeof(buf) - 1)
                        len = sizeof(buf) - 1;
        }
        buf[len] = '\0';
        ib_argv_add(out, buf);
}

ib_err_t ib_launch_template_argv(const char *const *words, char *const *worker_argv, const ib_launch_vars_t *v,
                                 ib_argv_t *out) {
        for (int i = 0; words[i]; i++) {
                if (!strcmp(words[i], "{args}")) {
                        for (int k = 1; worker_argv[k]; k++)
                                ib_argv_add(out, worker_argv[k]);
                } else {
                        expand_word(words[i], v, out);
                }
        }
        return ib_argv_failed(out) ? IB_ERR_NOMEM : IB_OK;
}
