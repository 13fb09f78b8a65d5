/*
 * store_rollup.c — address ids and daily rollups, kept in step with the
 * observations inside the writer's transaction.
 *
 * Distinct addresses over a period cannot be summed from daily counts, so a
 * rollup row keeps the set itself: per (day, type, family, feed, tlp, asn,
 * cc, region) the events and a roaring bitmap (portable serialisation) of
 * dense address ids.  The table addrs maps each 16-byte address to its id.
 * The slices (rollup_slices, store.h) hold the same projected onto one
 * dimension, per day and per aligned block of 4, 16, 64 and 256 days, so a
 * query by one key over a year reads a few rows per value.
 *
 * Writes are accumulated per connection: every observation written joins a
 * pending group of the full key and one of each of the eight daily slices
 * (a hash of the level and key).  rollup_flush first derives the blocks
 * from the daily groups — each block group ORs the added ids of the daily
 * groups inside it, once per group rather than once per observation — then
 * merges each pending group into its row (stored set minus removed ids, OR
 * added ids; events add): the full rollups, the daily slices, then the
 * block levels from the shortest up.  The store flushes before COMMIT and
 * whenever the pending observations pass a bound, so a kill mid-ingest
 * rolls back rollups and observations together and memory stays bounded.
 *
 * An observation row can change its enrichment (asn, cc, region) when it is
 * written again with other enrichment data.  A temporary trigger calls back
 * into C (vg_rollup_move) with the old values.  In the full rollups that is
 * exact arithmetic: one observation row is the only source of its address
 * in its group (the group key is the observation key minus the address
 * plus its enrichment), so the id leaves the old group with the old events.
 * In a slice the address may stay through another observation, so the
 * daily slices it leaves are marked dirty and recomputed at flush from the
 * full rollups, which are flushed first; the blocks holding a dirty day
 * are dirty too and recomputed from the blocks (or days) of the next
 * shorter level, flushed before them.
 *
 * The number of observations per feed (meta rows "observations/<feed>")
 * falls out of the same merge: an observation is one id in one full rollup
 * group, so the growth of the full groups' cardinalities is the growth of
 * the observations table (a move takes one id out of one group and into
 * another: no change).  The growth is kept per feed until store_commit
 * adds it to the counters (rollup_counts_apply), so COUNT(*) is never
 * needed to answer "how many".
 *
 * Address ids are looked up through a bounded cache (the flush batches are
 * sorted by day and address, and the same hosts return day after day).
 */
#include "store/store_int.h"
#include "core/hash.h"
#include "core/bigmem.h"

#include <roaring/roaring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    ID_CACHE_SLOTS = 1 << 20,       /* power of two */
    ID_CACHE_MAX = ID_CACHE_SLOTS / 2,
    PENDING_MAX_IDS = 2 * 1000 * 1000, /* observations pending before a mid-transaction flush */
};

struct rollup_group {
    uint64_t hash;
    size_t keylen;
    char *key; /* int32 day, uint32 asn, then type family feed tlp cc region, each NUL-ended */
    int64_t events;
    roaring_bitmap_t *add, *del; /* del NULL until something moved away */
    int dirty; /* a slice something moved out of: recomputed at flush */
};

struct id_slot {
    unsigned char ip[16];
    uint32_t id; /* 0 = empty */
};

struct feed_delta {
    char *feed;
    int64_t n;
};

struct rollup_state {
    sqlite3_stmt *addr_get, *addr_add, *ru_get, *ru_put, *ru_del;
    sqlite3_stmt *sl_get, *sl_put, *sl_del; /* prepared on first use (schema 3) */
    sqlite3_stmt *ru_scan;                  /* likewise, for dirty slices */
    sqlite3_stmt *sl_range;                 /* and for dirty blocks */
    struct rollup_group **groups;
    size_t gcap, gcount, pending_ids;
    char *kbuf;
    size_t kcap;
    struct id_slot *ids;
    size_t nids;
    struct feed_delta *deltas; /* observations gained per feed since the last apply */
    size_t ndeltas;
    sqlite3_stmt *count_add;
};

static int prep(struct store *s, sqlite3_stmt **st, const char *sql, struct vg_err *err)
{
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return store_db_err(s, err, "preparing a rollup statement");
    return 0;
}

static void group_free(struct rollup_group *g)
{
    if (!g)
        return;
    if (g->add) /* this CRoaring does not accept NULL */
        roaring_bitmap_free(g->add);
    if (g->del)
        roaring_bitmap_free(g->del);
    free(g->key);
    free(g);
}

void rollup_discard(struct store *s)
{
    struct rollup_state *ru = s ? s->ru : NULL;
    if (!ru)
        return;
    for (size_t k = 0; k < ru->gcap; k++) {
        group_free(ru->groups[k]);
        ru->groups[k] = NULL;
    }
    ru->gcount = ru->pending_ids = 0;
    rollup_counts_discard(s);
    /* ids handed out in a rolled-back transaction are gone */
    if (ru->nids) {
        memset(ru->ids, 0, ID_CACHE_SLOTS * sizeof *ru->ids);
        ru->nids = 0;
    }
}

