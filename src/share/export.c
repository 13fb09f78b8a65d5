/*
 * export.c — the export driver (share.h) and what the writers share:
 * deterministic ids, output files, the observation as an IntelMQ event.
 *
 * The driver walks the selected observations once, in the order the
 * writer asks for (STIX groups by address, MISP by event), puts each
 * through the TLP ceiling and the read policy, and hands the survivors to
 * the writer.  Nothing is buffered here: memory is the writer's business
 * and stays bounded by one group (share_int.h).
 */
#include "share/share_int.h"
#include "core/ip.h"
#include "core/vtime.h"
#include "event/field.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* UUIDv5(6ba7b811-9dad-11d1-80b4-00c04fd430c8, "urn:vigil:share:1") =
 * ad6c66e3-874e-5b8c-8bf1-4e1451fd83de; test_share recomputes it. */
const struct vg_uuid share_namespace = {{0xad, 0x6c, 0x66, 0xe3, 0x87, 0x4e, 0x5b, 0x8c, 0x8b,
                                         0xf1, 0x4e, 0x14, 0x51, 0xfd, 0x83, 0xde}};

static const char *const format_names[] = {
    [SHARE_STIX] = "stix", [SHARE_MISP] = "misp", [SHARE_INTELMQ] = "intelmq", [SHARE_CSV] = "csv"};

int share_format_parse(const char *name, enum share_format *out, struct vg_err *err)
{
    for (size_t k = 0; k < sizeof format_names / sizeof format_names[0]; k++)
        if (name && strcmp(name, format_names[k]) == 0) {
            *out = (enum share_format)k;
            return 0;
        }
    return vg_err_set(err, VG_EUSAGE, "format: '%.40s' is not one of stix, misp, intelmq, csv",
                      name ? name : "");
}

const char *share_format_name(enum share_format f)
{
    return (unsigned)f < sizeof format_names / sizeof format_names[0] ? format_names[f] : "?";
}

const char *share_producer(const struct share_options *opt)
{
    return opt->producer && *opt->producer ? opt->producer : "vigil";
}

/* ---- ids ----------------------------------------------------------------- */

int share_uuid(const char *const *parts, size_t n, struct vg_uuid *out)
{
    struct vg_buf name = VG_BUF_INIT;
    int rc = vg_buf_putc(&name, '[');
    for (size_t k = 0; k < n && !rc; k++) {
        if (k)
            rc = vg_buf_putc(&name, ',');
        rc = rc ? rc : vg_buf_json_str(&name, parts[k], strlen(parts[k]));
    }
    rc = rc ? rc : vg_buf_putc(&name, ']');
    rc = rc ? rc : uuid_v5(&share_namespace, name.data, name.len, out);
    vg_buf_free(&name);
    return rc;
}

int share_id(const char *prefix, const char *const *parts, size_t n, char *out,
             struct vg_err *err)
{
    struct vg_uuid u;
    char text[UUID_STRLEN];
    if (share_uuid(parts, n, &u))
        return vg_err_set(err, VG_ENOMEM, "out of memory making an id");
    uuid_format(&u, text);
    snprintf(out, SHARE_ID_MAX, "%s%s%s", prefix, *prefix ? "--" : "", text);
    return 0;
}

void share_obs_name(const struct landscape_obs *o, const char *kind, const char *producer,
                    char day[16], char ip[46], const char *parts[SHARE_OBS_PARTS])
{
    vt_format_day(o->obs.day, day);
    ip_format(&o->obs.ip, ip);
    parts[0] = kind;
    parts[1] = producer;
    parts[2] = day;
    parts[3] = ip;
    parts[4] = o->obs.type;
    parts[5] = o->obs.family;
    parts[6] = o->obs.feed;
    parts[7] = o->obs.tlp;
}

/* ---- output files -------------------------------------------------------- */

int share_file_open(struct share_file *sf, const char *path, FILE *stream, struct vg_err *err)
{
    memset(sf, 0, sizeof sf[0]);
    if (!path) {
        sf->f = stream ? stream : stdout;
        return 0;
    }
    size_t n = strlen(path);
    sf->path = strdup(path);
    sf->tmp = malloc(n + 5);
    if (!sf->path || !sf->tmp) {
        share_file_discard(sf);
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    }
    memcpy(sf->tmp, path, n);
    memcpy(sf->tmp + n, ".tmp", 5);
    if (!(sf->f = fopen(sf->tmp, "w"))) {
        int e = errno;
        share_file_discard(sf);
        return vg_err_set(err, VG_EIO, "%s: cannot write (%s)", path, strerror(e));
    }
    return 0;
}

int share_file_write(struct share_file *sf, const void *p, size_t n, struct vg_err *err)
{
    if (n && fwrite(p, 1, n, sf->f) != n)
        return vg_err_set(err, VG_EIO, "%s: write failed", sf->path ? sf->path : "output");
    return 0;
}

int share_file_json(struct share_file *sf, json_t *v, int nl, struct vg_err *err)
{
    if (!v)
        return vg_err_set(err, VG_ENOMEM, "out of memory building JSON");
    /* json_dumpf writes straight into the stdio buffer: no copy of the
     * text (RFC 8259, UTF-8 as given, compact) */
    if (json_dumpf(v, sf->f, JSON_COMPACT) != 0 || (nl && fputc('\n', sf->f) == EOF))
        return vg_err_set(err, VG_EIO, "%s: write failed", sf->path ? sf->path : "output");
    return 0;
}

