/*
 * asn.c — IP → ASN by range match over a derived, mmapped binary table.
 *
 * Why a derived table: the CSVs are half a million text rows; parsing them
 * on every start costs about half a second, while mapping a prepared table
 * costs milliseconds and shares the page cache between processes.  So each
 * CSV is compiled once into a table file and later runs map it read-only.
 *
 * Table file (one per CSV; native byte order, recorded in the header;
 * sections start on 16-byte boundaries):
 *
 *   header  struct tbl_header: magic, format version, byte-order mark,
 *           family, the CSV's size, mtime (s, ns) and inode, the counts,
 *           every section offset, and a checksum of all that follows
 *   index   65537 u32, the jump index by the top 16 bits of an address
 *           (IPv4: the /16; IPv6: the first 16 bits).  IPv4: index[h] is
 *           the first partition entry of block h.  IPv6: the number of
 *           ranges starting below block h, so ranges starting in h are
 *           [index[h], index[h+1]).
 *   pkey,   IPv4 only: the /16 blocks cut into a partition: entry i covers
 *   pval    the addresses from h.pkey[i] (u16, low half) to the next
 *           entry's start; pval[i] is 0 for unannounced space, else
 *           1 + its pair.  Every block starts with an entry at 0, so the
 *           last key <= the address always exists.
 *   first,  the ranges, sorted and disjoint (first[i] <= last[i] <
 *   last    first[i+1]): u32 for IPv4, {u64 hi, lo} for IPv6
 *   pair    per range, u32 index into pairs
 *   pairs   the distinct (u32 asn, u32 name offset) pairs, by ASN and then
 *           by first range in address order: asn_table_name takes the
 *           first of an ASN
 *   pool    NUL-terminated names, each stored once; offset 0 is ""
 *
 * Why a separate IPv4 partition when the ranges could be searched
 * directly: speed is cache misses.  Searching first[] and then reading
 * last[], asn[] and name[] touches four arrays of 1.6 MB each (6.7 MB with
 * the index); the partition needs 2 bytes of key and 4 of value per entry
 * (3 MB for ~500k entries, 0.7 MB of pairs), and a found entry is already
 * known to be announced, so last[] is not read.  On the 2-core build VM,
 * whose last-level cache holds about 4 MB, that took uniformly drawn
 * announced addresses from about 45 to about 30 ns a lookup (bench_lookup).
 * The ranges stay for iteration (asn_table_v4_range).  IPv6 (a fifth the
 * ranges, fewer lookups) searches its ranges directly.
 *
 * Opening recomputes the layout from (family, n, n_part, n_pairs, pool_len)
 * and compares every offset and the file size; then the checksum; then the
 * invariants the lookups rely on (ranges sorted and disjoint, each index
 * block well formed, every pair and name offset in bounds).  A table failing
 * any check is rebuilt, never trusted: lookups cannot read outside the
 * mapping whatever the file holds.
 *
 * Overlaps: the CSV is sorted by first address, and where ranges overlap
 * the narrowest one containing an address wins there (longest-prefix match
 * when ranges are CIDR blocks; for crossing ranges, the smaller; equal
 * widths: the later row, as a correction appended to a file would).  A
 * sweep over range starts with a heap ordered by width cuts the input into
 * disjoint pieces.  ASN 0 (RFC 7607: not to be routed) wins like any range
 * and then leaves a hole.  The 2026 data has one crossing pair (AS749
 * 214.95.0.0–215.0.255.255 and AS721 215.0.0.0–215.1.3.255).
 *
 * Where: beside the CSV as <name>.table, or when that cannot be written in
 * $XDG_CACHE_HOME/vigil (default ~/.cache/vigil) as
 * <name>-<hash of the CSV's real path>.table, or, failing both, in memory.
 * Written to a temporary file and renamed, so a reader sees the old table or
 * the new one, never half; no fsync: a table lost or torn by a crash fails
 * validation and is rebuilt.  Concurrent builders each rename a complete
 * table; the last one stays.
 */
#include "enrich/asn.h"
#include "core/hash.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define TBL_MAGIC "VIGILASN"
#define TBL_VERSION 3u /* bumped too when the build's semantics change */
#define TBL_BOM 0x01020304u
#define IDX_N 65537u
#define MAX_RANGES (1u << 30)

enum { V4 = 0, V6 = 1 };

struct key {
    uint64_t hi, lo;
};

struct tbl_header {
    char magic[8];
    uint32_t version, bom, family, key_bytes;
    uint64_t csv_size;
    int64_t csv_mtime_s, csv_mtime_ns;
    uint64_t csv_ino;
    uint64_t file_size;
    uint64_t n, n_part, n_pairs, pool_len;
    uint64_t off_index, off_pkey, off_pval, off_first, off_last, off_pair,
        off_pairs, off_pool;
    uint64_t checksum; /* of bytes [sizeof header, file_size) */
};

struct pair {
    uint32_t asn, name;
};

/* One family's table: a validated view into the mapping (or heap image). */
struct fam {
    const uint8_t *base;
    size_t size;
    int mapped, built, present;
    size_t n, n_part, n_pairs;
    const uint32_t *index;
    const uint16_t *pkey;
    const uint32_t *pval;
    const uint32_t *first4, *last4;
    const struct key *first6, *last6;
    const uint32_t *pair;
    const struct pair *pairs;
    const char *pool;
    char path[PATH_MAX];
};

struct asn_table {
    struct fam f[2];
};

static const char *const csv_names[2] = {"asn-ipv4.csv", "asn-ipv6.csv"};
static const char *const tbl_stems[2] = {"asn-ipv4", "asn-ipv6"};

/* ---- keys ---------------------------------------------------------------- */

