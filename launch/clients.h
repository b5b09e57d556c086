/**
 * @file clients.h
 * @brief Which librdkafka a worker runs. Every build of librdkafka 2.x has
 *        the soname librdkafka.so.1 and the program only calls functions
 *        that 2.0.2 already had, so one ingestbench binary runs any of them:
 *        the client's library folder goes first on the worker's
 *        LD_LIBRARY_PATH, which the dynamic loader searches before the
 *        binary's RUNPATH. The same workload under two clients is then two
 *        runs of the same program, differing only there.
 *
 * Names a user gives (`--clients system,current`):
 *   linked    the library the binary was built against (nothing changed)
 *   system    Debian's package (its folder found when the project was configured)
 *   current   the newest build of scripts/librdkafka.sh (.cache/librdkafka/current)
 *   X.Y.Z     that version: a build in .cache/librdkafka/X.Y.Z, or the system's
 *             when it is that version
 *   PATH      an install prefix (PATH/lib/librdkafka.so.1) or a library folder
 *
 * The version is never assumed from the name: the program is run once with
 * the folder (`ingestbench --version`) and reports what it loaded; a
 * version name that loads another version is refused.
 */
#ifndef IB_LAUNCH_CLIENTS_H
#define IB_LAUNCH_CLIENTS_H

#include <limits.h>
#include <stddef.h>

#include "errors.h"

typedef struct ib_client_s {
        char name[64];              /**< as given */
        char libdir[PATH_MAX];      /**< put first on LD_LIBRARY_PATH; "" for linked */
        char version[32];           /**< what the program loads with it ("2.14.2") */
        char env[PATH_MAX + 32];    /**< "LD_LIBRARY_PATH=..." for the child, or "" */
} ib_client_t;

/** Where the names point: filled by the caller from the build (see clients.c). */
typedef struct ib_client_places_s {
        const char *self;           /**< this program, run once with --version per client */
        const char *source_dir;     /**< its .cache/librdkafka holds the project's builds */
        const char *system_libdir;  /**< Debian's package's folder, or "" when not found */
} ib_client_places_t;

/**
 * @brief Resolves @p name into *@p out and checks which version it loads.
 * @returns IB_OK; IB_ERR_INVALID_ARG with one line naming the client when it
 *          names nothing usable or loads another version than it names;
 *          IB_ERR_FAILED when the program does not start with it.
 */
ib_err_t ib_client_resolve(const char *name, const ib_client_places_t *places, ib_client_t *out, char *errstr,
                           size_t errstr_size);

/** @brief @p env as a NULL-terminated list for ib_spawn_io_t/ib_run_io_t:
 *         @p out[0] is the client's variable (when it has one), then @p more
 *         (NULL-terminated, may be NULL). @p out holds at least @p cap. */
void ib_client_env(const ib_client_t *c, const char *const *more, const char **out, size_t cap);

/** @brief 1 when version @p a is at least @p b ("2.14.2" >= "2.12.0"), dotted numbers. */
int ib_version_at_least(const char *a, const char *b);

#endif
