/*
 * cli_common.c — see cli_common.h.
 */
#include "cli/cli_common.h"
#include "enrich/datadir.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int cli_open_enricher(const char *data_dir_opt, char dir[PATH_MAX], struct enricher **out,
                      struct vg_err *err)
{
    int rc = datadir_resolve(data_dir_opt, dir, PATH_MAX, err);
    if (rc)
        return rc;
    return enricher_open(out, dir, err);
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
