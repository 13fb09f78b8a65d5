/*
 * store.c — the SQLite implementation of store.h.
 *
 * Statements used per record batch are prepared once per connection.  The
 * database runs in WAL mode with synchronous=NORMAL: a committed ingest
 * survives a process crash, and readers (landscape queries, later the web
 * server) are never blocked by a writer.  Migrations are a list of SQL
 * scripts indexed by PRAGMA user_version; each runs in its own transaction.
 */
#include "store/store_int.h"
#include "core/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <zstd.h>

static const struct migration {
    const char *sql;
    /* a step SQL cannot express, run after sql in the same transaction */
    int (*fn)(struct store *s, struct vg_err *err);
} migrations[] = {
    /* 1: the landscape spine */
    {    "CREATE TABLE files("
    "  id INTEGER PRIMARY KEY,"
    "  sha256 TEXT UNIQUE,"
    "  name TEXT NOT NULL, format TEXT NOT NULL, report TEXT,"
    "  size INTEGER NOT NULL DEFAULT 0,"
    "  records INTEGER NOT NULL DEFAULT 0, accepted INTEGER NOT NULL DEFAULT 0,"
    "  rejected INTEGER NOT NULL DEFAULT 0, observations INTEGER NOT NULL DEFAULT 0,"
    "  started_us INTEGER NOT NULL, finished_us INTEGER);"
    "CREATE TABLE observations("
    "  day INTEGER NOT NULL, ip BLOB NOT NULL,"
    "  type TEXT NOT NULL, family TEXT NOT NULL, feed TEXT NOT NULL, tlp TEXT NOT NULL,"
    "  asn INTEGER NOT NULL DEFAULT 0, cc TEXT NOT NULL DEFAULT '',"
    "  region TEXT NOT NULL DEFAULT '', city TEXT NOT NULL DEFAULT '',"
    "  events INTEGER NOT NULL, first_us INTEGER NOT NULL, last_us INTEGER NOT NULL,"
    "  PRIMARY KEY(day, ip, type, family, feed, tlp)) WITHOUT ROWID;"
    "CREATE INDEX observations_ip ON observations(ip, day);"
    "CREATE TABLE asns(asn INTEGER PRIMARY KEY, name TEXT NOT NULL);"
    "CREATE TABLE archive("
    "  id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL REFERENCES files(id),"
    "  first_line INTEGER NOT NULL, last_line INTEGER NOT NULL,"
    "  records INTEGER NOT NULL, raw_size INTEGER NOT NULL, data BLOB NOT NULL);"
    "CREATE INDEX archive_file ON archive(file_id);", NULL},
    /* 2: dense address ids and daily rollups with exact address sets
     * (store_rollup.c); built here from the observations already stored */
    {"CREATE TABLE addrs(id INTEGER PRIMARY KEY, ip BLOB NOT NULL UNIQUE);"
     "CREATE TABLE rollups("
     "  day INTEGER NOT NULL, type TEXT NOT NULL, family TEXT NOT NULL, feed TEXT NOT NULL,"
     "  tlp TEXT NOT NULL, asn INTEGER NOT NULL, cc TEXT NOT NULL, region TEXT NOT NULL,"
     "  events INTEGER NOT NULL, ips BLOB NOT NULL,"
     "  PRIMARY KEY(day, type, family, feed, tlp, asn, cc, region)) WITHOUT ROWID;"
     "INSERT INTO addrs(ip) SELECT DISTINCT ip FROM observations ORDER BY ip;",
     rollup_build},
    /* 3: rollup slices (one dimension each, store.h) for one-key queries */
    {"CREATE TABLE rollup_slices("
     "  dim INTEGER NOT NULL, day INTEGER NOT NULL, type TEXT NOT NULL, family TEXT NOT NULL,"
     "  feed TEXT NOT NULL, tlp TEXT NOT NULL, asn INTEGER NOT NULL, cc TEXT NOT NULL,"
     "  region TEXT NOT NULL, events INTEGER NOT NULL, ips BLOB NOT NULL,"
     "  PRIMARY KEY(dim, day, type, family, feed, tlp, asn, cc, region)) WITHOUT ROWID;",
     rollup_build_slices},
    /* 4: the data version, bumped by every commit (store_commit), so that a
     * reader can tell "nothing changed since" without reading the data; the
     * observations per feed, kept by the rollups (store_rollup.c), so that
     * nobody needs COUNT(*) over them */
    {"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
     "INSERT OR IGNORE INTO meta(key, value) VALUES('data_version', 1);"
     "DELETE FROM meta WHERE key > 'observations/' AND key < 'observations0';"
     "INSERT INTO meta(key, value) SELECT 'observations/' || feed, COUNT(*) FROM observations"
     " GROUP BY feed;",
     NULL},
    /* 5: block levels of 4, 64 and 256 days beside the 16-day one, built
     * from the slices already stored (store_rollup.c) */
    {"", rollup_build_levels},
    /* 6: access control (store_access.h) */
    {"CREATE TABLE orgs(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
     "  role TEXT NOT NULL CHECK(role IN ('provider','member','constituent','public')),"
     "  parent_id INTEGER REFERENCES orgs(id), created_us INTEGER NOT NULL);"
     "CREATE TABLE org_scopes(org_id INTEGER NOT NULL REFERENCES orgs(id),"
     "  kind TEXT NOT NULL CHECK(kind IN ('country','asn','prefix','domain','feed')),"
     "  value TEXT NOT NULL, PRIMARY KEY(org_id, kind, value)) WITHOUT ROWID;"
     "CREATE TABLE tokens(id INTEGER PRIMARY KEY, org_id INTEGER NOT NULL REFERENCES orgs(id),"
     "  hash BLOB NOT NULL UNIQUE, label TEXT NOT NULL DEFAULT '', admin INTEGER NOT NULL DEFAULT 0,"
     "  created_us INTEGER NOT NULL, expires_us INTEGER, revoked_us INTEGER, last_used_us INTEGER);"
     "CREATE TABLE users(id INTEGER PRIMARY KEY, org_id INTEGER NOT NULL REFERENCES orgs(id),"
     "  name TEXT NOT NULL UNIQUE, pwhash TEXT NOT NULL, admin INTEGER NOT NULL DEFAULT 0,"
     "  created_us INTEGER NOT NULL);"
     "CREATE TABLE sessions(hash BLOB PRIMARY KEY, org_id INTEGER NOT NULL REFERENCES orgs(id),"
     "  token_id INTEGER, user_id INTEGER, admin INTEGER NOT NULL DEFAULT 0,"
     "  created_us INTEGER NOT NULL, expires_us INTEGER NOT NULL) WITHOUT ROWID;"
     "CREATE TABLE audit(id INTEGER PRIMARY KEY, at_us INTEGER NOT NULL, org_id INTEGER,"
     "  org_name TEXT NOT NULL, token_id INTEGER, user_name TEXT NOT NULL DEFAULT '',"
     "  action TEXT NOT NULL, target TEXT NOT NULL, records INTEGER NOT NULL, tlp TEXT NOT NULL);"
     "CREATE INDEX audit_at ON audit(at_us);"
     /* when the current version of each observation was stored (TAXII's
      * date_added; 0 for rows stored before this version) */
     "ALTER TABLE observations ADD COLUMN added_us INTEGER NOT NULL DEFAULT 0;"
     "CREATE INDEX observations_added ON observations(added_us);",
     NULL},
    /* 7: no index on added_us: each of its entries repeats the whole
     * primary key, which made it the largest index of the store and
     * cost a worst-case ingest (a new observation per record) a tenth of
     * its time, while readers of added_us (TAXII) read every row they
     * may see anyway */
    {"DROP INDEX IF EXISTS observations_added;", NULL},
    /* 8: records that are versions of a shared object (a STIX object
     * pulled again, a MISP attribute re-imported): the events each
     * (object, address) has counted so far, so that a later version adds
     * only its growth (store_import_count) */
    {"CREATE TABLE IF NOT EXISTS imports(object TEXT NOT NULL, ip BLOB NOT NULL, events INTEGER NOT NULL,"
     "  PRIMARY KEY(object, ip)) WITHOUT ROWID;",
     NULL},
    /* 9: the archive's frames live in a file beside the database
     * (<db>.archive.zst, store_archive_put): a blob in the table is written
     * twice (WAL, then checkpoint) and read back in between, which cost an
     * archived ingest a tenth of its time.  Rows stored before keep their
     * blob; a frame row has an empty one. */
    {"ALTER TABLE archive ADD COLUMN frame_offset INTEGER;"
     "ALTER TABLE archive ADD COLUMN frame_size INTEGER;",
     NULL},
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int store_db_err(struct store *s, struct vg_err *err, const char *what)
{
    return vg_err_set(err, VG_EDB, "%s: %s", what, s && s->db ? sqlite3_errmsg(s->db) : "no database");
}

int store_exec(struct store *s, const char *sql, struct vg_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int rc = vg_err_set(err, VG_EDB, "%s", msg ? msg : "sqlite error");
        sqlite3_free(msg);
        return rc;
    }
    return 0;
}

