/*
 * test_json_scan.c — the JSON scanner: values, strings, numbers, walking,
 * paths, errors with offsets, limits, no reads past the buffer, and the
 * differential check against jansson over the CTIP samples and the fuzz
 * corpora (the very check fuzz/fuzz_json_scan.c runs, included below).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "formats/json_scan.h"

#include "../../fuzz/fuzz_json_scan.c"

static int parse_ok(const char *s, struct json_scan_value *v)
{
    struct vg_err err;
    int rc = json_scan_parse(s, strlen(s), 0, v, &err);
    if (rc)
        print_error("unexpected error for %s: %s\n", s, err.msg);
    return rc;
}

/* The error offset json_scan_check reports for s, or -1 when accepted. */
static long err_at(const char *s)
{
    size_t off = 0;
    struct vg_err err;
    if (json_scan_check(s, strlen(s), 0, &off, &err) == 0)
        return -1;
    return (long)off;
}

static void test_scalars(void **state)
{
    struct json_scan_value v;
    (void)state;
    assert_int_equal(parse_ok(" 42 ", &v), 0);
    assert_int_equal(v.type, JSCAN_INT);
    assert_int_equal(v.i, 42);
    assert_int_equal(v.offset, 1);
    assert_int_equal(v.raw_len, 2);
    /* CTIP's DateTimeReceivedUtc: exact, where a double would round */
    assert_int_equal(parse_ok("132348339284870001", &v), 0);
    assert_int_equal(v.type, JSCAN_INT);
    assert_true(v.i == INT64_C(132348339284870001));
    assert_int_equal(parse_ok("-9223372036854775808", &v), 0);
    assert_true(v.i == INT64_MIN);
    assert_int_equal(parse_ok("9223372036854775807", &v), 0);
    assert_true(v.i == INT64_MAX);
    assert_int_equal(parse_ok("-0", &v), 0);
    assert_int_equal(v.type, JSCAN_INT);
    assert_int_equal(v.i, 0);
    assert_int_equal(parse_ok("true", &v), 0);
    assert_int_equal(v.type, JSCAN_TRUE);
    assert_int_equal(parse_ok("false", &v), 0);
    assert_int_equal(v.type, JSCAN_FALSE);
    assert_int_equal(parse_ok("null", &v), 0);
    assert_int_equal(v.type, JSCAN_NULL);
}

static void test_floats(void **state)
{
    static const char *cases[] = {
        "48.2", "16.3667", "-0.0", "1e2", "1E+2", "1.5e-7", "0.1", "123456789012345678901.0",
        "1.7976931348623157e308", "4.9e-324", "2.2250738585072011e-308", "1e-400",
        "0.30000000000000004", "3.141592653589793238462643383279502884197169399375105",
        "1590360328.48742", "9007199254740993.0", "0.000000000000000000000000000001e30",
        "100000000000000000000000000000000000000000000000000000000000e-50",
    };
    struct json_scan_value v;
    (void)state;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        double want = strtod(cases[k], NULL);
        assert_int_equal(parse_ok(cases[k], &v), 0);
        assert_int_equal(v.type, JSCAN_FLOAT);
        if (memcmp(&v.f, &want, sizeof want) != 0)
            fail_msg("%s: got %.17g want %.17g", cases[k], v.f, want);
    }
    assert_true(signbit(((void)parse_ok("-0.0", &v), v.f)));
    /* a mantissa of 1000 digits still rounds correctly (slow path) */
    char big[1100];
    memset(big, '1', 1000);
    memcpy(big + 1000, ".5e-990", 8);
    assert_int_equal(parse_ok(big, &v), 0);
    assert_true(v.f == strtod(big, NULL));
}

