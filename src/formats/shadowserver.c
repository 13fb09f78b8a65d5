/*
 * shadowserver.c — the Shadowserver CSV report driver.
 *
 * Input: one Shadowserver report, CSV per RFC 4180 with a header row
 * (https://www.shadowserver.org/what-we-do/network-reporting/ ; report file
 * names "[YYYY-MM-DD-]<type>[-...].csv", see Shadowserver's "Report Filename
 * Format"; the type comes from --report, else the file name, else the
 * schema report whose columns best match the header).  Parsing is libcsv
 * in strict mode, fed one physical line at a time from vg_input_read: a
 * record can only end at a line end, so the bytes of the lines since the
 * last record end are the
 * record's raw text (kept for the "raw" field and for rejects) without
 * libcsv having to tell us offsets.  Field bytes are copied into one reused
 * buffer; the event and a one-field "probe" event are reused per record:
 * nothing is allocated per record once the buffers have grown.
 *
 * Mapping (ss_schema.h) follows IntelMQ's Shadowserver parser
 * (intelmq/bots/parsers/shadowserver/parser.py, parse_line):
 *   - feed.name = the report's feed name (or --feed-name);
 *   - required items, then optional items, in schema order: convert the
 *     column (conversion functions of _config.py); "extra." keys land under
 *     extra.<column>, "extra.x" under extra.x, harmonised keys are sanitised
 *     and, when invalid, leave the column for extra; unknown keys land under
 *     extra.<key>; a conversion that yields nothing drops the column;
 *   - constant fields (classification ...) overwrite;
 *   - raw = base64(header line + "\n" + record), unless
 *     format_options.no_raw asks for none;
 *   - every column no item consumed and that is not empty -> extra.<column>.
 * vigil adds, as the landscape needs it: malware.name is the infection
 * column, or family where infection is empty, when the mapping gave none.
 *
 * Deliberate differences from IntelMQ, all in the direction of "bad input is
 * rejected with a reason, never half-parsed":
 *   - a record whose column count differs from the header is rejected
 *     (IntelMQ's DictReader pads short rows);
 *   - a required column with a value that is not empty but invalid (an IP
 *     that does not parse, a port that is not a number, a bad timestamp)
 *     rejects the record (IntelMQ's validate_ip would drop the value);
 *   - a required column absent from the header is skipped for every record
 *     instead of failing each one (Shadowserver dropped "port" from the
 *     URL reports while the schema still requires it), except the timestamp:
 *     without it the file is refused;
 *   - NUL or other control bytes in a record reject it;
 *   - a URL field needs a network location (IntelMQ's URL type does; our
 *     event_validate only checks for control bytes).
 * One dialect extension: Shadowserver writes some quotes inside quoted
 * fields as \" (HTTP header columns).  A record that fails strict RFC 4180
 * parsing, or has the wrong column count, and contains \" is read once
 * more with \" taken as an escaped quote (Python's csv module, which IntelMQ
 * uses, instead keeps the backslash and ends the quoting early).
 */
#include "formats/format.h"
#include "formats/ss_schema.h"

#include "core/ip.h"
#include "core/vtime.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SS_MAX_RECORD (4u << 20) /* bytes of one record (all its lines) */
#define SS_MAX_FIELD (8u << 20)  /* libcsv's own field buffer */
#define SS_CHUNK (64u * 1024)

enum vkind { V_NONE, V_STR, V_INT, V_FLOAT, V_BOOL };

struct val {
    enum vkind k;
    const char *s;
    size_t n;
    int64_t i;
    double f;
};

struct ss_ctx {
    const char *file;
    const struct format_options *opt;
    const char *opt_report; /* --report, when given */
    const struct format_sink *sink;
    struct vg_err *err;
    int rc; /* first fatal error or non-zero sink return: stop */

    struct csv_parser csv;
    int csv_ready;

    /* the record being assembled */
    struct vg_buf rec;
    uint64_t lineno, rec_line;
    struct vg_buf fbuf;
    size_t *foff, *flen;
    size_t nf, fcap;
    int overlong;
    int skip_line; /* after a CSV syntax error: drop the rest of the line */
    int escaped;   /* this record is read with \" as an escaped quote */
    int esc_state;
    int retry; /* read the record again in the \" dialect */
    struct vg_buf xbuf;

    /* header and mapping */
    int have_header;
    struct vg_buf hdr_raw; /* header line and "\n" */
    struct vg_buf hdr_b64; /* base64 of its whole 3-byte groups */
    char hdr_tail[3];
    size_t hdr_tail_n;
    struct vg_arena arena; /* column names and the built-in report */
    const char **cols;
    const char **extra_names; /* "extra.<column>" */
    size_t ncols;
    struct ss_schema *schema;
    const struct ss_report *report;
    int *item_col;
    uint8_t *pending;
    int c_infection, c_family, c_cc_dns, c_http_host, c_url, c_http_url;
    int c_application, c_category, c_detail;

    struct event ev, probe;
    struct vg_buf tmp, b64;
    char when[40];
};

/* ---- small helpers ------------------------------------------------------ */

