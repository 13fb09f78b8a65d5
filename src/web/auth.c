/*
 * auth.c — callers, permissions and the audit writer (see auth.h).
 */
#include "web/auth.h"
#include "access/directory.h"
#include "web/web_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define AUDIT_QUEUE_MAX 4096

struct audit_item {
    struct store_audit a;
    char org[128], user[128], action[64], target[1024], tlp[16];
};

struct web_writer {
    pthread_t thread;
    int started, stop;
    pthread_cond_t more, room;
    struct audit_item *q;
    size_t head, count;
};

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the writer connection ------------------------------------------------- */

int web_writer_get(struct web_app *app, struct store **st, struct vg_err *err)
{
    pthread_mutex_lock(&app->wr_lock);
    if (!app->wr && store_open(&app->wr, app->cfg.db_path, STORE_RW, err)) {
        pthread_mutex_unlock(&app->wr_lock);
        return err->code;
    }
    *st = app->wr;
    return 0;
}

void web_writer_put(struct web_app *app)
{
    pthread_mutex_unlock(&app->wr_lock);
}

static void *audit_main(void *arg)
{
    struct web_app *app = arg;
    struct web_writer *w = app->writer;
    pthread_mutex_lock(&app->audit_lock);
    for (;;) {
        while (!w->count && !w->stop)
            pthread_cond_wait(&w->more, &app->audit_lock);
        if (!w->count && w->stop)
            break;
        /* take a batch, write it in one transaction outside the lock */
        size_t n = w->count;
        struct audit_item *batch = malloc(n * sizeof *batch);
        if (!batch)
            n = 1, batch = NULL;
        struct audit_item one;
        for (size_t k = 0; k < n; k++) {
            struct audit_item *it = &w->q[(w->head + k) % AUDIT_QUEUE_MAX];
            struct audit_item *to = batch ? &batch[k] : &one;
            *to = *it;
            to->a.org_name = to->org, to->a.user_name = to->user;
            to->a.action = to->action, to->a.target = to->target, to->a.tlp = to->tlp;
        }
        w->head = (w->head + n) % AUDIT_QUEUE_MAX;
        w->count -= n;
        pthread_cond_broadcast(&w->room);
        pthread_mutex_unlock(&app->audit_lock);

        struct vg_err err = {0};
        struct store *st = NULL;
        int rc = web_writer_get(app, &st, &err);
        if (!rc) {
            rc = store_begin(st, &err);
            for (size_t k = 0; k < n && !rc; k++)
                rc = store_audit_add(st, batch ? &batch[k].a : &one.a, &err);
            rc = rc ? (store_rollback(st), rc) : store_commit_log(st, &err);
            web_writer_put(app);
        }
        if (rc)
            fprintf(stderr, "vigil serve: the audit log lost %zu entries: %s\n", n, err.msg);
        free(batch);
        pthread_mutex_lock(&app->audit_lock);
    }
    pthread_mutex_unlock(&app->audit_lock);
    return NULL;
}

int web_auth_init(struct web_app *app, struct vg_err *err)
{
    pthread_mutex_init(&app->wr_lock, NULL);
    pthread_mutex_init(&app->audit_lock, NULL);
    pthread_mutex_init(&app->access_lock, NULL);
    app->access_forced = !app->cfg.listen.loopback;
    int rc = access_key_load(app->cfg.db_path, 1, app->key, err);
    if (rc)
        return rc;
    struct web_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->q = calloc(AUDIT_QUEUE_MAX, sizeof *w->q))) {
        free(w);
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    }
    pthread_cond_init(&w->more, NULL);
    pthread_cond_init(&w->room, NULL);
    app->writer = w;
    if (pthread_create(&w->thread, NULL, audit_main, app) != 0)
        return vg_err_set(err, VG_ENOMEM, "cannot start the audit writer");
    w->started = 1;
    return 0;
}

void web_auth_fini(struct web_app *app)
{
    struct web_writer *w = app->writer;
    if (w) {
        if (w->started) {
            pthread_mutex_lock(&app->audit_lock);
            w->stop = 1;
            pthread_cond_broadcast(&w->more);
            pthread_mutex_unlock(&app->audit_lock);
            pthread_join(w->thread, NULL);
        }
        pthread_cond_destroy(&w->more);
        pthread_cond_destroy(&w->room);
        free(w->q);
        free(w);
        app->writer = NULL;
    }
    store_close(app->wr);
    app->wr = NULL;
    pthread_mutex_destroy(&app->wr_lock);
    pthread_mutex_destroy(&app->audit_lock);
    pthread_mutex_destroy(&app->access_lock);
}

/* ---- the mode ---------------------------------------------------------------- */

/* Organisations are counted at most once a second, or at once (recheck)
 * for a request that brings credentials: a token made for the first
 * organisation works from its first use. */
static int access_on(struct web_app *app, int recheck)
{
    if (app->access_forced)
        return 1;
    pthread_mutex_lock(&app->access_lock);
    int on = app->access_known_on;
    double now = mono_s();
    if (!on && (recheck || now - app->access_checked >= 1.0)) {
        struct store *st;
        struct vg_err err = {0};
        int64_t n = 0;
        app->access_checked = now;
        if (web_app_store_get(app, &st, &err) == 0) {
            if (store_org_count(st, &n, &err) == 0 && n > 0)
                on = app->access_known_on = 1;
            web_app_store_put(app, st);
        }
    }
    pthread_mutex_unlock(&app->access_lock);
    return on;
}

int web_access_on(struct web_app *app)
{
    return access_on(app, 0);
}

