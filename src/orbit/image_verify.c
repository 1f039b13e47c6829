/* `orbit image verify`: re-hash stored images and report damage. */
#include <stdio.h>

#include "cli.h"
#include "store/store.h"
#include "util/mem.h"

static int verify_one(orb_store *store, const char *ref)
{
    char id[ORB_IMAGE_ID_LEN + 1];
    if (cli_resolve_image(store, ref, id) != EXIT_OK)
        return EXIT_FAIL;
    orb_problems problems = {0};
    orb_error *err = NULL;
    int r = orb_store_verify(store, id, &problems, &err);
    for (size_t i = 0; i < problems.n; i++)
        fprintf(stderr, "%s: %s\n", id, problems.items[i]);
    orb_problems_clear(&problems);
    if (err)
        return cli_error(err);
    if (r < 0)
        return EXIT_FAIL;
    printf("%s: ok\n", id);
    return EXIT_OK;
}

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
    for (int i = first; i < argc; i++)
        if (verify_one(store, argv[i]) != EXIT_OK)
            status = EXIT_FAIL;
    return status;
}

const cli_command cmd_image_verify = {
    .name = "image verify",
    .args = "IMAGE...",
    .summary = "Re-hash stored images against their IDs and report any damage",
    .run = run,
};
