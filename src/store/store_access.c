/*
 * store_access.c — organisations, tokens, users, sessions, audit, and the
 * vg_may_read row filter (see store_access.h).
 *
 * These tables are small and read a few rows per request, so statements
 * are prepared per call (microseconds) rather than held per connection.
 * Strings handed back in structs point into the statement's row and stay
 * valid until the next call on the connection: each function keeps its
 * last statement in s->access_last and finalizes it on the next call.
 */
#include "store/store_access.h"
#include "store/store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

/* Prepare sql; the statement of the previous call is finalized first. */
static int prep(struct store *s, sqlite3_stmt **st, const char *sql, struct vg_err *err)
{
    sqlite3_finalize(s->access_last);
    s->access_last = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return store_db_err(s, err, "preparing an access-control statement");
    return 0;
}

/* Step a statement that writes; finalize it.  A UNIQUE violation is the
 * caller's VG_EUSAGE (dup). */
static int run_write(struct store *s, sqlite3_stmt *st, const char *what, const char *dup,
                     struct vg_err *err)
{
    int r = sqlite3_step(st);
    int ext = sqlite3_extended_errcode(s->db);
    int rc = 0;
    if (r != SQLITE_DONE) {
        if (dup && (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY))
            rc = vg_err_set(err, VG_EUSAGE, "%s", dup);
        else
            rc = store_db_err(s, err, what);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Keep st as the connection's last statement (its row's strings are the
 * caller's until the next call). */
static void keep(struct store *s, sqlite3_stmt *st)
{
    s->access_last = st;
}

/* ---- organisations ------------------------------------------------------- */

int store_org_add(struct store *s, const char *name, const char *role, int64_t parent_id,
                  int64_t created_us, int64_t *id, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, "INSERT INTO orgs(name,role,parent_id,created_us) VALUES(?,?,?,?)", err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
    if (parent_id)
        sqlite3_bind_int64(st, 3, parent_id);
    sqlite3_bind_int64(st, 4, created_us);
    char dup[300];
    snprintf(dup, sizeof dup, "an organisation named '%.200s' exists", name);
    if ((rc = run_write(s, st, "adding an organisation", dup, err)))
        return rc;
    *id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

int store_org_scope_add(struct store *s, int64_t org_id, const char *kind, const char *value,
                        struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, "INSERT OR IGNORE INTO org_scopes(org_id,kind,value) VALUES(?,?,?)",
                  err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, org_id);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
    return run_write(s, st, "adding to a scope", NULL, err);
}

#define ORG_COLS                                                                           \
    "SELECT o.id, o.name, o.role, COALESCE(o.parent_id,0), COALESCE(p.name,''), o.created_us" \
    " FROM orgs o LEFT JOIN orgs p ON p.id = o.parent_id"

static void org_row(sqlite3_stmt *st, struct store_org *o)
{
    o->id = sqlite3_column_int64(st, 0);
    o->name = text(st, 1);
    o->role = text(st, 2);
    o->parent_id = sqlite3_column_int64(st, 3);
    o->parent_name = text(st, 4);
    o->created_us = sqlite3_column_int64(st, 5);
}

int store_org_get(struct store *s, const char *name, struct store_org *out, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, ORG_COLS " WHERE o.name = ?", err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        org_row(st, out);
        keep(s, st);
        return 0;
    }
    sqlite3_finalize(st);
    if (r != SQLITE_DONE)
        return store_db_err(s, err, "reading an organisation");
    return vg_err_set(err, VG_ENOTFOUND, "no organisation named '%.200s'", name);
}

int store_org_each(struct store *s, store_org_fn fn, void *ctx, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, ORG_COLS " ORDER BY o.name", err), r = SQLITE_DONE;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_org o;
        org_row(st, &o);
        rc = fn(ctx, &o);
    }
    if (!rc && r != SQLITE_DONE)
        rc = store_db_err(s, err, "listing organisations");
    sqlite3_finalize(st);
    return rc;
}

