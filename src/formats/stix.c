/*
 * stix.c — STIX 2.1 (and 2.0) content as records: a bundle (§8), a TAXII
 * 2.1 envelope ({"objects":[...]}), a single object, a JSON array of
 * objects, or JSON lines of any of these.
 *
 * All objects of the input are read first (json_docs.h) and indexed by id
 * (the latest "modified" of an id wins, §3.6), because references point
 * anywhere in the input.  Then, in input order, three kinds of object
 * become records; every other object (identity, malware, relationship,
 * marking-definition, cyber-observables, ATT&CK content...) is context and
 * yields nothing:
 *   sighting (§5.2)       one record per address it is about: the
 *                         cyber-observables of its observed_data_refs,
 *                         else the values of the indicator it sights.
 *                         first_seen/last_seen, count (x_vigil_events when
 *                         larger than STIX allows), else those of the
 *                         observed-data.  The count goes to the record when
 *                         the sighting names one address; with several,
 *                         each counts its observed-data's number_observed.
 *   indicator (§4.7)      one record per comparison of a pattern made only
 *                         of "[<type>:<path> = '<value>']" joined by OR
 *                         (inside or between brackets), for ipv4-addr and
 *                         ipv6-addr (→ source.ip, or source.network for a
 *                         CIDR), domain-name (source.fqdn), url
 *                         (source.url) and file:hashes MD5/SHA-1/SHA-256
 *                         (malware.hash.*); time.source is valid_from.
 *                         Not when a sighting of the input sights it (the
 *                         sighting's records are the same hosts, counted).
 *   observed-data (§4.14) one record per address of object_refs (or of the
 *                         2.0 "objects" dictionary): first/last_observed,
 *                         number_observed.  Not when a sighting refers
 *                         to it.
 * On every record: tlp = the strictest TLP marking among the object's
 * object_marking_refs (and those of the objects a sighting draws on): the
 * TLP 2.0 and 1.0 ids (event/tlp.h) or a marking-definition of the input
 * whose definition is TLP 1.0 or whose extension is TLP 2.0; malware.name =
 * the malware a sighting sights, or that the indicator "indicates"
 * (relationship §5.1); classification.type = x_vigil_classification, else
 * infected-system for a sighting of malware, else from indicator_types
 * (compromised → infected-system, malicious-activity → blacklist);
 * feed.name = x_vigil_feed; extra.stix.id = the object's id; a first and
 * last time on one UTC day become time.source and extra.vigil.last_seen
 * (event.h), a longer window keeps its end in extra.stix.last_seen only.
 *
 * What cannot be read — a pattern beyond that subset, a sighting naming no
 * address, a missing time — is a rejected record naming the object, its
 * position in the input and why.  Records report the line their document
 * starts on; the reason names the object's index and id.
 */
#include "formats/format.h"
#include "formats/json_docs.h"
#include "core/ip.h"
#include "core/vtime.h"
#include "event/tlp.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A bundle is parsed whole; past this it is refused (VG_ELIMIT). */
#define STIX_MAX_INPUT (256u << 20)
#define MAX_VALUES 64 /* comparisons read from one pattern */

struct obj {
    json_t *o; /* borrowed from docs */
    uint64_t line;
    size_t index; /* position among the input's objects */
};

struct stix {
    const char *file;
    const struct format_options *opt;
    const struct format_sink *sink;
    json_t *docs;     /* every document, kept alive */
    struct obj *objs; /* every object, in input order */
    size_t nobjs, cap;
    json_t *byid;     /* id → object */
    json_t *indicates; /* indicator id → malware id */
    json_t *consumed; /* ids a sighting draws on */
    struct event ev;
};

/* ---- collecting ------------------------------------------------------------ */

static int add_obj(struct stix *s, json_t *o, uint64_t line)
{
    if (s->nobjs == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 256;
        struct obj *no = realloc(s->objs, nc * sizeof *no);
        if (!no)
            return VG_ENOMEM;
        s->objs = no;
        s->cap = nc;
    }
    s->objs[s->nobjs] = (struct obj){o, line, s->nobjs};
    s->nobjs++;
    return 0;
}

