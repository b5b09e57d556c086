/*
 * kafka.c: shared librdkafka plumbing. Nothing here keeps state; handles are
 * owned by the commands and modes.
 */
#include "kafka.h"

#include "clock.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"

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


/* The default address file: in a folder of /tmp that must be the user's own. */
static const char *default_addr_path(char *out, size_t out_size) {
        snprintf(out, out_size, "/tmp/ingestbench-%u/mock-cluster.addr", (unsigned)getuid());
        return out;
}

const char *ib_kafka_mock_addr_path(char *out, size_t out_size) {
        const char *env = getenv("INGESTBENCH_MOCK_FILE");
        if (env && *env)
                snprintf(out, out_size, "%s", env);
        else
                default_addr_path(out, out_size);
        return out;
}

int ib_kafka_mock_addr_shared(const char *path) {
        char def[64];
        return !strcmp(path, default_addr_path(def, sizeof(def)));
}

ib_err_t ib_kafka_brokers(const char *flag, char *out, size_t out_size,
                          char *errstr, size_t errstr_size) {
        if (flag && *flag) {
                snprintf(out, out_size, "%s", flag);
                return IB_OK;
        }
        const char *env = getenv("INGESTBENCH_BROKERS");
        if (env && *env) {
                snprintf(out, out_size, "%s", env);
                return IB_OK;
        }
        char path[512];
        ib_kafka_mock_addr_path(path, sizeof(path));
        char *data, dir[512];
        size_t len;
        snprintf(dir, sizeof(dir), "%s", path);
        char *slash = strrchr(dir, '/');
        if (ib_kafka_mock_addr_shared(path) && slash) { /* another user's folder could name any address */
                *slash = '\0';
                ib_err_t err = ib_fs_private_dir(dir, 0, errstr, errstr_size);
                if (err && err != IB_ERR_NOT_FOUND)
                        return err;
        }
        if (ib_fs_read_input(path, 4096, &data, &len, NULL, 0) != IB_OK)
                return ib_seterr(errstr, errstr_size, IB_ERR_KAFKA_UNREACHABLE,
                                 "no --brokers given and no embedded mock cluster running "
                                 "(start one with 'ingestbench mock-cluster', or pass --brokers)");
        while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == ' '))
                data[--len] = '\0';
        snprintf(out, out_size, "%s", data);
        free(data);
        if (!*out)
                return ib_seterr(errstr, errstr_size, IB_ERR_KAFKA_UNREACHABLE,
                                 "%s is empty: is the mock cluster still starting?", path);
        return IB_OK;
}

ib_err_t ib_kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value,
                           char *errstr, size_t errstr_size) {
        char e[256];
        if (rd_kafka_conf_set(conf, key, value, e, sizeof(e)) != RD_KAFKA_CONF_OK)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "librdkafka property %s=%s: %s", key, value, e);
        return IB_OK;
}

/* ---- credentials the brokers refused ----
 * librdkafka says a wrong SASL password or a failed TLS handshake only in
 * its log, then reports the broker as down: a user would read "no broker
 * answered". Its log and error callbacks keep that reason (process-wide: one
 * process is one client identity), and the first operation that fails for
 * want of a broker reports it instead, as IB_ERR_KAFKA_AUTH (exit 3). Every
 * other line is printed as librdkafka prints it. */
static pthread_mutex_t auth_lock = PTHREAD_MUTEX_INITIALIZER;
static char auth_error[400];

static int auth_failure(const char *text) {
        return strstr(text, "SASL authentication error") || strstr(text, "SSL handshake failed") ||
               strstr(text, "SASL SCRAM") || strstr(text, "certificate verify failed");
}

