/* `orbit image export`: a stored image as the file it was fetched as (with
 * its signature beside it), or as the plain tar whose SHA-512 is its ID. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aci/decompress.h"
#include "cli.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/mem.h"

enum { OPT_UNCOMPRESSED, OPT_OVERWRITE };

static const cli_option options[] = {
    {OPT_UNCOMPRESSED, "uncompressed", CLI_NO_ARG, NULL,
     "write the uncompressed tar (its SHA-512 is the image ID); no signature"},
    {OPT_OVERWRITE, "overwrite", CLI_NO_ARG, NULL, "replace FILE if it exists"},
    {0},
};

typedef struct export_args {
    bool uncompressed, overwrite;
} export_args;

static int handle_option(void *ctx, int id, const char *value)
{
    (void)value;
    export_args *a = ctx;
    if (id == OPT_UNCOMPRESSED)
        a->uncompressed = true;
    else
        a->overwrite = true;
    return 0;
}

static int copy_file(const char *from, int to_fd, orb_error **err)
{
    _cleanup_close_ int fd = open(from, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return orb_err_sys(err, errno, "open %s", from);
    for (;;) {
        ssize_t n = copy_file_range(fd, NULL, to_fd, NULL, 1 << 30, 0);
        if (n < 0)
            return orb_err_sys(err, errno, "copy %s", from);
        if (n == 0)
            return 0;
    }
}

/* Writes one output file atomically: the image decompressed, or a copy. */
static int write_output(const char *path, bool overwrite, const char *from, const char *id,
                        bool uncompressed, orb_error **err)
{
    orb_output out;
    if (orb_output_open(&out, path, overwrite, 0644, err) < 0)
        return -1;
    int r;
    if (uncompressed) {
        char written[ORB_IMAGE_ID_LEN + 1];
        r = orb_aci_decompress(from, out.fd, written, err);
        if (r == 0 && strcmp(written, id) != 0)
            r = orb_err(err, EIO, "%s: the stored image is damaged (it hashes to %s)", id, written);
    } else
        r = copy_file(from, out.fd, err);
    if (r == 0)
        r = orb_output_commit(&out, err);
    orb_output_discard(&out);
    return r;
}

static int export_image(orb_store *store, const char *id, const char *file, const export_args *a,
                        orb_error **err)
{
    _cleanup_free_ char *blob = orb_store_blob_path(store, id);
    if (write_output(file, a->overwrite, blob, id, a->uncompressed, err) < 0)
        return -1;
    _cleanup_free_ char *sig = orb_store_signature_path(store, id);
    if (a->uncompressed || access(sig, F_OK) < 0)
        return 0;
    _cleanup_free_ char *sig_out = xasprintf("%s.asc", file);
    return write_output(sig_out, a->overwrite, sig, id, false, err);
}

static int run(const cli_command *self, int argc, char **argv)
{
    export_args a = {0};
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
    if (export_image(store, id, argv[first + 1], &a, &err) < 0)
        return cli_error(err);
    return EXIT_OK;
}

const cli_command cmd_image_export = {
    .name = "image export",
    .args = "[--uncompressed] [--overwrite] IMAGE FILE",
    .summary = "Write a stored image to FILE exactly as it was fetched (and FILE.asc)",
    .description = "The file is the one that was fetched, byte for byte, so its signature\n"
                   "(written beside it as FILE.asc when the image had one) stays valid and\n"
                   "the file can be served to other hosts as it is.",
    .options = options,
    .run = run,
};
