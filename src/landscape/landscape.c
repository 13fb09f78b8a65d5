/*
 * landscape.c — landscape queries over the observations table.
 *
 * The SQL text is assembled only from fixed fragments chosen by enum; every
 * value from the caller (days, country, limit) is a bound parameter.
 * Distinct-address counts use COUNT(DISTINCT ip) over the selection, which
 * is exact for any period.  That SQL is the reference; landscape_run answers
 * from the daily rollups (rollup.c) whenever they hold every key asked for,
 * with the same numbers and the same order.
 */
#include "landscape/landscape.h"
#include "access/policy.h"
#include "core/ip.h"
#include "store/store_access.h"
#include "core/vtime.h"
#include "landscape/rollup.h"
#include "enrich/places.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ISP_EXPR "COALESCE(im.isp, (SELECT name FROM asns a WHERE a.asn=o.asn), '')"

static const struct {
    const char *name;
    const char *select; /* expression(s) selected */
    const char *group;  /* GROUP BY / ORDER BY expression */
} keydefs[LK_COUNT] = {
    [LK_PROVINCE] = {"province", "COALESCE(pm.code,''), COALESCE(pm.vi,''), COALESCE(pm.en,'')",
                     "COALESCE(pm.code,'')"},
    [LK_ISP] = {"isp", ISP_EXPR, ISP_EXPR},
    [LK_FAMILY] = {"family", "o.family", "o.family"},
    [LK_ASN] = {"asn", "o.asn, COALESCE((SELECT name FROM asns a WHERE a.asn=o.asn),'')", "o.asn"},
    [LK_REGION] = {"region", "o.region", "o.region"},
    [LK_DAY] = {"day", "o.day", "o.day"},
    [LK_TYPE] = {"type", "o.type", "o.type"},
    [LK_FEED] = {"feed", "o.feed", "o.feed"},
    [LK_COUNTRY] = {"country", "o.cc", "o.cc"},
    [LK_CITY] = {"city", "o.city", "o.city"},
    /* the addresses behind a number: the drill-down's last step */
    [LK_IP] = {"ip", "o.ip", "o.ip"},
    [LK_TLP] = {"tlp", "o.tlp", "o.tlp"},
};

void landscape_query_init(struct landscape_query *q)
{
    memset(q, 0, sizeof *q);
    q->from_day = INT32_MIN;
    q->to_day = INT32_MAX;
}

const char *landscape_key_name(enum landscape_key k)
{
    return (unsigned)k < LK_COUNT ? keydefs[k].name : "?";
}

int landscape_query_set(struct landscape_query *q, const char *name, const char *value,
                        struct vg_err *err)
{
    if (!value)
        value = "";
    if (strcmp(name, "by") == 0)
        return landscape_parse_keys(value, q, err) ? vg_err_prefix(err, "by") : 0;
    if (strcmp(name, "from") == 0 || strcmp(name, "to") == 0) {
        int64_t day;
        if (vt_parse_day(value, &day))
            return vg_err_set(err, VG_EUSAGE, "%s: '%.40s' is not a date (YYYY-MM-DD)", name,
                              value);
        if (name[0] == 'f')
            q->from_day = day;
        else
            q->to_day = day;
        return 0;
    }
    if (strcmp(name, "country") == 0) {
        if (strlen(value) != 2 || !isalpha((unsigned char)value[0]) ||
            !isalpha((unsigned char)value[1]))
            return vg_err_set(err, VG_EUSAGE,
                              "country: '%.40s' is not a two-letter country code", value);
        q->country[0] = (char)toupper((unsigned char)value[0]);
        q->country[1] = (char)toupper((unsigned char)value[1]);
        q->country[2] = '\0';
        return 0;
    }
    if (strcmp(name, "top") == 0 || strcmp(name, "asn") == 0) {
        char *end;
        const char *v = value;
        if (name[0] == 'a' && (v[0] == 'A' || v[0] == 'a') && (v[1] == 'S' || v[1] == 's'))
            v += 2; /* "AS45899" */
        unsigned long long n = (*v >= '0' && *v <= '9') ? strtoull(v, &end, 10) : 0;
        if (!n || *end || (name[0] == 'a' && n > UINT32_MAX))
            return vg_err_set(err, VG_EUSAGE, "%s: '%.40s' is not a positive number", name,
                              value);
        if (name[0] == 't')
            q->top = n;
        else
            q->asn = (uint32_t)n;
        return 0;
    }
    const char **text = strcmp(name, "family") == 0   ? &q->family
                        : strcmp(name, "region") == 0 ? &q->region
                        : strcmp(name, "type") == 0   ? &q->type
                        : strcmp(name, "feed") == 0   ? &q->feed
                        : strcmp(name, "province") == 0 ? &q->province
                        : strcmp(name, "isp") == 0    ? &q->isp
                                                      : NULL;
    if (!text)
        return vg_err_set(err, VG_EUSAGE, "unknown parameter '%.40s'", name);
    if (strlen(value) > 256)
        return vg_err_set(err, VG_EUSAGE, "%s: value too long", name);
    *text = value;
    return 0;
}

