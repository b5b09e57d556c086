/*
 * errors.c: names and descriptions for ib_err_t, and the mapping of errors to
 * process exit codes, kept in one table so a new error cannot be added with a
 * name but no description.
 */
#include "errors.h"

#include <stdarg.h>
#include <stdio.h>

static const struct {
        ib_err_t err;
        const char *name;
        const char *desc;
} ib_err_descs[] = {
    {IB_OK, "OK", "Success"},
    {IB_ERR_INVALID_ARG, "ERR_INVALID_ARG", "Invalid argument"},
    {IB_ERR_NOMEM, "ERR_NOMEM", "Out of memory"},
    {IB_ERR_IO, "ERR_IO", "I/O error"},
    {IB_ERR_CORRUPT, "ERR_CORRUPT", "Corrupt data (checksum or framing)"},
    {IB_ERR_PARSE, "ERR_PARSE", "Malformed input"},
    {IB_ERR_SCHEMA, "ERR_SCHEMA", "Record does not match the schema"},
    {IB_ERR_NOT_FOUND, "ERR_NOT_FOUND", "Not found"},
    {IB_ERR_TIMED_OUT, "ERR_TIMED_OUT", "Timed out"},
    {IB_ERR_FAILED, "ERR_FAILED", "A process it started failed"},
    {IB_ERR_KAFKA, "ERR_KAFKA", "Kafka error"},
    {IB_ERR_KAFKA_UNREACHABLE, "ERR_KAFKA_UNREACHABLE", "Kafka broker unreachable"},
    {IB_ERR_KAFKA_RETRIABLE, "ERR_KAFKA_RETRIABLE", "Kafka error that clears by itself (leader election)"},
    {IB_ERR_ZK, "ERR_ZK", "ZooKeeper error"},
    {IB_ERR_ZK_UNREACHABLE, "ERR_ZK_UNREACHABLE", "ZooKeeper unreachable"},
    {IB_ERR_ZK_FENCED, "ERR_ZK_FENCED", "Fenced: partition owned by another worker"},
    {IB_ERR_ZK_SESSION, "ERR_ZK_SESSION", "ZooKeeper session expired"},
    {IB_ERR_KAFKA_AUTH, "ERR_KAFKA_AUTH", "Authentication with the Kafka brokers failed (SASL or TLS)"},
    {IB_ERR_ZK_AUTH, "ERR_ZK_AUTH", "ZooKeeper ACL refused this client"},
};

#define IB_NERR (sizeof(ib_err_descs) / sizeof(ib_err_descs[0]))

const char *ib_err2str(ib_err_t err) {
        for (size_t i = 0; i < IB_NERR; i++)
                if (ib_err_descs[i].err == err)
                        return ib_err_descs[i].desc;
        return "Unknown error";
}

const char *ib_err2name(ib_err_t err) {
        for (size_t i = 0; i < IB_NERR; i++)
                if (ib_err_descs[i].err == err)
                        return ib_err_descs[i].name;
        return "ERR_UNKNOWN";
}

int ib_err2exit(ib_err_t err) {
        switch (err) {
        case IB_OK:
                return IB_EXIT_OK;
        case IB_ERR_INVALID_ARG:
                return IB_EXIT_USAGE;
        case IB_ERR_KAFKA_UNREACHABLE:
        case IB_ERR_ZK_UNREACHABLE:
        case IB_ERR_KAFKA_AUTH:
        case IB_ERR_ZK_AUTH:
                return IB_EXIT_UNREACHABLE;
        default:
                return IB_EXIT_FAIL;
        }
}

ib_err_t ib_seterr(char *errstr, size_t errstr_size, ib_err_t err,
                   const char *fmt, ...) {
        if (errstr && errstr_size > 0) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(errstr, errstr_size, fmt, ap);
                va_end(ap);
        }
        return err;
}
