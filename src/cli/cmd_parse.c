/*
 * cmd_parse.c — `vigil parse`: run a format driver (and optionally the
 * enrichment) and print IntelMQ JSON lines, without a store.  The same
 * drivers as `vigil ingest`; used to inspect feeds, convert them to IntelMQ
 * and check conformance.
 */
#include "cli/cli.h"
#include "cli/cli_common.h"
#include "core/buf.h"
#include "enrich/datadir.h"
#include "formats/format.h"

#include <getopt.h>
#include <string.h>

static void help(FILE *out)
{
    fprintf(out,
            "usage: vigil parse [options] FILE...\n\n"
            "Parse feed files (\"-\" = stdin) and print one IntelMQ JSON event per line.\n\n"
            "options:\n"
            "  --format NAME     ctip | shadowserver | intelmq | stix | misp (default:\n"
            "                    detect; a MISP feed directory stands for its events)\n"
            "  --report TYPE     Shadowserver report type (default: from the file name)\n"
            "  --schema PATH     Shadowserver report schema JSON\n"
            "  --feed NAME       set feed.name\n"
            "  --enrich          add ASN and geolocation from the local data\n"
            "  --data-dir DIR    enrichment data\n"
            "  --rejects PATH    rejected records as JSON lines (default: stderr)\n"
            "  -h, --help        this text\n\n"
            "exit status: 0 all records parsed, 1 some rejected, 2 usage or I/O error\n");
}

struct parse_ctx {
    const struct enricher *en;
    FILE *rejects;
    struct vg_buf buf;
    unsigned long long accepted, rejected;
    struct vg_err *err;
};

static int on_reject(void *ctx, const struct format_record *rec, const char *reason)
{
    struct parse_ctx *c = ctx;
    struct vg_buf *b = &c->buf;
    c->rejected++;
    vg_buf_reset(b);
    vg_buf_puts(b, "{\"file\":");
    vg_buf_json_str(b, rec->file, strlen(rec->file));
    vg_buf_printf(b, ",\"line\":%llu,\"reason\":", (unsigned long long)rec->line);
    vg_buf_json_str(b, reason, strlen(reason));
    vg_buf_puts(b, ",\"record\":");
    vg_buf_json_str(b, rec->raw ? rec->raw : "", rec->raw ? rec->raw_len : 0);
    vg_buf_puts(b, "}\n");
    fwrite(b->data, 1, b->len, c->rejects);
    return 0;
}

static int on_event(void *ctx, struct event *ev, const struct format_record *rec)
{
    struct parse_ctx *c = ctx;
    if (c->en) {
        const char *ips = event_get_str(ev, "source.ip");
        struct ip_addr ip;
        if (ips && ip_parse(ips, strlen(ips), &ip) == 0) {
            struct enrich_result r;
            enricher_lookup(c->en, &ip, &r);
            if (enricher_apply(&r, ev))
                return on_reject(ctx, rec, "enrichment failed");
        }
    }
    c->accepted++;
    vg_buf_reset(&c->buf);
    if (event_write_json(ev, &c->buf) || vg_buf_putc(&c->buf, '\n'))
        return vg_err_set(c->err, VG_ENOMEM, "out of memory");
    if (fwrite(c->buf.data, 1, c->buf.len, stdout) != c->buf.len)
        return vg_err_set(c->err, VG_EIO, "stdout: write failed");
    return 0;
}

int cmd_parse(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"report", required_argument, NULL, 'r'},
        {"schema", required_argument, NULL, 's'}, {"feed", required_argument, NULL, 'F'},
        {"enrich", no_argument, NULL, 'e'},       {"data-dir", required_argument, NULL, 'D'},
        {"rejects", required_argument, NULL, 'R'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *format = NULL, *report = NULL, *schema = NULL, *feed = NULL;
    const char *data_dir = NULL, *rejects = NULL;
    int enrich = 0, c;
    struct cli_inputs inputs = {0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'r': report = optarg; break;
        case 's': schema = optarg; break;
        case 'F': feed = optarg; break;
        case 'e': enrich = 1; break;
        case 'D': data_dir = optarg; break;
        case 'R': rejects = optarg; break;
        case 'h': help(stdout); return EXIT_OK;
        default: return cli_usage_error("parse", "bad option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("parse", "no input files (use - for stdin)");
    const struct format_driver *fixed = NULL;
    if (format && !(fixed = format_find(format)))
        return cli_usage_error("parse", "unknown format '%s'", format);

    struct vg_err err = {0};
    struct enricher *en = NULL;
    char dir[PATH_MAX] = "";
    struct parse_ctx ctx = {.err = &err, .rejects = stderr, .buf = VG_BUF_INIT};
    int code = EXIT_USAGE;
    if (enrich) {
        if (cli_open_enricher(data_dir, dir, &en, &err)) {
            fprintf(stderr, "vigil parse: %s\n", err.msg);
            return EXIT_USAGE;
        }
    } else if (!schema && datadir_resolve(data_dir, dir, sizeof dir, &err)) {
        dir[0] = '\0'; /* no data directory: the built-in mapping serves */
    }
    if (rejects && !(ctx.rejects = fopen(rejects, "w"))) {
        fprintf(stderr, "vigil parse: %s: cannot write\n", rejects);
        goto out;
    }
    ctx.en = en;
    struct format_options fo = {report, cli_schema_path(schema, dir[0] ? dir : NULL), feed, 0, 0};
    struct format_sink sink = {on_event, on_reject, &ctx};
    if (cli_inputs_expand(&inputs, argv + optind, argc - optind, &err)) {
        fprintf(stderr, "vigil parse: %s\n", err.msg);
        goto out;
    }
    for (size_t k = 0; k < inputs.n; k++) {
        struct vg_input *in = NULL;
        const struct format_driver *drv = fixed;
        if (vg_input_open(&in, inputs.paths[k], 0, &err) || (!drv && !(drv = format_detect(in, &err))) ||
            drv->parse(in, &fo, &sink, &err)) {
            fprintf(stderr, "vigil parse: %s\n", err.msg);
            vg_input_close(in);
            goto out;
        }
        vg_input_close(in);
    }
    code = ctx.rejected ? EXIT_PARTIAL : EXIT_OK;
out:
    cli_inputs_free(&inputs);
    fflush(stdout);
    if (ctx.rejects && ctx.rejects != stderr)
        fclose(ctx.rejects);
    vg_buf_free(&ctx.buf);
    enricher_close(en);
    return code;
}
