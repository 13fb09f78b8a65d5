/*
 * records.c — one beacon as a CTIP Azure JSON line or a Shadowserver
 * event4_sinkhole CSV row, good or deliberately malformed.
 *
 * CTIP (Microsoft Cyber Threat Intelligence Program, "Azure" JSON-lines
 * delivery, as IntelMQ's parser_ctip documents it): keys in the order the
 * feed writes them; DateTimeReceivedUtc is an integer of NT ticks (100 ns
 * since 1601-01-01 UTC), exact for our microsecond times;
 * DateTimeReceivedUtcTxt is "Weekday Month DD YYYY HH:MM:SS.ffff";
 * SourceIpInfo is the vendor's own enrichment, which real feeds leave empty
 * or get stale often enough that vigil must not trust it (here: 40 % empty,
 * 20 % another host's, 40 % right); Payload is base64 of a small JSON object
 * (sinkhole style {"ts","ip","port","serverIp",...}, bot style
 * {"timestamp_utc","source_ip",...}), of text, or "AA==" (NULL).
 *
 * Shadowserver event4_sinkhole ("Sinkhole Events Report", IPv4): the
 * report's 30 columns in its order, strings quoted, numbers bare, empty
 * fields bare; timestamp "YYYY-MM-DD HH:MM:SS" UTC; src_region and src_city
 * in capitals as Shadowserver writes them, city often empty.
 *
 * Everything is formatted by hand into the caller's buffer: no printf, no
 * allocation; every string that comes from data was escaped once when it
 * was interned (strtab.c), so a record is a sequence of memcpy and integer
 * conversions.  The details of a record (ports, TLP, confidence, which
 * enrichment variant...) come from the 64 random bits the caller passes in.
 *
 * Malformed records are built to be rejected by any reasonable reader
 * whatever fallback it tries: a record without a usable time has no usable
 * text time either; a record without a source address has no address in
 * its payload; a truncated CSV row stops before src_port; binary garbage
 * has a NUL in its first bytes and never a newline (nor, in CSV, a quote
 * that could swallow the following rows).
 */
#include "sim/sim_int.h"

#include <string.h>

#define LIT(p, s) (memcpy((p), (s), sizeof(s) - 1), (p) + sizeof(s) - 1)

static inline char *put(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

static inline char *put_str(char *p, const struct sim_str *s)
{
    return put(p, s->json, s->json_len);
}

static char *put_u64(char *p, uint64_t v)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    char tmp[24];
    char *q = tmp + sizeof tmp;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        q -= 2;
        q[0] = pairs[2 * r];
        q[1] = pairs[2 * r + 1];
    }
    if (v >= 10) {
        q -= 2;
        q[0] = pairs[2 * v];
        q[1] = pairs[2 * v + 1];
    } else {
        *--q = (char)('0' + v);
    }
    size_t n = (size_t)(tmp + sizeof tmp - q);
    memcpy(p, q, n);
    return p + n;
}

static inline char *put_2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* "HH:MM:SS" of a time of day in microseconds. */
static char *put_hms(char *p, uint64_t t)
{
    unsigned s = (unsigned)(t / 1000000);
    p = put_2(p, s / 3600);
    *p++ = ':';
    p = put_2(p, s / 60 % 60);
    *p++ = ':';
    return put_2(p, s % 60);
}

/* Degrees * 1e4 as JSON, the way Python prints floats (48.2, 16.3667). */
static char *put_deg(char *p, int32_t v)
{
    if (v < 0) {
        *p++ = '-';
        v = -v;
    }
    p = put_u64(p, (uint64_t)(v / 10000));
    *p++ = '.';
    unsigned f = (unsigned)(v % 10000);
    char d[4] = {(char)('0' + f / 1000), (char)('0' + f / 100 % 10), (char)('0' + f / 10 % 10),
                 (char)('0' + f % 10)};
    int n = 4;
    while (n > 1 && d[n - 1] == '0')
        n--;
    return put(p, d, (size_t)n);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* RFC 4648 §4 base64 with padding. */
static char *put_base64(char *p, const unsigned char *s, size_t n)
{
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        p[0] = b64[v >> 18];
        p[1] = b64[(v >> 12) & 63];
        p[2] = b64[(v >> 6) & 63];
        p[3] = b64[v & 63];
        p += 4;
    }
    if (i < n) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
        p[0] = b64[v >> 18];
        p[1] = b64[(v >> 12) & 63];
        p[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        p[3] = '=';
        p += 4;
    }
    return p;
}

