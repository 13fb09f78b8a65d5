/*
 * misp.c — MISP events as records (MISP core format,
 * draft-dulaunoy-misp-core-format: §2.2 Event, §2.3 Attribute, §2.5
 * Object, §2.6 Tag), and the event files of a MISP feed directory.
 *
 * Input: a feed's event file {"Event": {...}}, a bare event object, a REST
 * answer {"response": [...]}, an array of events, JSON lines of any of
 * these, or a lone attribute (json_docs.h).  The mapping follows IntelMQ's
 * MISP parser (intelmq/bots/parsers/misp/parser.py), so that a CERT moving
 * between the two gets the same events:
 *   - an attribute of category Payload delivery, Artifacts dropped, Payload
 *     installation or Network activity becomes a record when its type maps:
 *     ip-src, ip-dst → source.ip (ip-src|port, ip-dst|port also
 *     source.port), domain, hostname → source.fqdn (domain|ip also
 *     source.ip), url → source.url, md5/sha1/sha256 → malware.hash.*,
 *     email-src → source.account; attributes inside the event's Objects
 *     count too;
 *   - the event's "Payload type" attribute names the malware (malware.name,
 *     lower-cased) and is context, not a record;
 *   - classification.type: an rsit:<taxonomy>="<type>" tag (RSIT values are
 *     IntelMQ's types), else the ecsirt tags IntelMQ maps;
 *   - tlp: the strictest tlp: tag of the event and the attribute (tlp:white
 *     reads as CLEAR);
 *   - time.source: the attribute's first_seen, else its timestamp, else the
 *     event's timestamp, else its date; a last_seen on the same UTC day is
 *     extra.vigil.last_seen, and a comment "N events" extra.vigil.events
 *     (event.h), which is how vigil's own feed (src/share/misp_out.c)
 *     carries an observation;
 *   - feed.name from a vigil:feed="<name>" tag; misp.event_uuid,
 *     misp.attribute_uuid, comment and event_description.text (the
 *     category) as IntelMQ sets them.
 * Every other attribute — a link, a comment, a registry key, a deleted
 * one — is a rejected record with its path (Event.Attribute[3]) and why;
 * a feed's manifest.json is refused as a whole (it lists events, it is
 * not one: ingest the directory).
 */
#include "formats/format.h"
#include "formats/json_docs.h"
#include "core/uuid.h"
#include "core/vtime.h"
#include "event/tlp.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define MISP_MAX_INPUT (256u << 20)

struct misp {
    const char *file;
    const struct format_options *opt;
    const struct format_sink *sink;
    struct event ev;
};

/* What an event says about all of its attributes. */
struct ctx {
    json_t *event; /* NULL for a lone attribute */
    uint64_t line;
    char path[64]; /* "Event" or "response[2].Event" ... */
    enum tlp_level tlp;
    char classification[64];
    char feed[512];
    char family[256];
    int64_t event_us; /* timestamp, else date; 0 = none */
    int has_event_time;
};

static const char *str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* IntelMQ's ecsirt table, with its targets in IntelMQ 3's vocabulary. */
static const struct {
    const char *tag, *type;
} ecsirt[] = {
    {"ecsirt:fraud=\"phishing\"", "phishing"},
    {"ecsirt:availability=\"ddos\"", "ddos"},
    {"ecsirt:abusive-content=\"spam\"", "spam"},
    {"ecsirt:information-gathering=\"scanner\"", "scanner"},
    {"ecsirt:malicious-code=\"botnet-drone\"", "infected-system"},
    {"ecsirt:malicious-code=\"malware-configuration\"", "malware-configuration"},
    {"ecsirt:malicious-code=\"c2server\"", "c2-server"},
    {"ecsirt:intrusion-attempts=\"exploit\"", "exploit"},
    {"ecsirt:intrusion-attempts=\"brute-force\"", "brute-force"},
    {"ecsirt:intrusion-attempts=\"ids-alert\"", "ids-alert"},
    {"ecsirt:intrusions=\"defacement\"", "unauthorised-information-modification"},
    {"ecsirt:intrusions=\"compromised\"", "system-compromise"},
    {"ecsirt:intrusions=\"backdoor\"", "system-compromise"},
    {"ecsirt:vulnerable=\"vulnerable-service\"", "vulnerable-system"},
    {"ecsirt:other=\"blacklist\"", "blacklist"},
    {"ecsirt:other=\"unknown\"", "undetermined"},
    {"ecsirt:test=\"test\"", "test"},
};