static void test_strings(void **state)
{
    struct json_scan_value v;
    char out[64];
    const char *s;
    size_t n;
    struct vg_arena a;
    (void)state;
    vg_arena_init(&a, 1024);
    const char *plain = "\"Saarbr\xc3\xbc" "cken\"";
    assert_int_equal(parse_ok(plain, &v), 0);
    assert_int_equal(v.type, JSCAN_STRING);
    assert_false(v.escaped);
    assert_int_equal(json_scan_str_get(&v, &a, &s, &n), 0);
    assert_ptr_equal(s, plain + 1); /* fast path: the span itself */
    assert_int_equal(n, 12);
    const char *esc = "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\\u0000z\"";
    assert_int_equal(parse_ok(esc, &v), 0);
    assert_true(v.escaped);
    n = json_scan_str_decode(&v, out);
    assert_int_equal(n, 20);
    assert_memory_equal(out, "a\"b\\c/d\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80\0z", 20);
    assert_true(json_scan_str_eq(&v, out, n));
    assert_false(json_scan_str_eq(&v, out, n - 1));
    assert_int_equal(json_scan_str_get(&v, &a, &s, &n), 0);
    assert_int_equal(n, 20);
    assert_memory_equal(s, out, 20);
    assert_int_equal(s[20], '\0');
    /* a long string crosses the 16-byte vector loop at every alignment */
    for (int len = 0; len < 70; len++) {
        char buf[100];
        buf[0] = '"';
        for (int k = 0; k < len; k++)
            buf[1 + k] = (char)('a' + k % 26);
        buf[1 + len] = '"';
        assert_int_equal(json_scan_validate(buf, (size_t)len + 2), 0);
        buf[1 + len / 2] = '\x01';
        assert_int_not_equal(len ? json_scan_validate(buf, (size_t)len + 2) : -1, 0);
    }
    vg_arena_free(&a);
}

static void test_errors(void **state)
{
    (void)state;
    assert_int_equal(err_at("{\"a\":1,}"), 7);
    assert_int_equal(err_at("[1 2]"), 3);
    assert_int_equal(err_at("[1,]"), 3);
    assert_int_equal(err_at("{\"a\" 1}"), 5);
    assert_int_equal(err_at("{1:2}"), 1);
    assert_int_equal(err_at("\"abc"), 0);
    assert_int_equal(err_at("\"a\\x\""), 2);
    assert_int_equal(err_at("\"\\ud800\""), 1);
    assert_int_equal(err_at("\"\\udc00\""), 1);
    assert_int_equal(err_at("\"\\ud800\\u0041\""), 1);
    assert_int_equal(err_at("\"\\u12G4\""), 1);
    assert_int_equal(err_at("\"a\tb\""), 2);
    assert_int_equal(err_at("\"\xc3\x28\""), 1);
    assert_int_equal(err_at("\"\xe0\x80\x80\""), 1);     /* overlong */
    assert_int_equal(err_at("\"\xed\xa0\x80\""), 1);     /* surrogate */
    assert_int_equal(err_at("\"\xf4\x90\x80\x80\""), 1); /* > U+10FFFF */
    assert_int_equal(err_at("01"), 0);
    assert_int_equal(err_at("-"), 0);
    assert_int_equal(err_at("1."), 2);
    assert_int_equal(err_at("1e"), 2);
    assert_int_equal(err_at(".5"), 0);
    assert_int_equal(err_at("+1"), 0);
    assert_int_equal(err_at("1 2"), 2);
    assert_int_equal(err_at(""), 0);
    assert_int_equal(err_at("   "), 3);
    assert_int_equal(err_at("tru"), 0);
    assert_int_equal(err_at("nul"), 0);
    assert_int_equal(err_at("9223372036854775808"), 0);
    assert_int_equal(err_at("-9223372036854775809"), 0);
    assert_int_equal(err_at("[1e400]"), 1);
    assert_int_equal(err_at("{\"a\":[}"), 6);
    assert_int_equal(err_at("\xef\xbb\xbf{}"), 0); /* RFC 8259 §8.1: no BOM */
    assert_int_equal(err_at("{\"a\":1}x"), 7);
    assert_int_equal(err_at("{\"a\\u0000\":1}"), 3);
    assert_int_equal(err_at("{\"a\":\"\\u0000\"}"), -1);
    assert_int_equal(err_at("{\"a\":1}  "), -1);
    struct vg_err err;
    struct json_scan_value v;
    assert_int_equal(json_scan_parse("[1,]", 4, 0, &v, &err), VG_EPARSE);
    assert_non_null(strstr(err.msg, "at byte 3"));
}