static void print_line(const rd_kafka_t *rk, int level, const char *fac, const char *text) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        fprintf(stderr, "%%%d|%lld.%03ld|%s|%s| %s\n", level, (long long)ts.tv_sec, ts.tv_nsec / 1000000, fac,
                rd_kafka_name(rk), text);
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *text) {
        if (auth_failure(text)) {
                pthread_mutex_lock(&auth_lock);
                const char *at = strstr(text, "]: ");
                snprintf(auth_error, sizeof(auth_error), "%s", at ? at + 3 : text);
                pthread_mutex_unlock(&auth_lock);
                return;
        }
        print_line(rk, level, fac, text);
}

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
        (void)opaque;
        if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR__SSL) {
                log_cb(rk, 3, "ERROR", reason);
                return;
        }
        pthread_mutex_lock(&auth_lock);
        int refused = auth_error[0] != 0;
        pthread_mutex_unlock(&auth_lock);
        if (!(refused && err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)) /* down because they refused us: said once */
                print_line(rk, 3, "ERROR", reason);
}

int ib_kafka_auth_error(char *out, size_t size) {
        pthread_mutex_lock(&auth_lock);
        int refused = auth_error[0] != 0;
        if (refused && out)
                snprintf(out, size, "%s", auth_error);
        pthread_mutex_unlock(&auth_lock);
        return refused;
}

ib_err_t ib_kafka_conf_new(const char *brokers, const char *const *settings, const ib_props_t *props,
                           rd_kafka_conf_t **out, char *errstr, size_t errstr_size) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_conf_set_log_cb(conf, log_cb);
        rd_kafka_conf_set_error_cb(conf, error_cb);
        ib_err_t err;
        if ((err = ib_kafka_conf_set(conf, "bootstrap.servers", brokers, errstr, errstr_size)) ||
            (err = ib_kafka_conf_set(conf, "client.id", "ingestbench", errstr, errstr_size)) ||
            /* a dead broker is noticed in seconds, not minutes */
            (err = ib_kafka_conf_set(conf, "socket.connection.setup.timeout.ms", "5000", errstr, errstr_size)) ||
            (err = ib_kafka_conf_set(conf, "log.connection.close", "false", errstr, errstr_size)))
                goto fail;
        for (int i = 0; settings && settings[i]; i += 2)
                if ((err = ib_kafka_conf_set(conf, settings[i], settings[i + 1], errstr, errstr_size)))
                        goto fail;
        for (int i = 0; props && i < props->count; i++)
                if ((err = ib_kafka_conf_set(conf, props->key[i], props->value[i], errstr, errstr_size)))
                        goto fail;
        *out = conf;
        return IB_OK;
fail:
        rd_kafka_conf_destroy(conf);
        return err;
}

ib_err_t ib_kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, rd_kafka_t **out, char *errstr,
                      size_t errstr_size) {
        char e[512];
        if (!(*out = rd_kafka_new(type, conf, e, sizeof(e)))) {
                rd_kafka_conf_destroy(conf);
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "librdkafka configuration: %s", e);
        }
        return IB_OK;
}

static int unreachable(rd_kafka_resp_err_t e) {
        return e == RD_KAFKA_RESP_ERR__TIMED_OUT || e == RD_KAFKA_RESP_ERR__TRANSPORT ||
               e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || e == RD_KAFKA_RESP_ERR__RESOLVE;
}

ib_err_t ib_kafka_err(rd_kafka_resp_err_t e) {
        if (!e)
                return IB_OK;
        if (unreachable(e))
                return ib_kafka_auth_error(NULL, 0) ? IB_ERR_KAFKA_AUTH : IB_ERR_KAFKA_UNREACHABLE;
        switch ((int)e) { /* int: a code newer than the header built against can be named */
        case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
        case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
        /* a partition its leader does not know yet: a topic just created
         * (Kafka's UnknownTopicOrPartitionException is a RetriableException) */
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
        case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
        case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
        case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
        case RD_KAFKA_RESP_ERR__WAIT_COORD:
        case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
        case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
        case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
        case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
        case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
        case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
        case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
        case RD_KAFKA_RESP_ERR__NODE_UPDATE:
        case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION: /* metadata without a leader yet */
                return IB_ERR_KAFKA_RETRIABLE;
        case -137: /* RD_KAFKA_RESP_ERR__DESTROY_BROKER, librdkafka >= 2.10 (not in
                    * 2.0.2's header): a request on a broker handle the client
                    * tore down (a killed broker left the metadata); the same request
                    * goes to the leader it knows next. Seen once in 0110 on Kafka
                    * 3.9.1 with 2.14.2, where it stopped the direct worker. */
                return IB_ERR_KAFKA_RETRIABLE;
        default:
                return IB_ERR_KAFKA;
        }
}