/* The value of a machine tag namespace:predicate="value" with this prefix
 * ("rsit:" matches any predicate) into out; 1 when found. */
static int tag_value(const char *tag, const char *ns, char *out, size_t cap)
{
    size_t nl = strlen(ns);
    if (strncmp(tag, ns, nl) != 0)
        return 0;
    const char *q = strstr(tag + nl, "=\"");
    size_t len = q ? strlen(q + 2) : 0;
    if (!q || len < 1 || q[2 + len - 1] != '"' || len - 1 >= cap)
        return 0;
    memcpy(out, q + 2, len - 1);
    out[len - 1] = '\0';
    return 1;
}

/* Read the tags of an event or attribute into c. */
static void read_tags(json_t *tags, struct ctx *c)
{
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t)
    {
        const char *name = json_is_string(t) ? json_string_value(t) : str(t, "name");
        if (!name)
            continue;
        if (strncasecmp(name, "tlp:", 4) == 0)
            c->tlp = tlp_stricter(c->tlp, tlp_parse(name, strlen(name)));
        else if (tag_value(name, "rsit:", c->classification, sizeof c->classification))
            ;
        else if (tag_value(name, "vigil:feed", c->feed, sizeof c->feed))
            ;
        else if (!c->classification[0])
            for (size_t k = 0; k < sizeof ecsirt / sizeof ecsirt[0]; k++)
                if (strcmp(name, ecsirt[k].tag) == 0)
                    snprintf(c->classification, sizeof c->classification, "%s", ecsirt[k].type);
    }
}

/* A MISP time: Unix seconds as a string or a number. */
static int epoch_of(json_t *v, int64_t *us)
{
    long long secs;
    char *end;
    if (json_is_integer(v))
        secs = (long long)json_integer_value(v);
    else if (json_is_string(v) && *json_string_value(v)) {
        errno = 0;
        secs = strtoll(json_string_value(v), &end, 10);
        if (errno || *end)
            return -1;
    } else
        return -1;
    if (secs <= 0 || secs > INT64_C(253402300799)) /* up to 9999-12-31 */
        return -1;
    *us = (int64_t)secs * VT_US_PER_SEC;
    return 0;
}

static int reject(struct misp *m, const struct ctx *c, json_t *what, const char *path,
                  const char *why)
{
    char reason[800];
    char *text = json_dumps(what, JSON_COMPACT);
    snprintf(reason, sizeof reason, "%s: %s", path, why);
    struct format_record r = {.file = m->file, .line = c->line, .raw = text ? text : "", .raw_len = text ? strlen(text) : 0};
    int rc = m->sink->reject(m->sink->ctx, &r, reason);
    free(text);
    return rc;
}

static const char *const categories[] = {"Payload delivery", "Artifacts dropped",
                                         "Payload installation", "Network activity"};

static int set(struct misp *m, const char *name, const char *v)
{
    return v && *v ? event_set_cstr(&m->ev, name, v) : 0;
}

/* Set the fields the attribute's type and value give; NULL, or why not. */
static const char *map_value(struct misp *m, const char *type, const char *value, int *rc)
{
    static const struct {
        const char *type, *field;
    } plain[] = {
        {"ip-src", "source.ip"},       {"ip-dst", "source.ip"},
        {"domain", "source.fqdn"},     {"hostname", "source.fqdn"},
        {"url", "source.url"},         {"md5", "malware.hash.md5"},
        {"sha1", "malware.hash.sha1"}, {"sha256", "malware.hash.sha256"},
        {"email-src", "source.account"},
    };
    for (size_t k = 0; k < sizeof plain / sizeof plain[0]; k++)
        if (strcmp(type, plain[k].type) == 0) {
            *rc = set(m, plain[k].field, value);
            return NULL;
        }
    /* composite types: "a|b" */
    const char *bar = strchr(value, '|');
    char left[512];
    if ((strcmp(type, "ip-src|port") == 0 || strcmp(type, "ip-dst|port") == 0 ||
         strcmp(type, "domain|ip") == 0) &&
        bar && (size_t)(bar - value) < sizeof left) {
        memcpy(left, value, (size_t)(bar - value));
        left[bar - value] = '\0';
        if (type[0] == 'd')
            *rc = set(m, "source.fqdn", left) ? -1 : set(m, "source.ip", bar + 1);
        else {
            char *end;
            long port = strtol(bar + 1, &end, 10);
            if (*end || port < 0 || port > 65535)
                return "the port is not a number from 0 to 65535";
            *rc = set(m, "source.ip", left) ? -1 : event_set_int(&m->ev, "source.port", port);
        }
        return NULL;
    }
    return "its type carries no address, domain, URL or hash vigil maps";
}

