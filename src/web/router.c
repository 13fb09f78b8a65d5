/*
 * router.c — the route table and the dispatch of one request.
 *
 * Everything under /api/ is an API route from the table (unknown → 404
 * JSON, known path with the wrong method → 405 with Allow); everything else
 * is a static file from the embedded table, "/" meaning "/index.html".
 * The table is also the list the OpenAPI document is checked against
 * (tests/unit/test_web_routes.c), so a route cannot be added without being
 * documented.
 */
#include "web/assets.h"
#include "web/web_int.h"
#include "web/auth.h"

#include <stdio.h>
#include <string.h>

static const struct web_route routes[] = {
    {"GET", "/api/v1/health", web_api_health, WEB_ROUTE_PUBLIC},
    {"GET", "/api/v1/landscape", web_api_landscape, 0},
    {"GET", "/api/v1/families", web_api_families, 0},
    {"GET", "/api/v1/regions", web_api_regions, 0},
    {"GET", "/api/v1/asns", web_api_asns, 0},
    {"GET", "/api/v1/asns/{asn}", web_api_asn, 0},
    {"GET", "/api/v1/ip/{address}", web_api_ip, 0},
    {"GET", "/api/v1/feeds", web_api_feeds, 0},
    {"POST", "/api/v1/ingest", web_api_ingest, WEB_ROUTE_BODY | WEB_ROUTE_INGEST},
    {"GET", "/api/v1/openapi.json", web_api_openapi, WEB_ROUTE_PUBLIC},
    {"GET", "/api/v1/session", web_api_session_get, 0},
    {"POST", "/api/v1/session", web_api_session_post, WEB_ROUTE_JSON | WEB_ROUTE_PUBLIC},
    {"DELETE", "/api/v1/session", web_api_session_delete, WEB_ROUTE_PUBLIC},
    {"GET", "/api/v1/orgs", web_api_orgs_get, WEB_ROUTE_ADMIN},
    {"POST", "/api/v1/orgs", web_api_orgs_post, WEB_ROUTE_JSON | WEB_ROUTE_ADMIN},
    {"GET", "/api/v1/orgs/{name}", web_api_org_get, WEB_ROUTE_ADMIN},
    {"DELETE", "/api/v1/orgs/{name}", web_api_org_delete, WEB_ROUTE_ADMIN},
    {"GET", "/api/v1/tokens", web_api_tokens_get, WEB_ROUTE_ADMIN},
    {"POST", "/api/v1/tokens", web_api_tokens_post, WEB_ROUTE_JSON | WEB_ROUTE_ADMIN},
    {"DELETE", "/api/v1/tokens/{id}", web_api_token_delete, WEB_ROUTE_ADMIN},
    {"GET", "/api/v1/audit", web_api_audit, WEB_ROUTE_ADMIN},
};

#define NROUTES (sizeof routes / sizeof routes[0])

const struct web_route *web_routes(size_t *n)
{
    *n = NROUTES;
    return routes;
}

/* Does path match pattern?  A "{name}" segment matches one non-empty
 * segment, copied into arg. */
static int pattern_match(const char *pattern, const char *path, char *arg, size_t argsize)
{
    while (*pattern && *path) {
        if (*pattern == '{') {
            const char *close = strchr(pattern, '}');
            size_t n = strcspn(path, "/");
            if (!close || n == 0 || n >= argsize)
                return 0;
            memcpy(arg, path, n);
            arg[n] = '\0';
            pattern = close + 1;
            path += n;
            continue;
        }
        if (*pattern != *path)
            return 0;
        pattern++;
        path++;
    }
    return *pattern == '\0' && *path == '\0';
}

/* HEAD is GET without the body (the HTTP library drops it). */
static int method_is(const char *want, const char *method)
{
    return strcmp(want, method) == 0 || (strcmp(want, "GET") == 0 && strcmp(method, "HEAD") == 0);
}

int web_route_match(const char *method, const char *path, const struct web_route **route,
                    char *arg, size_t argsize, char *allow, size_t allowsize)
{
    int path_known = 0;
    if (allowsize)
        allow[0] = '\0';
    for (size_t k = 0; k < NROUTES; k++) {
        if (!pattern_match(routes[k].pattern, path, arg, argsize))
            continue;
        if (method_is(routes[k].method, method)) {
            *route = &routes[k];
            return 0;
        }
        path_known = 1;
        size_t used = strlen(allow);
        snprintf(allow + used, allowsize - used, "%s%s%s", used ? ", " : "", routes[k].method,
                 strcmp(routes[k].method, "GET") == 0 ? ", HEAD" : "");
    }
    if (argsize)
        arg[0] = '\0';
    return path_known ? 405 : 404;
}

