/* fuzz_dir.c: the scratch folder of targets that read files (fuzz.h). */
#include "fuzz.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static void remove_dir(void) {
        if (!dir[0])
                return;
        ib_fuzz_clear();
        rmdir(dir);
}

const char *ib_fuzz_dir(void) {
        if (dir[0])
                return dir;
        struct stat st;
        snprintf(dir, sizeof(dir), "%s/ib-fuzz-XXXXXX", stat("/dev/shm", &st) == 0 ? "/dev/shm" : "/tmp");
        if (!mkdtemp(dir)) {
                perror("mkdtemp");
                abort();
        }
        atexit(remove_dir);
        return dir;
}

void ib_fuzz_write(const char *name, const void *data, size_t size) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", ib_fuzz_dir(), name);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || close(fd) != 0) {
                perror(path);
                abort();
        }
}

/* Removes everything under @p path (the targets make at most two levels). */
static void clear_under(const char *path, int depth) {
        DIR *d = opendir(path);
        if (!d)
                return;
        struct dirent *e;
        while ((e = readdir(d))) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                        continue;
                char p[1024];
                snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
                if (unlink(p) != 0 && depth < 4) {
                        clear_under(p, depth + 1);
                        rmdir(p);
                }
        }
        closedir(d);
}

void ib_fuzz_clear(void) { clear_under(ib_fuzz_dir(), 0); }
