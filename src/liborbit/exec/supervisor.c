/* pid 1 of a pod once it is set up (setup.c): runs the apps, reaps every
 * process of the pod, records exit statuses, copies output and stops the pod
 * on request. This runs in orbit-init, the small program the set-up process
 * becomes (init.c), so a pod's pid 1 carries none of orbit's libraries. The
 * apps' processes are started by spawn.c; output.c copies their output. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec/supervisor.h"
#include "util/clock.h"
#include "util/mem.h"

int orb_sv_signals(orb_sv *s, orb_error **err)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGQUIT);
    sigaddset(&set, SIGWINCH);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return orb_err_sys(err, errno, "block signals");
    signal(SIGPIPE, SIG_IGN);
    s->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (s->sigfd < 0)
        return orb_err_sys(err, errno, "signalfd");
    return 0;
}

static void record_status(orb_sv *s, orb_sv_app *a)
{
    _cleanup_free_ char *rel = xasprintf("%s/status", a->dir);
    _cleanup_free_ char *fin = xasprintf("%s/finished", a->dir);
    _cleanup_free_ char *text = NULL;

    if (WIFSIGNALED(a->status)) {
        text = xasprintf("signaled %d", WTERMSIG(a->status));
        a->code = 128 + WTERMSIG(a->status);
    } else {
        text = xasprintf("exited %d", WEXITSTATUS(a->status));
        a->code = WEXITSTATUS(a->status);
    }
    a->failed = a->code != 0;
    a->ended_in_stop = s->stopping;
    orb_pod_write_state(s->p, rel, text, NULL);
    orb_pod_write_time(s->p, fin, orb_now_us(), NULL);
}

static void start_process(orb_sv *s, orb_sv_app *a, const orb_sv_exec *x, orb_sv_phase phase)
{
    pid_t pid = orb_sv_start(s, a, x);

    a->phase = phase;
    a->pid = pid > 0 ? pid : 0;
    if (pid > 0)
        return;
    /* fork failed: the process "exited 125" at once (the message is in the log) */
    a->status = W_EXITCODE(125, 0);
    orb_sv_process_ended(s, a, a->status);
}

static void start_post_stop(orb_sv *s, orb_sv_app *a)
{
    if (a->post_stop.program && !s->forced)
        start_process(s, a, &a->post_stop, ORB_SV_POST_STOP);
    else
        a->phase = ORB_SV_DONE, a->pid = 0;
}

static void start_main(orb_sv *s, orb_sv_app *a)
{
    _cleanup_free_ char *rel = xasprintf("%s/started", a->dir);

    orb_pod_write_time(s->p, rel, orb_now_us(), NULL);
    a->started = true;
    start_process(s, a, &a->main, ORB_SV_RUNNING);
}

static void app_failed(orb_sv *s, orb_sv_app *a)
{
    if (a->failed && s->stop_on_failure && !s->stopping)
        orb_sv_stop(s, false);
}

void orb_sv_process_ended(orb_sv *s, orb_sv_app *a, int status)
{
    a->pid = 0;
    switch (a->phase) {
    case ORB_SV_PRE_START:
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
            if (!s->stopping)
                return start_main(s, a);
            a->phase = ORB_SV_DONE; /* stopped before it started */
            return;
        }
        a->status = status;
        record_status(s, a);
        app_failed(s, a);
        return start_post_stop(s, a);
    case ORB_SV_RUNNING:
        a->status = status;
        record_status(s, a);
        app_failed(s, a);
        return start_post_stop(s, a);
    default:
        a->phase = ORB_SV_DONE;
    }
}

static void start_app(orb_sv *s, orb_sv_app *a)
{
    if (s->stopping)
        a->phase = ORB_SV_DONE; /* stopped during setup: nothing starts */
    else if (a->pre_start.program)
        start_process(s, a, &a->pre_start, ORB_SV_PRE_START);
    else
        start_main(s, a);
}

static void signal_apps(orb_sv *s, int sig, bool handlers_too)
{
    for (size_t i = 0; i < s->n; i++) {
        orb_sv_app *a = &s->apps[i];
        if (a->pid <= 0 || (a->phase == ORB_SV_POST_STOP && !handlers_too))
            continue;
        /* every app leads its own session. A child that has not called
         * setsid yet has no group of its own: the signal then goes to it
         * alone (blocked until it resets its mask). */
        if (kill(-a->pid, sig) < 0 && errno == ESRCH)
            kill(a->pid, sig);
    }
}

