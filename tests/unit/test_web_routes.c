/*
 * test_web_routes.c — the web server's routing and static side, without a
 * socket: the route table against the OpenAPI document (both directions),
 * route matching, the embedded asset table (exact match only: traversal
 * attempts are not keys), ETags and 304s, --listen parsing and upload name
 * cleaning.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "web/assets.h"
#include "web/web_int.h"

static void lower(const char *s, char *out, size_t n)
{
    size_t k = 0;
    for (; s[k] && k + 1 < n; k++)
        out[k] = (char)tolower((unsigned char)s[k]);
    out[k] = '\0';
}

static const char *str(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

static void test_openapi_matches_routes(void **state)
{
    (void)state;
    const struct web_asset *a = web_asset_find("/api/v1/openapi.json");
    assert_non_null(a);
    assert_string_equal(a->content_type, "application/json; charset=utf-8");
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)a->data, a->len, 0, &jerr);
    if (!doc)
        fail_msg("openapi.json does not parse: line %d: %s", jerr.line, jerr.text);
    const char *version = json_string_value(json_object_get(doc, "openapi"));
    assert_non_null(version);
    assert_memory_equal(version, "3.0", 3);
    json_t *paths = json_object_get(doc, "paths");
    assert_true(json_is_object(paths));

    size_t n;
    const struct web_route *routes = web_routes(&n);
    assert_true(n >= 10);
    for (size_t k = 0; k < n; k++) {
        char m[16];
        lower(routes[k].method, m, sizeof m);
        json_t *op = json_object_get(json_object_get(paths, routes[k].pattern), m);
        if (!json_is_object(op))
            fail_msg("route %s %s is not in openapi.json", routes[k].method, routes[k].pattern);
        assert_non_null(json_object_get(op, "responses"));
        /* every {param} of the pattern is a declared path parameter */
        const char *p = routes[k].pattern;
        while ((p = strchr(p, '{'))) {
            const char *close = strchr(p, '}');
            assert_non_null(close);
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(close - p - 1), p + 1);
            int found = 0;
            size_t i;
            json_t *param;
            json_array_foreach(json_object_get(op, "parameters"), i, param)
            {
                if (json_is_object(param) && strcmp(str(param, "name"), name) == 0 &&
                    strcmp(str(param, "in"), "path") == 0)
                    found = 1;
            }
            if (!found)
                fail_msg("%s: path parameter {%s} not declared", routes[k].pattern, name);
            p = close;
        }
    }
    /* and every documented operation is a route */
    const char *path;
    json_t *item;
    json_object_foreach(paths, path, item)
    {
        const char *method;
        json_t *op;
        int ops = 0;
        json_object_foreach(item, method, op)
        {
            static const char *verbs[] = {"get", "put", "post", "delete", "patch", "head",
                                          "options", "trace"};
            int verb = 0;
            for (size_t v = 0; v < sizeof verbs / sizeof verbs[0]; v++)
                verb |= strcmp(method, verbs[v]) == 0;
            if (!verb)
                continue;
            ops++;
            int found = 0;
            for (size_t k = 0; k < n; k++) {
                char m[16];
                lower(routes[k].method, m, sizeof m);
                found |= strcmp(routes[k].pattern, path) == 0 && strcmp(m, method) == 0;
            }
            if (!found)
                fail_msg("openapi.json documents %s %s, which the server does not route",
                         method, path);
        }
        assert_true(ops > 0);
    }
    json_decref(doc);
}