/* ---- callers --------------------------------------------------------------------- */

static const char *cookie_value(const char *header, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *p = header; p && *p;) {
        p += strspn(p, " \t;");
        if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
            const char *v = p + nl + 1;
            size_t n = strcspn(v, ";");
            while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
                n--;
            if (n >= cap)
                return NULL;
            memcpy(out, v, n);
            out[n] = '\0';
            return out;
        }
        p = strchr(p, ';');
    }
    return NULL;
}

static int unauthorized(struct web_response *resp, const char *why)
{
    resp->www_authenticate = "Bearer realm=\"vigil\", error=\"invalid_token\"";
    return web_response_error(resp, 401, NULL, "%s", why);
}

int web_caller_resolve(struct web_app *app, const struct web_request *req, struct web_caller *c,
                       struct web_response *resp)
{
    memset(c, 0, sizeof *c);
    if (!access_on(app, req->authorization || (req->cookie && strstr(req->cookie, "vigil_session=")))) {
        c->operator = 1;
        c->via = "operator";
        access_subject_operator(&c->subject);
        return 0;
    }
    const char *auth = req->authorization;
    char cookie[ACCESS_SESSION_LEN + 8];
    const char *session = req->cookie ? cookie_value(req->cookie, "vigil_session", cookie,
                                                     sizeof cookie)
                                      : NULL;
    if (!auth && !session) {
        c->via = "anonymous";
        access_subject_anonymous(&c->subject);
        snprintf(c->scope, sizeof c->scope, "public");
        return 0;
    }
    if (auth && strncasecmp(auth, "Bearer ", 7) != 0)
        return unauthorized(resp, "send the token as 'Authorization: Bearer TOKEN'");
    struct store *st;
    struct vg_err err = {0};
    if (web_app_store_get(app, &st, &err))
        return web_response_error(resp, 503, NULL, "%s", err.msg);
    int64_t now = access_now_us();
    int rc;
    if (auth) {
        const char *tok = auth + 7;
        tok += strspn(tok, " ");
        rc = access_token_login(st, app->key, tok, now, &c->subject, &c->id, &err);
        c->via = "token";
    } else {
        rc = access_session_login(st, app->key, session, now, &c->subject, &c->id, &err);
        c->via = "session";
    }
    web_app_store_put(app, st);
    if (rc == VG_EAUTH)
        return unauthorized(resp, err.msg);
    if (rc)
        return web_response_error(resp, 500, NULL, "%s", err.msg);
    c->authenticated = 1;
    snprintf(c->scope, sizeof c->scope, "org:%lld", (long long)c->id.org_id);
    return 0;
}

void web_caller_release(struct web_caller *c)
{
    if (c)
        access_subject_release(&c->subject);
}

const struct access_subject *web_caller_reader(const struct web_caller *c)
{
    return !c || c->operator ? NULL : &c->subject;
}

int web_caller_may_ingest(const struct web_caller *c, struct web_response *resp)
{
    if (c->operator || c->id.admin ||
        (c->authenticated && (c->subject.role == ROLE_PROVIDER || c->subject.role == ROLE_MEMBER)))
        return 0;
    if (!c->authenticated)
        return unauthorized(resp, "ingesting needs a token of a provider or a member agency");
    return web_response_error(resp, 403, NULL,
                              "a %s organisation does not ingest feeds (providers and member "
                              "agencies do)",
                              access_role_name(c->subject.role));
}

int web_caller_may_admin(const struct web_caller *c, struct web_response *resp)
{
    if (c->operator || c->id.admin)
        return 0;
    if (!c->authenticated)
        return unauthorized(resp, "this needs an admin token or session");
    return web_response_error(resp, 403, NULL, "this needs an admin token or session");
}

/* ---- the audit log ------------------------------------------------------------------ */

void web_audit_answer(struct web_app *app, const struct web_request *req,
                      const struct web_caller *c, const struct web_response *resp)
{
    struct web_writer *w = app->writer;
    if (!w || !c || !c->authenticated || resp->audit_tlp < TLP_AMBER ||
        resp->status != 200)
        return;
    pthread_mutex_lock(&app->audit_lock);
    while (w->count == AUDIT_QUEUE_MAX && !w->stop)
        pthread_cond_wait(&w->room, &app->audit_lock);
    if (w->count < AUDIT_QUEUE_MAX) {
        struct audit_item *it = &w->q[(w->head + w->count) % AUDIT_QUEUE_MAX];
        memset(it, 0, sizeof *it);
        it->a.at_us = access_now_us();
        it->a.org_id = c->id.org_id;
        it->a.token_id = c->id.token_id;
        it->a.records = resp->audit_records;
        snprintf(it->org, sizeof it->org, "%s", c->id.org_name);
        snprintf(it->user, sizeof it->user, "%s", c->id.user_name);
        snprintf(it->action, sizeof it->action, "%s %s", req->method, req->route ? req->route : "");
        size_t n = (size_t)snprintf(it->target, sizeof it->target, "%s", req->path);
        for (size_t k = 0; k < req->nparams && n < sizeof it->target; k++)
            n += (size_t)snprintf(it->target + n, sizeof it->target - n, "%c%s=%s", k ? '&' : '?',
                                  req->params[k].name, req->params[k].value);
        const char *label = tlp_name((enum tlp_level)resp->audit_tlp);
        snprintf(it->tlp, sizeof it->tlp, "%s", label ? label : "AMBER");
        w->count++;
        pthread_cond_signal(&w->more);
    }
    pthread_mutex_unlock(&app->audit_lock);
}
