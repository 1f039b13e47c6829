/* The command lines of `run`, `prepare` and `run-prepared`:
 *   [pod options] IMAGE [app options] [-- ARGS] [--- IMAGE [app options] [-- ARGS]]...
 * Pod options come before the first image; each image's options follow it;
 * `--` starts its arguments, which run until `---` or the end. */
#pragma once

#include <stdbool.h>

#include "cli.h"
#include "exec/exec.h"
#include "pod/prepare.h"

typedef struct pod_args {
    orb_pod_request req;
    orb_run_options run;
    const char *uuid_file_save;
    bool quiet;
} pod_args;

/* Options of preparing a pod, of running one, and of each app. */
extern const cli_option pod_prepare_options[];
extern const cli_option pod_run_options[];
extern const cli_option pod_app_options[];

typedef enum pod_args_kind {
    POD_ARGS_PREPARE,      /* pod options + apps */
    POD_ARGS_RUN,          /* pod and run options + apps */
    POD_ARGS_RUN_PREPARED, /* run options + UUID */
} pod_args_kind;

/* Parses argv into a; for RUN_PREPARED, *ret_first is the index of the UUID.
 * Returns EXIT_OK, or the exit code after reporting (help shown, bad usage). */
int pod_args_parse(const cli_command *cmd, pod_args_kind kind, int argc, char **argv, pod_args *a,
                   int *ret_first);
void pod_args_clear(pod_args *a);

/* Writes the UUID to the --uuid-file-save file (atomically). */
int pod_args_save_uuid(const pod_args *a, const char *uuid);
