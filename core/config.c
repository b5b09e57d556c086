/*
 * config.c: defaults, checks and value parsers for flags. Every parse error
 * is one line naming the flag and what it takes; callers turn it into a usage
 * error (exit 2).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void ib_config_init(ib_config_t *cfg) {
        memset(cfg, 0, sizeof(*cfg));
        cfg->sink = "null";
        cfg->event_time_field = "ts";
        cfg->batch_ms = 100;
        cfg->max_records_per_partition = 50000;
        cfg->zk_session_timeout_ms = 6000;
        cfg->connect_timeout_ms = 10000;
        cfg->progress_ms = 2000;
        cfg->fsync = "batch";
        cfg->wal_recovery = "point-in-time";
        cfg->wal_segment_bytes = 64LL << 20;
        cfg->wal_backlog_bytes = 64LL << 20;
        cfg->offsets = "kafka";
        cfg->commit = "async";
        cfg->assignor = "range";
}

void ib_config_destroy(ib_config_t *cfg) { ib_props_destroy(&cfg->props); }

ib_err_t ib_config_check(const ib_config_t *cfg, char *errstr, size_t errstr_size) {
        if (!cfg->mode)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "--mode is required");
        if (!cfg->topic)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "--topic is required");
        if (!cfg->group)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "--group is required");
        if (!cfg->state_dir)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--state-dir is required (event log and stats live there)");
        if (strncmp(cfg->sink, "dir:", 4) != 0 && strcmp(cfg->sink, "null") != 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--sink takes dir:PATH or null, not '%s'", cfg->sink);
        if (strcmp(cfg->offsets, "kafka") && strcmp(cfg->offsets, "zk"))
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--offsets takes kafka or zk, not '%s'", cfg->offsets);
        if (!strcmp(cfg->offsets, "zk") && !cfg->zookeeper)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--offsets zk needs --zookeeper");
        if (cfg->partitions && cfg->worker)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--partitions and --worker contradict each other: give one");
        if (cfg->checkpoint_recovery && strcmp(cfg->checkpoint_recovery, "previous") &&
            strcmp(cfg->checkpoint_recovery, "earliest") && strcmp(cfg->checkpoint_recovery, "latest"))
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--checkpoint-recovery takes previous, earliest or latest, not '%s'",
                                 cfg->checkpoint_recovery);
        if (strcmp(cfg->sink, "dir:") == 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--sink dir: needs a path");
        return IB_OK;
}

ib_err_t ib_props_add(ib_props_t *props, const char *kv, char *errstr,
                      size_t errstr_size) {
        const char *eq = strchr(kv, '=');
        if (!eq || eq == kv)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "-X takes key=value, not '%s'", kv);
        if (props->count == IB_MAX_PROPS)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "too many -X properties (max %d)", IB_MAX_PROPS);
        char *s = strdup(kv);
        if (!s)
                return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "out of memory");
        s[eq - kv] = '\0';
        props->storage[props->count] = s;
        props->key[props->count] = s;
        props->value[props->count] = s + (eq - kv) + 1;
        props->count++;
        return IB_OK;
}

void ib_props_destroy(ib_props_t *props) {
        for (int i = 0; i < props->count; i++)
                free(props->storage[i]);
        props->count = 0;
}

int ib_parse_i64(const char *s, int64_t min, int64_t max, int allow_suffix,
                 const char *what, int64_t *out, char *errstr, size_t errstr_size) {
        if (!s || !*s) {
                ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "%s needs a value", what);
                return -1;
        }
        errno = 0;
        char *end;
        long long v = strtoll(s, &end, 10);
        if (end == s || errno == ERANGE) {
                ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                          "%s takes a whole number, not '%s'", what, s);
                return -1;
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
                                ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                          "%s: '%s' is out of range", what, s);
                                return -1;
                        }
                        v *= mult;
                        end++;
                }
        }
        if (*end) {
                ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                          "%s takes a whole number, not '%s'", what, s);
                return -1;
        }
        if (v < min || v > max) {
                ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                          "%s must be between %lld and %lld, not %lld", what,
                          (long long)min, (long long)max, v);
                return -1;
        }
        *out = v;
        return 0;
}

int ib_parse_double(const char *s, double min, double max, const char *what,
                    double *out, char *errstr, size_t errstr_size) {
        if (!s || !*s) {
                ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "%s needs a value", what);
                return -1;
        }
        errno = 0;
        char *end;
        double v = strtod(s, &end);
        if (end == s || *end || errno == ERANGE || isnan(v)) {
                ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                          "%s takes a number, not '%s'", what, s);
                return -1;
        }
        if (v < min || v > max) {
                ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                          "%s must be between %g and %g, not %g", what, min, max, v);
                return -1;
        }
        *out = v;
        return 0;
}

void ib_on_stop_signals(void (*handler)(int)) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = handler;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
}

int64_t ib_now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ib_deadline_ms(struct timespec *ts, int ms) {
        clock_gettime(CLOCK_REALTIME, ts);
        ts->tv_sec += ms / 1000;
        ts->tv_nsec += (long)(ms % 1000) * 1000000L;
        if (ts->tv_nsec >= 1000000000L) {
                ts->tv_sec++;
                ts->tv_nsec -= 1000000000L;
        }
}

int64_t ib_mono_us(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void ib_sleep_ms(int64_t ms) {
        struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
        while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
                ;
}
