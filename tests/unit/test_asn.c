/*
 * test_asn.c — the ASN table: real data (make deps), overlap resolution,
 * rebuild when the CSV changes, corrupt tables, where tables are kept, and
 * CSV errors.
 *
 * The real-data tests read the ip-location-db CSVs from the data directory
 * ($VIGIL_DATA, else ./data of the checkout the tests run from) and fail,
 * saying to run `make deps`, when they are not there.  The other tests write
 * small CSVs of their own into temporary directories.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enrich/asn.h"
#include "enrich/datadir.h"

static char data_dir[PATH_MAX];
static struct asn_table *real;

/* ---- helpers ------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void rm_rf(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *make_tmpdir(void)
{
    char *d = strdup("/tmp/vigil-test-asn-XXXXXX");
    assert_non_null(d);
    assert_non_null(mkdtemp(d));
    return d;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

static void set_mtime(const char *dir, const char *name, time_t sec)
{
    char path[PATH_MAX];
    struct timespec ts[2] = {{sec, 0}, {sec, 0}};
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* The ASN of text (0 when not found); *name_out gets the name. */
static uint32_t asn_of(const struct asn_table *t, const char *text,
                       const char **name_out)
{
    struct ip_addr ip;
    uint32_t asn = 0;
    const char *name = NULL;
    assert_int_equal(ip_parse(text, strlen(text), &ip), 0);
    int found = asn_table_lookup(t, &ip, &asn, &name);
    if (name_out)
        *name_out = found ? name : NULL;
    if (!found)
        return 0;
    assert_non_null(name);
    assert_int_not_equal(asn, 0);
    return asn;
}

static struct asn_table *open_ok(const char *dir)
{
    struct asn_table *t = NULL;
    struct vg_err err = {0};
    int rc = asn_table_open(&t, dir, &err);
    if (rc)
        fail_msg("asn_table_open(%s): %s", dir, err.msg);
    return t;
}

