/*
 * results.c: the header every results file carries, writing it, and the
 * JUnit form of a verdict (results.h, results/SCHEMA.md).
 */
#define _GNU_SOURCE /* asprintf */
#include "results.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fsutil.h"
#include "json_arena.h"
#include "kafka.h"
#include "supervisor.h"
#include "version.h"

static json_t *machine(void) {
        struct utsname u;
        uname(&u);
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        return json_pack("{s:i,s:s,s:s,s:s,s:I}", "cores", (int)sysconf(_SC_NPROCESSORS_ONLN), "kernel", u.release,
                         "os", u.sysname, "arch", u.machine, "memory_bytes",
                         (json_int_t)(pages > 0 && page > 0 ? (long long)pages * page : 0));
}

json_t *ib_results_new(const char *kind, const char *broker_version, const char *zk_version) {
        char created[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
        /* the client this process runs, named as `--clients` asked for it (bench --clients
         * starts one bench per client with INGESTBENCH_CLIENT set); chaos replaces it
         * with its workers' */
        const char *client = getenv("INGESTBENCH_CLIENT");
        return json_pack("{s:s,s:i,s:s,s:s,s:{s:s,s:s,s:s,s:s?},s:o,s:{s:s,s:s}}", "schema", IB_RESULTS_SCHEMA,
                         "schema_version", IB_RESULTS_SCHEMA_VERSION, "kind", kind, "created", created, "versions",
                         "ingestbench", IB_VERSION, "librdkafka", ib_kafka_version(), "broker",
                         broker_version ? broker_version : "unknown", "zookeeper", zk_version, "machine", machine(),
                         "client", "name", client && *client ? client : "linked", "librdkafka", ib_kafka_version());
}

void ib_results_zk_version(const char *hosts, char *out, size_t size) {
        snprintf(out, size, "unknown");
        char host[256];
        int port;
        if (!hosts || sscanf(hosts, "%255[^:]:%d", host, &port) != 2)
                return;
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        struct timeval tv = {2, 0};
        if (fd < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        char buf[2048];
        size_t len = 0;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && write(fd, "srvr", 4) == 4) {
                ssize_t n;
                while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
                        len += (size_t)n;
        }
        close(fd);
        buf[len] = 0;
        const char *v = strstr(buf, "Zookeeper version: ");
        if (v)
                snprintf(out, size, "%.*s", (int)strcspn(v + 19, ",\n"), v + 19);
}

ib_err_t ib_results_write(const char *path, const json_t *doc, char *errstr, size_t errstr_size) {
        char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!text)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory writing %s", path);
        size_t len = strlen(text);
        text[len] = '\n'; /* json_dumps's terminator becomes the last newline */
        ib_err_t err = ib_fs_write_atomic(path, text, len + 1, NULL, errstr, errstr_size);
        ib_json_free_str(text);
        return err;
}

/* ---- the shape a reader relies on ----
 * Every field `report` and `compare` read, with the type they assume. A file
 * that breaks one is refused by file and JSON path before any of it is used,
 * so neither command meets a missing subject, a mode that is a number, or a
 * count no integer can hold. A path step "[]" means every element. */
typedef enum {
        F_STR,        /* a string */
        F_STR_NULL,   /* a string or null */
        F_COUNT,      /* an integer-valued number from 0 to 2^53 */
        F_NUM,        /* a number (JSON has no infinity or NaN: jansson refuses them) */
        F_NUM_NULL,   /* a number or null */
        F_NUM_STR,    /* a number or a string ("never", "n/a") */
        F_BOOL,
        F_OBJ,
        F_ARR,
        F_STAT,       /* a summary of repetitions: {median, min, max} from 0, min <= median <= max */
} field_type_t;

typedef struct {
        const char *path; /* from the document's root, "." between keys */
        field_type_t type;
        int required;
} field_t;

static const field_t common_fields[] = {
        {"created", F_STR, 0},          {"git_revision", F_STR, 0},      {"versions", F_OBJ, 0},
        {"versions.ingestbench", F_STR, 0}, {"versions.librdkafka", F_STR, 0}, {"versions.broker", F_STR, 0},
        {"versions.zookeeper", F_STR_NULL, 0}, {"machine", F_OBJ, 0},    {"machine.cores", F_COUNT, 0},
        {"machine.kernel", F_STR, 0},   {NULL, 0, 0},
};

