/*
 * test_core.c — ip, vtime, buffers and the input reader.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/input.h"
#include "core/ip.h"
#include "core/uuid.h"
#include "core/vtime.h"

static void roundtrip(const char *in, const char *want)
{
    struct ip_addr a;
    char out[IP_STRLEN];
    assert_int_equal(ip_parse(in, strlen(in), &a), 0);
    ip_format(&a, out);
    assert_string_equal(out, want);
}

static void bad_ip(const char *in)
{
    struct ip_addr a;
    assert_int_not_equal(ip_parse(in, strlen(in), &a), 0);
}

static void test_ip(void **state)
{
    (void)state;
    roundtrip("1.2.3.4", "1.2.3.4");
    roundtrip("0.0.0.0", "0.0.0.0");
    roundtrip("255.255.255.255", "255.255.255.255");
    roundtrip("::ffff:14.160.1.1", "14.160.1.1");
    roundtrip("::FFFF:0e0a:0101", "14.10.1.1");
    /* RFC 5952 §4: lower case, leading zeros dropped, longest run compressed,
     * first run on ties, a single zero group is not compressed */
    roundtrip("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
    roundtrip("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
    roundtrip("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
    roundtrip("::", "::");
    roundtrip("::1", "::1");
    roundtrip("1::", "1::");
    roundtrip("::0.0.0.2", "::2");
    roundtrip("fe80:0:0:0:0:0:0:0", "fe80::");
    bad_ip("");
    bad_ip("999.1.2.3");
    bad_ip("1.2.3");
    bad_ip("1.2.3.4.5");
    bad_ip("01.2.3.4");
    bad_ip("1.2.3.4 ");
    bad_ip(":::");
    bad_ip("1:2:3:4:5:6:7:8:9");
    bad_ip("1::2::3");
    bad_ip("12345::");
    bad_ip("1:2:3:4:5:6:7:");
    bad_ip("fe80::1%eth0");
    /* every part: 1..3 digits, no leading zero, at most 255 */
    roundtrip("10.0.100.255", "10.0.100.255");
    roundtrip("9.99.199.250", "9.99.199.250");
    bad_ip("256.1.1.1");
    bad_ip("1.2.3.260");
    bad_ip("1.2.3.1000");
    bad_ip("0001.2.3.4");
    bad_ip("1.2.3.00");
    bad_ip("1.2.3.04");
    bad_ip("1..2.3");
    bad_ip(".1.2.3");
    bad_ip("1.2.3.");
    bad_ip("1.2.3.4.");
    bad_ip("1.2.3.a");
    bad_ip("1.2.3.-4");
    bad_ip("::ffff:1.2.3.04");
    struct ip_addr a;
    ip_parse("224.0.5.8", 9, &a);
    assert_false(ip_is_routable_host(&a));
    ip_parse("14.160.1.1", 10, &a);
    assert_true(ip_is_routable_host(&a));
    assert_true(ip_is_v4(&a));
    assert_int_equal(ip_v4(&a), 0x0ea00101u);
}

static void test_time(void **state)
{
    (void)state;
    int64_t us;
    char out[40];
    /* the CTIP sample: NT ticks exact to the microsecond */
    assert_int_equal(vt_from_nt_ticks(INT64_C(132348339284870000), &us), 0);
    vt_format_iso(us, out);
    assert_string_equal(out, "2020-05-24T22:45:28.487000+00:00");
    assert_int_not_equal(vt_from_nt_ticks(0, &us), 0);
    assert_int_not_equal(vt_from_nt_ticks(-5, &us), 0);
    const char *ok[][2] = {
        {"2010-02-10 00:00:00", "2010-02-10T00:00:00+00:00"},
        {"2020-05-24T22:45:28.48742+00:00", "2020-05-24T22:45:28.487420+00:00"},
        {"2020-05-24T22:45:28Z", "2020-05-24T22:45:28+00:00"},
        {"2020-05-25T00:15:28+01:30", "2020-05-24T22:45:28+00:00"},
        {"2020-02-29", "2020-02-29T00:00:00+00:00"},
        {"2021-01-01 10:00:00 UTC", "2021-01-01T10:00:00+00:00"},
        {"2021-01-01T10:00", "2021-01-01T10:00:00+00:00"},
    };
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        assert_int_equal(vt_parse(ok[k][0], strlen(ok[k][0]), &us), 0);
        vt_format_iso(us, out);
        assert_string_equal(out, ok[k][1]);
    }
    const char *bad[] = {"", "2021-02-29", "2021-13-01", "2021-01-01T25:00:00", "yesterday",
                         "2021-01-01T10:00:00+", "2021-01-01X", "1960-01-01"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        assert_int_not_equal(vt_parse(bad[k], strlen(bad[k]), &us), 0);
    int64_t day;
    assert_int_equal(vt_parse_day("2026-10-01", &day), 0);
    vt_format_day(day, out);
    assert_string_equal(out, "2026-10-01");
    assert_int_equal(vt_day_of(day * VT_US_PER_DAY + VT_US_PER_DAY - 1), day);
    assert_int_equal(vt_days_from_civil(1970, 1, 1), 0);
}

static void test_json_str(void **state)
{
    (void)state;
    struct vg_buf b = VG_BUF_INIT;
    const char in[] = "a\"b\\c\n\x01\xc3\xa9\xff" "z";
    vg_buf_json_str(&b, in, sizeof in - 1);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\xef\xbf\xbdz\"");
    vg_buf_free(&b);
    struct vg_buf lim = {0};
    lim.max = 8;
    assert_int_equal(vg_buf_puts(&lim, "1234"), 0);
    assert_int_not_equal(vg_buf_puts(&lim, "123456789"), 0);
    vg_buf_free(&lim);
}

static void test_input_lines(void **state)
{
    (void)state;
    const char data[] = "one\r\ntwo\n\nthree";
    struct vg_input *in;
    struct vg_err err;
    struct vg_line l;
    assert_int_equal(vg_input_open_mem(&in, "mem", data, sizeof data - 1, &err), 0);
    assert_int_equal(vg_input_getline(in, &l, &err), 1);
    assert_int_equal(l.len, 3);
    assert_memory_equal(l.p, "one", 3);
    assert_int_equal(vg_input_getline(in, &l, &err), 1);
    assert_int_equal(l.lineno, 2);
    assert_memory_equal(l.p, "two", 3);
    assert_int_equal(vg_input_getline(in, &l, &err), 1);
    assert_int_equal(l.len, 0);
    assert_int_equal(vg_input_getline(in, &l, &err), 1);
    assert_int_equal(l.len, 5);
    assert_int_equal(l.lineno, 4);
    assert_int_equal(vg_input_getline(in, &l, &err), 0);
    char hex[65];
    vg_input_sha256_hex(in, hex);
    vg_input_close(in);
    /* the identity is the hash of the bytes, whatever the reader */
    assert_int_equal(vg_input_open_mem(&in, "mem2", data, sizeof data - 1, &err), 0);
    const char *p;
    size_t n;
    assert_int_equal(vg_input_slurp(in, 1000, &p, &n, &err), 0);
    assert_int_equal(n, sizeof data - 1);
    char hex2[65];
    vg_input_sha256_hex(in, hex2);
    assert_string_equal(hex, hex2);
    vg_input_close(in);
}

static void test_sha256(void **state)
{
    (void)state;
    struct vg_input *in;
    struct vg_err err;
    struct vg_line l;
    char hex[65];
    assert_int_equal(vg_input_open_mem(&in, "abc", "abc", 3, &err), 0);
    while (vg_input_getline(in, &l, &err) == 1)
        ;
    vg_input_sha256_hex(in, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    vg_input_close(in);
}

static void test_input_big(void **state)
{
    (void)state;
    /* 3 MiB of 100-byte lines crosses the reader's 1 MiB chunks; one 20 MiB
     * line is overlong and cut, the line after it survives */
    size_t nlines = 30000, len = 100;
    size_t big = 20u << 20;
    size_t total = nlines * len + big + 1 + 6;
    char *data = malloc(total);
    assert_non_null(data);
    size_t o = 0;
    for (size_t k = 0; k < nlines; k++) {
        memset(data + o, 'a' + (int)(k % 26), len - 1);
        data[o + len - 1] = '\n';
        o += len;
    }
    memset(data + o, 'x', big);
    o += big;
    data[o++] = '\n';
    memcpy(data + o, "last\n", 5);
    o += 5;
    struct vg_input *in;
    struct vg_err err;
    struct vg_line l;
    assert_int_equal(vg_input_open_mem(&in, "mem", data, o, &err), 0);
    for (size_t k = 0; k < nlines; k++) {
        assert_int_equal(vg_input_getline(in, &l, &err), 1);
        assert_int_equal(l.len, len - 1);
        assert_int_equal(l.p[0], 'a' + (int)(k % 26));
        assert_false(l.overlong);
    }
    assert_int_equal(vg_input_getline(in, &l, &err), 1);
    assert_true(l.overlong);
    assert_int_equal(vg_input_getline(in, &l, &err), 1);
    assert_false(l.overlong);
    assert_int_equal(l.len, 4);
    assert_memory_equal(l.p, "last", 4);
    assert_int_equal(l.lineno, nlines + 2);
    assert_int_equal(vg_input_getline(in, &l, &err), 0);
    vg_input_close(in);
    free(data);
}

static void test_arena(void **state)
{
    (void)state;
    struct vg_arena a;
    vg_arena_init(&a, 128);
    for (int round = 0; round < 3; round++) {
        for (int k = 0; k < 100; k++) {
            char *p = vg_arena_strndup(&a, "hello", 5);
            assert_string_equal(p, "hello");
        }
        char *large = vg_arena_alloc(&a, 10000);
        memset(large, 1, 10000);
        vg_arena_reset(&a);
    }
    /* aligned, disjoint, and never NULL, a zero-byte request included,
     * across block boundaries */
    char *prev = NULL;
    for (size_t k = 0; k < 500; k++) {
        size_t n = k % 37;
        char *p = vg_arena_alloc(&a, n);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 8, 0);
        memset(p, (int)k, n);
        if (prev && n)
            assert_true(p != prev);
        prev = n ? p : prev;
    }
    char *z = vg_arena_strndup(&a, "", 0);
    assert_non_null(z);
    assert_string_equal(z, "");
    vg_arena_free(&a);
    /* a fresh arena hands out memory on the first request, even of 0 */
    struct vg_arena b;
    vg_arena_init(&b, 0);
    assert_non_null(vg_arena_alloc(&b, 0));
    vg_arena_reset(&b);
    assert_non_null(vg_arena_strndup(&b, "abc", 3));
    vg_arena_free(&b);
    vg_arena_free(NULL);
}

/* RFC 9562 Appendix A.4's vector, and the text form both ways. */
static void test_uuid(void **state)
{
    (void)state;
    struct vg_uuid dns, u, back;
    char text[UUID_STRLEN];
    assert_int_equal(uuid_parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8", 36, &dns), 0);
    assert_int_equal(uuid_v5(&dns, "www.example.com", 15, &u), 0);
    assert_int_equal(uuid_format(&u, text), 36);
    assert_string_equal(text, "2ed6657d-e927-568b-95e1-2665a8aea6a2");
    assert_int_equal(uuid_parse("2ED6657D-E927-568B-95E1-2665A8AEA6A2", 36, &back), 0);
    assert_memory_equal(back.b, u.b, 16);
    /* STIX 2.1 §2.9's namespace over a canonical SCO, as python's uuid5 */
    struct vg_uuid sco;
    assert_int_equal(uuid_parse("00abedb4-aa42-466c-9c01-fed23315a9b7", 36, &sco), 0);
    assert_int_equal(uuid_v5(&sco, "{\"value\":\"2001:db8::1\"}", 23, &u), 0);
    uuid_format(&u, text);
    assert_string_equal(text, "6469e3a9-b053-5e34-a025-9396ae051d26");
    assert_int_equal(uuid_parse("2ed6657d-e927-568b-95e1-2665a8aea6a", 35, &back), VG_EINVAL);
    assert_int_equal(uuid_parse("2ed6657d-e927-568b-95e1x2665a8aea6a2", 36, &back), VG_EINVAL);
    assert_int_equal(uuid_parse("2ed6657d-e927-568b-95e1-2665a8aea6ag", 36, &back), VG_EINVAL);
}

/* RFC 3339 UTC with 0, 3 (truncated) and 6 digits; IntelMQ's form unchanged. */
static void test_time_utc(void **state)
{
    (void)state;
    char out[48];
    int64_t us = INT64_C(1790812800000000) + 3723 * VT_US_PER_SEC + 456789; /* 2026-10-01T01:02:03.456789 */
    assert_int_equal(vt_format_utc(us, 0, out), 20);
    assert_string_equal(out, "2026-10-01T01:02:03Z");
    vt_format_utc(us, 3, out);
    assert_string_equal(out, "2026-10-01T01:02:03.456Z");
    vt_format_utc(us, 6, out);
    assert_string_equal(out, "2026-10-01T01:02:03.456789Z");
    vt_format_utc(us - 456789, 6, out);
    assert_string_equal(out, "2026-10-01T01:02:03.000000Z");
    vt_format_iso(us, out);
    assert_string_equal(out, "2026-10-01T01:02:03.456789+00:00");
    vt_format_iso(us - 456789, out);
    assert_string_equal(out, "2026-10-01T01:02:03+00:00");
    int64_t back;
    vt_format_utc(us, 6, out);
    assert_int_equal(vt_parse(out, strlen(out), &back), 0);
    assert_int_equal(back, us);
}

static void test_utf8(void **state)
{
    (void)state;
    struct vg_buf b = VG_BUF_INIT;
    assert_int_equal(vg_buf_utf8(&b, "a\xc3\xa9\xffz\xe2\x82", 7), 0);
    assert_int_equal(b.len, 13);
    assert_memory_equal(b.data, "a\xc3\xa9\xef\xbf\xbdz\xef\xbf\xbd\xef\xbf\xbd", 13);
    vg_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ip),         cmocka_unit_test(test_time),
        cmocka_unit_test(test_json_str),   cmocka_unit_test(test_input_lines),
        cmocka_unit_test(test_input_big), cmocka_unit_test(test_sha256),  cmocka_unit_test(test_arena),
        cmocka_unit_test(test_uuid), cmocka_unit_test(test_time_utc), cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