static int real_setup(void **state)
{
    struct vg_err err = {0};
    char probe[PATH_MAX + 16];
    (void)state;
    /* run-tests.sh sets VIGIL_DATA; by hand the tests run from the checkout */
    setenv("VIGIL_DATA", "data", 0);
    if (datadir_resolve(NULL, data_dir, sizeof data_dir, &err) != 0) {
        fprintf(stderr,
                "enrichment data missing: %s\n(run `make deps` first)\n",
                err.msg);
        return -1;
    }
    snprintf(probe, sizeof probe, "%s/asn-ipv4.csv", data_dir);
    if (access(probe, R_OK) != 0) {
        fprintf(stderr,
                "enrichment data missing: no %s; run `make deps` first\n",
                probe);
        return -1;
    }
    if (asn_table_open(&real, data_dir, &err) != 0) {
        fprintf(stderr, "asn_table_open: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int real_teardown(void **state)
{
    (void)state;
    asn_table_close(real);
    return 0;
}

/* ---- real data ------------------------------------------------------------
 */

static void test_known_v4(void **state)
{
    const char *name;
    (void)state;
    assert_int_equal(asn_of(real, "14.160.1.1", &name), 45899);
    assert_string_equal(name, "VNPT Corp");
    assert_int_equal(asn_of(real, "14.160.0.0", NULL),
                     45899); /* first of the range */
    assert_int_equal(asn_of(real, "14.191.255.255", NULL), 45899); /* last */
    assert_int_equal(asn_of(real, "1.52.3.4", &name), 18403);
    assert_memory_equal(name, "FPT", 3);
    assert_int_equal(asn_of(real, "1.1.1.1", &name), 13335);
    assert_string_equal(name, "Cloudflare, Inc."); /* a quoted CSV field */
}

static void test_known_v6(void **state)
{
    const char *name;
    (void)state;
    assert_int_equal(asn_of(real, "2001:4860:4860::8888", &name), 15169);
    assert_string_equal(name, "Google LLC");
    assert_int_equal(asn_of(real, "2001:200::1", &name), 2500);
    assert_string_equal(name, "WIDE Project");
    /* ISC's /48 inside WIDE's space, and the range after it */
    assert_int_equal(asn_of(real, "2001:200:1ba::53", NULL), 24047);
    assert_int_equal(asn_of(real, "2001:200:1bb::1", NULL), 2500);
}

static void test_unannounced(void **state)
{
    (void)state;
    static const char *none[] = {
        "10.0.0.1",        "192.168.1.1", "0.0.0.0", "127.0.0.1",
        "255.255.255.255", "2001:db8::1", "::1",     "::"};
    for (size_t k = 0; k < sizeof none / sizeof none[0]; k++) {
        const char *name = "x";
        if (asn_of(real, none[k], &name) != 0)
            fail_msg("%s should be unannounced", none[k]);
        assert_null(name);
    }
}

static void test_mapped(void **state)
{
    const char *a, *b;
    (void)state;
    assert_int_equal(asn_of(real, "::ffff:14.160.1.1", &a),
                     asn_of(real, "14.160.1.1", &b));
    assert_ptr_equal(a, b);
}

static void test_real_overlap(void **state)
{
    (void)state;
    /* AS749 214.95.0.0-215.0.255.255 crosses AS721 215.0.0.0-215.1.3.255:
     * the narrower AS721 wins where both hold */
    assert_int_equal(asn_of(real, "214.96.0.1", NULL), 749);
    assert_int_equal(asn_of(real, "214.255.255.255", NULL), 749);
    assert_int_equal(asn_of(real, "215.0.0.0", NULL), 721);
    assert_int_equal(asn_of(real, "215.1.3.255", NULL), 721);
}

struct csv_row {
    struct ip_addr first, last;
    uint32_t asn;
    char name[256];
};

/* Read one ip-location-db row (names may be quoted with "" escapes). */
static int read_row(FILE *fp, struct csv_row *r)
{
    char line[1024];
    if (!fgets(line, sizeof line, fp))
        return 0;
    char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
    char *c3 = c2 ? strchr(c2 + 1, ',') : NULL;
    if (!c3)
        fail_msg("malformed CSV line: %s", line);
    if (!c3)
        return 0; /* (fail_msg does not return; the compiler does not know) */
    assert_int_equal(ip_parse(line, (size_t)(c1 - line), &r->first), 0);
    assert_int_equal(ip_parse(c1 + 1, (size_t)(c2 - c1 - 1), &r->last), 0);
    r->asn = (uint32_t)strtoul(c2 + 1, NULL, 10);
    char *s = c3 + 1, *o = r->name;
    s[strcspn(s, "\r\n")] = '\0';
    if (*s == '"') {
        for (s++; *s && o < r->name + sizeof r->name - 1; s++) {
            if (*s == '"' && s[1] == '"')
                *o++ = *s++;
            else if (*s != '"')
                *o++ = *s;
        }
        *o = '\0';
    } else {
        snprintf(r->name, sizeof r->name, "%s", s);
    }
    return 1;
}

/* The address one below (-1) or above (+1) a, within the family. */
static struct ip_addr step(struct ip_addr a, int dir)
{
    for (int k = 15; k >= 0; k--) {
        uint8_t old = a.b[k];
        a.b[k] = (uint8_t)(old + dir);
        if ((dir > 0 && old != 0xff) || (dir < 0 && old != 0))
            break;
    }
    return a;
}

static void expect_at(const struct ip_addr *ip, uint32_t want,
                      const char *want_name)
{
    uint32_t asn = 0;
    const char *name = NULL;
    int found = asn_table_lookup(real, ip, &asn, &name);
    char txt[IP_STRLEN];
    ip_format(ip, txt);
    if (want == 0 && found)
        fail_msg("%s: want unannounced, got AS%u", txt, asn);
    if (want != 0 &&
        (!found || asn != want || (want_name && strcmp(name, want_name) != 0)))
        fail_msg("%s: want AS%u %s, got %s AS%u %s", txt, want,
                 want_name ? want_name : "", found ? "" : "nothing", asn,
                 found ? name : "");
}

/* Every row of a real CSV: its first and last address (and, where the row
 * has a gap before or after it, the address in the gap) answer as the row
 * says.  Rows overlapping a neighbour are left to test_real_overlap. */
static void check_csv(const char *file)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", data_dir, file);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    struct csv_row rows[3];
    size_t n = 0, checked = 0;
    /* a sliding window prev, cur, next */
    int have = read_row(fp, &rows[1]);
    int more = have && read_row(fp, &rows[2]);
    int have_prev = 0;
    while (have) {
        struct csv_row *prev = have_prev ? &rows[0] : NULL, *cur = &rows[1];
        struct csv_row *next = more ? &rows[2] : NULL;
        int overlap = (prev && ip_cmp(&prev->last, &cur->first) >= 0) ||
                      (next && ip_cmp(&cur->last, &next->first) >= 0);
        if (!overlap) {
            expect_at(&cur->first, cur->asn, cur->name);
            expect_at(&cur->last, cur->asn, NULL);
            struct ip_addr before = step(cur->first, -1),
                           after = step(cur->last, +1);
            if (prev && ip_cmp(&prev->last, &before) < 0 &&
                ip_is_v4(&before) == ip_is_v4(&cur->first))
                expect_at(&before, 0, NULL);
            if (next && ip_cmp(&after, &next->first) < 0)
                expect_at(&after, 0, NULL);
            checked++;
        }
        n++;
        rows[0] = rows[1];
        have_prev = 1;
        if (!more)
            break;
        rows[1] = rows[2];
        more = read_row(fp, &rows[2]);
    }
    fclose(fp);
    assert_true(n > 10000);
    assert_true(checked + 10 > n);
}

static void test_real_v4_csv(void **state)
{
    (void)state;
    check_csv("asn-ipv4.csv");
}

static void test_real_v6_csv(void **state)
{
    (void)state;
    check_csv("asn-ipv6.csv");
}

static void test_iteration(void **state)
{
    (void)state;
    size_t n = asn_table_v4_count(real);
    uint32_t prev_last = 0, first, last, asn;
    const char *name;
    assert_true(n > 400000);
    for (size_t i = 0; i < n; i++) {
        asn_table_v4_range(real, i, &first, &last, &asn, &name);
        assert_true(first <= last);
        if (i)
            assert_true(first > prev_last);
        prev_last = last;
        assert_int_not_equal(asn, 0);
        assert_non_null(name);
        if (i % 4099 == 0) {
            struct ip_addr ip;
            uint32_t a2;
            const char *n2;
            ip_from_v4(&ip, first + (last - first) / 2);
            assert_int_equal(asn_table_lookup(real, &ip, &a2, &n2), 1);
            assert_int_equal(a2, asn);
            assert_ptr_equal(n2, name);
        }
    }
    asn_table_v4_range(real, n, &first, &last, &asn,
                       &name); /* past the end: zeros */
    assert_int_equal(asn, 0);
    assert_string_equal(asn_table_name(real, 45899), "VNPT Corp");
    assert_string_equal(asn_table_name(real, 15169), "Google LLC");
    assert_null(asn_table_name(real, 4294967295u));
    assert_null(asn_table_name(real, 0));

    struct asn_table_info in;
    asn_table_get_info(real, &in);
    assert_int_equal(in.ranges[0], n);
    assert_true(in.ranges[1] > 50000);
    assert_true(in.bytes[0] > 0 && in.bytes[1] > 0);
}

/* ---- small CSVs of our own ------------------------------------------------
 */

static void test_overlaps(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    /* unsorted, nested, crossing, duplicated, a hole, a header, quoting, CRLF
     */
    write_file(dir, "asn-ipv4.csv",
               "first,last,asn,organisation\r\n"
               "10.1.2.0,10.1.2.255,3,\"Inner, \"\"Three\"\"\"\r\n"
               "10.0.0.0,10.255.255.255,1,One\r\n"
               "10.1.0.0,10.1.255.255,2,Two\r\n"
               "10.1.2.128,10.1.2.191,0,not routed\r\n"
               "20.0.0.0,20.0.0.255,4,Four\r\n"
               "20.0.0.128,20.0.1.127,5,Five\r\n"
               "30.0.0.0,30.0.0.255,6,Six\r\n"
               "30.0.0.0,30.0.0.255,7,Seven\r\n"
               "255.255.255.0,255.255.255.255,8,Top\r\n");
    write_file(dir, "asn-ipv6.csv",
               "2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,64496,Doc\n"
               "2001:db8:1::,2001:db8:1::ffff,64497,Doc more specific\n");
    struct asn_table *t = open_ok(dir);
    const char *name;
    assert_int_equal(asn_of(t, "10.0.0.1", NULL), 1);
    assert_int_equal(asn_of(t, "10.1.0.1", NULL), 2);
    assert_int_equal(asn_of(t, "10.1.2.1", &name), 3);
    assert_string_equal(name, "Inner, \"Three\"");
    assert_int_equal(asn_of(t, "10.1.2.128", NULL), 0); /* AS0 punches a hole */
    assert_int_equal(asn_of(t, "10.1.2.191", NULL), 0);
    assert_int_equal(asn_of(t, "10.1.2.192", NULL), 3);
    assert_int_equal(asn_of(t, "10.1.3.0", NULL), 2);
    assert_int_equal(asn_of(t, "10.2.0.0", NULL), 1);
    assert_int_equal(asn_of(t, "10.255.255.255", NULL), 1);
    assert_int_equal(asn_of(t, "11.0.0.0", NULL), 0);
    /* crossing ranges of equal width (256): the later row wins the overlap */
    assert_int_equal(asn_of(t, "20.0.0.127", NULL), 4);
    assert_int_equal(asn_of(t, "20.0.0.128", NULL), 5);
    assert_int_equal(asn_of(t, "20.0.1.127", NULL), 5);
    assert_int_equal(asn_of(t, "20.0.1.128", NULL), 0);
    assert_int_equal(asn_of(t, "30.0.0.9", NULL),
                     7); /* a duplicate: the later row */
    assert_int_equal(asn_of(t, "255.255.255.255", NULL), 8);
    assert_int_equal(asn_of(t, "2001:db8::1", NULL), 64496);
    assert_int_equal(asn_of(t, "2001:db8:1::1", &name), 64497);
    assert_string_equal(name, "Doc more specific");
    assert_int_equal(asn_of(t, "2001:db8:1::1:0", NULL), 64496);
    assert_int_equal(asn_of(t, "2001:db9::", NULL), 0);

    /* the resolved ranges, in order */
    static const struct {
        const char *first, *last;
        uint32_t asn;
    } want[] = {
        {"10.0.0.0", "10.0.255.255", 1},
        {"10.1.0.0", "10.1.1.255", 2},
        {"10.1.2.0", "10.1.2.127", 3},
        {"10.1.2.192", "10.1.2.255", 3},
        {"10.1.3.0", "10.1.255.255", 2},
        {"10.2.0.0", "10.255.255.255", 1},
        {"20.0.0.0", "20.0.0.127", 4},
        {"20.0.0.128", "20.0.1.127", 5},
        {"30.0.0.0", "30.0.0.255", 7},
        {"255.255.255.0", "255.255.255.255", 8},
    };
    assert_int_equal(asn_table_v4_count(t), sizeof want / sizeof want[0]);
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        uint32_t first, last, asn;
        struct ip_addr a, b;
        asn_table_v4_range(t, k, &first, &last, &asn, &name);
        assert_int_equal(ip_parse(want[k].first, strlen(want[k].first), &a), 0);
        assert_int_equal(ip_parse(want[k].last, strlen(want[k].last), &b), 0);
        assert_int_equal(first, ip_v4(&a));
        assert_int_equal(last, ip_v4(&b));
        assert_int_equal(asn, want[k].asn);
    }
    assert_string_equal(asn_table_name(t, 2), "Two");
    assert_string_equal(asn_table_name(t, 64497), "Doc more specific");
    assert_null(asn_table_name(t, 0));
    asn_table_close(t);
    rm_rf(dir);
    free(dir);
}

static void test_rebuild_on_change(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    struct asn_table_info in;
    write_file(dir, "asn-ipv4.csv", "10.0.0.0,10.0.0.255,64500,Old Net\n");
    set_mtime(dir, "asn-ipv4.csv", 1700000000);
    struct asn_table *t = open_ok(dir);
    asn_table_get_info(t, &in);
    assert_int_equal(in.built[0], 1);
    assert_int_equal(in.ranges[1], 0); /* no IPv6 CSV: that family is empty */
    assert_int_equal(asn_of(t, "10.0.0.1", NULL), 64500);
    assert_int_equal(asn_of(t, "2001:db8::1", NULL), 0);
    asn_table_close(t);

    t = open_ok(dir); /* unchanged: mapped, not built */
    asn_table_get_info(t, &in);
    assert_int_equal(in.built[0], 0);
    assert_non_null(strstr(in.path[0], "asn-ipv4.table"));
    asn_table_close(t);

    /* same size, new mtime */
    write_file(dir, "asn-ipv4.csv", "10.0.0.0,10.0.0.255,64501,New Net\n");
    set_mtime(dir, "asn-ipv4.csv", 1700000100);
    t = open_ok(dir);
    const char *name;
    assert_int_equal(asn_of(t, "10.0.0.1", &name), 64501);
    assert_string_equal(name, "New Net");
    asn_table_close(t);

    /* same size and mtime, but a new file (inode) put in place */
    char a[PATH_MAX], b[PATH_MAX];
    write_file(dir, "next.csv", "10.0.0.0,10.0.0.255,64502,Nxt Net\n");
    set_mtime(dir, "next.csv", 1700000100);
    snprintf(a, sizeof a, "%s/next.csv", dir);
    snprintf(b, sizeof b, "%s/asn-ipv4.csv", dir);
    assert_int_equal(rename(a, b), 0);
    t = open_ok(dir);
    assert_int_equal(asn_of(t, "10.0.0.1", NULL), 64502);
    asn_table_close(t);
    rm_rf(dir);
    free(dir);
}

/* Damage the table file with fn, then expect a rebuild and right answers. */
static void damage_and_reopen(const char *dir,
                              void (*fn)(const char *path, off_t size))
{
    char path[PATH_MAX];
    struct stat st;
    struct asn_table_info in;
    snprintf(path, sizeof path, "%s/asn-ipv4.table", dir);
    assert_int_equal(stat(path, &st), 0);
    fn(path, st.st_size);
    struct asn_table *t = open_ok(dir);
    asn_table_get_info(t, &in);
    assert_int_equal(in.built[0], 1);
    assert_int_equal(asn_of(t, "10.0.0.1", NULL), 64500);
    assert_int_equal(asn_of(t, "10.0.1.1", NULL), 0);
    assert_int_equal(asn_of(t, "10.0.2.1", NULL), 64501);
    asn_table_close(t);
    t = open_ok(dir); /* and the rebuilt table is good again */
    asn_table_get_info(t, &in);
    assert_int_equal(in.built[0], 0);
    asn_table_close(t);
}

static void flip_middle(const char *path, off_t size)
{
    int fd = open(path, O_RDWR);
    unsigned char c;
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &c, 1, size / 2), 1);
    c ^= 0x40;
    assert_int_equal(pwrite(fd, &c, 1, size / 2), 1);
    close(fd);
}

