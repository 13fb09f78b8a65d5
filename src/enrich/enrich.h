/*
 * enrich.h — fill an event's source.* network fields from local data.
 *
 * Local data is authoritative for source.asn, source.as_name and
 * source.geolocation.{cc,region,city,latitude,longitude}: the enricher sets
 * them from the ASN table and the geo database; where the feed supplied a
 * different value, the feed's value is kept under "extra.feed.<field>"
 * (e.g. extra.feed.source.asn) so nothing the vendor said is lost.
 */
#ifndef VG_ENRICH_H
#define VG_ENRICH_H

#include <stdint.h>

#include "core/err.h"
#include "core/ip.h"
#include "enrich/asn.h"
#include "enrich/geo.h"
#include "event/event.h"

struct enricher {
    struct asn_table *asn;
    struct geo_db *geo;
};

struct enrich_result {
    uint32_t asn;        /* 0 = unknown */
    const char *as_name; /* NUL-terminated or NULL */
    struct geo_info geo; /* cc "" = unknown */
    int has_asn, has_geo;
};

/* Opens both tables from data_dir; fails with a message naming the missing
 * file and `make deps` when the data is absent. */
int enricher_open(struct enricher **out, const char *data_dir,
                  struct vg_err *err);
void enricher_close(struct enricher *e);

/* Look ip up in both tables.  r's strings point into the tables (valid
 * while e is open); nothing is allocated.  ASN 0 counts as unknown. */
void enricher_lookup(const struct enricher *e, const struct ip_addr *ip,
                     struct enrich_result *r);
/* Apply a lookup result to ev: each of source.asn (integer), source.as_name,
 * source.geolocation.{cc,region,city,latitude,longitude} that the result
 * knows (non-empty) is set, copied into ev's arena; where ev already held a
 * different value (compared as values: "AS45899" equals 45899, "vn" equals
 * "VN") the old one moves to extra.feed.<field> unless that is already set
 * (the first feed value is kept across repeated enrichment).  Fields the
 * result does not know keep the feed's value.  0 or VG_ENOMEM. */
int enricher_apply(const struct enrich_result *r, struct event *ev);

#endif
