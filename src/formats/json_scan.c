/*
 * json_scan.c — the in-place JSON scanner (see json_scan.h).
 *
 * Grammar: RFC 8259 §2-§8, exactly: the value grammar of §3, objects §4,
 * arrays §5, numbers §6 (no leading zeros, no '+', no bare '.'), strings §7
 * (escapes " \ / b f n r t uXXXX; UTF-16 surrogate pairs must pair up;
 * no raw control characters), UTF-8 only (§8.1, checked per RFC 3629).
 *
 * Design.  A value is lexed where it lies.  Scalars are converted at once;
 * a container met as a member value is skipped by an iterative state
 * machine that validates everything inside it (a bit per open level says
 * object or array, so there is no recursion and the C stack stays small
 * whatever the input) and is handed out as its span.  Walking that span
 * later (json_scan_enter) scans it again, so a caller that wants one pass
 * sets its iterator lazy: containers then come out unscanned, to be walked
 * in place (json_scan_descend, the child hands the cursor back to its
 * parent when it closes) or scanned for their span on request
 * (json_scan_complete).  A document walked from json_scan_open is checked
 * for trailing bytes when its walk ends.
 *
 * Speed.  Most of a threat-feed line is string bytes, so the string loop
 * tests 16 bytes at a time with SSE2 (one signed compare catches both
 * control characters and non-ASCII bytes) and drops to byte-wise work
 * (out of line) only at a backslash, a control or a non-ASCII byte.  The
 * member feeds write most — compact "key":"value" or "key":number — takes
 * a fast path (member_fast) that finds the key's and often the value's
 * closing quote in one 32-byte mask and fills exactly what the general
 * path would; anything else, errors included, goes the general way.
 * Integer digits are read eight at a time (SWAR) while eight remain.
 * Numbers take Clinger's fast path (an exact mantissa below 2^53 times an
 * exact power of ten below 1e22 is correctly rounded by one IEEE
 * operation) and fall back to strtod on a normalised, locale-independent
 * copy otherwise.
 */
#include "formats/json_scan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

struct lex {
    const char *doc;
    const char *p;
    const char *end;
    unsigned max_depth;
    struct vg_err *err;
    size_t err_off;
};

/* Bytes that need no attention inside a string: printable ASCII except
 * the quote and the backslash. */
static const unsigned char str_plain[256] = {
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
    R16(0), R16(0),                                          /* 0x00-0x1f */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,          /* 0x20-0x2f */
    R16(1), R16(1),                                          /* 0x30-0x4f */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,          /* 0x50-0x5f */
    R16(1), R16(1),                                          /* 0x60-0x7f */
    R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0),
#undef R16
};

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (unsigned char)*p <= ' ' &&
           (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

static int lex_fail(struct lex *L, const char *at, int code, const char *what)
{
    L->err_off = (size_t)(at - L->doc);
    if (L->err)
        vg_err_set(L->err, code, "JSON: %s at byte %zu", what, L->err_off);
    return code;
}

/* "expected X" with a description of what was found instead. */
static int lex_unexpected(struct lex *L, const char *at, const char *expected)
{
    char what[96];
    if (at >= L->end) {
        snprintf(what, sizeof what, "unexpected end of input, expected %s", expected);
    } else {
        unsigned char c = (unsigned char)*at;
        if (c > 0x20 && c < 0x7f)
            snprintf(what, sizeof what, "expected %s, found '%c'", expected, c);
        else
            snprintf(what, sizeof what, "expected %s, found byte 0x%02x", expected, c);
    }
    return lex_fail(L, at, VG_EPARSE, what);
}

/* Length (1..4) of the valid UTF-8 sequence at s, 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    }
    if (c >= 0xe0 && c <= 0xef) {
        if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if (c == 0xe0 && s[1] < 0xa0)
            return 0; /* overlong */
        if (c == 0xed && s[1] >= 0xa0)
            return 0; /* UTF-16 surrogate */
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
            (s[3] & 0xc0) != 0x80)
            return 0;
        if (c == 0xf0 && s[1] < 0x90)
            return 0; /* overlong */
        if (c == 0xf4 && s[1] >= 0x90)
            return 0; /* above U+10FFFF */
        return 4;
    }
    return 0;
}