static int user_version(struct store *s, int *v, struct vg_err *err)
{
    sqlite3_stmt *st;
    *v = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return store_db_err(s, err, "reading schema version");
    *v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return 0;
}

static int migrate(struct store *s, struct vg_err *err)
{
    int v, rc;
    if ((rc = user_version(s, &v, err)))
        return rc;
    if (v > NMIGRATIONS)
        return vg_err_set(err, VG_EDB,
                          "database schema version %d is newer than this vigil (%d): upgrade vigil",
                          v, NMIGRATIONS);
    for (; v < NMIGRATIONS; v++) {
        char pragma[64];
        if ((rc = store_exec(s, "BEGIN IMMEDIATE", err)))
            return rc;
        snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", v + 1);
        s->version = v + 1; /* what the step builds for */
        if ((rc = store_exec(s, migrations[v].sql, err)) ||
            (migrations[v].fn && (rc = migrations[v].fn(s, err))) ||
            (rc = store_exec(s, pragma, err))) {
            store_exec(s, "ROLLBACK", NULL);
            rollup_discard(s);
            return vg_err_prefix(err, "migrating the schema to version %d", v + 1);
        }
        if ((rc = store_exec(s, "COMMIT", err)))
            return rc;
    }
    s->version = v;
    /* what the rollup builds counted is in the counters of step 4 already */
    rollup_counts_discard(s);
    return 0;
}

