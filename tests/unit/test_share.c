/*
 * test_share.c — the exports (src/share/) on a store of hand-made
 * observations, read back by vigil's own readers (stix, misp, intelmq).
 *
 * Each export must give deterministic ids (checked against values computed
 * independently, with Python's uuid.uuid5, from the documented namespaces
 * and names) and the same bytes twice; read back, every observation must
 * return with the same key, count and first/last seen.  The TLP ceiling
 * and the read policy must withhold what they refuse, and a failing export
 * must leave no output behind.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/ip.h"
#include "core/vtime.h"
#include "formats/format.h"
#include "share/share.h"
#include "share/share_int.h"

#include "collect.h"

#define DAY 20727 /* 2026-10-01 */

static char dir[128], dbpath[192];

struct want {
    const char *ip, *type, *family, *feed, *tlp, *region, *city;
    int day;
    uint32_t asn;
    uint64_t events;
    int64_t first_off, last_off; /* µs into the day */
};

static const struct want wants[] = {
    {"192.0.2.1", "infected-system", "b106-mirai", "ctip", "AMBER", "Hà Nội",
     "Hanoi, \"Old\" Quarter", DAY, 64500, 12, 3600123456, 18000654321},
    {"192.0.2.1", "infected-system", "b106-mirai", "ctip", "GREEN", "", "", DAY, 64500, 1,
     7200000000, 7200000000},
    {"2001:db8::7", "c2-server", "", "shadowserver", "RED", "", "", DAY + 1, 0, 2000000000, 5,
     86399999999},
    {"198.51.100.5", "vulnerable-system", "", "shadowserver", "CLEAR", "", "", DAY, 64501, 3,
     100, 200},
    {"198.51.100.4", "infected-system", "zeus", "ctip", "AMBER+STRICT", "", "", DAY, 64501, 2,
     1000000, 2000000},
};
#define NWANTS (sizeof wants / sizeof wants[0])

static int setup(void **state)
{
    (void)state;
    struct store *st;
    struct vg_err err = {0};
    snprintf(dir, sizeof dir, "/tmp/vigil-test-share-%d", (int)getpid());
    mkdir(dir, 0777);
    snprintf(dbpath, sizeof dbpath, "%s/t.db", dir);
    assert_int_equal(store_open(&st, dbpath, STORE_RW, &err), 0);
    assert_int_equal(store_begin(st, &err), 0);
    for (size_t k = 0; k < NWANTS; k++) {
        const struct want *w = &wants[k];
        struct store_obs o = {.day = w->day, .type = w->type, .family = w->family,
                              .feed = w->feed, .tlp = w->tlp, .asn = w->asn, .cc = "VN",
                              .region = w->region, .city = w->city, .events = w->events};
        assert_int_equal(ip_parse(w->ip, strlen(w->ip), &o.ip), 0);
        o.first_us = (int64_t)w->day * VT_US_PER_DAY + w->first_off;
        o.last_us = (int64_t)w->day * VT_US_PER_DAY + w->last_off;
        assert_int_equal(store_obs_put(st, &o, 1, &err), 0);
    }
    assert_int_equal(store_asn_put(st, 64500, "Example, Net", &err), 0);
    assert_int_equal(store_commit(st, &err), 0);
    store_close(st);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Export q (NULL = everything) with opt; returns share_export's code. */
static int run_export(struct share_options *opt, const struct landscape_query *q,
                      struct share_stats *stats, struct vg_err *err)
{
    struct store *st;
    struct landscape_query all;
    landscape_query_init(&all);
    assert_int_equal(store_open(&st, dbpath, STORE_RO, err), 0);
    assert_int_equal(landscape_places_attach(st, NULL, err), 0);
    int rc = share_export(st, q ? q : &all, opt, stats, err);
    store_close(st);
    return rc;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)len + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
    p[len] = '\0';
    fclose(f);
    if (n)
        *n = (size_t)len;
    return p;
}

/* ---- reading an export back -------------------------------------------------- */

static void read_back(const struct format_driver *drv, const char *path, struct got *g)
{
    got_parse(drv, path, NULL, g);
}

/* Every wanted observation (selected by keep) must come back once, with
 * the fields share_obs_event gives it; nothing else may. */
