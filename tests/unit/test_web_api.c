/*
 * test_web_api.c — the JSON API handlers over a hand-made store, without a
 * socket: every landscape route answers exactly what landscape_write_json
 * writes for the same query (what `vigil landscape --json` prints), bad
 * parameters are 400s naming the parameter, and the ASN, IP, feeds and
 * health routes have their documented shapes.  The per-ASN address space is
 * checked against the real enrichment data when it is installed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enrich/asn.h"
#include "landscape/landscape.h"
#include "store/store.h"
#include "web/asn_space.h"
#include "access/access.h"
#include "access/directory.h"
#include "web/web_int.h"

static char dbpath[64];
static struct web_app app;

static void put(struct store *st, const char *ip, int32_t day, const char *family,
                const char *region, uint32_t asn, uint64_t events)
{
    struct vg_err err = {0};
    struct store_obs o = {
        .day = day, .type = "infected-system", .family = family, .feed = "CTIP-Infected",
        .tlp = "AMBER", .asn = asn, .cc = "VN", .region = region, .city = "",
        .events = events, .first_us = (int64_t)day * 86400000000LL,
        .last_us = (int64_t)day * 86400000000LL + 1000000,
    };
    assert_int_equal(ip_parse(ip, strlen(ip), &o.ip), 0);
    assert_int_equal(store_obs_put(st, &o, 1, &err), 0);
}

static int setup(void **state)
{
    (void)state;
    struct vg_err err = {0};
    struct store *st;
    snprintf(dbpath, sizeof dbpath, "/tmp/vigil-test-web-%d.db", (int)getpid());
    unlink(dbpath);
    if (store_open(&st, dbpath, STORE_RW, &err) || store_begin(st, &err))
        return -1;
    int64_t id;
    struct store_file f = {.name = "ctip-2026-10-01.json", .format = "ctip", .size = 10,
                           .started_us = 1790000000000000LL};
    store_file_add(st, &f, &id, &err);
    int32_t d0 = 20727; /* 2026-10-01 */
    put(st, "1.1.1.1", d0, "mirai", "Hanoi", 45899, 3);
    put(st, "1.1.1.1", d0 + 1, "mirai", "Hanoi", 45899, 2);
    put(st, "2.2.2.2", d0, "conficker", "Da Nang", 7552, 4);
    put(st, "2.2.2.2", d0 + 2, "mirai", "Da Nang", 7552, 1);
    put(st, "3.3.3.3", d0 + 2, "wannacry", "Hanoi", 45899, 7);
    put(st, "2001:db8::1", d0 + 1, "conficker", "Hà Nội", 0, 1);
    store_asn_put(st, 45899, "VNPT Corp", &err);
    store_asn_put(st, 7552, "Viettel \"Group\"", &err);
    f.sha256 = "ab";
    f.records = f.accepted = 18;
    f.observations = 6;
    f.finished_us = f.started_us + 5000;
    store_file_finish(st, id, &f, &err);
    if (store_commit(st, &err))
        return -1;
    store_close(st);
    /* with an answer cache, as vigil serve runs: every test below reads
     * through it, and test_cache_and_etag checks it against ingests */
    struct web_config cfg = {.db_path = dbpath, .cache_bytes = 1 << 20, .listen = {.loopback = 1}};
    return web_app_init(&app, &cfg, NULL, &err);
}

static int teardown(void **state)
{
    (void)state;
    char p[96];
    web_app_free(&app);
    unlink(dbpath);
    snprintf(p, sizeof p, "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", dbpath);
    unlink(p);
    return 0;
}

/* GET path?query through the router as scope, with an If-None-Match
 * header (or NULL); query is "a=1&b=2" (no escapes). */