void rollup_fini(struct store *s)
{
    struct rollup_state *ru = s ? s->ru : NULL;
    if (!ru)
        return;
    rollup_discard(s);
    sqlite3_finalize(ru->addr_get);
    sqlite3_finalize(ru->addr_add);
    sqlite3_finalize(ru->ru_get);
    sqlite3_finalize(ru->ru_put);
    sqlite3_finalize(ru->ru_del);
    sqlite3_finalize(ru->sl_get);
    sqlite3_finalize(ru->sl_put);
    sqlite3_finalize(ru->sl_del);
    sqlite3_finalize(ru->ru_scan);
    sqlite3_finalize(ru->sl_range);
    sqlite3_finalize(ru->count_add);
    free(ru->deltas);
    free(ru->groups);
    free(ru->kbuf);
    vg_big_free(ru->ids, ID_CACHE_SLOTS, sizeof *ru->ids);
    free(ru);
    s->ru = NULL;
}

/* Build the group key of (level, day, asn, six strings) in ru->kbuf; its
 * length.  lens: the strings' lengths when the caller knows them. */
static size_t key_make(struct rollup_state *ru, int level, int32_t day, uint32_t asn,
                       const char *const str[6], const size_t *lens)
{
    size_t len[6], n = 9;
    for (int k = 0; k < 6; k++)
        n += (len[k] = lens ? lens[k] : strlen(str[k])) + 1;
    if (n > ru->kcap) {
        char *nb = realloc(ru->kbuf, n * 2);
        if (!nb)
            return 0;
        ru->kbuf = nb;
        ru->kcap = n * 2;
    }
    ru->kbuf[0] = (char)level;
    memcpy(ru->kbuf + 1, &day, 4);
    memcpy(ru->kbuf + 5, &asn, 4);
    char *p = ru->kbuf + 9;
    for (int k = 0; k < 6; k++) {
        memcpy(p, str[k], len[k] + 1);
        p += len[k] + 1;
    }
    return n;
}

static int groups_grow(struct rollup_state *ru)
{
    size_t nc = ru->gcap ? ru->gcap * 2 : 1024;
    struct rollup_group **ng = calloc(nc, sizeof *ng);
    if (!ng)
        return VG_ENOMEM;
    for (size_t k = 0; k < ru->gcap; k++) {
        struct rollup_group *g = ru->groups[k];
        if (!g)
            continue;
        size_t i = g->hash & (nc - 1);
        while (ng[i])
            i = (i + 1) & (nc - 1);
        ng[i] = g;
    }
    free(ru->groups);
    ru->groups = ng;
    ru->gcap = nc;
    return 0;
}

/* The pending group of the key in ru->kbuf (created when new); NULL when out
 * of memory. */
static struct rollup_group *group_get(struct rollup_state *ru, size_t keylen)
{
    if ((ru->gcount + 1) * 2 > ru->gcap && groups_grow(ru))
        return NULL;
    uint64_t h = vg_hash_bytes(ru->kbuf, keylen);
    size_t i = h & (ru->gcap - 1);
    for (struct rollup_group *g; (g = ru->groups[i]); i = (i + 1) & (ru->gcap - 1))
        if (g->hash == h && g->keylen == keylen && memcmp(g->key, ru->kbuf, keylen) == 0)
            return g;
    struct rollup_group *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->hash = h;
    g->keylen = keylen;
    g->key = malloc(keylen);
    g->add = roaring_bitmap_create();
    if (!g->key || !g->add) {
        group_free(g);
        return NULL;
    }
    memcpy(g->key, ru->kbuf, keylen);
    ru->groups[i] = g;
    ru->gcount++;
    return g;
}

/* The id of an address, assigned when new. */
static int addr_id(struct store *s, const unsigned char ip[16], uint32_t *id, struct vg_err *err)
{
    struct rollup_state *ru = s->ru;
    size_t i = vg_hash_bytes(ip, 16) & (ID_CACHE_SLOTS - 1);
    for (; ru->ids[i].id; i = (i + 1) & (ID_CACHE_SLOTS - 1))
        if (memcmp(ru->ids[i].ip, ip, 16) == 0) {
            *id = ru->ids[i].id;
            return 0;
        }
    sqlite3_stmt *st = ru->addr_get;
    sqlite3_bind_blob(st, 1, ip, 16, SQLITE_STATIC);
    int r = sqlite3_step(st);
    sqlite3_int64 v = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return store_db_err(s, err, "looking up an address id");
    if (r == SQLITE_DONE) {
        st = ru->addr_add;
        sqlite3_bind_blob(st, 1, ip, 16, SQLITE_STATIC);
        r = sqlite3_step(st);
        sqlite3_reset(st);
        if (r != SQLITE_DONE)
            return store_db_err(s, err, "assigning an address id");
        v = sqlite3_last_insert_rowid(s->db);
    }
    if (v <= 0 || v > UINT32_MAX)
        return vg_err_set(err, VG_ELIMIT, "address id %lld out of range", (long long)v);
    if (ru->nids >= ID_CACHE_MAX) {
        memset(ru->ids, 0, ID_CACHE_SLOTS * sizeof *ru->ids);
        ru->nids = 0;
        i = vg_hash_bytes(ip, 16) & (ID_CACHE_SLOTS - 1);
    }
    memcpy(ru->ids[i].ip, ip, 16);
    ru->ids[i].id = (uint32_t)v;
    ru->nids++;
    *id = (uint32_t)v;
    return 0;
}

