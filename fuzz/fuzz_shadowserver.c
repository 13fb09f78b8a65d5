/*
 * fuzz_shadowserver.c — the Shadowserver CSV driver under libFuzzer.
 *
 * The first input byte picks the file name (a sinkhole, a scan, a
 * compromised-website report or no report name at all, so that the header
 * decides) and whether a small schema written by this target (every
 * conversion function) or the built-in mapping is used; the rest is the
 * CSV.  Every emitted event must write (event_write_json) as valid JSON
 * with its fields; every reject must carry a line and a reason.  Anything
 * else abort()s.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char schema_text[] =
    "{\"fuzz_report\": {\"feed_name\": \"Fuzz\", \"file_name\": \"scan_fuzz\","
    " \"constant_fields\": {\"classification.type\": \"vulnerable-system\","
    "   \"classification.taxonomy\": \"vulnerable\"},"
    " \"required_fields\": [[\"time.source\", \"timestamp\", "
    "\"add_UTC_to_timestamp\"],"
    "   [\"source.ip\", \"ip\", \"validate_ip\"], [\"source.port\", \"port\", "
    "\"convert_int\"]],"
    " \"optional_fields\": [[\"source.network\", \"ip\", \"validate_network\"],"
    "   [\"extra.\", \"flag\", \"convert_bool\"], [\"source.asn\", \"asn\", "
    "\"invalidate_zero\"],"
    "   [\"extra.\", \"note\", \"validate_to_none\"], [\"extra.r\", \"r\", "
    "\"convert_float\"],"
    "   [\"source.reverse_dns\", \"hostname\"], [\"severity\", \"severity\"],"
    "   [\"extra.\", \"http_date\", \"convert_date\"], [\"extra.\", \"seen\", "
    "\"convert_date_utc\"],"
    "   [\"extra.\", \"body\", \"force_base64\"], [\"extra.cves\", \"tag\", "
    "\"extract_cve_from_tag\"],"
    "   [\"source.url\", \"url\", \"convert_http_host_and_url\", true],"
    "   [\"event_description.text\", \"category\", \"category_or_detail\", "
    "true],"
    "   [\"__IGNORE__\", \"secret\"], [\"source.fqdn\", \"http_host\", "
    "\"validate_fqdn\"],"
    "   [\"source.tor_node\", \"tor\", \"set_tor_node\"], [\"malware.name\", "
    "\"infection\"],"
    "   [\"classification.type\", \"tag\", \"scan_exchange_type\"],"
    "   [\"destination.ip\", \"dst_ip\", \"validate_ip\"]]}}";

static const char *schema_path(void)
{
    static char path[64];
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/vigil-fuzz-ss-%ld.json",
                 (long)getpid());
        FILE *f = fopen(path, "w");
        if (!f || fwrite(schema_text, 1, sizeof schema_text - 1, f) !=
                      sizeof schema_text - 1)
            abort();
        fclose(f);
    }
    return path;
}

static int check_event(void *ctx, struct event *ev,
                       const struct format_record *rec)
{
    struct vg_buf *b = ctx;
    json_error_t je;
    if (!rec || rec->line == 0 || !rec->raw)
        abort();
    vg_buf_reset(b);
    if (event_write_json(ev, b) != 0)
        abort();
    json_t *j = json_loadb(b->data, b->len, 0, &je);
    if (!j || json_object_size(j) != ev->n || !json_object_get(j, "feed.name"))
        abort();
    json_decref(j);
    return 0;
}

static int check_reject(void *ctx, const struct format_record *rec,
                        const char *reason)
{
    (void)ctx;
    if (!rec || rec->line == 0 || !reason || !*reason)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *names[] = {"2024-01-01-event4_sinkhole_http-x.csv",
                                  "scan_http.csv", "compromised_website.csv",
                                  "<stdin>"};
    if (size == 0)
        return 0;
    struct format_options opt = {0};
    if (data[0] & 4)
        opt.schema_path = schema_path();
    const char *name =
        (data[0] & 8) ? "2024-01-01-scan_fuzz-x.csv" : names[data[0] & 3];
    struct vg_input *in;
    struct vg_err err = {0, ""};
    struct vg_buf b = VG_BUF_INIT;
    struct format_sink sink = {check_event, check_reject, &b};
    if (vg_input_open_mem(&in, name, data + 1, size - 1, &err))
        abort();
    int rc = format_shadowserver.parse(in, &opt, &sink, &err);
    if (rc && (rc != VG_EPARSE || !err.msg[0]))
        abort();
    vg_input_close(in);
    vg_buf_free(&b);
    return 0;
}
