/*
 * places.c — the province and ISP tables (see places.h, etc/README.md).
 *
 * The tables are edited by hand, so the parser is strict and talks like a
 * reviewer: a tab typed as spaces, a stray blank after a name, a region
 * listed twice, a code spelled two ways would each silently split or
 * merge groups in the landscape, so each is an error naming the file, the
 * line and the column.  A read either adds all of its rows or none.
 *
 * Strings live in one arena for the life of the map.  Provinces are
 * interned by code: every row of a code points at one struct province, so
 * pointer equality is province equality, and the first row of a code fixes
 * its names (later rows must repeat them exactly).
 *
 * Lookups: province_lookup hashes (country, region) into an open-addressing
 * table of row indexes; the ISP rows are kept sorted by ASN and searched by
 * bisection (a few hundred rows: eight or nine compares, no hashing).  The
 * same open-addressing index, keyed by a 64-bit hash and confirmed by a
 * comparison callback, also catches duplicate regions, codes and names
 * while reading, so a hostile file of many lines costs linear time.
 */
#include "enrich/places.h"
#include "core/hash.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "enrich/geo_walk.h"

#define MAX_LINE 4096 /* bytes; a row of four names is far shorter */

/* ---- a hash index of uint32 row numbers ------------------------------- */

struct slot {
    uint64_t h;
    uint32_t idx1; /* row + 1; 0 = empty */
};

struct hindex {
    struct slot *s;
    size_t cap; /* power of two, or 0 */
    size_t n;
};

/* 1 when row idx has the key the caller is looking for. */
typedef int (*hindex_eq)(const void *ctx, uint32_t idx, const void *key);

static uint64_t hash_str(const char *s, size_t n)
{
    return vg_mix64(vg_fnv1a(VG_FNV_SEED, s, n));
}

/* The row holding key, or -1. */
static long hindex_find(const struct hindex *x, uint64_t h, hindex_eq eq,
                        const void *ctx, const void *key)
{
    if (!x->cap)
        return -1;
    for (size_t i = h & (x->cap - 1);; i = (i + 1) & (x->cap - 1)) {
        const struct slot *s = &x->s[i];
        if (!s->idx1)
            return -1;
        if (s->h == h && eq(ctx, s->idx1 - 1, key))
            return (long)s->idx1 - 1;
    }
}

static void hindex_put(struct hindex *x, uint64_t h, uint32_t idx)
{
    size_t i = h & (x->cap - 1);
    while (x->s[i].idx1)
        i = (i + 1) & (x->cap - 1);
    x->s[i].h = h;
    x->s[i].idx1 = idx + 1;
}

/* Add row idx (not yet present) under hash h, growing at half full. */
static int hindex_add(struct hindex *x, uint64_t h, uint32_t idx)
{
    if ((x->n + 1) * 2 > x->cap) {
        size_t ncap = x->cap ? x->cap * 2 : 64;
        struct slot *ns = calloc(ncap, sizeof *ns), *old = x->s;
        if (!ns)
            return VG_ENOMEM;
        struct hindex nx = {ns, ncap, x->n};
        for (size_t i = 0; i < x->cap; i++)
            if (old[i].idx1)
                hindex_put(&nx, old[i].h, old[i].idx1 - 1);
        free(old);
        *x = nx;
    }
    hindex_put(x, h, idx);
    x->n++;
    return 0;
}

static void hindex_free(struct hindex *x)
{
    free(x->s);
    memset(x, 0, sizeof *x);
}

/* ---- the map ----------------------------------------------------------- */

struct places {
    struct vg_arena arena;
    struct province_row *rows;
    size_t nrows, caprows;
    struct province **units; /* distinct provinces, by first appearance */
    size_t nunits, capunits;
    struct hindex by_region;             /* rows by (cc, region) */
    struct hindex by_code, by_vi, by_en; /* units */
    struct isp_row *isps;                /* sorted by ASN */
    size_t nisps, capisps;
};

int places_create(struct places **out, struct vg_err *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    vg_arena_init(&(*out)->arena, 16384);
    return 0;
}