static int key_cmp(struct key a, struct key b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    return a.lo < b.lo ? -1 : a.lo > b.lo;
}

static struct key key_inc(struct key a)
{
    if (++a.lo == 0)
        a.hi++;
    return a;
}

static struct key key_dec(struct key a)
{
    if (a.lo-- == 0)
        a.hi--;
    return a;
}

static struct key key_sub(struct key a, struct key b)
{
    struct key d = {a.hi - b.hi - (a.lo < b.lo), a.lo - b.lo};
    return d;
}

static struct key key_of(const struct ip_addr *ip, int fam)
{
    struct key k = {0, 0};
    if (fam == V4) {
        k.lo = ip_v4(ip);
        return k;
    }
    for (int i = 0; i < 8; i++) {
        k.hi = k.hi << 8 | ip->b[i];
        k.lo = k.lo << 8 | ip->b[8 + i];
    }
    return k;
}

/* ---- layout and checksum ------------------------------------------------- */

struct layout {
    uint64_t index, pkey, pval, first, last, pair, pairs, pool, size;
};

static uint64_t align16(uint64_t v)
{
    return (v + 15) & ~(uint64_t)15;
}

/* Callers bound the counts first (MAX_RANGES, 4 GiB pool), so nothing here
 * overflows. */
static void layout_compute(int fam, uint64_t n, uint64_t n_part,
                           uint64_t n_pairs, uint64_t pool_len,
                           struct layout *l)
{
    uint64_t kb = fam == V4 ? 4 : 16, off = align16(sizeof(struct tbl_header));
    l->index = off, off = align16(off + IDX_N * 4);
    l->pkey = off, off = align16(off + n_part * 2);
    l->pval = off, off = align16(off + n_part * 4);
    l->first = off, off = align16(off + n * kb);
    l->last = off, off = align16(off + n * kb);
    l->pair = off, off = align16(off + n * 4);
    l->pairs = off, off = align16(off + n_pairs * sizeof(struct pair));
    l->pool = off, off += pool_len;
    l->size = off;
}

static uint64_t rotl64(uint64_t v, int r)
{
    return v << r | v >> (64 - r);
}

/* A fast 64-bit hash to catch damaged tables (not an adversary: a table is
 * a cache we made ourselves).  Four independent lanes keep the multiplier
 * busy, so checking a 10 MB table costs about a millisecond. */
static uint64_t tbl_hash(const uint8_t *p, size_t n)
{
    const uint64_t K = 0x9E3779B97F4A7C15ull;
    uint64_t h[4] = {1, 2, 3, 4};
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int l = 0; l < 4; l++) {
            uint64_t w;
            memcpy(&w, p + i + 8 * l, 8);
            h[l] = (h[l] ^ w) * K;
            h[l] ^= h[l] >> 29;
        }
    uint64_t t = n;
    for (; i < n; i++)
        t = (t ^ p[i]) * K;
    uint64_t x =
        h[0] ^ rotl64(h[1], 17) ^ rotl64(h[2], 31) ^ rotl64(h[3], 47) ^ t;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

/* ---- opening a table file ------------------------------------------------ */

/* The index must be monotone and end at count. */
static int index_ok(const uint32_t *index, size_t count)
{
    if (index[0] != 0 || index[IDX_N - 1] != count)
        return 0;
    for (uint32_t b = 0; b + 1 < IDX_N; b++)
        if (index[b] > index[b + 1])
            return 0;
    return 1;
}

/* Each block a partition of its 65536 addresses: non-empty, starting at 0,
 * keys increasing, values 0 or 1 + a pair. */
static int partition_ok(const uint32_t *index, const uint16_t *pkey,
                        const uint32_t *pval, size_t n_pairs)
{
    for (uint32_t b = 0; b + 1 < IDX_N; b++) {
        uint32_t lo = index[b], hi = index[b + 1];
        if (lo == hi || pkey[lo] != 0)
            return 0;
        for (uint32_t i = lo; i < hi; i++)
            if ((i > lo && pkey[i - 1] >= pkey[i]) || pval[i] > n_pairs)
                return 0;
    }
    return 1;
}

/* Check an image against the CSV's identity and every invariant the lookup
 * relies on; on success point f's arrays into it.  Returns 0 or -1. */
