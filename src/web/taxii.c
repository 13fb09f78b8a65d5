/*
 * taxii.c — a TAXII 2.1 server (OASIS, "TAXII Version 2.1", 2021) inside
 * `vigil serve`, read only, under /taxii2/:
 *
 *   GET /taxii2/                                     discovery (§4.1)
 *   GET /taxii2/api/                                 the API root (§4.2)
 *   GET /taxii2/api/collections/                     collections (§5.1)
 *   GET /taxii2/api/collections/{id}/                one collection (§5.2)
 *   GET /taxii2/api/collections/{id}/manifest/       manifest (§5.3)
 *   GET /taxii2/api/collections/{id}/objects/        objects (§5.4)
 *   GET /taxii2/api/collections/{id}/objects/{oid}/  one object (§5.6)
 *   GET /taxii2/api/collections/{id}/objects/{oid}/versions/  (§5.8)
 *
 * One collection, "observations": the STIX 2.1 objects of `vigil export
 * --format stix` (src/share/) computed from exactly the observations the
 * caller may read (the access policy through q.reader, the rule of every
 * read path), each object with its TLP marking.  Objects are sorted by
 * date_added, then id; date_added is when the store took the version of the
 * observation an object was made from (an address's cyber-observable: the
 * earliest of its observations'; objects made from no observation, and
 * observations stored before the store recorded it: their "modified"), so
 * added_after finds what was stored since (date_added keeps the store's
 * microseconds, so that a position taken from one page never skips nor
 * repeats a version) — also a late report of an old
 * day, or more events of a known observation, which is a new version of its
 * objects (share/stix_out.c).  Pagination: `limit` (default and maximum
 * TAXII_PAGE_MAX) and `next`, an offset into the caller's own sorted list
 * — a cursor taken from another caller indexes only into what this caller
 * may read, so it reveals nothing.  Filters: added_after, match[id],
 * match[type], match[version] (last, first, all or a time) and
 * match[spec_version], each a comma list.
 *
 * Content negotiation: an Accept header, when sent, must admit
 * application/taxii+json;version=2.1 (or application/taxii+json, or any
 * type), else 406.  Every answer is application/taxii+json;version=2.1;
 * errors are TAXII error messages {"title","description","http_status"}.
 * Credentials as the JSON API (auth.h); a caller without any reads
 * TLP:CLEAR only, a bad credential gets 401.
 */
#include "core/vtime.h"
#include "event/tlp.h"
#include "share/share.h"
#include "web/auth.h"
#include "web/web_int.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAXII_TYPE "application/taxii+json;version=2.1"
#define STIX_TYPE "application/stix+json;version=2.1"
#define TAXII_COLLECTION_ID "c4712e7d-cb94-53ef-a5e5-838213c6b275"
#define TAXII_PAGE_MAX 1000

static int taxii_error(struct web_response *resp, int status, const char *title,
                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int taxii_error(struct web_response *resp, int status, const char *title,
                       const char *fmt, ...)
{
    char desc[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(desc, sizeof desc, fmt, ap);
    va_end(ap);
    const char *auth = resp->www_authenticate;
    web_response_free(resp);
    web_response_init(resp);
    resp->www_authenticate = auth;
    resp->status = status;
    resp->content_type = TAXII_TYPE;
    char code[8];
    snprintf(code, sizeof code, "%d", status);
    json_t *j = json_pack("{s:s, s:s, s:s}", "title", title, "description", desc, "http_status",
                          code);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!text || vg_buf_puts(&resp->body, text))
        resp->status = 500;
    free(text);
    return status;
}

static int send_json(struct web_response *resp, json_t *j)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text)
        return taxii_error(resp, 500, "Internal error", "out of memory");
    int rc = vg_buf_puts(&resp->body, text) || vg_buf_putc(&resp->body, '\n');
    free(text);
    if (rc)
        return taxii_error(resp, 500, "Internal error", "out of memory");
    resp->status = 200;
    resp->content_type = TAXII_TYPE;
    return 200;
}

