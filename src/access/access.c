/*
 * access.c — the server key, tokens, passwords, sessions and loading a
 * reader (see access.h).
 */
#include "access/access.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define SECRET_BYTES 32
#define B64_LEN 43 /* 32 bytes, URL-safe, no padding */

int64_t access_now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static int sodium_ready(void)
{
    return sodium_init() >= 0 ? 0 : VG_ENOMEM;
}

int access_key_load(const char *db_path, int create, unsigned char key[ACCESS_KEY_LEN],
                    struct vg_err *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s.key", db_path) >= (int)sizeof path)
        return vg_err_set(err, VG_EUSAGE, "database path too long");
    if (sodium_ready())
        return vg_err_set(err, VG_ENOMEM, "libsodium failed to start");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
        unsigned char k[ACCESS_KEY_LEN];
        randombytes_buf(k, sizeof k);
        /* O_EXCL: two processes starting at once keep the first key */
        int w = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (w >= 0) {
            ssize_t n = write(w, k, sizeof k);
            int bad = n != (ssize_t)sizeof k || fsync(w) != 0;
            close(w);
            sodium_memzero(k, sizeof k);
            if (bad) {
                unlink(path);
                return vg_err_set(err, VG_EIO, "%s: cannot write the server key", path);
            }
        } else if (errno != EEXIST) {
            return vg_err_set(err, VG_EIO, "%s: cannot create the server key: %s", path,
                              strerror(errno));
        }
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0)
        return vg_err_set(err, errno == ENOENT ? VG_ENOTFOUND : VG_EIO,
                          "%s: cannot read the server key: %s", path, strerror(errno));
    struct stat stbuf;
    ssize_t n = read(fd, key, ACCESS_KEY_LEN);
    char extra;
    int more = read(fd, &extra, 1) > 0;
    int stat_ok = fstat(fd, &stbuf) == 0;
    close(fd);
    if (n != ACCESS_KEY_LEN || more)
        return vg_err_set(err, VG_EIO, "%s: not a vigil server key (%d bytes expected)", path,
                          ACCESS_KEY_LEN);
    if (stat_ok && (stbuf.st_mode & 077))
        fprintf(stderr, "vigil: warning: %s is readable by others (chmod 600 it)\n", path);
    return 0;
}

static void keyed_hash(const unsigned char *msg, size_t n, const unsigned char key[ACCESS_KEY_LEN],
                       unsigned char hash[STORE_HASH_LEN])
{
    crypto_generichash(hash, STORE_HASH_LEN, msg, n, key, ACCESS_KEY_LEN);
}

