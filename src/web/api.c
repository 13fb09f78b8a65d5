/*
 * api.c — the read side of the JSON API: GET /api/v1/… mirroring the CLI.
 *
 * Query parameters go, one by one and by their own names, through
 * landscape_query_set() — the function behind `vigil landscape`'s flags —
 * so the API accepts exactly what the CLI accepts, rejects the same values
 * with the same messages (as 400s naming the parameter), and learns a new
 * key or filter the day the landscape does.  The JSON is the CLI's JSON
 * (landscape_write_json, ip_report_write_json) plus a newline, byte for
 * byte.  Every route answers through web_app_answer (app.c): one read
 * snapshot per request, an ETag, and the answer cache, keyed by the route
 * and the normalised question (landscape_query_key), never by the raw
 * query string.
 */
#include "core/ip.h"
#include "core/vtime.h"
#include "event/event.h"
#include "landscape/ip_report.h"
#include "landscape/landscape.h"
#include "web/web_int.h"
#include "web/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "0.0.0"
#endif

static int nomem(struct web_response *resp)
{
    return web_response_error(resp, 500, NULL, "out of memory");
}

static int store_error(struct web_response *resp, const struct vg_err *err)
{
    return web_response_error(resp, web_status_for(err->code) == 404 ? 503 : 500, NULL, "%s",
                              err->msg);
}

static int no_params(const struct web_request *req, struct web_response *resp)
{
    if (!req->nparams)
        return 0;
    return web_response_error(resp, 400, req->params[0].name, "unknown parameter '%.40s'",
                              req->params[0].name);
}

/* Build q from the request's parameters as the CLI builds it from its
 * flags.  fixed_by: the route's own grouping ("family" for /families; the
 * caller may not give "by"), or NULL for "by" from the caller (default
 * family, as the CLI).  no_asn: the ASN is in the path.  0, or the error
 * status with resp filled. */
static int query_from_params(const struct web_request *req, struct landscape_query *q,
                             const char *fixed_by, int no_asn, struct web_response *resp)
{
    struct vg_err err = {0};
    landscape_query_init(q);
    if (landscape_parse_keys(fixed_by ? fixed_by : "family", q, &err))
        return web_response_error(resp, 500, NULL, "%s", err.msg);
    for (size_t k = 0; k < req->nparams; k++) {
        const char *name = req->params[k].name;
        for (size_t j = 0; j < k; j++)
            if (strcmp(req->params[j].name, name) == 0)
                return web_response_error(resp, 400, name, "%.40s: given twice", name);
        if (fixed_by && strcmp(name, "by") == 0)
            return web_response_error(resp, 400, name,
                                      "by: not a parameter of this route (its grouping is "
                                      "fixed; use /api/v1/landscape?by=...)");
        if (no_asn && strcmp(name, "asn") == 0)
            return web_response_error(resp, 400, name, "asn: the ASN is in the path");
        if (landscape_query_set(q, name, req->params[k].value, &err))
            return web_response_error(resp, 400, name, "%s", err.msg);
    }
    if (landscape_query_check(q, &err))
        return web_response_error(resp, 400, NULL, "%s", err.msg);
    /* every number from what the caller may read (the answer cache keys
     * by the caller's scope) */
    q->reader = web_caller_reader(req->caller);
    return 0;
}

/* The audit figures of one answer: the strictest over its queries (they
 * cover the same selection, so the largest count is the selection's). */
static void audit_note(struct web_response *resp, uint64_t strict_events, int strictest)
{
    if (strict_events > resp->audit_records)
        resp->audit_records = strict_events;
    if (strictest > resp->audit_tlp)
        resp->audit_tlp = strictest;
}

/* Run q on st; on success *res must be freed by the caller. */
static int run(struct store *st, const struct landscape_query *q, struct landscape_result *res,
               struct web_response *resp)
{
    struct vg_err err = {0};
    if (landscape_run(st, q, res, &err))
        return store_error(resp, &err);
    audit_note(resp, res->strict_events, res->strictest);
    return 0;
}

/* Answer through the cache: the key is the route, a NUL, then q in its
 * normalised form. */
