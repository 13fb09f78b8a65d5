/*
 * server.c — the HTTP side, on libmicrohttpd: the only file that sees it.
 *
 * Threads: MHD's internal epoll loop with a pool of workers, one per online
 * CPU unless cfg.threads says otherwise: a cached answer costs a few
 * microseconds of CPU, so more threads than cores only add switches, and a
 * query that must be computed cannot run faster than its core either.
 * Handlers run on the workers and borrow store connections from the app's
 * pool (app.c), so no SQLite connection is ever used by two threads at once.
 *
 * A request's life: on_uri sees the raw target (for the log); MHD calls
 * on_request once when the headers are in — where an upload's parameters
 * and declared size are checked before any of its body is read — then, for
 * an upload, once per chunk of body (streamed to a file; nothing is held in
 * memory), then once more when the request is complete, which is when every
 * route is answered (so MHD keeps the connection alive).  on_completed
 * writes the access log line and removes the upload's temporary file.
 *
 * Limits: the URL and headers must fit the per-connection memory
 * (WEB_CONN_MEMORY; MHD answers 414/431 past it), at most WEB_MAX_PARAMS
 * query parameters, a body of at most max_upload bytes (413), idle
 * connections close after WEB_CONN_TIMEOUT seconds.  Listening on
 * loopback, a request from any other peer is refused (403) unless access
 * control is on; listening beyond loopback turns access control on
 * (auth.h).
 */
#include "web/web_int.h"
#include "web/auth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WEB_CONN_MEMORY ((size_t)64 * 1024)
#define WEB_CONN_TIMEOUT 30u
#define WEB_CONN_LIMIT 256u
/* Past this much over the limit a chunked upload is cut off rather than
 * drained to give a clean 413. */
#define WEB_DRAIN_SLACK (UINT64_C(64) << 20)

static const char CSP_PAGE[] = "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                               "base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
static const char CSP_API[] = "default-src 'none'; frame-ancestors 'none'";

struct web_server {
    struct web_app app;
    struct MHD_Daemon *daemon;
    struct web_spool *spool;
    unsigned port;
    int quiet;
};

struct reqctx {
    struct web_server *srv;
    int64_t start_us; /* monotonic */
    int status;
    uint64_t bytes;
    char method[16];
    char log_target[600]; /* the request target as sent, escaped for the log */
    int started;          /* the handler has seen this request */
    int api;              /* under /api/ (decoded path) */
    char client[64];
    int client_local;
    struct web_param params[WEB_MAX_PARAMS];
    size_t nparams;
    const char *bad_param; /* a reason to answer 400 before routing */
    int deferred;          /* answer on the next call (no body to read) */
    /* uploads */
    int upload;
    struct MHD_PostProcessor *pp;
    uint64_t part_bytes; /* bytes of the current multipart file part */
    int parts;           /* file parts seen (only the first is kept) */
    char name[256];
    int name_given;
    char tmpdir[PATH_MAX];
    char file[PATH_MAX + 256];
    int fd;
    uint64_t len, received;
    int too_large, write_failed;
    /* small JSON bodies (WEB_ROUTE_JSON), in memory */
    int json;
    char *body;
    size_t body_len;
};

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* --- listen addresses ------------------------------------------------- */