static void flip_header(const char *path, off_t size)
{
    int fd = open(path, O_RDWR);
    uint64_t v = 12345; /* over the range count (offset 72) */
    (void)size;
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, &v, 8, 72), 8);
    close(fd);
}

static void truncate_half(const char *path, off_t size)
{
    assert_int_equal(truncate(path, size / 2), 0);
}

static void truncate_all(const char *path, off_t size)
{
    (void)size;
    assert_int_equal(truncate(path, 0), 0);
}

static void grow(const char *path, off_t size)
{
    assert_int_equal(truncate(path, size + 4096), 0);
}

static void test_corrupt_rebuilt(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    write_file(
        dir, "asn-ipv4.csv",
        "10.0.0.0,10.0.0.255,64500,First\n10.0.2.0,10.0.2.255,64501,Second\n");
    asn_table_close(open_ok(dir));
    damage_and_reopen(dir, flip_middle);
    damage_and_reopen(dir, flip_header);
    damage_and_reopen(dir, truncate_half);
    damage_and_reopen(dir, truncate_all);
    damage_and_reopen(dir, grow);
    rm_rf(dir);
    free(dir);
}

/* Save and restore an environment variable around a test. */
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

static void test_cache_fallback(void **state)
{
    (void)state;
    char *dir = make_tmpdir(), cache[PATH_MAX], blocker[PATH_MAX];
    struct asn_table_info in;
    struct saved_env xdg = env_save("XDG_CACHE_HOME"), home = env_save("HOME");
    write_file(dir, "asn-ipv4.csv", "10.0.0.0,10.0.0.255,64500,Net\n");
    /* a directory where the table would go: the data dir cannot take it */
    snprintf(blocker, sizeof blocker, "%s/asn-ipv4.table", dir);
    assert_int_equal(mkdir(blocker, 0755), 0);
    snprintf(cache, sizeof cache, "%s/cache", dir);
    setenv("XDG_CACHE_HOME", cache, 1);

    struct asn_table *t = open_ok(dir);
    asn_table_get_info(t, &in);
    assert_int_equal(in.built[0], 1);
    assert_int_equal(in.in_memory[0], 0);
    assert_memory_equal(in.path[0], cache, strlen(cache));
    assert_non_null(strstr(in.path[0], "/vigil/asn-ipv4-"));
    assert_int_equal(asn_of(t, "10.0.0.1", NULL), 64500);
    asn_table_close(t);

    t = open_ok(dir); /* found in the cache this time */
    asn_table_get_info(t, &in);
    assert_int_equal(in.built[0], 0);
    assert_memory_equal(in.path[0], cache, strlen(cache));
    asn_table_close(t);

    /* no cache either: built and served from memory */
    unsetenv("XDG_CACHE_HOME");
    unsetenv("HOME");
    write_file(dir, "asn-ipv4.csv", "10.0.0.0,10.0.0.255,64509,Net\n");
    set_mtime(dir, "asn-ipv4.csv", 1700000000);
    t = open_ok(dir);
    asn_table_get_info(t, &in);
    assert_int_equal(in.built[0], 1);
    assert_int_equal(in.in_memory[0], 1);
    assert_string_equal(in.path[0], "");
    assert_int_equal(asn_of(t, "10.0.0.1", NULL), 64509);
    asn_table_close(t);

    env_restore(&xdg);
    env_restore(&home);
    rm_rf(dir);
    free(dir);
}

