/*
 * cmd_audit.c — `vigil audit`: who read data at TLP:AMBER or stricter,
 * when, what and how much (newest first).
 */
#include "access/directory.h"
#include "cli/cli.h"
#include "core/vtime.h"
#include "store/store.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fprintf(out,
            "usage: vigil audit [--from DATE] [--to DATE] [--org NAME] [--limit N] [--json]\n\n"
            "Every read of TLP:AMBER or stricter data by a token or a dashboard user:\n"
            "when, which organisation, token or user, what was asked, how many records\n"
            "at AMBER or stricter it returned, and the strictest label among them.\n\n"
            "options:\n"
            "  --from DATE   from this day (YYYY-MM-DD, UTC) on\n"
            "  --to DATE     up to this day, inclusive\n"
            "  --org NAME    only this organisation's reads\n"
            "  --limit N     at most N entries (default 100; 0: all)\n"
            "  --db PATH     database (default: $VIGIL_DB, else ./vigil.db)\n"
            "  --json        {\"audit\":[...]}\n"
            "  -h, --help    this text\n");
}

int cmd_audit(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},   {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},   {"org", required_argument, NULL, 'o'},
        {"limit", required_argument, NULL, 'l'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *org = NULL;
    int64_t from = 0, to = 0, day;
    unsigned long long limit = 100;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'f':
        case 't':
            if (vt_parse_day(optarg, &day))
                return cli_usage_error("audit", "--%s: '%s' is not a date (YYYY-MM-DD)",
                                       c == 'f' ? "from" : "to", optarg);
            if (c == 'f')
                from = day * 86400 * INT64_C(1000000);
            else
                to = (day + 1) * 86400 * INT64_C(1000000) - 1;
            break;
        case 'o': org = optarg; break;
        case 'l':
            if (cli_parse_u64(optarg, &limit))
                return cli_usage_error("audit", "--limit: '%s' is not a number", optarg);
            break;
        case 'j': json = 1; break;
        case 'h': help(stdout); return EXIT_OK;
        default: return cli_usage_error("audit", "bad option");
        }
    }
    if (optind != argc)
        return cli_usage_error("audit", "no arguments expected");
    if (from && to && from > to)
        return cli_usage_error("audit", "--from is after --to");
    struct vg_err err = {0};
    struct store *st = NULL;
    struct vg_buf out = VG_BUF_INIT;
    int code = EXIT_USAGE;
    if (store_open(&st, cli_db_path(db), STORE_RO, &err) ||
        access_audit_json(st, from, to, org, 0, limit, &out, &err)) {
        fprintf(stderr, "vigil audit: %s\n", err.msg);
        goto out;
    }
    if (json) {
        printf("%s\n", out.data);
    } else {
        json_error_t e;
        json_t *doc = json_loadb(out.data, out.len, 0, &e);
        json_t *list = json_object_get(doc, "audit");
        printf("%-27s %-20s %-12s %-12s %8s %-13s %s\n", "at", "org", "token", "user", "records",
               "tlp", "what");
        for (size_t k = 0; k < json_array_size(list); k++) {
            json_t *a = json_array_get(list, k);
            char tok[24] = "-";
            json_t *t = json_object_get(a, "token");
            if (json_is_integer(t))
                snprintf(tok, sizeof tok, "%lld", (long long)json_integer_value(t));
            const char *user = json_string_value(json_object_get(a, "user"));
            printf("%-27s %-20s %-12s %-12s %8lld %-13s %s %s\n",
                   json_string_value(json_object_get(a, "at")),
                   json_string_value(json_object_get(a, "org")), tok, user ? user : "-",
                   (long long)json_integer_value(json_object_get(a, "records")),
                   json_string_value(json_object_get(a, "tlp")),
                   json_string_value(json_object_get(a, "action")),
                   json_string_value(json_object_get(a, "target")));
        }
        json_decref(doc);
    }
    code = EXIT_OK;
out:
    vg_buf_free(&out);
    store_close(st);
    return code;
}
