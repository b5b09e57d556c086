/*
 * parse.c: the number parsers behind every flag. Every error is one line
 * naming the flag (or field) and what it takes.
 */
#include "parse.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

ib_err_t ib_parse_i64(const char *s, int64_t min, int64_t max, int allow_suffix,
                 const char *what, int64_t *out, char *errstr, size_t errstr_size) {
        if (!s || !*s) {
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "%s needs a value", what);
        }
        errno = 0;
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == s || errno == ERANGE) {
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                          "%s takes a whole number, not '%s'", what, s);
        }
        if (allow_suffix && *end) {
                long long mult = 0;
                switch (*end) {
                case 'k': case 'K': mult = 1000LL; break;
                case 'm': case 'M': mult = 1000000LL; break;
                case 'g': case 'G': mult = 1000000000LL; break;
                }
                if (mult && end[1] == '\0') {
                        if (v > INT64_MAX / mult || v < INT64_MIN / mult) {
                                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                          "%s: '%s' is out of range", what, s);
                        }
                        v *= mult;
                        end++;
                }
        }
        if (*end) {
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                          "%s takes a whole number, not '%s'", what, s);
        }
        if (v < min || v > max) {
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                          "%s must be between %lld and %lld, not %lld", what,
                          (long long)min, (long long)max, v);
        }
        *out = v;
        return IB_OK;
}

ib_err_t ib_parse_double(const char *s, double min, double max, const char *what,
                    double *out, char *errstr, size_t errstr_size) {
        if (!s || !*s) {
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "%s needs a value", what);
        }
        errno = 0;
        char *end;
        double v = strtod(s, &end);
        if (end == s || *end || errno == ERANGE || isnan(v)) {
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                          "%s takes a number, not '%s'", what, s);
        }
        if (v < min || v > max) {
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                          "%s must be between %g and %g, not %g", what, min, max, v);
        }
        *out = v;
        return IB_OK;
}

size_t ib_topic_chars(const char *t, size_t n) {
        size_t i = 0;
        for (; i < n; i++) {
                char c = t[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == '-'))
                        break;
        }
        return i;
}
