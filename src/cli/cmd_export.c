/*
 * cmd_export.c — `vigil export`: stored observations as a STIX 2.1 bundle,
 * a MISP feed directory, IntelMQ JSON lines or CSV (src/share/).
 *
 * The selection takes the same filters, through the same parser, as
 * `vigil landscape`, plus a TLP ceiling.  On the command line the caller
 * is the operator, who exports everything, unless --as ORG names the
 * organisation the export is for: then only what the TLP 2.0 policy lets
 * that organisation read is selected (the store's row filter, the rule
 * every read path applies).
 */
#include "access/access.h"
#include "cli/cli.h"
#include "cli/cli_common.h"
#include "enrich/places.h"
#include "landscape/landscape.h"
#include "share/share.h"
#include "store/store.h"

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fprintf(out,
            "usage: vigil export --format FORMAT [options]\n\n"
            "Export stored observations (one infected address, family, feed and TLP on one\n"
            "day, with its events and first/last seen) for sharing.\n\n"
            "formats:\n"
            "  stix            one STIX 2.1 bundle (identity, TLP 2.0 markings, malware,\n"
            "                  indicator, observed-data and sighting per observation)\n"
            "  misp            a MISP feed directory (manifest.json, hashes.csv, one\n"
            "                  <uuid>.json per day x feed x family x type x TLP); -o DIR\n"
            "  intelmq         IntelMQ JSON lines, one event per observation\n"
            "  csv             the same fields as RFC 4180 CSV with a header row\n\n"
            "options:\n"
            "  --format NAME   stix | misp | intelmq | csv (required)\n"
            "  -o, --output PATH  the file (default: stdout), for misp the feed directory\n"
            "  --db PATH       database (default: $VIGIL_DB, else ./vigil.db)\n"
            "  --from DATE, --to DATE   the period, YYYY-MM-DD, inclusive (default: all)\n"
            "  --country CC, --family NAME, --asn N, --isp NAME, --region NAME,\n"
            "  --province NAME, --type TYPE, --feed NAME\n"
            "                  only these observations (as vigil landscape)\n"
            "  --as ORG        only what organisation ORG may read (TLP 2.0 policy and\n"
            "                  scope, as vigil landscape --as)\n"
            "  --tlp LABEL     the strictest TLP exported: CLEAR, GREEN, AMBER,\n"
            "                  AMBER+STRICT or RED (default: RED, everything)\n"
            "  --producer NAME the organisation named as the producer (STIX identity,\n"
            "                  MISP Orgc; default: $VIGIL_PRODUCER, else \"vigil\")\n"
            "  --data-dir DIR  where the province and ISP tables are (see etc/README.md)\n"
            "  -q, --quiet     no summary on stderr\n"
            "  -h, --help      this text\n\n"
            "Ids are deterministic: exporting the same observations again gives the same\n"
            "ids (and the same bytes).\n"
            "exit status: 0 exported, 2 usage, database or write error\n");
}

int cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},   {"output", required_argument, NULL, 'o'},
        {"db", required_argument, NULL, 'd'},       {"from", required_argument, NULL, 'p'},
        {"to", required_argument, NULL, 'p'},       {"country", required_argument, NULL, 'p'},
        {"family", required_argument, NULL, 'p'},   {"asn", required_argument, NULL, 'p'},
        {"region", required_argument, NULL, 'p'},   {"type", required_argument, NULL, 'p'},
        {"feed", required_argument, NULL, 'p'},     {"province", required_argument, NULL, 'p'},
        {"isp", required_argument, NULL, 'p'},      {"tlp", required_argument, NULL, 't'},
        {"producer", required_argument, NULL, 'P'}, {"data-dir", required_argument, NULL, 'D'},
        {"quiet", no_argument, NULL, 'q'},          {"help", no_argument, NULL, 'h'},
        {"as", required_argument, NULL, 'A'},
        {NULL, 0, NULL, 0},
    };
    struct landscape_query q;
    struct share_options so = {.max_tlp = TLP_RED, .out = stdout};
    struct vg_err err = {0};
    const char *db = NULL, *data_dir = NULL, *format = NULL, *as = NULL;
    int quiet = 0, c, idx;
    landscape_query_init(&q);
    so.producer = getenv("VIGIL_PRODUCER");
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qh", opts, &idx)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'o': so.path = optarg; break;
        case 'd': db = optarg; break;
        case 'p':
            if (landscape_query_set(&q, opts[idx].name, optarg, &err))
                return cli_usage_error("export", "--%s", err.msg);
            break;
        case 't':
            if ((so.max_tlp = tlp_parse(optarg, strlen(optarg))) == TLP_NONE)
                return cli_usage_error("export",
                                       "--tlp: '%.40s' is not a TLP label (CLEAR, GREEN, "
                                       "AMBER, AMBER+STRICT, RED)",
                                       optarg);
            break;
        case 'P': so.producer = optarg; break;
        case 'A': as = optarg; break;
        case 'D': data_dir = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': help(stdout); return EXIT_OK;
        default: return cli_usage_error("export", "bad option");
        }
    }
    if (optind < argc)
        return cli_usage_error("export", "unexpected argument '%s'", argv[optind]);
    if (!format)
        return cli_usage_error("export", "--format is required (stix, misp, intelmq, csv)");
    if (share_format_parse(format, &so.format, &err))
        return cli_usage_error("export", "--%s", err.msg);
    if (so.format == SHARE_MISP && !so.path)
        return cli_usage_error("export", "--format misp writes a feed directory: name it with -o DIR");
    if (so.path && strcmp(so.path, "-") == 0) {
        if (so.format == SHARE_MISP)
            return cli_usage_error("export", "-o -: a MISP feed is a directory, not a stream");
        so.path = NULL;
    }
    if (so.producer && strlen(so.producer) > 256)
        return cli_usage_error("export", "--producer: name too long");
    if (landscape_query_check(&q, &err))
        return cli_usage_error("export", "%s", err.msg);

    struct store *st = NULL;
    db = cli_db_path(db);
    if (store_open(&st, db, STORE_RO, &err)) {
        fprintf(stderr, "vigil export: %s\n", err.msg);
        return EXIT_USAGE;
    }
    /* the province and ISP tables serve the --province and --isp filters */
    struct places *places = cli_open_places(data_dir, q.province || q.isp, "export");
    struct access_subject reader;
    if (cli_reader(st, as, &reader, "export")) {
        store_close(st);
        places_free(places);
        return EXIT_USAGE;
    }
    q.reader = &reader;
    struct share_stats stats;
    int code = EXIT_OK;
    if (landscape_places_attach(st, places, &err) || share_export(st, &q, &so, &stats, &err)) {
        fprintf(stderr, "vigil export: %s\n", err.msg);
        code = EXIT_USAGE;
    } else if (cli_audit_as(db, as, "export", argc, argv, stats.strict_events,
                            stats.strictest)) {
        code = EXIT_USAGE;
    } else if (!quiet) {
        fprintf(stderr, "vigil export: %llu observation%s as %s", (unsigned long long)stats.exported,
                stats.exported == 1 ? "" : "s", share_format_name(so.format));
        if (so.format == SHARE_STIX)
            fprintf(stderr, " (%llu objects)", (unsigned long long)stats.objects);
        if (so.format == SHARE_MISP)
            fprintf(stderr, " (%llu events)", (unsigned long long)stats.objects);
        fprintf(stderr, " to %s", so.path ? so.path : "stdout");
        if (stats.withheld_tlp)
            fprintf(stderr, "; %llu withheld above TLP:%s", (unsigned long long)stats.withheld_tlp,
                    tlp_name(so.max_tlp));
        if (as)
            fprintf(stderr, "; what %s may read", as);
        fputc('\n', stderr);
    }
    access_subject_release(&reader);
    store_close(st);
    places_free(places);
    return code;
}
