/*
 * json_docs.c — the JSON texts of one input (see json_docs.h).
 */
#include "formats/json_docs.h"

#include <stdio.h>
#include <string.h>

/* A reject shows at most this much of the line it points at. */
#define REJECT_SHOW 1024

static uint64_t count_lines(const char *p, size_t n)
{
    uint64_t k = 0;
    for (const char *q = p; (q = memchr(q, '\n', (size_t)(p + n - q))) != NULL; q++)
        k++;
    return k;
}

/* The start of line `rel` (1-based) counted from p, or p + n. */
static const char *line_start(const char *p, size_t n, int rel)
{
    const char *q = p, *end = p + n;
    for (int k = 1; k < rel && q < end; k++) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        q = nl ? nl + 1 : end;
    }
    return q;
}

int json_docs_each(const char *name, const char *p, size_t n, const struct format_sink *sink,
                   json_doc_fn fn, void *ctx)
{
    size_t off = 0;
    uint64_t line = 1;
    int rc = 0;
    /* a UTF-8 byte order mark is not JSON (RFC 8259 §8.1) but harmless */
    if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        off = 3;
    while (!rc) {
        while (off < n && (p[off] == ' ' || p[off] == '\t' || p[off] == '\r' || p[off] == '\n')) {
            if (p[off] == '\n')
                line++;
            off++;
        }
        if (off >= n)
            break;
        json_error_t je;
        json_t *doc = json_loadb(p + off, n - off, JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES,
                                 &je);
        if (doc) {
            size_t used = je.position > 0 && (size_t)je.position <= n - off ? (size_t)je.position
                                                                           : n - off;
            rc = fn(ctx, doc, line);
            json_decref(doc);
            line += count_lines(p + off, used);
            off += used;
            continue;
        }
        int rel = je.line > 0 ? je.line : 1;
        const char *bad = line_start(p + off, n - off, rel);
        const char *eol = memchr(bad, '\n', (size_t)(p + n - bad));
        size_t blen = eol ? (size_t)(eol - bad) : (size_t)(p + n - bad);
        char why[300];
        snprintf(why, sizeof why, "not JSON: %.200s (line %llu, column %d)", je.text,
                 (unsigned long long)(line + (uint64_t)rel - 1), je.column > 0 ? je.column : 1);
        struct format_record r = {.file = name, .line = line + (uint64_t)rel - 1, .raw = bad, .raw_len = blen > REJECT_SHOW ? REJECT_SHOW : blen};
        if ((rc = sink->reject(sink->ctx, &r, why)))
            break;
        /* resume at the next line after the text's first that opens one */
        const char *q = memchr(p + off, '\n', n - off);
        for (;;) {
            if (!q)
                return 0;
            line++;
            off = (size_t)(q - p) + 1;
            if (off < n && (p[off] == '{' || p[off] == '['))
                break;
            q = memchr(p + off, '\n', n - off);
        }
    }
    return rc;
}
