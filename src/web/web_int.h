/*
 * web_int.h — what the files of src/web/ share (and the unit tests use).
 *
 * The HTTP library stays in server.c: it turns each request into a struct
 * web_request (method, decoded path, query parameters, and for uploads the
 * body already streamed into a file) and sends back a struct web_response.
 * Everything between — routing, the API handlers, the static files,
 * ingests — is plain C over these two structs, testable without a socket.
 */
#ifndef VG_WEB_INT_H
#define VG_WEB_INT_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "pipeline/ingest.h"
#include "access/access.h"
#include "store/store.h"
#include "web/asn_space.h"
#include "web/cache.h"
#include "web/web.h"

#define WEB_MAX_PARAMS 32
#define WEB_POOL_MAX WEB_MAX_THREADS

struct web_param {
    const char *name, *value; /* value "" when the query said just "?name" */
};

struct web_request {
    const char *method; /* "GET", "HEAD", "POST", ... */
    const char *path;   /* percent-decoded path, without the query */
    const struct web_param *params;
    size_t nparams;
    const char *if_none_match; /* header value or NULL */
    /* what the caller may read, as an opaque string: "" in operator mode
     * (everything).  Part of every cached answer's key, so an answer for
     * one scope is never served to another. */
    const char *scope;
    const char *arg;           /* set by web_handle: the {…} segment of the route */
    const char *route;         /* set by web_handle: the route's pattern */
    /* credentials and peer (server.c); NULL when absent */
    const char *authorization, *cookie, *content_type, *accept;
    /* WEB_ROUTE_JSON routes: the body, in memory (at most WEB_JSON_MAX) */
    const char *body;
    size_t body_len;
    /* who asks: set by web_handle before the route runs (auth.h) */
    const struct web_caller *caller;
    /* POST bodies, streamed to a file by the server before the handler runs */
    const char *upload_path;
    const char *upload_name; /* file name for detection and the files table */
    uint64_t upload_len;
};

struct web_response {
    int status;
    const char *content_type;          /* static string */
    struct vg_buf body;                /* owned; used when data is NULL */
    const unsigned char *data;         /* static body (embedded asset) */
    size_t len;
    const char *etag, *cache_control;  /* static strings (or etag_buf) or NULL */
    char etag_buf[72];
    char allow[32];                    /* for 405: "GET, HEAD" */
    int html;                          /* a page: dashboard CSP */
    const char *www_authenticate;      /* 401: the challenge (static) */
    char set_cookie[200];              /* a Set-Cookie header, or "" */
    /* TAXII 2.1 objects and manifest: X-TAXII-Date-Added-First/-Last, or "" */
    char added_first[40], added_last[40];
    /* for the audit log (auth.h): events at TLP:AMBER or stricter the
     * answer carries, and the strictest label among them (-1: none) */
    uint64_t audit_records;
    int audit_tlp;
};

void web_response_init(struct web_response *r);
void web_response_free(struct web_response *r);
/* Replace r with {"error":{"status":N,"message":"…"[,"parameter":"…"]}}.
 * Returns status. */
int web_response_error(struct web_response *r, int status, const char *param, const char *fmt,
                       ...) __attribute__((format(printf, 4, 5)));
/* The HTTP status for a vg error code (400, 404, 413, 422, 500). */
int web_status_for(int vg_code);

/* The process-wide state every request reads. */
struct web_app {
    struct web_config cfg;
    const struct enricher *en; /* NULL: no enrichment (unit tests) */
    struct asn_space *space;   /* announced IPv4 addresses per ASN */
    pthread_mutex_t pool_lock;
    struct store *idle[WEB_POOL_MAX]; /* read-only connections not in use */
    size_t nidle;
    pthread_mutex_t ingest_lock; /* one writer at a time */
    struct store *rw;
    char rejects_path[PATH_MAX + 32];
    struct web_cache *cache; /* rendered answers; NULL = none (cfg.cache_bytes 0) */
    char epoch[24];          /* this process in every ETag: a restart (new binary,
                                edited province or ISP tables) changes them all */
    /* access control (auth.c) */
    unsigned char key[ACCESS_KEY_LEN]; /* the server key: token and session hashes */
    int access_forced;                 /* listening beyond loopback */
    int access_known_on;               /* organisations exist */
    double access_checked;             /* when they were last counted */
    pthread_mutex_t access_lock;
    pthread_mutex_t wr_lock;           /* wr: sessions, admin writes, the audit */
    struct store *wr;
    pthread_mutex_t audit_lock;
    struct web_writer *writer;
    struct web_taxii *taxii; /* the TAXII collections computed (taxii.c) */
};