int web_listen_parse(const char *text, struct web_listen *out, struct vg_err *err)
{
    char host[64];
    const char *port;
    memset(out, 0, sizeof *out);
    if (!text || !*text)
        return vg_err_set(err, VG_EUSAGE, "--listen: give ADDR:PORT, e.g. %s",
                          WEB_DEFAULT_LISTEN);
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':' || (size_t)(close - text - 1) >= sizeof host)
            return vg_err_set(err, VG_EUSAGE, "--listen '%.80s': write IPv6 as [ADDR]:PORT",
                              text);
        memcpy(host, text + 1, (size_t)(close - text - 1));
        host[close - text - 1] = '\0';
        port = close + 2;
    } else {
        const char *colon = strrchr(text, ':');
        if (!colon || colon == text || (size_t)(colon - text) >= sizeof host)
            return vg_err_set(err, VG_EUSAGE, "--listen '%.80s': give ADDR:PORT, e.g. %s", text,
                              WEB_DEFAULT_LISTEN);
        if (memchr(text, ':', (size_t)(colon - text)))
            return vg_err_set(err, VG_EUSAGE, "--listen '%.80s': write IPv6 as [ADDR]:PORT",
                              text);
        memcpy(host, text, (size_t)(colon - text));
        host[colon - text] = '\0';
        port = colon + 1;
    }
    char *end;
    unsigned long p = (*port >= '0' && *port <= '9') ? strtoul(port, &end, 10) : 65536;
    if (p > 65535 || *end)
        return vg_err_set(err, VG_EUSAGE, "--listen '%.80s': the port must be 0..65535", text);
    out->port = (unsigned)p;
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    struct sockaddr_in *v4 = (struct sockaddr_in *)&out->addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->addr;
    if (text[0] != '[' && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        out->family = v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)p);
        out->addrlen = sizeof *v4;
        out->loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
        snprintf(out->host, sizeof out->host, "%.60s", host);
    } else if (text[0] == '[' && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        out->family = v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)p);
        out->addrlen = sizeof *v6;
        out->loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
        snprintf(out->host, sizeof out->host, "[%.60s]", host);
    } else {
        return vg_err_set(err, VG_EUSAGE,
                          "--listen '%.80s': '%s' is not an IP address (names other than "
                          "localhost are not resolved)",
                          text, host);
    }
    return 0;
}

static void client_of(struct MHD_Connection *c, struct reqctx *rc)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(rc->client, sizeof rc->client, "-");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &v4->sin_addr, rc->client, sizeof rc->client);
        rc->client_local = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &v6->sin6_addr, rc->client, sizeof rc->client);
        rc->client_local = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr) ||
                           (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr) && v6->sin6_addr.s6_addr[12] == 127);
    }
}

/* --- the access log --------------------------------------------------- */

/* Append s to out escaping what could forge or break a log line. */
static size_t log_escape(char *out, size_t used, size_t cap, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; s && *s && used + 4 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c > 0x20 && c < 0x7f && c != '%' && c != '"' && c != '\\') {
            out[used++] = (char)c;
        } else {
            out[used++] = '%';
            out[used++] = hex[c >> 4];
            out[used++] = hex[c & 15];
        }
    }
    out[used] = '\0';
    return used;
}

static void log_request(const struct reqctx *rc, int aborted)
{
    struct timespec now;
    struct tm tm;
    char stamp[32], line[1024];
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    double ms = (double)(mono_us() - rc->start_us) / 1000.0;
    int n = snprintf(line, sizeof line, "%s.%03dZ %s %s %s %d %llu %.3fms%s\n", stamp,
                     (int)(now.tv_nsec / 1000000), rc->client, rc->method, rc->log_target,
                     rc->status, (unsigned long long)rc->bytes, ms, aborted ? " aborted" : "");
    if (n > 0) {
        size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
        /* one write per line: lines from the worker threads never interleave */
        ssize_t w = write(2, line, len);
        (void)w;
    }
}

/* --- requests --------------------------------------------------------- */

static enum MHD_Result collect_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                     size_t key_size, const char *value, size_t value_size)
{
    struct reqctx *rc = cls;
    (void)kind;
    if (rc->nparams == WEB_MAX_PARAMS) {
        rc->bad_param = "too many query parameters";
        return MHD_NO;
    }
    if (strlen(key) != key_size || (value && strlen(value) != value_size)) {
        rc->bad_param = "a query parameter holds a NUL byte";
        return MHD_NO;
    }
    rc->params[rc->nparams].name = key;
    rc->params[rc->nparams].value = value ? value : "";
    rc->nparams++;
    return MHD_YES;
}

static struct reqctx *reqctx_new(struct web_server *srv)
{
    struct reqctx *rc = calloc(1, sizeof *rc);
    if (rc) {
        rc->srv = srv;
        rc->fd = -1;
        rc->start_us = mono_us();
    }
    return rc;
}

