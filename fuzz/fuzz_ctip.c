/*
 * fuzz_ctip.c — the CTIP driver on arbitrary input (libFuzzer target).
 *
 * The input goes through detect and parse (both shapes: the driver picks
 * the Interflow array when the input starts with '[').  Beyond "no crash,
 * no sanitizer report", every outcome is checked: an emitted event has
 * source.ip and time.source, passes event_validate again and writes valid
 * JSON; a rejection has a reason; parse itself never fails on in-memory
 * input (it rejects records instead).  The input is parsed a second time
 * lean (format_options.lean, as ingest does): the same records must be
 * accepted and rejected, for the same reasons, with the same observation
 * key.  A violation abort()s.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vtime.h"
#include "formats/format.h"
#include "formats/json_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The key handed over in binary (format_record.key_ip) reads as the
 * event's source.ip and time.source text; a lean event may leave that
 * text out (absent = 0 allowed). */
static void check_key(const struct event *ev, const struct format_record *rec, int absent)
{
    char ip[IP_STRLEN], t[40];
    if (!rec->key_ip)
        return;
    ip[ip_format(rec->key_ip, ip)] = '\0';
    t[vt_format_iso(rec->key_us, t)] = '\0';
    const char *sip = event_get_str(ev, "source.ip"), *st = event_get_str(ev, "time.source");
    if (absent && !sip && !st)
        return;
    if (!sip || !st || strcmp(ip, sip) != 0 || strcmp(t, st) != 0)
        abort();
}

/* One line per record: what ingest reads of it (the address and time from
 * the binary key when the driver hands it over, as ingest does). */
static void note(struct vg_buf *b, const struct event *ev, const struct format_record *rec,
                 const char *reason)
{
    static const char *keys[] = {"source.ip", "time.source", "classification.type",
                                 "malware.name", "feed.name", "tlp"};
    char ip[IP_STRLEN], t[40];
    vg_buf_printf(b, "%llu", (unsigned long long)rec->line);
    if (reason)
        vg_buf_printf(b, " R %s", reason);
    if (ev && rec->key_ip) {
        ip[ip_format(rec->key_ip, ip)] = '\0';
        t[vt_format_iso(rec->key_us, t)] = '\0';
    }
    for (size_t k = 0; ev && k < sizeof keys / sizeof keys[0]; k++) {
        const char *v = rec->key_ip && k < 2 ? (k ? t : ip) : event_get_str(ev, keys[k]);
        vg_buf_printf(b, " %s", v ? v : "-");
    }
    vg_buf_putc(b, '\n');
}

static int lean_emit(void *ctx, struct event *ev, const struct format_record *rec)
{
    check_key(ev, rec, 1);
    note(ctx, ev, rec, NULL);
    return 0;
}

static int lean_reject(void *ctx, const struct format_record *rec, const char *reason)
{
    note(ctx, NULL, rec, reason);
    return 0;
}

static int fuzz_emit(void *ctx, struct event *ev, const struct format_record *rec)
{
    struct vg_buf out = VG_BUF_INIT;
    struct vg_err err;
    check_key(ev, rec, 0);
    note(ctx, ev, rec, NULL);
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
    if (!reason || !*reason || rec->line == 0)
        abort();
    note(ctx, NULL, rec, reason);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vg_input *in;
    struct vg_err err;
    struct vg_buf full = VG_BUF_INIT, lean = VG_BUF_INIT;
    struct format_sink sink = {fuzz_emit, fuzz_reject, &full};
    struct format_sink lean_sink = {lean_emit, lean_reject, &lean};
    struct format_options opt = {NULL, NULL, NULL, 0, 0};
    struct format_options lean_opt = {NULL, NULL, NULL, 1, 1};
    (void)format_ctip.detect("fuzz.ctip", (const char *)data, size);
    if (vg_input_open_mem(&in, "fuzz.ctip", data, size, &err))
        return 0;
    if (format_ctip.parse(in, &opt, &sink, &err) != 0)
        abort();
    vg_input_close(in);
    if (vg_input_open_mem(&in, "fuzz.ctip", data, size, &err))
        abort();
    if (format_ctip.parse(in, &lean_opt, &lean_sink, &err) != 0)
        abort();
    vg_input_close(in);
    if (full.len != lean.len || (full.len && memcmp(full.data, lean.data, full.len) != 0))
        abort();
    vg_buf_free(&full);
    vg_buf_free(&lean);
    return 0;
}