int landscape_places_attach(struct store *st, const struct places *places, struct vg_err *err)
{
    size_t np = places ? places_province_count(places) : 0;
    size_t ni = places ? places_isp_count(places) : 0;
    struct store_province_map *pm = calloc(np ? np : 1, sizeof *pm);
    struct store_isp_map *im = calloc(ni ? ni : 1, sizeof *im);
    char (*regions)[256] = calloc(np ? np : 1, sizeof *regions);
    int rc;
    if (!pm || !im || !regions) {
        rc = vg_err_set(err, VG_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < np; k++) {
        const struct province_row *r = places_province_at(places, k);
        snprintf(regions[k], sizeof regions[k], "%.*s", (int)r->region_len, r->region);
        pm[k] = (struct store_province_map){r->cc, regions[k], r->province->code,
                                            r->province->vi, r->province->en};
    }
    for (size_t k = 0; k < ni; k++) {
        const struct isp_row *r = places_isp_at(places, k);
        im[k] = (struct store_isp_map){r->asn, r->isp};
    }
    rc = store_places_load(st, pm, np, im, ni, err);
out:
    free(pm);
    free(im);
    free(regions);
    return rc;
}

int landscape_query_key(const struct landscape_query *q, struct vg_buf *out)
{
    int64_t num[5] = {q->from_day, q->to_day, (int64_t)q->top, q->asn, (int64_t)q->nkeys};
    unsigned char keys[LANDSCAPE_MAX_KEYS];
    const char *text[] = {q->country[0] ? q->country : NULL, q->family, q->region, q->type,
                          q->feed, q->province, q->isp};
    for (size_t k = 0; k < q->nkeys; k++)
        keys[k] = (unsigned char)q->keys[k];
    int rc = vg_buf_append(out, num, sizeof num);
    rc = rc ? rc : vg_buf_append(out, keys, q->nkeys);
    for (size_t k = 0; k < sizeof text / sizeof text[0] && !rc; k++) {
        /* absent and "" differ (family= selects the rows without one) */
        uint32_t len = text[k] ? (uint32_t)strlen(text[k]) + 1 : 0;
        rc = vg_buf_append(out, &len, sizeof len);
        rc = rc ? rc : vg_buf_append(out, text[k] ? text[k] : "", len);
    }
    return rc;
}

int landscape_query_check(const struct landscape_query *q, struct vg_err *err)
{
    if (q->from_day > q->to_day)
        return vg_err_set(err, VG_EUSAGE, "from is after to");
    return 0;
}

int landscape_parse_keys(const char *s, struct landscape_query *q, struct vg_err *err)
{
    q->nkeys = 0;
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        int found = -1;
        for (int k = 0; k < LK_COUNT; k++)
            if (strlen(keydefs[k].name) == len && strncmp(keydefs[k].name, s, len) == 0)
                found = k;
        if (found < 0)
            return vg_err_set(err, VG_EUSAGE,
                              "unknown key '%.*s' (family, asn, region, province, isp, day, "
                              "type, feed, country, city, tlp, ip)",
                              (int)len, s);
        for (size_t k = 0; k < q->nkeys; k++)
            if (q->keys[k] == (enum landscape_key)found)
                return vg_err_set(err, VG_EUSAGE, "key '%.*s' given twice", (int)len, s);
        if (q->nkeys == LANDSCAPE_MAX_KEYS)
            return vg_err_set(err, VG_EUSAGE, "at most %d keys", LANDSCAPE_MAX_KEYS);
        q->keys[q->nkeys++] = (enum landscape_key)found;
        if (!comma)
            break;
        s = comma + 1;
        if (!*s)
            return vg_err_set(err, VG_EUSAGE, "empty key after ','");
    }
    return 0;
}