/* Count (or, with out set, take away) address id and events in the group
 * of every level in mask: level 0 is the full rollup key, 1..8 its daily
 * projections onto one slice dimension (store.h). */
static int pending_put(struct rollup_state *ru, unsigned mask, int32_t day, uint32_t asn,
                       const char *const str[6], uint32_t id, int64_t events, int out)
{
    /* str: type family feed tlp cc region */
    size_t slen[6];
    for (int k = 0; k < 6; k++)
        slen[k] = strlen(str[k]);
    for (int level = 0; level <= ROLLUP_SLICE_LAST; level++) {
        if (!(mask & (1u << level)))
            continue;
        const char *p[6] = {"", "", "", "", "", ""};
        size_t plen[6];
        uint32_t a = 0;
        int32_t d = day;
        switch (level) {
        case 0: memcpy(p, str, sizeof p); a = asn; break;
        case ROLLUP_SLICE_ALL: break;
        case ROLLUP_SLICE_TYPE: p[0] = str[0]; break;
        case ROLLUP_SLICE_FAMILY: p[1] = str[1]; break;
        case ROLLUP_SLICE_FEED: p[2] = str[2]; break;
        case ROLLUP_SLICE_TLP: p[3] = str[3]; break;
        case ROLLUP_SLICE_ASN: a = asn; break;
        case ROLLUP_SLICE_COUNTRY: p[4] = str[4]; break;
        case ROLLUP_SLICE_REGION: p[4] = str[4]; p[5] = str[5]; break;
        }
        for (int k = 0; k < 6; k++)
            plen[k] = p[k] == str[k] ? slen[k] : 0;
        size_t keylen = key_make(ru, level, d, a, p, plen);
        struct rollup_group *g = keylen ? group_get(ru, keylen) : NULL;
        if (!g)
            return VG_ENOMEM;
        if (out && level) {
            /* the address may stay in this slice through another
             * observation: only the full rollups can tell */
            g->dirty = 1;
        } else if (out) {
            if (!g->del && !(g->del = roaring_bitmap_create()))
                return VG_ENOMEM;
            roaring_bitmap_remove(g->add, id);
            roaring_bitmap_add(g->del, id);
            g->events -= events;
        } else {
            roaring_bitmap_add(g->add, id);
            if (g->del)
                roaring_bitmap_remove(g->del, id);
            g->events += events;
        }
    }
    ru->pending_ids++;
    return 0;
}

static int pending_add(struct store *s, unsigned mask, int32_t day, uint32_t asn,
                       const char *const str[6], uint32_t id, int64_t events, struct vg_err *err)
{
    if (pending_put(s->ru, mask, day, asn, str, id, events, 0))
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    if (s->ru->pending_ids >= PENDING_MAX_IDS)
        return rollup_flush(s, err);
    return 0;
}

/* The full rollups and, when the schema has slices, the daily slices (the
 * blocks are derived from these at flush). */
static unsigned all_levels(const struct store *s)
{
    unsigned slices = ((1u << ROLLUP_SLICE_LAST) - 1) << 1;
    return s->version >= 3 ? 1u | slices : 1u;
}

int rollup_obs_add(struct store *s, const struct store_obs *o, struct vg_err *err)
{
    uint32_t id;
    int rc = addr_id(s, o->ip.b, &id, err);
    if (rc)
        return rc;
    const char *str[6] = {o->type, o->family, o->feed, o->tlp, o->cc, o->region};
    return pending_add(s, all_levels(s), o->day, o->asn, str, id, (int64_t)o->events, err);
}

static const char *col_text(sqlite3_value *v)
{
    const unsigned char *t = sqlite3_value_text(v);
    return t ? (const char *)t : "";
}

/* vg_rollup_move(day, type, family, feed, tlp, asn, cc, region, new asn,
 * new cc, new region, ip, events): an observation row whose enrichment
 * changed, with its events before the update.  Its address leaves the old
 * group and those events go with it to the new group (the events of the
 * write itself are added by rollup_obs_add).  Never flushes: it runs inside
 * the statement writing observations. */
