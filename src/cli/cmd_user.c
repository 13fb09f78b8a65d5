/*
 * cmd_user.c — `vigil user add|list|passwd|remove`: people who log in to
 * the dashboard with a password (Argon2id, access.h).
 *
 * The password is read from the terminal without echo, or as the first
 * line of standard input with --password-stdin (for scripts); never from
 * the command line, where other users of the machine could read it.
 */
#include "access/directory.h"
#include "cli/cli.h"
#include "store/store.h"

#include <getopt.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static void help(FILE *out)
{
    fprintf(out,
            "usage: vigil user add NAME --org ORG [--admin] [--password-stdin]\n"
            "       vigil user list [--json]\n"
            "       vigil user passwd NAME [--password-stdin]\n"
            "       vigil user remove NAME\n\n"
            "Dashboard users: a person logs in with NAME and a password and reads as ORG.\n\n"
            "options:\n"
            "  --org ORG          the organisation the user belongs to\n"
            "  --admin            may manage organisations, tokens and users\n"
            "  --password-stdin   read the password from the first line of stdin\n"
            "                     (default: asked on the terminal, twice)\n"
            "  --db PATH          database (default: $VIGIL_DB, else ./vigil.db)\n"
            "  --json             list: JSON\n"
            "  -h, --help         this text\n\n"
            "Passwords need at least 10 characters.\n");
}

static int read_line(FILE *in, char *buf, size_t cap)
{
    if (!fgets(buf, (int)cap, in))
        return -1;
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '\n')
        buf[--n] = '\0';
    else if (n == cap - 1)
        return -1; /* too long */
    if (n && buf[n - 1] == '\r')
        buf[--n] = '\0';
    return 0;
}

static int ask(const char *prompt, char *buf, size_t cap)
{
    struct termios old, quiet;
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return -1;
    fprintf(tty, "%s", prompt);
    fflush(tty);
    int fd = fileno(tty), echo_off = tcgetattr(fd, &old) == 0;
    if (echo_off) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t)~ECHO;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    int rc = read_line(tty, buf, cap);
    if (echo_off)
        tcsetattr(fd, TCSAFLUSH, &old);
    fprintf(tty, "\n");
    fclose(tty);
    return rc;
}

static int get_password(int from_stdin, char *pw, size_t cap)
{
    char again[256];
    if (from_stdin)
        return read_line(stdin, pw, cap);
    if (ask("password: ", pw, cap) || ask("again: ", again, sizeof again))
        return -1;
    int same = strcmp(pw, again) == 0;
    sodium_memzero(again, sizeof again);
    if (!same) {
        fprintf(stderr, "vigil user: the two passwords differ\n");
        return -1;
    }
    return 0;
}

struct list_ctx {
    int json, n;
};

static int list_row(void *ctx, const struct store_user *u)
{
    struct list_ctx *l = ctx;
    if (l->json) {
        struct vg_buf b = VG_BUF_INIT;
        int rc = vg_buf_puts(&b, l->n ? ",{\"name\":" : "{\"name\":");
        rc = rc ? rc : vg_buf_json_str(&b, u->name, strlen(u->name));
        rc = rc ? rc : vg_buf_puts(&b, ",\"org\":");
        rc = rc ? rc : vg_buf_json_str(&b, u->org_name, strlen(u->org_name));
        rc = rc ? rc : vg_buf_printf(&b, ",\"admin\":%s,\"created\":", u->admin ? "true" : "false");
        rc = rc ? rc : access_json_time(&b, u->created_us);
        rc = rc ? rc : vg_buf_putc(&b, '}');
        if (!rc)
            fputs(b.data, stdout);
        vg_buf_free(&b);
        l->n++;
        return rc;
    }
    if (!l->n++)
        printf("%-24s %-24s %s\n", "name", "org", "admin");
    printf("%-24s %-24s %s\n", u->name, u->org_name, u->admin ? "yes" : "no");
    return 0;
}

int cmd_user(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},    {"org", required_argument, NULL, 'o'},
        {"admin", no_argument, NULL, 'A'},       {"password-stdin", no_argument, NULL, 'P'},
        {"json", no_argument, NULL, 'j'},        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *org = NULL;
    int admin = 0, from_stdin = 0, json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'o': org = optarg; break;
        case 'A': admin = 1; break;
        case 'P': from_stdin = 1; break;
        case 'j': json = 1; break;
        case 'h': help(stdout); return EXIT_OK;
        default: return cli_usage_error("user", "bad option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("user", "give a subcommand: add, list, passwd or remove");
    const char *sub = argv[optind++];
    int add = strcmp(sub, "add") == 0, list = strcmp(sub, "list") == 0;
    int passwd = strcmp(sub, "passwd") == 0, remove_ = strcmp(sub, "remove") == 0;
    if (!add && !list && !passwd && !remove_)
        return cli_usage_error("user", "unknown subcommand '%s' (add, list, passwd, remove)",
                               sub);
    if (list ? optind != argc : optind + 1 != argc)
        return cli_usage_error("user", list ? "list takes no argument"
                                            : "%s takes exactly one user name", sub);
    if (add && !org)
        return cli_usage_error("user", "add needs --org ORG");
    if (!add && (org || admin))
        return cli_usage_error("user", "--org and --admin belong to 'add'");
    const char *name = list ? NULL : argv[optind];
    if (name && (strlen(name) == 0 || strlen(name) > 100 || strpbrk(name, " \t\r\n")))
        return cli_usage_error("user", "a user name has 1 to 100 characters and no spaces");

    struct vg_err err = {0};
    struct store *st = NULL;
    char pw[256], hash[128];
    int code = EXIT_USAGE, rc = 0;
    if (store_open(&st, cli_db_path(db), STORE_RW, &err)) {
        fprintf(stderr, "vigil user: %s\n", err.msg);
        return EXIT_USAGE;
    }
    if (add || passwd) {
        if (get_password(from_stdin, pw, sizeof pw)) {
            fprintf(stderr, "vigil user: no password read\n");
            goto out;
        }
        rc = access_password_hash(pw, hash, &err);
        sodium_memzero(pw, sizeof pw);
        if (rc)
            goto fail;
    }
    if (add) {
        struct store_org o;
        int64_t id;
        if ((rc = store_org_get(st, org, &o, &err)) ||
            (rc = store_user_add(st, o.id, name, hash, admin, access_now_us(), &id, &err)))
            goto fail;
        printf("user '%s' added to '%s'%s\n", name, org, admin ? " (admin)" : "");
    } else if (list) {
        struct list_ctx l = {json, 0};
        if (json)
            fputs("{\"users\":[", stdout);
        if ((rc = store_user_each(st, list_row, &l, &err)))
            goto fail;
        if (json)
            fputs("]}\n", stdout);
    } else {
        struct store_user u;
        if ((rc = store_user_get(st, name, &u, &err)))
            goto fail;
        int64_t id = u.id;
        if (passwd) {
            if ((rc = store_user_set_password(st, id, hash, &err)))
                goto fail;
            printf("password of '%s' changed\n", name);
        } else {
            if ((rc = store_user_remove(st, id, &err)))
                goto fail;
            printf("user '%s' removed\n", name);
        }
    }
    code = EXIT_OK;
    goto out;
fail:
    fprintf(stderr, "vigil user %s: %s\n", sub, err.msg);
out:
    store_close(st);
    return code;
}
