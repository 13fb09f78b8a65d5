/*
 * app.c — the server's shared state: store connections, the single writer,
 * the answer cache, and the response helpers every handler uses.
 *
 * SQLite connections are opened with SQLITE_OPEN_NOMUTEX, so one connection
 * must never be used by two threads at once.  Readers take a read-only
 * connection from a small pool for the length of one request and give it
 * back (opening one costs a schema read and loading the province and ISP
 * maps into it; the pool keeps that off the hot path); WAL lets them read
 * while an ingest writes.  Ingests — uploads and
 * the spool alike — share one read-write connection under ingest_lock, which
 * is also what serialises writers: SQLite would otherwise make the second
 * writer wait on its busy timeout and then fail.
 *
 * Read answers go through web_app_answer: one snapshot per request, the
 * data version read first (one indexed row), which with the normalised
 * question names the answer — its ETag, and its key in the cache (cache.h).
 * An ingest by this process or any other bumps the version in its commit,
 * so a cached answer is never served past the data it was computed from.
 */
#include "web/web_int.h"
#include "core/hash.h"
#include "web/auth.h"
#include "core/vtime.h"
#include "landscape/landscape.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void web_response_init(struct web_response *r)
{
    memset(r, 0, sizeof *r);
    r->status = 200;
    r->content_type = "application/json; charset=utf-8";
    r->cache_control = "no-store";
    r->audit_tlp = -1;
}

void web_response_free(struct web_response *r)
{
    if (r)
        vg_buf_free(&r->body);
}

int web_response_error(struct web_response *r, int status, const char *param, const char *fmt,
                       ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vg_buf_reset(&r->body);
    r->data = NULL;
    r->len = 0;
    r->status = status;
    r->content_type = "application/json; charset=utf-8";
    r->cache_control = "no-store";
    r->etag = NULL;
    r->html = 0;
    int rc = vg_buf_printf(&r->body, "{\"error\":{\"status\":%d,\"message\":", status);
    rc = rc ? rc : vg_buf_json_str(&r->body, msg, strlen(msg));
    if (!rc && param) {
        rc = vg_buf_puts(&r->body, ",\"parameter\":");
        rc = rc ? rc : vg_buf_json_str(&r->body, param, strlen(param));
    }
    rc = rc ? rc : vg_buf_puts(&r->body, "}}\n");
    if (rc) { /* out of memory: an empty 500 is all that is left */
        vg_buf_free(&r->body);
        r->status = 500;
    }
    return r->status;
}

int web_status_for(int code)
{
    switch (code) {
    case VG_EUSAGE: return 400;
    case VG_ENOTFOUND: return 404;
    case VG_ELIMIT: return 413;
    case VG_EAUTH: return 401;
    case VG_EPERM: return 403;
    case VG_EPARSE:
    case VG_EINVAL: return 422;
    default: return 500;
    }
}

int web_app_init(struct web_app *app, const struct web_config *cfg, const struct enricher *en,
                 struct vg_err *err)
{
    int rc;
    memset(app, 0, sizeof *app);
    app->cfg = *cfg;
    if (!app->cfg.max_upload)
        app->cfg.max_upload = WEB_DEFAULT_MAX_UPLOAD;
    app->en = en;
    pthread_mutex_init(&app->pool_lock, NULL);
    pthread_mutex_init(&app->ingest_lock, NULL);
    snprintf(app->rejects_path, sizeof app->rejects_path, "%s.rejects.jsonl", cfg->db_path);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(app->epoch, sizeof app->epoch, "%llx",
             (unsigned long long)(ts.tv_sec * 1000000 + ts.tv_nsec / 1000) ^
                 ((unsigned long long)getpid() << 40));
    if ((rc = store_open(&app->rw, cfg->db_path, STORE_RW, err)) ||
        (rc = asn_space_build(&app->space, en ? en->asn : NULL, err)) ||
        (rc = web_cache_new(&app->cache, (size_t)cfg->cache_bytes, err)) ||
        (rc = web_auth_init(app, err)) || (rc = web_taxii_init(app, err))) {
        web_app_free(app);
        return rc;
    }
    return 0;
}