void places_free(struct places *p)
{
    if (!p)
        return;
    vg_arena_free(&p->arena);
    free(p->rows);
    free(p->units);
    free(p->isps);
    hindex_free(&p->by_region);
    hindex_free(&p->by_code);
    hindex_free(&p->by_vi);
    hindex_free(&p->by_en);
    free(p);
}

/* arr (of elem-byte items, n used, *cap allocated) with room for one
 * more: arr itself or its reallocation; NULL when out of memory (arr is
 * then unchanged and still the caller's). */
static void *grow(void *arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 64;
    void *na = realloc(arr, ncap * elem);
    if (na)
        *cap = ncap;
    return na;
}

/* ---- lines and fields -------------------------------------------------- */

struct field {
    const char *p;
    size_t len;
};

/* Length of the valid UTF-8 sequence at s (RFC 3629 §4: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (!len || len > n || s[0] > 0xf4)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
        (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
        return 0;
    return len;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

/* Check one field's text; NULL when fine, else what is wrong. */
static const char *field_problem(const struct field *f)
{
    if (f->len == 0)
        return "is empty";
    if (is_blank(f->p[0]) || is_blank(f->p[f->len - 1]))
        return "has blanks around it";
    for (size_t i = 0; i < f->len;) {
        const unsigned char *s = (const unsigned char *)f->p + i;
        if (*s < 0x20 || *s == 0x7f)
            return "holds a control character";
        size_t k = utf8_seq(s, f->len - i);
        if (!k)
            return "is not valid UTF-8";
        i += k;
    }
    return NULL;
}

struct tsv {
    struct vg_input *in;
    const char *name;
    const char *const *cols; /* expected header */
    size_t ncols;
    int have_header;
    uint64_t line;
    struct field f[8];
};

/* The next data row of the table into t->f, after checking the header and
 * every field.  1 = a row, 0 = end, <0 = error (err set). */
static int tsv_next(struct tsv *t, struct vg_err *err)
{
    struct vg_line ln;
    int rc;
    while ((rc = vg_input_getline(t->in, &ln, err)) == 1) {
        const char *s = ln.p;
        size_t n = ln.len;
        t->line = ln.lineno;
        if (ln.overlong || n > MAX_LINE)
            return vg_err_set(err, VG_EPARSE,
                              "%s:%llu: line longer than %d bytes", t->name,
                              (unsigned long long)t->line, MAX_LINE);
        if (t->line == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
            s += 3, n -= 3; /* a byte-order mark some editors write */
        size_t k = 0;
        while (k < n && is_blank(s[k]))
            k++;
        if (k == n || s[k] == '#')
            continue;
        size_t nf = 0;
        for (size_t start = 0;;) {
            const char *tab = memchr(s + start, '\t', n - start);
            size_t end = tab ? (size_t)(tab - s) : n;
            if (nf < t->ncols) {
                t->f[nf].p = s + start;
                t->f[nf].len = end - start;
            }
            nf++;
            if (!tab)
                break;
            start = end + 1;
        }
        if (nf != t->ncols) {
            char want[128] = "";
            for (size_t i = 0; i < t->ncols; i++)
                snprintf(want + strlen(want), sizeof want - strlen(want),
                         "%s%s", i ? ", " : "", t->cols[i]);
            return vg_err_set(
                err, VG_EPARSE,
                "%s:%llu: %zu tab-separated field%s, expected %zu (%s)%s",
                t->name, (unsigned long long)t->line, nf, nf == 1 ? "" : "s",
                t->ncols, want,
                nf == 1 && memchr(s, ' ', n) ? "; are the tabs spaces?" : "");
        }
        for (size_t i = 0; i < t->ncols; i++) {
            const char *why = field_problem(&t->f[i]);
            if (why)
                return vg_err_set(err, VG_EPARSE, "%s:%llu: column %zu (%s) %s",
                                  t->name, (unsigned long long)t->line, i + 1,
                                  t->cols[i], why);
        }
        if (t->have_header)
            return 1;
        for (size_t i = 0; i < t->ncols; i++)
            if (t->f[i].len != strlen(t->cols[i]) ||
                memcmp(t->f[i].p, t->cols[i], t->f[i].len) != 0)
                return vg_err_set(err, VG_EPARSE,
                                  "%s:%llu: column %zu of the header is "
                                  "\"%.*s\", expected \"%s\"",
                                  t->name, (unsigned long long)t->line, i + 1,
                                  (int)t->f[i].len, t->f[i].p, t->cols[i]);
        t->have_header = 1;
    }
    if (rc < 0)
        return rc;
    if (!t->have_header)
        return vg_err_set(err, VG_EPARSE, "%s: no header line", t->name);
    return 0;
}

static int field_is(const struct field *f, const char *s)
{
    return f->len == strlen(s) && memcmp(f->p, s, f->len) == 0;
}

/* ---- provinces --------------------------------------------------------- */

struct region_key {
    const char *cc, *region;
    size_t len;
};

static uint64_t region_hash(const char *cc, const char *region, size_t len)
{
    char up[2] = {(char)(cc[0] & ~0x20), (char)(cc[1] & ~0x20)};
    return vg_mix64(
        vg_fnv1a(vg_fnv1a(VG_FNV_SEED, up, 2), region, len));
}

static int region_eq(const void *ctx, uint32_t idx, const void *key)
{
    const struct province_row *r = &((const struct places *)ctx)->rows[idx];
    const struct region_key *k = key;
    return (r->cc[0] == (k->cc[0] & ~0x20)) &&
           (r->cc[1] == (k->cc[1] & ~0x20)) && r->region_len == k->len &&
           memcmp(r->region, k->region, k->len) == 0;
}

/* Units are compared by one of their names; the key says which. */
struct unit_key {
    int which; /* 0 code, 1 vi, 2 en */
    const struct field *f;
};

static const char *unit_name(const struct province *u, int which)
{
    return which == 0 ? u->code : which == 1 ? u->vi : u->en;
}

static int unit_eq(const void *ctx, uint32_t idx, const void *key)
{
    const struct unit_key *k = key;
    return field_is(
        k->f, unit_name(((const struct places *)ctx)->units[idx], k->which));
}

static int code_ok(const struct field *f)
{
    for (size_t i = 0; i < f->len; i++) {
        char c = f->p[i];
        if (c == '-') {
            if (i == 0 || i + 1 == f->len || f->p[i - 1] == '-')
                return 0;
        } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
            return 0;
        }
    }
    return 1;
}