/* Does the Accept header admit TAXII 2.1 JSON? */
static int acceptable(const char *accept)
{
    if (!accept || !*accept)
        return 1;
    for (const char *p = accept; *p;) {
        p += strspn(p, " ,");
        size_t n = strcspn(p, ",");
        char one[160];
        snprintf(one, sizeof one, "%.*s", (int)(n < sizeof one ? n : sizeof one - 1), p);
        char *q = one, *w = one;
        for (; *q; q++) /* drop spaces: "a; version=2.1" is "a;version=2.1" */
            if (*q != ' ')
                *w++ = *q;
        *w = '\0';
        if (strncmp(one, "*/*", 3) == 0 || strncmp(one, "application/*", 13) == 0)
            return 1;
        if (strncmp(one, "application/taxii+json", 22) == 0 &&
            (one[22] == '\0' || strstr(one + 22, "version=2.1") || !strstr(one + 22, "version=")))
            return 1;
        p += n;
    }
    return 0;
}

/* ---- the collection's objects ------------------------------------------------------ */

struct item {
    json_t *obj; /* borrowed from the bundle */
    const char *id, *version, *type, *spec;
    char added[32];
    int64_t added_us, version_us;
    int tlp; /* enum tlp_level of its marking, TLP_NONE without one */
};

/* One caller scope's collection at one data version, every object with its
 * date_added and version, sorted by date_added then id.  Immutable once
 * built: requests share it (refs), and it is freed when the last lets go
 * after it left the cache. */
struct taxii_coll {
    char scope[48];
    uint64_t version;
    json_t *bundle;
    struct item *items;
    size_t n;
    unsigned refs;
    uint64_t used; /* for eviction: the cache's clock when last asked for */
};

/* The collections of the last few scopes asked for: the first page of a
 * collection computes it (the export of what the caller may read), the
 * following pages only filter and slice it. */
#define TAXII_CACHED 8
struct web_taxii {
    pthread_mutex_t lock;
    struct taxii_coll *slot[TAXII_CACHED];
    uint64_t clock;
};

static void coll_free(struct taxii_coll *cl)
{
    if (!cl)
        return;
    free(cl->items);
    json_decref(cl->bundle);
    free(cl);
}

/* Drop one reference (under the lock). */
static void coll_unref(struct taxii_coll *cl)
{
    if (cl && --cl->refs == 0)
        coll_free(cl);
}

int web_taxii_init(struct web_app *app, struct vg_err *err)
{
    struct web_taxii *t = calloc(1, sizeof *t);
    if (!t)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    pthread_mutex_init(&t->lock, NULL);
    app->taxii = t;
    return 0;
}

void web_taxii_fini(struct web_app *app)
{
    struct web_taxii *t = app->taxii;
    if (!t)
        return;
    for (size_t k = 0; k < TAXII_CACHED; k++)
        coll_unref(t->slot[k]);
    pthread_mutex_destroy(&t->lock);
    free(t);
    app->taxii = NULL;
}

static int by_added(const void *a, const void *b)
{
    const struct item *x = a, *y = b;
    if (x->added_us != y->added_us)
        return x->added_us < y->added_us ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* share_options.stored: id -> when the store took it, in a JSON object */
static int note_stored(void *ctx, const char *id, int64_t stored_us)
{
    return stored_us > 0 && json_object_set_new(ctx, id, json_integer(stored_us)) ? VG_ENOMEM : 0;
}

/* The STIX objects the caller may read, from the snapshot st, as one
 * bundle (NULL on failure, err set), and in *stored when the store took
 * each. */
static json_t *collection_bundle(struct store *st, const struct web_caller *c, json_t *stored,
                                 struct vg_err *err)
{
    struct landscape_query q;
    landscape_query_init(&q);
    q.reader = web_caller_reader(c);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) {
        vg_err_set(err, VG_ENOMEM, "out of memory");
        return NULL;
    }
    struct share_options so = {.format = SHARE_STIX, .max_tlp = TLP_RED, .out = mem,
                               .stored = note_stored, .stored_ctx = stored};
    so.producer = getenv("VIGIL_PRODUCER");
    int rc = share_export(st, &q, &so, NULL, err);
    fclose(mem);
    json_t *bundle = rc == 0 ? json_loadb(text, len, 0, NULL) : NULL;
    free(text);
    if (rc == 0 && !bundle)
        vg_err_set(err, VG_EINVAL, "the export is not JSON");
    return bundle;
}

