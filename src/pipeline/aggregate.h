/*
 * aggregate.h — events into observations, in memory.
 *
 * An observation is (day, address, classification type, malware name, feed,
 * TLP) with an event count and first/last seen.  Raw events are many (a bot
 * beacons all day); observations are few, so the aggregator folds events in
 * an open-addressing hash table and writes the table to the store in one
 * sorted batch (agg_flush).  The caller flushes when agg_full() says so,
 * which keeps memory bounded whatever the input size.
 *
 * Strings (types, families, feeds, TLPs, regions...) are interned: an
 * observation holds small ids, and each distinct string is stored once for
 * the aggregator's lifetime.
 */
#ifndef VG_AGGREGATE_H
#define VG_AGGREGATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/ip.h"
#include "store/store.h"

struct agg;

struct agg_entry {
    uint64_t hash;
    struct ip_addr ip;
    int32_t day;
    uint32_t type, family, feed, tlp; /* interned ids */
    uint32_t asn, cc, region, city;   /* enrichment; set by the caller when new */
    uint64_t events;
    int64_t first_us, last_us;
};

/* max_entries: flush threshold (0 = 262,144 observations). */
int agg_new(struct agg **out, size_t max_entries, struct vg_err *err);
void agg_free(struct agg *a);

/* Intern a string; returns its id (0 is always ""), or UINT32_MAX when out
 * of memory. */
uint32_t agg_intern(struct agg *a, const char *s, size_t len);
const char *agg_str(const struct agg *a, uint32_t id);

/* Count one event.  Returns the entry (valid until the next agg_add or
 * flush); *is_new is 1 when this observation was not in the table, so the
 * caller fills its enrichment.  NULL when out of memory. */
struct agg_entry *agg_add(struct agg *a, int32_t day, const struct ip_addr *ip, uint32_t type,
                          uint32_t family, uint32_t feed, uint32_t tlp, int64_t time_us,
                          int *is_new);
/* As agg_add for a record that stands for `events` events seen from
 * first_us to last_us (both on `day`, first_us <= last_us). */
struct agg_entry *agg_add_span(struct agg *a, int32_t day, const struct ip_addr *ip,
                               uint32_t type, uint32_t family, uint32_t feed, uint32_t tlp,
                               int64_t first_us, int64_t last_us, uint64_t events, int *is_new);

/* The enrichment of an address, as interned ids, cached for the
 * aggregator's lifetime: a host appears on many days and in several feeds,
 * and a geo lookup costs about a microsecond.  The cache holds at most the
 * flush threshold of addresses and starts afresh when full. */
struct agg_place {
    uint32_t asn, cc, region, city;
};
/* 1 and *out when the address is cached, else 0. */
int agg_place_get(const struct agg *a, const struct ip_addr *ip, struct agg_place *out);
/* 0, or VG_ENOMEM. */
int agg_place_put(struct agg *a, const struct ip_addr *ip, const struct agg_place *p);
/* Forget every cached address. */
void agg_place_clear(struct agg *a);

size_t agg_count(const struct agg *a);
/* Forget every observation (interned strings stay). */
void agg_clear(struct agg *a);
int agg_full(const struct agg *a);

/* Write every entry to the store (inside the caller's transaction), sorted
 * by (day, address, ...), then empty the table.  *written (may be NULL)
 * receives the number of observations written. */
int agg_flush(struct agg *a, struct store *st, size_t *written, struct vg_err *err);

#endif
