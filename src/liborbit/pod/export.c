#include "pod/export.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "schema/manifest.h"
#include "util/fs.h"
#include "util/fs_remove.h"
#include "util/mem.h"
#include "util/strv.h"

/* The app to export: the one named, or the only one. */
static int pick_app(const orb_pod *p, const char *app, char **ret, orb_error **err)
{
    _cleanup_free_ char *json = orb_pod_read_file(p, ORB_POD_MANIFEST, err);
    _cleanup_(orb_pod_manifest_freep) orb_pod_manifest *m = NULL;
    if (!json)
        return err && *err ? -1 : orb_err(err, ENOENT, "pod %s has no manifest", p->uuid);
    if (orb_pod_manifest_load(json, strlen(json), &m, err) < 0)
        return -1;
    _cleanup_strv_ char **names = NULL;
    for (size_t i = 0; i < m->n_apps; i++)
        strv_push(&names, m->apps[i].name);
    if (app && strv_contains(names, app)) {
        *ret = xstrdup(app);
        return 0;
    }
    _cleanup_free_ char *list = strv_join(names, ", ");
    if (app)
        return orb_err(err, ENOENT, "pod %s has no app %s; its apps: %s", p->uuid, app, list);
    if (m->n_apps != 1)
        return orb_err(err, EINVAL, "pod %s has several apps (%s): name one with --app", p->uuid,
                       list);
    *ret = xstrdup(names[0]);
    return 0;
}

/* The options of a read-only overlay of the app's changes over its tree. */
static char *overlay_options(const orb_pod *p, const char *app, orb_error **err)
{
    _cleanup_free_ char *rel = xasprintf("apps/%s/tree", app);
    _cleanup_free_ char *tree = orb_pod_read_file(p, rel, err);
    if (!tree)
        return NULL;
    tree[strcspn(tree, "\n")] = '\0';
    _cleanup_free_ char *upper_rel = xasprintf("apps/%s/upper", app);
    _cleanup_free_ char *upper = orb_pod_path(p, upper_rel);
    return xasprintf("lowerdir=%s:%s/rootfs", upper, tree);
}

/* In a private mount namespace: the app's root at layout/rootfs, then the
 * build. Runs in a child; the error comes back as the exit message. */
static int build_in_namespace(const orb_pod *p, const char *app, const char *layout,
                              const char *out, const orb_build_options *opts, orb_error **err)
{
    _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", layout);
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return orb_err_sys(err, errno, "a private mount namespace for the export");
    _cleanup_free_ char *overlay_file = orb_pod_path(p, ORB_POD_OVERLAY);
    if (access(overlay_file, F_OK) == 0) {
        _cleanup_free_ char *options = overlay_options(p, app, err);
        if (!options || mount("overlay", rootfs, "overlay", MS_RDONLY, options) < 0)
            return options ? orb_err_sys(err, errno, "mount the root of app %s", app) : -1;
    } else {
        _cleanup_free_ char *rel = xasprintf("apps/%s/rootfs", app);
        _cleanup_free_ char *copy = orb_pod_path(p, rel);
        if (mount(copy, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
            return orb_err_sys(err, errno, "bind the root of app %s", app);
    }
    return orb_aci_build(layout, out, opts, err);
}

static int run_child(const orb_pod *p, const char *app, const char *layout, const char *out,
                     const orb_build_options *opts, orb_error **err)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return orb_err_sys(err, errno, "pipe");
    pid_t pid = fork();
    if (pid < 0)
        return orb_err_sys(err, errno, "fork");
    if (pid == 0) {
        close(pipefd[0]);
        orb_error *e = NULL;
        int r = build_in_namespace(p, app, layout, out, opts, &e);
        if (r < 0)
            (void)orb_write_all(pipefd[1], e->msg, strlen(e->msg));
        _exit(r < 0 ? 1 : 0);
    }
    close(pipefd[1]);
    _cleanup_free_ char *message = NULL;
    size_t len = 0;
    orb_error *ignored = NULL;
    orb_read_fd(pipefd[0], "export", 64 * 1024, &message, &len, &ignored);
    orb_error_free(ignored);
    close(pipefd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    return orb_err(err, EIO, "%s", message && *message ? message : "export failed");
}

int orb_pod_export_app(const orb_pod *p, const char *app, const char *out,
                       const orb_build_options *opts, orb_error **err)
{
    if (p->state == ORB_POD_RUNNING)
        return orb_err(err, EBUSY, "pod %s is running: stop it first", p->uuid);
    _cleanup_free_ char *name = NULL;
    if (pick_app(p, app, &name, err) < 0)
        return -1;
    _cleanup_free_ char *layout = orb_pod_path(p, "export-XXXXXX");
    if (!mkdtemp(layout))
        return orb_err_sys(err, errno, "create %s", layout);
    _cleanup_free_ char *manifest_rel = xasprintf("apps/%s/manifest", name);
    _cleanup_free_ char *manifest = orb_pod_read_file(p, manifest_rel, err);
    _cleanup_free_ char *manifest_path = xasprintf("%s/manifest", layout);
    _cleanup_free_ char *rootfs = xasprintf("%s/rootfs", layout);
    int r = -1;
    if (!manifest)
        r = err && *err ? -1 : orb_err(err, ENOENT, "app %s has no image manifest", name);
    else if (mkdir(rootfs, 0755) < 0)
        r = orb_err_sys(err, errno, "create %s", rootfs);
    else {
        orb_output o;
        r = orb_output_open(&o, manifest_path, false, 0644, err);
        if (r == 0 && orb_write_all(o.fd, manifest, strlen(manifest)) < 0)
            r = orb_err_sys(err, errno, "write %s", manifest_path);
        if (r == 0)
            r = orb_output_commit(&o, err);
        orb_output_discard(&o);
    }
    if (r == 0)
        r = run_child(p, name, layout, out, opts, err);
    orb_error *ignored = NULL;
    orb_rm_rf(layout, &ignored);
    orb_error_free(ignored);
    return r < 0 ? orb_err_wrap(err, "export app %s of pod %s", name, p->uuid) : 0;
}
