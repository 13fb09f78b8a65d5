/*
 * aggregate.c — the observation hash table and string interning.
 *
 * Both tables use open addressing with linear probing and power-of-two
 * sizes, kept at most half full.  The observation table never shrinks
 * between flushes; a flush sorts a pointer array so that SQLite's B-tree
 * sees keys in order (much faster than random inserts).
 */
#include "pipeline/aggregate.h"
#include "core/hash.h"
#include "core/buf.h"
#include "core/bigmem.h"

#include <stdlib.h>
#include <string.h>

struct agg {
    struct agg_entry *slots; /* hash 0 = empty (real hashes are forced non-zero) */
    size_t cap, count, max_entries;
    /* interning */
    uint32_t *str_slots; /* id+1, 0 = empty */
    size_t str_cap;
    char **strs;
    size_t *str_lens;
    size_t nstrs, strs_cap;
    struct vg_arena arena;
    /* address → enrichment cache */
    struct place_slot *places;
    size_t places_cap, places_count;
};

struct place_slot {
    uint64_t hash; /* 0 = empty */
    struct ip_addr ip;
    struct agg_place p;
};

int agg_new(struct agg **out, size_t max_entries, struct vg_err *err)
{
    struct agg *a = calloc(1, sizeof *a);
    if (!a)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    a->max_entries = max_entries ? max_entries : (1u << 18);
    a->cap = 1024;
    a->str_cap = 256;
    a->strs_cap = 64;
    a->slots = vg_big_calloc(a->cap, sizeof *a->slots);
    a->str_slots = calloc(a->str_cap, sizeof *a->str_slots);
    a->strs = malloc(a->strs_cap * sizeof *a->strs);
    a->str_lens = malloc(a->strs_cap * sizeof *a->str_lens);
    vg_arena_init(&a->arena, 64 * 1024);
    if (!a->slots || !a->str_slots || !a->strs || !a->str_lens ||
        agg_intern(a, "", 0) != 0) {
        agg_free(a);
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    }
    *out = a;
    return 0;
}

void agg_free(struct agg *a)
{
    if (!a)
        return;
    vg_big_free(a->places, a->places_cap, sizeof *a->places);
    vg_big_free(a->slots, a->cap, sizeof *a->slots);
    free(a->str_slots);
    free(a->strs);
    free(a->str_lens);
    vg_arena_free(&a->arena);
    free(a);
}

static int str_grow(struct agg *a)
{
    size_t ncap = a->str_cap * 2;
    uint32_t *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t k = 0; k < a->str_cap; k++) {
        uint32_t v = a->str_slots[k];
        if (!v)
            continue;
        size_t i = vg_hash_bytes(a->strs[v - 1], a->str_lens[v - 1]) & (ncap - 1);
        while (ns[i])
            i = (i + 1) & (ncap - 1);
        ns[i] = v;
    }
    free(a->str_slots);
    a->str_slots = ns;
    a->str_cap = ncap;
    return 0;
}

uint32_t agg_intern(struct agg *a, const char *s, size_t len)
{
    uint64_t h = vg_hash_bytes(s, len);
    size_t i = h & (a->str_cap - 1);
    for (;;) {
        uint32_t v = a->str_slots[i];
        if (!v)
            break;
        if (a->str_lens[v - 1] == len && memcmp(a->strs[v - 1], s, len) == 0)
            return v - 1;
        i = (i + 1) & (a->str_cap - 1);
    }
    if (a->nstrs == a->strs_cap) {
        size_t nc = a->strs_cap * 2;
        char **ns = realloc(a->strs, nc * sizeof *ns);
        if (!ns)
            return UINT32_MAX;
        a->strs = ns;
        size_t *nl = realloc(a->str_lens, nc * sizeof *nl);
        if (!nl)
            return UINT32_MAX;
        a->str_lens = nl;
        a->strs_cap = nc;
    }
    char *copy = vg_arena_strndup(&a->arena, s, len);
    if (!copy)
        return UINT32_MAX;
    uint32_t id = (uint32_t)a->nstrs++;
    a->strs[id] = copy;
    a->str_lens[id] = len;
    a->str_slots[i] = id + 1;
    if (a->nstrs * 2 > a->str_cap && str_grow(a))
        return UINT32_MAX;
    return id;
}

