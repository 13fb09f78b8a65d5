/*
 * ip.c — parsing and RFC 5952 formatting of addresses (see ip.h).
 *
 * Hand-written rather than inet_pton/inet_ntop: the hot path parses one or
 * two addresses per record, and glibc's inet_ntop prints IPv4-compatible
 * addresses (::a.b.c.d) in mixed notation, which RFC 5952 §5 reserves for
 * mapped and translated forms.
 */
#include "core/ip.h"
#include "core/err.h"

#include <string.h>

static int is_dec(char c)
{
    return c >= '0' && c <= '9';
}

/* Four parts of 1..3 digits, no leading zero (octal ambiguity), each at
 * most 255, separated by single dots; unrolled per part, as every record
 * parses one or two. */
static int parse_v4(const char *s, size_t n, uint32_t *out)
{
    uint32_t v = 0;
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part) {
            if (i >= n || s[i] != '.')
                return VG_EINVAL;
            i++;
        }
        if (i >= n || !is_dec(s[i]))
            return VG_EINVAL;
        unsigned x = (unsigned)(s[i++] - '0');
        if (i < n && is_dec(s[i])) {
            if (x == 0)
                return VG_EINVAL;
            x = x * 10 + (unsigned)(s[i++] - '0');
            if (i < n && is_dec(s[i])) {
                x = x * 10 + (unsigned)(s[i++] - '0');
                if (x > 255 || (i < n && is_dec(s[i])))
                    return VG_EINVAL;
            }
        }
        v = (v << 8) | x;
    }
    if (i != n)
        return VG_EINVAL;
    *out = v;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int parse_v6(const char *s, size_t n, uint8_t out[16])
{
    uint16_t words[8];
    int nw = 0, gap = -1;
    size_t i = 0;
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
        if (n == 2)
            goto done;
    } else if (n >= 1 && s[0] == ':') {
        return VG_EINVAL;
    }
    while (i < n) {
        if (nw >= 8)
            return VG_EINVAL;
        /* IPv4 tail? */
        size_t j = i;
        while (j < n && s[j] != ':' && s[j] != '.')
            j++;
        if (j < n && s[j] == '.') {
            uint32_t v4;
            if (nw > 6 || parse_v4(s + i, n - i, &v4))
                return VG_EINVAL;
            words[nw++] = (uint16_t)(v4 >> 16);
            words[nw++] = (uint16_t)(v4 & 0xffff);
            i = n;
            break;
        }
        unsigned w = 0;
        size_t start = i;
        int h;
        while (i < n && (h = hexval(s[i])) >= 0) {
            if (i - start >= 4)
                return VG_EINVAL;
            w = (w << 4) | (unsigned)h;
            i++;
        }
        if (i == start)
            return VG_EINVAL;
        words[nw++] = (uint16_t)w;
        if (i == n)
            break;
        if (s[i] != ':')
            return VG_EINVAL;
        i++;
        if (i < n && s[i] == ':') {
            if (gap >= 0)
                return VG_EINVAL;
            gap = nw;
            i++;
            if (i == n)
                break;
        } else if (i == n) {
            return VG_EINVAL; /* trailing single colon */
        }
    }
done:
    if (gap < 0 && nw != 8)
        return VG_EINVAL;
    if (gap >= 0 && nw > 7)
        return VG_EINVAL;
    uint16_t full[8] = {0};
    if (gap < 0) {
        memcpy(full, words, sizeof full);
    } else {
        int tail = nw - gap;
        for (int k = 0; k < gap; k++)
            full[k] = words[k];
        for (int k = 0; k < tail; k++)
            full[8 - tail + k] = words[gap + k];
    }
    for (int k = 0; k < 8; k++) {
        out[2 * k] = (uint8_t)(full[k] >> 8);
        out[2 * k + 1] = (uint8_t)(full[k] & 0xff);
    }
    return 0;
}