static void check_round_trip(struct got *g, int (*keep)(const struct want *))
{
    size_t expected = 0;
    if (g->rejects)
        fail_msg("%zu rejects, the last: %s", g->rejects, g->reason);
    for (size_t k = 0; k < NWANTS; k++) {
        const struct want *w = &wants[k];
        if (keep && !keep(w))
            continue;
        expected++;
        struct landscape_obs o = {.as_name = ""};
        struct event ev;
        o.obs = (struct store_obs){.day = w->day, .type = w->type, .family = w->family,
                                   .feed = w->feed, .tlp = w->tlp, .cc = "", .region = "",
                                   .city = "", .events = w->events};
        ip_parse(w->ip, strlen(w->ip), &o.obs.ip);
        o.obs.first_us = (int64_t)w->day * VT_US_PER_DAY + w->first_off;
        o.obs.last_us = (int64_t)w->day * VT_US_PER_DAY + w->last_off;
        event_init(&ev);
        assert_int_equal(share_obs_event(&o, &ev), 0);
        static const char *const fields[] = {
            "source.ip",   "time.source", "classification.type", "malware.name",
            "feed.name",   "tlp",         EVENT_EXTRA_EVENTS,    EVENT_EXTRA_LAST_SEEN};
        size_t found = 0, i;
        json_t *e;
        json_array_foreach(g->events, i, e)
        {
            int same = 1;
            for (size_t f = 0; f < sizeof fields / sizeof fields[0] && same; f++) {
                const struct ev_field *x = event_get(&ev, fields[f]);
                json_t *y = json_object_get(e, fields[f]);
                if (!x)
                    same = y == NULL;
                else if (x->kind == EV_INT)
                    same = json_is_integer(y) && json_integer_value(y) == x->i;
                else
                    same = json_is_string(y) && strcmp(json_string_value(y), x->s) == 0;
            }
            found += same;
        }
        if (found != 1)
            fail_msg("observation %zu (%s %s) read back %zu times", k, w->ip, w->tlp, found);
        event_free(&ev);
    }
    assert_int_equal(json_array_size(g->events), expected);
}

/* ---- the tests ----------------------------------------------------------------- */

static void test_namespace(void **state)
{
    (void)state;
    struct vg_uuid url, ns;
    assert_int_equal(uuid_parse("6ba7b811-9dad-11d1-80b4-00c04fd430c8", 36, &url), 0);
    assert_int_equal(uuid_v5(&url, "urn:vigil:share:1", 17, &ns), 0);
    assert_memory_equal(ns.b, share_namespace.b, 16);
    char id[SHARE_ID_MAX];
    struct vg_err err = {0};
    const char *parts[2] = {"identity", "CERT-T"};
    assert_int_equal(share_id("identity", parts, 2, id, &err), 0);
    assert_string_equal(id, "identity--b6167159-b21d-565d-9a8b-56f1649d852f");
    struct share_options so = {.format = SHARE_STIX};
    assert_string_equal(share_producer(&so), "vigil");
    enum share_format f;
    assert_int_equal(share_format_parse("misp", &f, &err), 0);
    assert_int_equal(f, SHARE_MISP);
    assert_int_equal(share_format_parse("taxii", &f, &err), VG_EUSAGE);
}

static json_t *find_id(json_t *objects, const char *id)
{
    size_t i;
    json_t *o;
    json_array_foreach(objects, i, o) if (strcmp(json_string_value(json_object_get(o, "id")), id) ==
                                          0) return o;
    return NULL;
}

static size_t count_type(json_t *objects, const char *type)
{
    size_t i, n = 0;
    json_t *o;
    json_array_foreach(objects, i, o) n +=
        strcmp(json_string_value(json_object_get(o, "type")), type) == 0;
    return n;
}