static int reject_doc(struct stix *s, uint64_t line, json_t *doc, const char *why)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    struct format_record r = {.file = s->file, .line = line, .raw = text ? text : "", .raw_len = text ? strlen(text) : 0};
    int rc = s->sink->reject(s->sink->ctx, &r, why);
    free(text);
    return rc;
}

static int add_list(struct stix *s, json_t *list, uint64_t line)
{
    size_t i;
    json_t *o;
    int rc;
    json_array_foreach(list, i, o)
    {
        if (!json_is_object(o) || !json_is_string(json_object_get(o, "type"))) {
            char why[96];
            snprintf(why, sizeof why, "objects[%zu]: not a STIX object (no \"type\")", i);
            if ((rc = reject_doc(s, line, o, why)))
                return rc;
            continue;
        }
        if ((rc = add_obj(s, o, line)))
            return rc;
    }
    return 0;
}

static int on_doc(void *ctx, json_t *doc, uint64_t line)
{
    struct stix *s = ctx;
    if (json_array_append(s->docs, doc))
        return VG_ENOMEM;
    if (json_is_array(doc))
        return add_list(s, doc, line);
    json_t *type = json_object_get(doc, "type"), *objects = json_object_get(doc, "objects");
    if (json_is_string(type) && strcmp(json_string_value(type), "bundle") == 0) {
        if (objects && !json_is_array(objects))
            return reject_doc(s, line, doc, "bundle: \"objects\" is not an array");
        return objects ? add_list(s, objects, line) : 0;
    }
    if (json_is_string(type))
        return add_obj(s, doc, line);
    if (json_is_array(objects)) /* a TAXII 2.1 envelope */
        return add_list(s, objects, line);
    return reject_doc(s, line, doc, "not a STIX bundle, object or list of objects");
}

static const char *str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int is_type(json_t *o, const char *type)
{
    const char *t = str(o, "type");
    return t && strcmp(t, type) == 0;
}

/* Index ids and "indicates" relationships; note what sightings draw on. */
static int build_index(struct stix *s)
{
    for (size_t k = 0; k < s->nobjs; k++) {
        json_t *o = s->objs[k].o;
        const char *id = str(o, "id");
        if (!id)
            continue;
        json_t *old = json_object_get(s->byid, id);
        const char *om = old ? str(old, "modified") : NULL, *nm = str(o, "modified");
        /* RFC 3339 UTC text of one precision orders as its time */
        if (!old || (om && nm && strcmp(nm, om) > 0)) {
            if (json_object_set(s->byid, id, o))
                return VG_ENOMEM;
        }
        if (is_type(o, "relationship")) {
            const char *rt = str(o, "relationship_type"), *src = str(o, "source_ref"),
                       *dst = str(o, "target_ref");
            if (rt && src && dst && strcmp(rt, "indicates") == 0 &&
                strncmp(dst, "malware--", 9) == 0 && !json_object_get(s->indicates, src) &&
                json_object_set_new(s->indicates, src, json_string(dst)))
                return VG_ENOMEM;
        }
        if (is_type(o, "sighting")) {
            const char *of = str(o, "sighting_of_ref");
            json_t *refs = json_object_get(o, "observed_data_refs"), *r;
            size_t i;
            if (of && json_object_set_new(s->consumed, of, json_true()))
                return VG_ENOMEM;
            json_array_foreach(refs, i, r) if (json_is_string(r) &&
                                               json_object_set_new(s->consumed,
                                                                   json_string_value(r),
                                                                   json_true())) return VG_ENOMEM;
        }
    }
    return 0;
}

static json_t *ref(struct stix *s, const char *id)
{
    return id ? json_object_get(s->byid, id) : NULL;
}

/* ---- markings ---------------------------------------------------------------- */

static enum tlp_level marking_level(struct stix *s, const char *id)
{
    enum tlp_level t = tlp_from_stix_marking_id(id);
    json_t *m;
    if (t != TLP_NONE || !(m = ref(s, id)))
        return t;
    const char *dt = str(m, "definition_type");
    json_t *def = json_object_get(m, "definition");
    if (dt && strcmp(dt, "tlp") == 0 && str(def, "tlp")) /* TLP 1.0, §7.2.1.4 */
        return tlp_parse(str(def, "tlp"), strlen(str(def, "tlp")));
    json_t *ext = json_object_get(json_object_get(m, "extensions"), TLP_STIX_EXTENSION_ID);
    const char *v = str(ext, "tlp_2_0");
    return v ? tlp_parse(v, strlen(v)) : TLP_NONE;
}

