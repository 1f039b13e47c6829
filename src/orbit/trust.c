/* `orbit trust`: trust keys for a name prefix (or as root keys), list them,
 * stop trusting them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "discovery/discovery.h"
#include "fetch/auth.h"
#include "fetch/fetch.h"
#include "store/acquire.h"
#include "table.h"
#include "trust/trust.h"
#include "util/fs.h"
#include "util/mem.h"
#include "util/strv.h"

enum { OPT_PREFIX, OPT_ROOT, OPT_SKIP_REVIEW, OPT_LIST, OPT_REMOVE };

static const cli_option options[] = {
    {OPT_PREFIX, "prefix", CLI_REQUIRED_ARG, "PREFIX",
     "trust the keys for images whose name starts with PREFIX (e.g. example.com/app)"},
    {OPT_ROOT, "root", CLI_NO_ARG, NULL, "trust the keys for every image name"},
    {OPT_SKIP_REVIEW, "skip-fingerprint-review", CLI_NO_ARG, NULL,
     "do not ask for confirmation (for scripts)"},
    {OPT_LIST, "list", CLI_NO_ARG, NULL, "list the trusted keys"},
    {OPT_REMOVE, "remove", CLI_REQUIRED_ARG, "FINGERPRINT", "stop trusting a key"},
    {0},
};

typedef struct trust_args {
    const char *prefix, *remove;
    bool root, skip_review, list;
} trust_args;

static int handle_option(void *ctx, int id, const char *value)
{
    trust_args *a = ctx;
    switch (id) {
    case OPT_PREFIX:
        a->prefix = value;
        break;
    case OPT_ROOT:
        a->root = true;
        break;
    case OPT_SKIP_REVIEW:
        a->skip_review = true;
        break;
    case OPT_LIST:
        a->list = true;
        break;
    case OPT_REMOVE:
        a->remove = value;
        break;
    }
    return 0;
}

static int list_keys(const orb_keystore *ks)
{
    orb_key_info *keys = NULL;
    size_t n = 0;
    orb_error *err = NULL;
    if (orb_keystore_list(ks, &keys, &n, &err) < 0)
        return cli_error(err);
    cli_table t;
    cli_table_init(&t, 4);
    cli_table_add(&t, "FINGERPRINT");
    cli_table_add(&t, "PREFIX");
    cli_table_add(&t, "USER IDS");
    cli_table_add(&t, "FILE");
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *uids = strv_join(keys[i].uids, "; ");
        cli_table_add(&t, keys[i].fingerprint);
        cli_table_add(&t, keys[i].prefix ? keys[i].prefix : "(root)");
        cli_table_add(&t, uids);
        cli_table_add(&t, keys[i].path);
    }
    cli_table_print(&t, true);
    orb_key_infos_free(keys, n);
    return EXIT_OK;
}

/* The bytes of a key file, from a path or an http(s) URL. */
static int read_key_source(const char *source, const orb_auth *auth, char **ret, size_t *ret_len,
                           orb_error **err)
{
    if (!orb_url_is_remote(source))
        return orb_read_file(source, ORB_KEY_FILE_MAX, ret, ret_len, err);
    orb_fetch_options f = {
        .allow_http = cli_global.insecure & (ORB_INSECURE_HTTP | ORB_INSECURE_PUBKEY),
        .insecure_tls = cli_global.insecure & ORB_INSECURE_TLS,
        .auth = auth,
        .auth_config_dir = cli_global.local_config,
    };
    if (strncmp(source, "http://", 7) == 0 && f.allow_http)
        fprintf(stderr, "%s: warning: %s: fetched over plain HTTP\n", cli_program_name, source);
    return orb_fetch_buffer(source, &f, ORB_KEY_FILE_MAX, ret, ret_len, err);
}

static void show_key(const orb_key_info *k, const char *source, const char *prefix)
{
    fprintf(stderr, "Prefix: %s\nKey: %s\nFingerprint: %s\n", prefix ? prefix : "(root)", source,
            k->fingerprint);
    for (char **uid = k->uids; uid && *uid; uid++)
        fprintf(stderr, "    %s\n", *uid);
}

/* On a terminal, the user confirms each key after seeing its fingerprint. */
static int review(const orb_key_info *keys, size_t n, const char *source, const char *prefix,
                  bool skip)
{
    for (size_t i = 0; i < n; i++)
        show_key(&keys[i], source, prefix);
    if (skip)
        return 0;
    if (!isatty(STDIN_FILENO))
        return cli_errorf("%s: refusing to trust keys without review: standard input is not a "
                          "terminal (check the fingerprints and use --skip-fingerprint-review)",
                          source);
    fprintf(stderr, "Are you sure you want to trust %s (yes/no)? ",
            n == 1 ? "this key" : "these keys");
    char answer[16] = "";
    if (!fgets(answer, sizeof(answer), stdin) || strncmp(answer, "yes", 3) != 0)
        return cli_errorf("%s: not trusted", source);
    return 0;
}

