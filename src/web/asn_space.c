/*
 * asn_space.c — per-ASN announced IPv4 address counts (see asn_space.h).
 *
 * Linear probing over a power-of-two table of (asn, count) with ASN 0 as
 * the empty marker (ASN 0 is never stored).  Sized at twice the number of
 * ranges rounded up, which bounds the load factor at 1/2 whatever the
 * number of distinct ASNs, so no rehashing is needed.
 */
#include "web/asn_space.h"

#include <stdlib.h>

struct asn_slot {
    uint32_t asn;
    uint64_t count;
};

struct asn_space {
    struct asn_slot *slots;
    size_t mask, n;
};

static size_t slot_of(uint32_t asn, size_t mask)
{
    /* Fibonacci hashing: ASNs come in dense runs */
    return (size_t)((asn * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & mask;
}

int asn_space_build(struct asn_space **out, const struct asn_table *t, struct vg_err *err)
{
    struct asn_space *s = calloc(1, sizeof *s);
    size_t nranges = t ? asn_table_v4_count(t) : 0;
    size_t cap = 64;
    while (cap < 2 * nranges)
        cap *= 2;
    if (!s || !(s->slots = calloc(cap, sizeof *s->slots))) {
        free(s);
        return vg_err_set(err, VG_ENOMEM, "out of memory for the ASN address space");
    }
    s->mask = cap - 1;
    for (size_t k = 0; k < nranges; k++) {
        uint32_t first, last, asn;
        const char *name;
        asn_table_v4_range(t, k, &first, &last, &asn, &name);
        if (!asn || last < first)
            continue;
        size_t i = slot_of(asn, s->mask);
        while (s->slots[i].asn && s->slots[i].asn != asn)
            i = (i + 1) & s->mask;
        if (!s->slots[i].asn) {
            s->slots[i].asn = asn;
            s->n++;
        }
        s->slots[i].count += (uint64_t)(last - first) + 1;
    }
    *out = s;
    return 0;
}

void asn_space_free(struct asn_space *s)
{
    if (!s)
        return;
    free(s->slots);
    free(s);
}

uint64_t asn_space_get(const struct asn_space *s, uint32_t asn)
{
    if (!s || !asn)
        return 0;
    for (size_t i = slot_of(asn, s->mask);; i = (i + 1) & s->mask) {
        if (s->slots[i].asn == asn)
            return s->slots[i].count;
        if (!s->slots[i].asn)
            return 0;
    }
}

size_t asn_space_count(const struct asn_space *s)
{
    return s ? s->n : 0;
}