static enum tlp_level object_tlp(struct stix *s, json_t *o, enum tlp_level t)
{
    json_t *refs = json_object_get(o, "object_marking_refs"), *r;
    size_t i;
    json_array_foreach(refs, i, r) if (json_is_string(r)) t =
        tlp_stricter(t, marking_level(s, json_string_value(r)));
    return t;
}

/* ---- patterns (STIX 2.1 §9, the subset above) -------------------------------- */

struct value {
    const char *field; /* event field */
    char text[512];
};

static void skip_ws(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
        (*p)++;
}

static int take(const char **p, const char *word)
{
    size_t n = strlen(word);
    if (strncmp(*p, word, n) != 0)
        return 0;
    *p += n;
    return 1;
}

/* "OR" followed by white space (§9.2: operators are upper case). */
static int take_or(const char **p)
{
    if ((*p)[0] != 'O' || (*p)[1] != 'R' ||
        ((*p)[2] != ' ' && (*p)[2] != '\t' && (*p)[2] != '\n' && (*p)[2] != '\r'))
        return 0;
    *p += 3;
    return 1;
}

/* A single-quoted string literal: \' and \\ escape (§9.3). */
static int literal(const char **p, char *out, size_t cap)
{
    size_t o = 0;
    if (**p != '\'')
        return -1;
    for ((*p)++; **p && **p != '\''; (*p)++) {
        if (**p == '\\') {
            (*p)++;
            if (**p != '\'' && **p != '\\')
                return -1;
        }
        if (o + 1 >= cap)
            return -1;
        out[o++] = **p;
    }
    if (**p != '\'')
        return -1;
    (*p)++;
    out[o] = '\0';
    return 0;
}

/* file:hashes.<name>: the hashing-algorithm-ov names (§10.7), quoted or
 * bare, in any case (producers write hashes.md5 as often as hashes.MD5). */
static const char *hash_field(const char **p)
{
    static const struct {
        const char *name, *field;
    } hashes[] = {
        {"MD5", "malware.hash.md5"},         {"SHA-1", "malware.hash.sha1"},
        {"SHA1", "malware.hash.sha1"},       {"SHA-256", "malware.hash.sha256"},
        {"SHA256", "malware.hash.sha256"},
    };
    char name[16];
    size_t n = 0;
    int quoted = **p == '\'';
    const char *q = *p + quoted;
    while (n + 1 < sizeof name && (isalnum((unsigned char)*q) || *q == '-'))
        name[n++] = *q++;
    name[n] = '\0';
    if (quoted && *q++ != '\'')
        return NULL;
    for (size_t k = 0; k < sizeof hashes / sizeof hashes[0]; k++)
        if (strcasecmp(name, hashes[k].name) == 0) {
            *p = q;
            return hashes[k].field;
        }
    return NULL;
}

/* "<type>:<path> = '<value>'" → the event field and the value. */
static const char *comparison(const char **p, struct value *v)
{
    static const struct {
        const char *path, *field;
    } paths[] = {
        {"ipv4-addr:value", "source.ip"},
        {"ipv6-addr:value", "source.ip"},
        {"domain-name:value", "source.fqdn"},
        {"url:value", "source.url"},
    };
    size_t k;
    const char *field = NULL;
    int v4 = 0;
    skip_ws(p);
    for (k = 0; k < sizeof paths / sizeof paths[0] && !field; k++)
        if (take(p, paths[k].path)) {
            field = paths[k].field;
            v4 = k == 0;
        }
    if (!field && take(p, "file:hashes."))
        field = hash_field(p);
    if (!field)
        return "an object path other than ipv4-addr/ipv6-addr/domain-name/url:value or "
               "file:hashes";
    skip_ws(p);
    if (!take(p, "=") || **p == '=')
        return "an operator other than =";
    skip_ws(p);
    if (literal(p, v->text, sizeof v->text))
        return "a value that is not a string literal";
    v->field = field;
    if (strcmp(field, "source.ip") == 0) {
        /* a CIDR of more than one address is a network (§6.4, §6.5) */
        char *slash = strchr(v->text, '/');
        if (slash) {
            if (strcmp(slash + 1, v4 ? "32" : "128") == 0)
                *slash = '\0';
            else
                v->field = "source.network";
        }
    }
    return NULL;
}

