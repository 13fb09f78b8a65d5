/*
 * ctip.c — the Microsoft CTIP (Cyber Threat Intelligence Program) driver.
 *
 * CTIP reaches a member CERT in two shapes:
 *
 *  (a) Azure ("ctip-infected-summary", "ctip-c2"): JSON lines, one object
 *      per line: DataFeed, SourcedFrom, DateTimeReceivedUtc (Windows NT
 *      ticks: 100 ns since 1601-01-01 UTC), ThreatCode, ThreatConfidence,
 *      TLP, SourceIp/Port, DestinationIp/Port, the nested objects
 *      SourceIpInfo, DestinationIpInfo, HttpInfo, CustomInfo, Signatures,
 *      and Payload — usually base64 of a JSON object, sometimes the JSON
 *      object itself (as an object or as an escaped string), sometimes
 *      base64 of plain text.
 *  (b) Interflow v1.5: one JSON array of lower-case-keyed objects
 *      (indicatorthreattype, networksourceipv4, firstreporteddatetime...).
 *
 * The field mapping is IntelMQ's parser
 * intelmq/bots/parsers/microsoft/parser_ctip.py (certtools/intelmq), 3.x:
 * the newest copy readable here (its AZURE/INTERFLOW tables, 3.0.x) plus
 * the later changes its CHANGELOG and docs record and its own tests at
 * commit d5e3e41 pin down (the TRANSCRIBED expectations in the shared
 * samples): Payload.domain -> destination.fqdn (unless it only repeats
 * Payload.serverIp), SourceIpConnectionType -> extra.source.connection_type,
 * SourceIpv4Int ignored, TLP "Unknown" dropped and YELLOW read as AMBER,
 * a Payload that is JSON without base64, unknown payload keys kept as
 * extra.payload.<key>, and the `overwrite` parameter.  So: the same
 * harmonised fields and extra.* names, ThreatConfidence
 * High/Medium/Low/Informational -> feed.accuracy 100/50/20/10 (Interflow:
 * confidence), classification.type infected-system, malware.name the
 * lower-cased ThreatCode (Interflow: externalid), Payload.type ->
 * protocol.application, Payload.ts -> extra.payload.timestamp,
 * DateTimeReceivedUtcTxt ignored, Python-falsy values (0, "", {}, null...)
 * and IntelMQ's ignored values ("-", "N/A") skipped, feed.name from
 * DataFeed unless a feed name is given (IntelMQ's overwrite=false), raw =
 * base64 of the record as IntelMQ recovers it (the line itself; for an
 * Interflow element Python's json.dumps([element]), re-created byte for
 * byte: ", " and ": " separators, ASCII-only escapes, float repr).
 * Nested objects are flattened one level in the order they appear (IntelMQ
 * sets the line's scalars first, but no scalar shares a field with a
 * nested member, so the result is the same); later values overwrite
 * earlier ones, and a key repeated in one object counts once, with its
 * last value, as in Python's dict.

 * Deliberate differences from IntelMQ (vigil's rules):
 *  - source.ip comes only from SourceIp (Interflow: networksourceipv4) and
 *    time.source only from DateTimeReceivedUtc (Interflow:
 *    firstreporteddatetime).  A record without a usable one is rejected
 *    with the reason; there is no fallback to the payload, to
 *    DateTimeReceivedUtcTxt or to the time of ingest.
 *  - NT ticks are converted exactly (integer arithmetic, truncated to the
 *    microsecond): 132348340630510000 is ...:43.051000, where IntelMQ's
 *    float arithmetic gives ...:43.050999.
 *  - Where IntelMQ would fail the whole line on an unexpected value, vigil
 *    keeps the record and the value: unknown keys go to extra.<snake_case
 *    name> (payload keys to extra.payload.<key>), an unknown
 *    ThreatConfidence word to extra.threat_confidence, a Payload.domain
 *    that is no domain name to extra.payload.domain, an ASN of 0 (unknown)
 *    is dropped, Payload.Protocol without '/' becomes protocol.application
 *    whole, a payload that decodes to JSON other than an object is kept as
 *    text.  An unknown TLP word still rejects the record: a sharing label
 *    is never guessed.
 *  - A line that is not valid JSON (RFC 8259, jansson's limits: see
 *    json_scan.h), holds NUL or other binary bytes (also as \u0000 in a
 *    value), nests deeper than CTIP_MAX_DEPTH, or whose event fails
 *    event_validate is rejected with the reason; blank lines are skipped.
 *
 * Speed: this is vigil's hot path (bench/bench_ctip.c measures it).  A
 * line is scanned once, in place: the record is walked with a lazy
 * iterator, and the nested objects we flatten are walked in the same pass
 * (json_scan_descend).  The decoded payload is walked in one pass too: the
 * walk validates as it goes, and when the text turns out not to be JSON
 * (it must then stay text) event_restore takes back what the walk set.
 * Every field name of the tables is resolved once (struct ev_name), so a
 * member costs a table probe at the position the feed's key order predicts
 * (struct walk's hint) and one probe of the event's index; values the
 * driver produces in IntelMQ's canonical form (time.source from NT ticks,
 * source.ip, destination.fqdn after its check, classification.type) are
 * marked so that event_validate does not parse and format them again.
 * Binary checks run only on lines that already failed, as the scanner
 * refuses such bytes anyway.  Strings are copied only into the event's
 * arena; raw is base64-encoded straight into it, 24 bytes at a time with
 * AVX2 or 12 with SSSE3 when the CPU has them, and payloads are decoded 16
 * characters at a time with SSSE3 (VIGIL_NO_SIMD=1 forces the plain code);
 * the ingest pipeline, which archives lines itself, asks for no raw at all
 * (format_options.no_raw).  The event, its arena and the scratch buffers
 * are reused for every record: nothing is allocated per record once warm.
 */
#include "formats/format.h"
#include "formats/json_scan.h"

#include "core/ip.h"
#include "core/vtime.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CTIP_B64_SSSE3 1
#endif

#define CTIP_MAX_DEPTH 32           /* CTIP nests 3 levels; more is garbage */
#define CTIP_MAX_DOC (512u << 20)   /* cap for an Interflow document */
#define CTIP_NAME_MAX 160           /* longest extra.* name we build */
#define CTIP_DEDUP_MAX 1024         /* objects re-serialised with key dedup */

/* Small helpers on the per-member path, inlined even where GCC's size
 * heuristics would not (each call costs more than its body). */
#define CTIP_INLINE static inline __attribute__((always_inline))

/* Internal results of the mapping (negative values are VG_E* codes). */
enum { CTIP_REJECT = 1, CTIP_INTERFLOW = 2 };

enum act {
    A_SET,         /* field <- value */
    A_IGNORE,
    A_FEED,        /* feed.name, unless the caller names the feed */
    A_NT_TIME,     /* time.source <- NT ticks (required) */
    A_TEXT_TIME,   /* time.source <- text (Interflow; required) */
    A_CONF_WORD,   /* feed.accuracy <- High/Medium/Low/Informational */
    A_CONF_NUM,    /* feed.accuracy <- number (Interflow) */
    A_TLP,
    A_SRC_IP,      /* source.ip (required) */
    A_ASN,         /* an ASN; 0 means unknown */
    A_OBJECT,      /* a nested object: its members through sub */
    A_PAYLOAD,
    A_VERSION,     /* 1.5 means an Interflow record */
    A_PAY_TS,      /* Unix time -> DateTime text */
    A_PAY_PROTO,   /* "HTTP/1.1": protocol.application and the field */
    A_PAY_DOMAIN,  /* destination.fqdn unless it repeats serverIp */
    A_PAY_SRVIP,   /* the field, remembered for A_PAY_DOMAIN */
    A_IF_DSTIP,    /* Interflow destination: "0.0.0.0", "a, a" quirks */
    A_IF_HOST,     /* Interflow hostname: only a real, different FQDN */
    A_IF_META,     /* Interflow additionalmetadata: empty forms dropped */
    A_IF_THREAT,   /* Interflow indicatorthreattype must be Botnet */
};

/* The tables are written once, at start-up (tables_init resolves every
 * field name for the event_put_* setters), and only read after that. */
struct map {
    const char *key;
    unsigned char klen;
    unsigned char act;
    const char *field;
    const struct map *sub;  /* A_OBJECT */
    const char *prefix;     /* A_OBJECT, A_PAYLOAD: for unknown members */
    struct ev_name nm;      /* field, resolved */
    unsigned char single;   /* field is set by this entry alone (tables_init) */
    /* A_OBJECT: the object of every key of sub, in order, each an empty
     * string — it maps to nothing (feeds send HttpInfo and CustomInfo so in
     * most records), so it is taken without a walk (tables_init) */
    const char *empty;
    size_t empty_len;
};

#define NM0 {NULL, 0, 0, NULL}
#define M(k, a, f) {k, sizeof k - 1, a, f, NULL, NULL, NM0, 0, NULL, 0}
#define MO(k, t, p) {k, sizeof k - 1, A_OBJECT, NULL, t, p, NM0, 0, NULL, 0}
#define MEND {NULL, 0, 0, NULL, NULL, NULL, NM0, 0, NULL, 0}

static struct map source_info_map[] = {
    M("SourceIpAsnNumber", A_ASN, "source.asn"),
    M("SourceIpAsnOrgName", A_SET, "source.as_name"),
    M("SourceIpCountryCode", A_SET, "source.geolocation.cc"),
    M("SourceIpRegion", A_SET, "source.geolocation.region"),
    M("SourceIpCity", A_SET, "source.geolocation.city"),
    M("SourceIpPostalCode", A_SET, "extra.source.geolocation.postal_code"),
    M("SourceIpLatitude", A_SET, "source.geolocation.latitude"),
    M("SourceIpLongitude", A_SET, "source.geolocation.longitude"),
    M("SourceIpMetroCode", A_SET, "extra.source.geolocation.metro_code"),
    M("SourceIpAreaCode", A_SET, "extra.source.geolocation.area_code"),
    M("SourceIpConnectionType", A_SET, "extra.source.connection_type"),
    M("SourceIpv4Int", A_IGNORE, NULL),
    MEND,
};

/* ctip-c2 carries the same block for the destination. */
static struct map dest_info_map[] = {
    M("DestinationIpAsnNumber", A_ASN, "destination.asn"),
    M("DestinationIpAsnOrgName", A_SET, "destination.as_name"),
    M("DestinationIpCountryCode", A_SET, "destination.geolocation.cc"),
    M("DestinationIpRegion", A_SET, "destination.geolocation.region"),
    M("DestinationIpCity", A_SET, "destination.geolocation.city"),
    M("DestinationIpPostalCode", A_SET, "extra.destination.geolocation.postal_code"),
    M("DestinationIpLatitude", A_SET, "destination.geolocation.latitude"),
    M("DestinationIpLongitude", A_SET, "destination.geolocation.longitude"),
    M("DestinationIpMetroCode", A_SET, "extra.destination.geolocation.metro_code"),
    M("DestinationIpAreaCode", A_SET, "extra.destination.geolocation.area_code"),
    M("DestinationIpConnectionType", A_SET, "extra.destination.connection_type"),
    M("DestinationIpv4Int", A_IGNORE, NULL),
    MEND,
};

