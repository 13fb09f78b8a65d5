/*
 * cli_common.c — see cli_common.h.
 */
#include "cli/cli_common.h"
#include "access/access.h"
#include "enrich/datadir.h"
#include "enrich/places.h"

#include "formats/format.h"
#include "store/store_access.h"
#include "event/tlp.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_open_enricher(const char *data_dir_opt, char dir[PATH_MAX], struct enricher **out,
                      struct vg_err *err)
{
    int rc = datadir_resolve(data_dir_opt, dir, PATH_MAX, err);
    if (rc)
        return rc;
    return enricher_open(out, dir, err);
}

struct places *cli_open_places(const char *data_dir_opt, int needed, const char *cmd)
{
    struct places *places = NULL;
    char dir[PATH_MAX];
    struct vg_err err = {0};
    if (datadir_resolve(data_dir_opt, dir, sizeof dir, &err) == 0 ||
        (data_dir_opt == NULL && (dir[0] = '\0', 1)))
        places_open(&places, dir[0] ? dir : NULL, &err);
    if (!places && needed)
        fprintf(stderr, "vigil %s: warning: %s\n", cmd, err.msg);
    return places;
}

int cli_reader(struct store *st, const char *as, struct access_subject *reader, const char *cmd)
{
    struct access_identity who;
    struct vg_err err = {0};
    access_subject_operator(reader);
    int rc = as ? access_subject_load_name(st, as, reader, &who, &err) : 0;
    if (rc)
        fprintf(stderr, "vigil %s: --as: %s\n", cmd, err.msg);
    return rc;
}

int cli_audit_as(const char *db, const char *as, const char *cmd, int argc, char **argv,
                 uint64_t events, int strictest)
{
    if (!as || !events)
        return 0;
    struct vg_err err = {0};
    struct store *st = NULL;
    struct store_org org;
    char user[160], action[64], target[1024];
    const struct passwd *pw = getpwuid(geteuid());
    snprintf(user, sizeof user, "cli:%s", pw && pw->pw_name ? pw->pw_name : "?");
    snprintf(action, sizeof action, "vigil %s", cmd);
    size_t n = 0;
    target[0] = '\0';
    for (int k = 1; k < argc && n + 2 < sizeof target; k++) /* argv[0] is the command */
        n += (size_t)snprintf(target + n, sizeof target - n, "%s%s", k > 1 ? " " : "", argv[k]);
    struct store_audit a = {
        .at_us = access_now_us(), .org_name = as, .user_name = user, .action = action,
        .target = target, .records = events,
        .tlp = strictest >= 0 ? tlp_name((enum tlp_level)strictest) : "",
    };
    int rc = store_open(&st, db, STORE_RW, &err);
    if (!rc && !(rc = store_org_get(st, as, &org, &err)))
        a.org_id = org.id;
    if (!rc && !(rc = store_begin(st, &err))) {
        rc = store_audit_add(st, &a, &err);
        rc = rc ? (store_rollback(st), rc) : store_commit_log(st, &err);
    }
    store_close(st);
    if (rc)
        fprintf(stderr, "vigil %s: --as %s: the read could not be audited: %s\n", cmd, as,
                err.msg);
    return rc ? 1 : 0;
}

const char *cli_schema_path(const char *opt, const char *data_dir)
{
    static char path[PATH_MAX + 32];
    if (opt && *opt)
        return opt;
    const char *env = getenv("VIGIL_SHADOWSERVER_SCHEMA");
    if (env && *env)
        return env;
    if (data_dir) {
        snprintf(path, sizeof path, "%s/shadowserver-schema.json", data_dir);
        if (access(path, R_OK) == 0)
            return path;
    }
    return NULL;
}

static int inputs_add(struct cli_inputs *in, char *path)
{
    if (in->n == in->cap) {
        size_t nc = in->cap ? in->cap * 2 : 16;
        char **np = realloc(in->paths, nc * sizeof *np);
        if (!np)
            return VG_ENOMEM;
        in->paths = np;
        in->cap = nc;
    }
    in->paths[in->n++] = path;
    return 0;
}

int cli_inputs_expand(struct cli_inputs *in, char *const *args, int nargs, struct vg_err *err)
{
    memset(in, 0, sizeof *in);
    for (int k = 0; k < nargs; k++) {
        struct stat sb;
        char *copy = NULL;
        if (strcmp(args[k], "-") != 0 && stat(args[k], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            char **files;
            size_t n;
            int rc = misp_feed_list(args[k], &files, &n, err);
            if (rc) {
                cli_inputs_free(in);
                if (rc == VG_ENOTFOUND)
                    vg_err_prefix(err, "directories are read only as MISP feeds");
                return rc;
            }
            for (size_t i = 0; i < n; i++)
                if (inputs_add(in, files[i])) {
                    for (size_t j = i; j < n; j++)
                        free(files[j]);
                    free(files);
                    cli_inputs_free(in);
                    return vg_err_set(err, VG_ENOMEM, "out of memory");
                }
            free(files);
            continue;
        }
        if (!(copy = strdup(args[k])) || inputs_add(in, copy)) {
            free(copy);
            cli_inputs_free(in);
            return vg_err_set(err, VG_ENOMEM, "out of memory");
        }
    }
    return 0;
}

void cli_inputs_free(struct cli_inputs *in)
{
    for (size_t k = 0; k < in->n; k++)
        free(in->paths[k]);
    free(in->paths);
    memset(in, 0, sizeof *in);
}