static int prepare(struct store *s, sqlite3_stmt **st, const char *sql, struct vg_err *err)
{
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return store_db_err(s, err, "preparing a statement");
    return 0;
}

int store_open(struct store **out, const char *path, int mode, struct vg_err *err)
{
    int rc;
    struct store *s = calloc(1, sizeof *s);
    if (!s)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    s->arch_fd = -1;
    s->arch_end = -1;
    int flags = mode == STORE_RO ? SQLITE_OPEN_READONLY
                                 : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        rc = vg_err_set(err, mode == STORE_RO ? VG_ENOTFOUND : VG_EDB, "%s: %s", path,
                        s->db ? sqlite3_errmsg(s->db) : "cannot open");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 10000);
    sqlite3_extended_result_codes(s->db, 1);
    if ((rc = store_access_init(s, err)))
        goto fail;
    /* map the file: a landscape query over a year reads thousands of
     * address sets, and mapped pages are read in place rather than copied
     * through read() into each connection's page cache (writes still go
     * through the WAL) */
    if ((rc = store_exec(s, "PRAGMA mmap_size=2147418112;", err)))
        goto fail;
    if (mode != STORE_RO) {
        /* a 64 MiB page cache keeps the observation B-tree's upper levels
         * in memory during batched upserts.  A new database gets 16 KiB
         * pages (an existing one keeps its own): the archive's blobs and
         * the rollups' bitmaps span fewer pages, and an ingest's WAL
         * frames and checkpoint take a quarter of the system calls (system
         * time of a 1 M-record ingest -30 %, no change in user time). */
        if ((rc = store_exec(s, "PRAGMA page_size=16384;"
                          "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                          "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
                          "PRAGMA foreign_keys=ON;",
                       err)))
            goto fail;
        if ((rc = migrate(s, err)) || (rc = rollup_init(s, err)))
            goto fail;
        if ((rc = prepare(s, &s->obs_ins,
                          "INSERT INTO observations(day,ip,type,family,feed,tlp,asn,cc,region,city,"
                          "events,first_us,last_us,added_us) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                          err)) ||
            (rc = prepare(s, &s->obs_put,
                          "INSERT INTO observations(day,ip,type,family,feed,tlp,asn,cc,region,city,"
                          "events,first_us,last_us,added_us) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                          "ON CONFLICT(day,ip,type,family,feed,tlp) DO UPDATE SET "
                          "events=events+excluded.events,added_us=excluded.added_us,"
                          "first_us=min(first_us,excluded.first_us),"
                          "last_us=max(last_us,excluded.last_us),"
                          "asn=excluded.asn,cc=excluded.cc,region=excluded.region,"
                          "city=excluded.city",
                          err)) ||
            (rc = prepare(s, &s->asn_put,
                          "INSERT INTO asns(asn,name) VALUES(?,?) "
                          "ON CONFLICT(asn) DO UPDATE SET name=excluded.name "
                          "WHERE name<>excluded.name",
                          err)) ||
            (rc = prepare(s, &s->archive_put,
                          "INSERT INTO archive(file_id,first_line,last_line,records,raw_size,data,"
                          "frame_offset,frame_size) VALUES(?,?,?,?,?,?,?,?)",
                          err)) ||
            (rc = prepare(s, &s->file_add,
                          "INSERT INTO files(sha256,name,format,report,size,started_us)"
                          " VALUES(?,?,?,?,?,?)",
                          err)) ||
            (rc = prepare(s, &s->file_finish,
                          "UPDATE files SET sha256=?,records=?,accepted=?,rejected=?,"
                          "observations=?,size=?,finished_us=? WHERE id=?",
                          err)) ||
            (rc = prepare(s, &s->version_bump,
                          "UPDATE meta SET value=value+1 WHERE key='data_version'", err)) ||
            (rc = prepare(s, &s->import_get,
                          "SELECT events FROM imports WHERE object=? AND ip=?", err)) ||
            (rc = prepare(s, &s->import_put,
                          "INSERT INTO imports(object,ip,events) VALUES(?,?,?) "
                          "ON CONFLICT(object,ip) DO UPDATE SET events=excluded.events",
                          err)))
            goto fail;
    } else {
        int v;
        /* the pages past the mapped 2 GiB are read into this cache: room for
         * the address sets of a long query (SQLite's default is 2 MiB) */
        if ((rc = store_exec(s, "PRAGMA cache_size=-32768;", err)))
            goto fail;
        if ((rc = user_version(s, &v, err)))
            goto fail;
        if (v == 0) {
            rc = vg_err_set(err, VG_ENOTFOUND, "%s: not a vigil database (run 'vigil ingest' first)",
                            path);
            goto fail;
        }
        if (v > NMIGRATIONS) {
            rc = vg_err_set(err, VG_EDB, "database schema version %d is newer than this vigil", v);
            goto fail;
        }
        s->version = v;
    }
    if ((rc = prepare(s, &s->file_exists,
                      "SELECT 1 FROM files WHERE sha256=? AND finished_us IS NOT NULL", err)))
        goto fail;
    /* readers of a store not yet migrated to version 4 have no data
     * version (store_data_version says so) */
    if (s->version >= 4 &&
        ((rc = prepare(s, &s->version_get,
                       "SELECT value FROM meta WHERE key='data_version'", err)) ||
         (rc = prepare(s, &s->read_begin, "BEGIN", err)) ||
         (rc = prepare(s, &s->read_end, "COMMIT", err))))
        goto fail;
    *out = s;
    return 0;
fail:
    store_close(s);
    *out = NULL;
    return rc;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->obs_put);
    sqlite3_finalize(s->obs_ins);
    sqlite3_finalize(s->asn_put);
    sqlite3_finalize(s->archive_put);
    sqlite3_finalize(s->file_add);
    sqlite3_finalize(s->file_finish);
    sqlite3_finalize(s->file_exists);
    sqlite3_finalize(s->version_bump);
    sqlite3_finalize(s->import_get);
    sqlite3_finalize(s->import_put);
    sqlite3_finalize(s->version_get);
    sqlite3_finalize(s->read_begin);
    sqlite3_finalize(s->read_end);
    rollup_fini(s);
    store_access_fini(s);
    if (s->arch_fd >= 0)
        close(s->arch_fd);
    sqlite3_close(s->db);
    free(s);
}