const char *agg_str(const struct agg *a, uint32_t id)
{
    return id < a->nstrs ? a->strs[id] : "";
}

static uint64_t key_hash(int32_t day, const struct ip_addr *ip, uint32_t type,
                         uint32_t family, uint32_t feed, uint32_t tlp)
{
    uint64_t w0, w1;
    memcpy(&w0, ip->b, 8);
    memcpy(&w1, ip->b + 8, 8);
    uint64_t h = vg_mix64(w0 ^ vg_mix64(w1 ^ ((uint64_t)(uint32_t)day << 32 | type)));
    h = vg_mix64(h ^ ((uint64_t)family << 32 | (uint64_t)feed << 8 | tlp));
    return h ? h : 1;
}

static int table_grow(struct agg *a)
{
    size_t ncap = a->cap * 2;
    struct agg_entry *ns = vg_big_calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t k = 0; k < a->cap; k++) {
        if (!a->slots[k].hash)
            continue;
        size_t i = a->slots[k].hash & (ncap - 1);
        while (ns[i].hash)
            i = (i + 1) & (ncap - 1);
        ns[i] = a->slots[k];
    }
    vg_big_free(a->slots, a->cap, sizeof *a->slots);
    a->slots = ns;
    a->cap = ncap;
    return 0;
}

struct agg_entry *agg_add_span(struct agg *a, int32_t day, const struct ip_addr *ip,
                               uint32_t type, uint32_t family, uint32_t feed, uint32_t tlp,
                               int64_t first_us, int64_t last_us, uint64_t events, int *is_new)
{
    if ((a->count + 1) * 2 > a->cap && table_grow(a))
        return NULL;
    uint64_t h = key_hash(day, ip, type, family, feed, tlp);
    size_t i = h & (a->cap - 1);
    for (;;) {
        struct agg_entry *e = &a->slots[i];
        if (!e->hash) {
            memset(e, 0, sizeof *e);
            e->hash = h;
            e->ip = *ip;
            e->day = day;
            e->type = type;
            e->family = family;
            e->feed = feed;
            e->tlp = tlp;
            e->events = events;
            e->first_us = first_us;
            e->last_us = last_us;
            a->count++;
            *is_new = 1;
            return e;
        }
        if (e->hash == h && e->day == day && e->type == type && e->family == family &&
            e->feed == feed && e->tlp == tlp && memcmp(e->ip.b, ip->b, 16) == 0) {
            e->events += events;
            if (first_us < e->first_us)
                e->first_us = first_us;
            if (last_us > e->last_us)
                e->last_us = last_us;
            *is_new = 0;
            return e;
        }
        i = (i + 1) & (a->cap - 1);
    }
}

struct agg_entry *agg_add(struct agg *a, int32_t day, const struct ip_addr *ip, uint32_t type,
                          uint32_t family, uint32_t feed, uint32_t tlp, int64_t time_us,
                          int *is_new)
{
    return agg_add_span(a, day, ip, type, family, feed, tlp, time_us, time_us, 1, is_new);
}

static uint64_t ip_hash(const struct ip_addr *ip)
{
    uint64_t w0, w1;
    memcpy(&w0, ip->b, 8);
    memcpy(&w1, ip->b + 8, 8);
    uint64_t h = vg_mix64(w0 ^ vg_mix64(w1));
    return h ? h : 1;
}

int agg_place_get(const struct agg *a, const struct ip_addr *ip, struct agg_place *out)
{
    if (!a->places_cap)
        return 0;
    uint64_t h = ip_hash(ip);
    for (size_t i = h & (a->places_cap - 1);; i = (i + 1) & (a->places_cap - 1)) {
        const struct place_slot *s = &a->places[i];
        if (!s->hash)
            return 0;
        if (s->hash == h && memcmp(s->ip.b, ip->b, 16) == 0) {
            *out = s->p;
            return 1;
        }
    }
}