static void move_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    struct store *s = sqlite3_user_data(ctx);
    struct rollup_state *ru = s->ru;
    struct vg_err err = {0};
    (void)argc;
    if (sqlite3_value_bytes(argv[11]) != 16) {
        sqlite3_result_error(ctx, "vg_rollup_move: bad address", -1);
        return;
    }
    uint32_t id;
    int64_t events = sqlite3_value_int64(argv[12]);
    int32_t day = sqlite3_value_int(argv[0]);
    const char *str[6] = {col_text(argv[1]), col_text(argv[2]), col_text(argv[3]),
                          col_text(argv[4]), col_text(argv[6]), col_text(argv[7])};
    /* slices of dimensions the enrichment does not touch keep the address
     * and its events: out and in again would only cost a recount */
    unsigned moved = 1u << ROLLUP_SLICE_ASN | 1u << ROLLUP_SLICE_COUNTRY |
                     1u << ROLLUP_SLICE_REGION;
    unsigned mask = all_levels(s) & (1u | moved);
    if (addr_id(s, sqlite3_value_blob(argv[11]), &id, &err) ||
        pending_put(ru, mask, day, (uint32_t)sqlite3_value_int64(argv[5]), str, id, events, 1))
        goto fail;
    str[4] = col_text(argv[9]);
    str[5] = col_text(argv[10]);
    if (pending_put(ru, mask, day, (uint32_t)sqlite3_value_int64(argv[8]), str, id, events, 0))
        goto fail;
    sqlite3_result_null(ctx);
    return;
fail:
    sqlite3_result_error(ctx, err.msg[0] ? err.msg : "vg_rollup_move: out of memory", -1);
}

int rollup_init(struct store *s, struct vg_err *err)
{
    if (s->ru)
        return 0;
    struct rollup_state *ru = calloc(1, sizeof *ru);
    if (!ru || !(ru->ids = vg_big_calloc(ID_CACHE_SLOTS, sizeof *ru->ids))) {
        free(ru);
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    }
    s->ru = ru;
    int rc;
    if ((rc = prep(s, &ru->addr_get, "SELECT id FROM addrs WHERE ip=?", err)) ||
        (rc = prep(s, &ru->addr_add, "INSERT INTO addrs(ip) VALUES(?)", err)) ||
        (rc = prep(s, &ru->ru_get,
                   "SELECT events, ips FROM rollups WHERE day=?1 AND type=?2 AND family=?3"
                   " AND feed=?4 AND tlp=?5 AND asn=?6 AND cc=?7 AND region=?8",
                   err)) ||
        (rc = prep(s, &ru->ru_put,
                   "INSERT OR REPLACE INTO rollups(day,type,family,feed,tlp,asn,cc,region,"
                   "events,ips) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
                   err)) ||
        (rc = prep(s, &ru->ru_del,
                   "DELETE FROM rollups WHERE day=?1 AND type=?2 AND family=?3"
                   " AND feed=?4 AND tlp=?5 AND asn=?6 AND cc=?7 AND region=?8",
                   err)))
        goto fail;
    if (sqlite3_create_function(s->db, "vg_rollup_move", 13, SQLITE_UTF8, s, move_fn, NULL,
                                NULL) != SQLITE_OK) {
        rc = store_db_err(s, err, "registering the rollup trigger function");
        goto fail;
    }
    /* a temporary trigger: it lives with this connection, which is the one
     * holding the pending groups it feeds */
    if ((rc = store_exec(s,
                         "CREATE TEMP TRIGGER IF NOT EXISTS observations_moved"
                         " AFTER UPDATE ON main.observations"
                         " WHEN old.asn<>new.asn OR old.cc<>new.cc OR old.region<>new.region"
                         " BEGIN SELECT vg_rollup_move(old.day, old.type, old.family, old.feed,"
                         " old.tlp, old.asn, old.cc, old.region, new.asn, new.cc, new.region,"
                         " old.ip, old.events); END",
                         err)))
        goto fail;
    return 0;
fail:
    rollup_fini(s);
    return rc;
}

/* Bind the group's key to ?1..?8 of st. */
static void bind_key(sqlite3_stmt *st, const struct rollup_group *g)
{
    int32_t day;
    uint32_t asn;
    memcpy(&day, g->key + 1, 4);
    memcpy(&asn, g->key + 5, 4);
    sqlite3_bind_int(st, 1, day);
    if (g->key[0])
        sqlite3_bind_int(st, 11, g->key[0]);
    const char *p = g->key + 9;
    static const int col[6] = {2, 3, 4, 5, 7, 8}; /* type family feed tlp cc region */
    for (int k = 0; k < 6; k++) {
        sqlite3_bind_text(st, col[k], p, -1, SQLITE_STATIC);
        p += strlen(p) + 1;
    }
    sqlite3_bind_int64(st, 6, asn);
}

/* The set stored in column col of st's current row; NULL when corrupt. */
static roaring_bitmap_t *set_column(sqlite3_stmt *st, int col)
{
    const char *b = sqlite3_column_blob(st, col);
    return b ? roaring_bitmap_portable_deserialize_safe(b, (size_t)sqlite3_column_bytes(st, col))
             : NULL;
}

/* Step the bound statement st over rows (events, ips): *set the OR of the
 * sets (created here; the caller frees it), *events their sum; reset. */
