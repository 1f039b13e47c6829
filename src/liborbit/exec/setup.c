/* pid 1 of a pod, before any app starts: the pod's namespaces, every app's
 * root, each app resolved (identity, program, handlers, working directory)
 * and its log opened. Everything that can fail is done here, so a bad user,
 * a missing program or a failed mount stops the pod with nothing started.
 * Then this process, a fork of orbit, becomes orbit-init (init.c) with the
 * resolved apps handed over: the pod's pid 1 then keeps none of orbit's
 * libraries, heap or code for the pod's life. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "exec/mounts.h"
#include "exec/supervisor.h"
#include "util/mem.h"
#include "util/path.h"

/* A new network namespace has only lo, and down. */
static int loopback_up(orb_error **err)
{
    _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq ifr = {0};

    if (fd < 0)
        return orb_err_sys(err, errno, "socket");
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
        return orb_err_sys(err, errno, "loopback: get flags");
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
        return orb_err_sys(err, errno, "loopback: bring up");
    return 0;
}

/* The name orb_pod_write_etc chose (its `hostname` file), so that
 * `hostname` and /etc/hostname agree. */
static char *pod_hostname(const orb_pod *p, const orb_run_options *o)
{
    char *name = orb_pod_read_file(p, "hostname", NULL);

    if (name) {
        name[strcspn(name, "\n")] = '\0';
        if (name[0])
            return name;
        free(name);
    }
    if (o->hostname)
        return xstrdup(o->hostname);
    return xasprintf("orbit-%.8s", p->uuid);
}

static int setup_namespaces(const orb_pod *p, const orb_run_options *o, orb_error **err)
{
    int flags = CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS;
    _cleanup_free_ char *host = NULL;

    if (o->net == ORB_NET_NONE)
        flags |= CLONE_NEWNET;
    if (unshare(flags) < 0)
        return orb_err_sys(err, errno, "create the pod's namespaces");
    if (orb_mounts_make_private(err) < 0)
        return -1;
    host = pod_hostname(p, o);
    if (sethostname(host, strlen(host)) < 0)
        return orb_err_sys(err, errno, "set hostname \"%s\"", host);
    if (o->net == ORB_NET_NONE && loopback_up(err) < 0)
        return -1;
    return 0;
}

static int setup_apps(orb_sv *s, const orb_pod_manifest *pm, orb_error **err)
{
    for (size_t i = 0; i < s->n; i++)
        if (orb_app_mount_root(s->p, pm, &pm->apps[i], err) < 0)
            return -1;
    for (size_t i = 0; i < s->n; i++) {
        if (orb_sv_app_resolve(s->p, &pm->apps[i], &s->apps[i], err) < 0)
            return -1;
        if (s->interactive)
            continue;
        _cleanup_free_ char *rel = xasprintf("%s/log", s->apps[i].dir);
        _cleanup_free_ char *path = orb_pod_path(s->p, rel);
        if (orb_app_log_open(&s->apps[i].log, path, ORB_APP_LOG_MAX, err) < 0)
            return orb_err_wrap(err, "app %s: log", s->apps[i].name);
    }
    return 0;
}

/* Interactive on a terminal: a pty of the app's own devpts instance, its
 * other end bound on the app's /dev/console. orbit-init copies between it
 * and the terminal, as a terminal of the pod's own (the host's /dev/pts/N
 * means nothing inside the pod, and tty(1) there would say "not a tty"). */
