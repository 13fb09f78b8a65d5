/*
 * cmd_ingest.c — `vigil ingest`: feed files into the store.
 *
 * Contract (scripts depend on it): with --json, stdout is one JSON object
 * with the integer counters files, skipped_files, records, accepted,
 * rejected, observations.  Exit 0 when every record was accepted, 1 when
 * some were rejected (all good records are stored), 2 on usage or I/O
 * errors (an input that fails is rolled back whole).
 */
#include "access/policy.h"
#include "cli/cli.h"
#include "cli/cli_common.h"
#include "pipeline/ingest.h"
#include "store/store.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void help(FILE *out)
{
    fprintf(out,
            "usage: vigil ingest [options] FILE...\n\n"
            "Read feed files (\"-\" = stdin) into the store: parse, validate, enrich with\n"
            "ASN and geolocation, aggregate into observations.  An input whose bytes were\n"
            "already ingested (same SHA-256) is skipped.  A MISP feed directory stands for\n"
            "the event files its manifest.json lists.\n\n"
            "options:\n"
            "  --db PATH         database (default: $VIGIL_DB, else ./vigil.db)\n"
            "  --format NAME     ctip | shadowserver | intelmq | stix | misp (default:\n"
            "                    detect per file)\n"
            "  --report TYPE     Shadowserver report type (default: from the file name)\n"
            "  --schema PATH     Shadowserver report schema JSON (default:\n"
            "                    $VIGIL_SHADOWSERVER_SCHEMA, else <data dir>/shadowserver-schema.json,\n"
            "                    else the built-in mapping)\n"
            "  --feed NAME       set feed.name for every record\n"
            "  --tlp LABEL       TLP 2.0 label of records that carry none: CLEAR, GREEN,\n"
            "                    AMBER, AMBER+STRICT or RED (default: AMBER)\n"
            "  --rejects PATH    rejected records as JSON lines {file,line,reason,record}\n"
            "                    (default: <db>.rejects.jsonl)\n"
            "  --data-dir DIR    enrichment data (default: $VIGIL_DATA, else the data\n"
            "                    installed by 'make deps')\n"
            "  --no-archive      do not keep the raw accepted records (by default they are\n"
            "                    kept, zstd-compressed, in <db>.archive.zst: zstdcat reads it)\n"
            "  --json            print the counters as one JSON object on stdout\n"
            "  -q, --quiet       no progress bar\n"
            "  -h, --help        this text\n\n"
            "exit status: 0 all records accepted, 1 some rejected, 2 usage or I/O error\n");
}

int cmd_ingest(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},      {"format", required_argument, NULL, 'f'},
        {"report", required_argument, NULL, 'r'},  {"schema", required_argument, NULL, 's'},
        {"feed", required_argument, NULL, 'F'},    {"rejects", required_argument, NULL, 'R'},
        {"tlp", required_argument, NULL, 'T'},
        {"data-dir", required_argument, NULL, 'D'}, {"no-archive", no_argument, NULL, 'A'},
        {"json", no_argument, NULL, 'j'},          {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *format = NULL, *report = NULL, *schema = NULL, *feed = NULL;
    const char *tlp = NULL;
    const char *rejects = NULL, *data_dir = NULL;
    int json = 0, quiet = 0, archive = 1, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'f': format = optarg; break;
        case 'r': report = optarg; break;
        case 's': schema = optarg; break;
        case 'F': feed = optarg; break;
        case 'T':
            if (tlp_parse(optarg, strlen(optarg)) < 0)
                return cli_usage_error("ingest", "--tlp: '%s' is not a TLP 2.0 label", optarg);
            tlp = optarg;
            break;
        case 'R': rejects = optarg; break;
        case 'D': data_dir = optarg; break;
        case 'A': archive = 0; break;
        case 'j': json = 1; break;
        case 'q': quiet = 1; break;
        case 'h': help(stdout); return EXIT_OK;
        default: return cli_usage_error("ingest", "bad option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("ingest", "no input files (use - for stdin)");
    if (format && !format_find(format))
        return cli_usage_error("ingest",
                               "unknown format '%s' (ctip, shadowserver, intelmq, stix, misp)",
                               format);
    /* every named file must be readable before anything is written */
    for (int k = optind; k < argc; k++)
        if (strcmp(argv[k], "-") != 0 && access(argv[k], R_OK) != 0) {
            fprintf(stderr, "vigil ingest: %s: cannot read the file\n", argv[k]);
            return EXIT_USAGE;
        }
    struct cli_inputs inputs;
    struct vg_err xerr = {0};
    if (cli_inputs_expand(&inputs, argv + optind, argc - optind, &xerr)) {
        fprintf(stderr, "vigil ingest: %s\n", xerr.msg);
        return EXIT_USAGE;
    }

    db = cli_db_path(db);
    char rejects_default[4096];
    if (!rejects) {
        snprintf(rejects_default, sizeof rejects_default, "%s.rejects.jsonl", db);
        rejects = rejects_default;
    }
    struct vg_err err = {0};
    struct enricher *en = NULL;
    struct store *st = NULL;
    struct ingest *ing = NULL;
    char dir[PATH_MAX];
    int code = EXIT_USAGE, rc;
    if ((rc = cli_open_enricher(data_dir, dir, &en, &err)))
        goto out;
    if ((rc = store_open(&st, db, STORE_RW, &err)))
        goto out;
    struct ingest_options io = {
        .format = format,
        .fmt = {.report = report, .schema_path = cli_schema_path(schema, dir), .feed_name = feed},
        .rejects_path = rejects,
        .archive = archive,
        .progress = !quiet && !json && isatty(2),
        .default_tlp = tlp,
    };
    if ((rc = ingest_new(&ing, st, en, &io, &err)))
        goto out;
    struct ingest_stats total = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t k = 0; k < inputs.n; k++) {
        struct ingest_stats one;
        if ((rc = ingest_file(ing, inputs.paths[k], &total, &one, &err)))
            goto out;
        if (!json && one.skipped_files)
            fprintf(stderr, "%s: already ingested (same SHA-256), skipped\n", inputs.paths[k]);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (json) {
        printf("{\"files\":%llu,\"skipped_files\":%llu,\"records\":%llu,\"accepted\":%llu,"
               "\"rejected\":%llu,\"observations\":%llu,\"bytes\":%llu,\"seconds\":%.3f,"
               "\"records_per_second\":%.0f}\n",
               (unsigned long long)total.files, (unsigned long long)total.skipped_files,
               (unsigned long long)total.records, (unsigned long long)total.accepted,
               (unsigned long long)total.rejected, (unsigned long long)total.observations,
               (unsigned long long)total.bytes, secs, secs > 0 ? total.records / secs : 0.0);
    } else {
        fprintf(stderr,
                "%llu file(s) ingested, %llu skipped: %llu records, %llu accepted, %llu "
                "rejected, %llu observations (%.2f s)\n",
                (unsigned long long)total.files, (unsigned long long)total.skipped_files,
                (unsigned long long)total.records, (unsigned long long)total.accepted,
                (unsigned long long)total.rejected, (unsigned long long)total.observations, secs);
        if (total.rejected)
            fprintf(stderr, "rejected records: %s\n", rejects);
    }
    code = total.rejected ? EXIT_PARTIAL : EXIT_OK;
out:
    if (rc)
        fprintf(stderr, "vigil ingest: %s\n", err.msg);
    ingest_free(ing);
    store_close(st);
    enricher_close(en);
    cli_inputs_free(&inputs);
    return code;
}
