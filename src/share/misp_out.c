/*
 * misp_out.c — observations as a MISP feed directory: one event file
 * "<uuid>.json" per event, "manifest.json" and "hashes.csv", the layout
 * MISP fetches a feed of source_format "misp" in (and PyMISP's feed
 * generator writes); the events follow the MISP core format
 * (draft-dulaunoy-misp-core-format, §2.2 Event, §2.3 Attribute, §2.6 Tag,
 * §2.4 Orgc).
 *
 * The mapping (README "Sharing"):
 *   one event per (day, feed, family, classification type, TLP): uuid a
 *     UUIDv5 of that key, date the day, info a sentence naming it,
 *     threat_level_id 4 (undefined: vigil measures infections, not
 *     threat), analysis 2 (completed: the day's observations are a fact),
 *     published, Orgc the producer, timestamp the last event of the event;
 *   Tag: "tlp:<level>" (MISP tlp taxonomy), rsit:<taxonomy>="<type>" (the
 *     RSIT taxonomy, whose values are IntelMQ's classification types) and
 *     vigil:feed="<feed>";
 *   Attribute, first a "Payload type" / "text" attribute holding the family
 *     (where MISP events name malware and IntelMQ's MISP parser reads it
 *     from), then one "Network activity" / "ip-src" attribute per infected
 *     address: value the address, first_seen and last_seen its first and
 *     last event, comment "N events", to_ids false (the address is a
 *     victim to notify, not an indicator to block), uuid a UUIDv5 of the
 *     observation's key.
 * Times are strings of Unix seconds and booleans true/false, as in the
 * format's examples and MISP's own feeds.  hashes.csv lists "<md5 of the
 * value>,<event uuid>" per attribute, manifest.json each event's summary
 * (Orgc, Tag, info, date, analysis, threat_level_id, timestamp) under its
 * uuid.
 *
 * Observations arrive grouped by event (LANDSCAPE_ORDER_GROUP): each event
 * file is streamed as its attributes come (only the manifest, one entry
 * per event, is held), written beside and renamed into place; the manifest
 * is renamed last, so a MISP instance pulling meanwhile sees the previous
 * feed.
 */
#include "share/share_int.h"
#include "core/ip.h"
#include "core/vtime.h"
#include "event/field.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct misp {
    struct share_writer w;
    const char *producer, *dir;
    char org_uuid[SHARE_ID_MAX];
    json_t *manifest;
    struct share_file hashes;
    /* the event being written */
    struct share_file ev;
    int open;
    char uuid[SHARE_ID_MAX];
    json_t *summary; /* its manifest entry */
    int32_t day;
    char *type, *family, *feed, *tlp;
    int64_t last_us;
    uint64_t nattrs;
    uint64_t events;
};

static int same_group(const struct misp *m, const struct landscape_obs *o)
{
    return m->open && m->day == o->obs.day && strcmp(m->feed, o->obs.feed) == 0 &&
           strcmp(m->family, o->obs.family) == 0 && strcmp(m->type, o->obs.type) == 0 &&
           strcmp(m->tlp, o->obs.tlp) == 0;
}

static char *path_in(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (p) {
        memcpy(p, dir, a);
        p[a] = '/';
        memcpy(p + a + 1, name, b + 1);
    }
    return p;
}

static json_t *tag(const char *name, const char *colour)
{
    return json_pack("{s:o, s:s, s:b}", "name", share_json_str(name), "colour", colour,
                     "exportable", 1);
}

