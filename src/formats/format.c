/*
 * format.c — the driver registry and format auto-detection.
 */
#include "formats/format.h"

#include <string.h>

static const struct format_driver *const drivers[] = {
    &format_ctip,
    &format_shadowserver,
    &format_intelmq,
    &format_stix,
    &format_misp,
    NULL,
};

const struct format_driver *const *format_drivers(void)
{
    return drivers;
}

const struct format_driver *format_find(const char *name)
{
    for (size_t k = 0; drivers[k]; k++)
        if (strcmp(drivers[k]->name, name) == 0)
            return drivers[k];
    return NULL;
}

const struct format_driver *format_detect(struct vg_input *in, struct vg_err *err)
{
    const char *head;
    size_t n;
    if (vg_input_peek(in, 64 * 1024, &head, &n, err))
        return NULL;
    const struct format_driver *best = NULL;
    int best_score = 0;
    for (size_t k = 0; drivers[k]; k++) {
        int s = drivers[k]->detect(vg_input_name(in), head, n);
        if (s > best_score) {
            best_score = s;
            best = drivers[k];
        }
    }
    if (!best)
        vg_err_set(err, VG_EPARSE,
                   "%s: cannot tell the format; name one with --format", vg_input_name(in));
    return best;
}

int format_is_binary(const char *p, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)p[k];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return 1;
        if (c == 0x7f)
            return 1;
    }
    return 0;
}