void web_app_free(struct web_app *app)
{
    if (!app)
        return;
    for (size_t k = 0; k < app->nidle; k++)
        store_close(app->idle[k]);
    app->nidle = 0;
    store_close(app->rw);
    app->rw = NULL;
    asn_space_free(app->space);
    app->space = NULL;
    web_auth_fini(app); /* the audit writer first: it may use the pool */
    web_cache_free(app->cache);
    web_taxii_fini(app);
    app->cache = NULL;
    pthread_mutex_destroy(&app->pool_lock);
    pthread_mutex_destroy(&app->ingest_lock);
}

int web_app_store_get(struct web_app *app, struct store **st, struct vg_err *err)
{
    pthread_mutex_lock(&app->pool_lock);
    *st = app->nidle ? app->idle[--app->nidle] : NULL;
    pthread_mutex_unlock(&app->pool_lock);
    if (*st)
        return 0;
    /* a new connection: the province and ISP maps are per connection */
    int rc = store_open(st, app->cfg.db_path, STORE_RO, err);
    if (!rc && (rc = landscape_places_attach(*st, app->cfg.places, err))) {
        store_close(*st);
        *st = NULL;
    }
    return rc;
}

void web_app_store_put(struct web_app *app, struct store *st)
{
    if (!st)
        return;
    pthread_mutex_lock(&app->pool_lock);
    if (app->nidle < WEB_POOL_MAX) {
        app->idle[app->nidle++] = st;
        st = NULL;
    }
    pthread_mutex_unlock(&app->pool_lock);
    store_close(st);
}

