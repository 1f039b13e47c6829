/* The supervisor's side of the apps' output: a pipe per stream of every
 * process, copied to the app's log and to our own stdout/stderr (the same
 * side), prefixed with the app's name when asked. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "exec/supervisor.h"
#include "util/fs.h"
#include "util/mem.h"

#define READ_CHUNK 65536
/* How long an ended process's pipes may take to reach EOF (a background
 * child may hold them forever; they stay polled after that). */
#define DRAIN_MS 250
/* How long the readers of our stdout/stderr get, at the end, for what they
 * have not taken yet. */
#define SINK_CLOSE_MS 2000

/* Another stream left a line unfinished on the same output: end it there,
 * and have its rest start a new prefixed line, so that apps never share a
 * line of the terminal. */
static void end_foreign_line(orb_sv *s, orb_sv_stream *st)
{
    unsigned owner = s->mid_line_owner[st->out];

    if (owner == 0 || owner == st->id)
        return;
    orb_sink_write(&s->sinks[st->out], "\n", 1);
    for (size_t k = 0; k < s->n_streams; k++)
        if (s->streams[k].id == owner)
            s->streams[k].lp.mid_line = false;
    s->mid_line_owner[st->out] = 0;
}

static void emit(orb_sv *s, orb_sv_stream *st, const char *buf, size_t n)
{
    orb_sv_app *a = &s->apps[st->app];

    if (st->input) {
        orb_sink_write(&s->console_in, buf, n);
        return;
    }
    /* logging is best effort: a full disk must not stop the pod */
    if (orb_app_log_write(&a->log, buf, n, NULL) < 0)
        orb_app_log_close(&a->log);
    if (!s->prefix_output) {
        orb_sink_write(&s->sinks[st->out], buf, n);
        return;
    }
    _cleanup_free_ char *out = NULL;
    size_t len;
    end_foreign_line(s, st);
    orb_prefix_lines(&st->lp, buf, n, &out, &len);
    orb_sink_write(&s->sinks[st->out], out, len);
    s->mid_line_owner[st->out] = st->lp.mid_line ? st->id : 0;
}

static orb_sv_stream *add_stream(orb_sv *s, orb_sv_app *a, int fd, int out, pid_t pid)
{
    orb_sv_stream *st = xgrow(&s->streams, &s->n_streams, sizeof(*s->streams));

    *st = (orb_sv_stream){.id = ++s->next_stream_id,
                          .fd = fd,
                          .app = (size_t)(a - s->apps),
                          .out = out,
                          .pid = pid,
                          .lp = {.prefix = a->prefix}};
    return st;
}

static void add_output(orb_sv *s, orb_sv_app *a, int fd, int out, pid_t pid)
{
    fcntl(fd, F_SETFL, O_NONBLOCK);
    add_stream(s, a, fd, out, pid);
}

static void close_stream(orb_sv *s, size_t k)
{
    orb_sv_stream *st = &s->streams[k];

    if (!st->input && s->prefix_output && st->lp.mid_line && s->mid_line_owner[st->out] == st->id) {
        orb_sink_write(&s->sinks[st->out], "\n", 1);
        s->mid_line_owner[st->out] = 0;
    }
    close(st->fd);
    memmove(st, st + 1, (s->n_streams - k - 1) * sizeof(*st));
    s->n_streams--;
}

/* false at EOF or on an error. */
static bool read_stream(orb_sv *s, orb_sv_stream *st)
{
    static char buf[READ_CHUNK];
    ssize_t n = read(st->fd, buf, sizeof(buf));

    if (n < 0)
        return errno == EAGAIN || errno == EINTR;
    if (n == 0)
        return false;
    emit(s, st, buf, (size_t)n);
    return true;
}

static void report_start_failure(orb_sv *s, orb_sv_app *a, const orb_error *e)
{
    _cleanup_free_ char *line = xasprintf("orbit: %s\n", e->msg);

    orb_app_log_write(&a->log, line, strlen(line), NULL);
    orb_sink_write(&s->sinks[STDERR_FILENO], line, strlen(line));
}

pid_t orb_sv_start(orb_sv *s, orb_sv_app *a, const orb_sv_exec *x)
{
    _cleanup_error_ orb_error *e = NULL;
    int out[2], err[2];
    pid_t pid;

    if (s->interactive) {
        orb_sv_io io = s->console_fd >= 0 ? ORB_SV_IO_CONSOLE : ORB_SV_IO_INHERIT;
        pid = orb_sv_spawn(a, x, io, -1, -1, &e);
        if (pid < 0)
            report_start_failure(s, a, e);
        return pid;
    }
    if (pipe2(out, O_CLOEXEC) < 0) {
        orb_err_sys(&e, errno, "app %s: pipe", a->name);
        report_start_failure(s, a, e);
        return -1;
    }
    if (pipe2(err, O_CLOEXEC) < 0) {
        orb_err_sys(&e, errno, "app %s: pipe", a->name);
        close(out[0]), close(out[1]);
        report_start_failure(s, a, e);
        return -1;
    }
    pid = orb_sv_spawn(a, x, ORB_SV_IO_PIPES, out[1], err[1], &e);
    close(out[1]), close(err[1]);
    if (pid < 0) {
        close(out[0]), close(err[0]);
        report_start_failure(s, a, e);
        return -1;
    }
    add_output(s, a, out[0], STDOUT_FILENO, pid);
    add_output(s, a, err[0], STDERR_FILENO, pid);
    return pid;
}