/* Forget rows and units from index keep_rows / keep_units on, and rebuild
 * the indexes (after a failed read). */
static int provinces_truncate(struct places *p, size_t keep_rows,
                              size_t keep_units)
{
    struct hindex *ix[3] = {&p->by_code, &p->by_vi, &p->by_en};
    int rc = 0;
    p->nrows = keep_rows;
    p->nunits = keep_units;
    hindex_free(&p->by_region);
    for (int w = 0; w < 3; w++)
        hindex_free(ix[w]);
    for (size_t i = 0; i < p->nrows && !rc; i++) {
        const struct province_row *r = &p->rows[i];
        rc = hindex_add(&p->by_region,
                        region_hash(r->cc, r->region, r->region_len),
                        (uint32_t)i);
    }
    for (size_t i = 0; i < p->nunits && !rc; i++)
        for (int w = 0; w < 3 && !rc; w++) {
            const char *s = unit_name(p->units[i], w);
            rc = hindex_add(ix[w], hash_str(s, strlen(s)), (uint32_t)i);
        }
    return rc;
}

/* Find or create the unit of this row's code; errors name the line. */
static int province_intern(struct places *p, struct tsv *t,
                           const struct province **out, struct vg_err *err)
{
    static const char *const what[3] = {"code", "province_vi", "province_en"};
    struct hindex *ix[3] = {&p->by_code, &p->by_vi, &p->by_en};
    const struct field *f = &t->f[1]; /* vi, en, code = f[1], f[2], f[3] */
    const struct field *byw[3] = {&f[2], &f[0], &f[1]};
    uint64_t h[3];
    long hit[3];
    for (int w = 0; w < 3; w++) {
        struct unit_key k = {w, byw[w]};
        h[w] = hash_str(byw[w]->p, byw[w]->len);
        hit[w] = hindex_find(ix[w], h[w], unit_eq, p, &k);
    }
    if (hit[0] >= 0) {
        const struct province *u = p->units[hit[0]];
        for (int w = 1; w < 3; w++)
            if (hit[w] != hit[0])
                return vg_err_set(err, VG_EPARSE,
                                  "%s:%llu: column %d (%s) of code %s is "
                                  "\"%.*s\", but earlier rows say \"%s\"",
                                  t->name, (unsigned long long)t->line,
                                  w == 1 ? 2 : 3, what[w], u->code,
                                  (int)byw[w]->len, byw[w]->p, unit_name(u, w));
        *out = u;
        return 0;
    }
    for (int w = 1; w < 3; w++)
        if (hit[w] >= 0)
            return vg_err_set(err, VG_EPARSE,
                              "%s:%llu: %s \"%.*s\" already belongs to code "
                              "%s, not %.*s",
                              t->name, (unsigned long long)t->line, what[w],
                              (int)byw[w]->len, byw[w]->p,
                              p->units[hit[w]]->code, (int)f[2].len, f[2].p);
    struct province *u = vg_arena_alloc(&p->arena, sizeof *u);
    struct province **units =
        grow(p->units, &p->capunits, p->nunits, sizeof *p->units);
    if (units)
        p->units = units;
    if (!u || !units ||
        !(u->code = vg_arena_strndup(&p->arena, f[2].p, f[2].len)) ||
        !(u->vi = vg_arena_strndup(&p->arena, f[0].p, f[0].len)) ||
        !(u->en = vg_arena_strndup(&p->arena, f[1].p, f[1].len)))
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    uint32_t idx = (uint32_t)p->nunits;
    p->units[p->nunits++] = u;
    for (int w = 0; w < 3; w++)
        if (hindex_add(ix[w], h[w], idx))
            return vg_err_set(err, VG_ENOMEM, "out of memory");
    *out = u;
    return 0;
}

