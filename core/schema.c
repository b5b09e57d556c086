/*
 * schema.c: compile a JSON-schema subset into a field table and check
 * records against it. Unknown schema keywords are refused, at the top and
 * inside a property, with their JSON path, rather than silently ignored, so a
 * user never believes a rule is enforced when it is not (#16: enum, minimum
 * and format inside a property were ignored, and 295 of 300 records breaking
 * an enum were delivered).
 */
#include "schema.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

enum {
        T_STRING = 1 << 0,
        T_INTEGER = 1 << 1,
        T_NUMBER = 1 << 2, /* includes integers, as in JSON Schema */
        T_BOOLEAN = 1 << 3,
        T_OBJECT = 1 << 4,
        T_ARRAY = 1 << 5,
        T_NULL = 1 << 6,
};

static const struct {
        const char *name;
        unsigned bit;
} type_names[] = {
    {"string", T_STRING}, {"integer", T_INTEGER}, {"number", T_NUMBER},
    {"boolean", T_BOOLEAN}, {"object", T_OBJECT}, {"array", T_ARRAY},
    {"null", T_NULL},
};

typedef struct field_s {
        char *name;
        size_t len;        /* strlen(name) */
        unsigned types;    /* 0: any type */
        int required;
        /* the value keywords (JSON Schema validation, 2020-12): each applies
         * only to values of its kind, as the specification says */
        json_t *enum_vals; /* "enum": strings, numbers, booleans, null; NULL: none */
        int has_min, has_max;
        double minimum, maximum;    /* numbers */
        long long min_len, max_len; /* strings, in code points; -1: none */
        regex_t *pattern;           /* strings: a POSIX extended regular expression, searched */
        char *pattern_text;
        int date_time;              /* strings: "format": "date-time" (RFC 3339) */
} field_t;

struct ib_schema_s {
        field_t *fields;
        size_t nfields, cap;
};

static unsigned type_bit(const char *s) {
        for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
                if (!strcmp(type_names[i].name, s))
                        return type_names[i].bit;
        return 0;
}

static const char *type_name(json_type t) {
        switch (t) {
        case JSON_OBJECT: return "object";
        case JSON_ARRAY: return "array";
        case JSON_STRING: return "string";
        case JSON_INTEGER: return "integer";
        case JSON_REAL: return "number";
        case JSON_TRUE:
        case JSON_FALSE: return "boolean";
        case JSON_NULL: return "null";
        }
        return "unknown";
}

static unsigned type_bits(json_type t) {
        switch (t) {
        case JSON_OBJECT: return T_OBJECT;
        case JSON_ARRAY: return T_ARRAY;
        case JSON_STRING: return T_STRING;
        case JSON_INTEGER: return T_INTEGER | T_NUMBER;
        case JSON_REAL: return T_NUMBER;
        case JSON_TRUE:
        case JSON_FALSE: return T_BOOLEAN;
        case JSON_NULL: return T_NULL;
        }
        return 0;
}

/* The field named @p name: found through @p index (name -> position + 1, a
 * jansson hash table used while compiling), or added. Linear in the schema's
 * size: a lookup scan made a 60,000-property schema take 5.5 s to load. */
static field_t *field_get(ib_schema_t *s, json_t *index, const char *name) {
        json_int_t at = json_integer_value(json_object_get(index, name));
        if (at > 0)
                return &s->fields[at - 1];
        if (s->nfields == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 16;
                field_t *f = realloc(s->fields, cap * sizeof(*f));
                if (!f)
                        return NULL;
                s->fields = f, s->cap = cap;
        }
        field_t *f = &s->fields[s->nfields];
        memset(f, 0, sizeof(*f));
        f->min_len = f->max_len = -1;
        if (!(f->name = strdup(name)))
                return NULL;
        f->len = strlen(name);
        s->nfields++;
        if (json_object_set_new(index, name, json_integer((json_int_t)s->nfields)))
                return NULL;
        return f;
}

static int parse_types(const json_t *t, unsigned *bits) {
        *bits = 0;
        if (json_is_string(t)) {
                *bits = type_bit(json_string_value(t));
                return *bits ? 0 : -1;
        }
        if (!json_is_array(t) || json_array_size(t) == 0)
                return -1;
        size_t i;
        json_t *e;
        json_array_foreach(t, i, e) {
                unsigned b = json_is_string(e) ? type_bit(json_string_value(e)) : 0;
                if (!b)
                        return -1;
                *bits |= b;
        }
        return 0;
}