int json_scan_utf8_valid(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_len(s + i, n - i);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The 4 hex digits at p (bounded by end), or -1. */
static long hex4(const char *p, const char *end)
{
    if (end - p < 4)
        return -1;
    long v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hex_val(p[k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* The first byte at or after p (before end) that is not plain string
 * content: a quote, a backslash, a control or a non-ASCII byte; end if
 * none. */
static inline const char *str_special(const char *p, const char *end)
{
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i bslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i hit = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
            _mm_cmplt_epi8(x, space)); /* signed: < 0x20 or >= 0x80 */
        int m = _mm_movemask_epi8(hit);
        if (m)
            return p + __builtin_ctz((unsigned)m);
        p += 16;
    }
#endif
    while (p < end && str_plain[(unsigned char)*p])
        p++;
    return p;
}

#if defined(__SSE2__)
/* A bit for each of the 32 bytes at p that str_special stops at. */
static inline uint64_t specials32(const char *p)
{
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i bslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
    __m128i ha = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(a, quote), _mm_cmpeq_epi8(a, bslash)),
                              _mm_cmplt_epi8(a, space));
    __m128i hb = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b, quote), _mm_cmpeq_epi8(b, bslash)),
                              _mm_cmplt_epi8(b, space));
    return (uint64_t)(unsigned)_mm_movemask_epi8(ha) |
           (uint64_t)(unsigned)_mm_movemask_epi8(hb) << 16;
}
#endif

/* The rest of lex_string from p, the first special byte: escapes,
 * non-ASCII bytes, errors.  Out of line: most strings have none. */
static __attribute__((noinline)) int lex_string_slow(struct lex *L, struct json_scan_value *v,
                                                     int is_key, const char *p)
{
    const char *start = L->p, *end = L->end;
    int escaped = 0;
    for (;;) {
        if (p >= end)
            return lex_fail(L, start, VG_EPARSE, "unterminated string");
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            break;
        if (c == '\\') {
            escaped = 1;
            if (end - p < 2)
                return lex_fail(L, start, VG_EPARSE, "unterminated string");
            switch (p[1]) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                p += 2;
                break;
            case 'u': {
                long u = hex4(p + 2, end);
                if (u < 0)
                    return lex_fail(L, p, VG_EPARSE, "invalid \\u escape");
                if (u >= 0xd800 && u <= 0xdbff) {
                    if (end - p < 12 || p[6] != '\\' || p[7] != 'u')
                        return lex_fail(L, p, VG_EPARSE, "unpaired UTF-16 surrogate");
                    long lo = hex4(p + 8, end);
                    if (lo < 0)
                        return lex_fail(L, p + 6, VG_EPARSE, "invalid \\u escape");
                    if (lo < 0xdc00 || lo > 0xdfff)
                        return lex_fail(L, p, VG_EPARSE, "unpaired UTF-16 surrogate");
                    p += 12;
                } else if (u >= 0xdc00 && u <= 0xdfff) {
                    return lex_fail(L, p, VG_EPARSE, "unpaired UTF-16 surrogate");
                } else if (u == 0 && is_key) {
                    return lex_fail(L, p, VG_EPARSE, "\\u0000 in an object key");
                } else {
                    p += 6;
                }
                break;
            }
            default:
                return lex_fail(L, p, VG_EPARSE, "invalid escape in string");
            }
        } else if (c < 0x20) {
            return lex_fail(L, p, VG_EPARSE, "control character in string");
        } else {
            size_t k = utf8_len((const unsigned char *)p, (size_t)(end - p));
            if (!k)
                return lex_fail(L, p, VG_EPARSE, "invalid UTF-8 in string");
            p += k;
        }
        p = str_special(p, end);
    }
    if (v) {
        v->type = JSCAN_STRING;
        v->str = start + 1;
        v->str_len = (size_t)(p - start - 1);
        v->escaped = escaped;
    }
    L->p = p + 1;
    return 0;
}

/* L->p at the opening quote.  Validates the string; fills v when given.
 * An object key may not hold \u0000 (jansson's limit, and C code that
 * builds names from keys should never meet a NUL).  The common string —
 * plain ASCII up to its closing quote — is handled inline. */
static inline int lex_string(struct lex *L, struct json_scan_value *v, int is_key)
{
    const char *start = L->p;
    const char *p = str_special(start + 1, L->end);
    if (p >= L->end || *p != '"')
        return lex_string_slow(L, v, is_key, p);
    if (v) {
        v->type = JSCAN_STRING;
        v->str = start + 1;
        v->str_len = (size_t)(p - start - 1);
        v->escaped = 0;
    }
    L->p = p + 1;
    return 0;
}