int store_begin(struct store *s, struct vg_err *err)
{
    int rc = store_exec(s, "BEGIN IMMEDIATE", err);
    s->arch_end = -1;
    s->arch_dirty = 0;
    /* after the lock is ours: transactions then take their times in
     * commit order, so "stored after T" (TAXII's added_after) never skips
     * rows a reader had not seen yet */
    struct timeval tv;
    gettimeofday(&tv, NULL);
    s->tx_us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
    return rc;
}

static int archive_sync(struct store *s, struct vg_err *err);

/* Every commit bumps the data version in the same transaction: a reader
 * that sees the new version sees the new data, never the reverse. */
static int version_bump(struct store *s, struct vg_err *err)
{
    int r = sqlite3_step(s->version_bump);
    sqlite3_reset(s->version_bump);
    return r == SQLITE_DONE ? 0 : store_db_err(s, err, "bumping the data version");
}

int store_commit(struct store *s, struct vg_err *err)
{
    int rc = rollup_flush(s, err);
    rc = rc ? rc : rollup_counts_apply(s, err);
    rc = rc ? rc : version_bump(s, err);
    rc = rc ? rc : archive_sync(s, err);
    rc = rc ? rc : store_exec(s, "COMMIT", err);
    s->arch_end = -1;
    return rc;
}

int store_commit_log(struct store *s, struct vg_err *err)
{
    return store_exec(s, "COMMIT", err);
}

int store_read_begin(struct store *s, uint64_t *version, struct vg_err *err)
{
    *version = 0;
    if (!s->version_get)
        return vg_err_set(err, VG_ENOTFOUND, "the store has no data version (schema %d)",
                          s->version);
    int r = sqlite3_step(s->read_begin);
    sqlite3_reset(s->read_begin);
    if (r != SQLITE_DONE)
        return store_db_err(s, err, "starting a read");
    r = sqlite3_step(s->version_get);
    if (r == SQLITE_ROW)
        *version = (uint64_t)sqlite3_column_int64(s->version_get, 0);
    sqlite3_reset(s->version_get);
    if (r != SQLITE_ROW) {
        int rc = store_db_err(s, err, "reading the data version");
        store_read_end(s);
        return rc;
    }
    return 0;
}

