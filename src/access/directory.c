/*
 * directory.c — organisations, tokens and the audit log as the command
 * line and the admin API manage and show them (see directory.h).
 */
#include "access/directory.h"
#include "core/vtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int access_json_time(struct vg_buf *out, int64_t us)
{
    char t[40];
    if (!us)
        return vg_buf_puts(out, "null");
    vt_format_iso(us, t);
    return vg_buf_printf(out, "\"%s\"", t);
}

static int name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 100 || name[0] == ' ' || name[n - 1] == ' ')
        return 0;
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)name[k] < 0x20 || name[k] == 0x7f)
            return 0;
    return 1;
}

/* Check every element of one kind and add it (normalised) to the org. */
static int add_kind(struct store *st, int64_t id, const char *kind, const char *const *vals,
                    size_t n, struct vg_err *err)
{
    for (size_t k = 0; k < n; k++) {
        struct access_scope one = {0};
        char msg[200] = "", norm[160];
        int rc = access_scope_add(&one, kind, vals[k], msg, sizeof msg);
        if (rc) {
            access_scope_free(&one);
            return rc == VG_ENOMEM ? vg_err_set(err, rc, "out of memory")
                                   : vg_err_set(err, VG_EUSAGE, "--%s: %s", kind, msg);
        }
        /* store the normalised form, so the scope reads back as checked */
        if (one.ncountries)
            snprintf(norm, sizeof norm, "%s", one.countries[0]);
        else if (one.nasns)
            snprintf(norm, sizeof norm, "%u", one.asns[0]);
        else if (one.nprefixes) {
            char a[IP_STRLEN];
            ip_format(&one.prefixes[0].lo, a);
            snprintf(norm, sizeof norm, "%s/%u", a, one.prefixes[0].bits);
        } else if (one.ndomains)
            snprintf(norm, sizeof norm, "%s", one.domains[0]);
        else
            snprintf(norm, sizeof norm, "%s", one.feeds[0]);
        access_scope_free(&one);
        if ((rc = store_org_scope_add(st, id, kind, norm, err)))
            return rc;
    }
    return 0;
}

int access_org_create(struct store *st, const struct access_org_spec *sp, int64_t *id,
                      struct vg_err *err)
{
    int role = access_role_parse(sp->role);
    size_t geo = sp->ncountries + sp->nasns + sp->nprefixes + sp->ndomains;
    int64_t parent = 0;
    int rc;
    if (!name_ok(sp->name))
        return vg_err_set(err, VG_EUSAGE,
                          "an organisation needs a name of 1 to 100 printable characters");
    if (role < 0)
        return vg_err_set(err, VG_EUSAGE,
                          "--role must be provider, member, constituent or public");
    if (role == ROLE_CONSTITUENT && !sp->parent)
        return vg_err_set(err, VG_EUSAGE,
                          "a constituent belongs to a member agency: give --parent NAME");
    if (role != ROLE_CONSTITUENT && sp->parent)
        return vg_err_set(err, VG_EUSAGE, "only a constituent has a --parent");
    if (role == ROLE_PROVIDER && geo)
        return vg_err_set(err, VG_EUSAGE,
                          "a provider is scoped by the feeds it publishes (--feed), not by "
                          "country, ASN, prefix or domain");
    if (role != ROLE_PROVIDER && sp->nfeeds)
        return vg_err_set(err, VG_EUSAGE, "only a provider is scoped by --feed");
    if (role == ROLE_PUBLIC && (geo || sp->nfeeds))
        return vg_err_set(err, VG_EUSAGE, "a public organisation has no scope");
    if ((rc = store_begin(st, err)))
        return rc;
    if (sp->parent) {
        struct store_org p;
        if ((rc = store_org_get(st, sp->parent, &p, err)))
            goto fail;
        if (strcmp(p.role, "member") != 0) {
            rc = vg_err_set(err, VG_EUSAGE, "--parent '%.100s' is a %s, not a member agency",
                            sp->parent, p.role);
            goto fail;
        }
        parent = p.id;
    }
    if ((rc = store_org_add(st, sp->name, access_role_name((enum access_role)role), parent,
                            access_now_us(), id, err)) ||
        (rc = add_kind(st, *id, "country", sp->countries, sp->ncountries, err)) ||
        (rc = add_kind(st, *id, "asn", sp->asns, sp->nasns, err)) ||
        (rc = add_kind(st, *id, "prefix", sp->prefixes, sp->nprefixes, err)) ||
        (rc = add_kind(st, *id, "domain", sp->domains, sp->ndomains, err)) ||
        (rc = add_kind(st, *id, "feed", sp->feeds, sp->nfeeds, err)))
        goto fail;
    return store_commit(st, err);
fail:
    store_rollback(st);
    return rc;
}

