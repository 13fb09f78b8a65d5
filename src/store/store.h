/*
 * store.h — vigil's embedded store (SQLite, WAL), behind one door.
 *
 * Only this folder includes sqlite3.h.  The schema is versioned (PRAGMA
 * user_version) and migrated forward on open.  What it holds:
 *   files         one row per ingested input, identified by the SHA-256 of
 *                 its bytes (re-ingesting the same bytes is skipped)
 *   observations  the unit of the landscape: (day, address, classification
 *                 type, malware name, feed, TLP) → events, first/last seen,
 *                 with the address's enrichment (ASN, country, region, city)
 *   asns          ASN → organisation name, as the enrichment data says
 *   addrs         address → dense integer id (assigned at ingest)
 *   rollups       per (day, type, family, feed, tlp, asn, cc, region): events
 *                 and the exact set of address ids (a portable-format roaring
 *                 bitmap), kept by store_obs_put in the same transaction as
 *                 the observations (store_rollup.c)
 *   rollup_slices the same projected onto one dimension (dim column), per
 *                 day and per aligned block of 4, 16, 64 and 256 days
 *   archive       accepted raw records, zstd-compressed in blocks, per file,
 *                 for drill-down and audit
 *   meta          the data version (a counter bumped by every commit) and
 *                 the number of observations per feed
 * Writers batch everything of one input in one transaction: a crash or kill
 * mid-ingest leaves the store as it was before that input.
 */
#ifndef VG_STORE_H
#define VG_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/ip.h"

struct store;

enum { STORE_RW = 0, STORE_RO = 1 };

/* Open (creating and migrating when writable) the database at path. */
int store_open(struct store **out, const char *path, int mode, struct vg_err *err);
void store_close(struct store *s);

int store_begin(struct store *s, struct vg_err *err);
/* Merges the pending rollups of the transaction, bumps the data version
 * (store_read_begin), then commits. */
int store_commit(struct store *s, struct vg_err *err);
/* Commit a transaction that wrote no observations and nothing an answer
 * is computed from (the audit log): the data version stays, so that the
 * answers cached for it (the API's, TAXII's collections) stay valid. */
int store_commit_log(struct store *s, struct vg_err *err);
void store_rollback(struct store *s);

/* A read snapshot: every query until store_read_end sees the same committed
 * state, whose data version goes to *version.  The version grows with every
 * commit by any process, so (version, question) names an answer exactly:
 * what a cache of answers is keyed by.  VG_ENOTFOUND when the schema has no
 * data version (a read-only connection to a store older than schema 4);
 * no snapshot is then open.  Not on a connection inside store_begin. */
int store_read_begin(struct store *s, uint64_t *version, struct vg_err *err);
/* End the snapshot of store_read_begin; accepts NULL and no snapshot. */
void store_read_end(struct store *s);

/* 1 when the schema has the rollups table (a read-only connection to a
 * store not yet migrated has not); 2 when it has the slices too (with the
 * block levels store_rollup_levels lists). */
int store_rollups_ready(const struct store *s);

/* Rollup slices: the daily rollups projected onto one dimension (the other
 * key columns "" / 0), so that a query by one key reads one row per day and
 * value instead of one per full rollup key.  The dim column of
 * rollup_slices; the values are stored, never renumber them. */
enum {
    ROLLUP_SLICE_ALL = 1, /* every column blank: the day's total */
    ROLLUP_SLICE_TYPE = 2,
    ROLLUP_SLICE_FAMILY = 3,
    ROLLUP_SLICE_FEED = 4,
    ROLLUP_SLICE_TLP = 5,
    ROLLUP_SLICE_ASN = 6,
    ROLLUP_SLICE_COUNTRY = 7,
    ROLLUP_SLICE_REGION = 8, /* cc and region */
    ROLLUP_SLICE_LAST = 8,
    /* dim + ROLLUP_LEVEL * k: the same over aligned blocks of
     * store_rollup_level_days(k) days (day = the block's first day, a
     * multiple of the block's length), so a long period reads one row per
     * block and value: a year is a 256-day block, a 64-day one and a few
     * shorter ones at the edges.  Level 1 (16 days) came first, hence the
     * order of the lengths. */
    ROLLUP_LEVEL = 16,
    ROLLUP_LEVEL_MAX = 4,
    ROLLUP_BLOCK = ROLLUP_LEVEL, /* level 1 */
    ROLLUP_BLOCK_DAYS = 16,
};

/* The days of level k (0 = daily, 1 = 16, 2 = 4, 3 = 64, 4 = 256); 0 for
 * anything else. */
int store_rollup_level_days(int k);
/* The block levels the schema has, shortest first, into levels[] (room for
 * ROLLUP_LEVEL_MAX); their number: 4 from schema 5 on, 1 (16 days) for
 * schemas 3 and 4, else 0. */
size_t store_rollup_levels(const struct store *s, int *levels);


struct store_file {
    const char *sha256; /* hex; NULL while the input is being read */
    const char *name, *format, *report;
    uint64_t size, records, accepted, rejected, observations;
    int64_t started_us, finished_us;
};

