/*
 * access.h — organisations, credentials and readers, over the store's
 * access tables (store/store_access.h) and the policy (policy.h).
 *
 * Credentials:
 *  - API tokens are 32 random bytes (libsodium's randombytes_buf), shown
 *    once as "vgt_" + URL-safe base64 without padding.  Only a keyed hash is
 *    stored: BLAKE2b-256 (crypto_generichash) under the server key, so that
 *    checking a token costs one hash and one indexed lookup (microseconds)
 *    and a copy of the database alone does not let anyone forge or test
 *    tokens.
 *  - Passwords (dashboard users) are hashed with Argon2id
 *    (crypto_pwhash_str, libsodium's interactive limits): slow on purpose,
 *    and only where a person types a password.
 *  - Dashboard sessions are 32 random bytes in an HttpOnly, SameSite=Strict
 *    cookie, stored as a keyed hash like tokens, expiring after
 *    ACCESS_SESSION_SECONDS.
 *  - The server key (32 random bytes) lives in "<database>.key", created
 *    with mode 0600 on first use beside the database.
 */
#ifndef VG_ACCESS_H
#define VG_ACCESS_H

#include <stddef.h>
#include <stdint.h>

#include "access/policy.h"
#include "core/err.h"
#include "store/store_access.h"

#define ACCESS_KEY_LEN 32
#define ACCESS_TOKEN_LEN 48     /* "vgt_" + 43 base64url characters + NUL */
#define ACCESS_SESSION_LEN 48   /* the cookie value, likewise ("vgs_") */
#define ACCESS_SESSION_SECONDS (8 * 3600)

/* The server key of the database at db_path ("<db_path>.key"), created
 * when absent (create = 1) — else VG_ENOTFOUND.  VG_EIO when unreadable or
 * not exactly ACCESS_KEY_LEN bytes. */
int access_key_load(const char *db_path, int create, unsigned char key[ACCESS_KEY_LEN],
                    struct vg_err *err);

/* A new random token (its text, NUL-terminated) and its stored hash.
 * prefix is "vgt_" for tokens, "vgs_" for session cookies. */
int access_secret_new(const char *prefix, const unsigned char key[ACCESS_KEY_LEN],
                      char text[ACCESS_TOKEN_LEN], unsigned char hash[STORE_HASH_LEN]);
/* The stored hash of a presented token or cookie.  VG_EAUTH when the text
 * cannot be one (wrong length or alphabet): no lookup is then needed. */
int access_secret_hash(const char *text, const char *prefix,
                       const unsigned char key[ACCESS_KEY_LEN], unsigned char hash[STORE_HASH_LEN]);

/* Argon2id.  out holds crypto_pwhash_STRBYTES (128) bytes. */
int access_password_hash(const char *password, char out[128], struct vg_err *err);
/* 0 when password matches hash, VG_EAUTH otherwise. */
int access_password_check(const char *hash, const char *password);

/* Who is reading, for the audit log and the responses. */
struct access_identity {
    int64_t org_id, token_id, user_id;
    char org_name[128], user_name[128];
    int admin;     /* may manage organisations, tokens and users */
};

/* Load the reader for organisation org_id: its role and own scope, and for
 * a member agency the scopes of its constituents.  s is released with
 * access_subject_release; org_name points into id (which must outlive s).
 * VG_ENOTFOUND when the organisation is gone. */
int access_subject_load(struct store *st, int64_t org_id, struct access_subject *s,
                        struct access_identity *id, struct vg_err *err);

/* As access_subject_load, by organisation name (VG_ENOTFOUND: none). */
int access_subject_load_name(struct store *st, const char *org, struct access_subject *s,
                             struct access_identity *id, struct vg_err *err);

/* Resolve a bearer token to a reader.  VG_EAUTH (with the reason: unknown,
 * expired, revoked) when it does not authenticate. */
int access_token_login(struct store *st, const unsigned char key[ACCESS_KEY_LEN],
                       const char *token, int64_t now_us, struct access_subject *s,
                       struct access_identity *id, struct vg_err *err);
/* Resolve a session cookie likewise. */
int access_session_login(struct store *st, const unsigned char key[ACCESS_KEY_LEN],
                         const char *cookie, int64_t now_us, struct access_subject *s,
                         struct access_identity *id, struct vg_err *err);

/* Read a scope stored as (kind, value) rows back into an access_scope.
 * 0, VG_EUSAGE (a stored value that no longer parses), VG_ENOMEM. */
int access_scope_add(struct access_scope *s, const char *kind, const char *value, char *msg,
                     size_t msglen);

/* The current time in microseconds since the epoch (UTC). */
int64_t access_now_us(void);

#endif