static const char *const weekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday"};
static const char *const months[] = {"January", "February", "March",     "April",
                                     "May",     "June",     "July",      "August",
                                     "September", "October", "November", "December"};

#define NT_EPOCH_S INT64_C(11644473600)

void sim_day_init(struct sim_day *d, int64_t day)
{
    int y;
    unsigned m, dd;
    memset(d, 0, sizeof *d);
    d->day = day;
    d->unix_s = day * 86400;
    d->ticks = (d->unix_s + NT_EPOCH_S) * INT64_C(10000000);
    vt_civil_from_days(day, &y, &m, &dd);
    vt_format_day(day, d->date);
    int64_t wd = (day + 4) % 7; /* 1970-01-01 was a Thursday */
    if (wd < 0)
        wd += 7;
    char *p = d->txt;
    p = put(p, weekdays[wd], strlen(weekdays[wd]));
    *p++ = ' ';
    p = put(p, months[m - 1], strlen(months[m - 1]));
    *p++ = ' ';
    p = put_2(p, dd);
    *p++ = ' ';
    p = put_u64(p, (uint64_t)y);
    *p++ = ' ';
    d->txt_len = (size_t)(p - d->txt);
}

/* Microsoft's DCU sinkholes (CTIP DestinationIp) and Shadowserver's (dst_*). */
static const char *const ms_sinkholes[] = {"131.253.18.11", "131.253.18.12", "199.2.137.20",
                                           "199.2.137.21", "204.95.99.59"};
static const struct {
    const char *ip;
    const char *asn;
    const char *geo, *region, *city;
} ss_sinkholes[] = {
    {"216.218.185.162", "6939", "US", "CALIFORNIA", "FREMONT"},
    {"184.105.192.2", "6939", "US", "CALIFORNIA", "FREMONT"},
    {"64.71.188.178", "6939", "US", "CALIFORNIA", "FREMONT"},
    {"82.165.37.26", "8560", "DE", "BADEN-WURTTEMBERG", "KARLSRUHE"},
    {"87.106.24.200", "8560", "DE", "BADEN-WURTTEMBERG", "KARLSRUHE"},
};

static const char *const user_agents[] = {
    "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.1; Trident/7.0)",
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/118.0.0.0 Safari/537.36"),
    "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:52.0) Gecko/20100101 Firefox/52.0",
    "Microsoft-CryptoAPI/10.0",
};

static const char *const conn_types[] = {"", "Cable/DSL", "Cellular", "Corporate"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* An address no reader may accept: an octet above 255, three octets or five. */
static char *put_ip_bad(char *p, const struct sim_host *h, uint64_t r)
{
    unsigned o[4] = {h->v4 >> 24, (h->v4 >> 16) & 255, (h->v4 >> 8) & 255, h->v4 & 255};
    unsigned variant = (unsigned)(r % 4), n = 4;
    if (variant == 0)
        o[0] += 256;
    else if (variant == 1)
        o[3] += 256;
    else if (variant == 2)
        n = 3;
    for (unsigned i = 0; i < n; i++) {
        if (i)
            *p++ = '.';
        p = put_u64(p, o[i]);
    }
    if (variant == 3) {
        *p++ = '.';
        p = put_u64(p, 1 + (r >> 8) % 200);
    }
    return p;
}

static uint32_t source_port(uint64_t r)
{
    /* Windows' dynamic ports (49152-65535) most of the time, else any. */
    if (r % 10 < 7)
        return 49152 + (uint32_t)((r >> 8) % 16384);
    return 1024 + (uint32_t)((r >> 8) % 48128);
}

static uint32_t encounters(uint64_t r)
{
    uint32_t x = (uint32_t)(r % 1000), y = (uint32_t)(r >> 10);
    if (x < 600)
        return 1;
    if (x < 850)
        return 2 + y % 3;
    if (x < 970)
        return 5 + y % 16;
    return 21 + y % 280;
}

/* "DESKTOP-XXXXXXX" and a bot id, stable per host. */
static char *put_computer(char *p, uint32_t v4)
{
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    uint64_t x = sim_mix(v4 ^ UINT64_C(0xc0ffee));
    p = LIT(p, "DESKTOP-");
    for (int i = 0; i < 7; i++, x /= 36)
        *p++ = alnum[x % 36];
    return p;
}

static char *put_botid(char *p, uint32_t v4)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t x = sim_mix(v4 ^ UINT64_C(0xb07));
    for (int i = 0; i < 16; i++, x >>= 4)
        *p++ = hex[x & 15];
    return p;
}

