/*
 * cache.c — the answer cache of cache.h.
 *
 * A chained hash table of entries plus a doubly linked LRU list of the
 * complete ones.  An entry is in one of three states: PENDING (a thread is
 * computing it; others wait on the cache's condition variable), READY, or
 * FAILED (the computing thread gave up; waiters compute for themselves).
 * "Linked" means findable in the table; an entry dropped (evicted, or of an
 * older data version) while still held is unlinked at once and freed by its
 * last release.  The table only ever holds entries of one data version, the
 * newest seen: a lookup at a newer version unlinks everything first.
 */
#include "web/cache.h"
#include "core/hash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { PENDING, READY, FAILED };

struct centry {
    struct web_cache_entry pub; /* first: the public view */
    uint64_t hash;
    char *key;
    size_t keylen, cost;
    int refs, state, linked;
    struct centry *chain;       /* bucket list */
    struct centry *prev, *next; /* LRU, most recent first (READY and linked only) */
};

struct web_cache {
    pthread_mutex_t lock;
    pthread_cond_t done;
    struct centry **buckets;
    size_t nbuckets, count;
    struct centry *head, *tail;
    size_t bytes, max_bytes;
    uint64_t version;
    uint64_t hits, misses, waits;
};

int web_cache_new(struct web_cache **out, size_t max_bytes, struct vg_err *err)
{
    *out = NULL;
    if (!max_bytes)
        return 0;
    struct web_cache *c = calloc(1, sizeof *c);
    if (!c || !(c->buckets = calloc(1024, sizeof *c->buckets))) {
        free(c);
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    }
    c->nbuckets = 1024;
    c->max_bytes = max_bytes;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->done, NULL);
    *out = c;
    return 0;
}

static void entry_free(struct centry *e)
{
    free((void *)e->pub.body);
    free(e->key);
    free(e);
}

static void lru_remove(struct web_cache *c, struct centry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else if (c->head == e)
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else if (c->tail == e)
        c->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push(struct web_cache *c, struct centry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
}

/* Make e unfindable; freed now when nobody holds it.  Under the lock. */
static void unlink_entry(struct web_cache *c, struct centry *e)
{
    struct centry **p = &c->buckets[e->hash & (c->nbuckets - 1)];
    while (*p && *p != e)
        p = &(*p)->chain;
    if (*p)
        *p = e->chain;
    e->chain = NULL;
    if (e->state == READY) {
        lru_remove(c, e);
        c->bytes -= e->cost;
    }
    e->linked = 0;
    c->count--;
    if (!e->refs)
        entry_free(e);
}

static void drop_all(struct web_cache *c)
{
    for (size_t b = 0; b < c->nbuckets; b++)
        while (c->buckets[b])
            unlink_entry(c, c->buckets[b]);
}

void web_cache_free(struct web_cache *c)
{
    if (!c)
        return;
    drop_all(c);
    free(c->buckets);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->done);
    free(c);
}

/* Double the buckets when the chains grow long.  Under the lock; a failed
 * allocation only leaves the chains longer. */
static void maybe_grow(struct web_cache *c)
{
    if (c->count < c->nbuckets)
        return;
    size_t n = c->nbuckets * 2;
    struct centry **nb = calloc(n, sizeof *nb);
    if (!nb)
        return;
    for (size_t b = 0; b < c->nbuckets; b++)
        for (struct centry *e = c->buckets[b], *next; e; e = next) {
            next = e->chain;
            e->chain = nb[e->hash & (n - 1)];
            nb[e->hash & (n - 1)] = e;
        }
    free(c->buckets);
    c->buckets = nb;
    c->nbuckets = n;
}

