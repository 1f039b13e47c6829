/* Entering a running pod: the supervisor's namespaces (via the
 * /proc/<pid>/ns files, opened before anything can change under us), then, in a
 * child (the PID namespace applies to children only), the app's root,
 * environment and user, and the program. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec/mounts.h"
#include "exec/supervisor.h"
#include "util/mem.h"

static const char *const ns_names[] = {"ipc", "uts", "net", "pid", "mnt"}; /* mnt last */
#define N_NS ARRAY_SIZE(ns_names)

static int find_app(const orb_pod *p, const orb_pod_manifest *pm, const char *name,
                    const orb_runtime_app **ret, orb_error **err)
{
    _cleanup_strv_ char **names = NULL;

    for (size_t i = 0; i < pm->n_apps; i++) {
        if (name ? strcmp(pm->apps[i].name, name) == 0 : pm->n_apps == 1) {
            *ret = &pm->apps[i];
            return 0;
        }
        strv_push(&names, pm->apps[i].name);
    }
    _cleanup_free_ char *list = strv_join(names, ", ");
    if (!name)
        return orb_err(err, EINVAL, "pod %s has several apps, name one: %s", p->uuid, list);
    return orb_err(err, ENOENT, "pod %s has no app %s; its apps: %s", p->uuid, name, list);
}

/* The supervisor's pid, if it still is the process that started the pod. */
static int supervisor_pid(const orb_pod *p, pid_t *ret, orb_error **err)
{
    _cleanup_free_ char *text = orb_pod_read_file(p, ORB_POD_PID, NULL);
    int pid = 0;
    uint64_t start = 0, now = 0;

    if (!text || sscanf(text, "%d %" SCNu64, &pid, &start) != 2 || pid <= 0)
        return orb_err(err, ESRCH, "pod %s is not running (no supervisor pid)", p->uuid);
    if (orb_proc_starttime(pid, &now, NULL) < 0 || now != start)
        return orb_err(err, ESRCH, "pod %s is not running (its supervisor is gone)", p->uuid);
    *ret = pid;
    return 0;
}

static int open_namespaces(const orb_pod *p, pid_t pid, int fds[N_NS], orb_error **err)
{
    uint64_t start, now;
    _cleanup_free_ char *text = orb_pod_read_file(p, ORB_POD_PID, NULL);

    for (size_t i = 0; i < N_NS; i++) {
        _cleanup_free_ char *path = xasprintf("/proc/%d/ns/%s", (int)pid, ns_names[i]);
        fds[i] = open(path, O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0)
            return orb_err_sys(err, errno, "pod %s: open %s", p->uuid, path);
    }
    /* the pid could have been reused between the check and the opens */
    if (!text || sscanf(text, "%*d %" SCNu64, &start) != 1 ||
        orb_proc_starttime(pid, &now, NULL) < 0 || now != start)
        return orb_err(err, ESRCH, "pod %s is not running (its supervisor is gone)", p->uuid);
    return 0;
}

static int join_namespaces(const orb_pod *p, int fds[N_NS], orb_error **err)
{
    if (prctl(PR_SET_DUMPABLE, 0) < 0)
        return orb_err_sys(err, errno, "prctl");
    for (size_t i = 0; i < N_NS; i++)
        if (setns(fds[i], 0) < 0)
            return orb_err_sys(err, errno, "pod %s: join its %s namespace", p->uuid, ns_names[i]);
    return 0;
}

__attribute__((noreturn)) static void child(const orb_sv_app *a, const orb_sv_exec *x, int fd)
{
    orb_error *e = NULL;

    orb_sv_reset_signals();
    if (orb_app_enter_root(a->rootfs, &e) < 0 || orb_sv_become(a, &e) < 0)
        goto fail;
    if (chdir(a->workdir) < 0) {
        orb_err_sys(&e, errno, "chdir %s", a->workdir);
        goto fail;
    }
    orb_sv_close_fds();
    execve(x->program, x->argv, a->env);
    orb_err_sys(&e, errno, "execve %s", x->program);
fail:
    orb_err_wrap(&e, "app %s", a->name);
    orb_sync_send(fd, e);
    _exit(127);
}

/* After a fork: reads the child's report (an error, or nothing when it got
 * as far as exec or exit), reaps it, and gives its exit code. */
