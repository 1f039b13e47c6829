/* `orbit image rm`: remove images from the store. */
#include <stdio.h>

#include "cli.h"
#include "store/store.h"
#include "util/mem.h"

static int run(const cli_command *self, int argc, char **argv)
{
    int first = cli_parse(self, argc, argv, NULL, NULL);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    if (!cli_expect_args(self, argc, argv, first, 1, -1))
        return EXIT_USAGE;
    _cleanup_(orb_store_closep) orb_store *store = NULL;
    if (cli_open_store(&store) != EXIT_OK)
        return EXIT_FAIL;
    int status = EXIT_OK;
    for (int i = first; i < argc; i++) {
        char id[ORB_IMAGE_ID_LEN + 1];
        orb_error *err = NULL;
        if (cli_resolve_image(store, argv[i], id) != EXIT_OK)
            status = EXIT_FAIL;
        else if (orb_store_remove(store, id, &err) < 0)
            status = cli_error(err);
        else
            printf("removed %s\n", id);
    }
    return status;
}

const cli_command cmd_image_rm = {
    .name = "image rm",
    .args = "IMAGE...",
    .summary = "Remove images from the store (refused while a pod uses them)",
    .description = "IMAGE is a full image ID, an unambiguous prefix of one, or a name with\n"
                   "optional labels (example.com/app:1.0, example.com/app,os=linux).",
    .run = run,
};