int store_org_scope_each(struct store *s, int64_t org_id, int with_children, store_scope_fn fn,
                         void *ctx, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st,
                  "SELECT kind, value, org_id <> ?1 FROM org_scopes WHERE org_id = ?1"
                  " OR (?2 AND org_id IN (SELECT id FROM orgs WHERE parent_id = ?1))"
                  " ORDER BY org_id <> ?1, kind, value",
                  err),
        r = SQLITE_DONE;
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, org_id);
    sqlite3_bind_int(st, 2, with_children);
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW)
        rc = fn(ctx, text(st, 0), text(st, 1), sqlite3_column_int(st, 2));
    if (!rc && r != SQLITE_DONE)
        rc = store_db_err(s, err, "reading a scope");
    sqlite3_finalize(st);
    return rc;
}

int store_org_remove(struct store *s, int64_t id, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, "SELECT name FROM orgs WHERE parent_id = ? ORDER BY name LIMIT 1", err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        rc = vg_err_set(err, VG_EUSAGE,
                        "'%.200s' and maybe others belong to this organisation: remove them first",
                        text(st, 0));
        sqlite3_finalize(st);
        return rc;
    }
    sqlite3_finalize(st);
    static const char *const steps[] = {
        "DELETE FROM sessions WHERE org_id = ?", "DELETE FROM users WHERE org_id = ?",
        "DELETE FROM tokens WHERE org_id = ?",   "DELETE FROM org_scopes WHERE org_id = ?",
        "DELETE FROM orgs WHERE id = ?",
    };
    if ((rc = store_exec(s, "SAVEPOINT org_remove", err)))
        return rc;
    for (size_t k = 0; k < sizeof steps / sizeof steps[0] && !rc; k++) {
        if ((rc = prep(s, &st, steps[k], err)))
            break;
        sqlite3_bind_int64(st, 1, id);
        rc = run_write(s, st, "removing an organisation", NULL, err);
    }
    if (rc) {
        store_exec(s, "ROLLBACK TO org_remove; RELEASE org_remove", NULL);
        return rc;
    }
    if (sqlite3_changes(s->db) == 0) {
        store_exec(s, "ROLLBACK TO org_remove; RELEASE org_remove", NULL);
        return vg_err_set(err, VG_ENOTFOUND, "no such organisation");
    }
    return store_exec(s, "RELEASE org_remove", err);
}

int store_org_count(struct store *s, int64_t *n, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, "SELECT COUNT(*) FROM orgs", err);
    if (rc)
        return rc;
    if (sqlite3_step(st) != SQLITE_ROW)
        rc = store_db_err(s, err, "counting organisations");
    else
        *n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc;
}

/* ---- tokens ------------------------------------------------------------------ */

int store_token_add(struct store *s, int64_t org_id, const unsigned char hash[STORE_HASH_LEN],
                    const char *label, int admin, int64_t created_us, int64_t expires_us,
                    int64_t *id, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st,
                  "INSERT INTO tokens(org_id,hash,label,admin,created_us,expires_us)"
                  " VALUES(?,?,?,?,?,?)",
                  err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, org_id);
    sqlite3_bind_blob(st, 2, hash, STORE_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, label ? label : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, admin);
    sqlite3_bind_int64(st, 5, created_us);
    if (expires_us)
        sqlite3_bind_int64(st, 6, expires_us);
    if ((rc = run_write(s, st, "adding a token", "token hash collision", err)))
        return rc;
    *id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

#define TOKEN_COLS                                                                         \
    "SELECT t.id, t.org_id, o.name, t.label, t.admin, t.created_us, COALESCE(t.expires_us,0)," \
    " COALESCE(t.revoked_us,0), COALESCE(t.last_used_us,0) FROM tokens t JOIN orgs o ON o.id = t.org_id"

static void token_row(sqlite3_stmt *st, struct store_token *t)
{
    t->id = sqlite3_column_int64(st, 0);
    t->org_id = sqlite3_column_int64(st, 1);
    t->org_name = text(st, 2);
    t->label = text(st, 3);
    t->admin = sqlite3_column_int(st, 4);
    t->created_us = sqlite3_column_int64(st, 5);
    t->expires_us = sqlite3_column_int64(st, 6);
    t->revoked_us = sqlite3_column_int64(st, 7);
    t->last_used_us = sqlite3_column_int64(st, 8);
}

