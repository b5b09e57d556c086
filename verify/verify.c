/*
 * verify.c: the accounting behind `ingestbench verify`. Two open-addressing
 * hash tables: (partition, offset) -> input record, and id -> first input
 * record (to spot ids the producer wrote twice). Each input record keeps how
 * often it was delivered and whether it was dead-lettered.
 */
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
        uint32_t delivered;
        uint8_t dead;
} rstate_t;

static uint64_t mix64(uint64_t x) {
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdULL;
        x ^= x >> 33;
        x *= 0xc4ceb9fe1a85ec53ULL;
        x ^= x >> 33;
        return x;
}

static uint64_t str_hash(const char *s) {
        uint64_t h = 1469598103934665603ULL; /* FNV-1a */
        for (; *s; s++)
                h = (h ^ (unsigned char)*s) * 1099511628211ULL;
        return mix64(h);
}

static uint64_t po_hash(int32_t p, int64_t o) {
        return mix64(((uint64_t)(uint32_t)p << 40) ^ (uint64_t)o);
}

/* slots hold index+1 into produced[]; 0 is empty */
typedef struct {
        size_t *slot;
        size_t mask;
} table_t;

static int table_init(table_t *t, size_t n) {
        size_t cap = 16;
        while (cap < n * 2 + 1)
                cap *= 2;
        t->slot = calloc(cap, sizeof(size_t));
        t->mask = cap - 1;
        return t->slot ? 0 : -1;
}

static size_t find_po(const table_t *t, const ib_vrec_t *prod, int32_t p, int64_t o) {
        for (size_t i = po_hash(p, o) & t->mask;; i = (i + 1) & t->mask) {
                size_t s = t->slot[i];
                if (!s)
                        return 0;
                if (prod[s - 1].partition == p && prod[s - 1].offset == o)
                        return s;
        }
}

static size_t find_id(const table_t *t, const ib_vrec_t *prod, const char *id, size_t *empty) {
        for (size_t i = str_hash(id) & t->mask;; i = (i + 1) & t->mask) {
                size_t s = t->slot[i];
                if (!s) {
                        *empty = i;
                        return 0;
                }
                if (!strcmp(prod[s - 1].id, id))
                        return s;
        }
}

static void sample(ib_verify_kind_t *k, const ib_vrec_t *r) {
        k->count++;
        if (k->nsamples < IB_VERIFY_SAMPLES) {
                ib_verify_sample_t *s = &k->samples[k->nsamples++];
                s->partition = r->partition;
                s->offset = r->offset;
                snprintf(s->id, sizeof(s->id), "%s", r->id ? r->id : "");
        }
}

/* highest offset delivered so far per partition, grown on demand */
typedef struct {
        int64_t *max;
        size_t n;
} pmax_t;

static int64_t *pmax_get(pmax_t *pm, int32_t p) {
        if (p < 0)
                return NULL;
        if ((size_t)p >= pm->n) {
                size_t n = (size_t)p + 16;
                int64_t *m = realloc(pm->max, n * sizeof(*m));
                if (!m)
                        return NULL;
                for (size_t i = pm->n; i < n; i++)
                        m[i] = -1;
                pm->max = m;
                pm->n = n;
        }
        return &pm->max[p];
}

ib_err_t ib_verify_run(const ib_vrec_t *prod, size_t np, const ib_vrec_t *del,
                       size_t nd, const ib_vrec_t *dead, size_t ndead,
                       ib_verify_result_t *res) {
        memset(res, 0, sizeof(*res));
        table_t by_po = {0}, by_id = {0};
        pmax_t pm = {0};
        rstate_t *st = calloc(np ? np : 1, sizeof(*st));
        ib_err_t err = IB_ERR_NOMEM;
        if (!st || table_init(&by_po, np) || table_init(&by_id, np))
                goto done;

        res->produced = np;
        for (size_t i = 0; i < np; i++) {
                size_t j = po_hash(prod[i].partition, prod[i].offset) & by_po.mask;
                while (by_po.slot[j])
                        j = (j + 1) & by_po.mask;
                by_po.slot[j] = i + 1;
                if (prod[i].id) {
                        size_t empty;
                        if (find_id(&by_id, prod, prod[i].id, &empty))
                                sample(&res->input_duplicates, &prod[i]);
                        else
                                by_id.slot[empty] = i + 1;
                }
        }

        res->delivered = nd;
        for (size_t i = 0; i < nd; i++) {
                size_t s = find_po(&by_po, prod, del[i].partition, del[i].offset);
                const ib_vrec_t *in = s ? &prod[s - 1] : NULL;
                if (!in || !in->id || !del[i].id || strcmp(in->id, del[i].id)) {
                        sample(&res->unexpected, &del[i]);
                        continue;
                }
                if (++st[s - 1].delivered > 1) {
                        sample(&res->duplicates, in);
                        continue;
                }
                res->unique++;
                int64_t *mx = pmax_get(&pm, in->partition);
                if (!mx)
                        goto done;
                if (in->offset < *mx)
                        sample(&res->out_of_order, in);
                else
                        *mx = in->offset;
        }

        res->dead_letters = ndead;
        for (size_t i = 0; i < ndead; i++) {
                size_t s = find_po(&by_po, prod, dead[i].partition, dead[i].offset);
                if (s && !st[s - 1].dead && !st[s - 1].delivered) {
                        st[s - 1].dead = 1;
                        res->dead_lettered++;
                }
        }

        for (size_t i = 0; i < np; i++)
                if (!st[i].delivered && !st[i].dead)
                        sample(&res->lost, &prod[i]);
        err = IB_OK;
done:
        free(st);
        free(by_po.slot);
        free(by_id.slot);
        free(pm.max);
        return err;
}

