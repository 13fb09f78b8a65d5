/*
 * places.h — the two hand-kept tables behind the `province` and `isp`
 * landscape keys (formats and sources: etc/README.md).
 *
 *   etc/provinces-vn.tsv  region (state1 exactly as the geo database spells
 *                         it) → the province it lies in since 1 July 2025
 *                         (Vietnamese name, English name, ASCII code)
 *   etc/isps.tsv          ASN → the operator people know it as
 *
 * Both are tab-separated text with a header line and `#` comments, parsed
 * strictly (every error names file, line and column).  Lookups are a hash
 * probe (province) and a binary search (isp); nothing is allocated after
 * loading, so both may run from any number of threads.
 */
#ifndef VG_PLACES_H
#define VG_PLACES_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/input.h"
#include "enrich/asn.h"

/* The file names places_open looks for. */
#define PLACES_PROVINCES_VN "provinces-vn.tsv"
#define PLACES_ISPS "isps.tsv"

/* A province (or centrally-run city) as it is today. */
struct province {
    const char *code; /* stable ASCII slug ("ho-chi-minh"): the group key */
    const char *vi; /* Vietnamese, with diacritics ("Thành phố Hồ Chí Minh") */
    const char *en; /* English ("Ho Chi Minh City") */
};

/* One row of a provinces table: a region name of the geo database and the
 * province that holds it now. */
struct province_row {
    char cc[3];         /* the table's country, "VN" */
    const char *region; /* NUL-terminated; region_len bytes */
    size_t region_len;
    const struct province *province;
    uint64_t line; /* where it was defined, for messages */
};

/* One row of the ISP table. */
struct isp_row {
    uint32_t asn;
    const char *isp; /* "VNPT", "Viettel", ... */
    char country[3]; /* where the operator is registered */
    uint64_t line;
};

struct places;

/* An empty map, to be filled with places_read_*.  *out is the caller's,
 * freed with places_free (which accepts NULL). */
int places_create(struct places **out, struct vg_err *err);
void places_free(struct places *p);

/* Read a provinces table for country cc (two letters) from in, adding its
 * rows to p.  Columns, in this order: region, province_vi, province_en,
 * code.  Refused, with the line (and column) named: a missing or different
 * header, a row without exactly four fields, an empty field, a field with
 * surrounding blanks, invalid UTF-8 or control characters, a code that is
 * not [a-z0-9]+ joined by single '-', a region already in the table, a
 * code whose names differ from an earlier row of that code, a name used by
 * two codes.  On error p keeps the rows of earlier reads only. */
int places_read_provinces(struct places *p, struct vg_input *in, const char *cc,
                          struct vg_err *err);
/* Read an ISP table from in.  Columns: asn, isp, country.  asn is a
 * decimal 1..4294967295 without sign or leading zeros, country two
 * capital letters; a repeated ASN is refused naming both lines.  Same
 * general rules and error behaviour as places_read_provinces. */
int places_read_isps(struct places *p, struct vg_input *in, struct vg_err *err);

/* Create a map and read the provinces table at provinces_path (for VN) and
 * the ISP table at isps_path.  *out as for places_create; on error it is
 * NULL and err names the file and line. */
int places_load(struct places **out, const char *provinces_path,
                const char *isps_path, struct vg_err *err);

/* places_load with each file taken from data_dir first (where `make deps`
 * and `make install` copy the etc/ tables), else from ../etc beside the
 * running binary (a checkout: build/vigil → etc/).  data_dir may be NULL.
 * A file found in neither place is VG_EDATA naming both places and
 * `make deps`.  *out as for places_create. */
int places_open(struct places **out, const char *data_dir, struct vg_err *err);

/* The province region lies in, or NULL when the country has no table, the
 * region is NULL or empty, or the table does not know it.  region is
 * compared byte for byte (it need not be NUL-terminated); cc ignores case.
 * The result is valid while p is open. */
const struct province *province_lookup(const struct places *p, const char *cc,
                                       const char *region, size_t region_len);

/* The operator of asn, or NULL when the table does not list it (callers
 * then show the AS name).  Valid while p is open. */
const char *isp_lookup(const struct places *p, uint32_t asn);

/* The rows in file order (provinces) and by ASN (isps), for loading into
 * query-time tables.  idx < count; the pointers are valid until the next
 * places_read_* or places_free. */
size_t places_province_count(const struct places *p);
const struct province_row *places_province_at(const struct places *p,
                                              size_t idx);
size_t places_isp_count(const struct places *p);
const struct isp_row *places_isp_at(const struct places *p, size_t idx);

/* How much of a country's address space each ASN announces: the networks
 * the geo database puts in cc, cut by the ASN table's ranges (IPv4,
 * exactly), and for IPv6 the number of cc networks whose first address the
 * ASN announces.  What the ISP table is built from (scripts/list-asns). */
struct places_asn_space {
    uint32_t asn;
    const char *name; /* AS name; valid while the ASN table is open */
    uint64_t v4_addrs;
    uint64_t v6_nets;
};

/* Fill *out (malloc'd, the caller frees it) with one entry per ASN that
 * announces any of cc's space, by v4_addrs descending, then v6_nets
 * descending, then ASN. */
int places_asn_space(const struct asn_table *t, const char *data_dir,
                     const char *cc, struct places_asn_space **out, size_t *n,
                     struct vg_err *err);

#endif
