/* 0021-fsutil: the file rules every command relies on (#16): inputs that are
 * not regular files or are too large are refused by name; files are created
 * private (0600) in private folders (0700); a temporary name never writes
 * through a link someone else planted; a shared folder of another user is
 * refused. */
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "harness.h"
#include "lines.h"

static void test_read_input_refusals(void) {
        char dir[64], path[256], err[512], *data;
        size_t len;
        ib_tmpdir(dir, sizeof(dir));
        snprintf(path, sizeof(path), "%s/fifo", dir);
        CHECK_INT(mkfifo(path, 0600), 0);
        CHECK_INT(ib_fs_read_input(path, 1024, &data, &len, err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK(strstr(err, "fifo: is a FIFO, not a regular file") != NULL);
        CHECK_INT(ib_fs_read_input(dir, 1024, &data, &len, err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK(strstr(err, "is a folder, not a file") != NULL);
        CHECK_INT(ib_fs_read_input("/dev/zero", 1024, &data, &len, err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK(strstr(err, "/dev/zero: is a character device") != NULL);
        snprintf(path, sizeof(path), "%s/big", dir);
        char buf[2000];
        memset(buf, 'x', sizeof(buf));
        CHECK_INT(ib_fs_write_atomic(path, buf, sizeof(buf), NULL, err, sizeof(err)), IB_OK);
        CHECK_INT(ib_fs_read_input(path, 1999, &data, &len, err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK(strstr(err, "2000 bytes, more than the 1999") != NULL);
        CHECK_INT(ib_fs_read_input(path, 2000, &data, &len, err, sizeof(err)), IB_OK);
        CHECK_INT(len, 2000);
        free(data);
        snprintf(path, sizeof(path), "%s/none", dir);
        CHECK_INT(ib_fs_read_input(path, 10, &data, &len, err, sizeof(err)), IB_ERR_NOT_FOUND);
        ib_tmpdir_rm(dir);
}

static void test_private_modes(void) {
        char dir[64], path[300], sub[200], err[512];
        ib_tmpdir(dir, sizeof(dir));
        mode_t old = umask(022);
        snprintf(sub, sizeof(sub), "%s/a/b", dir);
        CHECK_INT(ib_fs_mkdirs(sub, err, sizeof(err)), IB_OK);
        struct stat st;
        CHECK_INT(stat(sub, &st), 0);
        CHECK_INT(st.st_mode & 0777, 0700);
        snprintf(path, sizeof(path), "%s/state", sub);
        CHECK_INT(ib_fs_write_atomic(path, "x", 1, NULL, err, sizeof(err)), IB_OK);
        CHECK_INT(stat(path, &st), 0);
        CHECK_INT(st.st_mode & 0777, 0600);
        FILE *fp = ib_fs_fopen_private(path);
        CHECK(fp != NULL);
        if (fp)
                fclose(fp);
        CHECK_INT(stat(path, &st), 0);
        CHECK_INT(st.st_mode & 0777, 0600);
        umask(old);
        ib_tmpdir_rm(dir);
}

/* A link planted under this process's temporary name, or under a name
 * fopen_private opens, is never written through. */
static void test_planted_links(void) {
        char dir[64], victim[128], tmp[256], target[128], err[512], name[64];
        ib_tmpdir(dir, sizeof(dir));
        snprintf(victim, sizeof(victim), "%s/victim", dir);
        CHECK_INT(ib_fs_write_atomic(victim, "keep", 4, NULL, err, sizeof(err)), IB_OK);
        CHECK(ib_fs_temp_name(name, sizeof(name), "out") > 0);
        snprintf(tmp, sizeof(tmp), "%s/%s", dir, name);
        CHECK_INT(symlink(victim, tmp), 0);
        snprintf(target, sizeof(target), "%s/out", dir);
        /* our own stale name is removed and made anew, the link's target untouched */
        CHECK_INT(ib_fs_write_atomic(target, "new", 3, NULL, err, sizeof(err)), IB_OK);
        char *data;
        size_t len;
        CHECK_INT(ib_fs_read_file(victim, &data, &len, err, sizeof(err)), IB_OK);
        CHECK(len == 4 && !memcmp(data, "keep", 4));
        free(data);
        snprintf(tmp, sizeof(tmp), "%s/link", dir);
        CHECK_INT(symlink(victim, tmp), 0);
        CHECK(ib_fs_fopen_private(tmp) == NULL && errno == ELOOP);
        ib_tmpdir_rm(dir);
}

static void test_private_dir(void) {
        char dir[64], sub[256], link[256], err[512];
        ib_tmpdir(dir, sizeof(dir));
        snprintf(sub, sizeof(sub), "%s/mine", dir);
        CHECK_INT(ib_fs_private_dir(sub, 1, err, sizeof(err)), IB_OK);
        struct stat st;
        CHECK_INT(stat(sub, &st), 0);
        CHECK_INT(st.st_mode & 0777, 0700);
        CHECK_INT(ib_fs_private_dir(sub, 1, err, sizeof(err)), IB_OK); /* again: it is ours */
        CHECK_INT(chmod(sub, 0777), 0);
        CHECK_INT(ib_fs_private_dir(sub, 1, err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK(strstr(err, "writable by group or others") != NULL);
        CHECK_INT(chmod(sub, 0700), 0);
        snprintf(link, sizeof(link), "%s/link", dir);
        CHECK_INT(symlink(sub, link), 0);
        CHECK_INT(ib_fs_private_dir(link, 1, err, sizeof(err)), IB_ERR_INVALID_ARG);
        CHECK(strstr(err, "is a symbolic link") != NULL);
        if (geteuid() == 0) { /* root can give it away: another user's folder */
                CHECK_INT(chown(sub, 65534, 65534), 0);
                CHECK_INT(ib_fs_private_dir(sub, 1, err, sizeof(err)), IB_ERR_INVALID_ARG);
                CHECK(strstr(err, "belongs to another user") != NULL);
        }
        snprintf(sub, sizeof(sub), "%s/absent", dir);
        CHECK_INT(ib_fs_private_dir(sub, 0, err, sizeof(err)), IB_ERR_NOT_FOUND);
        ib_tmpdir_rm(dir);
}

/* A buffer's non-empty lines in turn, without their '\n'; a last line without one too. */
static void test_lines(void) {
        const char text[] = "a\n\nbc\r\n\nlast";
        ib_lines_t it = ib_lines(text, sizeof(text) - 1);
        const char *line;
        size_t n;
        const char *want[] = {"a", "bc\r", "last"};
        size_t at[] = {0, 3, 8};
        for (int i = 0; i < 3; i++) {
                CHECK(ib_lines_next(&it, &line, &n));
                CHECK(n == strlen(want[i]) && !memcmp(line, want[i], n));
                CHECK_INT(line - text, at[i]);
        }
        CHECK(!ib_lines_next(&it, &line, &n));
        ib_lines_t none = ib_lines("\n\n", 2);
        CHECK(!ib_lines_next(&none, &line, &n));
}

int main(void) {
        IB_RUN(test_lines);
        IB_RUN(test_read_input_refusals);
        IB_RUN(test_private_modes);
        IB_RUN(test_planted_links);
        IB_RUN(test_private_dir);
        return IB_DONE();
}