/* Parse pattern into values; NULL, or what is not read (with *col). */
static const char *pattern_values(const char *pattern, struct value *vals, size_t *n, size_t *col)
{
    const char *p = pattern, *why = NULL;
    *n = 0;
    for (;;) {
        skip_ws(&p);
        if (!take(&p, "[")) {
            why = "no '[' opening an observation expression";
            break;
        }
        for (;;) {
            if (*n == MAX_VALUES) {
                why = "more comparisons than vigil reads from one pattern";
                goto out;
            }
            if ((why = comparison(&p, &vals[*n])))
                goto out;
            (*n)++;
            skip_ws(&p);
            if (take_or(&p))
                continue;
            if (take(&p, "]"))
                break;
            why = "AND, a qualifier or other syntax inside '[...]' (only OR is read)";
            goto out;
        }
        skip_ws(&p);
        if (!*p)
            return NULL;
        if (!take_or(&p)) {
            why = "a qualifier or operator other than OR between observation expressions";
            break;
        }
    }
out:
    *col = (size_t)(p - pattern) + 1;
    return why;
}

/* ---- records ------------------------------------------------------------------ */

struct rec {
    const char *kind; /* "sighting", ... */
    struct obj *from;
    int64_t first_us, last_us;
    int has_first, has_last;
    int64_t events; /* 0 = not said */
    enum tlp_level tlp;
    const char *family, *classification, *feed;
};

static int reject_obj(struct stix *s, struct obj *o, const char *why)
{
    char *text = json_dumps(o->o, JSON_COMPACT);
    char reason[800];
    const char *id = str(o->o, "id");
    snprintf(reason, sizeof reason, "objects[%zu] %.120s: %.600s", o->index, id ? id : "(no id)",
             why);
    struct format_record r = {.file = s->file, .line = o->line, .raw = text ? text : "", .raw_len = text ? strlen(text) : 0};
    int rc = s->sink->reject(s->sink->ctx, &r, reason);
    free(text);
    return rc;
}

static int set(struct stix *s, const char *name, const char *v)
{
    return v && *v ? event_set_cstr(&s->ev, name, v) : 0;
}

/* Build and emit the record for one value. */
static int emit_value(struct stix *s, const struct rec *r, const struct value *v)
{
    char t[40];
    int rc;
    event_clear(&s->ev);
    vt_format_iso(r->first_us, t);
    if ((rc = set(s, v->field, v->text)) || (rc = set(s, "time.source", t)) ||
        (rc = set(s, "tlp", tlp_name(r->tlp))) || (rc = set(s, "malware.name", r->family)) ||
        (rc = set(s, "classification.type", r->classification)) ||
        (rc = set(s, "feed.name", r->feed)) ||
        (rc = set(s, "extra.stix.id", str(r->from->o, "id"))))
        goto fail;
    if (s->opt && s->opt->feed_name && (rc = set(s, "feed.name", s->opt->feed_name)))
        goto fail;
    if (r->events > 0 && (rc = event_set_int(&s->ev, EVENT_EXTRA_EVENTS, r->events)))
        goto fail;
    if (r->has_last) {
        vt_format_iso(r->last_us, t);
        int one_day = r->last_us >= r->first_us && vt_day_of(r->last_us) == vt_day_of(r->first_us);
        if ((rc = set(s, one_day ? EVENT_EXTRA_LAST_SEEN : "extra.stix.last_seen", t)))
            goto fail;
    }
    struct vg_err err = {0, ""};
    if (event_validate(&s->ev, &err))
        return reject_obj(s, r->from, err.msg);
    char *text = json_dumps(r->from->o, JSON_COMPACT);
    struct format_record fr = {.file = s->file, .line = r->from->line, .raw = text ? text : "", .raw_len = text ? strlen(text) : 0};
    rc = s->sink->emit(s->sink->ctx, &s->ev, &fr);
    free(text);
    return rc;
fail:
    if (rc == VG_ENOMEM)
        return rc;
    return reject_obj(s, r->from, "a value cannot be stored");
}