static void strip(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)(*s)[0]))
        (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

static int eq(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static int eq_nocase(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

/* Python's int(): optional whitespace and sign, decimal digits. */
static int parse_int(const char *s, size_t n, int64_t *out)
{
    strip(&s, &n);
    if (n == 0 || n > 20)
        return -1;
    char tmp[24];
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(tmp, &end, 10);
    if (*end || errno ||
        !(isdigit((unsigned char)tmp[0]) || tmp[0] == '-' || tmp[0] == '+'))
        return -1;
    *out = v;
    return 0;
}

static int parse_float(const char *s, size_t n, double *out)
{
    strip(&s, &n);
    if (n == 0 || n > 63)
        return -1;
    char tmp[64];
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *end;
    double v = strtod(tmp, &end);
    if (*end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* ---- base64 (RFC 4648 §4) ----------------------------------------------- */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#define B64_LEN(n) (((n) + 2) / 3 * 4)

static size_t b64_encode(const unsigned char *in, size_t n, char *out)
{
    char *o = out;
    size_t k = 0;
    for (; k + 3 <= n; k += 3) {
        uint32_t v =
            (uint32_t)in[k] << 16 | (uint32_t)in[k + 1] << 8 | in[k + 2];
        *o++ = b64_alphabet[v >> 18];
        *o++ = b64_alphabet[v >> 12 & 63];
        *o++ = b64_alphabet[v >> 6 & 63];
        *o++ = b64_alphabet[v & 63];
    }
    if (k < n) {
        uint32_t v =
            (uint32_t)in[k] << 16 | (k + 1 < n ? (uint32_t)in[k + 1] << 8 : 0);
        *o++ = b64_alphabet[v >> 18];
        *o++ = b64_alphabet[v >> 12 & 63];
        *o++ = k + 1 < n ? b64_alphabet[v >> 6 & 63] : '=';
        *o++ = '=';
    }
    return (size_t)(o - out);
}

/* What Python's b64decode(validate=True) accepts: alphabet only, length a
 * multiple of 4, at most two '=' and only at the end. */
static int b64_valid(const char *s, size_t n)
{
    size_t pad = 0;
    if (n == 0 || n % 4)
        return 0;
    while (pad < 2 && s[n - 1 - pad] == '=')
        pad++;
    for (size_t k = 0; k < n - pad; k++)
        if (!strchr(b64_alphabet, s[k]) || s[k] == '\0')
            return 0;
    return 1;
}

/* ---- dates -------------------------------------------------------------- */

static int month_of(const char *s, size_t n)
{
    static const char *m[] = {"jan", "feb", "mar", "apr", "may", "jun",
                              "jul", "aug", "sep", "oct", "nov", "dec"};
    if (n < 3)
        return 0;
    for (int k = 0; k < 12; k++)
        if (strncasecmp(s, m[k], 3) == 0)
            return k + 1;
    return 0;
}

/* "HH:MM[:SS]" within n bytes. */
static int hms(const char *t, size_t n, int *h, int *m, int *sec)
{
    int v[3] = {0, 0, 0}, k = 0;
    size_t digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (isdigit((unsigned char)t[i]) && digits < 2) {
            v[k] = v[k] * 10 + (t[i] - '0');
            digits++;
        } else if (t[i] == ':' && digits && k < 2) {
            k++;
            digits = 0;
        } else {
            return -1;
        }
    }
    if (!digits || k < 1)
        return -1;
    *h = v[0], *m = v[1], *sec = v[2];
    return 0;
}

/* HTTP dates (RFC 7231 §7.1.1.1: IMF-fixdate, RFC 850, asctime), which
 * Shadowserver copies from server headers into http_date columns. */
static int parse_http_date(const char *s, size_t n, int64_t *us)
{
    int day = -1, mon = 0, year = -1, h = -1, mi = 0, sec = 0, off = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == ',' || s[i] == '-'))
            i++;
        size_t st = i;
        while (i < n && s[i] != ' ' && s[i] != ',' && s[i] != '-')
            i++;
        const char *t = s + st;
        size_t tn = i - st;
        if (tn == 0)
            continue;
        if (memchr(t, ':', tn)) {
            if (hms(t, tn, &h, &mi, &sec))
                return -1;
        } else if (isdigit((unsigned char)t[0])) {
            int64_t v;
            if (parse_int(t, tn, &v))
                return -1;
            if (day < 0 && tn <= 2)
                day = (int)v;
            else if (year < 0)
                year = (int)(tn == 2 ? (v < 70 ? 2000 + v : 1900 + v) : v);
            else
                return -1;
        } else if (t[0] == '+' && tn == 5) {
            int64_t v;
            if (parse_int(t + 1, 4, &v))
                return -1;
            off = (int)(v / 100 * 3600 + v % 100 * 60);
        } else if (month_of(t, tn) && !mon && tn <= 9) {
            mon = month_of(t, tn);
        } else if (eq_nocase(t, tn, "GMT") || eq_nocase(t, tn, "UTC") ||
                   eq_nocase(t, tn, "Z")) {
            off = 0;
        } else if (isalpha((unsigned char)t[0]) && day < 0 && !mon) {
            continue; /* weekday */
        } else {
            return -1;
        }
    }
    if (day < 1 || day > 31 || !mon || year < 1970 || year > 9999 || h < 0 ||
        h > 23 || mi > 59 || sec > 60)
        return -1;
    int64_t t = vt_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 +
                h * 3600 + mi * 60 + (sec == 60 ? 59 : sec) - off;
    if (t < 0)
        return -1;
    *us = t * VT_US_PER_SEC;
    return 0;
}

/* ---- conversions (IntelMQ _config.py) ----------------------------------- */

static const char *col_val(const struct ss_ctx *c, int col, size_t *n)
{
    if (col < 0) {
        *n = 0;
        return "";
    }
    *n = c->flen[col];
    return c->fbuf.data + c->foff[col];
}

/* Check a value against a harmonised field in the probe event and leave
 * the sanitised value there; 0 when valid. */
static int probe_field(struct ss_ctx *c, const struct field_def *def,
                       const struct val *v, struct vg_err *why)
{
    int rc;
    event_clear(&c->probe);
    switch (v->k) {
    case V_STR:
        rc =
            event_set_strn(&c->probe, def->name, strlen(def->name), v->s, v->n);
        break;
    case V_INT:
        rc = event_set_int(&c->probe, def->name, v->i);
        break;
    case V_FLOAT:
        rc = event_set_float(&c->probe, def->name, v->f);
        break;
    case V_BOOL:
        rc = event_set_bool(&c->probe, def->name, (int)v->i);
        break;
    default:
        return VG_EINVAL;
    }
    if (rc)
        return vg_err_set(why, rc, "field %s: cannot store the value",
                          def->name);
    if ((rc = event_validate(&c->probe, why)))
        return rc;
    if (def->type == FT_URL) {
        /* IntelMQ's URL type needs a network location (urlsplit netloc) */
        const struct ev_field *f = &c->probe.f[0];
        const char *p = memmem(f->s, f->len, "//", 2);
        size_t pre = p ? (size_t)(p - f->s) : 0;
        int ok = p && (pre == 0 || f->s[pre - 1] == ':') && pre + 2 < f->len &&
                 f->s[pre + 2] != '/';
        for (size_t k = 0; ok && pre > 1 && k < pre - 1; k++)
            ok = isalnum((unsigned char)f->s[k]) || strchr("+-.", f->s[k]);
        if (!ok)
            return vg_err_set(why, VG_EINVAL,
                              "field %s: URL without a host: \"%.80s\"",
                              def->name, f->s);
    }
    return 0;
}

static int url_from_host(struct ss_ctx *c, const char *s, size_t n,
                         struct val *v)
{
    size_t hn, pn, an;
    const char *host = c->c_cc_dns >= 0 ? col_val(c, c->c_cc_dns, &hn)
                                        : col_val(c, c->c_http_host, &hn);
    const char *path = c->c_url >= 0 ? col_val(c, c->c_url, &pn)
                                     : col_val(c, c->c_http_url, &pn);
    const char *app = col_val(c, c->c_application, &an);
    v->k = V_STR;
    v->s = s;
    v->n = n;
    if (!hn || !pn)
        return 0;
    /* drop anything before the first '/' ("GET /x HTTP/1.1") and from the
     * first white space on */
    const char *slash = memchr(path, '/', pn);
    size_t k = 0;
    pn = slash ? pn - (size_t)(slash - path) : 0;
    path = slash ? slash : path;
    while (k < pn && !isspace((unsigned char)path[k]))
        k++;
    pn = k;
    if (!eq(app, an, "http") && !eq(app, an, "https"))
        app = "http", an = 4;
    vg_buf_reset(&c->tmp);
    if (vg_buf_append(&c->tmp, app, an) || vg_buf_puts(&c->tmp, "://") ||
        vg_buf_append(&c->tmp, host, hn) || vg_buf_append(&c->tmp, path, pn))
        return VG_ENOMEM;
    v->s = c->tmp.data;
    v->n = c->tmp.len;
    return 0;
}

static int cmp_token(const void *a, const void *b)
{
    const struct val *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int r = memcmp(x->s, y->s, n);
    return r ? r : (x->n > y->n) - (x->n < y->n);
}

/* extract_cve_from_tag: the tags of the form cve-YYYY-NNNN, sorted, unique,
 * joined with ';' (matched regardless of case, kept as written). */
static int cves_from_tag(struct ss_ctx *c, const char *s, size_t n,
                         struct val *v)
{
    struct val tok[64];
    size_t nt = 0;
    v->k = V_NONE;
    for (size_t i = 0; i <= n && nt < 64;) {
        size_t j = i;
        while (j < n && s[j] != ';')
            j++;
        const char *t = s + i;
        size_t tn = j - i, k = 4, d1 = 0, d2 = 0;
        if (tn > 4 && strncasecmp(t, "cve-", 4) == 0) {
            while (k < tn && isdigit((unsigned char)t[k]))
                k++, d1++;
            if (k < tn && t[k] == '-')
                for (k++; k < tn && isdigit((unsigned char)t[k]); k++)
                    d2++;
            if (d1 && d2 && k == tn)
                tok[nt++] = (struct val){V_STR, t, tn, 0, 0};
        }
        i = j + 1;
    }
    if (!nt)
        return 0;
    qsort(tok, nt, sizeof tok[0], cmp_token);
    vg_buf_reset(&c->tmp);
    for (size_t k = 0; k < nt; k++) {
        if (k && cmp_token(&tok[k], &tok[k - 1]) == 0)
            continue;
        if ((c->tmp.len && vg_buf_putc(&c->tmp, ';')) ||
            vg_buf_append(&c->tmp, tok[k].s, tok[k].n))
            return VG_ENOMEM;
    }
    *v = (struct val){V_STR, c->tmp.data, c->tmp.len, 0, 0};
    return 0;
}

static int force_base64(struct ss_ctx *c, const char *s, size_t n,
                        struct val *v)
{
    if (b64_valid(s, n)) {
        *v = (struct val){V_STR, s, n, 0, 0};
        return 0;
    }
    vg_buf_reset(&c->tmp);
    if (vg_buf_reserve(&c->tmp, B64_LEN(n) + 1))
        return VG_ENOMEM;
    *v = (struct val){V_STR, c->tmp.data,
                      b64_encode((const unsigned char *)s, n, c->tmp.data), 0,
                      0};
    return 0;
}

static int network_ok(const char *s, size_t n)
{
    const char *slash = memchr(s, '/', n);
    struct ip_addr a;
    int64_t bits;
    if (!slash || ip_parse(s, (size_t)(slash - s), &a) ||
        parse_int(slash + 1, n - (size_t)(slash - s) - 1, &bits) ||
        !isdigit((unsigned char)slash[1]))
        return 0;
    int v4 = ip_is_v4(&a);
    if (bits < 0 || bits > (v4 ? 32 : 128))
        return 0;
    /* Python's ip_network is strict: no host bits after the prefix */
    int total = v4 ? 32 : 128, skip = v4 ? 96 : 0;
    for (int b = (int)bits; b < total; b++)
        if (a.b[(skip + b) / 8] & (0x80 >> ((skip + b) % 8)))
            return 0;
    return 1;
}

/* Apply an item's conversion to its column.  Returns 0 with *v set (V_NONE:
 * "the function returned None"), or VG_EINVAL with why set when the
 * conversion itself fails (IntelMQ raises: the record is rejected). */
static int convert(struct ss_ctx *c, const struct ss_item *it, const char *s,
                   size_t n, struct val *v, struct vg_err *why)
{
    int64_t iv, us;
    *v = (struct val){V_STR, s, n, 0, 0};
    switch (it->conv) {
    case SS_CONV_NONE:
    case SS_CONV_UNKNOWN:
        return 0;
    case SS_CONV_UTC_TIMESTAMP:
        strip(&s, &n);
        if (n == 0 || vt_parse(s, n, &us))
            return vg_err_set(why, VG_EINVAL,
                              "column %s: not a timestamp: \"%.*s\"",
                              it->column, (int)(n > 80 ? 80 : n), s);
        /* a field is normalised by event_validate; extra gets the ISO text */
        if (it->target == SS_TGT_FIELD)
            *v = (struct val){V_STR, s, n, 0, 0};
        else
            *v = (struct val){V_STR, c->when, vt_format_iso(us, c->when), 0, 0};
        return 0;
    case SS_CONV_BOOL:
        if (eq_nocase(s, n, "y") || eq_nocase(s, n, "yes") ||
            eq_nocase(s, n, "true") || eq_nocase(s, n, "enabled") ||
            eq(s, n, "1"))
            *v = (struct val){V_BOOL, NULL, 0, 1, 0};
        else if (eq_nocase(s, n, "n") || eq_nocase(s, n, "no") ||
                 eq_nocase(s, n, "false") || eq_nocase(s, n, "disabled") ||
                 eq(s, n, "0"))
            *v = (struct val){V_BOOL, NULL, 0, 0, 0};
        else
            v->k = V_NONE;
        return 0;
    case SS_CONV_TO_NONE:
        if (n == 0 || eq(s, n, "0") || eq(s, n, "unknown"))
            v->k = V_NONE;
        return 0;
    case SS_CONV_INT:
    case SS_CONV_INVALIDATE_ZERO:
        if (n == 0) {
            v->k = V_NONE;
            return 0;
        }
        if (parse_int(s, n, &iv))
            return vg_err_set(
                why, VG_EINVAL, "column %s (%s): not an integer: \"%.*s\"",
                it->column, ss_conv_name(it->conv), (int)(n > 80 ? 80 : n), s);
        *v = (struct val){V_INT, NULL, 0, iv, 0};
        if (it->conv == SS_CONV_INVALIDATE_ZERO && iv == 0)
            v->k = V_NONE;
        return 0;
    case SS_CONV_FLOAT:
        if (n == 0) {
            v->k = V_NONE;
            return 0;
        }
        if (parse_float(s, n, &v->f))
            return vg_err_set(
                why, VG_EINVAL, "column %s (%s): not a number: \"%.*s\"",
                it->column, ss_conv_name(it->conv), (int)(n > 80 ? 80 : n), s);
        v->k = V_FLOAT;
        return 0;
    case SS_CONV_TOR_NODE:
        *v = (struct val){n ? V_BOOL : V_NONE, NULL, 0, 1, 0};
        return 0;
    case SS_CONV_IP: {
        struct ip_addr a;
        strip(&s, &n);
        v->s = s, v->n = n;
        if (n == 0 || eq(s, n, "0.0.0.0") || memchr(s, '/', n)) {
            v->k = V_NONE;
            return 0;
        }
        if (ip_parse(s, n, &a) == 0)
            return 0;
        v->k = V_NONE;
        if (it->required)
            return vg_err_set(why, VG_EINVAL,
                              "column %s: not an IP address: \"%.*s\"",
                              it->column, (int)(n > 80 ? 80 : n), s);
        return 0;
    }
    case SS_CONV_NETWORK:
        strip(&s, &n);
        v->s = s, v->n = n;
        if (!network_ok(s, n))
            v->k = V_NONE;
        return 0;
    case SS_CONV_FQDN: {
        static const struct field_def fqdn = {"source.fqdn", FT_FQDN};
        if (n == 0 || probe_field(c, &fqdn, v, NULL))
            v->k = V_NONE;
        return 0;
    }
    case SS_CONV_DATE:
    case SS_CONV_DATE_UTC:
        strip(&s, &n);
        if (vt_parse(s, n, &us) &&
            (it->conv == SS_CONV_DATE_UTC || parse_http_date(s, n, &us))) {
            v->k = V_NONE;
            return 0;
        }
        *v = (struct val){V_STR, c->when, vt_format_iso(us, c->when), 0, 0};
        return 0;
    case SS_CONV_BASE64:
        if (n == 0) {
            v->k = V_NONE;
            return 0;
        }
        return force_base64(c, s, n, v)
                   ? vg_err_set(why, VG_ENOMEM, "out of memory")
                   : 0;
    case SS_CONV_EXCH_TAXONOMY:
    case SS_CONV_EXCH_TYPE:
    case SS_CONV_EXCH_IDENT: {
        int shell = eq(s, n, "exchange;webshell");
        static const char *r[3][2] = {
            {"vulnerable", "intrusions"},
            {"infected-system", "system-compromise"},
            {"vulnerable-exchange-server", "exchange-server-webshell"}};
        const char *o = r[it->conv - SS_CONV_EXCH_TAXONOMY][shell];
        *v = (struct val){V_STR, o, strlen(o), 0, 0};
        return 0;
    }
    case SS_CONV_CVE_FROM_TAG:
        return cves_from_tag(c, s, n, v)
                   ? vg_err_set(why, VG_ENOMEM, "out of memory")
                   : 0;
    case SS_CONV_HOST_URL:
        return url_from_host(c, s, n, v)
                   ? vg_err_set(why, VG_ENOMEM, "out of memory")
                   : 0;
    case SS_CONV_CATEGORY_OR_DETAIL: {
        size_t cn;
        const char *cat = col_val(c, c->c_category, &cn);
        if (!cn)
            cat = col_val(c, c->c_detail, &cn);
        *v = (struct val){V_STR, cat, cn, 0, 0};
        return 0;
    }
    }
    return 0;
}

/* ---- setting values ----------------------------------------------------- */

static int set_val(struct event *ev, const char *name, const struct val *v)
{
    switch (v->k) {
    case V_STR:
        return event_set_strn(ev, name, strlen(name), v->s, v->n);
    case V_INT:
        return event_set_int(ev, name, v->i);
    case V_FLOAT:
        return event_set_float(ev, name, v->f);
    case V_BOOL:
        return event_set_bool(ev, name, (int)v->i);
    case V_NONE:
        return 0;
    }
    return 0;
}

/* Copy the probe's sanitised field into the event. */
static int take_probe(struct ss_ctx *c)
{
    const struct ev_field *f = &c->probe.f[0];
    switch (f->kind) {
    case EV_STR:
        return event_set_strn(&c->ev, f->name, f->name_len, f->s, f->len);
    case EV_INT:
        return event_set_int(&c->ev, f->name, f->i);
    case EV_FLOAT:
        return event_set_float(&c->ev, f->name, f->f);
    case EV_BOOL:
        return event_set_bool(&c->ev, f->name, (int)f->i);
    case EV_JSON:
        return event_set_json(&c->ev, f->name, f->s, f->len);
    }
    return VG_EINVAL;
}

static int reject(struct ss_ctx *c, const char *reason)
{
    size_t n = c->rec.len;
    while (n && (c->rec.data[n - 1] == '\n' || c->rec.data[n - 1] == '\r'))
        n--;
    struct format_record r = {.file = c->file, .line = c->rec_line, .raw = c->rec.data ? c->rec.data : "", .raw_len = n};
    int rc = c->sink->reject(c->sink->ctx, &r, reason);
    if (rc && !c->rc)
        c->rc = rc;
    return rc;
}

/* IntelMQ's add() ignores these values for harmonised fields. */
static int ignored_value(const struct val *v)
{
    return v->k == V_STR &&
           (v->n == 0 || eq(v->s, v->n, "-") || eq(v->s, v->n, "N/A"));
}

/* Values whose validation cannot fail (event_validate at the end only
 * normalises them): set straight into the event, without the probe. */
static int known_valid(const struct ss_item *it, const struct val *v)
{
    switch (it->def->type) {
    case FT_STRING:
    case FT_LOWERCASE:
    case FT_UPPERCASE:
        return v->k == V_STR && v->n > 0;
    case FT_INTEGER:
        return v->k == V_INT;
    case FT_ASN:
        return v->k == V_INT && v->i >= 1 && v->i <= 4294967295LL;
    case FT_FLOAT:
        return v->k == V_FLOAT;
    case FT_BOOLEAN:
        return v->k == V_BOOL;
    case FT_IP:
        return v->k == V_STR && it->conv == SS_CONV_IP;
    case FT_DATETIME:
        return v->k == V_STR && it->conv == SS_CONV_UTC_TIMESTAMP;
    default:
        return 0;
    }
}

/* raw = base64(header line + "\n" + record), as IntelMQ's recover_line. */
static int set_raw(struct ss_ctx *c, struct event *ev, struct vg_err *why)
{
    int rc;
    size_t rn = c->rec.len;
    while (rn && (c->rec.data[rn - 1] == '\n' || c->rec.data[rn - 1] == '\r'))
        rn--;
    /* the header's whole 3-byte groups are encoded once per file (hdr_b64);
     * the 0-2 bytes left over lead this record's bytes */
    vg_buf_reset(&c->tmp);
    vg_buf_reset(&c->b64);
    if (vg_buf_append(&c->tmp, c->hdr_tail, c->hdr_tail_n) ||
        vg_buf_append(&c->tmp, c->rec.data, rn) ||
        vg_buf_append(&c->b64, c->hdr_b64.data, c->hdr_b64.len) ||
        vg_buf_reserve(&c->b64, B64_LEN(c->tmp.len) + 1))
        return vg_err_set(why, VG_ENOMEM, "out of memory");
    c->b64.len += b64_encode((const unsigned char *)c->tmp.data, c->tmp.len,
                             c->b64.data + c->b64.len);
    if ((rc = event_set_str(ev, "raw", c->b64.data, c->b64.len)))
        return vg_err_set(why, rc, "cannot set raw");
    return 0;
}

static int map_record(struct ss_ctx *c, struct vg_err *why)
{
    const struct ss_report *r = c->report;
    struct event *ev = &c->ev;
    int rc;
    event_clear(ev);
    memset(c->pending, 1, c->ncols);
    const char *feed =
        c->opt && c->opt->feed_name ? c->opt->feed_name : r->feed_name;
    if ((rc = event_set_cstr(ev, "feed.name", feed)))
        return vg_err_set(why, rc, "cannot set feed.name");
    for (size_t k = 0; k < r->nitems; k++) {
        const struct ss_item *it = &r->items[k];
        int col = c->item_col[k];
        if (col < 0)
            continue;
        if (it->target == SS_TGT_IGNORE) {
            c->pending[col] = 0;
            continue;
        }
        size_t n;
        const char *s = col_val(c, col, &n);
        struct val v;
        if ((rc = convert(c, it, s, n, &v, why)))
            return rc;
        if (v.k == V_NONE) {
            if (!it->required)
                c->pending[col] = 0;
            continue;
        }
        if (it->target == SS_TGT_EXTRA) {
            c->pending[col] = 0;
            if (v.k == V_STR && v.n == 0)
                continue; /* IntelMQ drops empty extra values */
            if ((rc = set_val(ev, it->out_name, &v)))
                return vg_err_set(why, rc, "cannot set %s", it->out_name);
            continue;
        }
        if (v.k == V_STR)
            strip(&v.s, &v.n);
        if (ignored_value(&v)) {
            c->pending[col] = 0;
            continue;
        }
        if (known_valid(it, &v)) {
            if ((rc = set_val(ev, it->def->name, &v)))
                return vg_err_set(why, rc, "cannot set %s", it->out_name);
            c->pending[col] = 0;
            continue;
        }
        struct vg_err perr;
        if (probe_field(c, it->def, &v, &perr)) {
            if (it->required)
                return vg_err_set(why, VG_EINVAL, "column %s: %s", it->column,
                                  perr.msg);
            c->pending[col] = 1; /* InvalidValue: the column goes to extra */
            continue;
        }
        if ((rc = take_probe(c)))
            return vg_err_set(why, rc, "cannot set %s", it->out_name);
        c->pending[col] = 0;
    }
    for (size_t k = 0; k < r->nconsts; k++) {
        const struct ss_const *k2 = &r->consts[k];
        if (event_set_cstr(ev, k2->key, k2->value)) {
            char name[256];
            snprintf(name, sizeof name, "extra.%s", k2->key);
            if ((rc = event_set_cstr(ev, name, k2->value)))
                return vg_err_set(why, rc, "cannot set constant %s", k2->key);
        }
    }
    /* malware.name: infection, else family */
    if (!event_get(ev, "malware.name")) {
        int cand[2] = {c->c_infection, c->c_family};
        for (int k = 0; k < 2; k++) {
            size_t n;
            const char *s = col_val(c, cand[k], &n);
            strip(&s, &n);
            if (n && !eq(s, n, "0") && !eq(s, n, "unknown") && !eq(s, n, "-")) {
                if ((rc = event_set_str(ev, "malware.name", s, n)))
                    return vg_err_set(why, rc, "cannot set malware.name");
                break;
            }
        }
    }
    /* raw: the header line and this record, as IntelMQ's recover_line
     * (unless the caller archives records itself: no_raw) */
    if (!(c->opt && c->opt->no_raw) && (rc = set_raw(c, ev, why)))
        return rc;
    /* whatever no item consumed */
    for (size_t k = 0; k < c->ncols; k++) {
        if (!c->pending[k] || c->flen[k] == 0 || !c->extra_names[k])
            continue;
        if ((rc = event_set_str(ev, c->extra_names[k],
                                c->fbuf.data + c->foff[k], c->flen[k])))
            return vg_err_set(why, rc, "cannot set %s", c->extra_names[k]);
    }
    return event_validate(ev, why);
}

/* ---- header and report binding ------------------------------------------ */

static int col_index(const struct ss_ctx *c, const char *name)
{
    for (size_t k = 0; k < c->ncols; k++)
        if (strcmp(c->cols[k], name) == 0)
            return (int)k;
    return -1;
}

static int fatal(struct ss_ctx *c, int code, const char *msg)
{
    if (!c->rc)
        c->rc = vg_err_set(c->err, code, "%s", msg);
    return c->rc;
}

static int bind_report(struct ss_ctx *c)
{
    char type[128];
    const char *t = NULL;
    int rc;
    if (c->opt && c->opt->report && *c->opt->report)
        t = c->opt_report = c->opt->report;
    else if (ss_type_from_filename(c->file, type, sizeof type) == 0)
        t = type;
    const char *path = c->opt && c->opt->schema_path ? c->opt->schema_path
                                                     : ss_schema_env_path();
    if (path && (rc = ss_schema_load(&c->schema, path, c->err))) {
        c->rc = rc;
        return rc;
    }
    if (c->schema) {
        c->report = ss_schema_find(c->schema, t);
        /* no type, or a file name that names no report we know: the
         * header decides */
        int guessed = t && t != c->opt_report && !ss_builtin_feed_name(t);
        if (!c->report && (!t || guessed)) {
            int score = 0;
            c->report =
                ss_schema_match_header(c->schema, c->cols, c->ncols, &score);
            if (score < 30)
                c->report = NULL;
        }
    }
    if (!c->report && (rc = ss_builtin_report(&c->arena, t, c->cols, c->ncols,
                                              &c->report, c->err))) {
        c->rc = rc;
        return rc;
    }
    const struct ss_report *r = c->report;
    c->item_col =
        vg_arena_alloc(&c->arena, (r->nitems + 1) * sizeof *c->item_col);
    c->pending = vg_arena_alloc(&c->arena, c->ncols + 1);
    if (!c->item_col || !c->pending)
        return fatal(c, VG_ENOMEM, "out of memory");
    int have_time = 0;
    for (size_t k = 0; k < r->nitems; k++) {
        c->item_col[k] = col_index(c, r->items[k].column);
        if (c->item_col[k] >= 0 && r->items[k].target == SS_TGT_FIELD &&
            strcmp(r->items[k].def->name, "time.source") == 0)
            have_time = 1;
    }
    if (!have_time)
        return c->rc = vg_err_set(
                   c->err, VG_EPARSE,
                   "%s: the header has no timestamp column for report %s",
                   c->file, r->name);
    c->c_infection = col_index(c, "infection");
    c->c_family = col_index(c, "family");
    c->c_cc_dns = col_index(c, "cc_dns");
    c->c_http_host = col_index(c, "http_host");
    c->c_url = col_index(c, "url");
    c->c_http_url = col_index(c, "http_url");
    c->c_application = col_index(c, "application");
    c->c_category = col_index(c, "category");
    c->c_detail = col_index(c, "detail");
    return 0;
}

static int take_header(struct ss_ctx *c)
{
    size_t n = c->rec.len;
    while (n && (c->rec.data[n - 1] == '\n' || c->rec.data[n - 1] == '\r'))
        n--;
    if (c->overlong || format_is_binary(c->rec.data, n))
        return c->rc = vg_err_set(c->err, VG_EPARSE,
                                  "%s:1: the header row is not text: not a "
                                  "Shadowserver CSV report",
                                  c->file);
    if (vg_buf_append(&c->hdr_raw, c->rec.data, n) ||
        vg_buf_putc(&c->hdr_raw, '\n'))
        return fatal(c, VG_ENOMEM, "out of memory");
    size_t whole = c->hdr_raw.len / 3 * 3;
    c->hdr_tail_n = c->hdr_raw.len - whole;
    memcpy(c->hdr_tail, c->hdr_raw.data + whole, c->hdr_tail_n);
    if (vg_buf_reserve(&c->hdr_b64, B64_LEN(whole) + 1))
        return fatal(c, VG_ENOMEM, "out of memory");
    c->hdr_b64.len = b64_encode((const unsigned char *)c->hdr_raw.data, whole,
                                c->hdr_b64.data);
    c->ncols = c->nf;
    c->cols = vg_arena_alloc(&c->arena, (c->nf + 1) * sizeof *c->cols);
    c->extra_names =
        vg_arena_alloc(&c->arena, (c->nf + 1) * sizeof *c->extra_names);
    if (!c->cols || !c->extra_names)
        return fatal(c, VG_ENOMEM, "out of memory");
    for (size_t k = 0; k < c->nf; k++) {
        const char *s = c->fbuf.data + c->foff[k];
        size_t len = c->flen[k];
        if (k == 0 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
            s += 3, len -= 3; /* UTF-8 byte order mark */
        strip(&s, &len);
        char *name = vg_arena_alloc(&c->arena, len + 7);
        if (!name)
            return fatal(c, VG_ENOMEM, "out of memory");
        memcpy(name, "extra.", 6);
        memcpy(name + 6, s, len);
        name[6 + len] = '\0';
        /* a name the event cannot hold is made safe rather than lost */
        for (size_t j = 6; j < 6 + len; j++)
            if ((unsigned char)name[j] < 0x20 || name[j] == '"' ||
                name[j] == '\\')
                name[j] = '_';
        c->cols[k] = name + 6;
        c->extra_names[k] = len ? name : NULL;
    }
    c->have_header = 1;
    return bind_report(c);
}

/* ---- libcsv callbacks --------------------------------------------------- */

static void on_field(void *s, size_t len, void *data)
{
    struct ss_ctx *c = data;
    if (c->rc || c->overlong)
        return;
    if (c->nf == c->fcap) {
        size_t cap = c->fcap ? c->fcap * 2 : 64;
        size_t *o = realloc(c->foff, cap * sizeof *o);
        if (o)
            c->foff = o;
        size_t *l = o ? realloc(c->flen, cap * sizeof *l) : NULL;
        if (!o || !l) {
            fatal(c, VG_ENOMEM, "out of memory");
            return;
        }
        c->flen = l;
        c->fcap = cap;
    }
    if (c->fbuf.len + len + 1 > SS_MAX_RECORD) {
        c->overlong = 1;
        return;
    }
    c->foff[c->nf] = c->fbuf.len;
    c->flen[c->nf] = len;
    if (vg_buf_append(&c->fbuf, s ? s : "", len) ||
        vg_buf_putc(&c->fbuf, '\0')) {
        fatal(c, VG_ENOMEM, "out of memory");
        return;
    }
    c->nf++;
}

static void fields_reset(struct ss_ctx *c)
{
    vg_buf_reset(&c->fbuf);
    c->nf = 0;
    c->overlong = 0;
}

static void record_done(struct ss_ctx *c)
{
    vg_buf_reset(&c->rec);
    fields_reset(c);
    c->escaped = 0;
    c->esc_state = 0;
}

/* Shadowserver writes some quotes inside quoted fields as \" instead of
 * RFC 4180's "" (seen in HTTP header columns: www_authenticate, mdns
 * http_info).  1 when the record has that pattern, so a record that fails
 * strict parsing is worth a second reading in that dialect. */
static int has_backslash_quote(const struct ss_ctx *c)
{
    return c->rec.len > 1 && memmem(c->rec.data, c->rec.len, "\\\"", 2) != NULL;
}

static void on_record(int term, void *data)
{
    struct ss_ctx *c = data;
    char reason[600];
    (void)term;
    if (c->rc) {
        record_done(c);
        return;
    }
    if (!c->have_header) {
        take_header(c);
        record_done(c);
        return;
    }
    size_t n = c->rec.len;
    while (n && (c->rec.data[n - 1] == '\n' || c->rec.data[n - 1] == '\r'))
        n--;
    if (!c->overlong && c->nf != c->ncols && !c->escaped &&
        has_backslash_quote(c)) {
        c->retry = 1; /* feed() reads the record again with \" as a quote */
        fields_reset(c);
        return;
    }
    if (c->overlong) {
        snprintf(reason, sizeof reason, "record longer than %u bytes",
                 SS_MAX_RECORD);
        reject(c, reason);
    } else if (format_is_binary(c->rec.data, n)) {
        reject(c, "binary data (NUL or control bytes) in the record");
    } else if (c->nf != c->ncols) {
        snprintf(reason, sizeof reason,
                 "expected %zu columns as in the header, got %zu", c->ncols,
                 c->nf);
        reject(c, reason);
    } else {
        struct vg_err why = {0, ""};
        if (map_record(c, &why)) {
            if (why.code == VG_ENOMEM)
                fatal(c, VG_ENOMEM, why.msg);
            else
                reject(c, why.msg);
        } else {
            struct format_record r = {.file = c->file, .line = c->rec_line, .raw = c->rec.data, .raw_len = n};
            int rc = c->sink->emit(c->sink->ctx, &c->ev, &r);
            if (rc && !c->rc)
                c->rc = rc;
        }
    }
    record_done(c);
}

/* libcsv grows its field buffer with this: refusing past a limit turns a
 * hostile endless field into CSV_ENOMEM instead of unbounded memory. */
static void *capped_realloc(void *p, size_t n)
{
    return n > SS_MAX_FIELD ? NULL : realloc(p, n);
}

static int csv_start(struct ss_ctx *c)
{
    if (c->csv_ready)
        csv_free(&c->csv);
    c->csv_ready = 0;
    if (csv_init(&c->csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL))
        return fatal(c, VG_ENOMEM, "out of memory");
    csv_set_realloc_func(&c->csv, capped_realloc);
    c->csv_ready = 1;
    return 0;
}

/* After a syntax error: reject what was gathered, restart the parser at the
 * next line. */
static int csv_recover(struct ss_ctx *c, const char *what)
{
    char reason[200];
    int e = csv_error(&c->csv);
    snprintf(reason, sizeof reason, "%s: %s", what,
             e == CSV_ENOMEM ? "field too long"
                             : "malformed CSV (RFC 4180 quoting)");
    if (!c->have_header)
        return c->rc = vg_err_set(c->err, VG_EPARSE, "%s:1: the header row: %s",
                                  c->file, reason);
    reject(c, reason);
    record_done(c);
    return csv_start(c);
}

/* Rewrite \" inside a quoted field as "" (state survives across lines of
 * one record): 0 outside quotes, 1 inside, 2 just after a quote inside. */
static int unescape(struct ss_ctx *c, const char *p, size_t n)
{
    vg_buf_reset(&c->xbuf);
    if (vg_buf_reserve(&c->xbuf, n * 2 + 1))
        return VG_ENOMEM;
    char *o = c->xbuf.data;
    for (size_t k = 0; k < n; k++) {
        char ch = p[k];
        if (c->esc_state == 1 && ch == '\\' && k + 1 < n && p[k + 1] == '"') {
            *o++ = '"', *o++ = '"';
            k++;
            continue;
        }
        if (ch == '"')
            c->esc_state = c->esc_state == 1 ? 2 : 1;
        else if (c->esc_state == 2)
            c->esc_state = 0;
        *o++ = ch;
    }
    c->xbuf.len = (size_t)(o - c->xbuf.data);
    return 0;
}

static size_t parse_bytes(struct ss_ctx *c, const char *p, size_t n,
                          int *failed)
{
    if (c->escaped) {
        if (unescape(c, p, n)) {
            fatal(c, VG_ENOMEM, "out of memory");
            return n;
        }
        p = c->xbuf.data;
        n = c->xbuf.len;
    }
    size_t done = csv_parse(&c->csv, p, n, on_field, on_record, c);
    *failed = done != n;
    return done;
}

/* Read the record gathered so far again, with \" taken as a quote. */
static int retry_escaped(struct ss_ctx *c)
{
    int failed, rc;
    c->retry = 0;
    if ((rc = csv_start(c)))
        return rc;
    fields_reset(c);
    c->escaped = 1;
    c->esc_state = 0;
    /* parse from a copy: finishing the record resets rec */
    vg_buf_reset(&c->tmp);
    if (vg_buf_append(&c->tmp, c->rec.data, c->rec.len))
        return fatal(c, VG_ENOMEM, "out of memory");
    if (unescape(c, c->tmp.data, c->tmp.len))
        return fatal(c, VG_ENOMEM, "out of memory");
    /* on_record clears `escaped`; while the record goes on it stays set */
    size_t done =
        csv_parse(&c->csv, c->xbuf.data, c->xbuf.len, on_field, on_record, c);
    failed = done != c->xbuf.len;
    if (c->rc)
        return c->rc;
    if (failed)
        return csv_recover(c, "syntax error");
    return 0;
}

/* Feed one piece of a line (ends with '\n' unless the input ends there). */
static int feed(struct ss_ctx *c, const char *p, size_t n)
{
    int blank = 1, failed = 0;
    for (size_t k = 0; k < n && blank; k++)
        blank = p[k] == '\n' || p[k] == '\r';
    int eol = p[n - 1] == '\n';
    if (c->skip_line) {
        c->skip_line = !eol;
        c->lineno += eol;
        return 0;
    }
    if (c->rec.len == 0 && blank) {
        c->lineno += eol;
        parse_bytes(c, p, n, &failed);
        return c->rc ? c->rc : failed ? csv_recover(c, "line") : 0;
    }
    if (c->rec.len == 0)
        c->rec_line = c->lineno + 1;
    if (!c->overlong && c->rec.len + n > SS_MAX_RECORD)
        c->overlong = 1;
    if (!c->overlong && vg_buf_append(&c->rec, p, n))
        return fatal(c, VG_ENOMEM, "out of memory");
    parse_bytes(c, p, n, &failed);
    c->lineno += eol;
    if (c->rc)
        return c->rc;
    if (failed) {
        if (!c->escaped && !c->overlong && has_backslash_quote(c))
            return eol ? retry_escaped(c) : (c->retry = 1, 0);
        c->skip_line = !eol;
        return csv_recover(c, "syntax error");
    }
    if (c->retry && eol)
        return retry_escaped(c);
    return 0;
}

/* ---- driver ------------------------------------------------------------- */

static int ss_parse(struct vg_input *in, const struct format_options *opt,
                    const struct format_sink *sink, struct vg_err *err)
{
    struct ss_ctx c;
    memset(&c, 0, sizeof c);
    c.file = vg_input_name(in);
    c.opt = opt;
    c.sink = sink;
    c.err = err;
    vg_arena_init(&c.arena, 16 * 1024);
    event_init(&c.ev);
    event_init(&c.probe);
    char *chunk = malloc(SS_CHUNK);
    int rc = 0;
    if (!chunk) {
        rc = vg_err_set(err, VG_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = csv_start(&c)))
        goto out;
    for (;;) {
        long got = vg_input_read(in, chunk, SS_CHUNK, err);
        if (got < 0) {
            rc = (int)got;
            goto out;
        }
        if (got == 0)
            break;
        const char *p = chunk, *end = chunk + got;
        while (p < end && !c.rc) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
            feed(&c, p, n);
            p += n;
        }
        if (c.rc)
            break;
    }
    /* the last line had no newline: finish it, in the \" dialect if it
     * asked for that (before or while libcsv flushes the last record) */
    for (int pass = 0; pass < 2 && !c.rc; pass++) {
        if (c.retry && retry_escaped(&c))
            break;
        if (csv_fini(&c.csv, on_field, on_record, &c) != 0 && !c.rc &&
            c.rec.len) {
            csv_recover(&c, "unterminated quoted field at end of input");
            break;
        }
        if (!c.retry)
            break;
    }
    rc = c.rc;
out:
    if (c.csv_ready)
        csv_free(&c.csv);
    free(chunk);
    free(c.foff);
    free(c.flen);
    vg_buf_free(&c.rec);
    vg_buf_free(&c.fbuf);
    vg_buf_free(&c.hdr_raw);
    vg_buf_free(&c.hdr_b64);
    vg_buf_free(&c.tmp);
    vg_buf_free(&c.b64);
    vg_buf_free(&c.xbuf);
    event_free(&c.ev);
    event_free(&c.probe);
    ss_schema_free(c.schema);
    vg_arena_free(&c.arena);
    return rc;
}

/* A Shadowserver report: a header row starting with the timestamp column,
 * ideally under a report file name. */
static int ss_detect(const char *name, const char *head, size_t len)
{
    char type[128];
    int score = 0;
    if (len >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
        head += 3, len -= 3;
    const char *nl = memchr(head, '\n', len);
    size_t ln = nl ? (size_t)(nl - head) : len;
    if ((ln > 12 && memcmp(head, "\"timestamp\",", 12) == 0) ||
        (ln > 10 && memcmp(head, "timestamp,", 10) == 0)) {
        score = 50;
        /* the column vocabulary of Shadowserver reports */
        static const char *cols[] = {
            "\"ip\"",  "\"src_ip\"",  "\"asn\"",
            "\"geo\"", "\"src_asn\"", "ip,",
            "asn,",    "geo,",        "\"http_referer_ip\""};
        for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++)
            if (memmem(head, ln, cols[k], strlen(cols[k]))) {
                score = 70;
                break;
            }
    }
    if (name && ss_type_from_filename(name, type, sizeof type) == 0 &&
        (ss_builtin_feed_name(type) || strncmp(type, "scan", 4) == 0 ||
         strncmp(type, "event", 5) == 0))
        score += score ? 25 : 10;
    return score > 100 ? 100 : score;
}

const struct format_driver format_shadowserver = {
    "shadowserver",
    "Shadowserver CSV reports (mapping from Shadowserver's IntelMQ schema)",
    ss_detect,
    ss_parse,
};
