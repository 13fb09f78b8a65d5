/*
 * hash.h — the hashes of vigil's in-memory tables.  vg_hash_bytes is
 * never stored (a change to it changes no file and no output); vg_fnv1a
 * also names the per-user cache of the ASN tables (asn.c), so it stays
 * FNV-1a.
 *
 *   vg_hash_bytes  word at a time: for keys hashed on a hot path (field
 *                  names, rollup group keys, addresses)
 *   vg_fnv1a       FNV-1a, byte at a time, seedable (chain calls to hash
 *                  several parts): for short keys off the hot path
 *   vg_mix64       a 64-bit finaliser (SplitMix64's): FNV's low bits mix
 *                  poorly, and open addressing indexes with them
 */
#ifndef VG_CORE_HASH_H
#define VG_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define VG_FNV_SEED UINT64_C(0xcbf29ce484222325)

static inline uint64_t vg_fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t k = 0; k < n; k++)
        h = (h ^ b[k]) * UINT64_C(0x100000001b3);
    return h;
}

static inline uint64_t vg_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

/* Eight bytes per multiply, the tail as one zero-padded word; never 0 (so
 * that tables may use 0 for an empty slot). */
static inline uint64_t vg_hash_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ (n * UINT64_C(0xff51afd7ed558ccd));
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        uint64_t w;
        memcpy(&w, b + k, 8);
        h = (h ^ w) * UINT64_C(0xbf58476d1ce4e5b9);
        h ^= h >> 31;
    }
    if (k < n) {
        uint64_t w = 0;
        memcpy(&w, b + k, n - k);
        h = (h ^ w) * UINT64_C(0x94d049bb133111eb);
        h ^= h >> 29;
    }
    h *= UINT64_C(0xbf58476d1ce4e5b9);
    h ^= h >> 32;
    return h ? h : 1;
}

#endif
