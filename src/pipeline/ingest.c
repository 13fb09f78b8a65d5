/*
 * ingest.c — the per-input pipeline (see ingest.h).
 *
 * Records arrive from the driver through the sink callbacks.  For each
 * accepted event the pipeline needs only a handful of fields (source.ip,
 * time.source, classification.type, malware.name, feed.name, tlp): the
 * observation key.  Enrichment is looked up once per new observation, not
 * per event (a host beacons many times a day), which keeps the hot path to
 * parse + hash-table update.  Raw accepted records are appended to a block
 * buffer that is zstd-compressed into the archive table every ARCHIVE_BLOCK
 * bytes.
 */
#include "pipeline/ingest.h"
#include "access/policy.h"
#include "core/buf.h"
#include "core/vtime.h"
#include "pipeline/aggregate.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#define ARCHIVE_BLOCK (1u << 20)

struct ingest {
    struct store *st;
    const struct enricher *en;
    struct ingest_options opt;
    struct agg *agg;
    FILE *rejects_tmp; /* this input's rejects until commit */
    /* per input */
    const struct format_driver *drv;
    const char *name;
    int64_t file_id;
    struct ingest_stats cur;
    struct vg_input *in;
    /* archive block */
    struct vg_buf block;
    uint64_t block_first, block_last;
    uint32_t block_records;
    ZSTD_CCtx *zctx;
    void *zbuf;
    size_t zcap;
    /* ASNs whose names are written with the observations */
    uint32_t *asns;
    size_t nasns, asns_cap;
    /* progress */
    double last_progress, started;
    struct vg_err *err; /* where sink callbacks report fatal errors */
    struct vg_buf rej;
    int default_label; /* enum tlp_level of records that carry none */
    /* the fields on_event reads, resolved once */
    struct ev_name f_ip, f_time, f_events, f_last, f_type, f_family, f_feed, f_tlp;
    struct ev_name f_stix_id, f_misp_uuid; /* a record that is a shared object's version */
    /* the last string interned for type, family and feed: consecutive
     * records mostly repeat them */
    struct memo {
        const char *s; /* the aggregator's copy */
        size_t len;
        uint32_t id;
    } m_type, m_family, m_feed;
    uint32_t tlp_ids[TLP_COUNT]; /* interned TLP names, UINT32_MAX = not yet */
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int64_t wall_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static int resolve(struct ev_name *n, const char *name)
{
    return event_name_init(n, name, strlen(name));
}

int ingest_new(struct ingest **out, struct store *st, const struct enricher *en,
               const struct ingest_options *opt, struct vg_err *err)
{
    int rc;
    struct ingest *ing = calloc(1, sizeof *ing);
    if (!ing)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    ing->st = st;
    ing->en = en;
    ing->opt = *opt;
    /* the pipeline archives the records' own bytes: IntelMQ's base64 copy
     * of each record ("raw") would only cost time */
    ing->opt.fmt.no_raw = 1;
    /* and it reads only the observation key of each event */
    ing->opt.fmt.lean = 1;
    int label = opt->default_tlp ? tlp_parse(opt->default_tlp, strlen(opt->default_tlp)) : TLP_AMBER;
    if (label < 0) {
        rc = vg_err_set(err, VG_EUSAGE, "'%.40s' is not a TLP 2.0 label", opt->default_tlp);
        goto fail;
    }
    ing->default_label = label;
    if (resolve(&ing->f_ip, "source.ip") || resolve(&ing->f_time, "time.source") ||
        resolve(&ing->f_events, EVENT_EXTRA_EVENTS) ||
        resolve(&ing->f_last, EVENT_EXTRA_LAST_SEEN) ||
        resolve(&ing->f_type, "classification.type") || resolve(&ing->f_family, "malware.name") ||
        resolve(&ing->f_feed, "feed.name") || resolve(&ing->f_tlp, "tlp") ||
        resolve(&ing->f_stix_id, "extra.stix.id") ||
        resolve(&ing->f_misp_uuid, "misp.attribute_uuid")) {
        rc = vg_err_set(err, VG_EINVAL, "the event schema lacks an observation field");
        goto fail;
    }
    for (int k = 0; k < TLP_COUNT; k++)
        ing->tlp_ids[k] = UINT32_MAX;
    if ((rc = agg_new(&ing->agg, opt->max_observations, err)))
        goto fail;
    ing->zctx = ZSTD_createCCtx();
    ing->zcap = ZSTD_compressBound(ARCHIVE_BLOCK * 2);
    ing->zbuf = malloc(ing->zcap);
    if (!ing->zctx || !ing->zbuf) {
        rc = vg_err_set(err, VG_ENOMEM, "out of memory");
        goto fail;
    }
    /* zstd's fast level -5: on CTIP lines ~1.3x the speed of level 1 at
     * two thirds of its ratio (8.8x instead of 12.8x) */
    ZSTD_CCtx_setParameter(ing->zctx, ZSTD_c_compressionLevel, -5);
    *out = ing;
    return 0;
fail:
    ingest_free(ing);
    return rc;
}

void ingest_free(struct ingest *ing)
{
    if (!ing)
        return;
    agg_free(ing->agg);
    ZSTD_freeCCtx(ing->zctx);
    free(ing->zbuf);
    free(ing->asns);
    vg_buf_free(&ing->block);
    vg_buf_free(&ing->rej);
    if (ing->rejects_tmp)
        fclose(ing->rejects_tmp);
    free(ing);
}

static int note_asn(struct ingest *ing, uint32_t asn)
{
    for (size_t k = ing->nasns; k-- > 0;)
        if (ing->asns[k] == asn)
            return 0;
    if (ing->nasns == ing->asns_cap) {
        size_t nc = ing->asns_cap ? ing->asns_cap * 2 : 64;
        uint32_t *na = realloc(ing->asns, nc * sizeof *na);
        if (!na)
            return VG_ENOMEM;
        ing->asns = na;
        ing->asns_cap = nc;
    }
    ing->asns[ing->nasns++] = asn;
    return 0;
}

static int archive_flush(struct ingest *ing, struct vg_err *err)
{
    if (!ing->block.len)
        return 0;
    size_t need = ZSTD_compressBound(ing->block.len);
    if (need > ing->zcap) { /* a record of megabytes */
        void *n = realloc(ing->zbuf, need);
        if (!n)
            return vg_err_set(err, VG_ENOMEM, "out of memory archiving a record");
        ing->zbuf = n;
        ing->zcap = need;
    }
    size_t z = ZSTD_compress2(ing->zctx, ing->zbuf, ing->zcap, ing->block.data, ing->block.len);
    if (ZSTD_isError(z))
        return vg_err_set(err, VG_EIO, "compressing the archive: %s", ZSTD_getErrorName(z));
    int rc = store_archive_put(ing->st, ing->file_id, ing->block_first, ing->block_last,
                               ing->block_records, ing->block.len, ing->zbuf, z, err);
    vg_buf_reset(&ing->block);
    ing->block_records = 0;
    return rc;
}

static int flush_observations(struct ingest *ing, struct vg_err *err)
{
    size_t written;
    int rc = agg_flush(ing->agg, ing->st, &written, err);
    if (rc)
        return rc;
    ing->cur.observations += written;
    for (size_t k = 0; k < ing->nasns; k++) {
        const char *name = asn_table_name(ing->en->asn, ing->asns[k]);
        if (name && (rc = store_asn_put(ing->st, ing->asns[k], name, err)))
            return rc;
    }
    ing->nasns = 0;
    return 0;
}

static void progress(struct ingest *ing, int final)
{
    double t = now_s();
    if (!final && t - ing->last_progress < 0.2)
        return;
    ing->last_progress = t;
    uint64_t size = vg_input_size(ing->in), off = vg_input_offset(ing->in);
    double rate = ing->cur.records / (t - ing->started + 1e-9);
    char bar[31];
    int fill = size ? (int)(30.0 * (double)off / (double)size) : 0;
    if (fill > 30)
        fill = 30;
    for (int k = 0; k < 30; k++)
        bar[k] = k < fill ? '#' : (size ? '.' : ' ');
    bar[30] = '\0';
    if (size)
        fprintf(stderr, "\r%.30s [%s] %3d%% %llu records (%llu rejected) %.0f/s%s", ing->name,
                bar, (int)(100.0 * (double)off / (double)size),
                (unsigned long long)ing->cur.records, (unsigned long long)ing->cur.rejected,
                rate, final ? "\n" : "");
    else
        fprintf(stderr, "\r%.30s %llu records (%llu rejected) %.0f/s%s", ing->name,
                (unsigned long long)ing->cur.records, (unsigned long long)ing->cur.rejected,
                rate, final ? "\n" : "");
}

static int on_reject(void *ctx, const struct format_record *rec, const char *reason)
{
    struct ingest *ing = ctx;
    ing->cur.records++;
    ing->cur.rejected++;
    if (!ing->rejects_tmp)
        return 0;
    struct vg_buf *b = &ing->rej;
    vg_buf_reset(b);
    int rc = vg_buf_puts(b, "{\"file\":");
    rc = rc ? rc : vg_buf_json_str(b, rec->file, strlen(rec->file));
    rc = rc ? rc : vg_buf_printf(b, ",\"line\":%llu,\"reason\":", (unsigned long long)rec->line);
    rc = rc ? rc : vg_buf_json_str(b, reason, strlen(reason));
    rc = rc ? rc : vg_buf_puts(b, ",\"record\":");
    rc = rc ? rc : vg_buf_json_str(b, rec->raw ? rec->raw : "", rec->raw ? rec->raw_len : 0);
    rc = rc ? rc : vg_buf_puts(b, "}\n");
    if (rc)
        return vg_err_set(ing->err, rc, "out of memory writing a reject");
    if (fwrite(b->data, 1, b->len, ing->rejects_tmp) != b->len)
        return vg_err_set(ing->err, VG_EIO, "writing rejects: temporary file failed");
    return 0;
}

static uint32_t intern_memo(struct ingest *ing, struct memo *m, const char *s, size_t len)
{
    if (m->s && m->len == len && memcmp(m->s, s, len) == 0)
        return m->id;
    uint32_t id = agg_intern(ing->agg, s, len);
    if (id != UINT32_MAX) {
        m->s = agg_str(ing->agg, id);
        m->len = len;
        m->id = id;
    }
    return id;
}

static uint32_t intern_field(struct ingest *ing, const struct event *ev,
                             const struct ev_name *name, struct memo *m, const char *dflt)
{
    const struct ev_field *f = event_find(ev, name);
    if (f && f->kind == EV_STR)
        return intern_memo(ing, m, f->s, f->len);
    return intern_memo(ing, m, dflt, strlen(dflt));
}

/* The events a record stands for and the last of them (event.h: the
 * extra.vigil.* summary fields); NULL, or why the record is refused. */
static const char *record_span(const struct ingest *ing, const struct event *ev,
                               int64_t first_us, uint64_t *events, int64_t *last_us)
{
    const struct ev_field *n = event_find(ev, &ing->f_events);
    const struct ev_field *l = event_find(ev, &ing->f_last);
    *events = 1;
    *last_us = first_us;
    if (n) {
        if (n->kind != EV_INT || n->i < 1 || n->i > EVENT_EVENTS_MAX)
            return EVENT_EXTRA_EVENTS ": not a count of events (an integer from 1 to 10^12)";
        *events = (uint64_t)n->i;
    }
    if (l) {
        if (l->kind != EV_STR || vt_parse(l->s, l->len, last_us))
            return EVENT_EXTRA_LAST_SEEN ": not a date-time";
        if (*last_us < first_us || vt_day_of(*last_us) != vt_day_of(first_us))
            return EVENT_EXTRA_LAST_SEEN ": not on the UTC day of time.source, at or after it "
                                         "(an observation is one day)";
    }
    return NULL;
}

/* Keep an accepted record's bytes in the archive block. */
static int archive_record(struct ingest *ing, const struct format_record *rec)
{
    int rc;
    if (!ing->opt.archive)
        return 0;
    if (!ing->block_records)
        ing->block_first = rec->line;
    ing->block_last = rec->line;
    ing->block_records++;
    if ((rc = vg_buf_append(&ing->block, rec->raw, rec->raw_len)) ||
        (rc = vg_buf_putc(&ing->block, '\n')))
        return vg_err_set(ing->err, rc, "out of memory archiving a record");
    if (ing->block.len >= ARCHIVE_BLOCK && (rc = archive_flush(ing, ing->err)))
        return rc;
    return 0;
}

static int on_event(void *ctx, struct event *ev, const struct format_record *rec)
{
    struct ingest *ing = ctx;
    struct ip_addr ip;
    int64_t us;
    if (rec->key_ip) { /* the driver read them already */
        ip = *rec->key_ip;
        us = rec->key_us;
    } else {
        const struct ev_field *fip = event_find(ev, &ing->f_ip);
        const struct ev_field *ftime = event_find(ev, &ing->f_time);
        if (!fip || fip->kind != EV_STR || ip_parse(fip->s, fip->len, &ip))
            return on_reject(ctx, rec, fip ? "source.ip: not an IP address" : "no source.ip");
        if (!ftime || ftime->kind != EV_STR || vt_parse(ftime->s, ftime->len, &us))
            return on_reject(ctx, rec, ftime ? "time.source: not a date-time" : "no time.source");
    }
    uint64_t events;
    int64_t last_us;
    const char *why = record_span(ing, ev, us, &events, &last_us);
    if (why)
        return on_reject(ctx, rec, why);
    ing->cur.records++;
    ing->cur.accepted++;
    /* a version of a shared object counts only its growth over the
     * versions stored before (store_import_count) */
    const struct ev_field *obj = event_find(ev, &ing->f_stix_id);
    if (!obj)
        obj = event_find(ev, &ing->f_misp_uuid);
    int rc;
    if (obj && obj->kind == EV_STR &&
        (rc = store_import_count(ing->st, obj->s, obj->len, &ip, &events, ing->err)))
        return rc;
    if (events == 0)
        return archive_record(ing, rec);

    uint32_t type = intern_field(ing, ev, &ing->f_type, &ing->m_type, "");
    uint32_t family = intern_field(ing, ev, &ing->f_family, &ing->m_family, "");
    uint32_t feed = ing->opt.fmt.feed_name
                        ? intern_memo(ing, &ing->m_feed, ing->opt.fmt.feed_name,
                                      strlen(ing->opt.fmt.feed_name))
                        : intern_field(ing, ev, &ing->f_feed, &ing->m_feed, ing->drv->name);
    /* labels are stored in their TLP 2.0 names (WHITE is CLEAR) */
    const struct ev_field *ftlp = event_find(ev, &ing->f_tlp);
    int label = ftlp && ftlp->kind == EV_STR ? tlp_parse(ftlp->s, ftlp->len) : -1;
    if (label < 0)
        label = ing->default_label;
    uint32_t tlp = ing->tlp_ids[label];
    if (tlp == UINT32_MAX) {
        const char *tname = tlp_name((enum tlp_level)label);
        tlp = ing->tlp_ids[label] = agg_intern(ing->agg, tname, strlen(tname));
    }
    if (type == UINT32_MAX || family == UINT32_MAX || feed == UINT32_MAX || tlp == UINT32_MAX)
        return vg_err_set(ing->err, VG_ENOMEM, "out of memory");
    int is_new;
    struct agg_entry *e =
        agg_add_span(ing->agg, (int32_t)vt_day_of(us), &ip, type, family, feed, tlp, us, last_us,
                     events, &is_new);
    if (!e)
        return vg_err_set(ing->err, VG_ENOMEM, "out of memory");
    if (is_new) {
        struct agg_place place;
        if (!agg_place_get(ing->agg, &ip, &place)) {
            struct enrich_result r;
            enricher_lookup(ing->en, &ip, &r);
            memset(&place, 0, sizeof place);
            if (r.has_asn) {
                place.asn = r.asn;
                if (note_asn(ing, r.asn))
                    return vg_err_set(ing->err, VG_ENOMEM, "out of memory");
            }
            if (r.has_geo) {
                place.cc = agg_intern(ing->agg, r.geo.cc, strlen(r.geo.cc));
                place.region = agg_intern(ing->agg, r.geo.region ? r.geo.region : "",
                                          r.geo.region ? r.geo.region_len : 0);
                place.city = agg_intern(ing->agg, r.geo.city ? r.geo.city : "",
                                        r.geo.city ? r.geo.city_len : 0);
                if (place.cc == UINT32_MAX || place.region == UINT32_MAX ||
                    place.city == UINT32_MAX)
                    return vg_err_set(ing->err, VG_ENOMEM, "out of memory");
            }
            if (agg_place_put(ing->agg, &ip, &place))
                return vg_err_set(ing->err, VG_ENOMEM, "out of memory");
        }
        e->asn = place.asn;
        e->cc = place.cc;
        e->region = place.region;
        e->city = place.city;
    }
    if ((rc = archive_record(ing, rec)))
        return rc;
    if (agg_full(ing->agg) && (rc = flush_observations(ing, ing->err)))
        return rc;
    if (ing->opt.progress && (ing->cur.records & 0xffff) == 0)
        progress(ing, 0);
    return 0;
}

static int append_rejects(struct ingest *ing, struct vg_err *err)
{
    if (!ing->rejects_tmp || !ing->cur.rejected)
        return 0;
    FILE *out = fopen(ing->opt.rejects_path, "a");
    if (!out)
        return vg_err_set(err, VG_EIO, "%s: cannot open the rejects file", ing->opt.rejects_path);
    char buf[65536];
    size_t n;
    rewind(ing->rejects_tmp);
    int rc = 0;
    while ((n = fread(buf, 1, sizeof buf, ing->rejects_tmp)) > 0)
        if (fwrite(buf, 1, n, out) != n) {
            rc = vg_err_set(err, VG_EIO, "%s: write failed", ing->opt.rejects_path);
            break;
        }
    if (fclose(out) && !rc)
        rc = vg_err_set(err, VG_EIO, "%s: write failed", ing->opt.rejects_path);
    return rc;
}

static void add_stats(struct ingest_stats *to, const struct ingest_stats *from)
{
    to->files += from->files;
    to->skipped_files += from->skipped_files;
    to->records += from->records;
    to->accepted += from->accepted;
    to->rejected += from->rejected;
    to->observations += from->observations;
    to->bytes += from->bytes;
}

int ingest_file(struct ingest *ing, const char *path, struct ingest_stats *stats,
                struct ingest_stats *file_stats, struct vg_err *err)
{
    int rc;
    int in_tx = 0;
    memset(&ing->cur, 0, sizeof ing->cur);
    ing->err = err;
    ing->in = NULL;
    if ((rc = vg_input_open(&ing->in, path, 0, err)))
        return rc;
    ing->name = vg_input_name(ing->in);
    if (ing->opt.format) {
        ing->drv = format_find(ing->opt.format);
        if (!ing->drv) {
            rc = vg_err_set(err, VG_EUSAGE, "unknown format '%s'", ing->opt.format);
            goto out;
        }
    } else if (!(ing->drv = format_detect(ing->in, err))) {
        rc = err->code ? err->code : VG_EPARSE;
        goto out;
    }
    if (ing->rejects_tmp)
        fclose(ing->rejects_tmp);
    ing->rejects_tmp = NULL;
    if (ing->opt.rejects_path && !(ing->rejects_tmp = tmpfile())) {
        rc = vg_err_set(err, VG_EIO, "cannot create a temporary file for rejects");
        goto out;
    }
    if ((rc = store_begin(ing->st, err)))
        goto out;
    in_tx = 1;
    struct store_file f = {
        .name = ing->name, .format = ing->drv->name, .report = ing->opt.fmt.report,
        .size = vg_input_size(ing->in), .started_us = wall_us(),
    };
    if ((rc = store_file_add(ing->st, &f, &ing->file_id, err)))
        goto out;
    ing->started = ing->last_progress = now_s();
    struct format_sink sink = {on_event, on_reject, ing};
    vg_buf_reset(&ing->block);
    ing->block_records = 0;
    if ((rc = ing->drv->parse(ing->in, &ing->opt.fmt, &sink, err)))
        goto out;
    char sha[65];
    vg_input_sha256_hex(ing->in, sha);
    int exists;
    if ((rc = store_file_exists(ing->st, sha, &exists, err)))
        goto out;
    if (exists) {
        store_rollback(ing->st);
        agg_place_clear(ing->agg);
        in_tx = 0;
        struct ingest_stats skipped = {.skipped_files = 1};
        add_stats(stats, &skipped);
        if (file_stats)
            *file_stats = skipped;
        rc = 0;
        goto out_quiet;
    }
    if ((rc = flush_observations(ing, err)) || (rc = archive_flush(ing, err)))
        goto out;
    f.sha256 = sha;
    f.records = ing->cur.records;
    f.accepted = ing->cur.accepted;
    f.rejected = ing->cur.rejected;
    f.observations = ing->cur.observations;
    f.size = vg_input_offset(ing->in);
    f.finished_us = wall_us();
    if ((rc = store_file_finish(ing->st, ing->file_id, &f, err)) ||
        (rc = store_commit(ing->st, err)))
        goto out;
    in_tx = 0;
    ing->cur.files = 1;
    ing->cur.bytes = vg_input_offset(ing->in);
    if (ing->opt.progress)
        progress(ing, 1);
    add_stats(stats, &ing->cur);
    if (file_stats)
        *file_stats = ing->cur;
    rc = append_rejects(ing, err);
    goto out_quiet;
out:
    if (rc && err->msg[0] == '\0')
        vg_err_set(err, rc, "%s", vg_code_name(rc));
out_quiet:
    if (in_tx || rc)
        agg_place_clear(ing->agg); /* ASN names noted for them were not committed */
    if (in_tx)
        store_rollback(ing->st);
    /* whatever is still held belongs to an input that was not committed */
    agg_clear(ing->agg);
    vg_buf_reset(&ing->block);
    ing->block_records = 0;
    ing->nasns = 0;
    vg_input_close(ing->in);
    ing->in = NULL;
    return rc;
}