static const double pow10_exact[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* Correctly rounded value of the decimal digits of [ip, ie) and [fp, fe)
 * times 10^exp10, for the cases Clinger's fast path does not cover: keep
 * the first 780 significant digits (enough to round any double correctly)
 * plus a sticky 1 when a non-zero digit was dropped, and let strtod round.
 * The copy has no decimal point, so the locale cannot interfere. */
static double slow_decimal(const char *ip, const char *ie, const char *fp,
                           const char *fe, int64_t exp10)
{
    enum { KEEP = 780 };
    char buf[KEEP + 32];
    size_t nd = 0;
    int sticky = 0;
    int64_t e = exp10;
    for (int part = 0; part < 2; part++) {
        const char *s = part ? fp : ip, *t = part ? fe : ie;
        for (; s && s < t; s++) {
            if (part)
                e--; /* every fraction digit scales by 1/10 */
            if (nd == 0 && *s == '0')
                continue;
            if (nd < KEEP) {
                buf[nd++] = *s;
            } else {
                e++; /* a dropped digit: the kept ones scale up */
                sticky |= *s != '0';
            }
        }
    }
    if (nd == 0)
        return 0.0;
    if (sticky) {
        buf[nd++] = '1';
        e--;
    }
    if (e > 99999)
        e = 99999;
    if (e < -99999)
        e = -99999;
    snprintf(buf + nd, sizeof buf - nd, "e%d", (int)e);
    return strtod(buf, NULL);
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* 1 when the 8 bytes of w are all ASCII digits. */
static inline int all_digits8(uint64_t w)
{
    return ((w & UINT64_C(0xf0f0f0f0f0f0f0f0)) |
            (((w + UINT64_C(0x0606060606060606)) & UINT64_C(0xf0f0f0f0f0f0f0f0)) >> 4)) ==
           UINT64_C(0x3333333333333333);
}

/* The value of 8 ASCII digits loaded little-endian (the first digit in the
 * low byte): pairs, then quads, then the whole, by multiply-adds. */
static inline uint64_t digits8(uint64_t w)
{
    w -= UINT64_C(0x3030303030303030);
    w = (w * 10) + (w >> 8);
    w = (((w & UINT64_C(0x000000ff000000ff)) * (100 + (UINT64_C(1000000) << 32))) +
         (((w >> 16) & UINT64_C(0x000000ff000000ff)) * (1 + (UINT64_C(10000) << 32)))) >>
        32;
    return w & 0xffffffffu;
}
#endif

/* The digits from p (before end): *u gets their value (wrapping beyond 19
 * digits); returns the first byte after them. */
static inline const char *digits_value(const char *p, const char *end, uint64_t *u)
{
    uint64_t v = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* eight digits at a time while there are eight (NT ticks have 18) */
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        if (!all_digits8(w))
            break;
        v = v * 100000000u + digits8(w);
        p += 8;
    }
#endif
    while (p < end && is_digit(*p))
        v = v * 10 + (uint64_t)(*p++ - '0');
    *u = v;
    return p;
}

/* L->p at '-' or a digit. */
static int lex_number(struct lex *L, struct json_scan_value *v)
{
    const char *start = L->p, *p = start, *end = L->end;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    if (p >= end || !is_digit(*p))
        return lex_fail(L, start, VG_EPARSE, "invalid number");
    const char *ip = p;
    uint64_t u = 0; /* the integer digits' value; wraps beyond 19 digits */
    if (*p == '0') {
        p++;
        if (p < end && is_digit(*p))
            return lex_fail(L, start, VG_EPARSE, "leading zero in number");
    } else {
        p = digits_value(p, end, &u);
    }
    const char *ie = p, *fp = NULL, *fe = NULL;
    int is_float = 0;
    int64_t exp10 = 0;
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !is_digit(*p))
            return lex_fail(L, p, VG_EPARSE, "digit expected after '.' in number");
        fp = p;
        while (p < end && is_digit(*p))
            p++;
        fe = p;
        is_float = 1;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0;
        if (p < end && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        if (p >= end || !is_digit(*p))
            return lex_fail(L, p, VG_EPARSE, "digit expected in exponent");
        while (p < end && is_digit(*p)) {
            if (exp10 < 100000000)
                exp10 = exp10 * 10 + (*p - '0');
            p++;
        }
        if (eneg)
            exp10 = -exp10;
        is_float = 1;
    }
    if (!is_float) {
        size_t nd = (size_t)(ie - ip);
        if (nd > 19)
            return lex_fail(L, start, VG_EPARSE, "integer out of range");
        if (neg) {
            if (u > (uint64_t)INT64_MAX + 1)
                return lex_fail(L, start, VG_EPARSE, "integer out of range");
            v->i = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
        } else {
            if (u > (uint64_t)INT64_MAX)
                return lex_fail(L, start, VG_EPARSE, "integer out of range");
            v->i = (int64_t)u;
        }
        v->type = JSCAN_INT;
        v->f = (double)v->i;
        L->p = p;
        return 0;
    }
    /* Significant digits into a 64-bit mantissa while they fit exactly.
     * The integer part has no leading zeros (a lone "0" has no significant
     * digit), so its digits are u, exact while there are at most 19. */
    uint64_t m = 0;
    int nsig = 0, exact = 1;
    int64_t e = exp10;
    if (*ip != '0') {
        size_t nd = (size_t)(ie - ip);
        if (nd <= 19) {
            m = u;
            nsig = (int)nd;
        } else {
            exact = 0;
        }
    }
    for (const char *s = fp; exact && s && s < fe; s++) {
        if (nsig == 0 && *s == '0') {
            e--;
            continue;
        }
        if (nsig < 19) {
            m = m * 10 + (uint64_t)(*s - '0');
            nsig++;
            e--;
        } else {
            exact = 0;
        }
    }
    double f;
    if (exact && m == 0)
        f = 0.0;
    else if (exact && m <= (UINT64_C(1) << 53) && e >= -22 && e <= 22)
        f = e < 0 ? (double)m / pow10_exact[-e] : (double)m * pow10_exact[e];
    else
        f = slow_decimal(ip, ie, fp, fe, exp10);
    if (isinf(f))
        return lex_fail(L, start, VG_EPARSE, "number out of range");
    v->type = JSCAN_FLOAT;
    v->f = neg ? -f : f;
    v->i = 0;
    L->p = p;
    return 0;
}

