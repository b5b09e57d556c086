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

#include "errors.h"

/**
 * @brief Writes @p len bytes to `dirfd/name` atomically but does NOT fsync
 *        the directory: the caller does that once for a group of files.
 *        The temporary file is `.name.tmp` in the same directory.
 */
ib_err_t ib_fs_replace_at(int dirfd, const char *dirpath, const char *name,
                          const void *data, size_t len, char *errstr,
                          size_t errstr_size);

/** @brief fsyncs an open directory. */
ib_err_t ib_fs_fsync_dirfd(int dirfd, const char *dirpath, char *errstr,
                           size_t errstr_size);

/** @brief Replaces @p path atomically, fsyncing the file and its directory. */
ib_err_t ib_fs_write_atomic(const char *path, const void *data, size_t len,
                            char *errstr, size_t errstr_size);

/** @brief mkdir -p. */
ib_err_t ib_fs_mkdirs(const char *path, char *errstr, size_t errstr_size);

/**
 * @brief Reads a whole file into a malloc'd, NUL-terminated buffer.
 * @returns IB_ERR_NOT_FOUND if it does not exist.
 */
ib_err_t ib_fs_read_file(const char *path, char **data, size_t *len,
                         char *errstr, size_t errstr_size);

#endif
