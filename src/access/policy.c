/*
 * policy.c — TLP labels, scopes and access_may_read (see policy.h for the
 * rules and their grounds in TLP 2.0).
 *
 * The rules are one table, rule[role][label], of three answers: never,
 * always, or inside the reader's scope.  Scopes are small (a handful of
 * countries, ASNs, prefixes): linear scans beat any index at that size.
 */
#include "access/policy.h"
#include "core/err.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum answer { NEVER = 0, ALWAYS, INSIDE };

static const unsigned char rule[ROLE_COUNT][TLP_COUNT] = {
    /*                CLEAR   GREEN   AMBER   AMBER+STRICT RED */
    [ROLE_PROVIDER] = {ALWAYS, ALWAYS, INSIDE, INSIDE, INSIDE},
    [ROLE_MEMBER] = {ALWAYS, ALWAYS, INSIDE, INSIDE, INSIDE},
    [ROLE_CONSTITUENT] = {ALWAYS, ALWAYS, INSIDE, INSIDE, NEVER},
    [ROLE_PUBLIC] = {ALWAYS, NEVER, NEVER, NEVER, NEVER},
};

static const char *const role_names[ROLE_COUNT] = {"provider", "member", "constituent",
                                                   "public"};

enum tlp_level tlp_of_record(const char *s)
{
    enum tlp_level t = s ? tlp_parse(s, strlen(s)) : TLP_NONE;
    return t == TLP_NONE ? TLP_AMBER : t;
}

const char *access_role_name(enum access_role r)
{
    return (unsigned)r < ROLE_COUNT ? role_names[r] : "?";
}

int access_role_parse(const char *s)
{
    for (int k = 0; s && k < ROLE_COUNT; k++)
        if (strcmp(s, role_names[k]) == 0)
            return k;
    return -1;
}

/* ---- scopes ---------------------------------------------------------------- */

void access_scope_free(struct access_scope *s)
{
    if (!s)
        return;
    for (size_t k = 0; k < s->ndomains; k++)
        free(s->domains[k]);
    for (size_t k = 0; k < s->nfeeds; k++)
        free(s->feeds[k]);
    free(s->countries);
    free(s->asns);
    free(s->prefixes);
    free(s->domains);
    free(s->feeds);
    memset(s, 0, sizeof *s);
}