static int lex_literal(struct lex *L, const char *word, size_t n,
                       enum json_scan_type t, struct json_scan_value *v)
{
    if ((size_t)(L->end - L->p) < n || memcmp(L->p, word, n) != 0)
        return lex_unexpected(L, L->p, "a JSON value");
    v->type = t;
    L->p += n;
    return 0;
}

static inline int lex_scalar(struct lex *L, struct json_scan_value *v)
{
    switch (*L->p) {
    case '"': return lex_string(L, v, 0);
    case 't': return lex_literal(L, "true", 4, JSCAN_TRUE, v);
    case 'f': return lex_literal(L, "false", 5, JSCAN_FALSE, v);
    case 'n': return lex_literal(L, "null", 4, JSCAN_NULL, v);
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        return lex_number(L, v);
    default:
        return lex_unexpected(L, L->p, "a JSON value");
    }
}

/* L->p at '{' or '[' of a container of the given depth (already checked).
 * Validates up to and including the matching bracket. */
static int skip_container(struct lex *L, unsigned depth)
{
    uint64_t is_obj[JSON_SCAN_MAX_DEPTH / 64 + 1];
    unsigned open = 0; /* containers open; the innermost is open - 1 */
    const char *p = L->p, *end = L->end;
    struct json_scan_value scratch;
    int rc;

open_container:
    if (*p == '{')
        is_obj[open / 64] |= UINT64_C(1) << (open % 64);
    else
        is_obj[open / 64] &= ~(UINT64_C(1) << (open % 64));
    open++;
    p = skip_ws(p + 1, end);
    if (p >= end)
        return lex_unexpected(L, p, "a value or a closing bracket");
    {
        int obj = (is_obj[(open - 1) / 64] >> ((open - 1) % 64)) & 1;
        if (*p == (obj ? '}' : ']')) {
            p++;
            goto closed;
        }
    }
member:
    if ((is_obj[(open - 1) / 64] >> ((open - 1) % 64)) & 1) {
        if (p >= end || *p != '"')
            return lex_unexpected(L, p, "a string (object key)");
        L->p = p;
        if ((rc = lex_string(L, NULL, 1)))
            return rc;
        p = skip_ws(L->p, end);
        if (p >= end || *p != ':')
            return lex_unexpected(L, p, "':' after object key");
        p = skip_ws(p + 1, end);
    }
    if (depth + open > L->max_depth)
        return lex_fail(L, p, VG_ELIMIT, "nesting too deep");
    if (p >= end)
        return lex_unexpected(L, p, "a JSON value");
    if (*p == '{' || *p == '[')
        goto open_container;
    L->p = p;
    if ((rc = lex_scalar(L, &scratch)))
        return rc;
    p = L->p;
after_value:
    p = skip_ws(p, end);
    if (p >= end)
        return lex_unexpected(L, p, "',' or a closing bracket");
    if (*p == ',') {
        p = skip_ws(p + 1, end);
        goto member;
    }
    {
        int obj = (is_obj[(open - 1) / 64] >> ((open - 1) % 64)) & 1;
        if (*p != (obj ? '}' : ']'))
            return lex_unexpected(L, p, obj ? "',' or '}'" : "',' or ']'");
    }
    p++;
closed:
    if (--open == 0) {
        L->p = p;
        return 0;
    }
    goto after_value;
}

/* L->p at the first byte of a value (whitespace skipped). */
static int lex_value(struct lex *L, unsigned depth, struct json_scan_value *v)
{
    const char *start = L->p;
    int rc;
    if (start >= L->end)
        return lex_unexpected(L, start, "a JSON value");
    if (depth > L->max_depth)
        return lex_fail(L, start, VG_ELIMIT, "nesting too deep");
    if (*start == '{' || *start == '[') {
        if ((rc = skip_container(L, depth)))
            return rc;
        v->type = *start == '{' ? JSCAN_OBJECT : JSCAN_ARRAY;
    } else if ((rc = lex_scalar(L, v))) {
        return rc;
    }
    v->depth = depth;
    v->raw = start;
    v->raw_len = (size_t)(L->p - start);
    v->offset = (size_t)(start - L->doc);
    return 0;
}