#define KEYWORDS "type, enum, minimum, maximum, minLength, maxLength, pattern, format (date-time)"

/* One keyword of property @p f at path $.properties.NAME. @returns IB_OK or
 * the refusal, naming the JSON path. */
static ib_err_t parse_keyword(field_t *f, const char *kw, json_t *v, const char *origin, const char *name,
                              char *errstr, size_t errstr_size) {
#define REFUSE(...)                                                                                          \
        do {                                                                                                 \
                char why_[256];                                                                              \
                snprintf(why_, sizeof(why_), __VA_ARGS__);                                                   \
                return ib_seterr(errstr, errstr_size, IB_ERR_SCHEMA, "%s: $.properties.%s.%s: %s", origin, name, \
                                 kw, why_);                                                                  \
        } while (0)
        if (!strcmp(kw, "type")) {
                if (parse_types(v, &f->types))
                        REFUSE("want one of, or an array of, string, integer, number, boolean, object, array, null");
        } else if (!strcmp(kw, "enum")) {
                size_t i;
                json_t *e;
                if (!json_is_array(v) || !json_array_size(v))
                        REFUSE("want a non-empty array");
                json_array_foreach(v, i, e) if (json_is_object(e) || json_is_array(e))
                        REFUSE("entry %zu: only strings, numbers, booleans and null are supported", i);
                f->enum_vals = json_incref(v);
        } else if (!strcmp(kw, "minimum") || !strcmp(kw, "maximum")) {
                if (!json_is_number(v))
                        REFUSE("want a number");
                if (kw[1] == 'i')
                        f->has_min = 1, f->minimum = json_number_value(v);
                else
                        f->has_max = 1, f->maximum = json_number_value(v);
        } else if (!strcmp(kw, "minLength") || !strcmp(kw, "maxLength")) {
                if (!json_is_integer(v) || json_integer_value(v) < 0)
                        REFUSE("want an integer of 0 or more");
                *(kw[1] == 'i' ? &f->min_len : &f->max_len) = json_integer_value(v);
        } else if (!strcmp(kw, "pattern")) {
                if (!json_is_string(v))
                        REFUSE("want a string");
                f->pattern = malloc(sizeof(*f->pattern));
                int rc = f->pattern ? regcomp(f->pattern, json_string_value(v), REG_EXTENDED | REG_NOSUB) : REG_ESPACE;
                if (rc) {
                        char msg[128] = "out of memory";
                        if (f->pattern)
                                regerror(rc, f->pattern, msg, sizeof(msg));
                        free(f->pattern);
                        f->pattern = NULL;
                        REFUSE("not a POSIX extended regular expression: %s", msg);
                }
                if (!(f->pattern_text = strdup(json_string_value(v))))
                        REFUSE("out of memory");
        } else if (!strcmp(kw, "format")) {
                if (!json_is_string(v) || strcmp(json_string_value(v), "date-time"))
                        REFUSE("only \"date-time\" is implemented");
                f->date_time = 1;
        } else if (strcmp(kw, "title") && strcmp(kw, "description") && strcmp(kw, "$comment") &&
                   strcmp(kw, "examples") && strcmp(kw, "default")) {
                REFUSE("unsupported keyword (supported: " KEYWORDS "; annotations: title, description, $comment, "
                       "examples, default)");
        }
        return IB_OK;
#undef REFUSE
}

/* "properties": each property's allowed types and values. */
static ib_err_t parse_properties(ib_schema_t *s, json_t *index, json_t *val, const char *origin, char *errstr,
                                 size_t errstr_size) {
        const char *pname, *kw;
        json_t *pdef, *v;
        if (!json_is_object(val))
                return ib_seterr(errstr, errstr_size, IB_ERR_SCHEMA, "%s: $.properties: must be an object", origin);
        json_object_foreach(val, pname, pdef) {
                field_t *f = field_get(s, index, pname);
                if (!f)
                        return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "%s: out of memory", origin);
                if (!json_is_object(pdef))
                        return ib_seterr(errstr, errstr_size, IB_ERR_SCHEMA, "%s: $.properties.%s: must be an object",
                                         origin, pname);
                json_object_foreach(pdef, kw, v) {
                        ib_err_t err = parse_keyword(f, kw, v, origin, pname, errstr, errstr_size);
                        if (err)
                                return err;
                }
        }
        return IB_OK;
}