static int say(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int say(char *msg, size_t len, const char *fmt, ...)
{
    va_list ap;
    if (msg && len) {
        va_start(ap, fmt);
        vsnprintf(msg, len, fmt, ap);
        va_end(ap);
    }
    return VG_EUSAGE;
}

/* Grow *arr (of n elements of size sz) by one; NULL when out of memory. */
static void *push(void *arrp, size_t *n, size_t sz)
{
    void **arr = arrp;
    void *na = realloc(*arr, (*n + 1) * sz);
    if (!na)
        return NULL;
    *arr = na;
    return (char *)na + (*n)++ * sz;
}

int access_scope_add_country(struct access_scope *s, const char *cc, char *msg, size_t msglen)
{
    if (!cc || strlen(cc) != 2 || !isalpha((unsigned char)cc[0]) ||
        !isalpha((unsigned char)cc[1]))
        return say(msg, msglen, "'%.40s' is not a two-letter country code", cc ? cc : "");
    char up[3] = {(char)toupper((unsigned char)cc[0]), (char)toupper((unsigned char)cc[1]), 0};
    for (size_t k = 0; k < s->ncountries; k++)
        if (strcmp(s->countries[k], up) == 0)
            return 0;
    char(*slot)[3] = push(&s->countries, &s->ncountries, sizeof *s->countries);
    if (!slot)
        return VG_ENOMEM;
    memcpy(*slot, up, 3);
    return 0;
}

int access_scope_add_asn(struct access_scope *s, const char *asn, char *msg, size_t msglen)
{
    const char *p = asn ? asn : "";
    if ((p[0] == 'A' || p[0] == 'a') && (p[1] == 'S' || p[1] == 's'))
        p += 2;
    char *end;
    unsigned long long v = (*p >= '1' && *p <= '9') ? strtoull(p, &end, 10) : 0;
    if (!v || *end || v > UINT32_MAX)
        return say(msg, msglen, "'%.40s' is not an AS number", asn ? asn : "");
    for (size_t k = 0; k < s->nasns; k++)
        if (s->asns[k] == v)
            return 0;
    uint32_t *slot = push(&s->asns, &s->nasns, sizeof *s->asns);
    if (!slot)
        return VG_ENOMEM;
    *slot = (uint32_t)v;
    return 0;
}

int access_scope_add_prefix(struct access_scope *s, const char *cidr, char *msg, size_t msglen)
{
    const char *slash = cidr ? strchr(cidr, '/') : NULL;
    size_t alen = cidr ? (slash ? (size_t)(slash - cidr) : strlen(cidr)) : 0;
    struct ip_addr a;
    if (!cidr || ip_parse(cidr, alen, &a))
        return say(msg, msglen, "'%.60s' is not an address or CIDR prefix", cidr ? cidr : "");
    int v4 = ip_is_v4(&a);
    unsigned max = v4 ? 32 : 128, bits = max;
    if (slash) {
        char *end;
        const char *b = slash + 1;
        unsigned long n = (*b >= '0' && *b <= '9') ? strtoul(b, &end, 10) : 999;
        if (n > max || *end || end - b > 3)
            return say(msg, msglen, "'%.60s': the prefix length is out of range", cidr);
        bits = (unsigned)n;
    }
    /* in the 16-byte form an IPv4 prefix of b bits is an IPv6 one of 96+b */
    unsigned total = v4 ? 96 + bits : bits;
    struct access_prefix p = {a, a, bits};
    for (unsigned k = 0; k < 128; k++) {
        if (k < total)
            continue;
        uint8_t bit = (uint8_t)(0x80u >> (k % 8));
        p.lo.b[k / 8] &= (uint8_t)~bit;
        p.hi.b[k / 8] |= bit;
    }
    if (ip_cmp(&p.lo, &a) != 0)
        return say(msg, msglen, "'%.60s' has host bits set beyond its prefix length", cidr);
    for (size_t k = 0; k < s->nprefixes; k++)
        if (ip_cmp(&s->prefixes[k].lo, &p.lo) == 0 && ip_cmp(&s->prefixes[k].hi, &p.hi) == 0)
            return 0;
    struct access_prefix *slot = push(&s->prefixes, &s->nprefixes, sizeof *s->prefixes);
    if (!slot)
        return VG_ENOMEM;
    *slot = p;
    return 0;
}

/* A domain name as a scope holds it: lower case, no trailing dot, labels
 * of letters, digits, '-' and '_' (RFC 1035 §2.3.1, with the underscore
 * that service names use). */
static char *domain_norm(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n && name[n - 1] == '.')
        n--;
    if (n == 0 || n > 253)
        return NULL;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t label = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)tolower((unsigned char)name[k]);
        if (c == '.') {
            if (label == 0)
                goto bad;
            label = 0;
        } else if (isalnum(c) || c == '-' || c == '_') {
            if (++label > 63)
                goto bad;
        } else {
            goto bad;
        }
        out[k] = (char)c;
    }
    if (label == 0)
        goto bad;
    out[n] = '\0';
    return out;
bad:
    free(out);
    return NULL;
}

static int add_string(char ***arr, size_t *n, char *owned)
{
    for (size_t k = 0; k < *n; k++)
        if (strcmp((*arr)[k], owned) == 0) {
            free(owned);
            return 0;
        }
    char **slot = push(arr, n, sizeof **arr);
    if (!slot) {
        free(owned);
        return VG_ENOMEM;
    }
    *slot = owned;
    return 0;
}

int access_scope_add_domain(struct access_scope *s, const char *name, char *msg, size_t msglen)
{
    char *d = domain_norm(name);
    if (!d)
        return say(msg, msglen, "'%.60s' is not a domain name", name ? name : "");
    return add_string(&s->domains, &s->ndomains, d);
}

int access_scope_add_feed(struct access_scope *s, const char *feed, char *msg, size_t msglen)
{
    size_t n = feed ? strlen(feed) : 0;
    if (n == 0 || n > 200)
        return say(msg, msglen, "'%.60s' is not a feed name", feed ? feed : "");
    char *d = strdup(feed);
    return d ? add_string(&s->feeds, &s->nfeeds, d) : VG_ENOMEM;
}