static unsigned clamp_depth(unsigned max_depth)
{
    if (max_depth == 0 || max_depth > JSON_SCAN_MAX_DEPTH)
        return JSON_SCAN_MAX_DEPTH;
    return max_depth;
}

int json_scan_parse(const char *p, size_t n, unsigned max_depth,
                    struct json_scan_value *v, struct vg_err *err)
{
    struct lex L = {p, p, p + n, clamp_depth(max_depth), err, 0};
    int rc;
    L.p = skip_ws(L.p, L.end);
    if (L.p >= L.end)
        return lex_fail(&L, L.p, VG_EPARSE, "empty document");
    if ((rc = lex_value(&L, 1, v)))
        return rc;
    L.p = skip_ws(L.p, L.end);
    if (L.p != L.end)
        return lex_fail(&L, L.p, VG_EPARSE, "trailing characters after the document");
    return 0;
}

int json_scan_check(const char *p, size_t n, unsigned max_depth, size_t *err_off,
                    struct vg_err *err)
{
    struct lex L = {p, p, p + n, clamp_depth(max_depth), err, 0};
    struct json_scan_value v;
    int rc;
    L.p = skip_ws(L.p, L.end);
    if (L.p >= L.end)
        rc = lex_fail(&L, L.p, VG_EPARSE, "empty document");
    else if (!(rc = lex_value(&L, 1, &v))) {
        L.p = skip_ws(L.p, L.end);
        if (L.p != L.end)
            rc = lex_fail(&L, L.p, VG_EPARSE, "trailing characters after the document");
    }
    if (rc && err_off)
        *err_off = L.err_off;
    return rc;
}

int json_scan_validate(const char *p, size_t n)
{
    return json_scan_check(p, n, JSON_SCAN_MAX_DEPTH, NULL, NULL);
}

int json_scan_open(struct json_scan_iter *it, const char *p, size_t n,
                   unsigned max_depth, struct vg_err *err)
{
    struct lex L = {p, p, p + n, 0, err, 0};
    const char *q = skip_ws(p, p + n);
    memset(it, 0, sizeof *it);
    it->state = 2;
    if (q >= p + n || (*q != '{' && *q != '[')) {
        int rc = q >= p + n ? lex_fail(&L, q, VG_EPARSE, "empty document")
                            : lex_unexpected(&L, q, "'{' or '['");
        it->err_offset = L.err_off;
        return rc;
    }
    it->doc = p;
    it->p = q + 1;
    it->end = p + n;
    it->depth = 1;
    it->max_depth = clamp_depth(max_depth);
    it->kind = *q;
    it->state = 0;
    it->top = 1;
    return 0;
}

int json_scan_enter(struct json_scan_iter *it, const struct json_scan_value *v)
{
    memset(it, 0, sizeof *it);
    it->state = 2;
    if ((v->type != JSCAN_OBJECT && v->type != JSCAN_ARRAY) || v->raw_len < 2)
        return VG_EINVAL;
    it->doc = v->raw - v->offset;
    it->p = v->raw + 1;
    it->end = v->raw + v->raw_len;
    it->depth = v->depth;
    it->max_depth = JSON_SCAN_MAX_DEPTH; /* the span was validated already */
    it->kind = v->type == JSCAN_OBJECT ? '{' : '[';
    it->state = 0;
    it->top = 0;
    return 0;
}

/* Past the closing bracket at p: the container ends here. */
static int iter_close(struct json_scan_iter *it, struct lex *L, const char *p)
{
    p++;
    if (it->top) {
        p = skip_ws(p, it->end);
        if (p != it->end)
            return lex_fail(L, p, VG_EPARSE, "trailing characters after the document");
    } else if (it->up) {
        /* a descended child: the parent resumes after us */
        if (it->up->pending == it->start) {
            it->up->p = p;
            it->up->pending = NULL;
        }
    } else if (p != it->end) {
        return lex_fail(L, p, VG_EPARSE, "container ends before its span");
    }
    it->p = p;
    it->state = 2;
    return 0;
}

/* Common head of *_next: the byte where the next element starts, after a
 * ',' when one is due; sets *closing when the container ends instead. */
static int iter_step(struct json_scan_iter *it, struct lex *L, char close,
                     const char **at, int *closing)
{
    const char *p = skip_ws(it->p, it->end);
    *closing = 0;
    if (p >= it->end)
        return lex_unexpected(L, p, close == '}' ? "',' or '}'" : "',' or ']'");
    if (*p == close) {
        *closing = 1;
        *at = p;
        return 0;
    }
    if (it->state == 1) {
        if (*p != ',')
            return lex_unexpected(L, p, close == '}' ? "',' or '}'" : "',' or ']'");
        p = skip_ws(p + 1, it->end);
    }
    *at = p;
    return 0;
}

static int iter_fail(struct json_scan_iter *it, const struct lex *L, int rc)
{
    it->err_offset = L->err_off;
    it->state = 2;
    return rc;
}

