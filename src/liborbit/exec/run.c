/* The `orbit run` side of a pod: starts the supervisor as pid 1 of a new PID
 * namespace, records its pid, turns its setup report into an error, forwards
 * stop signals to it and waits for it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "exec/init.h"
#include "exec/supervisor.h"
#include "util/clock.h"
#include "util/mem.h"

typedef struct waiter {
    pid_t pid;
    int sigfd, sync_fd;
    bool raw; /* the terminal is raw (interactive): raw_mode, saved */
    struct termios raw_mode, saved;
    bool reported, exited;
    int status;
    orb_error *setup_err;
} waiter;

/* clone() with a fresh PID namespace is only safe where no other thread
 * could hold a lock the child would need: refuse to run from a threaded
 * process rather than deadlock one day. */
static int check_single_threaded(orb_error **err)
{
    _cleanup_dir_ DIR *d = opendir("/proc/self/task");
    struct dirent *de;
    int n = 0;

    if (!d)
        return orb_err_sys(err, errno, "open /proc/self/task");
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            n++;
    if (n != 1)
        return orb_err(err, EINVAL, "running a pod needs a single-threaded process (%d threads)",
                       n);
    return 0;
}

static int load_manifest(orb_pod *p, const orb_run_options *o, orb_pod_manifest **ret,
                         orb_error **err)
{
    _cleanup_free_ char *json = orb_pod_read_file(p, ORB_POD_MANIFEST, err);

    if (!json)
        return orb_err(err, ENOENT, "pod %s: no pod manifest", p->uuid);
    if (orb_pod_manifest_load(json, strlen(json), ret, err) < 0)
        return orb_err_wrap(err, "pod %s", p->uuid);
    if ((*ret)->n_apps == 0)
        return orb_err(err, EINVAL, "pod %s: no apps to run", p->uuid);
    if (o->interactive && (*ret)->n_apps != 1)
        return orb_err(err, EINVAL, "interactive: the pod must have exactly one app, it has %zu",
                       (*ret)->n_apps);
    return 0;
}

static int record_start(orb_pod *p, pid_t pid, orb_error **err)
{
    uint64_t start;
    _cleanup_free_ char *text = NULL;

    if (orb_proc_starttime(pid, &start, err) < 0)
        return -1;
    text = xasprintf("%d %" PRIu64, (int)pid, start);
    if (orb_pod_write_state(p, ORB_POD_PID, text, err) < 0)
        return -1;
    return orb_pod_write_time(p, ORB_POD_STARTED, orb_now_us(), err);
}

static void read_report(waiter *w)
{
    char buf[ORB_SYNC_BUF_SIZE];
    ssize_t n;
    _cleanup_error_ orb_error *e = NULL;

    do
        n = read(w->sync_fd, buf, sizeof(buf));
    while (n < 0 && errno == EINTR);
    if (n > 0 && orb_sync_decode(buf, (size_t)n, &w->setup_err, &e) >= 0)
        w->reported = true;
    else if (n > 0)
        w->setup_err = TAKE_PTR(e), w->reported = true;
    close(w->sync_fd);
    w->sync_fd = -1;
}

static void handle_signals(waiter *w)
{
    struct signalfd_siginfo si;

    while (read(w->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD)
            continue;
        /* resumed after a stop (kill -STOP; the raw terminal sends no ^Z):
         * the shell took the terminal back to its own mode meanwhile */
        if (sig == SIGCONT) {
            if (w->raw)
                tcsetattr(STDIN_FILENO, TCSANOW, &w->raw_mode);
            continue;
        }
        kill(w->pid, sig);
    }
    if (waitpid(w->pid, &w->status, WNOHANG) == w->pid)
        w->exited = true;
}