static int get_as(const char *path, const char *query, const char *authorization,
                  const char *inm, struct web_response *resp)
{
    static char qbuf[512];
    struct web_param params[WEB_MAX_PARAMS];
    size_t n = 0;
    snprintf(qbuf, sizeof qbuf, "%s", query ? query : "");
    for (char *tok = strtok(qbuf, "&"); tok && n < WEB_MAX_PARAMS; tok = strtok(NULL, "&")) {
        char *eq = strchr(tok, '=');
        params[n].name = tok;
        params[n].value = eq ? (*eq = '\0', eq + 1) : "";
        n++;
    }
    struct web_request req = {.method = "GET", .path = path, .params = params, .nparams = n,
                              .authorization = authorization && *authorization ? authorization : NULL,
                              .if_none_match = inm};
    web_response_init(resp);
    web_handle(&app, &req, resp);
    return resp->status;
}

static int get(const char *path, const char *query, struct web_response *resp)
{
    return get_as(path, query, "", NULL, resp);
}

/* What `vigil landscape --json` prints for the same parameters. */
static void cli_json(const char *by, const char *const *kv, struct vg_buf *out)
{
    struct landscape_query q;
    struct landscape_result res;
    struct vg_err err = {0};
    struct store *st;
    landscape_query_init(&q);
    assert_int_equal(landscape_parse_keys(by, &q, &err), 0);
    for (size_t k = 0; kv && kv[k]; k += 2)
        assert_int_equal(landscape_query_set(&q, kv[k], kv[k + 1], &err), 0);
    assert_int_equal(store_open(&st, dbpath, STORE_RO, &err), 0);
    assert_int_equal(landscape_places_attach(st, NULL, &err), 0);
    assert_int_equal(landscape_run(st, &q, &res, &err), 0);
    assert_int_equal(landscape_write_json(&q, &res, out), 0);
    vg_buf_putc(out, '\n');
    landscape_result_free(&res);
    store_close(st);
}

static void test_landscape_equals_cli(void **state)
{
    (void)state;
    static const struct {
        const char *path, *query, *by;
        const char *kv[8];
    } cases[] = {
        {"/api/v1/landscape", NULL, "family", {NULL}},
        {"/api/v1/landscape", "by=asn,family", "asn,family", {NULL}},
        {"/api/v1/landscape", "by=region&top=1", "region", {"top", "1", NULL}},
        {"/api/v1/landscape", "by=day&from=2026-10-02&to=2026-10-03", "day",
         {"from", "2026-10-02", "to", "2026-10-03", NULL}},
        {"/api/v1/landscape", "by=day,family&family=mirai&asn=AS45899", "day,family",
         {"family", "mirai", "asn", "45899", NULL}},
        {"/api/v1/landscape", "by=&country=vn", "", {"country", "VN", NULL}},
        {"/api/v1/landscape", "by=tlp,type,feed", "tlp,type,feed", {NULL}},
        /* without the place tables: isp is the AS name, province empty */
        {"/api/v1/landscape", "by=isp,province", "isp,province", {NULL}},
        {"/api/v1/families", "region=Hanoi", "family", {"region", "Hanoi", NULL}},
        {"/api/v1/regions", "top=2", "region", {"top", "2", NULL}},
    };
    /* twice: computed, then from the cache */
    for (size_t k = 0; k < 2 * sizeof cases / sizeof cases[0]; k++) {
        size_t c = k % (sizeof cases / sizeof cases[0]);
        struct web_response r;
        struct vg_buf want = VG_BUF_INIT;
        assert_int_equal(get(cases[c].path, cases[c].query, &r), 200);
        cli_json(cases[c].by, cases[c].kv, &want);
        if (strcmp(r.body.data, want.data) != 0)
            fail_msg("%s?%s:\n got  %s\n want %s", cases[c].path, cases[c].query, r.body.data,
                     want.data);
        assert_string_equal(r.content_type, "application/json; charset=utf-8");
        web_response_free(&r);
        vg_buf_free(&want);
    }
}

