/*
 * fsutil.c: the one place that writes state files. The recipe is always
 * write to a temporary name, fsync the file, rename over the target, fsync
 * the directory; errors from fsync are reported, never ignored (unlike the
 * file offset store librdkafka once had, which rewrote its file in place).
 */
#define _XOPEN_SOURCE 700
#include "fsutil.h"

#include "array.h"
#include "fault.h"

#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ib_fs_temp_name(char *out, size_t size, const char *name) {
        int n = snprintf(out, size, ".%s.%d.tmp", name, (int)getpid());
        return n < 0 || (size_t)n >= size ? -1 : n;
}

int ib_fs_temp_parse(const char *file, char *name, size_t name_size, int *pid) {
        size_t flen = strlen(file);
        if (flen < 6 || file[0] != '.' || strcmp(file + flen - 4, ".tmp"))
                return -1;
        const char *end = file + flen - 4, *p = end;
        while (p > file + 1 && p[-1] >= '0' && p[-1] <= '9')
                p--;
        *pid = 0;
        if (p < end && p[-1] == '.' && end - p <= 9) { /* ".NAME.PID.tmp" */
                *pid = atoi(p);
                end = p - 1;
        } /* else ".NAME.tmp": a writer from before names carried a pid */
        size_t nlen = (size_t)(end - (file + 1));
        if (nlen == 0 || nlen >= name_size)
                return -1;
        memcpy(name, file + 1, nlen);
        name[nlen] = '\0';
        return 0;
}

int ib_fs_write_all(int fd, const void *data, size_t len, const char *fault) {
        const char *p = data;
        while (len > 0) {
                if (fault && ib_fault(fault))
                        return -1;
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -1;
                }
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

/* Counts one call of fault point PREFIX.WHAT; 1 when it must fail. */
static int fault_at(const ib_fs_replace_opts_t *opts, const char *what, char *name, size_t size) {
        if (!opts || !opts->faults)
                return 0;
        snprintf(name, size, "%s.%s", opts->faults, what);
        return ib_fault(name);
}

ib_err_t ib_fs_replace_at(int dirfd, const char *dirpath, const char *name,
                          const void *data, size_t len, const ib_fs_replace_opts_t *opts,
                          char *errstr, size_t errstr_size) {
        char tmp[NAME_MAX + 1], point[64];
        if (ib_fs_temp_name(tmp, sizeof(tmp), name) < 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "file name too long: %s", name);
        /* O_EXCL and O_NOFOLLOW: never write through a file or link someone else
         * planted under this name; a leftover of an earlier process that had
         * this pid is ours to remove (in a sticky shared folder, another user's
         * file is not, and the write is refused) */
        int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno == EEXIST && unlinkat(dirfd, tmp, 0) == 0)
                fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_IO,
                                 "%s/%s: open: %s", dirpath, tmp, strerror(errno));
        snprintf(point, sizeof(point), "%s.write", opts && opts->faults ? opts->faults : "");
        const char *what = NULL;
        if (ib_fs_write_all(fd, data, len, opts && opts->faults ? point : NULL) != 0)
                what = "write";
        else if (fault_at(opts, "fsync", point, sizeof(point)) || fsync(fd) != 0)
                what = "fsync";
        int e = errno;
        if (close(fd) != 0 && !what)
                what = "close", e = errno;
        if (what) {
                unlinkat(dirfd, tmp, 0);
                return ib_seterr(errstr, errstr_size, IB_ERR_IO,
                                 "%s/%s: %s failed: %s", dirpath, tmp, what, strerror(e));
        }
        if (fault_at(opts, "crash_before_rename", point, sizeof(point))) /* as if the process died here */
                return ib_seterr(errstr, errstr_size, IB_ERR_IO, "%s/%s: simulated crash before rename",
                                 dirpath, tmp);
        if (opts && opts->keep_prev && renameat(dirfd, name, dirfd, opts->keep_prev) != 0 && errno != ENOENT)
                return ib_seterr(errstr, errstr_size, IB_ERR_IO, "%s/%s: rename to %s: %s", dirpath, name,
                                 opts->keep_prev, strerror(errno));
        if (renameat(dirfd, tmp, dirfd, name) != 0) {
                e = errno;
                unlinkat(dirfd, tmp, 0);
                return ib_seterr(errstr, errstr_size, IB_ERR_IO,
                                 "%s/%s: rename: %s", dirpath, name, strerror(e));
        }
        return IB_OK;
}

ib_err_t ib_fs_fsync_dirfd(int dirfd, const char *dirpath, char *errstr,
                           size_t errstr_size) {
        if (fsync(dirfd) != 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_IO,
                                 "%s: fsync directory: %s", dirpath, strerror(errno));
        return IB_OK;
}

ib_err_t ib_fs_write_atomic(const char *path, const void *data, size_t len,
                            const ib_fs_replace_opts_t *opts, char *errstr, size_t errstr_size) {
        char dir[PATH_MAX];
        const char *slash = strrchr(path, '/');
        const char *name = slash ? slash + 1 : path;
        if (slash) {
                size_t n = (size_t)(slash - path);
                if (n == 0)
                        n = 1; /* "/file" */
                if (n >= sizeof(dir))
                        return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                         "path too long: %s", path);
                memcpy(dir, path, n);
                dir[n] = '\0';
        } else {
                strcpy(dir, ".");
        }
        int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_IO, "%s: open directory: %s",
                                 dir, strerror(errno));
        ib_err_t err = ib_fs_replace_at(dirfd, dir, name, data, len, opts, errstr, errstr_size);
        if (err == IB_OK)
                err = ib_fs_fsync_dirfd(dirfd, dir, errstr, errstr_size);
        close(dirfd);
        return err;
}