static void test_stix(void **state)
{
    (void)state;
    char path[256], again[256];
    struct share_stats stats;
    struct vg_err err = {0};
    snprintf(path, sizeof path, "%s/a.json", dir);
    snprintf(again, sizeof again, "%s/b.json", dir);
    struct share_options so = {.format = SHARE_STIX, .producer = "CERT-T", .max_tlp = TLP_RED,
                               .path = path};
    assert_int_equal(run_export(&so, NULL, &stats, &err), 0);
    assert_int_equal(stats.exported, NWANTS);
    so.path = again;
    assert_int_equal(run_export(&so, NULL, &stats, &err), 0);
    size_t n1, n2;
    char *a = slurp(path, &n1), *b = slurp(again, &n2);
    assert_int_equal(n1, n2);
    assert_memory_equal(a, b, n1); /* re-export: same ids, same bytes */
    free(b);
    json_error_t je;
    json_t *bundle = json_loads(a, 0, &je);
    free(a);
    assert_non_null(bundle);
    assert_string_equal(json_string_value(json_object_get(bundle, "type")), "bundle");
    assert_memory_equal(json_string_value(json_object_get(bundle, "id")), "bundle--", 8);
    json_t *objs = json_object_get(bundle, "objects");
    assert_int_equal(json_array_size(objs), stats.objects);
    assert_int_equal(count_type(objs, "identity"), 1);
    assert_int_equal(count_type(objs, "marking-definition"), 5); /* every level is used */
    assert_int_equal(count_type(objs, "malware"), 2);
    assert_int_equal(count_type(objs, "ipv4-addr") + count_type(objs, "ipv6-addr"), 4);
    assert_int_equal(count_type(objs, "indicator"), NWANTS);
    assert_int_equal(count_type(objs, "observed-data"), NWANTS);
    assert_int_equal(count_type(objs, "sighting"), NWANTS);
    assert_int_equal(count_type(objs, "relationship"), 3); /* observations with a family */
    /* the ids: STIX 2.1 §2.9 for the address, vigil's namespace for the rest */
    json_t *sco = find_id(objs, "ipv4-addr--8dded90c-40c0-545a-8027-5b212bb37e8e");
    assert_non_null(sco);
    assert_string_equal(json_string_value(json_object_get(sco, "value")), "192.0.2.1");
    /* marked with the strictest TLP of the address's observations */
    assert_string_equal(json_string_value(json_array_get(json_object_get(sco, "object_marking_refs"), 0)),
                        tlp_stix_marking_id(TLP_AMBER));
    assert_non_null(find_id(objs, "ipv6-addr--9ed76cd5-ab3b-55a5-b6ec-b55c3efb0be2"));
    json_t *ind = find_id(objs, "indicator--d6f17168-a307-5e79-b409-f9f6ba3e2486");
    assert_non_null(ind);
    assert_string_equal(json_string_value(json_object_get(ind, "pattern")),
                        "[ipv4-addr:value = '192.0.2.1']");
    assert_string_equal(json_string_value(json_object_get(ind, "created")),
                        "2026-10-01T00:00:00.000Z"); /* the start of its day */
    assert_string_equal(json_string_value(json_object_get(ind, "valid_from")),
                        "2026-10-01T01:00:00.123456Z");
    assert_string_equal(json_string_value(json_object_get(ind, "valid_until")),
                        "2026-10-02T00:00:00.000Z");
    assert_string_equal(json_string_value(json_object_get(ind, "created_by_ref")),
                        "identity--b6167159-b21d-565d-9a8b-56f1649d852f");
    /* the count above STIX's maximum: capped, the true one kept */
    size_t i;
    json_t *o;
    int capped = 0;
    json_array_foreach(objs, i, o)
    {
        json_t *x = json_object_get(o, "x_vigil_events");
        if (x) {
            capped++;
            assert_int_equal(json_integer_value(x), 2000000000);
            assert_int_equal(json_integer_value(json_object_get(o, "count")), 999999999);
        }
    }
    assert_int_equal(capped, 1);
    json_decref(bundle);
    /* read back */
    struct got g;
    got_init(&g);
    read_back(&format_stix, path, &g);
    check_round_trip(&g, NULL);
    got_free(&g);
}

