/* `orbit stop`, `orbit rm`, `orbit gc` and `orbit cat-manifest`. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pod_json.h"
#include "util/duration.h"
#include "util/json.h"
#include "util/mem.h"

enum { OPT_FORCE, OPT_UUID_FILE, OPT_GRACE, OPT_EXPIRE, OPT_MARK_ONLY, OPT_PRETTY };

typedef struct manage_args {
    bool force, mark_only, pretty;
    const char *uuid_file;
    orb_pod_gc_options gc;
} manage_args;

static int duration(const char *option, const char *value, int64_t *ret)
{
    orb_error *err = NULL;
    if (orb_parse_duration(value, ret, &err) == 0)
        return 0;
    cli_errorf("--%s: %s", option, err->msg);
    orb_error_free(err);
    return -1;
}

static int handle_option(void *ctx, int id, const char *value)
{
    manage_args *a = ctx;
    switch (id) {
    case OPT_FORCE:
        a->force = true;
        return 0;
    case OPT_UUID_FILE:
        a->uuid_file = value;
        return 0;
    case OPT_GRACE:
        return duration("grace-period", value, &a->gc.grace_us);
    case OPT_EXPIRE:
        return duration("expire-prepared", value, &a->gc.expire_prepared_us);
    case OPT_MARK_ONLY:
        a->mark_only = true;
        return 0;
    case OPT_PRETTY:
        a->pretty = true;
        return 0;
    }
    return 0;
}

typedef int (*pod_op)(orb_pod *, const manage_args *, orb_error **);

/* op on the pod named by argv[first] (the only argument), or by --uuid-file. */
static int one_pod(const cli_command *self, int argc, char **argv, int first, const manage_args *a,
                   pod_op op)
{
    _cleanup_(orb_pod_freep) orb_pod *pod = NULL;
    int status = cli_open_pod_arg(self, argc, argv, first, a->uuid_file, &pod);
    if (status != EXIT_OK)
        return status;
    orb_error *err = NULL;
    if (op(pod, a, &err) < 0)
        return cli_error(err);
    printf("%s\n", pod->uuid);
    return EXIT_OK;
}

static int each_pod(const cli_command *self, int argc, char **argv, int first, const manage_args *a,
                    pod_op op)
{
    if (a->uuid_file)
        return one_pod(self, argc, argv, first, a, op);
    if (!cli_expect_args(self, argc, argv, first, 1, -1))
        return EXIT_USAGE;
    int status = EXIT_OK;
    for (int i = first; i < argc; i++) {
        int r = one_pod(self, i + 1, argv, i, a, op);
        if (r != EXIT_OK)
            status = r;
    }
    return status;
}

static int stop_one(orb_pod *pod, const manage_args *a, orb_error **err)
{
    return orb_pod_stop(pod, a->force, err);
}

static int remove_one(orb_pod *pod, const manage_args *a, orb_error **err)
{
    (void)a;
    return orb_pod_remove(pod, err);
}

static const cli_option stop_options[] = {
    {OPT_FORCE, "force", CLI_NO_ARG, NULL, "kill the pod at once instead of stopping it"},
    {OPT_UUID_FILE, "uuid-file", CLI_REQUIRED_ARG, "FILE", "read the UUID from FILE"},
    {0},
};

static const cli_option rm_options[] = {
    {OPT_UUID_FILE, "uuid-file", CLI_REQUIRED_ARG, "FILE", "read the UUID from FILE"},
    {0},
};

static int run_stop(const cli_command *self, int argc, char **argv)
{
    manage_args a = {0};
    int first = cli_parse(self, argc, argv, handle_option, &a);
    return first < 0 ? CLI_PARSE_EXIT(first) : each_pod(self, argc, argv, first, &a, stop_one);
}

static int run_rm(const cli_command *self, int argc, char **argv)
{
    manage_args a = {0};
    int first = cli_parse(self, argc, argv, handle_option, &a);
    return first < 0 ? CLI_PARSE_EXIT(first) : each_pod(self, argc, argv, first, &a, remove_one);
}

