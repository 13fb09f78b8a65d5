/*
 * ip_report.c — one address's enrichment and observations (see ip_report.h).
 *
 * The observations come from one indexed query (observations_ip covers
 * (ip, day)); the row callback converts the store's values into a typed row
 * so that the CLI's table and the JSON writer share the query and its
 * column order.
 */
#include "landscape/ip_report.h"
#include "access/policy.h"
#include "core/vtime.h"
#include "landscape/landscape.h"
#include "event/event.h"

#include <string.h>

struct each_ctx {
    ip_report_row_fn fn;
    void *ctx;
};

static const char *text(const struct store_value *v)
{
    return v->type == ST_TEXT && v->s ? v->s : "";
}

static int each_row(void *ctx, int ncol, const struct store_value *v)
{
    struct each_ctx *c = ctx;
    (void)ncol;
    struct ip_report_row row = {
        .day = v[0].i,
        .type = text(&v[1]),
        .family = text(&v[2]),
        .feed = text(&v[3]),
        .tlp = text(&v[4]),
        .asn = (uint32_t)v[5].i,
        .events = (uint64_t)v[6].i,
        .first_us = v[7].i,
        .last_us = v[8].i,
        .region = text(&v[9]),
    };
    return c->fn(c->ctx, &row);
}

int ip_report_each(struct store *st, const struct ip_addr *ip,
                   const struct access_subject *reader, ip_report_row_fn fn, void *ctx,
                   struct vg_err *err)
{
    struct each_ctx c = {fn, ctx};
    struct store_value arg = {.type = ST_BLOB, .s = (const char *)ip->b, .len = 16};
    int restricted = reader && !access_reads_all(reader);
    if (restricted)
        landscape_reader_bind(st, reader);
    int rc = store_query(st,
                         restricted
                             ? "SELECT day, type, family, feed, tlp, asn, events, first_us, "
                               "last_us, region FROM observations WHERE ip = ? "
                               "AND vg_may_read(tlp, cc, asn, ip, feed) "
                               "ORDER BY day, type, family, feed, tlp"
                             : "SELECT day, type, family, feed, tlp, asn, events, first_us, "
                               "last_us, region FROM observations WHERE ip = ? "
                               "ORDER BY day, type, family, feed, tlp",
                         &arg, 1, each_row, &c, err);
    if (restricted)
        landscape_reader_unbind(st);
    return rc;
}

struct json_ctx {
    struct vg_buf *out;
    size_t n;
    struct ip_report_stats stats;
};

static int json_row(void *ctx, const struct ip_report_row *r)
{
    struct json_ctx *c = ctx;
    struct vg_buf *o = c->out;
    char day[16], first[40], last[40];
    vt_format_day(r->day, day);
    vt_format_iso(r->first_us, first);
    vt_format_iso(r->last_us, last);
    int rc = vg_buf_puts(o, c->n ? ",{" : "{");
    rc = rc ? rc : vg_buf_printf(o, "\"day\":\"%s\",\"type\":", day);
    rc = rc ? rc : vg_buf_json_str(o, r->type, strlen(r->type));
    rc = rc ? rc : vg_buf_puts(o, ",\"family\":");
    rc = rc ? rc : vg_buf_json_str(o, r->family, strlen(r->family));
    rc = rc ? rc : vg_buf_puts(o, ",\"feed\":");
    rc = rc ? rc : vg_buf_json_str(o, r->feed, strlen(r->feed));
    rc = rc ? rc : vg_buf_puts(o, ",\"tlp\":");
    rc = rc ? rc : vg_buf_json_str(o, r->tlp, strlen(r->tlp));
    rc = rc ? rc : vg_buf_printf(o, ",\"asn\":%lld,\"region\":", (long long)r->asn);
    rc = rc ? rc : vg_buf_json_str(o, r->region, strlen(r->region));
    rc = rc ? rc
            : vg_buf_printf(o, ",\"events\":%llu,\"first_seen\":\"%s\",\"last_seen\":\"%s\"}",
                            (unsigned long long)r->events, first, last);
    c->n++;
    enum tlp_level label = tlp_of_record(r->tlp);
    if (label >= TLP_AMBER) {
        c->stats.strict_events += r->events;
        if ((int)label > c->stats.strictest)
            c->stats.strictest = (int)label;
    }
    return rc;
}

static int put_opt_str(struct vg_buf *o, const char *s, size_t n)
{
    return vg_buf_json_str(o, s ? s : "", s ? n : 0);
}

int ip_report_write_json(struct store *st, const struct enricher *en, const struct ip_addr *ip,
                         const struct access_subject *reader, struct vg_buf *out,
                         struct ip_report_stats *stats, struct vg_err *err)
{
    char canon[IP_STRLEN];
    size_t clen = ip_format(ip, canon);
    struct enrich_result r;
    memset(&r, 0, sizeof r);
    if (en)
        enricher_lookup(en, ip, &r);
    int rc = vg_buf_puts(out, "{\"ip\":");
    rc = rc ? rc : vg_buf_json_str(out, canon, clen);
    if (!rc && r.has_asn) {
        rc = vg_buf_printf(out, ",\"asn\":%u,\"as_name\":", r.asn);
        rc = rc ? rc : put_opt_str(out, r.as_name, r.as_name ? strlen(r.as_name) : 0);
    } else if (!rc) {
        rc = vg_buf_puts(out, ",\"asn\":null,\"as_name\":null");
    }
    rc = rc ? rc : vg_buf_puts(out, ",\"geolocation\":{\"cc\":");
    rc = rc ? rc : vg_buf_json_str(out, r.geo.cc, strlen(r.geo.cc));
    rc = rc ? rc : vg_buf_puts(out, ",\"region\":");
    rc = rc ? rc : put_opt_str(out, r.geo.region, r.geo.region_len);
    rc = rc ? rc : vg_buf_puts(out, ",\"city\":");
    rc = rc ? rc : put_opt_str(out, r.geo.city, r.geo.city_len);
    if (!rc && r.geo.has_latlon) {
        rc = vg_buf_puts(out, ",\"latitude\":");
        rc = rc ? rc : event_write_double(out, r.geo.lat);
        rc = rc ? rc : vg_buf_puts(out, ",\"longitude\":");
        rc = rc ? rc : event_write_double(out, r.geo.lon);
    }
    rc = rc ? rc : vg_buf_puts(out, "},\"observations\":[");
    if (rc)
        return vg_err_set(err, rc, "out of memory");
    struct json_ctx c = {out, 0, {0, -1}};
    if ((rc = ip_report_each(st, ip, reader, json_row, &c, err)))
        return rc == VG_EDB ? rc : vg_err_set(err, rc, "out of memory");
    if (stats)
        *stats = c.stats;
    if ((rc = vg_buf_puts(out, "]}")))
        return vg_err_set(err, rc, "out of memory");
    return 0;
}