/* One token row of st (prepared, bound): kept for the caller, or
 * VG_ENOTFOUND. */
static int token_one(struct store *s, sqlite3_stmt *st, struct store_token *out,
                     struct vg_err *err)
{
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        token_row(st, out);
        keep(s, st);
        return 0;
    }
    sqlite3_finalize(st);
    if (r != SQLITE_DONE)
        return store_db_err(s, err, "looking up a token");
    return vg_err_set(err, VG_ENOTFOUND, "unknown token");
}

int store_token_find(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                     struct store_token *out, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, TOKEN_COLS " WHERE t.hash = ?", err);
    if (rc)
        return rc;
    sqlite3_bind_blob(st, 1, hash, STORE_HASH_LEN, SQLITE_TRANSIENT);
    return token_one(s, st, out, err);
}

int store_token_get(struct store *s, int64_t id, struct store_token *out, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, TOKEN_COLS " WHERE t.id = ?", err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    return token_one(s, st, out, err);
}

int store_token_each(struct store *s, int64_t org_id, store_token_fn fn, void *ctx,
                     struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, TOKEN_COLS " WHERE ?1 = 0 OR t.org_id = ?1 ORDER BY t.id", err),
        r = SQLITE_DONE;
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, org_id);
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_token t;
        token_row(st, &t);
        rc = fn(ctx, &t);
    }
    if (!rc && r != SQLITE_DONE)
        rc = store_db_err(s, err, "listing tokens");
    sqlite3_finalize(st);
    return rc;
}

static int token_set(struct store *s, const char *sql, int64_t id, int64_t at_us,
                     struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, sql, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, at_us);
    sqlite3_bind_int64(st, 2, id);
    if ((rc = run_write(s, st, "updating a token", NULL, err)))
        return rc;
    return sqlite3_changes(s->db) ? 0 : vg_err_set(err, VG_ENOTFOUND, "no token %lld", (long long)id);
}

int store_token_revoke(struct store *s, int64_t id, int64_t at_us, struct vg_err *err)
{
    return token_set(s, "UPDATE tokens SET revoked_us = COALESCE(revoked_us, ?) WHERE id = ?", id,
                     at_us, err);
}

int store_token_expire(struct store *s, int64_t id, int64_t at_us, struct vg_err *err)
{
    return token_set(s, "UPDATE tokens SET expires_us = ? WHERE id = ?", id, at_us, err);
}

int store_token_touch(struct store *s, int64_t id, int64_t at_us, struct vg_err *err)
{
    return token_set(s, "UPDATE tokens SET last_used_us = ? WHERE id = ?", id, at_us, err);
}

/* ---- users --------------------------------------------------------------------- */

int store_user_add(struct store *s, int64_t org_id, const char *name, const char *pwhash,
                   int admin, int64_t created_us, int64_t *id, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st,
                  "INSERT INTO users(org_id,name,pwhash,admin,created_us) VALUES(?,?,?,?,?)", err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, org_id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, pwhash, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, admin);
    sqlite3_bind_int64(st, 5, created_us);
    char dup[300];
    snprintf(dup, sizeof dup, "a user named '%.200s' exists", name);
    if ((rc = run_write(s, st, "adding a user", dup, err)))
        return rc;
    *id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

#define USER_COLS                                                                       \
    "SELECT u.id, u.org_id, u.name, o.name, u.pwhash, u.admin, u.created_us FROM users u" \
    " JOIN orgs o ON o.id = u.org_id"

static void user_row(sqlite3_stmt *st, struct store_user *u)
{
    u->id = sqlite3_column_int64(st, 0);
    u->org_id = sqlite3_column_int64(st, 1);
    u->name = text(st, 2);
    u->org_name = text(st, 3);
    u->pwhash = text(st, 4);
    u->admin = sqlite3_column_int(st, 5);
    u->created_us = sqlite3_column_int64(st, 6);
}

int store_user_get(struct store *s, const char *name, struct store_user *out, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, USER_COLS " WHERE u.name = ?", err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        user_row(st, out);
        keep(s, st);
        return 0;
    }
    sqlite3_finalize(st);
    if (r != SQLITE_DONE)
        return store_db_err(s, err, "reading a user");
    return vg_err_set(err, VG_ENOTFOUND, "no user named '%.200s'", name);
}