static int fam_attach(struct fam *f, int fam, const uint8_t *base, size_t size,
                      const struct stat *csv)
{
    struct tbl_header h;
    struct layout l;
    if (size < sizeof h)
        return -1;
    memcpy(&h, base, sizeof h);
    if (memcmp(h.magic, TBL_MAGIC, 8) || h.version != TBL_VERSION ||
        h.bom != TBL_BOM || h.family != (fam == V4 ? 4u : 6u) ||
        h.key_bytes != (fam == V4 ? 4u : 16u))
        return -1;
    if (h.csv_size != (uint64_t)csv->st_size ||
        h.csv_mtime_s != (int64_t)csv->st_mtim.tv_sec ||
        h.csv_mtime_ns != (int64_t)csv->st_mtim.tv_nsec ||
        h.csv_ino != (uint64_t)csv->st_ino)
        return -1; /* stale: the CSV changed */
    if (h.file_size != size || h.n > MAX_RANGES || h.n_part >= UINT32_MAX ||
        h.n_pairs > h.n || h.pool_len == 0 || h.pool_len > UINT32_MAX ||
        (fam == V4 ? h.n_part < IDX_N - 1 : h.n_part != 0))
        return -1;
    layout_compute(fam, h.n, h.n_part, h.n_pairs, h.pool_len, &l);
    if (l.size != size || h.off_index != l.index || h.off_pkey != l.pkey ||
        h.off_pval != l.pval || h.off_first != l.first ||
        h.off_last != l.last || h.off_pair != l.pair ||
        h.off_pairs != l.pairs || h.off_pool != l.pool)
        return -1;
    if (tbl_hash(base + sizeof h, size - sizeof h) != h.checksum)
        return -1;

    size_t n = (size_t)h.n, np = (size_t)h.n_pairs;
    const uint32_t *index = (const void *)(base + l.index);
    const uint16_t *pkey = (const void *)(base + l.pkey);
    const uint32_t *pval = (const void *)(base + l.pval),
                   *pair = (const void *)(base + l.pair);
    const struct pair *pairs = (const void *)(base + l.pairs);
    const char *pool = (const char *)base + l.pool;
    if (pool[h.pool_len - 1] != '\0')
        return -1;
    if (fam == V4) {
        const uint32_t *fi = (const void *)(base + l.first),
                       *la = (const void *)(base + l.last);
        if (!index_ok(index, (size_t)h.n_part) ||
            !partition_ok(index, pkey, pval, np))
            return -1;
        for (size_t i = 0; i < n; i++)
            if (fi[i] > la[i] || (i && la[i - 1] >= fi[i]))
                return -1;
        f->first4 = fi, f->last4 = la;
    } else {
        const struct key *fi = (const void *)(base + l.first),
                         *la = (const void *)(base + l.last);
        uint32_t b = 0;
        if (!index_ok(index, n))
            return -1;
        for (size_t i = 0; i < n; i++) {
            if (key_cmp(fi[i], la[i]) > 0 ||
                (i && key_cmp(la[i - 1], fi[i]) >= 0))
                return -1;
            while (index[b + 1] <= i)
                b++;
            if (fi[i].hi >> 48 !=
                b) /* the range is in the block the index says */
                return -1;
        }
        f->first6 = fi, f->last6 = la;
    }
    for (size_t i = 0; i < n; i++)
        if (pair[i] >= np)
            return -1;
    for (size_t i = 0; i < np; i++)
        if (pairs[i].name >= h.pool_len ||
            (i && pairs[i - 1].asn > pairs[i].asn))
            return -1;
    f->base = base, f->size = size, f->n = n, f->n_part = (size_t)h.n_part,
    f->n_pairs = np;
    f->index = index, f->pkey = pkey, f->pval = pval, f->pair = pair,
    f->pairs = pairs;
    f->pool = pool;
    f->present = 1;
    return 0;
}

/* Map path and attach it; 0 when it is a valid, current table. */
static int fam_map(struct fam *f, int fam, const char *path,
                   const struct stat *csv)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    void *m = MAP_FAILED;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return -1;
    if (fam_attach(f, fam, m, (size_t)st.st_size, csv) != 0) {
        munmap(m, (size_t)st.st_size);
        return -1;
    }
    f->mapped = 1;
    snprintf(f->path, sizeof f->path, "%s", path);
    return 0;
}

static void fam_release(struct fam *f)
{
    if (!f->base)
        return;
    if (f->mapped)
        munmap((void *)f->base, f->size);
    else
        free((void *)f->base);
    f->base = NULL;
}

/* ---- building from the CSV ---------------------------------------------- */

struct row {
    struct key first, last;
    uint32_t asn, name, seq;
};

struct builder {
    int fam;
    const char *csv_path;
    struct vg_err *err;
    int failed, code; /* the first error */
    /* rows */
    struct row *rows;
    size_t n, cap;
    /* the record being parsed */
    size_t record;
    int field, skip, maybe_header;
    char first_text[64]; /* field 1 of record 1, while it may be a header */
    struct row cur;
    /* the string pool and its dedup hash (slot = offset + 1, 0 = empty) */
    char *pool;
    size_t pool_len, pool_cap;
    uint32_t *slots;
    size_t slot_mask, names;
};

/* Record the first error, with the record (and field) it is in. */
static void build_fail(struct builder *b, int code, const char *field,
                       const char *what, const char *val)
{
    if (b->failed)
        return;
    b->failed = 1;
    b->code = code;
    vg_err_set(b->err, code, "%s: record %zu%s%s: %s%s%.60s%s", b->csv_path,
               b->record, field ? ", field " : "", field ? field : "", what,
               val ? ": \"" : "", val ? val : "", val ? "\"" : "");
}

/* The pool offset of name, adding it once. */
static int pool_intern(struct builder *b, const char *s, size_t n,
                       uint32_t *off)
{
    if (n == 0) {
        *off = 0;
        return 0;
    }
    if (b->names * 2 >= b->slot_mask) {
        size_t ncap = b->slot_mask ? (b->slot_mask + 1) * 2 : 1 << 16;
        uint32_t *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return VG_ENOMEM;
        for (size_t i = 0; b->slot_mask && i <= b->slot_mask; i++) {
            if (!b->slots[i])
                continue;
            const char *e = b->pool + b->slots[i] - 1;
            size_t j = vg_fnv1a(VG_FNV_SEED, e, strlen(e)) & (ncap - 1);
            while (ns[j])
                j = (j + 1) & (ncap - 1);
            ns[j] = b->slots[i];
        }
        free(b->slots);
        b->slots = ns;
        b->slot_mask = ncap - 1;
    }
    size_t j = vg_fnv1a(VG_FNV_SEED, s, n) & b->slot_mask;
    for (; b->slots[j]; j = (j + 1) & b->slot_mask) {
        const char *e = b->pool + b->slots[j] - 1;
        if (strncmp(e, s, n) == 0 && e[n] == '\0') {
            *off = b->slots[j] - 1;
            return 0;
        }
    }
    if (b->pool_len + n + 1 > UINT32_MAX - 1)
        return VG_ELIMIT;
    if (b->pool_len + n + 1 > b->pool_cap) {
        size_t ncap = b->pool_cap ? b->pool_cap * 2 : 1 << 20;
        while (ncap < b->pool_len + n + 1)
            ncap *= 2;
        char *np = realloc(b->pool, ncap);
        if (!np)
            return VG_ENOMEM;
        b->pool = np;
        b->pool_cap = ncap;
    }
    memcpy(b->pool + b->pool_len, s, n);
    b->pool[b->pool_len + n] = '\0';
    *off = (uint32_t)b->pool_len;
    b->slots[j] = (uint32_t)b->pool_len + 1;
    b->pool_len += n + 1;
    b->names++;
    return 0;
}