int ip_parse(const char *s, size_t n, struct ip_addr *out)
{
    if (n == 0 || n > 45)
        return VG_EINVAL;
    if (memchr(s, ':', n))
        return parse_v6(s, n, out->b);
    uint32_t v4;
    if (parse_v4(s, n, &v4))
        return VG_EINVAL;
    ip_from_v4(out, v4);
    return 0;
}

static const uint8_t v4_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int ip_is_v4(const struct ip_addr *a)
{
    return memcmp(a->b, v4_prefix, 12) == 0;
}

uint32_t ip_v4(const struct ip_addr *a)
{
    return ((uint32_t)a->b[12] << 24) | ((uint32_t)a->b[13] << 16) |
           ((uint32_t)a->b[14] << 8) | a->b[15];
}

void ip_from_v4(struct ip_addr *a, uint32_t v4)
{
    memcpy(a->b, v4_prefix, 12);
    a->b[12] = (uint8_t)(v4 >> 24);
    a->b[13] = (uint8_t)(v4 >> 16);
    a->b[14] = (uint8_t)(v4 >> 8);
    a->b[15] = (uint8_t)v4;
}

static size_t put_u8(char *o, unsigned v)
{
    size_t n = 0;
    if (v >= 100)
        o[n++] = (char)('0' + v / 100);
    if (v >= 10)
        o[n++] = (char)('0' + (v / 10) % 10);
    o[n++] = (char)('0' + v % 10);
    return n;
}

size_t ip_format(const struct ip_addr *a, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    if (ip_is_v4(a)) {
        for (int k = 12; k < 16; k++) {
            n += put_u8(out + n, a->b[k]);
            if (k < 15)
                out[n++] = '.';
        }
        out[n] = '\0';
        return n;
    }
    uint16_t w[8];
    for (int k = 0; k < 8; k++)
        w[k] = (uint16_t)((a->b[2 * k] << 8) | a->b[2 * k + 1]);
    /* RFC 5952 §4.2: compress the longest run (first if tied) of >= 2 zeros */
    int best = -1, bestlen = 0;
    for (int k = 0; k < 8;) {
        if (w[k] == 0) {
            int j = k;
            while (j < 8 && w[j] == 0)
                j++;
            if (j - k > bestlen) {
                best = k;
                bestlen = j - k;
            }
            k = j;
        } else {
            k++;
        }
    }
    if (bestlen < 2)
        best = -1;
    for (int k = 0; k < 8; k++) {
        if (k == best) {
            out[n++] = ':';
            out[n++] = ':';
            k += bestlen - 1;
            continue;
        }
        if (k > 0 && !(best >= 0 && k == best + bestlen))
            out[n++] = ':';
        int started = 0;
        for (int sh = 12; sh >= 0; sh -= 4) {
            unsigned d = (w[k] >> sh) & 15;
            if (d || started || sh == 0) {
                out[n++] = hex[d];
                started = 1;
            }
        }
    }
    out[n] = '\0';
    return n;
}

int ip_is_routable_host(const struct ip_addr *a)
{
    if (ip_is_v4(a)) {
        uint32_t v = ip_v4(a);
        uint8_t o = (uint8_t)(v >> 24);
        if (o == 0 || o == 127 || o >= 224)
            return 0; /* this-net, loopback, multicast, reserved, broadcast */
        if ((v & 0xffff0000u) == 0xa9fe0000u)
            return 0; /* 169.254/16 link-local */
        return 1;
    }
    static const uint8_t zero[16] = {0};
    if (memcmp(a->b, zero, 15) == 0 && (a->b[15] == 0 || a->b[15] == 1))
        return 0; /* :: and ::1 */
    if (a->b[0] == 0xff)
        return 0; /* multicast */
    if (a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80)
        return 0; /* fe80::/10 link-local */
    return 1;
}

int ip_cmp(const struct ip_addr *a, const struct ip_addr *b)
{
    return memcmp(a->b, b->b, 16);
}