struct collect {
    const struct landscape_query *q;
    struct landscape_result *res;
    struct vg_err *err;
};

static const char *dup_text(struct landscape_result *res, const struct store_value *v)
{
    const char *s = v->type == ST_TEXT ? v->s : "";
    return vg_arena_strndup(&res->arena, s, strlen(s));
}

static int collect_row(void *ctx, int ncol, const struct store_value *v)
{
    struct collect *c = ctx;
    struct landscape_result *res = c->res;
    (void)ncol;
    if (res->nrows == res->cap) {
        size_t nc = res->cap ? res->cap * 2 : 64;
        struct landscape_row *nr = realloc(res->rows, nc * sizeof *nr);
        if (!nr)
            return vg_err_set(c->err, VG_ENOMEM, "out of memory");
        res->rows = nr;
        res->cap = nc;
    }
    struct landscape_row *row = &res->rows[res->nrows];
    memset(row, 0, sizeof *row);
    int col = 0;
    for (size_t k = 0; k < c->q->nkeys; k++) {
        struct landscape_cell *cell = &row->cells[k];
        if (c->q->keys[k] == LK_ASN || c->q->keys[k] == LK_DAY) {
            cell->is_int = 1;
            cell->i = v[col].i;
            col++;
            if (c->q->keys[k] == LK_DAY)
                continue;
        }
        if (c->q->keys[k] == LK_PROVINCE) {
            /* code, Vietnamese, English */
            cell->s3 = dup_text(res, &v[col++]);
            cell->s2 = NULL;
            cell->s = dup_text(res, &v[col++]);
            cell->s2 = dup_text(res, &v[col++]);
            if (!cell->s || !cell->s2 || !cell->s3)
                return vg_err_set(c->err, VG_ENOMEM, "out of memory");
            continue;
        }
        if (c->q->keys[k] == LK_IP) {
            char txt[IP_STRLEN] = "";
            struct ip_addr a;
            if (v[col].type == ST_BLOB && v[col].len == 16) {
                memcpy(a.b, v[col].s, 16);
                ip_format(&a, txt);
            }
            cell->s = vg_arena_strndup(&res->arena, txt, strlen(txt));
        } else {
            cell->s = dup_text(res, &v[col]);
        }
        if (!cell->s)
            return vg_err_set(c->err, VG_ENOMEM, "out of memory");
        col++;
    }
    row->ips = (uint64_t)v[col].i;
    row->events = (uint64_t)v[col + 1].i;
    res->nrows++;
    return 0;
}

static int collect_total(void *ctx, int ncol, const struct store_value *v)
{
    struct landscape_result *res = ctx;
    res->total_ips = (uint64_t)v[0].i;
    res->total_events = v[1].type == ST_INT ? (uint64_t)v[1].i : 0;
    if (ncol >= 4) {
        res->strict_events = v[2].type == ST_INT ? (uint64_t)v[2].i : 0;
        res->strictest = v[3].type == ST_INT ? (int)v[3].i : -1;
    }
    return 0;
}

/* ---- the reader's policy in SQL -------------------------------------------- */

static int row_may_read(void *ctx, const struct store_row_view *row)
{
    struct ip_addr ip;
    if (row->ip)
        memcpy(ip.b, row->ip, 16);
    struct access_record r = {row->tlp, row->cc, row->asn, row->ip ? &ip : NULL, row->feed,
                              NULL};
    return access_may_read(ctx, &r);
}

void landscape_reader_bind(struct store *st, const struct access_subject *reader)
{
    if (reader && !access_reads_all(reader))
        store_set_row_filter(st, row_may_read, (void *)reader);
    else
        store_set_row_filter(st, NULL, NULL);
}

void landscape_reader_unbind(struct store *st)
{
    store_set_row_filter(st, NULL, NULL);
}

/* The label's rank for the audit: enum tlp_level for AMBER and stricter, -1 for
 * what anyone in the community may read.  Unknown words count as AMBER, as
 * in access_may_read. */