static const char *count_names[] = {"produced", "delivered", "unique", "duplicates",
                                    "lost", "out_of_order", "unexpected", "dead_lettered",
                                    "input_duplicates", "log_records", "log_duplicates",
                                    "aborted_records"};

int64_t ib_verify_count(const ib_verify_result_t *r, const char *name) {
        if (!strcmp(name, "produced")) return (int64_t)r->produced;
        if (!strcmp(name, "delivered")) return (int64_t)r->delivered;
        if (!strcmp(name, "unique")) return (int64_t)r->unique;
        if (!strcmp(name, "duplicates")) return (int64_t)r->duplicates.count;
        if (!strcmp(name, "lost")) return (int64_t)r->lost.count;
        if (!strcmp(name, "out_of_order")) return (int64_t)r->out_of_order.count;
        if (!strcmp(name, "unexpected")) return (int64_t)r->unexpected.count;
        if (!strcmp(name, "dead_lettered")) return (int64_t)r->dead_lettered;
        if (!strcmp(name, "input_duplicates")) return (int64_t)r->input_duplicates.count;
        if (!strcmp(name, "log_records")) return r->has_log ? (int64_t)r->log_records : -1;
        if (!strcmp(name, "log_duplicates")) return r->has_log ? (int64_t)r->log_duplicates : -1;
        if (!strcmp(name, "aborted_records")) return r->has_log ? (int64_t)r->aborted_records : -1;
        return -1;
}

ib_err_t ib_verify_expect_parse(const char *spec, ib_verify_expect_t *ex,
                                char *errstr, size_t errstr_size) {
        memset(ex, 0, sizeof(*ex));
        const char *p = spec;
        while (*p) {
                const char *comma = strchr(p, ',');
                size_t len = comma ? (size_t)(comma - p) : strlen(p);
                const char *eq = memchr(p, '=', len);
                if (!eq || eq == p || (size_t)(eq - p) >= sizeof(ex->name[0]) || ex->n == 8)
                        return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                         "--expect takes name=N[,name=N...], not '%s'", spec);
                char name[24];
                memcpy(name, p, (size_t)(eq - p));
                name[eq - p] = '\0';
                int known = 0;
                for (size_t i = 0; i < sizeof(count_names) / sizeof(count_names[0]); i++)
                        known |= !strcmp(name, count_names[i]);
                if (!known)
                        return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                         "--expect: unknown count '%s' (known: produced, delivered, "
                                         "unique, duplicates, lost, out_of_order, unexpected, "
                                         "dead_lettered, input_duplicates, log_records, log_duplicates, "
                                         "aborted_records)", name);
                char num[32];
                size_t nlen = len - (size_t)(eq - p) - 1;
                if (nlen == 0 || nlen >= sizeof(num))
                        return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                         "--expect: '%s' needs a whole number", name);
                memcpy(num, eq + 1, nlen);
                num[nlen] = '\0';
                char *end;
                unsigned long long v = strtoull(num, &end, 10);
                if (*end || num[0] == '-')
                        return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                         "--expect: '%s' needs a whole number, not '%s'", name, num);
                strcpy(ex->name[ex->n], name);
                ex->value[ex->n++] = v;
                p += len;
                if (*p == ',')
                        p++;
        }
        if (ex->n == 0)
                return ib_seterr(errstr, errstr_size, IB_ERR_INVALID_ARG,
                                 "--expect needs at least one name=N");
        return IB_OK;
}

int ib_verify_expect_check(const ib_verify_expect_t *ex, const ib_verify_result_t *r,
                           char *why, size_t why_size) {
        for (int i = 0; i < ex->n; i++) {
                int64_t got = ib_verify_count(r, ex->name[i]);
                if (got != (int64_t)ex->value[i]) {
                        snprintf(why, why_size, "%s is %lld, expected %llu", ex->name[i],
                                 (long long)got, (unsigned long long)ex->value[i]);
                        return 0;
                }
        }
        return 1;
}