int places_read_provinces(struct places *p, struct vg_input *in, const char *cc,
                          struct vg_err *err)
{
    static const char *const cols[] = {"region", "province_vi", "province_en",
                                       "code"};
    struct tsv t = {
        .in = in, .name = vg_input_name(in), .cols = cols, .ncols = 4};
    size_t keep_rows = p->nrows, keep_units = p->nunits;
    int rc;
    if (!cc || strlen(cc) != 2)
        return vg_err_set(err, VG_EUSAGE, "%s: country must be two letters",
                          t.name);
    char ucc[3] = {(char)(cc[0] & ~0x20), (char)(cc[1] & ~0x20), 0};
    while ((rc = tsv_next(&t, err)) == 1) {
        const struct field *region = &t.f[0];
        const struct province *u = NULL;
        if (!code_ok(&t.f[3])) {
            rc = vg_err_set(err, VG_EPARSE,
                            "%s:%llu: column 4 (code) \"%.*s\" must be "
                            "lower-case letters and digits joined by single "
                            "'-'",
                            t.name, (unsigned long long)t.line, (int)t.f[3].len,
                            t.f[3].p);
            break;
        }
        struct region_key k = {ucc, region->p, region->len};
        uint64_t h = region_hash(ucc, region->p, region->len);
        long dup = hindex_find(&p->by_region, h, region_eq, p, &k);
        if (dup >= 0) {
            rc =
                vg_err_set(err, VG_EPARSE,
                           "%s:%llu: region \"%.*s\" is already listed "
                           "(line %llu)",
                           t.name, (unsigned long long)t.line, (int)region->len,
                           region->p, (unsigned long long)p->rows[dup].line);
            break;
        }
        if ((rc = province_intern(p, &t, &u, err)) < 0)
            break;
        struct province_row *rows =
            grow(p->rows, &p->caprows, p->nrows, sizeof *p->rows);
        if (!rows) {
            rc = vg_err_set(err, VG_ENOMEM, "out of memory");
            break;
        }
        p->rows = rows;
        struct province_row *r = &p->rows[p->nrows];
        memcpy(r->cc, ucc, 3);
        r->region_len = region->len;
        r->province = u;
        r->line = t.line;
        if (!(r->region =
                  vg_arena_strndup(&p->arena, region->p, region->len)) ||
            hindex_add(&p->by_region, h, (uint32_t)p->nrows)) {
            rc = vg_err_set(err, VG_ENOMEM, "out of memory");
            break;
        }
        p->nrows++;
    }
    if (rc < 0 && provinces_truncate(p, keep_rows, keep_units) < 0)
        rc = vg_err_set(err, VG_ENOMEM, "out of memory");
    return rc < 0 ? rc : 0;
}