static struct map http_info_map[] = {
    M("HttpHost", A_SET, "extra.http.host"),
    M("HttpRequest", A_SET, "extra.http.request"),
    M("HttpMethod", A_SET, "extra.http.method"),
    M("HttpReferrer", A_SET, "extra.http.referrer"),
    M("HttpUserAgent", A_SET, "extra.user_agent"),
    M("HttpVersion", A_SET, "extra.http.version"),
    MEND,
};

static struct map custom_info_map[] = {
    M("CustomField1", A_SET, "extra.custom_field1"),
    M("CustomField2", A_SET, "extra.custom_field2"),
    M("CustomField3", A_SET, "extra.custom_field3"),
    M("CustomField4", A_SET, "extra.custom_field4"),
    M("CustomField5", A_SET, "extra.custom_field5"),
    MEND,
};

static struct map signatures_map[] = {
    M("Sha256", A_SET, "extra.signatures.sha256"),
    MEND,
};

static struct map payload_map[] = {
    M("ts", A_PAY_TS, "extra.payload.timestamp"),
    M("ip", A_SET, "extra.payload.ip"),
    M("port", A_SET, "extra.payload.port"),
    M("serverIp", A_PAY_SRVIP, "extra.payload.server.ip"),
    M("serverPort", A_SET, "extra.payload.server.port"),
    M("domain", A_PAY_DOMAIN, "destination.fqdn"),
    M("family", A_SET, "extra.payload.family"),
    M("malware", A_SET, "extra.payload.malware"),
    M("response", A_SET, "extra.payload.response"),
    M("handler", A_SET, "extra.payload.handler"),
    M("type", A_SET, "protocol.application"),
    M("Time", A_SET, "extra.payload.time"),
    M("SourceIP", A_SET, "extra.payload.source.ip"),
    M("DestIP", A_SET, "extra.payload.destination.ip"),
    M("RemotePort", A_SET, "extra.payload.remote.port"),
    M("RemoteHost", A_SET, "extra.payload.remote.host"),
    M("ServerPort", A_SET, "extra.payload.server.port"),
    M("BCode", A_SET, "extra.payload.b_code"),
    M("Protocol", A_PAY_PROTO, "extra.payload.protocol"),
    M("Length", A_SET, "extra.payload.length"),
    M("URI", A_SET, "destination.urlpath"),
    M("Referer", A_SET, "extra.http_referer"),
    M("UserAgent", A_SET, "extra.user_agent"),
    M("RequestMethod", A_SET, "extra.http.method"),
    M("HTTPHost", A_SET, "extra.http.host"),
    M("Custom1", A_SET, "extra.payload.custom_field1"),
    M("Custom2", A_SET, "extra.payload.custom_field2"),
    M("Custom3", A_SET, "extra.payload.custom_field3"),
    M("Custom4", A_SET, "extra.payload.custom_field4"),
    M("Custom5", A_SET, "extra.payload.custom_field5"),
    M("timestamp_utc", A_SET, "extra.payload.timestamp_utc"),
    M("source_ip", A_SET, "extra.payload.source.ip"),
    M("source_port", A_SET, "extra.payload.source.port"),
    M("destination_ip", A_SET, "extra.payload.destination.ip"),
    M("destination_port", A_SET, "extra.payload.destination.port"),
    M("computer_name", A_SET, "extra.payload.computer_name"),
    M("bot_id", A_SET, "extra.payload.bot_id"),
    MEND,
};

static struct map azure_map[] = {
    M("DataFeed", A_FEED, "feed.name"),
    M("SourcedFrom", A_SET, "event_description.text"),
    M("DateTimeReceivedUtc", A_NT_TIME, "time.source"),
    M("DateTimeReceivedUtcTxt", A_IGNORE, NULL),
    M("Malware", A_SET, "extra.malware"),
    M("ThreatCode", A_SET, "malware.name"),
    M("ThreatConfidence", A_CONF_WORD, "feed.accuracy"),
    M("TotalEncounters", A_SET, "extra.total_encounters"),
    M("TLP", A_TLP, "tlp"),
    M("SourceIp", A_SRC_IP, "source.ip"),
    M("SourcePort", A_SET, "source.port"),
    M("DestinationIp", A_SET, "destination.ip"),
    M("DestinationPort", A_SET, "destination.port"),
    M("TargetIp", A_IGNORE, NULL),
    M("TargetPort", A_IGNORE, NULL),
    MO("SourceIpInfo", source_info_map, "extra.source_ip_info."),
    MO("DestinationIpInfo", dest_info_map, "extra.destination_ip_info."),
    MO("HttpInfo", http_info_map, "extra.http_info."),
    MO("CustomInfo", custom_info_map, "extra.custom_info."),
    MO("Signatures", signatures_map, "extra.signatures."),
    M("Payload", A_PAYLOAD, "extra.payload.text"),
    M("version", A_VERSION, NULL),
    MEND,
};

static struct map interflow_map[] = {
    M("additionalmetadata", A_IF_META, "extra.additionalmetadata"),
    M("description", A_SET, "event_description.text"),
    M("externalid", A_SET, "malware.name"),
    M("tlplevel", A_TLP, "tlp"),
    M("firstreporteddatetime", A_TEXT_TIME, "time.source"),
    M("networksourceipv4", A_SRC_IP, "source.ip"),
    M("networksourceport", A_SET, "source.port"),
    M("networkdestinationipv4", A_IF_DSTIP, "destination.ip"),
    M("networkdestinationport", A_SET, "destination.port"),
    M("isproductlicensed", A_SET, "extra.isproductlicensed"),
    M("ispartnershareable", A_SET, "extra.ispartnershareable"),
    M("networksourceasn", A_ASN, "source.asn"),
    M("hostname", A_IF_HOST, "destination.fqdn"),
    M("useragent", A_SET, "extra.user_agent"),
    M("severity", A_SET, "extra.severity"),
    M("tags", A_SET, "extra.tags"),
    M("version", A_IGNORE, NULL),
    M("indicatorthreattype", A_IF_THREAT, NULL),
    M("confidence", A_CONF_NUM, "feed.accuracy"),
    M("indicatorexpirationdatetime", A_IGNORE, NULL),
    MEND,
};

/* Names the driver sets besides those of the tables, resolved likewise. */
static struct {
    struct ev_name time_source, feed_accuracy, feed_name, class_type, protocol_app,
        dest_fqdn, raw, threat_confidence, payload_domain;
} names;

/* A name that does not resolve keeps def NULL (put() then refuses its
 * values, naming it); the tables hold none. */
static void name_resolve(struct ev_name *n, const char *name)
{
    if (event_name_init(n, name, strlen(name)))
        n->name = name;
}

static void names_resolve(struct map *t)
{
    for (; t->key; t++)
        if (t->field)
            name_resolve(&t->nm, t->field);
}

/* struct walk keeps a 128-bit "seen" set per object. */
_Static_assert(sizeof payload_map / sizeof payload_map[0] <= 128, "payload_map too long");
_Static_assert(sizeof azure_map / sizeof azure_map[0] <= 128, "azure_map too long");
_Static_assert(sizeof interflow_map / sizeof interflow_map[0] <= 128, "interflow_map too long");

struct ctip {
    const struct format_options *opt;
    const struct format_sink *sink;
    const char *file;
    struct event ev;
    struct event probe;   /* to ask event_validate whether a value is valid */
    struct vg_buf tmp;    /* decoded strings, compacted JSON */
    struct vg_buf py;     /* json.dumps([element]) */
    struct vg_buf stack;  /* members of objects being re-serialised */
    struct vg_buf saved;  /* the event before a payload walk (event_save) */
    int interflow;        /* mapping in use for the current record */
    int simd;             /* SIMD base64 (b64_simd_level, 0 if VIGIL_NO_SIMD is set) */
    /* per record */
    int have_ip, have_time, have_threat;
    struct ip_addr key_ip; /* source.ip and time.source as set, in binary */
    int64_t key_us;
    struct json_scan_value domain, server_ip, if_host, if_dst;
    int have_domain, have_server_ip, have_if_host, have_if_dst;
    char reason[512];
};

/* A scanner message without its "JSON: " prefix. */
static const char *jmsg(const struct vg_err *e)
{
    return strncmp(e->msg, "JSON: ", 6) == 0 ? e->msg + 6 : e->msg;
}