static int answer_query(struct web_app *app, const struct web_request *req, const char *route,
                        const struct landscape_query *q, web_produce_fn produce,
                        struct web_response *resp)
{
    struct vg_buf key = VG_BUF_INIT;
    int rc = vg_buf_append(&key, route, strlen(route) + 1);
    rc = rc ? rc : landscape_query_key(q, &key);
    if (rc) {
        vg_buf_free(&key);
        return nomem(resp);
    }
    rc = web_app_answer(app, req, key.data, key.len, produce, (void *)q, resp);
    vg_buf_free(&key);
    return rc;
}

static int produce_landscape(struct web_app *app, struct store *st, void *ctx,
                             struct web_response *resp)
{
    const struct landscape_query *q = ctx;
    struct landscape_result res;
    int rc;
    (void)app;
    if ((rc = run(st, q, &res, resp)))
        return rc;
    rc = landscape_write_json(q, &res, &resp->body);
    rc = rc ? rc : vg_buf_putc(&resp->body, '\n');
    landscape_result_free(&res);
    return rc ? nomem(resp) : 200;
}

static int landscape_route(struct web_app *app, const struct web_request *req,
                           struct web_response *resp, const char *route, const char *fixed_by)
{
    struct landscape_query q;
    int rc;
    if ((rc = query_from_params(req, &q, fixed_by, 0, resp)))
        return rc;
    return answer_query(app, req, route, &q, produce_landscape, resp);
}

int web_api_landscape(struct web_app *app, const struct web_request *req,
                      struct web_response *resp)
{
    return landscape_route(app, req, resp, "landscape", NULL);
}

int web_api_families(struct web_app *app, const struct web_request *req,
                     struct web_response *resp)
{
    return landscape_route(app, req, resp, "families", "family");
}

int web_api_regions(struct web_app *app, const struct web_request *req,
                    struct web_response *resp)
{
    return landscape_route(app, req, resp, "regions", "region");
}

/* "announced_addresses":N,"infected_share":x|null */
static int put_share(struct vg_buf *o, uint64_t announced, uint64_t ips)
{
    int rc = vg_buf_printf(o, "\"announced_addresses\":%llu,\"infected_share\":",
                           (unsigned long long)announced);
    if (rc)
        return rc;
    if (!announced)
        return vg_buf_puts(o, "null");
    return event_write_double(o, (double)ips / (double)announced);
}

static int produce_asns(struct web_app *app, struct store *st, void *ctx,
                        struct web_response *resp)
{
    const struct landscape_query *q = ctx;
    struct landscape_result res;
    int rc;
    if ((rc = run(st, q, &res, resp)))
        return rc;
    struct vg_buf *o = &resp->body;
    rc = vg_buf_puts(o, "{\"rows\":[");
    for (size_t r = 0; r < res.nrows && !rc; r++) {
        const struct landscape_row *row = &res.rows[r];
        uint32_t asn = (uint32_t)row->cells[0].i;
        rc = vg_buf_puts(o, r ? ",{\"asn\":" : "{\"asn\":");
        rc = rc ? rc : asn ? vg_buf_printf(o, "%u", asn) : vg_buf_puts(o, "null");
        rc = rc ? rc : vg_buf_puts(o, ",\"as_name\":");
        rc = rc ? rc : vg_buf_json_str(o, row->cells[0].s, strlen(row->cells[0].s));
        rc = rc ? rc : vg_buf_printf(o, ",\"ips\":%llu,\"events\":%llu,",
                                     (unsigned long long)row->ips,
                                     (unsigned long long)row->events);
        rc = rc ? rc : put_share(o, asn_space_get(app->space, asn), row->ips);
        rc = rc ? rc : vg_buf_putc(o, '}');
    }
    rc = rc ? rc : vg_buf_printf(o, "],\"total\":{\"ips\":%llu,\"events\":%llu}}\n",
                                 (unsigned long long)res.total_ips,
                                 (unsigned long long)res.total_events);
    landscape_result_free(&res);
    return rc ? nomem(resp) : 200;
}

int web_api_asns(struct web_app *app, const struct web_request *req, struct web_response *resp)
{
    struct landscape_query q;
    int rc;
    if ((rc = query_from_params(req, &q, "asn", 0, resp)))
        return rc;
    return answer_query(app, req, "asns", &q, produce_asns, resp);
}