int access_secret_new(const char *prefix, const unsigned char key[ACCESS_KEY_LEN],
                      char text[ACCESS_TOKEN_LEN], unsigned char hash[STORE_HASH_LEN])
{
    unsigned char raw[SECRET_BYTES];
    size_t pl = strlen(prefix);
    if (sodium_ready() || pl + B64_LEN + 1 > ACCESS_TOKEN_LEN)
        return VG_ENOMEM;
    randombytes_buf(raw, sizeof raw);
    memcpy(text, prefix, pl);
    sodium_bin2base64(text + pl, ACCESS_TOKEN_LEN - pl, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    keyed_hash((const unsigned char *)text, strlen(text), key, hash);
    return 0;
}

int access_secret_hash(const char *text, const char *prefix,
                       const unsigned char key[ACCESS_KEY_LEN], unsigned char hash[STORE_HASH_LEN])
{
    size_t pl = strlen(prefix), n = text ? strlen(text) : 0;
    if (n != pl + B64_LEN || strncmp(text, prefix, pl) != 0)
        return VG_EAUTH;
    for (size_t k = pl; k < n; k++) {
        char c = text[k];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return VG_EAUTH;
    }
    if (sodium_ready())
        return VG_ENOMEM;
    keyed_hash((const unsigned char *)text, n, key, hash);
    return 0;
}

int access_password_hash(const char *password, char out[128], struct vg_err *err)
{
    if (sodium_ready())
        return vg_err_set(err, VG_ENOMEM, "libsodium failed to start");
    if (strlen(password) < 10)
        return vg_err_set(err, VG_EUSAGE, "a password needs at least 10 characters");
    if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return vg_err_set(err, VG_ENOMEM, "out of memory hashing the password");
    return 0;
}

int access_password_check(const char *hash, const char *password)
{
    if (sodium_ready() || !hash || !password)
        return VG_EAUTH;
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0 ? 0 : VG_EAUTH;
}

/* ---- readers ---------------------------------------------------------------- */

int access_scope_add(struct access_scope *s, const char *kind, const char *value, char *msg,
                     size_t msglen)
{
    if (strcmp(kind, "country") == 0)
        return access_scope_add_country(s, value, msg, msglen);
    if (strcmp(kind, "asn") == 0)
        return access_scope_add_asn(s, value, msg, msglen);
    if (strcmp(kind, "prefix") == 0)
        return access_scope_add_prefix(s, value, msg, msglen);
    if (strcmp(kind, "domain") == 0)
        return access_scope_add_domain(s, value, msg, msglen);
    if (strcmp(kind, "feed") == 0)
        return access_scope_add_feed(s, value, msg, msglen);
    if (msg && msglen)
        snprintf(msg, msglen, "unknown scope kind '%.40s'", kind);
    return VG_EUSAGE;
}

struct load {
    struct access_subject *s;
    char msg[256];
};

static int load_scope(void *ctx, const char *kind, const char *value, int child)
{
    struct load *l = ctx;
    return access_scope_add(child ? &l->s->clients : &l->s->own, kind, value, l->msg,
                            sizeof l->msg);
}

struct found_org {
    int64_t id;
    int found;
    char name[128], role[16];
};

static int find_org(void *ctx, const struct store_org *o)
{
    struct found_org *f = ctx;
    if (o->id != f->id)
        return 0;
    snprintf(f->name, sizeof f->name, "%s", o->name);
    snprintf(f->role, sizeof f->role, "%s", o->role);
    f->found = 1;
    return 1;
}

int access_subject_load(struct store *st, int64_t org_id, struct access_subject *s,
                        struct access_identity *id, struct vg_err *err)
{
    struct found_org o = {.id = org_id};
    memset(s, 0, sizeof *s);
    int rc = store_org_each(st, find_org, &o, err);
    if (rc < 0)
        return rc;
    if (!o.found)
        return vg_err_set(err, VG_ENOTFOUND, "the organisation no longer exists");
    int role = access_role_parse(o.role);
    if (role < 0)
        return vg_err_set(err, VG_EDB, "organisation '%.100s' has an unknown role", o.name);
    snprintf(id->org_name, sizeof id->org_name, "%s", o.name);
    id->org_id = org_id;
    s->role = (enum access_role)role;
    s->org_id = org_id;
    s->org_name = id->org_name;
    struct load l = {s, ""};
    rc = store_org_scope_each(st, org_id, s->role == ROLE_MEMBER, load_scope, &l, err);
    if (rc && l.msg[0])
        rc = vg_err_set(err, rc == VG_ENOMEM ? VG_ENOMEM : VG_EDB, "scope of '%.100s': %s",
                        id->org_name, l.msg);
    if (rc)
        access_subject_release(s);
    return rc;
}

int access_subject_load_name(struct store *st, const char *org, struct access_subject *s,
                             struct access_identity *id, struct vg_err *err)
{
    struct store_org o;
    memset(s, 0, sizeof *s);
    memset(id, 0, sizeof *id);
    int rc = store_org_get(st, org, &o, err);
    return rc ? rc : access_subject_load(st, o.id, s, id, err);
}

int access_token_login(struct store *st, const unsigned char key[ACCESS_KEY_LEN],
                       const char *token, int64_t now_us, struct access_subject *s,
                       struct access_identity *id, struct vg_err *err)
{
    unsigned char hash[STORE_HASH_LEN];
    struct store_token t;
    memset(id, 0, sizeof *id);
    if (access_secret_hash(token, "vgt_", key, hash))
        return vg_err_set(err, VG_EAUTH, "not a vigil token");
    int rc = store_token_find(st, hash, &t, err);
    if (rc == VG_ENOTFOUND)
        return vg_err_set(err, VG_EAUTH, "unknown token");
    if (rc)
        return rc;
    if (t.revoked_us && t.revoked_us <= now_us)
        return vg_err_set(err, VG_EAUTH, "token revoked");
    if (t.expires_us && t.expires_us <= now_us)
        return vg_err_set(err, VG_EAUTH, "token expired");
    int64_t org = t.org_id, tid = t.id;
    int admin = t.admin;
    if ((rc = access_subject_load(st, org, s, id, err)))
        return rc == VG_ENOTFOUND ? vg_err_set(err, VG_EAUTH, "unknown token") : rc;
    id->token_id = tid;
    id->admin = admin;
    return 0;
}

int access_session_login(struct store *st, const unsigned char key[ACCESS_KEY_LEN],
                         const char *cookie, int64_t now_us, struct access_subject *s,
                         struct access_identity *id, struct vg_err *err)
{
    unsigned char hash[STORE_HASH_LEN];
    struct store_session se;
    memset(id, 0, sizeof *id);
    if (access_secret_hash(cookie, "vgs_", key, hash))
        return vg_err_set(err, VG_EAUTH, "not a vigil session");
    int rc = store_session_find(st, hash, &se, err);
    if (rc == VG_ENOTFOUND)
        return vg_err_set(err, VG_EAUTH, "no such session (log in again)");
    if (rc)
        return rc;
    if (se.expires_us <= now_us)
        return vg_err_set(err, VG_EAUTH, "session expired (log in again)");
    if (se.token_id) {
        /* a session opened with a token ends when the token does */
        struct store_token t;
        if ((rc = store_token_get(st, se.token_id, &t, err)) == VG_ENOTFOUND ||
            (!rc && ((t.revoked_us && t.revoked_us <= now_us) ||
                     (t.expires_us && t.expires_us <= now_us))))
            return vg_err_set(err, VG_EAUTH, "the token of this session is no longer valid");
        if (rc)
            return rc;
    }
    if ((rc = access_subject_load(st, se.org_id, s, id, err)))
        return rc == VG_ENOTFOUND ? vg_err_set(err, VG_EAUTH, "no such session") : rc;
    id->token_id = se.token_id;
    id->user_id = se.user_id;
    id->admin = se.admin;
    if (se.user_id && store_user_name(st, se.user_id, id->user_name, sizeof id->user_name, err)) {
        access_subject_release(s);
        return vg_err_set(err, VG_EAUTH, "the user of this session is gone");
    }
    return 0;
}
