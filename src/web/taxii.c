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
    const char *id, *version;
    char added[32];
    int64_t added_us, version_us;
};

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

/* The STIX objects the caller may read, as one bundle (NULL on failure,
 * resp filled), and in *stored when the store took each. */
static json_t *collection_bundle(struct web_app *app, const struct web_caller *c,
                                 json_t *stored, struct web_response *resp)
{
    struct landscape_query q;
    landscape_query_init(&q);
    q.reader = web_caller_reader(c);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) {
        taxii_error(resp, 500, "Internal error", "out of memory");
        return NULL;
    }
    struct share_options so = {.format = SHARE_STIX, .max_tlp = TLP_RED, .out = mem,
                               .stored = note_stored, .stored_ctx = stored};
    so.producer = getenv("VIGIL_PRODUCER");
    struct store *st;
    struct vg_err err = {0};
    int rc = web_app_store_get(app, &st, &err);
    if (rc == 0) {
        rc = share_export(st, &q, &so, NULL, &err);
        web_app_store_put(app, st);
    }
    fclose(mem);
    json_t *bundle = NULL;
    if (rc == 0)
        bundle = json_loadb(text, len, 0, NULL);
    free(text);
    if (!bundle)
        taxii_error(resp, rc == 0 ? 500 : 503, "Store unavailable", "%s",
                    rc ? err.msg : "the export is not JSON");
    return bundle;
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

    json_t *stored = json_object();
    json_t *bundle = stored ? collection_bundle(app, c, stored, resp) : NULL;
    if (!bundle) {
        json_decref(stored);
        return stored ? resp->status : taxii_error(resp, 500, "Internal error", "out of memory");
    }
    json_t *objs = json_object_get(bundle, "objects");
    size_t n = json_array_size(objs), m = 0;
    struct item *items = calloc(n ? n : 1, sizeof *items);
    if (!items) {
        json_decref(bundle);
        json_decref(stored);
        return taxii_error(resp, 500, "Internal error", "out of memory");
    }
    /* a cyber-observable has no time of its own: it dates from the first
     * observed-data that refers to it */
    json_t *sco_time = json_object();
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
    int found = 0;
    for (size_t k = 0; k < n; k++) {
        json_t *o = json_array_get(objs, k);
        struct item *it = &items[m];
        it->obj = o;
        it->id = json_string_value(json_object_get(o, "id"));
        const char *t = json_string_value(json_object_get(o, "type"));
        const char *mod = json_string_value(json_object_get(o, "modified"));
        if (!mod)
            mod = json_string_value(json_object_get(o, "created"));
        if (!it->id || !t)
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
        if (oid && strcmp(it->id, oid) != 0)
            continue;
        found |= oid != NULL;
        if (it->added_us <= after || !listed(req, "match[id]", it->id) ||
            !listed(req, "match[type]", t))
            continue;
        const char *spec = json_string_value(json_object_get(o, "spec_version"));
        if (!listed(req, "match[spec_version]", spec ? spec : "2.1"))
            continue;
        if (version && strcmp(version, "last") && strcmp(version, "first") &&
            strcmp(version, "all") && pin != it->version_us)
            continue;
        m++;
    }
    json_decref(sco_time);
    json_decref(stored);
    if (oid && !found) {
        free(items);
        json_decref(bundle);
        return taxii_error(resp, 404, "Not found", "no object %.100s in this collection", oid);
    }
    qsort(items, m, sizeof *items, by_added);
    size_t from = offset < m ? offset : m, to = from + limit < m ? from + limit : m;
    json_t *out = json_object(), *arr = json_array();
    uint64_t strict = 0;
    int strictest = -1;
    for (size_t k = from; k < to; k++) {
        struct item *it = &items[k];
        if (w == OBJECTS || w == ONE) {
            json_array_append(arr, it->obj);
            json_t *refs = json_object_get(it->obj, "object_marking_refs");
            const char *ref = json_string_value(json_array_get(refs, 0));
            enum tlp_level t = ref ? tlp_from_stix_marking_id(ref) : TLP_NONE;
            if (t >= TLP_AMBER) {
                strict++;
                strictest = t > strictest ? t : strictest;
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
        snprintf(resp->added_first, sizeof resp->added_first, "%s", items[from].added);
        snprintf(resp->added_last, sizeof resp->added_last, "%s", items[to - 1].added);
    }
    resp->audit_records = strict;
    resp->audit_tlp = strictest;
    free(items);
    json_decref(bundle);
    return send_json(resp, out);
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