static void test_depth(void **state)
{
    char *buf = malloc(3 * 4096);
    (void)state;
    assert_non_null(buf);
    /* 2047 arrays around a scalar: depth 2048, jansson's limit, accepted */
    for (int depth = 2046; depth <= 2049; depth++) {
        size_t n = 0;
        for (int k = 0; k < depth; k++)
            buf[n++] = '[';
        buf[n++] = '1';
        for (int k = 0; k < depth; k++)
            buf[n++] = ']';
        int rc = json_scan_validate(buf, n);
        if (depth + 1 <= (int)JSON_SCAN_MAX_DEPTH)
            assert_int_equal(rc, 0);
        else
            assert_int_equal(rc, VG_ELIMIT);
        struct jdiff d;
        if (json_diff(buf, n, &d))
            fail_msg("depth %d: %s", depth, d.why);
    }
    /* a caller's own, smaller limit */
    assert_int_equal(json_scan_check("[[[1]]]", 7, 4, NULL, NULL), 0);
    assert_int_equal(json_scan_check("[[[1]]]", 7, 3, NULL, NULL), VG_ELIMIT);
    assert_int_equal(json_scan_check("[[[]]]", 6, 3, NULL, NULL), 0);
    free(buf);
}

static const char ctip_like[] =
    "{\"DataFeed\":\"CTIP-Infected\",\"DateTimeReceivedUtc\":132348339284870000,"
    "\"SourceIp\":\"192.0.2.7\",\"SourceIpInfo\":{\"SourceIpAsnNumber\":\"64496\","
    "\"SourceIpLatitude\":48.2,\"Nested\":{\"Deep\":[1,{\"x\":null}]}},"
    "\"Tags\":[\"a\",\"b\\u00e9\"],\"Dup\":1,\"Dup\":2}";

static void test_walk(void **state)
{
    struct json_scan_iter it, sub;
    struct json_scan_value k, v, e;
    struct vg_err err;
    int n = 0, rc;
    (void)state;
    assert_int_equal(json_scan_open(&it, ctip_like, sizeof ctip_like - 1, 0, &err), 0);
    assert_int_equal(it.kind, '{');
    while ((rc = json_scan_object_next(&it, &k, &v, &err)) == 1) {
        n++;
        if (json_scan_str_eq(&k, "DateTimeReceivedUtc", 19)) {
            assert_int_equal(v.type, JSCAN_INT);
            assert_true(v.i == INT64_C(132348339284870000));
        } else if (json_scan_str_eq(&k, "SourceIpInfo", 12)) {
            assert_int_equal(v.type, JSCAN_OBJECT);
            assert_int_equal(v.depth, 2);
            assert_int_equal(v.raw[0], '{');
            assert_int_equal(v.raw[v.raw_len - 1], '}');
            assert_int_equal(json_scan_enter(&sub, &v), 0);
            int m = 0;
            while (json_scan_object_next(&sub, &k, &e, &err) == 1)
                m++;
            assert_int_equal(m, 3);
        } else if (json_scan_str_eq(&k, "Tags", 4)) {
            assert_int_equal(v.type, JSCAN_ARRAY);
            assert_int_equal(json_scan_enter(&sub, &v), 0);
            assert_int_equal(json_scan_array_next(&sub, &e, &err), 1);
            assert_true(json_scan_str_eq(&e, "a", 1));
            assert_int_equal(json_scan_array_next(&sub, &e, &err), 1);
            assert_true(json_scan_str_eq(&e, "b\xc3\xa9", 3));
            assert_int_equal(json_scan_array_next(&sub, &e, &err), 0);
        }
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, 7); /* both "Dup" members are reported */
    /* walking is done and stays done */
    assert_int_equal(json_scan_object_next(&it, &k, &v, &err), 0);

    /* dotted paths, last duplicate wins */
    struct json_scan_value doc;
    assert_int_equal(json_scan_parse(ctip_like, sizeof ctip_like - 1, 0, &doc, &err), 0);
    assert_int_equal(json_scan_path(&doc, "SourceIpInfo.SourceIpAsnNumber", &v, &err), 1);
    assert_true(json_scan_str_eq(&v, "64496", 5));
    assert_int_equal(json_scan_path(&doc, "SourceIpInfo.SourceIpLatitude", &v, &err), 1);
    assert_true(v.f == 48.2);
    assert_int_equal(json_scan_path(&doc, "SourceIpInfo.Nested.Deep", &v, &err), 1);
    assert_int_equal(v.type, JSCAN_ARRAY);
    assert_int_equal(v.depth, 4);
    assert_int_equal(json_scan_path(&doc, "SourceIpInfo.Missing", &v, &err), 0);
    assert_int_equal(json_scan_path(&doc, "DataFeed.x", &v, &err), 0);
    assert_int_equal(json_scan_path(&doc, "Dup", &v, &err), 1);
    assert_int_equal(v.i, 2);

    /* a walk over a broken document stops with the offset */
    static const char broken[] = "{\"a\":1,\"b\":[1,2,}";
    assert_int_equal(json_scan_open(&it, broken, sizeof broken - 1, 0, &err), 0);
    assert_int_equal(json_scan_object_next(&it, &k, &v, &err), 1);
    assert_true(json_scan_object_next(&it, &k, &v, &err) < 0);
    assert_int_equal(it.err_offset, 16);
    assert_int_equal(json_scan_object_next(&it, &k, &v, &err), 0);
    /* trailing bytes after a walked document are an error too */
    assert_int_equal(json_scan_open(&it, "[1] x", 5, 0, &err), 0);
    assert_int_equal(json_scan_array_next(&it, &e, &err), 1);
    assert_true(json_scan_array_next(&it, &e, &err) < 0);
    assert_int_not_equal(json_scan_open(&it, "42", 2, 0, &err), 0);
}

