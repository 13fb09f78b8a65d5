/*
 * asn_space.h — how many IPv4 addresses each ASN announces, from the
 * enrichment data's ranges: the denominator of an ISP's infected share.
 *
 * Built once at server start by walking asn_table_v4_range (disjoint ranges,
 * overlaps already resolved, so summing never counts an address twice) into
 * an open-addressing hash map; read-only afterwards, so any number of
 * threads may look up without locks.
 */
#ifndef VG_WEB_ASN_SPACE_H
#define VG_WEB_ASN_SPACE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "enrich/asn.h"

struct asn_space;

/* Sum every IPv4 range of t per ASN (ASN 0, unannounced space, is left
 * out).  t may be NULL (an empty map).  Free with asn_space_free. */
int asn_space_build(struct asn_space **out, const struct asn_table *t, struct vg_err *err);
void asn_space_free(struct asn_space *s);
/* Announced IPv4 addresses of asn; 0 when it announces none. */
uint64_t asn_space_get(const struct asn_space *s, uint32_t asn);
/* Number of ASNs in the map. */
size_t asn_space_count(const struct asn_space *s);

#endif