/* If-None-Match against our strong tag, by the weak comparison RFC 9110
 * §13.1.2 prescribes for this header (a W/ prefix is ignored). */
int web_etag_matches(const char *header, const char *etag)
{
    size_t elen = strlen(etag);
    const char *p = header;
    while (p && *p) {
        p += strspn(p, " \t,");
        if (*p == '*')
            return 1;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        size_t n = strcspn(p, ",");
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n == elen && memcmp(p, etag, n) == 0)
            return 1;
        p = strchr(p, ',');
    }
    return 0;
}

static void send_asset(const struct web_asset *a, const struct web_request *req,
                       struct web_response *resp)
{
    resp->etag = a->etag;
    /* revalidate every time: a rebuilt binary serves new bytes under the
     * same names, and a 304 costs one round trip */
    resp->cache_control = "no-cache";
    resp->content_type = a->content_type;
    resp->html = strncmp(a->content_type, "text/html", 9) == 0;
    if (req->if_none_match && web_etag_matches(req->if_none_match, a->etag)) {
        resp->status = 304;
        return;
    }
    resp->status = 200;
    resp->data = a->data;
    resp->len = a->len;
}

int web_api_openapi(struct web_app *app, const struct web_request *req,
                    struct web_response *resp)
{
    (void)app;
    if (req->nparams)
        return web_response_error(resp, 400, req->params[0].name,
                                  "unknown parameter '%.40s'", req->params[0].name);
    const struct web_asset *a = web_asset_find("/api/v1/openapi.json");
    if (!a)
        return web_response_error(resp, 500, NULL, "the OpenAPI document was not built in");
    send_asset(a, req, resp);
    return resp->status;
}

int web_upload_allowed(struct web_app *app, const struct web_request *req,
                       struct web_response *resp)
{
    struct web_caller caller;
    int rc = web_caller_resolve(app, req, &caller, resp);
    if (rc)
        return rc;
    rc = web_caller_may_ingest(&caller, resp);
    web_caller_release(&caller);
    return rc;
}

void web_handle(struct web_app *app, struct web_request *req, struct web_response *resp)
{
    if (strncmp(req->path, "/taxii2", 7) == 0 && (req->path[7] == '/' || !req->path[7])) {
        web_taxii_handle(app, req, resp);
        return;
    }
    if (strncmp(req->path, "/api/", 5) == 0) {
        const struct web_route *rt;
        char arg[256];
        int st = web_route_match(req->method, req->path, &rt, arg, sizeof arg, resp->allow,
                                 sizeof resp->allow);
        if (st == 405) {
            web_response_error(resp, 405, NULL, "%.16s is not allowed here (allowed: %s)",
                               req->method, resp->allow);
            return;
        }
        if (st) {
            web_response_error(resp, 404, NULL, "no such API route: %.200s", req->path);
            return;
        }
        /* who asks, and may they */
        struct web_caller caller;
        if (web_caller_resolve(app, req, &caller, resp)) {
            if (!(rt->flags & WEB_ROUTE_PUBLIC))
                return;
            /* a public route answers a failed credential as anonymous */
            web_response_free(resp);
            web_response_init(resp);
            memset(&caller, 0, sizeof caller);
            caller.via = "anonymous";
            access_subject_anonymous(&caller.subject);
            snprintf(caller.scope, sizeof caller.scope, "public");
        }
        if (((rt->flags & WEB_ROUTE_ADMIN) && web_caller_may_admin(&caller, resp)) ||
            ((rt->flags & WEB_ROUTE_INGEST) && web_caller_may_ingest(&caller, resp))) {
            web_caller_release(&caller);
            return;
        }
        req->arg = arg;
        req->route = rt->pattern;
        req->caller = &caller;
        req->scope = caller.scope;
        int code = rt->fn(app, req, resp);
        if (code > 200 && code < 300 && resp->status == 200)
            resp->status = code; /* 201 Created */
        web_audit_answer(app, req, &caller, resp);
        req->arg = req->route = NULL;
        req->caller = NULL;
        req->scope = NULL;
        web_caller_release(&caller);
        return;
    }
    const char *path = strcmp(req->path, "/") == 0 ? "/index.html" : req->path;
    const struct web_asset *a = web_asset_find(path);
    if (!a) {
        web_response_error(resp, 404, NULL, "not found: %.200s", req->path);
        return;
    }
    if (!method_is("GET", req->method)) {
        snprintf(resp->allow, sizeof resp->allow, "GET, HEAD");
        web_response_error(resp, 405, NULL, "%.16s is not allowed here (allowed: GET, HEAD)",
                           req->method);
        return;
    }
    send_asset(a, req, resp);
}
