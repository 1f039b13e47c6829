/* Resolving an app before anything starts, inside its mounted root: its
 * identity, environment, program, handlers, working directory and
 * capabilities. Errors name the app. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "exec/caps.h"
#include "exec/supervisor.h"
#include "util/mem.h"

/* The image's app when the pod manifest has none (it normally holds the
 * reified one). */
static orb_image_manifest *load_image_manifest(const orb_pod *p, const char *name, orb_error **err)
{
    _cleanup_free_ char *rel = xasprintf("apps/%s/manifest", name);
    _cleanup_free_ char *json = orb_pod_read_file(p, rel, err);
    orb_image_manifest *m = NULL;

    if (!json) {
        orb_err(err, ENOENT, "%s: missing", rel);
        return NULL;
    }
    if (orb_image_manifest_load(json, strlen(json), &m, err) < 0)
        return NULL;
    return m;
}

static int resolve_exec(int rootfd, const orb_sv_app *a, char *const *argv, const char *what,
                        orb_sv_exec *x, orb_error **err)
{
    if (!argv || !argv[0] || !argv[0][0])
        return orb_err(err, EINVAL, "%s: no program to run", what);
    if (orb_app_find_program(rootfd, argv[0], a->env, &x->program, err) < 0)
        return orb_err_wrap(err, "%s", what);
    x->argv = strv_copy(argv);
    return 0;
}

static int resolve_handlers(int rootfd, const orb_app *app, orb_sv_app *a, orb_error **err)
{
    for (size_t i = 0; i < app->n_event_handlers; i++) {
        const orb_event_handler *h = &app->event_handlers[i];
        _cleanup_free_ char *what = xasprintf("eventHandlers[%zu] (%s)", i, h->name);
        orb_sv_exec *x = NULL;

        if (strcmp(h->name, "pre-start") == 0)
            x = &a->pre_start;
        else if (strcmp(h->name, "post-stop") == 0)
            x = &a->post_stop;
        if (x && resolve_exec(rootfd, a, h->exec, what, x, err) < 0)
            return -1;
    }
    return 0;
}

static int resolve_app(int rootfd, const orb_app *app, orb_sv_app *a, orb_error **err)
{
    const char *wd = app->working_directory ? app->working_directory : "/";

    if (orb_app_resolve_identity(rootfd, app, &a->id, err) < 0)
        return -1;
    a->env = orb_app_environment(a->name, app, NULL);
    if (!app->exec || !app->exec[0])
        return orb_err(err, EINVAL, "exec: no program (the image has none and none was given)");
    if (resolve_exec(rootfd, a, app->exec, "exec", &a->main, err) < 0)
        return -1;
    if (resolve_handlers(rootfd, app, a, err) < 0)
        return -1;
    if (orb_app_check_working_dir(rootfd, wd, err) < 0)
        return -1;
    a->workdir = xstrdup(wd);
    return 0;
}

int orb_sv_app_resolve(const orb_pod *p, const orb_runtime_app *ra, orb_sv_app *a, orb_error **err)
{
    _cleanup_(orb_image_manifest_freep) orb_image_manifest *im = NULL;
    _cleanup_free_ char *rel = NULL;
    _cleanup_close_ int rootfd = -1;
    const orb_app *app = ra->app;

    a->name = xstrdup(ra->name);
    a->prefix = xasprintf("%s: ", ra->name);
    a->dir = xasprintf("apps/%s", ra->name);
    rel = xasprintf("apps/%s/rootfs", ra->name);
    a->rootfs = orb_pod_path(p, rel);
    a->log.fd = -1;
    if (!app) {
        im = load_image_manifest(p, ra->name, err);
        if (!im)
            return orb_err_wrap(err, "app %s", ra->name);
        app = im->app;
        if (!app)
            return orb_err(err, EINVAL, "app %s: the image has no app to run", ra->name);
    }
    rootfd = open(a->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return orb_err_sys(err, errno, "app %s: open root %s", ra->name, a->rootfs);
    a->no_new_privileges = orb_app_no_new_privileges(app);
    if (resolve_app(rootfd, app, a, err) < 0 || orb_app_capabilities(app, &a->caps, err) < 0)
        return orb_err_wrap(err, "app %s", ra->name);
    return 0;
}
