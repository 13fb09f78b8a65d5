/*
 * admin.c — the session routes (dashboard login) and the admin API:
 * organisations, tokens and the audit log over HTTP, with the same rules
 * and JSON as `vigil org`, `vigil token` and `vigil audit` (access/directory.h).
 *
 * Request bodies are small JSON objects read with jansson.  A non-operator
 * admin manages its own organisation and its constituents only: it may add
 * constituents under itself, list and remove them, and create, list and
 * revoke their tokens; providers and member agencies are the operator's.
 */
#include "access/directory.h"
#include "core/vtime.h"
#include "web/auth.h"
#include "web/web_int.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int nomem(struct web_response *resp)
{
    return web_response_error(resp, 500, NULL, "out of memory");
}

static int db_error(struct web_response *resp, const struct vg_err *err)
{
    int st = web_status_for(err->code);
    return web_response_error(resp, st == 500 ? 500 : st, NULL, "%s", err->msg);
}

/* The JSON object of a request body, or NULL with resp filled (400/415). */
static json_t *body_object(const struct web_request *req, struct web_response *resp)
{
    json_error_t e;
    if (!req->content_type || strncmp(req->content_type, "application/json", 16) != 0) {
        web_response_error(resp, 415, NULL, "send a JSON object (Content-Type: application/json)");
        return NULL;
    }
    json_t *j = json_loadb(req->body ? req->body : "", req->body_len, JSON_REJECT_DUPLICATES, &e);
    if (!j || !json_is_object(j)) {
        web_response_error(resp, 400, NULL, "the body is not a JSON object: %s",
                           j ? "not an object" : e.text);
        json_decref(j);
        return NULL;
    }
    return j;
}

static const char *str_member(json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

/* Only the members in `allowed` (NULL-terminated) may appear. */
static int only_members(json_t *o, const char *const *allowed, struct web_response *resp)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            ok |= strcmp(*a, k) == 0;
        if (!ok)
            return web_response_error(resp, 400, k, "unknown member '%.40s'", k);
    }
    return 0;
}

/* ---- sessions ---------------------------------------------------------------- */

static int session_json(struct web_app *app, const struct web_caller *c, struct vg_buf *o)
{
    int rc = vg_buf_printf(o, "{\"mode\":\"%s\",\"authenticated\":%s,\"via\":\"%s\"",
                           web_access_on(app) ? "access-control" : "operator",
                           c->authenticated ? "true" : "false", c->via ? c->via : "anonymous");
    if (!rc && c->authenticated) {
        rc = vg_buf_puts(o, ",\"org\":");
        rc = rc ? rc : vg_buf_json_str(o, c->id.org_name, strlen(c->id.org_name));
        rc = rc ? rc : vg_buf_printf(o, ",\"role\":\"%s\",\"admin\":%s",
                                     access_role_name(c->subject.role),
                                     c->id.admin ? "true" : "false");
        if (!rc && c->id.user_name[0]) {
            rc = vg_buf_puts(o, ",\"user\":");
            rc = rc ? rc : vg_buf_json_str(o, c->id.user_name, strlen(c->id.user_name));
        }
    } else if (!rc) {
        rc = vg_buf_printf(o, ",\"role\":\"%s\"", c->operator ? "operator" : "public");
    }
    return rc ? rc : vg_buf_puts(o, "}\n");
}

int web_api_session_get(struct web_app *app, const struct web_request *req,
                        struct web_response *resp)
{
    if (req->nparams)
        return web_response_error(resp, 400, req->params[0].name, "unknown parameter '%.40s'",
                                  req->params[0].name);
    return session_json(app, req->caller, &resp->body) ? nomem(resp) : 200;
}

