/* orbit: the App Container toolchain and runtime. main() only finds the
 * command named by the leading words of the command line and runs it. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const cli_command *const cli_commands[] = {
    &cmd_run,
    &cmd_prepare,
    &cmd_run_prepared,
    &cmd_list,
    &cmd_status,
    &cmd_stop,
    &cmd_enter,
    &cmd_logs,
    &cmd_cat_manifest,
    &cmd_export,
    &cmd_rm,
    &cmd_gc,
    &cmd_fetch,
    &cmd_discover,
    &cmd_trust,
    &cmd_image_list,
    &cmd_image_rm,
    &cmd_image_gc,
    &cmd_image_export,
    &cmd_image_extract,
    &cmd_image_render,
    &cmd_image_verify,
    &cmd_image_build,
    &cmd_image_validate,
    &cmd_image_cat_manifest,
    &cmd_image_id,
    &cmd_image_patch_manifest,
    &cmd_version,
    &cmd_help,
    NULL,
};

/* Words that group commands: "orbit image" alone lists the image commands. */
static const char *const command_groups[] = {"image", NULL};

static bool is_group(const char *word)
{
    for (const char *const *g = command_groups; *g; g++)
        if (strcmp(*g, word) == 0)
            return true;
    return false;
}

/* Standard streams closed by whoever started us would be reused by the
 * first files opened (an app's stdout could end up close-on-exec). */
static void open_standard_streams(void)
{
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
            abort();
}

int main(int argc, char **argv)
{
    open_standard_streams();
    const char *invoked = strrchr(argv[0], '/');
    invoked = invoked ? invoked + 1 : argv[0];
    if (strcmp(invoked, "rkt") == 0)
        cli_program_name = "rkt";

    int first = cli_parse_leading_globals(argc, argv);
    if (first < 0)
        return EXIT_USAGE;
    /* From here on argv[1] is the command name. */
    argv += first - 1;
    argc -= first - 1;
    if (argc < 2) {
        cli_print_overview(NULL);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cli_print_overview(NULL);
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version.run(&cmd_version, 1, (char *[]){"version", NULL});

    int words;
    const cli_command *cmd = cli_find_command(argc - 1, argv + 1, &words);
    if (!cmd && is_group(argv[1])) {
        if (argc == 2) {
            cli_print_overview(argv[1]);
            return EXIT_USAGE;
        }
        if (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)
            return cli_print_overview(argv[1]);
    }
    if (!cmd) {
        bool grouped = is_group(argv[1]);
        fprintf(stderr, "%s: unknown command \"%s%s%s\"\nTry '%s help' for the list of commands.\n",
                cli_program_name, argv[1], grouped ? " " : "", grouped ? argv[2] : "",
                cli_program_name);
        return EXIT_USAGE;
    }
    /* The command sees its own name as argv[0]. */
    int status = cmd->run(cmd, argc - words, argv + words);
    /* Output that could not be written is a failure, not a silent success. */
    if (fflush(stdout) != 0 || ferror(stdout))
        return cli_errorf("write standard output: %m");
    return status;
}