void store_read_end(struct store *s)
{
    if (s && s->read_end && !sqlite3_get_autocommit(s->db)) {
        sqlite3_step(s->read_end);
        sqlite3_reset(s->read_end);
    }
}

void store_rollback(struct store *s)
{
    if (s && !sqlite3_get_autocommit(s->db))
        store_exec(s, "ROLLBACK", NULL);
    /* frames written since are past the committed end: the next
     * transaction that archives cuts them off */
    s->arch_end = -1;
    s->arch_dirty = 0;
    rollup_discard(s);
}

int store_rollups_ready(const struct store *s)
{
    return s->version >= 3 ? 2 : s->version >= 2;
}

int store_obs_counts(struct store *s, store_row_fn fn, void *ctx, struct vg_err *err)
{
    if (s->version < 4)
        return vg_err_set(err, VG_ENOTFOUND, "the store keeps no observation counts (schema %d)",
                          s->version);
    return store_query(s,
                       "SELECT substr(key, 14), value FROM meta WHERE key > 'observations/'"
                       " AND key < 'observations0' AND value <> 0 ORDER BY key",
                       NULL, 0, fn, ctx, err);
}

int store_rollup_level_days(int k)
{
    static const int days[ROLLUP_LEVEL_MAX + 1] = {1, 16, 4, 64, 256};
    return k >= 0 && k <= ROLLUP_LEVEL_MAX ? days[k] : 0;
}

size_t store_rollup_levels(const struct store *s, int *levels)
{
    static const int by_length[ROLLUP_LEVEL_MAX] = {2, 1, 3, 4};
    size_t n = s->version >= 5 ? ROLLUP_LEVEL_MAX : s->version >= 3 ? 1 : 0;
    for (size_t k = 0; k < n; k++)
        levels[k] = n == 1 ? 1 : by_length[k];
    return n;
}

static int step_done(struct store *s, sqlite3_stmt *st, struct vg_err *err, const char *what)
{
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (r != SQLITE_DONE && r != SQLITE_ROW)
        return store_db_err(s, err, what);
    return 0;
}

int store_file_exists(struct store *s, const char *sha256, int *exists, struct vg_err *err)
{
    sqlite3_bind_text(s->file_exists, 1, sha256, -1, SQLITE_STATIC);
    int r = sqlite3_step(s->file_exists);
    *exists = r == SQLITE_ROW;
    sqlite3_reset(s->file_exists);
    sqlite3_clear_bindings(s->file_exists);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return store_db_err(s, err, "looking up an input");
    return 0;
}

int store_file_add(struct store *s, const struct store_file *f, int64_t *id, struct vg_err *err)
{
    sqlite3_stmt *st = s->file_add;
    if (f->sha256)
        sqlite3_bind_text(st, 1, f->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, f->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, f->format, -1, SQLITE_STATIC);
    if (f->report)
        sqlite3_bind_text(st, 4, f->report, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)f->size);
    sqlite3_bind_int64(st, 6, f->started_us);
    int rc = step_done(s, st, err, "recording an input");
    if (!rc)
        *id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

int store_file_finish(struct store *s, int64_t id, const struct store_file *f,
                      struct vg_err *err)
{
    sqlite3_stmt *st = s->file_finish;
    sqlite3_bind_text(st, 1, f->sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)f->records);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)f->accepted);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)f->rejected);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)f->observations);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)f->size);
    sqlite3_bind_int64(st, 7, f->finished_us);
    sqlite3_bind_int64(st, 8, id);
    return step_done(s, st, err, "completing an input");
}

/* Bind the 13 columns of o to an observation statement. */
static void obs_bind(const struct store *s, sqlite3_stmt *st, const struct store_obs *o)
{
    sqlite3_bind_int(st, 1, o->day);
    sqlite3_bind_blob(st, 2, o->ip.b, 16, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, o->type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, o->family, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, o->feed, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, o->tlp, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, o->asn);
    sqlite3_bind_text(st, 8, o->cc, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, o->region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, o->city, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, (sqlite3_int64)o->events);
    sqlite3_bind_int64(st, 12, o->first_us);
    sqlite3_bind_int64(st, 13, o->last_us);
    sqlite3_bind_int64(st, 14, s->tx_us);
}

/* Most observations of an input are new (a new day of telemetry): a plain
 * INSERT needs neither the upsert's statement journal nor its trigger
 * program, and costs about half as much.  Only a key already stored makes
 * it fail (a constraint error that changed nothing), and then the upsert
 * merges it. */