static const field_t chaos_fields[] = {
        {"scenario_name", F_STR, 1},
        {"scenario", F_OBJ, 1},
        {"scenario.mode", F_STR, 1},
        {"seed", F_NUM, 0},
        {"run_dir", F_STR, 0},
        {"counts", F_OBJ, 1},
        {"counts.produced", F_COUNT, 1},
        {"counts.duplicates", F_COUNT, 1},
        {"counts.lost", F_COUNT, 1},
        {"counts.unexplained_duplicates", F_COUNT, 0},
        {"counts.unexplained_lost", F_COUNT, 0},
        {"recovery_ms", F_OBJ, 0},
        {"recovery_ms.max", F_NUM_STR, 0},
        {"verdict", F_OBJ, 0},
        {"verdict.pass", F_BOOL, 0},
        {"throughput", F_OBJ, 0},
        {"throughput.per_second", F_ARR, 0},
        {"throughput.per_second.[]", F_COUNT, 0},
        {"schedule", F_ARR, 0},
        {"schedule.[]", F_OBJ, 0},
        {"schedule.[].fault", F_STR, 1},
        {"schedule.[].applied_ms", F_NUM_NULL, 0},
        {NULL, 0, 0},
};

#define STAT(p) {p, F_STAT, 0}
static const field_t bench_fields[] = {
        {"config", F_OBJ, 0},
        {"config.modes", F_ARR, 0},
        {"config.modes.[]", F_STR, 0},
        {"config.pipelines", F_ARR, 0},
        {"config.pipelines.[]", F_STR, 0},
        {"config.repeat", F_NUM, 0},
        {"config.brokers", F_STR, 0},
        {"drain", F_OBJ, 0},
        {"drain.backlog", F_OBJ, 0},
        {"drain.backlog.records", F_NUM, 0},
        {"drain.backlog.payload_bytes", F_NUM, 0},
        {"drain.backlog.partitions", F_NUM, 0},
        {"drain.summary", F_ARR, 0},
        {"drain.summary.[]", F_OBJ, 0},
        {"drain.summary.[].subject", F_STR, 1},
        {"drain.summary.[].pipeline", F_STR_NULL, 0},
        {"drain.summary.[].kind", F_STR, 0},
        STAT("drain.summary.[].records_per_s"),
        STAT("drain.summary.[].total_records_per_s"),
        STAT("drain.summary.[].mb_per_s"),
        STAT("drain.summary.[].ratio_to_reference"),
        STAT("drain.summary.[].cpu_s_per_million"),
        STAT("drain.summary.[].store_ops_per_s"),
        STAT("drain.summary.[].write_amplification"),
        {"latency", F_OBJ, 0},
        {"latency.rate_rps", F_NUM, 0},
        {"latency.rate_from", F_STR, 0},
        {"latency.seconds", F_NUM, 0},
        {"latency.subjects", F_ARR, 0},
        {"latency.subjects.[]", F_OBJ, 0},
        {"latency.subjects.[].subject", F_STR, 1},
        {"latency.subjects.[].latency_ms", F_OBJ, 0},
        {"latency.subjects.[].send_delay_ms", F_OBJ, 0},
        {"sweeps", F_ARR, 0},
        {"sweeps.[]", F_OBJ, 0},
        {"sweeps.[].name", F_STR, 1},
        {"sweeps.[].pipeline", F_STR, 0},
        {"sweeps.[].values", F_ARR, 1},
        {"sweeps.[].values.[]", F_COUNT, 0},
        {"sweeps.[].series", F_ARR, 1},
        {"sweeps.[].series.[]", F_OBJ, 0},
        {"sweeps.[].series.[].subject", F_STR, 1},
        {"sweeps.[].series.[].records_per_s", F_ARR, 1},
        {"sweeps.[].series.[].records_per_s.[]", F_NUM, 0},
        {NULL, 0, 0},
};
#undef STAT

/* An evaluation (`ingestbench evaluate`): the matrix. A reader recomputes
 * every verdict from the runs' figures; what it reads is checked here. */
