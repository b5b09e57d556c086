/* 0004-sink: range file names, the dir sink's atomic write and idempotent
 * replay, and the null sink. */
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness.h"
#include "sink.h"

static int count_entries(const char *dir, int *tmp) {
        DIR *d = opendir(dir);
        struct dirent *e;
        int n = 0;
        *tmp = 0;
        while (d && (e = readdir(d))) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                        continue;
                n++;
                if (strstr(e->d_name, ".tmp"))
                        (*tmp)++;
        }
        if (d)
                closedir(d);
        return n;
}

static void test_range_names_round_trip(void) {
        char name[256], topic[128];
        int32_t p;
        int64_t f, u;
        CHECK(ib_sink_range_name(name, sizeof(name), "my-topic-p1", 12, 100, 2000) > 0);
        CHECK_STR(name, "my-topic-p1-p12-00000000000000000100-00000000000000002000.jsonl");
        CHECK_INT(ib_sink_parse_range_name(name, topic, sizeof(topic), &p, &f, &u), 0);
        CHECK_STR(topic, "my-topic-p1");
        CHECK_INT(p, 12);
        CHECK_INT(f, 100);
        CHECK_INT(u, 2000);
        const char *not_ranges[] = {".t-p1-00000000000000000100-00000000000000002000.jsonl.tmp",
                                    "t-p1-100-2000.jsonl", "deadletter", "t-1-00000000000000000100-00000000000000002000.jsonl",
                                    "-p1-00000000000000000100-00000000000000002000.jsonl"};
        for (size_t i = 0; i < sizeof(not_ranges) / sizeof(not_ranges[0]); i++)
                CHECK_INT(ib_sink_parse_range_name(not_ranges[i], topic, sizeof(topic), &p, &f, &u), -1);
}