/* The event's tags: TLP, classification, feed. */
static json_t *event_tags(const struct landscape_obs *o)
{
    enum tlp_level t = tlp_parse(o->obs.tlp, strlen(o->obs.tlp));
    json_t *tags = json_array();
    struct vg_buf name = VG_BUF_INIT;
    int bad = !tags;
    if (t == TLP_NONE)
        t = TLP_RED;
    bad = bad || json_array_append_new(tags, tag(tlp_misp_tag(t), tlp_misp_colour(t)));
    const char *taxonomy = o->obs.type[0] ? field_class_taxonomy(o->obs.type) : NULL;
    if (!bad && taxonomy) {
        bad = vg_buf_printf(&name, "rsit:%s=\"%s\"", taxonomy, o->obs.type) ||
              json_array_append_new(tags, tag(name.data, "#0071c3"));
    }
    if (!bad && o->obs.feed[0]) {
        vg_buf_reset(&name);
        bad = vg_buf_printf(&name, "vigil:feed=\"%s\"", o->obs.feed) ||
              json_array_append_new(tags, tag(name.data, "#5c7080"));
    }
    vg_buf_free(&name);
    if (bad) {
        json_decref(tags);
        return NULL;
    }
    return tags;
}

static int write_text(struct share_file *f, const char *s, struct vg_err *err)
{
    return share_file_write(f, s, strlen(s), err);
}

/* Append one attribute (its reference is taken) to the open event and its
 * md5 line to hashes.csv. */
static int put_attribute(struct misp *m, json_t *attr, const char *value, struct vg_err *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char line[2 * EVP_MAX_MD_SIZE + SHARE_ID_MAX + 4];
    int rc;
    if (!attr)
        return vg_err_set(err, VG_ENOMEM, "out of memory building a MISP attribute");
    rc = (m->nattrs ? write_text(&m->ev, ",\n", err) : 0);
    rc = rc ? rc : share_file_json(&m->ev, attr, 0, err);
    json_decref(attr);
    if (rc)
        return rc;
    m->nattrs++;
    /* PyMISP's feed generator: md5 of the attribute's value, the event uuid */
    if (!EVP_Digest(value, strlen(value), md, &mdlen, EVP_md5(), NULL))
        return vg_err_set(err, VG_ENOMEM, "md5 failed");
    int n = 0;
    for (unsigned k = 0; k < mdlen; k++)
        n += snprintf(line + n, sizeof line - (size_t)n, "%02x", md[k]);
    n += snprintf(line + n, sizeof line - (size_t)n, ",%s\n", m->uuid);
    return share_file_write(&m->hashes, line, (size_t)n, err);
}

static int close_event(struct misp *m, struct vg_err *err)
{
    if (!m->open)
        return 0;
    char ts[32], tail[160];
    snprintf(ts, sizeof ts, "%lld", (long long)(m->last_us / VT_US_PER_SEC));
    snprintf(tail, sizeof tail, "\n],\"timestamp\":\"%s\",\"publish_timestamp\":\"%s\"}}\n", ts,
             ts);
    int rc = write_text(&m->ev, tail, err);
    rc = rc ? rc : share_file_commit(&m->ev, err);
    if (!rc && json_object_set_new(m->summary, "timestamp", json_string(ts)))
        rc = vg_err_set(err, VG_ENOMEM, "out of memory");
    if (!rc) {
        /* json_object_set_new takes the summary's reference, also when it
         * fails */
        json_t *summary = m->summary;
        m->summary = NULL;
        if (json_object_set_new(m->manifest, m->uuid, summary))
            rc = vg_err_set(err, VG_ENOMEM, "out of memory");
    }
    json_decref(m->summary);
    m->summary = NULL;
    m->open = 0;
    m->events++;
    return rc;
}

static int set_key(struct misp *m, const struct landscape_obs *o)
{
    free(m->type);
    free(m->family);
    free(m->feed);
    free(m->tlp);
    m->type = strdup(o->obs.type);
    m->family = strdup(o->obs.family);
    m->feed = strdup(o->obs.feed);
    m->tlp = strdup(o->obs.tlp);
    m->day = o->obs.day;
    return m->type && m->family && m->feed && m->tlp ? 0 : VG_ENOMEM;
}