static const field_t evaluation_fields[] = {
        {"profile", F_STR, 1},
        {"config", F_OBJ, 1},
        {"config.seeds", F_COUNT, 1},
        {"rows", F_ARR, 1},
        {"rows.[].name", F_STR, 1},
        {"rows.[].mode", F_STR, 1},
        {"rows.[].sink", F_STR, 0},
        {"faults", F_ARR, 1},
        {"faults.[].name", F_STR, 1},
        {"cells", F_ARR, 1},
        {"cells.[].row", F_STR, 1},
        {"cells.[].fault", F_STR, 1},
        {"cells.[].applies", F_BOOL, 1},
        {"cells.[].why_not", F_STR, 0},
        {"cells.[].scenario", F_STR, 0},
        {"cells.[].seeds", F_COUNT, 0},
        {"cells.[].runs", F_ARR, 0},
        {"cells.[].runs.[].ran", F_BOOL, 1},
        {"cells.[].runs.[].seed", F_NUM, 0},
        {"cells.[].runs.[].replay", F_STR, 0},
        {"cells.[].runs.[].dir", F_STR, 0},
        {"cells.[].runs.[].results", F_STR, 0},
        {"cells.[].runs.[].figures", F_OBJ, 0},
        {"cells.[].runs.[].figures.produced", F_COUNT, 1},
        {"cells.[].runs.[].figures.lost", F_COUNT, 1},
        {"cells.[].runs.[].figures.duplicates", F_COUNT, 1},
        {"cells.[].runs.[].figures.unexpected", F_COUNT, 1},
        {"cells.[].runs.[].figures.redelivered", F_COUNT, 1},
        {"cells.[].runs.[].figures.out_of_order", F_COUNT, 1},
        {"cells.[].runs.[].figures.recovery_ms_max", F_NUM_STR, 0},
        {"cells.[].runs.[].figures.log_duplicates", F_COUNT, 0},
        {"cells.[].runs.[].figures.aborted_records", F_COUNT, 0},
        {"cells.[].runs.[].figures.unexplained_aborted", F_COUNT, 0},
        {"bench", F_STR_NULL, 0},
        {"bench_kafka", F_STR_NULL, 0},
        {"interrupted", F_BOOL, 0},
        {NULL, 0, 0},
};

static const char *const type_names[] = {"a string", "a string or null", "an integer from 0 to 2^53", "a number",
                                         "a number or null", "a number or a string", "true or false", "an object",
                                         "an array",
                                         "an object of numbers from 0: median, and min <= median <= max"};

static int type_ok(const json_t *v, field_type_t t) {
        switch (t) {
        case F_STR: return json_is_string(v);
        case F_STR_NULL: return json_is_string(v) || json_is_null(v);
        case F_COUNT: {
                double d = json_number_value(v);
                return json_is_number(v) && d >= 0 && d <= 9007199254740992.0 && d == floor(d);
        }
        case F_NUM: return json_is_number(v);
        case F_NUM_NULL: return json_is_number(v) || json_is_null(v);
        case F_NUM_STR: return json_is_number(v) || json_is_string(v);
        case F_BOOL: return json_is_boolean(v);
        case F_OBJ: return json_is_object(v);
        case F_ARR: return json_is_array(v);
        case F_STAT: {
                json_t *med = json_object_get(v, "median"), *min = json_object_get(v, "min"), *max = json_object_get(v, "max");
                double m = json_number_value(med);
                return json_is_object(v) && json_is_number(med) && m >= 0 && (!min || json_is_number(min)) &&
                       (!max || json_is_number(max)) && (!min || (json_number_value(min) >= 0 && json_number_value(min) <= m)) &&
                       (!max || json_number_value(max) >= m);
        }
        }
        return 0;
}

/* Checks field @p f below @p v from path step @p rest on; @p at is the JSON
 * path so far. @returns 0, or -1 with the refusal in errstr. */
static int check_at(const char *file, const json_t *v, const char *rest, const field_t *f, char *at, size_t at_len,
                    char *errstr, size_t errstr_size) {
        if (!*rest) {
                if (type_ok(v, f->type))
                        return 0;
                ib_seterr(errstr, errstr_size, IB_ERR_PARSE, "%s: %s: want %s", file, at, type_names[f->type]);
                return -1;
        }
        size_t step = strcspn(rest, ".");
        const char *next = rest[step] ? rest + step + 1 : rest + step;
        size_t len = strlen(at);
        if (step == 2 && !strncmp(rest, "[]", 2)) {
                size_t i;
                json_t *el;
                if (!json_is_array(v))
                        return 0; /* the array's own entry says what is wrong */
                json_array_foreach(v, i, el) {
                        snprintf(at + len, at_len - len, "[%zu]", i);
                        if (check_at(file, el, next, f, at, at_len, errstr, errstr_size))
                                return -1;
                }
                at[len] = 0;
                return 0;
        }
        snprintf(at + len, at_len - len, ".%.*s", (int)step, rest);
        char key[64];
        snprintf(key, sizeof(key), "%.*s", (int)step, rest);
        json_t *kid = json_object_get(v, key);
        if (!kid) {
                if (!json_is_object(v) || !f->required || *next)
                        return at[len] = 0, 0; /* absent and optional, or its parent is not an object */
                ib_seterr(errstr, errstr_size, IB_ERR_PARSE, "%s: %s: missing (want %s)", file, at, type_names[f->type]);
                return -1;
        }
        int rc = check_at(file, kid, next, f, at, at_len, errstr, errstr_size);
        at[len] = 0;
        return rc;
}