static int why(struct ctip *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int why(struct ctip *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
    return CTIP_REJECT;
}

/* A short printable rendering of a value's JSON text, for reasons. */
static const char *show(const struct json_scan_value *v, char *buf, size_t cap)
{
    size_t n = 0;
    for (size_t k = 0; k < v->raw_len && n + 4 < cap; k++) {
        unsigned char ch = (unsigned char)v->raw[k];
        buf[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    if (v->raw_len && n < v->raw_len && n + 4 <= cap) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

/* ---- base64 (RFC 4648 §4) ------------------------------------------------ */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Two output characters per 12 input bits, from a 4096-entry table: the
 * raw field encodes every line, so this is on the hot path. */
static char b64_pairs[4096][2];

static void b64_init_pairs(void)
{
    for (int k = 0; k < 4096; k++) {
        b64_pairs[k][0] = b64_alphabet[k >> 6];
        b64_pairs[k][1] = b64_alphabet[k & 63];
    }
}

#ifdef CTIP_B64_SSSE3

/* 12 input bytes -> 16 characters per step (W. Muła and D. Lemire, "Faster
 * Base64 Encoding and Decoding Using AVX2 Instructions", ACM TOW 2018, the
 * SSE variant): spread the 3-byte groups over 32-bit lanes, cut out the
 * four 6-bit indices with two multiplies, and map them to the alphabet by
 * range with one pshufb.  Returns the input bytes consumed. */
__attribute__((target("ssse3"))) static size_t b64_encode_ssse3(const unsigned char *in,
                                                                 size_t n, char *out)
{
    const __m128i spread = _mm_set_epi8(10, 11, 9, 10, 7, 8, 6, 7, 4, 5, 3, 4, 1, 2, 0, 1);
    const __m128i shift = _mm_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                                        '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                                        '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0);
    size_t k = 0;
    for (; k + 16 <= n; k += 12, out += 16) {
        __m128i x = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(in + k)),
                                     spread);
        __m128i hi = _mm_mulhi_epu16(_mm_and_si128(x, _mm_set1_epi32(0x0fc0fc00)),
                                     _mm_set1_epi32(0x04000040));
        __m128i lo = _mm_mullo_epi16(_mm_and_si128(x, _mm_set1_epi32(0x003f03f0)),
                                     _mm_set1_epi32(0x01000010));
        __m128i idx = _mm_or_si128(hi, lo);
        __m128i r = _mm_subs_epu8(idx, _mm_set1_epi8(51));
        r = _mm_or_si128(r, _mm_and_si128(_mm_cmpgt_epi8(_mm_set1_epi8(26), idx),
                                          _mm_set1_epi8(13)));
        r = _mm_add_epi8(_mm_shuffle_epi8(shift, r), idx);
        _mm_storeu_si128((__m128i *)(void *)out, r);
    }
    return k;
}

/* The same with AVX2, 24 bytes -> 32 characters per step: each 128-bit
 * lane takes 12 input bytes (two overlapping loads) and goes through the
 * SSSE3 steps above, which all work per lane.  Returns the bytes consumed
 * (a multiple of 3, so that b64_encode_ssse3 can go on from there). */
__attribute__((target("avx2"))) static size_t b64_encode_avx2(const unsigned char *in, size_t n,
                                                               char *out)
{
    const __m256i spread = _mm256_set_epi8(10, 11, 9, 10, 7, 8, 6, 7, 4, 5, 3, 4, 1, 2, 0, 1,
                                           10, 11, 9, 10, 7, 8, 6, 7, 4, 5, 3, 4, 1, 2, 0, 1);
    const __m256i shift = _mm256_setr_epi8(
        'a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
        '0' - 52, '0' - 52, '+' - 62, '/' - 63, 'A', 0, 0, 'a' - 26, '0' - 52, '0' - 52,
        '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
        '+' - 62, '/' - 63, 'A', 0, 0);
    size_t k = 0;
    for (; k + 28 <= n; k += 24, out += 32) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(in + k));
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(in + k + 12));
        __m256i x = _mm256_inserti128_si256(_mm256_castsi128_si256(a), b, 1);
        x = _mm256_shuffle_epi8(x, spread);
        __m256i hi = _mm256_mulhi_epu16(_mm256_and_si256(x, _mm256_set1_epi32(0x0fc0fc00)),
                                        _mm256_set1_epi32(0x04000040));
        __m256i lo = _mm256_mullo_epi16(_mm256_and_si256(x, _mm256_set1_epi32(0x003f03f0)),
                                        _mm256_set1_epi32(0x01000010));
        __m256i idx = _mm256_or_si256(hi, lo);
        __m256i r = _mm256_subs_epu8(idx, _mm256_set1_epi8(51));
        r = _mm256_or_si256(r, _mm256_and_si256(_mm256_cmpgt_epi8(_mm256_set1_epi8(26), idx),
                                                _mm256_set1_epi8(13)));
        r = _mm256_add_epi8(_mm256_shuffle_epi8(shift, r), idx);
        _mm256_storeu_si256((__m256i *)(void *)out, r);
    }
    return k;
}
#endif

/* What the CPU offers: 0 plain code, 1 SSSE3, 2 SSSE3 and AVX2. */
static int b64_simd_level;

static size_t b64_encode(const unsigned char *in, size_t n, char *out, int simd)
{
    char *o = out;
    size_t k = 0;
#ifdef CTIP_B64_SSSE3
    if (simd >= 2) {
        k = b64_encode_avx2(in, n, out);
        o += k / 3 * 4;
    }
    if (simd) {
        size_t more = b64_encode_ssse3(in + k, n - k, o);
        k += more;
        o += more / 3 * 4;
    }
#else
    (void)simd;
#endif
    for (; k + 3 <= n; k += 3) {
        uint32_t v = (uint32_t)in[k] << 16 | (uint32_t)in[k + 1] << 8 | in[k + 2];
        memcpy(o, b64_pairs[v >> 12], 2);
        memcpy(o + 2, b64_pairs[v & 4095], 2);
        o += 4;
    }
    if (n - k == 1) {
        uint32_t v = (uint32_t)in[k] << 16;
        o[0] = b64_alphabet[v >> 18];
        o[1] = b64_alphabet[(v >> 12) & 63];
        o[2] = o[3] = '=';
        o += 4;
    } else if (n - k == 2) {
        uint32_t v = (uint32_t)in[k] << 16 | (uint32_t)in[k + 1] << 8;
        o[0] = b64_alphabet[v >> 18];
        o[1] = b64_alphabet[(v >> 12) & 63];
        o[2] = b64_alphabet[(v >> 6) & 63];
        o[3] = '=';
        o += 4;
    }
    return (size_t)(o - out);
}

static signed char b64_val[256]; /* -1: not in the alphabet */

static void b64_init(void)
{
    memset(b64_val, -1, sizeof b64_val);
    for (int k = 0; k < 64; k++)
        b64_val[(unsigned char)b64_alphabet[k]] = (signed char)k;
    b64_init_pairs();
#ifdef CTIP_B64_SSSE3
    if (__builtin_cpu_supports("ssse3"))
        b64_simd_level = __builtin_cpu_supports("avx2") ? 2 : 1;
#endif
}

#ifdef CTIP_B64_SSSE3
/* 16 characters -> 12 bytes per step (the SSSE3 decoder of W. Muła and
 * D. Lemire's paper, as in A. Klomp's base64 library): classify each
 * character by its two nibbles with two pshufb lookups (any byte outside
 * the alphabet, '=' included, sets a common bit), shift each to its 6-bit
 * value with a third, and pack the sextets with two multiply-adds and a
 * shuffle.  Only quads before the last one come here (the last may hold
 * padding), and 16 bytes are stored for 12: out must have room for 4 more.
 * Returns the characters consumed, or (size_t)-1 at a bad character. */
__attribute__((target("ssse3"))) static size_t b64_decode_ssse3(const char *s, size_t n,
                                                                 unsigned char *out)
{
    const __m128i lut_lo = _mm_setr_epi8(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                         0x11, 0x13, 0x1a, 0x1b, 0x1b, 0x1b, 0x1a);
    const __m128i lut_hi = _mm_setr_epi8(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10,
                                         0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10);
    const __m128i lut_roll = _mm_setr_epi8(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0,
                                           0, 0);
    const __m128i mask_2f = _mm_set1_epi8(0x2f);
    const __m128i pack = _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
    size_t k = 0;
    for (; k + 16 + 4 <= n; k += 16, out += 12) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + k));
        __m128i hi_nib = _mm_and_si128(_mm_srli_epi32(x, 4), mask_2f);
        __m128i lo_nib = _mm_and_si128(x, mask_2f);
        __m128i lo = _mm_shuffle_epi8(lut_lo, lo_nib);
        __m128i hi = _mm_shuffle_epi8(lut_hi, hi_nib);
        if (_mm_movemask_epi8(_mm_cmpgt_epi8(_mm_and_si128(lo, hi), _mm_setzero_si128())))
            return (size_t)-1;
        __m128i eq_2f = _mm_cmpeq_epi8(x, mask_2f);
        __m128i roll = _mm_shuffle_epi8(lut_roll, _mm_add_epi8(eq_2f, hi_nib));
        x = _mm_add_epi8(x, roll);
        x = _mm_maddubs_epi16(x, _mm_set1_epi32(0x01400140));
        x = _mm_madd_epi16(x, _mm_set1_epi32(0x00011000));
        _mm_storeu_si128((__m128i *)(void *)out, _mm_shuffle_epi8(x, pack));
    }
    return k;
}
#endif

/* Strict decoding: the standard alphabet, padded to a multiple of 4, '='
 * only at the end.  out holds n / 4 * 3 + 4 bytes (the SIMD step stores
 * 4 bytes beyond what it decodes).  Returns the length or -1. */
static long b64_decode(const char *s, size_t n, unsigned char *out, int simd)
{
    const signed char *val = b64_val;
    if (n == 0 || n % 4)
        return -1;
    size_t pad = s[n - 1] == '=' ? (s[n - 2] == '=' ? 2 : 1) : 0;
    unsigned char *o = out;
    size_t k = 0;
#ifdef CTIP_B64_SSSE3
    if (simd) {
        k = b64_decode_ssse3(s, n, out);
        if (k == (size_t)-1)
            return -1;
        o += k / 4 * 3;
    }
#else
    (void)simd;
#endif
    for (; k < n; k += 4) {
        int last = k + 4 == n;
        int a = val[(unsigned char)s[k]], b = val[(unsigned char)s[k + 1]];
        int d2 = last && pad == 2 ? 0 : val[(unsigned char)s[k + 2]];
        int d3 = last && pad >= 1 ? 0 : val[(unsigned char)s[k + 3]];
        if ((a | b | d2 | d3) < 0)
            return -1;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)d2 << 6 | (uint32_t)d3;
        *o++ = (unsigned char)(v >> 16);
        if (!(last && pad == 2))
            *o++ = (unsigned char)(v >> 8);
        if (!(last && pad >= 1))
            *o++ = (unsigned char)v;
    }
    return (long)(o - out);
}

/* ---- values ---------------------------------------------------------------- */

/* IntelMQ's Message.add drops None, "", "-" and "N/A". */
CTIP_INLINE int is_ignored(const struct json_scan_value *v)
{
    if (v->type == JSCAN_NULL)
        return 1;
    if (v->type != JSCAN_STRING || v->str_len > 3)
        return 0;
    if (v->str_len == 0)
        return 1;
    if (v->escaped)
        return json_scan_str_eq(v, "-", 1) || json_scan_str_eq(v, "N/A", 3);
    return (v->str_len == 1 && v->str[0] == '-') ||
           (v->str_len == 3 && memcmp(v->str, "N/A", 3) == 0);
}

static int is_empty_container(const struct json_scan_value *v)
{
    for (size_t k = 1; k + 1 < v->raw_len; k++) {
        char ch = v->raw[k];
        if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
            return 0;
    }
    return 1;
}

/* The Azure mapping also skips whatever Python finds false ("not value"). */
CTIP_INLINE int skip_value(const struct ctip *c, const struct json_scan_value *v)
{
    if (is_ignored(v))
        return 1;
    if (c->interflow)
        return 0;
    switch (v->type) {
    case JSCAN_FALSE: return 1;
    case JSCAN_INT: return v->i == 0;
    case JSCAN_FLOAT: return v->f == 0;
    case JSCAN_ARRAY:
    case JSCAN_OBJECT: return is_empty_container(v);
    default: return 0;
    }
}

/* The decoded bytes of a string value (in the buffer, or in c->tmp until
 * the next call).  A decoded NUL rejects the record. */
static inline int str_of(struct ctip *c, const struct json_scan_value *v, const char *what,
                         const char **s, size_t *n)
{
    if (!v->escaped) {
        *s = v->str;
        *n = v->str_len;
        return 0;
    }
    vg_buf_reset(&c->tmp);
    if (vg_buf_reserve(&c->tmp, v->str_len))
        return VG_ENOMEM;
    *n = json_scan_str_decode(v, c->tmp.data);
    *s = c->tmp.data;
    if (memchr(*s, '\0', *n))
        return why(c, "%s: NUL character (\\u0000) in the value", what);
    return 0;
}

