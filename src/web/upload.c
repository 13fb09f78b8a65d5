/*
 * upload.c — POST /api/v1/ingest: a feed file as the request body, through
 * the same pipeline as `vigil ingest`.
 *
 * The server streams the body into a file of its own (server.c) before this
 * handler runs, so an upload costs no memory beyond one network buffer and
 * the pipeline reads it like any input.  The client's file name matters —
 * Shadowserver report types are read from it — so the file carries that
 * name (cleaned: one path component, a safe alphabet) inside a private
 * temporary directory, and the files table records it.
 *
 * Answers: 201 with the `vigil ingest --json` counters when the input was
 * stored (rejected records included: they are in the rejects file), 200 when
 * the same bytes were already ingested (skipped_files 1), 422 when the
 * format cannot be told, 400 for bad parameters or an empty body.
 */
#include "formats/format.h"
#include "web/web_int.h"

#include <stdio.h>
#include <string.h>

static const char *const upload_params[] = {"format", "report", "name", "feed"};

static const char *param(const struct web_request *req, const char *name)
{
    for (size_t k = 0; k < req->nparams; k++)
        if (strcmp(req->params[k].name, name) == 0)
            return req->params[k].value;
    return NULL;
}

static int safe_text(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

int web_ingest_params_check(const struct web_request *req, struct web_response *resp)
{
    for (size_t k = 0; k < req->nparams; k++) {
        const char *name = req->params[k].name, *value = req->params[k].value;
        size_t known = 0;
        while (known < sizeof upload_params / sizeof upload_params[0] &&
               strcmp(upload_params[known], name) != 0)
            known++;
        if (known == sizeof upload_params / sizeof upload_params[0])
            return web_response_error(resp, 400, name,
                                      "unknown parameter '%.40s' (format, report, name, feed)",
                                      name);
        for (size_t j = 0; j < k; j++)
            if (strcmp(req->params[j].name, name) == 0)
                return web_response_error(resp, 400, name, "%.40s: given twice", name);
        if (!*value || strlen(value) > 256 || !safe_text(value))
            return web_response_error(resp, 400, name,
                                      "%s: give 1 to 256 printable characters", name);
        if (strcmp(name, "format") == 0 && !format_find(value)) {
            char names[128] = "";
            const struct format_driver *const *d = format_drivers();
            for (size_t i = 0; d[i]; i++) {
                size_t used = strlen(names);
                snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", d[i]->name);
            }
            return web_response_error(resp, 400, name, "format: unknown format '%.40s' (%s)",
                                      value, names);
        }
    }
    return 0;
}

void web_upload_name(const char *client, char *out, size_t outlen)
{
    const char *base = client ? client : "";
    for (const char *p = base; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t n = 0;
    while (*base == '.')
        base++;
    for (; *base && n + 1 < outlen && n < 200; base++) {
        unsigned char c = (unsigned char)*base;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-' || c == '+' || c == '@';
        out[n++] = ok ? (char)c : '_';
    }
    if (!n)
        n = (size_t)snprintf(out, outlen, "upload");
    out[n < outlen ? n : outlen - 1] = '\0';
}

int web_api_ingest(struct web_app *app, const struct web_request *req, struct web_response *resp)
{
    int rc;
    if ((rc = web_ingest_params_check(req, resp)))
        return rc;
    if (!req->upload_path || !req->upload_len)
        return web_response_error(resp, 400, NULL,
                                  "empty upload: send the feed file as the request body");
    struct web_ingest_request rq = {
        .path = req->upload_path,
        .name = req->upload_name,
        .format = param(req, "format"),
        .report = param(req, "report"),
        .feed = param(req, "feed"),
    };
    struct ingest_stats stats;
    struct vg_err err = {0};
    double secs;
    if (web_app_ingest(app, &rq, &stats, &secs, &err)) {
        /* messages name the input by its path: show the client's name */
        char msg[sizeof err.msg];
        const char *at = strstr(err.msg, req->upload_path);
        if (at)
            snprintf(msg, sizeof msg, "%.*s%s%s", (int)(at - err.msg), err.msg,
                     req->upload_name, at + strlen(req->upload_path));
        else
            snprintf(msg, sizeof msg, "%s", err.msg);
        return web_response_error(resp, web_status_for(err.code), NULL, "%s", msg);
    }
    if (web_ingest_stats_json(&stats, secs, req->upload_name, &resp->body))
        return web_response_error(resp, 500, NULL, "out of memory");
    resp->status = stats.files ? 201 : 200;
    return resp->status;
}