/* Skip the container a lazy iterator handed out and nobody walked. */
static int iter_skip_pending(struct json_scan_iter *it, struct lex *L)
{
    int rc;
    if (!it->pending)
        return 0;
    L->p = it->pending;
    if ((rc = skip_container(L, it->depth + 1)))
        return rc;
    it->p = L->p;
    it->pending = NULL;
    return 0;
}

/* lex_value, except that a lazy iterator leaves a container unscanned. */
static inline int iter_value(struct json_scan_iter *it, struct lex *L, struct json_scan_value *v)
{
    const char *start = L->p;
    if (it->lazy && start < L->end && (*start == '{' || *start == '[')) {
        if (it->depth + 1 > L->max_depth)
            return lex_fail(L, start, VG_ELIMIT, "nesting too deep");
        v->type = *start == '{' ? JSCAN_OBJECT : JSCAN_ARRAY;
        v->depth = it->depth + 1;
        v->raw = start;
        v->raw_len = 0;
        v->offset = (size_t)(start - L->doc);
        it->pending = start;
        return 0;
    }
    return lex_value(L, it->depth + 1, v);
}

int json_scan_descend(struct json_scan_iter *child, struct json_scan_iter *parent)
{
    memset(child, 0, sizeof *child);
    child->state = 2;
    if (!parent->pending)
        return VG_EINVAL;
    child->doc = parent->doc;
    child->p = parent->pending + 1;
    child->end = parent->end;
    child->depth = parent->depth + 1;
    child->max_depth = parent->max_depth;
    child->kind = *parent->pending;
    child->state = 0;
    child->up = parent;
    child->start = parent->pending;
    return 0;
}

int json_scan_complete(struct json_scan_iter *parent, struct json_scan_value *v,
                       struct vg_err *err)
{
    struct lex L = {parent->doc, parent->p, parent->end, parent->max_depth, err, 0};
    int rc;
    if (!parent->pending || parent->pending != v->raw)
        return v->raw_len ? 0 : vg_err_set(err, VG_EINVAL, "JSON: no unscanned container");
    if ((rc = iter_skip_pending(parent, &L)))
        return iter_fail(parent, &L, rc);
    v->raw_len = (size_t)(parent->p - v->raw);
    return 0;
}

int json_scan_take_exact(struct json_scan_iter *parent, struct json_scan_value *v,
                         const char *text, size_t n)
{
    if (!parent->pending || parent->pending != v->raw || (size_t)(parent->end - v->raw) < n ||
        memcmp(v->raw, text, n) != 0)
        return 0;
    parent->p = v->raw + n;
    parent->pending = NULL;
    v->raw_len = n;
    return 1;
}

/* The common head of *_next: 1 with *at on the next element, 0 when the
 * container is done, negative on error. */
static int iter_next_at(struct json_scan_iter *it, struct lex *L, char kind, const char **at)
{
    const char close = kind == '{' ? '}' : ']';
    int rc, closing;
    if (it->state == 2)
        return 0;
    if (it->kind != kind)
        return vg_err_set(L->err, VG_EINVAL, "JSON: not an %s",
                          kind == '{' ? "object" : "array");
    if ((rc = iter_skip_pending(it, L)) || (rc = iter_step(it, L, close, at, &closing)))
        return iter_fail(it, L, rc);
    if (closing)
        return (rc = iter_close(it, L, *at)) ? iter_fail(it, L, rc) : 0;
    return 1;
}

/* The member the feeds write most: compact ("key":"value", "key":123,
 * no whitespace), plain ASCII key and string value.  Returns 1 with *key
 * and *val set exactly as the general path would set them, or 0 without
 * touching anything (the general path then takes the member, errors
 * included). */
