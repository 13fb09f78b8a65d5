/*
 * test_access.c — organisations, credentials and the read policy.
 *
 * The matrix: every role (provider of one feed, provider of every feed,
 * member agency, two constituents, public, anonymous) × every label (CLEAR,
 * WHITE, GREEN, AMBER, AMBER+STRICT, RED) × places inside and outside each
 * scope (by ASN, by prefix, by country, another constituent's, abroad),
 * checked on every read path the store has: access_may_read itself, the
 * landscape (its SQL path for a restricted reader, the rollups for one who
 * reads everything: totals, by label, by address) and the address report.
 * The expected answers come from expect() below, written from the table
 * in access/policy.h, not from the code under test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access/directory.h"
#include "core/vtime.h"
#include "landscape/ip_report.h"
#include "landscape/landscape.h"
#include "store/store.h"

static char dbpath[64];

static void rm_db(void)
{
    char p[96];
    static const char *sfx[] = {"", "-wal", "-shm", ".key"};
    for (size_t k = 0; k < 4; k++) {
        snprintf(p, sizeof p, "%s%s", dbpath, sfx[k]);
        unlink(p);
    }
}

static int setup(void **state)
{
    (void)state;
    snprintf(dbpath, sizeof dbpath, "/tmp/vigil-test-access-%d.db", (int)getpid());
    rm_db();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rm_db();
    return 0;
}

/* ---- the world of the matrix ------------------------------------------------ */

enum place { P_C1_ASN, P_C1_PREFIX, P_C2, P_MEMBER, P_ABROAD, P_COUNT };
enum who { W_PROVIDER_CTIP, W_PROVIDER_ALL, W_MEMBER, W_C1, W_C2, W_PUBLIC, W_ANON, W_COUNT };

static const char *labels[] = {"CLEAR", "WHITE", "GREEN", "AMBER", "AMBER+STRICT", "RED"};
#define NLABELS (sizeof labels / sizeof labels[0])

static const struct {
    uint32_t asn;
    const char *cc, *feed;
    unsigned a, b; /* address a.b.x.y */
} places[P_COUNT] = {
    [P_C1_ASN] = {45899, "VN", "ctip", 14, 1},
    [P_C1_PREFIX] = {9999, "VN", "ctip", 203, 0}, /* 203.0.113.0/24 */
    [P_C2] = {7552, "VN", "shadowserver", 27, 64},
    [P_MEMBER] = {1111, "VN", "shadowserver", 42, 112},
    [P_ABROAD] = {2222, "TH", "ctip", 49, 228},
};

/* The rules of access/policy.h, spelled out independently. */
static int expect(enum who w, const char *label, enum place p)
{
    int clear = strcmp(label, "CLEAR") == 0 || strcmp(label, "WHITE") == 0;
    int green = strcmp(label, "GREEN") == 0;
    int red = strcmp(label, "RED") == 0;
    if (clear)
        return 1;
    if (w == W_PUBLIC || w == W_ANON)
        return 0;
    if (green)
        return 1;
    switch (w) {
    case W_PROVIDER_ALL: return 1;
    case W_PROVIDER_CTIP: return strcmp(places[p].feed, "ctip") == 0;
    case W_MEMBER: return p != P_ABROAD;
    case W_C1: return !red && (p == P_C1_ASN || p == P_C1_PREFIX);
    case W_C2: return !red && p == P_C2;
    default: return 0;
    }
}

static void addr_of(size_t label, enum place p, struct ip_addr *ip, char *text)
{
    unsigned c = places[p].a == 203 ? 113 : 7;
    snprintf(text, IP_STRLEN, "%u.%u.%u.%u", places[p].a, places[p].b, c, (unsigned)(10 + label));
    assert_int_equal(ip_parse(text, strlen(text), ip), 0);
}