static void test_dir_sink_atomic_and_idempotent(void) {
        char dir[64], path[256], err[256];
        ib_tmpdir(dir, sizeof(dir));
        snprintf(path, sizeof(path), "%s/out", dir);
        char spec[300];
        snprintf(spec, sizeof(spec), "dir:%s", path);
        ib_sink_t *s = NULL;
        ib_sink_open(spec, &s, err, sizeof(err));
        CHECK(s != NULL);
        CHECK_STR(s->type, "dir");
        const char *data = "{\"a\":1}\n{\"a\":2}\n";
        CHECK_INT(s->write_range(s, "t", 3, 10, 12, data, strlen(data), NULL, err, sizeof(err)), IB_OK);
        CHECK_INT(s->flush(s, err, sizeof(err)), IB_OK);
        int tmp, n = count_entries(path, &tmp);
        CHECK_INT(n, 1);
        CHECK_INT(tmp, 0);

        /* A crash between write and rename leaves a temporary file behind
         * (an older writer's name had no pid; a dead writer's has its pid):
         * the old file is intact, and the next owner removes both before it
         * replays the range. A live writer's temporary file is left alone. */
        const char *strays[] = {".t-p3-00000000000000000010-00000000000000000012.jsonl.tmp",
                                ".t-p3-00000000000000000010-00000000000000000012.jsonl.999999999.tmp",
                                ".t-p4-00000000000000000010-00000000000000000012.jsonl.1.tmp"}; /* pid 1 lives */
        for (int i = 0; i < 3; i++) {
                char tmpname[512];
                snprintf(tmpname, sizeof(tmpname), "%s/%s", path, strays[i]);
                int fd = open(tmpname, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                CHECK(fd >= 0);
                CHECK(write(fd, "{\"a\":", 5) == 5);
                close(fd);
        }
        uint64_t removed = 0;
        CHECK_INT(ib_sink_sweep(s, "t", &removed, err, sizeof(err)), IB_OK);
        CHECK_INT(removed, 2);
        n = count_entries(path, &tmp);
        CHECK_INT(tmp, 1); /* the live writer's */
        char live[512];
        snprintf(live, sizeof(live), "%s/%s", path, strays[2]);
        CHECK_INT(unlink(live), 0);
        CHECK_INT(s->write_range(s, "t", 3, 10, 12, data, strlen(data), NULL, err, sizeof(err)), IB_OK);
        CHECK_INT(s->flush(s, err, sizeof(err)), IB_OK);
        n = count_entries(path, &tmp);
        CHECK_INT(n, 1);
        CHECK_INT(tmp, 0);
        char file[512], *got;
        size_t len;
        snprintf(file, sizeof(file), "%s/t-p3-00000000000000000010-00000000000000000012.jsonl", path);
        CHECK_INT(ib_fs_read_file(file, &got, &len, err, sizeof(err)), IB_OK);
        CHECK_STR(got, data); /* replay rewrote the same bytes, once */
        free(got);

        /* an empty range writes nothing */
        CHECK_INT(s->write_range(s, "t", 3, 12, 12, "", 0, NULL, err, sizeof(err)), IB_OK);
        CHECK_INT(count_entries(path, &tmp), 1);
        CHECK_INT(s->files, 2);
        ib_sink_close(s);
        ib_tmpdir_rm(dir);
}

/* Temporary names are unique per writer, and a directory entry tells whose it is. */
static void test_temp_names(void) {
        char tmp[300], name[300];
        int pid = -7;
        CHECK(ib_fs_temp_name(tmp, sizeof(tmp), "f.jsonl") > 0);
        CHECK_INT(ib_fs_temp_parse(tmp, name, sizeof(name), &pid), 0);
        CHECK_STR(name, "f.jsonl");
        CHECK_INT(pid, getpid());
        CHECK_INT(ib_fs_temp_parse(".f.jsonl.tmp", name, sizeof(name), &pid), 0);
        CHECK_STR(name, "f.jsonl");
        CHECK_INT(pid, 0);
        CHECK_INT(ib_fs_temp_parse("f.jsonl", name, sizeof(name), &pid), -1);
        CHECK_INT(ib_fs_temp_parse(".tmp", name, sizeof(name), &pid), -1);
        CHECK_INT(ib_fs_temp_parse(".x.tmp.gz", name, sizeof(name), &pid), -1);
}

static void test_null_sink_and_bad_specs(void) {
        char err[256];
        ib_sink_t *s = NULL;
        ib_sink_open("null", &s, err, sizeof(err));
        CHECK(s != NULL);
        CHECK(s->flush == NULL);
        CHECK_INT(s->write_range(s, "t", 0, 0, 2, "x\ny\n", 4, NULL, err, sizeof(err)), IB_OK);
        CHECK_INT(s->files, 1);
        ib_sink_close(s);
        ib_sink_t *none = NULL;
        CHECK(ib_sink_open("s3:bucket", &none, err, sizeof(err)) != IB_OK);
        CHECK(strstr(err, "unknown sink") != NULL);
        CHECK(ib_sink_open("dir:", &none, err, sizeof(err)) != IB_OK);
}

static void test_write_atomic_replaces(void) {
        char dir[64], path[128], err[256], *got;
        size_t len;
        ib_tmpdir(dir, sizeof(dir));
        snprintf(path, sizeof(path), "%s/state", dir);
        CHECK_INT(ib_fs_write_atomic(path, "one", 3, NULL, err, sizeof(err)), IB_OK);
        CHECK_INT(ib_fs_write_atomic(path, "second", 6, NULL, err, sizeof(err)), IB_OK);
        CHECK_INT(ib_fs_read_file(path, &got, &len, err, sizeof(err)), IB_OK);
        CHECK_STR(got, "second");
        free(got);
        snprintf(path, sizeof(path), "%s/missing/x", dir);
        CHECK_INT(ib_fs_write_atomic(path, "x", 1, NULL, err, sizeof(err)), IB_ERR_IO);
        CHECK(strstr(err, "missing") != NULL);
        ib_tmpdir_rm(dir);
}

int main(void) {
        IB_RUN(test_range_names_round_trip);
        IB_RUN(test_dir_sink_atomic_and_idempotent);
        IB_RUN(test_temp_names);
        IB_RUN(test_null_sink_and_bad_specs);
        IB_RUN(test_write_atomic_replaces);
        return IB_DONE();
}
