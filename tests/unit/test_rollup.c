/*
 * test_rollup.c — the daily rollups against the SQL reference.
 *
 * Random observations (addresses that change enrichment between writes,
 * several transactions, one rolled back) go through store_obs_put; then
 * every landscape query of a long list of key and filter combinations runs
 * both from the rollups and from COUNT(DISTINCT ip) over the observations,
 * and the JSON of both must be identical byte for byte.  The same holds
 * after migrating a store of schema version 1 (rollups rebuilt from the
 * observations; from version 2, the slices), and a read-only connection to
 * an unmigrated store falls back to the reference.  Queries by one key read
 * the slices, the others the full rollups: both are compared.  Observations
 * spread over two years exercise the block levels (4, 16, 64 and 256 days)
 * with periods of every length and alignment, before and after rebuilding
 * the levels by migration.
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

#include "core/vtime.h"
#include "landscape/landscape.h"
#include "landscape/rollup.h"
#include "store/store.h"

static char dbpath[64];
static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void remove_db(void)
{
    char p[80];
    unlink(dbpath);
    snprintf(p, sizeof p, "%s-wal", dbpath);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", dbpath);
    unlink(p);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dbpath, sizeof dbpath, "/tmp/vigil-test-rollup-%d.db", (int)getpid());
    remove_db();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    remove_db();
    return 0;
}

#define DAY0 20000
static unsigned span_days = 20; /* observations fall on DAY0 .. DAY0 + span_days - 1 */

static const char *const types[] = {"infected-system", "c2-server"};
static const char *const families[] = {"conficker", "mirai", "andromeda", "", "zeus"};
static const char *const feeds[] = {"ctip", "shadowserver"};
static const char *const tlps[] = {"AMBER", "GREEN"};
static const uint32_t asns[] = {0, 7552, 45899, 18403, 24086, 131429};
static const char *const ccs[] = {"VN", "VN", "VN", "US", ""};
static const char *const regions[] = {"Hanoi", "Ho Chi Minh", "Da Nang", "", "Hà Tây"};
static const char *const cities[] = {"a", "b", ""};

/* One random observation; epoch changes the enrichment of its address. */
static void random_obs(struct store_obs *o, int epoch)
{
    memset(o, 0, sizeof *o);
    unsigned host = (unsigned)(next() % 300);
    o->day = DAY0 + (int32_t)(next() % span_days);
    o->ip.b[10] = o->ip.b[11] = 0xff;
    if (host % 7 == 0) {
        o->ip.b[0] = 0x20; /* an IPv6 address */
        o->ip.b[1] = 0x01;
        o->ip.b[10] = o->ip.b[11] = 0;
    }
    o->ip.b[12] = 14;
    o->ip.b[14] = (unsigned char)(host >> 8);
    o->ip.b[15] = (unsigned char)host;
    o->type = types[next() % 2];
    o->family = families[next() % 5];
    o->feed = feeds[next() % 2];
    o->tlp = tlps[next() % 2];
    unsigned e = host + (unsigned)epoch * (host % 3 == 0); /* a third of hosts move */
    o->asn = asns[e % 6];
    o->cc = ccs[e % 5];
    o->region = o->cc[0] ? regions[(e / 5) % 5] : "";
    o->city = cities[e % 3];
    o->events = 1 + next() % 5;
    o->first_us = (int64_t)o->day * VT_US_PER_DAY + (int64_t)(next() % 1000) * 1000000;
    o->last_us = o->first_us + 5000000;
}

static void write_epoch(struct store *st, int epoch, int n, int commit)
{
    struct vg_err err = {0};
    struct store_obs obs[64];
    uint64_t start = rng;
    assert_int_equal(store_begin(st, &err), 0);
    for (int k = 0; k < n; k += 64) {
        /* the second half writes the first half's keys again, a third of
         * them with other enrichment: moves inside one transaction */
        if (k == n / 2)
            rng = start;
        for (int i = 0; i < 64; i++)
            random_obs(&obs[i], k < n / 2 ? epoch : epoch + 10);
        int rc = store_obs_put(st, obs, 64, &err);
        if (rc)
            fail_msg("%s", err.msg);
    }
    if (commit) {
        if (store_commit(st, &err))
            fail_msg("%s", err.msg);
    } else {
        store_rollback(st);
    }
}

static void attach_places(struct store *st)
{
    struct vg_err err = {0};
    static const struct store_province_map pm[] = {
        {"VN", "Hanoi", "HN", "Hà Nội", "Hanoi"},
        {"VN", "Hà Tây", "HN", "Hà Nội", "Hanoi"}, /* merged into Hanoi */
        {"VN", "Ho Chi Minh", "SG", "Hồ Chí Minh", "Ho Chi Minh City"},
    };
    static const struct store_isp_map im[] = {{7552, "Viettel"}, {45899, "VNPT"}, {24086, "Viettel"}};
    assert_int_equal(store_places_load(st, pm, 3, im, 3, &err), 0);
}