/* "required": names that must be present. */
static ib_err_t parse_required(ib_schema_t *s, json_t *index, json_t *val, const char *origin, char *errstr,
                               size_t errstr_size) {
        size_t i;
        json_t *e;
        if (!json_is_array(val))
                return ib_seterr(errstr, errstr_size, IB_ERR_SCHEMA, "%s: $.required: must be an array of names",
                                 origin);
        json_array_foreach(val, i, e) {
                if (!json_is_string(e))
                        return ib_seterr(errstr, errstr_size, IB_ERR_SCHEMA, "%s: $.required[%zu]: must be a name",
                                         origin, i);
                field_t *f = field_get(s, index, json_string_value(e));
                if (!f)
                        return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "%s: out of memory", origin);
                f->required = 1;
        }
        return IB_OK;
}

ib_err_t ib_schema_parse(const char *text, size_t len, const char *origin, ib_schema_t **out,
                         char *errstr, size_t errstr_size) {
        json_error_t jerr;
        json_t *root = json_loadb(text, len, 0, &jerr), *index = json_object();
        if (!root) {
                json_decref(index);
                return ib_seterr(errstr, errstr_size, IB_ERR_PARSE, "%s: line %d column %d: %s",
                                 origin, jerr.line, jerr.column, jerr.text);
        }
        ib_err_t err;
        ib_schema_t *s = calloc(1, sizeof(*s));
        const char *key;
        json_t *val;
        if (!s || !index)
                goto nomem;
        if (!json_is_object(root)) {
                err = ib_seterr(errstr, errstr_size, IB_ERR_SCHEMA, "%s: a schema is a JSON object", origin);
                goto fail;
        }
        /* "properties" before "required", so that fields keep the order of the
         * properties whatever the order of the keys */
        if ((val = json_object_get(root, "properties")) &&
            (err = parse_properties(s, index, val, origin, errstr, errstr_size)))
                goto fail;
        json_object_foreach(root, key, val) {
                if (!strcmp(key, "type")) {
                        if (!json_is_string(val) || strcmp(json_string_value(val), "object")) {
                                err = ib_seterr(errstr, errstr_size, IB_ERR_SCHEMA,
                                          "%s: $.type: must be \"object\"", origin);
                                goto fail;
                        }
                } else if (!strcmp(key, "properties")) {
                        /* above */
                } else if (!strcmp(key, "required")) {
                        if ((err = parse_required(s, index, val, origin, errstr, errstr_size)))
                                goto fail;
                } else if (!strcmp(key, "$schema") || !strcmp(key, "title") ||
                           !strcmp(key, "description") || !strcmp(key, "$id") || !strcmp(key, "$comment")) {
                        /* annotations: no effect on validation */
                } else {
                        err = ib_seterr(errstr, errstr_size, IB_ERR_SCHEMA,
                                  "%s: $.%s: unsupported schema keyword (supported at the top: type, "
                                  "required, properties; in a property: " KEYWORDS ")", origin, key);
                        goto fail;
                }
        }
        json_decref(root);
        json_decref(index);
        *out = s;
        return IB_OK;
nomem:
        err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "%s: out of memory", origin);
fail:
        json_decref(root);
        json_decref(index);
        ib_schema_destroy(s);
        return err;
}

ib_err_t ib_schema_load(const char *path, ib_schema_t **out, char *errstr, size_t errstr_size) {
        if (!path)
                return ib_schema_parse(ib_schema_default_json, strlen(ib_schema_default_json),
                                       "built-in schema", out, errstr, errstr_size);
        char *text;
        size_t len;
        ib_err_t err = ib_fs_read_input(path, IB_FS_MAX_SPEC_BYTES, &text, &len, errstr, errstr_size);
        if (err)
                return err;
        err = ib_schema_parse(text, len, path, out, errstr, errstr_size);
        free(text);
        return err;
}

void ib_schema_destroy(ib_schema_t *s) {
        if (!s)
                return;
        for (size_t i = 0; i < s->nfields; i++) {
                field_t *f = &s->fields[i];
                free(f->name);
                json_decref(f->enum_vals);
                if (f->pattern)
                        regfree(f->pattern);
                free(f->pattern);
                free(f->pattern_text);
        }
        free(s->fields);
        free(s);
}