static void build_world(struct store *st)
{
    struct vg_err err = {0};
    static struct access_org_spec sp[6];
    int64_t id;
    memset(sp, 0, sizeof sp);
    sp[0].name = "VNCERT", sp[0].role = "member";
    sp[0].countries[sp[0].ncountries++] = "vn";
    sp[1].name = "VNPT", sp[1].role = "constituent", sp[1].parent = "VNCERT";
    sp[1].asns[sp[1].nasns++] = "AS45899";
    sp[1].prefixes[sp[1].nprefixes++] = "203.0.113.0/24";
    sp[2].name = "Viettel", sp[2].role = "constituent", sp[2].parent = "VNCERT";
    sp[2].asns[sp[2].nasns++] = "7552";
    sp[3].name = "Microsoft", sp[3].role = "provider";
    sp[3].feeds[sp[3].nfeeds++] = "ctip";
    sp[4].name = "Vendor", sp[4].role = "provider";
    sp[5].name = "Press", sp[5].role = "public";
    for (int k = 0; k < 6; k++)
        if (access_org_create(st, &sp[k], &id, &err))
            fail_msg("org %s: %s", sp[k].name, err.msg);

    assert_int_equal(store_begin(st, &err), 0);
    for (size_t l = 0; l < NLABELS; l++)
        for (int p = 0; p < P_COUNT; p++) {
            struct store_obs o = {0};
            char text[IP_STRLEN];
            o.day = 20400 + (int)(l % 3);
            addr_of(l, (enum place)p, &o.ip, text);
            o.type = "infected-system", o.family = "mirai", o.feed = places[p].feed;
            o.tlp = labels[l];
            o.asn = places[p].asn, o.cc = places[p].cc, o.region = "R", o.city = "";
            o.events = 1 + l; /* so that event sums tell labels apart */
            o.first_us = o.last_us = (int64_t)o.day * VT_US_PER_DAY;
            assert_int_equal(store_obs_put(st, &o, 1, &err), 0);
        }
    assert_int_equal(store_commit(st, &err), 0);
}

static const char *org_of[W_COUNT] = {"Microsoft", "Vendor", "VNCERT", "VNPT",
                                      "Viettel",   "Press",  NULL};

static void subject_of(struct store *st, enum who w, struct access_subject *s,
                       struct access_identity *id)
{
    struct vg_err err = {0};
    struct store_org o;
    if (w == W_ANON) {
        access_subject_anonymous(s);
        return;
    }
    assert_int_equal(store_org_get(st, org_of[w], &o, &err), 0);
    if (access_subject_load(st, o.id, s, id, &err))
        fail_msg("load %s: %s", org_of[w], err.msg);
}

/* ---- the matrix -------------------------------------------------------------- */

static void test_policy_matrix(void **state)
{
    struct vg_err err = {0};
    struct store *st;
    (void)state;
    assert_int_equal(store_open(&st, dbpath, STORE_RW, &err), 0);
    build_world(st);
    for (int w = 0; w < W_COUNT; w++) {
        struct access_subject s;
        struct access_identity id;
        subject_of(st, (enum who)w, &s, &id);
        uint64_t want_ips = 0, want_events = 0, want_strict = 0;
        int want_strictest = -1;
        for (size_t l = 0; l < NLABELS; l++)
            for (int p = 0; p < P_COUNT; p++) {
                struct ip_addr ip;
                char text[IP_STRLEN];
                addr_of(l, (enum place)p, &ip, text);
                int want = expect((enum who)w, labels[l], (enum place)p);
                /* 1. the decision itself */
                struct access_record r = {labels[l], places[p].cc, places[p].asn, &ip,
                                          places[p].feed, NULL};
                if (access_may_read(&s, &r) != want)
                    fail_msg("%s reading %s at %s (place %d): expected %d",
                             org_of[w] ? org_of[w] : "anonymous", text, labels[l], p, want);
                /* 2. the address report */
                struct vg_buf b = VG_BUF_INIT;
                struct ip_report_stats rs;
                assert_int_equal(ip_report_write_json(st, NULL, &ip, &s, &b, &rs, &err), 0);
                int shown = strstr(b.data, "\"tlp\":") != NULL;
                if (shown != want)
                    fail_msg("ip report of %s at %s for %s: shown %d", text, labels[l],
                             org_of[w] ? org_of[w] : "anonymous", shown);
                vg_buf_free(&b);
                if (want) {
                    want_ips++;
                    want_events += 1 + l;
                    enum tlp_level t = tlp_of_record(labels[l]);
                    if (t >= TLP_AMBER) {
                        want_strict += 1 + l;
                        if ((int)t > want_strictest)
                            want_strictest = (int)t;
                    }
                }
            }
        /* 3. the landscape: totals, by label, by address */
        static const char *keys[] = {"tlp", "ip", "family", "asn"};
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            struct landscape_query q;
            struct landscape_result res;
            landscape_query_init(&q);
            assert_int_equal(landscape_query_set(&q, "by", keys[k], &err), 0);
            q.reader = &s;
            assert_int_equal(landscape_run(st, &q, &res, &err), 0);
            if (res.total_ips != want_ips || res.total_events != want_events)
                fail_msg("%s by %s: total %llu ips %llu events, expected %llu / %llu",
                         org_of[w] ? org_of[w] : "anonymous", keys[k],
                         (unsigned long long)res.total_ips,
                         (unsigned long long)res.total_events, (unsigned long long)want_ips,
                         (unsigned long long)want_events);
            uint64_t sum = 0;
            for (size_t r = 0; r < res.nrows; r++)
                sum += res.rows[r].events;
            assert_int_equal(sum, want_events);
            assert_int_equal(res.strict_events, want_strict);
            assert_int_equal(res.strictest, want_strictest);
            if (strcmp(keys[k], "ip") == 0)
                assert_int_equal(res.nrows, want_ips);
            landscape_result_free(&res);
        }
        access_subject_release(&s);
    }
    store_close(st);
}