static int open_event(struct misp *m, const struct landscape_obs *o, struct vg_err *err)
{
    char day[16], ip[IP_STRLEN], file[SHARE_ID_MAX + 8], info[1024];
    const char *parts[SHARE_OBS_PARTS];
    int rc;
    share_obs_name(o, "misp-event", m->producer, day, ip, parts);
    /* the event's key is the observation's without the address */
    const char *key[7] = {parts[0], parts[1], parts[2], parts[6], parts[5], parts[4], parts[7]};
    if ((rc = share_id("", key, 7, m->uuid, err)))
        return rc;
    if (set_key(m, o))
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    snprintf(info, sizeof info, "vigil: %.200s%s%.64s%s on %s, feed %.200s",
             o->obs.family[0] ? o->obs.family : "hosts", o->obs.type[0] ? " (" : "",
             o->obs.type, o->obs.type[0] ? ")" : "", day,
             o->obs.feed[0] ? o->obs.feed : "-");
    snprintf(file, sizeof file, "%s.json", m->uuid);
    char *path = path_in(m->dir, file);
    if (!path)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    rc = share_file_open(&m->ev, path, NULL, err);
    free(path);
    if (rc)
        return rc;
    m->open = 1;
    m->nattrs = 0;
    m->last_us = o->obs.last_us;
    json_t *org = json_pack("{s:o, s:s}", "name", share_json_str(m->producer), "uuid",
                            m->org_uuid);
    json_t *head = json_pack("{s:s, s:o, s:s, s:s, s:s, s:b, s:O, s:o}", "uuid", m->uuid, "info",
                             share_json_str(info), "date", day, "threat_level_id", "4",
                             "analysis", "2", "published", 1, "Orgc", org, "Tag",
                             event_tags(o));
    m->summary = head ? json_pack("{s:O, s:O, s:O, s:O, s:O, s:O}", "Orgc", org, "Tag",
                                  json_object_get(head, "Tag"), "info",
                                  json_object_get(head, "info"), "date",
                                  json_object_get(head, "date"), "analysis",
                                  json_object_get(head, "analysis"), "threat_level_id",
                                  json_object_get(head, "threat_level_id"))
                      : NULL;
    json_decref(org);
    char *text = head && m->summary ? json_dumps(head, JSON_COMPACT) : NULL;
    json_decref(head);
    if (!text)
        return vg_err_set(err, VG_ENOMEM, "out of memory building a MISP event");
    /* the head object without its closing brace, then the attribute list;
     * close_event adds the timestamps, known once every attribute is in */
    size_t n = strlen(text);
    rc = write_text(&m->ev, "{\"Event\":", err);
    rc = rc ? rc : share_file_write(&m->ev, text, n - 1, err);
    rc = rc ? rc : write_text(&m->ev, ",\"Attribute\":[\n", err);
    free(text);
    if (rc || !o->obs.family[0])
        return rc;
    char uuid[SHARE_ID_MAX], ts[32];
    const char *fp[3] = {"misp-family", m->producer, m->uuid};
    if ((rc = share_id("", fp, 3, uuid, err)))
        return rc;
    snprintf(ts, sizeof ts, "%lld", (long long)((int64_t)o->obs.day * 86400));
    return put_attribute(m,
                         json_pack("{s:s, s:s, s:s, s:o, s:b, s:s, s:s, s:b, s:b}", "uuid", uuid,
                                   "type", "text", "category", "Payload type", "value",
                                   share_json_str(o->obs.family), "to_ids", 0, "comment",
                                   "malware family", "timestamp", ts, "deleted", 0,
                                   "disable_correlation", 0),
                         o->obs.family, err);
}

