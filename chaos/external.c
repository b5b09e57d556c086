/*
 * external.c: the external consumer's command template (external.h).
 */
#define _GNU_SOURCE /* qsort_r */
#include "external.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array.h"
#include "buf.h"
#include "fsutil.h"
#include "lines.h"

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static const ib_option_t no_options[] = {IB_OPT_END};

const ib_mode_t ib_mode_external = {
    .name = "external",
    .summary = "any consumer, started from the scenario's command template (chaos/EXTERNAL.md)",
    .options = no_options,
    /* what it commits is its own business: no commit is checked against its output */
    .commits_cover_sink = 0,
};

static const char *const names[] = {"brokers", "topic", "group", "out", "worker", "state", NULL};

static const char *value(const ib_external_vars_t *v, const char *name, size_t len) {
        const char *vals[] = {v->brokers, v->topic, v->group, v->out, v->worker, v->state};
        for (int i = 0; names[i]; i++)
                if (strlen(names[i]) == len && !memcmp(names[i], name, len))
                        return vals[i] ? vals[i] : "";
        return NULL;
}

/* Walks @p arg: literal text and placeholders in turn; @returns -1 on a
 * malformed one (why set), else 0. @p out NULL: only checks. */
static int walk(const char *arg, const ib_external_vars_t *v, ib_buf_t *out, char *why, size_t why_size) {
        static const ib_external_vars_t none = {0};
        if (!v)
                v = &none;
        for (const char *p = arg; *p;) {
                if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
                        if (out && ib_buf_append(out, p, 1))
                                return -2;
                        p += 2;
                        continue;
                }
                if (*p == '}') {
                        snprintf(why, why_size, "a lone \"}\" (write \"}}\" for a brace)");
                        return -1;
                }
                if (*p != '{') {
                        if (out && ib_buf_append(out, p, 1))
                                return -2;
                        p++;
                        continue;
                }
                const char *end = strchr(p + 1, '}');
                if (!end) {
                        snprintf(why, why_size, "a \"{\" with no \"}\" (write \"{{\" for a brace)");
                        return -1;
                }
                const char *val = value(v, p + 1, (size_t)(end - p - 1));
                if (!val) {
                        snprintf(why, why_size, "unknown placeholder %.*s (known: %s)", (int)(end - p + 1 > 40 ? 40 : end - p + 1),
                                 p, IB_EXTERNAL_PLACEHOLDERS);
                        return -1;
                }
                if (out && ib_buf_append(out, val, strlen(val)))
                        return -2;
                p = end + 1;
        }
        return 0;
}

int ib_external_check_arg(const char *arg, char *why, size_t why_size) {
        return walk(arg, NULL, NULL, why, why_size) ? -1 : 0;
}

char *ib_external_expand(const char *arg, const ib_external_vars_t *v) {
        ib_buf_t b = {0};
        char why[160];
        if (walk(arg, v, &b, why, sizeof(why)) || ib_buf_append(&b, "", 1)) {
                ib_buf_free(&b);
                return NULL;
        }
        return b.data; /* NUL-terminated above */
}

static int runnable(const char *path) {
        struct stat st;
        return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int ib_external_program(const char *prog, const char *base_dir, char *out, size_t out_size, char *why,
                        size_t why_size) {
        if (!prog[0]) {
                snprintf(why, why_size, "an empty program name");
                return -1;
        }
        if (strchr(prog, '/')) {
                int n = prog[0] == '/' || !base_dir || !base_dir[0]
                            ? snprintf(out, out_size, "%s", prog)
                            : snprintf(out, out_size, "%s/%s", base_dir, prog);
                if (n < 0 || (size_t)n >= out_size) {
                        snprintf(why, why_size, "program path too long");
                        return -1;
                }
                if (!runnable(out)) {
                        snprintf(why, why_size, "program %.300s is not an executable file", out);
                        return -1;
                }
                return 0;
        }
        const char *path = getenv("PATH");
        for (const char *d = path ? path : "/usr/bin:/bin"; d && *d;) {
                size_t len = strcspn(d, ":");
                int n = snprintf(out, out_size, "%.*s/%s", (int)len, len ? d : ".", prog);
                if (n > 0 && (size_t)n < out_size && runnable(out))
                        return 0;
                d += len;
                if (*d == ':')
                        d++;
        }
        snprintf(why, why_size, "program %.200s is not on PATH", prog);
        return -1;
}

/* ---- what the workers wrote ----------------------------------------------------- */

/* A file sink's log (Spark's `_spark_metadata`): the names of the files its
 * committed batches wrote, sorted, each with its last action (1 add, 0 delete). */
typedef struct {
        char **names;
        char *added;
        size_t n, cap;
} sink_log_t;

typedef struct {
        ib_vlist_t *out;
        int **file_worker;
        size_t fw_cap;
        const char *ts_field;
        uint64_t *bad;
        uint64_t *uncommitted; /* files a sink log does not list */
        char *errstr;
        size_t errstr_size;
} reader_t;

static void sink_log_free(sink_log_t *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->names[i]);
        free(l->names);
        free(l->added);
        memset(l, 0, sizeof(*l));
}