static ib_err_t check_fields(const char *file, const json_t *doc, const field_t *fields, char *errstr,
                             size_t errstr_size) {
        for (const field_t *f = fields; f->path; f++) {
                char at[256] = "$";
                if (check_at(file, doc, f->path, f, at, sizeof(at), errstr, errstr_size))
                        return IB_ERR_PARSE;
        }
        return IB_OK;
}

/* Rows a reader matches by key must be unique: a second "direct at
 * pipeline none" would be compared with the first. */
static ib_err_t check_unique(const char *file, const json_t *doc, char *errstr, size_t errstr_size) {
        static const struct {
                const char *obj, *arr;
                int with_pipeline;
        } lists[] = {{"drain", "summary", 1}, {"latency", "subjects", 0}};
        ib_err_t err = IB_OK;
        for (size_t l = 0; l < 2 && !err; l++) {
                json_t *rows = json_object_get(json_object_get(doc, lists[l].obj), lists[l].arr), *seen = json_object();
                for (size_t i = 0; i < json_array_size(rows) && !err; i++) {
                        json_t *row = json_array_get(rows, i);
                        const char *p = json_string_value(json_object_get(row, "pipeline"));
                        char *key = NULL; /* subject, a byte no string here holds, pipeline */
                        if (asprintf(&key, "%s%c%s", json_string_value(json_object_get(row, "subject")), 1,
                                     lists[l].with_pipeline && p ? p : "") < 0)
                                err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
                        else if (json_object_get(seen, key))
                                err = ib_seterr(errstr, errstr_size, IB_ERR_PARSE,
                                                "%s: $.%s.%s[%zu]: the same subject%s as [%lld]", file, lists[l].obj,
                                                lists[l].arr, i, lists[l].with_pipeline ? " and pipeline" : "",
                                                (long long)json_integer_value(json_object_get(seen, key)));
                        else
                                json_object_set_new(seen, key, json_integer((json_int_t)i));
                        free(key);
                }
                json_decref(seen);
        }
        return err;
}

/* Results files are small (the committed baseline's largest is under 1 MB) */
#define RESULTS_MAX_BYTES (64u << 20)

ib_err_t ib_results_read(const char *path, const char *kind, json_t **out, char *errstr, size_t errstr_size) {
        json_error_t je;
        *out = NULL;
        char *text = NULL;
        size_t text_len = 0;
        ib_err_t rerr = ib_fs_read_input(path, RESULTS_MAX_BYTES, &text, &text_len, errstr, errstr_size);
        if (rerr)
                return rerr;
        json_t *doc = json_loadb(text, text_len, 0, &je);
        free(text);
        if (!doc)
                return ib_seterr(errstr, errstr_size, IB_ERR_PARSE, "%s: not JSON: %s at line %d, column %d", path,
                                 je.text, je.line, je.column);
        const char *schema = json_string_value(json_object_get(doc, "schema"));
        json_t *version = json_object_get(doc, "schema_version");
        const char *k = json_string_value(json_object_get(doc, "kind"));
        ib_err_t err = IB_OK;
        if (!json_is_object(doc) || !schema || strcmp(schema, IB_RESULTS_SCHEMA))
                err = ib_seterr(errstr, errstr_size, IB_ERR_PARSE, "%s: $.schema: not an ingestbench results file "
                                "(want \"%s\")", path, IB_RESULTS_SCHEMA);
        else if (!json_is_integer(version) || json_integer_value(version) != IB_RESULTS_SCHEMA_VERSION)
                err = ib_seterr(errstr, errstr_size, IB_ERR_PARSE, "%s: $.schema_version: %s%lld, this reader knows %d",
                                path, json_is_integer(version) ? "" : "missing or not an integer, ",
                                (long long)json_integer_value(version), IB_RESULTS_SCHEMA_VERSION);
        else if (!k || (strcmp(k, "chaos") && strcmp(k, "bench") && strcmp(k, "evaluation")))
                err = ib_seterr(errstr, errstr_size, IB_ERR_PARSE, "%s: $.kind: want \"chaos\", \"bench\" or "
                                "\"evaluation\"", path);
        else if (kind && strcmp(k, kind))
                err = ib_seterr(errstr, errstr_size, IB_ERR_PARSE, "%s: $.kind: \"%s\", want \"%s\"", path, k, kind);
        else if (!(err = check_fields(path, doc, common_fields, errstr, errstr_size)))
                err = check_fields(path, doc,
                                   !strcmp(k, "chaos") ? chaos_fields : !strcmp(k, "bench") ? bench_fields : evaluation_fields,
                                   errstr, errstr_size);
        if (!err && !strcmp(k, "bench"))
                err = check_unique(path, doc, errstr, errstr_size);
        if (err) {
                json_decref(doc);
                return err;
        }
        *out = doc;
        return IB_OK;
}