/* Every object of the bundle as an item, sorted. */
static int coll_index(struct taxii_coll *cl, json_t *stored)
{
    json_t *objs = json_object_get(cl->bundle, "objects");
    size_t n = json_array_size(objs);
    if (!(cl->items = calloc(n ? n : 1, sizeof *cl->items)))
        return VG_ENOMEM;
    /* a cyber-observable has no time of its own: it dates from the first
     * observed-data that refers to it (unless the store says when) */
    json_t *sco_time = json_object();
    if (!sco_time)
        return VG_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        json_t *o = json_array_get(objs, k), *ref;
        const char *mod = json_string_value(json_object_get(o, "modified"));
        int64_t us;
        size_t i;
        if (!mod || vt_parse(mod, strlen(mod), &us))
            continue;
        json_array_foreach(json_object_get(o, "object_refs"), i, ref)
        {
            const char *id = json_string_value(ref);
            json_t *had = id ? json_object_get(sco_time, id) : NULL;
            if (id && (!had || json_integer_value(had) > us))
                json_object_set_new(sco_time, id, json_integer(us));
        }
    }
    for (size_t k = 0; k < n; k++) {
        json_t *o = json_array_get(objs, k);
        struct item *it = &cl->items[cl->n];
        it->obj = o;
        it->id = json_string_value(json_object_get(o, "id"));
        it->type = json_string_value(json_object_get(o, "type"));
        it->spec = json_string_value(json_object_get(o, "spec_version"));
        if (!it->spec)
            it->spec = "2.1";
        const char *mod = json_string_value(json_object_get(o, "modified"));
        if (!mod)
            mod = json_string_value(json_object_get(o, "created"));
        if (!it->id || !it->type)
            continue;
        if (mod) {
            it->version = mod;
            if (vt_parse(mod, strlen(mod), &it->version_us))
                continue;
            it->added_us = it->version_us;
        } else {
            it->added_us = json_integer_value(json_object_get(sco_time, it->id));
        }
        json_t *when = json_object_get(stored, it->id);
        if (when)
            it->added_us = json_integer_value(when);
        vt_format_utc(it->added_us, 6, it->added);
        if (!mod) {
            it->version = it->added;
            it->version_us = it->added_us;
        }
        const char *mref =
            json_string_value(json_array_get(json_object_get(o, "object_marking_refs"), 0));
        it->tlp = mref ? (int)tlp_from_stix_marking_id(mref) : (int)TLP_NONE;
        cl->n++;
    }
    json_decref(sco_time);
    qsort(cl->items, cl->n, sizeof *cl->items, by_added);
    return 0;
}

/* The caller's collection (released with coll_put), from the cache when
 * its scope was asked for at this data version; NULL with resp filled on
 * failure. */
