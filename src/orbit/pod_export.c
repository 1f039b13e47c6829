/* `orbit export`: an exited app's root as a new ACI. */
#include <stdio.h>

#include "aci/aci.h"
#include "cli.h"
#include "pod/export.h"
#include "pod_json.h"
#include "util/mem.h"

enum { OPT_APP, OPT_OVERWRITE, OPT_COMPRESSION };

typedef struct export_args {
    const char *app;
    orb_build_options build;
} export_args;

static const cli_option options[] = {
    {OPT_APP, "app", CLI_REQUIRED_ARG, "NAME", "the app (needed when the pod has several)"},
    {OPT_OVERWRITE, "overwrite", CLI_NO_ARG, NULL, "replace FILE if it exists"},
    {OPT_COMPRESSION, "compression", CLI_REQUIRED_ARG, "TYPE",
     "gzip (default), bzip2, xz, zstd or none"},
    {0},
};

static int handle_option(void *ctx, int id, const char *value)
{
    export_args *a = ctx;
    if (id == OPT_APP)
        a->app = value;
    else if (id == OPT_OVERWRITE)
        a->build.overwrite = true;
    else if (orb_compression_from_name(value, &a->build.compression) < 0) {
        cli_usage_error(&cmd_export, "unknown compression \"%s\"", value);
        return -1;
    }
    return 0;
}

static int run(const cli_command *self, int argc, char **argv)
{
    export_args a = {.build = {.compression = ORB_COMPRESSION_GZIP}};
    int first = cli_parse(self, argc, argv, handle_option, &a);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    if (!cli_expect_args(self, argc, argv, first, 2, 2))
        return EXIT_USAGE;
    _cleanup_(orb_pod_freep) orb_pod *pod = NULL;
    int status = cli_open_pod_arg(self, first + 1, argv, first, NULL, &pod);
    if (status != EXIT_OK)
        return status;
    orb_error *err = NULL;
    if (orb_pod_export_app(pod, a.app, argv[first + 1], &a.build, &err) < 0)
        return cli_error(err);
    return EXIT_OK;
}

const cli_command cmd_export = {
    .name = "export",
    .args = "[--app=NAME] [--overwrite] UUID FILE.aci",
    .summary = "Write an exited app's root filesystem as a new ACI",
    .options = options,
    .run = run,
};