#define STRICT_RANK                                                                   \
    "CASE WHEN o.tlp IN ('CLEAR','WHITE','GREEN') THEN -1 WHEN o.tlp = 'RED' THEN 4 " \
    "WHEN o.tlp = 'AMBER+STRICT' THEN 3 ELSE 2 END"

/* For a reader the rollups answer (one who reads everything): the audit's
 * figures from the rollups by label. */
static int strict_from_rollups(struct store *st, const struct landscape_query *q,
                               struct landscape_result *res, struct vg_err *err)
{
    struct landscape_query byt = *q;
    struct landscape_result t;
    byt.keys[0] = LK_TLP;
    byt.nkeys = 1;
    byt.top = 0;
    byt.reader = NULL;
    int rc = landscape_rollup_run(st, &byt, &t, err);
    if (rc)
        return rc;
    for (size_t k = 0; k < t.nrows; k++) {
        enum tlp_level label = tlp_of_record(t.rows[k].cells[0].s);
        if (label < TLP_AMBER)
            continue;
        res->strict_events += t.rows[k].events;
        if ((int)label > res->strictest)
            res->strictest = (int)label;
    }
    landscape_result_free(&t);
    return 0;
}

int landscape_run(struct store *st, const struct landscape_query *q,
                  struct landscape_result *res, struct vg_err *err)
{
    int restricted = q->reader && !access_reads_all(q->reader);
    if (!restricted && landscape_rollup_can(st, q)) {
        int rc = landscape_rollup_run(st, q, res, err);
        res->strictest = -1;
        if (!rc && q->reader && (rc = strict_from_rollups(st, q, res, err)))
            landscape_result_free(res);
        return rc;
    }
    return landscape_run_sql(st, q, res, err);
}

/* The " FROM observations o [joins] WHERE ..." fragment selecting q's
 * observations, with its bound arguments appended to args (room for
 * SELECTION_MAX_ARGS).  The province and ISP tables are joined only when a
 * filter or (need_pm, need_im) a key needs them. */
#define SELECTION_MAX_ARGS 11
static int selection_sql(const struct landscape_query *q, int need_pm, int need_im,
                         struct vg_buf *out, struct store_value *args, size_t *nargs)
{
    struct vg_buf where = VG_BUF_INIT, from = VG_BUF_INIT;
    int rc = vg_buf_puts(&where, " WHERE o.day >= ? AND o.day <= ?");
    args[(*nargs)++] = (struct store_value){.type = ST_INT, .i = q->from_day};
    args[(*nargs)++] = (struct store_value){.type = ST_INT, .i = q->to_day};
    if (!rc && q->country[0]) {
        rc = vg_buf_puts(&where, " AND o.cc = ?");
        args[(*nargs)++] = (struct store_value){.type = ST_TEXT, .s = q->country};
    }
    static const struct {
        size_t offset;
        const char *sql;
    } text_filters[] = {
        {offsetof(struct landscape_query, family), " AND o.family = ?"},
        {offsetof(struct landscape_query, region), " AND o.region = ?"},
        {offsetof(struct landscape_query, type), " AND o.type = ?"},
        {offsetof(struct landscape_query, feed), " AND o.feed = ?"},
    };
    for (size_t k = 0; k < sizeof text_filters / sizeof text_filters[0] && !rc; k++) {
        const char *v = *(const char *const *)((const char *)q + text_filters[k].offset);
        if (v) {
            rc = vg_buf_puts(&where, text_filters[k].sql);
            args[(*nargs)++] = (struct store_value){.type = ST_TEXT, .s = v};
        }
    }
    if (!rc && q->asn) {
        rc = vg_buf_puts(&where, " AND o.asn = ?");
        args[(*nargs)++] = (struct store_value){.type = ST_INT, .i = q->asn};
    }
    if (!rc && q->province) {
        rc = vg_buf_puts(&where, " AND ? IN (pm.code, pm.vi, pm.en)");
        args[(*nargs)++] = (struct store_value){.type = ST_TEXT, .s = q->province};
    }
    if (!rc && q->isp) {
        rc = vg_buf_puts(&where, " AND " ISP_EXPR " = ?");
        args[(*nargs)++] = (struct store_value){.type = ST_TEXT, .s = q->isp};
    }
    int restricted = q->reader && !access_reads_all(q->reader);
    if (!rc && restricted)
        rc = vg_buf_puts(&where, " AND vg_may_read(o.tlp, o.cc, o.asn, o.ip, o.feed)");
    need_pm |= q->province != NULL;
    need_im |= q->isp != NULL;
    rc = rc ? rc : vg_buf_puts(&from, "observations o");
    if (!rc && need_pm)
        rc = vg_buf_puts(&from, " LEFT JOIN temp.province_map pm ON pm.cc = o.cc AND "
                                "pm.region = o.region");
    if (!rc && need_im)
        rc = vg_buf_puts(&from, " LEFT JOIN temp.isp_map im ON im.asn = o.asn");
    rc = rc ? rc : vg_buf_printf(out, " %s%s", from.data, where.data);
    vg_buf_free(&from);
    vg_buf_free(&where);
    return rc;
}