static int sum_rows(struct store *s, sqlite3_stmt *st, roaring_bitmap_t **set, int64_t *events,
                    struct vg_err *err)
{
    int rc = 0, r = SQLITE_DONE;
    *events = 0;
    if (!(*set = roaring_bitmap_create()))
        rc = vg_err_set(err, VG_ENOMEM, "out of memory");
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        *events += sqlite3_column_int64(st, 0);
        roaring_bitmap_t *one = set_column(st, 1);
        if (!one) {
            rc = vg_err_set(err, VG_EDB, "rollups: a stored address set is corrupt");
            break;
        }
        roaring_bitmap_or_inplace(*set, one);
        roaring_bitmap_free(one);
    }
    if (!rc && r != SQLITE_DONE)
        rc = store_db_err(s, err, "recomputing rollups");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

/* A dirty daily slice group from the full rollups (flushed first): the OR
 * of the sets and the sum of the events of the rows its projection
 * selects. */
static int slice_recompute(struct store *s, struct rollup_group *g, roaring_bitmap_t **set,
                           int64_t *events, struct vg_err *err)
{
    struct rollup_state *ru = s->ru;
    int rc = 0;
    if (!ru->ru_scan &&
        (rc = prep(s, &ru->ru_scan,
                   "SELECT events, ips FROM rollups WHERE day>=?1 AND day<=?9"
                   " AND (?2 IS NULL OR type=?2) AND (?3 IS NULL OR family=?3)"
                   " AND (?4 IS NULL OR feed=?4) AND (?5 IS NULL OR tlp=?5)"
                   " AND (?6 IS NULL OR asn=?6) AND (?7 IS NULL OR cc=?7)"
                   " AND (?8 IS NULL OR region=?8)",
                   err)))
        return rc;
    /* which of type family feed tlp asn cc region the slice keeps */
    static const unsigned char keep[ROLLUP_SLICE_LAST + 1][7] = {
        [ROLLUP_SLICE_TYPE] = {1, 0, 0, 0, 0, 0, 0},
        [ROLLUP_SLICE_FAMILY] = {0, 1, 0, 0, 0, 0, 0},
        [ROLLUP_SLICE_FEED] = {0, 0, 1, 0, 0, 0, 0},
        [ROLLUP_SLICE_TLP] = {0, 0, 0, 1, 0, 0, 0},
        [ROLLUP_SLICE_ASN] = {0, 0, 0, 0, 1, 0, 0},
        [ROLLUP_SLICE_COUNTRY] = {0, 0, 0, 0, 0, 1, 0},
        [ROLLUP_SLICE_REGION] = {0, 0, 0, 0, 0, 1, 1},
    };
    int dim = g->key[0];
    if (dim < 1 || dim > ROLLUP_SLICE_LAST)
        return vg_err_set(err, VG_EDB, "rollups: bad slice %d", dim);
    sqlite3_stmt *st = ru->ru_scan;
    int32_t day;
    uint32_t asn;
    memcpy(&day, g->key + 1, 4);
    memcpy(&asn, g->key + 5, 4);
    sqlite3_bind_int(st, 1, day);
    sqlite3_bind_int64(st, 9, (int64_t)day);
    const char *p = g->key + 9;
    static const int col[6] = {2, 3, 4, 5, 7, 8}, keep_at[6] = {0, 1, 2, 3, 5, 6};
    for (int k = 0; k < 6; k++) {
        if (keep[dim][keep_at[k]])
            sqlite3_bind_text(st, col[k], p, -1, SQLITE_STATIC);
        p += strlen(p) + 1;
    }
    if (keep[dim][4])
        sqlite3_bind_int64(st, 6, asn);
    return sum_rows(s, st, set, events, err);
}

/* Add n observations to the feed of full rollup group g. */
static int count_delta(struct rollup_state *ru, const struct rollup_group *g, int64_t n)
{
    if (!n)
        return 0;
    const char *feed = g->key + 9; /* type family feed ... */
    feed += strlen(feed) + 1;
    feed += strlen(feed) + 1;
    for (size_t k = 0; k < ru->ndeltas; k++)
        if (strcmp(ru->deltas[k].feed, feed) == 0) {
            ru->deltas[k].n += n;
            return 0;
        }
    struct feed_delta *nd = realloc(ru->deltas, (ru->ndeltas + 1) * sizeof *nd);
    if (!nd)
        return VG_ENOMEM;
    ru->deltas = nd;
    if (!(nd[ru->ndeltas].feed = strdup(feed)))
        return VG_ENOMEM;
    nd[ru->ndeltas++].n = n;
    return 0;
}

void rollup_counts_discard(struct store *s)
{
    struct rollup_state *ru = s ? s->ru : NULL;
    if (!ru)
        return;
    for (size_t k = 0; k < ru->ndeltas; k++)
        free(ru->deltas[k].feed);
    ru->ndeltas = 0;
}