static struct taxii_coll *coll_get(struct web_app *app, const struct web_caller *c,
                                   struct web_response *resp)
{
    struct web_taxii *t = app->taxii;
    struct store *st;
    struct vg_err err = {0};
    uint64_t version = 0;
    struct taxii_coll *cl = NULL;
    if (web_app_store_get(app, &st, &err)) {
        taxii_error(resp, 503, "Store unavailable", "%s", err.msg);
        return NULL;
    }
    int rc = store_read_begin(st, &version, &err);
    int cacheable = rc == 0; /* a store without a data version: computed afresh */
    if (rc && rc != VG_ENOTFOUND)
        goto fail;
    pthread_mutex_lock(&t->lock);
    for (size_t k = 0; cacheable && k < TAXII_CACHED && !cl; k++)
        if (t->slot[k] && t->slot[k]->version == version &&
            strcmp(t->slot[k]->scope, c->scope) == 0) {
            cl = t->slot[k];
            cl->refs++;
            cl->used = ++t->clock;
        }
    pthread_mutex_unlock(&t->lock);
    if (cl)
        goto done;
    json_t *stored = json_object();
    if (!(cl = calloc(1, sizeof *cl)) || !stored) {
        json_decref(stored);
        rc = vg_err_set(&err, VG_ENOMEM, "out of memory");
        goto fail;
    }
    snprintf(cl->scope, sizeof cl->scope, "%s", c->scope);
    cl->version = version;
    cl->refs = 1;
    cl->bundle = collection_bundle(st, c, stored, &err);
    rc = cl->bundle ? coll_index(cl, stored) : err.code ? err.code : VG_EINVAL;
    json_decref(stored);
    if (rc) {
        if (rc == VG_ENOMEM && !err.msg[0])
            vg_err_set(&err, rc, "out of memory");
        goto fail;
    }
    if (cacheable) { /* in the cache, in place of the least recently used */
        pthread_mutex_lock(&t->lock);
        size_t victim = 0;
        for (size_t k = 0; k < TAXII_CACHED; k++) {
            if (!t->slot[k]) {
                victim = k;
                break;
            }
            if (t->slot[k]->used < t->slot[victim]->used)
                victim = k;
        }
        coll_unref(t->slot[victim]);
        t->slot[victim] = cl;
        cl->refs++;
        cl->used = ++t->clock;
        pthread_mutex_unlock(&t->lock);
    }
done:
    store_read_end(st);
    web_app_store_put(app, st);
    return cl;
fail:
    coll_free(cl);
    store_read_end(st);
    web_app_store_put(app, st);
    taxii_error(resp, rc == VG_ENOMEM ? 500 : 503, "Store unavailable", "%s",
                err.msg[0] ? err.msg : "the collection could not be read");
    return NULL;
}

static void coll_put(struct web_app *app, struct taxii_coll *cl)
{
    pthread_mutex_lock(&app->taxii->lock);
    coll_unref(cl);
    pthread_mutex_unlock(&app->taxii->lock);
}

/* The comma list of match[name] contains v? (no such parameter: yes) */
static int listed(const struct web_request *req, const char *name, const char *v)
{
    int present = 0;
    for (size_t k = 0; k < req->nparams; k++) {
        if (strcmp(req->params[k].name, name) != 0)
            continue;
        present = 1;
        const char *p = req->params[k].value;
        size_t n = strlen(v);
        while (*p) {
            size_t m = strcspn(p, ",");
            if (m == n && strncmp(p, v, n) == 0)
                return 1;
            p += m + (p[m] == ',');
        }
    }
    return !present;
}

static const char *param(const struct web_request *req, const char *name)
{
    for (size_t k = 0; k < req->nparams; k++)
        if (strcmp(req->params[k].name, name) == 0)
            return req->params[k].value;
    return NULL;
}

enum what { OBJECTS, MANIFEST, ONE, VERSIONS };

static int check_params(const struct web_request *req, enum what w, struct web_response *resp)
{
    /* TAXII 2.1 §3.4-3.5: what each endpoint filters by */
    static const char *const allowed[][8] = {
        [OBJECTS] = {"added_after", "limit", "next", "match[id]", "match[type]",
                     "match[version]", "match[spec_version]", NULL},
        [MANIFEST] = {"added_after", "limit", "next", "match[id]", "match[type]",
                      "match[version]", "match[spec_version]", NULL},
        [ONE] = {"added_after", "limit", "next", "match[version]", "match[spec_version]", NULL},
        [VERSIONS] = {"added_after", "limit", "next", "match[spec_version]", NULL},
    };
    for (size_t k = 0; k < req->nparams; k++) {
        int ok = 0;
        for (size_t i = 0; allowed[w][i] && !ok; i++)
            ok = strcmp(req->params[k].name, allowed[w][i]) == 0;
        if (!ok)
            return taxii_error(resp, 400, "Bad parameter",
                               "unknown parameter '%.60s' for this endpoint", req->params[k].name);
    }
    return 0;
}