static void test_route_match(void **state)
{
    (void)state;
    const struct web_route *rt;
    char arg[64], allow[32];
    assert_int_equal(web_route_match("GET", "/api/v1/ip/2001:db8::1", &rt, arg, sizeof arg,
                                     allow, sizeof allow),
                     0);
    assert_ptr_equal(rt->fn, web_api_ip);
    assert_string_equal(arg, "2001:db8::1");
    assert_int_equal(web_route_match("HEAD", "/api/v1/landscape", &rt, arg, sizeof arg, allow,
                                     sizeof allow),
                     0);
    assert_ptr_equal(rt->fn, web_api_landscape);
    assert_int_equal(web_route_match("GET", "/api/v1/asns", &rt, arg, sizeof arg, allow,
                                     sizeof allow),
                     0);
    assert_ptr_equal(rt->fn, web_api_asns);
    assert_int_equal(web_route_match("GET", "/api/v1/asns/AS45899", &rt, arg, sizeof arg, allow,
                                     sizeof allow),
                     0);
    assert_ptr_equal(rt->fn, web_api_asn);
    assert_string_equal(arg, "AS45899");
    /* an empty or a two-segment parameter is no match */
    assert_int_equal(web_route_match("GET", "/api/v1/ip/", &rt, arg, sizeof arg, allow,
                                     sizeof allow),
                     404);
    assert_int_equal(web_route_match("GET", "/api/v1/ip/1.2.3.4/x", &rt, arg, sizeof arg, allow,
                                     sizeof allow),
                     404);
    assert_int_equal(web_route_match("GET", "/api/v1/landscape/", &rt, arg, sizeof arg, allow,
                                     sizeof allow),
                     404);
    /* too long for the caller's buffer: no match rather than a cut */
    assert_int_equal(web_route_match("GET", "/api/v1/ip/1111111111222222222233333333334444444444"
                                            "5555555555666666666677777777778888888888",
                                     &rt, arg, sizeof arg, allow, sizeof allow),
                     404);
    assert_int_equal(web_route_match("POST", "/api/v1/landscape", &rt, arg, sizeof arg, allow,
                                     sizeof allow),
                     405);
    assert_string_equal(allow, "GET, HEAD");
    assert_int_equal(web_route_match("GET", "/api/v1/ingest", &rt, arg, sizeof arg, allow,
                                     sizeof allow),
                     405);
    assert_string_equal(allow, "POST");
    assert_int_equal(web_route_match("POST", "/api/v1/ingest", &rt, arg, sizeof arg, allow,
                                     sizeof allow),
                     0);
    assert_true(rt->flags & WEB_ROUTE_BODY);
}