/* POST {"token":"vgt_…"} or {"user":"…","password":"…"}: a session cookie. */
int web_api_session_post(struct web_app *app, const struct web_request *req,
                         struct web_response *resp)
{
    static const char *const allowed[] = {"token", "user", "password", NULL};
    json_t *j = body_object(req, resp);
    if (!j)
        return resp->status;
    int rc = only_members(j, allowed, resp);
    const char *token = str_member(j, "token"), *user = str_member(j, "user"),
               *password = str_member(j, "password");
    if (!rc && !token == !(user && password))
        rc = web_response_error(resp, 400, NULL,
                                "give either \"token\" or \"user\" and \"password\"");
    if (rc) {
        json_decref(j);
        return rc;
    }
    struct vg_err err = {0};
    struct store *st;
    struct store_session se = {0};
    struct access_subject s;
    struct access_identity who;
    int64_t now = access_now_us();
    if (web_writer_get(app, &st, &err)) {
        json_decref(j);
        return web_response_error(resp, 503, NULL, "%s", err.msg);
    }
    if (token) {
        rc = access_token_login(st, app->key, token, now, &s, &who, &err);
        if (!rc) {
            se.org_id = who.org_id, se.token_id = who.token_id, se.admin = who.admin;
            access_subject_release(&s);
        }
    } else {
        struct store_user u;
        rc = store_user_get(st, user, &u, &err);
        /* the same answer and about the same time for an unknown user as
         * for a wrong password: a hash is checked either way */
        static const char dummy[] = "$argon2id$v=19$m=65536,t=2,p=1$"
                                    "c29tZXNhbHRzb21lc2FsdA$"
                                    "RdescudvJCsgt3ub+b+dWRWJTmaaJObG3mrVkzFq3mI";
        int bad = access_password_check(rc ? dummy : u.pwhash, password) != 0 || rc;
        if (!bad) {
            se.org_id = u.org_id, se.user_id = u.id, se.admin = u.admin;
            rc = 0;
        } else {
            rc = vg_err_set(&err, VG_EAUTH, "unknown user or wrong password");
        }
    }
    json_decref(j);
    char cookie[ACCESS_TOKEN_LEN];
    unsigned char hash[STORE_HASH_LEN];
    if (!rc) {
        se.created_us = now;
        se.expires_us = now + (int64_t)ACCESS_SESSION_SECONDS * 1000000;
        if (access_secret_new("vgs_", app->key, cookie, hash))
            rc = vg_err_set(&err, VG_ENOMEM, "cannot draw random bytes");
        if (!rc && !(rc = store_session_prune(st, now, &err)))
            rc = store_session_add(st, hash, &se, &err);
    }
    web_writer_put(app);
    if (rc == VG_EAUTH) {
        resp->www_authenticate = "Bearer realm=\"vigil\"";
        return web_response_error(resp, 401, NULL, "%s", err.msg);
    }
    if (rc)
        return db_error(resp, &err);
    snprintf(resp->set_cookie, sizeof resp->set_cookie,
             "vigil_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d", cookie,
             ACCESS_SESSION_SECONDS);
    sodium_memzero(cookie, sizeof cookie);
    /* what the session reads as, as GET /api/v1/session says it */
    struct web_caller c;
    struct web_request probe = *req;
    char hdr[ACCESS_TOKEN_LEN + 32];
    snprintf(hdr, sizeof hdr, "vigil_session=%s", strchr(resp->set_cookie, '=') + 1);
    *strchr(hdr, ';') = '\0';
    probe.authorization = NULL;
    probe.cookie = hdr;
    if (web_caller_resolve(app, &probe, &c, resp))
        return resp->status;
    rc = session_json(app, &c, &resp->body);
    web_caller_release(&c);
    return rc ? nomem(resp) : 201;
}

