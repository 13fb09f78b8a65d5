/*
 * cmd_token.c — `vigil token create|list|revoke|expire`: API tokens.
 *
 * create prints the new token alone on stdout, once: only its keyed hash
 * is stored (access.h), so it cannot be shown again.
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
            "usage: vigil token create --org NAME [--expires DATE] [--label TEXT] [--admin]\n"
            "       vigil token list [--org NAME] [--json]\n"
            "       vigil token revoke ID\n"
            "       vigil token expire ID [--at DATE]\n\n"
            "API tokens: clients send one as 'Authorization: Bearer TOKEN'.\n\n"
            "options:\n"
            "  --org NAME      the organisation the token reads as\n"
            "  --expires DATE  YYYY-MM-DD or an RFC 3339 time (UTC); default: never\n"
            "  --label TEXT    a note shown by list (who holds it, what for)\n"
            "  --admin         may also manage organisations, tokens and users (API)\n"
            "  --at DATE       expire: when (default: now)\n"
            "  --db PATH       database (default: $VIGIL_DB, else ./vigil.db); the\n"
            "                  server key is PATH.key\n"
            "  --json          list: JSON\n"
            "  -h, --help      this text\n\n"
            "create prints the token alone on stdout, once; vigil keeps only a keyed hash.\n");
}

/* YYYY-MM-DD (midnight UTC) or an RFC 3339 time. */
static int parse_when(const char *s, int64_t *us)
{
    int64_t day;
    if (vt_parse_day(s, &day) == 0) {
        *us = day * 86400 * INT64_C(1000000);
        return 0;
    }
    return vt_parse(s, strlen(s), us);
}

static int print_list(const struct vg_buf *json)
{
    json_error_t e;
    json_t *doc = json_loadb(json->data, json->len, 0, &e);
    json_t *list = doc ? json_object_get(doc, "tokens") : NULL;
    if (!list)
        return -1;
    printf("%5s  %-24s %-8s %-6s %-26s %-26s %s\n", "id", "org", "state", "admin", "created",
           "expires", "label");
    for (size_t k = 0; k < json_array_size(list); k++) {
        json_t *t = json_array_get(list, k);
        const char *exp = json_string_value(json_object_get(t, "expires"));
        printf("%5lld  %-24s %-8s %-6s %-26s %-26s %s\n",
               (long long)json_integer_value(json_object_get(t, "id")),
               json_string_value(json_object_get(t, "org")),
               json_string_value(json_object_get(t, "state")),
               json_is_true(json_object_get(t, "admin")) ? "yes" : "no",
               json_string_value(json_object_get(t, "created")), exp ? exp : "never",
               json_string_value(json_object_get(t, "label")));
    }
    json_decref(doc);
    return 0;
}

int cmd_token(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},      {"org", required_argument, NULL, 'o'},
        {"expires", required_argument, NULL, 'e'}, {"label", required_argument, NULL, 'l'},
        {"admin", no_argument, NULL, 'A'},         {"at", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},          {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *org = NULL, *label = NULL, *expires = NULL, *at = NULL;
    int admin = 0, json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'o': org = optarg; break;
        case 'e': expires = optarg; break;
        case 'l': label = optarg; break;
        case 'A': admin = 1; break;
        case 't': at = optarg; break;
        case 'j': json = 1; break;
        case 'h': help(stdout); return EXIT_OK;
        default: return cli_usage_error("token", "bad option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("token", "give a subcommand: create, list, revoke or expire");
    const char *sub = argv[optind++];
    int create = strcmp(sub, "create") == 0, list = strcmp(sub, "list") == 0;
    int revoke = strcmp(sub, "revoke") == 0, expire = strcmp(sub, "expire") == 0;
    if (!create && !list && !revoke && !expire)
        return cli_usage_error("token", "unknown subcommand '%s' (create, list, revoke, expire)",
                               sub);
    unsigned long long id = 0;
    if (revoke || expire) {
        if (optind + 1 != argc || cli_parse_u64(argv[optind], &id) || !id)
            return cli_usage_error("token", "%s takes one token id (see 'vigil token list')",
                                   sub);
    } else if (optind != argc) {
        return cli_usage_error("token", "%s takes no argument", sub);
    }
    if (create && !org)
        return cli_usage_error("token", "create needs --org NAME");
    if (!create && (expires || label || admin))
        return cli_usage_error("token", "--expires, --label and --admin belong to 'create'");
    if (at && !expire)
        return cli_usage_error("token", "--at belongs to 'expire'");
    if (org && (revoke || expire))
        return cli_usage_error("token", "--org does not apply to %s", sub);
    int64_t when = 0;
    if (expires && parse_when(expires, &when))
        return cli_usage_error("token", "--expires: '%s' is not a date or time", expires);
    if (at && parse_when(at, &when))
        return cli_usage_error("token", "--at: '%s' is not a date or time", at);
    if (expires && when <= access_now_us())
        return cli_usage_error("token", "--expires: '%s' is in the past", expires);

    struct vg_err err = {0};
    struct store *st = NULL;
    struct vg_buf out = VG_BUF_INIT;
    unsigned char key[ACCESS_KEY_LEN];
    int code = EXIT_USAGE, rc;
    const char *path = cli_db_path(db);
    if (store_open(&st, path, STORE_RW, &err)) {
        fprintf(stderr, "vigil token: %s\n", err.msg);
        return EXIT_USAGE;
    }
    if (create) {
        char text[ACCESS_TOKEN_LEN];
        int64_t tid;
        if ((rc = access_key_load(path, 1, key, &err)) ||
            (rc = access_token_create(st, key, org, label, admin, when, text, &tid, &err)))
            goto fail;
        printf("%s\n", text);
        fprintf(stderr, "vigil token: token %lld for '%s' created%s; it is shown only now\n",
                (long long)tid, org, admin ? " (admin)" : "");
    } else if (list) {
        if ((rc = access_tokens_json(st, org, &out, &err)))
            goto fail;
        if (json)
            printf("%s\n", out.data);
        else if (print_list(&out))
            goto out;
    } else if (revoke) {
        if ((rc = store_token_revoke(st, (int64_t)id, access_now_us(), &err)))
            goto fail;
        printf("token %llu revoked\n", id);
    } else {
        if ((rc = store_token_expire(st, (int64_t)id, at ? when : access_now_us(), &err)))
            goto fail;
        printf("token %llu expires %s\n", id, at ? at : "now");
    }
    code = EXIT_OK;
    goto out;
fail:
    fprintf(stderr, "vigil token %s: %s\n", sub, err.msg);
out:
    vg_buf_free(&out);
    store_close(st);
    return code;
}
