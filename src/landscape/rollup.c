/*
 * rollup.c — landscape queries from the daily rollups (rollup.h).
 *
 * A query by at most one key and no filter but the day range reads the
 * slices of that key's dimension: per value one row per aligned block of
 * 256, 64, 16 or 4 days inside the period and one per day left at its
 * edges (scan_blocks); any other reads the full rollups.
 * One pass over the rollup rows of the day range (equality filters on
 * stored columns go to SQL; province and ISP filters are applied here with
 * the connection's mapping tables, read once per query).  Each row's key
 * cells form a byte key hashed to its group; the group ORs the row's
 * address set (lazy OR, repaired once at the end) and adds its events.
 * The total set is the OR of the group sets.  Ordering reproduces the SQL
 * reference (landscape_run_sql): ips DESC, events DESC, then each key
 * ascending — numbers numerically, text by bytes (SQLite's BINARY
 * collation), province by its code.
 */
#include "landscape/rollup.h"
#include "core/hash.h"

#include <roaring/roaring.h>
#include <stdlib.h>
#include <string.h>

struct pm_entry {
    const char *cc, *region, *code, *vi, *en;
};
struct asn_name {
    uint32_t asn;
    const char *name;
};

struct group {
    uint64_t hash;
    size_t keylen;
    const char *key;
    roaring_bitmap_t *set;
    uint64_t events;
    int32_t day;
    uint32_t asn;
    const char *text[LANDSCAPE_MAX_KEYS]; /* per key: the text cell (into key) */
    const struct pm_entry *pm;            /* province key: its mapping, or NULL */
};

struct scan {
    const struct landscape_query *q;
    struct vg_err *err;
    struct vg_arena arena; /* maps, group keys */
    struct pm_entry *pm;
    size_t npm, pmcap;
    struct asn_name *isp, *names;
    size_t nisp, ispcap, nnames, namescap;
    struct group **slots;
    size_t cap, count;
    char *kbuf;
    size_t kcap;
};

int landscape_rollup_can(struct store *st, const struct landscape_query *q)
{
    if (!store_rollups_ready(st))
        return 0;
    for (size_t k = 0; k < q->nkeys; k++)
        if (q->keys[k] == LK_CITY || q->keys[k] == LK_IP)
            return 0; /* not in the rollups: the SQL path answers */
    return 1;
}

/* The slice (store.h) holding every column q needs, or 0 when only the
 * full rollups do: at most one key and no filter but the day range. */
static int slice_dim(struct store *st, const struct landscape_query *q)
{
    if (store_rollups_ready(st) < 2 || q->nkeys > 1 || q->country[0] || q->family ||
        q->region || q->type || q->feed || q->province || q->isp || q->asn)
        return 0;
    if (!q->nkeys)
        return ROLLUP_SLICE_ALL;
    switch (q->keys[0]) {
    case LK_DAY: return ROLLUP_SLICE_ALL;
    case LK_FAMILY: return ROLLUP_SLICE_FAMILY;
    case LK_ASN:
    case LK_ISP: return ROLLUP_SLICE_ASN;
    case LK_REGION:
    case LK_PROVINCE: return ROLLUP_SLICE_REGION;
    case LK_TYPE: return ROLLUP_SLICE_TYPE;
    case LK_FEED: return ROLLUP_SLICE_FEED;
    case LK_TLP: return ROLLUP_SLICE_TLP;
    case LK_COUNTRY: return ROLLUP_SLICE_COUNTRY;
    default: return 0;
    }
}

static const char *text_of(const struct store_value *v)
{
    return v->type == ST_TEXT ? v->s : "";
}

static char *keep(struct scan *sc, const char *s)
{
    return vg_arena_strndup(&sc->arena, s, strlen(s));
}

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 256;
    void *na = realloc(*arr, nc * size);
    if (!na)
        return VG_ENOMEM;
    *arr = na;
    *cap = nc;
    return 0;
}