/* The writer connection (auth.c), locked until web_writer_put: for small
 * writes (sessions, organisations, tokens, the audit log) that must not
 * wait behind an ingest's connection. */
int web_writer_get(struct web_app *app, struct store **st, struct vg_err *err);
void web_writer_put(struct web_app *app);

/* Open the read-write store (creating the database) and build the ASN
 * address space.  cfg and en are borrowed.  Free with web_app_free. */
int web_app_init(struct web_app *app, const struct web_config *cfg, const struct enricher *en,
                 struct vg_err *err);
void web_app_free(struct web_app *app);
/* A read-only connection for this thread's use until web_app_store_put. */
int web_app_store_get(struct web_app *app, struct store **st, struct vg_err *err);
void web_app_store_put(struct web_app *app, struct store *st);

/* Write the body of an answer into resp->body and return its HTTP status
 * (an error status with resp filled by web_response_error).  st is a read
 * snapshot, borrowed. */
typedef int (*web_produce_fn)(struct web_app *app, struct store *st, void *ctx,
                              struct web_response *resp);

/* Answer a read request whose body depends only on (req->scope, the store's
 * data version, key): key is the normalised question, route included (the
 * caller has validated it).  Borrows a connection, opens one read snapshot
 * for everything produce reads, and
 *   - answers 304 when If-None-Match holds the answer's ETag (derived from
 *     the process epoch, the data version and the key: no lookup, no query);
 *   - else answers from the cache, or runs produce and keeps a 200 answer.
 * Returns the status; resp carries the ETag and "private, no-cache". */
int web_app_answer(struct web_app *app, const struct web_request *req, const void *key,
                   size_t keylen, web_produce_fn produce, void *ctx, struct web_response *resp);
/* If-None-Match header against an ETag (RFC 9110 §13.1.2 weak comparison). */
int web_etag_matches(const char *header, const char *etag);

struct web_ingest_request {
    const char *path;           /* the bytes to ingest */
    const char *name;           /* recorded in the files table; NULL = path */
    const char *format, *report, *feed; /* NULL = detect / from the name / from records */
};

/* The `vigil ingest` pipeline on one file, under the ingest lock, with the
 * app's read-write connection.  *stats is this input's counters, *secs its
 * wall time.  Errors as ingest_file. */
int web_app_ingest(struct web_app *app, const struct web_ingest_request *rq,
                   struct ingest_stats *stats, double *secs, struct vg_err *err);
/* The counters as `vigil ingest --json` prints them (plus "name"). */
int web_ingest_stats_json(const struct ingest_stats *st, double secs, const char *name,
                          struct vg_buf *out);

/* Routing.  Patterns are OpenAPI paths: "/api/v1/ip/{address}" has one
 * parameter segment, handed to the handler as req->arg. */
typedef int (*web_handler_fn)(struct web_app *app, const struct web_request *req,
                              struct web_response *resp);

enum {
    WEB_ROUTE_BODY = 1,   /* takes a request body (streamed to a file): an upload */
    WEB_ROUTE_JSON = 2,   /* takes a small JSON body, in memory */
    WEB_ROUTE_PUBLIC = 4, /* answers anyone, even with credentials that fail */
    WEB_ROUTE_ADMIN = 8,  /* the operator and admin credentials only */
    WEB_ROUTE_INGEST = 16 /* who may ingest (auth.h) */
};
#define WEB_JSON_MAX (16 * 1024)

