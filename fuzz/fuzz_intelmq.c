/*
 * fuzz_intelmq.c — the IntelMQ JSON-lines driver under libFuzzer.
 *
 * Every event parsed is written with event_write_json, and that text must
 * parse again to an event that writes the very same bytes (the round trip
 * the driver promises); every reject must carry a line and a reason.
 * Anything else abort()s.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formats/format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
    struct vg_buf first, second;
    int nested; /* 1 while re-parsing a written event */
    size_t seen;
};

static int on_reject(void *ctx, const struct format_record *rec,
                     const char *reason)
{
    struct state *s = ctx;
    if (!rec || rec->line == 0 || !reason || !*reason || s->nested)
        abort(); /* a written event must never be rejected */
    return 0;
}

static int on_emit(void *ctx, struct event *ev, const struct format_record *rec)
{
    struct state *s = ctx;
    if (!rec || rec->line == 0)
        abort();
    if (s->nested) {
        vg_buf_reset(&s->second);
        if (event_write_json(ev, &s->second))
            abort();
        s->seen++;
        return 0;
    }
    vg_buf_reset(&s->first);
    if (event_write_json(ev, &s->first))
        abort();
    /* read what was written and write it again */
    struct vg_input *in;
    struct vg_err err = {0, ""};
    struct format_sink sink = {on_emit, on_reject, s};
    s->nested = 1;
    s->seen = 0;
    if (vg_input_open_mem(&in, "written", s->first.data, s->first.len, &err) ||
        format_intelmq.parse(in, NULL, &sink, &err))
        abort();
    vg_input_close(in);
    s->nested = 0;
    if (s->seen != 1 || s->second.len != s->first.len ||
        memcmp(s->second.data, s->first.data, s->first.len) != 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct state s;
    memset(&s, 0, sizeof s);
    struct vg_input *in;
    struct vg_err err = {0, ""};
    struct format_sink sink = {on_emit, on_reject, &s};
    if (vg_input_open_mem(&in, "fuzz.jsonl", data, size, &err))
        abort();
    if (format_intelmq.parse(in, NULL, &sink, &err))
        abort();
    vg_input_close(in);
    vg_buf_free(&s.first);
    vg_buf_free(&s.second);
    return 0;
}
