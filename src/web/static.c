/*
 * static.c — lookup in the embedded asset table (see assets.h).
 *
 * Exact match by binary search: the table is the whole namespace of static
 * files, so "..", "%2e%2e", "//" or a backslash are just strings that are
 * not keys.  There is no file system path anywhere on this side.
 */
#include "web/assets.h"

#include <string.h>

const struct web_asset *web_asset_find(const char *path)
{
    size_t lo = 0, hi = web_assets_count;
    if (!path)
        return NULL;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(path, web_assets[mid].path);
        if (c == 0)
            return &web_assets[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}
