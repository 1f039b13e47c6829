/* `orbit image cat-manifest`: the manifest stored in an ACI. */
#include <stdio.h>

#include "aci/aci.h"
#include "cli.h"
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
    if (orb_aci_read_manifest(argv[first], &json, &len, &err) < 0)
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
    .args = "[--pretty-print] ACI",
    .summary = "Print the manifest of an ACI",
    .options = options,
    .run = run,
};