int store_obs_put(struct store *s, const struct store_obs *o, size_t n, struct vg_err *err)
{
    if (sqlite3_get_autocommit(s->db)) { /* each row its own transaction */
        struct timeval tv;
        gettimeofday(&tv, NULL);
        s->tx_us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
    }
    for (size_t k = 0; k < n; k++, o++) {
        obs_bind(s, s->obs_ins, o);
        int r = sqlite3_step(s->obs_ins);
        sqlite3_reset(s->obs_ins);
        if (r == SQLITE_CONSTRAINT_PRIMARYKEY) {
            obs_bind(s, s->obs_put, o);
            r = sqlite3_step(s->obs_put);
            sqlite3_reset(s->obs_put);
        }
        if (r != SQLITE_DONE)
            return store_db_err(s, err, "writing observations");
        int rc = rollup_obs_add(s, o, err);
        if (rc)
            return rc;
    }
    /* outside a transaction each statement committed on its own */
    if (!sqlite3_get_autocommit(s->db))
        return 0;
    int rc = rollup_flush(s, err);
    rc = rc ? rc : rollup_counts_apply(s, err);
    return rc ? rc : version_bump(s, err);
}

int store_schema_version(const struct store *s)
{
    return s->version;
}

int store_import_count(struct store *s, const char *object, size_t len, const struct ip_addr *ip,
                       uint64_t *events, struct vg_err *err)
{
    sqlite3_stmt *st = s->import_get;
    sqlite3_bind_text(st, 1, object, (int)len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, ip->b, 16, SQLITE_STATIC);
    int r = sqlite3_step(st);
    uint64_t before = r == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return store_db_err(s, err, "reading what an object counted");
    if (*events <= before) {
        *events = 0;
        return 0;
    }
    st = s->import_put;
    sqlite3_bind_text(st, 1, object, (int)len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, ip->b, 16, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)*events);
    *events -= before;
    return step_done(s, st, err, "noting what an object counted");
}

int store_asn_put(struct store *s, uint32_t asn, const char *name, struct vg_err *err)
{
    sqlite3_bind_int64(s->asn_put, 1, asn);
    sqlite3_bind_text(s->asn_put, 2, name, -1, SQLITE_STATIC);
    return step_done(s, s->asn_put, err, "writing an ASN name");
}

/* The archive file of this store's database: "" for one in memory. */
static int archive_path(struct store *s, char *out, size_t cap)
{
    const char *db = sqlite3_db_filename(s->db, "main");
    if (!db || !*db) {
        *out = '\0';
        return 0;
    }
    return snprintf(out, cap, "%s.archive.zst", db) < (int)cap ? 0 : -1;
}

/* Open the archive file: for appending (created with the database's own
 * permissions), or for reading (absent is not an error: fd stays -1). */
static int archive_open(struct store *s, int write, struct vg_err *err)
{
    char path[4096];
    if (s->arch_fd >= 0 && (!write || !s->arch_rdonly))
        return 0;
    if (archive_path(s, path, sizeof path))
        return vg_err_set(err, VG_EIO, "the archive's file name is too long");
    if (!*path)
        return 0;
    if (s->arch_fd >= 0)
        close(s->arch_fd);
    s->arch_fd = -1;
    if (write) {
        struct stat db;
        mode_t mode = 0600;
        if (stat(sqlite3_db_filename(s->db, "main"), &db) == 0)
            mode = db.st_mode & 0666;
        s->arch_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode);
    } else {
        s->arch_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->arch_fd < 0 && errno == ENOENT)
            return 0;
    }
    if (s->arch_fd < 0)
        return vg_err_set(err, VG_EIO, "%s: %s", path, strerror(errno));
    s->arch_rdonly = !write;
    return 0;
}

/* Where this transaction appends: the end of the last committed frame.
 * Bytes past it were written by a transaction that did not commit (a
 * crash, a kill, a rollback) and are cut off.  Writers hold the write lock
 * (BEGIN IMMEDIATE), so no other process appends meanwhile; readers read
 * committed frames only. */
static int archive_end(struct store *s, struct vg_err *err)
{
    sqlite3_stmt *st;
    if (s->arch_end >= 0 && !sqlite3_get_autocommit(s->db))
        return 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT frame_offset+frame_size FROM archive WHERE frame_offset IS NOT NULL"
                           " ORDER BY id DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return store_db_err(s, err, "finding the archive's end");
    int r = sqlite3_step(st);
    int64_t end = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return store_db_err(s, err, "finding the archive's end");
    struct stat f;
    if (fstat(s->arch_fd, &f))
        return vg_err_set(err, VG_EIO, "the archive file: %s", strerror(errno));
    if (f.st_size < end) {
        char path[4096];
        if (archive_path(s, path, sizeof path))
            strcpy(path, "the archive file");
        return vg_err_set(err, VG_EDB,
                          "%s is shorter (%lld bytes) than the frames the database lists "
                          "(%lld bytes): it was cut or replaced; restore it, or ingest with "
                          "--no-archive",
                          path, (long long)f.st_size, (long long)end);
    }
    if (f.st_size > end && ftruncate(s->arch_fd, end))
        return vg_err_set(err, VG_EIO, "cutting the archive file: %s", strerror(errno));
    s->arch_end = end;
    return 0;
}