static char *put_ip(char *p, const struct sim_host *h)
{
    return put(p, h->ip, h->iplen);
}

/* Payload.ts: Unix seconds as a Python float prints them. */
static char *put_ts(char *p, const struct sim_day *d, uint64_t t)
{
    p = put_u64(p, (uint64_t)d->unix_s + t / 1000000);
    *p++ = '.';
    unsigned us = (unsigned)(t % 1000000);
    char f[6];
    for (int i = 5; i >= 0; i--, us /= 10)
        f[i] = (char)('0' + us % 10);
    int n = 6;
    while (n > 1 && f[n - 1] == '0')
        n--;
    return put(p, f, (size_t)n);
}

static char *put_payload(char *p, const struct sim_run *run, const struct sim_day *d,
                         const struct sim_inf *in, const struct sim_host *h, uint64_t t,
                         uint32_t sport, const char *dst, uint64_t r, int no_address)
{
    const struct sim_family *f = &sim_families[in->fam];
    const struct sim_family_rt *fr = &run->fam[in->fam];
    unsigned char js[1024];
    char *q = (char *)js;
    int style = no_address ? SIM_PAYLOAD_NULL : f->payload;
    switch (style) {
    case SIM_PAYLOAD_SINKHOLE:
        q = LIT(q, "{\"ts\":");
        q = put_ts(q, d, t);
        q = LIT(q, ",\"ip\":\"");
        q = put_ip(q, h);
        q = LIT(q, "\",\"port\":");
        q = put_u64(q, sport);
        q = LIT(q, ",\"serverIp\":\"");
        q = put(q, dst, strlen(dst));
        q = LIT(q, "\",\"serverPort\":");
        q = put_u64(q, f->port);
        if (fr->domain.raw_len) {
            q = LIT(q, ",\"domain\":");
            q = put_str(q, &fr->domain);
        }
        q = LIT(q, ",\"family\":");
        q = put_str(q, &fr->ss_family);
        q = LIT(q, ",\"malware\":{},\"response\":\"");
        q = r % 3 ? LIT(q, "HttpOk") : LIT(q, "Response");
        q = LIT(q, "\",\"handler\":");
        q = put_str(q, &fr->handler);
        q = LIT(q, ",\"type\":\"Http\"}");
        break;
    case SIM_PAYLOAD_BOT:
        q = LIT(q, "{\"timestamp_utc\":\"");
        q = put(q, d->date, 10);
        *q++ = 'T';
        q = put_hms(q, t);
        q = LIT(q, "\",\"source_ip\":\"");
        q = put_ip(q, h);
        q = LIT(q, "\",\"source_port\":\"");
        q = put_u64(q, sport);
        q = LIT(q, "\",\"destination_ip\":\"");
        q = put(q, dst, strlen(dst));
        q = LIT(q, "\",\"destination_port\":\"");
        q = put_u64(q, f->port);
        q = LIT(q, "\",\"computer_name\":\"");
        q = put_computer(q, h->v4);
        q = LIT(q, "\",\"bot_id\":\"");
        q = put_botid(q, h->v4);
        q = LIT(q, "\"}");
        break;
    case SIM_PAYLOAD_TEXT:
        q = LIT(q, "GET /");
        q = put(q, fr->handler.raw, fr->handler.raw_len);
        q = LIT(q, ".php?id=");
        q = put_botid(q, h->v4);
        q = LIT(q, " HTTP/1.1");
        break;
    default:
        return LIT(p, "AA==");
    }
    return put_base64(p, js, (size_t)(q - (char *)js));
}