static int misp_put(struct share_writer *w, const struct landscape_obs *o, struct vg_err *err)
{
    struct misp *m = (struct misp *)w;
    int rc;
    if (!same_group(m, o) && ((rc = close_event(m, err)) || (rc = open_event(m, o, err))))
        return rc;
    char day[16], ip[IP_STRLEN], uuid[SHARE_ID_MAX], first[40], last[40], ts[32], comment[48];
    const char *parts[SHARE_OBS_PARTS];
    share_obs_name(o, "misp-attribute", m->producer, day, ip, parts);
    if ((rc = share_id("", parts, SHARE_OBS_PARTS, uuid, err)))
        return rc;
    vt_format_iso(o->obs.first_us, first);
    vt_format_iso(o->obs.last_us, last);
    snprintf(ts, sizeof ts, "%lld", (long long)(o->obs.last_us / VT_US_PER_SEC));
    snprintf(comment, sizeof comment, "%llu event%s", (unsigned long long)o->obs.events,
             o->obs.events == 1 ? "" : "s");
    if (o->obs.last_us > m->last_us)
        m->last_us = o->obs.last_us;
    return put_attribute(m,
                         json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:b, s:b}",
                                   "uuid", uuid, "type", "ip-src", "category", "Network activity",
                                   "value", ip, "to_ids", 0, "comment", comment, "timestamp", ts,
                                   "first_seen", first, "last_seen", last, "deleted", 0,
                                   "disable_correlation", 0),
                         ip, err);
}

static int misp_finish(struct share_writer *w, struct share_stats *stats, struct vg_err *err)
{
    struct misp *m = (struct misp *)w;
    struct share_file mf;
    int rc = close_event(m, err);
    char *path = rc ? NULL : path_in(m->dir, "manifest.json");
    if (rc)
        return rc;
    if (!path)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    rc = share_file_commit(&m->hashes, err);
    rc = rc ? rc : share_file_open(&mf, path, NULL, err);
    free(path);
    if (rc)
        return rc;
    /* sorted keys: the same feed gives the same manifest bytes */
    if (json_dumpf(m->manifest, mf.f, JSON_COMPACT | JSON_SORT_KEYS) != 0 ||
        fputc('\n', mf.f) == EOF) {
        share_file_discard(&mf);
        return vg_err_set(err, VG_EIO, "%s/manifest.json: write failed", m->dir);
    }
    stats->objects = m->events;
    return share_file_commit(&mf, err);
}

static void misp_free(struct share_writer *w)
{
    struct misp *m = (struct misp *)w;
    if (!m)
        return;
    share_file_discard(&m->ev);
    share_file_discard(&m->hashes);
    json_decref(m->manifest);
    json_decref(m->summary);
    free(m->type);
    free(m->family);
    free(m->feed);
    free(m->tlp);
    free(m);
}

int share_misp_new(struct share_writer **out, const struct share_options *opt,
                   struct vg_err *err)
{
    if (!opt->path || !*opt->path)
        return vg_err_set(err, VG_EUSAGE, "a MISP feed is a directory: name it with -o DIR");
    if (mkdir(opt->path, 0777) != 0 && errno != EEXIST)
        return vg_err_set(err, VG_EIO, "%s: cannot create the directory (%s)", opt->path,
                          strerror(errno));
    struct stat sb;
    if (stat(opt->path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return vg_err_set(err, VG_EUSAGE, "%s: not a directory", opt->path);
    struct misp *m = calloc(1, sizeof *m);
    if (!m)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    m->w = (struct share_writer){LANDSCAPE_ORDER_GROUP, misp_put, misp_finish, misp_free};
    m->producer = share_producer(opt);
    m->dir = opt->path;
    const char *parts[2] = {"org", m->producer};
    char *hp = path_in(m->dir, "hashes.csv");
    int rc = hp && (m->manifest = json_object()) ? 0 : vg_err_set(err, VG_ENOMEM, "out of memory");
    rc = rc ? rc : share_id("", parts, 2, m->org_uuid, err);
    rc = rc ? rc : share_file_open(&m->hashes, hp, NULL, err);
    free(hp);
    if (rc) {
        misp_free(&m->w);
        return rc;
    }
    *out = &m->w;
    return 0;
}