static inline __attribute__((always_inline)) int member_fast(struct json_scan_iter *it,
                                                            struct json_scan_value *key,
                                                            struct json_scan_value *val)
{
    const char *p = it->p, *end = it->end, *q, *v, *r;
    if (it->pending || it->kind != '{' || it->depth >= it->max_depth)
        return 0;
    if (it->state == 1) {
        if (p >= end || *p != ',')
            return 0;
        p++;
    } else if (it->state != 0) {
        return 0;
    }
    if (p >= end || *p != '"')
        return 0;
#if defined(__SSE2__)
    uint64_t m = 0; /* special bytes of the 32 after the key's quote */
    if (end - p > 32) {
        m = specials32(p + 1);
        q = m ? p + 1 + __builtin_ctzll(m) : str_special(p + 33, end);
    } else {
        q = str_special(p + 1, end);
    }
#else
    q = str_special(p + 1, end);
#endif
    if (end - q < 3 || q[0] != '"' || q[1] != ':')
        return 0;
    v = q + 2;
    if (*v == '"') {
#if defined(__SSE2__)
        /* the value's closing quote is often in the same 32 bytes */
        size_t at = (size_t)(v + 1 - (p + 1));
        if (m && at < 32 && (m >> at))
            r = v + 1 + __builtin_ctzll(m >> at);
        else if (m && at < 32)
            r = str_special(p + 33, end);
        else
            r = str_special(v + 1, end);
#else
        r = str_special(v + 1, end);
#endif
        if (r >= end || *r != '"')
            return 0;
        val->type = JSCAN_STRING;
        val->str = v + 1;
        val->str_len = (size_t)(r - v - 1);
        val->escaped = 0;
        r++;
    } else if ((*v >= '0' && *v <= '9') || *v == '-') {
        uint64_t u;
        /* a plain integer that cannot overflow (NT ticks have 18 digits)
         * needs none of lex_number's cases */
        if (*v != '0' && *v != '-' && (r = digits_value(v, end, &u)) - v <= 18 &&
            (r >= end || (*r != '.' && *r != 'e' && *r != 'E'))) {
            val->type = JSCAN_INT;
            val->i = (int64_t)u;
            val->f = (double)val->i;
        } else if (*v == '0' && (v + 1 >= end || (!is_digit(v[1]) && v[1] != '.' &&
                                                  v[1] != 'e' && v[1] != 'E'))) {
            r = v + 1; /* a lone 0 (CTIP's empty metro and area codes) */
            val->type = JSCAN_INT;
            val->i = 0;
            val->f = 0.0;
        } else {
            struct lex L = {it->doc, v, end, it->max_depth, NULL, 0};
            if (lex_number(&L, val))
                return 0;
            r = L.p;
        }
    } else {
        return 0;
    }
    key->type = JSCAN_STRING;
    key->str = p + 1;
    key->str_len = (size_t)(q - p - 1);
    key->escaped = 0;
    key->depth = it->depth + 1;
    key->raw = p;
    key->raw_len = (size_t)(q + 1 - p);
    key->offset = (size_t)(p - it->doc);
    val->depth = it->depth + 1;
    val->raw = v;
    val->raw_len = (size_t)(r - v);
    val->offset = (size_t)(v - it->doc);
    it->p = r;
    it->state = 1;
    return 1;
}

/* json_scan_object_next for every member member_fast does not take. */
static __attribute__((noinline)) int object_next_general(struct json_scan_iter *it,
                                                         struct json_scan_value *key,
                                                         struct json_scan_value *val,
                                                         struct vg_err *err)
{
    struct lex L = {it->doc, it->p, it->end, it->max_depth, err, 0};
    const char *p, *end = it->end;
    int rc;
    if (it->state == 2)
        return 0;
    if (it->kind != '{')
        return vg_err_set(err, VG_EINVAL, "JSON: not an object");
    if (it->pending && (rc = iter_skip_pending(it, &L)))
        return iter_fail(it, &L, rc);
    p = skip_ws(it->p, end);
    if (p >= end)
        return iter_fail(it, &L, lex_unexpected(&L, p, "',' or '}'"));
    if (*p == '}')
        return (rc = iter_close(it, &L, p)) ? iter_fail(it, &L, rc) : 0;
    if (it->state == 1) {
        if (*p != ',')
            return iter_fail(it, &L, lex_unexpected(&L, p, "',' or '}'"));
        p = skip_ws(p + 1, end);
    }
    if (p >= end || *p != '"')
        return iter_fail(it, &L, lex_unexpected(&L, p, "a string (object key)"));
    L.p = p;
    if ((rc = lex_string(&L, key, 1)))
        return iter_fail(it, &L, rc);
    key->depth = it->depth + 1;
    key->raw = p;
    key->raw_len = (size_t)(L.p - p);
    key->offset = (size_t)(p - it->doc);
    p = skip_ws(L.p, end);
    if (p >= end || *p != ':')
        return iter_fail(it, &L, lex_unexpected(&L, p, "':' after object key"));
    L.p = skip_ws(p + 1, end);
    if ((rc = iter_value(it, &L, val)))
        return iter_fail(it, &L, rc);
    it->p = L.p;
    it->state = 1;
    return 1;
}

/* The hot loop of every driver: the common member inline (member_fast),
 * the rest out of line. */
int json_scan_object_next(struct json_scan_iter *it, struct json_scan_value *key,
                          struct json_scan_value *val, struct vg_err *err)
{
    if (member_fast(it, key, val))
        return 1;
    return object_next_general(it, key, val, err);
}

int json_scan_array_next(struct json_scan_iter *it, struct json_scan_value *val,
                         struct vg_err *err)
{
    struct lex L = {it->doc, it->p, it->end, it->max_depth, err, 0};
    const char *p = NULL; /* set when iter_next_at returns 1 */
    int rc = iter_next_at(it, &L, '[', &p);
    if (rc <= 0)
        return rc;
    L.p = p;
    if ((rc = iter_value(it, &L, val)))
        return iter_fail(it, &L, rc);
    it->p = L.p;
    it->state = 1;
    return 1;
}