static char *put_ctip_info(char *p, const struct sim_run *run, const struct sim_host *h,
                           uint64_t r)
{
    unsigned mode = (unsigned)(r % 10);
    if (mode < 4)
        return LIT(p, "\"SourceIpInfo\":{\"SourceIpAsnNumber\":\"\",\"SourceIpAsnOrgName\":\"\","
                      "\"SourceIpCountryCode\":\"\",\"SourceIpRegion\":\"\",\"SourceIpCity\":\"\","
                      "\"SourceIpPostalCode\":\"\",\"SourceIpLatitude\":0,"
                      "\"SourceIpLongitude\":0,\"SourceIpMetroCode\":0,\"SourceIpAreaCode\":0,"
                      "\"SourceIpConnectionType\":\"\"},");
    if (mode >= 8) /* stale: what the vendor knew about some other address */
        h = &run->hosts[sim_mulhi(sim_mix(r), run->nhosts)];
    p = LIT(p, "\"SourceIpInfo\":{\"SourceIpAsnNumber\":\"");
    p = put_u64(p, h->asn);
    p = LIT(p, "\",\"SourceIpAsnOrgName\":");
    p = put_str(p, &run->orgs.v[h->org]);
    p = LIT(p, ",\"SourceIpCountryCode\":\"");
    p = put(p, run->cfg->country, 2);
    p = LIT(p, "\",\"SourceIpRegion\":");
    p = put_str(p, &run->regions.v[h->region]);
    p = LIT(p, ",\"SourceIpCity\":");
    p = put_str(p, &run->cities.v[h->city]);
    p = LIT(p, ",\"SourceIpPostalCode\":\"\",\"SourceIpLatitude\":");
    p = h->has_latlon ? put_deg(p, h->lat) : LIT(p, "0");
    p = LIT(p, ",\"SourceIpLongitude\":");
    p = h->has_latlon ? put_deg(p, h->lon) : LIT(p, "0");
    p = LIT(p, ",\"SourceIpMetroCode\":0,\"SourceIpAreaCode\":0,\"SourceIpConnectionType\":\"");
    p = put(p, conn_types[h->conn], strlen(conn_types[h->conn]));
    return LIT(p, "\"},");
}

static char *put_binary(char *p, uint64_t r, int csv)
{
    struct sim_rng g = {r};
    size_t n = 16 + sim_below(&g, 185), nul = sim_below(&g, 8);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)sim_next(&g);
        if (i == nul)
            c = 0;
        else if (c == '\n' || c == '\r' || (csv && c == '"'))
            c = 0xff;
        *p++ = (char)c;
    }
    *p++ = '\n';
    return p;
}

