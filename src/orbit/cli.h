/* The command-line layer: a table of commands, each with its own option table,
 * usage and help text. Commands parse their options with cli_parse(), call the
 * library and report errors with cli_error(); nothing here holds logic. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "trust/trust.h"
#include "util/error.h"

/* Exit codes shared by every command. */
enum {
    EXIT_OK = 0,
    EXIT_FAIL = 1,  /* the operation failed or the input is invalid */
    EXIT_USAGE = 2, /* bad command line */
};

typedef enum cli_arg { CLI_NO_ARG, CLI_REQUIRED_ARG, CLI_OPTIONAL_ARG } cli_arg;

typedef struct cli_option {
    int id; /* passed to the command's handler */
    const char *name;
    cli_arg arg;
    const char *arg_name; /* shown in help: --compression=TYPE */
    const char *help;
} cli_option;

typedef struct cli_command cli_command;
struct cli_command {
    const char *name; /* "image build" */
    const char *args; /* "[OPTIONS] DIR OUT.aci" */
    const char *summary;
    const char *description;       /* may be NULL */
    const cli_option *options;     /* terminated by an entry with name == NULL */
    const cli_option *run_options; /* `run`: how the pod runs (shown as their own list) */
    const cli_option *app_options; /* `run`/`prepare`: options given after each IMAGE */
    int (*run)(const cli_command *self, int argc, char **argv);
};

/* Called for each option; returns 0, or -1 after reporting a bad value. */
typedef int (*cli_option_handler)(void *ctx, int id, const char *value);

/* Parses the options of argv (argv[0] is the command name), calling handler
 * for each. Returns the index of the first positional argument, CLI_HELP_SHOWN
 * after --help, or CLI_BAD_USAGE after printing what was wrong. */
#define CLI_HELP_SHOWN (-1)
#define CLI_BAD_USAGE  (-2)
/* The exit code for a negative cli_parse() result. */
#define CLI_PARSE_EXIT(r) ((r) == CLI_HELP_SHOWN ? EXIT_OK : EXIT_USAGE)
int cli_parse(const cli_command *cmd, int argc, char **argv, cli_option_handler handler, void *ctx);
/* The same with an explicit option table; with stop_at_argument, parsing
 * stops at the first non-option (for `run IMAGE [app flags] ...`). */
int cli_parse_table(const cli_command *cmd, const cli_option *options, bool stop_at_argument,
                    int argc, char **argv, cli_option_handler handler, void *ctx);
/* Checks the positional argument count; prints a usage error when wrong. */
bool cli_expect_args(const cli_command *cmd, int argc, char **argv, int first, int min, int max);

void cli_print_help(const cli_command *cmd);
/* Lists every command, or those of one group ("image"); returns EXIT_OK. */
int cli_print_overview(const char *group);
int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints "orbit: <message>" and frees the error; returns EXIT_FAIL. */
int cli_error(orb_error *err);
int cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Options every command accepts (before or after the command name). */
typedef struct cli_globals {
    const char *dir;            /* --dir: the data directory */
    unsigned insecure;          /* --insecure-options: ORB_INSECURE_* bits */
    const char *local_config;   /* --local-config */
    const char *system_config;  /* --system-config */
    bool trust_keys_from_https; /* --trust-keys-from-https */
} cli_globals;

extern cli_globals cli_global;
/* Parses global options before the command name; returns the index of the
 * command name, or -1 after reporting a problem. */
int cli_parse_leading_globals(int argc, char **argv);

/* A size such as 512Mi or 20G for option `what`; -1 after reporting. */
int cli_parse_size(const char *what, const char *value, uint64_t *ret);

struct orb_store;
/* Opens the store of --dir; on failure reports it and returns EXIT_FAIL. */
int cli_open_store(struct orb_store **ret);

/* An image reference (ID, prefix, name with labels) to its ID; on failure
 * reports it and returns EXIT_FAIL. */
int cli_resolve_image(struct orb_store *s, const char *ref, char ret_id[136]);

struct orb_keystore;
/* The keystore of --local-config and --system-config. */
struct orb_keystore cli_keystore(void);
/* Says on stderr which global insecure options are in effect (those that
 * are not said where they happen). */
void cli_notice_insecure(unsigned insecure);

/* The program's name as invoked (for "rkt" compatibility and messages). */
extern const char *cli_program_name;

/* Command tables. */
extern const cli_command cmd_version, cmd_help;
extern const cli_command cmd_image_build, cmd_image_validate, cmd_image_cat_manifest, cmd_image_id,
    cmd_image_patch_manifest;
extern const cli_command cmd_fetch, cmd_image_list, cmd_image_rm, cmd_image_gc, cmd_image_export,
    cmd_image_extract, cmd_image_render, cmd_image_verify;
extern const cli_command cmd_discover, cmd_trust;
extern const cli_command cmd_run, cmd_prepare, cmd_run_prepared, cmd_list, cmd_status, cmd_stop,
    cmd_rm, cmd_gc, cmd_enter, cmd_cat_manifest, cmd_export, cmd_logs;

/* All commands, in help order, NULL-terminated. */
extern const cli_command *const cli_commands[];
const cli_command *cli_find_command(int argc, char **argv, int *ret_words);
