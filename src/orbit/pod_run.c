/* `orbit prepare`, `orbit run` and `orbit run-prepared`. */
#include <stdio.h>

#include "acquire_setup.h"
#include "cli.h"
#include "exec/exec.h"
#include "pod_args.h"
#include "util/mem.h"

/* Prepares the pod the arguments describe; *ret keeps its lock. */
static int prepare(pod_args *a, orb_pod **ret)
{
    _cleanup_(orb_store_closep) orb_store *store = NULL;
    cli_acquire setup;
    if (cli_open_store(&store) != EXIT_OK || cli_acquire_init(&setup, &a->req.acquire) != EXIT_OK)
        return EXIT_FAIL;
    orb_error *err = NULL;
    int r = orb_pod_prepare(store, cli_global.dir, &a->req, ret, &err);
    cli_acquire_done(&setup);
    if (r < 0)
        return cli_error(err);
    return pod_args_save_uuid(a, (*ret)->uuid);
}

/* Runs a prepared pod whose lock the caller holds, in the foreground. */
static int run_locked(orb_pod *pod, const orb_run_options *o)
{
    orb_error *err = NULL;
    int code = EXIT_FAIL;
    if (orb_pod_move(pod, ORB_POD_RUNNING, &err) < 0 || orb_pod_write_etc(pod, o, &err) < 0 ||
        orb_pod_run(pod, o, &code, &err) < 0) {
        /* nothing ran: the pod is not left looking like one that did */
        orb_error *ignored = NULL;
        if (pod->state == ORB_POD_RUNNING)
            orb_pod_move(pod, ORB_POD_EXITED_GARBAGE, &ignored);
        orb_error_free(ignored);
        return cli_error(err);
    }
    return code;
}

static int run_prepare(const cli_command *self, int argc, char **argv)
{
    pod_args a;
    int status = pod_args_parse(self, POD_ARGS_PREPARE, argc, argv, &a, NULL);
    _cleanup_(orb_pod_freep) orb_pod *pod = NULL;
    if (status == EXIT_OK)
        status = prepare(&a, &pod);
    if (status == EXIT_OK)
        printf("%s\n", pod->uuid);
    pod_args_clear(&a);
    return status;
}

static int run_run(const cli_command *self, int argc, char **argv)
{
    pod_args a;
    int status = pod_args_parse(self, POD_ARGS_RUN, argc, argv, &a, NULL);
    _cleanup_(orb_pod_freep) orb_pod *pod = NULL;
    if (status == EXIT_OK)
        status = prepare(&a, &pod);
    if (status == EXIT_OK)
        status = run_locked(pod, &a.run);
    pod_args_clear(&a);
    return status;
}

static int run_prepared(const cli_command *self, int argc, char **argv)
{
    pod_args a;
    int first = 0;
    int status = pod_args_parse(self, POD_ARGS_RUN_PREPARED, argc, argv, &a, &first);
    if (status != EXIT_OK || !cli_expect_args(self, argc, argv, first, 1, 1)) {
        pod_args_clear(&a);
        return status != EXIT_OK ? status : EXIT_USAGE;
    }
    _cleanup_(orb_pod_freep) orb_pod *pod = NULL;
    orb_error *err = NULL;
    if (orb_pod_open(cli_global.dir, argv[first], &pod, &err) < 0 ||
        orb_pod_lock(pod, false, &err) < 0) {
        pod_args_clear(&a);
        return cli_error(err);
    }
    if (pod->state != ORB_POD_PREPARED)
        status =
            cli_errorf("pod %s is %s, not prepared", pod->uuid, orb_pod_state_name(pod->state));
    else
        status = run_locked(pod, &a.run);
    pod_args_clear(&a);
    return status;
}

const cli_command cmd_prepare = {
    .name = "prepare",
    .args = "[OPTIONS] IMAGE [APP OPTIONS] [-- ARGS] [--- IMAGE ...]",
    .summary = "Prepare a pod to run later, and print its UUID",
    .description = "Images are fetched when missing (--pull-policy=new), rendered and set\n"
                   "up in a pod directory; `orbit run-prepared UUID` runs it. Only the UUID\n"
                   "is printed on standard output.",
    .options = pod_prepare_options,
    .app_options = pod_app_options,
    .run = run_prepare,
};

const cli_command cmd_run = {
    .name = "run",
    .args = "[OPTIONS] IMAGE [APP OPTIONS] [-- ARGS] [--- IMAGE ...]",
    .summary = "Run a pod of one or more apps in the foreground",
    .description = "Each IMAGE (ID, name with labels, path or URL) is an app of the pod; the\n"
                   "apps share PID, IPC, UTS and (unless --net=host) network namespaces, each in\n"
                   "its own root. Their output is shown prefixed with the app name when there\n"
                   "are several apps, and kept in the pod's logs. Ctrl-C or SIGTERM stops the\n"
                   "pod cleanly; a second one kills it. The exit status is the pod's: that of\n"
                   "the first app that failed, else 0.",
    .options = pod_prepare_options,
    .run_options = pod_run_options,
    .app_options = pod_app_options,
    .run = run_run,
};

const cli_command cmd_run_prepared = {
    .name = "run-prepared",
    .args = "[OPTIONS] UUID",
    .summary = "Run a prepared pod in the foreground",
    .options = pod_run_options,
    .run = run_prepared,
};
