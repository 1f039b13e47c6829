#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/mem.h"

const char *cli_program_name = "orbit";

/* getopt values: option i of a table is OPTION_BASE + i, so 0 never appears
 * and optopt can tell a known long option from an unknown one. */
enum { OPTION_HELP = 999, OPTION_BASE = 1000 };

static size_t count_options(const cli_option *options)
{
    size_t n = 0;
    while (options && options[n].name)
        n++;
    return n;
}

static struct option *build_getopt_table(const cli_option *options)
{
    size_t n = count_options(options);
    struct option *table = xcalloc(n + 2, sizeof(*table));
    static const int has_arg[] = {
        [CLI_NO_ARG] = no_argument,
        [CLI_REQUIRED_ARG] = required_argument,
        [CLI_OPTIONAL_ARG] = optional_argument,
    };
    for (size_t i = 0; i < n; i++)
        table[i] =
            (struct option){options[i].name, has_arg[options[i].arg], NULL, OPTION_BASE + (int)i};
    table[n] = (struct option){"help", no_argument, NULL, OPTION_HELP};
    return table;
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

int cli_parse(const cli_command *cmd, int argc, char **argv, cli_option_handler handler, void *ctx)
{
    _cleanup_free_ struct option *table = build_getopt_table(cmd->options);
    opterr = 0;
    optind = 0; /* glibc: reinitialise the scanner for each command */
    for (;;) {
        int c = getopt_long(argc, argv, ":h", table, NULL);
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
        if (handler(ctx, cmd->options[c - OPTION_BASE].id, optarg) < 0)
            return CLI_BAD_USAGE;
    }
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
    printf("  %-26s  %s\n", "-h, --help", "show this help");
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
