/* `orbit image id`: the image ID, hashed while streaming the image. */
#include <stdio.h>

#include "aci/aci.h"
#include "cli.h"

static int run(const cli_command *self, int argc, char **argv)
{
    int first = cli_parse(self, argc, argv, NULL, NULL);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    if (!cli_expect_args(self, argc, argv, first, 1, -1))
        return EXIT_USAGE;
    int status = EXIT_OK;
    for (int i = first; i < argc; i++) {
        char id[ORB_IMAGE_ID_LEN + 1];
        orb_error *err = NULL;
        if (orb_aci_image_id(argv[i], id, &err) < 0)
            status = cli_error(err);
        else
            printf("%s\n", id);
    }
    return status;
}

const cli_command cmd_image_id = {
    .name = "image id",
    .args = "ACI...",
    .summary = "Print the image ID (sha512- + the SHA-512 of the uncompressed tar)",
    .run = run,
};