static int collect_child(pid_t pid, int report_fd, int *ret_code, orb_error **err)
{
    char buf[ORB_SYNC_BUF_SIZE];
    ssize_t n;
    do
        n = read(report_fd, buf, sizeof(buf));
    while (n < 0 && errno == EINTR);
    close(report_fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    _cleanup_error_ orb_error *report = NULL;
    if (n > 0 && orb_sync_decode(buf, (size_t)n, &report, err) != 0)
        return report ? orb_err(err, report->errnum, "%s", report->msg) : -1;
    *ret_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    return 0;
}

static int run_child(const orb_sv_app *a, const orb_sv_exec *x, int *ret_code, orb_error **err)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return orb_err_sys(err, errno, "pipe");
    pid_t pid = fork();
    if (pid < 0)
        return orb_err_sys(err, errno, "fork");
    if (pid == 0)
        child(a, x, pipefd[1]);
    close(pipefd[1]);
    return collect_child(pid, pipefd[0], ret_code, err);
}

static int enter_app(const orb_pod *p, const orb_runtime_app *ra, char **argv, int *ret_code,
                     orb_error **err)
{
    orb_sv_app a = {.log.fd = -1};
    orb_sv_exec x = {0};
    char *sh[] = {"/bin/sh", NULL};
    int r = -1;
    _cleanup_close_ int rootfd = -1;

    if (!argv || !argv[0])
        argv = sh;
    if (orb_sv_app_resolve(p, ra, &a, err) < 0)
        goto out;
    rootfd = open(a.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) {
        orb_err_sys(err, errno, "app %s: open root", a.name);
        goto out;
    }
    if (orb_app_find_program(rootfd, argv[0], a.env, &x.program, err) < 0) {
        orb_err_wrap(err, "app %s", a.name);
        goto out;
    }
    x.argv = argv;
    r = run_child(&a, &x, ret_code, err);
out:
    free(x.program);
    orb_sv_app_clear(&a);
    return r;
}

/* The namespaces are joined by a helper child, never by this process: it
 * stays where it was (its own exit, sanitizers and all, never happens inside
 * a pod), and the helper passes on the command's status or its error. */
static int enter_through_helper(orb_pod *p, int fds[N_NS], const orb_runtime_app *ra, char **argv,
                                int *ret_code, orb_error **err)
{
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return orb_err_sys(err, errno, "pipe");
    pid_t pid = fork();
    if (pid < 0)
        return orb_err_sys(err, errno, "fork");
    if (pid == 0) {
        /* the helper and the command end with `orbit enter` */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(pipefd[0]);
        orb_error *e = NULL;
        int code = 0;
        if (join_namespaces(p, fds, &e) < 0 || enter_app(p, ra, argv, &code, &e) < 0) {
            orb_sync_send(pipefd[1], e);
            _exit(127);
        }
        _exit(code);
    }
    close(pipefd[1]);
    return collect_child(pid, pipefd[0], ret_code, err);
}

int orb_pod_enter(orb_pod *p, const char *app, char **argv, int *ret_code, orb_error **err)
{
    _cleanup_(orb_pod_manifest_freep) orb_pod_manifest *pm = NULL;
    _cleanup_free_ char *json = NULL;
    const orb_runtime_app *ra = NULL;
    int fds[N_NS] = {-1, -1, -1, -1, -1};
    pid_t pid = 0;
    int r = -1;

    *ret_code = 0;
    if (p->state != ORB_POD_RUNNING)
        return orb_err(err, ESRCH, "pod %s is not running (%s)", p->uuid,
                       orb_pod_state_name(p->state));
    json = orb_pod_read_file(p, ORB_POD_MANIFEST, err);
    if (!json)
        return orb_err(err, ENOENT, "pod %s: no pod manifest", p->uuid);
    if (orb_pod_manifest_load(json, strlen(json), &pm, err) < 0)
        return orb_err_wrap(err, "pod %s", p->uuid);
    if (find_app(p, pm, app, &ra, err) < 0 || supervisor_pid(p, &pid, err) < 0)
        return -1;
    if (open_namespaces(p, pid, fds, err) == 0) {
        /* ^C and ^\ go to the program from the terminal; we just wait */
        struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_quit;
        sigaction(SIGINT, &ign, &old_int);
        sigaction(SIGQUIT, &ign, &old_quit);
        r = enter_through_helper(p, fds, ra, argv, ret_code, err);
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGQUIT, &old_quit, NULL);
    }
    for (size_t i = 0; i < N_NS; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return r;
}