static int trust_source(const orb_keystore *ks, const char *source, const char *prefix,
                        const trust_args *a, const orb_auth *auth)
{
    orb_error *err = NULL;
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    orb_key_info *keys = NULL;
    size_t n = 0;
    if (read_key_source(source, auth, &data, &len, &err) < 0 ||
        orb_key_inspect(data, len, source, &keys, &n, &err) < 0)
        return cli_error(err);
    int status = review(keys, n, source, prefix, a->skip_review);
    orb_key_infos_free(keys, n);
    if (status != EXIT_OK)
        return status;
    _cleanup_strv_ char **added = NULL;
    if (orb_keystore_add(ks, data, len, source, prefix, &added, &err) < 0)
        return cli_error(err);
    for (char **fpr = added; *fpr; fpr++)
        printf("Trusted key %s for %s\n", *fpr, prefix ? prefix : "every image (root key)");
    return EXIT_OK;
}

/* No key given: the keys discovery names for the prefix. */
static char **discover_keys(const char *prefix, const orb_auth *auth)
{
    orb_discovery_options o = {
        .walks = ORB_DISCOVER_PUBKEYS,
        .insecure_http = cli_global.insecure & (ORB_INSECURE_HTTP | ORB_INSECURE_PUBKEY),
        .insecure_tls = cli_global.insecure & ORB_INSECURE_TLS,
        .auth = auth,
    };
    orb_kv_list labels = {0};
    orb_discovery_result found = {0};
    orb_error *err = NULL;
    if (orb_discover(prefix, &labels, &o, &found, &err) < 0) {
        cli_error(err);
        return NULL;
    }
    char **urls = strv_copy(found.pubkeys);
    orb_discovery_result_clear(&found);
    return urls;
}

static int add_keys(const orb_keystore *ks, const trust_args *a, char **sources)
{
    orb_auth auth = {0};
    orb_error *err = NULL;
    if (orb_auth_load(cli_global.local_config, cli_global.system_config, &auth, &err) < 0)
        return cli_error(err);
    cli_notice_insecure(cli_global.insecure);
    _cleanup_strv_ char **discovered = sources[0] ? NULL : discover_keys(a->prefix, &auth);
    int status = sources[0] || discovered ? EXIT_OK : EXIT_FAIL;
    for (char **s = sources[0] ? sources : discovered; s && *s; s++)
        if (trust_source(ks, *s, a->root ? NULL : a->prefix, a, &auth) != EXIT_OK)
            status = EXIT_FAIL;
    orb_auth_clear(&auth);
    return status;
}

static int run(const cli_command *self, int argc, char **argv)
{
    trust_args a = {0};
    int first = cli_parse(self, argc, argv, handle_option, &a);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    orb_keystore ks = cli_keystore();
    if (a.list || a.remove) {
        if (!cli_expect_args(self, argc, argv, first, 0, 0))
            return EXIT_USAGE;
        if (a.list)
            return list_keys(&ks);
        orb_error *err = NULL;
        if (orb_keystore_remove(&ks, a.remove, &err) < 0)
            return cli_error(err);
        printf("Removed key %s\n", a.remove);
        return EXIT_OK;
    }
    if (!a.prefix == !a.root)
        return cli_usage_error(self, "give exactly one of --prefix=PREFIX and --root");
    if (a.root && first == argc)
        return cli_usage_error(self,
                               "--root needs a KEYFILE or URL (root keys are not discovered)");
    return add_keys(&ks, &a, argv + first);
}

const cli_command cmd_trust = {
    .name = "trust",
    .args = "[--prefix=PREFIX | --root] [--skip-fingerprint-review] [KEYFILE|URL...]",
    .summary = "Trust keys to verify images with; list them or stop trusting one",
    .description =
        "Keys are trusted for a name prefix (an image named example.com/app/x is\n"
        "checked with the keys of its longest prefix that has keys, plus the root keys).\n"
        "Without KEYFILE or URL the keys are found by discovery (ac-discovery-pubkeys)\n"
        "for the prefix. Each key's fingerprint is shown and, on a terminal, confirmed.\n"
        "Keys are stored in LOCAL_CONFIG/trustedkeys/{prefix.d/PREFIX,root.d}/FINGERPRINT;\n"
        "keys under the system config dir are read too, and an empty file of the same\n"
        "name in the local dir masks one. Also: orbit trust --list, orbit trust --remove FPR.",
    .options = options,
    .run = run,
};
