/*
 * cmd_simulate.c — `vigil simulate`: seeded national infection telemetry
 * with ground truth (see src/sim/simulate.h for the model).
 *
 * Every argument is checked before anything is created or written, so a
 * usage error (exit 2) leaves no files behind.  A summary line goes to
 * stderr unless --quiet; stdout carries records only with -o -.
 */
#include "cli/cli.h"
#include "cli/cli_common.h"
#include "core/vtime.h"
#include "sim/simulate.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void help(FILE *out)
{
    fprintf(out,
            "usage: vigil simulate [options] (--out DIR | -o FILE)\n\n"
            "Generate realistic, seeded infection telemetry for one country — Microsoft\n"
            "CTIP Azure JSON lines and Shadowserver event4_sinkhole CSV — with its ground\n"
            "truth.  Infected hosts are real addresses of the country (ASN ranges from the\n"
            "enrichment data whose geolocation is the country, ISPs weighted by announced\n"
            "size); families, beaconing, churn, ISP and province skew are modelled.  The\n"
            "same seed and options give the same bytes on every platform.\n\n"
            "options:\n"
            "  --seed N          random seed (default 1)\n"
            "  --country CC      ISO 3166-1 alpha-2 country (default VN)\n"
            "  --start DATE      first day, YYYY-MM-DD (default 2026-10-01)\n"
            "  --days N          number of days, 1..%u (default 30)\n"
            "  --hosts N         infected hosts to place (default 20000; the truth counts\n"
            "                    those that beacon at least once)\n"
            "  --events N        target total number of records (malformed included),\n"
            "                    approximately; rescales the beaconing intensity\n"
            "                    (default: the model's own, about 1.7 records per host\n"
            "                    and day over both feeds)\n"
            "  --malformed F     fraction of malformed records, 0..%g (default 0): truncated\n"
            "                    JSON, impossible or missing addresses, missing/zero/garbage\n"
            "                    times, binary garbage with NUL bytes, CSV rows with missing\n"
            "                    columns or bad timestamps\n"
            "  --format F        ctip | shadowserver | both (default both)\n"
            "  --out DIR         write per-day files into DIR (created when missing):\n"
            "                    ctip-YYYY-MM-DD.json and\n"
            "                    YYYY-MM-DD-event4_sinkhole-<cc>-sample.csv\n"
            "  -o FILE           write one format (--format ctip or shadowserver) as one\n"
            "                    stream to FILE; - is standard output\n"
            "  --truth FILE      write the ground truth JSON to FILE (- = standard output,\n"
            "                    unless the records go there): seed, country, start, days,\n"
            "                    records, malformed, accepted, total {ips, events} and\n"
            "                    by_asn_family, by_region, by_day, by_family arrays of\n"
            "                    {key..., ips, events}; family is malware.name as vigil\n"
            "                    stores it (CTIP: the ThreatCode lower-cased; Shadowserver:\n"
            "                    the infection lower-cased), region is the enrichment's\n"
            "                    region, \"\" when the geo database has none\n"
            "  --data-dir DIR    enrichment data (default: $VIGIL_DATA, else the data\n"
            "                    installed by 'make deps')\n"
            "  -q, --quiet       no summary line on standard error\n"
            "  -h, --help        this text\n\n"
            "exit status: 0 success, 2 usage or I/O error\n",
            SIM_MAX_DAYS, SIM_MAX_MALFORMED);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cmd_simulate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"seed", required_argument, NULL, 'S'},     {"country", required_argument, NULL, 'c'},
        {"start", required_argument, NULL, 's'},    {"days", required_argument, NULL, 'd'},
        {"hosts", required_argument, NULL, 'H'},    {"events", required_argument, NULL, 'e'},
        {"malformed", required_argument, NULL, 'm'}, {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'O'},      {"truth", required_argument, NULL, 't'},
        {"data-dir", required_argument, NULL, 'D'}, {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    struct sim_config cfg;
    const char *out_dir = NULL, *out_file = NULL, *truth_path = NULL, *data_dir = NULL;
    unsigned long long v;
    int quiet = 0, c;
    sim_config_init(&cfg);
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'S':
            if (cli_parse_u64(optarg, &v))
                return cli_usage_error("simulate", "--seed wants a non-negative integer, got '%s'",
                                       optarg);
            cfg.seed = v;
            break;
        case 'c':
            if (strlen(optarg) != 2)
                return cli_usage_error("simulate", "--country wants a two-letter code, got '%s'",
                                       optarg);
            for (int i = 0; i < 2; i++) {
                char ch = optarg[i];
                if (ch >= 'a' && ch <= 'z')
                    ch = (char)(ch - 'a' + 'A');
                if (ch < 'A' || ch > 'Z')
                    return cli_usage_error("simulate",
                                           "--country wants a two-letter code, got '%s'", optarg);
                cfg.country[i] = ch;
            }
            cfg.country[2] = '\0';
            break;
        case 's':
            if (strlen(optarg) != 10 || vt_parse_day(optarg, &cfg.start_day) ||
                cfg.start_day < 0)
                return cli_usage_error("simulate", "--start wants a date YYYY-MM-DD, got '%s'",
                                       optarg);
            break;
        case 'd':
            if (cli_parse_u64(optarg, &v) || v < 1 || v > SIM_MAX_DAYS)
                return cli_usage_error("simulate", "--days wants 1..%u, got '%s'", SIM_MAX_DAYS,
                                       optarg);
            cfg.days = (uint32_t)v;
            break;
        case 'H':
            if (cli_parse_u64(optarg, &v) || v < 1 || v > SIM_MAX_HOSTS)
                return cli_usage_error("simulate", "--hosts wants 1..%u, got '%s'",
                                       SIM_MAX_HOSTS, optarg);
            cfg.hosts = v;
            break;
        case 'e':
            if (cli_parse_u64(optarg, &v) || v < 1)
                return cli_usage_error("simulate", "--events wants a positive integer, got '%s'",
                                       optarg);
            cfg.events = v;
            break;
        case 'm': {
            char *end;
            errno = 0;
            double f = strtod(optarg, &end);
            if (errno || end == optarg || *end || !(f >= 0 && f <= SIM_MAX_MALFORMED))
                return cli_usage_error("simulate",
                                       "--malformed wants a fraction 0..%g (e.g. 0.01), got '%s'",
                                       SIM_MAX_MALFORMED, optarg);
            cfg.malformed = f;
            break;
        }
        case 'f':
            if (strcmp(optarg, "ctip") == 0)
                cfg.formats = SIM_FORMAT_CTIP;
            else if (strcmp(optarg, "shadowserver") == 0)
                cfg.formats = SIM_FORMAT_SHADOWSERVER;
            else if (strcmp(optarg, "both") == 0)
                cfg.formats = SIM_FORMAT_BOTH;
            else
                return cli_usage_error("simulate",
                                       "unknown format '%s' (ctip, shadowserver, both)", optarg);
            break;
        case 'O': out_dir = optarg; break;
        case 'o': out_file = optarg; break;
        case 't': truth_path = optarg; break;
        case 'D': data_dir = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': help(stdout); return EXIT_OK;
        default: return cli_usage_error("simulate", "bad option");
        }
    }
    if (optind < argc)
        return cli_usage_error("simulate", "unexpected argument '%s'", argv[optind]);
    if (!out_dir && !out_file)
        return cli_usage_error("simulate", "say where the records go: --out DIR or -o FILE");
    if (out_dir && out_file)
        return cli_usage_error("simulate", "--out and -o exclude each other");
    if (!*(out_dir ? out_dir : out_file))
        return cli_usage_error("simulate", "empty output name");
    if (out_file && cfg.formats == SIM_FORMAT_BOTH)
        return cli_usage_error("simulate",
                               "-o writes one stream of one format: add --format ctip or "
                               "--format shadowserver (or use --out DIR)");
    int to_stdout = out_file && strcmp(out_file, "-") == 0;
    if (truth_path && strcmp(truth_path, "-") == 0 && to_stdout)
        return cli_usage_error("simulate", "the records already go to standard output: "
                                           "give --truth a file name");

    struct vg_err err = {0};
    char dir[PATH_MAX];
    struct enricher *en = NULL;
    struct sim_space *space = NULL;
    struct sim_dir_sink ds;
    struct sim_stream_sink ss;
    const struct sim_sink *sink;
    struct sim_stats st;
    FILE *truth = NULL, *out = NULL;
    int rc = EXIT_USAGE, opened_dir = 0;
    double t0 = now_s();

    memset(&ds, 0, sizeof ds);
    if (cli_open_enricher(data_dir, dir, &en, &err) < 0)
        goto fail;
    if (sim_space_open(&space, en, cfg.country, &err) < 0)
        goto fail;
    if (truth_path) {
        truth = strcmp(truth_path, "-") == 0 ? stdout : fopen(truth_path, "w");
        if (!truth) {
            vg_err_set(&err, VG_EIO, "cannot create %s: %s", truth_path, strerror(errno));
            goto fail;
        }
    }
    if (out_dir) {
        opened_dir = 1;
        if (sim_dir_sink_init(&ds, out_dir, &err) < 0)
            goto fail;
        sink = &ds.sink;
    } else {
        out = to_stdout ? stdout : fopen(out_file, "wb");
        if (!out) {
            vg_err_set(&err, VG_EIO, "cannot create %s: %s", out_file, strerror(errno));
            goto fail;
        }
        sim_stream_sink_init(&ss, out, to_stdout ? "<stdout>" : out_file);
        sink = &ss.sink;
    }
    if (sim_run(&cfg, space, sink, truth, &st, &err) < 0)
        goto fail;
    if (out && out != stdout) {
        FILE *f = out;
        out = NULL;
        if (fclose(f) != 0) {
            vg_err_set(&err, VG_EIO, "writing %s: %s", out_file, strerror(errno));
            goto fail;
        }
    }
    if (truth && truth != stdout) {
        FILE *f = truth;
        truth = NULL;
        if (fclose(f) != 0) {
            vg_err_set(&err, VG_EIO, "writing %s: %s", truth_path, strerror(errno));
            goto fail;
        }
    }
    if (!quiet) {
        double secs = now_s() - t0;
        fprintf(stderr,
                "vigil simulate: %llu records (%llu malformed) from %llu of %llu hosts "
                "(%llu infections), %u days in %s, %.2f s (%.0f records/s)\n",
                (unsigned long long)st.records, (unsigned long long)st.malformed,
                (unsigned long long)st.ips, (unsigned long long)st.hosts,
                (unsigned long long)st.infections, cfg.days, cfg.country, secs,
                secs > 0 ? (double)st.records / secs : 0.0);
    }
    rc = EXIT_OK;
    goto out;
fail:
    fprintf(stderr, "vigil simulate: %s\n", err.msg[0] ? err.msg : vg_code_name(err.code));
    rc = EXIT_USAGE;
out:
    if (opened_dir)
        sim_dir_sink_close(&ds);
    if (out && out != stdout)
        fclose(out);
    if (truth && truth != stdout)
        fclose(truth);
    sim_space_close(space);
    enricher_close(en);
    return rc;
}