const struct province *province_lookup(const struct places *p, const char *cc,
                                       const char *region, size_t region_len)
{
    if (!p || !cc || !cc[0] || !cc[1] || !region || !region_len)
        return NULL;
    struct region_key k = {cc, region, region_len};
    long i = hindex_find(&p->by_region, region_hash(cc, region, region_len),
                         region_eq, p, &k);
    return i < 0 ? NULL : p->rows[i].province;
}

size_t places_province_count(const struct places *p)
{
    return p ? p->nrows : 0;
}

const struct province_row *places_province_at(const struct places *p,
                                              size_t idx)
{
    return p && idx < p->nrows ? &p->rows[idx] : NULL;
}

/* ---- ISPs -------------------------------------------------------------- */

static int isp_cmp(const void *a, const void *b)
{
    const struct isp_row *x = a, *y = b;
    if (x->asn != y->asn)
        return x->asn < y->asn ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static const struct isp_row *isp_find(const struct isp_row *v, size_t n,
                                      uint32_t asn)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].asn < asn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && v[lo].asn == asn ? &v[lo] : NULL;
}

static int parse_asn(const struct field *f, uint32_t *out)
{
    uint64_t v = 0;
    if (f->len > 10 || f->p[0] == '0')
        return -1;
    for (size_t i = 0; i < f->len; i++) {
        if (f->p[i] < '0' || f->p[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(f->p[i] - '0');
    }
    if (v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

int places_read_isps(struct places *p, struct vg_input *in, struct vg_err *err)
{
    static const char *const cols[] = {"asn", "isp", "country"};
    struct tsv t = {
        .in = in, .name = vg_input_name(in), .cols = cols, .ncols = 3};
    struct isp_row *add = NULL;
    size_t nadd = 0, capadd = 0;
    int rc;
    while ((rc = tsv_next(&t, err)) == 1) {
        const struct field *f = t.f;
        uint32_t asn;
        if (parse_asn(&f[0], &asn) < 0) {
            rc = vg_err_set(err, VG_EPARSE,
                            "%s:%llu: column 1 (asn) \"%.*s\" is not a "
                            "number 1..4294967295 (digits only, no leading "
                            "zeros)",
                            t.name, (unsigned long long)t.line, (int)f[0].len,
                            f[0].p);
            goto out;
        }
        if (f[2].len != 2 || f[2].p[0] < 'A' || f[2].p[0] > 'Z' ||
            f[2].p[1] < 'A' || f[2].p[1] > 'Z') {
            rc = vg_err_set(err, VG_EPARSE,
                            "%s:%llu: column 3 (country) \"%.*s\" is not two "
                            "capital letters (ISO 3166-1 alpha-2)",
                            t.name, (unsigned long long)t.line, (int)f[2].len,
                            f[2].p);
            goto out;
        }
        const struct isp_row *old = isp_find(p->isps, p->nisps, asn);
        if (old) {
            rc = vg_err_set(err, VG_EPARSE,
                            "%s:%llu: ASN %u is already listed (line %llu)",
                            t.name, (unsigned long long)t.line, asn,
                            (unsigned long long)old->line);
            goto out;
        }
        struct isp_row *na = grow(add, &capadd, nadd, sizeof *add);
        if (na)
            add = na;
        if (!na ||
            !(add[nadd].isp = vg_arena_strndup(&p->arena, f[1].p, f[1].len))) {
            rc = vg_err_set(err, VG_ENOMEM, "out of memory");
            goto out;
        }
        add[nadd].asn = asn;
        add[nadd].country[0] = f[2].p[0];
        add[nadd].country[1] = f[2].p[1];
        add[nadd].country[2] = '\0';
        add[nadd].line = t.line;
        nadd++;
    }
    if (rc < 0)
        goto out;
    qsort(add, nadd, sizeof *add, isp_cmp);
    for (size_t i = 1; i < nadd; i++)
        if (add[i].asn == add[i - 1].asn) {
            rc = vg_err_set(err, VG_EPARSE,
                            "%s:%llu: ASN %u is already listed (line %llu)",
                            t.name, (unsigned long long)add[i].line, add[i].asn,
                            (unsigned long long)add[i - 1].line);
            goto out;
        }
    if (p->nisps + nadd > p->capisps) {
        size_t ncap = p->nisps + nadd;
        struct isp_row *n = realloc(p->isps, ncap * sizeof *n);
        if (!n) {
            rc = vg_err_set(err, VG_ENOMEM, "out of memory");
            goto out;
        }
        p->isps = n;
        p->capisps = ncap;
    }
    if (nadd) {
        memcpy(p->isps + p->nisps, add, nadd * sizeof *add);
        p->nisps += nadd;
        qsort(p->isps, p->nisps, sizeof *p->isps, isp_cmp);
    }
    rc = 0;
out:
    free(add);
    return rc;
}

const char *isp_lookup(const struct places *p, uint32_t asn)
{
    const struct isp_row *r = p ? isp_find(p->isps, p->nisps, asn) : NULL;
    return r ? r->isp : NULL;
}

size_t places_isp_count(const struct places *p)
{
    return p ? p->nisps : 0;
}

const struct isp_row *places_isp_at(const struct places *p, size_t idx)
{
    return p && idx < p->nisps ? &p->isps[idx] : NULL;
}

/* ---- finding and loading the files ------------------------------------ */

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* <dir of the running binary>/../etc, or "" (Linux: /proc/self/exe, which
 * unlike argv[0] survives $PATH lookups and symlinks). */
static void etc_dir(char *out, size_t outlen)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash;
    out[0] = '\0';
    if (n <= 0)
        return;
    exe[n] = '\0';
    if (!(slash = strrchr(exe, '/')))
        return;
    *slash = '\0';
    if (snprintf(out, outlen, "%s/../etc", exe) >= (int)outlen)
        out[0] = '\0';
}

/* The path of name in data_dir, else in etc, into out; VG_EDATA naming
 * both places when neither has it. */
static int find_table(char *out, size_t outlen, const char *data_dir,
                      const char *etc, const char *name, struct vg_err *err)
{
    if (data_dir && *data_dir &&
        snprintf(out, outlen, "%s/%s", data_dir, name) < (int)outlen &&
        is_file(out))
        return 0;
    if (*etc && snprintf(out, outlen, "%s/%s", etc, name) < (int)outlen &&
        is_file(out))
        return 0;
    return vg_err_set(err, VG_EDATA,
                      "%s not found in the data directory (%s) nor in %s; run "
                      "`make deps` (it copies etc/*.tsv there)",
                      name, data_dir && *data_dir ? data_dir : "none given",
                      *etc ? etc : "../etc beside the binary");
}

int places_load(struct places **out, const char *provinces_path,
                const char *isps_path, struct vg_err *err)
{
    struct places *p = NULL;
    struct vg_input *in = NULL;
    int rc;
    *out = NULL;
    if ((rc = places_create(&p, err)) < 0)
        goto out;
    if ((rc = vg_input_open(&in, provinces_path, MAX_LINE + 8, err)) < 0 ||
        (rc = places_read_provinces(p, in, "VN", err)) < 0)
        goto out;
    vg_input_close(in);
    in = NULL;
    if ((rc = vg_input_open(&in, isps_path, MAX_LINE + 8, err)) < 0 ||
        (rc = places_read_isps(p, in, err)) < 0)
        goto out;
    *out = p;
    p = NULL;
out:
    vg_input_close(in);
    places_free(p);
    return rc;
}

int places_open(struct places **out, const char *data_dir, struct vg_err *err)
{
    char etc[PATH_MAX], prov[PATH_MAX], isps[PATH_MAX];
    int rc;
    *out = NULL;
    etc_dir(etc, sizeof etc);
    if ((rc = find_table(prov, sizeof prov, data_dir, etc, PLACES_PROVINCES_VN,
                         err)) < 0 ||
        (rc = find_table(isps, sizeof isps, data_dir, etc, PLACES_ISPS, err)) <
            0)
        return rc;
    return places_load(out, prov, isps, err);
}

/* ---- address space per ASN -------------------------------------------- */

struct space {
    const struct asn_table *t;
    size_t nranges, cursor; /* IPv4 ranges, first that may still overlap */
    struct places_asn_space *v;
    size_t n, cap;
    uint32_t *slot; /* hash of ASN → index + 1 */
    size_t slot_cap;
};

static struct places_asn_space *space_entry(struct space *s, uint32_t asn,
                                            const char *name)
{
    if ((s->n + 1) * 2 > s->slot_cap) {
        size_t ncap = s->slot_cap ? s->slot_cap * 2 : 1024;
        uint32_t *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return NULL;
        for (size_t i = 0; i < s->n; i++) {
            size_t j = vg_mix64(s->v[i].asn) & (ncap - 1);
            while (ns[j])
                j = (j + 1) & (ncap - 1);
            ns[j] = (uint32_t)i + 1;
        }
        free(s->slot);
        s->slot = ns;
        s->slot_cap = ncap;
    }
    size_t j = vg_mix64(asn) & (s->slot_cap - 1);
    for (; s->slot[j]; j = (j + 1) & (s->slot_cap - 1))
        if (s->v[s->slot[j] - 1].asn == asn)
            return &s->v[s->slot[j] - 1];
    struct places_asn_space *nv = grow(s->v, &s->cap, s->n, sizeof *s->v);
    if (!nv)
        return NULL;
    s->v = nv;
    struct places_asn_space *e = &s->v[s->n];
    memset(e, 0, sizeof *e);
    e->asn = asn;
    e->name = name;
    s->slot[j] = (uint32_t)++s->n;
    return e;
}

static int space_net(const struct geo_net *net, void *ctx)
{
    struct space *s = ctx;
    uint32_t asn, first, last;
    const char *name;
    if (net->family == 6) {
        struct places_asn_space *e;
        if (!asn_table_lookup(s->t, &net->first, &asn, &name) || !asn)
            return 0;
        if (!(e = space_entry(s, asn, name)))
            return VG_ENOMEM;
        e->v6_nets++;
        return 0;
    }
    /* the walk yields IPv4 networks in address order, and the ranges are
     * in address order too: one pass over both */
    uint64_t a = ip_v4(&net->first),
             b = a + (UINT64_C(1) << (32 - net->prefix)) - 1;
    for (;; s->cursor++) {
        if (s->cursor >= s->nranges)
            return 0;
        asn_table_v4_range(s->t, s->cursor, &first, &last, &asn, &name);
        if (last >= a)
            break;
    }
    for (size_t k = s->cursor; k < s->nranges; k++) {
        asn_table_v4_range(s->t, k, &first, &last, &asn, &name);
        if (first > b)
            break;
        if (!asn)
            continue;
        uint64_t lo = first > a ? first : a, hi = last < b ? last : b;
        struct places_asn_space *e = space_entry(s, asn, name);
        if (!e)
            return VG_ENOMEM;
        e->v4_addrs += hi - lo + 1;
    }
    return 0;
}

static int space_cmp(const void *x, const void *y)
{
    const struct places_asn_space *a = x, *b = y;
    if (a->v4_addrs != b->v4_addrs)
        return a->v4_addrs > b->v4_addrs ? -1 : 1;
    if (a->v6_nets != b->v6_nets)
        return a->v6_nets > b->v6_nets ? -1 : 1;
    return a->asn < b->asn ? -1 : a->asn > b->asn;
}

int places_asn_space(const struct asn_table *t, const char *data_dir,
                     const char *cc, struct places_asn_space **out, size_t *n,
                     struct vg_err *err)
{
    struct space s = {.t = t, .nranges = asn_table_v4_count(t)};
    int rc = geo_walk_networks(data_dir, cc, space_net, &s, err);
    free(s.slot);
    *out = NULL;
    *n = 0;
    if (rc == VG_ENOMEM)
        rc = vg_err_set(err, VG_ENOMEM, "out of memory");
    if (rc < 0) {
        free(s.v);
        return rc;
    }
    qsort(s.v, s.n, sizeof *s.v, space_cmp);
    *out = s.v;
    *n = s.n;
    return 0;
}