static void test_misp(void **state)
{
    (void)state;
    char feed[256];
    struct share_stats stats;
    struct vg_err err = {0};
    snprintf(feed, sizeof feed, "%s/feed", dir);
    struct share_options so = {.format = SHARE_MISP, .producer = "CERT-T", .max_tlp = TLP_RED,
                               .path = feed};
    assert_int_equal(run_export(&so, NULL, &stats, &err), 0);
    assert_int_equal(stats.exported, NWANTS);
    assert_int_equal(stats.objects, NWANTS); /* one event per (day, feed, family, type, tlp) */
    char **files;
    size_t n;
    assert_int_equal(misp_feed_list(feed, &files, &n, &err), 0);
    assert_int_equal(n, NWANTS);
    struct got g;
    got_init(&g);
    size_t attrs = 0;
    for (size_t k = 0; k < n; k++) {
        read_back(&format_misp, files[k], &g);
        json_t *e = json_load_file(files[k], 0, NULL);
        json_t *ev = json_object_get(e, "Event");
        assert_non_null(ev);
        attrs += json_array_size(json_object_get(ev, "Attribute"));
        /* the file is named by its uuid */
        char name[SHARE_ID_MAX + 8];
        snprintf(name, sizeof name, "/%s.json", json_string_value(json_object_get(ev, "uuid")));
        assert_non_null(strstr(files[k], name));
        json_decref(e);
    }
    misp_feed_free(files, n);
    check_round_trip(&g, NULL);
    got_free(&g);
    /* hashes.csv: one md5,event line per attribute, the family's included */
    char hp[300];
    snprintf(hp, sizeof hp, "%s/hashes.csv", feed);
    char *h = slurp(hp, NULL);
    size_t lines = 0;
    for (char *p = h; (p = strchr(p, '\n')); p++)
        lines++;
    assert_int_equal(lines, attrs);
    /* md5("192.0.2.1") */
    assert_non_null(strstr(h, "d0f88d6c87767262ba8e93d6acccd784,"));
    free(h);
    /* a manifest is not an event: refused with a reason */
    snprintf(hp, sizeof hp, "%s/manifest.json", feed);
    got_init(&g);
    read_back(&format_misp, hp, &g);
    assert_int_equal(json_array_size(g.events), 0);
    assert_int_equal(g.rejects, 1);
    assert_non_null(strstr(g.reason, "manifest"));
    got_free(&g);
}

static void test_flat(void **state)
{
    (void)state;
    char path[256];
    struct share_stats stats;
    struct vg_err err = {0};
    snprintf(path, sizeof path, "%s/a.jsonl", dir);
    struct share_options so = {.format = SHARE_INTELMQ, .max_tlp = TLP_RED, .path = path};
    assert_int_equal(run_export(&so, NULL, &stats, &err), 0);
    struct got g;
    got_init(&g);
    read_back(&format_intelmq, path, &g);
    check_round_trip(&g, NULL);
    /* the enrichment goes along */
    size_t i;
    json_t *e;
    int seen = 0;
    json_array_foreach(g.events, i, e) if (json_object_get(e, "source.geolocation.city"))
    {
        seen++;
        assert_string_equal(json_string_value(json_object_get(e, "source.as_name")),
                            "Example, Net");
        assert_int_equal(json_integer_value(json_object_get(e, "source.asn")), 64500);
        assert_string_equal(json_string_value(json_object_get(e, "source.geolocation.region")),
                            "Hà Nội");
    }
    assert_int_equal(seen, 1);
    got_free(&g);

    snprintf(path, sizeof path, "%s/a.csv", dir);
    so.format = SHARE_CSV;
    so.path = path;
    assert_int_equal(run_export(&so, NULL, &stats, &err), 0);
    char *csv = slurp(path, NULL);
    assert_memory_equal(csv, "time.source,source.ip,classification.taxonomy,", 46);
    size_t lines = 0;
    for (char *p = csv; (p = strstr(p, "\r\n")); p += 2)
        lines++;
    assert_int_equal(lines, NWANTS + 1);
    /* RFC 4180 §2: quoted because of the comma and the quotes, quotes doubled */
    assert_non_null(strstr(csv, ",\"Example, Net\",VN,Hà Nội,\"Hanoi, \"\"Old\"\" Quarter\",12,"));
    free(csv);
}

static int at_most_green(const struct want *w)
{
    return strcmp(w->tlp, "GREEN") == 0 || strcmp(w->tlp, "CLEAR") == 0;
}

static int not_zeus(const struct want *w)
{
    return strcmp(w->family, "zeus") != 0;
}

static int deny_zeus(void *ctx, const struct landscape_obs *o, struct vg_err *err)
{
    int *calls = ctx;
    (void)err;
    (*calls)++;
    return strcmp(o->obs.family, "zeus") != 0;
}

static int broken_policy(void *ctx, const struct landscape_obs *o, struct vg_err *err)
{
    (void)ctx;
    (void)o;
    return vg_err_set(err, VG_EDB, "policy store unavailable");
}