static int open_console(orb_sv *s, orb_error **err)
{
    const orb_sv_app *a = &s->apps[0];
    _cleanup_close_ int rootfd = open(a->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int master = -1, peer = -1;
    int unlock = 0;

    /* resolved inside the root: a volume mounted over /dev/pts must not
     * lead anywhere else */
    if (rootfd < 0)
        return orb_err_sys(err, errno, "app %s: open %s", a->name, a->rootfs);
    master = orb_open_in_root(rootfd, "dev/pts/ptmx", O_RDWR | O_NOCTTY, 0, 0, err);
    if (master < 0)
        return orb_err_wrap(err, "app %s: /dev/pts/ptmx", a->name);
    /* the app's side straight from the master, no path involved; held for
     * the pod's life, so the pty outlives each of the app's processes */
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0 ||
        (peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
        return orb_err_sys(err, errno, "app %s: set up a pty", a->name);
    _cleanup_free_ char *pty = xasprintf("/proc/self/fd/%d", peer);
    if (orb_app_mount_console(a->rootfs, pty, err) < 0)
        return orb_err_wrap(err, "app %s", a->name);
    s->console_fd = TAKE_FD(master);
    s->console_peer_fd = TAKE_FD(peer);
    return 0;
}

static int setup(orb_sv *s, const orb_pod_manifest *pm, const orb_run_options *o, orb_error **err)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || prctl(PR_SET_DUMPABLE, 0) < 0)
        return orb_err_sys(err, errno, "prctl");
    bool console = o->interactive && isatty(STDIN_FILENO);

    /* Out of the terminal's process group: ^C reaches `orbit run` alone,
     * which forwards it once (twice would be a forced stop). With a console
     * we copy the terminal's input, so we stay in its foreground group (a
     * background reader would be stopped); the terminal is raw then and
     * sends no signals. */
    if (!console && setsid() < 0)
        return orb_err_sys(err, errno, "setsid");
    /* blocked from now on: a stop that arrives during setup stays pending
     * across the exec and reaches orbit-init's signalfd */
    if (orb_sv_signals(s, err) < 0 || setup_namespaces(s->p, o, err) < 0)
        return -1;
    if (setup_apps(s, pm, err) < 0)
        return -1;
    return console ? open_console(s, err) : 0;
}

static int keep_across_exec(int fd, orb_error **err)
{
    if (fd >= 0 && fcntl(fd, F_SETFD, 0) < 0)
        return orb_err_sys(err, errno, "fcntl");
    return 0;
}

/* The pod's lock (so the pod reads as running for as long as pid 1 lives),
 * the setup report's pipe, the logs and the pty go with us; every other fd of orbit
 * is close-on-exec. */
static int keep_fds(const orb_sv *s, int sync_fd, orb_error **err)
{
    if (keep_across_exec(s->p->lock_fd, err) < 0 || keep_across_exec(sync_fd, err) < 0 ||
        keep_across_exec(s->console_fd, err) < 0 || keep_across_exec(s->console_peer_fd, err) < 0)
        return -1;
    for (size_t i = 0; i < s->n; i++)
        if (keep_across_exec(s->apps[i].log.fd, err) < 0)
            return -1;
    return 0;
}

static int become_init(const orb_sv *s, int init_fd, int sync_fd, orb_error **err)
{
    /* not close-on-exec: orbit-init reads the apps from it */
    _cleanup_close_ int state = memfd_create("orbit-init-state", 0);
    char state_arg[16], sync_arg[16];
    char *envp[] = {NULL};

    if (state < 0)
        return orb_err_sys(err, errno, "memfd_create");
    if (orb_sv_handoff_write(s, state, err) < 0 || keep_fds(s, sync_fd, err) < 0)
        return -1;
    snprintf(state_arg, sizeof(state_arg), "%d", state);
    snprintf(sync_arg, sizeof(sync_arg), "%d", sync_fd);
    char *argv[] = {"orbit-init", state_arg, sync_arg, NULL};
    execveat(init_fd, "", argv, envp, AT_EMPTY_PATH);
    return orb_err_sys(err, errno, "start orbit-init");
}

int orb_supervisor_main(orb_pod *p, const orb_pod_manifest *pm, const orb_run_options *o,
                        int sync_fd, int init_fd)
{
    _cleanup_error_ orb_error *e = NULL;
    orb_sv s = {.p = p,
                .n = pm->n_apps,
                .sigfd = -1,
                .console_fd = -1,
                .console_peer_fd = -1,
                .deadline_ms = -1,
                .interactive = o->interactive,
                .stop_on_failure = o->stop_on_failure,
                .prefix_output = o->prefix_output};

    s.apps = xcalloc(s.n ? s.n : 1, sizeof(*s.apps));
    for (size_t i = 0; i < s.n; i++)
        s.apps[i].log.fd = -1;
    /* on success, orbit-init sends the report once it has the apps */
    if (setup(&s, pm, o, &e) < 0 || become_init(&s, init_fd, sync_fd, &e) < 0)
        orb_sync_send(sync_fd, e);
    return 1;
}
