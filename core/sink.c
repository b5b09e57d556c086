/*
 * sink.c: the dir and null sinks. The dir sink is the only writer of output
 * files; it uses ib_fs_replace_at() for each range and one directory fsync
 * per flush, so a batch of N partitions costs N file fsyncs, N renames and a
 * single directory fsync.
 */
#include "sink.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "fsutil.h"

int ib_sink_range_name(char *out, size_t out_size, const char *topic,
                       int32_t partition, int64_t from, int64_t until) {
        int n = snprintf(out, out_size, "%s-p%" PRId32 "-%020" PRId64 "-%020" PRId64 ".jsonl",
                         topic, partition, from, until);
        return n < 0 || (size_t)n >= out_size ? -1 : n;
}

int ib_sink_parse_range_name(const char *name, char *topic, size_t topic_size,
                             int32_t *partition, int64_t *from, int64_t *until) {
        size_t len = strlen(name);
        if (name[0] == '.' || len < 6 + 2 * 21 + 3 || strcmp(name + len - 6, ".jsonl"))
                return -1;
        /* from the right: -<20 digits>-<20 digits>.jsonl */
        const char *u = name + len - 6 - 20;
        const char *f = u - 1 - 20;
        if (u[-1] != '-' || f[-1] != '-')
                return -1;
        for (int i = 0; i < 20; i++)
                if (u[i] < '0' || u[i] > '9' || f[i] < '0' || f[i] > '9')
                        return -1;
        *from = strtoll(f, NULL, 10);
        *until = strtoll(u, NULL, 10);
        /* then -p<partition> */
        const char *end = f - 1; /* the '-' before from */
        const char *p = end;
        while (p > name && p[-1] >= '0' && p[-1] <= '9')
                p--;
        if (p == end || p - name < 3 || p[-1] != 'p' || p[-2] != '-')
                return -1;
        *partition = (int32_t)strtol(p, NULL, 10);
        size_t tlen = (size_t)(p - 2 - name);
        if (tlen == 0 || tlen >= topic_size)
                return -1;
        memcpy(topic, name, tlen);
        topic[tlen] = '\0';
        return 0;
}

/* ---- null ---------------------------------------------------------------- */

static ib_err_t null_write_range(ib_sink_t *s, const char *topic, int32_t partition,
                                 int64_t from, int64_t until, const char *data,
                                 size_t len, const ib_sink_line_t *lines, char *errstr, size_t errstr_size) {
        (void)topic, (void)partition, (void)from, (void)until, (void)data, (void)lines;
        (void)errstr, (void)errstr_size;
        if (len)
                s->files++;
        return IB_OK;
}

static void null_close(ib_sink_t *s) { free(s); }

static const ib_sink_t ib_sink_null_template = {
    null_write_range, /* write_range */
    NULL,             /* flush: nothing to make durable */
    null_close,       /* close */
    "null",           /* type */
    0,                /* wants_sources */
    0,                /* files */
    {{-1, 0, ""}},    /* io */
};

IB_FAULT_POINTS("sink.write", "sink.fsync", "sink.crash_before_rename")

/* ---- dir ----------------------------------------------------------------- */

static ib_err_t dir_write_range(ib_sink_t *s, const char *topic, int32_t partition,
                                int64_t from, int64_t until, const char *data,
                                size_t len, const ib_sink_line_t *lines, char *errstr, size_t errstr_size) {
        (void)lines;
        if (len == 0)
                return IB_OK;
        char name[NAME_MAX + 1];
        if (ib_sink_range_name(name, sizeof(name), topic, partition, from, until) < 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "topic name too long for a file name: %s", topic);
        static const ib_fs_replace_opts_t faults = {NULL, "sink"}; /* sink.write, sink.fsync */
        ib_err_t err = ib_fs_replace_at(s->io.dir.dirfd, s->io.dir.path, name, data,
                                        len, &faults, errstr, errstr_size);
        if (err == IB_OK) {
                s->io.dir.dirty = 1;
                s->files++;
        }
        return err;
}

static ib_err_t dir_flush(ib_sink_t *s, char *errstr, size_t errstr_size) {
        if (!s->io.dir.dirty)
                return IB_OK;
        ib_err_t err = ib_fs_fsync_dirfd(s->io.dir.dirfd, s->io.dir.path, errstr, errstr_size);
        if (err == IB_OK)
                s->io.dir.dirty = 0;
        return err;
}

static void dir_close(ib_sink_t *s) {
        if (s->io.dir.dirfd >= 0)
                close(s->io.dir.dirfd);
        free(s);
}

static const ib_sink_t ib_sink_dir_template = {
    dir_write_range, /* write_range */
    dir_flush,       /* flush: one directory fsync for the batch's renames */
    dir_close,       /* close */
    "dir",           /* type */
    0,               /* wants_sources */
    0,               /* files */
    {{-1, 0, ""}},   /* io: filled by ib_sink_open_dir */
};

ib_err_t ib_sink_open_dir(const char *path, ib_sink_t **out, char *errstr, size_t errstr_size) {
        if (strlen(path) >= PATH_MAX)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "sink path too long");
        ib_err_t err = ib_fs_mkdirs(path, errstr, errstr_size);
        if (err)
                return err;
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_IO, "%s: %s", path, strerror(errno));
        ib_sink_t *s = malloc(sizeof(*s));
        if (!s) {
                close(fd);
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        }
        *s = ib_sink_dir_template;
        s->io.dir.dirfd = fd;
        snprintf(s->io.dir.path, sizeof(s->io.dir.path), "%s", path);
        *out = s;
        return IB_OK;
}

ib_err_t ib_sink_open(const char *spec, ib_sink_t **out, char *errstr, size_t errstr_size) {
        if (!strcmp(spec, "null")) {
                ib_sink_t *s = malloc(sizeof(*s));
                if (!s)
                        return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                *s = ib_sink_null_template;
                *out = s;
                return IB_OK;
        }
        if (!strncmp(spec, "dir:", 4) && spec[4])
                return ib_sink_open_dir(spec + 4, out, errstr, errstr_size);
        if (!strncmp(spec, "kafka:", 6))
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "sink '%s': a Kafka sink is opened with ib_ksink_open()", spec);
        return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                         "unknown sink '%s' (want dir:PATH, kafka:TOPIC[@BROKERS] or null)", spec);
}

ib_err_t ib_sink_sweep(ib_sink_t *s, const char *topic, uint64_t *removed, char *errstr, size_t errstr_size) {
        *removed = 0;
        if (strcmp(s->type, "dir"))
                return IB_OK;
        int fd = dup(s->io.dir.dirfd);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d) {
                if (fd >= 0)
                        close(fd);
                return ib_seterr(errstr, errstr_size, IB_ERR_IO, "%s: %s", s->io.dir.path, strerror(errno));
        }
        rewinddir(d);
        struct dirent *e;
        while ((e = readdir(d))) {
                char name[NAME_MAX + 1], t[NAME_MAX + 1];
                int pid;
                int32_t p;
                int64_t from, until;
                if (ib_fs_temp_parse(e->d_name, name, sizeof(name), &pid) ||
                    ib_sink_parse_range_name(name, t, sizeof(t), &p, &from, &until) || strcmp(t, topic))
                        continue;
                if (pid > 0 && (pid == (int)getpid() || kill(pid, 0) == 0 || errno != ESRCH))
                        continue; /* its writer lives */
                if (unlinkat(s->io.dir.dirfd, e->d_name, 0) == 0)
                        (*removed)++;
        }
        closedir(d);
        return IB_OK;
}

void ib_sink_close(ib_sink_t *s) {
        if (s)
                s->close(s);
}