/* The first stop asks every app to end (SIGTERM to its process group) and
 * gives them ORB_STOP_TIMEOUT_MS; the second, or the deadline twice over,
 * kills every process of the pod at once (kill(-1) from pid 1 reaches the
 * whole namespace) and runs no more handlers. */
void orb_sv_stop(orb_sv *s, bool force)
{
    if (force || s->stopping) {
        s->forced = true;
        s->deadline_ms = -1;
        kill(-1, SIGKILL);
        return;
    }
    s->stopping = true;
    s->deadline_ms = orb_monotonic_ms() + ORB_STOP_TIMEOUT_MS;
    signal_apps(s, SIGTERM, false);
}

static void stop_deadline(orb_sv *s)
{
    if (s->kill_stage == 0) {
        s->kill_stage = 1;
        s->deadline_ms = orb_monotonic_ms() + ORB_STOP_TIMEOUT_MS;
        signal_apps(s, SIGKILL, true);
        return;
    }
    orb_sv_stop(s, true);
}

static void reap(orb_sv *s)
{
    int status;
    pid_t pid;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < s->n; i++) {
            orb_sv_app *a = &s->apps[i];
            if (a->pid != pid)
                continue;
            orb_sv_drain(s, pid);
            orb_sv_process_ended(s, a, status);
            break;
        }
        /* anything else is an orphan reparented to us: reaped, forgotten */
    }
}

static void handle_signals(orb_sv *s)
{
    struct signalfd_siginfo si;

    while (read(s->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD)
            continue;
        if (sig == SIGWINCH) {
            orb_sv_resize_console(s);
            continue;
        }
        if (!s->stop_signal)
            s->stop_signal = sig;
        orb_sv_stop(s, sig == SIGQUIT);
    }
    reap(s);
}

static bool all_done(const orb_sv *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->apps[i].phase != ORB_SV_DONE)
            return false;
    return true;
}

static void maybe_ready(orb_sv *s)
{
    if (s->ready)
        return;
    for (size_t i = 0; i < s->n; i++)
        if (s->apps[i].phase == ORB_SV_PRE_START || s->apps[i].phase == ORB_SV_WAITING)
            return;
    s->ready = true;
    orb_pod_write_time(s->p, ORB_POD_READY, orb_now_us(), NULL);
}

static bool any_started(const orb_sv *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->apps[i].started)
            return true;
    return false;
}

/* The first app (in manifest order) that failed on its own; else the first
 * that failed while the pod stopped (143 after a SIGTERM stop); else, for a
 * pod stopped by a signal before any app started, 128 + that signal (it did
 * not do its work); else 0. So with --stop-on-failure the pod's code is the
 * failure's, not the stop's. */
static int pod_code(const orb_sv *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->apps[i].failed && !s->apps[i].ended_in_stop)
            return s->apps[i].code;
    for (size_t i = 0; i < s->n; i++)
        if (s->apps[i].failed)
            return s->apps[i].code;
    if (s->stop_signal && !any_started(s))
        return 128 + s->stop_signal;
    return 0;
}

int orb_supervisor_run(orb_sv *s)
{
    orb_sv_open_sinks(s);
    if (s->console_fd >= 0)
        orb_sv_attach_console(s);
    handle_signals(s); /* a stop that came during setup */
    for (size_t i = 0; i < s->n; i++)
        start_app(s, &s->apps[i]);
    while (!all_done(s)) {
        maybe_ready(s);
        int timeout = -1;
        if (s->deadline_ms >= 0) {
            int64_t left = s->deadline_ms - orb_monotonic_ms();
            timeout = left < 0 ? 0 : (int)left;
        }
        int r = orb_sv_poll(s, timeout);
        if (r < 0)
            break;
        if (r & ORB_SV_POLL_SIGNAL)
            handle_signals(s);
        if (s->deadline_ms >= 0 && orb_monotonic_ms() >= s->deadline_ms)
            stop_deadline(s);
    }
    orb_sv_flush(s);
    orb_pod_write_time(s->p, ORB_POD_FINISHED, orb_now_us(), NULL);
    return pod_code(s);
}