static int load_pm(void *ctx, int ncol, const struct store_value *v)
{
    struct scan *sc = ctx;
    (void)ncol;
    if (grow((void **)&sc->pm, &sc->pmcap, sc->npm, sizeof *sc->pm))
        return vg_err_set(sc->err, VG_ENOMEM, "out of memory");
    struct pm_entry *e = &sc->pm[sc->npm];
    if (!(e->cc = keep(sc, text_of(&v[0]))) || !(e->region = keep(sc, text_of(&v[1]))) ||
        !(e->code = keep(sc, text_of(&v[2]))) || !(e->vi = keep(sc, text_of(&v[3]))) ||
        !(e->en = keep(sc, text_of(&v[4]))))
        return vg_err_set(sc->err, VG_ENOMEM, "out of memory");
    sc->npm++;
    return 0;
}

static int load_name(struct scan *sc, struct asn_name **arr, size_t *n, size_t *cap,
                     const struct store_value *v)
{
    if (grow((void **)arr, cap, *n, sizeof **arr))
        return vg_err_set(sc->err, VG_ENOMEM, "out of memory");
    struct asn_name *e = &(*arr)[*n];
    e->asn = (uint32_t)v[0].i;
    if (!(e->name = keep(sc, text_of(&v[1]))))
        return vg_err_set(sc->err, VG_ENOMEM, "out of memory");
    (*n)++;
    return 0;
}

static int load_isp(void *ctx, int ncol, const struct store_value *v)
{
    struct scan *sc = ctx;
    (void)ncol;
    return load_name(sc, &sc->isp, &sc->nisp, &sc->ispcap, v);
}

static int load_asn(void *ctx, int ncol, const struct store_value *v)
{
    struct scan *sc = ctx;
    (void)ncol;
    return load_name(sc, &sc->names, &sc->nnames, &sc->namescap, v);
}