/* The cache and the ETag against a commit by another connection (as by a
 * `vigil ingest` process): the next answer is the new one, under a new tag;
 * the same question from another scope is another entry; a question spelt
 * differently (parameter order, AS prefix, country case) is the same one. */
static void test_cache_and_etag(void **state)
{
    (void)state;
    struct web_response a, b;
    struct web_cache_stats s0, s1;
    char tag[80];
    assert_int_equal(get("/api/v1/landscape", "by=family&asn=45899&country=vn", &a), 200);
    assert_non_null(a.etag);
    assert_string_equal(a.cache_control, "private, no-cache");
    snprintf(tag, sizeof tag, "%s", a.etag);
    web_cache_stats_get(app.cache, &s0);
    assert_int_equal(get("/api/v1/landscape", "country=VN&asn=AS45899&by=family", &b), 200);
    assert_string_equal(a.body.data, b.body.data);
    assert_string_equal(b.etag, tag);
    web_cache_stats_get(app.cache, &s1);
    assert_int_equal(s1.hits, s0.hits + 1);
    web_response_free(&b);

    /* revalidation: 304, no body, no query */
    assert_int_equal(get_as("/api/v1/landscape", "by=family&asn=45899&country=VN", "", tag, &b),
                     304);
    assert_int_equal(b.body.len, 0);
    web_response_free(&b);
    /* another connection commits: the answer and its tag change */
    struct vg_err err = {0};
    struct store *st;
    assert_int_equal(store_open(&st, dbpath, STORE_RW, &err), 0);
    assert_int_equal(store_begin(st, &err), 0);
    put(st, "9.9.9.9", 20727, "gozi", "Hanoi", 45899, 5);
    assert_int_equal(store_commit(st, &err), 0);
    store_close(st);
    assert_int_equal(get_as("/api/v1/landscape", "by=family&asn=45899&country=VN", "", tag, &b),
                     200);
    assert_string_not_equal(b.etag, tag);
    assert_non_null(strstr(b.body.data, "\"gozi\""));
    assert_null(strstr(a.body.data, "\"gozi\""));
    web_response_free(&a);
    web_response_free(&b);
    /* health and feeds follow too */
    assert_int_equal(get("/api/v1/health", NULL, &a), 200);
    assert_non_null(strstr(a.body.data, "\"observations\":7"));
    web_response_free(&a);
    /* errors are neither tagged nor kept */
    assert_int_equal(get("/api/v1/landscape", "by=bogus", &a), 400);
    assert_null(a.etag);
    web_response_free(&a);

    /* another reader (a member agency's token: access control is on from
     * here): its own entry and tag, though it reads the same numbers */
    assert_int_equal(get("/api/v1/landscape", "by=family&asn=45899&country=VN", &a), 200);
    snprintf(tag, sizeof tag, "%s", a.etag);
    assert_int_equal(store_open(&st, dbpath, STORE_RW, &err), 0);
    struct access_org_spec org = {.name = "VNCERT", .role = "member", .countries = {"VN"},
                                  .ncountries = 1};
    int64_t org_id, tid;
    char token[ACCESS_TOKEN_LEN], auth[ACCESS_TOKEN_LEN + 16];
    assert_int_equal(access_org_create(st, &org, &org_id, &err), 0);
    assert_int_equal(access_token_create(st, app.key, "VNCERT", NULL, 0, 0, token, &tid, &err), 0);
    store_close(st);
    snprintf(auth, sizeof auth, "Bearer %s", token);
    web_cache_stats_get(app.cache, &s0);
    assert_int_equal(get_as("/api/v1/landscape", "by=family&asn=45899&country=VN", auth, tag, &b),
                     200);
    assert_string_not_equal(b.etag, tag);
    assert_string_equal(a.body.data, b.body.data);
    web_cache_stats_get(app.cache, &s1);
    assert_int_equal(s1.misses, s0.misses + 1);
    web_response_free(&a);
    web_response_free(&b);
}