int landscape_run_sql(struct store *st, const struct landscape_query *q,
                      struct landscape_result *res, struct vg_err *err)
{
    struct vg_buf sql = VG_BUF_INIT, where = VG_BUF_INIT;
    struct store_value args[SELECTION_MAX_ARGS + 1];
    size_t nargs = 0;
    int rc = 0;
    memset(res, 0, sizeof *res);
    vg_arena_init(&res->arena, 16 * 1024);

    /* the mapping tables are joined only when a key or filter needs them */
    int need_pm = 0, need_im = 0;
    for (size_t k = 0; k < q->nkeys; k++) {
        need_pm |= q->keys[k] == LK_PROVINCE;
        need_im |= q->keys[k] == LK_ISP;
    }
    int restricted = q->reader && !access_reads_all(q->reader);
    if ((rc = selection_sql(q, need_pm, need_im, &where, args, &nargs)))
        goto nomem;

    /* total over the whole selection (and, for a reader, the audit's
     * figures) */
    res->strictest = -1;
    rc = vg_buf_printf(&sql, "SELECT COUNT(DISTINCT o.ip), SUM(o.events)%s FROM%s",
                       q->reader ? ", SUM(CASE WHEN " STRICT_RANK " >= 2 THEN o.events ELSE 0 "
                                   "END), MAX(" STRICT_RANK ")"
                                 : "",
                       where.data);
    if (rc)
        goto nomem;
    if (restricted)
        landscape_reader_bind(st, q->reader);
    if ((rc = store_query(st, sql.data, args, nargs, collect_total, res, err)))
        goto out;

    vg_buf_reset(&sql);
    rc = vg_buf_puts(&sql, "SELECT ");
    for (size_t k = 0; k < q->nkeys && !rc; k++)
        rc = vg_buf_printf(&sql, "%s, ", keydefs[q->keys[k]].select);
    rc = rc ? rc : vg_buf_printf(&sql, "COUNT(DISTINCT o.ip) AS ips, SUM(o.events) AS events "
                                       "FROM%s",
                                 where.data);
    if (!rc && q->nkeys) {
        rc = vg_buf_puts(&sql, " GROUP BY ");
        for (size_t k = 0; k < q->nkeys && !rc; k++)
            rc = vg_buf_printf(&sql, "%s%s", k ? ", " : "", keydefs[q->keys[k]].group);
    }
    rc = rc ? rc : vg_buf_puts(&sql, " ORDER BY ips DESC, events DESC");
    for (size_t k = 0; k < q->nkeys && !rc; k++)
        rc = vg_buf_printf(&sql, ", %s", keydefs[q->keys[k]].group);
    if (!rc && q->top) {
        rc = vg_buf_puts(&sql, " LIMIT ?");
        args[nargs++] = (struct store_value){.type = ST_INT, .i = (int64_t)q->top};
    }
    if (rc)
        goto nomem;
    if (q->nkeys == 0) {
        /* no grouping: one row equal to the total */
        if (res->total_ips || res->total_events) {
            struct collect c = {q, res, err};
            struct store_value v[2] = {{.type = ST_INT, .i = (int64_t)res->total_ips},
                                       {.type = ST_INT, .i = (int64_t)res->total_events}};
            rc = collect_row(&c, 2, v);
        }
        goto out;
    }
    struct collect c = {q, res, err};
    rc = store_query(st, sql.data, args, nargs, collect_row, &c, err);
    goto out;
nomem:
    rc = vg_err_set(err, VG_ENOMEM, "out of memory");
out:
    if (restricted)
        landscape_reader_unbind(st);
    vg_buf_free(&sql);
    vg_buf_free(&where);
    if (rc)
        landscape_result_free(res);
    return rc;
}