int rollup_counts_apply(struct store *s, struct vg_err *err)
{
    struct rollup_state *ru = s->ru;
    int rc = 0;
    if (!ru || !ru->ndeltas)
        return 0;
    if (s->version >= 4 && !ru->count_add &&
        (rc = prep(s, &ru->count_add,
                   "INSERT INTO meta(key, value) VALUES('observations/' || ?1, ?2)"
                   " ON CONFLICT(key) DO UPDATE SET value = value + excluded.value",
                   err)))
        return rc;
    for (size_t k = 0; k < ru->ndeltas && ru->count_add && !rc; k++) {
        sqlite3_bind_text(ru->count_add, 1, ru->deltas[k].feed, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ru->count_add, 2, ru->deltas[k].n);
        if (sqlite3_step(ru->count_add) != SQLITE_DONE)
            rc = store_db_err(s, err, "counting observations");
        sqlite3_reset(ru->count_add);
    }
    rollup_counts_discard(s);
    return rc;
}

/* The level of a group: -1 full rollups, 0 daily slice, k a block. */
static int group_level(const struct rollup_group *g)
{
    unsigned char c = (unsigned char)g->key[0];
    return c == 0 ? -1 : c / ROLLUP_LEVEL;
}

/* The level whose rows make up a block of level k: the next shorter one
 * the schema has, or the days. */
static int child_level(const struct store *s, int k)
{
    int levels[ROLLUP_LEVEL_MAX];
    size_t n = store_rollup_levels(s, levels);
    for (size_t i = 1; i < n; i++)
        if (levels[i] == k)
            return levels[i - 1];
    return 0;
}

/* A dirty block from the rows of the level below it (merged before it). */
static int block_recompute(struct store *s, struct rollup_group *g, roaring_bitmap_t **set,
                           int64_t *events, struct vg_err *err)
{
    struct rollup_state *ru = s->ru;
    int rc = 0;
    if (!ru->sl_range &&
        (rc = prep(s, &ru->sl_range,
                   "SELECT events, ips FROM rollup_slices WHERE dim=?11 AND day>=?1 AND day<=?9"
                   " AND type=?2 AND family=?3 AND feed=?4 AND tlp=?5 AND asn=?6 AND cc=?7"
                   " AND region=?8",
                   err)))
        return rc;
    int k = group_level(g), dim = (unsigned char)g->key[0] % ROLLUP_LEVEL;
    int32_t day;
    memcpy(&day, g->key + 1, 4);
    sqlite3_stmt *st = ru->sl_range;
    bind_key(st, g);
    sqlite3_bind_int(st, 11, dim + ROLLUP_LEVEL * child_level(s, k));
    sqlite3_bind_int64(st, 9, (int64_t)day + store_rollup_level_days(k) - 1);
    return sum_rows(s, st, set, events, err);
}

static int group_merge(struct store *s, struct rollup_group *g, struct vg_err *err)
{
    struct rollup_state *ru = s->ru;
    int slice = g->key[0] != 0;
    roaring_bitmap_t *set = NULL;
    char *blob = NULL;
    int64_t events = g->events;
    int rc = 0;
    if (slice && !ru->sl_get &&
        ((rc = prep(s, &ru->sl_get,
                    "SELECT events, ips FROM rollup_slices WHERE dim=?11 AND day=?1 AND type=?2"
                    " AND family=?3 AND feed=?4 AND tlp=?5 AND asn=?6 AND cc=?7 AND region=?8",
                    err)) ||
         (rc = prep(s, &ru->sl_put,
                    "INSERT OR REPLACE INTO rollup_slices(dim,day,type,family,feed,tlp,asn,cc,"
                    "region,events,ips) VALUES(?11,?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
                    err)) ||
         (rc = prep(s, &ru->sl_del,
                    "DELETE FROM rollup_slices WHERE dim=?11 AND day=?1 AND type=?2"
                    " AND family=?3 AND feed=?4 AND tlp=?5 AND asn=?6 AND cc=?7 AND region=?8",
                    err))))
        return rc;
    sqlite3_stmt *st = slice ? ru->sl_get : ru->ru_get;
    uint64_t before = 0;
    int r;
    if (g->dirty) {
        if ((rc = group_level(g) > 0 ? block_recompute(s, g, &set, &events, err)
                                     : slice_recompute(s, g, &set, &events, err)))
            goto out;
        goto write;
    }
    bind_key(st, g);
    r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        events += sqlite3_column_int64(st, 0);
        const char *b = sqlite3_column_blob(st, 1);
        size_t n = (size_t)sqlite3_column_bytes(st, 1);
        set = b ? roaring_bitmap_portable_deserialize_safe(b, n) : NULL;
        if (!set)
            rc = vg_err_set(err, VG_EDB, "rollups: a stored address set is corrupt");
        else if (!slice)
            before = roaring_bitmap_get_cardinality(set);
    } else if (r != SQLITE_DONE) {
        rc = store_db_err(s, err, "reading a rollup");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc)
        goto out;
    if (set) {
        if (g->del)
            roaring_bitmap_andnot_inplace(set, g->del);
        roaring_bitmap_or_inplace(set, g->add);
    } else {
        set = g->add;
        g->add = NULL;
    }
