/*
 * enrich.c — set an event's source network fields from the local data.
 *
 * The enricher is the ASN table and the geo database side by side; a lookup
 * fills a small result struct that points into their mappings (nothing is
 * allocated per event), and apply copies it into the event's arena.
 *
 * Local data is authoritative for the seven fields it knows (enrich.h): one
 * source of truth makes the landscape consistent across feeds that each
 * carry their own, older or coarser, idea of an address's ASN and place.
 * But a feed's differing value is evidence too, so it is kept under
 * "extra.feed.<field>" rather than overwritten.  "Differing" compares
 * values, not spellings: ASN 45899 equals "45899" and "AS45899"; a country
 * code compares without case (harmonisation upper-cases it anyway);
 * coordinates compare as numbers.  An existing extra.feed.<field> is left
 * alone, so enriching an already enriched event (an IntelMQ JSON re-read,
 * newer data) keeps the feed's original value rather than our older one.
 */
#include "enrich/enrich.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int enricher_open(struct enricher **out, const char *data_dir,
                  struct vg_err *err)
{
    int rc;
    *out = NULL;
    struct enricher *e = calloc(1, sizeof *e);
    if (!e)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    if ((rc = asn_table_open(&e->asn, data_dir, err)) != 0 ||
        (rc = geo_db_open(&e->geo, data_dir, err)) != 0) {
        enricher_close(e);
        return rc;
    }
    *out = e;
    return 0;
}

void enricher_close(struct enricher *e)
{
    if (!e)
        return;
    asn_table_close(e->asn);
    geo_db_close(e->geo);
    free(e);
}

void enricher_lookup(const struct enricher *e, const struct ip_addr *ip,
                     struct enrich_result *r)
{
    uint32_t asn;
    const char *name;
    memset(r, 0, sizeof *r);
    if (e->asn && asn_table_lookup(e->asn, ip, &asn, &name) == 1 && asn != 0) {
        r->asn = asn;
        r->as_name = name && *name ? name : NULL;
        r->has_asn = 1;
    }
    if (e->geo && geo_db_lookup(e->geo, ip, &r->geo) == 1)
        r->has_geo = 1;
    else
        memset(&r->geo, 0, sizeof r->geo);
}

/* How a field's values compare. */
enum cmp { CMP_ASN, CMP_STR, CMP_STR_NOCASE, CMP_FLOAT };

/* The local value of one field. */
struct local {
    const char *name;
    enum cmp cmp;
    int64_t i;
    const char *s;
    size_t len;
    double d;
};

/* Integer in a string, "AS" prefix allowed; 0 when it is none. */
static int str_asn(const char *s, size_t n, int64_t *out)
{
    size_t k = 0;
    int64_t v = 0;
    if (n >= 2 && strncasecmp(s, "AS", 2) == 0)
        k = 2;
    if (k == n || n - k > 10)
        return 0;
    for (; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return 0;
        v = v * 10 + (s[k] - '0');
    }
    *out = v;
    return 1;
}

static int str_double(const char *s, size_t n, double *out)
{
    char tmp[64], *end;
    if (n == 0 || n >= sizeof tmp)
        return 0;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    *out = strtod(tmp, &end);
    return *end == '\0';
}

/* 1 when the feed's value f says the same as the local value. */
static int same_value(const struct ev_field *f, const struct local *l)
{
    int64_t i;
    double d;
    switch (l->cmp) {
    case CMP_ASN:
        if (f->kind == EV_INT)
            return f->i == l->i;
        if (f->kind == EV_FLOAT)
            return f->f == (double)l->i;
        return f->kind == EV_STR && str_asn(f->s, f->len, &i) && i == l->i;
    case CMP_STR:
        return f->kind == EV_STR && f->len == l->len &&
               memcmp(f->s, l->s, l->len) == 0;
    case CMP_STR_NOCASE:
        return f->kind == EV_STR && f->len == l->len &&
               strncasecmp(f->s, l->s, l->len) == 0;
    case CMP_FLOAT:
        if (f->kind == EV_FLOAT)
            return f->f == l->d;
        if (f->kind == EV_INT)
            return (double)f->i == l->d;
        return f->kind == EV_STR && str_double(f->s, f->len, &d) && d == l->d;
    }
    return 0;
}

/* Copy the feed's value of l->name to extra.feed.<name>, same kind. */
static int keep_feed_value(struct event *ev, const struct ev_field *f,
                           const char *name)
{
    char key[128];
    int n = snprintf(key, sizeof key, "extra.feed.%s", name);
    if (n < 0 || (size_t)n >= sizeof key)
        return VG_ELIMIT;
    if (event_get(ev, key))
        return 0; /* an earlier enrichment kept the original already */
    /* copy out first: setting a field may move the field array under f */
    struct ev_field v = *f;
    switch (v.kind) {
    case EV_STR:
        return event_set_str(ev, key, v.s, v.len);
    case EV_JSON:
        return event_set_json(ev, key, v.s, v.len);
    case EV_INT:
        return event_set_int(ev, key, v.i);
    case EV_FLOAT:
        return event_set_float(ev, key, v.f);
    case EV_BOOL:
        return event_set_bool(ev, key, (int)v.i);
    }
    return VG_EINVAL;
}

static int put(struct event *ev, const struct local *l)
{
    const struct ev_field *f = event_get(ev, l->name);
    int rc;
    if (f && !same_value(f, l) && (rc = keep_feed_value(ev, f, l->name)) != 0)
        return rc;
    switch (l->cmp) {
    case CMP_ASN:
        return event_set_int(ev, l->name, l->i);
    case CMP_FLOAT:
        return event_set_float(ev, l->name, l->d);
    case CMP_STR:
    case CMP_STR_NOCASE:
        return event_set_str(ev, l->name, l->s, l->len);
    }
    return VG_EINVAL;
}

int enricher_apply(const struct enrich_result *r, struct event *ev)
{
    struct local l[7];
    int n = 0, rc;
    if (r->has_asn && r->asn) {
        l[n++] =
            (struct local){.name = "source.asn", .cmp = CMP_ASN, .i = r->asn};
        if (r->as_name && *r->as_name)
            l[n++] = (struct local){.name = "source.as_name",
                                    .cmp = CMP_STR,
                                    .s = r->as_name,
                                    .len = strlen(r->as_name)};
    }
    if (r->has_geo) {
        const struct geo_info *g = &r->geo;
        if (g->cc[0] && g->cc[1])
            l[n++] = (struct local){.name = "source.geolocation.cc",
                                    .cmp = CMP_STR_NOCASE,
                                    .s = g->cc,
                                    .len = 2};
        if (g->region && g->region_len)
            l[n++] = (struct local){.name = "source.geolocation.region",
                                    .cmp = CMP_STR,
                                    .s = g->region,
                                    .len = g->region_len};
        if (g->city && g->city_len)
            l[n++] = (struct local){.name = "source.geolocation.city",
                                    .cmp = CMP_STR,
                                    .s = g->city,
                                    .len = g->city_len};
        if (g->has_latlon) {
            l[n++] = (struct local){.name = "source.geolocation.latitude",
                                    .cmp = CMP_FLOAT,
                                    .d = g->lat};
            l[n++] = (struct local){.name = "source.geolocation.longitude",
                                    .cmp = CMP_FLOAT,
                                    .d = g->lon};
        }
    }
    for (int k = 0; k < n; k++)
        if ((rc = put(ev, &l[k])) != 0)
            return rc;
    return 0;
}
