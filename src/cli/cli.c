/*
 * cli.c — the command table and helpers shared by the commands.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

static const struct cli_command commands[] = {
    {"ingest", "read feed files into the store (CTIP, Shadowserver, IntelMQ)", cmd_ingest},
    {"landscape", "the infection landscape: addresses and events by family, ASN, region, day",
     cmd_landscape},
    {"ip", "every observation of one address, with its enrichment", cmd_ip},
    {"parse", "parse feed files and print IntelMQ JSON lines (no store)", cmd_parse},
    {"simulate", "generate realistic, seeded telemetry with ground truth", cmd_simulate},
    {"serve", "the HTTP API and the dashboard", cmd_serve},
    {"org", "organisations and their scopes (who reads what)", cmd_org},
    {"token", "API tokens of organisations: create, list, revoke, expire", cmd_token},
    {"user", "dashboard users (password login)", cmd_user},
    {"audit", "who read TLP:AMBER or stricter data, when, and how much", cmd_audit},
    {"pull", "read a TAXII 2.1 collection into the store (vigil pull taxii URL)", cmd_pull},
    {"export", "observations for sharing: STIX 2.1, MISP feed, IntelMQ JSON lines, CSV",
     cmd_export},
    {NULL, NULL, NULL},
};

const struct cli_command *cli_commands(void)
{
    return commands;
}

const char *cli_db_path(const char *opt)
{
    if (opt && *opt)
        return opt;
    const char *env = getenv("VIGIL_DB");
    if (env && *env)
        return env;
    return "vigil.db";
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "vigil %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'vigil %s --help')\n", cmd);
    return EXIT_USAGE;
}

int cli_parse_u64(const char *s, unsigned long long *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}