struct feeds_collect {
    struct landscape_feeds *f;
    struct vg_err *err;
    size_t cap;
};

static int feed_row_sql(void *ctx, int ncol, const struct store_value *v)
{
    struct feeds_collect *c = ctx;
    struct landscape_feeds *f = c->f;
    (void)ncol;
    if (f->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        struct landscape_feed *nr = realloc(f->rows, nc * sizeof *nr);
        if (!nr)
            return vg_err_set(c->err, VG_ENOMEM, "out of memory");
        f->rows = nr;
        c->cap = nc;
    }
    const char *name = v[0].type == ST_TEXT ? v[0].s : "";
    struct landscape_feed *r = &f->rows[f->n];
    if (!(r->feed = vg_arena_strndup(&f->arena, name, strlen(name))))
        return vg_err_set(c->err, VG_ENOMEM, "out of memory");
    r->ips = (uint64_t)v[1].i;
    r->events = (uint64_t)v[2].i;
    r->observations = (uint64_t)v[3].i;
    r->first_day = v[4].i;
    r->last_day = v[5].i;
    f->n++;
    return 0;
}

int landscape_feeds_run_sql(struct store *st, struct landscape_feeds *out, struct vg_err *err)
{
    memset(out, 0, sizeof *out);
    vg_arena_init(&out->arena, 4096);
    struct feeds_collect c = {out, err, 0};
    int rc = store_query(st,
                         "SELECT feed, COUNT(DISTINCT ip), SUM(events), COUNT(*), MIN(day), "
                         "MAX(day) FROM observations GROUP BY feed ORDER BY feed",
                         NULL, 0, feed_row_sql, &c, err);
    if (rc)
        landscape_feeds_free(out);
    return rc;
}

int landscape_feeds_run_for(struct store *st, const struct access_subject *reader,
                            struct landscape_feeds *out, struct vg_err *err)
{
    if (!reader || access_reads_all(reader))
        return landscape_feeds_run(st, out, err);
    memset(out, 0, sizeof *out);
    vg_arena_init(&out->arena, 4096);
    struct feeds_collect c = {out, err, 0};
    landscape_reader_bind(st, reader);
    int rc = store_query(st,
                         "SELECT feed, COUNT(DISTINCT ip), SUM(events), COUNT(*), MIN(day), "
                         "MAX(day) FROM observations WHERE vg_may_read(tlp, cc, asn, ip, feed) "
                         "GROUP BY feed ORDER BY feed",
                         NULL, 0, feed_row_sql, &c, err);
    landscape_reader_unbind(st);
    if (rc)
        landscape_feeds_free(out);
    return rc;
}

int landscape_feeds_run(struct store *st, struct landscape_feeds *out, struct vg_err *err)
{
    if (store_rollups_ready(st) >= 2) {
        int rc = landscape_rollup_feeds(st, out, err);
        if (rc != VG_ENOTFOUND)
            return rc;
    }
    return landscape_feeds_run_sql(st, out, err);
}

void landscape_feeds_free(struct landscape_feeds *f)
{
    if (!f)
        return;
    free(f->rows);
    f->rows = NULL;
    f->n = 0;
    vg_arena_free(&f->arena);
}

static int add_count(void *ctx, int ncol, const struct store_value *v)
{
    (void)ncol;
    *(uint64_t *)ctx += (uint64_t)v[1].i;
    return 0;
}

static int one_count(void *ctx, int ncol, const struct store_value *v)
{
    (void)ncol;
    *(uint64_t *)ctx = (uint64_t)v[0].i;
    return 0;
}

int landscape_observation_count(struct store *st, uint64_t *n, struct vg_err *err)
{
    *n = 0;
    int rc = store_obs_counts(st, add_count, n, err);
    if (rc != VG_ENOTFOUND)
        return rc;
    return store_query(st, "SELECT COUNT(*) FROM observations", NULL, 0, one_count, n, err);
}