/* The JSON of q from the rollups and from the reference: identical. */
static void same(struct store *st, const struct landscape_query *q, int want_rollup)
{
    struct vg_err err = {0};
    struct landscape_result a, b, c;
    struct vg_buf ja = VG_BUF_INIT, jb = VG_BUF_INIT, jc = VG_BUF_INIT;
    assert_int_equal(landscape_rollup_can(st, q), want_rollup);
    if (landscape_run_sql(st, q, &a, &err))
        fail_msg("sql: %s", err.msg);
    if (landscape_run(st, q, &c, &err))
        fail_msg("run: %s", err.msg);
    assert_int_equal(landscape_write_json(q, &a, &ja), 0);
    assert_int_equal(landscape_write_json(q, &c, &jc), 0);
    assert_string_equal(ja.data, jc.data);
    if (want_rollup) {
        if (landscape_rollup_run(st, q, &b, &err))
            fail_msg("rollup: %s", err.msg);
        assert_int_equal(landscape_write_json(q, &b, &jb), 0);
        if (strcmp(ja.data, jb.data)) {
            fprintf(stderr, "sql:    %.2000s\nrollup: %.2000s\n", ja.data, jb.data);
            fail_msg("rollup result differs from the reference");
        }
        landscape_result_free(&b);
    }
    landscape_result_free(&a);
    landscape_result_free(&c);
    vg_buf_free(&ja);
    vg_buf_free(&jb);
    vg_buf_free(&jc);
}

static const char *const key_sets[] = {
    "",           "family",          "asn",        "region",          "day",
    "type",       "feed",            "country",    "tlp",             "province",
    "isp",        "family,asn",      "asn,family", "province,family", "isp,day",
    "day,family", "region,isp,tlp", "feed,type,country,province,asn,day,family,tlp",
};

static int collect_counts(void *ctx, int ncol, const struct store_value *v)
{
    struct vg_buf *b = ctx;
    (void)ncol;
    return vg_buf_printf(b, "%s=%lld;", v[0].s, (long long)v[1].i);
}

