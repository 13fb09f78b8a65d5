/*
 * geo_int.h — what geo.c shares with geo_walk.c (both read the same mmdb
 * records); private to src/enrich/.
 */
#ifndef VG_GEO_INT_H
#define VG_GEO_INT_H

#include <maxminddb.h>
#include <stddef.h>

/* A non-empty UTF-8 string value at path in e, or NULL; *len its length.
 * The bytes live in the database's mmap. */
const char *geo_entry_string(MMDB_entry_s *e, const char *const *path, size_t *len);

#endif
