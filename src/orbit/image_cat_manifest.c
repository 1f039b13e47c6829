/* `orbit image cat-manifest`: the manifest stored in an ACI. */
#include <stdio.h>
#include <sys/stat.h>

#include "aci/aci.h"
#include "cli.h"
#include "schema/manifest.h"
#include "store/store.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/mem.h"

enum { OPT_PRETTY };

static const cli_option options[] = {
    {OPT_PRETTY, "pretty-print", CLI_NO_ARG, NULL, "indent the JSON"},
    {0},
};

static int handle_option(void *ctx, int id, const char *value)
{
    (void)value;
    if (id == OPT_PRETTY)
        *(bool *)ctx = true;
    return 0;
}

/* An ACI file when one exists at that path, else an image in the store. */
static int read_manifest(const char *arg, char **ret, size_t *ret_len, orb_error **err)
{
    struct stat st;
    if (stat(arg, &st) == 0)
        return orb_aci_read_manifest(arg, ret, ret_len, err);
    _cleanup_(orb_store_closep) orb_store *store = NULL;
    char id[ORB_IMAGE_ID_LEN + 1];
    if (orb_store_open(cli_global.dir, &store, err) < 0 ||
        orb_store_resolve(store, arg, id, err) < 0)
        return -1;
    _cleanup_free_ char *tree = orb_store_tree_path(store, id);
    _cleanup_free_ char *path = xasprintf("%s/manifest", tree);
    return orb_read_file(path, ORB_MANIFEST_MAX_SIZE, ret, ret_len, err);
}

static int run(const cli_command *self, int argc, char **argv)
{
    bool pretty = false;
    int first = cli_parse(self, argc, argv, handle_option, &pretty);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    if (!cli_expect_args(self, argc, argv, first, 1, 1))
        return EXIT_USAGE;
    orb_error *err = NULL;
    _cleanup_free_ char *json = NULL;
    size_t len = 0;
    if (read_manifest(argv[first], &json, &len, &err) < 0)
        return cli_error(err);
    if (pretty) {
        _cleanup_free_ char *indented = NULL;
        _cleanup_free_ char *name = xasprintf("%s: manifest", argv[first]);
        if (orb_json_pretty(json, len, name, &indented, &err) < 0)
            return cli_error(err);
        puts(indented);
        return EXIT_OK;
    }
    fwrite(json, 1, len, stdout);
    if (len == 0 || json[len - 1] != '\n')
        putchar('\n');
    return EXIT_OK;
}

const cli_command cmd_image_cat_manifest = {
    .name = "image cat-manifest",
    .args = "[--pretty-print] ACI|IMAGE",
    .summary = "Print the manifest of an ACI file, or of an image in the store",
    .options = options,
    .run = run,
};