static void expect_400(const char *path, const char *query, const char *param)
{
    struct web_response r;
    if (get(path, query, &r) != 400)
        fail_msg("%s?%s: status %d, want 400 (%s)", path, query, r.status, r.body.data);
    json_t *j = json_loads(r.body.data, 0, NULL);
    assert_non_null(j);
    json_t *e = json_object_get(j, "error");
    assert_int_equal(json_integer_value(json_object_get(e, "status")), 400);
    assert_true(strlen(json_string_value(json_object_get(e, "message"))) > 0);
    const char *got = json_string_value(json_object_get(e, "parameter"));
    if (param && (!got || strcmp(got, param) != 0))
        fail_msg("%s?%s: parameter %s, want %s", path, query, got ? got : "(none)", param);
    json_decref(j);
    web_response_free(&r);
}

static void test_bad_parameters(void **state)
{
    (void)state;
    expect_400("/api/v1/landscape", "from=2026-13-01", "from");
    expect_400("/api/v1/landscape", "to=yesterday", "to");
    expect_400("/api/v1/landscape", "top=0", "top");
    expect_400("/api/v1/landscape", "top=-1", "top");
    expect_400("/api/v1/landscape", "by=bogus", "by");
    expect_400("/api/v1/landscape", "by=family,family", "by");
    expect_400("/api/v1/landscape", "asn=x", "asn");
    expect_400("/api/v1/landscape", "country=VNM", "country");
    expect_400("/api/v1/landscape", "bogus=1", "bogus");
    expect_400("/api/v1/landscape", "top=1&top=2", "top");
    expect_400("/api/v1/landscape", "from=2026-10-05&to=2026-10-01", NULL);
    expect_400("/api/v1/families", "by=asn", "by");
    expect_400("/api/v1/asns", "by=family", "by");
    expect_400("/api/v1/asns/45899", "asn=45899", "asn");
    expect_400("/api/v1/asns/x", NULL, "asn");
    expect_400("/api/v1/ip/1.2.3", NULL, "address");
    expect_400("/api/v1/ip/1.1.1.1", "x=1", "x");
    expect_400("/api/v1/health", "verbose", "verbose");
    expect_400("/api/v1/feeds", "x=", "x");
}

static json_t *get_json(const char *path, const char *query, int status)
{
    struct web_response r;
    if (get(path, query, &r) != status)
        fail_msg("%s?%s: status %d, want %d: %s", path, query ? query : "", r.status, status,
                 r.body.data);
    json_error_t jerr;
    json_t *j = json_loads(r.body.data, 0, &jerr);
    if (!j)
        fail_msg("%s: not JSON: %s", path, jerr.text);
    assert_int_equal(r.body.data[r.body.len - 1], '\n');
    web_response_free(&r);
    return j;
}

static int64_t ival(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail_msg("'%s' is not an integer", key);
    return json_integer_value(v);
}

