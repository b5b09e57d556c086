/*
 * summary.c: repetitions summarized as median, min and max (the spread is
 * reported, never averaged away).
 */
#include "bench.h"

#include <stdlib.h>

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *)a, y = *(const double *)b;
        return (x > y) - (x < y);
}

double ib_bench_median(double *v, size_t n) {
        if (!n)
                return 0;
        qsort(v, n, sizeof(*v), cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

json_t *ib_bench_summary(double *v, size_t n) {
        double med = ib_bench_median(v, n);
        return json_pack("{s:f,s:f,s:f,s:i}", "median", med, "min", n ? v[0] : 0.0, "max", n ? v[n - 1] : 0.0, "n",
                         (int)n);
}