struct obs_walk {
    landscape_obs_fn fn;
    void *ctx;
    struct vg_err *err;
};

static const char *text_of(const struct store_value *v)
{
    return v->type == ST_TEXT ? v->s : "";
}

static int obs_row(void *ctx, int ncol, const struct store_value *v)
{
    struct obs_walk *w = ctx;
    struct landscape_obs o;
    if (ncol < 15 || v[1].type != ST_BLOB || v[1].len != 16)
        return vg_err_set(w->err, VG_EDB, "observations: a row without a 16-byte address");
    memset(&o, 0, sizeof o);
    o.obs.day = (int32_t)v[0].i;
    memcpy(o.obs.ip.b, v[1].s, 16);
    o.obs.type = text_of(&v[2]);
    o.obs.family = text_of(&v[3]);
    o.obs.feed = text_of(&v[4]);
    o.obs.tlp = text_of(&v[5]);
    o.obs.asn = (uint32_t)v[6].i;
    o.obs.cc = text_of(&v[7]);
    o.obs.region = text_of(&v[8]);
    o.obs.city = text_of(&v[9]);
    o.obs.events = (uint64_t)v[10].i;
    o.obs.first_us = v[11].i;
    o.obs.last_us = v[12].i;
    o.as_name = text_of(&v[13]);
    o.added_us = v[14].i;
    return w->fn(w->ctx, &o);
}

int landscape_obs_each(struct store *st, const struct landscape_query *q,
                       enum landscape_obs_order order, landscape_obs_fn fn, void *ctx,
                       struct vg_err *err)
{
    static const char *orders[] = {
        [LANDSCAPE_ORDER_DAY] = " ORDER BY o.day, o.ip, o.type, o.family, o.feed, o.tlp",
        [LANDSCAPE_ORDER_IP] = " ORDER BY o.ip, o.day, o.type, o.family, o.feed, o.tlp",
        [LANDSCAPE_ORDER_GROUP] = " ORDER BY o.day, o.feed, o.family, o.type, o.tlp, o.ip",
    };
    if ((unsigned)order >= sizeof orders / sizeof orders[0])
        return vg_err_set(err, VG_EINVAL, "unknown observation order");
    struct vg_buf sel = VG_BUF_INIT, sql = VG_BUF_INIT;
    struct store_value args[SELECTION_MAX_ARGS];
    size_t nargs = 0;
    int rc = selection_sql(q, 0, 0, &sel, args, &nargs);
    rc = rc ? rc
            : vg_buf_printf(&sql,
                            "SELECT o.day, o.ip, o.type, o.family, o.feed, o.tlp, o.asn, o.cc, "
                            "o.region, o.city, o.events, o.first_us, o.last_us, "
                            "COALESCE((SELECT name FROM asns a WHERE a.asn = o.asn), ''), %s "
                            "FROM%s%s",
                            store_schema_version(st) >= 6 ? "o.added_us" : "0", sel.data,
                            orders[order]);
    if (rc)
        rc = vg_err_set(err, VG_ENOMEM, "out of memory");
    else {
        struct obs_walk w = {fn, ctx, err};
        int restricted = q->reader && !access_reads_all(q->reader);
        if (restricted)
            landscape_reader_bind(st, q->reader);
        rc = store_query(st, sql.data, args, nargs, obs_row, &w, err);
        if (restricted)
            landscape_reader_unbind(st);
    }
    vg_buf_free(&sel);
    vg_buf_free(&sql);
    return rc;
}

void landscape_result_free(struct landscape_result *res)
{
    if (!res)
        return;
    free(res->rows);
    res->rows = NULL;
    res->nrows = res->cap = 0;
    vg_arena_free(&res->arena);
}

