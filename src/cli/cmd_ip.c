/*
 * cmd_ip.c — `vigil ip ADDRESS`: every observation of one address, with the
 * address's enrichment as vigil's data says today.  The query and the JSON
 * live in landscape/ip_report.c, shared with GET /api/v1/ip/{address}.
 */
#include "access/access.h"
#include "cli/cli.h"
#include "cli/cli_common.h"
#include "core/buf.h"
#include "core/vtime.h"
#include "landscape/ip_report.h"
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
                 "  --as ORG        only what organisation ORG may read (TLP and scope)\n"
                 "  --json          one JSON object\n"
                 "  -h, --help      this text\n");
}

static int row_print(void *ctx, const struct ip_report_row *r)
{
    size_t *n = ctx;
    char day[16], first[40], last[40];
    vt_format_day(r->day, day);
    vt_format_iso(r->first_us, first);
    vt_format_iso(r->last_us, last);
    if (!*n)
        printf("%-10s  %-16s  %-24s  %-16s  %-6s %8s  %-25s  %s\n", "day", "type", "family",
               "feed", "tlp", "events", "first seen", "last seen");
    printf("%-10s  %-16s  %-24s  %-16s  %-6s %8llu  %-25s  %s\n", day, r->type,
           r->family[0] ? r->family : "-", r->feed, r->tlp, (unsigned long long)r->events, first,
           last);
    (*n)++;
    return 0;
}

int cmd_ip(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'}, {"data-dir", required_argument, NULL, 'D'},
        {"json", no_argument, NULL, 'j'},     {"help", no_argument, NULL, 'h'},
        {"as", required_argument, NULL, 'a'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *data_dir = NULL, *as = NULL;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'D': data_dir = optarg; break;
        case 'j': json = 1; break;
        case 'a': as = optarg; break;
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
    struct access_subject reader;
    access_subject_operator(&reader);
    if (cli_open_enricher(data_dir, dir, &en, &err) || store_open(&st, cli_db_path(db), STORE_RO, &err)) {
        fprintf(stderr, "vigil ip: %s\n", err.msg);
        goto out;
    }
    if (cli_reader(st, as, &reader, "ip"))
        goto out;
    /* the report is made first also for the table: what it read at
     * TLP:AMBER or stricter is audited before anything is shown */
    struct ip_report_stats stats = {0, -1};
    if (ip_report_write_json(st, en, &ip, &reader, &out, &stats, &err) || vg_buf_putc(&out, '\n')) {
        fprintf(stderr, "vigil ip: %s\n", err.msg[0] ? err.msg : "out of memory");
        goto out;
    }
    if (cli_audit_as(cli_db_path(db), as, "ip", argc, argv, stats.strict_events, stats.strictest))
        goto out;
    if (json) {
        fwrite(out.data, 1, out.len, stdout);
    } else {
        struct enrich_result r;
        enricher_lookup(en, &ip, &r);
        printf("%s", canon);
        if (r.has_asn)
            printf("  AS%u %s", r.asn, r.as_name ? r.as_name : "");
        if (r.has_geo)
            printf("  %s %.*s %.*s", r.geo.cc, (int)r.geo.region_len,
                   r.geo.region ? r.geo.region : "", (int)r.geo.city_len,
                   r.geo.city ? r.geo.city : "");
        printf("\n\n");
        size_t n = 0;
        if (ip_report_each(st, &ip, &reader, row_print, &n, &err)) {
            fprintf(stderr, "vigil ip: %s\n", err.msg);
            goto out;
        }
        if (!n)
            printf("no observations of %s\n", canon);
    }
    code = EXIT_OK;
out:
    access_subject_release(&reader);
    vg_buf_free(&out);
    store_close(st);
    enricher_close(en);
    return code;
}
