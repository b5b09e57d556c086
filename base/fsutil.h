/**
 * @file fsutil.h
 * @brief Durable file writes: temporary file, fsync, rename, fsync directory.
 *
 * Every file that holds state is replaced atomically so a reader (or a
 * restarted worker) sees either the old contents or the new, never a mix.
 * As SQLite's unixSync explains, a rename is only durable once the directory
 * holding it is fsynced; callers that rename several files in one directory
 * (the sink, one file per output range) fsync the directory once afterwards.
 */
#ifndef IB_FSUTIL_H
#define IB_FSUTIL_H

#include <stddef.h>
#include <stdio.h>

#include "errors.h"

/**
 * @brief The temporary name this process writes @p name under:
 *        `.NAME.PID.tmp`. Unique per writer, so a paused writer that resumes
 *        after another took over never writes into the other's file.
 * @returns its length, or -1 when it does not fit.
 */
int ib_fs_temp_name(char *out, size_t size, const char *name);

/**
 * @brief Parses directory entry @p file as a temporary file: the name it
 *        will be renamed to into @p name, its writer's pid into *@p pid (0
 *        for an older `.NAME.tmp` that carried none).
 * @returns 0, or -1 when @p file is not a temporary file.
 */
int ib_fs_temp_parse(const char *file, char *name, size_t name_size, int *pid);

/**
 * @brief Writes all @p len bytes to @p fd, resuming after EINTR and short
 *        writes. @p fault names a fault point (fault.h) counted before each
 *        write(2), or is NULL.
 * @returns 0, or -1 with errno set.
 */
int ib_fs_write_all(int fd, const void *data, size_t len, const char *fault);

/** How ib_fs_replace_at() replaces a file, beyond the plain recipe. */
typedef struct ib_fs_replace_opts_s {
        /** Keep the file being replaced under this name (a fallback), by a
         *  rename just before the new file's; NULL: no fallback. */
        const char *keep_prev;
        /** Fault points PREFIX.write, PREFIX.fsync and
         *  PREFIX.crash_before_rename (which stops after the temporary file
         *  is durable, leaving it as a crash there would); NULL: none. */
        const char *faults;
} ib_fs_replace_opts_t;

/**
 * @brief Writes @p len bytes to `dirfd/name` atomically but does NOT fsync
 *        the directory: the caller does that once for a group of files.
 *        The temporary file is ib_fs_temp_name() in the same directory.
 *        @p opts may be NULL.
 */
ib_err_t ib_fs_replace_at(int dirfd, const char *dirpath, const char *name,
                          const void *data, size_t len, const ib_fs_replace_opts_t *opts,
                          char *errstr, size_t errstr_size);

/** @brief fsyncs an open directory. */
ib_err_t ib_fs_fsync_dirfd(int dirfd, const char *dirpath, char *errstr,
                           size_t errstr_size);

/** @brief Replaces @p path atomically, fsyncing the file and its directory.
 *         @p opts may be NULL. */
ib_err_t ib_fs_write_atomic(const char *path, const void *data, size_t len,
                            const ib_fs_replace_opts_t *opts, char *errstr, size_t errstr_size);

/**
 * @brief fopen(@p path, "w") for a file private to the user: created 0600,
 *        never through a symbolic link planted at @p path (O_NOFOLLOW).
 * @returns the stream, or NULL with errno set.
 */
FILE *ib_fs_fopen_private(const char *path);

/**
 * @brief A folder of the user's own in a shared place (/tmp): created 0700
 *        when @p create and it does not exist; refused, with one line naming
 *        it and the reason, when it is a symbolic link, not a folder, owned
 *        by another user, or writable by group or others (another user could
 *        plant files in it).
 */
ib_err_t ib_fs_private_dir(const char *path, int create, char *errstr, size_t errstr_size);

/** @brief mkdir -p; the folders it creates are 0700 (private to the user). */
ib_err_t ib_fs_mkdirs(const char *path, char *errstr, size_t errstr_size);

/** @brief rm -rf: removes @p path and everything under it (no symlink is
 *         followed). A path that does not exist is not an error. */
ib_err_t ib_fs_remove_tree(const char *path, char *errstr, size_t errstr_size);

/**
 * @brief Reads a whole file a user named (a scenario, schema, checkpoint,
 *        results file) into a malloc'd, NUL-terminated buffer, refusing
 *        what is not a regular file (a folder, a FIFO that would block, a
 *        device such as /dev/zero that never ends) and a file of more than
 *        @p max_bytes, each with one line naming the file and the reason.
 * @returns IB_ERR_NOT_FOUND if it does not exist, IB_ERR_INVALID_ARG for a
 *          refusal, IB_ERR_IO or IB_ERR_NOMEM.
 */
ib_err_t ib_fs_read_input(const char *path, size_t max_bytes, char **data, size_t *len, char *errstr,
                          size_t errstr_size);

/** @brief ib_fs_read_input() without a size cap (files this program wrote). */
ib_err_t ib_fs_read_file(const char *path, char **data, size_t *len,
                         char *errstr, size_t errstr_size);

/** Caps of the files a user names, in bytes: each is far above any valid file. */
#define IB_FS_MAX_SPEC_BYTES (16u << 20)       /**< a scenario, a schema */
#define IB_FS_MAX_STATE_BYTES (256u << 20)     /**< a checkpoint, a processed-position file */

#endif