static int by_day(const void *a, const void *b)
{
    int64_t x = ((const struct landscape_row *)a)->cells[0].i;
    int64_t y = ((const struct landscape_row *)b)->cells[0].i;
    return (x > y) - (x < y);
}

/* One breakdown of the ASN's selection: ,"<field>":{"rows":[…],"total":…} */
static int put_breakdown(struct store *st, struct landscape_query *q, const char *key,
                         const char *field, struct landscape_result *total_out,
                         struct web_response *resp, struct vg_buf *o)
{
    struct landscape_result res;
    struct vg_err err = {0};
    int rc;
    if (landscape_parse_keys(key, q, &err))
        return web_response_error(resp, 500, NULL, "%s", err.msg);
    if ((rc = run(st, q, &res, resp)))
        return rc;
    if (q->nkeys == 1 && q->keys[0] == LK_DAY && res.nrows) /* a series: in time order */
        qsort(res.rows, res.nrows, sizeof *res.rows, by_day);
    rc = vg_buf_printf(o, ",\"%s\":", field);
    rc = rc ? rc : landscape_write_json(q, &res, o);
    if (total_out) {
        total_out->total_ips = res.total_ips;
        total_out->total_events = res.total_events;
    }
    landscape_result_free(&res);
    return rc ? nomem(resp) : 0;
}

static int produce_asn(struct web_app *app, struct store *st, void *ctx,
                       struct web_response *resp);

int web_api_asn(struct web_app *app, const struct web_request *req, struct web_response *resp)
{
    struct landscape_query q;
    struct vg_err err = {0};
    int rc;
    if ((rc = query_from_params(req, &q, "family", 1, resp)))
        return rc;
    if (landscape_query_set(&q, "asn", req->arg, &err))
        return web_response_error(resp, 400, "asn", "%s", err.msg);
    return answer_query(app, req, "asns/{asn}", &q, produce_asn, resp);
}

static int produce_asn(struct web_app *app, struct store *st, void *ctx,
                       struct web_response *resp)
{
    struct landscape_query q = *(const struct landscape_query *)ctx;
    struct vg_err err = {0};
    int rc;
    uint32_t asn = q.asn;
    uint64_t announced = asn_space_get(app->space, asn);

    /* as_name as the store recorded it at ingest, else as the data says */
    struct landscape_result named;
    q.nkeys = 0;
    if (landscape_parse_keys("asn", &q, &err))
        return web_response_error(resp, 500, NULL, "%s", err.msg);
    if ((rc = run(st, &q, &named, resp)))
        return rc;
    const char *as_name = named.nrows && named.rows[0].cells[0].s[0] ? named.rows[0].cells[0].s
                          : app->en ? asn_table_name(app->en->asn, asn)
                                    : NULL;
    int seen = named.nrows > 0;
    struct vg_buf head = VG_BUF_INIT, rest = VG_BUF_INIT;
    if (!seen && !announced && !as_name) {
        landscape_result_free(&named);
        return web_response_error(resp, 404, "asn",
                                  "AS%u: no observations and not in the enrichment data", asn);
    }
    rc = vg_buf_printf(&head, "{\"asn\":%u,\"as_name\":", asn);
    rc = rc ? rc : as_name ? vg_buf_json_str(&head, as_name, strlen(as_name))
                           : vg_buf_puts(&head, "null");
    landscape_result_free(&named);
    if (rc) {
        vg_buf_free(&head);
        return nomem(resp);
    }
    struct landscape_result total = {0};
    uint64_t top = q.top;
    if ((rc = put_breakdown(st, &q, "family", "families", &total, resp, &rest)) ||
        (rc = put_breakdown(st, &q, "region", "regions", NULL, resp, &rest)))
        goto out;
    q.top = 0; /* the series is every day of the period */
    if ((rc = put_breakdown(st, &q, "day", "days", NULL, resp, &rest)))
        goto out;
    q.top = top;
    rc = vg_buf_printf(&head, ",\"ips\":%llu,\"events\":%llu,",
                       (unsigned long long)total.total_ips,
                       (unsigned long long)total.total_events);
    rc = rc ? rc : put_share(&head, announced, total.total_ips);
    rc = rc ? rc : vg_buf_append(&head, rest.data, rest.len);
    rc = rc ? rc : vg_buf_puts(&head, "}\n");
    if (rc) {
        rc = nomem(resp);
        goto out;
    }
    vg_buf_free(&resp->body);
    resp->body = head;
    head = (struct vg_buf)VG_BUF_INIT;
    rc = 200;
out:
    vg_buf_free(&head);
    vg_buf_free(&rest);
    return rc;
}