/* Lazy walking: containers handed out unscanned, walked in place,
 * completed on request or skipped by the next call. */
static void test_lazy(void **state)
{
    struct json_scan_iter it, sub, deeper;
    struct json_scan_value k, v, e;
    struct vg_err err;
    int n = 0, rc, inner = 0;
    (void)state;
    assert_int_equal(json_scan_open(&it, ctip_like, sizeof ctip_like - 1, 0, &err), 0);
    it.lazy = 1;
    while ((rc = json_scan_object_next(&it, &k, &v, &err)) == 1) {
        n++;
        if (json_scan_str_eq(&k, "SourceIpInfo", 12)) {
            assert_int_equal(v.type, JSCAN_OBJECT);
            assert_int_equal(v.raw_len, 0); /* not scanned yet */
            assert_int_equal(json_scan_descend(&sub, &it), 0);
            sub.lazy = 1;
            while (json_scan_object_next(&sub, &k, &e, &err) == 1) {
                inner++;
                if (json_scan_str_eq(&k, "Nested", 6)) {
                    /* two levels of lazy descent */
                    assert_int_equal(json_scan_descend(&deeper, &sub), 0);
                    assert_int_equal(json_scan_object_next(&deeper, &k, &e, &err), 1);
                    assert_true(json_scan_str_eq(&k, "Deep", 4));
                    assert_int_equal(e.raw_len, 14); /* deeper is not lazy */
                    assert_int_equal(json_scan_object_next(&deeper, &k, &e, &err), 0);
                }
            }
        } else if (json_scan_str_eq(&k, "Tags", 4)) {
            assert_int_equal(json_scan_complete(&it, &v, &err), 0);
            assert_int_equal(v.raw_len, 15);
            assert_memory_equal(v.raw, "[\"a\",\"b\\u00e9\"]", 15);
        }
    }
    assert_int_equal(rc, 0);
    assert_int_equal(n, 7);
    assert_int_equal(inner, 3);
    /* an unwalked lazy container is still validated */
    static const char bad[] = "{\"a\":{\"b\":[1,}},\"c\":1}";
    assert_int_equal(json_scan_open(&it, bad, sizeof bad - 1, 0, &err), 0);
    it.lazy = 1;
    assert_int_equal(json_scan_object_next(&it, &k, &v, &err), 1);
    assert_true(json_scan_object_next(&it, &k, &v, &err) < 0);
    assert_int_equal(it.err_offset, 13);
    /* a child left half-way: the parent skips the container itself */
    assert_int_equal(json_scan_open(&it, ctip_like, sizeof ctip_like - 1, 0, &err), 0);
    it.lazy = 1;
    while (json_scan_object_next(&it, &k, &v, &err) == 1 &&
           !json_scan_str_eq(&k, "SourceIpInfo", 12))
        ;
    assert_int_equal(json_scan_descend(&sub, &it), 0);
    assert_int_equal(json_scan_object_next(&sub, &k, &e, &err), 1);
    assert_int_equal(json_scan_object_next(&it, &k, &v, &err), 1);
    assert_true(json_scan_str_eq(&k, "Tags", 4));
    assert_int_equal(json_scan_descend(&sub, &it), 0); /* Tags is pending; left alone */
    assert_int_equal(json_scan_complete(&it, &v, &err), 0);
    assert_int_not_equal(json_scan_descend(&sub, &it), 0); /* nothing pending now */
    /* depth limits hold for lazy containers too */
    assert_int_equal(json_scan_open(&it, "{\"a\":[[1]]}", 11, 2, &err), 0);
    it.lazy = 1;
    assert_int_equal(json_scan_object_next(&it, &k, &v, &err), 1);
    assert_int_equal(json_scan_descend(&sub, &it), 0);
    assert_int_equal(json_scan_array_next(&sub, &e, &err), VG_ELIMIT);
}