ib_err_t ib_kafka_partition_count(rd_kafka_t *rk, const char *topic, int timeout_ms,
                                  int *partitions, char *errstr, size_t errstr_size) {
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
        rd_kafka_topic_destroy(rkt);
        if (e) {
                char why[400];
                if (unreachable(e) && ib_kafka_auth_error(why, sizeof(why)))
                        return ib_seterr(errstr, errstr_size, IB_ERR_KAFKA_AUTH,
                                         "authentication with the Kafka brokers failed: %s", why);
                if (unreachable(e))
                        return ib_seterr(errstr, errstr_size, IB_ERR_KAFKA_UNREACHABLE,
                                         "no Kafka broker answered within %d ms (%s)", timeout_ms,
                                         rd_kafka_err2str(e));
                return ib_seterr(errstr, errstr_size, ib_kafka_err(e),
                                 "metadata for topic %s: %s", topic, rd_kafka_err2str(e));
        }
        ib_err_t err = IB_OK;
        if (md->topic_cnt != 1 || md->topics[0].err || md->topics[0].partition_cnt == 0) {
                rd_kafka_resp_err_t te = md->topic_cnt == 1 ? md->topics[0].err
                                                            : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
                if (te == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || te == RD_KAFKA_RESP_ERR_NO_ERROR)
                        err = ib_seterr(errstr, errstr_size, IB_ERR_NOT_FOUND,
                                        "topic %s does not exist", topic);
                else
                        err = ib_seterr(errstr, errstr_size, ib_kafka_err(te), "topic %s: %s",
                                        topic, rd_kafka_err2str(te));
        } else {
                *partitions = md->topics[0].partition_cnt;
        }
        rd_kafka_metadata_destroy(md);
        return err;
}

ib_err_t ib_kafka_partition_count_wait(rd_kafka_t *rk, const char *topic, int timeout_ms, int *partitions,
                                       char *errstr, size_t errstr_size) {
        int64_t end = ib_mono_us() + (int64_t)timeout_ms * 1000;
        for (int ask_ms = timeout_ms;;) { /* the first ask has the whole bound, as the caller said it */
                ib_err_t err = ib_kafka_partition_count(rk, topic, ask_ms, partitions, errstr, errstr_size);
                if ((err != IB_ERR_NOT_FOUND && err != IB_ERR_KAFKA_RETRIABLE) || ib_mono_us() + 200000 > end)
                        return err;
                usleep(200000); /* a topic just created: not every broker's metadata has it yet */
                int64_t left_ms = (end - ib_mono_us()) / 1000;
                ask_ms = left_ms > 1000 ? (int)left_ms : 1000;
        }
}

