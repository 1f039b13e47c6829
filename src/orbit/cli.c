#include "cli.h"

#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store/acquire.h"
#include "store/store.h"
#include "trust/trust.h"
#include "util/mem.h"

const char *cli_program_name = "orbit";

/* getopt values: option i of a table is OPTION_BASE + i, global option i is
 * GLOBAL_BASE + i, so 0 never appears and optopt can tell a known long option
 * from an unknown one. */
enum { OPTION_HELP = 999, OPTION_BASE = 1000, GLOBAL_BASE = 2000 };

cli_globals cli_global = {.dir = ORB_DEFAULT_DATA_DIR,
                          .local_config = ORB_DEFAULT_LOCAL_CONFIG,
                          .system_config = ORB_DEFAULT_SYSTEM_CONFIG};

enum { GLOBAL_DIR, GLOBAL_INSECURE, GLOBAL_LOCAL_CONFIG, GLOBAL_SYSTEM_CONFIG, GLOBAL_TRUST_HTTPS };

/* Accepted before the command name and among any command's options. */
static const cli_option global_options[] = {
    {GLOBAL_DIR, "dir", CLI_REQUIRED_ARG, "DIR",
     "data directory (default " ORB_DEFAULT_DATA_DIR ")"},
    {GLOBAL_INSECURE, "insecure-options", CLI_REQUIRED_ARG, "LIST",
     "checks to skip: none, http, tls, image, pubkey, all-fetch, all"},
    {GLOBAL_LOCAL_CONFIG, "local-config", CLI_REQUIRED_ARG, "DIR",
     "local configuration: trusted keys, credentials (default " ORB_DEFAULT_LOCAL_CONFIG ")"},
    {GLOBAL_SYSTEM_CONFIG, "system-config", CLI_REQUIRED_ARG, "DIR",
     "system configuration, read only (default " ORB_DEFAULT_SYSTEM_CONFIG ")"},
    {GLOBAL_TRUST_HTTPS, "trust-keys-from-https", CLI_NO_ARG, NULL,
     "trust keys discovered for an image's name when fetched over verified HTTPS"},
    {0},
};

/* Directories are kept absolute: pods record paths under the data
 * directory (overlay layers, trees) that must not depend on where the next
 * command runs. The strings live as long as the process. */
static const char *absolute(const char *path)
{
    if (path[0] == '/')
        return path;
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd)))
        return path;
    return xasprintf("%s/%s", cwd, path);
}

static int set_global(int id, const char *value)
{
    switch (id) {
    case GLOBAL_DIR:
        cli_global.dir = absolute(value);
        return 0;
    case GLOBAL_LOCAL_CONFIG:
        cli_global.local_config = absolute(value);
        return 0;
    case GLOBAL_SYSTEM_CONFIG:
        cli_global.system_config = absolute(value);
        return 0;
    case GLOBAL_TRUST_HTTPS:
        cli_global.trust_keys_from_https = true;
        return 0;
    }
    orb_error *err = NULL;
    if (orb_insecure_from_string(value, &cli_global.insecure, &err) < 0) {
        fprintf(stderr, "%s: %s\n", cli_program_name, err->msg);
        orb_error_free(err);
        return -1;
    }
    return 0;
}

static size_t count_options(const cli_option *options)
{
    size_t n = 0;
    while (options && options[n].name)
        n++;
    return n;
}

static void add_getopt_entries(struct option *table, const cli_option *options, int base)
{
    static const int has_arg[] = {
        [CLI_NO_ARG] = no_argument,
        [CLI_REQUIRED_ARG] = required_argument,
        [CLI_OPTIONAL_ARG] = optional_argument,
    };
    for (size_t i = 0; options && options[i].name; i++)
        table[i] = (struct option){options[i].name, has_arg[options[i].arg], NULL, base + (int)i};
}

