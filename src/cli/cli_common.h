/*
 * cli_common.h — option handling shared by several commands: opening the
 * enrichment data and resolving the Shadowserver schema path.
 */
#ifndef VG_CLI_COMMON_H
#define VG_CLI_COMMON_H

#include <stdint.h>

#include <limits.h>

#include "core/err.h"
#include "enrich/enrich.h"

/* Resolve the data directory (--data-dir, $VIGIL_DATA, ... see datadir.h)
 * into dir and open the enricher there. */
int cli_open_enricher(const char *data_dir_opt, char dir[PATH_MAX], struct enricher **out,
                      struct vg_err *err);

/* The Shadowserver report schema: --schema, else $VIGIL_SHADOWSERVER_SCHEMA,
 * else <data dir>/shadowserver-schema.json when it exists, else NULL (the
 * driver's built-in mapping).  The result is static or points at opt/env. */
const char *cli_schema_path(const char *opt, const char *data_dir);

/* The inputs named on a command line, with every MISP feed directory
 * replaced by the event files its manifest lists (formats/format.h:
 * misp_feed_list); any other directory is an error.  "-" stays stdin.
 * Free with cli_inputs_free. */
struct cli_inputs {
    char **paths;
    size_t n, cap;
};
int cli_inputs_expand(struct cli_inputs *in, char *const *args, int nargs, struct vg_err *err);
void cli_inputs_free(struct cli_inputs *in);

/* The province and ISP tables (enrich/places.h) of the data directory
 * (data_dir_opt, else the usual search), or NULL when there are none: a
 * missing table only empties the keys and filters that need it, so when
 * needed, "vigil CMD: warning: ..." says why. */
struct places;
struct places *cli_open_places(const char *data_dir_opt, int needed, const char *cmd);

/* *reader = the operator (as NULL), else what organisation `as` may read;
 * on failure "vigil CMD: --as: ..." is printed and VG_E* returned.
 * Release with access_subject_release. */
struct access_subject;
struct store;
int cli_reader(struct store *st, const char *as, struct access_subject *reader, const char *cmd);

/* A read --as ORG of data at TLP:AMBER or stricter (events of it, the
 * strictest label, enum tlp_level) goes to the audit log as the API's
 * reads do: organisation ORG, user "cli:<login>", action "vigil <cmd>",
 * target the command line.  Nothing when as is NULL or events is 0.
 * 0, or 1 with a message on stderr (the store could not be written). */
int cli_audit_as(const char *db, const char *as, const char *cmd, int argc, char **argv,
                 uint64_t events, int strictest);

#endif
