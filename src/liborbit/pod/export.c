#include "pod/export.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec/mounts.h"
#include "exec/supervisor.h"
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
    _cleanup_free_ char *tree = NULL;
    if (orb_app_read_tree(p, app, &tree, err) < 0)
        return NULL;
    _cleanup_free_ char *upper_rel = xasprintf("apps/%s/upper", app);
    _cleanup_free_ char *upper = orb_pod_path(p, upper_rel);
    if (strpbrk(upper, ",:")) {
        orb_err(err, EINVAL, "%s: overlayfs cannot use a path with ',' or ':'", upper);
        return NULL;
    }
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

/* The build runs in a child, in a mount namespace of its own; its error
 * comes back over a pipe in the supervisor's setup-report encoding. */
static int run_child(const orb_pod *p, const char *app, const char *layout, const char *out,
                     const orb_build_options *opts, orb_error **err)
{
    char buf[ORB_SYNC_BUF_SIZE];
    int pipefd[2], status = 0;
    ssize_t n;

    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return orb_err_sys(err, errno, "pipe");
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(pipefd[0]), close(pipefd[1]);
        return orb_err_sys(err, e, "fork");
    }
    if (pid == 0) {
        _cleanup_error_ orb_error *e = NULL;
        close(pipefd[0]);
        int r = build_in_namespace(p, app, layout, out, opts, &e);
        orb_sync_send(pipefd[1], r < 0 ? e : NULL);
        _exit(r < 0 ? 1 : 0);
    }
    close(pipefd[1]);
    do
        n = read(pipefd[0], buf, sizeof(buf));
    while (n < 0 && errno == EINTR);
    close(pipefd[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    orb_error *reported = NULL;
    if (n > 0 && orb_sync_decode(buf, (size_t)n, &reported, err) == 1) {
        orb_err(err, reported->errnum, "%s", reported->msg);
        orb_error_free(reported);
        return -1;
    }
    if (n > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    return orb_err(err, EIO, "export of app %s: the build process ended without a report", app);
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