const char *ib_results_chaos_subject(const json_t *results, char *buf, size_t size) {
        const char *mode = json_string_value(json_object_get(json_object_get(results, "scenario"), "mode"));
        const char *name = json_string_value(json_object_get(json_object_get(results, "external"), "name"));
        if (mode && name && !strcmp(mode, "external"))
                snprintf(buf, size, "external:%.40s", name);
        else
                snprintf(buf, size, "%s", mode ? mode : "?");
        return buf;
}

double ib_results_figure(const json_t *results, const char *name) {
        json_t *v = json_object_get(json_object_get(results, "figures"), name);
        if (json_is_string(v)) /* "never" */
                return INFINITY;
        return json_is_number(v) ? json_number_value(v) : -1;
}

/* Runs git with @p args in @p dir; its first output line into @p out. @returns its exit status, -1 if it did not run. */
static int git(const char *dir, const char *const *args, char *out, size_t size) {
        const char *argv[16] = {"git", "-C", dir};
        int n = 3;
        for (int i = 0; args[i] && n < 15; i++)
                argv[n++] = args[i];
        argv[n] = NULL;
        ib_run_io_t io = {NULL, NULL, out, size, NULL, 0, NULL};
        int rc = ib_run_command(argv, &io);
        out[strcspn(out, "\n")] = 0;
        return rc;
}

void ib_results_git_revision(const char *dir, char *out, size_t size) {
        static const char *const rev[] = {"rev-parse", "HEAD", NULL};
        static const char *const diff[] = {"diff", "--quiet", "HEAD", NULL};
        char scratch[8];
        if (git(dir, rev, out, size) != 0 || !out[0]) {
                snprintf(out, size, "unknown");
                return;
        }
        if (git(dir, diff, scratch, sizeof(scratch)) == 1 && strlen(out) + 7 < size)
                strcat(out, "-dirty"); /* tracked files changed since that commit */
}

static int xml_escape(ib_buf_t *b, const char *s) {
        for (; s && *s; s++) {
                const char *e = *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;" : *s == '"' ? "&quot;" : NULL;
                if (e ? ib_buf_append(b, e, strlen(e)) : ib_buf_append(b, s, 1))
                        return -1;
        }
        return 0;
}

static int put(ib_buf_t *b, const char *s) {
        return ib_buf_append(b, s, strlen(s));
}

ib_err_t ib_results_junit(const char *path, const char *suite, const ib_junit_case_t *cases, size_t n,
                          double seconds, char *errstr, size_t errstr_size) {
        ib_buf_t b = {0};
        size_t failures = 0;
        for (size_t i = 0; i < n; i++)
                failures += !cases[i].pass;
        char head[256];
        snprintf(head, sizeof(head), "\" tests=\"%zu\" failures=\"%zu\" time=\"%.3f\">\n", n, failures, seconds);
        int bad = put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"") || xml_escape(&b, suite) ||
                  put(&b, head);
        for (size_t i = 0; i < n && !bad; i++) {
                bad = put(&b, "  <testcase classname=\"") || xml_escape(&b, suite) || put(&b, "\" name=\"") ||
                      xml_escape(&b, cases[i].name) || put(&b, "\"");
                if (!bad && cases[i].pass)
                        bad = put(&b, "/>\n");
                else if (!bad)
                        bad = put(&b, ">\n    <failure message=\"") || xml_escape(&b, cases[i].message) ||
                              put(&b, "\"/>\n  </testcase>\n");
        }
        bad = bad || put(&b, "</testsuite>\n");
        ib_err_t err = bad ? ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory writing %s", path)
                           : ib_fs_write_atomic(path, b.data, b.len, NULL, errstr, errstr_size);
        ib_buf_free(&b);
        return err;
}
