/*
 * fuzz_ctip.c — the CTIP driver on arbitrary input (libFuzzer target).
 *
 * The input goes through detect and parse (both shapes: the driver picks
 * the Interflow array when the input starts with '[').  Beyond "no crash,
 * no sanitizer report", every outcome is checked: an emitted event has
 * source.ip and time.source, passes event_validate again and writes valid
 * JSON; a rejection has a reason; parse itself never fails on in-memory
 * input (it rejects records instead).  A violation abort()s.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/format.h"
#include "formats/json_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_emit(void *ctx, struct event *ev, const struct format_record *rec)
{
    struct vg_buf out = VG_BUF_INIT;
    struct vg_err err;
    (void)ctx;
    if (!rec->raw || rec->line == 0 || !event_get(ev, "source.ip") ||
        !event_get(ev, "time.source") || !event_get(ev, "raw"))
        abort();
    if (event_validate(ev, &err) != 0)
        abort(); /* validation is idempotent */
    if (event_write_json(ev, &out) != 0 || json_scan_validate(out.data, out.len) != 0 ||
        memchr(out.data, '\n', out.len))
        abort();
    vg_buf_free(&out);
    return 0;
}

static int fuzz_reject(void *ctx, const struct format_record *rec, const char *reason)
{
    (void)ctx;
    if (!reason || !*reason || rec->line == 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vg_input *in;
    struct vg_err err;
    struct format_sink sink = {fuzz_emit, fuzz_reject, NULL};
    struct format_options opt = {NULL, NULL, NULL, 0};
    (void)format_ctip.detect("fuzz.ctip", (const char *)data, size);
    if (vg_input_open_mem(&in, "fuzz.ctip", data, size, &err))
        return 0;
    if (format_ctip.parse(in, &opt, &sink, &err) != 0)
        abort();
    vg_input_close(in);
    return 0;
}