/* Every prefix of some documents, placed so that it ends exactly at an
 * unreadable page: any read past the buffer faults. */
static void test_no_overread(void **state)
{
    static const char *docs[] = {
        ctip_like, "\"\\ud83d\\ude00\"", "-12.5e+3", "[true,false,null]",
        "\"0123456789abcdef0123456789abcdef\"", "{\"k\":\"\xe2\x82\xac\"}",
    };
    long page = sysconf(_SC_PAGESIZE);
    (void)state;
    char *map = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(map != MAP_FAILED);
    assert_int_equal(mprotect(map + page, (size_t)page, PROT_NONE), 0);
    for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
        size_t len = strlen(docs[d]);
        for (size_t n = 0; n <= len; n++) {
            char *p = map + page - n;
            struct json_scan_value v;
            struct json_scan_iter it;
            struct json_scan_value k, val;
            memcpy(p, docs[d], n);
            (void)json_scan_validate(p, n);
            if (json_scan_parse(p, n, 0, &v, NULL) == 0 && v.type == JSCAN_STRING) {
                char out[64];
                (void)json_scan_str_decode(&v, out);
            }
            if (json_scan_open(&it, p, n, 0, NULL) == 0) {
                if (it.kind == '{')
                    while (json_scan_object_next(&it, &k, &val, NULL) == 1)
                        ;
                else
                    while (json_scan_array_next(&it, &val, NULL) == 1)
                        ;
            }
        }
    }
    munmap(map, (size_t)page * 2);
}

static const char *samples_dir(void)
{
    const char *s = getenv("VIGIL_SAMPLES");
    return s && *s ? s : "../shared/data";
}

static char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    *n = len;
    return buf;
}

/* The differential check on a whole file and on each of its lines. */
static int diff_file(const char *path, int *checked)
{
    size_t n;
    char *buf = read_all(path, &n);
    struct jdiff d;
    int bad = 0;
    if (!buf)
        return 0;
    if (json_diff(buf, n, &d)) {
        print_error("%s (whole file): %s\n", path, d.why);
        bad = 1;
    }
    (*checked)++;
    size_t start = 0;
    for (size_t k = 0; k <= n; k++) {
        if (k == n || buf[k] == '\n') {
            if (json_diff(buf + start, k - start, &d)) {
                print_error("%s line starting at byte %zu: %s\n", path, start, d.why);
                bad = 1;
            }
            (*checked)++;
            start = k + 1;
        }
    }
    free(buf);
    return bad;
}