struct ip_question {
    struct ip_addr ip;
    const struct access_subject *reader;
};

static int produce_ip(struct web_app *app, struct store *st, void *ctx,
                      struct web_response *resp)
{
    struct vg_err err = {0};
    const struct ip_question *q = ctx;
    struct ip_report_stats stats;
    if (ip_report_write_json(st, app->en, &q->ip, q->reader, &resp->body, &stats, &err))
        return store_error(resp, &err);
    audit_note(resp, stats.strict_events, stats.strictest);
    return vg_buf_putc(&resp->body, '\n') ? nomem(resp) : 200;
}

int web_api_ip(struct web_app *app, const struct web_request *req, struct web_response *resp)
{
    struct ip_question q = {.reader = web_caller_reader(req->caller)};
    char key[3 + IP_STRLEN] = "ip";
    int rc;
    if ((rc = no_params(req, resp)))
        return rc;
    if (ip_parse(req->arg, strlen(req->arg), &q.ip))
        return web_response_error(resp, 400, "address",
                                  "address: '%.60s' is not an IPv4 or IPv6 address", req->arg);
    ip_format(&q.ip, key + 3); /* "ip\0<address>": one key however it was written */
    return web_app_answer(app, req, key, 3 + strlen(key + 3), produce_ip, &q, resp);
}

struct feeds_ctx {
    struct vg_buf *o;
    size_t n;
    int rc;
};

static int put_time(struct vg_buf *o, const struct store_value *v)
{
    char t[40];
    if (v->type != ST_INT)
        return vg_buf_puts(o, "null");
    vt_format_iso(v->i, t);
    return vg_buf_printf(o, "\"%s\"", t);
}

static int put_text(struct vg_buf *o, const struct store_value *v)
{
    if (v->type != ST_TEXT)
        return vg_buf_puts(o, "null");
    return vg_buf_json_str(o, v->s, v->len);
}

static int file_row(void *ctx, int ncol, const struct store_value *v)
{
    struct feeds_ctx *c = ctx;
    struct vg_buf *o = c->o;
    (void)ncol;
    int rc = vg_buf_printf(o, "%s{\"id\":%lld,\"name\":", c->n++ ? "," : "", (long long)v[0].i);
    rc = rc ? rc : put_text(o, &v[1]);
    rc = rc ? rc : vg_buf_puts(o, ",\"format\":");
    rc = rc ? rc : put_text(o, &v[2]);
    rc = rc ? rc : vg_buf_puts(o, ",\"report\":");
    rc = rc ? rc : put_text(o, &v[3]);
    rc = rc ? rc : vg_buf_puts(o, ",\"sha256\":");
    rc = rc ? rc : put_text(o, &v[4]);
    rc = rc ? rc
            : vg_buf_printf(o,
                            ",\"size\":%lld,\"records\":%lld,\"accepted\":%lld,"
                            "\"rejected\":%lld,\"observations\":%lld,\"started\":",
                            (long long)v[5].i, (long long)v[6].i, (long long)v[7].i,
                            (long long)v[8].i, (long long)v[9].i);
    rc = rc ? rc : put_time(o, &v[10]);
    rc = rc ? rc : vg_buf_puts(o, ",\"finished\":");
    rc = rc ? rc : put_time(o, &v[11]);
    rc = rc ? rc : vg_buf_putc(o, '}');
    return rc;
}