/* "12 events" / "1 event": vigil's own count. */
static int64_t events_of(const char *comment)
{
    char *end;
    if (!comment || !isdigit((unsigned char)comment[0]))
        return 0;
    errno = 0;
    long long n = strtoll(comment, &end, 10);
    if (errno || n < 1 || (strcmp(end, " events") != 0 && strcmp(end, " event") != 0))
        return 0;
    return n;
}

static int do_attribute(struct misp *m, const struct ctx *ev, json_t *a, const char *path)
{
    if (!json_is_object(a))
        return reject(m, ev, a, path, "not an attribute object");
    const char *type = str(a, "type"), *value = str(a, "value"), *category = str(a, "category");
    char why[400];
    if (!type || !value)
        return reject(m, ev, a, path, "no type or no value");
    if (category && strcmp(category, "Payload type") == 0)
        return 0; /* the family: read with the event */
    if (json_is_true(json_object_get(a, "deleted")))
        return reject(m, ev, a, path, "deleted in MISP");
    int supported = 0;
    for (size_t k = 0; k < sizeof categories / sizeof categories[0]; k++)
        supported |= category && strcmp(category, categories[k]) == 0;
    if (!supported) {
        snprintf(why, sizeof why,
                 "category '%.60s' is not one vigil reads (Payload delivery, Artifacts dropped, "
                 "Payload installation, Network activity)",
                 category ? category : "");
        return reject(m, ev, a, path, why);
    }
    struct ctx c = *ev;
    read_tags(json_object_get(a, "Tag"), &c);
    event_clear(&m->ev);
    int rc = 0;
    const char *bad = map_value(m, type, value, &rc);
    if (bad) {
        snprintf(why, sizeof why, "type '%.60s': %s", type, bad);
        return reject(m, ev, a, path, why);
    }
    if (rc == VG_ENOMEM)
        return rc;
    int64_t first = 0, last = 0;
    int has_first = 0, has_last = 0;
    const char *fs = str(a, "first_seen"), *ls = str(a, "last_seen");
    if (fs && *fs) {
        if (vt_parse(fs, strlen(fs), &first))
            return reject(m, ev, a, path, "first_seen is not a date-time");
        has_first = 1;
    } else if (json_object_get(a, "timestamp") &&
               epoch_of(json_object_get(a, "timestamp"), &first) == 0)
        has_first = 1;
    else if (c.has_event_time) {
        first = c.event_us;
        has_first = 1;
    }
    if (!has_first)
        return reject(m, ev, a, path, "no time: no first_seen or timestamp, and none on the event");
    if (ls && *ls) {
        if (vt_parse(ls, strlen(ls), &last))
            return reject(m, ev, a, path, "last_seen is not a date-time");
        has_last = last >= first && vt_day_of(last) == vt_day_of(first);
    }
    char t[40];
    const char *uuid = str(a, "uuid"), *euuid = c.event ? str(c.event, "uuid") : NULL;
    struct vg_uuid u;
    vt_format_iso(first, t);
    if (!rc)
        rc = set(m, "time.source", t);
    if (!rc && has_last) {
        vt_format_iso(last, t);
        rc = set(m, EVENT_EXTRA_LAST_SEEN, t);
    }
    int64_t n = events_of(str(a, "comment"));
    if (!rc && n)
        rc = event_set_int(&m->ev, EVENT_EXTRA_EVENTS, n);
    if (!rc)
        rc = set(m, "tlp", tlp_name(c.tlp));
    if (!rc)
        rc = set(m, "classification.type", c.classification);
    if (!rc)
        rc = set(m, "malware.name", c.family);
    if (!rc)
        rc = set(m, "feed.name", m->opt && m->opt->feed_name ? m->opt->feed_name : c.feed);
    if (!rc)
        rc = set(m, "comment", str(a, "comment"));
    if (!rc)
        rc = set(m, "event_description.text", category);
    if (!rc && uuid && !uuid_parse(uuid, strlen(uuid), &u))
        rc = set(m, "misp.attribute_uuid", uuid);
    if (!rc && euuid && !uuid_parse(euuid, strlen(euuid), &u))
        rc = set(m, "misp.event_uuid", euuid);
    if (rc)
        return rc == VG_ENOMEM ? rc : reject(m, ev, a, path, "a value cannot be stored");
    struct vg_err err = {0, ""};
    if (event_validate(&m->ev, &err))
        return reject(m, ev, a, path, err.msg);
    char *text = json_dumps(a, JSON_COMPACT);
    struct format_record r = {.file = m->file, .line = c.line, .raw = text ? text : "", .raw_len = text ? strlen(text) : 0};
    rc = m->sink->emit(m->sink->ctx, &m->ev, &r);
    free(text);
    return rc;
}

