/* `orbit help [COMMAND]` and the overview printed by a bare `orbit`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "util/mem.h"
#include "util/strv.h"

int cli_print_overview(const char *group)
{
    printf("Usage: %s %s%sCOMMAND [OPTIONS] [ARGS]\n\n", cli_program_name, group ? group : "",
           group ? " " : "");
    if (!group)
        printf("orbit builds, validates and runs App Container (appc 0.8.11) images.\n\n");
    printf("Commands:\n");
    size_t glen = group ? strlen(group) : 0;
    for (const cli_command *const *c = cli_commands; *c; c++) {
        if (group && (strncmp((*c)->name, group, glen) != 0 || (*c)->name[glen] != ' '))
            continue;
        printf("  %-22s  %s\n", (*c)->name, (*c)->summary);
    }
    printf("\nRun '%s help COMMAND' or '%s COMMAND --help' for a command's options.\n",
           cli_program_name, cli_program_name);
    return EXIT_OK;
}

static int run_help(const cli_command *self, int argc, char **argv)
{
    int first = cli_parse(self, argc, argv, NULL, NULL);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    if (first == argc)
        return cli_print_overview(NULL);
    int words;
    const cli_command *cmd = cli_find_command(argc - first, argv + first, &words);
    if (cmd && first + words == argc) {
        cli_print_help(cmd);
        return EXIT_OK;
    }
    if (!cmd && argc - first == 1) {
        for (const cli_command *const *c = cli_commands; *c; c++)
            if (strncmp((*c)->name, argv[first], strlen(argv[first])) == 0 &&
                (*c)->name[strlen(argv[first])] == ' ')
                return cli_print_overview(argv[first]);
    }
    _cleanup_free_ char *topic = strv_join(argv + first, " ");
    return cli_usage_error(self, "no such command \"%s\"", topic);
}

const cli_command cmd_help = {
    .name = "help",
    .args = "[COMMAND]",
    .summary = "Show the commands, or one command's options",
    .run = run_help,
};