char *sim_ctip_write(char *p, const struct sim_run *run, const struct sim_day *d,
                     const struct sim_ev *ev, uint64_t attr, enum sim_bad bad)
{
    if (bad == SIM_BAD_BINARY)
        return put_binary(p, attr, 0);
    char *line = p;
    const struct sim_inf *in = &run->inf[ev->inf];
    const struct sim_host *h = &run->hosts[in->host];
    const struct sim_family *f = &sim_families[in->fam];
    const struct sim_family_rt *fr = &run->fam[in->fam];
    uint64_t a = attr, b = sim_mix(attr + UINT64_C(0x632be59bd9b4e019));
    uint64_t t = ev->t;
    uint32_t sport = source_port(b >> 16);
    const char *dst = ms_sinkholes[(in->fam + (a >> 60)) % N(ms_sinkholes)];

    p = LIT(p, "{\"DataFeed\":\"CTIP-Infected\",\"SourcedFrom\":\"");
    p = (a & 7) == 0 ? LIT(p, "SensorMessage\",") : LIT(p, "SinkHoleMessage\",");
    if (bad == SIM_BAD_TIME) {
        switch ((a >> 3) % 5) {
        case 0: /* no time at all */
            break;
        case 1:
            p = LIT(p, "\"DateTimeReceivedUtc\":0,\"DateTimeReceivedUtcTxt\":"
                       "\"Monday January 01 1601 00:00:00.0000\",");
            break;
        case 2:
            p = LIT(p, "\"DateTimeReceivedUtc\":\"N/A\",\"DateTimeReceivedUtcTxt\":\"N/A\",");
            break;
        case 3:
            p = LIT(p, "\"DateTimeReceivedUtc\":-");
            p = put_u64(p, (uint64_t)d->ticks + t * 10);
            p = LIT(p, ",\"DateTimeReceivedUtcTxt\":\"\",");
            break;
        default: /* the year 10000 */
            p = LIT(p, "\"DateTimeReceivedUtc\":");
            p = put_u64(p, UINT64_C(2650467744000000000) + t * 10);
            p = LIT(p, ",\"DateTimeReceivedUtcTxt\":\"Saturday January 01 10000 ");
            p = put_hms(p, t);
            p = LIT(p, ".0000\",");
            break;
        }
    } else {
        p = LIT(p, "\"DateTimeReceivedUtc\":");
        p = put_u64(p, (uint64_t)d->ticks + t * 10);
        p = LIT(p, ",\"DateTimeReceivedUtcTxt\":\"");
        p = put(p, d->txt, d->txt_len);
        p = put_hms(p, t);
        *p++ = '.';
        unsigned frac = (unsigned)(t % 1000000 / 100);
        p = put_2(p, frac / 100);
        p = put_2(p, frac % 100);
        p = LIT(p, "\",");
    }
    p = LIT(p, "\"Malware\":");
    p = put_str(p, &fr->malware);
    p = LIT(p, ",\"ThreatCode\":");
    p = put_str(p, &fr->threat_code);
    unsigned conf = (unsigned)((a >> 8) % 20);
    p = conf < 9    ? LIT(p, ",\"ThreatConfidence\":\"High\"")
        : conf < 14 ? LIT(p, ",\"ThreatConfidence\":\"Medium\"")
        : conf < 19 ? LIT(p, ",\"ThreatConfidence\":\"Low\"")
                    : LIT(p, ",\"ThreatConfidence\":\"Informational\"");
    p = LIT(p, ",\"TotalEncounters\":");
    p = put_u64(p, encounters(a >> 13));
    unsigned tlp = (unsigned)((a >> 33) % 100);
    p = tlp < 52   ? LIT(p, ",\"TLP\":\"Amber\",")
        : tlp < 78 ? LIT(p, ",\"TLP\":\"Green\",")
        : tlp < 88 ? LIT(p, ",\"TLP\":\"Unknown\",")
        : tlp < 96 ? LIT(p, ",\"TLP\":\"YELLOW\",")
                   : LIT(p, ",\"TLP\":\"Red\",");
    if (bad == SIM_BAD_ADDRESS) {
        p = LIT(p, "\"SourceIp\":\"");
        p = put_ip_bad(p, h, a >> 40);
        p = LIT(p, "\",");
    } else if (bad == SIM_BAD_NO_ADDRESS) {
        if ((a >> 40) & 1)
            p = LIT(p, "\"SourceIp\":\"\",");
    } else {
        p = LIT(p, "\"SourceIp\":\"");
        p = put_ip(p, h);
        p = LIT(p, "\",");
    }
    p = LIT(p, "\"SourcePort\":");
    p = put_u64(p, sport);
    p = LIT(p, ",\"DestinationIp\":\"");
    p = put(p, dst, strlen(dst));
    p = LIT(p, "\",\"DestinationPort\":");
    p = put_u64(p, f->port);
    if ((a >> 41) & 1) { /* the deprecated Target* pair, in older deliveries */
        p = LIT(p, ",\"TargetIp\":\"");
        p = put(p, dst, strlen(dst));
        p = LIT(p, "\",\"TargetPort\":");
        p = put_u64(p, f->port);
    }
    *p++ = ',';
    p = put_ctip_info(p, run, h, a >> 42);
    if (f->http && (b & 3) == 0) {
        p = LIT(p, "\"HttpInfo\":{\"HttpHost\":");
        p = put_str(p, &fr->domain);
        p = LIT(p, ",\"HttpRequest\":\"/");
        p = put(p, fr->handler.raw, fr->handler.raw_len);
        p = (b >> 2) & 1 ? LIT(p, ".php\",\"HttpMethod\":\"POST\"")
                         : LIT(p, "/index.html\",\"HttpMethod\":\"GET\"");
        p = LIT(p, ",\"HttpReferrer\":\"\",\"HttpUserAgent\":\"");
        const char *ua = user_agents[(b >> 3) % N(user_agents)];
        p = put(p, ua, strlen(ua));
        p = LIT(p, "\",\"HttpVersion\":\"HTTP/1.1\"},");
    } else {
        p = LIT(p, "\"HttpInfo\":{\"HttpHost\":\"\",\"HttpRequest\":\"\",\"HttpMethod\":\"\","
                   "\"HttpReferrer\":\"\",\"HttpUserAgent\":\"\",\"HttpVersion\":\"\"},");
    }
    p = LIT(p, "\"CustomInfo\":{\"CustomField1\":");
    if (f->payload == SIM_PAYLOAD_BOT) {
        *p++ = '"';
        p = put_botid(p, h->v4);
        p = LIT(p, "\",\"CustomField2\":\"");
        p = put_computer(p, h->v4);
        *p++ = '"';
    } else {
        p = put_str(p, &fr->custom1);
        p = LIT(p, ",\"CustomField2\":\"\"");
    }
    p = LIT(p, ",\"CustomField3\":\"\",\"CustomField4\":\"\",\"CustomField5\":\"\"},"
               "\"Payload\":\"");
    p = put_payload(p, run, d, in, h, t, sport, dst, b >> 8, bad == SIM_BAD_NO_ADDRESS);
    p = LIT(p, "\"}\n");
    if (bad == SIM_BAD_TRUNCATED) {
        size_t len = (size_t)(p - line) - 1; /* without the newline */
        size_t cut = 1 + (size_t)sim_mulhi(b, len - 1);
        p = line + cut;
        *p++ = '\n';
    }
    return p;
}