int landscape_write_json(const struct landscape_query *q, const struct landscape_result *res,
                         struct vg_buf *out)
{
    int rc = vg_buf_puts(out, "{\"rows\":[");
    for (size_t r = 0; r < res->nrows && !rc; r++) {
        const struct landscape_row *row = &res->rows[r];
        rc = vg_buf_puts(out, r ? ",{" : "{");
        for (size_t k = 0; k < q->nkeys && !rc; k++) {
            const struct landscape_cell *cell = &row->cells[k];
            enum landscape_key key = q->keys[k];
            rc = vg_buf_printf(out, "\"%s\":", keydefs[key].name);
            if (rc)
                break;
            if (key == LK_DAY) {
                char day[16];
                vt_format_day(cell->i, day);
                rc = vg_buf_printf(out, "\"%s\"", day);
            } else if (key == LK_ASN) {
                if (cell->i)
                    rc = vg_buf_printf(out, "%lld,\"as_name\":", (long long)cell->i);
                else
                    rc = vg_buf_puts(out, "null,\"as_name\":");
                rc = rc ? rc : vg_buf_json_str(out, cell->s, strlen(cell->s));
            } else if (key == LK_PROVINCE) {
                rc = vg_buf_json_str(out, cell->s, strlen(cell->s));
                rc = rc ? rc : vg_buf_puts(out, ",\"province_en\":");
                rc = rc ? rc : vg_buf_json_str(out, cell->s2, strlen(cell->s2));
                rc = rc ? rc : vg_buf_puts(out, ",\"province_code\":");
                rc = rc ? rc : vg_buf_json_str(out, cell->s3, strlen(cell->s3));
            } else {
                rc = vg_buf_json_str(out, cell->s, strlen(cell->s));
            }
            rc = rc ? rc : vg_buf_putc(out, ',');
        }
        rc = rc ? rc : vg_buf_printf(out, "\"ips\":%llu,\"events\":%llu}",
                                     (unsigned long long)row->ips,
                                     (unsigned long long)row->events);
    }
    rc = rc ? rc : vg_buf_printf(out, "],\"total\":{\"ips\":%llu,\"events\":%llu}}",
                                 (unsigned long long)res->total_ips,
                                 (unsigned long long)res->total_events);
    return rc;
}

/* Display width of a UTF-8 string (code points; good enough for Latin and
 * Vietnamese text, which is what region names are). */
static size_t utf8_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

static void cell_text(const struct landscape_query *q, const struct landscape_row *row, size_t k,
                      char *buf, size_t len)
{
    const struct landscape_cell *cell = &row->cells[k];
    if (q->keys[k] == LK_DAY)
        vt_format_day(cell->i, buf);
    else if (q->keys[k] == LK_ASN)
        snprintf(buf, len, cell->i ? "AS%lld %s" : "(unknown)", (long long)cell->i, cell->s);
    else if (q->keys[k] == LK_PROVINCE)
        snprintf(buf, len, "%s", cell->s[0] ? cell->s : "-");
    else
        snprintf(buf, len, "%s", cell->s[0] ? cell->s : "-");
}

void landscape_write_table(const struct landscape_query *q,
                           const struct landscape_result *res, FILE *out)
{
    size_t width[LANDSCAPE_MAX_KEYS];
    char buf[512];
    for (size_t k = 0; k < q->nkeys; k++) {
        width[k] = strlen(keydefs[q->keys[k]].name);
        for (size_t r = 0; r < res->nrows; r++) {
            cell_text(q, &res->rows[r], k, buf, sizeof buf);
            size_t w = utf8_width(buf);
            if (w > width[k])
                width[k] = w > 48 ? 48 : w;
        }
    }
    for (size_t k = 0; k < q->nkeys; k++)
        fprintf(out, "%-*s  ", (int)width[k], keydefs[q->keys[k]].name);
    fprintf(out, "%12s %14s\n", "addresses", "events");
    for (size_t r = 0; r < res->nrows; r++) {
        for (size_t k = 0; k < q->nkeys; k++) {
            cell_text(q, &res->rows[r], k, buf, sizeof buf);
            size_t w = utf8_width(buf);
            if (w > 48) {
                /* cut at a character boundary */
                size_t n = 0, chars = 0;
                while (buf[n] && chars < 47) {
                    n++;
                    while (((unsigned char)buf[n] & 0xc0) == 0x80)
                        n++;
                    chars++;
                }
                buf[n] = '\0';
                w = chars;
            }
            fprintf(out, "%s%*s  ", buf, (int)(width[k] - w), "");
        }
        fprintf(out, "%12llu %14llu\n", (unsigned long long)res->rows[r].ips,
                (unsigned long long)res->rows[r].events);
    }
    fprintf(out, "total: %llu distinct addresses, %llu events\n",
            (unsigned long long)res->total_ips, (unsigned long long)res->total_events);
}