json_t *share_json_str(const char *s)
{
    json_t *v = json_string(s);
    if (v)
        return v;
    struct vg_buf b = VG_BUF_INIT;
    if (!vg_buf_utf8(&b, s, strlen(s)) && b.data)
        v = json_stringn(b.data, b.len);
    vg_buf_free(&b);
    return v;
}

int share_file_commit(struct share_file *sf, struct vg_err *err)
{
    int rc = 0;
    if (!sf->path) {
        if (fflush(sf->f) != 0)
            rc = vg_err_set(err, VG_EIO, "output: write failed");
        sf->f = NULL;
        return rc;
    }
    if (fflush(sf->f) != 0 || fsync(fileno(sf->f)) != 0)
        rc = vg_err_set(err, VG_EIO, "%s: write failed", sf->path);
    if (fclose(sf->f) != 0 && !rc)
        rc = vg_err_set(err, VG_EIO, "%s: write failed", sf->path);
    sf->f = NULL;
    if (!rc && rename(sf->tmp, sf->path) != 0)
        rc = vg_err_set(err, VG_EIO, "%s: cannot rename into place (%s)", sf->path,
                        strerror(errno));
    if (rc)
        unlink(sf->tmp);
    free(sf->path);
    free(sf->tmp);
    sf->path = sf->tmp = NULL;
    return rc;
}

void share_file_discard(struct share_file *sf)
{
    if (sf->path && sf->f) {
        fclose(sf->f);
        unlink(sf->tmp);
    }
    sf->f = NULL;
    free(sf->path);
    free(sf->tmp);
    sf->path = sf->tmp = NULL;
}

/* ---- the observation as an IntelMQ event --------------------------------- */

int share_obs_event(const struct landscape_obs *o, struct event *ev)
{
    const struct store_obs *s = &o->obs;
    char ip[IP_STRLEN], first[40], last[40];
    int rc;
    event_clear(ev);
    ip_format(&s->ip, ip);
    vt_format_iso(s->first_us, first);
    vt_format_iso(s->last_us, last);
    const char *taxonomy = s->type[0] ? field_class_taxonomy(s->type) : NULL;
    if ((rc = event_set_cstr(ev, "time.source", first)) ||
        (rc = event_set_cstr(ev, "source.ip", ip)) ||
        (taxonomy && (rc = event_set_cstr(ev, "classification.taxonomy", taxonomy))) ||
        (s->type[0] && (rc = event_set_cstr(ev, "classification.type", s->type))) ||
        (s->family[0] && (rc = event_set_cstr(ev, "malware.name", s->family))) ||
        (s->feed[0] && (rc = event_set_cstr(ev, "feed.name", s->feed))) ||
        (s->tlp[0] && (rc = event_set_cstr(ev, "tlp", s->tlp))) ||
        (s->asn && (rc = event_set_int(ev, "source.asn", s->asn))) ||
        (o->as_name[0] && (rc = event_set_cstr(ev, "source.as_name", o->as_name))) ||
        (s->cc[0] && (rc = event_set_cstr(ev, "source.geolocation.cc", s->cc))) ||
        (s->region[0] && (rc = event_set_cstr(ev, "source.geolocation.region", s->region))) ||
        (s->city[0] && (rc = event_set_cstr(ev, "source.geolocation.city", s->city))) ||
        (rc = event_set_int(ev, EVENT_EXTRA_EVENTS, (int64_t)s->events)) ||
        (rc = event_set_cstr(ev, EVENT_EXTRA_LAST_SEEN, last)))
        return rc;
    return 0;
}

/* ---- the driver ------------------------------------------------------------ */

struct walk {
    struct share_writer *w;
    const struct share_options *opt;
    struct share_stats *stats;
    struct vg_err *err;
};

static int on_obs(void *ctx, const struct landscape_obs *o)
{
    struct walk *k = ctx;
    k->stats->selected++;
    enum tlp_level t = tlp_parse(o->obs.tlp, strlen(o->obs.tlp));
    if (t == TLP_NONE)
        t = TLP_RED; /* a label vigil cannot read is treated as the strictest */
    if (t > k->opt->max_tlp) {
        k->stats->withheld_tlp++;
        return 0;
    }
    if (k->opt->policy.may_read) {
        int may = k->opt->policy.may_read(k->opt->policy.ctx, o, k->err);
        if (may < 0)
            return may;
        if (!may) {
            k->stats->withheld_policy++;
            return 0;
        }
    }
    int rc = k->w->put(k->w, o, k->err);
    if (!rc)
        k->stats->exported++;
    if (!rc && t >= TLP_AMBER) {
        k->stats->strict_events += o->obs.events;
        if ((int)t > k->stats->strictest)
            k->stats->strictest = (int)t;
    }
    return rc;
}

int share_export(struct store *st, const struct landscape_query *q,
                 const struct share_options *opt, struct share_stats *stats,
                 struct vg_err *err)
{
    struct share_stats local;
    struct share_writer *w = NULL;
    int rc;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    stats->strictest = -1;
    switch (opt->format) {
    case SHARE_STIX: rc = share_stix_new(&w, opt, err); break;
    case SHARE_MISP: rc = share_misp_new(&w, opt, err); break;
    case SHARE_INTELMQ: rc = share_flat_new(&w, opt, 0, err); break;
    case SHARE_CSV: rc = share_flat_new(&w, opt, 1, err); break;
    default: rc = vg_err_set(err, VG_EUSAGE, "unknown export format");
    }
    if (rc)
        return rc;
    struct walk k = {w, opt, stats, err};
    if (!(rc = landscape_obs_each(st, q, w->order, on_obs, &k, err)))
        rc = w->finish(w, stats, err);
    w->free(w);
    return rc;
}