/* ---- JSON -------------------------------------------------------------------- */

struct scope_json {
    struct vg_buf *out;
    char last[16];
    int rc;
};

static int scope_elem(void *ctx, const char *kind, const char *value, int child)
{
    struct scope_json *j = ctx;
    (void)child;
    int rc = 0;
    if (strcmp(j->last, kind) != 0) {
        rc = vg_buf_printf(j->out, "%s\"%s\":[", j->last[0] ? "]," : "", kind);
        snprintf(j->last, sizeof j->last, "%s", kind);
    } else {
        rc = vg_buf_putc(j->out, ',');
    }
    if (!rc && strcmp(kind, "asn") == 0)
        rc = vg_buf_puts(j->out, value);
    else if (!rc)
        rc = vg_buf_json_str(j->out, value, strlen(value));
    return rc;
}

struct count_tokens {
    int64_t n;
};

static int count_token(void *ctx, const struct store_token *t)
{
    (void)t;
    ((struct count_tokens *)ctx)->n++;
    return 0;
}

/* One organisation object; o's strings are copied before any other call. */
static int org_object(struct store *st, const struct store_org *o, struct vg_buf *out,
                      struct vg_err *err)
{
    int64_t id = o->id;
    int rc = vg_buf_puts(out, "{\"name\":");
    rc = rc ? rc : vg_buf_json_str(out, o->name, strlen(o->name));
    rc = rc ? rc : vg_buf_printf(out, ",\"role\":\"%s\",\"parent\":", o->role);
    if (!rc && o->parent_id)
        rc = vg_buf_json_str(out, o->parent_name, strlen(o->parent_name));
    else if (!rc)
        rc = vg_buf_puts(out, "null");
    rc = rc ? rc : vg_buf_puts(out, ",\"created\":");
    rc = rc ? rc : access_json_time(out, o->created_us);
    rc = rc ? rc : vg_buf_puts(out, ",\"scope\":{");
    if (rc)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    struct scope_json j = {out, "", 0};
    if ((rc = store_org_scope_each(st, id, 0, scope_elem, &j, err)) < 0 && rc != VG_ENOMEM)
        return rc;
    struct count_tokens c = {0};
    if (!rc && (rc = store_token_each(st, id, count_token, &c, err)))
        return rc;
    rc = rc ? rc : vg_buf_printf(out, "%s},\"tokens\":%lld}", j.last[0] ? "]" : "",
                                 (long long)c.n);
    return rc ? vg_err_set(err, VG_ENOMEM, "out of memory") : 0;
}

int access_org_json(struct store *st, const char *name, struct vg_buf *out, struct vg_err *err)
{
    struct store_org o;
    char oname[128], role[16], pname[128];
    int rc = store_org_get(st, name, &o, err);
    if (rc)
        return rc;
    /* the row's strings last only until the next store call */
    snprintf(oname, sizeof oname, "%s", o.name);
    snprintf(role, sizeof role, "%s", o.role);
    snprintf(pname, sizeof pname, "%s", o.parent_name);
    o.name = oname, o.role = role, o.parent_name = pname;
    return org_object(st, &o, out, err);
}

/* An organisation row copied out of the store's statement. */
struct org_copy {
    int64_t id, parent_id, created_us;
    char name[128], role[16], parent[128];
};

struct org_list {
    struct org_copy *v;
    size_t n, cap;
};

