/* `orbit fetch`: images into the store from files, URLs or the store itself. */
#include <stdio.h>

#include "cli.h"
#include "fetch/auth.h"
#include "progress.h"
#include "store/acquire.h"
#include "trust/trust.h"
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

static void print_notice(void *ctx, const char *message)
{
    (void)ctx;
    fprintf(stderr, "%s: warning: %s\n", cli_program_name, message);
}

static int run(const cli_command *self, int argc, char **argv)
{
    fetch_args a = {.o = {.pull = ORB_PULL_UPDATE, .notice = print_notice}};
    int first = cli_parse(self, argc, argv, handle_option, &a);
    if (first < 0 || !cli_expect_args(self, argc, argv, first, 1, -1)) {
        strv_free(a.dependency_dirs);
        return first == CLI_HELP_SHOWN ? EXIT_OK : EXIT_USAGE;
    }
    _cleanup_(orb_store_closep) orb_store *store = NULL;
    if (cli_open_store(&store) != EXIT_OK)
        return EXIT_FAIL;
    orb_keystore keystore = cli_keystore();
    orb_auth auth = {0};
    orb_error *err = NULL;
    if (orb_auth_load(cli_global.local_config, cli_global.system_config, &auth, &err) < 0) {
        strv_free(a.dependency_dirs);
        return cli_error(err);
    }
    cli_progress progress;
    cli_progress_init(&progress);
    a.o.progress = &progress.hooks;
    a.o.insecure = cli_global.insecure;
    a.o.dependency_dirs = a.dependency_dirs;
    a.o.keystore = &keystore;
    a.o.trust_keys_from_https = cli_global.trust_keys_from_https;
    a.o.auth = &auth;
    a.o.config_dir = cli_global.local_config;
    cli_notice_insecure(cli_global.insecure);
    int status = EXIT_OK;
    for (int i = first; i < argc; i++) {
        char id[ORB_IMAGE_ID_LEN + 1];
        err = NULL;
        int r = orb_acquire(store, argv[i], &a.o, id, &err);
        cli_progress_done(&progress);
        if (r < 0)
            status = cli_error(err);
        else
            printf("%s\n", id);
    }
    strv_free(a.dependency_dirs);
    orb_auth_clear(&auth);
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