static int diff_dir(const char *dir, int *checked, int *files)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int bad = 0;
    if (!d)
        return 0;
    while ((e = readdir(d))) {
        char path[4096];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        bad |= diff_file(path, checked);
        (*files)++;
    }
    closedir(d);
    return bad;
}

/* Compact members (the walker's fast path) and the same members spaced
 * out (its general path) give the same keys and values. */
static void test_members_compact_spaced(void **state)
{
    static const char *vals[] = {
        "\"v\"", "\"\"", "\"a longer string value: 0123456789abcdef\"", "\"caf\xc3\xa9\"",
        "\"t\\u00e9\"", "0", "7", "-7", "12345678", "123456789", "1234567890123456",
        "132348339284870000", "9223372036854775807", "-9223372036854775808",
        "48.1951", "-16.3483", "1590360328.48742", "0.5", "1e5", "2E-3", "-0.0",
        "123456789012345678901.0", "true", "false", "null", "{\"a\":[1,2]}", "[]",
    };
    enum { N = sizeof vals / sizeof vals[0] };
    char compact[2048], spaced[2048];
    size_t nc = 0, ns = 0;
    (void)state;
    nc += (size_t)snprintf(compact + nc, sizeof compact - nc, "{");
    ns += (size_t)snprintf(spaced + ns, sizeof spaced - ns, " {\n");
    for (int k = 0; k < N; k++) {
        nc += (size_t)snprintf(compact + nc, sizeof compact - nc, "%s\"key%d\":%s",
                               k ? "," : "", k, vals[k]);
        ns += (size_t)snprintf(spaced + ns, sizeof spaced - ns, "%s \"key%d\" :\t%s ",
                               k ? "," : "", k, vals[k]);
    }
    nc += (size_t)snprintf(compact + nc, sizeof compact - nc, "}");
    ns += (size_t)snprintf(spaced + ns, sizeof spaced - ns, "}\n");
    for (int lazy = 0; lazy < 2; lazy++) {
        struct json_scan_iter a, b;
        struct json_scan_value ka, va, kb, vb;
        struct vg_err err;
        assert_int_equal(json_scan_open(&a, compact, nc, 0, &err), 0);
        assert_int_equal(json_scan_open(&b, spaced, ns, 0, &err), 0);
        a.lazy = b.lazy = (char)lazy;
        for (int k = 0; k < N; k++) {
            assert_int_equal(json_scan_object_next(&a, &ka, &va, &err), 1);
            assert_int_equal(json_scan_object_next(&b, &kb, &vb, &err), 1);
            assert_int_equal(ka.str_len, kb.str_len);
            assert_memory_equal(ka.str, kb.str, ka.str_len);
            assert_int_equal(ka.raw_len, ka.str_len + 2);
            assert_ptr_equal(compact + ka.offset, ka.raw);
            assert_ptr_equal(spaced + kb.offset, kb.raw);
            assert_int_equal(ka.depth, 2);
            assert_int_equal(va.type, vb.type);
            assert_int_equal(va.depth, vb.depth);
            assert_int_equal(va.raw_len, vb.raw_len);
            assert_memory_equal(va.raw, vb.raw, va.raw_len);
            assert_ptr_equal(compact + va.offset, va.raw);
            assert_ptr_equal(spaced + vb.offset, vb.raw);
            if (va.type == JSCAN_STRING) {
                assert_int_equal(va.escaped, vb.escaped);
                assert_int_equal(va.str_len, vb.str_len);
                assert_memory_equal(va.str, vb.str, va.str_len);
            } else if (va.type == JSCAN_INT) {
                assert_true(va.i == vb.i);
                assert_memory_equal(&va.f, &vb.f, sizeof va.f);
                assert_true(va.i == strtoll(vals[k], NULL, 10));
            } else if (va.type == JSCAN_FLOAT) {
                double want = strtod(vals[k], NULL);
                assert_memory_equal(&va.f, &want, sizeof want);
                assert_memory_equal(&vb.f, &want, sizeof want);
            }
        }
        assert_int_equal(json_scan_object_next(&a, &ka, &va, &err), 0);
        assert_int_equal(json_scan_object_next(&b, &kb, &vb, &err), 0);
    }
    /* number errors in compact members, at the right byte */
    static const struct {
        const char *doc;
        size_t at;
    } bad[] = {
        {"{\"a\":01}", 5},          {"{\"a\":-}", 5},
        {"{\"a\":1.}", 7},          {"{\"a\":1e}", 7},
        {"{\"a\":12345678901234567890}", 5},
        {"{\"a\":1,\"b\":-01}", 11}, {"{\"a\":1x}", 6},
        {"{\"a\":1,}", 7},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        struct json_scan_iter it;
        struct json_scan_value kv, vv;
        struct vg_err err;
        int rc;
        assert_int_equal(json_scan_open(&it, bad[k].doc, strlen(bad[k].doc), 0, &err), 0);
        while ((rc = json_scan_object_next(&it, &kv, &vv, &err)) == 1)
            ;
        assert_int_equal(rc, VG_EPARSE);
        if (it.err_offset != bad[k].at)
            fail_msg("%s: error at %zu, want %zu (%s)", bad[k].doc, it.err_offset, bad[k].at,
                     err.msg);
        assert_int_equal((long)it.err_offset, err_at(bad[k].doc));
    }
}