write:
    if (!slice && (rc = count_delta(ru, g, (int64_t)roaring_bitmap_get_cardinality(set) -
                                               (int64_t)before))) {
        rc = vg_err_set(err, VG_ENOMEM, "out of memory");
        goto out;
    }
    if (roaring_bitmap_is_empty(set)) {
        st = slice ? ru->sl_del : ru->ru_del;
        bind_key(st, g);
        r = sqlite3_step(st);
    } else {
        roaring_bitmap_run_optimize(set);
        size_t n = roaring_bitmap_portable_size_in_bytes(set);
        if (!(blob = malloc(n))) {
            rc = vg_err_set(err, VG_ENOMEM, "out of memory");
            goto out;
        }
        roaring_bitmap_portable_serialize(set, blob);
        st = slice ? ru->sl_put : ru->ru_put;
        bind_key(st, g);
        sqlite3_bind_int64(st, 9, events);
        sqlite3_bind_blob(st, 10, blob, (int)n, SQLITE_STATIC);
        r = sqlite3_step(st);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (r != SQLITE_DONE)
        rc = store_db_err(s, err, "writing a rollup");
out:
    if (set)
        roaring_bitmap_free(set);
    free(blob);
    return rc;
}

/* The pending group of the level-k block that holds daily slice group g
 * (created when new); NULL when out of memory. */
static struct rollup_group *block_get(struct rollup_state *ru, const struct rollup_group *g,
                                      int k)
{
    if (g->keylen > ru->kcap) {
        char *nb = realloc(ru->kbuf, g->keylen * 2);
        if (!nb)
            return NULL;
        ru->kbuf = nb;
        ru->kcap = g->keylen * 2;
    }
    memcpy(ru->kbuf, g->key, g->keylen);
    int32_t day;
    memcpy(&day, g->key + 1, 4);
    int64_t len = store_rollup_level_days(k);
    int32_t start = (int32_t)(day - ((day % len) + len) % len); /* floor to the block */
    ru->kbuf[0] = (char)(g->key[0] + ROLLUP_LEVEL * k);
    memcpy(ru->kbuf + 1, &start, 4);
    return group_get(ru, g->keylen);
}

/* Every block group from the pending daily slice groups: their added ids,
 * their events, and dirty when one of them is. */
static int blocks_derive(struct store *s)
{
    struct rollup_state *ru = s->ru;
    int levels[ROLLUP_LEVEL_MAX];
    size_t nlevels = store_rollup_levels(s, levels), n = 0;
    if (!nlevels)
        return 0;
    /* the table grows while blocks join it: walk a list of the days */
    struct rollup_group **days = malloc((ru->gcount ? ru->gcount : 1) * sizeof *days);
    if (!days)
        return VG_ENOMEM;
    for (size_t k = 0; k < ru->gcap; k++)
        if (ru->groups[k] && group_level(ru->groups[k]) == 0)
            days[n++] = ru->groups[k];
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        for (size_t l = 0; l < nlevels && !rc; l++) {
            struct rollup_group *b = block_get(ru, days[i], levels[l]);
            if (!b) {
                rc = VG_ENOMEM;
                break;
            }
            roaring_bitmap_or_inplace(b->add, days[i]->add);
            b->events += days[i]->events;
            b->dirty |= days[i]->dirty;
        }
    free(days);
    return rc;
}

int rollup_flush(struct store *s, struct vg_err *err)
{
    struct rollup_state *ru = s->ru;
    int rc = 0;
    if (!ru)
        return 0;
    if (blocks_derive(s))
        rc = vg_err_set(err, VG_ENOMEM, "out of memory");
    /* the full rollups first (dirty days are recomputed from them), then
     * the days, then each block level from the shortest (a dirty block is
     * recomputed from the level below) */
    int order[2 + ROLLUP_LEVEL_MAX] = {-1, 0};
    size_t norder = 2 + store_rollup_levels(s, order + 2);
    for (size_t pass = 0; pass < norder && !rc; pass++)
        for (size_t k = 0; k < ru->gcap && !rc; k++)
            if (ru->groups[k] && group_level(ru->groups[k]) == order[pass])
                rc = group_merge(s, ru->groups[k], err);
    for (size_t k = 0; k < ru->gcap; k++) {
        group_free(ru->groups[k]);
        ru->groups[k] = NULL;
    }
    ru->gcount = ru->pending_ids = 0;
    return rc;
}

/* Rollups of the levels in mask from the observations stored. */
static int build_levels(struct store *s, unsigned mask, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = rollup_init(s, err);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT o.day, o.type, o.family, o.feed, o.tlp, o.asn, o.cc, o.region,"
                           " a.id, o.events FROM observations o JOIN addrs a ON a.ip = o.ip",
                           -1, &st, NULL) != SQLITE_OK)
        return store_db_err(s, err, "building the rollups");
    int r;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *str[6] = {(const char *)sqlite3_column_text(st, 1),
                              (const char *)sqlite3_column_text(st, 2),
                              (const char *)sqlite3_column_text(st, 3),
                              (const char *)sqlite3_column_text(st, 4),
                              (const char *)sqlite3_column_text(st, 6),
                              (const char *)sqlite3_column_text(st, 7)};
        for (int k = 0; k < 6; k++)
            if (!str[k])
                str[k] = "";
        rc = pending_add(s, mask, sqlite3_column_int(st, 0), (uint32_t)sqlite3_column_int64(st, 5), str,
                         (uint32_t)sqlite3_column_int64(st, 8), sqlite3_column_int64(st, 9), err);
    }
    if (!rc && r != SQLITE_DONE)
        rc = store_db_err(s, err, "building the rollups");
    sqlite3_finalize(st);
    return rc ? rc : rollup_flush(s, err);
}