/* A value as both trees give it, for the value keywords. */
typedef struct {
        json_type type;
        const char *s; /* JSON_STRING: its bytes (not NUL-terminated in a doc) */
        size_t len;
        long long i;   /* JSON_INTEGER */
        double d;      /* JSON_INTEGER and JSON_REAL */
} view_t;

static view_t view_json(const json_t *v) {
        view_t w = {json_typeof(v), NULL, 0, 0, 0};
        if (w.type == JSON_STRING)
                w.s = json_string_value(v), w.len = json_string_length(v);
        else if (w.type == JSON_INTEGER)
                w.i = json_integer_value(v), w.d = (double)w.i;
        else if (w.type == JSON_REAL)
                w.d = json_real_value(v);
        return w;
}

static view_t view_doc(const ib_doc_t *v) {
        view_t w = {v->type, NULL, 0, 0, 0};
        if (w.type == JSON_STRING)
                w.s = v->u.str.s, w.len = v->u.str.len;
        else if (w.type == JSON_INTEGER)
                w.i = v->u.i, w.d = (double)w.i;
        else if (w.type == JSON_REAL)
                w.d = v->u.d;
        return w;
}

static int is_true(json_type t) { return t == JSON_TRUE; }

/* JSON Schema's equality for the scalars an enum may hold: numbers by value
 * (1 equals 1.0), strings by their bytes. */
static int enum_has(const json_t *vals, const view_t *w) {
        size_t i;
        json_t *e;
        json_array_foreach(vals, i, e) {
                json_type t = json_typeof(e);
                if (json_is_number(e) && (w->type == JSON_INTEGER || w->type == JSON_REAL)) {
                        if (t == JSON_INTEGER && w->type == JSON_INTEGER ? json_integer_value(e) == w->i
                                                                         : json_number_value(e) == w->d)
                                return 1;
                } else if (t == JSON_STRING && w->type == JSON_STRING) {
                        if (json_string_length(e) == w->len && !memcmp(json_string_value(e), w->s, w->len))
                                return 1;
                } else if ((t == JSON_TRUE || t == JSON_FALSE) && (w->type == JSON_TRUE || w->type == JSON_FALSE)) {
                        if (is_true(t) == is_true(w->type))
                                return 1;
                } else if (t == JSON_NULL && w->type == JSON_NULL)
                        return 1;
        }
        return 0;
}

static size_t code_points(const char *s, size_t len) {
        size_t n = 0;
        for (size_t i = 0; i < len; i++)
                n += ((unsigned char)s[i] & 0xC0) != 0x80;
        return n;
}

static int digits(const char *s, int n, int *out) {
        *out = 0;
        for (int i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return 0;
                *out = *out * 10 + (s[i] - '0');
        }
        return 1;
}

/* RFC 3339 date-time: 2024-02-29T23:59:60.5Z, or an offset +HH:MM; T and Z
 * in either case. */
static int is_date_time(const char *s, size_t len) {
        static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int y, mo, d, h, mi, se, oh, om;
        if (len < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
            !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) || s[13] != ':' ||
            !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
                return 0;
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 ||
            se > 60)
                return 0;
        size_t i = 19;
        if (i < len && s[i] == '.') {
                size_t f = ++i;
                while (i < len && s[i] >= '0' && s[i] <= '9')
                        i++;
                if (i == f)
                        return 0;
        }
        if (i + 1 == len && (s[i] == 'Z' || s[i] == 'z'))
                return 1;
        return i + 6 == len && (s[i] == '+' || s[i] == '-') && digits(s + i + 1, 2, &oh) && s[i + 3] == ':' &&
               digits(s + i + 4, 2, &om) && oh <= 23 && om <= 59;
}

