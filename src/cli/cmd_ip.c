/*
 * cmd_ip.c — `vigil ip ADDRESS`: every observation of one address, with the
 * address's enrichment as vigil's data says today.
 */
#include "cli/cli.h"
#include "cli/cli_common.h"
#include "core/buf.h"
#include "core/vtime.h"
#include "store/store.h"

#include <getopt.h>
#include <string.h>

static void help(FILE *out)
{
    fprintf(out, "usage: vigil ip [options] ADDRESS\n\n"
                 "Every stored observation of one IPv4 or IPv6 address, with its enrichment.\n\n"
                 "options:\n"
                 "  --db PATH       database (default: $VIGIL_DB, else ./vigil.db)\n"
                 "  --data-dir DIR  enrichment data (see 'vigil ingest --help')\n"
                 "  --json          one JSON object\n"
                 "  -h, --help      this text\n");
}

struct ip_ctx {
    int json;
    size_t n;
    struct vg_buf *out;
};

static int row_cb(void *ctx, int ncol, const struct store_value *v)
{
    struct ip_ctx *c = ctx;
    (void)ncol;
    char day[16], first[40], last[40];
    vt_format_day(v[0].i, day);
    vt_format_iso(v[7].i, first);
    vt_format_iso(v[8].i, last);
    if (c->json) {
        struct vg_buf *o = c->out;
        vg_buf_puts(o, c->n ? ",{" : "{");
        vg_buf_printf(o, "\"day\":\"%s\",\"type\":", day);
        vg_buf_json_str(o, v[1].s, v[1].len);
        vg_buf_puts(o, ",\"family\":");
        vg_buf_json_str(o, v[2].s, v[2].len);
        vg_buf_puts(o, ",\"feed\":");
        vg_buf_json_str(o, v[3].s, v[3].len);
        vg_buf_puts(o, ",\"tlp\":");
        vg_buf_json_str(o, v[4].s, v[4].len);
        vg_buf_printf(o, ",\"asn\":%lld,\"region\":", (long long)v[5].i);
        vg_buf_json_str(o, v[9].s, v[9].len);
        vg_buf_printf(o, ",\"events\":%lld,\"first_seen\":\"%s\",\"last_seen\":\"%s\"}",
                      (long long)v[6].i, first, last);
    } else {
        if (!c->n)
            printf("%-10s  %-16s  %-24s  %-16s  %-6s %8s  %-25s  %s\n", "day", "type", "family",
                   "feed", "tlp", "events", "first seen", "last seen");
        printf("%-10s  %-16s  %-24s  %-16s  %-6s %8lld  %-25s  %s\n", day, v[1].s, v[2].s[0] ? v[2].s : "-",
               v[3].s, v[4].s, (long long)v[6].i, first, last);
    }
    c->n++;
    return 0;
}

int cmd_ip(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'}, {"data-dir", required_argument, NULL, 'D'},
        {"json", no_argument, NULL, 'j'},     {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *data_dir = NULL;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'D': data_dir = optarg; break;
        case 'j': json = 1; break;
        case 'h': help(stdout); return EXIT_OK;
        default: return cli_usage_error("ip", "bad option");
        }
    }
    if (optind + 1 != argc)
        return cli_usage_error("ip", "give exactly one address");
    struct ip_addr ip;
    const char *arg = argv[optind];
    if (ip_parse(arg, strlen(arg), &ip))
        return cli_usage_error("ip", "'%s' is not an IPv4 or IPv6 address", arg);
    char canon[IP_STRLEN];
    ip_format(&ip, canon);

    struct vg_err err = {0};
    struct enricher *en = NULL;
    struct store *st = NULL;
    char dir[PATH_MAX];
    int code = EXIT_USAGE;
    struct vg_buf out = VG_BUF_INIT;
    if (cli_open_enricher(data_dir, dir, &en, &err) || store_open(&st, cli_db_path(db), STORE_RO, &err)) {
        fprintf(stderr, "vigil ip: %s\n", err.msg);
        goto out;
    }
    struct enrich_result r;
    enricher_lookup(en, &ip, &r);
    if (json) {
        vg_buf_puts(&out, "{\"ip\":");
        vg_buf_json_str(&out, canon, strlen(canon));
        if (r.has_asn) {
            vg_buf_printf(&out, ",\"asn\":%u,\"as_name\":", r.asn);
            vg_buf_json_str(&out, r.as_name ? r.as_name : "", r.as_name ? strlen(r.as_name) : 0);
        } else {
            vg_buf_puts(&out, ",\"asn\":null,\"as_name\":null");
        }
        vg_buf_puts(&out, ",\"geolocation\":{\"cc\":");
        vg_buf_json_str(&out, r.geo.cc, strlen(r.geo.cc));
        vg_buf_puts(&out, ",\"region\":");
        vg_buf_json_str(&out, r.geo.region ? r.geo.region : "", r.geo.region ? r.geo.region_len : 0);
        vg_buf_puts(&out, ",\"city\":");
        vg_buf_json_str(&out, r.geo.city ? r.geo.city : "", r.geo.city ? r.geo.city_len : 0);
        if (r.geo.has_latlon) {
            vg_buf_puts(&out, ",\"latitude\":");
            event_write_double(&out, r.geo.lat);
            vg_buf_puts(&out, ",\"longitude\":");
            event_write_double(&out, r.geo.lon);
        }
        vg_buf_puts(&out, "},\"observations\":[");
    } else {
        printf("%s", canon);
        if (r.has_asn)
            printf("  AS%u %s", r.asn, r.as_name ? r.as_name : "");
        if (r.has_geo)
            printf("  %s %.*s %.*s", r.geo.cc, (int)r.geo.region_len,
                   r.geo.region ? r.geo.region : "", (int)r.geo.city_len,
                   r.geo.city ? r.geo.city : "");
        printf("\n\n");
    }
    struct ip_ctx ctx = {json, 0, &out};
    struct store_value arg16 = {.type = ST_BLOB, .s = (const char *)ip.b, .len = 16};
    if (store_query(st,
                    "SELECT day, type, family, feed, tlp, asn, events, first_us, last_us, region "
                    "FROM observations WHERE ip = ? ORDER BY day, type, family, feed, tlp",
                    &arg16, 1, row_cb, &ctx, &err)) {
        fprintf(stderr, "vigil ip: %s\n", err.msg);
        goto out;
    }
    if (json) {
        vg_buf_puts(&out, "]}\n");
        fwrite(out.data, 1, out.len, stdout);
    } else if (!ctx.n) {
        printf("no observations of %s\n", canon);
    }
    code = EXIT_OK;
out:
    vg_buf_free(&out);
    store_close(st);
    enricher_close(en);
    return code;
}