static void test_asns(void **state)
{
    (void)state;
    json_t *j = get_json("/api/v1/asns", NULL, 200);
    json_t *rows = json_object_get(j, "rows");
    assert_int_equal(json_array_size(rows), 3); /* 45899, 7552, unknown */
    json_t *first = json_array_get(rows, 0);
    assert_int_equal(ival(first, "asn"), 45899);
    assert_string_equal(json_string_value(json_object_get(first, "as_name")), "VNPT Corp");
    assert_int_equal(ival(first, "ips"), 2);
    assert_int_equal(ival(first, "announced_addresses"), 0); /* no enrichment data here */
    assert_true(json_is_null(json_object_get(first, "infected_share")));
    assert_true(json_is_null(json_object_get(json_array_get(rows, 2), "asn")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(rows, 1), "as_name")),
                        "Viettel \"Group\"");
    assert_int_equal(ival(json_object_get(j, "total"), "ips"), 4);
    json_decref(j);

    j = get_json("/api/v1/asns/AS45899", "from=2026-10-01", 200);
    assert_int_equal(ival(j, "asn"), 45899);
    assert_int_equal(ival(j, "ips"), 2);
    assert_int_equal(ival(j, "events"), 12);
    json_t *fam = json_object_get(json_object_get(j, "families"), "rows");
    assert_int_equal(json_array_size(fam), 2);
    json_t *days = json_object_get(json_object_get(j, "days"), "rows");
    assert_int_equal(json_array_size(days), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(days, 0), "day")),
                        "2026-10-01");
    json_t *reg = json_object_get(json_object_get(j, "regions"), "rows");
    assert_int_equal(json_array_size(reg), 1);
    assert_int_equal(ival(json_object_get(json_object_get(j, "regions"), "total"), "events"),
                     12);
    json_decref(j);
    /* top cuts the breakdowns, never the daily series */
    j = get_json("/api/v1/asns/45899", "top=1", 200);
    assert_int_equal(json_array_size(json_object_get(json_object_get(j, "families"), "rows")), 1);
    assert_int_equal(json_array_size(json_object_get(json_object_get(j, "days"), "rows")), 3);
    json_decref(j);
    /* an ASN nobody saw and no data announces */
    json_decref(get_json("/api/v1/asns/64512", NULL, 404));
}

static void test_ip_feeds_health(void **state)
{
    (void)state;
    json_t *j = get_json("/api/v1/ip/1.1.1.1", NULL, 200);
    assert_string_equal(json_string_value(json_object_get(j, "ip")), "1.1.1.1");
    assert_int_equal(json_array_size(json_object_get(j, "observations")), 2);
    json_decref(j);
    j = get_json("/api/v1/ip/2001:DB8:0::1", NULL, 200);
    assert_string_equal(json_string_value(json_object_get(j, "ip")), "2001:db8::1");
    json_t *obs = json_array_get(json_object_get(j, "observations"), 0);
    assert_string_equal(json_string_value(json_object_get(obs, "region")), "Hà Nội");
    json_decref(j);
    j = get_json("/api/v1/ip/9.9.9.9", NULL, 200);
    assert_int_equal(json_array_size(json_object_get(j, "observations")), 0);
    json_decref(j);

    j = get_json("/api/v1/feeds", NULL, 200);
    json_t *f = json_array_get(json_object_get(j, "files"), 0);
    assert_string_equal(json_string_value(json_object_get(f, "name")), "ctip-2026-10-01.json");
    assert_int_equal(ival(f, "records"), 18);
    assert_string_equal(json_string_value(json_object_get(f, "started")),
                        "2026-09-21T14:13:20+00:00");
    assert_string_equal(json_string_value(json_object_get(f, "finished")),
                        "2026-09-21T14:13:20.005000+00:00");
    assert_true(json_is_null(json_object_get(f, "report")));
    json_t *feed = json_array_get(json_object_get(j, "feeds"), 0);
    assert_string_equal(json_string_value(json_object_get(feed, "feed")), "CTIP-Infected");
    assert_int_equal(ival(feed, "ips"), 4);
    assert_int_equal(ival(feed, "events"), 18);
    assert_int_equal(ival(feed, "observations"), 6);
    assert_string_equal(json_string_value(json_object_get(feed, "first_day")), "2026-10-01");
    assert_string_equal(json_string_value(json_object_get(feed, "last_day")), "2026-10-03");
    json_decref(j);

    j = get_json("/api/v1/health", NULL, 200);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
    assert_string_equal(json_string_value(json_object_get(j, "mode")), "operator");
    assert_int_equal(ival(j, "observations"), 6);
    assert_int_equal(ival(j, "files"), 1);
    json_decref(j);
}