static int attribute_list(struct misp *m, const struct ctx *c, json_t *list, const char *base)
{
    size_t i;
    json_t *a;
    int rc = 0;
    if (list && !json_is_array(list))
        return reject(m, c, list, base, "not a list");
    json_array_foreach(list, i, a)
    {
        char path[160];
        snprintf(path, sizeof path, "%s[%zu]", base, i);
        if ((rc = do_attribute(m, c, a, path)))
            return rc;
    }
    return 0;
}

static int do_event(struct misp *m, json_t *e, uint64_t line, const char *path)
{
    struct ctx c;
    memset(&c, 0, sizeof c);
    c.event = e;
    c.line = line;
    c.tlp = TLP_NONE;
    snprintf(c.path, sizeof c.path, "%s", path);
    read_tags(json_object_get(e, "Tag"), &c);
    if (epoch_of(json_object_get(e, "timestamp"), &c.event_us) == 0)
        c.has_event_time = 1;
    else if (str(e, "date") && vt_parse(str(e, "date"), strlen(str(e, "date")), &c.event_us) == 0)
        c.has_event_time = 1;
    /* the family: a Payload type attribute (IntelMQ reads the last one) */
    json_t *attrs = json_object_get(e, "Attribute"), *a, *objects = json_object_get(e, "Object");
    size_t i;
    json_array_foreach(attrs, i, a)
    {
        const char *cat = str(a, "category"), *v = str(a, "value");
        if (cat && v && strcmp(cat, "Payload type") == 0 && strlen(v) < sizeof c.family)
            snprintf(c.family, sizeof c.family, "%s", v);
    }
    char base[160];
    snprintf(base, sizeof base, "%s.Attribute", path);
    int rc = attribute_list(m, &c, attrs, base);
    json_t *o;
    json_array_foreach(objects, i, o)
    {
        if (rc)
            break;
        snprintf(base, sizeof base, "%s.Object[%zu].Attribute", path, i);
        rc = attribute_list(m, &c, json_object_get(o, "Attribute"), base);
    }
    return rc;
}

/* A manifest: every member is a uuid naming an event summary. */
static int is_manifest(json_t *doc)
{
    const char *k;
    json_t *v;
    struct vg_uuid u;
    if (!json_is_object(doc) || !json_object_size(doc))
        return 0;
    json_object_foreach(doc, k, v) if (uuid_parse(k, strlen(k), &u) || !json_is_object(v) ||
                                       !json_object_get(v, "info")) return 0;
    return 1;
}

static int do_item(struct misp *m, json_t *item, uint64_t line, const char *path)
{
    char sub[96];
    json_t *e = json_object_get(item, "Event");
    if (json_is_object(e)) {
        snprintf(sub, sizeof sub, "%s%sEvent", path, *path ? "." : "");
        return do_event(m, e, line, sub);
    }
    if (json_is_object(item) && (json_object_get(item, "Attribute") ||
                                 json_object_get(item, "Object") || json_object_get(item, "info")))
        return do_event(m, item, line, *path ? path : "Event");
    struct ctx c;
    memset(&c, 0, sizeof c);
    c.line = line;
    c.tlp = TLP_NONE;
    if (json_is_object(item) && json_object_get(item, "type") && json_object_get(item, "value"))
        return do_attribute(m, &c, item, *path ? path : "Attribute");
    return reject(m, &c, item, *path ? path : "document",
                  "not a MISP event ({\"Event\":...}, an event object or a list of them)");
}

static int on_doc(void *ctx, json_t *doc, uint64_t line)
{
    struct misp *m = ctx;
    json_t *list = json_is_array(doc) ? doc : json_object_get(doc, "response");
    if (is_manifest(doc)) {
        struct ctx c;
        memset(&c, 0, sizeof c);
        c.line = line;
        return reject(m, &c, doc, "document",
                      "a MISP feed manifest lists events but holds none: ingest the feed "
                      "directory (or its <uuid>.json files)");
    }
    if (json_is_array(list)) {
        size_t i;
        json_t *item;
        int rc;
        json_array_foreach(list, i, item)
        {
            char path[64];
            snprintf(path, sizeof path, "%s[%zu]", json_is_array(doc) ? "" : "response", i);
            if ((rc = do_item(m, item, line, path)))
                return rc;
        }
        return 0;
    }
    return do_item(m, doc, line, "");
}

