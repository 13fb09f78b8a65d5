/*
 * assets.h — the dashboard's files, compiled into the binary.
 *
 * scripts/embed-assets.py writes build/gen/assets.c from web/ (and the
 * OpenAPI document) at build time; the Makefile compiles it into
 * libvigil.a.  The server answers static requests from this table only, by
 * exact path, so no request can name a file outside it.
 */
#ifndef VG_WEB_ASSETS_H
#define VG_WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
    const char *path;         /* "/index.html"; the table is sorted by strcmp */
    const char *content_type; /* "text/html; charset=utf-8", ... */
    const char *etag;         /* strong validator, quotes included: "\"3f…\"" */
    const unsigned char *data;
    size_t len;
};

/* web_assets_count entries, then a sentinel of zeros.  Static storage. */
extern const struct web_asset web_assets[];
extern const size_t web_assets_count;

/* The asset at exactly this path (no normalisation, no decoding), or NULL. */
const struct web_asset *web_asset_find(const char *path);

#endif
