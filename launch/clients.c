/*
 * clients.c: a client name to a library folder, checked by running the
 * program once with it (clients.h).
 */
#include "clients.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervisor.h"

int ib_version_at_least(const char *a, const char *b) {
        while (*a || *b) {
                char *ea, *eb;
                long x = strtol(a, &ea, 10), y = strtol(b, &eb, 10);
                if (x != y)
                        return x > y;
                a = *ea == '.' ? ea + 1 : ea;
                b = *eb == '.' ? eb + 1 : eb;
                if (ea == a && eb == b && !isdigit((unsigned char)*a) && !isdigit((unsigned char)*b))
                        break; /* neither moves: something that is not a number, equal so far */
        }
        return 1;
}

static int has_lib(const char *dir) {
        char p[PATH_MAX + 32];
        snprintf(p, sizeof(p), "%s/librdkafka.so.1", dir);
        return access(p, R_OK) == 0;
}

/* A dotted version: digits and dots, starting with a digit. */
static int is_version(const char *s) {
        return isdigit((unsigned char)s[0]) && strspn(s, "0123456789.") == strlen(s);
}

/* The library folder @p name stands for, or "" for linked; 0 when none. */
static int place(const char *name, const ib_client_places_t *p, char *dir, size_t size) {
        dir[0] = '\0';
        if (!strcmp(name, "linked"))
                return 1;
        if (!strcmp(name, "system")) {
                snprintf(dir, size, "%s", p->system_libdir ? p->system_libdir : "");
                return dir[0] && has_lib(dir);
        }
        if (!strcmp(name, "current") || is_version(name)) {
                snprintf(dir, size, "%s/.cache/librdkafka/%s/lib", p->source_dir, name);
                if (has_lib(dir))
                        return 1;
                if (is_version(name) && p->system_libdir && p->system_libdir[0]) {
                        snprintf(dir, size, "%s", p->system_libdir); /* checked by its version below */
                        return has_lib(dir);
                }
                return 0;
        }
        if (name[0] != '/' && name[0] != '.')
                return 0;
        snprintf(dir, size, "%s/lib", name);
        if (has_lib(dir))
                return 1;
        snprintf(dir, size, "%s", name);
        return has_lib(dir);
}

void ib_client_env(const ib_client_t *c, const char *const *more, const char **out, size_t cap) {
        size_t n = 0;
        if (c && c->env[0] && n + 1 < cap)
                out[n++] = c->env;
        for (size_t i = 0; more && more[i] && n + 1 < cap; i++)
                out[n++] = more[i];
        out[n] = NULL;
}

ib_err_t ib_client_resolve(const char *name, const ib_client_places_t *places, ib_client_t *out, char *errstr,
                           size_t errstr_size) {
        memset(out, 0, sizeof(*out));
        if (!name[0] || strlen(name) >= sizeof(out->name))
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "client \"%.80s\": not a client name",
                                 name);
        snprintf(out->name, sizeof(out->name), "%s", name);
        if (!place(name, places, out->libdir, sizeof(out->libdir))) {
                const char *hint = !strcmp(name, "current") ? " (scripts/librdkafka.sh builds it)"
                                   : !strcmp(name, "system") ? " (Debian's librdkafka1 package)"
                                                             : "";
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "client %s: no librdkafka.so.1 found%s; clients are linked, system, current, "
                                 "a version built in .cache/librdkafka, or a folder",
                                 name, hint);
        }
        if (out->libdir[0]) {
                char real[PATH_MAX];
                if (realpath(out->libdir, real))
                        snprintf(out->libdir, sizeof(out->libdir), "%s", real);
                snprintf(out->env, sizeof(out->env), "LD_LIBRARY_PATH=%s", out->libdir);
        }
        char said[256] = "";
        const char *argv[] = {places->self, "--version", NULL};
        const char *env[3];
        ib_client_env(out, NULL, env, 3);
        ib_run_io_t io = {NULL, NULL, said, sizeof(said), env, 0, NULL};
        int rc = ib_run_command(argv, &io);
        const char *v = strstr(said, "(librdkafka ");
        if (rc != 0 || !v)
                return ib_seterr(errstr, errstr_size, IB_ERR_FAILED,
                                 "client %s: %s --version did not run with %s (exit %d)", name, places->self,
                                 out->libdir[0] ? out->libdir : "its own library", rc);
        v += strlen("(librdkafka ");
        size_t len = strcspn(v, ")");
        snprintf(out->version, sizeof(out->version), "%.*s", (int)(len < sizeof(out->version) ? len : 0), v);
        if (is_version(name) && strcmp(name, out->version))
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "client %s: %s holds librdkafka %s", name,
                                 out->libdir, out->version);
        return IB_OK;
}
