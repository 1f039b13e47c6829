/* `orbit discover`: where meta discovery finds an image, its signature and
 * the keys for its name. */
#include <jansson.h>
#include <stdio.h>

#include "cli.h"
#include "discovery/discovery.h"
#include "fetch/auth.h"
#include "schema/types.h"
#include "store/acquire.h"
#include "util/mem.h"

enum { OPT_JSON };

static const cli_option options[] = {
    {OPT_JSON, "json", CLI_NO_ARG, NULL, "print the result as JSON"},
    {0},
};

static int handle_option(void *ctx, int id, const char *value)
{
    (void)id;
    (void)value;
    *(bool *)ctx = true;
    return 0;
}

static void print_text(const orb_discovery_result *endpoints, const orb_discovery_result *keys)
{
    for (size_t i = 0; i < endpoints->n_endpoints; i++)
        printf("ACI: %s\nASC: %s\n", endpoints->endpoints[i].aci, endpoints->endpoints[i].asc);
    for (char **k = keys->pubkeys; k && *k; k++)
        printf("Key: %s (for %s)\n", *k, keys->pubkeys_prefix);
}

static void print_json(const orb_app_ref *app, const orb_discovery_result *endpoints,
                       const orb_discovery_result *keys)
{
    json_t *labels = json_object(), *list = json_array(), *pubkeys = json_array();
    for (size_t i = 0; i < app->labels.n; i++)
        json_object_set_new(labels, app->labels.items[i].name,
                            json_string(app->labels.items[i].value));
    for (size_t i = 0; i < endpoints->n_endpoints; i++)
        json_array_append_new(list, json_pack("{s:s, s:s}", "aci", endpoints->endpoints[i].aci,
                                              "asc", endpoints->endpoints[i].asc));
    for (char **k = keys->pubkeys; k && *k; k++)
        json_array_append_new(pubkeys, json_string(*k));
    json_t *root =
        json_pack("{s:s, s:o, s:o, s:o, s:s?}", "name", app->name, "labels", labels, "endpoints",
                  list, "pubkeys", pubkeys, "pubkeysPrefix", keys->pubkeys_prefix);
    char *text = json_dumps(root, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
    puts(text);
    free(text);
    json_decref(root);
}

static int discover(const orb_app_ref *app, bool json, const orb_auth *auth, orb_error **err)
{
    orb_kv_list labels = {0};
    orb_kv_list_copy(&labels, &app->labels);
    if (!orb_kv_get(&labels, "os"))
        orb_kv_set(&labels, "os", orb_host_os());
    if (!orb_kv_get(&labels, "arch"))
        orb_kv_set(&labels, "arch", orb_host_arch());
    orb_discovery_options o = {
        .walks = ORB_DISCOVER_ENDPOINTS,
        .insecure_http = cli_global.insecure & ORB_INSECURE_HTTP,
        .insecure_tls = cli_global.insecure & ORB_INSECURE_TLS,
        .auth = auth,
    };
    orb_discovery_result endpoints = {0}, keys = {0};
    int r = orb_discover(app->name, &labels, &o, &endpoints, err);
    if (r == 0) {
        /* keys are worth showing, but an image without them is still found */
        o.walks = ORB_DISCOVER_PUBKEYS;
        orb_error *no_keys = NULL;
        orb_discover(app->name, &labels, &o, &keys, &no_keys);
        orb_error_free(no_keys);
        if (json)
            print_json(app, &endpoints, &keys);
        else
            print_text(&endpoints, &keys);
    }
    orb_discovery_result_clear(&endpoints);
    orb_discovery_result_clear(&keys);
    orb_kv_list_clear(&labels);
    return r;
}

static int run(const cli_command *self, int argc, char **argv)
{
    bool json = false;
    int first = cli_parse(self, argc, argv, handle_option, &json);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    if (!cli_expect_args(self, argc, argv, first, 1, 1))
        return EXIT_USAGE;
    orb_error *err = NULL;
    orb_app_ref app = {0};
    orb_auth auth = {0};
    if (orb_app_ref_parse(argv[first], &app, &err) < 0 ||
        orb_auth_load(cli_global.local_config, cli_global.system_config, &auth, &err) < 0) {
        orb_app_ref_clear(&app);
        return cli_error(err);
    }
    cli_notice_insecure(cli_global.insecure);
    int r = discover(&app, json, &auth, &err);
    orb_app_ref_clear(&app);
    orb_auth_clear(&auth);
    return r < 0 ? cli_error(err) : EXIT_OK;
}

const cli_command cmd_discover = {
    .name = "discover",
    .args = "[--json] APP",
    .summary = "Print the image, signature and key URLs meta discovery finds for APP",
    .description = "APP is a name with optional labels: example.com/app:1.0,channel=beta.\n"
                   "os and arch default to the host's, version to latest. Discovery asks\n"
                   "https://NAME?ac-discovery=1, then each parent path, for ac-discovery and\n"
                   "ac-discovery-pubkeys meta tags; plain http needs --insecure-options=http.",
    .options = options,
    .run = run,
};