/* A reader who reads everything is answered from the rollups, with the
 * same numbers as the SQL reference. */
static void test_rollups_for_full_readers(void **state)
{
    struct vg_err err = {0};
    struct store *st;
    (void)state;
    assert_int_equal(store_open(&st, dbpath, STORE_RW, &err), 0);
    build_world(st);
    struct access_subject s;
    struct access_identity id;
    subject_of(st, W_PROVIDER_ALL, &s, &id);
    assert_true(access_reads_all(&s));
    struct landscape_query q;
    struct landscape_result a, b;
    landscape_query_init(&q);
    assert_int_equal(landscape_query_set(&q, "by", "tlp", &err), 0);
    q.reader = &s;
    assert_int_equal(landscape_run(st, &q, &a, &err), 0);
    assert_int_equal(landscape_run_sql(st, &q, &b, &err), 0);
    assert_int_equal(a.total_ips, b.total_ips);
    assert_int_equal(a.nrows, b.nrows);
    assert_int_equal(a.strict_events, b.strict_events);
    assert_int_equal(a.strictest, TLP_RED);
    landscape_result_free(&a);
    landscape_result_free(&b);
    access_subject_release(&s);
    store_close(st);
}

/* ---- scopes and names ------------------------------------------------------- */

static void test_scope_parsing(void **state)
{
    struct access_scope s = {0};
    char msg[200];
    (void)state;
    assert_int_equal(access_scope_add_country(&s, "vn", msg, sizeof msg), 0);
    assert_string_equal(s.countries[0], "VN");
    assert_int_equal(access_scope_add_country(&s, "VNM", msg, sizeof msg), VG_EUSAGE);
    assert_int_equal(access_scope_add_asn(&s, "AS45899", msg, sizeof msg), 0);
    assert_int_equal(access_scope_add_asn(&s, "as0", msg, sizeof msg), VG_EUSAGE);
    assert_int_equal(access_scope_add_asn(&s, "4294967296", msg, sizeof msg), VG_EUSAGE);
    assert_int_equal(access_scope_add_prefix(&s, "10.0.0.0/8", msg, sizeof msg), 0);
    assert_int_equal(access_scope_add_prefix(&s, "10.0.0.1/8", msg, sizeof msg), VG_EUSAGE);
    assert_int_equal(access_scope_add_prefix(&s, "10.0.0.0/33", msg, sizeof msg), VG_EUSAGE);
    assert_int_equal(access_scope_add_prefix(&s, "2001:db8::/32", msg, sizeof msg), 0);
    assert_int_equal(access_scope_add_prefix(&s, "192.0.2.7", msg, sizeof msg), 0);
    assert_int_equal(access_scope_add_prefix(&s, "not/8", msg, sizeof msg), VG_EUSAGE);
    assert_int_equal(access_scope_add_domain(&s, "Gov.VN.", msg, sizeof msg), 0);
    assert_string_equal(s.domains[0], "gov.vn");
    assert_int_equal(access_scope_add_domain(&s, "bad..name", msg, sizeof msg), VG_EUSAGE);
    assert_int_equal(access_scope_add_domain(&s, "a b.vn", msg, sizeof msg), VG_EUSAGE);

    struct access_subject sub = {0};
    sub.role = ROLE_CONSTITUENT;
    sub.own = s;
    struct ip_addr in, out, v6, one;
    assert_int_equal(ip_parse("10.255.255.255", 14, &in), 0);
    assert_int_equal(ip_parse("11.0.0.0", 8, &out), 0);
    assert_int_equal(ip_parse("2001:db8:ffff::1", 16, &v6), 0);
    assert_int_equal(ip_parse("192.0.2.7", 9, &one), 0);
    struct access_record r = {"AMBER", "TH", 1, &in, "x", NULL};
    assert_true(access_may_read(&sub, &r));
    r.ip = &out;
    assert_false(access_may_read(&sub, &r));
    r.ip = &v6;
    assert_true(access_may_read(&sub, &r));
    r.ip = &one;
    assert_true(access_may_read(&sub, &r));
    r.ip = NULL;
    r.domain = "www.moh.gov.vn";
    assert_true(access_may_read(&sub, &r));
    r.domain = "notgov.vn";
    assert_false(access_may_read(&sub, &r));
    r.domain = NULL;
    r.tlp = NULL; /* no label: AMBER, so only inside */
    assert_false(access_may_read(&sub, &r));
    r.tlp = "tlp:clear";
    assert_true(access_may_read(&sub, &r));
    assert_false(access_decides_without_address(&sub));
    access_scope_free(&s);

    assert_int_equal(tlp_parse("amber+strict", 12), TLP_AMBER_STRICT);
    assert_int_equal(tlp_parse("TLP:WHITE", 9), TLP_CLEAR);
    assert_int_equal(tlp_parse("Yellow", 6), -1);
    assert_int_equal(tlp_of_record("nonsense"), TLP_AMBER);
}