const char sim_shadowserver_header[] =
    "\"timestamp\",\"protocol\",\"src_ip\",\"src_port\",\"src_asn\",\"src_geo\",\"src_region\","
    "\"src_city\",\"src_hostname\",\"src_naics\",\"src_sector\",\"device_vendor\","
    "\"device_type\",\"device_model\",\"dst_ip\",\"dst_port\",\"dst_asn\",\"dst_geo\","
    "\"dst_region\",\"dst_city\",\"dst_hostname\",\"dst_naics\",\"dst_sector\","
    "\"public_source\",\"infection\",\"family\",\"tag\",\"application\",\"version\","
    "\"event_id\"\n";

static const char *const public_sources[] = {"", "", "", "eset", "cert-pl", "shadowserver"};

static char *put_csv(char *p, const char *s)
{
    /* our own constant strings: never a quote inside */
    size_t n = strlen(s);
    if (n == 0)
        return p;
    *p++ = '"';
    p = put(p, s, n);
    *p++ = '"';
    return p;
}

char *sim_shadowserver_write(char *p, const struct sim_run *run, const struct sim_day *d,
                             const struct sim_ev *ev, uint64_t attr, enum sim_bad bad)
{
    if (bad == SIM_BAD_BINARY)
        return put_binary(p, attr, 1);
    const struct sim_inf *in = &run->inf[ev->inf];
    const struct sim_host *h = &run->hosts[in->host];
    const struct sim_family *f = &sim_families[in->fam];
    const struct sim_family_rt *fr = &run->fam[in->fam];
    uint64_t a = attr, b = sim_mix(attr + UINT64_C(0x2545f4914f6cdd1d));
    uint64_t t = ev->t;

    char *col[3]; /* ends of the first three columns */
    if (bad == SIM_BAD_TIMESTAMP) {
        switch ((a >> 3) % 5) {
        case 0: /* month 13 */
            *p++ = '"';
            p = put(p, d->date, 5);
            p = LIT(p, "13");
            p = put(p, d->date + 7, 3);
            *p++ = ' ';
            p = put_hms(p, t);
            *p++ = '"';
            break;
        case 1: /* hour 24 and beyond */
            *p++ = '"';
            p = put(p, d->date, 10);
            *p++ = ' ';
            p = put_2(p, 24 + (unsigned)(t % 6));
            p = LIT(p, ":00:00\"");
            break;
        case 2: /* February 30th */
            *p++ = '"';
            p = put(p, d->date, 5);
            p = LIT(p, "02-30 ");
            p = put_hms(p, t);
            *p++ = '"';
            break;
        case 3:
            p = LIT(p, "\"not a time\"");
            break;
        default: /* empty: a required column missing */
            break;
        }
    } else {
        *p++ = '"';
        p = put(p, d->date, 10);
        *p++ = ' ';
        p = put_hms(p, t);
        *p++ = '"';
    }
    col[0] = p;
    p = f->udp ? LIT(p, ",\"udp\"") : LIT(p, ",\"tcp\"");
    col[1] = p;
    p = LIT(p, ",\"");
    p = bad == SIM_BAD_ADDRESS ? put_ip_bad(p, h, a >> 40) : put_ip(p, h);
    *p++ = '"';
    col[2] = p;
    if (bad == SIM_BAD_COLUMNS) {
        /* the row stops before src_port, a required column */
        p = col[(a >> 20) % 3];
        *p++ = '\n';
        return p;
    }
    *p++ = ',';
    p = put_u64(p, source_port(b >> 16));
    *p++ = ',';
    unsigned mode = (unsigned)((a >> 42) % 10);
    const struct sim_host *g = h;
    if (mode == 1)
        g = &run->hosts[sim_mulhi(sim_mix(a), run->nhosts)];
    if (mode == 0) {
        p = LIT(p, ",,,");
    } else {
        p = put_u64(p, g->asn);
        *p++ = ',';
        *p++ = '"';
        p = put(p, run->cfg->country, 2);
        *p++ = '"';
        *p++ = ',';
        const struct sim_str *reg = &run->regions.v[g->region];
        p = put(p, reg->csv, reg->csv_len);
        *p++ = ',';
        if ((b >> 40) & 1) {
            const struct sim_str *city = &run->cities.v[g->city];
            p = put(p, city->csv, city->csv_len);
        }
    }
    /* src_hostname, src_naics, src_sector, device_vendor, device_type, device_model */
    p = LIT(p, ",,,,,,,\"");
    unsigned sink = (unsigned)((in->fam + (a >> 58)) % N(ss_sinkholes));
    p = put(p, ss_sinkholes[sink].ip, strlen(ss_sinkholes[sink].ip));
    p = LIT(p, "\",");
    p = put_u64(p, f->port);
    *p++ = ',';
    p = put(p, ss_sinkholes[sink].asn, strlen(ss_sinkholes[sink].asn));
    *p++ = ',';
    p = put_csv(p, ss_sinkholes[sink].geo);
    *p++ = ',';
    p = put_csv(p, ss_sinkholes[sink].region);
    *p++ = ',';
    p = put_csv(p, ss_sinkholes[sink].city);
    /* dst_hostname, dst_naics, dst_sector */
    p = LIT(p, ",,,,");
    p = put_csv(p, public_sources[(b >> 44) % N(public_sources)]);
    *p++ = ',';
    p = put(p, fr->infection.csv, fr->infection.csv_len);
    *p++ = ',';
    p = put(p, fr->ss_family.csv, fr->ss_family.csv_len);
    *p++ = ',';
    p = put(p, fr->tag.csv, fr->tag.csv_len);
    *p++ = ',';
    if (f->port == 80 || f->port == 8080)
        p = LIT(p, "\"http\"");
    else if (f->port == 443)
        p = LIT(p, "\"https\"");
    p = LIT(p, ",,\n");
    return p;
}