static const struct pm_entry *pm_find(const struct scan *sc, const char *cc, const char *region)
{
    size_t lo = 0, hi = sc->npm;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(sc->pm[mid].cc, cc);
        if (!c)
            c = strcmp(sc->pm[mid].region, region);
        if (!c)
            return &sc->pm[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static const char *name_find(const struct asn_name *arr, size_t n, uint32_t asn)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (arr[mid].asn == asn)
            return arr[mid].name;
        if (arr[mid].asn < asn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The operator of an AS as the SQL reference spells it: the ISP mapping,
 * else the AS name, else "". */
static const char *isp_of(const struct scan *sc, uint32_t asn)
{
    const char *s = name_find(sc->isp, sc->nisp, asn);
    if (!s)
        s = name_find(sc->names, sc->nnames, asn);
    return s ? s : "";
}

static int slots_grow(struct scan *sc)
{
    size_t nc = sc->cap ? sc->cap * 2 : 256;
    struct group **ns = calloc(nc, sizeof *ns);
    if (!ns)
        return VG_ENOMEM;
    for (size_t k = 0; k < sc->cap; k++) {
        struct group *g = sc->slots[k];
        if (!g)
            continue;
        size_t i = g->hash & (nc - 1);
        while (ns[i])
            i = (i + 1) & (nc - 1);
        ns[i] = g;
    }
    free(sc->slots);
    sc->slots = ns;
    sc->cap = nc;
    return 0;
}

static int key_put(struct scan *sc, size_t *len, const void *p, size_t n)
{
    if (*len + n > sc->kcap) {
        size_t nc = (*len + n) * 2 + 256;
        char *nb = realloc(sc->kbuf, nc);
        if (!nb)
            return VG_ENOMEM;
        sc->kbuf = nb;
        sc->kcap = nc;
    }
    memcpy(sc->kbuf + *len, p, n);
    *len += n;
    return 0;
}

/* columns: day type family feed tlp asn cc region events ips */
static int scan_row(void *ctx, int ncol, const struct store_value *v)
{
    struct scan *sc = ctx;
    const struct landscape_query *q = sc->q;
    (void)ncol;
    int32_t day = (int32_t)v[0].i;
    uint32_t asn = (uint32_t)v[5].i;
    const char *cc = text_of(&v[6]), *region = text_of(&v[7]);
    const struct pm_entry *pm = NULL;
    const char *isp = NULL;
    if (sc->pm) {
        pm = pm_find(sc, cc, region);
        if (q->province && (!pm || (strcmp(q->province, pm->code) && strcmp(q->province, pm->vi) &&
                                    strcmp(q->province, pm->en))))
            return 0;
    }
    if (q->isp && strcmp(isp = isp_of(sc, asn), q->isp))
        return 0;

    const char *cell[LANDSCAPE_MAX_KEYS] = {0};
    size_t len = 0;
    for (size_t k = 0; k < q->nkeys; k++) {
        const char *t = NULL;
        switch (q->keys[k]) {
        case LK_DAY:
            if (key_put(sc, &len, &day, sizeof day))
                return vg_err_set(sc->err, VG_ENOMEM, "out of memory");
            continue;
        case LK_ASN:
            if (key_put(sc, &len, &asn, sizeof asn))
                return vg_err_set(sc->err, VG_ENOMEM, "out of memory");
            continue;
        case LK_TYPE: t = text_of(&v[1]); break;
        case LK_FAMILY: t = text_of(&v[2]); break;
        case LK_FEED: t = text_of(&v[3]); break;
        case LK_TLP: t = text_of(&v[4]); break;
        case LK_COUNTRY: t = cc; break;
        case LK_REGION: t = region; break;
        case LK_PROVINCE: t = pm ? pm->code : ""; break;
        case LK_ISP: t = isp ? isp : (isp = isp_of(sc, asn)); break;
        case LK_CITY:
        case LK_IP:
        case LK_COUNT: return vg_err_set(sc->err, VG_EUSAGE, "key not in the rollups");
        }
        cell[k] = t;
        if (key_put(sc, &len, t, strlen(t) + 1))
            return vg_err_set(sc->err, VG_ENOMEM, "out of memory");
    }
    if (len == 0 && key_put(sc, &len, "", 1))
        return vg_err_set(sc->err, VG_ENOMEM, "out of memory");

    if ((sc->count + 1) * 2 > sc->cap && slots_grow(sc))
        return vg_err_set(sc->err, VG_ENOMEM, "out of memory");
    uint64_t h = vg_hash_bytes(sc->kbuf, len);
    size_t i = h & (sc->cap - 1);
    struct group *g;
    for (; (g = sc->slots[i]); i = (i + 1) & (sc->cap - 1))
        if (g->hash == h && g->keylen == len && memcmp(g->key, sc->kbuf, len) == 0)
            break;
    if (!g) {
        char *key = vg_arena_alloc(&sc->arena, len);
        g = vg_arena_alloc(&sc->arena, sizeof *g);
        if (!key || !g)
            return vg_err_set(sc->err, VG_ENOMEM, "out of memory");
        memset(g, 0, sizeof *g);
        memcpy(key, sc->kbuf, len);
        g->hash = h;
        g->key = key;
        g->keylen = len;
        g->day = day;
        g->asn = asn;
        g->pm = pm;
        for (size_t k = 0; k < q->nkeys; k++)
            if (cell[k] && !(g->text[k] = keep(sc, cell[k])))
                return vg_err_set(sc->err, VG_ENOMEM, "out of memory");
        sc->slots[i] = g;
        sc->count++;
    }
    g->events += (uint64_t)v[8].i;
    roaring_bitmap_t *set = v[9].type == ST_BLOB
                                ? roaring_bitmap_portable_deserialize_safe(v[9].s, v[9].len)
                                : NULL;
    if (!set)
        return vg_err_set(sc->err, VG_EDB, "rollups: a stored address set is corrupt");
    if (!g->set) {
        g->set = set;
        return 0;
    }
    roaring_bitmap_lazy_or_inplace(g->set, set, 0);
    roaring_bitmap_free(set);
    return 0;
}

static int cmp_row(const struct landscape_query *q, const struct landscape_row *a,
                   const struct landscape_row *b)
{
    if (a->ips != b->ips)
        return a->ips > b->ips ? -1 : 1;
    if (a->events != b->events)
        return a->events > b->events ? -1 : 1;
    for (size_t k = 0; k < q->nkeys; k++) {
        const struct landscape_cell *x = &a->cells[k], *y = &b->cells[k];
        int c;
        if (q->keys[k] == LK_DAY || q->keys[k] == LK_ASN)
            c = x->i < y->i ? -1 : x->i > y->i;
        else
            c = strcmp(q->keys[k] == LK_PROVINCE ? x->s3 : x->s,
                       q->keys[k] == LK_PROVINCE ? y->s3 : y->s);
        if (c)
            return c;
    }
    return 0;
}

/* qsort has no context argument in C11; one query sorts at a time per thread */
static _Thread_local const struct landscape_query *sort_q;

static int cmp_row_q(const void *a, const void *b)
{
    return cmp_row(sort_q, a, b);
}

static void scan_free(struct scan *sc)
{
    for (size_t k = 0; k < sc->cap; k++)
        if (sc->slots[k] && sc->slots[k]->set)
            roaring_bitmap_free(sc->slots[k]->set);
    free(sc->slots);
    free(sc->pm);
    free(sc->isp);
    free(sc->names);
    free(sc->kbuf);
    vg_arena_free(&sc->arena);
}

static int day_bounds(void *ctx, int ncol, const struct store_value *v)
{
    int64_t *b = ctx;
    (void)ncol;
    if (v[0].type == ST_INT && v[1].type == ST_INT) {
        b[0] = v[0].i;
        b[1] = v[1].i;
    }
    return 0;
}

/* The period [from, to] of a one-key query from the slices of dimension
 * dim: cut into aligned blocks, longest first from the left (a block of L
 * days where the day is a multiple of L and the block fits, else a shorter
 * one, else a single day), and each run of blocks of one level read by one
 * query.  A year is a handful of rows per value instead of 365.  sql takes
 * (dim, first day, last day) and is run once per run. */
static int scan_blocks(struct store *st, struct scan *sc, const char *sql, int dim,
                       int64_t from, int64_t to, struct vg_err *err)
{
    int levels[ROLLUP_LEVEL_MAX];
    size_t nlevels = store_rollup_levels(st, levels);
    int64_t bounds[2] = {1, 0}; /* the days the store has, so that "every day" ends */
    int rc = store_query(st, "SELECT MIN(day), MAX(day) FROM rollup_slices WHERE dim = ?",
                         &(struct store_value){.type = ST_INT, .i = ROLLUP_SLICE_ALL}, 1,
                         day_bounds, bounds, err);
    if (rc)
        return rc;
    if (from < bounds[0])
        from = bounds[0];
    if (to > bounds[1])
        to = bounds[1];
    int run_level = -1;
    int64_t run_first = 0, run_last = 0;
    for (int64_t d = from; d <= to + 1; ) {
        int level = 0;
        int64_t len = 1;
        if (d <= to)
            for (size_t k = nlevels; k-- > 0;) { /* longest first */
                int64_t l = store_rollup_level_days(levels[k]);
                if (((d % l) + l) % l == 0 && d + l - 1 <= to && l > len) {
                    level = levels[k];
                    len = l;
                }
            }
        if (run_level >= 0 && (d > to || level != run_level)) {
            struct store_value a[3] = {{.type = ST_INT, .i = dim + ROLLUP_LEVEL * run_level},
                                       {.type = ST_INT, .i = run_first},
                                       {.type = ST_INT, .i = run_last}};
            if ((rc = store_query(st, sql, a, 3, scan_row, sc, err)))
                return rc;
            run_level = -1;
        }
        if (d > to)
            break;
        if (run_level < 0) {
            run_level = level;
            run_first = d;
        }
        run_last = d;
        d += len;
    }
    return 0;
}

static int cmp_pm(const void *a, const void *b)
{
    const struct pm_entry *x = a, *y = b;
    int c = strcmp(x->cc, y->cc);
    return c ? c : strcmp(x->region, y->region);
}

int landscape_rollup_run(struct store *st, const struct landscape_query *q,
                         struct landscape_result *res, struct vg_err *err)
{
    struct scan sc = {.q = q, .err = err};
    struct vg_buf sql = VG_BUF_INIT;
    struct store_value args[12];
    size_t nargs = 0;
    const roaring_bitmap_t **sets = NULL;
    roaring_bitmap_t *total = NULL;
    int rc = 0;
    memset(res, 0, sizeof *res);
    vg_arena_init(&res->arena, 16 * 1024);
    vg_arena_init(&sc.arena, 64 * 1024);
    if (!landscape_rollup_can(st, q)) {
        rc = vg_err_set(err, VG_EUSAGE, "the rollups cannot answer this query");
        goto out;
    }

    int need_pm = q->province != NULL, need_isp = q->isp != NULL, need_names = 0;
    for (size_t k = 0; k < q->nkeys; k++) {
        need_pm |= q->keys[k] == LK_PROVINCE;
        need_isp |= q->keys[k] == LK_ISP;
        need_names |= q->keys[k] == LK_ASN;
    }
    if (need_pm) {
        if ((rc = store_query(st, "SELECT cc, region, code, vi, en FROM temp.province_map", NULL,
                              0, load_pm, &sc, err)))
            goto out;
        if (!sc.pm && !(sc.pm = malloc(sizeof *sc.pm))) /* "joined", even if empty */
            goto nomem;
        qsort(sc.pm, sc.npm, sizeof *sc.pm, cmp_pm);
    }
    if (need_isp &&
        (rc = store_query(st, "SELECT asn, isp FROM temp.isp_map ORDER BY asn", NULL, 0,
                          load_isp, &sc, err)))
        goto out;
    if ((need_isp || need_names) &&
        (rc = store_query(st, "SELECT asn, name FROM asns ORDER BY asn", NULL, 0, load_asn, &sc,
                          err)))
        goto out;

    int dim = slice_dim(st, q);
    rc = vg_buf_printf(&sql, "SELECT day, type, family, feed, tlp, asn, cc, region, events, ips"
                             " FROM %s day >= ? AND day <= ?",
                       dim ? "rollup_slices WHERE dim = ? AND" : "rollups WHERE");
    if (dim)
        args[nargs++] = (struct store_value){.type = ST_INT, .i = dim};
    args[nargs++] = (struct store_value){.type = ST_INT, .i = q->from_day};
    args[nargs++] = (struct store_value){.type = ST_INT, .i = q->to_day};
    if (!rc && q->country[0]) {
        rc = vg_buf_puts(&sql, " AND cc = ?");
        args[nargs++] = (struct store_value){.type = ST_TEXT, .s = q->country};
    }
    const struct {
        const char *v, *sql;
    } text_filters[] = {{q->family, " AND family = ?"},
                        {q->region, " AND region = ?"},
                        {q->type, " AND type = ?"},
                        {q->feed, " AND feed = ?"}};
    for (size_t k = 0; k < 4 && !rc; k++)
        if (text_filters[k].v) {
            rc = vg_buf_puts(&sql, text_filters[k].sql);
            args[nargs++] = (struct store_value){.type = ST_TEXT, .s = text_filters[k].v};
        }
    if (!rc && q->asn) {
        rc = vg_buf_puts(&sql, " AND asn = ?");
        args[nargs++] = (struct store_value){.type = ST_INT, .i = q->asn};
    }
    if (rc)
        goto nomem;
    if (dim && !(q->nkeys && q->keys[0] == LK_DAY)) {
        if ((rc = scan_blocks(st, &sc, sql.data, dim, q->from_day, q->to_day, err)))
            goto out;
    } else if ((rc = store_query(st, sql.data, args, nargs, scan_row, &sc, err))) {
        goto out;
    }

    /* rows */
    if (!(sets = malloc((sc.count ? sc.count : 1) * sizeof *sets)))
        goto nomem;
    if (sc.count && !(res->rows = calloc(sc.count, sizeof *res->rows)))
        goto nomem;
    res->cap = sc.count;
    size_t nsets = 0;
    for (size_t k = 0; k < sc.cap; k++) {
        struct group *g = sc.slots[k];
        if (!g)
            continue;
        roaring_bitmap_repair_after_lazy(g->set);
        sets[nsets++] = g->set;
        res->total_events += g->events;
        struct landscape_row *row = &res->rows[res->nrows++];
        row->ips = roaring_bitmap_get_cardinality(g->set);
        row->events = g->events;
        for (size_t i = 0; i < q->nkeys; i++) {
            struct landscape_cell *cell = &row->cells[i];
            const char *s = g->text[i];
            switch (q->keys[i]) {
            case LK_DAY: cell->is_int = 1; cell->i = g->day; continue;
            case LK_ASN:
                cell->is_int = 1;
                cell->i = g->asn;
                s = name_find(sc.names, sc.nnames, g->asn);
                s = s ? s : "";
                break;
            case LK_PROVINCE:
                cell->s3 = vg_arena_strndup(&res->arena, s, strlen(s));
                cell->s2 = g->pm ? g->pm->en : "";
                cell->s2 = vg_arena_strndup(&res->arena, cell->s2, strlen(cell->s2));
                s = g->pm ? g->pm->vi : "";
                if (!cell->s2 || !cell->s3)
                    goto nomem;
                break;
            default: break;
            }
            if (!(cell->s = vg_arena_strndup(&res->arena, s, strlen(s))))
                goto nomem;
        }
    }
    if (nsets) {
        total = roaring_bitmap_or_many(nsets, sets);
        if (!total)
            goto nomem;
        res->total_ips = roaring_bitmap_get_cardinality(total);
    }
    sort_q = q;
    if (res->nrows)
        qsort(res->rows, res->nrows, sizeof *res->rows, cmp_row_q);
    if (q->top && res->nrows > q->top)
        res->nrows = q->top;
    goto out;
nomem:
    rc = vg_err_set(err, VG_ENOMEM, "out of memory");
out:
    if (total)
        roaring_bitmap_free(total);
    free(sets);
    vg_buf_free(&sql);
    scan_free(&sc);
    if (rc)
        landscape_result_free(res);
    return rc;
}

struct feed_join {
    struct landscape_feeds *f;
    struct vg_err *err;
    size_t cap;
    int counts; /* 1 while reading the counts, 0 while reading the days */
};

static struct landscape_feed *feed_find(struct landscape_feeds *f, const char *name)
{
    for (size_t k = 0; k < f->n; k++)
        if (strcmp(f->rows[k].feed, name) == 0)
            return &f->rows[k];
    return NULL;
}

/* counts: (feed, n); days: (feed, first, last).  Feeds are few. */
static int feed_join_row(void *ctx, int ncol, const struct store_value *v)
{
    struct feed_join *j = ctx;
    struct landscape_feeds *f = j->f;
    const char *name = text_of(&v[0]);
    (void)ncol;
    struct landscape_feed *r = feed_find(f, name);
    if (!r) {
        if (grow((void **)&f->rows, &j->cap, f->n, sizeof *f->rows))
            return vg_err_set(j->err, VG_ENOMEM, "out of memory");
        r = &f->rows[f->n++];
        memset(r, 0, sizeof *r);
        if (!(r->feed = vg_arena_strndup(&f->arena, name, strlen(name))))
            return vg_err_set(j->err, VG_ENOMEM, "out of memory");
    }
    if (j->counts) {
        r->observations = (uint64_t)v[1].i;
    } else {
        r->first_day = v[1].i;
        r->last_day = v[2].i;
    }
    return 0;
}

static int cmp_feed(const void *a, const void *b)
{
    return strcmp(((const struct landscape_feed *)a)->feed, ((const struct landscape_feed *)b)->feed);
}

int landscape_rollup_feeds(struct store *st, struct landscape_feeds *out, struct vg_err *err)
{
    struct landscape_query q;
    struct landscape_result res;
    struct feed_join j = {out, err, 0, 1};
    memset(out, 0, sizeof *out);
    vg_arena_init(&out->arena, 4096);
    int rc = store_obs_counts(st, feed_join_row, &j, err);
    if (rc)
        goto fail;
    /* first and last day: the daily FEED slices, one row per feed and day */
    j.counts = 0;
    struct store_value dim = {.type = ST_INT, .i = ROLLUP_SLICE_FEED};
    if ((rc = store_query(st,
                          "SELECT feed, MIN(day), MAX(day) FROM rollup_slices WHERE dim = ?"
                          " GROUP BY feed",
                          &dim, 1, feed_join_row, &j, err)))
        goto fail;
    /* addresses and events: the landscape by feed over every day */
    landscape_query_init(&q);
    q.keys[0] = LK_FEED;
    q.nkeys = 1;
    if ((rc = landscape_rollup_run(st, &q, &res, err)))
        goto fail;
    for (size_t k = 0; k < res.nrows; k++) {
        struct landscape_feed *r = feed_find(out, res.rows[k].cells[0].s);
        if (r) {
            r->ips = res.rows[k].ips;
            r->events = res.rows[k].events;
        }
    }
    landscape_result_free(&res);
    if (out->n)
        qsort(out->rows, out->n, sizeof *out->rows, cmp_feed);
    return 0;
fail:
    landscape_feeds_free(out);
    return rc;
}