static void test_org_rules(void **state)
{
    struct vg_err err = {0};
    struct store *st;
    static struct access_org_spec sp;
    int64_t id;
    (void)state;
    assert_int_equal(store_open(&st, dbpath, STORE_RW, &err), 0);
    memset(&sp, 0, sizeof sp);
    sp.name = "M", sp.role = "member";
    assert_int_equal(access_org_create(st, &sp, &id, &err), 0);
    assert_int_equal(access_org_create(st, &sp, &id, &err), VG_EUSAGE); /* taken */
    assert_non_null(strstr(err.msg, "exists"));
    sp.name = "C", sp.role = "constituent";
    assert_int_equal(access_org_create(st, &sp, &id, &err), VG_EUSAGE); /* no parent */
    sp.parent = "nobody";
    assert_int_equal(access_org_create(st, &sp, &id, &err), VG_ENOTFOUND);
    sp.parent = "M";
    sp.prefixes[sp.nprefixes++] = "10.1.0.0/16";
    sp.feeds[sp.nfeeds++] = "ctip";
    assert_int_equal(access_org_create(st, &sp, &id, &err), VG_EUSAGE); /* feed scope */
    sp.nfeeds = 0;
    sp.prefixes[sp.nprefixes++] = "10.1.2.3/8"; /* bad: nothing is stored */
    assert_int_equal(access_org_create(st, &sp, &id, &err), VG_EUSAGE);
    assert_int_equal(store_org_get(st, "C", &(struct store_org){0}, &err), VG_ENOTFOUND);
    sp.nprefixes = 1;
    assert_int_equal(access_org_create(st, &sp, &id, &err), 0);
    memset(&sp, 0, sizeof sp);
    sp.name = "P", sp.role = "provider", sp.parent = "M";
    assert_int_equal(access_org_create(st, &sp, &id, &err), VG_EUSAGE);
    sp.parent = NULL;
    sp.countries[sp.ncountries++] = "VN";
    assert_int_equal(access_org_create(st, &sp, &id, &err), VG_EUSAGE);
    sp.name = "bad\nname", sp.ncountries = 0;
    assert_int_equal(access_org_create(st, &sp, &id, &err), VG_EUSAGE);

    struct vg_buf b = VG_BUF_INIT;
    assert_int_equal(access_org_json(st, "C", &b, &err), 0);
    assert_non_null(strstr(b.data, "\"prefix\":[\"10.1.0.0/16\"]"));
    assert_non_null(strstr(b.data, "\"parent\":\"M\""));
    vg_buf_free(&b);
    assert_int_equal(access_orgs_json(st, &b, &err), 0);
    assert_non_null(strstr(b.data, "\"name\":\"M\""));
    vg_buf_free(&b);
    assert_int_equal(access_org_delete(st, "M", &err), VG_EUSAGE); /* C belongs to it */
    assert_int_equal(access_org_delete(st, "C", &err), 0);
    assert_int_equal(access_org_delete(st, "M", &err), 0);
    assert_int_equal(access_org_delete(st, "M", &err), VG_ENOTFOUND);
    store_close(st);
}

