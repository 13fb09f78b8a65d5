/*
 * auth.h — who is asking, and what they may do, for every API request.
 *
 * Modes:
 *  - operator: a fresh installation (no organisation defined) listening on
 *    loopback only.  Every caller reads everything, as on the command line.
 *  - access control: as soon as one organisation exists, or when the server
 *    listens beyond loopback.  A caller is then
 *      an organisation's token   "Authorization: Bearer vgt_…",
 *      a dashboard session       the HttpOnly cookie vigil_session, opened
 *                                by POST /api/v1/session with a token or a
 *                                user's password,
 *      or anonymous              reads what a public organisation reads:
 *                                TLP:CLEAR only.
 *    A credential that does not authenticate (unknown, expired, revoked)
 *    is a 401, never a silent downgrade to anonymous.
 *
 * Permissions beyond reading: ingesting (POST /api/v1/ingest) is for the
 * operator, providers and member agencies (the organisations that receive
 * feeds) and admin credentials; managing organisations, tokens and the
 * audit log is for the operator and admin credentials, and an admin of an
 * organisation manages only that organisation and its constituents.
 *
 * The audit log: every answer that carries data at TLP:AMBER or stricter to
 * a token or a session is logged (who, what, when, how much) by a writer
 * thread with a connection of its own, so a long ingest holding the write
 * lock delays the log, never the answer.
 */
#ifndef VG_WEB_AUTH_H
#define VG_WEB_AUTH_H

#include "access/access.h"

struct web_app;
struct web_request;
struct web_response;

struct web_caller {
    int operator;      /* reads and may do everything */
    int authenticated; /* by a token or a session */
    const char *via;   /* "operator", "token", "session", "anonymous" */
    struct access_subject subject;
    struct access_identity id;
    char scope[48];    /* the answer cache's scope: "", "public", "org:<id>" */
};

/* Start the audit writer and load (creating) the server key: called by
 * web_app_init.  web_auth_fini stops the writer after writing what is
 * queued. */
int web_auth_init(struct web_app *app, struct vg_err *err);
void web_auth_fini(struct web_app *app);

/* 1 when access control is on (see above).  Once on, it stays on until the
 * server restarts; before, the organisations are counted at most once a
 * second. */
int web_access_on(struct web_app *app);

/* Resolve req's credentials into *c (released with web_caller_release).
 * 0, or an HTTP status (401) with resp filled. */
int web_caller_resolve(struct web_app *app, const struct web_request *req, struct web_caller *c,
                       struct web_response *resp);
void web_caller_release(struct web_caller *c);

/* The reader to pass to landscape queries: NULL for the operator. */
const struct access_subject *web_caller_reader(const struct web_caller *c);

/* Permission checks: 0, or 401 / 403 with resp filled. */
int web_caller_may_ingest(const struct web_caller *c, struct web_response *resp);
int web_caller_may_admin(const struct web_caller *c, struct web_response *resp);

/* Log req's answer when it carried data at TLP:AMBER or stricter to an
 * authenticated caller (resp->audit_tlp, resp->audit_records). */
void web_audit_answer(struct web_app *app, const struct web_request *req,
                      const struct web_caller *c, const struct web_response *resp);

#endif
