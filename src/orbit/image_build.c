/* `orbit image build`: an image layout directory into an ACI. */
#include <stdio.h>

#include "aci/aci.h"
#include "cli.h"

enum { OPT_COMPRESSION, OPT_NO_COMPRESSION, OPT_OWNER_ROOT, OPT_OVERWRITE };

static const cli_option options[] = {
    {OPT_COMPRESSION, "compression", CLI_REQUIRED_ARG, "TYPE",
     "gzip (default), bzip2, xz, zstd or none"},
    {OPT_NO_COMPRESSION, "no-compression", CLI_NO_ARG, NULL, "same as --compression=none"},
    {OPT_OWNER_ROOT, "owner-root", CLI_NO_ARG, NULL, "record every file as owned by 0:0"},
    {OPT_OVERWRITE, "overwrite", CLI_NO_ARG, NULL, "replace OUT.aci if it exists"},
    {0},
};

static int handle_option(void *ctx, int id, const char *value)
{
    orb_build_options *opts = ctx;
    switch (id) {
    case OPT_COMPRESSION:
        if (orb_compression_from_name(value, &opts->compression) < 0) {
            cli_usage_error(&cmd_image_build,
                            "unknown compression \"%s\" (use gzip, bzip2, xz, zstd or none)",
                            value);
            return -1;
        }
        return 0;
    case OPT_NO_COMPRESSION:
        opts->compression = ORB_COMPRESSION_NONE;
        return 0;
    case OPT_OWNER_ROOT:
        opts->owner_root = true;
        return 0;
    case OPT_OVERWRITE:
        opts->overwrite = true;
        return 0;
    }
    return -1;
}

static int run(const cli_command *self, int argc, char **argv)
{
    orb_build_options opts = {.compression = ORB_COMPRESSION_GZIP};
    int first = cli_parse(self, argc, argv, handle_option, &opts);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    if (!cli_expect_args(self, argc, argv, first, 2, 2))
        return EXIT_USAGE;
    orb_error *err = NULL;
    if (orb_aci_build(argv[first], argv[first + 1], &opts, &err) < 0)
        return cli_error(err);
    return EXIT_OK;
}

const cli_command cmd_image_build = {
    .name = "image build",
    .args = "[OPTIONS] DIR OUT.aci",
    .summary = "Build an ACI from an image layout (DIR/manifest and DIR/rootfs/)",
    .description = "The manifest is validated first. Every file keeps its type, mode, owner,\n"
                   "timestamps, extended attributes and hard links; entries are written in a\n"
                   "stable order, so the same tree always gives the same bytes and image ID.\n"
                   "OUT.aci appears only when complete.",
    .options = options,
    .run = run,
};