int rollup_build(struct store *s, struct vg_err *err)
{
    return build_levels(s, 1u, err);
}

int rollup_build_slices(struct store *s, struct vg_err *err)
{
    return build_levels(s, all_levels(s) & ~1u, err);
}

/* Merge the standalone group g (not in the pending table) into its row and
 * release what it holds. */
static int standalone_merge(struct store *s, struct rollup_group *g, struct vg_err *err)
{
    int rc = group_merge(s, g, err);
    if (g->add)
        roaring_bitmap_free(g->add);
    free(g->key);
    memset(g, 0, sizeof *g);
    return rc;
}

/* Blocks of level k from the stored rows of the level below: one pass in
 * key order, so one block is in memory at a time. */
static int level_build(struct store *s, int k, struct vg_err *err)
{
    struct rollup_state *ru = s->ru;
    int child = child_level(s, k), rc = 0, r;
    int64_t len = store_rollup_level_days(k);
    sqlite3_stmt *st;
    char del[96];
    /* built afresh: merging into rows left by an earlier build would add
     * their events twice */
    snprintf(del, sizeof del, "DELETE FROM rollup_slices WHERE dim > %d AND dim <= %d",
             ROLLUP_LEVEL * k, ROLLUP_LEVEL * k + ROLLUP_SLICE_LAST);
    if ((rc = store_exec(s, del, err)))
        return rc;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT dim, day, type, family, feed, tlp, asn, cc, region, events, ips"
                           " FROM rollup_slices WHERE dim > ?1 AND dim <= ?2"
                           " ORDER BY dim, type, family, feed, tlp, asn, cc, region, day",
                           -1, &st, NULL) != SQLITE_OK)
        return store_db_err(s, err, "building the rollup blocks");
    sqlite3_bind_int(st, 1, ROLLUP_LEVEL * child);
    sqlite3_bind_int(st, 2, ROLLUP_LEVEL * child + ROLLUP_SLICE_LAST);
    struct rollup_group cur = {0};
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *str[6];
        for (int c = 0; c < 6; c++) {
            const unsigned char *t = sqlite3_column_text(st, c < 4 ? 2 + c : 3 + c);
            str[c] = t ? (const char *)t : "";
        }
        int dim = sqlite3_column_int(st, 0) % ROLLUP_LEVEL;
        int64_t day = sqlite3_column_int64(st, 1);
        int32_t start = (int32_t)(day - ((day % len) + len) % len);
        size_t keylen = key_make(ru, dim + ROLLUP_LEVEL * k, start,
                                 (uint32_t)sqlite3_column_int64(st, 6), str, NULL);
        if (!keylen) {
            rc = vg_err_set(err, VG_ENOMEM, "out of memory");
            break;
        }
        if (!cur.key || cur.keylen != keylen || memcmp(cur.key, ru->kbuf, keylen)) {
            if (cur.key && (rc = standalone_merge(s, &cur, err)))
                break;
            if (!(cur.key = malloc(keylen)) || !(cur.add = roaring_bitmap_create())) {
                rc = vg_err_set(err, VG_ENOMEM, "out of memory");
                break;
            }
            memcpy(cur.key, ru->kbuf, keylen);
            cur.keylen = keylen;
        }
        cur.events += sqlite3_column_int64(st, 9);
        roaring_bitmap_t *one = set_column(st, 10);
        if (!one) {
            rc = vg_err_set(err, VG_EDB, "rollups: a stored address set is corrupt");
            break;
        }
        roaring_bitmap_or_inplace(cur.add, one);
        roaring_bitmap_free(one);
    }
    if (!rc && r != SQLITE_DONE)
        rc = store_db_err(s, err, "building the rollup blocks");
    sqlite3_finalize(st);
    if (!rc && cur.key)
        rc = standalone_merge(s, &cur, err);
    if (cur.key) { /* after an error */
        if (cur.add)
            roaring_bitmap_free(cur.add);
        free(cur.key);
    }
    return rc;
}

int rollup_build_levels(struct store *s, struct vg_err *err)
{
    int levels[ROLLUP_LEVEL_MAX];
    size_t n = store_rollup_levels(s, levels);
    int rc = rollup_init(s, err);
    /* the 16-day level is stored already (schema 3); the others, shortest
     * first, each from the one below */
    for (size_t k = 0; k < n && !rc; k++)
        if (levels[k] != 1)
            rc = level_build(s, levels[k], err);
    return rc;
}