/* Where @p name is in @p l, or where it would go (*found 0). */
static size_t sink_log_find(const sink_log_t *l, const char *name, int *found) {
        size_t lo = 0, hi = l->n;
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int c = strcmp(l->names[mid], name);
                if (!c) {
                        *found = 1;
                        return mid;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = 0;
        return lo;
}

static int sink_log_set(sink_log_t *l, const char *name, size_t len, int added) {
        char *copy = strndup(name, len);
        if (!copy)
                return -1;
        int found;
        size_t at = sink_log_find(l, copy, &found);
        if (found) {
                l->added[at] = (char)added;
                free(copy);
                return 0;
        }
        size_t cap = l->cap;
        if (ib_array_grow(&l->names, &l->cap, l->n + 1, sizeof(*l->names), 64) ||
            ib_array_grow(&l->added, &cap, l->n + 1, sizeof(*l->added), 64)) {
                free(copy);
                return -1;
        }
        memmove(l->names + at + 1, l->names + at, (l->n - at) * sizeof(*l->names));
        memmove(l->added + at + 1, l->added + at, (l->n - at) * sizeof(*l->added));
        l->names[at] = copy;
        l->added[at] = (char)added;
        l->n++;
        return 0;
}

/* The names of @p dp's entries that @p keep accepts, sorted by @p cmp, into
 * *@p out (malloc'd, each one too: names_free); closes @p dp. */
static ib_err_t list_names(reader_t *rd, DIR *dp, int (*keep)(const char *), int (*cmp)(const void *, const void *),
                           char ***out, size_t *count) {
        char **names = NULL;
        size_t n = 0, cap = 0;
        ib_err_t err = IB_OK;
        for (struct dirent *de; (de = readdir(dp)) && !err;) {
                if (!keep(de->d_name))
                        continue;
                if (ib_array_grow(&names, &cap, n + 1, sizeof(*names), 64) || !(names[n++] = strdup(de->d_name)))
                        err = ib_seterr(rd->errstr, rd->errstr_size, IB_ERR_NOMEM, "out of memory");
        }
        closedir(dp);
        if (n)
                qsort(names, n, sizeof(*names), cmp);
        *out = names;
        *count = n;
        return err;
}

static void names_free(char **names, size_t n) {
        for (size_t i = 0; names && i < n; i++)
                free(names[i]);
        free(names);
}

/* A batch's log file name: "12", or "19.compact" (every batch up to 19).
 * @returns the batch number, or -1 for another name. */
static long long sink_log_batch(const char *name) {
        char *end;
        if (name[0] < '0' || name[0] > '9')
                return -1;
        long long b = strtoll(name, &end, 10);
        return !*end || !strcmp(end, ".compact") ? b : -1;
}

static int is_log_file(const char *name) { return sink_log_batch(name) >= 0; } /* not ".0.crc", a temporary */

static int is_output(const char *name) { return name[0] != '.' && name[0] != '_'; }

static int cmp_batches(const void *a, const void *b) {
        long long x = sink_log_batch(*(char *const *)a), y = sink_log_batch(*(char *const *)b);
        return x < y ? -1 : x > y ? 1 : strcmp(*(char *const *)a, *(char *const *)b);
}

/* One log file: "v1", then a JSON object a line, {"path": URI, "action":
 * "add"|"delete", ...}; each path's file name is taken. */
static ib_err_t sink_log_read_file(reader_t *rd, const char *path, sink_log_t *l) {
        char *data;
        size_t len;
        ib_err_t err = ib_fs_read_file(path, &data, &len, rd->errstr, rd->errstr_size);
        if (err)
                return err;
        char *nl = memchr(data, '\n', len);
        size_t first = nl ? (size_t)(nl - data) : len;
        if (first != 2 || memcmp(data, "v1", 2)) {
                err = ib_seterr(rd->errstr, rd->errstr_size, IB_ERR_PARSE,
                                "%s: byte 0: a file sink log of version '%.*s' (this reader knows v1)", path,
                                (int)(first < 16 ? first : 16), data);
                free(data);
                return err;
        }
        ib_lines_t it = ib_lines(nl ? nl + 1 : data + len, nl ? len - first - 1 : 0);
        const char *line;
        size_t n;
        while (!err && ib_lines_next(&it, &line, &n)) {
                json_t *j = json_loadb(line, n, 0, NULL);
                const char *uri = json_string_value(json_object_get(j, "path"));
                const char *action = json_string_value(json_object_get(j, "action"));
                const char *base = uri ? strrchr(uri, '/') : NULL;
                if (!base || !base[1] || !action || (strcmp(action, "add") && strcmp(action, "delete")))
                        err = ib_seterr(rd->errstr, rd->errstr_size, IB_ERR_PARSE,
                                        "%s: byte %zu: not an entry of a file sink log (a \"path\" and an \"action\" "
                                        "add or delete)",
                                        path, (size_t)(line - data));
                else if (sink_log_set(l, base + 1, strlen(base + 1), !strcmp(action, "add")))
                        err = ib_seterr(rd->errstr, rd->errstr_size, IB_ERR_NOMEM, "out of memory");
                json_decref(j);
        }
        free(data);
        return err;
}

/* Reads DIR/_spark_metadata when there is one (*has 1), in batch order. */
static ib_err_t sink_log_read(reader_t *rd, const char *dir, sink_log_t *l, int *has) {
        char logdir[1300];
        snprintf(logdir, sizeof(logdir), "%s/_spark_metadata", dir);
        *has = 0;
        DIR *dp = opendir(logdir);
        if (!dp)
                return errno == ENOENT || errno == ENOTDIR
                           ? IB_OK
                           : ib_seterr(rd->errstr, rd->errstr_size, IB_ERR_IO, "%s: %s", logdir, strerror(errno));
        *has = 1;
        char **files;
        size_t n;
        ib_err_t err = list_names(rd, dp, is_log_file, cmp_batches, &files, &n);
        for (size_t i = 0; i < n && !err; i++) {
                char path[1600];
                snprintf(path, sizeof(path), "%s/%s", logdir, files[i]);
                err = sink_log_read_file(rd, path, l);
        }
        names_free(files, n);
        return err;
}

static ib_err_t read_one(reader_t *rd, const char *path, int worker) {
        char *data;
        size_t len;
        ib_err_t err = ib_fs_read_file(path, &data, &len, rd->errstr, rd->errstr_size);
        if (err)
                return err;
        ib_vlist_t *out = rd->out;
        struct stat st;
        if (ib_array_grow(&out->files, &out->files_cap, out->nfiles + 1, sizeof(*out->files), 256) ||
            ib_array_grow(rd->file_worker, &rd->fw_cap, out->nfiles + 1, sizeof(**rd->file_worker), 256)) {
                free(data);
                return ib_seterr(rd->errstr, rd->errstr_size, IB_ERR_NOMEM, "out of memory");
        }
        int32_t fidx = (int32_t)out->nfiles;
        (*rd->file_worker)[fidx] = worker;
        out->files[out->nfiles++] = (ib_vfile_t){
            -1, -1, -1, stat(path, &st) ? -1 : (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000};
        ib_lines_t it = ib_lines(data, len);
        const char *line;
        size_t n;
        while (!err && ib_lines_next(&it, &line, &n)) {
                json_t *j = json_loadb(line, n, 0, NULL);
                const char *id = json_string_value(json_object_get(j, "id"));
                if (!id) {
                        (*rd->bad)++;
                        fprintf(stderr, "ingestbench chaos: %s: a line with no \"id\" at byte %zu\n", path,
                                (size_t)(line - data));
                } else if (ib_vlist_add(out, -1, -1, id, strlen(id))) {
                        err = ib_seterr(rd->errstr, rd->errstr_size, IB_ERR_NOMEM, "out of memory");
                } else {
                        json_t *ts = rd->ts_field ? json_object_get(j, rd->ts_field) : NULL;
                        out->v[out->n - 1].file = fidx;
                        out->v[out->n - 1].ts = json_is_integer(ts) ? (int64_t)json_integer_value(ts) : -1;
                }
                json_decref(j);
        }
        free(data);
        return err;
}

/* The regular files of @p dir, and those of its folders when @p depth > 0;
 * with a file sink log (@p log, or one in @p dir), only the files it lists. */
static ib_err_t read_dir(reader_t *rd, const char *dir, int worker, int depth, const sink_log_t *log) {
        sink_log_t own = {0};
        int has = 0;
        ib_err_t err = log ? IB_OK : sink_log_read(rd, dir, &own, &has);
        if (err) {
                sink_log_free(&own);
                return err;
        }
        if (has)
                log = &own;
        DIR *dp = opendir(dir);
        if (!dp) {
                sink_log_free(&own);
                return errno == ENOENT ? IB_OK /* it never started */
                                       : ib_seterr(rd->errstr, rd->errstr_size, IB_ERR_IO, "%s: %s", dir, strerror(errno));
        }
        char **names;
        size_t n;
        err = list_names(rd, dp, is_output, cmp_names, &names, &n);
        for (size_t i = 0; i < n && !err; i++) {
                char path[2048];
                struct stat st;
                snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
                if (lstat(path, &st) != 0)
                        continue; /* gone meanwhile (a temporary file renamed) */
                int found = 1;
                size_t at = log && S_ISREG(st.st_mode) ? sink_log_find(log, names[i], &found) : 0;
                if (S_ISREG(st.st_mode) && log && (!found || !log->added[at])) {
                        if (rd->uncommitted)
                                (*rd->uncommitted)++; /* written by a batch that never committed */
                } else if (S_ISREG(st.st_mode)) {
                        err = read_one(rd, path, worker);
                } else if (S_ISDIR(st.st_mode) && depth > 0) {
                        err = read_dir(rd, path, worker, depth - 1, log);
                }
        }
        names_free(names, n);
        sink_log_free(&own);
        return err;
}

ib_err_t ib_external_read_output(const char *sink_dir, const char *const *workers, int nworkers,
                                 const char *ts_field, ib_vlist_t *out, int **file_worker, uint64_t *bad_lines,
                                 uint64_t *uncommitted_files, char *errstr, size_t errstr_size) {
        reader_t rd = {out, file_worker, 0, ts_field, bad_lines, uncommitted_files, errstr, errstr_size};
        *file_worker = NULL;
        ib_err_t err = IB_OK;
        for (int w = 0; w < nworkers && !err; w++) {
                char dir[1200];
                snprintf(dir, sizeof(dir), "%s/%s", sink_dir, workers[w]);
                err = read_dir(&rd, dir, w, 1, NULL);
        }
        return err;
}

/* ---- ... or wrote to an output topic ------------------------------------------ */

typedef struct {
        ib_vlist_t *out;
        int **file_worker;
        size_t fw_cap;
        const char *const *workers;
        int nworkers;
        const char *topic, *ts_field;
        uint64_t *bad;
        int32_t *cur; /* per output partition: its current "file", -1 */
        size_t nparts;
} treader_t;

static int take_line(void *arg, const rd_kafka_message_t *m) {
        treader_t *t = arg;
        ib_vlist_t *out = t->out;
        if (m->partition < 0)
                return 0;
        if ((size_t)m->partition >= t->nparts) {
                size_t n = (size_t)m->partition + 1;
                int32_t *cur = realloc(t->cur, n * sizeof(*cur));
                if (!cur)
                        return -1;
                for (size_t i = t->nparts; i < n; i++)
                        cur[i] = -1;
                t->cur = cur, t->nparts = n;
        }
        json_t *j = m->payload ? json_loadb(m->payload, m->len, 0, NULL) : NULL;
        const char *id = json_string_value(json_object_get(j, "id"));
        if (!id) {
                (*t->bad)++;
                fprintf(stderr, "ingestbench chaos: %s [%d] offset %lld: a record with no \"id\"\n", t->topic,
                        (int)m->partition, (long long)m->offset);
                json_decref(j);
                return 0;
        }
        const char *wname = json_string_value(json_object_get(j, "worker"));
        int w = -1;
        for (int i = 0; wname && i < t->nworkers; i++)
                if (!strcmp(t->workers[i], wname))
                        w = i;
        rd_kafka_timestamp_type_t tt;
        int64_t ts_ms = rd_kafka_message_timestamp(m, &tt);
        int32_t f = t->cur[m->partition];
        if (f < 0 || (*t->file_worker)[f] != w) { /* a run of one writer's records: a "file" */
                if (ib_array_grow(&out->files, &out->files_cap, out->nfiles + 1, sizeof(*out->files), 256) ||
                    ib_array_grow(t->file_worker, &t->fw_cap, out->nfiles + 1, sizeof(**t->file_worker), 256)) {
                        json_decref(j);
                        return -1;
                }
                f = (int32_t)out->nfiles;
                (*t->file_worker)[f] = w;
                out->files[out->nfiles++] = (ib_vfile_t){-1, -1, -1, ts_ms};
                t->cur[m->partition] = f;
        }
        if (ts_ms > out->files[f].mtime_ms)
                out->files[f].mtime_ms = ts_ms;
        int rc = ib_vlist_add(out, -1, -1, id, strlen(id));
        if (!rc) {
                json_t *ts = t->ts_field ? json_object_get(j, t->ts_field) : NULL;
                out->v[out->n - 1].file = f;
                out->v[out->n - 1].ts = json_is_integer(ts) ? (int64_t)json_integer_value(ts) : -1;
        }
        json_decref(j);
        return rc;
}

ib_err_t ib_external_read_topic(const char *brokers, const ib_props_t *props, const char *topic,
                                const char *const *workers, int nworkers, const char *ts_field, ib_vlist_t *out,
                                int **file_worker, uint64_t *bad_records, char *errstr, size_t errstr_size) {
        *file_worker = NULL;
        treader_t t = {.out = out, .file_worker = file_worker, .workers = workers, .nworkers = nworkers,
                       .topic = topic, .ts_field = ts_field, .bad = bad_records};
        ib_err_t err = ib_verify_read_records(brokers, props, topic, 1, 120000, take_line, &t, errstr, errstr_size);
        free(t.cur);
        return err;
}

static int cmp_id_idx(const void *a, const void *b, void *ctx) {
        const ib_vrec_t *v = ctx;
        return strcmp(v[*(const size_t *)a].id, v[*(const size_t *)b].id);
}

/* Indexes of the records of @p v with an id, sorted by id. */
static size_t *by_id(const ib_vrec_t *v, size_t n, size_t *count) {
        size_t *ix = malloc((n ? n : 1) * sizeof(*ix)), k = 0;
        if (!ix)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (v[i].id)
                        ix[k++] = i;
        qsort_r(ix, k, sizeof(*ix), cmp_id_idx, (void *)v);
        *count = k;
        return ix;
}

int ib_external_resolve(ib_vlist_t *out, const ib_vrec_t *produced, size_t nproduced) {
        size_t np;
        size_t *ix = by_id(produced, nproduced, &np);
        if (!ix)
                return -1;
        for (size_t i = 0; i < out->n; i++) {
                const char *id = out->v[i].id;
                size_t lo = 0, hi = np;
                while (lo < hi) {
                        size_t mid = (lo + hi) / 2;
                        if (strcmp(produced[ix[mid]].id, id) < 0)
                                lo = mid + 1;
                        else
                                hi = mid;
                }
                if (lo < np && !strcmp(produced[ix[lo]].id, id)) {
                        out->v[i].partition = produced[ix[lo]].partition;
                        out->v[i].offset = produced[ix[lo]].offset;
                }
        }
        free(ix);
        return 0;
}

int64_t ib_external_distinct(const ib_vlist_t *out) {
        size_t n;
        size_t *ix = by_id(out->v, out->n, &n);
        if (!ix)
                return -1;
        int64_t distinct = 0;
        for (size_t i = 0; i < n; i++)
                distinct += i == 0 || strcmp(out->v[ix[i]].id, out->v[ix[i - 1]].id) != 0;
        free(ix);
        return distinct;
}