ib_err_t ib_kafka_create_topic(rd_kafka_t *rk, const char *topic, int partitions,
                               int replication_factor, int timeout_ms,
                               char *errstr, size_t errstr_size) {
        char e[256];
        rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, replication_factor,
                                                        e, sizeof(e));
        if (!nt)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG, "topic %s: %s", topic, e);
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        rd_kafka_AdminOptions_t *opt = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
        rd_kafka_AdminOptions_set_request_timeout(opt, timeout_ms, e, sizeof(e));
        rd_kafka_AdminOptions_set_operation_timeout(opt, timeout_ms, e, sizeof(e));
        rd_kafka_CreateTopics(rk, &nt, 1, opt, q);
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 2000);
        ib_err_t err = IB_OK;
        if (!ev) {
                err = ib_seterr(errstr, errstr_size, IB_ERR_KAFKA_UNREACHABLE,
                                "creating topic %s: no answer within %d ms", topic, timeout_ms);
        } else if (rd_kafka_event_error(ev)) {
                rd_kafka_resp_err_t re = rd_kafka_event_error(ev);
                err = ib_seterr(errstr, errstr_size,
                                unreachable(re) ? IB_ERR_KAFKA_UNREACHABLE : IB_ERR_KAFKA,
                                "creating topic %s: %s", topic, rd_kafka_event_error_string(ev));
        } else {
                size_t n;
                const rd_kafka_topic_result_t **res =
                    rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
                for (size_t i = 0; i < n; i++) {
                        rd_kafka_resp_err_t te = rd_kafka_topic_result_error(res[i]);
                        if (te && te != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                                err = ib_seterr(errstr, errstr_size, IB_ERR_KAFKA,
                                                "creating topic %s: %s", topic,
                                                rd_kafka_topic_result_error_string(res[i]));
                }
        }
        if (ev)
                rd_kafka_event_destroy(ev);
        rd_kafka_AdminOptions_destroy(opt);
        rd_kafka_NewTopic_destroy(nt);
        rd_kafka_queue_destroy(q);
        return err;
}

/* Whether @p e says the client's idea of a partition's leader is stale. */
static int leader_error(rd_kafka_resp_err_t e) {
        return e == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION || e == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
               e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
               e == RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH || e == RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH;
}

ib_err_t ib_kafka_list_offsets(rd_kafka_t *rk, const char *topic, const int32_t *partitions,
                               int n, int64_t which, int64_t *offsets, int timeout_ms,
                               char *errstr, size_t errstr_size) {
        if (n == 0)
                return IB_OK;
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
        for (int i = 0; i < n; i++)
                rd_kafka_topic_partition_list_add(l, topic, partitions[i])->offset = which;
        /* offsets_for_times with the logical offsets -1 (latest) / -2 (earliest)
         * is a plain ListOffsets request, batched per leader broker. */
        rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(rk, l, timeout_ms);
        ib_err_t err = IB_OK;
        if (e) {
                err = ib_seterr(errstr, errstr_size, ib_kafka_err(e), "listing offsets of %s: %s", topic,
                                rd_kafka_err2str(e));
        } else {
                for (int i = 0; i < n; i++) {
                        rd_kafka_topic_partition_t *p =
                            rd_kafka_topic_partition_list_find(l, topic, partitions[i]);
                        if (!p || p->err) {
                                err = ib_seterr(errstr, errstr_size,
                                                ib_kafka_err(p ? p->err : RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION),
                                                "listing offsets of %s [%d]: %s", topic,
                                                (int)partitions[i],
                                                rd_kafka_err2str(p ? p->err : RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION));
                                break;
                        }
                        offsets[i] = p->offset;
                }
        }
        int stale = err && leader_error(e);
        for (int i = 0; err && !stale && i < l->cnt; i++)
                stale = leader_error(l->elems[i].err);
        rd_kafka_topic_partition_list_destroy(l);
        /* The caller asks again: with the leaders as they are now. A metadata
         * request updates them; a handle that only lists offsets has nothing
         * else that would (librdkafka 2.0.2 answers NOT_LEADER after a leader
         * moved until something refreshes its metadata; a fetcher does). */
        int ignored;
        if (stale)
                (void)ib_kafka_partition_count(rk, topic, timeout_ms, &ignored, NULL, 0);
        return err;
}

const char *ib_kafka_version(void) { return rd_kafka_version_str(); }

size_t ib_kafka_fetch_settings(const char **settings, size_t n, const char *queue_kbytes) {
        settings[n++] = "queued.max.messages.kbytes";
        settings[n++] = queue_kbytes;
        settings[n++] = "max.partition.fetch.bytes";
        settings[n++] = IB_FETCH_PARTITION_BYTES;
        if (rd_kafka_version() >= 0x020200ff) { /* fetch.queue.backoff.ms is new in 2.2.0 */
                settings[n++] = "fetch.queue.backoff.ms";
                settings[n++] = "10";
        }
        return n;
}