int store_user_name(struct store *s, int64_t id, char *out, size_t cap, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, "SELECT name FROM users WHERE id = ?", err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        snprintf(out, cap, "%s", text(st, 0));
    sqlite3_finalize(st);
    if (r == SQLITE_ROW)
        return 0;
    if (r != SQLITE_DONE)
        return store_db_err(s, err, "reading a user");
    return vg_err_set(err, VG_ENOTFOUND, "no such user");
}

int store_user_each(struct store *s, store_user_fn fn, void *ctx, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, USER_COLS " ORDER BY u.name", err), r = SQLITE_DONE;
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_user u;
        user_row(st, &u);
        rc = fn(ctx, &u);
    }
    if (!rc && r != SQLITE_DONE)
        rc = store_db_err(s, err, "listing users");
    sqlite3_finalize(st);
    return rc;
}

int store_user_set_password(struct store *s, int64_t id, const char *pwhash, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, "UPDATE users SET pwhash = ? WHERE id = ?", err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, pwhash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, id);
    if ((rc = run_write(s, st, "setting a password", NULL, err)))
        return rc;
    return sqlite3_changes(s->db) ? 0 : vg_err_set(err, VG_ENOTFOUND, "no such user");
}

int store_user_remove(struct store *s, int64_t id, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, "DELETE FROM sessions WHERE user_id = ?", err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = run_write(s, st, "removing a user", NULL, err)) ||
        (rc = prep(s, &st, "DELETE FROM users WHERE id = ?", err)))
        return rc;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = run_write(s, st, "removing a user", NULL, err)))
        return rc;
    return sqlite3_changes(s->db) ? 0 : vg_err_set(err, VG_ENOTFOUND, "no such user");
}

/* ---- sessions -------------------------------------------------------------------- */

int store_session_add(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                      const struct store_session *se, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st,
                  "INSERT INTO sessions(hash,org_id,token_id,user_id,admin,created_us,expires_us)"
                  " VALUES(?,?,?,?,?,?,?)",
                  err);
    if (rc)
        return rc;
    sqlite3_bind_blob(st, 1, hash, STORE_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, se->org_id);
    if (se->token_id)
        sqlite3_bind_int64(st, 3, se->token_id);
    if (se->user_id)
        sqlite3_bind_int64(st, 4, se->user_id);
    sqlite3_bind_int(st, 5, se->admin);
    sqlite3_bind_int64(st, 6, se->created_us);
    sqlite3_bind_int64(st, 7, se->expires_us);
    return run_write(s, st, "starting a session", "session hash collision", err);
}

int store_session_find(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                       struct store_session *out, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st,
                  "SELECT org_id, COALESCE(token_id,0), COALESCE(user_id,0), admin, created_us,"
                  " expires_us FROM sessions WHERE hash = ?",
                  err);
    if (rc)
        return rc;
    sqlite3_bind_blob(st, 1, hash, STORE_HASH_LEN, SQLITE_TRANSIENT);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        out->org_id = sqlite3_column_int64(st, 0);
        out->token_id = sqlite3_column_int64(st, 1);
        out->user_id = sqlite3_column_int64(st, 2);
        out->admin = sqlite3_column_int(st, 3);
        out->created_us = sqlite3_column_int64(st, 4);
        out->expires_us = sqlite3_column_int64(st, 5);
    }
    sqlite3_finalize(st);
    if (r == SQLITE_ROW)
        return 0;
    if (r != SQLITE_DONE)
        return store_db_err(s, err, "looking up a session");
    return vg_err_set(err, VG_ENOTFOUND, "no such session");
}

int store_session_remove(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                         struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, "DELETE FROM sessions WHERE hash = ?", err);
    if (rc)
        return rc;
    sqlite3_bind_blob(st, 1, hash, STORE_HASH_LEN, SQLITE_TRANSIENT);
    return run_write(s, st, "ending a session", NULL, err);
}

