/*
 * space.c — one country's IPv4 address space from the enrichment data.
 *
 * Every announced range of the ASN table is looked up in the geo database
 * at its first address (and, for ranges of 4096 addresses or more, in the
 * middle and at the end too, since big allocations are sometimes split
 * between countries); a range of the country is then cut into at most 16
 * blocks (at least a /24 each) and each block whose first address is in
 * the country is kept with its ASN (the "ISP") and region.  The region of a
 * block only steers where hosts are placed (provincial skew): the truth
 * always comes from a lookup of the host's own address.
 *
 * Drawing an address uniformly from the space draws the ISP in proportion
 * to its announced size, which is what makes VNPT, Viettel and FPT dominate
 * a Vietnamese landscape as they do in reality.
 */
#include "sim/sim_int.h"

#include <stdlib.h>
#include <string.h>

static int in_country(const struct sim_space *s, uint32_t v4, struct geo_info *gi)
{
    struct ip_addr ip;
    ip_from_v4(&ip, v4);
    if (geo_db_lookup(s->en->geo, &ip, gi) != 1)
        return 0;
    return gi->cc[0] == s->cc[0] && gi->cc[1] == s->cc[1] && gi->cc[2] == '\0';
}

/* ASN → dense ISP index, open addressing (slot = index + 1, 0 = empty). */
static int isp_index(struct sim_space *s, uint32_t **slots, size_t *nslots, uint32_t asn,
                     uint32_t *out)
{
    if ((s->nisp + 1) * 2 > *nslots) {
        size_t n = *nslots ? *nslots * 2 : 256;
        uint32_t *v = calloc(n, sizeof *v);
        if (!v)
            return VG_ENOMEM;
        for (size_t i = 0; i < s->nisp; i++) {
            size_t j = sim_mix(s->isp_asn[i]) & (n - 1);
            while (v[j])
                j = (j + 1) & (n - 1);
            v[j] = (uint32_t)i + 1;
        }
        free(*slots);
        *slots = v;
        *nslots = n;
    }
    size_t j = sim_mix(asn) & (*nslots - 1);
    for (; (*slots)[j]; j = (j + 1) & (*nslots - 1)) {
        if (s->isp_asn[(*slots)[j] - 1] == asn) {
            *out = (*slots)[j] - 1;
            return 0;
        }
    }
    uint32_t *v = sim_grow(s->isp_asn, &s->cap_isp, s->nisp, sizeof *v);
    if (!v)
        return VG_ENOMEM;
    s->isp_asn = v;
    s->isp_asn[s->nisp] = asn;
    (*slots)[j] = (uint32_t)s->nisp + 1;
    *out = (uint32_t)s->nisp++;
    return 0;
}

static int add_block(struct sim_space *s, size_t *cap, uint32_t first, uint32_t size,
                     uint32_t isp, const struct geo_info *gi)
{
    struct sim_block *v = sim_grow(s->blocks, cap, s->nblocks, sizeof *v);
    if (!v)
        return VG_ENOMEM;
    s->blocks = v;
    uint32_t region = sim_strtab_intern(&s->regions, gi->region ? gi->region : "",
                                        gi->region ? gi->region_len : 0);
    if (region == UINT32_MAX)
        return VG_ENOMEM;
    s->blocks[s->nblocks++] = (struct sim_block){first, size, isp, region};
    return 0;
}

int sim_space_open(struct sim_space **out, const struct enricher *en, const char *country,
                   struct vg_err *err)
{
    *out = NULL;
    if (!en || !en->asn || !en->geo)
        return vg_err_set(err, VG_EUSAGE, "simulate: the enricher has no ASN or geo data");
    if (!country || strlen(country) != 2 || country[0] < 'A' || country[0] > 'Z' ||
        country[1] < 'A' || country[1] > 'Z')
        return vg_err_set(err, VG_EUSAGE,
                          "simulate: country must be an ISO 3166-1 alpha-2 code (e.g. VN), "
                          "got '%s'", country ? country : "");
    struct sim_space *s = calloc(1, sizeof *s);
    if (!s)
        return vg_err_set(err, VG_ENOMEM, "simulate: out of memory");
    s->en = en;
    memcpy(s->cc, country, 3);
    sim_strtab_init(&s->regions);
    size_t cap = 0, n = asn_table_v4_count(en->asn), nslots = 0;
    uint32_t *slots = NULL;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t first, last, asn, isp;
        const char *name;
        struct geo_info gi;
        asn_table_v4_range(en->asn, i, &first, &last, &asn, &name);
        if (last < first || asn == 0)
            continue;
        uint64_t size = (uint64_t)last - first + 1;
        int keep = in_country(s, first, &gi);
        if (!keep && size >= 4096)
            keep = in_country(s, first + (uint32_t)(size / 2), &gi) || in_country(s, last, &gi);
        if (!keep)
            continue;
        if ((rc = isp_index(s, &slots, &nslots, asn, &isp)))
            goto out;
        uint64_t chunk = 256;
        while (chunk * 16 < size)
            chunk <<= 1;
        for (uint64_t a = first; a <= last; a += chunk) {
            uint64_t end = a + chunk - 1 < last ? a + chunk - 1 : last;
            if (!in_country(s, (uint32_t)a, &gi))
                continue;
            if ((rc = add_block(s, &cap, (uint32_t)a, (uint32_t)(end - a + 1), isp, &gi)))
                goto out;
        }
    }
    if (s->nblocks == 0) {
        rc = vg_err_set(err, VG_ENOTFOUND,
                        "simulate: no IPv4 address of country %s in the enrichment data",
                        country);
        goto out;
    }
    s->cum = malloc((s->nblocks + 1) * sizeof *s->cum);
    if (!s->cum) {
        rc = VG_ENOMEM;
        goto out;
    }
    s->cum[0] = 0;
    for (size_t i = 0; i < s->nblocks; i++)
        s->cum[i + 1] = s->cum[i] + s->blocks[i].size;
out:
    free(slots);
    if (rc == VG_ENOMEM)
        vg_err_set(err, rc, "simulate: out of memory building the address space");
    if (rc) {
        sim_space_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void sim_space_close(struct sim_space *s)
{
    if (!s)
        return;
    free(s->blocks);
    free(s->cum);
    free(s->isp_asn);
    sim_strtab_free(&s->regions);
    free(s);
}

uint64_t sim_space_addresses(const struct sim_space *s)
{
    return s->cum[s->nblocks];
}

size_t sim_space_isps(const struct sim_space *s)
{
    return s->nisp;
}

size_t sim_space_find(const struct sim_space *s, uint64_t a)
{
    size_t lo = 0, hi = s->nblocks; /* cum[lo] <= a < cum[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->cum[mid] <= a)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}