/* Copy JSON text without its insignificant whitespace, so that a nested
 * value never brings a line break into an event. */
static int compact_json(struct vg_buf *b, const char *p, size_t n)
{
    int in_str = 0;
    vg_buf_reset(b);
    if (vg_buf_reserve(b, n))
        return VG_ENOMEM;
    char *o = b->data;
    for (size_t k = 0; k < n; k++) {
        char ch = p[k];
        if (in_str) {
            if (ch == '\\') {
                *o++ = ch;
                ch = p[++k];
            } else if (ch == '"') {
                in_str = 0;
            }
        } else if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            continue;
        } else if (ch == '"') {
            in_str = 1;
        }
        *o++ = ch;
    }
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
    return 0;
}

/* field <- v, typed as the feed typed it; event_validate converts later.
 * nm->def is NULL when the name did not resolve (never, for the names
 * the driver builds): the value is then refused as event_set_* would. */
static int put(struct ctip *c, const struct ev_name *nm, const struct json_scan_value *v)
{
    const char *field = nm->name;
    int rc;
    switch (v->type) {
    case JSCAN_STRING: {
        const char *s;
        size_t n;
        if ((rc = str_of(c, v, field, &s, &n)))
            return rc;
        rc = nm->def ? event_put_str(&c->ev, nm, s, n) : VG_EINVAL;
        break;
    }
    case JSCAN_INT: rc = nm->def ? event_put_int(&c->ev, nm, v->i) : VG_EINVAL; break;
    case JSCAN_FLOAT: rc = nm->def ? event_put_float(&c->ev, nm, v->f) : VG_EINVAL; break;
    case JSCAN_TRUE:
    case JSCAN_FALSE:
        rc = nm->def ? event_put_bool(&c->ev, nm, v->type == JSCAN_TRUE) : VG_EINVAL;
        break;
    case JSCAN_NULL: return 0;
    default:
        if (strncmp(field, "extra.", 6) != 0) {
            char buf[80];
            return why(c, "%s: expected a single value, found %s %s", field,
                       json_scan_type_name(v->type), show(v, buf, sizeof buf));
        }
        if ((rc = compact_json(&c->tmp, v->raw, v->raw_len)))
            return rc;
        rc = event_set_json(&c->ev, field, c->tmp.data, c->tmp.len);
        break;
    }
    if (rc == VG_ENOMEM)
        return rc;
    if (rc)
        return why(c, "cannot store the value of %s", field);
    return 0;
}

/* format_options.lean: v, an A_SET value for m's field, is one that
 * validation always accepts and no reader of a lean event needs, so it need
 * not be stored — a scalar under extra.* (an escaped string is still
 * decoded, as a \u0000 in it rejects the record), or, for a field no other
 * entry or action of the mapping sets (m->single: so that leaving it out
 * cannot leave an earlier value of the field in place), a plain value its
 * type takes as it is: a non-empty string of a (lower-/upper-case) string
 * field, an integer of an Integer, a number of a Float, an address of an
 * IPAddress.  The observation key is never among them (tables_init). */
CTIP_INLINE int needless(const struct ctip *c, const struct map *m,
                         const struct json_scan_value *v)
{
    const struct field_def *d = m->nm.def;
    if (!c->opt->lean || !d)
        return 0;
    if (v->type == JSCAN_STRING && v->escaped)
        return 0;
    if (d->type == FT_JSONDICT)
        return v->type < JSCAN_ARRAY;
    if (!m->single)
        return 0;
    switch (d->type) {
    case FT_STRING:
    case FT_LOWERCASE:
    case FT_UPPERCASE: return v->type == JSCAN_STRING && v->str_len > 0;
    case FT_INTEGER: return v->type == JSCAN_INT;
    case FT_FLOAT: return v->type == JSCAN_INT || v->type == JSCAN_FLOAT;
    case FT_IP: {
        struct ip_addr a;
        return v->type == JSCAN_STRING && ip_parse(v->str, v->str_len, &a) == 0;
    }
    default: return 0;
    }
}

