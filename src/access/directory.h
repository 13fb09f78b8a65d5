/*
 * directory.h — managing organisations, tokens and users: the rules and
 * the JSON shared by the command line (vigil org / token / user / audit)
 * and the admin API.
 *
 * Rules an organisation must follow (checked by access_org_create):
 *  - a name of 1..100 printable characters, unique;
 *  - a constituent names its member agency as --parent; nobody else has a
 *    parent;
 *  - member agencies and constituents are scoped by country, ASN, prefix and
 *    domain; a provider only by the feeds it publishes (none: every feed);
 *    a public organisation has no scope (it reads TLP:CLEAR only).
 */
#ifndef VG_ACCESS_DIRECTORY_H
#define VG_ACCESS_DIRECTORY_H

#include <stddef.h>
#include <stdint.h>

#include "access/access.h"
#include "core/buf.h"

#define ACCESS_SCOPE_MAX 256 /* elements given at once */

struct access_org_spec {
    const char *name, *role, *parent;
    const char *countries[ACCESS_SCOPE_MAX], *asns[ACCESS_SCOPE_MAX],
        *prefixes[ACCESS_SCOPE_MAX], *domains[ACCESS_SCOPE_MAX], *feeds[ACCESS_SCOPE_MAX];
    size_t ncountries, nasns, nprefixes, ndomains, nfeeds;
};

/* Validate spec and store the organisation with its normalised scope, in
 * one transaction.  VG_EUSAGE with a message naming what is wrong. */
int access_org_create(struct store *st, const struct access_org_spec *spec, int64_t *id,
                      struct vg_err *err);
/* {"name","role","parent","created","scope":{"country":[],"asn":[],
 * "prefix":[],"domain":[],"feed":[]},"tokens":N} for one organisation;
 * VG_ENOTFOUND when absent. */
int access_org_json(struct store *st, const char *name, struct vg_buf *out, struct vg_err *err);
/* {"organisations":[...]} of every organisation. */
int access_orgs_json(struct store *st, struct vg_buf *out, struct vg_err *err);
/* ",{…}" for each organisation whose parent is parent_id (by name). */
int access_org_children_json(struct store *st, int64_t parent_id, struct vg_buf *out,
                             struct vg_err *err);
/* Remove by name (store_org_remove's rules). */
int access_org_delete(struct store *st, const char *name, struct vg_err *err);

/* A new token for organisation org (expires_us 0: never); its text in
 * text, its id in *id.  VG_ENOTFOUND when org does not exist. */
int access_token_create(struct store *st, const unsigned char key[ACCESS_KEY_LEN],
                        const char *org, const char *label, int admin, int64_t expires_us,
                        char text[ACCESS_TOKEN_LEN], int64_t *id, struct vg_err *err);
/* {"tokens":[{"id","org","label","admin","created","expires","revoked",
 * "last_used","state"}...]} of org (NULL: all); never the token itself. */
int access_tokens_json(struct store *st, const char *org, struct vg_buf *out,
                       struct vg_err *err);

/* {"audit":[{"id","at","org","token","user","action","target","records",
 * "tlp"}...]} newest first (filters as store_audit_each). */
int access_audit_json(struct store *st, int64_t from_us, int64_t to_us, const char *org,
                      int64_t family_id, uint64_t limit, struct vg_buf *out, struct vg_err *err);

/* Append an RFC 3339 UTC time ("null" for 0) as a JSON value. */
int access_json_time(struct vg_buf *out, int64_t us);

#endif
