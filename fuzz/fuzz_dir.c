/* fuzz_dir.c: the scratch folder of targets that read files (fuzz.h). */
#include "fuzz.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"

static char dir[256];

static void remove_dir(void) {
        if (dir[0])
                ib_fs_remove_tree(dir, NULL, 0);
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

void ib_fuzz_clear(void) {
        /* the project's own rm -rf (no link followed), then the folder again */
        if (ib_fs_remove_tree(ib_fuzz_dir(), NULL, 0) != IB_OK || mkdir(dir, 0700) != 0) {
                perror(dir);
                abort();
        }
}