int access_scope_merge(struct access_scope *to, const struct access_scope *from)
{
    int rc = 0;
    char cc[3];
    for (size_t k = 0; k < from->ncountries && !rc; k++) {
        memcpy(cc, from->countries[k], 3);
        rc = access_scope_add_country(to, cc, NULL, 0);
    }
    for (size_t k = 0; k < from->nasns && !rc; k++) {
        uint32_t *slot = push(&to->asns, &to->nasns, sizeof *to->asns);
        if (!slot)
            return VG_ENOMEM;
        *slot = from->asns[k];
    }
    for (size_t k = 0; k < from->nprefixes && !rc; k++) {
        struct access_prefix *slot = push(&to->prefixes, &to->nprefixes, sizeof *to->prefixes);
        if (!slot)
            return VG_ENOMEM;
        *slot = from->prefixes[k];
    }
    for (size_t k = 0; k < from->ndomains && !rc; k++)
        rc = access_scope_add_domain(to, from->domains[k], NULL, 0);
    for (size_t k = 0; k < from->nfeeds && !rc; k++)
        rc = access_scope_add_feed(to, from->feeds[k], NULL, 0);
    return rc;
}

int access_scope_empty(const struct access_scope *s)
{
    return !s->ncountries && !s->nasns && !s->nprefixes && !s->ndomains && !s->nfeeds;
}

/* ---- subjects ------------------------------------------------------------- */

void access_subject_anonymous(struct access_subject *s)
{
    memset(s, 0, sizeof *s);
    s->role = ROLE_PUBLIC;
    s->org_id = 0;
    s->org_name = NULL;
}

void access_subject_operator(struct access_subject *s)
{
    memset(s, 0, sizeof *s);
    s->operator = 1;
    s->role = ROLE_PROVIDER;
}

void access_subject_release(struct access_subject *s)
{
    if (!s)
        return;
    access_scope_free(&s->own);
    access_scope_free(&s->clients);
}

/* ---- the decision ------------------------------------------------------------ */

/* name is d itself or a subdomain of d. */
static int domain_in(const char *name, const char *d)
{
    size_t n = strlen(name), m = strlen(d);
    if (n && name[n - 1] == '.')
        n--;
    if (n < m || strncasecmp(name + n - m, d, m) != 0)
        return 0;
    return n == m || name[n - m - 1] == '.';
}

/* Does r fall in the geographic / network part of scope s? */
static int in_scope(const struct access_scope *s, const struct access_record *r)
{
    if (r->cc)
        for (size_t k = 0; k < s->ncountries; k++)
            if (strcmp(s->countries[k], r->cc) == 0)
                return 1;
    if (r->asn)
        for (size_t k = 0; k < s->nasns; k++)
            if (s->asns[k] == r->asn)
                return 1;
    if (r->ip)
        for (size_t k = 0; k < s->nprefixes; k++)
            if (ip_cmp(r->ip, &s->prefixes[k].lo) >= 0 && ip_cmp(r->ip, &s->prefixes[k].hi) <= 0)
                return 1;
    if (r->domain && *r->domain)
        for (size_t k = 0; k < s->ndomains; k++)
            if (domain_in(r->domain, s->domains[k]))
                return 1;
    return 0;
}

static int inside(const struct access_subject *s, const struct access_record *r)
{
    if (s->role == ROLE_PROVIDER) {
        if (!s->own.nfeeds)
            return 1; /* the source of every feed */
        for (size_t k = 0; r->feed && k < s->own.nfeeds; k++)
            if (strcmp(s->own.feeds[k], r->feed) == 0)
                return 1;
        return 0;
    }
    if (in_scope(&s->own, r))
        return 1;
    return s->role == ROLE_MEMBER && in_scope(&s->clients, r);
}

int access_may_read(const struct access_subject *s, const struct access_record *r)
{
    if (s->operator)
        return 1;
    if ((unsigned)s->role >= ROLE_COUNT)
        return 0;
    switch (rule[s->role][tlp_of_record(r->tlp)]) {
    case ALWAYS: return 1;
    case INSIDE: return inside(s, r);
    default: return 0;
    }
}

int access_decides_without_address(const struct access_subject *s)
{
    if (s->operator || s->role == ROLE_PROVIDER || s->role == ROLE_PUBLIC)
        return 1;
    return !s->own.nprefixes && !s->own.ndomains &&
           (s->role != ROLE_MEMBER || (!s->clients.nprefixes && !s->clients.ndomains));
}

int access_reads_all(const struct access_subject *s)
{
    return s->operator || (s->role == ROLE_PROVIDER && !s->own.nfeeds);
}
