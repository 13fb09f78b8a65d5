/*
 * store_access.h — the tables behind access control (schema version 4):
 * organisations and their scopes, API tokens, users, dashboard sessions,
 * and the audit log of reads; and the row filter through which a reader's
 * policy reaches SQL.
 *
 *   orgs        name, role (provider/member/constituent/public), parent
 *   org_scopes  (org, kind, value): kind is country, asn, prefix, domain or
 *               feed, value its normalised text
 *   tokens      a keyed hash of each token (never the token), its org,
 *               label, admin flag, creation, expiry, revocation
 *   users       people who log in to the dashboard: an Argon2id password
 *               hash (libsodium's crypto_pwhash_str string)
 *   sessions    dashboard sessions: a keyed hash of the cookie value
 *   audit       who read data at TLP:AMBER or stricter: when, which
 *               organisation / token / user, what (the request), how much
 *
 * Strings handed to callbacks are valid during the call only.  Every
 * function takes a connection opened read-write unless it only reads.
 */
#ifndef VG_STORE_ACCESS_H
#define VG_STORE_ACCESS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store.h"

#define STORE_HASH_LEN 32 /* token and session hashes */

struct store_org {
    int64_t id;
    const char *name, *role;
    int64_t parent_id;       /* 0: none */
    const char *parent_name; /* "" when none */
    int64_t created_us;
};

/* Insert; *id gets the new id.  VG_EUSAGE when the name is taken. */
int store_org_add(struct store *s, const char *name, const char *role, int64_t parent_id,
                  int64_t created_us, int64_t *id, struct vg_err *err);
/* Add one scope element (kind as above, value normalised by the caller). */
int store_org_scope_add(struct store *s, int64_t org_id, const char *kind, const char *value,
                        struct vg_err *err);
/* One organisation by name: 0 and *out filled (strings valid until the
 * next call on s), VG_ENOTFOUND when there is none. */
int store_org_get(struct store *s, const char *name, struct store_org *out, struct vg_err *err);
/* Every organisation, by name; fn's non-zero return stops and is returned. */
typedef int (*store_org_fn)(void *ctx, const struct store_org *o);
int store_org_each(struct store *s, store_org_fn fn, void *ctx, struct vg_err *err);
/* The scope elements of org (and, when with_children, of the
 * organisations whose parent it is, reported with child = 1). */
typedef int (*store_scope_fn)(void *ctx, const char *kind, const char *value, int child);
int store_org_scope_each(struct store *s, int64_t org_id, int with_children, store_scope_fn fn,
                         void *ctx, struct vg_err *err);
/* Remove an organisation, its scope, tokens, users and sessions.
 * VG_EUSAGE when other organisations name it as their parent. */
int store_org_remove(struct store *s, int64_t id, struct vg_err *err);
/* The number of organisations. */
int store_org_count(struct store *s, int64_t *n, struct vg_err *err);

struct store_token {
    int64_t id, org_id;
    const char *org_name, *label;
    int admin;
    int64_t created_us, expires_us, revoked_us, last_used_us; /* 0: never */
};

int store_token_add(struct store *s, int64_t org_id, const unsigned char hash[STORE_HASH_LEN],
                    const char *label, int admin, int64_t created_us, int64_t expires_us,
                    int64_t *id, struct vg_err *err);
/* The token with this hash: 0 with *out (strings valid until the next call
 * on s), VG_ENOTFOUND when none.  Expiry and revocation are the caller's
 * to judge (they are in *out). */
int store_token_find(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                     struct store_token *out, struct vg_err *err);
/* The token with this id, likewise. */
int store_token_get(struct store *s, int64_t id, struct store_token *out, struct vg_err *err);
/* Tokens of org_id (0: all), by id. */
typedef int (*store_token_fn)(void *ctx, const struct store_token *t);
int store_token_each(struct store *s, int64_t org_id, store_token_fn fn, void *ctx,
                     struct vg_err *err);
/* Set revoked_us / expires_us of token id; VG_ENOTFOUND when no such token. */
int store_token_revoke(struct store *s, int64_t id, int64_t at_us, struct vg_err *err);
int store_token_expire(struct store *s, int64_t id, int64_t at_us, struct vg_err *err);
int store_token_touch(struct store *s, int64_t id, int64_t at_us, struct vg_err *err);

struct store_user {
    int64_t id, org_id;
    const char *name, *org_name, *pwhash;
    int admin;
    int64_t created_us;
};
int store_user_add(struct store *s, int64_t org_id, const char *name, const char *pwhash,
                   int admin, int64_t created_us, int64_t *id, struct vg_err *err);
int store_user_get(struct store *s, const char *name, struct store_user *out, struct vg_err *err);
/* The name of user id into out (cap bytes); VG_ENOTFOUND when gone. */
int store_user_name(struct store *s, int64_t id, char *out, size_t cap, struct vg_err *err);
typedef int (*store_user_fn)(void *ctx, const struct store_user *u);
int store_user_each(struct store *s, store_user_fn fn, void *ctx, struct vg_err *err);
int store_user_set_password(struct store *s, int64_t id, const char *pwhash, struct vg_err *err);
int store_user_remove(struct store *s, int64_t id, struct vg_err *err);

struct store_session {
    int64_t org_id, token_id, user_id; /* token_id / user_id 0 when not that way */
    int admin;
    int64_t created_us, expires_us;
};
int store_session_add(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                      const struct store_session *se, struct vg_err *err);
/* VG_ENOTFOUND when none (expiry is the caller's to judge). */
int store_session_find(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                       struct store_session *out, struct vg_err *err);
int store_session_remove(struct store *s, const unsigned char hash[STORE_HASH_LEN],
                         struct vg_err *err);
/* Delete sessions that expired before now_us. */
int store_session_prune(struct store *s, int64_t now_us, struct vg_err *err);

struct store_audit {
    int64_t id, at_us;
    int64_t org_id, token_id;
    const char *org_name, *user_name; /* user_name "" when a token read */
    const char *action;               /* "GET /api/v1/landscape", "export" ... */
    const char *target;               /* the request with its parameters */
    uint64_t records;                 /* rows at TLP:AMBER or stricter read */
    const char *tlp;                  /* the strictest label read */
};
int store_audit_add(struct store *s, const struct store_audit *a, struct vg_err *err);
/* Entries in [from_us, to_us] (0: unbounded), of org_name when not NULL,
 * of organisation family_id and its constituents when family_id is not 0,
 * newest first, at most limit (0: all). */
typedef int (*store_audit_fn)(void *ctx, const struct store_audit *a);
int store_audit_each(struct store *s, int64_t from_us, int64_t to_us, const char *org_name,
                     int64_t family_id, uint64_t limit, store_audit_fn fn, void *ctx,
                     struct vg_err *err);

/* The row filter.  Queries may call the SQL function
 *     vg_may_read(tlp, cc, asn, ip, feed)
 * which answers 1 or 0 through fn (1 for every row when no filter is set).
 * One filter per connection at a time: set it before the query, clear it
 * (fn NULL) after.  ip is the 16-byte address or NULL. */
struct store_row_view {
    const char *tlp, *cc, *feed;
    uint32_t asn;
    const unsigned char *ip; /* 16 bytes, or NULL */
};
typedef int (*store_row_filter_fn)(void *ctx, const struct store_row_view *row);
void store_set_row_filter(struct store *s, store_row_filter_fn fn, void *ctx);

#endif