static const cli_option gc_options[] = {
    {OPT_GRACE, "grace-period", CLI_REQUIRED_ARG, "DURATION",
     "remove exited pods this long after they were marked (default 30m)"},
    {OPT_EXPIRE, "expire-prepared", CLI_REQUIRED_ARG, "DURATION",
     "discard prepared pods not run for this long (default 24h)"},
    {OPT_MARK_ONLY, "mark-only", CLI_NO_ARG, NULL, "only mark pods as garbage"},
    {0},
};

static int run_gc(const cli_command *self, int argc, char **argv)
{
    manage_args a = {
        .gc = {.grace_us = 30LL * 60 * 1000000, .expire_prepared_us = 24LL * 3600 * 1000000}};
    int first = cli_parse(self, argc, argv, handle_option, &a);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    if (!cli_expect_args(self, argc, argv, first, 0, 0))
        return EXIT_USAGE;
    a.gc.mark_only = a.mark_only;
    orb_pod_gc_report report = {0};
    orb_error *err = NULL;
    if (orb_pod_gc(cli_global.dir, &a.gc, &report, &err) < 0)
        return cli_error(err);
    for (char **u = report.removed_uuids; u && *u; u++)
        printf("removed pod %s\n", *u);
    printf("%zu pods marked, %zu removed\n", report.marked, report.removed);
    orb_pod_gc_report_clear(&report);
    return EXIT_OK;
}

static const cli_option cat_options[] = {
    {OPT_PRETTY, "pretty-print", CLI_NO_ARG, NULL, "indent the JSON"},
    {OPT_UUID_FILE, "uuid-file", CLI_REQUIRED_ARG, "FILE", "read the UUID from FILE"},
    {0},
};

static int run_cat_manifest(const cli_command *self, int argc, char **argv)
{
    manage_args a = {0};
    int first = cli_parse(self, argc, argv, handle_option, &a);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    _cleanup_(orb_pod_freep) orb_pod *pod = NULL;
    int status = cli_open_pod_arg(self, argc, argv, first, a.uuid_file, &pod);
    if (status != EXIT_OK)
        return status;
    orb_error *err = NULL;
    _cleanup_free_ char *json = orb_pod_read_file(pod, ORB_POD_MANIFEST, &err);
    if (!json)
        return err ? cli_error(err) : cli_errorf("pod %s has no manifest yet", pod->uuid);
    _cleanup_free_ char *pretty = NULL;
    if (a.pretty && orb_json_pretty(json, strlen(json), "pod manifest", &pretty, &err) < 0)
        return cli_error(err);
    puts(pretty ? pretty : json);
    return EXIT_OK;
}

const cli_command cmd_stop = {
    .name = "stop",
    .args = "[--force] UUID...",
    .summary = "Stop running pods (post-stop handlers run; --force kills at once)",
    .options = stop_options,
    .run = run_stop,
};

const cli_command cmd_rm = {
    .name = "rm",
    .args = "UUID...",
    .summary = "Remove pods that are not running",
    .options = rm_options,
    .run = run_rm,
};

const cli_command cmd_gc = {
    .name = "gc",
    .args = "[--grace-period=30m] [--expire-prepared=24h] [--mark-only]",
    .summary = "Remove exited pods, aborted and expired preparations",
    .description = "Two passes, as rkt: exited pods, aborted preparations and prepared pods\n"
                   "older than --expire-prepared are marked; pods marked longer than the grace\n"
                   "period ago are unmounted and removed. Safe after a crash or a reboot.",
    .options = gc_options,
    .run = run_gc,
};

const cli_command cmd_cat_manifest = {
    .name = "cat-manifest",
    .args = "[--pretty-print] UUID",
    .summary = "Print a pod's manifest",
    .options = cat_options,
    .run = run_cat_manifest,
};
