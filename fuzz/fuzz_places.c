/*
 * fuzz_places.c — the province and ISP table readers (libFuzzer target).
 *
 * The first byte picks the reader (even: provinces, odd: ISPs), the rest is
 * the table.  Beyond not crashing, an accepted table must answer for each
 * of its rows: the row's region finds the row's province, the row's ASN
 * finds the row's operator; a rejected table must have left the map empty
 * and said why.  Any disagreement abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enrich/places.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct places *p = NULL;
    struct vg_input *in = NULL;
    struct vg_err err = {0};
    if (size < 1 || places_create(&p, &err) != 0)
        return 0;
    int isps = data[0] & 1;
    if (vg_input_open_mem(&in, "fuzz.tsv", data + 1, size - 1, &err) != 0) {
        places_free(p);
        return 0;
    }
    int rc = isps ? places_read_isps(p, in, &err)
                  : places_read_provinces(p, in, "VN", &err);
    if (rc < 0 &&
        (!err.msg[0] || places_province_count(p) || places_isp_count(p)))
        abort();
    for (size_t i = 0; i < places_province_count(p); i++) {
        const struct province_row *r = places_province_at(p, i);
        if (province_lookup(p, "VN", r->region, r->region_len) != r->province)
            abort();
    }
    for (size_t i = 0; i < places_isp_count(p); i++) {
        const struct isp_row *r = places_isp_at(p, i);
        if (isp_lookup(p, r->asn) != r->isp)
            abort();
    }
    vg_input_close(in);
    places_free(p);
    return 0;
}