/* MHD calls this with the request target as sent, before it splits off the
 * query and decodes the path: the access log shows exactly what was asked,
 * and a %00 in the path (which decoding would turn into an early end of the
 * string, "/%00x" reading as "/") is caught here. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    struct reqctx *rc = reqctx_new(cls);
    (void)c;
    if (!rc)
        return NULL;
    log_escape(rc->log_target, 0, sizeof rc->log_target, uri);
    size_t path_len = strcspn(uri, "?");
    for (size_t k = 0; k + 2 < path_len; k++)
        if (uri[k] == '%' && uri[k + 1] == '0' && uri[k + 2] == '0')
            rc->bad_param = "the path holds a NUL byte";
    return rc;
}

static enum MHD_Result respond(struct MHD_Connection *c, struct reqctx *rc,
                               const char *method, struct web_response *r)
{
    struct MHD_Response *m;
    size_t len;
    if (r->status == 304) {
        len = 0;
        m = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    } else if (r->data) {
        len = r->len;
        m = MHD_create_response_from_buffer(len, (void *)r->data, MHD_RESPMEM_PERSISTENT);
    } else if (r->body.len) {
        len = r->body.len;
        m = MHD_create_response_from_buffer(len, r->body.data, MHD_RESPMEM_MUST_FREE);
        if (m) /* MHD frees the bytes now */
            r->body = (struct vg_buf)VG_BUF_INIT;
    } else {
        len = 0;
        m = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    web_response_free(r);
    if (!m)
        return MHD_NO;
    if (r->status != 304 || r->data)
        MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    MHD_add_response_header(m, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(m, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(m, "Content-Security-Policy",
                            rc->api ? CSP_API : CSP_PAGE);
    if (r->html)
        MHD_add_response_header(m, "X-Frame-Options", "DENY");
    if (r->cache_control)
        MHD_add_response_header(m, MHD_HTTP_HEADER_CACHE_CONTROL, r->cache_control);
    if (r->etag)
        MHD_add_response_header(m, MHD_HTTP_HEADER_ETAG, r->etag);
    if (r->allow[0])
        MHD_add_response_header(m, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (r->www_authenticate)
        MHD_add_response_header(m, MHD_HTTP_HEADER_WWW_AUTHENTICATE, r->www_authenticate);
    if (r->set_cookie[0])
        MHD_add_response_header(m, MHD_HTTP_HEADER_SET_COOKIE, r->set_cookie);
    if (r->added_first[0])
        MHD_add_response_header(m, "X-TAXII-Date-Added-First", r->added_first);
    if (r->added_last[0])
        MHD_add_response_header(m, "X-TAXII-Date-Added-Last", r->added_last);
    rc->status = r->status;
    rc->bytes = strcmp(method, "HEAD") == 0 ? 0 : len;
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, m);
    MHD_destroy_response(m);
    return ret;
}

static enum MHD_Result respond_error(struct MHD_Connection *c, struct reqctx *rc,
                                     const char *method, int status, const char *msg)
{
    struct web_response r;
    web_response_init(&r);
    web_response_error(&r, status, NULL, "%s", msg);
    return respond(c, rc, method, &r);
}

/* Where uploads are spooled: the spool directory, else beside the database
 * (same file system as the data, never a RAM-backed /tmp). */
static void upload_workdir(const struct web_app *app, char *out, size_t len)
{
    if (app->cfg.spool_dir) {
        snprintf(out, len, "%s", app->cfg.spool_dir);
        return;
    }
    const char *slash = strrchr(app->cfg.db_path, '/');
    if (!slash)
        snprintf(out, len, ".");
    else if (slash == app->cfg.db_path)
        snprintf(out, len, "/");
    else
        snprintf(out, len, "%.*s", (int)(slash - app->cfg.db_path), app->cfg.db_path);
}

static int upload_write(struct web_server *srv, struct reqctx *rc, const char *data, size_t n)
{
    rc->received += n;
    if (rc->too_large || rc->write_failed)
        return rc->received > srv->app.cfg.max_upload + WEB_DRAIN_SLACK ? -1 : 0;
    if (rc->len + n > srv->app.cfg.max_upload) {
        rc->too_large = 1;
        return 0;
    }
    if (rc->fd < 0) {
        char dir[PATH_MAX];
        upload_workdir(&srv->app, dir, sizeof dir);
        if ((size_t)snprintf(rc->tmpdir, sizeof rc->tmpdir, "%s/.vigil-upload-XXXXXX", dir) >=
                sizeof rc->tmpdir ||
            !mkdtemp(rc->tmpdir)) {
            rc->tmpdir[0] = '\0';
            rc->write_failed = errno ? errno : ENAMETOOLONG;
            return 0;
        }
        snprintf(rc->file, sizeof rc->file, "%s/%s", rc->tmpdir, rc->name);
        rc->fd = open(rc->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (rc->fd < 0) {
            rc->write_failed = errno;
            return 0;
        }
    }
    while (n) {
        ssize_t w = write(rc->fd, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc->write_failed = w < 0 ? errno : EIO;
            return 0;
        }
        data += w;
        n -= (size_t)w;
        rc->len += (uint64_t)w;
    }
    return 0;
}

/* multipart/form-data: the first part with a file name is the feed file;
 * other fields and further files are ignored. */
static enum MHD_Result on_post_part(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *filename, const char *content_type,
                                    const char *transfer_encoding, const char *data,
                                    uint64_t off, size_t size)
{
    struct reqctx *rc = cls;
    (void)kind, (void)key, (void)content_type, (void)transfer_encoding;
    if (!filename)
        return MHD_YES;
    if (off == 0 && (rc->parts == 0 || rc->part_bytes > 0)) {
        rc->parts++;
        rc->part_bytes = 0;
        if (rc->parts == 1 && !rc->name_given)
            web_upload_name(filename, rc->name, sizeof rc->name);
    }
    if (rc->parts != 1)
        return MHD_YES;
    rc->part_bytes += size;
    return upload_write(rc->srv, rc, data, size) ? MHD_NO : MHD_YES;
}

static int header_starts(struct MHD_Connection *c, const char *header, const char *prefix)
{
    const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, header);
    return v && strncasecmp(v, prefix, strlen(prefix)) == 0;
}

static void request_of(const struct reqctx *rc, struct MHD_Connection *c, const char *url,
                       const char *method, struct web_request *req)
{
    memset(req, 0, sizeof *req);
    req->method = method;
    req->path = url;
    req->params = rc->params;
    req->nparams = rc->nparams;
    req->if_none_match = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_IF_NONE_MATCH);
    req->authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_AUTHORIZATION);
    req->cookie = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
    req->accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    req->content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                    MHD_HTTP_HEADER_CONTENT_TYPE);
    req->body = rc->body;
    req->body_len = rc->body_len;
}

