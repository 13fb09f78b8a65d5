/*
 * cache.h — rendered answers of the read API, kept in memory.
 *
 * An answer is a function of (the reader's scope, the route, the normalised
 * question, the data version of the store): the key is the first three,
 * the version travels beside it.  The store's data version grows with every
 * committed ingest (store_read_begin), so an ingest invalidates exactly the
 * answers computed before it: the first lookup at a newer version drops
 * every older entry.  The scope is opaque here ("" in operator mode); an
 * answer for one scope is never found under another, because the scope is
 * part of the key.
 *
 * Concurrency: one mutex around the table, held for lookups and inserts
 * only, never while an answer is computed.  A miss hands the caller a
 * pending entry to fill; other threads asking the same question at the same
 * version wait for it instead of computing it again (a dashboard opening
 * fires the same queries from every tab at once).  Entries are reference
 * counted: one evicted or dropped while a response still sends it stays
 * alive until released.  Memory: the bytes of keys and bodies are bounded
 * by max_bytes; least recently used entries go first.
 */
#ifndef VG_WEB_CACHE_H
#define VG_WEB_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct web_cache;

struct web_cache_entry {
    const unsigned char *body; /* valid while the caller holds the entry */
    size_t len;
    int status;                /* the HTTP status the body was answered with */
    uint64_t audit_records;    /* the answer's audit figures (web_int.h) */
    int audit_tlp;
};

struct web_cache_stats {
    uint64_t hits, misses, waits, entries, bytes, max_bytes;
};

/* A cache of at most max_bytes (keys and bodies); 0 = no cache at all
 * (web_cache_new then sets *out to NULL, which every call accepts). */
int web_cache_new(struct web_cache **out, size_t max_bytes, struct vg_err *err);
/* Free the cache; entries still held are freed when released.  NULL ok. */
void web_cache_free(struct web_cache *c);

enum { WEB_CACHE_HIT = 0, WEB_CACHE_MISS = 1, WEB_CACHE_BYPASS = 2 };

/* Look up key (keylen bytes, any content) at data version `version`.
 *   WEB_CACHE_HIT: *e is the answer; release it with web_cache_release.
 *   WEB_CACHE_MISS: the caller computes the answer and hands it over with
 *     web_cache_fill (or web_cache_abandon on failure); *e is the pending
 *     entry.
 *   WEB_CACHE_BYPASS: compute without the cache (no cache, out of memory,
 *     a version older than the newest seen, or a failed computation being
 *     waited for); *e is NULL. */
int web_cache_lookup(struct web_cache *c, const void *key, size_t keylen, uint64_t version,
                     struct web_cache_entry **e);
/* Complete a pending entry with body (len bytes, copied) and status, and
 * drop the caller's reference to it.  Returns 0, or VG_ENOMEM (the entry
 * is then abandoned). */
int web_cache_fill(struct web_cache *c, struct web_cache_entry *e, const void *body, size_t len,
                   int status, uint64_t audit_records, int audit_tlp);
/* Give up a pending entry (waiters compute for themselves). */
void web_cache_abandon(struct web_cache *c, struct web_cache_entry *e);
/* Drop the caller's reference; accepts NULL. */
void web_cache_release(struct web_cache *c, struct web_cache_entry *e);

void web_cache_stats_get(struct web_cache *c, struct web_cache_stats *st);

#endif
