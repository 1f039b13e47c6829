/* Resolving an app before anything starts, and starting one of its
 * processes (a handler or the app itself) in its root. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exec/caps.h"
#include "exec/mounts.h"
#include "exec/supervisor.h"
#include "util/mem.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

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

    a->name = ra->name;
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

static void sv_exec_clear(orb_sv_exec *x)
{
    free(x->program);
    strv_free(x->argv);
    *x = (orb_sv_exec){0};
}

void orb_sv_app_clear(orb_sv_app *a)
{
    free(a->prefix);
    free(a->rootfs);
    free(a->dir);
    free(a->workdir);
    strv_free(a->env);
    orb_app_identity_clear(&a->id);
    sv_exec_clear(&a->main);
    sv_exec_clear(&a->pre_start);
    sv_exec_clear(&a->post_stop);
    orb_app_log_close(&a->log);
}

void orb_sv_reset_signals(void)
{
    sigset_t none;

    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

int orb_sv_become(const orb_sv_app *a, orb_error **err)
{
    const orb_app_identity *id = &a->id;
    /* the bounding set first: dropping needs CAP_SETPCAP, which a non-root
     * identity no longer has */
    if (orb_caps_limit(a->caps, err) < 0)
        return -1;
    if (setgroups(id->n_groups, id->groups) < 0)
        return orb_err_sys(err, errno, "setgroups");
    if (setresgid(id->gid, id->gid, id->gid) < 0)
        return orb_err_sys(err, errno, "setgid %u", (unsigned)id->gid);
    if (setresuid(id->uid, id->uid, id->uid) < 0)
        return orb_err_sys(err, errno, "setuid %u", (unsigned)id->uid);
    return orb_caps_apply(a->caps, a->no_new_privileges, err);
}

/* Marks every fd above 2 close-on-exec, so nothing of orbit's (the pod lock,
 * the logs, other apps' pipes) reaches the program, yet a failing execve can
 * still report on stderr. */
void orb_sv_close_fds(void)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return;
#endif
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 1 << 20)
        max = 1 << 20;
    for (int fd = 3; fd < max; fd++)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
}

__attribute__((noreturn)) static void child_fail(const orb_sv_app *a, const char *what,
                                                 orb_error *e, int code)
{
    dprintf(STDERR_FILENO, "orbit: app %s: %s: %s\n", a->name, what, e ? e->msg : "failed");
    _exit(code);
}

__attribute__((noreturn)) static void child_run(const orb_sv_app *a, const orb_sv_exec *x,
                                                int out_fd, int err_fd, bool interactive)
{
    orb_error *e = NULL;

    orb_sv_reset_signals();
    if (!interactive) {
        setsid();
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0)
            _exit(125);
    }
    if ((out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0) ||
        (err_fd >= 0 && dup2(err_fd, STDERR_FILENO) < 0))
        _exit(125);
    if (orb_app_enter_root(a->rootfs, &e) < 0)
        child_fail(a, "enter root", e, 125);
    if (orb_sv_become(a, &e) < 0)
        child_fail(a, "user", e, 125);
    if (chdir(a->workdir) < 0) {
        orb_err_sys(&e, errno, "chdir %s", a->workdir);
        child_fail(a, "workingDirectory", e, 125);
    }
    orb_sv_close_fds();
    execve(x->program, x->argv, a->env);
    int saved = errno;
    orb_err_sys(&e, saved, "execve %s", x->program);
    child_fail(a, "exec", e, saved == ENOENT ? 127 : 126);
}

pid_t orb_sv_spawn(const orb_sv_app *a, const orb_sv_exec *x, int out_fd, int err_fd,
                   bool interactive, orb_error **err)
{
    pid_t pid = fork();

    if (pid < 0)
        return orb_err_sys(err, errno, "app %s: fork", a->name);
    if (pid == 0)
        child_run(a, x, out_fd, err_fd, interactive);
    return pid;
}