static enum MHD_Result answer(struct web_server *srv, struct MHD_Connection *c,
                              struct reqctx *rc, const char *url, const char *method)
{
    struct web_request req;
    struct web_response resp;
    request_of(rc, c, url, method, &req);
    web_response_init(&resp);
    web_handle(&srv->app, &req, &resp);
    return respond(c, rc, method, &resp);
}

/* The first call for a request: refusals are answered here, an upload is
 * checked (parameters, type, declared length) before a byte of its body is
 * read, so a bad one costs nothing; the rest is answered on the next call. */
static enum MHD_Result first_call(struct web_server *srv, struct MHD_Connection *c,
                                  struct reqctx *rc, const char *url, const char *method)
{
    struct web_request req;
    struct web_response resp;
    /* bound to loopback, a server never sees another peer; should one
     * arrive (a forwarded socket), it gets nothing in operator mode */
    if (!rc->client_local && !srv->app.access_forced)
        return respond_error(c, rc, method, 403,
                             "operator mode answers loopback clients only");
    if (rc->bad_param)
        return respond_error(c, rc, method, 400, rc->bad_param);
    request_of(rc, c, url, method, &req);
    web_response_init(&resp);
    const struct web_route *rt;
    char arg[256], allow[32];
    if (web_route_match(method, url, &rt, arg, sizeof arg, allow, sizeof allow) == 0 &&
        (rt->flags & WEB_ROUTE_BODY)) {
        if (web_ingest_params_check(&req, &resp) || web_upload_allowed(&srv->app, &req, &resp))
            return respond(c, rc, method, &resp);
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > srv->app.cfg.max_upload) {
            web_response_error(&resp, 413, NULL,
                               "the body is larger than the upload limit (%llu bytes)",
                               (unsigned long long)srv->app.cfg.max_upload);
            return respond(c, rc, method, &resp);
        }
        if (header_starts(c, MHD_HTTP_HEADER_CONTENT_TYPE, "multipart/")) {
            if (!header_starts(c, MHD_HTTP_HEADER_CONTENT_TYPE, "multipart/form-data") ||
                !(rc->pp = MHD_create_post_processor(c, 64 * 1024, on_post_part, rc))) {
                web_response_error(&resp, 415, NULL,
                                   "send the file as the raw body or as multipart/form-data");
                return respond(c, rc, method, &resp);
            }
        }
        for (size_t k = 0; k < rc->nparams; k++)
            if (strcmp(rc->params[k].name, "name") == 0) {
                web_upload_name(rc->params[k].value, rc->name, sizeof rc->name);
                rc->name_given = 1;
            }
        if (!rc->name_given)
            web_upload_name(NULL, rc->name, sizeof rc->name);
        rc->upload = 1;
        web_response_free(&resp);
        return MHD_YES;
    }
    if (web_route_match(method, url, &rt, arg, sizeof arg, allow, sizeof allow) == 0 &&
        (rt->flags & WEB_ROUTE_JSON)) {
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > WEB_JSON_MAX) {
            web_response_error(&resp, 413, NULL, "the body is larger than %d bytes",
                               WEB_JSON_MAX);
            return respond(c, rc, method, &resp);
        }
        rc->json = 1;
        web_response_free(&resp);
        return MHD_YES;
    }
    web_response_free(&resp);
    /* MHD keeps a connection alive only for a response queued after the
     * whole request is in, which for a request without a body is the next
     * call; a stray body on another route is not worth reading (answer now,
     * MHD then closes) */
    if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) ||
        (MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH) &&
         strtoull(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                              MHD_HTTP_HEADER_CONTENT_LENGTH),
                  NULL, 10) > 0))
        return answer(srv, c, rc, url, method);
    rc->deferred = 1;
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    struct web_server *srv = cls;
    struct reqctx *rc = *con_cls;
    (void)version;
    if (!rc || !rc->started) {
        if (!rc && !(rc = reqctx_new(srv)))
            return MHD_NO;
        *con_cls = rc;
        rc->started = 1;
        rc->api = strncmp(url, "/api/", 5) == 0;
        log_escape(rc->method, 0, sizeof rc->method, method);
        client_of(c, rc);
        MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect_param, rc);
        return first_call(srv, c, rc, url, method);
    }
    if (rc->deferred) {
        rc->deferred = 0;
        return answer(srv, c, rc, url, method);
    }
    if (rc->json) {
        if (*upload_size) {
            size_t n = *upload_size;
            *upload_size = 0;
            if (rc->body_len + n > WEB_JSON_MAX) {
                rc->too_large = 1;
                return MHD_YES;
            }
            char *nb = realloc(rc->body, rc->body_len + n + 1);
            if (!nb)
                return MHD_NO;
            memcpy(nb + rc->body_len, upload_data, n);
            rc->body = nb;
            rc->body_len += n;
            rc->body[rc->body_len] = '\0';
            return MHD_YES;
        }
        rc->json = 0;
        if (rc->too_large) {
            char msg[64];
            snprintf(msg, sizeof msg, "the body is larger than %d bytes", WEB_JSON_MAX);
            return respond_error(c, rc, method, 413, msg);
        }
        return answer(srv, c, rc, url, method);
    }
    if (!rc->upload)
        return MHD_NO; /* answered already; MHD does not call again */
    if (*upload_size) {
        int failed = rc->pp ? MHD_post_process(rc->pp, upload_data, *upload_size) != MHD_YES
                            : upload_write(srv, rc, upload_data, *upload_size) != 0;
        *upload_size = 0;
        if (failed && !rc->too_large && !rc->write_failed)
            rc->write_failed = EPROTO; /* a malformed multipart body */
        return rc->received > srv->app.cfg.max_upload + WEB_DRAIN_SLACK ? MHD_NO : MHD_YES;
    }
    /* the whole body is in */
    if (rc->fd >= 0 && close(rc->fd) && !rc->write_failed)
        rc->write_failed = errno;
    rc->fd = -1;
    rc->upload = 0;
    if (rc->too_large) {
        char msg[96];
        snprintf(msg, sizeof msg, "the body is larger than the upload limit (%llu bytes)",
                 (unsigned long long)srv->app.cfg.max_upload);
        return respond_error(c, rc, method, 413, msg);
    }
    if (rc->write_failed == EPROTO)
        return respond_error(c, rc, method, 400, "malformed multipart/form-data body");
    if (rc->write_failed) {
        char msg[160];
        snprintf(msg, sizeof msg, "cannot store the upload: %s", strerror(rc->write_failed));
        return respond_error(c, rc, method, 500, msg);
    }
    struct web_request req;
    struct web_response resp;
    request_of(rc, c, url, method, &req);
    req.upload_path = rc->file[0] ? rc->file : NULL;
    req.upload_name = rc->name;
    req.upload_len = rc->len;
    web_response_init(&resp);
    web_handle(&srv->app, &req, &resp);
    return respond(c, rc, method, &resp);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct web_server *srv = cls;
    struct reqctx *rc = *con_cls;
    (void)c;
    if (!rc)
        return;
    if (!srv->quiet)
        log_request(rc, toe != MHD_REQUEST_TERMINATED_COMPLETED_OK);
    if (rc->pp)
        MHD_destroy_post_processor(rc->pp);
    if (rc->fd >= 0)
        close(rc->fd);
    if (rc->file[0])
        unlink(rc->file);
    if (rc->tmpdir[0])
        rmdir(rc->tmpdir);
    free(rc->body);
    free(rc);
    *con_cls = NULL;
}

