/*
 * share_int.h — private to src/share/: the writer interface every export
 * format implements, and what the writers share (deterministic ids, output
 * files, the observation as an IntelMQ event).
 */
#ifndef VG_SHARE_INT_H
#define VG_SHARE_INT_H

#include <stddef.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/uuid.h"
#include "event/event.h"
#include "share/share.h"

/* A writer receives every exported observation in its order, then finish
 * completes the output (renames it into place); free releases everything
 * and removes an output that was not finished.  free accepts NULL. */
struct share_writer {
    enum landscape_obs_order order;
    int (*put)(struct share_writer *w, const struct landscape_obs *o, struct vg_err *err);
    int (*finish)(struct share_writer *w, struct share_stats *stats, struct vg_err *err);
    void (*free)(struct share_writer *w);
};

int share_stix_new(struct share_writer **out, const struct share_options *opt,
                   struct vg_err *err);
int share_misp_new(struct share_writer **out, const struct share_options *opt,
                   struct vg_err *err);
/* IntelMQ JSON lines (csv 0) or RFC 4180 CSV (csv 1). */
int share_flat_new(struct share_writer **out, const struct share_options *opt, int csv,
                   struct vg_err *err);

/* The producer's name: opt->producer or "vigil". */
const char *share_producer(const struct share_options *opt);

/* ---- deterministic ids ---------------------------------------------------
 * Every id an export makes is a UUIDv5 (RFC 9562 §5.5) in one namespace,
 * share_namespace = UUIDv5(the RFC 9562 URL namespace, "urn:vigil:share:1"),
 * of a canonical name: the JSON array of the name's parts as strings,
 * written without whitespace with RFC 8785 string escaping, e.g.
 *   ["sighting","CERT-VN","2026-10-01","192.0.2.7","infected-system",
 *    "b106-mirai","ctip","AMBER"]
 * The parts of an observation are its key (share_obs_name).  STIX
 * cyber-observables are the exception: STIX 2.1 §2.9 fixes their ids
 * (stix_out.c). */
extern const struct vg_uuid share_namespace;

/* UUIDv5 of the parts; 0 or VG_ENOMEM. */
int share_uuid(const char *const *parts, size_t n, struct vg_uuid *out);
/* The same as "<prefix>--<uuid>" (prefix "" for the bare uuid) into out
 * (SHARE_ID_MAX bytes: prefixes are STIX type names, at most 50 here). */
#define SHARE_ID_MAX 96
int share_id(const char *prefix, const char *const *parts, size_t n, char *out,
             struct vg_err *err);

/* The name of an observation object of this kind: kind, producer, day,
 * address, type, family, feed, tlp.  day and ip are text buffers the
 * caller provides (16 and IP_STRLEN bytes) that parts points into. */
#define SHARE_OBS_PARTS 8
void share_obs_name(const struct landscape_obs *o, const char *kind, const char *producer,
                    char day[16], char ip[46], const char *parts[SHARE_OBS_PARTS]);

/* ---- output files -------------------------------------------------------
 * A file output is written to "<path>.tmp" and renamed over path only
 * when complete, so a reader never sees half an export. */
struct share_file {
    FILE *f;
    char *path, *tmp; /* NULL when writing to a stream the caller owns */
};

/* Open path for writing (via its .tmp), or use `stream` when path is
 * NULL. */
int share_file_open(struct share_file *sf, const char *path, FILE *stream, struct vg_err *err);
int share_file_write(struct share_file *sf, const void *p, size_t n, struct vg_err *err);
/* Flush and close; rename the .tmp into place. */
int share_file_commit(struct share_file *sf, struct vg_err *err);
/* Close and remove an uncommitted .tmp; accepts a file never opened. */
void share_file_discard(struct share_file *sf);

/* Append the compact JSON text of v (jansson) to sf, with a newline when
 * nl is set. */
struct json_t;
int share_file_json(struct share_file *sf, struct json_t *v, int nl, struct vg_err *err);

/* A JSON string of s; bytes that are not UTF-8 (a feed name given on the
 * command line, say) become U+FFFD, as jansson refuses them.  NULL only
 * when out of memory. */
struct json_t *share_json_str(const char *s);

/* ---- the observation as an IntelMQ event ---------------------------------
 * time.source (first seen), source.ip, classification.taxonomy and .type,
 * malware.name, feed.name, tlp, source.asn and .as_name, source.geolocation
 * .cc, .region and .city, extra.vigil.events and extra.vigil.last_seen
 * (event.h); empty values are left out.  ev is cleared first. */
int share_obs_event(const struct landscape_obs *o, struct event *ev);

#endif
