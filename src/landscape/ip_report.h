/*
 * ip_report.h — everything vigil knows about one address: its enrichment as
 * the local data says today and every stored observation of it.
 *
 * One piece of code serves `vigil ip` (table and --json) and the HTTP API's
 * GET /api/v1/ip/{address}, so both print the same rows in the same order
 * and the same JSON byte for byte.
 */
#ifndef VG_IP_REPORT_H
#define VG_IP_REPORT_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/ip.h"
#include "enrich/enrich.h"
#include "store/store.h"

struct access_subject;

/* One observation of the address.  Strings are NUL-terminated and valid only
 * during the callback. */
struct ip_report_row {
    int64_t day; /* days since 1970-01-01 */
    const char *type, *family, *feed, *tlp, *region;
    uint32_t asn;
    uint64_t events;
    int64_t first_us, last_us;
};

/* Called per observation in (day, type, family, feed, tlp) order; a non-zero
 * return stops the walk and is returned. */
typedef int (*ip_report_row_fn)(void *ctx, const struct ip_report_row *row);

/* reader (access/policy.h): only the observations it may read are
 * reported; NULL: the operator, every observation. */
int ip_report_each(struct store *st, const struct ip_addr *ip,
                   const struct access_subject *reader, ip_report_row_fn fn, void *ctx,
                   struct vg_err *err);

/* For the audit log: events at TLP:AMBER or stricter reported, and the
 * strictest label among them (enum tlp_level, -1 when none). */
struct ip_report_stats {
    uint64_t strict_events;
    int strictest;
};

/* Append the report as one JSON object (no trailing newline) to out:
 *   {"ip":"…","asn":N|null,"as_name":"…"|null,
 *    "geolocation":{"cc":"…","region":"…","city":"…"[,"latitude":x,"longitude":y]},
 *    "observations":[{"day","type","family","feed","tlp","asn","region","events",
 *                     "first_seen","last_seen"}…]}
 * An address without observations has an empty array.  en may be NULL (no
 * enrichment data: asn null, empty geolocation).  On error out holds a
 * partial object the caller discards.  stats may be NULL. */
int ip_report_write_json(struct store *st, const struct enricher *en, const struct ip_addr *ip,
                         const struct access_subject *reader, struct vg_buf *out,
                         struct ip_report_stats *stats, struct vg_err *err);

#endif
