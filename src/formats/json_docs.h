/*
 * json_docs.h — the JSON texts of one input, for the drivers whose records
 * live inside whole documents (STIX bundles, MISP events).
 *
 * An input holds one JSON text (a pretty-printed bundle or event), JSON
 * lines (one text per line, as TAXII dumps and `jq -c` write) or texts
 * simply following each other; jansson parses each in turn (RFC 8259,
 * duplicate keys refused).  A text that does not parse is rejected through
 * the sink with the line and column jansson stopped at, and reading resumes
 * at the next line after the bad text's first line that begins with '{'
 * or '[' — the next JSON line — so one bad line costs one record, while a
 * broken pretty-printed document (whose inner lines are indented) ends the
 * input.
 */
#ifndef VG_JSON_DOCS_H
#define VG_JSON_DOCS_H

#include <jansson.h>
#include <stdint.h>

#include "formats/format.h"

/* Called per text: doc is borrowed (valid during the call), line is the
 * 1-based line it starts on.  A non-zero return stops and is returned. */
typedef int (*json_doc_fn)(void *ctx, json_t *doc, uint64_t line);

/* Read every JSON text of p[0..n) (the input named name).  Returns 0, the
 * first non-zero return of fn or sink->reject, or VG_ENOMEM. */
int json_docs_each(const char *name, const char *p, size_t n, const struct format_sink *sink,
                   json_doc_fn fn, void *ctx);

#endif