static void test_asset_table(void **state)
{
    (void)state;
    for (size_t k = 0; k < web_assets_count; k++) {
        const struct web_asset *a = &web_assets[k];
        assert_ptr_equal(web_asset_find(a->path), a);
        assert_int_equal(a->path[0], '/');
        if (k)
            assert_true(strcmp(web_assets[k - 1].path, a->path) < 0);
        assert_int_equal(strlen(a->etag), 34);
        assert_int_equal(a->etag[0], '"');
        assert_int_equal(a->etag[33], '"');
        assert_null(strstr(a->path, "/."));
        assert_null(strstr(a->path, "node_modules"));
    }
    assert_null(web_assets[web_assets_count].path);
    static const char *bad[] = {"/../../etc/passwd", "/..%2f..%2fetc/passwd", "/%2e%2e/Makefile",
                                "/web/../Makefile", "/../Makefile", "//index.html",
                                "/index.html/", "/index.html/..", "/./index.html", "index.html",
                                "/INDEX.HTML", "/index.html\\", "", "/.git/config",
                                "/src/web/openapi.json"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        if (web_asset_find(bad[k]))
            fail_msg("'%s' found in the asset table", bad[k]);
    assert_null(web_asset_find(NULL));
}

static void get(struct web_app *app, const char *method, const char *path, const char *inm,
                struct web_response *resp)
{
    struct web_request req = {.method = method, .path = path, .if_none_match = inm};
    web_response_init(resp);
    web_handle(app, &req, resp);
}

static void test_static_and_errors(void **state)
{
    (void)state;
    struct web_app app; /* static files and routing errors need no state */
    memset(&app, 0, sizeof app);
    struct web_response r;

    get(&app, "GET", "/../../etc/passwd", NULL, &r);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body.data, "\"status\":404"));
    web_response_free(&r);

    get(&app, "GET", "/api/v1/nope", NULL, &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.content_type, "application/json; charset=utf-8");
    web_response_free(&r);

    get(&app, "DELETE", "/api/v1/health", NULL, &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(r.allow, "GET, HEAD");
    web_response_free(&r);

    const struct web_asset *a = web_asset_find("/api/v1/openapi.json");
    assert_non_null(a);
    get(&app, "GET", "/api/v1/openapi.json", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_ptr_equal(r.data, a->data);
    assert_string_equal(r.etag, a->etag);
    web_response_free(&r);

    char inm[128];
    snprintf(inm, sizeof inm, "\"nope\", W/%s", a->etag);
    get(&app, "GET", "/api/v1/openapi.json", inm, &r);
    assert_int_equal(r.status, 304);
    assert_null(r.data);
    web_response_free(&r);
    get(&app, "GET", "/api/v1/openapi.json", "*", &r);
    assert_int_equal(r.status, 304);
    web_response_free(&r);
    get(&app, "GET", "/api/v1/openapi.json", "\"0000\"", &r);
    assert_int_equal(r.status, 200);
    web_response_free(&r);

    const struct web_asset *index = web_asset_find("/index.html");
    get(&app, "GET", "/", NULL, &r);
    if (index) { /* the dashboard is built in */
        assert_int_equal(r.status, 200);
        assert_ptr_equal(r.data, index->data);
        assert_true(r.html);
        assert_string_equal(r.cache_control, "no-cache");
        web_response_free(&r);
        get(&app, "POST", "/", NULL, &r);
        assert_int_equal(r.status, 405);
    } else {
        assert_int_equal(r.status, 404);
    }
    web_response_free(&r);
}

static void test_listen_parse(void **state)
{
    (void)state;
    struct web_listen l;
    struct vg_err err = {0};
    assert_int_equal(web_listen_parse("127.0.0.1:8080", &l, &err), 0);
    assert_true(l.loopback);
    assert_int_equal(l.port, 8080);
    assert_int_equal(l.family, AF_INET);
    assert_string_equal(l.host, "127.0.0.1");
    assert_int_equal(web_listen_parse("localhost:0", &l, &err), 0);
    assert_true(l.loopback);
    assert_int_equal(l.port, 0);
    assert_int_equal(web_listen_parse("127.1.2.3:1", &l, &err), 0);
    assert_true(l.loopback);
    assert_int_equal(web_listen_parse("[::1]:65535", &l, &err), 0);
    assert_true(l.loopback);
    assert_int_equal(l.family, AF_INET6);
    assert_string_equal(l.host, "[::1]");
    assert_int_equal(web_listen_parse("0.0.0.0:8080", &l, &err), 0);
    assert_false(l.loopback);
    assert_int_equal(web_listen_parse("192.0.2.1:80", &l, &err), 0);
    assert_false(l.loopback);
    assert_int_equal(web_listen_parse("[::]:80", &l, &err), 0);
    assert_false(l.loopback);
    static const char *bad[] = {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
                                "127.0.0.1:-1", "127.0.0.1:80x", ":8080", "::1:80",
                                "[::1]80", "[::1", "example.org:80", "127.0.0.256:80",
                                "[127.0.0.1]:80"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        err.code = 0;
        if (web_listen_parse(bad[k], &l, &err) != VG_EUSAGE)
            fail_msg("--listen '%s' accepted", bad[k]);
        assert_true(strstr(err.msg, "--listen") != NULL);
    }
}

static void test_upload_name(void **state)
{
    (void)state;
    char out[256];
    web_upload_name("../../etc/passwd", out, sizeof out);
    assert_string_equal(out, "passwd");
    web_upload_name("C:\\Users\\me\\2026-10-01-scan_http-vn.csv", out, sizeof out);
    assert_string_equal(out, "2026-10-01-scan_http-vn.csv");
    web_upload_name("..hidden.json", out, sizeof out);
    assert_string_equal(out, "hidden.json");
    web_upload_name("a b$c\n.json", out, sizeof out);
    assert_string_equal(out, "a_b_c_.json");
    web_upload_name("dir/", out, sizeof out);
    assert_string_equal(out, "upload");
    web_upload_name(NULL, out, sizeof out);
    assert_string_equal(out, "upload");
    char longname[600];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    web_upload_name(longname, out, sizeof out);
    assert_int_equal(strlen(out), 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openapi_matches_routes),
        cmocka_unit_test(test_route_match),
        cmocka_unit_test(test_asset_table),
        cmocka_unit_test(test_static_and_errors),
        cmocka_unit_test(test_listen_parse),
        cmocka_unit_test(test_upload_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