static void test_differential_corpus(void **state)
{
    int checked = 0, files = 0, bad = 0;
    (void)state;
    bad |= diff_dir("fuzz/corpus/json_scan", &checked, &files);
    bad |= diff_dir("fuzz/corpus/ctip", &checked, &files);
    if (files == 0)
        skip(); /* run from elsewhere than the checkout */
    assert_false(bad);
    assert_true(checked > files);
}

static void test_differential_samples(void **state)
{
    char dir[4096];
    int checked = 0, files = 0;
    (void)state;
    snprintf(dir, sizeof dir, "%s/ctip", samples_dir());
    int bad = diff_dir(dir, &checked, &files);
    if (files == 0)
        skip(); /* third-party samples absent */
    assert_false(bad);
    assert_true(files >= 6);
}

/* Inputs written for the disagreements jansson and a naive scanner have. */
static void test_differential_edges(void **state)
{
    static const char *cases[] = {
        "\"\\u0000\"", "{\"a\\u0000b\":1,\"a\":2}", "{\"a\":1,\"a\":{\"b\":2}}",
        "1e-400", "-1e400", "1E308", "9223372036854775807", "-9223372036854775808",
        "18446744073709551616", "0.1e1", "[-0, -0.0, 0e0]", "\"\\/\"", "\x7f",
        "\"\x7f\"", "[\"\xf0\x9f\x98\x80\"]", "\"\xf0\x9f\x98\"", "{\"\":\"\"}", "[ ]",
        "{ }", "\"\\uDBFF\\uDFFF\"", "\"\\uDBFF\"", "\t\r\n 1 \t\r\n", "1\v", "[1]\0",
        "nan", "Infinity", "[01]", "[1.]", "2.", "-a", "[\"\\u00e9\\u00E9\"]",
    };
    struct jdiff d;
    (void)state;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t n = strlen(cases[k]);
        if (strcmp(cases[k], "[1]") == 0)
            n = 4; /* with its NUL */
        if (json_diff(cases[k], n, &d))
            fail_msg("%s: %s", cases[k], d.why);
    }
    assert_int_equal(LLVMFuzzerTestOneInput((const uint8_t *)"[1,2]", 5), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_walk),
        cmocka_unit_test(test_lazy),
        cmocka_unit_test(test_no_overread),
        cmocka_unit_test(test_members_compact_spaced),
        cmocka_unit_test(test_differential_edges),
        cmocka_unit_test(test_differential_corpus),
        cmocka_unit_test(test_differential_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