int store_session_prune(struct store *s, int64_t now_us, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st, "DELETE FROM sessions WHERE expires_us < ?", err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, now_us);
    return run_write(s, st, "pruning sessions", NULL, err);
}

/* ---- audit ------------------------------------------------------------------------ */

int store_audit_add(struct store *s, const struct store_audit *a, struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st,
                  "INSERT INTO audit(at_us,org_id,org_name,token_id,user_name,action,target,"
                  "records,tlp) VALUES(?,?,?,?,?,?,?,?,?)",
                  err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, a->at_us);
    if (a->org_id)
        sqlite3_bind_int64(st, 2, a->org_id);
    sqlite3_bind_text(st, 3, a->org_name ? a->org_name : "", -1, SQLITE_STATIC);
    if (a->token_id)
        sqlite3_bind_int64(st, 4, a->token_id);
    sqlite3_bind_text(st, 5, a->user_name ? a->user_name : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, a->action ? a->action : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, a->target ? a->target : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)a->records);
    sqlite3_bind_text(st, 9, a->tlp ? a->tlp : "", -1, SQLITE_STATIC);
    return run_write(s, st, "writing the audit log", NULL, err);
}

int store_audit_each(struct store *s, int64_t from_us, int64_t to_us, const char *org_name,
                     int64_t family_id, uint64_t limit, store_audit_fn fn, void *ctx,
                     struct vg_err *err)
{
    sqlite3_stmt *st;
    int rc = prep(s, &st,
                  "SELECT id, at_us, COALESCE(org_id,0), COALESCE(token_id,0), org_name,"
                  " user_name, action, target, records, tlp FROM audit"
                  " WHERE (?1 = 0 OR at_us >= ?1) AND (?2 = 0 OR at_us <= ?2)"
                  " AND (?3 IS NULL OR org_name = ?3) AND (?5 = 0 OR org_id = ?5 OR org_id IN"
                  " (SELECT id FROM orgs WHERE parent_id = ?5)) ORDER BY id DESC LIMIT ?4",
                  err),
        r = SQLITE_DONE;
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, from_us);
    sqlite3_bind_int64(st, 2, to_us);
    if (org_name)
        sqlite3_bind_text(st, 3, org_name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, limit ? (sqlite3_int64)limit : -1);
    sqlite3_bind_int64(st, 5, family_id);
    while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_audit a = {
            sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
            sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
            text(st, 4), text(st, 5), text(st, 6), text(st, 7),
            (uint64_t)sqlite3_column_int64(st, 8), text(st, 9),
        };
        rc = fn(ctx, &a);
    }
    if (!rc && r != SQLITE_DONE)
        rc = store_db_err(s, err, "reading the audit log");
    sqlite3_finalize(st);
    return rc;
}

/* ---- the row filter ------------------------------------------------------------------ */

static void may_read_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    struct store *s = sqlite3_user_data(ctx);
    (void)argc;
    if (!s->row_filter) {
        sqlite3_result_int(ctx, 1);
        return;
    }
    struct store_row_view v = {
        (const char *)sqlite3_value_text(argv[0]),
        (const char *)sqlite3_value_text(argv[1]),
        (const char *)sqlite3_value_text(argv[4]),
        (uint32_t)sqlite3_value_int64(argv[2]),
        sqlite3_value_bytes(argv[3]) == 16 ? sqlite3_value_blob(argv[3]) : NULL,
    };
    sqlite3_result_int(ctx, s->row_filter(s->row_filter_ctx, &v) ? 1 : 0);
}

void store_set_row_filter(struct store *s, store_row_filter_fn fn, void *ctx)
{
    s->row_filter = fn;
    s->row_filter_ctx = ctx;
}

int store_access_init(struct store *s, struct vg_err *err)
{
    /* not SQLITE_DETERMINISTIC: the answer depends on the filter set */
    if (sqlite3_create_function(s->db, "vg_may_read", 5, SQLITE_UTF8 | SQLITE_DIRECTONLY, s,
                                may_read_fn, NULL, NULL) != SQLITE_OK)
        return store_db_err(s, err, "registering vg_may_read");
    return 0;
}

void store_access_fini(struct store *s)
{
    sqlite3_finalize(s->access_last);
    s->access_last = NULL;
}