static int parse_addr(struct builder *b, const char *s, size_t n, struct key *k)
{
    struct ip_addr a;
    if (ip_parse(s, n, &a) != 0 || (b->fam == V4) != (ip_is_v4(&a) != 0))
        return -1;
    *k = key_of(&a, b->fam);
    return 0;
}

static const char *const field_names[] = {"first", "last", "asn",
                                          "organisation"};

static const char *not_addr_text(int fam)
{
    return fam == V4 ? "not an IPv4 address" : "not an IPv6 address";
}

/* libcsv field callback: the fields of one record arrive in order. */
static void csv_field(void *s, size_t n, void *data)
{
    struct builder *b = data;
    const char *v = s ? s : "";
    const char *not_addr = not_addr_text(b->fam);
    int k = b->field++;
    if (b->failed || b->skip)
        return;
    switch (k) {
    case 0:
        if (parse_addr(b, v, n, &b->cur.first) != 0) {
            if (b->record ==
                1) { /* a header line ("first,last,...")? see field 3 */
                b->maybe_header = 1;
                snprintf(b->first_text, sizeof b->first_text, "%s", v);
                return;
            }
            build_fail(b, VG_EPARSE, field_names[0], not_addr, v);
        }
        return;
    case 1:
        if (b->maybe_header)
            return;
        if (parse_addr(b, v, n, &b->cur.last) != 0)
            build_fail(b, VG_EPARSE, field_names[1], not_addr, v);
        else if (key_cmp(b->cur.first, b->cur.last) > 0)
            build_fail(b, VG_EPARSE, field_names[1],
                       "range ends before it starts", v);
        return;
    case 2: {
        uint64_t a = 0;
        size_t i = 0;
        if (n >= 2 && (v[0] == 'A' || v[0] == 'a') &&
            (v[1] == 'S' || v[1] == 's'))
            i = 2; /* "AS64496" */
        if (i == n)
            a = UINT64_MAX;
        for (; i < n && a <= UINT32_MAX; i++)
            a = v[i] >= '0' && v[i] <= '9' ? a * 10 + (uint64_t)(v[i] - '0')
                                           : UINT64_MAX;
        if (b->maybe_header) {
            /* a header names its columns; a data row has a number here */
            if (a > UINT32_MAX)
                b->skip = 1;
            else
                build_fail(b, VG_EPARSE, field_names[0], not_addr,
                           b->first_text);
            return;
        }
        if (a > UINT32_MAX)
            build_fail(b, VG_EPARSE, field_names[2], "not an AS number", v);
        b->cur.asn = (uint32_t)a;
        return;
    }
    case 3: {
        int rc = pool_intern(b, v, n, &b->cur.name);
        if (rc)
            build_fail(b, rc, field_names[3],
                       rc == VG_ENOMEM ? "out of memory"
                                       : "string pool over 4 GiB",
                       NULL);
        return;
    }
    default:
        build_fail(b, VG_EPARSE, NULL,
                   "more than 4 fields (first,last,asn,organisation)", NULL);
    }
}

/* libcsv record callback. */
static void csv_record(int c, void *data)
{
    struct builder *b = data;
    int nf = b->field, skip = b->skip;
    (void)c;
    if (b->maybe_header && !skip) /* record 1 ended before its asn field */
        build_fail(b, VG_EPARSE, field_names[0], not_addr_text(b->fam),
                   b->first_text);
    b->field = 0;
    b->skip = 0;
    b->maybe_header = 0;
    if (!b->failed && !skip && nf < 4)
        build_fail(b, VG_EPARSE, NULL,
                   "fewer than 4 fields (first,last,asn,organisation)", NULL);
    if (!b->failed && !skip) {
        if (b->n == b->cap) {
            size_t ncap = b->cap ? b->cap * 2 : 1 << 16;
            struct row *nr =
                ncap > MAX_RANGES ? NULL : realloc(b->rows, ncap * sizeof *nr);
            if (!nr) {
                build_fail(b, VG_ENOMEM, NULL,
                           "out of memory or too many ranges", NULL);
                return;
            }
            b->rows = nr;
            b->cap = ncap;
        }
        b->cur.seq = (uint32_t)b->n;
        b->rows[b->n++] = b->cur;
    }
    b->record++;
}