/* Before COMMIT: the frames reach the disk before the rows that point at
 * them. */
static int archive_sync(struct store *s, struct vg_err *err)
{
    if (!s->arch_dirty)
        return 0;
    s->arch_dirty = 0;
    if (fdatasync(s->arch_fd))
        return vg_err_set(err, VG_EIO, "syncing the archive file: %s", strerror(errno));
    return 0;
}

int store_archive_put(struct store *s, int64_t file_id, uint64_t first_line,
                      uint64_t last_line, uint32_t records, uint64_t raw_size,
                      const void *zdata, size_t zlen, struct vg_err *err)
{
    int rc;
    sqlite3_stmt *st = s->archive_put;
    if ((rc = archive_open(s, 1, err)))
        return rc;
    sqlite3_bind_int64(st, 1, file_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)first_line);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)last_line);
    sqlite3_bind_int64(st, 4, records);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)raw_size);
    if (s->arch_fd < 0) { /* a database in memory keeps its frames */
        sqlite3_bind_blob64(st, 6, zdata, zlen, SQLITE_STATIC);
        sqlite3_bind_null(st, 7);
        sqlite3_bind_null(st, 8);
        return step_done(s, st, err, "archiving records");
    }
    if ((rc = archive_end(s, err)))
        return rc;
    for (size_t done = 0; done < zlen;) {
        ssize_t w = pwrite(s->arch_fd, (const char *)zdata + done, zlen - done,
                           (off_t)(s->arch_end + (int64_t)done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return vg_err_set(err, VG_EIO, "writing the archive file: %s",
                              w < 0 ? strerror(errno) : "no space");
        done += (size_t)w;
    }
    s->arch_dirty = 1;
    sqlite3_bind_zeroblob(st, 6, 0);
    sqlite3_bind_int64(st, 7, s->arch_end);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)zlen);
    if ((rc = step_done(s, st, err, "archiving records")))
        return rc;
    s->arch_end += (int64_t)zlen;
    return 0;
}