/* ---- credentials ------------------------------------------------------------ */

static void test_tokens(void **state)
{
    struct vg_err err = {0};
    struct store *st;
    unsigned char key[ACCESS_KEY_LEN], key2[ACCESS_KEY_LEN];
    char tok[ACCESS_TOKEN_LEN], tok2[ACCESS_TOKEN_LEN], tok3[ACCESS_TOKEN_LEN];
    int64_t id, id2, id3;
    (void)state;
    assert_int_equal(store_open(&st, dbpath, STORE_RW, &err), 0);
    build_world(st);
    assert_int_equal(access_key_load(dbpath, 0, key, &err), VG_ENOTFOUND);
    assert_int_equal(access_key_load(dbpath, 1, key, &err), 0);
    assert_int_equal(access_key_load(dbpath, 0, key2, &err), 0);
    assert_memory_equal(key, key2, sizeof key);

    assert_int_equal(access_token_create(st, key, "VNPT", "noc", 0, 0, tok, &id, &err), 0);
    assert_int_equal(strlen(tok), 4 + 43);
    assert_int_equal(access_token_create(st, key, "nobody", NULL, 0, 0, tok2, &id2, &err),
                     VG_ENOTFOUND);
    int64_t now = access_now_us();
    assert_int_equal(access_token_create(st, key, "VNCERT", NULL, 1, now + 1000000000, tok2,
                                         &id2, &err), 0);
    assert_int_equal(access_token_create(st, key, "Viettel", NULL, 0, 0, tok3, &id3, &err), 0);

    struct access_subject s;
    struct access_identity who;
    assert_int_equal(access_token_login(st, key, tok, now, &s, &who, &err), 0);
    assert_int_equal(s.role, ROLE_CONSTITUENT);
    assert_string_equal(who.org_name, "VNPT");
    assert_int_equal(who.token_id, id);
    assert_false(who.admin);
    access_subject_release(&s);
    assert_int_equal(access_token_login(st, key, tok2, now, &s, &who, &err), 0);
    assert_true(who.admin);
    assert_int_equal(s.role, ROLE_MEMBER);
    assert_true(s.clients.nasns == 2); /* its constituents' ASNs */
    access_subject_release(&s);
    /* the same token under another key, a forged one, garbage */
    assert_int_equal(access_token_login(st, key2 + 0, tok, now, &s, &who, &err), 0);
    access_subject_release(&s);
    key2[0] ^= 1;
    assert_int_equal(access_token_login(st, key2, tok, now, &s, &who, &err), VG_EAUTH);
    char forged[ACCESS_TOKEN_LEN];
    memcpy(forged, tok, sizeof forged);
    forged[10] = forged[10] == 'A' ? 'B' : 'A';
    assert_int_equal(access_token_login(st, key, forged, now, &s, &who, &err), VG_EAUTH);
    assert_int_equal(access_token_login(st, key, "vgt_short", now, &s, &who, &err), VG_EAUTH);
    assert_int_equal(access_token_login(st, key, "", now, &s, &who, &err), VG_EAUTH);
    /* expiry, revocation */
    assert_int_equal(access_token_login(st, key, tok2, now + 2000000000, &s, &who, &err),
                     VG_EAUTH);
    assert_non_null(strstr(err.msg, "expired"));
    assert_int_equal(store_token_revoke(st, id3, now, &err), 0);
    assert_int_equal(access_token_login(st, key, tok3, now + 1, &s, &who, &err), VG_EAUTH);
    assert_non_null(strstr(err.msg, "revoked"));
    assert_int_equal(store_token_revoke(st, 999, now, &err), VG_ENOTFOUND);

    struct vg_buf b = VG_BUF_INIT;
    assert_int_equal(access_tokens_json(st, NULL, &b, &err), 0);
    assert_null(strstr(b.data, tok)); /* never the token itself */
    assert_non_null(strstr(b.data, "\"state\":\"revoked\""));
    vg_buf_free(&b);
    store_close(st);
}

