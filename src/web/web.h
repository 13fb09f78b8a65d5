/*
 * web.h — vigil's HTTP server: the JSON API under /api/v1/, uploads, the
 * watched spool directory and the embedded dashboard.
 *
 * This is the door the CLI (`vigil serve`) goes through; only src/web/
 * includes microhttpd.h.  Until an organisation exists, and while it
 * listens on loopback, the server runs in operator mode: every caller sees
 * everything.  Otherwise every read goes through access control (auth.h).
 */
#ifndef VG_WEB_H
#define VG_WEB_H

#include <stdint.h>
#include <sys/socket.h>

#include "core/err.h"
#include "enrich/enrich.h"

struct places;

#define WEB_DEFAULT_LISTEN "127.0.0.1:8080"
#define WEB_DEFAULT_MAX_UPLOAD (UINT64_C(256) << 20)
#define WEB_DEFAULT_CACHE (UINT64_C(64) << 20)
#define WEB_MAX_THREADS 64

/* A parsed --listen value. */
struct web_listen {
    struct sockaddr_storage addr;
    socklen_t addrlen;
    int family;   /* AF_INET or AF_INET6 */
    unsigned port; /* 0 = let the kernel choose (see web_server_port) */
    int loopback; /* 127.0.0.0/8 or ::1 */
    char host[64]; /* "127.0.0.1", "[::1]": the host part of a URL */
};

/* Parse "ADDR:PORT": an IPv4 literal, "[IPv6]" or "localhost" (127.0.0.1),
 * and a port 0..65535.  VG_EUSAGE with a message naming what is wrong. */
int web_listen_parse(const char *text, struct web_listen *out, struct vg_err *err);

struct web_config {
    const char *db_path;     /* created and migrated when absent */
    struct web_listen listen;
    const char *spool_dir;   /* watched directory, NULL = none */
    const char *schema_path; /* Shadowserver schema for ingests, NULL = built-in */
    uint64_t max_upload;     /* bytes per POST body, 0 = WEB_DEFAULT_MAX_UPLOAD */
    /* the tables behind the landscape's province and isp keys (attached to
     * every read connection); NULL = those keys map nothing, as in the CLI */
    const struct places *places;
    int quiet;               /* 1 = no access log */
    unsigned threads;        /* HTTP worker threads, 0 = one per online CPU */
    uint64_t cache_bytes;    /* answer cache (cache.h), 0 = none */
};

struct web_server;

/* Open the store (read-write, for ingests; readers get their own read-only
 * connections), derive the per-ASN address space from the enricher, start
 * the spool watcher and the HTTP daemon.  cfg's strings and tables and en
 * are borrowed and must outlive the server.  VG_EIO when the address
 * cannot be bound. */
int web_server_start(struct web_server **out, const struct web_config *cfg,
                     const struct enricher *en, struct vg_err *err);
/* 1 when the server runs with access control (organisations exist, or it
 * listens beyond loopback), 0 in operator mode. */
int web_server_access_on(struct web_server *s);
/* The port actually bound (differs from cfg when it asked for 0). */
unsigned web_server_port(const struct web_server *s);
/* Stop accepting, let running requests and the spool's current ingest
 * finish, close every store connection and free s.  Accepts NULL. */
void web_server_stop(struct web_server *s);

#endif