static size_t utf8_put(char *o, unsigned long cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Decode the escape at *s (a backslash, bounded by e) into o; advances *s.
 * A malformed escape (impossible in a validated string) is copied as is. */
static size_t decode_escape(const char **s, const char *e, char *o)
{
    const char *p = *s;
    char c = p + 1 < e ? p[1] : '\\';
    switch (c) {
    case 'b': *o = '\b'; break;
    case 'f': *o = '\f'; break;
    case 'n': *o = '\n'; break;
    case 'r': *o = '\r'; break;
    case 't': *o = '\t'; break;
    case '"': case '\\': case '/': *o = c; break;
    case 'u': {
        long u = hex4(p + 2, e);
        if (u < 0)
            break;
        if (u >= 0xd800 && u <= 0xdbff) {
            long lo = e - p >= 12 && p[6] == '\\' && p[7] == 'u' ? hex4(p + 8, e) : -1;
            if (lo >= 0xdc00 && lo <= 0xdfff) {
                *s = p + 12;
                return utf8_put(o, 0x10000 + (((unsigned long)u - 0xd800) << 10) +
                                       ((unsigned long)lo - 0xdc00));
            }
            break;
        }
        if (u >= 0xdc00 && u <= 0xdfff)
            break;
        *s = p + 6;
        return utf8_put(o, (unsigned long)u);
    }
    default:
        break;
    }
    if (c == 'u' || c == '\0' || p + 1 >= e || !strchr("bfnrt\"\\/", c)) {
        *o = '\\';
        *s = p + 1;
        return 1;
    }
    *s = p + 2;
    return 1;
}

size_t json_scan_str_decode(const struct json_scan_value *v, char *out)
{
    const char *s = v->str, *e = v->str + v->str_len;
    char *o = out;
    if (!v->escaped) {
        memcpy(out, s, v->str_len);
        return v->str_len;
    }
    while (s < e) {
        const char *bs = memchr(s, '\\', (size_t)(e - s));
        if (!bs) {
            memcpy(o, s, (size_t)(e - s));
            o += e - s;
            break;
        }
        memcpy(o, s, (size_t)(bs - s));
        o += bs - s;
        s = bs;
        o += decode_escape(&s, e, o);
    }
    return (size_t)(o - out);
}

int json_scan_str_get(const struct json_scan_value *v, struct vg_arena *a,
                      const char **s, size_t *n)
{
    if (!v->escaped) {
        *s = v->str;
        *n = v->str_len;
        return 0;
    }
    char *out = vg_arena_alloc(a, v->str_len + 1);
    if (!out)
        return VG_ENOMEM;
    *n = json_scan_str_decode(v, out);
    out[*n] = '\0';
    *s = out;
    return 0;
}

int json_scan_str_eq(const struct json_scan_value *v, const char *s, size_t n)
{
    if (v->type != JSCAN_STRING)
        return 0;
    if (!v->escaped)
        return v->str_len == n && memcmp(v->str, s, n) == 0;
    const char *p = v->str, *e = v->str + v->str_len;
    size_t k = 0;
    while (p < e) {
        char tmp[4];
        size_t m;
        if (*p == '\\') {
            m = decode_escape(&p, e, tmp);
            if (k + m > n || memcmp(s + k, tmp, m) != 0)
                return 0;
            k += m;
        } else {
            if (k >= n || s[k] != *p)
                return 0;
            k++;
            p++;
        }
    }
    return k == n;
}

int json_scan_find(const struct json_scan_value *obj, const char *key, size_t klen,
                   struct json_scan_value *out, struct vg_err *err)
{
    struct json_scan_iter it;
    struct json_scan_value k, v;
    int rc, found = 0;
    if (obj->type != JSCAN_OBJECT)
        return 0;
    if ((rc = json_scan_enter(&it, obj)))
        return vg_err_set(err, rc, "JSON: not an object");
    while ((rc = json_scan_object_next(&it, &k, &v, err)) == 1) {
        if (json_scan_str_eq(&k, key, klen)) {
            *out = v;
            found = 1;
        }
    }
    return rc < 0 ? rc : found;
}

int json_scan_path(const struct json_scan_value *obj, const char *path,
                   struct json_scan_value *out, struct vg_err *err)
{
    struct json_scan_value cur = *obj;
    for (;;) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        int rc = json_scan_find(&cur, path, len, &cur, err);
        if (rc <= 0)
            return rc;
        if (!dot) {
            *out = cur;
            return 1;
        }
        if (cur.type != JSCAN_OBJECT)
            return 0;
        path = dot + 1;
    }
}

const char *json_scan_type_name(enum json_scan_type t)
{
    static const char *names[] = {"none", "null", "false", "true", "integer",
                                  "real", "string", "array", "object"};
    return (size_t)t < sizeof names / sizeof names[0] ? names[t] : "?";
}