static int misp_parse(struct vg_input *in, const struct format_options *opt,
                      const struct format_sink *sink, struct vg_err *err)
{
    struct misp m;
    const char *p;
    size_t n;
    memset(&m, 0, sizeof m);
    m.file = vg_input_name(in);
    m.opt = opt;
    m.sink = sink;
    int rc = vg_input_slurp(in, MISP_MAX_INPUT, &p, &n, err);
    if (rc) {
        if (rc == VG_ELIMIT)
            vg_err_set(err, rc, "%s: a MISP input larger than %u MiB is not read", m.file,
                       MISP_MAX_INPUT >> 20);
        return rc;
    }
    event_init(&m.ev);
    rc = json_docs_each(m.file, p, n, sink, on_doc, &m);
    if (rc == VG_ENOMEM)
        vg_err_set(err, rc, "%s: out of memory", m.file);
    event_free(&m.ev);
    return rc;
}

static int misp_detect(const char *name, const char *head, size_t len)
{
    size_t k = 0;
    while (k < len && (head[k] == ' ' || head[k] == '\t' || head[k] == '\n' || head[k] == '\r'))
        k++;
    if (k == len || (head[k] != '{' && head[k] != '['))
        return 0;
    const char *p = head + k;
    size_t n = len - k;
    (void)name;
    if (memmem(p, n, "\"Event\"", 7) && memmem(p, n, "\"info\"", 6))
        return 95;
    if (memmem(p, n, "\"Attribute\"", 11) || memmem(p, n, "\"Orgc\"", 6))
        return 85;
    if (memmem(p, n, "\"to_ids\"", 8) && memmem(p, n, "\"category\"", 10))
        return 60;
    return 0;
}

const struct format_driver format_misp = {
    "misp",
    "MISP events (feed event files, event JSON, REST answers): attributes as records",
    misp_detect,
    misp_parse,
};

/* ---- feed directories --------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void misp_feed_free(char **paths, size_t n)
{
    for (size_t k = 0; paths && k < n; k++)
        free(paths[k]);
    free(paths);
}

int misp_feed_list(const char *dir, char ***paths, size_t *n, struct vg_err *err)
{
    size_t dl = strlen(dir);
    char *mpath = malloc(dl + 16);
    json_error_t je;
    int rc = 0;
    *paths = NULL;
    *n = 0;
    if (!mpath)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    snprintf(mpath, dl + 16, "%s/manifest.json", dir);
    struct stat sb;
    if (stat(mpath, &sb) != 0) {
        free(mpath);
        return vg_err_set(err, VG_ENOTFOUND, "%s: a directory without manifest.json is not a "
                                             "MISP feed", dir);
    }
    json_t *man = json_load_file(mpath, JSON_REJECT_DUPLICATES, &je);
    if (!man || !json_is_object(man)) {
        rc = vg_err_set(err, VG_EPARSE, "%s: not a MISP manifest: %s (line %d, column %d)",
                        mpath, man ? "not a JSON object" : je.text, man ? 1 : je.line,
                        man ? 1 : je.column);
        goto out;
    }
    size_t cap = json_object_size(man);
    char **list = calloc(cap ? cap : 1, sizeof *list);
    const char *key;
    json_t *v;
    if (!list) {
        rc = vg_err_set(err, VG_ENOMEM, "out of memory");
        goto out;
    }
    json_object_foreach(man, key, v)
    {
        struct vg_uuid u;
        /* the key becomes a file name: only a uuid, never a path */
        if (uuid_parse(key, strlen(key), &u)) {
            rc = vg_err_set(err, VG_EPARSE, "%s: member \"%.60s\" is not an event uuid", mpath,
                            key);
            break;
        }
        if (!(list[*n] = malloc(dl + 48))) {
            rc = vg_err_set(err, VG_ENOMEM, "out of memory");
            break;
        }
        snprintf(list[*n], dl + 48, "%s/%s.json", dir, key);
        (*n)++;
        if (stat(list[*n - 1], &sb) != 0 || !S_ISREG(sb.st_mode)) {
            rc = vg_err_set(err, VG_ENOTFOUND, "%s: the manifest lists %s.json, which is missing",
                            dir, key);
            break;
        }
    }
    if (rc) {
        misp_feed_free(list, *n);
        *n = 0;
        goto out;
    }
    qsort(list, *n, sizeof *list, cmp_str);
    *paths = list;
out:
    json_decref(man);
    free(mpath);
    return rc;
}
