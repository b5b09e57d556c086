/*
 * schema.c: compile a JSON-schema subset into a field table and check
 * records against it. Unknown schema keywords are refused rather than
 * silently ignored, so a user never believes a rule is enforced when it is not.
 */
#include "schema.h"

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
        size_t len;     /* strlen(name) */
        unsigned types; /* 0: any type */
        int required;
} field_t;

struct ib_schema_s {
        field_t *fields;
        size_t nfields;
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

static field_t *field_get(ib_schema_t *s, const char *name) {
        for (size_t i = 0; i < s->nfields; i++)
                if (!strcmp(s->fields[i].name, name))
                        return &s->fields[i];
        field_t *f = realloc(s->fields, (s->nfields + 1) * sizeof(*f));
        if (!f)
                return NULL;
        s->fields = f;
        f = &s->fields[s->nfields];
        f->name = strdup(name);
        f->len = strlen(name);
        if (!f->name)
                return NULL;
        f->types = 0;
        f->required = 0;
        s->nfields++;
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

/* "properties": each property's allowed types. */
static ib_err_t parse_properties(ib_schema_t *s, json_t *val, const char *origin, char *errstr, size_t errstr_size) {
        const char *pname;
        json_t *pdef;
        if (!json_is_object(val))
                return ib_seterr(errstr, errstr_size, IB_ERR_SCHEMA, "%s: \"properties\" must be an object", origin);
        json_object_foreach(val, pname, pdef) {
                field_t *f = field_get(s, pname);
                if (!f)
                        return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "%s: out of memory", origin);
                json_t *t = json_is_object(pdef) ? json_object_get(pdef, "type") : NULL;
                if (!json_is_object(pdef) || (t && parse_types(t, &f->types) != 0))
                        return ib_seterr(errstr, errstr_size, IB_ERR_SCHEMA,
                                         "%s: property '%s' needs a \"type\" among "
                                         "string, integer, number, boolean, object, array, null",
                                         origin, pname);
        }
        return IB_OK;
}

/* "required": names that must be present. */
static ib_err_t parse_required(ib_schema_t *s, json_t *val, const char *origin, char *errstr, size_t errstr_size) {
        size_t i;
        json_t *e;
        if (!json_is_array(val))
                return ib_seterr(errstr, errstr_size, IB_ERR_SCHEMA, "%s: \"required\" must be an array of names",
                                 origin);
        json_array_foreach(val, i, e) {
                if (!json_is_string(e))
                        return ib_seterr(errstr, errstr_size, IB_ERR_SCHEMA,
                                         "%s: \"required\" must be an array of names", origin);
                field_t *f = field_get(s, json_string_value(e));
                if (!f)
                        return ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "%s: out of memory", origin);
                f->required = 1;
        }
        return IB_OK;
}

ib_err_t ib_schema_parse(const char *text, size_t len, const char *origin, ib_schema_t **out,
                         char *errstr, size_t errstr_size) {
        json_error_t jerr;
        json_t *root = json_loadb(text, len, 0, &jerr);
        if (!root)
                return ib_seterr(errstr, errstr_size, IB_ERR_PARSE, "%s: line %d column %d: %s",
                                 origin, jerr.line, jerr.column, jerr.text);
        ib_err_t err;
        ib_schema_t *s = calloc(1, sizeof(*s));
        const char *key;
        json_t *val;
        if (!s)
                goto nomem;
        if (!json_is_object(root)) {
                err = ib_seterr(errstr, errstr_size, IB_ERR_SCHEMA, "%s: a schema is a JSON object", origin);
                goto fail;
        }
        json_object_foreach(root, key, val) {
                if (!strcmp(key, "type")) {
                        if (!json_is_string(val) || strcmp(json_string_value(val), "object")) {
                                err = ib_seterr(errstr, errstr_size, IB_ERR_SCHEMA,
                                          "%s: top-level \"type\" must be \"object\"", origin);
                                goto fail;
                        }
                } else if (!strcmp(key, "properties")) {
                        if ((err = parse_properties(s, val, origin, errstr, errstr_size)))
                                goto fail;
                } else if (!strcmp(key, "required")) {
                        if ((err = parse_required(s, val, origin, errstr, errstr_size)))
                                goto fail;
                } else if (!strcmp(key, "$schema") || !strcmp(key, "title") ||
                           !strcmp(key, "description") || !strcmp(key, "$id")) {
                        /* annotations: no effect on validation */
                } else {
                        err = ib_seterr(errstr, errstr_size, IB_ERR_SCHEMA,
                                  "%s: unsupported schema keyword '%s' (supported: type, "
                                  "required, properties)", origin, key);
                        goto fail;
                }
        }
        json_decref(root);
        *out = s;
        return IB_OK;
nomem:
        err = ib_seterr(errstr, errstr_size, IB_ERR_NOMEM, "%s: out of memory", origin);
fail:
        json_decref(root);
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
        for (size_t i = 0; i < s->nfields; i++)
                free(s->fields[i].name);
        free(s->fields);
        free(s);
}

/* One field of a record: @p found, of type @p t. */
static ib_err_t check_field(const field_t *f, int found, json_type t, char *reason, size_t reason_size) {
        if (!found)
                return f->required ? ib_seterr(reason, reason_size, IB_ERR_SCHEMA, "missing field '%s'", f->name)
                                   : IB_OK;
        if (!f->types || (type_bits(t) & f->types))
                return IB_OK;
        char want[96] = "";
        size_t n = 0;
        for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
                if (f->types & type_names[i].bit)
                        n += (size_t)snprintf(want + n, n < sizeof(want) ? sizeof(want) - n : 0, "%s%s", n ? "|" : "",
                                              type_names[i].name);
        return ib_seterr(reason, reason_size, IB_ERR_SCHEMA, "field '%s' is %s, want %s", f->name, type_name(t), want);
}

ib_err_t ib_schema_check(const ib_schema_t *s, const json_t *rec, char *reason,
                         size_t reason_size) {
        if (!json_is_object(rec))
                return ib_seterr(reason, reason_size, IB_ERR_SCHEMA,
                                 "record is %s, want object", type_name(json_typeof(rec)));
        for (size_t i = 0; i < s->nfields; i++) {
                const json_t *v = json_object_get(rec, s->fields[i].name);
                ib_err_t err = check_field(&s->fields[i], v != NULL, v ? json_typeof(v) : JSON_NULL, reason, reason_size);
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
                ib_err_t err = check_field(&s->fields[i], v != NULL, v ? v->type : JSON_NULL, reason, reason_size);
                if (err)
                        return err;
        }
        return IB_OK;
}
