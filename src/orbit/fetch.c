/* `orbit fetch`: images into the store from files, URLs or the store itself. */
#include <stdio.h>

#include "acquire_setup.h"
#include "cli.h"
#include "store/acquire.h"
#include "util/mem.h"
#include "util/strv.h"

enum { OPT_PULL_POLICY, OPT_DEPENDENCY_DIR, OPT_MAX_IMAGE_SIZE, OPT_FULL };

static const cli_option options[] = {
    {OPT_PULL_POLICY, "pull-policy", CLI_REQUIRED_ARG, "POLICY",
     "never (store only), new (fetch what is missing) or update (default: ask the source again)"},
    {OPT_DEPENDENCY_DIR, "dependency-dir", CLI_REQUIRED_ARG, "DIR",
     "also look for dependencies in DIR (repeatable)"},
    {OPT_MAX_IMAGE_SIZE, "max-image-size", CLI_REQUIRED_ARG, "SIZE",
     "refuse images larger than SIZE uncompressed, e.g. 20Gi (default: 90% of free disk)"},
    {OPT_FULL, "full", CLI_NO_ARG, NULL, "print full image IDs (always done; for rkt users)"},
    {0},
};

typedef struct fetch_args {
    orb_acquire_options o;
    char **dependency_dirs;
} fetch_args;

static int handle_option(void *ctx, int id, const char *value)
{
    fetch_args *a = ctx;
    switch (id) {
    case OPT_PULL_POLICY:
        if (orb_pull_policy_from_name(value, &a->o.pull) == 0)
            return 0;
        cli_usage_error(&cmd_fetch, "unknown pull policy \"%s\" (use never, new or update)", value);
        return -1;
    case OPT_DEPENDENCY_DIR:
        strv_push(&a->dependency_dirs, value);
        return 0;
    case OPT_MAX_IMAGE_SIZE:
        return cli_parse_size("--max-image-size", value, &a->o.max_size);
    }
    return 0;
}

static int run(const cli_command *self, int argc, char **argv)
{
    fetch_args a = {.o = {.pull = ORB_PULL_UPDATE}};
    int first = cli_parse(self, argc, argv, handle_option, &a);
    if (first < 0 || !cli_expect_args(self, argc, argv, first, 1, -1)) {
        strv_free(a.dependency_dirs);
        return first == CLI_HELP_SHOWN ? EXIT_OK : EXIT_USAGE;
    }
    _cleanup_(orb_store_closep) orb_store *store = NULL;
    cli_acquire setup;
    a.o.dependency_dirs = a.dependency_dirs;
    if (cli_open_store(&store) != EXIT_OK || cli_acquire_init(&setup, &a.o) != EXIT_OK) {
        strv_free(a.dependency_dirs);
        return EXIT_FAIL;
    }
    int status = EXIT_OK;
    for (int i = first; i < argc; i++) {
        char id[ORB_IMAGE_ID_LEN + 1];
        orb_error *err = NULL;
        int r = orb_acquire(store, argv[i], &a.o, id, &err);
        cli_progress_done(&setup.progress);
        if (r < 0)
            status = cli_error(err);
        else
            printf("%s\n", id);
    }
    strv_free(a.dependency_dirs);
    cli_acquire_done(&setup);
    return status;
}

const cli_command cmd_fetch = {
    .name = "fetch",
    .args = "[OPTIONS] SOURCE...",
    .summary = "Fetch images into the store and print their IDs",
    .description = "SOURCE is the path or file:// URL of an ACI, an http(s):// URL of one, an\n"
                   "image ID, or a name with labels (example.com/app:1.0,channel=beta), found in\n"
                   "the store or by meta discovery over HTTPS (os and arch default to the host's,\n"
                   "version to latest). The signature (X.aci.asc beside the image, or the one\n"
                   "discovery names) must verify with a key trusted for the image's name (see\n"
                   "`orbit trust`) unless --insecure-options=image. Credentials for servers are\n"
                   "read from auth.d/*.json in the config dirs.\n"
                   "Dependencies are found in the store, else fetched from beside the image or\n"
                   "from a --dependency-dir, named <name>-<version>-<os>-<arch>.aci,\n"
                   "<name>-<version>.aci or <name>.aci (<name>: the last part of the image name).",
    .options = options,
    .run = run,
};