static void wait_supervisor(waiter *w)
{
    while (!w->exited) {
        struct pollfd fds[2] = {{.fd = w->sigfd, .events = POLLIN},
                                {.fd = w->sync_fd, .events = POLLIN}};
        if (poll(fds, w->sync_fd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR) {
            /* cannot happen with valid fds; still never leave it behind */
            while (waitpid(w->pid, &w->status, 0) < 0 && errno == EINTR)
                ;
            w->exited = true;
            break;
        }
        if (w->sync_fd >= 0 && fds[1].revents)
            read_report(w);
        if (fds[0].revents)
            handle_signals(w);
    }
}

static pid_t clone_supervisor(void)
{
    fflush(stdout);
    fflush(stderr);
    /* clone rather than unshare(CLONE_NEWPID) + fork: the caller's own
     * children stay in its PID namespace after the pod is gone. */
    return (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
}

static int finish(orb_pod *p, waiter *w, int *ret_code, orb_error **err)
{
    if (w->setup_err) {
        orb_err(err, w->setup_err->errnum, "%s", w->setup_err->msg);
        return -1;
    }
    if (!w->reported) {
        if (WIFSIGNALED(w->status))
            return orb_err(err, EIO, "pod %s: the supervisor was killed by signal %d during setup",
                           p->uuid, WTERMSIG(w->status));
        return orb_err(err, EIO, "pod %s: the supervisor exited with %d during setup", p->uuid,
                       WEXITSTATUS(w->status));
    }
    if (WIFSIGNALED(w->status)) {
        /* killed (kill -9): the kernel ended every process of the pod */
        *ret_code = 128 + WTERMSIG(w->status);
        orb_pod_write_time(p, ORB_POD_FINISHED, orb_now_us(), NULL);
    } else {
        *ret_code = WEXITSTATUS(w->status);
    }
    return 0;
}

static int start(orb_pod *p, const orb_pod_manifest *pm, const orb_run_options *o, waiter *w,
                 orb_error **err)
{
    _cleanup_close_ int init_fd = orb_init_program_open(err);
    int sync[2];

    if (init_fd < 0)
        return -1;
    if (pipe2(sync, O_CLOEXEC) < 0)
        return orb_err_sys(err, errno, "pipe");
    w->pid = clone_supervisor();
    if (w->pid < 0) {
        int e = errno;
        close(sync[0]), close(sync[1]);
        return orb_err_sys(err, e, "start the pod's supervisor (clone a PID namespace)");
    }
    if (w->pid == 0) {
        close(sync[0]);
        close(w->sigfd);
        _exit(orb_supervisor_main(p, pm, o, sync[1], init_fd));
    }
    close(sync[1]);
    w->sync_fd = sync[0];
    if (record_start(p, w->pid, err) < 0) {
        kill(w->pid, SIGKILL);
        while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        close(w->sync_fd);
        return orb_err_wrap(err, "pod %s", p->uuid);
    }
    return 0;
}

/* Interactive on a terminal: the terminal goes raw, so every key (^C, ^Z,
 * ^D included) reaches the app's own pty, whose line discipline acts on
 * it; restored however the pod ends. */
static void terminal_raw(const orb_run_options *o, waiter *w)
{
    if (!o->interactive || !isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &w->saved) < 0)
        return;
    w->raw_mode = w->saved;
    cfmakeraw(&w->raw_mode);
    w->raw = tcsetattr(STDIN_FILENO, TCSANOW, &w->raw_mode) == 0;
}

int orb_pod_run(orb_pod *p, const orb_run_options *o, int *ret_code, orb_error **err)
{
    _cleanup_(orb_pod_manifest_freep) orb_pod_manifest *pm = NULL;
    waiter w = {.sigfd = -1, .sync_fd = -1};
    sigset_t set, old;
    int r = -1;

    *ret_code = 0;
    if (check_single_threaded(err) < 0 || load_manifest(p, o, &pm, err) < 0)
        return -1;
    static const int handled[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGCONT};
    sigemptyset(&set);
    for (size_t i = 0; i < ARRAY_SIZE(handled); i++)
        sigaddset(&set, handled[i]);
    if (sigprocmask(SIG_BLOCK, &set, &old) < 0)
        return orb_err_sys(err, errno, "block signals");
    w.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    terminal_raw(o, &w);
    if (w.sigfd < 0) {
        orb_err_sys(err, errno, "signalfd");
    } else if (start(p, pm, o, &w, err) == 0) {
        wait_supervisor(&w);
        r = finish(p, &w, ret_code, err);
    }
    if (w.raw)
        tcsetattr(STDIN_FILENO, TCSADRAIN, &w.saved);
    /* signals already taken from the fd were forwarded; drop the rest so
     * unblocking does not kill us after the pod is gone */
    struct signalfd_siginfo si;
    while (w.sigfd >= 0 && read(w.sigfd, &si, sizeof(si)) > 0)
        ;
    if (w.sigfd >= 0)
        close(w.sigfd);
    sigprocmask(SIG_SETMASK, &old, NULL);
    orb_error_free(w.setup_err);
    return r;
}
