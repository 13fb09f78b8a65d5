/*
 * flat_out.c — observations as IntelMQ JSON lines or as RFC 4180 CSV.
 *
 * Both go through one mapping, share_obs_event (export.c): an observation
 * becomes the IntelMQ event it summarises, with extra.vigil.events and
 * extra.vigil.last_seen carrying the count and the last event (event.h).
 * JSON lines are written by event_write_json, the same writer as `vigil
 * parse`, so `vigil ingest` of an export reproduces the observations
 * exactly (given the same enrichment data).  CSV writes the same fields,
 * one column each, under a header naming them by their IntelMQ names
 * (RFC 4180: CRLF line ends; a field holding a comma, a quote, CR or LF is
 * quoted, its quotes doubled).
 */
#include "share/share_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const csv_columns[] = {
    "time.source",           "source.ip",
    "classification.taxonomy", "classification.type",
    "malware.name",          "feed.name",
    "tlp",                   "source.asn",
    "source.as_name",        "source.geolocation.cc",
    "source.geolocation.region", "source.geolocation.city",
    EVENT_EXTRA_EVENTS,      EVENT_EXTRA_LAST_SEEN,
};
#define NCOLUMNS (sizeof csv_columns / sizeof csv_columns[0])

struct flat {
    struct share_writer w;
    int csv;
    struct share_file out;
    struct event ev;
    struct vg_buf line;
};

/* RFC 4180 §2: quote a field only when it holds a separator, a quote or a
 * line break. */
static int csv_field(struct vg_buf *b, const char *s, size_t n)
{
    if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\r', n) && !memchr(s, '\n', n))
        return vg_buf_append(b, s, n);
    int rc = vg_buf_putc(b, '"');
    for (size_t k = 0; k < n && !rc; k++)
        rc = s[k] == '"' ? vg_buf_append(b, "\"\"", 2) : vg_buf_putc(b, s[k]);
    return rc ? rc : vg_buf_putc(b, '"');
}

static int csv_row(struct flat *f)
{
    int rc = 0;
    for (size_t k = 0; k < NCOLUMNS && !rc; k++) {
        if (k)
            rc = vg_buf_putc(&f->line, ',');
        const struct ev_field *v = event_get(&f->ev, csv_columns[k]);
        if (rc || !v)
            continue;
        if (v->kind == EV_INT)
            rc = vg_buf_printf(&f->line, "%lld", (long long)v->i);
        else
            rc = csv_field(&f->line, v->s, v->len);
    }
    return rc ? rc : vg_buf_append(&f->line, "\r\n", 2);
}

static int flat_put(struct share_writer *w, const struct landscape_obs *o, struct vg_err *err)
{
    struct flat *f = (struct flat *)w;
    vg_buf_reset(&f->line);
    int rc = share_obs_event(o, &f->ev);
    if (!rc)
        rc = f->csv ? csv_row(f) : event_write_json(&f->ev, &f->line);
    if (!rc && !f->csv)
        rc = vg_buf_putc(&f->line, '\n');
    if (rc)
        return vg_err_set(err, VG_ENOMEM, "out of memory writing an observation");
    return share_file_write(&f->out, f->line.data, f->line.len, err);
}

static int flat_finish(struct share_writer *w, struct share_stats *stats, struct vg_err *err)
{
    struct flat *f = (struct flat *)w;
    (void)stats;
    return share_file_commit(&f->out, err);
}

static void flat_free(struct share_writer *w)
{
    struct flat *f = (struct flat *)w;
    if (!f)
        return;
    share_file_discard(&f->out);
    event_free(&f->ev);
    vg_buf_free(&f->line);
    free(f);
}

int share_flat_new(struct share_writer **out, const struct share_options *opt, int csv,
                   struct vg_err *err)
{
    struct flat *f = calloc(1, sizeof *f);
    if (!f)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    f->w = (struct share_writer){LANDSCAPE_ORDER_DAY, flat_put, flat_finish, flat_free};
    f->csv = csv;
    event_init(&f->ev);
    int rc = share_file_open(&f->out, opt->path, opt->out, err);
    if (!rc && csv) {
        for (size_t k = 0; k < NCOLUMNS && !rc; k++)
            rc = (k && vg_buf_putc(&f->line, ',')) || vg_buf_puts(&f->line, csv_columns[k]);
        rc = rc || vg_buf_append(&f->line, "\r\n", 2)
                 ? vg_err_set(err, VG_ENOMEM, "out of memory")
                 : share_file_write(&f->out, f->line.data, f->line.len, err);
    }
    if (rc) {
        flat_free(&f->w);
        return rc;
    }
    *out = &f->w;
    return 0;
}