static void test_sessions_and_passwords(void **state)
{
    struct vg_err err = {0};
    struct store *st;
    unsigned char key[ACCESS_KEY_LEN];
    char hash[128], cookie[ACCESS_TOKEN_LEN], tok[ACCESS_TOKEN_LEN];
    unsigned char h[STORE_HASH_LEN];
    int64_t uid, tid;
    (void)state;
    assert_int_equal(store_open(&st, dbpath, STORE_RW, &err), 0);
    build_world(st);
    assert_int_equal(access_key_load(dbpath, 1, key, &err), 0);
    assert_int_equal(access_password_hash("short", hash, &err), VG_EUSAGE);
    assert_int_equal(access_password_hash("correct horse battery", hash, &err), 0);
    assert_int_equal(strncmp(hash, "$argon2id$", 10), 0);
    assert_int_equal(access_password_check(hash, "correct horse battery"), 0);
    assert_int_equal(access_password_check(hash, "correct horse batterY"), VG_EAUTH);
    struct store_org o;
    assert_int_equal(store_org_get(st, "VNPT", &o, &err), 0);
    assert_int_equal(store_user_add(st, o.id, "an", hash, 0, 1, &uid, &err), 0);
    assert_int_equal(store_user_add(st, o.id, "an", hash, 0, 1, &uid, &err), VG_EUSAGE);

    int64_t now = access_now_us();
    struct store_session se = {o.id, 0, uid, 0, now, now + 1000000};
    assert_int_equal(access_secret_new("vgs_", key, cookie, h), 0);
    assert_int_equal(store_session_add(st, h, &se, &err), 0);
    struct access_subject s;
    struct access_identity who;
    assert_int_equal(access_session_login(st, key, cookie, now, &s, &who, &err), 0);
    assert_int_equal(who.user_id, uid);
    access_subject_release(&s);
    assert_int_equal(access_session_login(st, key, cookie, now + 2000000, &s, &who, &err),
                     VG_EAUTH);
    assert_int_equal(access_session_login(st, key, tok, now, &s, &who, &err), VG_EAUTH);
    /* a session opened with a token dies with the token */
    assert_int_equal(access_token_create(st, key, "VNPT", NULL, 0, 0, tok, &tid, &err), 0);
    struct store_session se2 = {o.id, tid, 0, 0, now, now + 1000000};
    char cookie2[ACCESS_TOKEN_LEN];
    assert_int_equal(access_secret_new("vgs_", key, cookie2, h), 0);
    assert_int_equal(store_session_add(st, h, &se2, &err), 0);
    assert_int_equal(access_session_login(st, key, cookie2, now, &s, &who, &err), 0);
    access_subject_release(&s);
    assert_int_equal(store_token_revoke(st, tid, now, &err), 0);
    assert_int_equal(access_session_login(st, key, cookie2, now + 1, &s, &who, &err), VG_EAUTH);
    assert_int_equal(store_session_remove(st, h, &err), 0);
    assert_int_equal(store_session_prune(st, now + 2000000, &err), 0);
    assert_int_equal(access_session_login(st, key, cookie, now, &s, &who, &err), VG_EAUTH);
    store_close(st);
}

static void test_audit_log(void **state)
{
    struct vg_err err = {0};
    struct store *st;
    (void)state;
    assert_int_equal(store_open(&st, dbpath, STORE_RW, &err), 0);
    build_world(st);
    struct store_audit a = {0, 1000, 1, 2, "VNPT", "", "GET /api/v1/landscape",
                            "/api/v1/landscape?by=asn", 42, "AMBER"};
    assert_int_equal(store_audit_add(st, &a, &err), 0);
    a.at_us = 2000, a.org_name = "Viettel", a.records = 7, a.tlp = "RED";
    assert_int_equal(store_audit_add(st, &a, &err), 0);
    struct vg_buf b = VG_BUF_INIT;
    assert_int_equal(access_audit_json(st, 0, 0, NULL, 0, 0, &b, &err), 0);
    const char *viettel = strstr(b.data, "Viettel"), *vnpt = strstr(b.data, "VNPT");
    assert_true(viettel && vnpt && viettel < vnpt); /* newest first */
    vg_buf_reset(&b);
    assert_int_equal(access_audit_json(st, 0, 1500, NULL, 0, 0, &b, &err), 0);
    assert_null(strstr(b.data, "Viettel"));
    assert_non_null(strstr(b.data, "\"records\":42"));
    vg_buf_reset(&b);
    assert_int_equal(access_audit_json(st, 0, 0, "Viettel", 0, 0, &b, &err), 0);
    assert_null(strstr(b.data, "VNPT"));
    vg_buf_free(&b);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope_parsing),
        cmocka_unit_test_setup_teardown(test_policy_matrix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rollups_for_full_readers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_org_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions_and_passwords, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_log, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