/* prefix + the key in IntelMQ's key style: snake_case, [a-z0-9_] only. */
static void snake_name(char *out, size_t cap, const char *prefix, const char *k, size_t n)
{
    size_t o = strlen(prefix);
    if (o > cap - 3)
        o = cap - 3;
    memcpy(out, prefix, o);
    if (n == 0)
        out[o++] = '_'; /* "" is a key too */
    for (size_t i = 0; i < n && o + 2 < cap; i++) {
        unsigned char ch = (unsigned char)k[i];
        if (ch >= 'A' && ch <= 'Z') {
            unsigned char prev = i ? (unsigned char)k[i - 1] : 0;
            if ((prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9'))
                out[o++] = '_';
            out[o++] = (char)(ch - 'A' + 'a');
        } else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_') {
            out[o++] = (char)ch;
        } else {
            out[o++] = '_';
        }
    }
    out[o] = '\0';
}

/* The decoded key, in buf when it had escapes (keys longer than buf are
 * cut: they only ever name extra.* fields). */
static void key_bytes(const struct json_scan_value *k, char *buf, size_t cap,
                      const char **s, size_t *n)
{
    if (!k->escaped) {
        *s = k->str;
        *n = k->str_len;
        return;
    }
    if (k->str_len <= cap) {
        *n = json_scan_str_decode(k, buf);
    } else {
        memcpy(buf, k->str, cap);
        *n = cap;
    }
    *s = buf;
}

/* A member no table knows: extra.<snake_case key>.  Its name lives in the
 * event's arena, as long as the field. */
static int put_unknown(struct ctip *c, const char *prefix, const char *k, size_t n,
                       const struct json_scan_value *v)
{
    char name[CTIP_NAME_MAX];
    struct ev_name nm = NM0;
    if (skip_value(c, v))
        return 0;
    snake_name(name, sizeof name, prefix, k, n);
    size_t len = strlen(name);
    const char *kept = vg_arena_strndup(&c->ev.arena, name, len);
    if (!kept)
        return VG_ENOMEM;
    if (event_name_init(&nm, kept, len))
        nm.name = kept; /* put() refuses it, with its name */
    return put(c, &nm, v);
}

/* ---- the special fields ------------------------------------------------- */

/* time.source: vt_format_iso writes IntelMQ's form, so validation need
 * not parse it again. */
/* time.source: the key handed over in binary (finish), and its text
 * unless lean (format.h) — which reads the binary key only. */
static int set_time(struct ctip *c, int64_t us)
{
    char txt[40];
    c->have_time = 1;
    c->key_us = us;
    if (c->opt->lean)
        return 0;
    size_t n = vt_format_iso(us, txt);
    return event_put_canonical(&c->ev, &names.time_source, txt, n) ? VG_ENOMEM : 0;
}

static int act_nt_time(struct ctip *c, const struct json_scan_value *v)
{
    char buf[80];
    int64_t us;
    if (v->type != JSCAN_INT)
        return why(c, "DateTimeReceivedUtc: expected NT ticks (an integer), found %s %s",
                   json_scan_type_name(v->type), show(v, buf, sizeof buf));
    if (v->i <= 0 || vt_from_nt_ticks(v->i, &us))
        return why(c, "DateTimeReceivedUtc: %lld NT ticks is not a time between 1970 and 9999",
                   (long long)v->i);
    return set_time(c, us);
}

static int act_text_time(struct ctip *c, const struct json_scan_value *v)
{
    char buf[80];
    int64_t us;
    const char *s;
    size_t n;
    int rc;
    if (v->type != JSCAN_STRING)
        return why(c, "firstreporteddatetime: expected a date-time text, found %s",
                   json_scan_type_name(v->type));
    if ((rc = str_of(c, v, "firstreporteddatetime", &s, &n)))
        return rc;
    if (vt_parse(s, n, &us))
        return why(c, "firstreporteddatetime: not a date-time: %s", show(v, buf, sizeof buf));
    return set_time(c, us);
}

static int act_src_ip(struct ctip *c, const struct map *m, const struct json_scan_value *v)
{
    char buf[80];
    struct ip_addr a;
    const char *s;
    size_t n;
    int rc;
    if (v->type != JSCAN_STRING)
        return why(c, "%s: expected an IP address, found %s %s", m->key,
                   json_scan_type_name(v->type), show(v, buf, sizeof buf));
    if ((rc = str_of(c, v, m->key, &s, &n)))
        return rc;
    if (ip_parse(s, n, &a))
        return why(c, "%s: not an IP address: %s", m->key, show(v, buf, sizeof buf));
    c->have_ip = 1;
    c->key_ip = a;
    if (c->opt->lean) /* as set_time */
        return 0;
    /* the canonical text event_validate would make of it, at once */
    char txt[IP_STRLEN];
    size_t tn = ip_format(&a, txt);
    return event_put_canonical(&c->ev, &m->nm, txt, tn) ? VG_ENOMEM : 0;
}

static int act_conf_word(struct ctip *c, const struct json_scan_value *v)
{
    static const struct {
        const char *word;
        double accuracy;
    } conf[] = {{"High", 100}, {"Medium", 50}, {"Low", 20}, {"Informational", 10}};
    if (v->type == JSCAN_STRING) {
        if (json_scan_str_eq(v, "None", 4))
            return 0;
        for (size_t k = 0; k < sizeof conf / sizeof conf[0]; k++)
            if (v->str_len == strlen(conf[k].word) &&
                strncasecmp(v->str, conf[k].word, v->str_len) == 0)
                /* lean: a value in 0..100, which nothing else on an Azure
                 * line sets, is needless (see needless()) */
                return c->opt->lean && !c->interflow ? 0 : event_put_float(&c->ev, &names.feed_accuracy,
                                       100.0 * conf[k].accuracy / 100.0)
                           ? VG_ENOMEM
                           : 0;
    }
    if (skip_value(c, v))
        return 0;
    return put(c, &names.threat_confidence, v);
}

static int act_tlp(struct ctip *c, const struct map *m, const struct json_scan_value *v)
{
    if (skip_value(c, v))
        return 0;
    if (v->type == JSCAN_STRING) {
        if (v->str_len == 7 && strncasecmp(v->str, "Unknown", 7) == 0)
            return 0;
        if (v->str_len == 4 && strncasecmp(v->str, "None", 4) == 0)
            return 0;
        if (v->str_len == 6 && strncasecmp(v->str, "Yellow", 6) == 0)
            return event_put_str(&c->ev, &m->nm, "AMBER", 5) ? VG_ENOMEM : 0;
    }
    return put(c, &m->nm, v); /* event_validate checks the vocabulary */
}

/* An ASN value that event_validate accepts as it is: an integer, or a
 * string of at most ten plain digits, from 1 to 2^32 - 1. */
static int asn_valid(const struct json_scan_value *v)
{
    int64_t n = 0;
    if (v->type == JSCAN_INT)
        n = v->i;
    else if (v->type == JSCAN_STRING && !v->escaped && v->str_len >= 1 && v->str_len <= 10)
        for (size_t k = 0; k < v->str_len; k++) {
            if (v->str[k] < '0' || v->str[k] > '9')
                return 0;
            n = n * 10 + (v->str[k] - '0');
        }
    else
        return 0;
    return n >= 1 && n <= INT64_C(4294967295);
}

static int act_asn(struct ctip *c, const struct map *m, const struct json_scan_value *v)
{
    if (skip_value(c, v))
        return 0;
    if ((v->type == JSCAN_INT && v->i == 0) ||
        (v->type == JSCAN_STRING && json_scan_str_eq(v, "0", 1)))
        return 0;
    if (c->opt->lean && m->single && asn_valid(v))
        return 0; /* needless(): validation takes it as it is */
    return put(c, &m->nm, v);
}

/* Asks event_validate whether s is a valid value of field: NULL if not,
 * else the value as validation leaves it (valid until the next call), to
 * set as canonical — validation would make the same of s again. */
static const struct ev_field *field_ok(struct ctip *c, const struct ev_name *field,
                                       const char *s, size_t n)
{
    struct vg_err e;
    event_clear(&c->probe);
    if (event_put_str(&c->probe, field, s, n) || event_validate(&c->probe, &e) ||
        c->probe.f[0].kind != EV_STR)
        return NULL;
    return &c->probe.f[0];
}

/* field <- the validated value field_ok returned. */
static int put_ok(struct ctip *c, const struct ev_name *field, const struct ev_field *ok)
{
    return event_put_canonical(&c->ev, field, ok->s, ok->len) ? VG_ENOMEM : 0;
}

/* Python's datetime.fromtimestamp(ts, utc): the fraction rounded half to
 * even to the microsecond. */
static int unix_to_us(double ts, int64_t *us)
{
    double ip;
    if (!(ts >= 0 && ts < 253402300800.0))
        return -1;
    double frac = modf(ts, &ip);
    double r = nearbyint(frac * 1e6);
    int64_t t = (int64_t)ip, u = (int64_t)r;
    if (u >= 1000000) {
        t++;
        u -= 1000000;
    }
    *us = t * 1000000 + u;
    return 0;
}

static int act_pay_ts(struct ctip *c, const struct map *m, const struct json_scan_value *v)
{
    int64_t us;
    char txt[40];
    if ((v->type == JSCAN_INT || v->type == JSCAN_FLOAT) && unix_to_us(v->f, &us) == 0) {
        if (c->opt->lean) /* a DateTime under extra.*: needless() */
            return 0;
        size_t n = vt_format_iso(us, txt);
        return event_put_str(&c->ev, &m->nm, txt, n) ? VG_ENOMEM : 0;
    }
    if (skip_value(c, v))
        return 0;
    return put(c, &m->nm, v);
}

static int act_pay_proto(struct ctip *c, const struct map *m, const struct json_scan_value *v)
{
    int rc;
    if (skip_value(c, v))
        return 0;
    if (v->type == JSCAN_STRING) {
        const char *s;
        size_t n;
        if ((rc = str_of(c, v, m->key, &s, &n)))
            return rc;
        const char *slash = memchr(s, '/', n);
        size_t len = slash ? (size_t)(slash - s) : n;
        if (len && event_put_str(&c->ev, &names.protocol_app, s, len))
            return VG_ENOMEM;
    }
    return put(c, &m->nm, v);
}

/* After the payload: Payload.domain names the destination unless it only
 * repeats the server's address. */
static int finish_domain(struct ctip *c)
{
    const struct json_scan_value *d = &c->domain;
    const struct ev_field *ok;
    const char *s;
    size_t n;
    int rc;
    if (!c->have_domain)
        return 0;
    c->have_domain = 0;
    if (skip_value(c, d))
        return 0;
    if (d->type == JSCAN_STRING) {
        if ((rc = str_of(c, d, "Payload.domain", &s, &n)))
            return rc;
        if (c->have_server_ip && json_scan_str_eq(&c->server_ip, s, n))
            return 0;
        if ((ok = field_ok(c, &names.dest_fqdn, s, n)))
            /* lean: valid, and nothing else on an Azure line sets it */
            return c->opt->lean ? 0 : put_ok(c, &names.dest_fqdn, ok);
    }
    return put(c, &names.payload_domain, d);
}

/* Interflow hostname: kept only when it is a valid FQDN other than the
 * destination address. */
static int finish_if_host(struct ctip *c)
{
    const struct json_scan_value *h = &c->if_host;
    const struct ev_field *ok;
    const char *s;
    size_t n;
    int rc;
    if (!c->have_if_host || h->type != JSCAN_STRING || is_ignored(h))
        return 0;
    if ((rc = str_of(c, h, "hostname", &s, &n)))
        return rc;
    if (c->have_if_dst && json_scan_str_eq(&c->if_dst, s, n))
        return 0;
    if (!(ok = field_ok(c, &names.dest_fqdn, s, n)))
        return 0;
    return put_ok(c, &names.dest_fqdn, ok);
}

static int act_if_dstip(struct ctip *c, const struct map *m, const struct json_scan_value *v)
{
    const char *s;
    size_t n;
    int rc;
    c->if_dst = *v;
    c->have_if_dst = 1;
    if (skip_value(c, v))
        return 0;
    if (v->type != JSCAN_STRING)
        return put(c, &m->nm, v);
    if ((rc = str_of(c, v, m->key, &s, &n)))
        return rc;
    if (n == 7 && memcmp(s, "0.0.0.0", 7) == 0)
        return 0;
    const char *comma = memchr(s, ',', n); /* "a, a" since 2019-03-14 */
    return event_put_str(&c->ev, &m->nm, s, comma ? (size_t)(comma - s) : n) ? VG_ENOMEM : 0;
}

/* additionalmetadata of [], [""], ["null"] or [null] means nothing. */
static int act_if_meta(struct ctip *c, const struct map *m, const struct json_scan_value *v)
{
    if (v->type == JSCAN_ARRAY) {
        struct json_scan_iter it;
        struct json_scan_value e;
        int n = 0, empty = 1;
        json_scan_enter(&it, v);
        while (json_scan_array_next(&it, &e, NULL) == 1) {
            n++;
            if (!(e.type == JSCAN_NULL ||
                  (e.type == JSCAN_STRING && (e.str_len == 0 || json_scan_str_eq(&e, "null", 4)))))
                empty = 0;
        }
        if (n == 0 || (n == 1 && empty))
            return 0;
    }
    if (skip_value(c, v))
        return 0;
    return put(c, &m->nm, v);
}

static int act_if_threat(struct ctip *c, const struct json_scan_value *v)
{
    char buf[80];
    if (!json_scan_str_eq(v, "Botnet", 6))
        return why(c, "indicatorthreattype %s is not supported (only Botnet, as IntelMQ)",
                   show(v, buf, sizeof buf));
    c->have_threat = 1;
    return 0;
}

static int starts_object(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r'))
        k++;
    return k < n && s[k] == '{';
}

struct walk {
    uint64_t seen[2]; /* entries of the table met in this object */
    size_t hint;      /* where the next key probably is: feeds keep order */
};

CTIP_INLINE int member(struct ctip *c, struct json_scan_iter *it, const struct map *table,
                       const char *prefix, struct walk *w, const struct json_scan_value *k,
                       struct json_scan_value *v);

/* Map every member of the object it walks; a payload object ends with the
 * Payload.domain decision. */
static int walk_members(struct ctip *c, struct json_scan_iter *it, const struct map *table,
                        const char *prefix, int payload)
{
    struct json_scan_value k, v;
    struct vg_err jerr;
    struct walk w = {{0, 0}, 0};
    int rc;
    it->lazy = 1;
    if (payload)
        c->have_domain = c->have_server_ip = 0;
    while ((rc = json_scan_object_next(it, &k, &v, &jerr)) == 1)
        if ((rc = member(c, it, table, prefix, &w, &k, &v)))
            return rc;
    if (rc < 0)
        return why(c, "not valid JSON: %s", jmsg(&jerr));
    return payload ? finish_domain(c) : 0;
}

/* A decoded payload that is a JSON object is walked (*walked = 1); text
 * that merely looks like JSON must stay text (*walked = 0).  One pass: the
 * walk validates as it goes, and what it set is taken back when the text
 * turns out not to be JSON.  A walk that stops at a rejected value has not
 * seen the rest, so only then is the whole text checked: if it is JSON,
 * the rejection stands.  (Only the event's fields need restoring: the
 * payload state in struct ctip is reset when a walk starts and read only
 * inside one.) */
static int walk_payload_doc(struct ctip *c, const char *p, size_t n, int *walked)
{
    struct json_scan_iter it;
    int rc;
    *walked = 0;
    if (!starts_object(p, n))
        return 0;
    if ((rc = event_save(&c->ev, &c->saved)))
        return rc;
    json_scan_open(&it, p, n, CTIP_MAX_DEPTH, NULL);
    rc = walk_members(c, &it, payload_map, "extra.payload.", 1);
    if (rc == CTIP_REJECT && json_scan_check(p, n, CTIP_MAX_DEPTH, NULL, NULL) != 0) {
        event_restore(&c->ev, &c->saved);
        return 0;
    }
    *walked = 1;
    return rc;
}

/* Payload: base64 of JSON (walk it), base64 of text, JSON itself, or text. */
static int act_payload(struct ctip *c, const struct map *m, const struct json_scan_value *v)
{
    const char *s;
    size_t n;
    int walked, rc;
    if (v->type == JSCAN_OBJECT) { /* already scanned: walk its span */
        struct json_scan_iter it;
        if (skip_value(c, v) || json_scan_enter(&it, v))
            return 0;
        return walk_members(c, &it, payload_map, "extra.payload.", 1);
    }
    if (v->type != JSCAN_STRING)
        return skip_value(c, v) ? 0 : put(c, &m->nm, v);
    if (skip_value(c, v) || json_scan_str_eq(v, "AA==", 4)) /* AA== is a NUL byte */
        return 0;
    if (json_scan_str_get(v, &c->ev.arena, &s, &n))
        return VG_ENOMEM;
    unsigned char *d = vg_arena_alloc(&c->ev.arena, n / 4 * 3 + 4);
    if (!d)
        return VG_ENOMEM;
    long dn = b64_decode(s, n, d, c->simd);
    if (dn >= 0) {
        if ((rc = walk_payload_doc(c, (const char *)d, (size_t)dn, &walked)) || walked)
            return rc;
        if (dn > 0 && json_scan_utf8_valid((const char *)d, (size_t)dn) &&
            !format_is_binary((const char *)d, (size_t)dn))
            return event_put_str(&c->ev, &m->nm, (const char *)d, (size_t)dn) ? VG_ENOMEM : 0;
    } else if ((rc = walk_payload_doc(c, s, n, &walked)) || walked) {
        return rc;
    }
    if (memchr(s, '\0', n))
        return why(c, "Payload: NUL character (\\u0000) in the value");
    return event_put_str(&c->ev, &m->nm, s, n) ? VG_ENOMEM : 0;
}

static int apply(struct ctip *c, const struct map *m, const struct json_scan_value *v)
{
    switch (m->act) {
    case A_SET:
        return skip_value(c, v) || needless(c, m, v) ? 0 : put(c, &m->nm, v);
    case A_IGNORE:
        return 0;
    case A_FEED:
        return c->opt->feed_name || skip_value(c, v) ? 0 : put(c, &m->nm, v);
    case A_NT_TIME:
        return act_nt_time(c, v);
    case A_TEXT_TIME:
        return act_text_time(c, v);
    case A_CONF_WORD:
        return act_conf_word(c, v);
    case A_CONF_NUM:
        /* IntelMQ: report accuracy (100) * confidence / 100, in doubles */
        if (v->type == JSCAN_INT || v->type == JSCAN_FLOAT)
            return event_put_float(&c->ev, &m->nm, 100.0 * v->f / 100.0) ? VG_ENOMEM : 0;
        return 0;
    case A_TLP:
        return act_tlp(c, m, v);
    case A_SRC_IP:
        return act_src_ip(c, m, v);
    case A_ASN:
        return act_asn(c, m, v);
    case A_OBJECT: /* objects are walked in member(): this is a stray scalar */
        return put_unknown(c, "extra.", m->key, m->klen, v);
    case A_PAYLOAD:
        return act_payload(c, m, v);
    case A_VERSION:
        if (v->type == JSCAN_FLOAT && v->f == 1.5)
            return CTIP_INTERFLOW;
        return put_unknown(c, "extra.", m->key, m->klen, v);
    case A_PAY_TS:
        return act_pay_ts(c, m, v);
    case A_PAY_PROTO:
        return act_pay_proto(c, m, v);
    case A_PAY_DOMAIN:
        c->domain = *v;
        c->have_domain = 1;
        return 0;
    case A_PAY_SRVIP:
        c->server_ip = *v;
        c->have_server_ip = 1;
        return skip_value(c, v) || needless(c, m, v) ? 0 : put(c, &m->nm, v);
    case A_IF_DSTIP:
        return act_if_dstip(c, m, v);
    case A_IF_HOST:
        c->if_host = *v;
        c->have_if_host = 1;
        return 0;
    case A_IF_META:
        return act_if_meta(c, m, v);
    case A_IF_THREAT:
        return act_if_threat(c, v);
    }
    return 0;
}

/* A key met a second time in one object: as in Python's dict (and
 * IntelMQ), only the last occurrence counts, so undo the first. */
static void forget(struct ctip *c, const struct map *m)
{
    if (m->field)
        event_remove(&c->ev, m->field);
    switch (m->act) {
    case A_SRC_IP: c->have_ip = 0; break;
    case A_NT_TIME:
    case A_TEXT_TIME: c->have_time = 0; break;
    case A_CONF_WORD: event_remove(&c->ev, "extra.threat_confidence"); break;
    case A_PAY_PROTO: event_remove(&c->ev, "protocol.application"); break;
    case A_PAY_DOMAIN: c->have_domain = 0; break;
    case A_PAY_SRVIP: c->have_server_ip = 0; break;
    case A_IF_HOST: c->have_if_host = 0; break;
    case A_IF_DSTIP: c->have_if_dst = 0; break;
    case A_IF_THREAT: c->have_threat = 0; break;
    default: break;
    }
}

/* memcmp for short keys, inline: 8 bytes at a time, the tail as one
 * (overlapping) word. */
CTIP_INLINE int same_bytes(const char *a, const char *b, size_t n)
{
    uint64_t x, y;
    if (n >= 8) {
        for (; n > 8; a += 8, b += 8, n -= 8) {
            memcpy(&x, a, 8);
            memcpy(&y, b, 8);
            if (x != y)
                return 0;
        }
        memcpy(&x, a + n - 8, 8); /* n is 1..8: the last 8 bytes */
        memcpy(&y, b + n - 8, 8);
        return x == y;
    }
    if (n >= 4) {
        uint32_t u, w;
        memcpy(&u, a, 4);
        memcpy(&w, b, 4);
        if (u != w)
            return 0;
        memcpy(&u, a + n - 4, 4);
        memcpy(&w, b + n - 4, 4);
        return u == w;
    }
    for (; n; a++, b++, n--)
        if (*a != *b)
            return 0;
    return 1;
}

/* Feeds write their keys in a fixed order, the tables list them in that
 * order, and absent keys are skipped: search forward from where the last
 * key matched, then from the start. */
static const struct map *map_lookup(const struct map *t, size_t *hint, const char *k,
                                     size_t n)
{
    const struct map *m;
    for (m = t + *hint; m->key; m++)
        if (m->klen == n && same_bytes(m->key, k, n))
            goto found;
    for (m = t; m < t + *hint; m++)
        if (m->klen == n && same_bytes(m->key, k, n))
            goto found;
    return NULL;
found:
    *hint = (size_t)(m - t) + 1;
    return m;
}

/* One member of a record or of a nested object (it walks it, lazily: an
 * object we flatten is walked in the same pass, any other container is
 * scanned for its span first). */
static __attribute__((noinline)) int member_any(struct ctip *c, struct json_scan_iter *it,
                                                const struct map *table, const char *prefix,
                                                struct walk *w,
                                                const struct json_scan_value *k,
                                                struct json_scan_value *v)
{
    static const struct map none[] = {MEND};
    char kbuf[CTIP_NAME_MAX], pbuf[CTIP_NAME_MAX];
    const char *ks;
    size_t kn;
    key_bytes(k, kbuf, sizeof kbuf, &ks, &kn);
    const struct map *m = map_lookup(table, &w->hint, ks, kn);
    if (m) {
        size_t idx = (size_t)(m - table);
        uint64_t bit = UINT64_C(1) << (idx % 64);
        if (w->seen[idx / 64] & bit)
            forget(c, m);
        w->seen[idx / 64] |= bit;
    }
    if (v->raw_len == 0 && (v->type == JSCAN_OBJECT || v->type == JSCAN_ARRAY)) {
        struct json_scan_iter sub;
        struct vg_err jerr;
        if (v->type == JSCAN_OBJECT && m && m->act == A_OBJECT) {
            if (m->empty && json_scan_take_exact(it, v, m->empty, m->empty_len))
                return 0;
            json_scan_descend(&sub, it);
            return walk_members(c, &sub, m->sub, m->prefix, 0);
        }
        if (v->type == JSCAN_OBJECT && m && m->act == A_PAYLOAD) {
            json_scan_descend(&sub, it);
            return walk_members(c, &sub, payload_map, "extra.payload.", 1);
        }
        if (v->type == JSCAN_OBJECT && !m && !prefix) {
            /* an unknown object on the record: flatten it one level too */
            snake_name(pbuf, sizeof pbuf - 1, "extra.", ks, kn);
            strcat(pbuf, ".");
            json_scan_descend(&sub, it);
            return walk_members(c, &sub, none, pbuf, 0);
        }
        if (json_scan_complete(it, v, &jerr))
            return why(c, "not valid JSON: %s", jmsg(&jerr));
    }
    if (m)
        return apply(c, m, v);
    return put_unknown(c, prefix ? prefix : "extra.", ks, kn, v);
}

/* member() for the usual case inline: a plain key, the one the table
 * expects next (w->hint), met for the first time, with a scalar value. */
CTIP_INLINE int member(struct ctip *c, struct json_scan_iter *it, const struct map *table,
                       const char *prefix, struct walk *w, const struct json_scan_value *k,
                       struct json_scan_value *v)
{
    const struct map *m = table + w->hint;
    if (!k->escaped && v->type < JSCAN_ARRAY && m->key && m->klen == k->str_len &&
        same_bytes(m->key, k->str, k->str_len)) {
        size_t idx = w->hint;
        uint64_t bit = UINT64_C(1) << (idx % 64);
        if (!(w->seen[idx / 64] & bit)) {
            w->seen[idx / 64] |= bit;
            w->hint = idx + 1;
            if (m->act != A_SET)
                return apply(c, m, v);
            if (skip_value(c, v) || needless(c, m, v))
                return 0;
            /* put(), for the plain string most members hold */
            if (v->type == JSCAN_STRING && !v->escaped && m->nm.def &&
                event_put_str(&c->ev, &m->nm, v->str, v->str_len) == 0)
                return 0;
            return put(c, &m->nm, v);
        }
    }
    return member_any(c, it, table, prefix, w, k, v);
}

static void record_reset(struct ctip *c, int interflow)
{
    event_clear(&c->ev);
    c->interflow = interflow;
    c->have_ip = c->have_time = c->have_threat = 0;
    c->have_domain = c->have_server_ip = c->have_if_host = c->have_if_dst = 0;
}

/* Map the record walked by it into c->ev.  Returns 0, CTIP_REJECT (reason
 * in c->reason), CTIP_INTERFLOW (start again with the Interflow mapping)
 * or a negative VG_E* code. */
static int map_record(struct ctip *c, struct json_scan_iter *it, int interflow)
{
    struct json_scan_value k, v;
    struct vg_err jerr;
    struct walk w = {{0, 0}, 0};
    int rc;
    record_reset(c, interflow);
    const struct map *table = interflow ? interflow_map : azure_map;
    it->lazy = 1;
    while ((rc = json_scan_object_next(it, &k, &v, &jerr)) == 1) {
        if ((rc = member(c, it, table, NULL, &w, &k, &v)) == CTIP_REJECT) {
            /* a broken line says so, whatever it held before the break */
            int more;
            while ((more = json_scan_object_next(it, &k, &v, &jerr)) == 1)
                ;
            if (more < 0)
                return why(c, "not valid JSON: %s", jmsg(&jerr));
        }
        if (rc)
            return rc;
    }
    if (rc < 0)
        return why(c, "not valid JSON: %s", jmsg(&jerr));
    if (interflow) {
        if ((rc = finish_if_host(c)))
            return rc;
        if (!c->have_threat)
            return why(c, "no indicatorthreattype");
        if (!c->have_ip)
            return why(c, "no networksourceipv4: vigil takes source.ip only from it");
        if (!c->have_time)
            return why(c, "no firstreporteddatetime: vigil takes time.source only from it");
    } else {
        if (!c->have_ip)
            return why(c, "no SourceIp: vigil takes source.ip only from it");
        if (!c->have_time)
            return why(c, "no DateTimeReceivedUtc: vigil takes time.source only from it");
    }
    if (c->opt->feed_name && event_put_str(&c->ev, &names.feed_name, c->opt->feed_name,
                                           strlen(c->opt->feed_name)))
        return why(c, "cannot set feed.name");
    /* in the vocabulary: validation has nothing to check */
    if (event_put_canonical(&c->ev, &names.class_type, "infected-system", 15))
        return VG_ENOMEM;
    return 0;
}

/* ---- Python's json.dumps, for IntelMQ's raw of an Interflow element ---- */

static int py_codepoint(struct vg_buf *b, unsigned long cp)
{
    char tmp[16];
    switch (cp) {
    case '"': return vg_buf_append(b, "\\\"", 2);
    case '\\': return vg_buf_append(b, "\\\\", 2);
    case '\n': return vg_buf_append(b, "\\n", 2);
    case '\r': return vg_buf_append(b, "\\r", 2);
    case '\t': return vg_buf_append(b, "\\t", 2);
    case '\b': return vg_buf_append(b, "\\b", 2);
    case '\f': return vg_buf_append(b, "\\f", 2);
    default: break;
    }
    if (cp >= 0x20 && cp < 0x7f)
        return vg_buf_putc(b, (char)cp);
    if (cp >= 0x10000) {
        unsigned long v = cp - 0x10000;
        snprintf(tmp, sizeof tmp, "\\u%04lx\\u%04lx", 0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
        return vg_buf_append(b, tmp, 12);
    }
    snprintf(tmp, sizeof tmp, "\\u%04lx", cp);
    return vg_buf_append(b, tmp, 6);
}

/* A validated JSON string, re-escaped as json.dumps(ensure_ascii=True). */
static int py_string(struct vg_buf *b, const struct json_scan_value *v)
{
    char dec[4];
    const unsigned char *s = (const unsigned char *)v->str;
    size_t n = v->str_len, i = 0;
    int rc = vg_buf_putc(b, '"');
    while (!rc && i < n) {
        unsigned long cp;
        if (s[i] == '\\') {
            struct json_scan_value one = {0};
            size_t len = s[i + 1] != 'u' ? 2
                         : (i + 12 <= n && s[i + 6] == '\\' && s[i + 7] == 'u' &&
                            (s[i + 2] == 'd' || s[i + 2] == 'D') &&
                            strchr("89abAB", s[i + 3])) ? 12 : 6;
            one.type = JSCAN_STRING;
            one.str = (const char *)s + i;
            one.str_len = len;
            one.escaped = 1;
            size_t dn = json_scan_str_decode(&one, dec);
            i += len;
            const unsigned char *d = (const unsigned char *)dec;
            if (dn == 1)
                cp = d[0];
            else if (dn == 2)
                cp = (d[0] & 0x1fUL) << 6 | (d[1] & 0x3f);
            else if (dn == 3)
                cp = (d[0] & 0x0fUL) << 12 | (d[1] & 0x3fUL) << 6 | (d[2] & 0x3f);
            else
                cp = (d[0] & 0x07UL) << 18 | (d[1] & 0x3fUL) << 12 | (d[2] & 0x3fUL) << 6 |
                     (d[3] & 0x3f);
        } else if (s[i] < 0x80) {
            cp = s[i++];
        } else if (s[i] < 0xe0) {
            cp = (s[i] & 0x1fUL) << 6 | (s[i + 1] & 0x3f);
            i += 2;
        } else if (s[i] < 0xf0) {
            cp = (s[i] & 0x0fUL) << 12 | (s[i + 1] & 0x3fUL) << 6 | (s[i + 2] & 0x3f);
            i += 3;
        } else {
            cp = (s[i] & 0x07UL) << 18 | (s[i + 1] & 0x3fUL) << 12 | (s[i + 2] & 0x3fUL) << 6 |
                 (s[i + 3] & 0x3f);
            i += 4;
        }
        rc = py_codepoint(b, cp);
    }
    return rc ? rc : vg_buf_putc(b, '"');
}

/* repr(float): the shortest digits that read back, fixed notation for
 * decimal exponents -4..15, else d.ddde+XX. */
static int py_float(struct vg_buf *b, double v)
{
    char tmp[48], digits[24], out[48];
    int nd = 0, x, prec;
    if (v == 0)
        return vg_buf_puts(b, signbit(v) ? "-0.0" : "0.0");
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    const char *p = tmp;
    size_t o = 0;
    if (*p == '-')
        out[o++] = *p++;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    x = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    if (x >= -4 && x < 16) {
        if (x >= 0) {
            for (int k = 0; k <= x; k++)
                out[o++] = k < nd ? digits[k] : '0';
            out[o++] = '.';
            if (nd > x + 1)
                for (int k = x + 1; k < nd; k++)
                    out[o++] = digits[k];
            else
                out[o++] = '0';
        } else {
            out[o++] = '0';
            out[o++] = '.';
            for (int k = 0; k < -x - 1; k++)
                out[o++] = '0';
            for (int k = 0; k < nd; k++)
                out[o++] = digits[k];
        }
        out[o] = '\0';
    } else {
        out[o++] = digits[0];
        if (nd > 1) {
            out[o++] = '.';
            for (int k = 1; k < nd; k++)
                out[o++] = digits[k];
        }
        snprintf(out + o, sizeof out - o, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
    }
    return vg_buf_puts(b, out);
}

static int key_eq(const struct json_scan_value *a, const struct json_scan_value *b)
{
    char buf[256];
    if (!a->escaped && !b->escaped)
        return a->str_len == b->str_len && memcmp(a->str, b->str, a->str_len) == 0;
    if (a->str_len > sizeof buf)
        return 0;
    return json_scan_str_eq(b, buf, json_scan_str_decode(a, buf));
}

static int py_dumps(struct ctip *c, struct vg_buf *b, const struct json_scan_value *v);

/* An object as a Python dict prints it: one entry per key, at the place of
 * its first occurrence, with the value of its last. */
static int py_object(struct ctip *c, struct vg_buf *b, const struct json_scan_value *v)
{
    struct json_scan_iter it;
    struct json_scan_value kv[2];
    size_t base = c->stack.len, n = 0;
    int rc = 0;
    json_scan_enter(&it, v);
    while (json_scan_object_next(&it, &kv[0], &kv[1], NULL) == 1) {
        if ((rc = vg_buf_append(&c->stack, kv, sizeof kv)))
            goto out;
        n++;
    }
    struct json_scan_value(*mem)[2] = (void *)(c->stack.data + base);
    if ((rc = vg_buf_putc(b, '{')))
        goto out;
    int first = 1;
    for (size_t i = 0; i < n && !rc; i++) {
        size_t use = i;
        if (n <= CTIP_DEDUP_MAX) {
            int seen = 0;
            for (size_t j = 0; j < i && !seen; j++)
                seen = key_eq(&mem[j][0], &mem[i][0]);
            if (seen)
                continue;
            for (size_t j = i + 1; j < n; j++)
                if (key_eq(&mem[j][0], &mem[i][0]))
                    use = j;
        }
        if (!first)
            rc = vg_buf_append(b, ", ", 2);
        first = 0;
        if (!rc)
            rc = py_string(b, &mem[i][0]);
        if (!rc)
            rc = vg_buf_append(b, ": ", 2);
        if (!rc) {
            struct json_scan_value val = mem[use][1];
            rc = py_dumps(c, b, &val);
            mem = (void *)(c->stack.data + base); /* the stack may have moved */
        }
    }
    if (!rc)
        rc = vg_buf_putc(b, '}');
out:
    c->stack.len = base;
    return rc;
}

static int py_dumps(struct ctip *c, struct vg_buf *b, const struct json_scan_value *v)
{
    switch (v->type) {
    case JSCAN_NULL: return vg_buf_puts(b, "null");
    case JSCAN_TRUE: return vg_buf_puts(b, "true");
    case JSCAN_FALSE: return vg_buf_puts(b, "false");
    case JSCAN_INT: return vg_buf_printf(b, "%lld", (long long)v->i);
    case JSCAN_FLOAT: return py_float(b, v->f);
    case JSCAN_STRING: return py_string(b, v);
    case JSCAN_OBJECT: return py_object(c, b, v);
    case JSCAN_ARRAY: {
        struct json_scan_iter it;
        struct json_scan_value e;
        int rc = vg_buf_putc(b, '['), first = 1;
        json_scan_enter(&it, v);
        while (!rc && json_scan_array_next(&it, &e, NULL) == 1) {
            if (!first)
                rc = vg_buf_append(b, ", ", 2);
            first = 0;
            if (!rc)
                rc = py_dumps(c, b, &e);
        }
        return rc ? rc : vg_buf_putc(b, ']');
    }
    default: return 0;
    }
}

/* ---- records --------------------------------------------------------------- */

/* raw, encoded straight into the event's arena (unless the caller asked
 * for no raw: opt->no_raw). */
static int set_raw(struct ctip *c, const char *p, size_t n)
{
    if (c->opt->no_raw)
        return 0;
    size_t len = (n + 2) / 3 * 4;
    char *out = event_put_str_buf(&c->ev, &names.raw, len);
    if (!out)
        return VG_ENOMEM;
    /* the SIMD encoder stores 16 bytes per 12 it reads: it stops 4 short
     * of the end of its input, so it never writes past len either */
    b64_encode((const unsigned char *)p, n, out, c->simd);
    return 0;
}

static int reject(struct ctip *c, const struct format_record *rec, const char *reason)
{
    return c->sink->reject(c->sink->ctx, rec, reason);
}

/* Validate and emit c->ev (with its key in binary), or reject the record. */
static int finish(struct ctip *c, const struct format_record *rec)
{
    struct vg_err e;
    if (event_validate(&c->ev, &e))
        return reject(c, rec, e.msg);
    struct format_record keyed = *rec;
    keyed.key_ip = &c->key_ip;
    keyed.key_us = c->key_us;
    return c->sink->emit(c->sink->ctx, &c->ev, &keyed);
}

/* The outcome of map_record: emit, reject, or a fatal code. */
static int conclude(struct ctip *c, int rc, const struct format_record *rec)
{
    if (rc == CTIP_REJECT)
        return reject(c, rec, c->reason);
    if (rc < 0)
        return rc;
    return finish(c, rec);
}

/* The reason for a line of binary data, or NULL when it is text: asked
 * only once a line failed, as the scanner refuses such bytes anyway. */
static const char *binary_reason(const char *p, size_t n, char *msg, size_t cap)
{
    if (!format_is_binary(p, n))
        return NULL;
    const char *nul = memchr(p, '\0', n);
    if (nul)
        snprintf(msg, cap, "NUL byte at byte %zu: binary data, not CTIP JSON",
                 (size_t)(nul - p));
    else
        snprintf(msg, cap, "control bytes: binary data, not CTIP JSON");
    return msg;
}

static int azure_line(struct ctip *c, const char *p, size_t n, uint64_t lineno, int overlong)
{
    struct format_record rec = {.file = c->file, .line = lineno, .raw = p, .raw_len = n};
    struct json_scan_iter it;
    struct vg_err jerr;
    char msg[600];
    const char *bin;
    int rc;
    size_t k = 0;
    while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r'))
        k++;
    if (k == n && !overlong)
        return 0; /* a blank line is no record */
    if (overlong)
        return reject(c, &rec, "line too long");
    if (json_scan_open(&it, p, n, CTIP_MAX_DEPTH, &jerr)) {
        if (!(bin = binary_reason(p, n, msg, sizeof msg)))
            snprintf(msg, sizeof msg, "not valid JSON: %s", jmsg(&jerr));
        return reject(c, &rec, msg);
    }
    if (it.kind != '{')
        return reject(c, &rec, "not a JSON object (one CTIP record per line)");
    rc = map_record(c, &it, 0);
    if (rc == CTIP_INTERFLOW) {
        json_scan_open(&it, p, n, CTIP_MAX_DEPTH, NULL);
        rc = map_record(c, &it, 1);
    }
    if (rc == CTIP_REJECT && (bin = binary_reason(p, n, msg, sizeof msg)))
        return reject(c, &rec, bin);
    if (rc == 0 && (rc = set_raw(c, p, n)))
        return rc;
    return conclude(c, rc, &rec);
}

static int interflow_element(struct ctip *c, const struct json_scan_value *v,
                             uint64_t lineno)
{
    struct format_record rec = {.file = c->file, .line = lineno, .raw = v->raw, .raw_len = v->raw_len};
    struct json_scan_iter it;
    char msg[128];
    int rc;
    if (v->type != JSCAN_OBJECT) {
        snprintf(msg, sizeof msg, "array element is %s, not an object",
                 json_scan_type_name(v->type));
        return reject(c, &rec, msg);
    }
    json_scan_enter(&it, v);
    rc = map_record(c, &it, 0);
    if (rc == CTIP_INTERFLOW) {
        json_scan_enter(&it, v);
        rc = map_record(c, &it, 1);
    }
    if (rc == 0) {
        vg_buf_reset(&c->py);
        if ((rc = vg_buf_putc(&c->py, '[')) || (rc = py_dumps(c, &c->py, v)) ||
            (rc = vg_buf_putc(&c->py, ']')) || (rc = set_raw(c, c->py.data, c->py.len)))
            return rc;
    }
    return conclude(c, rc, &rec);
}

static size_t count_lines(const char *p, const char *e)
{
    size_t n = 0;
    while (p < e && (p = memchr(p, '\n', (size_t)(e - p)))) {
        n++;
        p++;
    }
    return n;
}

static int interflow_doc(struct ctip *c, struct vg_input *in, struct vg_err *err)
{
    const char *p, *seen;
    size_t n;
    struct json_scan_iter it;
    struct json_scan_value v;
    struct vg_err jerr;
    uint64_t line = 1;
    int rc;
    if ((rc = vg_input_slurp(in, CTIP_MAX_DOC, &p, &n, err)))
        return rc;
    if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3, n -= 3;
    seen = p;
    if (format_is_binary(p, n)) {
        struct format_record rec = {.file = c->file, .line = 1, .raw = p, .raw_len = n};
        return reject(c, &rec, "binary data (NUL or control bytes), not a CTIP document");
    }
    if (json_scan_open(&it, p, n, CTIP_MAX_DEPTH + 1, &jerr) || it.kind != '[') {
        struct format_record rec = {.file = c->file, .line = 1, .raw = p, .raw_len = n};
        return reject(c, &rec, "not a JSON array of Interflow records");
    }
    for (;;) {
        const char *at = it.p;
        rc = json_scan_array_next(&it, &v, &jerr);
        if (rc == 0)
            return 0;
        if (rc < 0) {
            char msg[600];
            const char *bad = p + it.err_offset;
            while (at < bad && (*at == ',' || *at == ' ' || *at == '\t' || *at == '\n' ||
                                *at == '\r'))
                at++; /* the broken element starts here */
            line += count_lines(seen, at);
            struct format_record rec = {.file = c->file, .line = line, .raw = at, .raw_len = n - (size_t)(at - p)};
            snprintf(msg, sizeof msg, "not valid JSON (line %llu): %s; the rest of the document is lost",
                     (unsigned long long)(1 + count_lines(p, bad)), jmsg(&jerr));
            return reject(c, &rec, msg);
        }
        line += count_lines(seen, v.raw);
        seen = v.raw;
        if ((rc = interflow_element(c, &v, line)))
            return rc;
    }
}

/* ---- the driver ------------------------------------------------------------ */

/* m->single for the entries of a group of tables (those one mapping walks:
 * Azure's with its nested objects and payload, or Interflow's): the field
 * is named by no other entry of the group and is not one the driver's
 * actions set or the observation key reads. */
static void singles_mark(struct map *const *group, size_t ng)
{
    static const char *driver_set[] = {
        /* (protocol.application is not among them: act_pay_proto sets it
         * only to non-empty strings, which its type always takes, so an
         * entry's value left out never leaves an invalid one in place) */
        "time.source", "feed.accuracy", "feed.name", "classification.type",
        "destination.fqdn", "raw", "extra.threat_confidence",
        "extra.payload.domain", "malware.name", "source.ip", "tlp",
    };
    for (size_t g = 0; g < ng; g++)
        for (struct map *m = group[g]; m->key; m++) {
            if (!m->field)
                continue;
            size_t uses = 0;
            for (size_t h = 0; h < ng; h++)
                for (const struct map *o = group[h]; o->key; o++)
                    uses += o->field && strcmp(o->field, m->field) == 0;
            for (size_t k = 0; k < sizeof driver_set / sizeof driver_set[0]; k++)
                uses += strcmp(driver_set[k], m->field) == 0;
            m->single = uses == 1;
        }
}

/* The all-empty object of each A_OBJECT entry of t (struct map.empty). */
static void empties_make(struct map *t)
{
    static char store[1024];
    static size_t used;
    for (struct map *m = t; m->key; m++) {
        if (m->act != A_OBJECT || !m->sub)
            continue;
        char *o = store + used, *p = o;
        size_t need = 2;
        for (const struct map *k = m->sub; k->key; k++)
            need += k->klen + 6;
        if (used + need > sizeof store)
            continue;
        *p++ = '{';
        for (const struct map *k = m->sub; k->key; k++) {
            if (k != m->sub)
                *p++ = ',';
            *p++ = '"';
            memcpy(p, k->key, k->klen);
            p += k->klen;
            memcpy(p, "\":\"\"", 4);
            p += 4;
        }
        *p++ = '}';
        m->empty = o;
        m->empty_len = (size_t)(p - o);
        used += m->empty_len;
    }
}

static void tables_init(void)
{
    static struct map *const azure_group[] = {azure_map, source_info_map, dest_info_map,
                                              http_info_map, custom_info_map, signatures_map,
                                              payload_map};
    static struct map *const interflow_group[] = {interflow_map};
    b64_init();
    singles_mark(azure_group, sizeof azure_group / sizeof azure_group[0]);
    singles_mark(interflow_group, 1);
    names_resolve(source_info_map);
    names_resolve(dest_info_map);
    names_resolve(http_info_map);
    names_resolve(custom_info_map);
    names_resolve(signatures_map);
    names_resolve(payload_map);
    names_resolve(azure_map);
    names_resolve(interflow_map);
    empties_make(azure_map);
    name_resolve(&names.time_source, "time.source");
    name_resolve(&names.feed_accuracy, "feed.accuracy");
    name_resolve(&names.feed_name, "feed.name");
    name_resolve(&names.class_type, "classification.type");
    name_resolve(&names.protocol_app, "protocol.application");
    name_resolve(&names.dest_fqdn, "destination.fqdn");
    name_resolve(&names.raw, "raw");
    name_resolve(&names.threat_confidence, "extra.threat_confidence");
    name_resolve(&names.payload_domain, "extra.payload.domain");
}

static int detect(const char *name, const char *head, size_t len)
{
    static const char *azure[] = {"\"DataFeed\"", "\"ThreatCode\"", "\"SourcedFrom\"",
                                  "\"DateTimeReceivedUtc\""};
    static const char *interflow[] = {"\"indicatorthreattype\"", "\"networksourceipv4\"",
                                      "\"firstreporteddatetime\""};
    size_t k = 0;
    int hits = 0;
    if (len >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
        k = 3;
    while (k < len && (head[k] == ' ' || head[k] == '\t' || head[k] == '\n' || head[k] == '\r'))
        k++;
    if (k == len || (head[k] != '{' && head[k] != '['))
        return 0;
    for (size_t i = 0; i < sizeof azure / sizeof azure[0]; i++)
        hits += memmem(head, len, azure[i], strlen(azure[i])) != NULL;
    if (head[k] == '[')
        for (size_t i = 0; i < sizeof interflow / sizeof interflow[0]; i++)
            hits += memmem(head, len, interflow[i], strlen(interflow[i])) != NULL;
    int named = name && strcasestr(name, "ctip") != NULL;
    if (hits >= 2)
        return 95;
    if (hits == 1)
        return named ? 90 : 70;
    return named ? 40 : 0;
}

static int parse(struct vg_input *in, const struct format_options *opt,
                 const struct format_sink *sink, struct vg_err *err)
{
    static const struct format_options none = {NULL, NULL, NULL, 0, 0};
    struct ctip *c = calloc(1, sizeof *c);
    const char *head;
    size_t hn, k = 0;
    struct vg_line line;
    int rc;
    static pthread_once_t tables = PTHREAD_ONCE_INIT;
    if (!c)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    pthread_once(&tables, tables_init);
    c->simd = getenv("VIGIL_NO_SIMD") ? 0 : b64_simd_level;
    c->opt = opt ? opt : &none;
    c->sink = sink;
    c->file = vg_input_name(in);
    event_init(&c->ev);
    event_init(&c->probe);
    if ((rc = vg_input_peek(in, 4096, &head, &hn, err)))
        goto out;
    if (hn >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
        k = 3;
    while (k < hn && (head[k] == ' ' || head[k] == '\t' || head[k] == '\n' || head[k] == '\r'))
        k++;
    if (k < hn && head[k] == '[') {
        rc = interflow_doc(c, in, err);
        goto out;
    }
    while ((rc = vg_input_getline(in, &line, err)) == 1) {
        const char *lp = line.p;
        size_t ln = line.len;
        if (line.lineno == 1 && ln >= 3 && memcmp(lp, "\xef\xbb\xbf", 3) == 0)
            lp += 3, ln -= 3;
        if ((rc = azure_line(c, lp, ln, line.lineno, line.overlong)))
            break;
    }
out:
    if (rc == VG_ENOMEM)
        vg_err_set(err, rc, "%s: out of memory", c->file);
    event_free(&c->ev);
    event_free(&c->probe);
    vg_buf_free(&c->tmp);
    vg_buf_free(&c->py);
    vg_buf_free(&c->stack);
    vg_buf_free(&c->saved);
    free(c);
    return rc;
}

const struct format_driver format_ctip = {
    "ctip",
    "Microsoft CTIP: Azure JSON lines and Interflow v1.5 arrays (IntelMQ mapping)",
    detect,
    parse,
};