static int collect_org(void *ctx, const struct store_org *o)
{
    struct org_list *l = ctx;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 32;
        struct org_copy *nv = realloc(l->v, nc * sizeof *nv);
        if (!nv)
            return VG_ENOMEM;
        l->v = nv;
        l->cap = nc;
    }
    struct org_copy *c = &l->v[l->n++];
    c->id = o->id;
    c->parent_id = o->parent_id;
    c->created_us = o->created_us;
    snprintf(c->name, sizeof c->name, "%s", o->name);
    snprintf(c->role, sizeof c->role, "%s", o->role);
    snprintf(c->parent, sizeof c->parent, "%s", o->parent_name);
    return 0;
}

int access_orgs_json(struct store *st, struct vg_buf *out, struct vg_err *err)
{
    struct org_list l = {NULL, 0, 0};
    int rc = store_org_each(st, collect_org, &l, err);
    if (rc == VG_ENOMEM)
        rc = vg_err_set(err, rc, "out of memory");
    if (!rc && vg_buf_puts(out, "{\"organisations\":["))
        rc = vg_err_set(err, VG_ENOMEM, "out of memory");
    for (size_t k = 0; k < l.n && !rc; k++) {
        struct org_copy *c = &l.v[k];
        struct store_org o = {c->id, c->name, c->role, c->parent_id, c->parent, c->created_us};
        if (k && vg_buf_putc(out, ','))
            rc = vg_err_set(err, VG_ENOMEM, "out of memory");
        else
            rc = org_object(st, &o, out, err);
    }
    if (!rc && vg_buf_puts(out, "]}"))
        rc = vg_err_set(err, VG_ENOMEM, "out of memory");
    free(l.v);
    return rc;
}

int access_org_children_json(struct store *st, int64_t parent_id, struct vg_buf *out,
                             struct vg_err *err)
{
    struct org_list l = {NULL, 0, 0};
    int rc = store_org_each(st, collect_org, &l, err);
    if (rc == VG_ENOMEM)
        rc = vg_err_set(err, rc, "out of memory");
    for (size_t k = 0; k < l.n && !rc; k++) {
        struct org_copy *c = &l.v[k];
        if (c->parent_id != parent_id)
            continue;
        struct store_org o = {c->id, c->name, c->role, c->parent_id, c->parent, c->created_us};
        if (vg_buf_putc(out, ','))
            rc = vg_err_set(err, VG_ENOMEM, "out of memory");
        else
            rc = org_object(st, &o, out, err);
    }
    free(l.v);
    return rc;
}

int access_org_delete(struct store *st, const char *name, struct vg_err *err)
{
    struct store_org o;
    int rc = store_org_get(st, name, &o, err);
    if (rc)
        return rc;
    int64_t id = o.id;
    if ((rc = store_begin(st, err)))
        return rc;
    if ((rc = store_org_remove(st, id, err))) {
        store_rollback(st);
        return rc;
    }
    return store_commit(st, err);
}

int access_token_create(struct store *st, const unsigned char key[ACCESS_KEY_LEN],
                        const char *org, const char *label, int admin, int64_t expires_us,
                        char text[ACCESS_TOKEN_LEN], int64_t *id, struct vg_err *err)
{
    struct store_org o;
    unsigned char hash[STORE_HASH_LEN];
    int rc = store_org_get(st, org, &o, err);
    if (rc)
        return rc;
    int64_t org_id = o.id;
    if (label && strlen(label) > 200)
        return vg_err_set(err, VG_EUSAGE, "--label: at most 200 characters");
    if (access_secret_new("vgt_", key, text, hash))
        return vg_err_set(err, VG_ENOMEM, "cannot draw random bytes");
    return store_token_add(st, org_id, hash, label, admin, access_now_us(), expires_us, id, err);
}

struct tokens_json {
    struct vg_buf *out;
    int64_t now;
    int n, rc;
};