/* The command's options, the global ones and --help. */
static struct option *build_getopt_table(const cli_option *options)
{
    size_t n = count_options(options), g = count_options(global_options);
    struct option *table = xcalloc(n + g + 2, sizeof(*table));
    add_getopt_entries(table, options, OPTION_BASE);
    add_getopt_entries(table + n, global_options, GLOBAL_BASE);
    table[n + g] = (struct option){"help", no_argument, NULL, OPTION_HELP};
    return table;
}

int cli_parse_leading_globals(int argc, char **argv)
{
    size_t g = count_options(global_options);
    _cleanup_free_ struct option *table = xcalloc(g + 1, sizeof(*table));
    add_getopt_entries(table, global_options, GLOBAL_BASE);
    opterr = 0;
    optind = 0;
    for (;;) {
        int c = getopt_long(argc, argv, "+:", table, NULL);
        if (c == -1)
            return optind;
        if (c < GLOBAL_BASE &&
            (strcmp(argv[optind - 1], "--help") == 0 || strcmp(argv[optind - 1], "-h") == 0 ||
             strcmp(argv[optind - 1], "--version") == 0))
            return optind - 1; /* handled like a command name */
        if (c < GLOBAL_BASE) {
            fprintf(stderr, "%s: %s %s\nTry '%s help' for more information.\n", cli_program_name,
                    c == ':' ? "missing value for" : "unknown global option", argv[optind - 1],
                    cli_program_name);
            return -1;
        }
        if (set_global(global_options[c - GLOBAL_BASE].id, optarg) < 0)
            return -1;
    }
}

static void report_bad_option(const cli_command *cmd, int c, const char *arg)
{
    _cleanup_free_ char *name = xstrdup(arg);
    char *eq = strchr(name, '=');
    if (eq)
        *eq = '\0';
    if (c == ':')
        cli_usage_error(cmd, "option %s needs a value", name);
    else if (optopt >= OPTION_BASE)
        cli_usage_error(cmd, "option %s takes no value", name);
    else
        cli_usage_error(cmd, "unknown option %s", name);
}

int cli_parse_table(const cli_command *cmd, const cli_option *options, bool stop_at_argument,
                    int argc, char **argv, cli_option_handler handler, void *ctx)
{
    _cleanup_free_ struct option *table = build_getopt_table(options);
    opterr = 0;
    optind = 0; /* glibc: reinitialise the scanner for each parse */
    for (;;) {
        int c = getopt_long(argc, argv, stop_at_argument ? "+:h" : ":h", table, NULL);
        if (c == -1)
            return optind;
        if (c == 'h' || c == OPTION_HELP) {
            cli_print_help(cmd);
            return CLI_HELP_SHOWN;
        }
        if (c < OPTION_BASE) {
            report_bad_option(cmd, c, argv[optind - 1]);
            return CLI_BAD_USAGE;
        }
        if (c >= GLOBAL_BASE) {
            if (set_global(global_options[c - GLOBAL_BASE].id, optarg) < 0)
                return CLI_BAD_USAGE;
            continue;
        }
        if (handler(ctx, options[c - OPTION_BASE].id, optarg) < 0)
            return CLI_BAD_USAGE;
    }
}

int cli_parse(const cli_command *cmd, int argc, char **argv, cli_option_handler handler, void *ctx)
{
    return cli_parse_table(cmd, cmd->options, false, argc, argv, handler, ctx);
}

bool cli_expect_args(const cli_command *cmd, int argc, char **argv, int first, int min, int max)
{
    int n = argc - first;
    if (n < min) {
        cli_usage_error(cmd, n == 0 ? "missing arguments: expected %s" : "expected %s", cmd->args);
        return false;
    }
    if (max >= 0 && n > max) {
        cli_usage_error(cmd, "unexpected argument \"%s\"", argv[first + max]);
        return false;
    }
    return true;
}

