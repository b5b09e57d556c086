/*
 * results.c: the header every results file carries, writing it, and the
 * JUnit form of a verdict (results.h, results/SCHEMA.md).
 */
#include "results.h"

#include <arpa/inet.h>
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
#include "runner.h" /* IB_VERSION */

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
        return json_pack("{s:s,s:i,s:s,s:s,s:{s:s,s:s,s:s,s:s?},s:o}", "schema", IB_RESULTS_SCHEMA, "schema_version",
                         IB_RESULTS_SCHEMA_VERSION, "kind", kind, "created", created, "versions", "ingestbench",
                         IB_VERSION, "librdkafka", ib_kafka_version(), "broker",
                         broker_version ? broker_version : "unknown", "zookeeper", zk_version, "machine", machine());
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