/* The observation counters equal COUNT(*) per feed. */
static void check_counts(struct store *st)
{
    struct vg_err err = {0};
    struct vg_buf kept = VG_BUF_INIT, counted = VG_BUF_INIT;
    vg_buf_puts(&kept, "");
    vg_buf_puts(&counted, "");
    if (store_obs_counts(st, collect_counts, &kept, &err) ||
        store_query(st, "SELECT feed, COUNT(*) FROM observations GROUP BY feed ORDER BY feed",
                    NULL, 0, collect_counts, &counted, &err))
        fail_msg("%s", err.msg);
    assert_string_equal(kept.data, counted.data);
    vg_buf_free(&kept);
    vg_buf_free(&counted);
    /* and the feeds summary from them and the slices equals the reference */
    struct landscape_feeds a, b;
    if (landscape_feeds_run(st, &a, &err) || landscape_feeds_run_sql(st, &b, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(a.n, b.n);
    for (size_t k = 0; k < a.n; k++) {
        assert_string_equal(a.rows[k].feed, b.rows[k].feed);
        assert_int_equal(a.rows[k].ips, b.rows[k].ips);
        assert_int_equal(a.rows[k].events, b.rows[k].events);
        assert_int_equal(a.rows[k].observations, b.rows[k].observations);
        assert_int_equal(a.rows[k].first_day, b.rows[k].first_day);
        assert_int_equal(a.rows[k].last_day, b.rows[k].last_day);
    }
    landscape_feeds_free(&a);
    landscape_feeds_free(&b);
    uint64_t n;
    assert_int_equal(landscape_observation_count(st, &n, &err), 0);
}

/* Every stride-th key set under a list of filters; returns the number of
 * queries. */
static int compare_all(struct store *st, size_t stride)
{
    int n = 0;
    check_counts(st);
    for (size_t ks = 0; ks < sizeof key_sets / sizeof key_sets[0]; ks += stride)
        for (int f = 0; f < 19; f++) {
            struct landscape_query q;
            struct vg_err err = {0};
            landscape_query_init(&q);
            assert_int_equal(landscape_parse_keys(key_sets[ks], &q, &err), 0);
            switch (f) {
            case 1: q.family = "mirai"; break;
            case 2: q.region = "Hanoi"; break;
            case 3: q.type = "c2-server"; break;
            case 4: q.feed = "ctip"; break;
            case 5: q.asn = 45899; break;
            case 6: memcpy(q.country, "VN", 3); break;
            case 7: q.province = "HN"; break;
            case 8: q.province = "Ho Chi Minh City"; break;
            case 9: q.province = "Hà Nội"; break;
            case 10: q.isp = "Viettel"; break;
            case 11: q.isp = "AS18403 name"; break;
            case 12: q.from_day = DAY0 + 3; q.to_day = DAY0 + 9; break;
            case 13: q.from_day = q.to_day = DAY0 + 5; q.top = 3; break;
            case 14: q.top = 2; q.family = ""; break;
            case 15: q.from_day = DAY0 + 100; break; /* nothing */
            case 16: q.from_day = DAY0 - 5; q.to_day = DAY0 + 17; break; /* a whole block */
            case 17: q.from_day = DAY0 - 40; q.to_day = DAY0 + 15; break; /* ends with it */
            case 18: q.from_day = DAY0; break;
            default: break;
            }
            same(st, &q, 1);
            n++;
        }
    /* city is not in the rollups: the reference answers */
    struct landscape_query q;
    struct vg_err err = {0};
    landscape_query_init(&q);
    assert_int_equal(landscape_parse_keys("city,family", &q, &err), 0);
    same(st, &q, 0);
    return n + 1;
}

static void build(struct store **st)
{
    struct vg_err err = {0};
    if (store_open(st, dbpath, STORE_RW, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(store_begin(*st, &err), 0);
    assert_int_equal(store_asn_put(*st, 18403, "AS18403 name", &err), 0);
    assert_int_equal(store_asn_put(*st, 7552, "Viettel Group", &err), 0);
    assert_int_equal(store_commit(*st, &err), 0);
    write_epoch(*st, 0, 1024, 1);
    write_epoch(*st, 1, 1000, 0); /* rolled back: must leave no trace */
    write_epoch(*st, 1, 768, 1); /* a third of the hosts move ASN/region */
    write_epoch(*st, 2, 768, 1);
    attach_places(*st);
}

static void test_rollup_matches_sql(void **state)
{
    (void)state;
    struct store *st;
    build(&st);
    int n = compare_all(st, 1);
    assert_true(n > 250);
    store_close(st);
}

static int exec_q(struct store *st, const char *sql)
{
    struct vg_err err = {0};
    int rc = store_query(st, sql, NULL, 0, NULL, NULL, &err);
    if (rc)
        fail_msg("%s: %s", sql, err.msg);
    return rc;
}

/* Back to a schema older than version 4: without the access tables,
 * observations.added_us and the archive's frame columns. */
static void drop_access(struct store *st)
{
    static const char *t[] = {"DROP TABLE audit", "DROP TABLE sessions", "DROP TABLE users",
                              "DROP TABLE tokens", "DROP TABLE org_scopes", "DROP TABLE orgs",
                              "DROP INDEX IF EXISTS observations_added",
                              "ALTER TABLE observations DROP COLUMN added_us",
                              "ALTER TABLE archive DROP COLUMN frame_offset",
                              "ALTER TABLE archive DROP COLUMN frame_size"};
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++)
        exec_q(st, t[k]);
}

static void test_migration_rebuilds(void **state)
{
    (void)state;
    struct store *st;
    struct vg_err err = {0};
    build(&st);
    /* a store of schema version 2 (no slices) migrates to 3 */
    drop_access(st);
    exec_q(st, "DROP TABLE rollup_slices");
    exec_q(st, "PRAGMA user_version=2");
    store_close(st);
    if (store_open(&st, dbpath, STORE_RW, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(store_rollups_ready(st), 2);
    attach_places(st);
    compare_all(st, 3);

    /* one of schema version 1 (no rollups at all) too */
    drop_access(st);
    exec_q(st, "DROP TABLE rollup_slices");
    exec_q(st, "DROP TABLE rollups");
    exec_q(st, "DROP TABLE addrs");
    exec_q(st, "PRAGMA user_version=1");
    store_close(st);

    /* read-only, not migrated: the reference answers */
    if (store_open(&st, dbpath, STORE_RO, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(store_rollups_ready(st), 0);
    attach_places(st);
    struct landscape_query q;
    landscape_query_init(&q);
    assert_int_equal(landscape_parse_keys("family,province", &q, &err), 0);
    same(st, &q, 0);
    store_close(st);

    if (store_open(&st, dbpath, STORE_RW, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(store_rollups_ready(st), 2);
    attach_places(st);
    compare_all(st, 4);
    /* and writes after the migration keep them in step */
    write_epoch(st, 3, 1000, 1);
    compare_all(st, 4);
    store_close(st);
}

/* An address with two observations of one day in AS A; one of them moves
 * to AS B.  The address is still in A through the other: the ASN slice
 * must keep it (the full rollups know; a slice alone cannot). */
static void test_move_keeps_other_observation(void **state)
{
    (void)state;
    struct store *st;
    struct vg_err err = {0};
    struct store_obs o[2];
    if (store_open(&st, dbpath, STORE_RW, &err))
        fail_msg("%s", err.msg);
    memset(o, 0, sizeof o);
    for (int k = 0; k < 2; k++) {
        o[k].day = DAY0;
        o[k].ip.b[10] = o[k].ip.b[11] = 0xff;
        o[k].ip.b[15] = 9;
        o[k].type = "infected-system";
        o[k].family = k ? "mirai" : "zeus";
        o[k].feed = "ctip";
        o[k].tlp = "AMBER";
        o[k].asn = 7552;
        o[k].cc = "VN";
        o[k].region = "Hanoi";
        o[k].city = "";
        o[k].events = 2;
    }
    assert_int_equal(store_begin(st, &err), 0);
    assert_int_equal(store_obs_put(st, o, 2, &err), 0);
    assert_int_equal(store_commit(st, &err), 0);
    o[1].asn = 45899;
    o[1].region = "Da Nang";
    assert_int_equal(store_begin(st, &err), 0);
    assert_int_equal(store_obs_put(st, &o[1], 1, &err), 0);
    assert_int_equal(store_commit(st, &err), 0);
    attach_places(st);
    static const char *const keys[] = {"asn", "region", "province", "isp", "family", "", "day"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        struct landscape_query q;
        landscape_query_init(&q);
        assert_int_equal(landscape_parse_keys(keys[k], &q, &err), 0);
        same(st, &q, 1);
    }
    store_close(st);
}

/* One-key queries (the slices and their blocks) over periods of every
 * length and alignment, and a few multi-key ones, against the reference. */
static int compare_periods(struct store *st, int nranges)
{
    check_counts(st);
    static const char *const one_key[] = {"", "family", "asn", "region", "day", "type", "feed",
                                          "country", "tlp", "province", "isp", "asn,family"};
    int n = 0;
    for (int r = 0; r < nranges; r++) {
        int64_t from, to;
        switch (r) {
        case 0: from = INT32_MIN; to = INT32_MAX; break;     /* everything */
        case 1: from = DAY0 + 224; to = DAY0 + 479; break;   /* exactly one 256-day block */
        case 2: from = DAY0 + 223; to = DAY0 + 480; break;   /* one day more each side */
        case 3: from = DAY0 - 100; to = DAY0 + 95; break;    /* from before the data */
        case 4: from = DAY0 + 600; to = DAY0 + 900; break;   /* to after it */
        default:
            from = DAY0 - 20 + (int64_t)(next() % (span_days + 40));
            to = from + (int64_t)(next() % (r % 3 ? 40 : 400));
        }
        for (size_t k = 0; k < sizeof one_key / sizeof one_key[0]; k++) {
            struct landscape_query q;
            struct vg_err err = {0};
            landscape_query_init(&q);
            assert_int_equal(landscape_parse_keys(one_key[k], &q, &err), 0);
            q.from_day = from;
            q.to_day = to;
            if (r % 4 == 1)
                q.top = 2;
            same(st, &q, 1);
            n++;
        }
    }
    return n;
}

static void test_block_levels(void **state)
{
    (void)state;
    struct store *st;
    struct vg_err err = {0};
    span_days = 700;
    build(&st);
    int levels[ROLLUP_LEVEL_MAX];
    assert_int_equal(store_rollup_levels(st, levels), 4);
    int n = compare_periods(st, 40);
    /* the levels of schema 5 rebuilt from the 16-day ones and the days,
     * over rows of an earlier build (half of them gone) */
    exec_q(st, "DELETE FROM rollup_slices WHERE dim > 32 AND day % 8 = 4");
    drop_access(st);
    exec_q(st, "PRAGMA user_version=4");
    store_close(st);
    if (store_open(&st, dbpath, STORE_RW, &err))
        fail_msg("%s", err.msg);
    attach_places(st);
    n += compare_periods(st, 20);
    /* writes after it (moves included) keep every level in step */
    write_epoch(st, 4, 1000, 1);
    write_epoch(st, 5, 500, 0);
    n += compare_periods(st, 20);
    assert_true(n > 900);
    store_close(st);
    span_days = 20;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rollup_matches_sql, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_rebuilds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_move_keeps_other_observation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_block_levels, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