/* 1 in *exists when a completed input with this SHA-256 is stored. */
int store_file_exists(struct store *s, const char *sha256, int *exists, struct vg_err *err);
/* Insert a files row (sha256 may be NULL for now); its id in *id. */
int store_file_add(struct store *s, const struct store_file *f, int64_t *id,
                   struct vg_err *err);
/* Complete the row: sha256, counters, finish time. */
int store_file_finish(struct store *s, int64_t id, const struct store_file *f,
                      struct vg_err *err);

struct store_obs {
    int32_t day; /* days since 1970-01-01 UTC */
    struct ip_addr ip;
    const char *type, *family, *feed, *tlp; /* never NULL ("" if absent) */
    uint32_t asn;                           /* 0 = unknown */
    const char *cc, *region, *city;         /* "" if unknown */
    uint64_t events;
    int64_t first_us, last_us;
};

/* Add observations: a row with the same key gets its events added and its
 * first/last seen widened (its enrichment replaced).  The address ids and
 * rollups follow: merged at store_commit (or when the pending sets grow
 * large), so call inside a transaction; sorted input (by day, ip) writes
 * fastest. */
int store_obs_put(struct store *s, const struct store_obs *o, size_t n, struct vg_err *err);

/* The schema version of the open store (readers do not migrate: an old
 * store keeps its own until a writer opens it). */
int store_schema_version(const struct store *s);

/* A record that is a version of a shared object (a STIX object id, a MISP
 * attribute uuid: object, len bytes) counts *events for address ip: the
 * store keeps the largest count each (object, address) has had and sets
 * *events to the growth over it (0 when none), so that pulling or
 * importing the object again adds only what is new.  Inside the ingest's
 * transaction. */
int store_import_count(struct store *s, const char *object, size_t len, const struct ip_addr *ip,
                       uint64_t *events, struct vg_err *err);

int store_asn_put(struct store *s, uint32_t asn, const char *name, struct vg_err *err);

/* The raw archive: one zstd frame per block of accepted records (their
 * bytes, each followed by a newline), appended to <db>.archive.zst beside
 * the database (schema 9; the file is a valid zstd stream: zstdcat reads
 * it whole), the block's row in the archive table (file, lines, size,
 * frame offset) written in the caller's transaction.  The frames are
 * synced before COMMIT; bytes a transaction wrote but did not commit are
 * cut off by the next one.  A database in memory keeps the frames as blobs
 * in the table, as stores before schema 9 did. */
#define STORE_ARCHIVE_BLOCK_MAX ((int64_t)1 << 30) /* bytes, raw or compressed */
int store_archive_put(struct store *s, int64_t file_id, uint64_t first_line,
                      uint64_t last_line, uint32_t records, uint64_t raw_size,
                      const void *zdata, size_t zlen, struct vg_err *err);

struct store_archive_block {
    uint64_t first_line, last_line; /* of the input, 1-based */
    uint32_t records;
};
typedef int (*store_archive_fn)(void *ctx, const struct store_archive_block *b, const char *raw,
                                size_t len);
/* Every archived block of one input, in order, decompressed; a non-zero
 * return of fn stops and is returned. */
int store_archive_read(struct store *s, int64_t file_id, store_archive_fn fn, void *ctx,
                       struct vg_err *err);

/* Query-time mapping tables (TEMP tables of this connection, replaced on
 * each call): region → current province, ASN → operator.  Landscape keys
 * `province` and `isp` join them, so editing the tables needs no re-ingest.
 * Works on read-only connections too. */
struct store_province_map {
    const char *cc, *region, *code, *vi, *en;
};
struct store_isp_map {
    uint32_t asn;
    const char *isp;
};
int store_places_load(struct store *s, const struct store_province_map *p, size_t np,
                      const struct store_isp_map *i, size_t ni, struct vg_err *err);

/* The observations stored per feed, kept by every commit: fn gets rows
 * (feed TEXT, count INT) in feed order, feeds without observations left
 * out.  VG_ENOTFOUND when the schema has no counts (older than 4). */
struct store_value;
typedef int (*store_row_fn)(void *ctx, int ncol, const struct store_value *row);
int store_obs_counts(struct store *s, store_row_fn fn, void *ctx, struct vg_err *err);

/* Read queries: SQL text written by the caller from fixed fragments only
 * (never user text); every user value is a bound argument. */
enum store_type { ST_NULL, ST_INT, ST_FLOAT, ST_TEXT, ST_BLOB };

struct store_value {
    enum store_type type;
    int64_t i;
    double f;
    const char *s; /* TEXT: NUL-terminated; BLOB: len bytes; valid in the callback */
    size_t len;
};

/* store_row_fn (above) is called per row; a non-zero return stops the
 * query and is returned. */

int store_query(struct store *s, const char *sql, const struct store_value *args,
                size_t nargs, store_row_fn fn, void *ctx, struct vg_err *err);

#endif