FILE *ib_fs_fopen_private(const char *path) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return NULL;
        FILE *fp = fdopen(fd, "w");
        if (!fp) {
                int e = errno;
                close(fd);
                errno = e;
        }
        return fp;
}

ib_err_t ib_fs_private_dir(const char *path, int create, char *errstr, size_t errstr_size) {
        if (create && mkdir(path, 0700) != 0 && errno != EEXIST)
                return ib_seterr(errstr, errstr_size, IB_ERR_IO, "%s: mkdir: %s", path, strerror(errno));
        struct stat st;
        if (lstat(path, &st) != 0)
                return ib_seterr(errstr, errstr_size, errno == ENOENT ? IB_ERR_NOT_FOUND : IB_ERR_IO, "%s: %s", path,
                                 strerror(errno));
        const char *why = S_ISLNK(st.st_mode)      ? "is a symbolic link"
                          : !S_ISDIR(st.st_mode)   ? "is not a folder"
                          : st.st_uid != geteuid() ? "belongs to another user"
                          : st.st_mode & 022       ? "is writable by group or others"
                                                   : NULL;
        if (why)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "%s %s: refusing to use it (remove it, or choose another path)", path, why);
        return IB_OK;
}

ib_err_t ib_fs_mkdirs(const char *path, char *errstr, size_t errstr_size) {
        char p[PATH_MAX];
        if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "path too long: %s", path);
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                if (mkdir(p, 0700) != 0 && errno != EEXIST)
                        return ib_seterr(errstr, errstr_size, IB_ERR_IO, "%s: mkdir: %s",
                                         p, strerror(errno));
                *s = '/';
        }
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
                return ib_seterr(errstr, errstr_size, IB_ERR_IO, "%s: mkdir: %s", p,
                                 strerror(errno));
        struct stat st;
        if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
                return ib_seterr(errstr, errstr_size, IB_ERR_IO, "%s: not a directory", p);
        return IB_OK;
}

ib_err_t ib_fs_read_input(const char *path, size_t max_bytes, char **data, size_t *len, char *errstr,
                          size_t errstr_size) {
        *data = NULL;
        *len = 0;
        /* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below */
        int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return ib_seterr(errstr, errstr_size, errno == ENOENT ? IB_ERR_NOT_FOUND : IB_ERR_IO, "%s: %s", path,
                                 strerror(errno));
        struct stat st;
        const char *why = NULL;
        if (fstat(fd, &st) != 0)
                why = strerror(errno);
        else if (S_ISDIR(st.st_mode))
                why = "is a folder, not a file";
        else if (!S_ISREG(st.st_mode))
                why = S_ISFIFO(st.st_mode)   ? "is a FIFO, not a regular file"
                      : S_ISCHR(st.st_mode)  ? "is a character device, not a regular file"
                      : S_ISBLK(st.st_mode)  ? "is a block device, not a regular file"
                      : S_ISSOCK(st.st_mode) ? "is a socket, not a regular file"
                                             : "is not a regular file";
        if (why) {
                close(fd);
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "%s: %s", path, why);
        }
        if ((unsigned long long)st.st_size > max_bytes) {
                close(fd);
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "%s: %lld bytes, more than the %zu this file may have", path, (long long)st.st_size,
                                 max_bytes);
        }
        size_t cap = 0, n = 0;
        char *buf = NULL;
        ib_err_t err = IB_OK;
        for (;;) {
                /* the file may grow while it is read: never past the cap */
                if (ib_array_grow(&buf, &cap, n + 65536 < max_bytes + 2 ? n + 65536 : max_bytes + 2, 1, 65536) !=
                    IB_OK) {
                        err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "%s: out of memory reading it", path);
                        break;
                }
                ssize_t r = read(fd, buf + n, cap - n - 1);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0) {
                        err = ib_seterr(errstr, errstr_size, IB_ERR_IO, "%s: read: %s", path, strerror(errno));
                        break;
                }
                if (r == 0)
                        break;
                n += (size_t)r;
                if (n > max_bytes) {
                        err = ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                        "%s: grew past the %zu bytes this file may have while it was read", path,
                                        max_bytes);
                        break;
                }
        }
        close(fd);
        if (err) {
                free(buf);
                return err;
        }
        buf[n] = '\0';
        *data = buf;
        *len = n;
        return IB_OK;
}

ib_err_t ib_fs_read_file(const char *path, char **data, size_t *len, char *errstr, size_t errstr_size) {
        return ib_fs_read_input(path, (size_t)SSIZE_MAX - 65536, data, len, errstr, errstr_size);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void)st, (void)ftw;
        return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT ? -1 : 0;
}

ib_err_t ib_fs_remove_tree(const char *path, char *errstr, size_t errstr_size) {
        struct stat st;
        if (lstat(path, &st) < 0)
                return errno == ENOENT ? IB_OK
                                       : ib_seterr(errstr, errstr_size, IB_ERR_IO, "%s: %s", path, strerror(errno));
        if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_IO, "cannot remove %s: %s", path, strerror(errno));
        return IB_OK;
}