static int get_time(json_t *o, const char *key, int64_t *us, int *has)
{
    const char *v = str(o, key);
    if (*has || !v)
        return 0;
    if (vt_parse(v, strlen(v), us))
        return -1;
    *has = 1;
    return 0;
}

static const char *family_of_indicator(struct stix *s, const char *indicator_id)
{
    const char *mal = str(s->indicates, indicator_id);
    return mal ? str(ref(s, mal), "name") : NULL;
}

/* indicator_types (§10.12) → IntelMQ classification.type */
static const char *indicator_classification(json_t *ind)
{
    json_t *types = json_object_get(ind, "indicator_types"), *t;
    size_t i;
    if (!types) /* STIX 2.0 called them labels */
        types = json_object_get(ind, "labels");
    json_array_foreach(types, i, t)
    {
        if (!json_is_string(t))
            continue;
        if (strcmp(json_string_value(t), "compromised") == 0)
            return "infected-system";
        if (strcmp(json_string_value(t), "malicious-activity") == 0)
            return "blacklist";
    }
    return NULL;
}

/* The address values of an observed-data: object_refs (2.1) or the
 * embedded objects dictionary (2.0); network-traffic counts its source. */
static size_t observed_values(struct stix *s, json_t *od, struct value *vals, size_t cap)
{
    size_t n = 0, i;
    json_t *refs = json_object_get(od, "object_refs"), *r, *sco;
    const char *key;
    json_t *scos[MAX_VALUES];
    size_t ns = 0;
    json_array_foreach(refs, i, r) if (ns < MAX_VALUES && json_is_string(r) &&
                                       (sco = ref(s, json_string_value(r)))) scos[ns++] = sco;
    json_object_foreach(json_object_get(od, "objects"), key, sco) if (ns < MAX_VALUES &&
                                                                       json_is_object(sco))
        scos[ns++] = sco;
    for (size_t k = 0; k < ns && n < cap; k++) {
        json_t *o = scos[k];
        if (is_type(o, "network-traffic")) {
            const char *src = str(o, "src_ref");
            json_t *embedded = json_object_get(od, "objects");
            o = embedded && src ? json_object_get(embedded, src) : ref(s, src);
        }
        const char *type = str(o, "type"), *value = str(o, "value");
        if (!type || !value)
            continue;
        char pat[700];
        const char *path = strcmp(type, "ipv4-addr") == 0     ? "ipv4-addr:value"
                           : strcmp(type, "ipv6-addr") == 0   ? "ipv6-addr:value"
                           : strcmp(type, "domain-name") == 0 ? "domain-name:value"
                           : strcmp(type, "url") == 0         ? "url:value"
                                                              : NULL;
        if (!path || strlen(value) > 500 || strchr(value, '\'') || strchr(value, '\\'))
            continue;
        snprintf(pat, sizeof pat, "%s = '%s'", path, value);
        const char *p = pat;
        if (!comparison(&p, &vals[n]))
            n++;
    }
    return n;
}