/* The value keywords of @p f on @p w (of an allowed type already). */
static ib_err_t check_value(const field_t *f, const view_t *w, char *reason, size_t reason_size) {
        if (f->enum_vals && !enum_has(f->enum_vals, w))
                return ib_seterr(reason, reason_size, IB_ERR_SCHEMA, "field '%s' is not one of its enum", f->name);
        if (w->type == JSON_INTEGER || w->type == JSON_REAL) {
                if (f->has_min && w->d < f->minimum)
                        return ib_seterr(reason, reason_size, IB_ERR_SCHEMA, "field '%s' is below its minimum %.17g",
                                         f->name, f->minimum);
                if (f->has_max && w->d > f->maximum)
                        return ib_seterr(reason, reason_size, IB_ERR_SCHEMA, "field '%s' is above its maximum %.17g",
                                         f->name, f->maximum);
        }
        if (w->type != JSON_STRING)
                return IB_OK;
        if (f->min_len >= 0 || f->max_len >= 0) {
                long long n = (long long)code_points(w->s, w->len);
                if (f->min_len >= 0 && n < f->min_len)
                        return ib_seterr(reason, reason_size, IB_ERR_SCHEMA,
                                         "field '%s' has %lld characters, fewer than its minLength %lld", f->name, n,
                                         f->min_len);
                if (f->max_len >= 0 && n > f->max_len)
                        return ib_seterr(reason, reason_size, IB_ERR_SCHEMA,
                                         "field '%s' has %lld characters, more than its maxLength %lld", f->name, n,
                                         f->max_len);
        }
        if (f->pattern) {
                /* regexec wants a NUL-terminated string (glibc's REG_STARTEND would
                 * spare the copy, but sanitizers' interceptors still read to a NUL):
                 * on the stack, on the heap only for a long one */
                char local[1024], *copy = w->len < sizeof(local) ? local : malloc(w->len + 1);
                if (!copy)
                        return ib_seterr(reason, reason_size, IB_ERR_NOMEM, "out of memory");
                memcpy(copy, w->s, w->len);
                copy[w->len] = '\0';
                int miss = regexec(f->pattern, copy, 0, NULL, 0) != 0;
                if (copy != local)
                        free(copy);
                if (miss)
                        return ib_seterr(reason, reason_size, IB_ERR_SCHEMA, "field '%s' does not match its pattern",
                                         f->name);
        }
        if (f->date_time && !is_date_time(w->s, w->len))
                return ib_seterr(reason, reason_size, IB_ERR_SCHEMA, "field '%s' is not an RFC 3339 date-time",
                                 f->name);
        return IB_OK;
}

/* One field of a record: @p w, or NULL when absent. */
static ib_err_t check_field(const field_t *f, const view_t *w, char *reason, size_t reason_size) {
        if (!w)
                return f->required ? ib_seterr(reason, reason_size, IB_ERR_SCHEMA, "missing field '%s'", f->name)
                                   : IB_OK;
        if (!f->types || (type_bits(w->type) & f->types))
                return check_value(f, w, reason, reason_size);
        char want[96] = "";
        size_t n = 0;
        for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
                if (f->types & type_names[i].bit)
                        n += (size_t)snprintf(want + n, n < sizeof(want) ? sizeof(want) - n : 0, "%s%s", n ? "|" : "",
                                              type_names[i].name);
        return ib_seterr(reason, reason_size, IB_ERR_SCHEMA, "field '%s' is %s, want %s", f->name, type_name(w->type),
                         want);
}

ib_err_t ib_schema_check(const ib_schema_t *s, const json_t *rec, char *reason,
                         size_t reason_size) {
        if (!json_is_object(rec))
                return ib_seterr(reason, reason_size, IB_ERR_SCHEMA,
                                 "record is %s, want object", type_name(json_typeof(rec)));
        for (size_t i = 0; i < s->nfields; i++) {
                const json_t *v = json_object_get(rec, s->fields[i].name);
                view_t w = v ? view_json(v) : (view_t){0};
                ib_err_t err = check_field(&s->fields[i], v ? &w : NULL, reason, reason_size);
                if (err)
                        return err;
        }
        return IB_OK;
}

ib_err_t ib_schema_check_doc(const ib_schema_t *s, const ib_doc_t *rec, char *reason, size_t reason_size) {
        if (rec->type != JSON_OBJECT)
                return ib_seterr(reason, reason_size, IB_ERR_SCHEMA, "record is %s, want object", type_name(rec->type));
        for (size_t i = 0; i < s->nfields; i++) {
                const ib_doc_t *v = ib_doc_get(rec, s->fields[i].name, s->fields[i].len);
                view_t w = v ? view_doc(v) : (view_t){0};
                ib_err_t err = check_field(&s->fields[i], v ? &w : NULL, reason, reason_size);
                if (err)
                        return err;
        }
        return IB_OK;
}