int web_cache_lookup(struct web_cache *c, const void *key, size_t keylen, uint64_t version,
                     struct web_cache_entry **out)
{
    *out = NULL;
    if (!c)
        return WEB_CACHE_BYPASS;
    uint64_t h = vg_hash_bytes(key, keylen);
    pthread_mutex_lock(&c->lock);
    if (version < c->version) { /* a reader of an older snapshot */
        pthread_mutex_unlock(&c->lock);
        return WEB_CACHE_BYPASS;
    }
    if (version > c->version) { /* an ingest committed: every answer is stale */
        drop_all(c);
        c->version = version;
    }
    struct centry *e = c->buckets[h & (c->nbuckets - 1)];
    while (e && !(e->hash == h && e->keylen == keylen && memcmp(e->key, key, keylen) == 0))
        e = e->chain;
    if (e) {
        e->refs++;
        if (e->state == PENDING)
            c->waits++;
        while (e->state == PENDING)
            pthread_cond_wait(&c->done, &c->lock);
        if (e->state == READY) {
            c->hits++;
            if (e->linked) {
                lru_remove(c, e);
                lru_push(c, e);
            }
            pthread_mutex_unlock(&c->lock);
            *out = &e->pub;
            return WEB_CACHE_HIT;
        }
        /* the computation failed: this thread tries for itself, uncached */
        if (!--e->refs && !e->linked)
            entry_free(e);
        pthread_mutex_unlock(&c->lock);
        return WEB_CACHE_BYPASS;
    }
    c->misses++;
    e = calloc(1, sizeof *e);
    if (e && !(e->key = malloc(keylen ? keylen : 1))) {
        free(e);
        e = NULL;
    }
    if (!e) {
        pthread_mutex_unlock(&c->lock);
        return WEB_CACHE_BYPASS;
    }
    memcpy(e->key, key, keylen);
    e->keylen = keylen;
    e->hash = h;
    e->refs = 1;
    e->state = PENDING;
    e->linked = 1;
    maybe_grow(c);
    e->chain = c->buckets[h & (c->nbuckets - 1)];
    c->buckets[h & (c->nbuckets - 1)] = e;
    c->count++;
    pthread_mutex_unlock(&c->lock);
    *out = &e->pub;
    return WEB_CACHE_MISS;
}

int web_cache_fill(struct web_cache *c, struct web_cache_entry *pub, const void *body, size_t len,
                   int status, uint64_t audit_records, int audit_tlp)
{
    struct centry *e = (struct centry *)pub;
    unsigned char *copy = malloc(len ? len : 1);
    if (!copy) {
        web_cache_abandon(c, pub);
        return VG_ENOMEM;
    }
    memcpy(copy, body, len);
    pthread_mutex_lock(&c->lock);
    e->pub.body = copy;
    e->pub.len = len;
    e->pub.status = status;
    e->pub.audit_records = audit_records;
    e->pub.audit_tlp = audit_tlp;
    e->state = READY;
    e->refs--; /* the filler's; waiters hold their own */
    e->cost = len + e->keylen + sizeof *e;
    if (e->linked) {
        lru_push(c, e);
        c->bytes += e->cost;
        /* the oldest go first; one answer larger than a quarter of the
         * cache is served to those waiting for it but not kept */
        if (e->cost > c->max_bytes / 4)
            unlink_entry(c, e);
        while (c->bytes > c->max_bytes && c->tail)
            unlink_entry(c, c->tail);
    } else if (!e->refs) {
        entry_free(e);
    }
    pthread_cond_broadcast(&c->done);
    pthread_mutex_unlock(&c->lock);
    return 0;
}

void web_cache_abandon(struct web_cache *c, struct web_cache_entry *pub)
{
    struct centry *e = (struct centry *)pub;
    if (!c || !e)
        return;
    pthread_mutex_lock(&c->lock);
    e->state = FAILED;
    e->refs--;
    if (e->linked)
        unlink_entry(c, e); /* frees it when no waiter holds it */
    else if (!e->refs)
        entry_free(e);
    pthread_cond_broadcast(&c->done);
    pthread_mutex_unlock(&c->lock);
}

void web_cache_release(struct web_cache *c, struct web_cache_entry *pub)
{
    struct centry *e = (struct centry *)pub;
    if (!c || !e)
        return;
    pthread_mutex_lock(&c->lock);
    if (!--e->refs && !e->linked)
        entry_free(e);
    pthread_mutex_unlock(&c->lock);
}

void web_cache_stats_get(struct web_cache *c, struct web_cache_stats *st)
{
    memset(st, 0, sizeof *st);
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    st->hits = c->hits;
    st->misses = c->misses;
    st->waits = c->waits;
    st->entries = c->count;
    st->bytes = c->bytes;
    st->max_bytes = c->max_bytes;
    pthread_mutex_unlock(&c->lock);
}