static void expect_csv_error(const char *csv, const char *want1,
                             const char *want2)
{
    char *dir = make_tmpdir();
    struct asn_table *t = NULL;
    struct vg_err err = {0};
    write_file(dir, "asn-ipv4.csv", csv);
    int rc = asn_table_open(&t, dir, &err);
    assert_int_equal(rc, VG_EPARSE);
    assert_null(t);
    if (!strstr(err.msg, want1) || (want2 && !strstr(err.msg, want2)))
        fail_msg("error \"%s\" lacks \"%s\" / \"%s\"", err.msg, want1,
                 want2 ? want2 : "");
    assert_non_null(strstr(err.msg, "asn-ipv4.csv"));
    rm_rf(dir);
    free(dir);
}

static void test_csv_errors(void **state)
{
    (void)state;
    expect_csv_error("1.0.0.0,1.0.0.255,1,A\n1.0.1.0,1.0.1.999,2,B\n",
                     "record 2, field last", "1.0.1.999");
    expect_csv_error("1.0.0.0,1.0.0.255,1,A\n2001:db8::,2001:db8::ff,2,B\n",
                     "record 2, field first", "not an IPv4 address");
    expect_csv_error("1.0.0.9,1.0.0.1,1,A\n", "record 1, field last",
                     "ends before it starts");
    /* a bad first row is an error, not taken for a header line */
    expect_csv_error("1.0.0.999,1.0.0.255,1,A\n", "record 1, field first",
                     "1.0.0.999");
    expect_csv_error("1.0.0.999\n", "record 1, field first", "1.0.0.999");
    expect_csv_error("1.0.0.0,1.0.0.255,12x,A\n", "record 1, field asn", "12x");
    expect_csv_error("1.0.0.0,1.0.0.255,4294967296,A\n", "record 1, field asn",
                     NULL);
    expect_csv_error("1.0.0.0,1.0.0.255,1,A\n1.0.1.0,1.0.1.255,2\n", "record 2",
                     "fewer than 4 fields");
    expect_csv_error("1.0.0.0,1.0.0.255,1,A,extra\n", "record 1",
                     "more than 4 fields");
    expect_csv_error("1.0.0.0,1.0.0.255,1,\"unterminated\n", "record 1", NULL);
}