/* Polls the streams (of pid only, when pid > 0) and the signal fd (sigfd
 * >= 0); reads what is ready, closes what ended. */
static int poll_streams(orb_sv *s, int sigfd, pid_t pid, int timeout_ms)
{
    _cleanup_free_ struct pollfd *fds = xcalloc(s->n_streams + 4, sizeof(*fds));
    _cleanup_free_ orb_sink **sinks = xcalloc(s->n_streams + 4, sizeof(*sinks));
    _cleanup_free_ size_t *which = xcalloc(s->n_streams + 4, sizeof(*which));
    nfds_t n = 0, first_stream;
    int ret = 0;

    if (sigfd >= 0)
        fds[n++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
    /* a slow reader of our output (or an app slow to read its terminal's
     * input): what waits goes when it can take it */
    orb_sink *waiting[] = {&s->sinks[STDOUT_FILENO], &s->sinks[STDERR_FILENO], &s->console_in};
    for (size_t o = 0; o < ARRAY_SIZE(waiting); o++)
        if (orb_sink_pending(waiting[o])) {
            sinks[n] = waiting[o];
            fds[n++] = (struct pollfd){.fd = waiting[o]->fd, .events = POLLOUT};
        }
    first_stream = n;
    for (size_t k = 0; k < s->n_streams; k++) {
        if (pid > 0 && s->streams[k].pid != pid)
            continue;
        /* input is read only as fast as the app takes it: nothing dropped,
         * the terminal holds the rest */
        if (s->streams[k].input && !orb_sink_has_room(&s->console_in, READ_CHUNK))
            continue;
        which[n] = k;
        fds[n++] = (struct pollfd){.fd = s->streams[k].fd, .events = POLLIN};
    }
    if (n == first_stream && (pid > 0 || sigfd < 0))
        return 0; /* nothing to read: do not wait on the readers alone */
    if (poll(fds, n, timeout_ms) < 0)
        return errno == EINTR ? 0 : -1;
    /* backwards, so closing a stream does not move the ones still to see */
    for (nfds_t i = n; i-- > 0;) {
        if (!fds[i].revents)
            continue;
        if (sigfd >= 0 && i == 0)
            ret |= ORB_SV_POLL_SIGNAL;
        else if (i < first_stream)
            orb_sink_flush(sinks[i]);
        else if (!read_stream(s, &s->streams[which[i]]))
            close_stream(s, which[i]);
    }
    return ret;
}

void orb_sv_attach_console(orb_sv *s)
{
    int in = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
    int out = fcntl(s->console_fd, F_DUPFD_CLOEXEC, 3);

    /* output: the pty's master, read until the app's side is closed (EIO) */
    if (out >= 0)
        add_output(s, &s->apps[0], out, STDOUT_FILENO, 0);
    orb_sink_attach(&s->console_in, s->console_fd);
    if (in >= 0)
        add_stream(s, &s->apps[0], in, s->console_fd, 0)->input = true;
    orb_sv_resize_console(s);
}

void orb_sv_resize_console(const orb_sv *s)
{
    struct winsize ws;

    if (s->console_fd >= 0 && ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
        ioctl(s->console_fd, TIOCSWINSZ, &ws);
}

int orb_sv_poll(orb_sv *s, int timeout_ms)
{
    return poll_streams(s, s->sigfd, 0, timeout_ms);
}

static bool has_streams(const orb_sv *s, pid_t pid)
{
    for (size_t k = 0; k < s->n_streams; k++)
        if (s->streams[k].pid == pid)
            return true;
    return false;
}

void orb_sv_drain(orb_sv *s, pid_t pid)
{
    int64_t deadline = orb_monotonic_ms() + DRAIN_MS;

    while (has_streams(s, pid)) {
        int64_t left = deadline - orb_monotonic_ms();
        if (left <= 0 || poll_streams(s, -1, pid, (int)left) < 0)
            break;
    }
}

void orb_sv_open_sinks(orb_sv *s)
{
    orb_sink_open(&s->sinks[STDOUT_FILENO], STDOUT_FILENO);
    orb_sink_open(&s->sinks[STDERR_FILENO], STDERR_FILENO);
}

static void close_sinks(orb_sv *s)
{
    uint64_t dropped = orb_sink_close(&s->sinks[STDOUT_FILENO], SINK_CLOSE_MS);

    if (dropped > 0) {
        _cleanup_free_ char *note =
            xasprintf("orbit: %llu bytes of the apps' output were not copied to stdout, whose "
                      "reader fell behind; the apps' logs have all of it\n",
                      (unsigned long long)dropped);
        orb_sink_write(&s->sinks[STDERR_FILENO], note, strlen(note));
    }
    orb_sink_close(&s->sinks[STDERR_FILENO], SINK_CLOSE_MS);
    orb_sink_close(&s->console_in, 0); /* typed after the app ended: not ours */
}

void orb_sv_flush(orb_sv *s)
{
    while (s->n_streams > 0) {
        orb_sv_stream *st = &s->streams[s->n_streams - 1];
        struct pollfd pfd = {.fd = st->fd, .events = POLLIN};
        /* what the terminal sent after the app ended is not ours to take */
        while (!st->input && poll(&pfd, 1, 0) > 0 && read_stream(s, st))
            ;
        close_stream(s, s->n_streams - 1);
    }
    free(s->streams);
    s->streams = NULL;
    close_sinks(s);
}
