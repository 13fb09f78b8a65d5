/*
 * cmd_landscape.c — `vigil landscape`: the infection landscape from the
 * store, as a table or as JSON ({"rows":[...],"total":{"ips":N,"events":N}}).
 */
#include "access/access.h"
#include "cli/cli.h"
#include "cli/cli_common.h"
#include "core/vtime.h"
#include "enrich/places.h"
#include "landscape/landscape.h"
#include "store/store.h"

#include <getopt.h>
#include <limits.h>
#include <string.h>

static void help(FILE *out)
{
    fprintf(out,
            "usage: vigil landscape [options]\n\n"
            "Distinct infected addresses and events, grouped by keys, over a period.\n\n"
            "options:\n"
            "  --db PATH       database (default: $VIGIL_DB, else ./vigil.db)\n"
            "  --from DATE     first day, YYYY-MM-DD (default: the first stored day)\n"
            "  --to DATE       last day, inclusive (default: the last stored day)\n"
            "  --country CC    only addresses vigil geolocates in this country\n"
            "  --by KEYS       comma list of family, asn, isp, region, province, day,\n"
            "                  type, feed, country, city, tlp, ip (default: family;\n"
            "                  ip lists the addresses behind a number)\n"
            "  --top N         the N largest groups (default: every group)\n"
            "  --family NAME, --asn N, --isp NAME, --region NAME, --province NAME,\n"
            "  --type TYPE, --feed NAME\n"
            "                  only observations with this value (drill-down)\n"
            "  --as ORG        compute what organisation ORG may read (TLP and scope)\n"
            "  --data-dir DIR  where the province and ISP tables are (see etc/README.md)\n"
            "  --json          {\"rows\":[...],\"total\":{\"ips\":N,\"events\":N}}\n"
            "  -h, --help      this text\n\n"
            "ips = distinct source addresses in the group over the whole period;\n"
            "total.ips = distinct addresses in the whole selection (not a sum of rows).\n");
}

static int uses_places(const struct landscape_query *q)
{
    int used = q->province || q->isp;
    for (size_t k = 0; k < q->nkeys; k++)
        used |= q->keys[k] == LK_PROVINCE || q->keys[k] == LK_ISP;
    return used;
}

int cmd_landscape(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},     {"from", required_argument, NULL, 'p'},
        {"to", required_argument, NULL, 'p'},     {"country", required_argument, NULL, 'p'},
        {"by", required_argument, NULL, 'p'},     {"top", required_argument, NULL, 'p'},
        {"family", required_argument, NULL, 'p'}, {"asn", required_argument, NULL, 'p'},
        {"region", required_argument, NULL, 'p'}, {"type", required_argument, NULL, 'p'},
        {"feed", required_argument, NULL, 'p'},   {"province", required_argument, NULL, 'p'},
        {"isp", required_argument, NULL, 'p'},    {"data-dir", required_argument, NULL, 'D'},
        {"as", required_argument, NULL, 'a'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    struct landscape_query q;
    struct vg_err err = {0};
    const char *db = NULL, *data_dir = NULL, *as = NULL;
    int json = 0, c, idx;
    landscape_query_init(&q);
    landscape_parse_keys("family", &q, &err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, &idx)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'p':
            if (landscape_query_set(&q, opts[idx].name, optarg, &err))
                return cli_usage_error("landscape", "--%s", err.msg);
            break;
        case 'D': data_dir = optarg; break;
        case 'a': as = optarg; break;
        case 'j': json = 1; break;
        case 'h': help(stdout); return EXIT_OK;
        default: return cli_usage_error("landscape", "bad option");
        }
    }
    if (optind < argc)
        return cli_usage_error("landscape", "unexpected argument '%s'", argv[optind]);
    if (landscape_query_check(&q, &err))
        return cli_usage_error("landscape", "%s", err.msg);

    struct store *st = NULL;
    struct landscape_result res;
    db = cli_db_path(db);
    if (store_open(&st, db, STORE_RO, &err)) {
        fprintf(stderr, "vigil landscape: %s\n", err.msg);
        return EXIT_USAGE;
    }
    struct places *places = cli_open_places(data_dir, uses_places(&q), "landscape");
    int code = EXIT_OK;
    struct access_subject reader;
    if (cli_reader(st, as, &reader, "landscape")) {
        store_close(st);
        places_free(places);
        return EXIT_USAGE;
    }
    q.reader = &reader;
    if (landscape_places_attach(st, places, &err) || landscape_run(st, &q, &res, &err)) {
        fprintf(stderr, "vigil landscape: %s\n", err.msg);
        code = EXIT_USAGE;
    } else if (cli_audit_as(db, as, "landscape", argc, argv, res.strict_events, res.strictest)) {
        code = EXIT_USAGE;
        landscape_result_free(&res);
    } else {
        if (json) {
            struct vg_buf out = VG_BUF_INIT;
            if (landscape_write_json(&q, &res, &out) == 0) {
                fwrite(out.data, 1, out.len, stdout);
                fputc('\n', stdout);
            } else {
                fprintf(stderr, "vigil landscape: out of memory\n");
                code = EXIT_USAGE;
            }
            vg_buf_free(&out);
        } else {
            landscape_write_table(&q, &res, stdout);
        }
        landscape_result_free(&res);
    }
    access_subject_release(&reader);
    store_close(st);
    places_free(places);
    return code;
}