struct web_route {
    const char *method;
    const char *pattern;
    web_handler_fn fn;
    int flags;
};

/* The route table (for the server and for the test that holds it against
 * the OpenAPI document). */
const struct web_route *web_routes(size_t *n);
/* Match method and path: 0 with *route set and the parameter segment copied
 * into arg; 404 when no pattern matches the path; 405 when one does but not
 * for this method (allow then lists the methods, "GET, HEAD"). */
int web_route_match(const char *method, const char *path, const struct web_route **route,
                    char *arg, size_t argsize, char *allow, size_t allowsize);
/* Answer one complete request into resp (initialised by the caller).  Never
 * fails: every problem becomes an error response. */
void web_handle(struct web_app *app, struct web_request *req, struct web_response *resp);
/* Validate an upload's query parameters before its body is read (format,
 * report, name, feed): 0, or the error status with resp filled. */
int web_ingest_params_check(const struct web_request *req, struct web_response *resp);
/* A safe file name from a client's: the last path component, at most 200
 * bytes of [A-Za-z0-9._+-@] (others become '_'), never starting with '.';
 * "upload" when nothing is left.  out >= 256 bytes. */
void web_upload_name(const char *client, char *out, size_t outlen);

/* The API handlers (api.c, upload.c). */
int web_api_health(struct web_app *, const struct web_request *, struct web_response *);
/* Everything under /taxii2/ (taxii.c). */
void web_taxii_handle(struct web_app *app, struct web_request *req, struct web_response *resp);
/* The TAXII server's cache of computed collections (web_app_init/free). */
int web_taxii_init(struct web_app *app, struct vg_err *err);
void web_taxii_fini(struct web_app *app);
int web_api_landscape(struct web_app *, const struct web_request *, struct web_response *);
int web_api_families(struct web_app *, const struct web_request *, struct web_response *);
int web_api_regions(struct web_app *, const struct web_request *, struct web_response *);
int web_api_asns(struct web_app *, const struct web_request *, struct web_response *);
int web_api_asn(struct web_app *, const struct web_request *, struct web_response *);
int web_api_ip(struct web_app *, const struct web_request *, struct web_response *);
int web_api_feeds(struct web_app *, const struct web_request *, struct web_response *);
int web_api_openapi(struct web_app *, const struct web_request *, struct web_response *);
int web_api_ingest(struct web_app *, const struct web_request *, struct web_response *);
/* Sessions and the admin API (admin.c). */
int web_api_session_get(struct web_app *, const struct web_request *, struct web_response *);
int web_api_session_post(struct web_app *, const struct web_request *, struct web_response *);
int web_api_session_delete(struct web_app *, const struct web_request *,
                           struct web_response *);
int web_api_orgs_get(struct web_app *, const struct web_request *, struct web_response *);
int web_api_orgs_post(struct web_app *, const struct web_request *, struct web_response *);
int web_api_org_get(struct web_app *, const struct web_request *, struct web_response *);
int web_api_org_delete(struct web_app *, const struct web_request *, struct web_response *);
int web_api_tokens_get(struct web_app *, const struct web_request *, struct web_response *);
int web_api_tokens_post(struct web_app *, const struct web_request *, struct web_response *);
int web_api_token_delete(struct web_app *, const struct web_request *, struct web_response *);
int web_api_audit(struct web_app *, const struct web_request *, struct web_response *);
/* Before an upload's body is read: may the caller ingest?  0, or the
 * error status with resp filled (router.c). */
int web_upload_allowed(struct web_app *app, const struct web_request *req,
                       struct web_response *resp);

/* The spool watcher (spool.c). */
struct web_spool;
/* Create dir/done and dir/failed and start the thread that polls dir every
 * second.  app must outlive the spool. */
int web_spool_start(struct web_spool **out, struct web_app *app, const char *dir,
                    struct vg_err *err);
/* Stop after the current file; accepts NULL. */
void web_spool_stop(struct web_spool *s);

#endif