static int answer_list(struct web_app *app, const struct web_request *req,
                       const struct web_caller *c, enum what w, const char *oid,
                       struct web_response *resp)
{
    int64_t after = INT64_MIN, pin = 0;
    const char *v;
    if (check_params(req, w, resp))
        return resp->status;
    if ((v = param(req, "added_after")) && vt_parse(v, strlen(v), &after))
        return taxii_error(resp, 400, "Bad parameter", "added_after: '%.40s' is not a timestamp",
                           v);
    unsigned long limit = TAXII_PAGE_MAX, offset = 0;
    char *end;
    if ((v = param(req, "limit")) &&
        (!*v || (limit = strtoul(v, &end, 10), *end) || limit == 0 || limit > 1000000))
        return taxii_error(resp, 400, "Bad parameter", "limit: '%.40s' is not a positive number",
                           v);
    if (limit > TAXII_PAGE_MAX)
        limit = TAXII_PAGE_MAX;
    if ((v = param(req, "next")) && (!*v || (offset = strtoul(v, &end, 10), *end)))
        return taxii_error(resp, 400, "Bad parameter", "next: '%.40s' is not a cursor of this server",
                           v);
    const char *version = param(req, "match[version]");
    if (version && strcmp(version, "last") && strcmp(version, "first") && strcmp(version, "all") &&
        vt_parse(version, strlen(version), &pin))
        return taxii_error(resp, 400, "Bad parameter", "match[version]: '%.40s'", version);

    struct taxii_coll *cl = coll_get(app, c, resp);
    if (!cl)
        return resp->status;
    const struct item **sel = malloc((cl->n ? cl->n : 1) * sizeof *sel);
    if (!sel) {
        coll_put(app, cl);
        return taxii_error(resp, 500, "Internal error", "out of memory");
    }
    size_t m = 0;
    int found = 0;
    for (size_t k = 0; k < cl->n; k++) { /* already in date_added order */
        const struct item *it = &cl->items[k];
        if (oid && strcmp(it->id, oid) != 0)
            continue;
        found |= oid != NULL;
        if (it->added_us <= after || !listed(req, "match[id]", it->id) ||
            !listed(req, "match[type]", it->type) ||
            !listed(req, "match[spec_version]", it->spec))
            continue;
        if (version && strcmp(version, "last") && strcmp(version, "first") &&
            strcmp(version, "all") && pin != it->version_us)
            continue;
        sel[m++] = it;
    }
    if (oid && !found) {
        free(sel);
        coll_put(app, cl);
        return taxii_error(resp, 404, "Not found", "no object %.100s in this collection", oid);
    }
    size_t from = offset < m ? offset : m, to = from + limit < m ? from + limit : m;
    json_t *out = json_object(), *arr = json_array();
    uint64_t strict = 0;
    int strictest = -1;
    for (size_t k = from; k < to; k++) {
        const struct item *it = sel[k];
        if (w == OBJECTS || w == ONE) {
            json_array_append(arr, it->obj);
            if (it->tlp >= TLP_AMBER) {
                strict++;
                strictest = it->tlp > strictest ? it->tlp : strictest;
            }
        } else if (w == MANIFEST) {
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "id", it->id,
                                                 "date_added", it->added, "version", it->version,
                                                 "media_type", STIX_TYPE));
        } else {
            json_array_append_new(arr, json_string(it->version));
        }
    }
    json_object_set_new(out, w == VERSIONS ? "versions" : "objects", arr);
    json_object_set_new(out, "more", json_boolean(to < m));
    if (to < m) {
        char next[24];
        snprintf(next, sizeof next, "%zu", to);
        json_object_set_new(out, "next", json_string(next));
    }
    if (to > from) {
        snprintf(resp->added_first, sizeof resp->added_first, "%s", sel[from]->added);
        snprintf(resp->added_last, sizeof resp->added_last, "%s", sel[to - 1]->added);
    }
    resp->audit_records = strict;
    resp->audit_tlp = strictest;
    free(sel);
    /* the page is written before the collection is let go: it borrows
     * the collection's objects */
    int status = send_json(resp, out);
    coll_put(app, cl);
    return status;
}

/* ---- the routes --------------------------------------------------------------------- */

static json_t *collection_json(void)
{
    return json_pack("{s:s, s:s, s:s, s:b, s:b, s:[s]}", "id", TAXII_COLLECTION_ID, "title",
                     "vigil observations",
                     "description",
                     "Infected hosts and indicators as STIX 2.1 (sightings, observed-data, "
                     "indicators, malware), each with its TLP 2.0 marking; only what the "
                     "caller may read.",
                     "can_read", 1, "can_write", 0, "media_types", STIX_TYPE);
}