static int do_sighting(struct stix *s, struct obj *ob)
{
    json_t *o = ob->o;
    struct value vals[MAX_VALUES];
    int64_t per[MAX_VALUES];
    size_t n = 0, i;
    struct rec r = {"sighting", ob, 0, 0, 0, 0, 0, TLP_NONE, NULL, NULL, NULL};
    json_t *target = ref(s, str(o, "sighting_of_ref")), *dref;
    json_t *odrefs = json_object_get(o, "observed_data_refs");
    if (get_time(o, "first_seen", &r.first_us, &r.has_first) ||
        get_time(o, "last_seen", &r.last_us, &r.has_last))
        return reject_obj(s, ob, "first_seen or last_seen is not an RFC 3339 time");
    r.tlp = object_tlp(s, o, TLP_NONE);
    json_array_foreach(odrefs, i, dref)
    {
        json_t *od = json_is_string(dref) ? ref(s, json_string_value(dref)) : NULL;
        if (!od)
            continue;
        size_t got = observed_values(s, od, vals + n, MAX_VALUES - n);
        json_t *no = json_object_get(od, "number_observed");
        for (size_t k = n; k < n + got; k++)
            per[k] = json_is_integer(no) && json_integer_value(no) > 0 ? json_integer_value(no) : 1;
        n += got;
        r.tlp = object_tlp(s, od, r.tlp);
        if (get_time(od, "first_observed", &r.first_us, &r.has_first) ||
            get_time(od, "last_observed", &r.last_us, &r.has_last))
            return reject_obj(s, ob, "its observed-data has a time that is not RFC 3339");
    }
    const char *tid = str(o, "sighting_of_ref");
    if (target && is_type(target, "indicator")) {
        r.tlp = object_tlp(s, target, r.tlp);
        r.family = family_of_indicator(s, tid);
        r.classification = indicator_classification(target);
        if (!n) {
            const char *pattern = str(target, "pattern");
            size_t col;
            if (pattern && !pattern_values(pattern, vals, &n, &col))
                for (size_t k = 0; k < n; k++)
                    per[k] = 1;
            else
                n = 0;
        }
        if (get_time(target, "valid_from", &r.first_us, &r.has_first))
            return reject_obj(s, ob, "the sighted indicator's valid_from is not RFC 3339");
    } else if (target && is_type(target, "malware")) {
        r.family = str(target, "name");
        r.classification = "infected-system";
    }
    if (str(o, "x_vigil_classification"))
        r.classification = str(o, "x_vigil_classification");
    r.feed = str(o, "x_vigil_feed");
    if (!n)
        return reject_obj(s, ob,
                          "names no address: neither its observed-data nor the object it sights "
                          "has an ipv4-addr, ipv6-addr, domain-name or url vigil can read");
    if (!r.has_first && get_time(o, "created", &r.first_us, &r.has_first))
        return reject_obj(s, ob, "created is not an RFC 3339 time");
    if (!r.has_first)
        return reject_obj(s, ob, "no time: no first_seen, observed-data or created");
    json_t *count = json_object_get(o, "x_vigil_events");
    if (!json_is_integer(count))
        count = json_object_get(o, "count");
    if (json_is_integer(count) && json_integer_value(count) == 0)
        return reject_obj(s, ob, "count is 0: sighted no times");
    int rc = 0;
    for (size_t k = 0; k < n && !rc; k++) {
        r.events = n == 1 && json_is_integer(count) ? json_integer_value(count) : per[k];
        rc = emit_value(s, &r, &vals[k]);
    }
    return rc;
}

static int do_indicator(struct stix *s, struct obj *ob)
{
    json_t *o = ob->o;
    struct value vals[MAX_VALUES];
    size_t n, col;
    const char *pattern = str(o, "pattern"), *ptype = str(o, "pattern_type");
    char why[400];
    if (!pattern)
        return reject_obj(s, ob, "no pattern");
    if (ptype && strcmp(ptype, "stix") != 0) {
        snprintf(why, sizeof why, "pattern_type '%.60s' is not read (only stix)", ptype);
        return reject_obj(s, ob, why);
    }
    const char *bad = pattern_values(pattern, vals, &n, &col);
    if (bad) {
        snprintf(why, sizeof why, "pattern not read at column %zu: %s", col, bad);
        return reject_obj(s, ob, why);
    }
    struct rec r = {"indicator", ob, 0, 0, 0, 0, 0, TLP_NONE, NULL, NULL, NULL};
    if (get_time(o, "valid_from", &r.first_us, &r.has_first) ||
        get_time(o, "created", &r.first_us, &r.has_first))
        return reject_obj(s, ob, "valid_from or created is not an RFC 3339 time");
    if (!r.has_first)
        return reject_obj(s, ob, "no time: neither valid_from nor created");
    r.tlp = object_tlp(s, o, TLP_NONE);
    r.family = family_of_indicator(s, str(o, "id"));
    r.classification = str(o, "x_vigil_classification") ? str(o, "x_vigil_classification")
                                                         : indicator_classification(o);
    r.feed = str(o, "x_vigil_feed");
    int rc = 0;
    for (size_t k = 0; k < n && !rc; k++)
        rc = emit_value(s, &r, &vals[k]);
    return rc;
}

