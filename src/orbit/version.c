/* `orbit version`. Invoked as `rkt`, the program prints rkt's two lines,
 * which cluster schedulers (Nomad's rkt driver) parse to detect versions. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#define APPC_SPEC_VERSION "0.8.11"

static int run_version(const cli_command *self, int argc, char **argv)
{
    int first = cli_parse(self, argc, argv, NULL, NULL);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    if (!cli_expect_args(self, argc, argv, first, 0, 0))
        return EXIT_USAGE;
    if (strcmp(cli_program_name, "rkt") == 0)
        printf("rkt Version: %s\n", ORBIT_VERSION);
    else
        printf("orbit Version: %s\n", ORBIT_VERSION);
    printf("appc Version: %s\n", APPC_SPEC_VERSION);
    return EXIT_OK;
}

const cli_command cmd_version = {
    .name = "version",
    .args = "",
    .summary = "Print the version of orbit and of the appc spec it implements",
    .run = run_version,
};
