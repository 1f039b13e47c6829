/* Starting one of an app's processes (a handler or the app itself) in its
 * root, as its user, with its capabilities. Runs in orbit-init and in
 * `orbit enter`. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exec/caps.h"
#include "exec/supervisor.h"
#include "util/mem.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static void sv_exec_clear(orb_sv_exec *x)
{
    free(x->program);
    strv_free(x->argv);
    *x = (orb_sv_exec){0};
}

void orb_sv_app_clear(orb_sv_app *a)
{
    free(a->name);
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

void orb_sv_free(orb_sv *s)
{
    for (size_t i = 0; i < s->n; i++)
        orb_sv_app_clear(&s->apps[i]);
    free(s->apps);
    for (size_t k = 0; k < s->n_streams; k++)
        close(s->streams[k].fd);
    free(s->streams);
    if (s->sigfd >= 0)
        close(s->sigfd);
    if (s->console_fd >= 0)
        close(s->console_fd);
    if (s->console_peer_fd >= 0)
        close(s->console_peer_fd);
    s->apps = NULL, s->streams = NULL, s->n = s->n_streams = 0;
    s->sigfd = s->console_fd = s->console_peer_fd = -1;
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

int orb_app_enter_root(const char *rootfs, orb_error **err)
{
    if (unshare(CLONE_NEWNS) < 0)
        return orb_err_sys(err, errno, "new mount namespace");
    if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return orb_err_sys(err, errno, "make / a slave");
    if (chdir(rootfs) < 0)
        return orb_err_sys(err, errno, "%s", rootfs);
    /* pivot_root(".", "."): the old root ends up stacked under the new one
     * and is detached at once; no directory for it is needed in the image. */
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return orb_err_sys(err, errno, "pivot_root into %s", rootfs);
    if (umount2(".", MNT_DETACH) < 0)
        return orb_err_sys(err, errno, "detach the old root");
    if (chdir("/") < 0)
        return orb_err_sys(err, errno, "chdir /");
    return 0;
}

__attribute__((noreturn)) static void child_fail(const orb_sv_app *a, const char *what,
                                                 orb_error *e, int code)
{
    dprintf(STDERR_FILENO, "orbit: app %s: %s: %s\n", a->name, what, e ? e->msg : "failed");
    _exit(code);
}

/* Before entering the root: stdin from /dev/null and the output pipes, in
 * a session of our own (so a stop reaches the app's whole process group). */
static void use_pipes(int out_fd, int err_fd)
{
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

    setsid();
    if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
        dup2(err_fd, STDERR_FILENO) < 0)
        _exit(125);
}

/* Inside the root: the pod's pty (bound on /dev/console by setup.c) as the
 * controlling terminal of a new session, so the app has job control and the
 * terminal's ^C reaches it through the pty. */
static int use_console(orb_error **err)
{
    int fd;

    setsid();
    fd = open("/dev/console", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return orb_err_sys(err, errno, "open /dev/console");
    if (ioctl(fd, TIOCSCTTY, 0) < 0)
        return orb_err_sys(err, errno, "make /dev/console the controlling terminal");
    if (dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
        return orb_err_sys(err, errno, "dup2");
    return 0;
}

__attribute__((noreturn)) static void child_run(const orb_sv_app *a, const orb_sv_exec *x,
                                                orb_sv_io io, int out_fd, int err_fd)
{
    orb_error *e = NULL;

    orb_sv_reset_signals();
    if (io == ORB_SV_IO_PIPES)
        use_pipes(out_fd, err_fd);
    /* orbit's own streams, but no controlling terminal: the app cannot
     * push input into the terminal of the shell that started orbit
     * (TIOCSTI) nor take its foreground */
    if (io == ORB_SV_IO_INHERIT)
        setsid();
    if (orb_app_enter_root(a->rootfs, &e) < 0)
        child_fail(a, "enter root", e, 125);
    if (io == ORB_SV_IO_CONSOLE && use_console(&e) < 0)
        child_fail(a, "terminal", e, 125);
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

pid_t orb_sv_spawn(const orb_sv_app *a, const orb_sv_exec *x, orb_sv_io io, int out_fd, int err_fd,
                   orb_error **err)
{
    pid_t pid = fork();

    if (pid < 0)
        return orb_err_sys(err, errno, "app %s: fork", a->name);
    if (pid == 0)
        child_run(a, x, io, out_fd, err_fd);
    return pid;
}
