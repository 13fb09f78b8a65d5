/*
 * fuzz_json_scan.c — differential fuzzing of the JSON scanner against
 * jansson (libFuzzer target).
 *
 * Every input is given to both json_scan and jansson
 * (json_loadb(JSON_DECODE_ANY | JSON_ALLOW_NUL), integers as json_int_t =
 * long long): they must agree on accept/reject, and on an accepted
 * document on every value — same types, same keys (duplicates: the last
 * one counts, as in jansson), strings byte for byte, integers exactly,
 * reals bit for bit.  Any disagreement abort()s.  One jansson bug is not
 * copied: a raw NUL byte after a number or literal is silently dropped by
 * jansson; the scanner refuses every raw NUL, as RFC 8259 requires.
 *
 * The comparison lives here as a static function so that the unit test
 * (tests/unit/test_json_scan.c) runs exactly the same check over the
 * sample files and the corpus by including this file.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/json_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct jdiff {
    char why[1400];
};

static int jdiff_fail(struct jdiff *d, const struct json_scan_value *v, const char *what)
{
    snprintf(d->why, sizeof d->why, "%s (value at byte %zu)", what, v ? v->offset : 0);
    return 1;
}

static int jdiff_value(struct jdiff *d, const struct json_scan_value *v, json_t *j);

static int jdiff_string(struct jdiff *d, const struct json_scan_value *v, const char *s,
                        size_t n)
{
    char small[256];
    char *buf = v->str_len <= sizeof small ? small : malloc(v->str_len + 1);
    int bad;
    if (!buf)
        return jdiff_fail(d, v, "out of memory");
    size_t len = json_scan_str_decode(v, buf);
    bad = len != n || memcmp(buf, s, n) != 0;
    if (!bad && !json_scan_str_eq(v, s, n))
        bad = 2;
    if (buf != small)
        free(buf);
    if (bad == 2)
        return jdiff_fail(d, v, "json_scan_str_eq disagrees with json_scan_str_decode");
    return bad ? jdiff_fail(d, v, "string bytes differ") : 0;
}

/* The key of an object member, decoded (malloc'd when long). */
static char *jdiff_key(const struct json_scan_value *k, char *small, size_t cap, size_t *len)
{
    char *key = k->str_len <= cap ? small : malloc(k->str_len + 1);
    if (key)
        *len = json_scan_str_decode(k, key);
    return key;
}

static int jdiff_object(struct jdiff *d, const struct json_scan_value *v, json_t *j)
{
    struct json_scan_iter it;
    struct json_scan_value k, val;
    json_t *last = json_object(); /* key -> index of its last member */
    json_int_t idx = 0;
    int rc, bad = 0;
    if (!last || json_scan_enter(&it, v)) {
        json_decref(last);
        return jdiff_fail(d, v, "cannot enter object");
    }
    /* pass 1: which member of each name is the last (jansson keeps it) */
    while (!bad && (rc = json_scan_object_next(&it, &k, &val, NULL)) == 1) {
        char small[256];
        size_t klen = 0;
        char *key = jdiff_key(&k, small, sizeof small, &klen);
        if (!key || json_object_setn_new(last, key, klen, json_integer(idx++)))
            bad = jdiff_fail(d, v, "out of memory");
        if (key != small)
            free(key);
    }
    if (!bad && rc < 0)
        bad = jdiff_fail(d, v, "walking a validated object failed");
    if (!bad && json_object_size(last) != json_object_size(j))
        bad = jdiff_fail(d, v, "number of distinct keys differs");
    /* pass 2: compare the last members with jansson's values */
    json_scan_enter(&it, v);
    idx = 0;
    while (!bad && json_scan_object_next(&it, &k, &val, NULL) == 1) {
        char small[256];
        size_t klen = 0;
        char *key = jdiff_key(&k, small, sizeof small, &klen);
        if (!key) {
            bad = jdiff_fail(d, v, "out of memory");
            break;
        }
        if (json_integer_value(json_object_getn(last, key, klen)) == idx++) {
            json_t *jv = json_object_getn(j, key, klen);
            bad = jv ? jdiff_value(d, &val, jv) : jdiff_fail(d, &k, "key missing in jansson");
        }
        if (key != small)
            free(key);
    }
    json_decref(last);
    return bad;
}