static void test_missing_data(void **state)
{
    (void)state;
    char *dir = make_tmpdir();
    struct asn_table *t = NULL;
    struct vg_err err = {0};
    assert_int_equal(asn_table_open(&t, dir, &err), VG_EDATA);
    assert_null(t);
    assert_non_null(strstr(err.msg, "asn-ipv4.csv"));
    assert_non_null(strstr(err.msg, "make deps"));
    /* an IPv6 CSV alone is enough */
    write_file(dir, "asn-ipv6.csv", "2001:db8::,2001:db8::ffff,64496,Doc\n");
    t = open_ok(dir);
    assert_int_equal(asn_of(t, "2001:db8::1", NULL), 64496);
    assert_int_equal(asn_of(t, "10.0.0.1", NULL), 0);
    assert_int_equal(asn_table_v4_count(t), 0);
    asn_table_close(t);
    /* an empty IPv4 CSV, and one with only a header line: no ranges */
    write_file(dir, "asn-ipv4.csv", "");
    t = open_ok(dir);
    assert_int_equal(asn_of(t, "10.0.0.1", NULL), 0);
    assert_int_equal(asn_table_v4_count(t), 0);
    asn_table_close(t);
    write_file(dir, "asn-ipv4.csv", "first,last,asn,organisation\n");
    set_mtime(dir, "asn-ipv4.csv", 1700000000);
    t = open_ok(dir);
    assert_int_equal(asn_of(t, "255.255.255.255", NULL), 0);
    assert_int_equal(asn_table_v4_count(t), 0);
    asn_table_close(t);
    rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest real_tests[] = {
        cmocka_unit_test(test_known_v4),     cmocka_unit_test(test_known_v6),
        cmocka_unit_test(test_unannounced),  cmocka_unit_test(test_mapped),
        cmocka_unit_test(test_real_overlap), cmocka_unit_test(test_real_v4_csv),
        cmocka_unit_test(test_real_v6_csv),  cmocka_unit_test(test_iteration),
    };
    const struct CMUnitTest own_tests[] = {
        cmocka_unit_test(test_overlaps),
        cmocka_unit_test(test_rebuild_on_change),
        cmocka_unit_test(test_corrupt_rebuilt),
        cmocka_unit_test(test_cache_fallback),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_missing_data),
    };
    int failed =
        cmocka_run_group_tests_name("asn (own CSVs)", own_tests, NULL, NULL);
    failed += cmocka_run_group_tests_name("asn (real data)", real_tests,
                                          real_setup, real_teardown);
    return failed ? 1 : 0;
}