static int token_object(void *ctx, const struct store_token *t)
{
    struct tokens_json *j = ctx;
    struct vg_buf *o = j->out;
    const char *state = t->revoked_us && t->revoked_us <= j->now   ? "revoked"
                        : t->expires_us && t->expires_us <= j->now ? "expired"
                                                                   : "active";
    int rc = vg_buf_printf(o, "%s{\"id\":%lld,\"org\":", j->n++ ? "," : "", (long long)t->id);
    rc = rc ? rc : vg_buf_json_str(o, t->org_name, strlen(t->org_name));
    rc = rc ? rc : vg_buf_puts(o, ",\"label\":");
    rc = rc ? rc : vg_buf_json_str(o, t->label, strlen(t->label));
    rc = rc ? rc : vg_buf_printf(o, ",\"admin\":%s,\"created\":", t->admin ? "true" : "false");
    rc = rc ? rc : access_json_time(o, t->created_us);
    rc = rc ? rc : vg_buf_puts(o, ",\"expires\":");
    rc = rc ? rc : access_json_time(o, t->expires_us);
    rc = rc ? rc : vg_buf_puts(o, ",\"revoked\":");
    rc = rc ? rc : access_json_time(o, t->revoked_us);
    rc = rc ? rc : vg_buf_puts(o, ",\"last_used\":");
    rc = rc ? rc : access_json_time(o, t->last_used_us);
    rc = rc ? rc : vg_buf_printf(o, ",\"state\":\"%s\"}", state);
    return rc;
}

int access_tokens_json(struct store *st, const char *org, struct vg_buf *out,
                       struct vg_err *err)
{
    int64_t org_id = 0;
    if (org) {
        struct store_org o;
        int rc = store_org_get(st, org, &o, err);
        if (rc)
            return rc;
        org_id = o.id;
    }
    struct tokens_json j = {out, access_now_us(), 0, 0};
    if (vg_buf_puts(out, "{\"tokens\":["))
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    int rc = store_token_each(st, org_id, token_object, &j, err);
    if (rc)
        return rc == VG_ENOMEM ? vg_err_set(err, rc, "out of memory") : rc;
    return vg_buf_puts(out, "]}") ? vg_err_set(err, VG_ENOMEM, "out of memory") : 0;
}

struct audit_json {
    struct vg_buf *out;
    int n;
};

static int audit_object(void *ctx, const struct store_audit *a)
{
    struct audit_json *j = ctx;
    struct vg_buf *o = j->out;
    int rc = vg_buf_printf(o, "%s{\"id\":%lld,\"at\":", j->n++ ? "," : "", (long long)a->id);
    rc = rc ? rc : access_json_time(o, a->at_us);
    rc = rc ? rc : vg_buf_puts(o, ",\"org\":");
    rc = rc ? rc : vg_buf_json_str(o, a->org_name, strlen(a->org_name));
    if (!rc && a->token_id)
        rc = vg_buf_printf(o, ",\"token\":%lld", (long long)a->token_id);
    else if (!rc)
        rc = vg_buf_puts(o, ",\"token\":null");
    rc = rc ? rc : vg_buf_puts(o, ",\"user\":");
    if (!rc && a->user_name[0])
        rc = vg_buf_json_str(o, a->user_name, strlen(a->user_name));
    else if (!rc)
        rc = vg_buf_puts(o, "null");
    rc = rc ? rc : vg_buf_puts(o, ",\"action\":");
    rc = rc ? rc : vg_buf_json_str(o, a->action, strlen(a->action));
    rc = rc ? rc : vg_buf_puts(o, ",\"target\":");
    rc = rc ? rc : vg_buf_json_str(o, a->target, strlen(a->target));
    rc = rc ? rc : vg_buf_printf(o, ",\"records\":%llu,\"tlp\":", (unsigned long long)a->records);
    rc = rc ? rc : vg_buf_json_str(o, a->tlp, strlen(a->tlp));
    rc = rc ? rc : vg_buf_putc(o, '}');
    return rc;
}

int access_audit_json(struct store *st, int64_t from_us, int64_t to_us, const char *org,
                      int64_t family_id, uint64_t limit, struct vg_buf *out, struct vg_err *err)
{
    struct audit_json j = {out, 0};
    if (vg_buf_puts(out, "{\"audit\":["))
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    int rc = store_audit_each(st, from_us, to_us, org, family_id, limit, audit_object, &j, err);
    if (rc)
        return rc == VG_ENOMEM ? vg_err_set(err, rc, "out of memory") : rc;
    return vg_buf_puts(out, "]}") ? vg_err_set(err, VG_ENOMEM, "out of memory") : 0;
}