static int jdiff_value(struct jdiff *d, const struct json_scan_value *v, json_t *j)
{
    switch (v->type) {
    case JSCAN_NULL:
        return json_is_null(j) ? 0 : jdiff_fail(d, v, "null vs other");
    case JSCAN_TRUE:
        return json_is_true(j) ? 0 : jdiff_fail(d, v, "true vs other");
    case JSCAN_FALSE:
        return json_is_false(j) ? 0 : jdiff_fail(d, v, "false vs other");
    case JSCAN_INT:
        if (!json_is_integer(j))
            return jdiff_fail(d, v, "integer vs other");
        return json_integer_value(j) == v->i ? 0 : jdiff_fail(d, v, "integer values differ");
    case JSCAN_FLOAT: {
        if (!json_is_real(j))
            return jdiff_fail(d, v, "real vs other");
        double a = v->f, b = json_real_value(j);
        return memcmp(&a, &b, sizeof a) == 0 ? 0 : jdiff_fail(d, v, "real values differ");
    }
    case JSCAN_STRING:
        if (!json_is_string(j))
            return jdiff_fail(d, v, "string vs other");
        return jdiff_string(d, v, json_string_value(j), json_string_length(j));
    case JSCAN_ARRAY: {
        struct json_scan_iter it;
        struct json_scan_value e;
        size_t k = 0;
        int rc;
        if (!json_is_array(j))
            return jdiff_fail(d, v, "array vs other");
        if (json_scan_enter(&it, v))
            return jdiff_fail(d, v, "cannot enter array");
        while ((rc = json_scan_array_next(&it, &e, NULL)) == 1) {
            if (k >= json_array_size(j))
                return jdiff_fail(d, &e, "array longer than jansson's");
            if (jdiff_value(d, &e, json_array_get(j, k++)))
                return 1;
        }
        if (rc < 0)
            return jdiff_fail(d, v, "walking a validated array failed");
        return k == json_array_size(j) ? 0 : jdiff_fail(d, v, "array shorter than jansson's");
    }
    case JSCAN_OBJECT:
        if (!json_is_object(j))
            return jdiff_fail(d, v, "object vs other");
        return jdiff_object(d, v, j);
    default:
        return jdiff_fail(d, v, "no type");
    }
}

/* 0 when json_scan and jansson agree on p[0..n), else 1 with d->why. */
static int json_diff(const char *p, size_t n, struct jdiff *d)
{
    json_error_t jerr;
    struct json_scan_value v;
    struct vg_err err;
    size_t off = 0;
    int rc = json_scan_check(p, n, JSON_SCAN_MAX_DEPTH, &off, &err);
    json_t *j = json_loadb(p, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    int bad = 0;
    d->why[0] = '\0';
    if (memchr(p, '\0', n)) {
        /* A raw NUL byte is never valid JSON (RFC 8259 §2, §7), but jansson
         * 2.14 drops one that follows a number or a literal ("[1\0]" loads
         * as [1]).  Here the scanner must refuse, whatever jansson says. */
        if (rc == 0)
            bad = jdiff_fail(d, NULL, "raw NUL byte accepted");
    } else if (!j != (rc != 0)) {
        snprintf(d->why, sizeof d->why, "accept/reject differ: json_scan %.500s, jansson %.200s",
                 rc ? err.msg : "accepts", j ? "accepts" : jerr.text);
        bad = 1;
    } else if (j) {
        if (json_scan_validate(p, n) != 0 || json_scan_parse(p, n, 0, &v, &err) != 0)
            bad = jdiff_fail(d, NULL, "check accepts but validate/parse refuses");
        else
            bad = jdiff_value(d, &v, j);
    } else if (json_scan_parse(p, n, 0, &v, &err) == 0) {
        bad = jdiff_fail(d, NULL, "check refuses but parse accepts");
    } else if (off > n) {
        bad = jdiff_fail(d, NULL, "error offset past the end");
    }
    json_decref(j);
    return bad;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jdiff d;
    if (json_diff((const char *)data, size, &d)) {
        fprintf(stderr, "json_scan vs jansson: %s\n", d.why);
        abort();
    }
    return 0;
}
