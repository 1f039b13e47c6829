/* `orbit enter` and `orbit logs`. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "exec/exec.h"
#include "pod_json.h"
#include "schema/manifest.h"
#include "util/mem.h"
#include "util/strv.h"

enum { OPT_APP, OPT_FOLLOW, OPT_UUID_FILE };

typedef struct enter_args {
    const char *app, *uuid_file;
    bool follow;
} enter_args;

static int handle_option(void *ctx, int id, const char *value)
{
    enter_args *a = ctx;
    if (id == OPT_APP)
        a->app = value;
    else if (id == OPT_FOLLOW)
        a->follow = true;
    else
        a->uuid_file = value;
    return 0;
}

static const cli_option enter_options[] = {
    {OPT_APP, "app", CLI_REQUIRED_ARG, "NAME", "the app to enter (needed when there are several)"},
    {0},
};

static int run_enter(const cli_command *self, int argc, char **argv)
{
    enter_args a = {0};
    /* options stop at the UUID: what follows is the command to run */
    int first = cli_parse_table(self, self->options, true, argc, argv, handle_option, &a);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    if (first == argc)
        return cli_usage_error(self, "missing UUID");
    _cleanup_(orb_pod_freep) orb_pod *pod = NULL;
    int status = cli_open_pod_arg(self, first + 1, argv, first, NULL, &pod);
    if (status != EXIT_OK)
        return status;
    orb_error *err = NULL;
    int code = EXIT_FAIL;
    char **cmd = first + 1 < argc ? argv + first + 1 : NULL;
    if (orb_pod_enter(pod, a.app, cmd, &code, &err) < 0)
        return cli_error(err);
    return code;
}

/* ---- logs ---------------------------------------------------------------- */

static const cli_option logs_options[] = {
    {OPT_APP, "app", CLI_REQUIRED_ARG, "NAME", "only this app's output"},
    {OPT_FOLLOW, "follow", CLI_NO_ARG, NULL, "keep printing new output until the pod ends"},
    {OPT_UUID_FILE, "uuid-file", CLI_REQUIRED_ARG, "FILE", "read the UUID from FILE"},
    {0},
};

/* Copies what fd has from *offset on to stdout. */
static void copy_new(int fd, off_t *offset)
{
    char buf[65536];
    ssize_t n;
    while ((n = pread(fd, buf, sizeof(buf), *offset)) > 0) {
        fwrite(buf, 1, (size_t)n, stdout);
        *offset += n;
    }
    fflush(stdout);
}

static void print_file(const orb_pod *p, const char *app, const char *file)
{
    _cleanup_free_ char *rel = xasprintf("apps/%s/%s", app, file);
    _cleanup_free_ char *path = orb_pod_path(p, rel);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    off_t offset = 0;
    if (fd >= 0)
        copy_new(fd, &offset);
}

static bool running(const orb_pod *p)
{
    orb_pod *fresh = NULL;
    orb_error *err = NULL;
    bool r =
        orb_pod_open(p->data_dir, p->uuid, &fresh, &err) == 0 && fresh->state == ORB_POD_RUNNING;
    orb_pod_free(fresh);
    orb_error_free(err);
    return r;
}

/* Follows one app's log across rotations until the pod is no longer running. */
static void follow(const orb_pod *p, const char *app)
{
    _cleanup_free_ char *rel = xasprintf("apps/%s/log", app);
    int fd = -1;
    ino_t ino = 0;
    off_t offset = 0;
    for (bool last = false;; last = !running(p)) {
        _cleanup_free_ char *path = orb_pod_path(p, rel); /* the pod dir moves with its state */
        struct stat st;
        if (stat(path, &st) == 0 && st.st_ino != ino) {
            if (fd >= 0) {
                copy_new(fd, &offset); /* the rest of the rotated file */
                close(fd);
            }
            fd = open(path, O_RDONLY | O_CLOEXEC);
            ino = st.st_ino;
            offset = 0;
        }
        if (fd >= 0)
            copy_new(fd, &offset);
        if (last)
            break;
        usleep(100000);
    }
    if (fd >= 0)
        close(fd);
}

static char **app_names(const orb_pod *p, orb_error **err)
{
    _cleanup_free_ char *json = orb_pod_read_file(p, ORB_POD_MANIFEST, err);
    _cleanup_(orb_pod_manifest_freep) orb_pod_manifest *m = NULL;
    if (!json || orb_pod_manifest_load(json, strlen(json), &m, err) < 0)
        return NULL;
    char **names = xcalloc(1, sizeof(char *));
    for (size_t i = 0; i < m->n_apps; i++)
        strv_push(&names, m->apps[i].name);
    return names;
}

static int run_logs(const cli_command *self, int argc, char **argv)
{
    enter_args a = {0};
    int first = cli_parse(self, argc, argv, handle_option, &a);
    if (first < 0)
        return CLI_PARSE_EXIT(first);
    _cleanup_(orb_pod_freep) orb_pod *pod = NULL;
    int status = cli_open_pod_arg(self, argc, argv, first, a.uuid_file, &pod);
    if (status != EXIT_OK)
        return status;
    orb_error *err = NULL;
    _cleanup_strv_ char **apps = app_names(pod, &err);
    if (!apps)
        return err ? cli_error(err) : cli_errorf("pod %s has no manifest yet", pod->uuid);
    if (a.app && !strv_contains(apps, a.app))
        return cli_errorf("pod %s has no app %s", pod->uuid, a.app);
    if (a.follow && !a.app && strv_length(apps) > 1)
        return cli_usage_error(self, "--follow needs --app when the pod has several apps");
    for (char **app = apps; *app; app++) {
        if (a.app && strcmp(*app, a.app) != 0)
            continue;
        print_file(pod, *app, "log.1");
        if (a.follow)
            follow(pod, *app);
        else
            print_file(pod, *app, "log");
    }
    return EXIT_OK;
}

const cli_command cmd_enter = {
    .name = "enter",
    .args = "[--app=NAME] UUID [CMD [ARGS...]]",
    .summary = "Run a command inside a running pod's app (default: /bin/sh)",
    .description = "The command runs in the app's namespaces and root, as the app's user,\n"
                   "with its environment and working directory; the exit status is its own.",
    .options = enter_options,
    .run = run_enter,
};

const cli_command cmd_logs = {
    .name = "logs",
    .args = "[--app=NAME] [--follow] UUID",
    .summary = "Print the output of a pod's apps, kept in the pod directory",
    .options = logs_options,
    .run = run_logs,
};