static int do_observed(struct stix *s, struct obj *ob)
{
    json_t *o = ob->o;
    struct value vals[MAX_VALUES];
    struct rec r = {"observed-data", ob, 0, 0, 0, 0, 0, TLP_NONE, NULL, NULL, NULL};
    size_t n = observed_values(s, o, vals, MAX_VALUES);
    if (!n)
        return reject_obj(s, ob, "refers to no ipv4-addr, ipv6-addr, domain-name or url");
    if (get_time(o, "first_observed", &r.first_us, &r.has_first) ||
        get_time(o, "last_observed", &r.last_us, &r.has_last))
        return reject_obj(s, ob, "first_observed or last_observed is not an RFC 3339 time");
    if (!r.has_first)
        return reject_obj(s, ob, "no first_observed");
    json_t *no = json_object_get(o, "number_observed");
    r.events = json_is_integer(no) && json_integer_value(no) > 0 ? json_integer_value(no) : 0;
    r.tlp = object_tlp(s, o, TLP_NONE);
    r.classification = str(o, "x_vigil_classification");
    r.feed = str(o, "x_vigil_feed");
    int rc = 0;
    for (size_t k = 0; k < n && !rc; k++)
        rc = emit_value(s, &r, &vals[k]);
    return rc;
}

static int stix_parse(struct vg_input *in, const struct format_options *opt,
                      const struct format_sink *sink, struct vg_err *err)
{
    struct stix s;
    const char *p;
    size_t n;
    int rc;
    memset(&s, 0, sizeof s);
    s.file = vg_input_name(in);
    s.opt = opt;
    s.sink = sink;
    if ((rc = vg_input_slurp(in, STIX_MAX_INPUT, &p, &n, err))) {
        if (rc == VG_ELIMIT)
            vg_err_set(err, rc,
                       "%s: a STIX input larger than %u MiB is not read (a bundle is parsed "
                       "whole); split it into several bundles or JSON lines files",
                       s.file, STIX_MAX_INPUT >> 20);
        return rc;
    }
    event_init(&s.ev);
    s.docs = json_array();
    s.byid = json_object();
    s.indicates = json_object();
    s.consumed = json_object();
    if (!s.docs || !s.byid || !s.indicates || !s.consumed)
        rc = VG_ENOMEM;
    if (!rc)
        rc = json_docs_each(s.file, p, n, sink, on_doc, &s);
    if (!rc)
        rc = build_index(&s);
    for (size_t k = 0; k < s.nobjs && !rc; k++) {
        struct obj *o = &s.objs[k];
        const char *id = str(o->o, "id");
        int consumed = id && json_object_get(s.consumed, id);
        if (is_type(o->o, "sighting"))
            rc = do_sighting(&s, o);
        else if (is_type(o->o, "indicator") && !consumed)
            rc = do_indicator(&s, o);
        else if (is_type(o->o, "observed-data") && !consumed)
            rc = do_observed(&s, o);
    }
    if (rc == VG_ENOMEM)
        vg_err_set(err, rc, "%s: out of memory", s.file);
    json_decref(s.docs);
    json_decref(s.byid);
    json_decref(s.indicates);
    json_decref(s.consumed);
    free(s.objs);
    event_free(&s.ev);
    return rc;
}

/* A bundle, or JSON whose first object speaks STIX. */
static int stix_detect(const char *name, const char *head, size_t len)
{
    size_t k = 0;
    if (len >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
        k = 3;
    while (k < len && (head[k] == ' ' || head[k] == '\t' || head[k] == '\n' || head[k] == '\r'))
        k++;
    if (k == len || (head[k] != '{' && head[k] != '['))
        return 0;
    const char *p = head + k;
    size_t n = len - k;
    int bundle = memmem(p, n, "\"bundle\"", 8) && memmem(p, n, "\"type\"", 6);
    int spec = memmem(p, n, "\"spec_version\"", 14) != NULL;
    int ids = memmem(p, n, "--", 2) && memmem(p, n, "\"id\"", 4);
    int objects = memmem(p, n, "\"objects\"", 9) != NULL;
    (void)name;
    if (bundle && ids)
        return 95;
    if (spec && ids)
        return 85;
    if (objects && ids && memmem(p, n, "\"type\"", 6))
        return 60;
    return 0;
}

const struct format_driver format_stix = {
    "stix",
    "STIX 2.1 bundles, objects or JSON lines: indicators, sightings, observed-data",
    stix_detect,
    stix_parse,
};
