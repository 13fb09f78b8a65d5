/*
 * cmd_org.c — `vigil org add|list|show|remove`: the organisations of the
 * programme and their scopes (rules in access/directory.h).
 */
#include "access/directory.h"
#include "cli/cli.h"
#include "store/store.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void help(FILE *out)
{
    fprintf(out,
            "usage: vigil org add NAME --role ROLE [--parent NAME] [scope...] [--db PATH]\n"
            "       vigil org list [--json] [--db PATH]\n"
            "       vigil org show NAME [--json] [--db PATH]\n"
            "       vigil org remove NAME [--db PATH]\n\n"
            "Organisations decide who reads what (TLP 2.0 and scope; see README).\n\n"
            "roles:\n"
            "  provider     the vendor's response team: the source of its feeds\n"
            "  member       a member agency (a national CERT)\n"
            "  constituent  an ISP, ministry or website owner served by a member agency\n"
            "  public       reads TLP:CLEAR only\n\n"
            "options of add:\n"
            "  --role ROLE      one of the roles above (required)\n"
            "  --parent NAME    a constituent's member agency (required for constituents)\n"
            "  --country CC     scope: addresses geolocated in this country (repeatable)\n"
            "  --asn N          scope: addresses announced by this AS (repeatable)\n"
            "  --prefix CIDR    scope: addresses in this prefix, e.g. 203.0.113.0/24\n"
            "  --domain NAME    scope: this domain and its subdomains\n"
            "  --feed NAME      a provider's scope: a feed it publishes (none: every feed)\n"
            "common options:\n"
            "  --db PATH        database (default: $VIGIL_DB, else ./vigil.db)\n"
            "  --json           JSON output (list, show)\n"
            "  -h, --help       this text\n\n"
            "A member agency's scope covers its constituents' scopes.\n");
}

static int fail(const char *what, const struct vg_err *err)
{
    fprintf(stderr, "vigil org %s: %s\n", what, err->msg);
    return EXIT_USAGE;
}

/* The table `vigil org list` prints, from the JSON the API also serves. */
static int print_table(const struct vg_buf *json);

int cmd_org(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},      {"role", required_argument, NULL, 'r'},
        {"parent", required_argument, NULL, 'p'},  {"country", required_argument, NULL, 'c'},
        {"asn", required_argument, NULL, 'a'},     {"prefix", required_argument, NULL, 'x'},
        {"domain", required_argument, NULL, 'n'},  {"feed", required_argument, NULL, 'f'},
        {"json", no_argument, NULL, 'j'},          {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static struct access_org_spec spec; /* large arrays: not on the stack */
    const char *db = NULL;
    int json = 0, c;
    memset(&spec, 0, sizeof spec);
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        const char **list = NULL;
        size_t *n = NULL;
        switch (c) {
        case 'd': db = optarg; break;
        case 'r': spec.role = optarg; break;
        case 'p': spec.parent = optarg; break;
        case 'c': n = &spec.ncountries; list = spec.countries; break;
        case 'a': n = &spec.nasns; list = spec.asns; break;
        case 'x': n = &spec.nprefixes; list = spec.prefixes; break;
        case 'n': n = &spec.ndomains; list = spec.domains; break;
        case 'f': n = &spec.nfeeds; list = spec.feeds; break;
        case 'j': json = 1; break;
        case 'h': help(stdout); return EXIT_OK;
        default: return cli_usage_error("org", "bad option");
        }
        if (n) {
            if (*n == ACCESS_SCOPE_MAX)
                return cli_usage_error("org", "at most %d scope elements of one kind at once",
                                       ACCESS_SCOPE_MAX);
            list[(*n)++] = optarg;
        }
    }
    if (optind >= argc)
        return cli_usage_error("org", "give a subcommand: add, list, show or remove");
    const char *sub = argv[optind++];
    int is_add = strcmp(sub, "add") == 0, is_list = strcmp(sub, "list") == 0;
    int is_show = strcmp(sub, "show") == 0, is_remove = strcmp(sub, "remove") == 0;
    if (!is_add && !is_list && !is_show && !is_remove)
        return cli_usage_error("org", "unknown subcommand '%s' (add, list, show, remove)", sub);
    if (is_list ? optind != argc : optind + 1 != argc)
        return cli_usage_error("org", is_list ? "list takes no argument"
                                              : "%s takes exactly one organisation name", sub);
    if (!is_add && (spec.role || spec.parent || spec.ncountries || spec.nasns ||
                    spec.nprefixes || spec.ndomains || spec.nfeeds))
        return cli_usage_error("org", "--role, --parent and scope options belong to 'org add'");
    if (is_add && !spec.role)
        return cli_usage_error("org", "add needs --role (provider, member, constituent, public)");

    struct vg_err err = {0};
    struct store *st = NULL;
    struct vg_buf out = VG_BUF_INIT;
    int code = EXIT_USAGE;
    if (store_open(&st, cli_db_path(db), STORE_RW, &err)) {
        fprintf(stderr, "vigil org: %s\n", err.msg);
        return EXIT_USAGE;
    }
    if (is_add) {
        int64_t id;
        spec.name = argv[optind];
        if (access_org_create(st, &spec, &id, &err)) {
            code = fail(sub, &err);
            goto out;
        }
        printf("organisation '%s' added (%s)\n", spec.name, spec.role);
        code = EXIT_OK;
    } else if (is_remove) {
        if (access_org_delete(st, argv[optind], &err)) {
            code = fail(sub, &err);
            goto out;
        }
        printf("organisation '%s' removed, with its tokens, users and sessions\n", argv[optind]);
        code = EXIT_OK;
    } else {
        int rc = is_list ? access_orgs_json(st, &out, &err)
                         : access_org_json(st, argv[optind], &out, &err);
        if (rc) {
            code = fail(sub, &err);
            goto out;
        }
        if (json)
            printf("%s\n", out.data);
        else if (print_table(&out)) {
            fprintf(stderr, "vigil org: cannot read back the organisation list\n");
            goto out;
        }
        code = EXIT_OK;
    }
out:
    vg_buf_free(&out);
    store_close(st);
    return code;
}

/* One line per organisation: name, role, parent, scope. */
static int print_table(const struct vg_buf *json)
{
    json_error_t e;
    json_t *doc = json_loadb(json->data, json->len, 0, &e);
    if (!doc)
        return -1;
    json_t *list = json_object_get(doc, "organisations");
    json_t *one = list ? NULL : doc;
    size_t n = list ? json_array_size(list) : 1;
    printf("%-24s %-12s %-20s %6s  %s\n", "name", "role", "parent", "tokens", "scope");
    for (size_t k = 0; k < n; k++) {
        json_t *o = list ? json_array_get(list, k) : one;
        json_t *scope = json_object_get(o, "scope");
        const char *parent = json_string_value(json_object_get(o, "parent"));
        char *sc = json_dumps(scope, JSON_COMPACT);
        printf("%-24s %-12s %-20s %6lld  ", json_string_value(json_object_get(o, "name")),
               json_string_value(json_object_get(o, "role")), parent ? parent : "-",
               (long long)json_integer_value(json_object_get(o, "tokens")));
        printf("%s\n", sc && strcmp(sc, "{}") ? sc : "(none)");
        free(sc);
    }
    json_decref(doc);
    return 0;
}