int web_api_session_delete(struct web_app *app, const struct web_request *req,
                           struct web_response *resp)
{
    char value[ACCESS_SESSION_LEN + 8];
    unsigned char hash[STORE_HASH_LEN];
    const char *p = req->cookie ? strstr(req->cookie, "vigil_session=") : NULL;
    if (p) {
        p += 14;
        size_t n = strcspn(p, "; \t");
        if (n < sizeof value) {
            memcpy(value, p, n);
            value[n] = '\0';
            struct store *st;
            struct vg_err err = {0};
            if (access_secret_hash(value, "vgs_", app->key, hash) == 0 &&
                web_writer_get(app, &st, &err) == 0) {
                store_session_remove(st, hash, &err);
                web_writer_put(app);
            }
        }
    }
    snprintf(resp->set_cookie, sizeof resp->set_cookie,
             "vigil_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    return vg_buf_puts(&resp->body, "{\"logged_out\":true}\n") ? nomem(resp) : 200;
}

/* ---- organisations ------------------------------------------------------------ */

/* May c manage organisation `name` (its own, or one of its constituents)?
 * 0, or 403/404 with resp filled. */
static int may_manage(struct store *st, const struct web_caller *c, const char *name,
                      struct web_response *resp)
{
    struct store_org o;
    struct vg_err err = {0};
    if (c->operator)
        return 0;
    if (store_org_get(st, name, &o, &err))
        return web_response_error(resp, 404, NULL, "no organisation named '%.100s'", name);
    if (o.id == c->id.org_id || o.parent_id == c->id.org_id)
        return 0;
    /* the same answer as for an organisation that does not exist: an
     * admin learns nothing about organisations outside its own */
    return web_response_error(resp, 404, NULL, "no organisation named '%.100s'", name);
}

static int append_array(json_t *o, const char *name, const char **out, size_t *n,
                        struct web_response *resp)
{
    json_t *a = json_object_get(o, name);
    size_t i;
    json_t *v;
    if (!a)
        return 0;
    if (!json_is_array(a))
        return web_response_error(resp, 400, name, "%s: expected an array", name);
    json_array_foreach(a, i, v) {
        if (*n == ACCESS_SCOPE_MAX)
            return web_response_error(resp, 400, name, "%s: at most %d elements", name,
                                      ACCESS_SCOPE_MAX);
        if (json_is_integer(v) && strcmp(name, "asn") == 0) {
            /* ASNs as numbers: kept as text in the request's own buffer */
            char *t = malloc(24);
            if (!t)
                return nomem(resp);
            snprintf(t, 24, "%lld", (long long)json_integer_value(v));
            json_array_set_new(a, i, json_string(t));
            free(t);
            v = json_array_get(a, i);
        }
        if (!json_is_string(v))
            return web_response_error(resp, 400, name, "%s: expected strings", name);
        out[(*n)++] = json_string_value(v);
    }
    return 0;
}

int web_api_orgs_get(struct web_app *app, const struct web_request *req,
                     struct web_response *resp)
{
    struct store *st;
    struct vg_err err = {0};
    int rc;
    if (req->nparams)
        return web_response_error(resp, 400, req->params[0].name, "unknown parameter '%.40s'",
                                  req->params[0].name);
    if (web_app_store_get(app, &st, &err))
        return web_response_error(resp, 503, NULL, "%s", err.msg);
    if (req->caller->operator) {
        rc = access_orgs_json(st, &resp->body, &err);
    } else {
        /* its own organisation and its constituents */
        rc = vg_buf_puts(&resp->body, "{\"organisations\":[") ? VG_ENOMEM : 0;
        if (!rc)
            rc = access_org_json(st, req->caller->id.org_name, &resp->body, &err);
        if (!rc)
            rc = access_org_children_json(st, req->caller->id.org_id, &resp->body, &err);
        if (!rc && vg_buf_puts(&resp->body, "]}"))
            rc = vg_err_set(&err, VG_ENOMEM, "out of memory");
    }
    web_app_store_put(app, st);
    if (rc)
        return db_error(resp, &err);
    return vg_buf_putc(&resp->body, '\n') ? nomem(resp) : 200;
}

int web_api_org_get(struct web_app *app, const struct web_request *req,
                    struct web_response *resp)
{
    struct store *st;
    struct vg_err err = {0};
    int rc;
    if (web_app_store_get(app, &st, &err))
        return web_response_error(resp, 503, NULL, "%s", err.msg);
    if (!(rc = may_manage(st, req->caller, req->arg, resp)) &&
        (rc = access_org_json(st, req->arg, &resp->body, &err)))
        rc = db_error(resp, &err);
    web_app_store_put(app, st);
    if (rc)
        return rc;
    return vg_buf_putc(&resp->body, '\n') ? nomem(resp) : 200;
}

int web_api_orgs_post(struct web_app *app, const struct web_request *req,
                      struct web_response *resp)
{
    static const char *const allowed[] = {"name",   "role",   "parent", "country", "asn",
                                          "prefix", "domain", "feed",   NULL};
    static __thread struct access_org_spec sp;
    json_t *j = body_object(req, resp);
    if (!j)
        return resp->status;
    memset(&sp, 0, sizeof sp);
    int rc = only_members(j, allowed, resp);
    sp.name = str_member(j, "name"), sp.role = str_member(j, "role");
    sp.parent = str_member(j, "parent");
    if (!rc && (!sp.name || !sp.role))
        rc = web_response_error(resp, 400, NULL, "\"name\" and \"role\" are required strings");
    if (!rc)
        rc = append_array(j, "country", sp.countries, &sp.ncountries, resp);
    if (!rc)
        rc = append_array(j, "asn", sp.asns, &sp.nasns, resp);
    if (!rc)
        rc = append_array(j, "prefix", sp.prefixes, &sp.nprefixes, resp);
    if (!rc)
        rc = append_array(j, "domain", sp.domains, &sp.ndomains, resp);
    if (!rc)
        rc = append_array(j, "feed", sp.feeds, &sp.nfeeds, resp);
    const struct web_caller *c = req->caller;
    if (!rc && !c->operator &&
        (strcmp(sp.role, "constituent") != 0 || !sp.parent ||
         strcmp(sp.parent, c->id.org_name) != 0))
        rc = web_response_error(resp, 403, NULL,
                                "an organisation's admin adds constituents of its own "
                                "organisation only (role constituent, parent \"%s\")",
                                c->id.org_name);
    struct vg_err err = {0};
    struct store *st;
    int64_t id;
    if (!rc && web_writer_get(app, &st, &err) == 0) {
        if (access_org_create(st, &sp, &id, &err))
            rc = db_error(resp, &err);
        else if (access_org_json(st, sp.name, &resp->body, &err) ||
                 vg_buf_putc(&resp->body, '\n'))
            rc = db_error(resp, &err);
        else
            rc = 201;
        web_writer_put(app);
    } else if (!rc) {
        rc = web_response_error(resp, 503, NULL, "%s", err.msg);
    }
    json_decref(j);
    return rc;
}

int web_api_org_delete(struct web_app *app, const struct web_request *req,
                       struct web_response *resp)
{
    struct vg_err err = {0};
    struct store *st;
    int rc;
    if (!req->caller->operator && strcmp(req->arg, req->caller->id.org_name) == 0)
        return web_response_error(resp, 403, NULL, "an admin cannot remove its own organisation");
    if (web_writer_get(app, &st, &err))
        return web_response_error(resp, 503, NULL, "%s", err.msg);
    if (!(rc = may_manage(st, req->caller, req->arg, resp))) {
        if (access_org_delete(st, req->arg, &err))
            rc = db_error(resp, &err);
        else
            rc = vg_buf_puts(&resp->body, "{\"removed\":true}\n") ? nomem(resp) : 200;
    }
    web_writer_put(app);
    return rc;
}

/* ---- tokens ------------------------------------------------------------------------ */

int web_api_tokens_get(struct web_app *app, const struct web_request *req,
                       struct web_response *resp)
{
    const char *org = NULL;
    for (size_t k = 0; k < req->nparams; k++) {
        if (strcmp(req->params[k].name, "org") != 0 || org)
            return web_response_error(resp, 400, req->params[k].name,
                                      "unknown or repeated parameter '%.40s'",
                                      req->params[k].name);
        org = req->params[k].value;
    }
    const struct web_caller *c = req->caller;
    if (!c->operator && !org)
        org = c->id.org_name;
    struct store *st;
    struct vg_err err = {0};
    int rc;
    if (web_app_store_get(app, &st, &err))
        return web_response_error(resp, 503, NULL, "%s", err.msg);
    if (c->operator || !(rc = may_manage(st, c, org, resp))) {
        rc = 0;
        if (access_tokens_json(st, org, &resp->body, &err) || vg_buf_putc(&resp->body, '\n'))
            rc = db_error(resp, &err);
    }
    web_app_store_put(app, st);
    return rc ? rc : 200;
}

int web_api_tokens_post(struct web_app *app, const struct web_request *req,
                        struct web_response *resp)
{
    static const char *const allowed[] = {"org", "label", "admin", "expires", NULL};
    json_t *j = body_object(req, resp);
    if (!j)
        return resp->status;
    int rc = only_members(j, allowed, resp);
    const char *org = str_member(j, "org"), *label = str_member(j, "label"),
               *expires = str_member(j, "expires");
    json_t *adm = json_object_get(j, "admin");
    int64_t when = 0, day;
    if (!rc && !org)
        rc = web_response_error(resp, 400, "org", "\"org\" is required");
    if (!rc && adm && !json_is_boolean(adm))
        rc = web_response_error(resp, 400, "admin", "\"admin\" is true or false");
    if (!rc && expires) {
        if (vt_parse_day(expires, &day) == 0)
            when = day * 86400 * INT64_C(1000000);
        else if (vt_parse(expires, strlen(expires), &when))
            rc = web_response_error(resp, 400, "expires", "expires: not a date or time");
        if (!rc && when <= access_now_us())
            rc = web_response_error(resp, 400, "expires", "expires: in the past");
    }
    struct store *st;
    struct vg_err err = {0};
    char text[ACCESS_TOKEN_LEN];
    int64_t id;
    if (!rc && web_writer_get(app, &st, &err) == 0) {
        if (!(rc = may_manage(st, req->caller, org, resp))) {
            if (access_token_create(st, app->key, org, label, json_is_true(adm), when, text,
                                    &id, &err))
                rc = db_error(resp, &err);
            else if (vg_buf_printf(&resp->body, "{\"id\":%lld,\"org\":", (long long)id) ||
                     vg_buf_json_str(&resp->body, org, strlen(org)) ||
                     vg_buf_printf(&resp->body, ",\"token\":\"%s\"}\n", text))
                rc = nomem(resp);
            else
                rc = 201;
            sodium_memzero(text, sizeof text);
        }
        web_writer_put(app);
    } else if (!rc) {
        rc = web_response_error(resp, 503, NULL, "%s", err.msg);
    }
    json_decref(j);
    /* the answer holds a secret: never kept by anybody */
    resp->cache_control = "no-store";
    return rc;
}

int web_api_token_delete(struct web_app *app, const struct web_request *req,
                         struct web_response *resp)
{
    char *end;
    long long id = strtoll(req->arg, &end, 10);
    if (id <= 0 || *end)
        return web_response_error(resp, 400, "id", "id: '%.40s' is not a token id", req->arg);
    struct store *st;
    struct vg_err err = {0};
    struct store_token t;
    int rc;
    if (web_writer_get(app, &st, &err))
        return web_response_error(resp, 503, NULL, "%s", err.msg);
    if (store_token_get(st, id, &t, &err)) {
        rc = web_response_error(resp, 404, NULL, "no token %lld", id);
    } else {
        char org[128];
        snprintf(org, sizeof org, "%s", t.org_name);
        if (!(rc = may_manage(st, req->caller, org, resp))) {
            if (store_token_revoke(st, id, access_now_us(), &err))
                rc = db_error(resp, &err);
            else
                rc = vg_buf_printf(&resp->body, "{\"id\":%lld,\"revoked\":true}\n", id)
                         ? nomem(resp)
                         : 200;
        } else {
            web_response_error(resp, 404, NULL, "no token %lld", id);
        }
    }
    web_writer_put(app);
    return rc;
}

/* ---- the audit log --------------------------------------------------------------------- */

int web_api_audit(struct web_app *app, const struct web_request *req, struct web_response *resp)
{
    int64_t from = 0, to = 0, day;
    unsigned long long limit = 100;
    const char *org = NULL;
    for (size_t k = 0; k < req->nparams; k++) {
        const char *n = req->params[k].name, *v = req->params[k].value;
        char *end;
        if ((strcmp(n, "from") == 0 || strcmp(n, "to") == 0) && vt_parse_day(v, &day) == 0) {
            if (n[0] == 'f')
                from = day * 86400 * INT64_C(1000000);
            else
                to = (day + 1) * 86400 * INT64_C(1000000) - 1;
        } else if (strcmp(n, "limit") == 0 && *v >= '0' && *v <= '9' &&
                   (limit = strtoull(v, &end, 10), !*end) && limit <= 100000) {
            ;
        } else if (strcmp(n, "org") == 0) {
            org = v;
        } else {
            return web_response_error(resp, 400, n, "%.40s: unknown parameter or bad value", n);
        }
    }
    const struct web_caller *c = req->caller;
    /* an organisation's admin reads the entries of its organisation and of
     * its constituents */
    int64_t family = c->operator ? 0 : c->id.org_id;
    struct store *st;
    struct vg_err err = {0};
    if (web_app_store_get(app, &st, &err))
        return web_response_error(resp, 503, NULL, "%s", err.msg);
    int rc = access_audit_json(st, from, to, org, family, limit, &resp->body, &err);
    web_app_store_put(app, st);
    if (rc)
        return db_error(resp, &err);
    return vg_buf_putc(&resp->body, '\n') ? nomem(resp) : 200;
}