static void print_option(const cli_option *o)
{
    char left[64];
    if (o->arg == CLI_REQUIRED_ARG)
        snprintf(left, sizeof(left), "--%s=%s", o->name, o->arg_name);
    else if (o->arg == CLI_OPTIONAL_ARG)
        snprintf(left, sizeof(left), "--%s[=%s]", o->name, o->arg_name);
    else
        snprintf(left, sizeof(left), "--%s", o->name);
    if (strlen(left) > 26)
        printf("  %s\n  %-26s  %s\n", left, "", o->help);
    else
        printf("  %-26s  %s\n", left, o->help);
}

void cli_print_help(const cli_command *cmd)
{
    printf("Usage: %s %s %s\n\n%s\n", cli_program_name, cmd->name, cmd->args, cmd->summary);
    if (cmd->description)
        printf("\n%s\n", cmd->description);
    printf("\nOptions:\n");
    for (const cli_option *o = cmd->options; o && o->name; o++)
        print_option(o);
    if (cmd->run_options) {
        printf("\nOptions for running the pod:\n");
        for (const cli_option *o = cmd->run_options; o->name; o++)
            print_option(o);
    }
    if (cmd->app_options) {
        printf("\nOptions for each app (after its IMAGE):\n");
        for (const cli_option *o = cmd->app_options; o->name; o++)
            print_option(o);
    }
    printf("  %-26s  %s\n", "-h, --help", "show this help");
    printf("\nGlobal options:\n");
    for (const cli_option *o = global_options; o->name; o++)
        print_option(o);
}

int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s %s: ", cli_program_name, cmd->name);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s %s --help' for more information.\n", cli_program_name, cmd->name);
    return EXIT_USAGE;
}

int cli_error(orb_error *err)
{
    fprintf(stderr, "%s: %s\n", cli_program_name, err ? err->msg : "unknown error");
    orb_error_free(err);
    return EXIT_FAIL;
}

int cli_errorf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", cli_program_name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return EXIT_FAIL;
}

const cli_command *cli_find_command(int argc, char **argv, int *ret_words)
{
    const cli_command *best = NULL;
    int best_words = 0;
    for (const cli_command *const *c = cli_commands; *c; c++) {
        _cleanup_strv_ char **words = strv_split((*c)->name, ' ');
        int n = (int)strv_length(words);
        if (n > argc || n <= best_words)
            continue;
        bool match = true;
        for (int i = 0; i < n && match; i++)
            match = strcmp(words[i], argv[i]) == 0;
        if (match) {
            best = *c;
            best_words = n;
        }
    }
    *ret_words = best_words;
    return best;
}

int cli_open_store(orb_store **ret)
{
    orb_error *err = NULL;
    if (orb_store_open(cli_global.dir, ret, &err) < 0)
        return cli_error(err);
    return EXIT_OK;
}

int cli_parse_size(const char *what, const char *value, uint64_t *ret)
{
    orb_quantity q = {0};
    const char *why = orb_quantity_parse(value, &q);
    int64_t bytes = q.value;
    orb_quantity_clear(&q);
    if (why || bytes <= 0) {
        fprintf(stderr, "%s: %s \"%s\": %s\n", cli_program_name, what, value,
                why ? why : "must be a positive size such as 512Mi or 20G");
        return -1;
    }
    *ret = (uint64_t)bytes;
    return 0;
}

int cli_resolve_image(orb_store *s, const char *ref, char ret_id[ORB_IMAGE_ID_LEN + 1])
{
    orb_error *err = NULL;
    if (orb_store_resolve(s, ref, ret_id, &err) < 0)
        return cli_error(err);
    return EXIT_OK;
}

orb_keystore cli_keystore(void)
{
    return (orb_keystore){.local_dir = (char *)cli_global.local_config,
                          .system_dir = (char *)cli_global.system_config};
}

void cli_notice_insecure(unsigned insecure)
{
    if (insecure & ORB_INSECURE_TLS)
        fprintf(stderr, "%s: warning: TLS certificates are not checked (--insecure-options=tls)\n",
                cli_program_name);
    if (insecure & ORB_INSECURE_PUBKEY)
        fprintf(stderr,
                "%s: warning: keys are accepted without verification (--insecure-options=pubkey)\n",
                cli_program_name);
}
