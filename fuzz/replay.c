/* replay.c: runs a fuzz target over files, without libFuzzer: each FILE, or
 * every file in each FOLDER, is one input. The `unit` tests replay the seed
 * corpus and every regression case this way (fuzz/CMakeLists.txt). */
#include "fuzz.h"

#include <dirent.h>
#include <sys/stat.h>

static int one(const char *path) {
        FILE *fp = fopen(path, "rb");
        if (!fp) {
                perror(path);
                return -1;
        }
        size_t cap = 1 << 16, n = 0, r;
        unsigned char *buf = malloc(cap);
        while (buf && (r = fread(buf + n, 1, cap - n, fp)) > 0)
                if ((n += r) == cap) {
                        unsigned char *b = realloc(buf, cap * 2);
                        if (!b)
                                break;
                        buf = b, cap *= 2;
                }
        fclose(fp);
        if (!buf)
                return -1;
        LLVMFuzzerTestOneInput(buf, n);
        free(buf);
        return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

int main(int argc, char **argv) {
        size_t inputs = 0;
        int bad = 0;
        for (int i = 1; i < argc; i++) {
                struct stat st;
                if (stat(argv[i], &st) != 0) {
                        perror(argv[i]);
                        bad = 1;
                        continue;
                }
                if (!S_ISDIR(st.st_mode)) {
                        bad |= one(argv[i]) != 0, inputs++;
                        continue;
                }
                struct dirent **names;
                int n = scandir(argv[i], &names, NULL, by_name);
                for (int k = 0; k < n; k++) {
                        char path[4096];
                        snprintf(path, sizeof(path), "%s/%s", argv[i], names[k]->d_name);
                        if (names[k]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode))
                                bad |= one(path) != 0, inputs++;
                        free(names[k]);
                }
                free(names);
        }
        printf("replayed %zu inputs\n", inputs);
        return bad || inputs == 0;
}