static void test_pool_reuses_connections(void **state)
{
    (void)state;
    struct store *a, *b, *c;
    struct vg_err err = {0};
    assert_int_equal(web_app_store_get(&app, &a, &err), 0);
    assert_int_equal(web_app_store_get(&app, &b, &err), 0);
    assert_ptr_not_equal(a, b);
    web_app_store_put(&app, a);
    assert_int_equal(web_app_store_get(&app, &c, &err), 0);
    assert_ptr_equal(a, c);
    web_app_store_put(&app, b);
    web_app_store_put(&app, c);
    web_app_store_put(&app, NULL);
}

static void test_ingest_needs_parameters_and_body(void **state)
{
    (void)state;
    struct web_param p[2] = {{"format", "xml"}, {"name", "x.json"}};
    struct web_request req = {.method = "POST", .path = "/api/v1/ingest", .params = p,
                              .nparams = 2};
    struct web_response r;
    web_response_init(&r);
    web_handle(&app, &req, &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body.data, "\"parameter\":\"format\""));
    web_response_free(&r);
    p[0] = (struct web_param){"format", "ctip"};
    web_response_init(&r);
    web_handle(&app, &req, &r);
    assert_int_equal(r.status, 400); /* no body */
    web_response_free(&r);
    p[0] = (struct web_param){"bogus", "1"};
    web_response_init(&r);
    assert_int_equal(web_ingest_params_check(&req, &r), 400);
    web_response_free(&r);
}

static void test_asn_space(void **state)
{
    (void)state;
    struct asn_space *empty;
    struct vg_err err = {0};
    assert_int_equal(asn_space_build(&empty, NULL, &err), 0);
    assert_int_equal(asn_space_get(empty, 45899), 0);
    assert_int_equal(asn_space_count(empty), 0);
    asn_space_free(empty);

    const char *dir = getenv("VIGIL_DATA");
    char path[4096];
    snprintf(path, sizeof path, "%s/asn-ipv4.csv", dir && *dir ? dir : "data");
    if (access(path, R_OK) != 0)
        skip(); /* `make deps` installs the data */
    struct asn_table *t;
    struct asn_space *s;
    assert_int_equal(asn_table_open(&t, dir && *dir ? dir : "data", &err), 0);
    assert_int_equal(asn_space_build(&s, t, &err), 0);
    /* the map holds each ASN's addresses: brute force over every range for a
     * sample of ASNs (VNPT and every 25000th range's) */
    size_t n = asn_table_v4_count(t);
    assert_true(n > 1000);
    uint32_t sample[32];
    size_t ns = 0;
    sample[ns++] = 45899;
    for (size_t k = 0; k < n && ns < 32; k += 25000) {
        uint32_t first, last, asn;
        const char *name;
        asn_table_v4_range(t, k, &first, &last, &asn, &name);
        if (asn)
            sample[ns++] = asn;
    }
    for (size_t i = 0; i < ns; i++) {
        uint64_t want = 0;
        for (size_t k = 0; k < n; k++) {
            uint32_t first, last, asn;
            const char *name;
            asn_table_v4_range(t, k, &first, &last, &asn, &name);
            if (asn == sample[i])
                want += (uint64_t)(last - first) + 1;
        }
        assert_true(want > 0);
        if (asn_space_get(s, sample[i]) != want)
            fail_msg("AS%u: %llu addresses, want %llu", sample[i],
                     (unsigned long long)asn_space_get(s, sample[i]), (unsigned long long)want);
    }
    assert_true(asn_space_get(s, 45899) > 1000000);
    assert_int_equal(asn_space_get(s, 0), 0);
    assert_true(asn_space_count(s) > 1000);
    asn_space_free(s);
    asn_table_close(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_landscape_equals_cli),
        cmocka_unit_test(test_bad_parameters),
        cmocka_unit_test(test_asns),
        cmocka_unit_test(test_ip_feeds_health),
        cmocka_unit_test(test_pool_reuses_connections),
        cmocka_unit_test(test_ingest_needs_parameters_and_body),
        cmocka_unit_test(test_asn_space),
        cmocka_unit_test(test_cache_and_etag), /* last: it adds an observation */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
