/*
 * fuzz_docs.h — the checks shared by the targets of the JSON document
 * drivers (STIX, MISP): run a driver over the input; every emitted event
 * must write (event_write_json) as valid JSON whose "tlp", when present, is
 * a TLP 2.0 name; every reject must carry a line and a reason; a failure
 * of the whole input must carry a message.  Anything else abort()s.
 */
#ifndef VG_FUZZ_DOCS_H
#define VG_FUZZ_DOCS_H

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event/tlp.h"
#include "formats/format.h"

struct fuzz_docs {
    struct vg_buf out;
};

static int fuzz_docs_reject(void *ctx, const struct format_record *rec, const char *reason)
{
    (void)ctx;
    if (!rec || rec->line == 0 || !reason || !*reason)
        abort();
    return 0;
}

static int fuzz_docs_emit(void *ctx, struct event *ev, const struct format_record *rec)
{
    struct fuzz_docs *s = ctx;
    if (!rec || rec->line == 0)
        abort();
    vg_buf_reset(&s->out);
    if (event_write_json(ev, &s->out))
        abort();
    json_t *j = json_loadb(s->out.data, s->out.len, 0, NULL);
    if (!json_is_object(j))
        abort();
    const char *tlp = json_string_value(json_object_get(j, "tlp"));
    if (json_object_get(j, "tlp") && (!tlp || tlp_parse(tlp, strlen(tlp)) == TLP_NONE ||
                                      strcmp(tlp, tlp_name(tlp_parse(tlp, strlen(tlp)))) != 0))
        abort(); /* a label is stored by its TLP 2.0 name */
    json_decref(j);
    return 0;
}

static inline void fuzz_docs_run(const struct format_driver *drv, const char *name,
                                 const uint8_t *data, size_t size)
{
    struct fuzz_docs s;
    memset(&s, 0, sizeof s);
    struct vg_input *in;
    struct vg_err err = {0, ""};
    struct format_sink sink = {fuzz_docs_emit, fuzz_docs_reject, &s};
    if (vg_input_open_mem(&in, name, (const char *)data, size, &err))
        abort();
    if (drv->parse(in, NULL, &sink, &err) && !err.msg[0])
        abort(); /* a failed input says why */
    vg_input_close(in);
    vg_buf_free(&s.out);
}

#endif