/* Split "a/b/c/" into segments; at most 8. */
static size_t segments(const char *path, char seg[8][160])
{
    size_t n = 0;
    while (*path && n < 8) {
        path += strspn(path, "/");
        size_t len = strcspn(path, "/");
        if (!len)
            break;
        snprintf(seg[n++], 160, "%.*s", (int)(len < 159 ? len : 159), path);
        path += len;
    }
    return *path && path[strspn(path, "/")] ? 9 : n;
}

void web_taxii_handle(struct web_app *app, struct web_request *req, struct web_response *resp)
{
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        taxii_error(resp, 405, "Method not allowed",
                    "this TAXII server is read only (can_write is false)");
        snprintf(resp->allow, sizeof resp->allow, "GET, HEAD");
        return;
    }
    if (!acceptable(req->accept)) {
        taxii_error(resp, 406, "Not acceptable", "send Accept: %s", TAXII_TYPE);
        return;
    }
    struct web_caller caller;
    if (web_caller_resolve(app, req, &caller, resp)) {
        taxii_error(resp, 401, "Unauthorized",
                    "an unknown, expired or revoked token or session: send "
                    "'Authorization: Bearer TOKEN', or none to read TLP:CLEAR data");
        return;
    }
    char seg[8][160];
    size_t n = segments(req->path + strlen("/taxii2"), seg);
    int is_api = n >= 1 && strcmp(seg[0], "api") == 0;
    int is_coll = is_api && n >= 2 && strcmp(seg[1], "collections") == 0;
    int ours = is_coll && n >= 3 && strcmp(seg[2], TAXII_COLLECTION_ID) == 0;
    req->caller = &caller;
    req->route = "/taxii2/";
    if (n == 0) {
        if (!req->nparams)
            send_json(resp, json_pack("{s:s, s:s, s:s, s:[s]}", "title", "vigil TAXII 2.1",
                                      "description", "The malware infection landscape as STIX 2.1",
                                      "default", "/taxii2/api/", "api_roots", "/taxii2/api/"));
    } else if (is_api && n == 1) {
        if (!req->nparams)
            send_json(resp, json_pack("{s:s, s:s, s:[s], s:i}", "title", "vigil", "description",
                                      "Observations of infected hosts, by TLP and scope",
                                      "versions", TAXII_TYPE, "max_content_length", 0));
    } else if (is_coll && n == 2) {
        if (!req->nparams)
            send_json(resp, json_pack("{s:[o]}", "collections", collection_json()));
    } else if (is_coll && n >= 3 && !ours) {
        taxii_error(resp, 404, "Not found", "no collection %.100s (see /taxii2/api/collections/)",
                    seg[2]);
    } else if (ours && n == 3) {
        if (!req->nparams)
            send_json(resp, collection_json());
    } else if (ours && n == 4 && strcmp(seg[3], "objects") == 0) {
        answer_list(app, req, &caller, OBJECTS, NULL, resp);
    } else if (ours && n == 4 && strcmp(seg[3], "manifest") == 0) {
        answer_list(app, req, &caller, MANIFEST, NULL, resp);
    } else if (ours && n == 5 && strcmp(seg[3], "objects") == 0) {
        answer_list(app, req, &caller, ONE, seg[4], resp);
    } else if (ours && n == 6 && strcmp(seg[3], "objects") == 0 && strcmp(seg[5], "versions") == 0) {
        answer_list(app, req, &caller, VERSIONS, seg[4], resp);
    } else {
        taxii_error(resp, 404, "Not found", "no TAXII endpoint %.200s", req->path);
    }
    if (resp->status == 200 && resp->body.len == 0)
        taxii_error(resp, 400, "Bad parameter", "this endpoint takes no parameters");
    if (resp->status == 200)
        web_audit_answer(app, req, &caller, resp);
    req->caller = NULL;
    req->route = NULL;
    web_caller_release(&caller);
}