int store_archive_read(struct store *s, int64_t file_id, store_archive_fn fn, void *ctx,
                       struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = 0, r = SQLITE_DONE;
    struct vg_buf z = VG_BUF_INIT, raw = VG_BUF_INIT;
    if (s->version < 9)
        return vg_err_set(err, VG_EDB, "the store's schema (%d) predates the archive file", s->version);
    if (sqlite3_prepare_v2(s->db,
                           "SELECT first_line,last_line,records,raw_size,data,frame_offset,frame_size"
                           " FROM archive WHERE file_id=? ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return store_db_err(s, err, "reading the archive");
    sqlite3_bind_int64(st, 1, file_id);
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_archive_block b = {
            .first_line = (uint64_t)sqlite3_column_int64(st, 0),
            .last_line = (uint64_t)sqlite3_column_int64(st, 1),
            .records = (uint32_t)sqlite3_column_int64(st, 2),
        };
        sqlite3_int64 raw_size = sqlite3_column_int64(st, 3);
        const void *zdata = sqlite3_column_blob(st, 4);
        size_t zlen = (size_t)sqlite3_column_bytes(st, 4);
        if (raw_size < 0 || raw_size > STORE_ARCHIVE_BLOCK_MAX) {
            rc = vg_err_set(err, VG_EDB, "an archive block of %lld bytes", (long long)raw_size);
            break;
        }
        if (sqlite3_column_type(st, 5) != SQLITE_NULL) {
            sqlite3_int64 off = sqlite3_column_int64(st, 5), len = sqlite3_column_int64(st, 6);
            if ((rc = archive_open(s, 0, err)))
                break;
            if (s->arch_fd < 0 || off < 0 || len < 0 || len > STORE_ARCHIVE_BLOCK_MAX) {
                rc = vg_err_set(err, VG_EDB, "an archive frame is missing (%s)",
                                s->arch_fd < 0 ? "no archive file" : "bad offset");
                break;
            }
            vg_buf_reset(&z);
            if (vg_buf_reserve(&z, (size_t)len)) {
                rc = vg_err_set(err, VG_ENOMEM, "out of memory");
                break;
            }
            ssize_t got = pread(s->arch_fd, z.data, (size_t)len, (off_t)off);
            if (got != (ssize_t)len) {
                rc = vg_err_set(err, VG_EDB, "an archive frame is cut short at byte %lld",
                                (long long)off);
                break;
            }
            zdata = z.data;
            zlen = (size_t)len;
        }
        vg_buf_reset(&raw);
        if (vg_buf_reserve(&raw, (size_t)raw_size)) {
            rc = vg_err_set(err, VG_ENOMEM, "out of memory");
            break;
        }
        size_t out = ZSTD_decompress(raw.data, (size_t)raw_size, zdata, zlen);
        if (ZSTD_isError(out) || out != (size_t)raw_size) {
            rc = vg_err_set(err, VG_EDB, "an archive block does not decompress to its %lld bytes",
                            (long long)raw_size);
            break;
        }
        rc = fn(ctx, &b, raw.data, out);
    }
    if (!rc && r != SQLITE_DONE)
        rc = store_db_err(s, err, "reading the archive");
    sqlite3_finalize(st);
    vg_buf_free(&z);
    vg_buf_free(&raw);
    return rc;
}

int store_places_load(struct store *s, const struct store_province_map *p, size_t np,
                      const struct store_isp_map *i, size_t ni, struct vg_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = store_exec(s,
                  "DROP TABLE IF EXISTS temp.province_map; DROP TABLE IF EXISTS temp.isp_map;"
                  "CREATE TEMP TABLE province_map(cc TEXT NOT NULL, region TEXT NOT NULL,"
                  "  code TEXT NOT NULL, vi TEXT NOT NULL, en TEXT NOT NULL,"
                  "  PRIMARY KEY(cc, region));"
                  "CREATE TEMP TABLE isp_map(asn INTEGER PRIMARY KEY, isp TEXT NOT NULL);",
                  err);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO temp.province_map VALUES(?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return store_db_err(s, err, "loading the province table");
    for (size_t k = 0; k < np && !rc; k++) {
        sqlite3_bind_text(st, 1, p[k].cc, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, p[k].region, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, p[k].code, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, p[k].vi, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, p[k].en, -1, SQLITE_STATIC);
        rc = step_done(s, st, err, "loading the province table");
    }
    sqlite3_finalize(st);
    if (rc)
        return rc;
    if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO temp.isp_map VALUES(?,?)", -1, &st,
                           NULL) != SQLITE_OK)
        return store_db_err(s, err, "loading the ISP table");
    for (size_t k = 0; k < ni && !rc; k++) {
        sqlite3_bind_int64(st, 1, i[k].asn);
        sqlite3_bind_text(st, 2, i[k].isp, -1, SQLITE_STATIC);
        rc = step_done(s, st, err, "loading the ISP table");
    }
    sqlite3_finalize(st);
    return rc;
}

int store_query(struct store *s, const char *sql, const struct store_value *args,
                size_t nargs, store_row_fn fn, void *ctx, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = 0;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store_db_err(s, err, "preparing a query");
    for (size_t k = 0; k < nargs; k++) {
        int idx = (int)k + 1;
        switch (args[k].type) {
        case ST_NULL: sqlite3_bind_null(st, idx); break;
        case ST_INT: sqlite3_bind_int64(st, idx, args[k].i); break;
        case ST_FLOAT: sqlite3_bind_double(st, idx, args[k].f); break;
        case ST_TEXT: sqlite3_bind_text(st, idx, args[k].s, -1, SQLITE_STATIC); break;
        case ST_BLOB: sqlite3_bind_blob(st, idx, args[k].s, (int)args[k].len, SQLITE_STATIC); break;
        }
    }
    struct store_value row[32];
    for (;;) {
        int r = sqlite3_step(st);
        if (r == SQLITE_DONE)
            break;
        if (r != SQLITE_ROW) {
            rc = store_db_err(s, err, "running a query");
            break;
        }
        int n = sqlite3_column_count(st);
        if (n > 32)
            n = 32;
        for (int c = 0; c < n; c++) {
            struct store_value *v = &row[c];
            memset(v, 0, sizeof *v);
            switch (sqlite3_column_type(st, c)) {
            case SQLITE_INTEGER: v->type = ST_INT; v->i = sqlite3_column_int64(st, c); break;
            case SQLITE_FLOAT: v->type = ST_FLOAT; v->f = sqlite3_column_double(st, c); break;
            case SQLITE_TEXT:
                v->type = ST_TEXT;
                v->s = (const char *)sqlite3_column_text(st, c);
                v->len = (size_t)sqlite3_column_bytes(st, c);
                break;
            case SQLITE_BLOB:
                v->type = ST_BLOB;
                v->s = sqlite3_column_blob(st, c);
                v->len = (size_t)sqlite3_column_bytes(st, c);
                break;
            default: v->type = ST_NULL;
            }
        }
        if (fn && (rc = fn(ctx, n, row)))
            break;
    }
    sqlite3_finalize(st);
    return rc;
}