static int row_by_first(const void *pa, const void *pb)
{
    const struct row *a = pa, *b = pb;
    int c = key_cmp(a->first, b->first);
    return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

/* Heap order: the narrower range first; equal widths, the later row. */
static int heap_before(const struct row *rows, uint32_t x, uint32_t y)
{
    int c = key_cmp(key_sub(rows[x].last, rows[x].first),
                    key_sub(rows[y].last, rows[y].first));
    return c ? c < 0 : rows[x].seq > rows[y].seq;
}

static void heap_push(uint32_t *h, size_t *hn, const struct row *rows,
                      uint32_t v)
{
    size_t i = (*hn)++;
    h[i] = v;
    while (i && heap_before(rows, h[i], h[(i - 1) / 2])) {
        uint32_t t = h[i];
        h[i] = h[(i - 1) / 2];
        h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static void heap_pop(uint32_t *h, size_t *hn, const struct row *rows)
{
    size_t n = --*hn, i = 0;
    h[0] = h[n];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && heap_before(rows, h[l], h[m]))
            m = l;
        if (r < n && heap_before(rows, h[r], h[m]))
            m = r;
        if (m == i)
            break;
        uint32_t t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* Cut sorted, possibly overlapping rows into disjoint pieces where the
 * narrowest covering range wins (see the file comment).  *out is malloc'd. */
static int flatten(const struct row *rows, size_t n, int fam, struct row **out,
                   size_t *nout)
{
    const struct key max = {fam == V4 ? 0 : UINT64_MAX,
                            fam == V4 ? UINT32_MAX : UINT64_MAX};
    uint32_t *heap = malloc((n ? n : 1) * sizeof *heap);
    size_t cap = n + n / 8 + 16, no = 0, hn = 0, i = 0;
    struct row *o = malloc(cap * sizeof *o);
    struct key pos = {0, 0};
    if (!heap || !o)
        goto nomem;
    for (;;) {
        if (hn == 0) {
            if (i == n)
                break;
            pos = rows[i].first;
        }
        while (i < n && key_cmp(rows[i].first, pos) <= 0)
            heap_push(heap, &hn, rows, (uint32_t)i++);
        while (hn && key_cmp(rows[heap[0]].last, pos) < 0)
            heap_pop(heap, &hn, rows);
        if (hn == 0)
            continue;
        const struct row *top = &rows[heap[0]];
        struct key end = top->last;
        if (i < n && key_cmp(key_dec(rows[i].first), end) < 0)
            end = key_dec(rows[i].first);
        if (top->asn != 0) {
            if (no == cap) {
                struct row *nr = cap * 2 > 2 * (size_t)MAX_RANGES
                                     ? NULL
                                     : realloc(o, cap * 2 * sizeof *o);
                if (!nr)
                    goto nomem;
                o = nr;
                cap *= 2;
            }
            o[no] = *top;
            o[no].first = pos;
            o[no].last = end;
            no++;
        }
        if (key_cmp(end, max) == 0)
            break;
        pos = key_inc(end);
    }
    free(heap);
    if (no > MAX_RANGES) {
        free(o);
        return VG_ELIMIT;
    }
    *out = o;
    *nout = no;
    return 0;
nomem:
    free(heap);
    free(o);
    return VG_ENOMEM;
}

struct pick {
    uint32_t asn, name, seg, d;
};

static int pick_by_pair(const void *pa, const void *pb)
{
    const struct pick *a = pa, *b = pb;
    if (a->asn != b->asn)
        return a->asn < b->asn ? -1 : 1;
    if (a->name != b->name)
        return a->name < b->name ? -1 : 1;
    return (a->seg > b->seg) - (a->seg < b->seg);
}

static int pick_by_asn_seg(const void *pa, const void *pb)
{
    const struct pick *a = pa, *b = pb;
    if (a->asn != b->asn)
        return a->asn < b->asn ? -1 : 1;
    return (a->seg > b->seg) - (a->seg < b->seg);
}

/* The distinct (asn, name) pairs of the pieces, ordered by ASN and then by
 * first piece, and each piece's pair.  *pairs and *pair_of are malloc'd. */
static int pairs_build(const struct row *seg, size_t n, struct pair **pairs,
                       size_t *npairs, uint32_t **pair_of)
{
    struct pick *dist = malloc((n ? n : 1) * sizeof *dist);
    struct pick *ord = malloc((n ? n : 1) * sizeof *ord);
    uint32_t *rank = malloc((n ? n : 1) * sizeof *rank);
    uint32_t *po = malloc((n ? n : 1) * sizeof *po);
    struct pair *pr = malloc((n ? n : 1) * sizeof *pr);
    size_t nd = 0;
    if (!dist || !ord || !rank || !po || !pr) {
        free(dist), free(ord), free(rank), free(po), free(pr);
        return VG_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        dist[i] = (struct pick){seg[i].asn, seg[i].name, (uint32_t)i, 0};
    qsort(dist, n, sizeof *dist, pick_by_pair);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || dist[i].asn != dist[nd - 1].asn ||
            dist[i].name != dist[nd - 1].name)
            dist[nd++] = dist[i]; /* keeps the first piece of each pair */
    for (size_t d = 0; d < nd; d++) {
        ord[d] = dist[d];
        ord[d].d = (uint32_t)d;
    }
    qsort(ord, nd, sizeof *ord, pick_by_asn_seg);
    for (size_t k = 0; k < nd; k++) {
        rank[ord[k].d] = (uint32_t)k;
        pr[k] = (struct pair){ord[k].asn, ord[k].name};
    }
    for (size_t i = 0; i < n; i++) {
        struct pick key = {seg[i].asn, seg[i].name, 0, 0};
        size_t lo = 0, hi = nd;
        while (lo < hi) { /* the pair's entry in dist: equal asn and name */
            size_t mid = lo + (hi - lo) / 2;
            if (dist[mid].asn < key.asn ||
                (dist[mid].asn == key.asn && dist[mid].name < key.name))
                lo = mid + 1;
            else
                hi = mid;
        }
        po[i] = rank[lo];
    }
    free(dist), free(ord), free(rank);
    *pairs = pr, *npairs = nd, *pair_of = po;
    return 0;
}

struct partition {
    uint32_t *index; /* IDX_N */
    uint16_t *key;
    uint32_t *val;
    size_t n, cap;
};

static int part_push(struct partition *p, uint16_t key, uint32_t val)
{
    if (p->n == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 1 << 18;
        uint16_t *nk = realloc(p->key, ncap * sizeof *nk);
        if (nk)
            p->key = nk;
        uint32_t *nv = nk ? realloc(p->val, ncap * sizeof *nv) : NULL;
        if (!nv)
            return VG_ENOMEM;
        p->val = nv;
        p->cap = ncap;
    }
    p->key[p->n] = key;
    p->val[p->n++] = val;
    return 0;
}

/* Cut every IPv4 /16 block into entries (see the file comment); adjacent
 * entries with the same value are one. */
static int partition_build(const struct row *seg, size_t n,
                           const uint32_t *pair_of, struct partition *p)
{
    size_t r = 0;
    p->index = malloc(IDX_N * sizeof *p->index);
    if (!p->index)
        return VG_ENOMEM;
    for (uint32_t blk = 0; blk < IDX_N - 1; blk++) {
        uint64_t base = (uint64_t)blk << 16, end = base + 0xffff, pos = base;
        size_t start = p->n;
        p->index[blk] = (uint32_t)p->n;
        while (r < n && seg[r].last.lo < base)
            r++;
        size_t j = r;
        while (pos <= end) {
            uint64_t stop;
            uint32_t val;
            if (j < n && seg[j].first.lo <= pos) { /* inside piece j */
                val = pair_of[j] + 1;
                stop = seg[j].last.lo < end ? seg[j].last.lo : end;
                if (seg[j].last.lo <= end)
                    j++;
            } else { /* a gap up to the next piece or the block's end */
                val = 0;
                stop =
                    j < n && seg[j].first.lo <= end ? seg[j].first.lo - 1 : end;
            }
            if (p->n == start || p->val[p->n - 1] != val)
                if (part_push(p, (uint16_t)(pos - base), val) != 0)
                    return VG_ENOMEM;
            pos = stop + 1;
        }
    }
    p->index[IDX_N - 1] = (uint32_t)p->n;
    return p->n >= UINT32_MAX ? VG_ELIMIT : 0;
}

/* Lay the pieces out as a table image (see the file comment); malloc'd. */
static int image_make(int fam, const struct row *seg, size_t n,
                      const char *pool, size_t pool_len, const struct stat *csv,
                      uint8_t **out, size_t *outlen)
{
    struct pair *pairs = NULL;
    uint32_t *pair_of = NULL;
    struct partition part = {0};
    size_t np = 0;
    uint8_t *img = NULL;
    int rc;
    if ((rc = pairs_build(seg, n, &pairs, &np, &pair_of)) != 0)
        goto out;
    if (fam == V4 && (rc = partition_build(seg, n, pair_of, &part)) != 0)
        goto out;

    struct layout l;
    layout_compute(fam, n, part.n, np, pool_len, &l);
    if (!(img = calloc(1, (size_t)l.size))) {
        rc = VG_ENOMEM;
        goto out;
    }
    struct tbl_header h = {0};
    memcpy(h.magic, TBL_MAGIC, 8);
    h.version = TBL_VERSION, h.bom = TBL_BOM;
    h.family = fam == V4 ? 4 : 6, h.key_bytes = fam == V4 ? 4 : 16;
    h.csv_size = (uint64_t)csv->st_size;
    h.csv_mtime_s = (int64_t)csv->st_mtim.tv_sec,
    h.csv_mtime_ns = (int64_t)csv->st_mtim.tv_nsec;
    h.csv_ino = (uint64_t)csv->st_ino;
    h.file_size = l.size, h.n = n, h.n_part = part.n, h.n_pairs = np,
    h.pool_len = pool_len;
    h.off_index = l.index, h.off_pkey = l.pkey, h.off_pval = l.pval,
    h.off_first = l.first;
    h.off_last = l.last, h.off_pair = l.pair, h.off_pairs = l.pairs,
    h.off_pool = l.pool;

    uint32_t *index = (void *)(img + l.index);
    if (fam == V4) {
        memcpy(index, part.index, IDX_N * sizeof *index);
        memcpy(img + l.pkey, part.key, part.n * sizeof *part.key);
        memcpy(img + l.pval, part.val, part.n * sizeof *part.val);
    } else {
        for (size_t b = 0, i = 0; b < IDX_N; b++) {
            while (i < n && seg[i].first.hi >> 48 < b)
                i++;
            index[b] = (uint32_t)i;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (fam == V4) {
            ((uint32_t *)(void *)(img + l.first))[i] =
                (uint32_t)seg[i].first.lo;
            ((uint32_t *)(void *)(img + l.last))[i] = (uint32_t)seg[i].last.lo;
        } else {
            ((struct key *)(void *)(img + l.first))[i] = seg[i].first;
            ((struct key *)(void *)(img + l.last))[i] = seg[i].last;
        }
    }
    memcpy(img + l.pair, pair_of, n * sizeof *pair_of);
    memcpy(img + l.pairs, pairs, np * sizeof *pairs);
    memcpy(img + l.pool, pool, pool_len);
    h.checksum = tbl_hash(img + sizeof h, (size_t)l.size - sizeof h);
    memcpy(img, &h, sizeof h);
    *out = img;
    *outlen = (size_t)l.size;
    img = NULL;
out:
    free(img);
    free(pairs);
    free(pair_of);
    free(part.index);
    free(part.key);
    free(part.val);
    return rc;
}

/* RFC 4180 §2: "Spaces are considered part of a field and should not be
 * ignored" (libcsv trims them from unquoted fields by default). */
static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* Parse the CSV open on fd and make its table image. */
static int image_build(int fam, int fd, const char *csv_path,
                       const struct stat *st, uint8_t **img, size_t *imglen,
                       struct vg_err *err)
{
    struct builder b = {
        .fam = fam, .csv_path = csv_path, .err = err, .record = 1};
    struct csv_parser p;
    struct row *seg = NULL;
    size_t nseg = 0;
    void *m = MAP_FAILED;
    int rc = 0;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        return vg_err_set(err, VG_ENOMEM, "%s: out of memory", csv_path);
    csv_set_space_func(&p, no_space);
    b.pool = malloc(1);
    if (!b.pool) {
        rc = vg_err_set(err, VG_ENOMEM, "%s: out of memory", csv_path);
        goto out;
    }
    b.pool[0] = '\0';
    b.pool_len = b.pool_cap = 1;
    if (st->st_size > 0) {
        m = mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            rc = vg_err_set(err, VG_EIO, "%s: %s", csv_path, strerror(errno));
            goto out;
        }
        madvise(m, (size_t)st->st_size, MADV_SEQUENTIAL);
        size_t done =
            csv_parse(&p, m, (size_t)st->st_size, csv_field, csv_record, &b);
        if (!b.failed && done != (size_t)st->st_size)
            build_fail(&b, VG_EPARSE, NULL, csv_strerror(csv_error(&p)), NULL);
    }
    if (!b.failed && csv_fini(&p, csv_field, csv_record, &b) != 0)
        build_fail(&b, VG_EPARSE, NULL, csv_strerror(csv_error(&p)), NULL);
    if (b.failed) {
        rc = b.code;
        goto out;
    }
    if (b.n)
        qsort(b.rows, b.n, sizeof *b.rows, row_by_first);
    if ((rc = flatten(b.rows, b.n, fam, &seg, &nseg)) != 0) {
        vg_err_set(err, rc, "%s: %s", csv_path,
                   rc == VG_ENOMEM ? "out of memory" : "too many ranges");
        goto out;
    }
    if ((rc = image_make(fam, seg, nseg, b.pool, b.pool_len, st, img,
                         imglen)) != 0)
        vg_err_set(err, rc, "%s: %s", csv_path,
                   rc == VG_ENOMEM ? "out of memory" : "too many ranges");
out:
    csv_free(&p);
    if (m != MAP_FAILED)
        munmap(m, (size_t)st->st_size);
    free(seg);
    free(b.rows);
    free(b.pool);
    free(b.slots);
    return rc;
}

/* Write img to path through a temporary file and rename. 0 or -1. */
static int write_atomic(const char *path, const uint8_t *img, size_t len)
{
    char tmp[PATH_MAX + 16];
    if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", path) >= (int)sizeof tmp)
        return -1;
    int fd = mkstemp(tmp);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, img + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    int ok = done == len && fchmod(fd, 0644) == 0;
    if (close(fd) != 0)
        ok = 0;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* The per-user cache path of a table; 0 or -1 (no usable cache home). */
static int cache_path(const char *csv_path, int fam, char *out, size_t outlen)
{
    char real[PATH_MAX];
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    const char *id = realpath(csv_path, real) ? real : csv_path;
    unsigned long long h = (unsigned long long)vg_fnv1a(VG_FNV_SEED, id, strlen(id));
    int n;
    if (xdg &&
        xdg[0] == '/') /* XDG Base Directory: relative values are invalid */
        n = snprintf(out, outlen, "%s/vigil/%s-%016llx.table", xdg,
                     tbl_stems[fam], h);
    else if (home && *home)
        n = snprintf(out, outlen, "%s/.cache/vigil/%s-%016llx.table", home,
                     tbl_stems[fam], h);
    else
        return -1;
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}

/* Create the directories above a cache path (mkdir -p of its parents). */
static int cache_mkdirs(const char *path)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *s = strchr(dir + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return 0;
}

/* Open one family: a current table beside the CSV or in the cache, else
 * build one.  A missing CSV leaves the family absent. */
static int fam_open(struct fam *f, int fam, const char *dir, struct vg_err *err)
{
    char csv[PATH_MAX], beside[PATH_MAX], cache[PATH_MAX];
    struct stat st;
    uint8_t *img = NULL;
    size_t len = 0;
    int rc;
    if (snprintf(csv, sizeof csv, "%s/%s", dir, csv_names[fam]) >=
            (int)sizeof csv ||
        snprintf(beside, sizeof beside, "%s/%s.table", dir, tbl_stems[fam]) >=
            (int)sizeof beside)
        return vg_err_set(err, VG_ELIMIT, "data directory path too long: %s",
                          dir);
    int fd = open(csv, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return vg_err_set(err, VG_EIO, "%s: %s", csv, strerror(errno));
    }
    if (fstat(fd, &st) != 0) {
        rc = vg_err_set(err, VG_EIO, "%s: %s", csv, strerror(errno));
        goto out;
    }
    int have_cache = cache_path(csv, fam, cache, sizeof cache) == 0;
    rc = 0;
    if (fam_map(f, fam, beside, &st) == 0 ||
        (have_cache && fam_map(f, fam, cache, &st) == 0))
        goto out;
    if ((rc = image_build(fam, fd, csv, &st, &img, &len, err)) != 0)
        goto out;
    f->built = 1;
    if ((write_atomic(beside, img, len) == 0 &&
         fam_map(f, fam, beside, &st) == 0) ||
        (have_cache && cache_mkdirs(cache) == 0 &&
         write_atomic(cache, img, len) == 0 &&
         fam_map(f, fam, cache, &st) == 0))
        goto out;
    /* nowhere to keep it: serve this run from memory */
    if (fam_attach(f, fam, img, len, &st) != 0) {
        rc = vg_err_set(err, VG_EDATA, "%s: built table fails its own checks",
                        csv);
        goto out;
    }
    f->mapped = 0;
    f->path[0] = '\0';
    img = NULL; /* owned by f now */
out:
    free(img);
    close(fd);
    return rc;
}

int asn_table_open(struct asn_table **out, const char *data_dir,
                   struct vg_err *err)
{
    int rc;
    *out = NULL;
    struct asn_table *t = calloc(1, sizeof *t);
    if (!t)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    for (int fam = V4; fam <= V6; fam++)
        if ((rc = fam_open(&t->f[fam], fam, data_dir, err)) != 0)
            goto fail;
    if (!t->f[V4].present && !t->f[V6].present) {
        rc = vg_err_set(
            err, VG_EDATA,
            "no ASN data in %s: neither %s nor %s is there; run `make deps` or "
            "pass --data-dir DIR",
            data_dir, csv_names[V4], csv_names[V6]);
        goto fail;
    }
    *out = t;
    return 0;
fail:
    asn_table_close(t);
    return rc;
}

void asn_table_close(struct asn_table *t)
{
    if (!t)
        return;
    fam_release(&t->f[V4]);
    fam_release(&t->f[V6]);
    free(t);
}

void asn_table_get_info(const struct asn_table *t, struct asn_table_info *out)
{
    memset(out, 0, sizeof *out);
    for (int fam = V4; fam <= V6; fam++) {
        const struct fam *f = &t->f[fam];
        out->ranges[fam] = f->n;
        out->bytes[fam] = f->present ? f->size : 0;
        out->built[fam] = f->built;
        out->in_memory[fam] = f->present && !f->mapped;
        out->path[fam] = f->path;
    }
}

/* ---- lookups ------------------------------------------------------------- */

/* The IPv4 address of an IPv4-mapped ip (RFC 4291 §2.5.5.2).  The same test
 * as ip_is_v4 + ip_v4, inline here because this is the per-event hot path
 * and those live in another translation unit. */
static inline int mapped_v4(const struct ip_addr *ip, uint32_t *v)
{
    uint64_t hi;
    memcpy(&hi, ip->b, 8);
    if (hi != 0 || ip->b[8] | ip->b[9] || (ip->b[10] & ip->b[11]) != 0xff)
        return 0;
    *v = (uint32_t)ip->b[12] << 24 | (uint32_t)ip->b[13] << 16 |
         (uint32_t)ip->b[14] << 8 | ip->b[15];
    return 1;
}

/* 0 or 1 + the pair of v.  Block entries start at key 0, so "everything up
 * to b is <= w" holds from the start; the window halves without branches. */
static inline uint32_t find4(const struct fam *f, uint32_t v)
{
    uint32_t lo = f->index[v >> 16];
    size_t len = f->index[(v >> 16) + 1] - lo;
    const uint16_t *b = f->pkey + lo;
    uint16_t w = (uint16_t)v;
    while (len > 1) {
        size_t half = len >> 1;
        b = b[half] <= w ? b + half : b;
        len -= half;
    }
    return f->pval[b - f->pkey];
}

static inline int key_le(const struct key *a, struct key v)
{
    return a->hi < v.hi || (a->hi == v.hi && a->lo <= v.lo);
}

/* 0 or 1 + the pair of v: the last range starting <= v, if it reaches v;
 * the candidate may start in an earlier block than v. */
static inline uint32_t find6(const struct fam *f, struct key v)
{
    uint32_t top = (uint32_t)(v.hi >> 48);
    uint32_t lo = f->index[top], hi = f->index[top + 1];
    const struct key *a = f->first6, *b = a + lo;
    size_t len = hi - lo;
    while (len > 1) {
        size_t half = len >> 1;
        b = key_le(&b[half], v) ? b + half : b;
        len -= half;
    }
    size_t cnt = (size_t)(b - a) + (len == 1 && key_le(b, v));
    if (cnt == 0 || !key_le(&v, f->last6[cnt - 1]))
        return 0;
    return f->pair[cnt - 1] + 1;
}

int asn_table_lookup(const struct asn_table *t, const struct ip_addr *ip,
                     uint32_t *asn, const char **name)
{
    const struct fam *f;
    uint32_t v, p;
    if (mapped_v4(ip, &v)) {
        f = &t->f[V4];
        p = f->present ? find4(f, v) : 0;
    } else {
        f = &t->f[V6];
        p = f->n ? find6(f, key_of(ip, V6)) : 0;
    }
    if (!p)
        return 0;
    *asn = f->pairs[p - 1].asn;
    *name = f->pool + f->pairs[p - 1].name;
    return 1;
}

size_t asn_table_v4_count(const struct asn_table *t)
{
    return t->f[V4].n;
}

void asn_table_v4_range(const struct asn_table *t, size_t idx, uint32_t *first,
                        uint32_t *last, uint32_t *asn, const char **name)
{
    const struct fam *f = &t->f[V4];
    if (idx >= f->n) {
        *first = *last = *asn = 0;
        *name = "";
        return;
    }
    const struct pair *p = &f->pairs[f->pair[idx]];
    *first = f->first4[idx];
    *last = f->last4[idx];
    *asn = p->asn;
    *name = f->pool + p->name;
}

const char *asn_table_name(const struct asn_table *t, uint32_t asn)
{
    for (int fam = V4; fam <= V6; fam++) {
        const struct fam *f = &t->f[fam];
        size_t lo = 0, hi = f->n_pairs;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (f->pairs[mid].asn < asn)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < f->n_pairs && f->pairs[lo].asn == asn)
            return f->pool + f->pairs[lo].name;
    }
    return NULL;
}
