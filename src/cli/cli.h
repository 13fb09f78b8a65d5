/*
 * cli.h — the `vigil <command>` table and what commands share.
 *
 * One file per command (cmd_<name>.c) with one entry point
 * `int cmd_<name>(int argc, char **argv)` returning the process exit code:
 * 0 success, 1 partial (some records rejected), 2 usage or I/O error.
 */
#ifndef VG_CLI_H
#define VG_CLI_H

#include <stdio.h>

enum { EXIT_OK = 0, EXIT_PARTIAL = 1, EXIT_USAGE = 2 };

struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
};

int cmd_ingest(int argc, char **argv);
int cmd_landscape(int argc, char **argv);
int cmd_ip(int argc, char **argv);
int cmd_simulate(int argc, char **argv);
int cmd_parse(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_org(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_pull(int argc, char **argv);

const struct cli_command *cli_commands(void);

/* The database path: --db value, else $VIGIL_DB, else "vigil.db". */
const char *cli_db_path(const char *opt);

/* Print "vigil <cmd>: <msg>" to stderr and return EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Parse a positive integer option; returns 0 or -1. */
int cli_parse_u64(const char *s, unsigned long long *out);

#endif
