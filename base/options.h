/**
 * @file options.h
 * @brief Option tables: each owner (the shared run options, each mode, a
 *        library a mode includes) declares its flags as a table next to the
 *        code that uses them, the way git's parse-options does. Defaults,
 *        parsing, help text and the record of effective values all come
 *        from the one table, so they never drift apart.
 *
 * An entry names a field of the owner's configuration struct by its offset.
 * Value types:
 *   IB_OPT_STRING  const char *, NULL when absent (an optional check callback
 *                  refuses a malformed value at parse time)
 *   IB_OPT_INT     int64_t in [min, max]; IB_OPT_INT_ABSENT when absent
 *                  without a default
 *   IB_OPT_BYTES   int64_t in [min, max]; suffixes k, m, g (x1000)
 *   IB_OPT_FLAG    int, 1 when given; the flag takes no value
 *   IB_OPT_CHOICE  int, the index of the value in a NULL-terminated list of
 *                  names; -1 when absent
 *   IB_OPT_DOUBLE  double in [min, max]
 *   IB_OPT_LIST    ib_optlist_t: a repeatable string, every value in order
 *                  (at most IB_OPT_LIST_MAX)
 *   IB_OPT_INCLUDE the whole table of another owner (a library's options
 *                  that several modes share), stored in a struct member
 *
 * A table ends with IB_OPT_END. Values handed to ib_options_set() must
 * outlive the configuration (argv strings do).
 */
#ifndef IB_OPTIONS_H
#define IB_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "errors.h"

typedef enum ib_opt_type_e {
        IB_OPT_STRING,
        IB_OPT_INT,
        IB_OPT_BYTES,
        IB_OPT_FLAG,
        IB_OPT_CHOICE,
        IB_OPT_DOUBLE,
        IB_OPT_LIST,
        IB_OPT_INCLUDE,
} ib_opt_type_t;

#define IB_OPT_LIST_MAX 64

/** An IB_OPT_INT or IB_OPT_BYTES without a default that was not given. */
#define IB_OPT_INT_ABSENT INT64_MIN

/** The values of a repeatable option (IB_OPT_LIST), in order. */
typedef struct ib_optlist_s {
        const char *v[IB_OPT_LIST_MAX];
        int n;
} ib_optlist_t;

typedef struct ib_option_s {
        const char *name;            /**< long name without "--"; NULL ends the table */
        ib_opt_type_t type;
        size_t offset;               /**< the field's offset in the owner's struct */
        const char *arg;             /**< value placeholder for help ("MS"); NULL for flags */
        const char *def;             /**< default, as a flag value would be given; NULL: none */
        const char *help;            /**< one line of help */
        int64_t min, max;            /**< IB_OPT_INT, IB_OPT_BYTES */
        const char *const *choices;  /**< IB_OPT_CHOICE: NULL-terminated names */
        /** IB_OPT_STRING: refuses a malformed value with one line naming the
         *  flag (@p flag is "--name"). May be NULL. */
        ib_err_t (*check)(const char *flag, const char *value, char *errstr, size_t errstr_size);
        const struct ib_option_s *include; /**< IB_OPT_INCLUDE: the table */
        int required;                /**< 1: a run without it is a usage error */
        char short_name;             /**< a one-letter alias ('q'), or 0 */
        int secret;                  /**< 1: a credential, never recorded (stats.json says "(set)") */
} ib_option_t;

/* Table entries. S is the owner's struct type, f the field. */
#define IB_OPT_STR(S, f, name, arg, def, help) \
        {name, IB_OPT_STRING, offsetof(S, f), arg, def, help, 0, 0, NULL, NULL, NULL, 0, 0, 0}
#define IB_OPT_STR_REQUIRED(S, f, name, arg, help) \
        {name, IB_OPT_STRING, offsetof(S, f), arg, NULL, help, 0, 0, NULL, NULL, NULL, 1, 0, 0}
/**
 * @brief A check for a Kafka topic name: 1 to 249 characters from
 *        [a-zA-Z0-9._-], as the broker requires; refused with one line
 *        naming @p flag.
 */
ib_err_t ib_opt_check_topic(const char *flag, const char *value, char *errstr, size_t errstr_size);

