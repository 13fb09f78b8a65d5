/*
 * asn.h — IP address → ASN and AS organisation, by range match.
 *
 * The source is the ip-location-db CSV (`asn-ipv4.csv`, `asn-ipv6.csv`:
 * first,last,asn,organisation; RFC 4180 quoting).  On first use a compact
 * binary table is derived from each CSV (sorted disjoint ranges, their
 * (ASN, name) pairs, a deduplicated string pool, a jump index by the top 16
 * bits, and for IPv4 a per-/16 partition that makes a lookup one short
 * binary search; asn.c describes the format) and written next to it (or in
 * $XDG_CACHE_HOME/vigil, default ~/.cache/vigil, when the data directory is
 * not writable); later runs mmap it.  The table records the CSV's size,
 * modification time and inode and is rebuilt when the CSV changes, or when
 * it fails its checks (truncated, damaged, another format version).
 */
#ifndef VG_ASN_H
#define VG_ASN_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/ip.h"

struct asn_table;

/* Open (building when needed) the tables of asn-ipv4.csv and asn-ipv6.csv in
 * data_dir.  Either CSV may be absent (its family then finds nothing); both
 * absent, or a malformed CSV, is an error naming the file (and record and
 * field) and `make deps`.  Where ranges overlap, the narrowest range wins at
 * each address (longest-prefix match for CIDR-aligned ranges; equal widths:
 * the later CSV row); ASN 0 (RFC 7607) marks space that is not announced.
 * *out is the caller's, freed with asn_table_close; lookups on one open
 * table may run from any number of threads. */
int asn_table_open(struct asn_table **out, const char *data_dir,
                   struct vg_err *err);
void asn_table_close(struct asn_table *t);

/* Where each family's table came from, for status output and benchmarks.
 * Index 0 is IPv4, 1 is IPv6; strings are valid while the table is open. */
struct asn_table_info {
    size_t ranges[2];    /* ranges after resolving overlaps */
    size_t bytes[2];     /* size of the table */
    int built[2];        /* 1 when this open built it from the CSV */
    int in_memory[2];    /* 1 when it could not be written anywhere */
    const char *path[2]; /* the table file, "" when none */
};
void asn_table_get_info(const struct asn_table *t, struct asn_table_info *out);

/* 1 when found (asn and name set; name NUL-terminated, valid while the
 * table is open), 0 when the address is in no announced range. */
int asn_table_lookup(const struct asn_table *t, const struct ip_addr *ip,
                     uint32_t *asn, const char **name);

/* IPv4 ranges in address order (disjoint, overlaps already resolved), for
 * generators and address-space sums.  idx < asn_table_v4_count; past the
 * end every output is 0 / "".  name is valid while the table is open. */
size_t asn_table_v4_count(const struct asn_table *t);
void asn_table_v4_range(const struct asn_table *t, size_t idx, uint32_t *first,
                        uint32_t *last, uint32_t *asn, const char **name);

/* The name of an ASN (that of its first range in address order, IPv4
 * before IPv6), or NULL when no range has it.  Valid while the table is
 * open. */
const char *asn_table_name(const struct asn_table *t, uint32_t asn);

#endif
