/*
 * share.h — exporting stored observations in the formats the CERT world
 * exchanges: STIX 2.1 bundles, MISP feed directories, IntelMQ JSON lines
 * and RFC 4180 CSV.
 *
 * What is exported is the landscape's unit, the observation (day, address,
 * classification type, malware family, feed, TLP → events, first and last
 * seen, enrichment), selected by the same query as `vigil landscape`
 * (period, country and drill-down filters) and, through q->reader, only
 * what the reader may read (the access policy, applied by the store's row
 * filter as on every read path).  Every selected observation then passes
 * two gates, in this order, before a writer sees it:
 *   1. the TLP ceiling of the export (max_tlp; a label vigil cannot read
 *      counts as RED, so an unknown label never leaks below RED);
 *   2. an optional predicate for a caller that decides per object beyond
 *      the reader's policy (none: every observation the query selected).
 * Withheld observations are counted, never written.
 *
 * Ids are deterministic (UUIDv5, share_int.h): exporting the same data again
 * gives the same ids and, for the same selection, the same bytes.
 */
#ifndef VG_SHARE_H
#define VG_SHARE_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "event/tlp.h"
#include "landscape/landscape.h"
#include "store/store.h"

/* The read policy: 1 when the caller may read the observation, 0 when not,
 * a negative VG_E* code (message in err) when it cannot decide, which stops
 * the export.  obs is valid during the call only. */
typedef int (*share_may_read_fn)(void *ctx, const struct landscape_obs *obs,
                                 struct vg_err *err);

struct share_policy {
    share_may_read_fn may_read; /* NULL: every observation (operator) */
    void *ctx;
};

enum share_format { SHARE_STIX, SHARE_MISP, SHARE_INTELMQ, SHARE_CSV };

struct share_options {
    enum share_format format;
    /* The producing organisation, named in the STIX identity and the MISP
     * Orgc; NULL = "vigil". */
    const char *producer;
    enum tlp_level max_tlp; /* the strictest label exported; TLP_RED = all */
    struct share_policy policy;
    /* stix, intelmq, csv: the output file (written beside, then renamed
     * into place), or NULL for `out`.  misp: the feed directory (required;
     * created when missing). */
    const char *path;
    FILE *out;
    /* stix: called for every object made from observations (the
     * observation's four and each address's cyber-observable) with the
     * time the store took the version it was made from (for an address,
     * the earliest of its observations'; 0 when the store did not record
     * it): TAXII's date_added.  NULL = not wanted. */
    int (*stored)(void *ctx, const char *id, int64_t stored_us);
    void *stored_ctx;
};

struct share_stats {
    uint64_t selected;        /* observations the query selected */
    uint64_t exported;        /* written */
    uint64_t withheld_tlp;    /* above max_tlp */
    uint64_t withheld_policy; /* refused by the policy */
    uint64_t objects;         /* stix: objects in the bundle; misp: events */
    uint64_t strict_events;   /* events of exported observations at TLP:AMBER or
                                 stricter (for the audit log) */
    int strictest;            /* enum tlp_level of the strictest exported, -1 none */
};

/* "stix", "misp", "intelmq", "csv" → *out; VG_EUSAGE for anything else. */
int share_format_parse(const char *name, enum share_format *out, struct vg_err *err);
const char *share_format_name(enum share_format f);

/* Export what q selects (keys and top are ignored).  st is read only;
 * province and ISP filters need landscape_places_attach first.  stats may
 * be NULL.  On failure the output is not left behind half-written (a file
 * output is removed; a MISP directory keeps its previous manifest). */
int share_export(struct store *st, const struct landscape_query *q,
                 const struct share_options *opt, struct share_stats *stats,
                 struct vg_err *err);

#endif