static int produce_feeds(struct web_app *app, struct store *st, void *ctx,
                         struct web_response *resp)
{
    struct vg_err err = {0};
    struct landscape_feeds feeds;
    const struct access_subject *reader = ctx;
    int rc;
    (void)app;
    struct feeds_ctx c = {&resp->body, 0, 0};
    rc = vg_buf_puts(c.o, "{\"files\":[");
    /* the inputs (names, hashes, counts) are the operator's business and
     * the sources', not every reader's */
    if (!rc && (!reader || access_reads_all(reader)))
        rc = store_query(st,
                         "SELECT id, name, format, report, sha256, size, records, accepted, "
                         "rejected, observations, started_us, finished_us FROM files ORDER BY id",
                         NULL, 0, file_row, &c, &err);
    if (rc == VG_EDB)
        return store_error(resp, &err);
    if (rc)
        return nomem(resp);
    if (landscape_feeds_run_for(st, reader, &feeds, &err))
        return store_error(resp, &err);
    if (reader) { /* the audit's figures: the same selection by feed */
        struct landscape_query q;
        struct landscape_result res;
        landscape_query_init(&q);
        q.reader = reader;
        if (landscape_parse_keys("feed", &q, &err) || (rc = run(st, &q, &res, resp))) {
            landscape_feeds_free(&feeds);
            return rc ? rc : store_error(resp, &err);
        }
        landscape_result_free(&res);
    }
    rc = vg_buf_puts(c.o, "],\"feeds\":[");
    for (size_t k = 0; k < feeds.n && !rc; k++) {
        const struct landscape_feed *f = &feeds.rows[k];
        char first[16], last[16];
        vt_format_day(f->first_day, first);
        vt_format_day(f->last_day, last);
        rc = vg_buf_puts(c.o, k ? ",{\"feed\":" : "{\"feed\":");
        rc = rc ? rc : vg_buf_json_str(c.o, f->feed, strlen(f->feed));
        rc = rc ? rc
                : vg_buf_printf(c.o,
                                ",\"ips\":%llu,\"events\":%llu,\"observations\":%llu,"
                                "\"first_day\":\"%s\",\"last_day\":\"%s\"}",
                                (unsigned long long)f->ips, (unsigned long long)f->events,
                                (unsigned long long)f->observations, first, last);
    }
    rc = rc ? rc : vg_buf_puts(c.o, "]}\n");
    landscape_feeds_free(&feeds);
    return rc ? nomem(resp) : 200;
}

int web_api_feeds(struct web_app *app, const struct web_request *req, struct web_response *resp)
{
    int rc = no_params(req, resp);
    return rc ? rc
              : web_app_answer(app, req, "feeds", 5, produce_feeds,
                               (void *)web_caller_reader(req->caller), resp);
}

static int count_row(void *ctx, int ncol, const struct store_value *v)
{
    (void)ncol;
    *(int64_t *)ctx = v[0].i;
    return 0;
}

static int produce_health(struct web_app *app, struct store *st, void *ctx,
                          struct web_response *resp)
{
    struct vg_err err = {0};
    uint64_t obs = 0;
    int64_t files = 0;
    int rc;
    if (ctx) { /* access control: how much is stored is not every reader's */
        rc = vg_buf_printf(&resp->body,
                           "{\"status\":\"ok\",\"version\":\"%s\",\"mode\":\"access-control\"}\n",
                           VIGIL_VERSION);
        return rc ? nomem(resp) : 200;
    }
    (void)app;
    rc = landscape_observation_count(st, &obs, &err);
    if (!rc)
        rc = store_query(st, "SELECT COUNT(*) FROM files WHERE finished_us IS NOT NULL", NULL, 0,
                         count_row, &files, &err);
    if (rc)
        return store_error(resp, &err);
    /* "mode" tells the dashboard what to put in its banner: in operator
     * mode every local caller sees everything */
    rc = vg_buf_printf(&resp->body,
                       "{\"status\":\"ok\",\"version\":\"%s\",\"mode\":\"operator\","
                       "\"observations\":%lld,\"files\":%lld}\n",
                       VIGIL_VERSION, (long long)obs, (long long)files);
    return rc ? nomem(resp) : 200;
}

int web_api_health(struct web_app *app, const struct web_request *req, struct web_response *resp)
{
    int rc = no_params(req, resp);
    const struct web_caller *c = req->caller;
    return rc ? rc
              : web_app_answer(app, req, "health", 6, produce_health,
                               c && !c->operator ? (void *)c : NULL, resp);
}
