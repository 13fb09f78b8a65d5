/*
 * main.c — `vigil <command> [args]`: find the command and run it.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: vigil <command> [options]\n\n"
                 "vigil turns threat feeds into the malware infection landscape of a country.\n\n"
                 "commands:\n");
    for (const struct cli_command *c = cli_commands(); c->name; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "\n'vigil <command> --help' describes a command; 'vigil --version' the build.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("vigil %s\n", VIGIL_VERSION);
        return EXIT_OK;
    }
    for (const struct cli_command *c = cli_commands(); c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c->run(argc - 1, argv + 1);
    fprintf(stderr, "vigil: unknown command '%s'\n\n", name);
    usage(stderr);
    return EXIT_USAGE;
}