static void test_gates(void **state)
{
    (void)state;
    char path[256];
    struct share_stats stats;
    struct vg_err err = {0};
    snprintf(path, sizeof path, "%s/g.json", dir);
    /* the TLP ceiling */
    struct share_options so = {.format = SHARE_STIX, .max_tlp = TLP_GREEN, .path = path};
    assert_int_equal(run_export(&so, NULL, &stats, &err), 0);
    assert_int_equal(stats.selected, NWANTS);
    assert_int_equal(stats.exported, 2);
    assert_int_equal(stats.withheld_tlp, 3);
    struct got g;
    got_init(&g);
    read_back(&format_stix, path, &g);
    check_round_trip(&g, at_most_green);
    got_free(&g);
    char *text = slurp(path, NULL);
    assert_null(strstr(text, tlp_stix_marking_id(TLP_RED)));
    assert_null(strstr(text, "2001:db8::7"));
    free(text);
    /* the policy predicate sees every observation under the ceiling */
    int calls = 0;
    so = (struct share_options){.format = SHARE_MISP, .max_tlp = TLP_RED, .path = path,
                                .policy = {deny_zeus, &calls}};
    snprintf(path, sizeof path, "%s/pfeed", dir);
    assert_int_equal(run_export(&so, NULL, &stats, &err), 0);
    assert_int_equal(calls, NWANTS);
    assert_int_equal(stats.withheld_policy, 1);
    assert_int_equal(stats.exported, NWANTS - 1);
    char **files;
    size_t n;
    assert_int_equal(misp_feed_list(path, &files, &n, &err), 0);
    got_init(&g);
    for (size_t k = 0; k < n; k++)
        read_back(&format_misp, files[k], &g);
    misp_feed_free(files, n);
    check_round_trip(&g, not_zeus);
    got_free(&g);
    /* the landscape filters select as they do for vigil landscape */
    struct landscape_query q;
    landscape_query_init(&q);
    assert_int_equal(landscape_query_set(&q, "family", "zeus", &err), 0);
    snprintf(path, sizeof path, "%s/z.jsonl", dir);
    so = (struct share_options){.format = SHARE_INTELMQ, .max_tlp = TLP_RED, .path = path};
    assert_int_equal(run_export(&so, &q, &stats, &err), 0);
    assert_int_equal(stats.exported, 1);
    /* a policy that cannot decide stops the export; no file is left */
    snprintf(path, sizeof path, "%s/broken.json", dir);
    so = (struct share_options){.format = SHARE_STIX, .max_tlp = TLP_RED, .path = path,
                                .policy = {broken_policy, NULL}};
    assert_int_equal(run_export(&so, NULL, &stats, &err), VG_EDB);
    assert_string_equal(err.msg, "policy store unavailable");
    assert_int_equal(access(path, F_OK), -1);
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_equal(access(tmp, F_OK), -1);
    /* a MISP feed needs a directory */
    so = (struct share_options){.format = SHARE_MISP, .max_tlp = TLP_RED};
    assert_int_equal(run_export(&so, NULL, &stats, &err), VG_EUSAGE);
}

/* Bytes that are not UTF-8 in a stored name are exported as U+FFFD, not
 * refused and not written raw. */
static void test_bad_utf8(void **state)
{
    (void)state;
    struct landscape_obs o = {.as_name = ""};
    o.obs = (struct store_obs){.day = DAY, .type = "infected-system", .family = "zeus",
                               .feed = "bad\xff\xfe feed", .tlp = "AMBER", .cc = "", .region = "",
                               .city = "", .events = 1, .first_us = (int64_t)DAY * VT_US_PER_DAY,
                               .last_us = (int64_t)DAY * VT_US_PER_DAY};
    ip_parse("192.0.2.9", 9, &o.obs.ip);
    char path[256];
    struct vg_err err = {0};
    struct share_stats stats = {0};
    snprintf(path, sizeof path, "%s/u.json", dir);
    struct share_options so = {.format = SHARE_STIX, .max_tlp = TLP_RED, .path = path};
    struct share_writer *w;
    assert_int_equal(share_stix_new(&w, &so, &err), 0);
    assert_int_equal(w->put(w, &o, &err), 0);
    assert_int_equal(w->finish(w, &stats, &err), 0);
    w->free(w);
    char *text = slurp(path, NULL);
    assert_non_null(strstr(text, "\"x_vigil_feed\":\"bad\xef\xbf\xbd\xef\xbf\xbd feed\""));
    json_t *b = json_loads(text, 0, NULL);
    assert_non_null(b);
    json_decref(b);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_namespace), cmocka_unit_test(test_stix),
        cmocka_unit_test(test_misp),      cmocka_unit_test(test_flat),
        cmocka_unit_test(test_gates),     cmocka_unit_test(test_bad_utf8),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