/* libmicrohttpd's log callback hands us its own format string. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    fprintf(stderr, "vigil serve: http: %s\n", msg);
}

int web_server_start(struct web_server **out, const struct web_config *cfg,
                     const struct enricher *en, struct vg_err *err)
{
    int rc;
    *out = NULL;
    struct web_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return vg_err_set(err, VG_ENOMEM, "out of memory");
    srv->quiet = cfg->quiet;
    if ((rc = web_app_init(&srv->app, cfg, en, err))) {
        free(srv);
        return rc;
    }
    if (cfg->spool_dir && (rc = web_spool_start(&srv->spool, &srv->app, cfg->spool_dir, err)))
        goto fail;
    unsigned threads = cfg->threads;
    if (!threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n < 1 ? 1 : n > WEB_MAX_THREADS ? WEB_MAX_THREADS : (unsigned)n;
    }
    /* one read connection per worker opened now, not by the first
     * requests (an open reads the schema and loads the place tables); one
     * that cannot be opened now is reported by the request that needs it */
    struct store *warm[WEB_MAX_THREADS];
    struct vg_err werr = {0};
    unsigned nwarm = 0;
    while (nwarm < threads && !web_app_store_get(&srv->app, &warm[nwarm], &werr))
        nwarm++;
    for (unsigned k = 0; k < nwarm; k++)
        web_app_store_put(&srv->app, warm[k]);
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    if (cfg->listen.family == AF_INET6)
        flags |= MHD_USE_IPv6;
    srv->daemon = MHD_start_daemon(
        flags, (uint16_t)cfg->listen.port, NULL, NULL, on_request, srv,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&cfg->listen.addr,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, WEB_CONN_MEMORY,
        MHD_OPTION_CONNECTION_LIMIT, WEB_CONN_LIMIT,
        MHD_OPTION_CONNECTION_TIMEOUT, WEB_CONN_TIMEOUT,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
        MHD_OPTION_END);
    if (!srv->daemon) {
        rc = vg_err_set(err, VG_EIO, "cannot listen on %s:%u (in use, or not an address of "
                                     "this machine?)",
                        cfg->listen.host, cfg->listen.port);
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : cfg->listen.port;
    *out = srv;
    return 0;
fail:
    web_server_stop(srv);
    return rc;
}

int web_server_access_on(struct web_server *s)
{
    return s ? web_access_on(&s->app) : 0;
}

unsigned web_server_port(const struct web_server *s)
{
    return s ? s->port : 0;
}

void web_server_stop(struct web_server *s)
{
    if (!s)
        return;
    /* HTTP first: running handlers (an upload's ingest included) finish,
     * then the spool finishes its file, then the connections close */
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    web_spool_stop(s->spool);
    web_app_free(&s->app);
    free(s);
}