int web_app_answer(struct web_app *app, const struct web_request *req, const void *key,
                   size_t keylen, web_produce_fn produce, void *ctx, struct web_response *resp)
{
    struct vg_err err = {0};
    struct store *st = NULL;
    struct vg_buf full = VG_BUF_INIT;
    struct web_cache_entry *e = NULL;
    uint64_t version = 0;
    int status, rc;
    /* the scope first, NUL-ended: no key of one scope is a key of another */
    const char *scope = req->scope ? req->scope : "";
    if (vg_buf_append(&full, scope, strlen(scope) + 1) || vg_buf_append(&full, key, keylen))
        goto nomem;
    if (web_app_store_get(app, &st, &err)) {
        vg_buf_free(&full);
        return web_response_error(resp, web_status_for(err.code) == 404 ? 503 : 500, NULL, "%s",
                                  err.msg);
    }
    rc = store_read_begin(st, &version, &err);
    if (rc && rc != VG_ENOTFOUND) {
        status = web_response_error(resp, 500, NULL, "%s", err.msg);
        goto out;
    }
    if (rc) { /* a store without a data version: answered afresh, untagged */
        status = produce(app, st, ctx, resp);
        goto out;
    }
    snprintf(resp->etag_buf, sizeof resp->etag_buf, "\"%s-%llx-%016llx\"", app->epoch,
             (unsigned long long)version, (unsigned long long)vg_hash_bytes(full.data, full.len));
    if (req->if_none_match && web_etag_matches(req->if_none_match, resp->etag_buf)) {
        status = resp->status = 304;
        goto tagged;
    }
    switch (web_cache_lookup(app->cache, full.data, full.len, version, &e)) {
    case WEB_CACHE_HIT:
        vg_buf_reset(&resp->body);
        rc = vg_buf_append(&resp->body, e->body, e->len);
        status = resp->status = e->status;
        resp->audit_records = e->audit_records;
        resp->audit_tlp = e->audit_tlp;
        web_cache_release(app->cache, e);
        if (rc)
            goto nomem;
        break;
    case WEB_CACHE_MISS:
        status = produce(app, st, ctx, resp);
        if (status == 200)
            web_cache_fill(app->cache, e, resp->body.data, resp->body.len, status,
                           resp->audit_records, resp->audit_tlp);
        else
            web_cache_abandon(app->cache, e);
        break;
    default:
        status = produce(app, st, ctx, resp);
        break;
    }
    if (status != 200)
        goto out; /* errors carry no tag and are never kept */
tagged:
    resp->etag = resp->etag_buf;
    /* private: the answer depends on who asks (the scope); no-cache: a
     * client may keep it but asks again, and the ETag makes that cheap */
    resp->cache_control = "private, no-cache";
out:
    store_read_end(st);
    web_app_store_put(app, st);
    vg_buf_free(&full);
    return status;
nomem:
    status = web_response_error(resp, 500, NULL, "out of memory");
    goto out;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ingest_file records the path it read as the input's name; an upload's
 * path is a temporary file, so the row gets the client's name afterwards
 * (the newest row with that path: the one just committed). */
static int relabel(struct web_app *app, const char *path, const char *name, struct vg_err *err)
{
    struct store_value args[2] = {{.type = ST_TEXT, .s = name}, {.type = ST_TEXT, .s = path}};
    /* a transaction of its own: its commit bumps the data version, so an
     * answer listing the files (feeds) is not kept with the old name */
    int rc = store_begin(app->rw, err);
    if (rc)
        return rc;
    if ((rc = store_query(app->rw,
                          "UPDATE files SET name = ? WHERE id = "
                          "(SELECT MAX(id) FROM files WHERE name = ?)",
                          args, 2, NULL, NULL, err)) ||
        (rc = store_commit(app->rw, err)))
        store_rollback(app->rw);
    return rc;
}

int web_app_ingest(struct web_app *app, const struct web_ingest_request *rq,
                   struct ingest_stats *stats, double *secs, struct vg_err *err)
{
    struct ingest *ing = NULL;
    int rc;
    memset(stats, 0, sizeof *stats);
    *secs = 0;
    if (!app->en)
        return vg_err_set(err, VG_EDATA, "no enrichment data: ingests are disabled");
    struct ingest_options io = {
        .format = rq->format,
        .fmt = {.report = rq->report, .schema_path = app->cfg.schema_path,
                .feed_name = rq->feed},
        .rejects_path = app->rejects_path,
        .archive = 1,
    };
    pthread_mutex_lock(&app->ingest_lock);
    double t0 = now_s();
    if (!(rc = ingest_new(&ing, app->rw, app->en, &io, err)) &&
        !(rc = ingest_file(ing, rq->path, stats, NULL, err)) && stats->files && rq->name &&
        strcmp(rq->name, rq->path) != 0) {
        /* the input is committed: a failed relabel must not report it lost */
        struct vg_err e2 = {0};
        if (relabel(app, rq->path, rq->name, &e2))
            fprintf(stderr, "vigil serve: %s: keeping the temporary name: %s\n", rq->name,
                    e2.msg);
    }
    *secs = now_s() - t0;
    ingest_free(ing);
    pthread_mutex_unlock(&app->ingest_lock);
    return rc;
}

int web_ingest_stats_json(const struct ingest_stats *st, double secs, const char *name,
                          struct vg_buf *out)
{
    int rc = vg_buf_printf(
        out,
        "{\"files\":%llu,\"skipped_files\":%llu,\"records\":%llu,\"accepted\":%llu,"
        "\"rejected\":%llu,\"observations\":%llu,\"bytes\":%llu,\"seconds\":%.3f,"
        "\"records_per_second\":%.0f,\"name\":",
        (unsigned long long)st->files, (unsigned long long)st->skipped_files,
        (unsigned long long)st->records, (unsigned long long)st->accepted,
        (unsigned long long)st->rejected, (unsigned long long)st->observations,
        (unsigned long long)st->bytes, secs, secs > 0 ? (double)st->records / secs : 0.0);
    rc = rc ? rc : vg_buf_json_str(out, name, strlen(name));
    return rc ? rc : vg_buf_puts(out, "}\n");
}
