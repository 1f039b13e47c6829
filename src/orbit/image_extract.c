/* `orbit image extract` and `orbit image render`: a stored image's files
 * copied out into a directory, alone or with its dependencies applied. */
#include <stdio.h>

#include "cli.h"
#include "store/rendered.h"
#include "store/store.h"
#include "util/mem.h"

enum { OPT_ROOTFS_ONLY, OPT_OVERWRITE };

static const cli_option options[] = {
    {OPT_ROOTFS_ONLY, "rootfs-only", CLI_NO_ARG, NULL,
     "DIR becomes the root filesystem (no manifest, no rootfs/ level)"},
    {OPT_OVERWRITE, "overwrite", CLI_NO_ARG, NULL, "replace DIR if it exists"},
    {0},
};

typedef struct copy_args {
    bool rootfs_only, overwrite;
} copy_args;

static int handle_option(void *ctx, int id, const char *value)
{
    (void)value;
    copy_args *a = ctx;
    if (id == OPT_ROOTFS_ONLY)
        a->rootfs_only = true;
    else
        a->overwrite = true;
    return 0;
}

static int copy_out(orb_store *store, const char *id, const char *dir, const copy_args *a,
                    bool render, orb_error **err)
{
    _cleanup_free_ char *tree = orb_store_tree_path(store, id);
    _cleanup_free_ char *manifest = xasprintf("%s/manifest", tree);
    _cleanup_free_ char *rendered = NULL;
    if (render && orb_store_render(store, id, NULL, &rendered, err) < 0)
        return -1;
    if (orb_store_copy_out(render ? rendered : tree, manifest, dir, a->rootfs_only, a->overwrite,
                           err) < 0)
        return -1;
    return orb_store_touch(store, id, err);
}

static int run_copy(const cli_command *self, int argc, char **argv, bool render)
{
    copy_args a = {0};
    int first = cli_parse(self, argc, argv, handle_option, &a);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    if (!cli_expect_args(self, argc, argv, first, 2, 2))
        return EXIT_USAGE;
    _cleanup_(orb_store_closep) orb_store *store = NULL;
    char id[ORB_IMAGE_ID_LEN + 1];
    if (cli_open_store(&store) != EXIT_OK || cli_resolve_image(store, argv[first], id) != EXIT_OK)
        return EXIT_FAIL;
    orb_error *err = NULL;
    if (copy_out(store, id, argv[first + 1], &a, render, &err) < 0)
        return cli_error(err);
    return EXIT_OK;
}

static int run_extract(const cli_command *self, int argc, char **argv)
{
    return run_copy(self, argc, argv, false);
}

static int run_render(const cli_command *self, int argc, char **argv)
{
    return run_copy(self, argc, argv, true);
}

const cli_command cmd_image_extract = {
    .name = "image extract",
    .args = "[--rootfs-only] [--overwrite] IMAGE DIR",
    .summary = "Copy a stored image's files (without its dependencies) into DIR",
    .options = options,
    .run = run_extract,
};

const cli_command cmd_image_render = {
    .name = "image render",
    .args = "[--rootfs-only] [--overwrite] IMAGE DIR",
    .summary = "Copy a stored image rendered with its dependencies into DIR",
    .description = "Dependencies are applied in the spec's order (each dependency's own\n"
                   "dependencies first, later ones over earlier ones, the image last), with\n"
                   "pathWhitelist honoured: DIR holds what an app of the image sees.",
    .options = options,
    .run = run_render,
};