#define IB_OPT_STR_CHECKED(S, f, name, arg, def, check, help) \
        {name, IB_OPT_STRING, offsetof(S, f), arg, def, help, 0, 0, NULL, check, NULL, 0, 0, 0}
#define IB_OPT_STR_SECRET(S, f, name, arg, check, help) \
        {name, IB_OPT_STRING, offsetof(S, f), arg, NULL, help, 0, 0, NULL, check, NULL, 0, 0, 1}
#define IB_OPT_INT(S, f, name, arg, def, min, max, help) \
        {name, IB_OPT_INT, offsetof(S, f), arg, def, help, min, max, NULL, NULL, NULL, 0, 0, 0}
#define IB_OPT_BYTES_REQUIRED(S, f, name, arg, min, max, help) \
        {name, IB_OPT_BYTES, offsetof(S, f), arg, NULL, help, min, max, NULL, NULL, NULL, 1, 0, 0}
#define IB_OPT_BYTES(S, f, name, arg, def, min, max, help) \
        {name, IB_OPT_BYTES, offsetof(S, f), arg, def, help, min, max, NULL, NULL, NULL, 0, 0, 0}
#define IB_OPT_FLAG(S, f, name, short_name, help) \
        {name, IB_OPT_FLAG, offsetof(S, f), NULL, NULL, help, 0, 0, NULL, NULL, NULL, 0, short_name, 0}
#define IB_OPT_CHOICE(S, f, name, choices, def, help) \
        {name, IB_OPT_CHOICE, offsetof(S, f), NULL, def, help, 0, 0, choices, NULL, NULL, 0, 0, 0}
#define IB_OPT_DOUBLE(S, f, name, arg, def, min, max, help) \
        {name, IB_OPT_DOUBLE, offsetof(S, f), arg, def, help, min, max, NULL, NULL, NULL, 0, 0, 0}
#define IB_OPT_LIST(S, f, name, arg, help) \
        {name, IB_OPT_LIST, offsetof(S, f), arg, NULL, help, 0, 0, NULL, NULL, NULL, 0, 0, 0}
#define IB_OPT_INCLUDE(S, f, table) \
        {"", IB_OPT_INCLUDE, offsetof(S, f), NULL, NULL, NULL, 0, 0, NULL, NULL, table, 0, 0, 0}
#define IB_OPT_END {NULL, IB_OPT_STRING, 0, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, 0, 0, 0}

/** @brief Sets every option of @p table in @p conf to its default (aborts on
 *         a default the table's own parser refuses: a programming error). */
void ib_options_defaults(const ib_option_t *table, void *conf);

/**
 * @brief Finds option @p name in @p table or the tables it includes.
 * @param base  out: the offset of the option's owner struct within @p conf
 *              (for ib_options_set); may be NULL.
 * @returns the entry, or NULL.
 */
const ib_option_t *ib_options_find(const ib_option_t *table, const char *name, size_t *base);

/**
 * @brief Parses @p value (NULL for a flag) into the option's field of the
 *        struct at @p owner.
 * @returns IB_OK, or IB_ERR_INVALID_ARG with one line naming "--name".
 */
ib_err_t ib_options_set(const ib_option_t *opt, void *owner, const char *value, char *errstr,
                        size_t errstr_size);

/** @brief Refuses a missing required option: "--name is required". */
ib_err_t ib_options_check_required(const ib_option_t *table, const void *conf, char *errstr,
                                   size_t errstr_size);

/**
 * @brief Calls @p fn for every option of @p table (includes flattened), with
 *        the struct that holds its field.
 */
void ib_options_each(const ib_option_t *table, const void *conf,
                     void (*fn)(void *ctx, const ib_option_t *opt, const void *owner), void *ctx);

/** @brief The option's value as text ("" for an absent string, "true"/"false"
 *         for a flag), into @p out; @returns NULL when it has no value. */
const char *ib_options_value_str(const ib_option_t *opt, const void *owner, char *out, size_t out_size);

/** @brief Prints one help line per option: "  --name ARG   help (default: D)". */
void ib_options_help(FILE *fp, const ib_option_t *table);

/** @brief Number of named options in @p table, includes flattened. */
size_t ib_options_count(const ib_option_t *table);

#endif