int agg_place_put(struct agg *a, const struct ip_addr *ip, const struct agg_place *p)
{
    if (!a->places_cap) {
        a->places_cap = 4096;
        if (!(a->places = vg_big_calloc(a->places_cap, sizeof *a->places)))
            return VG_ENOMEM;
    }
    if ((a->places_count + 1) * 2 > a->places_cap) {
        if (a->places_count >= a->max_entries) {
            agg_place_clear(a); /* full: start afresh rather than grow without bound */
        } else {
            size_t ncap = a->places_cap * 2;
            struct place_slot *ns = vg_big_calloc(ncap, sizeof *ns);
            if (!ns)
                return VG_ENOMEM;
            for (size_t k = 0; k < a->places_cap; k++) {
                if (!a->places[k].hash)
                    continue;
                size_t i = a->places[k].hash & (ncap - 1);
                while (ns[i].hash)
                    i = (i + 1) & (ncap - 1);
                ns[i] = a->places[k];
            }
            vg_big_free(a->places, a->places_cap, sizeof *a->places);
            a->places = ns;
            a->places_cap = ncap;
        }
    }
    uint64_t h = ip_hash(ip);
    size_t i = h & (a->places_cap - 1);
    while (a->places[i].hash && !(a->places[i].hash == h && memcmp(a->places[i].ip.b, ip->b, 16) == 0))
        i = (i + 1) & (a->places_cap - 1);
    if (!a->places[i].hash)
        a->places_count++;
    a->places[i].hash = h;
    a->places[i].ip = *ip;
    a->places[i].p = *p;
    return 0;
}

void agg_place_clear(struct agg *a)
{
    if (a->places_count)
        memset(a->places, 0, a->places_cap * sizeof *a->places);
    a->places_count = 0;
}

size_t agg_count(const struct agg *a)
{
    return a->count;
}

void agg_clear(struct agg *a)
{
    if (a->count)
        memset(a->slots, 0, a->cap * sizeof *a->slots);
    a->count = 0;
}

int agg_full(const struct agg *a)
{
    return a->count >= a->max_entries;
}

static int cmp_entry(const void *x, const void *y)
{
    const struct agg_entry *a = *(const struct agg_entry *const *)x;
    const struct agg_entry *b = *(const struct agg_entry *const *)y;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    return memcmp(a->ip.b, b->ip.b, 16);
}

int agg_flush(struct agg *a, struct store *st, size_t *written, struct vg_err *err)
{
    int rc = 0;
    size_t n = 0;
    struct agg_entry **order = NULL;
    struct store_obs *batch = NULL;
    enum { BATCH = 4096 };
    if (written)
        *written = 0;
    if (!a->count)
        return 0;
    order = malloc(a->count * sizeof *order);
    batch = malloc(BATCH * sizeof *batch);
    if (!order || !batch) {
        rc = vg_err_set(err, VG_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < a->cap; k++)
        if (a->slots[k].hash)
            order[n++] = &a->slots[k];
    qsort(order, n, sizeof *order, cmp_entry);
    size_t nb = 0;
    for (size_t k = 0; k < n; k++) {
        const struct agg_entry *e = order[k];
        struct store_obs *o = &batch[nb++];
        o->day = e->day;
        o->ip = e->ip;
        o->type = agg_str(a, e->type);
        o->family = agg_str(a, e->family);
        o->feed = agg_str(a, e->feed);
        o->tlp = agg_str(a, e->tlp);
        o->asn = e->asn;
        o->cc = agg_str(a, e->cc);
        o->region = agg_str(a, e->region);
        o->city = agg_str(a, e->city);
        o->events = e->events;
        o->first_us = e->first_us;
        o->last_us = e->last_us;
        if (nb == BATCH || k + 1 == n) {
            if ((rc = store_obs_put(st, batch, nb, err)))
                goto out;
            nb = 0;
        }
    }
    agg_clear(a);
    if (written)
        *written = n;
out:
    free(order);
    free(batch);
    return rc;
}
