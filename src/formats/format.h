/*
 * format.h — the interface every input format driver implements.
 *
 * A driver reads one input (struct vg_input) and pushes each record to a
 * sink: either a parsed event (sink->emit) or a rejection with a reason
 * (sink->reject).  The event handed to emit is owned by the driver and is
 * valid only during the call; the record text likewise.  A driver never
 * stops at a bad record: it rejects it and goes on; it returns an error only
 * when the input itself fails (I/O) or the sink asks to stop (a non-zero
 * return from emit/reject is passed back up unchanged).
 *
 * Drivers set fields exactly as the feed gives them (IntelMQ's parser
 * semantics, before any enrichment) and call event_validate before emit;
 * a record whose validation fails is rejected with the validation message.
 */
#ifndef VG_FORMAT_H
#define VG_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/input.h"
#include "core/ip.h"
#include "event/event.h"

struct format_record {
    const char *file;   /* input name */
    uint64_t line;      /* 1-based line (or first line of a CSV record) */
    const char *raw;    /* the record's bytes as read (may contain NULs) */
    size_t raw_len;
    /* A driver that read the emitted event's source.ip and time.source
     * from binary values may hand those over (key_ip non-NULL), so that
     * the pipeline does not parse the fields' text again; they are exactly
     * what that text reads as.  NULL/0 otherwise. */
    const struct ip_addr *key_ip;
    int64_t key_us;
};

struct format_sink {
    int (*emit)(void *ctx, struct event *ev, const struct format_record *rec);
    int (*reject)(void *ctx, const struct format_record *rec, const char *reason);
    void *ctx;
};

struct format_options {
    const char *report;      /* shadowserver: report type override, or NULL */
    const char *schema_path; /* shadowserver: schema JSON, or NULL = search */
    const char *feed_name;   /* override feed.name, or NULL */
    int no_raw;              /* 1: do not build IntelMQ's "raw" field (the
                                base64 of the record): the ingest pipeline
                                archives raw lines itself; `vigil parse`
                                keeps raw, as IntelMQ does */
    int lean;                /* 1: the caller reads only the observation
                                key (source.ip, time.source,
                                classification.type, malware.name,
                                feed.name, tlp): a driver may leave out of
                                the event the fields that can never decide
                                whether a record is accepted (extra.*, and
                                plain non-empty values of string fields).
                                Which records are accepted or rejected, and
                                why, and those six fields, are exactly as
                                without it (tests compare both); a driver
                                that hands source.ip and time.source over
                                in binary (format_record.key_ip) may leave
                                their text out too */
};

struct format_driver {
    const char *name;
    const char *summary;
    /* How sure the driver is that this input is its format: 0 (no) to 100,
     * from the file name (may be "<stdin>") and the first bytes. */
    int (*detect)(const char *name, const char *head, size_t len);
    int (*parse)(struct vg_input *in, const struct format_options *opt,
                 const struct format_sink *sink, struct vg_err *err);
};

/* All registered drivers, NULL-terminated. */
const struct format_driver *const *format_drivers(void);
const struct format_driver *format_find(const char *name);
/* Best driver for this input, or NULL when none scores above 0. */
const struct format_driver *format_detect(struct vg_input *in, struct vg_err *err);

/* The drivers (defined in their own files). */
extern const struct format_driver format_ctip;
extern const struct format_driver format_shadowserver;
extern const struct format_driver format_intelmq;
extern const struct format_driver format_stix;
extern const struct format_driver format_misp;

/* A MISP feed directory (misp.c): the event files its manifest.json lists,
 * "<dir>/<uuid>.json" in uuid order, each checked to be a uuid (no other
 * path is ever opened) and present.  *paths (n entries) is malloc'd, each
 * entry too; free with misp_feed_free.  VG_ENOTFOUND when dir has no
 * manifest.json, VG_EPARSE (with the position) when it is not one. */
int misp_feed_list(const char *dir, char ***paths, size_t *n, struct vg_err *err);
void misp_feed_free(char **paths, size_t n);

/* Helper for drivers: 1 when the bytes contain NUL or other control bytes
 * that never occur in text (allowed: \t \n \r). */
int format_is_binary(const char *p, size_t n);

#endif
